#include "restream/lists.hpp"

#include "cloud/client.hpp"
#include "core/log.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace mtxrelay::restream {

namespace {

using namespace std::chrono;

constexpr size_t k_max_file_bytes = 1024 * 1024;

} // namespace

http::RetryHooks cancellable_hooks(std::function<bool()> cancelled)
{
    http::RetryHooks hooks;
    hooks.sleep = [cancelled](milliseconds wait) {
        const auto deadline = steady_clock::now() + wait;
        while (steady_clock::now() < deadline) {
            if (cancelled()) {
                return false;
            }
            std::this_thread::sleep_for(
                std::min(milliseconds(50), duration_cast<milliseconds>(deadline - steady_clock::now())));
        }
        return !cancelled();
    };
    hooks.now = [] { return steady_clock::now(); };
    hooks.on_retry = [](const std::string& what, int retry, int max_retries, milliseconds wait) {
        core::log::warn("{}; retry {}/{} in {:.1f} s", what, retry, max_retries, wait.count() / 1000.0);
    };
    return hooks;
}

core::Result<cloud::Destinations> read_destinations_file(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return core::Failure{core::ErrorKind::invalid, core::errno_message(fmt::format("reading {}", path))};
    }
    std::string text(k_max_file_bytes + 1, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(file.gcount()));
    if (text.size() > k_max_file_bytes) {
        return core::Failure{core::ErrorKind::invalid, fmt::format("{} is larger than 1 MiB", path)};
    }
    const auto document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded()) {
        return core::Failure{core::ErrorKind::invalid, fmt::format("{} is not valid JSON", path)};
    }
    auto parsed = cloud::parse_destinations_json(document);
    if (!parsed) {
        return core::Failure{core::ErrorKind::invalid, fmt::format("{}: {}", path, parsed.error().message)};
    }
    return parsed;
}

DestinationSet ListState::absorb(PollResult result, const cloud::UrlPolicy& policy)
{
    if (result.cf_ok) {
        m_cf_url = result.cf_url;
    }
    if (result.list_ok) {
        m_entries = std::move(result.entries);
    }
    std::string problems;
    for (const auto& problem : result.problems) {
        problems += (problems.empty() ? "" : "; ") + problem;
    }
    if (problems != m_problems_text) {
        if (problems.empty()) {
            core::log::info("destination lists readable again");
        } else {
            core::log::warn("keeping the current destinations: {}", problems);
        }
        m_problems_text = problems;
    }
    auto set = build_destination_set(m_cf_url, m_entries, policy);
    for (const auto& destination : set.destinations) {
        register_url_secrets(destination.url);
    }
    std::string refused_text;
    for (const auto& refused : set.refused) {
        refused_text += refused.label + refused.reason + "\n";
    }
    if (refused_text != m_refused_text) {
        for (const auto& refused : set.refused) {
            core::log::warn("refused {}: {}", refused.label, refused.reason);
        }
        m_refused_text = refused_text;
    }
    m_refused = set.refused;
    return set;
}

PollResult fetch_lists(const ListSources& sources, http::Transport& transport, const http::RetryHooks& hooks,
                       const std::function<bool()>& cancelled)
{
    PollResult result;
    std::optional<cloud::CloudClient> client;
    if (sources.cloud) {
        client.emplace(*sources.cloud, transport, hooks);
        if (cancelled) {
            client->set_cancel(cancelled);
        }
    }
    if (sources.cf_url && client) {
        auto found = client->cf_url(sources.user_id, sources.stream_id);
        if (found) {
            result.cf_url = found.value().url;
        } else if (found.error().kind != core::ErrorKind::not_found) {
            result.cf_ok = false;
            result.problems.push_back(found.error().message);
        }
    }
    if (sources.destinations_file) {
        auto read = read_destinations_file(*sources.destinations_file);
        if (read) {
            result.entries = std::move(read.value().entries);
        } else {
            result.list_ok = false;
            result.problems.push_back(read.error().message);
        }
    } else if (client) {
        auto listed = client->destinations(sources.user_id, sources.stream_id);
        if (listed) {
            result.entries = std::move(listed.value().entries);
        } else if (listed.error().kind != core::ErrorKind::not_found) {
            result.list_ok = false;
            result.problems.push_back(listed.error().message);
        }
    }
    return result;
}

} // namespace mtxrelay::restream
