#include "core/file.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

using mtxrelay::core::read_regular_file;

TEST_CASE("files from operators are read only when regular and bounded, never blocking", "[core][file]")
{
    const auto dir = std::filesystem::temp_directory_path() / ("mtxrelay-file-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const auto small = dir / "small.json";
    std::ofstream(small) << "{}";

    CHECK(read_regular_file(small.string(), 16).value() == "{}");
    const auto started = std::chrono::steady_clock::now();
    const auto from_fifo = read_regular_file(fifo.string(), 16); // opening it O_RDONLY alone would block
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
    REQUIRE_FALSE(from_fifo);
    CHECK_THAT(from_fifo.error().message, Catch::Contains("is not a regular file"));
    CHECK_THAT(read_regular_file("/dev/zero", 16).error().message, Catch::Contains("is not a regular file"));
    CHECK_THAT(read_regular_file(dir.string(), 16).error().message, Catch::Contains("is not a regular file"));
    CHECK_THAT(read_regular_file(small.string(), 1).error().message, Catch::Contains("larger than 1 bytes"));
    CHECK_THAT(read_regular_file((dir / "missing").string(), 16).error().message,
               Catch::Contains("No such file or directory"));
    std::filesystem::remove_all(dir);
}
