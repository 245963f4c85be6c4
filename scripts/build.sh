#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds memprof into ./build (Release, warnings as errors).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
