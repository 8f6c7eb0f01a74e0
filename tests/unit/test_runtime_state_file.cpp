#include "runtime/state_file.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using mtxrelay::runtime::runtime_dir;
using mtxrelay::runtime::scan_runtime_dir;
using mtxrelay::runtime::StateFile;

namespace {

// A fresh directory under the system temp dir, removed at the end.
struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "mtxrelay-state-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() { fs::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

mtxrelay::core::EnvLookup env_of(std::map<std::string, std::string> values)
{
    return [values](std::string_view name) -> std::optional<std::string> {
        const auto it = values.find(std::string(name));
        return it == values.end() ? std::nullopt : std::optional(it->second);
    };
}

} // namespace

TEST_CASE("the runtime directory comes from the flag, RELAY_RUNTIME_DIR, XDG_RUNTIME_DIR, then /tmp", "[runtime]")
{
    const auto env = env_of({{"RELAY_RUNTIME_DIR", "/r"}, {"XDG_RUNTIME_DIR", "/run/user/7"}});
    CHECK(runtime_dir(std::string("/flag"), env) == "/flag");
    CHECK(runtime_dir(std::nullopt, env) == "/r");
    CHECK(runtime_dir(std::nullopt, env_of({{"XDG_RUNTIME_DIR", "/run/user/7"}})) == "/run/user/7/mtxrelay");
    CHECK(runtime_dir(std::nullopt, env_of({})) == "/tmp/mtxrelay-" + std::to_string(::getuid()));
}

TEST_CASE("a state document is replaced whole, found alive, and removed with its writer", "[runtime]")
{
    TempDir dir;
    const auto nested = dir.path / "a" / "b";
    std::string file;
    {
        StateFile state(nested.string(), "relay-test");
        REQUIRE(state.enabled());
        file = state.file();
        CHECK(file == (nested / ("relay-test-" + std::to_string(::getpid()) + ".json")).string());
        state.write({{"path", "clean/alice/s1"}, {"n", 1}});
        state.write({{"path", "clean/alice/s1"}, {"n", 2}});
        struct stat info {};
        REQUIRE(::stat(nested.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0700);
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
        const auto scan = scan_runtime_dir(nested.string());
        REQUIRE(scan.documents.size() == 1);
        CHECK(scan.problems.empty());
        const auto& found = scan.documents.front();
        CHECK(found.alive);
        CHECK(found.document["n"] == 2);
        CHECK(found.document["tool"] == "relay-test");
        CHECK(found.document["pid"] == ::getpid());
        CHECK(found.document["schema"] == 1);
        CHECK_FALSE(fs::exists(file + ".tmp"));
    }
    CHECK_FALSE(fs::exists(file));
    CHECK(scan_runtime_dir(nested.string()).documents.empty());
}

TEST_CASE("a document whose process is gone is stale; garbage is named, not fatal", "[runtime]")
{
    TempDir dir;
    const pid_t child = ::fork();
    if (child == 0) {
        StateFile state(dir.path.string(), "relay-killed");
        state.write({{"path", "clean/bob/s2"}});
        ::_exit(0); // no destructor: like a SIGKILLed hook, the document stays
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    std::ofstream(dir.path / "broken.json") << "{not json";
    std::ofstream(dir.path / "notes.txt") << "ignored";
    const auto scan = scan_runtime_dir(dir.path.string());
    REQUIRE(scan.documents.size() == 1);
    CHECK_FALSE(scan.documents.front().alive);
    CHECK(scan.documents.front().document["path"] == "clean/bob/s2");
    REQUIRE(scan.problems.size() == 1);
    CHECK(scan.problems.front().find("broken.json") != std::string::npos);
    CHECK(scan_runtime_dir((dir.path / "missing").string()).documents.empty());
}

TEST_CASE("a directory that cannot be created disables the writer without failing the hook", "[runtime]")
{
    TempDir dir;
    std::ofstream(dir.path / "file") << "x";
    StateFile state((dir.path / "file" / "sub").string(), "relay-test");
    CHECK_FALSE(state.enabled());
    state.write({{"n", 1}}); // a no-op
}
