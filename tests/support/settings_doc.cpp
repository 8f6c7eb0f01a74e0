// Prints the settings table of docs/configuration.md from the rows (lib/app/settings.hpp), or,
// with --write FILE, replaces the table between its markers in FILE. Build-only: not installed.
// The unit test "docs/configuration.md's table is the rows' table" fails until it is rerun.

#include "app/settings.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    const std::string usage = "usage: settings-doc [--write docs/configuration.md]";
    if (argc == 1) {
        std::cout << app::settings_markdown();
        return 0;
    }
    if (argc != 3 || std::string(argv[1]) != "--write") {
        std::cerr << usage << "\n";
        return 2;
    }
    std::ifstream in(argv[2]);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
        std::cerr << "settings-doc: error: cannot read " << argv[2] << "\n";
        return 1;
    }
    const auto updated = app::with_settings_table(text.str());
    if (!updated) {
        std::cerr << "settings-doc: error: " << argv[2] << " has no settings table markers: put\n"
                  << app::k_table_begin << "\n"
                  << app::k_table_end << "\naround the table\n";
        return 1;
    }
    std::ofstream(argv[2]) << *updated;
    std::cout << "settings-doc: wrote the settings table of " << argv[2] << "\n";
    return 0;
}
