#!/usr/bin/env bash
# Publish -> first clean frame, per kind of glasses stream, for relay-clean against the seeds'
# command and a `-c copy` relay started the same way, plus publish -> first frame at a
# restream destination and -> hls-ready (see bench/README.md). Extra args go to the .py,
# e.g. --rounds 5, --baseline-bin /path/to/main/build/bin, --inputs "no audio" portrait.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir="${MTXRELAY_BIN_DIR:-build/bin}"
if [[ ! -x "$bin_dir/relay-clean" ]]; then
    scripts/build.sh
fi
exec /usr/bin/python3 bench/startup.py "$@"
