#!/usr/bin/env bash
# The README's test command and what CI runs: installs what is missing, builds with warnings
# as errors, checks formatting, runs every test (unit, integration, end-to-end), the unit
# tests and a subset of the integration tests again with every tool built with
# AddressSanitizer + UndefinedBehaviorSanitizer, and each libFuzzer target
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
setsid nice -n 19 cmake --build build-asan -j"$(nproc)" --target unit_tests fake_child relay-clean relay-cf-url \
    relay-devcloud relay-hls-ready relay-inspect relay-restream >build-asan/build.log 2>&1 &
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

# The tools themselves under the sanitizers: a fast subset of the integration tests, at least
# one per tool, on the stand-in relay. Every process's stderr is kept (MTXRELAY_KEEP_TMP) and
# searched for a report, so one a test's own checks would not notice (a leak at exit, UB in a
# line nobody reads) still fails here. (ASan's log_path does not take LeakSanitizer's report.)
echo "== the tools under ASan + UBSan (integration subset)"
san_tmp="$PWD/build-asan/test-tmp"
rm -rf "$san_tmp"
(cd tests/integration && MTXRELAY_BIN_DIR="$PWD/../../build-asan/bin" MTXRELAY_TEST_TMP="$san_tmp" \
    MTXRELAY_KEEP_TMP=1 MTXRELAY_MEDIAMTX= ASAN_OPTIONS="detect_leaks=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    /usr/bin/python3 -m unittest \
    test_tool_lifecycle.CleanTargetCloudTest test_tool_lifecycle.CleanEndsTest.test_sigterm_while_streaming_stops_ffmpeg_and_exits_130 \
    test_tool_lifecycle.DevCloudExitCodesTest \
    test_cf_url.CfUrlTest.test_found_prints_only_the_url test_cf_url.CfUrlTest.test_two_500s_then_success_after_two_logged_retries \
    test_inspect_cli.InspectCliTest.test_a_clean_file_is_0_and_its_json_says_pass \
    test_inspect_cli.InspectCliTest.test_an_input_that_cannot_be_analysed_is_7_with_no_report \
    test_hls_ready.HlsReadyTest.test_hls_ready_arrives_only_after_the_playlist_lists_two_segments \
    test_restream.RestreamTest.test_the_manual_run_with_a_source_url_and_a_destinations_file \
    test_restream.RestreamTest.test_sigkill_of_relay_restream_takes_its_copies_down)
if grep -rlE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$san_tmp" >/dev/null; then
    grep -rE -A30 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$san_tmp"
    echo "test.sh: the sanitizers reported the errors above" >&2
    exit 1
fi

echo "== fuzz targets (15 s each)"
scripts/fuzz.sh
