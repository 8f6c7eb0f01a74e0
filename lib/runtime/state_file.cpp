#include "runtime/state_file.hpp"

#include "core/file.hpp"
#include "core/log.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace mtxrelay::runtime {

namespace {

constexpr int k_schema = 1;
constexpr size_t k_max_document = 1 << 20;

// mkdir -p with mode 0700 for the directories we create.
bool make_dirs(const std::string& dir)
{
    std::string partial;
    for (size_t at = 0; at <= dir.size(); ++at) {
        if (at == dir.size() || (dir[at] == '/' && at > 0)) {
            partial = dir.substr(0, at);
            if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
                return false;
            }
        }
    }
    struct stat info {};
    return ::stat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool write_all(int fd, const std::string& data)
{
    size_t done = 0;
    while (done < data.size()) {
        const auto n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

} // namespace

std::string runtime_dir(const std::optional<std::string>& flag, const core::EnvLookup& env)
{
    if (flag && !flag->empty()) {
        return *flag;
    }
    if (const auto dir = env("RELAY_RUNTIME_DIR")) {
        return *dir;
    }
    if (const auto xdg = env("XDG_RUNTIME_DIR")) {
        return *xdg + "/mtxrelay";
    }
    return fmt::format("/tmp/mtxrelay-{}", ::getuid());
}

std::string now_text()
{
    return core::log::timestamp(std::chrono::system_clock::now());
}

unsigned long long process_start_ticks(pid_t pid)
{
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string stat;
    if (!in || !std::getline(in, stat)) {
        return 0;
    }
    // "pid (comm) state ..." where comm may hold spaces and ')': fields count from the last ')'.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int index = 3; index <= 22 && fields >> field; ++index) {
        if (index == 22) {
            return std::strtoull(field.c_str(), nullptr, 10);
        }
    }
    return 0;
}

StateFile::StateFile(std::string dir, std::string tool)
    : m_dir(std::move(dir)), m_tool(std::move(tool)), m_started_at(now_text()),
      m_pid_start(process_start_ticks(::getpid()))
{
    m_file = fmt::format("{}/{}-{}.json", m_dir, m_tool, ::getpid());
    m_enabled = make_dirs(m_dir);
    if (!m_enabled) {
        core::log::warn("runtime directory {} cannot be used ({}): relay-status will not see this hook; set "
                        "RELAY_RUNTIME_DIR to a writable directory",
                        m_dir, core::errno_message("mkdir"));
    }
}

StateFile::~StateFile()
{
    if (m_enabled) {
        ::unlink(m_file.c_str());
    }
}

void StateFile::write(nlohmann::json document)
{
    if (!m_enabled) {
        return;
    }
    document["schema"] = k_schema;
    document["tool"] = m_tool;
    document["pid"] = ::getpid();
    document["pidStart"] = m_pid_start;
    document["startedAt"] = m_started_at;
    document["updatedAt"] = now_text();
    const auto text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const auto temporary = m_file + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const bool written = fd >= 0 && write_all(fd, text);
    const int saved = errno;
    if (fd >= 0) {
        ::close(fd);
    }
    if (written && ::rename(temporary.c_str(), m_file.c_str()) == 0) {
        return;
    }
    errno = saved;
    ::unlink(temporary.c_str());
    if (!m_warned) {
        core::log::warn("cannot write the state document {}: {}", m_file, core::errno_message("write"));
        m_warned = true;
    }
}

Scan scan_runtime_dir(const std::string& dir)
{
    Scan scan;
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) {
        if (errno != ENOENT) {
            scan.problems.push_back(core::errno_message("cannot open the runtime directory " + dir));
        }
        return scan;
    }
    std::vector<std::string> names;
    while (const auto* entry = ::readdir(handle)) {
        const std::string name = entry->d_name;
        if (name.size() > 5 && name.ends_with(".json")) {
            names.push_back(name);
        }
    }
    ::closedir(handle);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        const auto file = dir + "/" + name;
        const auto text = core::read_regular_file(file, k_max_document);
        if (!text) {
            if (::access(file.c_str(), F_OK) == 0) { // else removed since the listing: its hook just ended
                scan.problems.push_back(text.error().message);
            }
            continue;
        }
        auto document = nlohmann::json::parse(text.value(), nullptr, false);
        if (document.is_discarded() || !document.is_object() || !document.contains("pid") ||
            !document["pid"].is_number_integer()) {
            scan.problems.push_back(fmt::format("{} is not a state document: skipped", file));
            continue;
        }
        const auto pid = document["pid"].get<pid_t>();
        const auto start = document.value("pidStart", 0ULL);
        const bool exists = pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
        const bool alive = exists && (start == 0 || process_start_ticks(pid) == start);
        scan.documents.push_back({file, std::move(document), alive});
    }
    return scan;
}

} // namespace mtxrelay::runtime
