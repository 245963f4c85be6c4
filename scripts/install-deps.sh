#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages memprof needs to build, test and plot, if any are missing.
# Needs root (or sudo). Safe to run repeatedly: does nothing when everything is there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config python3
  libunwind-dev libdw-dev libelf-dev libzstd-dev libjemalloc-dev
  nlohmann-json3-dev libcli11-dev
  libboost-test-dev libboost-iostreams-dev libgnuplot-iostream-dev gnuplot-nox
  valgrind
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "memprof: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "memprof: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
