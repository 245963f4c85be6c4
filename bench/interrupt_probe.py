#!/usr/bin/env python3
"""What a 1 kHz sampler costs the sampled thread on this machine, mechanism by mechanism
(standard library only). Builds probes/interrupt_gaps.c and runs its modes alternately,
REPS times each, printing the median share of a tight loop's time lost to interruptions,
and that share minus the unsampled baseline ("cost"). See bench/README.md, "interrupt probe".

    python3 bench/interrupt_probe.py [--reps 5] [--hz 1000] [--seconds 2]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = [
    ("none", "no sampler (the machine's own tick and host interrupts)"),
    ("counter", "perf task-clock counter overflowing at HZ: the timer interrupt alone"),
    ("stack", "+ registers and 8 KiB stack copy into a ring: memprof's default sampler"),
    ("signal", "+ a signal per sample (empty handler): memprof's signal backend, gperftools-style"),
    ("cputimer", "POSIX CPU timer + signal: fires on the kernel tick only (CONFIG_HZ)"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--hz", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--build-dir", default=os.path.join(HERE, "build"))
    a = ap.parse_args()
    os.makedirs(a.build_dir, exist_ok=True)
    exe = os.path.join(a.build_dir, "interrupt_gaps")
    subprocess.run(["gcc", "-O2", "-o", exe, os.path.join(HERE, "probes", "interrupt_gaps.c")], check=True)
    lost = {m: [] for m, _ in MODES}
    rate = {m: [] for m, _ in MODES}
    for rep in range(a.reps):
        for mode, _ in MODES:
            out = subprocess.run([exe, mode, str(a.hz), str(a.seconds)], capture_output=True, text=True)
            m = re.search(r"lost\s+([\d.]+) %, signals (\d+)", out.stdout)
            if out.returncode != 0 or not m:
                sys.exit("probe %s failed: %s %s" % (mode, out.stdout, out.stderr))
            lost[mode].append(float(m.group(1)))
            rate[mode].append(int(m.group(2)) / a.seconds)
            print("  rep %d %-8s lost %s %%" % (rep + 1, mode, m.group(1)), file=sys.stderr)
    base = statistics.median(lost["none"])
    print("| mechanism at %d Hz | time lost (median of %d) | cost over no sampler | signals/s |" % (a.hz, a.reps))
    print("|---|---:|---:|---:|")
    for mode, what in MODES:
        med = statistics.median(lost[mode])
        sig = statistics.median(rate[mode])
        print("| `%s`: %s | %.2f %% | %s | %s |" % (mode, what, med, "—" if mode == "none" else "%+.2f %%" % (med - base),
                                               "%.0f" % sig if sig else "—"))
    print("\nPer run (% lost): " + "; ".join("%s %s" % (m, " ".join("%.2f" % x for x in lost[m])) for m, _ in MODES))


if __name__ == "__main__":
    main()
