#!/usr/bin/env bash
# README's first command: installs what is missing, builds, and runs the whole relay on
# loopback for about 30 s (scripts/demo.py), then prints a report. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh >/dev/null
exec /usr/bin/python3 scripts/demo.py "$@"
