#!/usr/bin/env bash
# Configures and builds mtxrelay into build/ (tools in build/bin). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
# A unity build: the heavy header-only libraries are parsed once per batch, not once per file.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
