#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""memprof plot / peak / list / clean on a program of known shape (shape_64_32.c):
64 MiB allocated, held, freed; then 32 MiB held and freed.

Checks the data the plots were drawn from (--data JSON and CSV), not pixels: the heap peak is
64 MiB, the heap series goes 0 -> 64 MiB -> 0 -> 32 MiB -> 0 in that order; the SVG parses as
XML; the text plot and the PNG exist; the commands find the newest log of the current directory;
errors name the file. Stdlib only.

    plot_test.py --memprof BIN --preload LIB --program SHAPE_BINARY
Exit status: 0 passed, 1 failed, 77 skipped (no gnuplot).
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

MIB = 1024 * 1024
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


def run(cmd, cwd, env=None):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=90)
    return r


def describe(r):
    return "`%s` -> exit %d\n  stdout: %s\n  stderr: %s" % (" ".join(r.args), r.returncode, r.stdout[-800:], r.stderr[-800:])


def heap_shape(values):
    """Distinct levels in order, consecutive repeats removed: e.g. [0, 64M, 0, 32M, 0]."""
    out = []
    for v in values:
        if not out or out[-1] != v:
            out.append(v)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memprof", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    a.memprof, a.preload, a.program = (os.path.abspath(p) for p in (a.memprof, a.preload, a.program))
    if shutil.which("gnuplot") is None:
        print("SKIP: gnuplot not installed (apt install gnuplot-nox)")
        return 77
    tmp = tempfile.mkdtemp(prefix="memprof-plot-")
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # no window: the default output must be a PNG next to the log
    env.pop("WAYLAND_DISPLAY", None)
    mp = a.memprof
    try:
        r = run([mp, "run", "-o", "shape.mprof", "--", a.program], tmp, env)
        log = os.path.join(tmp, "shape.mprof")
        if not check(r.returncode == 0 and os.path.isfile(log), "memprof run: " + describe(r)):
            return 1

        # Text plot + JSON data.
        r = run([mp, "plot", "-o", "x.txt", "--data", "x.json", "shape.mprof"], tmp, env)
        check(r.returncode == 0, "plot -o x.txt --data x.json: " + describe(r))
        txt = os.path.join(tmp, "x.txt")
        check(os.path.isfile(txt) and os.path.getsize(txt) > 0 and "time (s)" in open(txt).read(),
              "x.txt should be a text plot with a time axis")
        with open(os.path.join(tmp, "x.json")) as f:
            data = json.load(f)
        check(data["heap_peak"]["bytes"] == 64 * MIB, "heap_peak.bytes: expected 64 MiB, got %r" % data["heap_peak"])
        check("shape_64_32.c" in data["heap_peak"]["site"], "heap_peak.site should name shape_64_32.c: %r" % data["heap_peak"]["site"])
        heap = [s for s in data["series"] if s["kind"] == "heap"]
        if check(len(heap) == 1, "one heap series expected, got %r" % [s["name"] for s in data["series"]]):
            h = heap[0]
            check(max(h["bytes"]) == 64 * MIB, "heap series max: %r" % max(h["bytes"]))
            check(heap_shape(h["bytes"]) == [0, 64 * MIB, 0, 32 * MIB, 0],
                  "heap series shape: expected 0,64M,0,32M,0, got %r" % heap_shape(h["bytes"]))
            check(h["t"] == sorted(h["t"]), "heap series times must be in order")
            check(abs(h["t"][h["bytes"].index(64 * MIB)] - data["heap_peak"]["t"]) < 1e-9,
                  "heap_peak.t should be the time the series reaches 64 MiB")
        rss = [s for s in data["series"] if s["kind"] == "rss"]
        check(len(rss) == 1 and max(rss[0]["bytes"]) >= 64 * MIB,
              "RSS series should reach 64 MiB (the block is touched): %r" % [max(s["bytes"]) for s in rss])

        # SVG + CSV data, stacked sites and a function bracket.
        r = run([mp, "plot", "-o", "x.svg", "--data", "x.csv", "--stacked", "2", "--function", "^main$", log], tmp, env)
        check(r.returncode == 0, "plot -o x.svg --stacked 2 --function: " + describe(r))
        try:
            root = ET.parse(os.path.join(tmp, "x.svg")).getroot()
            check(root.tag.endswith("svg"), "x.svg root element is %r" % root.tag)
        except (ET.ParseError, OSError) as e:
            check(False, "x.svg does not parse as XML: %s" % e)
        with open(os.path.join(tmp, "x.csv")) as f:
            rows = [row for row in csv.reader(l for l in f if not l.startswith("#"))]
        check(rows and rows[0] == ["series", "t_s", "bytes"], "CSV header: %r" % rows[:1])
        sites = {}
        for name, _, b in rows[1:]:
            if name.startswith("site:"):
                sites.setdefault(name, []).append(int(b))
        check(len(sites) == 3, "--stacked 2: expected two sites and 'other', got %r" % list(sites))
        maxima = sorted(max(v) for v in sites.values())
        check(maxima[-2:] == [32 * MIB, 64 * MIB], "site maxima should be 32 MiB and 64 MiB: %r" % maxima)
        check(any(n.startswith("function:main") for n, _, _ in rows[1:]), "--function ^main$ should give spans of main")

        # Newest log of the current directory, default output: a PNG next to the log.
        r = run([mp, "plot"], tmp, env)
        png = os.path.join(tmp, "shape.png")
        ok = r.returncode == 0 and os.path.isfile(png)
        if ok:
            with open(png, "rb") as f:
                ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
        check(ok, "plot without arguments should write shape.png next to the log: " + describe(r))
        check("shape.png" in r.stderr, "plot should say where the PNG went: %r" % r.stderr)

        # Several logs: each process a line, plus the total.
        shutil.copy(log, os.path.join(tmp, "copy.mprof"))
        r = run([mp, "plot", "-o", "multi.txt", "--data", "multi.json", "shape.mprof", "copy.mprof"], tmp, env)
        check(r.returncode == 0, "plot of two logs: " + describe(r))
        if r.returncode == 0:
            with open(os.path.join(tmp, "multi.json")) as f:
                m = json.load(f)
            kinds = [s["kind"] for s in m["series"]]
            check(kinds.count("heap") == 2 and "total_heap" in kinds, "two logs: series kinds %r" % kinds)
            check(m["heap_peak"]["bytes"] == 128 * MIB, "two copies of one run at the same start: total peak 128 MiB, got %r" % m["heap_peak"])

        # peak: newest log by default, and a named log.
        for args in (["peak"], ["peak", log]):
            r = run([mp] + args, tmp, env)
            check(r.returncode == 0 and "64.0 MiB" in r.stdout, "memprof %s should print 64.0 MiB: %s" % (" ".join(args), describe(r)))
        print(r.stdout, end="")

        # list and clean.
        r = run([mp, "list"], tmp, env)
        check(r.returncode == 0 and "shape.mprof" in r.stdout and "64.0 MiB" in r.stdout and a.program.split("/")[-1] in r.stdout,
              "memprof list should show shape.mprof, its peak and command: " + describe(r))
        print(r.stdout, end="")

        # Errors: one line naming the file, non-zero exit.
        bad = os.path.join(tmp, "bad.mprof")
        with open(bad, "wb") as f:
            f.write(b"not a memprof log\n" * 8)
        for args in (["plot", "-o", "e.txt", bad], ["peak", bad], ["plot", "-o", "e.txt", os.path.join(tmp, "missing.mprof")]):
            r = run([mp] + args, tmp, env)
            lines = [l for l in r.stderr.splitlines() if l.strip()]
            check(r.returncode > 0 and len(lines) == 1 and os.path.basename(args[-1]) in lines[0],
                  "memprof %s: expected one error line naming the file: %s" % (" ".join(args[:1]), describe(r)))
        os.remove(bad)
        r = run([mp, "plot", "-o", "x.pdf", log], tmp, env)
        check(r.returncode > 0 and "x.pdf" in r.stderr, "plot -o x.pdf: unknown format should be an error: " + describe(r))
        env_no_gnuplot = dict(env, PATH="/nonexistent")
        r = run([os.path.abspath(mp), "plot", "-o", "y.txt", log], tmp, env_no_gnuplot)
        check(r.returncode > 0 and "gnuplot-nox" in r.stderr, "plot without gnuplot should name the package: " + describe(r))

        r = run([mp, "clean"], tmp, env)
        left = [f for f in os.listdir(tmp) if f.endswith(".mprof")]
        check(r.returncode == 0 and not left, "memprof clean should remove the logs: %s, left %r" % (describe(r), left))
        r = run([mp, "peak"], tmp, env)
        check(r.returncode > 0 and len(r.stderr.strip().splitlines()) == 1, "peak without any log: one error line: " + describe(r))
    finally:
        for f in failures:
            print("FAIL: " + f)
        if failures or a.keep:
            print("work directory kept: " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
