#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format (fix with: clang-format -i <file>).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'lib/*.cpp' 'lib/*.hpp' 'tools/*.cpp' 'tests/*.cpp' 'fuzz/*.cpp' 2>/dev/null || true)
[ -n "$files" ] || files=$(find lib tools tests fuzz -name '*.cpp' -o -name '*.hpp')
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files
echo "format: $(echo "$files" | wc -w) files clean"
