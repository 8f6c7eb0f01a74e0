#include "restream/lists.hpp"

#include "cloud/client.hpp"
#include "core/file.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

#include <fmt/format.h>

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
    // Opened without blocking: a FIFO in its place must not hold the poller (and so the exit).
    const auto text = core::read_regular_file(path, k_max_file_bytes);
    if (!text) {
        return text.error();
    }
    const auto document = core::parse_json(text.value());
    if (!document) {
        return core::Failure{core::ErrorKind::invalid, fmt::format("{} is {}", path, document.error().message)};
    }
    auto parsed = cloud::parse_destinations_json(document.value());
    if (!parsed) {
        return core::Failure{core::ErrorKind::invalid, fmt::format("{}: {}", path, parsed.error().message)};
    }
    return parsed;
}

DestinationSet ListState::absorb(PollResult result, const net::DestinationPolicy& policy)
{
    if (result.cf_ok) {
        m_cf_url = result.cf_url;
    }
    if (result.list_ok) {
        m_entries = std::move(result.entries);
    }
    std::string kept;
    for (auto& [name, answer] : result.resolved) {
        const auto previous = m_resolved.find(name);
        if (answer || previous == m_resolved.end() || !previous->second) {
            m_resolved.insert_or_assign(name, std::move(answer));
        } else {
            kept += (kept.empty() ? "" : "; ") + answer.error().message;
        }
    }
    if (kept != m_kept_text) {
        if (!kept.empty()) {
            core::log::warn("keeping the last addresses of hosts that did not resolve now: {}", kept);
        }
        m_kept_text = kept;
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
    auto set = build_destination_set(m_cf_url, m_entries, policy, m_resolved);
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
                       const net::Resolver& resolve, const std::function<bool()>& cancelled)
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
    result.resolved = resolve_names(names_to_resolve(result.cf_url, result.entries, sources.policy), resolve);
    return result;
}

} // namespace mtxrelay::restream
