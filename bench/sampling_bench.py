#!/usr/bin/env python3
"""memprof CPU-sampling overhead benchmark (standard library only).

Runs a CPU-bound workload with almost no allocations (workloads/cpu_bound.c,
built -O2 -g) four ways, alternating round-robin (order rotated by one each
repetition), and prints a markdown table of medians:

  plain       ./cpu_bound
  memprof     MEMPROF_LEAK_SCAN=0 memprof run --sample-hz 1000 -o DIR/run.mprof -- ./cpu_bound
  memprof-signal  the same with MEMPROF_SAMPLER=signal (one signal per sample, unwound in
              the handler: the fallback backend, for comparison)
  hooks-only  MEMPROF_LEAK_SCAN=0 memprof run --sample-hz 0    -o DIR/run.mprof -- ./cpu_bound
  gperftools  LD_PRELOAD=libprofiler.so CPUPROFILE=DIR/x.prof CPUPROFILE_FREQUENCY=1000 ./cpu_bound

Each command runs under GNU time (`/usr/bin/time -f "%e %U %S"`); overhead is
given for wall time and for CPU time (user+sys of the command and its waited-for
children), the latter being less sensitive to a busy machine. The achieved
sample rate is memprof's own `totals.sample_hz` (and `totals.cpu_samples` /
CPU s), and for gperftools the `Total: N samples` line of `google-pprof --text`
divided by CPU s. See bench/README.md, section "sampling".

    python3 bench/sampling_bench.py --memprof /tmp/final/build/bin/memprof
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GTIME = "/usr/bin/time"
CONFIGS = ["plain", "memprof", "memprof-signal", "hooks-only", "gperftools"]


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def build_workload(build_dir):
    src = os.path.join(HERE, "workloads", "cpu_bound.c")
    exe = os.path.join(build_dir, "cpu_bound")
    os.makedirs(build_dir, exist_ok=True)
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run(["gcc", "-O2", "-g", "-o", exe, src], check=True)
    return exe


def command(cfg, args, exe, run_dir):
    """argv and extra environment for one configuration."""
    prog = [exe] + ([str(args.scale)] if args.scale else [])
    if cfg == "plain":
        return prog, {}
    if cfg in ("memprof", "memprof-signal", "hooks-only"):
        hz = "0" if cfg == "hooks-only" else str(args.sample_hz)
        env = {"MEMPROF_LEAK_SCAN": "0"}
        if cfg == "memprof-signal":
            env["MEMPROF_SAMPLER"] = "signal"
        return ([args.memprof, "run", "--sample-hz", hz, "-o", os.path.join(run_dir, "run.mprof"), "--"]
                + prog, env)
    # gperftools: `env` sets LD_PRELOAD for the workload only (not for GNU time,
    # whose own exit would otherwise overwrite the profile with an empty one).
    return (["env", "LD_PRELOAD=" + args.profiler_lib, "CPUPROFILE=" + os.path.join(run_dir, "x.prof"),
             "CPUPROFILE_FREQUENCY=%d" % args.sample_hz] + prog, {})


def timed(argv, extra_env, run_dir, timeout):
    tfile = os.path.join(run_dir, "time.txt")
    env = dict(os.environ)
    env.update(extra_env)
    try:
        p = subprocess.run([GTIME, "-f", "%e %U %S", "-o", tfile] + argv, env=env, cwd=run_dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout after %d s" % timeout, ""
    with open(tfile) as f:
        last = [l for l in f.read().splitlines() if l.strip()][-1]
    wall, user, sys_ = (float(x) for x in last.split()[-3:])
    return {"wall": wall, "cpu": user + sys_, "rc": p.returncode}, p.stdout.decode(), p.stderr.decode()


def samples(cfg, args, exe, run_dir):
    """(samples, reported_hz or None, error or None)"""
    if cfg in ("memprof", "memprof-signal", "hooks-only"):
        logs = [f for f in os.listdir(run_dir) if f.endswith(".mprof")]
        if not logs:
            return None, None, "no log"
        n, hz = 0, None
        for log in logs:
            p = subprocess.run([args.memprof, "report", "--format", "json", os.path.join(run_dir, log)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode != 0:
                return None, None, "report exit %d: %s" % (p.returncode, p.stderr.decode()[-300:])
            t = json.loads(p.stdout)["totals"]
            n += t["cpu_samples"]
            if log == "run.mprof":
                hz = t["sample_hz"]
        return n, hz, None
    if cfg == "gperftools":
        prof = os.path.join(run_dir, "x.prof")
        if not os.path.exists(prof):
            return None, None, "no profile"
        p = subprocess.run([args.pprof, "--text", exe, prof], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        m = re.search(r"Total: (\d+) samples", p.stdout.decode())
        if not m:
            return None, None, "pprof: no 'Total: N samples' line (exit %d)" % p.returncode
        return int(m.group(1)), None, None
    return None, None, None


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, spec="%.2f"):
    return "n/a" if x is None else spec % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--memprof", default="/work/main/build/bin/memprof")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scale", type=int, default=0, help="cpu_bound SCALE (default: its own, 150)")
    ap.add_argument("--sample-hz", type=int, default=1000)
    ap.add_argument("--profiler-lib", default="/usr/lib/x86_64-linux-gnu/libprofiler.so")
    ap.add_argument("--pprof", default=shutil.which("google-pprof") or shutil.which("pprof") or "google-pprof")
    ap.add_argument("--build-dir", default=os.path.join(HERE, "build"))
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--out")
    args = ap.parse_args()

    # Private copy of memprof + its libmemprof.so, so a rebuild during the run cannot mix versions.
    snap = tempfile.mkdtemp(prefix="memprof-sampling-snap-")
    os.makedirs(os.path.join(snap, "bin"))
    os.makedirs(os.path.join(snap, "lib"))
    src_lib = os.path.join(os.path.dirname(os.path.abspath(args.memprof)), "..", "lib", "libmemprof.so")
    shutil.copy2(args.memprof, os.path.join(snap, "bin", "memprof"))
    shutil.copy2(src_lib, os.path.join(snap, "lib", "libmemprof.so"))
    orig_memprof = args.memprof
    args.memprof = os.path.join(snap, "bin", "memprof")

    exe = build_workload(args.build_dir)
    configs = [c for c in CONFIGS if c != "gperftools" or os.path.exists(args.profiler_lib)]

    out = []
    p = out.append
    p("## sampling overhead (cpu_bound)")
    p("")
    p("- date: %s, load average at start: %s" % (time.strftime("%Y-%m-%d %H:%M:%S"), " ".join(open("/proc/loadavg").read().split()[:3])))
    p("- memprof: %s (snapshot); workload: `%s %s`, built gcc -O2 -g" % (orig_memprof, exe, args.scale or "(default scale 150)"))
    p("- %d repetitions, round-robin with the order rotated each repetition, medians; sample rate %d Hz"
      % (args.reps, args.sample_hz))

    warm = tempfile.mkdtemp(prefix="sampling-warm-")
    r, ref, err = timed(command("plain", args, exe, warm)[0], {}, warm, args.timeout)
    shutil.rmtree(warm, ignore_errors=True)
    if r is None or r["rc"] != 0:
        sys.exit("warm-up run failed: %s %s" % (r, err))
    print("warm-up plain %.2fs wall, %.2fs cpu" % (r["wall"], r["cpu"]), file=sys.stderr)

    res = {c: [] for c in configs}
    fails = {c: [] for c in configs}
    la_start = loadavg()
    for rep in range(args.reps):
        order = configs[rep % len(configs):] + configs[:rep % len(configs)]
        for cfg in order:
            run_dir = tempfile.mkdtemp(prefix="sampling-%s-" % cfg)
            argv, env = command(cfg, args, exe, run_dir)
            la = loadavg()
            r, stdout, stderr = timed(argv, env, run_dir, args.timeout)
            why = None
            if r is None:
                why = stdout
            elif r["rc"] != 0:
                why = "exit %d: %s" % (r["rc"], stderr.strip()[-300:])
            elif stdout != ref:
                why = "output differs: %r" % stdout[:200]
            n, hz, serr = (None, None, None)
            if why is None:
                n, hz, serr = samples(cfg, args, exe, run_dir)
                if serr:
                    why = serr
            msg = "  rep %d %-10s " % (rep + 1, cfg)
            if why:
                fails[cfg].append("rep %d: %s (%s)" % (rep + 1, why, " ".join(argv)))
                print(msg + "FAIL " + why, file=sys.stderr)
            else:
                r.update(samples=n, hz=hz, load=la)
                res[cfg].append(r)
                print(msg + "%.2fs wall %.2fs cpu%s (load %s)" % (
                    r["wall"], r["cpu"],
                    "" if n is None else ", %d samples%s" % (n, "" if hz is None else ", sample_hz %s" % hz), la),
                    file=sys.stderr)
            shutil.rmtree(run_dir, ignore_errors=True)
    la_end = loadavg()

    base_w = med([r["wall"] for r in res["plain"]])
    base_c = med([r["cpu"] for r in res["plain"]])
    p("- 1-min load average: %s before the first run, %s after the last (2 cores)" % (la_start, la_end))
    p("")
    p("| config | command | wall s | wall overhead | CPU s (user+sys) | CPU overhead | samples | achieved Hz (samples / CPU s) | tool-reported Hz | extra CPU µs / sample | ok |")
    p("|---|---|---|---|---|---|---|---|---|---|---|")
    descr = {
        "plain": "`cpu_bound`",
        "memprof": "`memprof run --sample-hz %d` (MEMPROF_LEAK_SCAN=0)" % args.sample_hz,
        "memprof-signal": "the same, MEMPROF_SAMPLER=signal",
        "hooks-only": "`memprof run --sample-hz 0` (MEMPROF_LEAK_SCAN=0)",
        "gperftools": "`LD_PRELOAD=libprofiler.so CPUPROFILE_FREQUENCY=%d`" % args.sample_hz,
    }
    for cfg in configs:
        rs = res[cfg]
        w = med([r["wall"] for r in rs])
        c = med([r["cpu"] for r in rs])
        n = med([r["samples"] for r in rs if r["samples"] is not None])
        rate = med([r["samples"] / r["cpu"] for r in rs if r["samples"] is not None and r["cpu"] > 0])
        hz = med([r["hz"] for r in rs if r["hz"] is not None])
        ow = None if cfg == "plain" or w is None or not base_w else 100.0 * (w / base_w - 1)
        oc = None if cfg == "plain" or c is None or not base_c else 100.0 * (c / base_c - 1)
        per = (None if cfg in ("plain", "hooks-only") or not n or c is None or base_c is None
               else 1e6 * (c - base_c) / n)
        ok = "ok %d/%d" % (len(rs), args.reps) if not fails[cfg] else "FAIL %d/%d" % (len(fails[cfg]), args.reps)
        p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            cfg, descr[cfg], fmt(w), "—" if cfg == "plain" else fmt(ow, "%+.1f %%"), fmt(c),
            "—" if cfg == "plain" else fmt(oc, "%+.1f %%"),
            "—" if cfg == "plain" else fmt(n, "%.0f"),
            "—" if cfg in ("plain", "hooks-only") else fmt(rate, "%.0f"),
            fmt(hz, "%.0f") if cfg.startswith("memprof") else "—",
            "—" if cfg in ("plain", "hooks-only") else fmt(per, "%.0f"), ok))
    p("")
    p("Per-run figures (wall s / CPU s):")
    p("")
    for cfg in configs:
        p("- %s: %s" % (cfg, ", ".join("%.2f/%.2f" % (r["wall"], r["cpu"]) for r in res[cfg])))
    for cfg in configs:
        for f in fails[cfg]:
            p("- FAILURE %s: %s" % (cfg, f))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    shutil.rmtree(snap, ignore_errors=True)


if __name__ == "__main__":
    main()
