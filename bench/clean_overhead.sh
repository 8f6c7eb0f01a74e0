#!/usr/bin/env bash
# relay-clean vs bare ffmpeg with the identical argv on the same live input: CPU, RSS and
# latency ratios measured in one run (see bench/README.md). Extra args go to the .py.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir="${MTXRELAY_BIN_DIR:-build/bin}"
if [[ ! -x "$bin_dir/relay-clean" ]]; then
    scripts/build.sh
fi
exec /usr/bin/python3 bench/clean_overhead.py "$@"
