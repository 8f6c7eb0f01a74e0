#!/usr/bin/env bash
# The README's test command and what CI runs: installs what is missing, builds with warnings
# as errors, checks formatting, runs every test (unit, integration, end-to-end), the unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer, and each libFuzzer target
# for a short fixed budget (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# The relay tests run on nginx-rtmp and, when a MediaMTX binary is given (MTXRELAY_MEDIAMTX or
# mediamtx on PATH), on MediaMTX too; say which, since ctest shows no skip reasons.
/usr/bin/python3 -c 'import sys; sys.path.insert(0, "tests/integration"); import backends
binary, why = backends.mediamtx_binary()
print(f"test: MediaMTX {binary}: every relay test runs on nginx-rtmp and on MediaMTX" if binary
      else f"test: {why}; the MediaMTX tests are skipped")'
scripts/format-check.sh
scripts/build.sh -DMTXRELAY_WERROR=ON

# The sanitizer build compiles at the lowest CPU priority while the integration tests run:
# they take the CPU whenever they need it, the compiler gets what real-time video leaves idle.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_UNITY_BUILD=ON -DMTXRELAY_SANITIZE=ON \
    -DMTXRELAY_WERROR=ON >/dev/null
setsid nice -n 19 cmake --build build-asan -j"$(nproc)" --target unit_tests fake_child >build-asan/build.log 2>&1 &
asan_build=$!
trap 'kill -- -"$asan_build" 2>/dev/null || true' EXIT

# Integration tests run real-time video: one at a time, so timing-sensitive ones are not starved.
ctest --test-dir build --output-on-failure --timeout 900

echo "== unit tests under ASan + UBSan"
if ! wait "$asan_build"; then
    cat build-asan/build.log
    echo "test.sh: the ASan + UBSan build failed (log above)" >&2
    exit 1
fi
trap - EXIT
ctest --test-dir build-asan -L unit --output-on-failure

echo "== fuzz targets (15 s each)"
scripts/fuzz.sh
