#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Quick start: installs what is missing, builds memprof, profiles the bundled example and
# prints its report, its per-line table and its leaks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
out="$root/build/example"
mkdir -p "$out"
g++ -std=c++20 -O1 -g -fno-omit-frame-pointer -o "$out/word_index" "$root/examples/word_index.cpp"
cd "$out"
rm -f ./*.mprof
set -x
"$root/build/bin/memprof" run -o word_index.mprof -- ./word_index 200000
"$root/build/bin/memprof" report word_index.mprof
"$root/build/bin/memprof" lines --function 'build_index|main' word_index.mprof
"$root/build/bin/memprof" leaks word_index.mprof
