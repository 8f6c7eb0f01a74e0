#!/usr/bin/env bash
# The README's test command and what CI runs: installs what is missing, builds with warnings
# as errors, checks formatting, runs every test (unit, integration, end-to-end) and the unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/format-check.sh
scripts/build.sh -DMTXRELAY_WERROR=ON
# Integration tests run real-time video: one at a time, so timing-sensitive ones are not starved.
ctest --test-dir build --output-on-failure --timeout 900

echo "== unit tests under ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMTXRELAY_SANITIZE=ON -DMTXRELAY_WERROR=ON >/dev/null
cmake --build build-asan -j"$(nproc)" --target unit_tests fake_child
ctest --test-dir build-asan -L unit --output-on-failure
