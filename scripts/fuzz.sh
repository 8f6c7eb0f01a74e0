#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz and runs each for a fixed
# budget, starting from its committed seed corpus (fuzz/<target>/corpus, read only: new inputs
# go to build-fuzz/corpus/<target>). Fails on any crash, leak, timeout or sanitizer report and
# prints how many inputs each target ran. FUZZ_SECONDS (default 15) is the budget per target;
# the longer run is in docs/security.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-15}"
targets=(url playlist cloud_types hook_context redact progress)

CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMTXRELAY_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_all >build-fuzz/build.log 2>&1 || {
    cat build-fuzz/build.log
    echo "fuzz: the build failed (log above)" >&2
    exit 1
}

mkdir -p build-fuzz/artifacts
for target in "${targets[@]}"; do
    work="build-fuzz/corpus/$target"
    log="build-fuzz/fuzz-$target.log"
    mkdir -p "$work"
    if ! "build-fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$target-" "$work" "fuzz/$target/corpus" \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz: $target failed (log above; the input is in build-fuzz/artifacts/)" >&2
        exit 1
    fi
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    corpus=$(grep -oE 'Done [0-9]+ runs' "$log" >/dev/null && ls "$work" | wc -l)
    echo "fuzz: $target: $runs inputs in ${seconds} s, corpus $corpus, no crash, leak or sanitizer report"
done
