#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CPU profiling end to end: record cpu_burn (all its time on one line of main) and check
`memprof flamegraph` (folded and speedscope) and the function table of `memprof report`.

Usage: cpu_profile_test.py --memprof BIN --program CPU_BURN --workdir DIR
Exit status: 0 passed, 1 failed, 77 skipped (the log holds no CPU samples: no sampler).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
ITERATIONS = "300000000"  # about half a second of CPU
FOLDED_LINE = re.compile(r"^(.+) (\d+)$")
SCHEMA = "https://www.speedscope.app/file-format-schema.json"


class Checks:
    def __init__(self):
        self.failures = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)
    return r


def memprof(args, opts):
    r = run([opts.memprof] + args)
    if r.returncode != 0:
        raise SystemExit("FAIL: `%s` exited %d\n%s" % (" ".join(args), r.returncode, r.stderr))
    return r


def check_folded(c, text, samples):
    total = 0
    stacks = []
    for n, line in enumerate(text.splitlines(), 1):
        m = FOLDED_LINE.match(line)
        if not c.check(m, "folded line %d does not parse as 'frames count': %r" % (n, line)):
            continue
        frames = m.group(1).split(";")
        c.check(all(frames), "folded line %d has an empty frame: %r" % (n, line))
        total += int(m.group(2))
        stacks.append((int(m.group(2)), frames))
    c.check(total == samples, "folded weights add up to %d, totals.cpu_samples is %d" % (total, samples))
    if c.check(stacks, "folded output is empty"):
        heaviest = max(stacks)[1]
        c.check(heaviest[-1].startswith("main (cpu_burn.c:"),
                "the heaviest folded stack should end in main (cpu_burn.c:N): %r" % heaviest)


def check_speedscope(c, doc, samples):
    for key in ("$schema", "shared", "profiles"):
        c.check(key in doc, "speedscope: missing top-level %r" % key)
    c.check(doc.get("$schema") == SCHEMA, "speedscope: $schema is %r" % doc.get("$schema"))
    frames = doc.get("shared", {}).get("frames", [])
    c.check(frames and all(isinstance(f.get("name"), str) for f in frames),
            "speedscope: every shared frame needs a name")
    profiles = doc.get("profiles", [])
    c.check(len(profiles) >= 1, "speedscope: no profiles")
    for p in profiles:
        for key in ("type", "name", "unit", "startValue", "endValue", "samples", "weights"):
            c.check(key in p, "speedscope profile %r: missing %r" % (p.get("name"), key))
        c.check(p.get("type") == "sampled", "speedscope profile type %r" % p.get("type"))
        c.check(p.get("unit") in ("none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"),
                "speedscope unit %r" % p.get("unit"))
        c.check(len(p.get("samples", [])) == len(p.get("weights", [])), "speedscope: samples/weights lengths")
        for s in p.get("samples", []):
            c.check(all(isinstance(i, int) and 0 <= i < len(frames) for i in s),
                    "speedscope: frame index out of range in %r" % s)
        c.check(abs(sum(p.get("weights", [])) - p.get("endValue", -1)) < 1e-6 * max(1, p.get("endValue", 1)),
                "speedscope: endValue %r is not the sum of the weights" % p.get("endValue"))
    cpu = profiles[0] if profiles else {}
    c.check("CPU" in cpu.get("name", ""), "speedscope: the first profile should be CPU time: %r" % cpu.get("name"))
    if cpu.get("unit") == "none":
        c.check(sum(cpu.get("weights", [])) == samples, "speedscope: CPU weights vs cpu_samples")


def check_functions(c, rep, text):
    funcs = rep.get("functions")
    if not c.check(isinstance(funcs, list) and funcs, "report JSON: no 'functions' array"):
        return
    top = max(funcs, key=lambda f: f["self"]["samples"])
    c.check(top.get("function") == "main" and top.get("file", "").endswith("cpu_burn.c"),
            "report JSON: main should have the most self samples, got %r" % top.get("function"))
    c.check(top["total"]["samples"] >= top["self"]["samples"], "function total < self")
    for key in ("lines", "leaks", "timeline", "totals", "program"):
        c.check(key in rep, "report JSON lost its %r field" % key)
    rows = text.split("\nFunctions by self", 1)
    if c.check(len(rows) == 2, "report text has no 'Functions by self' table:\n" + text):
        body = [l for l in rows[1].splitlines()[2:] if l.strip()]
        c.check(body and body[0].rstrip().endswith(")") and " main (cpu_burn.c:" in body[0],
                "the function table should list main first by self time:\n" + rows[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memprof", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--workdir", required=True)
    opts = ap.parse_args()
    shutil.rmtree(opts.workdir, ignore_errors=True)
    os.makedirs(opts.workdir)
    log = os.path.join(opts.workdir, "burn.mprof")
    r = run([opts.memprof, "run", "-o", log, "--", opts.program, ITERATIONS])
    if r.returncode != 0:
        print("FAIL: memprof run exited %d\n%s" % (r.returncode, r.stderr))
        return 1
    rep = json.loads(memprof(["report", "--format", "json", log], opts).stdout)
    samples = rep["totals"]["cpu_samples"]
    if samples == 0:
        print("SKIP: the log holds no CPU samples (sampler not available)")
        return SKIP
    c = Checks()
    check_folded(c, memprof(["flamegraph", log], opts).stdout, samples)
    out = os.path.join(opts.workdir, "burn.speedscope.json")
    memprof(["flamegraph", "--format", "speedscope", "-o", out, log], opts)
    with open(out) as f:
        check_speedscope(c, json.load(f), samples)
    check_functions(c, rep, memprof(["report", "--sort", "self", log], opts).stdout)
    for f in c.failures:
        print("FAIL:", f)
    print("%d checks failed" % len(c.failures) if c.failures else "OK (%d samples)" % samples)
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
