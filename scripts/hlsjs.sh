#!/usr/bin/env bash
# Installs hls.js (pinned version and checksum) from the npm registry into a cache outside
# the repository and prints the path of its hls.min.js. The browser playback test serves it
# to headless Chromium. Idempotent and offline once installed: when the file is there with
# the pinned SHA-256, nothing is downloaded.
#   cache: $MTXRELAY_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/mtxrelay
set -euo pipefail

version=1.6.15
sha256=413a83e2bb0c77ed0bf0be105d539d17ef45dfd984a0b13ecd3b14a901383938

cache=${MTXRELAY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mtxrelay}
prefix="$cache/npm/hls.js-$version"
file="$prefix/node_modules/hls.js/dist/hls.min.js"

pinned() { [ -f "$file" ] && echo "$sha256  $file" | sha256sum --check --status; }

if ! pinned; then
    command -v npm >/dev/null || { echo "hlsjs: npm is missing: run scripts/deps.sh" >&2; exit 1; }
    rm -rf "$prefix"
    mkdir -p "$prefix"
    if ! npm install --prefix "$prefix" "hls.js@$version" --no-audit --no-fund --no-package-lock \
        --ignore-scripts >"$prefix/npm.log" 2>&1; then
        tail -5 "$prefix/npm.log" >&2
        echo "hlsjs: npm install hls.js@$version failed (log: $prefix/npm.log)" >&2
        exit 1
    fi
    pinned || { echo "hlsjs: $file does not have the pinned SHA-256 $sha256" >&2; exit 1; }
fi
echo "$file"
