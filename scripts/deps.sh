#!/usr/bin/env bash
# Installs the Debian 12 packages mtxrelay needs to build, test and run. Idempotent and fast:
# when everything is installed it only checks. Needs root (or sudo) for apt-get.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config libcurl4-openssl-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  catch2 libcpp-httplib-dev clang-format
  # fuzzing (scripts/fuzz.sh): clang and the compiler-rt runtime that provides -fsanitize=fuzzer
  clang libclang-rt-14-dev
  # run and test: ffmpeg/ffprobe, nginx-rtmp as the MediaMTX stand-in, python for the test harness
  ffmpeg nginx libnginx-mod-rtmp python3 python3-yaml ca-certificates procps
  # the browser playback test: headless Chromium driven through chromedriver, iproute2 for the
  # network-namespace publisher of the MediaMTX tests
  chromium chromium-driver iproute2
)
# hls.js comes from the npm registry (scripts/hlsjs.sh). An npm that is already there (e.g.
# with Node.js from elsewhere) is used as it is: Debian's npm package would replace that Node.js.
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: missing ${missing[*]} and not root (no sudo): install them as root" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
