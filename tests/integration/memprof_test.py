#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""memprof integration tests: record real programs with exactly known allocation behaviour
(tests/programs/) and check memprof's figures against the outside contract
(commands, counting rules, JSON report).

Usage (ctest passes everything explicitly, one case per test):
    memprof_test.py --memprof BIN --preload LIB --srcdir DIR --prog NAME=PATH ... CASE...
Stand-alone, against a build tree configured from this repository:
    memprof_test.py --build build              # all cases
    memprof_test.py --build build leaks peak   # some cases
    memprof_test.py --list                     # case names
Exit status: 0 all passed, 1 some failed, 77 all selected cases skipped.

Conventions:
- an allocation site in a test program is tagged with a comment `/* @TAG */` on its line;
  tag_line() finds the line number, nothing here hard-codes line numbers;
- figures at tagged lines are checked exactly; process totals are checked exactly only for
  programs that make no heap calls other than the tagged ones (no stdio, no threads, no
  dlopen, C only); otherwise with >= (libc / libstdc++ / ld.so allocate on their own);
- each case collects all of its failed checks and prints them, then fails; artifacts (logs,
  outputs) are kept in the work directory of a failed case.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

SKIP_CODE = 77
CMD_TIMEOUT = 45  # seconds for one command; ctest's TIMEOUT is 60 per case
FIGURES = ("allocations", "bytes", "peak_bytes", "leaked_bytes", "leaked_allocations", "samples")
TOTALS = ("allocations", "frees", "bytes_allocated", "peak_heap_bytes", "peak_time_s",
          "leaked_bytes", "leaked_allocations", "peak_rss_bytes", "duration_s", "cpu_samples",
          "sample_hz")
MIB = 1024 * 1024
CRASH_MARKERS = ("Traceback", "terminate called", "Segmentation fault", "core dumped",
                 "AddressSanitizer", "panicked", "Aborted", "std::bad_alloc")
TRUNC_WORDS = ("trunc", "cut short", "incomplete", "unexpected end", "ended early")


class Fatal(Exception):
    """A failure after which the rest of the case makes no sense."""


class Skip(Exception):
    pass


# The summary a process recorded with MEMPROF_UNWINDER=verify prints at its end.
UNWINDER_CHECK = re.compile(r"memprof: unwinder check \(pid (?P<pid>\d+)\): (?P<captures>\d+) captures, "
                            r"(?P<compared>\d+) compared, (?P<mismatches>\d+) mismatches[^\n]*")


def basename(path):
    return os.path.basename(path or "")


class Result:
    def __init__(self, cmd, returncode, stdout, stderr, timed_out):
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out

    def describe(self):
        err = self.stderr.strip()
        if len(err) > 600:
            err = err[:600] + "...[cut]"
        return "`%s` -> %s%s" % (" ".join(self.cmd), "TIMEOUT" if self.timed_out else
                                 "exit %s" % self.returncode, ("\n      stderr: " + err) if err else "")


class Ctx:
    """Per-case state: paths, work directory, the list of failed checks."""

    def __init__(self, opts, case):
        self.opts = opts
        self.case = case
        self.memprof_bin = opts.memprof
        self.preload = opts.preload
        self.srcdir = opts.srcdir
        self.progs = opts.progs
        self.failures = []
        self.notes = []
        self._src_cache = {}
        base = opts.workdir
        if base:
            os.makedirs(base, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="%s." % case, dir=base)

    # ---- checks ---------------------------------------------------------------------------
    def check(self, cond, msg):
        if not cond:
            self.failures.append(msg)
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, "%s: expected %r, got %r" % (what, want, got))

    def ge(self, got, want, what):
        ok = isinstance(got, (int, float)) and got >= want
        return self.check(ok, "%s: expected >= %r, got %r" % (what, want, got))

    def note(self, msg):
        self.notes.append(msg)

    # ---- processes ------------------------------------------------------------------------
    def run(self, cmd, timeout=CMD_TIMEOUT, env=None, cwd=None):
        """Runs cmd in its own session; on timeout kills that session (only what we started)."""
        full_env = dict(os.environ)
        for k in ("LD_PRELOAD", "MEMPROF_OUTPUT", "MEMPROF_SAMPLE_HZ"):
            full_env.pop(k, None)
        if env:
            full_env.update(env)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=full_env, cwd=cwd or self.tmp,
                                start_new_session=True)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = proc.communicate()
        result = Result(cmd, proc.returncode, out.decode("utf-8", "replace"),
                        err.decode("utf-8", "replace"), timed_out)
        self.check_unwinder_reports(result)
        return result

    def check_unwinder_reports(self, result):
        """With MEMPROF_UNWINDER=verify (in this case's env or exported to the whole run) every
        recorded process prints how its two unwinders compared: any mismatch fails the case."""
        for m in UNWINDER_CHECK.finditer(result.stderr):
            self.check(int(m.group("mismatches")) == 0,
                       "the fast unwinder and libunwind disagree: %s\n%s"
                       % (m.group(0), result.describe()))

    def memprof(self, args, **kw):
        return self.run([self.memprof_bin] + list(args), **kw)

    def prog(self, name):
        path = self.progs.get(name)
        if not path:
            raise Fatal("program %r not given (--prog %s=PATH)" % (name, name))
        if not os.path.exists(path):
            raise Fatal("program %r not built: %s" % (name, path))
        return path

    def record(self, name, args=(), opts=(), status=0, log=None, timeout=CMD_TIMEOUT, cwd=None,
               env=None):
        """memprof run -o LOG [opts] -- PROGRAM ARGS; checks the exit status and that LOG exists."""
        if log is None:
            log = os.path.join(self.tmp, "%s.mprof" % name)
        os.makedirs(os.path.dirname(log), exist_ok=True)
        cmd = ["run", "-o", log] + list(opts) + ["--", self.prog(name)] + list(args)
        r = self.memprof(cmd, timeout=timeout, cwd=cwd, env=env)
        if r.timed_out:
            raise Fatal("timed out: " + r.describe())
        if status is not None:
            self.check(r.returncode == status, "exit status of `memprof run` should be the "
                       "program's (%s): %s" % (status, r.describe()))
        if not os.path.isfile(log):
            raise Fatal("no log written at %s by %s" % (log, r.describe()))
        return log, r

    # ---- analysis -------------------------------------------------------------------------
    def report(self, log, allow_truncated=False):
        r = self.memprof(["report", "--format", "json", log])
        if r.timed_out or r.returncode != 0:
            raise Fatal("memprof report failed: " + r.describe())
        try:
            rep = json.loads(r.stdout)
        except ValueError as e:
            raise Fatal("memprof report --format json %s: output is not JSON (%s): %r"
                        % (log, e, r.stdout[:300]))
        if not allow_truncated:
            low = r.stderr.lower()
            self.check(not any(w in low for w in TRUNC_WORDS),
                       "report of a complete log (%s) warns about truncation: %s"
                       % (basename(log), r.stderr.strip()[:300]))
        self.validate(rep, log)
        rep["_stderr"] = r.stderr
        return rep

    def validate(self, rep, log):
        """Checks the shape of the report (fields of the contract, types, invariants)."""
        where = "report of %s" % basename(log)
        if not self.check(isinstance(rep, dict), "%s: not a JSON object" % where):
            raise Fatal("%s: not a JSON object" % where)
        self.eq(rep.get("memprof_format"), 1, "%s: memprof_format" % where)
        prog = rep.get("program")
        if self.check(isinstance(prog, dict), "%s: 'program' missing" % where):
            self.check(isinstance(prog.get("command"), list), "%s: program.command is not a list" % where)
            self.check(isinstance(prog.get("pid"), int), "%s: program.pid is not an integer" % where)
            for k in ("exit_code", "signal"):
                self.check(k in prog and (prog[k] is None or isinstance(prog[k], int)),
                           "%s: program.%s missing or not int/null" % (where, k))
        totals = rep.get("totals")
        if self.check(isinstance(totals, dict), "%s: 'totals' missing" % where):
            for k in TOTALS:
                self.check(isinstance(totals.get(k), (int, float)) and not isinstance(totals.get(k), bool),
                           "%s: totals.%s missing or not a number: %r" % (where, k, totals.get(k)))
        lines = rep.get("lines")
        if self.check(isinstance(lines, list), "%s: 'lines' missing" % where):
            bad = 0
            for e in lines:
                ok = isinstance(e, dict) and all(k in e for k in ("file", "line", "function", "self", "total"))
                ok = ok and all(isinstance(e[s], dict) and all(f in e[s] for f in FIGURES) for s in ("self", "total"))
                if not ok:
                    bad += 1
                    if bad == 1:
                        self.check(False, "%s: malformed lines entry (needs file, line, function, "
                                   "self{%s}, total{...}): %r" % (where, ", ".join(FIGURES), e))
        leaks = rep.get("leaks")
        if self.check(isinstance(leaks, list), "%s: 'leaks' missing" % where):
            self.check_leak_list(leaks, where)
        tl = rep.get("timeline")
        if self.check(isinstance(tl, list), "%s: 'timeline' missing" % where) and tl:
            shape = all(isinstance(p, dict) and all(k in p for k in ("t", "heap_bytes", "rss_bytes")) for p in tl)
            self.check(shape, "%s: timeline points need t, heap_bytes, rss_bytes: %r" % (where, tl[:3]))
            if shape:
                ts = [p["t"] for p in tl]
                self.check(all(a <= b for a, b in zip(ts, ts[1:])), "%s: timeline not in time order" % where)
                if isinstance(totals, dict) and isinstance(totals.get("peak_heap_bytes"), int):
                    mx = max(p["heap_bytes"] for p in tl)
                    self.check(mx <= totals["peak_heap_bytes"],
                               "%s: timeline heap_bytes %d above peak_heap_bytes %d"
                               % (where, mx, totals["peak_heap_bytes"]))
                self.check(min(p["heap_bytes"] for p in tl) >= 0, "%s: negative heap_bytes in timeline" % where)
        if isinstance(totals, dict):
            pt, du = totals.get("peak_time_s"), totals.get("duration_s")
            if isinstance(pt, (int, float)) and isinstance(du, (int, float)):
                self.check(0 <= pt <= du + 1e-6, "%s: peak_time_s %r outside [0, duration_s=%r]" % (where, pt, du))

    def check_leak_list(self, leaks, where):
        bad = 0
        for lk in leaks:
            ok = isinstance(lk, dict) and all(k in lk for k in ("bytes", "allocations", "stack", "kind"))
            ok = ok and isinstance(lk["stack"], list) and all(
                isinstance(f, dict) and all(k in f for k in ("function", "file", "line", "module", "address"))
                for f in lk["stack"])
            if not ok:
                bad += 1
                if bad == 1:
                    self.check(False, "%s: malformed leak entry (needs bytes, allocations, kind, stack of "
                               "{function, file, line, module, address}): %r" % (where, lk))
            elif lk["kind"] not in ("definite", "indirect", "possible", "reachable"):
                self.check(False, "%s: leak kind %r not one of definite/indirect/possible/reachable"
                           % (where, lk["kind"]))
        sizes = [lk.get("bytes", 0) for lk in leaks if isinstance(lk, dict)]
        self.check(all(a >= b for a, b in zip(sizes, sizes[1:])),
                   "%s: leaks not ordered largest first: %r" % (where, sizes[:10]))

    # ---- source tags ----------------------------------------------------------------------
    def src_lines(self, src):
        if src not in self._src_cache:
            with open(os.path.join(self.srcdir, src), encoding="utf-8") as f:
                self._src_cache[src] = f.read().split("\n")
        return self._src_cache[src]

    def tag_line(self, src, tag):
        marker = "/* @%s */" % tag
        hits = [i + 1 for i, text in enumerate(self.src_lines(src)) if marker in text]
        if len(hits) != 1:
            raise Fatal("tag %s found %d times in %s" % (marker, len(hits), src))
        return hits[0]

    def tag_text(self, src, tag):
        text = self.src_lines(src)[self.tag_line(src, tag) - 1]
        return text.split("/*")[0].strip()

    # ---- report queries -------------------------------------------------------------------
    def entries(self, rep, src, tag):
        line = self.tag_line(src, tag)
        return [e for e in rep.get("lines", []) if isinstance(e, dict)
                and basename(e.get("file")) == basename(src) and e.get("line") == line]

    def figures(self, rep, src, tag, which):
        acc = dict((f, 0) for f in FIGURES)
        for e in self.entries(rep, src, tag):
            for f in FIGURES:
                v = (e.get(which) or {}).get(f, 0)
                if isinstance(v, (int, float)):
                    acc[f] += v
        return acc

    def expect_line(self, rep, src, tag, self_=None, total=None, label=""):
        """Exact figures at a tagged line. self_/total: dicts of FIGURES keys to expect; total
        defaults to self_ (a line that occurs once per stack)."""
        if total is None:
            total = self_
        line = self.tag_line(src, tag)
        for which, want in (("self", self_), ("total", total)):
            if want is None:
                continue
            got = self.figures(rep, src, tag, which)
            diff = dict((k, (v, got[k])) for k, v in want.items() if got[k] != v)
            self.check(not diff, "%s%s:%d (@%s) %s: %s%s" % (
                label, src, line, tag, which,
                ", ".join("%s expected %r got %r" % (k, w, g) for k, (w, g) in sorted(diff.items())),
                "" if self.entries(rep, src, tag) else " (no lines entry for this line)"))

    def expect_nothing(self, rep, src, tag, label=""):
        z = dict(allocations=0, bytes=0, leaked_bytes=0, leaked_allocations=0, peak_bytes=0)
        self.expect_line(rep, src, tag, z, z, label)

    def leaks_at(self, leaks, src, tag):
        """Leak entries whose stack has a frame at the tagged line."""
        line = self.tag_line(src, tag)
        return [lk for lk in leaks if isinstance(lk, dict) and any(
            isinstance(f, dict) and basename(f.get("file")) == basename(src) and f.get("line") == line
            for f in lk.get("stack") or [])]

    def expect_leak(self, leaks, src, tag, nbytes, nallocs, kind=None, where="report", innermost=True):
        line = self.tag_line(src, tag)
        found = self.leaks_at(leaks, src, tag)
        got_b = sum(lk.get("bytes", 0) for lk in found)
        got_n = sum(lk.get("allocations", 0) for lk in found)
        self.check((got_b, got_n) == (nbytes, nallocs),
                   "%s leaks at %s:%d (@%s): expected %d B in %d blocks, got %d B in %d blocks (%d entries)"
                   % (where, src, line, tag, nbytes, nallocs, got_b, got_n, len(found)))
        if kind is not None and found:
            kinds = sorted(set(lk.get("kind") for lk in found))
            self.check(kinds == [kind], "%s leaks at %s:%d (@%s): kind expected %r, got %r"
                       % (where, src, line, tag, kind, kinds))
        if innermost and found:
            for lk in found:
                st = lk.get("stack") or []
                top = st[0] if st else {}
                self.check(basename(top.get("file")) == basename(src) and top.get("line") == line,
                           "%s leak at %s:%d (@%s): stack[0] should be the allocating line (allocator "
                           "frames left out, as in the contract's example), got %r"
                           % (where, src, line, tag, top))
        return found

    def totals(self, rep):
        return rep.get("totals") or {}

    def expect_totals(self, rep, want, label="", at_least=False):
        t = self.totals(rep)
        for k, v in sorted(want.items()):
            if at_least:
                self.ge(t.get(k), v, "%stotals.%s" % (label, k))
            else:
                self.eq(t.get(k), v, "%stotals.%s" % (label, k))

    def expect_conservation(self, rep, label=""):
        """Every block is allocated once and freed at most once: allocations - frees == leaked."""
        t = self.totals(rep)
        a, f, l = t.get("allocations"), t.get("frees"), t.get("leaked_allocations")
        if all(isinstance(x, int) for x in (a, f, l)):
            self.check(a - f == l, "%stotals: allocations (%d) - frees (%d) should equal "
                       "leaked_allocations (%d)" % (label, a, f, l))

    def expect_program(self, rep, name, args=(), exit_code=0, sig=None, label=""):
        p = rep.get("program") or {}
        cmd = p.get("command") or [""]
        self.check(basename(cmd[0]) == name and list(cmd[1:]) == list(args),
                   "%sprogram.command: expected [.../%s] + %r, got %r" % (label, name, list(args), cmd))
        if sig is None:
            self.eq(p.get("exit_code"), exit_code, "%sprogram.exit_code" % label)
            self.eq(p.get("signal"), None, "%sprogram.signal" % label)
        else:
            self.eq(p.get("signal"), sig, "%sprogram.signal" % label)


# =========================================================================================
# Expectations shared by several cases
# =========================================================================================

def F(allocations=0, bytes=0, leaked_bytes=0, leaked_allocations=0, peak_bytes=None):
    d = dict(allocations=allocations, bytes=bytes, leaked_bytes=leaked_bytes,
             leaked_allocations=leaked_allocations)
    if peak_bytes is not None:
        d["peak_bytes"] = peak_bytes
    return d


def check_leaks_program(c, rep, n200=3, label="", totals_exact=True):
    """Figures of tests/programs/leaks.c (see the table at its top)."""
    s = "leaks.c"
    c.expect_line(rep, s, "leak100", F(1, 100, 100, 1, 100), label=label)
    c.expect_line(rep, s, "leak200x3", F(n200, 200 * n200, 200 * n200, n200, 200 * n200), label=label)
    c.expect_line(rep, s, "calloc300", F(1, 300, 300, 1, 300), label=label)
    c.expect_line(rep, s, "leak24discard", F(1, 24, 24, 1, 24), label=label)
    c.expect_line(rep, s, "leakouter", F(1, 64, 64, 1, 64), label=label)
    c.expect_line(rep, s, "leakinner", F(1, 48, 48, 1, 48), label=label)
    c.expect_line(rep, s, "call_inner", F(0, 0, 0, 0), F(1, 48, 48, 1, 48), label=label)
    leaked = 100 + 200 * n200 + 300 + 24 + 64 + 48
    c.expect_line(rep, s, "call_make_leaks", F(0, 0, 0, 0),
                  F(5 + n200, leaked, leaked, 5 + n200, leaked), label=label)
    c.expect_line(rep, s, "malloc0", F(1, 0, 0, 0, 0), label=label)
    c.expect_line(rep, s, "freed1000x5", F(5, 5000, 0, 0, 1000), label=label)
    for tag in ("freenull", "failedmalloc", "failedcalloc"):
        c.expect_nothing(rep, s, tag, label=label)
    if totals_exact:
        c.expect_totals(rep, dict(allocations=11 + n200, frees=6, bytes_allocated=5000 + leaked,
                                  leaked_bytes=leaked, leaked_allocations=5 + n200,
                                  peak_heap_bytes=leaked + 1000), label=label)
    c.expect_conservation(rep, label)
    leaks = rep.get("leaks") or []
    w = (label + "report").strip()
    c.expect_leak(leaks, s, "leak100", 100, 1, "definite", w)
    c.expect_leak(leaks, s, "leak200x3", 200 * n200, n200, "definite", w)
    c.expect_leak(leaks, s, "calloc300", 300, 1, "definite", w)
    c.expect_leak(leaks, s, "leak24discard", 24, 1, "definite", w)
    c.expect_leak(leaks, s, "leakouter", 64, 1, "definite", w)
    c.expect_leak(leaks, s, "leakinner", 48, 1, "indirect", w)
    for tag in ("malloc0", "freed1000x5"):
        c.check(not c.leaks_at(leaks, s, tag), "%s: a leak is reported at @%s, which is freed" % (w, tag))
    if totals_exact:
        c.eq(sum(lk.get("bytes", 0) for lk in leaks), leaked, "%s: sum of leaks[].bytes" % w)
    # one entry per distinct stack: the N loop blocks share one stack
    c.eq(len(c.leaks_at(leaks, s, "leak200x3")), 1, "%s: number of leak entries for the @leak200x3 "
         "loop (one stack)" % w)


LINE_TAGS = {
    "leaks.c": ("leak100", "leak200x3", "calloc300", "leak24discard", "leakouter", "leakinner",
                "call_inner", "call_make_leaks", "malloc0", "freed1000x5", "freenull", "failedmalloc",
                "failedcalloc"),
}


# =========================================================================================
# Cases
# =========================================================================================
CASES = {}


def case(fn):
    CASES[fn.__name__[len("case_"):]] = fn
    return fn


@case
def case_leaks(c):
    """leaks.c: exact per-line, leak and total figures; program facts; text report."""
    log, _ = c.record("leaks")
    rep = c.report(log)
    c.expect_program(rep, "leaks")
    check_leaks_program(c, rep)
    # function names and paths as the debug information gives them (CMake compiles with
    # absolute source paths)
    ents = c.entries(rep, "leaks.c", "leak100")
    if ents:
        c.eq(ents[0].get("function"), "make_leaks", "function of leaks.c @leak100")
        want = os.path.realpath(os.path.join(c.srcdir, "leaks.c"))
        got = ents[0].get("file") or ""
        c.check(os.path.isabs(got) and os.path.realpath(got) == want,
                "file of leaks.c @leak100: expected the path from the debug info (%s), got %r" % (want, got))
    found = c.leaks_at(rep.get("leaks") or [], "leaks.c", "leak100")
    if found and found[0].get("stack"):
        st = found[0]["stack"]
        funcs = [f.get("function") for f in st]
        c.check(funcs[:2] == ["make_leaks", "main"], "leak @leak100: stack should start "
                "make_leaks, main; got %r" % funcs)
        call = c.tag_line("leaks.c", "call_make_leaks")
        if len(st) > 1:
            c.eq((basename(st[1].get("file")), st[1].get("line")), ("leaks.c", call),
                 "leak @leak100: caller frame (the return address must be looked up as pc-1)")
        c.check(basename(st[0].get("module")) == "leaks", "leak @leak100: module of the frame "
                "should be the leaks executable, got %r" % st[0].get("module"))
        addr = st[0].get("address")
        c.check(isinstance(addr, str) and re.fullmatch(r"0x[0-9a-fA-F]+", addr or ""),
                "leak @leak100: address should be a hex string, got %r" % addr)
    # the last timeline point is the end of the run: heap bytes then == leaked bytes
    tl = rep.get("timeline") or []
    if c.check(len(tl) >= 2, "timeline should cover the run with at least 2 points, got %d" % len(tl)):
        c.eq(tl[-1].get("heap_bytes"), c.totals(rep).get("leaked_bytes"),
             "timeline: heap_bytes of the last point (end of run) vs totals.leaked_bytes")
    # text report
    r = c.memprof(["report", log])
    c.check(r.returncode == 0 and "leaks.c" in r.stdout,
            "memprof report (text) should exit 0 and mention leaks.c: " + r.describe())
    r = c.memprof(["report", "--format", "text", log])
    c.check(r.returncode == 0 and r.stdout.strip(), "memprof report --format text: " + r.describe())


@case
def case_leak_kinds(c):
    """leak_kinds.c: reachable, possible, definite and indirect blocks, classified at exit."""
    s = "leak_kinds.c"
    log, _ = c.record("leak_kinds")
    rep = c.report(log)
    c.expect_program(rep, "leak_kinds")
    table = (("kind_reachable", 111, "reachable"), ("kind_reach_chain", 222, "reachable"),
             ("kind_possible", 333, "possible"), ("kind_definite", 444, "definite"),
             ("kind_indirect", 555, "indirect"))
    for tag, n, _ in table:
        c.expect_line(rep, s, tag, F(1, n, n, 1, n))
    # leaked_bytes counts every block live at the end, whatever its kind
    c.expect_totals(rep, dict(allocations=5, frees=0, bytes_allocated=1665, leaked_bytes=1665,
                              leaked_allocations=5, peak_heap_bytes=1665))
    leaks = rep.get("leaks") or []
    for tag, n, kind in table:
        c.expect_leak(leaks, s, tag, n, 1, kind)
    r = c.memprof(["leaks", "--format", "json", log])
    if c.check(r.returncode == 0, "memprof leaks --format json: " + r.describe()):
        try:
            doc = json.loads(r.stdout)
            ll = doc.get("leaks") if isinstance(doc, dict) else doc
            for tag, n, kind in table:
                c.expect_leak(ll or [], s, tag, n, 1, kind, "memprof leaks --format json")
        except ValueError:
            c.check(False, "memprof leaks --format json: not JSON")
    # --leak-check fails on definite/indirect only: suppressing make_definite leaves only
    # reachable and possible blocks, so the program's own status comes back
    supp = os.path.join(c.tmp, "supp.txt")
    with open(supp, "w") as f:
        f.write("leak:make_definite\n")
    _, r = c.record("leak_kinds", opts=["--leak-check"], status=None, log=os.path.join(c.tmp, "lc1.mprof"))
    c.eq(r.returncode, 23, "--leak-check on leak_kinds (a definite and an indirect block)")
    _, r = c.record("leak_kinds", opts=["--leak-check", "--suppressions", supp], status=None,
                    log=os.path.join(c.tmp, "lc2.mprof"))
    c.eq(r.returncode, 0, "--leak-check with leak:make_definite (only reachable/possible left)")


@case
def case_realloc(c):
    """realloc_chain.c: realloc/reallocarray counting rules."""
    s = "realloc_chain.c"
    log, _ = c.record("realloc_chain")
    rep = c.report(log)
    c.expect_program(rep, "realloc_chain")
    c.expect_line(rep, s, "rnull10", F(1, 10))
    c.expect_line(rep, s, "rgrow20", F(1, 20))
    c.expect_line(rep, s, "rgrow5000", F(1, 5000, peak_bytes=5000))
    c.expect_nothing(rep, s, "rfail")
    c.expect_nothing(rep, s, "rzero")
    c.expect_line(rep, s, "ranull100", F(1, 100))
    c.expect_line(rep, s, "ragrow200", F(1, 200))
    c.expect_nothing(rep, s, "rafail")
    c.expect_line(rep, s, "shrinkstart", F(1, 4000, peak_bytes=0))
    c.expect_line(rep, s, "shrink8", F(1, 8))
    c.expect_line(rep, s, "chainstart", F(1, 16))
    c.expect_line(rep, s, "chain32", F(1, 32))
    c.expect_line(rep, s, "chain64", F(1, 64, 64, 1))
    c.expect_totals(rep, dict(allocations=10, frees=9, bytes_allocated=9450, leaked_bytes=64,
                              leaked_allocations=1))
    pk = c.totals(rep).get("peak_heap_bytes")
    c.check(pk in (5000, 5020), "totals.peak_heap_bytes: expected 5000 (realloc's free counted "
            "before its allocation) or 5020 (after), got %r" % pk)
    c.expect_conservation(rep)
    leaks = rep.get("leaks") or []
    c.expect_leak(leaks, s, "chain64", 64, 1, "definite")
    c.eq(sum(lk.get("bytes", 0) for lk in leaks), 64, "sum of leaks[].bytes")
    for tag in ("chainstart", "chain32", "rgrow5000", "shrink8"):
        c.check(not c.leaks_at(leaks, s, tag),
                "a leak is reported at @%s, whose block was freed/reallocated" % tag)


@case
def case_aligned(c):
    """aligned.c: posix_memalign, aligned_alloc, memalign, valloc, pvalloc; size = size asked."""
    s = "aligned.c"
    log, _ = c.record("aligned")
    rep = c.report(log)
    c.expect_program(rep, "aligned")
    c.expect_line(rep, s, "pma1000", F(1, 1000, peak_bytes=1000))
    c.expect_line(rep, s, "aa256", F(1, 256, 256, 1, 256))
    c.expect_line(rep, s, "memalign300", F(1, 300, peak_bytes=300))
    c.expect_line(rep, s, "valloc500", F(1, 500, peak_bytes=500))
    c.expect_line(rep, s, "pvalloc700", F(1, 700, 700, 1, 700))
    for tag in ("pmabad", "aafail", "pmafail"):
        c.expect_nothing(rep, s, tag)
    c.expect_totals(rep, dict(allocations=5, frees=3, bytes_allocated=2756, leaked_bytes=956,
                              leaked_allocations=2, peak_heap_bytes=2756))
    c.expect_conservation(rep)
    leaks = rep.get("leaks") or []
    c.expect_leak(leaks, s, "aa256", 256, 1, "definite")
    c.expect_leak(leaks, s, "pvalloc700", 700, 1, "definite")


@case
def case_cxx(c):
    """cxx_new_delete.cpp: operator new/delete in all forms, each block counted once."""
    s = "cxx_new_delete.cpp"
    log, _ = c.record("cxx_new_delete")
    rep = c.report(log)
    c.expect_program(rep, "cxx_new_delete")
    c.expect_line(rep, s, "new_int", F(1, 4))
    c.expect_line(rep, s, "newarr100", F(1, 100))
    c.expect_line(rep, s, "newarr_cookie", F(1, 88))
    c.expect_line(rep, s, "nothrow300", F(1, 300))
    c.expect_nothing(rep, s, "nothrow_fail")
    c.expect_line(rep, s, "aligned_new", F(1, 192))
    c.expect_line(rep, s, "aligned_arr", F(1, 768))
    c.expect_line(rep, s, "raw_new", F(1, 123))
    c.expect_line(rep, s, "raw_nothrow", F(1, 77))
    c.expect_line(rep, s, "newleak", F(1, 40, 40, 1))
    # the container calls allocate in libstdc++ code: `total` of the calling line counts them
    c.expect_line(rep, s, "vec_reserve", None, F(1, 400))
    c.expect_line(rep, s, "string100", None, F(1, 101))
    mine = 11
    c.expect_totals(rep, dict(allocations=mine, frees=mine - 1, bytes_allocated=2193, leaked_bytes=40,
                              leaked_allocations=1), at_least=True)
    c.expect_conservation(rep)
    leaks = rep.get("leaks") or []
    c.expect_leak(leaks, s, "newleak", 40, 1, "definite")
    definite = sum(lk.get("bytes", 0) for lk in leaks if lk.get("kind") == "definite")
    c.eq(definite, 40, "sum of definite leaks (libstdc++'s own blocks stay reachable)")
    # Allocations not made from this file's lines are libstdc++'s own (start-up emergency pool);
    # with them subtracted the totals must be exact.
    outside = [lk for lk in leaks if not any(basename(f.get("file")) == s for f in lk.get("stack") or [])]
    extra_allocs = c.totals(rep).get("allocations", 0) - mine
    c.note("libstdc++/runtime allocations outside the program's lines: %d (leaked outside: %r)"
           % (extra_allocs, [(lk.get("bytes"), lk.get("kind")) for lk in outside]))


@case
def case_threads(c):
    """threads_cross_free.c: cross-thread frees and address reuse."""
    s = "threads_cross_free.c"
    log, _ = c.record("threads_cross_free")
    rep = c.report(log)
    c.expect_program(rep, "threads_cross_free")
    for tag, fn in (("thr_alloc_a", "thread_a"), ("thr_alloc_b", "thread_b")):
        c.expect_line(rep, s, tag, F(10000, 640000, 0, 0))
        ents = c.entries(rep, s, tag)
        if ents:
            c.eq(sorted(set(e.get("function") for e in ents)), [fn], "function of %s @%s" % (s, tag))
    pa = c.figures(rep, s, "thr_alloc_a", "self")["peak_bytes"]
    pb = c.figures(rep, s, "thr_alloc_b", "self")["peak_bytes"]
    c.eq(pa + pb, 12800, "peak_bytes of @thr_alloc_a + @thr_alloc_b (one full batch live at the peak)")
    c.expect_totals(rep, dict(allocations=20000, frees=20000, bytes_allocated=1280000), at_least=True)
    c.expect_conservation(rep)
    leaks = rep.get("leaks") or []
    for tag in ("thr_alloc_a", "thr_alloc_b"):
        c.check(not c.leaks_at(leaks, s, tag), "a leak is reported at %s @%s: every block was freed "
                "(by the other thread)" % (s, tag))


@case
def case_fork(c):
    """fork_child.c: the child's log is separate, in the same folder, with its pid in the name."""
    s = "fork_child.c"
    d = os.path.join(c.tmp, "follow")
    main_log = os.path.join(d, "main.mprof")
    log, r = c.record("fork_child", log=main_log)
    m = re.search(r"parent=(\d+) child=(\d+)", r.stdout)
    if not m:
        raise Fatal("fork_child did not print its pids: %r" % r.stdout)
    ppid, cpid = int(m.group(1)), int(m.group(2))
    logs = sorted(f for f in os.listdir(d) if f.endswith(".mprof"))
    others = [f for f in logs if f != "main.mprof"]
    c.check(len(others) == 1 and str(cpid) in others[0],
            "expected exactly one more log in %s carrying the child's pid %d in its name, got %r"
            % (d, cpid, logs))
    prep = c.report(main_log)
    c.expect_program(prep, "fork_child", label="parent: ")
    c.eq((prep.get("program") or {}).get("pid"), ppid, "parent: program.pid")
    c.expect_line(prep, s, "parent_leak", F(1, 3000, 3000, 1), label="parent: ")
    c.expect_line(prep, s, "parent_freed", F(2, 1000, 0, 0), label="parent: ")
    c.expect_line(prep, s, "before_fork", F(1, 123, 0, 0), label="parent: ")
    c.expect_nothing(prep, s, "child_leak", label="parent: ")
    c.expect_nothing(prep, s, "child_freed", label="parent: ")
    c.expect_leak(prep.get("leaks") or [], s, "parent_leak", 3000, 1, "definite", "parent report")
    c.expect_conservation(prep, "parent: ")
    child_logs = [f for f in others if str(cpid) in f]
    if child_logs:
        crep = c.report(os.path.join(d, child_logs[0]))
        c.expect_program(crep, "fork_child", exit_code=5, label="child: ")
        c.eq((crep.get("program") or {}).get("pid"), cpid, "child: program.pid")
        c.expect_line(crep, s, "child_leak", F(1, 700, 700, 1), label="child: ")
        c.expect_line(crep, s, "child_freed", F(4, 1000, 0, 0), label="child: ")
        c.expect_nothing(crep, s, "parent_leak", label="child: ")
        c.expect_nothing(crep, s, "parent_freed", label="child: ")
        c.expect_nothing(crep, s, "before_fork", label="child: ")
        c.expect_leak(crep.get("leaks") or [], s, "child_leak", 700, 1, "definite", "child report")
        c.expect_totals(crep, dict(allocations=5, frees=4, bytes_allocated=1700, leaked_bytes=700,
                                   leaked_allocations=1), label="child: ")
    # --no-follow: the main process only
    d2 = os.path.join(c.tmp, "nofollow")
    c.record("fork_child", opts=["--no-follow"], log=os.path.join(d2, "main.mprof"))
    logs2 = sorted(f for f in os.listdir(d2) if f.endswith(".mprof"))
    c.eq(logs2, ["main.mprof"], "logs written with --no-follow")


@case
def case_fork_storm(c):
    """fork_storm.c: 200 forks while another thread keeps memprof inside dl_iterate_phdr.

    glibc's fork does not reset the loader lock dl_iterate_phdr holds; memprof must not fork
    (through the program's fork) while one of its own module-list walks is running, or the
    child hangs at its first look-up. Before the fix this hung in 2 of 3 runs.

    Sampled at 10 kHz, so that memprof's writer thread is often inside libunwind, unwinding
    sample stack copies, when the program forks: a mutex inside libunwind's address space was
    then held in the child by a thread it does not have, and the child hung at exit collecting
    its own last samples (session 7; at 1 kHz once in ~150 runs, at 10 kHz in the first)."""
    n = 200
    d = os.path.join(c.tmp, "storm")
    main_log = os.path.join(d, "main.mprof")
    log, r = c.record("fork_storm", args=[str(n)], opts=["--sample-hz", "10000"], log=main_log,
                      timeout=40)
    c.check(("children ok %d" % n) in r.stdout, "every child should exit 0: %s" % r.describe())
    logs = [f for f in os.listdir(d) if f.endswith(".mprof")]
    c.eq(len(logs), n + 1, "one log per process (the main one and %d children)" % n)
    rep = c.report(main_log)
    c.expect_program(rep, "fork_storm", args=[str(n)])
    c.expect_conservation(rep)
    child = sorted(f for f in logs if f != "main.mprof")[n // 2]
    crep = c.report(os.path.join(d, child))
    c.expect_line(crep, "fork_storm.c", "storm_alloc", F(1, 24, 0, 0), label="a child: ")


@case
def case_exec(c):
    """exec_chain.c: the exec'd program is followed; both logs exist."""
    d = os.path.join(c.tmp, "exec")
    main_log = os.path.join(d, "main.mprof")
    leaks_prog = c.prog("leaks")
    log, r = c.record("exec_chain", args=[leaks_prog], log=main_log)
    m = re.search(r"pid=(\d+)", r.stdout)
    if not m:
        raise Fatal("exec_chain did not print its pid: %r" % r.stdout)
    pid = int(m.group(1))
    logs = sorted(f for f in os.listdir(d) if f.endswith(".mprof"))
    if not c.check(len(logs) >= 2, "expected a log for each program of the exec chain in %s, got %r" % (d, logs)):
        return
    # the process as started ends in execve: its log may legitimately say so
    reps = dict((f, c.report(os.path.join(d, f), allow_truncated=True)) for f in logs)
    pre = [f for f, rp in reps.items() if c.figures(rp, "exec_chain.c", "exec_leak", "self")["allocations"]]
    post = [f for f, rp in reps.items() if c.figures(rp, "leaks.c", "leak100", "self")["allocations"]]
    c.check(len(pre) == 1, "exactly one log should hold exec_chain.c's allocation, got %r" % pre)
    c.check(len(post) == 1, "exactly one log should hold the exec'd leaks program, got %r" % post)
    if pre:
        rp = reps[pre[0]]
        c.expect_line(rp, "exec_chain.c", "exec_leak", dict(allocations=1, bytes=1234), label="pre-exec: ")
        c.expect_nothing(rp, "leaks.c", "leak100", label="pre-exec: ")
        cmd = (rp.get("program") or {}).get("command") or [""]
        c.check(basename(cmd[0]) == "exec_chain", "pre-exec: program.command %r" % cmd)
    if post:
        c.check(post[0] != "main.mprof" and str(pid) in post[0],
                "the exec'd program's log should carry its pid %d in its name (and not be the -o "
                "path, which belongs to the process as started), got %r" % (pid, post[0]))
        rp = reps[post[0]]
        c.expect_program(rp, "leaks", label="exec'd: ")
        c.eq((rp.get("program") or {}).get("pid"), pid, "exec'd: program.pid")
        c.expect_nothing(rp, "exec_chain.c", "exec_leak", label="exec'd: ")
        check_leaks_program(c, rp, label="exec'd: ")


@case
def case_exec_paths(c):
    """exec_paths.c: a failed exec leaves the recording going (the program's own exit status in
    the report, its later allocations counted); a child's exec after vfork() or fork() (also
    with --no-follow) leaves the parent's CPU sampling running."""
    s = "exec_paths.c"
    log, _ = c.record("exec_paths", args=["failexec"], status=7)
    rep = c.report(log)
    c.expect_program(rep, "exec_paths", args=["failexec"], exit_code=7, label="failed exec: ")
    c.expect_line(rep, s, "before_exec", F(1, 100, 0, 0), label="failed exec: ")
    c.expect_line(rep, s, "after_exec", F(1, 200, 200, 1), label="failed exec: ")
    c.expect_totals(rep, dict(allocations=2, frees=1, bytes_allocated=300, leaked_bytes=200,
                              leaked_allocations=1), label="failed exec: ")
    true_prog = shutil.which("true") or "/bin/true"
    for mode, opts in (("vfork", []), ("vfork", ["--no-follow"]), ("fork", ["--no-follow"])):
        label = "%s %s: " % (mode, " ".join(opts) or "(followed)")
        d = os.path.join(c.tmp, "%s%s" % (mode, len(opts)))
        log, _ = c.record("exec_paths", args=[mode, true_prog], opts=opts,
                          log=os.path.join(d, "main.mprof"))
        rep = c.report(log)
        c.expect_program(rep, "exec_paths", args=[mode, true_prog], label=label)
        # ~0.3 s of CPU after the child's exec, at the default ~1000 Hz
        c.ge(samples_at(c, rep, s, "vfork_hot"), 30, label + "self.samples at @vfork_hot")


@case
def case_close_fds(c):
    """close_fds.c: the program closes every fd >= 3 and fills the table with its own file; the
    log, the sampler's counters and libunwind's pipe must neither write to, read from nor close
    the program's descriptors, and the recording goes on (exact figures, complete log)."""
    s = "close_fds.c"
    data = os.path.join(c.tmp, "data.txt")
    for label, opts in (("", []), ("--sample-hz 0: ", ["--sample-hz", "0"])):
        log, r = c.record("close_fds", args=[data], opts=opts,
                          log=os.path.join(c.tmp, "cf%d.mprof" % len(opts)))
        c.check("close_fds ok" in r.stdout, "%sthe program's own checks: %s" % (label, r.describe()))
        with open(data, "rb") as f:
            c.eq(f.read(), b"close_fds ok\n", "%scontents of the program's file" % label)
        rep = c.report(log)
        c.expect_program(rep, "close_fds", args=[data], label=label)
        c.expect_line(rep, s, "before_close", F(1, 100, 0, 0), label=label)
        c.expect_line(rep, s, "while_full", F(1, 200, 200, 1), label=label)
        c.expect_line(rep, s, "loop", F(20, 20000, 0, 0), label=label)
        c.expect_line(rep, s, "after_close", F(1, 300, 300, 1), label=label)
        c.expect_totals(rep, dict(allocations=23, frees=21, bytes_allocated=20600, leaked_bytes=500,
                                  leaked_allocations=2), label=label, at_least=True)
        c.expect_conservation(rep, label)
        c.expect_leak(rep.get("leaks") or [], s, "while_full", 200, 1, "definite", label + "report")
        c.check("recording stopped" not in r.stderr, "%smemprof stopped recording: %s" % (label, r.describe()))


@case
def case_main_thread_exit(c):
    """main_thread_exit.c: main() ends with pthread_exit(); the process must end (status 0,
    exit handlers run) when its last thread does: memprof's own thread must not keep it alive."""
    s = "main_thread_exit.c"
    for label, opts in (("", []), ("--sample-hz 0: ", ["--sample-hz", "0"])):
        log, r = c.record("main_thread_exit", opts=opts, timeout=20,
                          log=os.path.join(c.tmp, "mte%d.mprof" % len(opts)))
        c.check("atexit ran" in r.stdout, "%sthe program's atexit handler did not run: %s" % (label, r.describe()))
        rep = c.report(log)
        c.expect_program(rep, "main_thread_exit", label=label)
        c.expect_line(rep, s, "main_block", F(1, 64, 0, 0), label=label)
        c.expect_line(rep, s, "worker_leak", F(1, 777, 777, 1), label=label)
        c.expect_line(rep, s, "atexit_leak", F(1, 55, 55, 1), label=label)
        c.expect_conservation(rep, label)
        c.ge(c.totals(rep).get("peak_rss_bytes"), 1, label + "totals.peak_rss_bytes")


@case
def case_unwinder_verify(c):
    """MEMPROF_UNWINDER=verify: each capture is taken by the fast unwinder and by libunwind;
    every process must report that the two agreed on every stack they both produced."""
    plug, plug2 = c.prog("plugin"), c.prog("plugin2")
    runs = [("cxx_threads", [], 4000),            # threads, -O2 code, exceptions, deep stacks
            ("threads_cross_free", [], 20000),    # C threads
            ("dlopen_host", [plug, plug2], 10),   # dlclose empties the rule caches
            ("fork_child", [], 2)]                # the child reports its own captures
    for name, args, min_compared in runs:
        _, r = c.record(name, args=args, env={"MEMPROF_UNWINDER": "verify"},
                        log=os.path.join(c.tmp, name + ".mprof"))
        reports = list(UNWINDER_CHECK.finditer(r.stderr))
        if not c.check(reports, "%s under MEMPROF_UNWINDER=verify printed no unwinder check: %s"
                       % (name, r.describe())):
            continue
        compared = sum(int(m.group("compared")) for m in reports)
        c.ge(compared, min_compared, "stacks of %s compared between the two unwinders" % name)


@case
def case_dlopen(c):
    """dlopen_host.c + plugin.c + plugin2.c: leaks attributed inside dlclosed modules."""
    plug, plug2 = c.prog("plugin"), c.prog("plugin2")
    log, r = c.record("dlopen_host", args=[plug, plug2])
    addrs = re.findall(r"plugin \d at (0x[0-9a-f]+)", r.stdout)
    if len(addrs) == 2:
        a1, a2 = (int(x, 16) for x in addrs)
        c.note("plugin_leak at %s / %s: %s" % (addrs[0], addrs[1],
               "same pages (address reuse after dlclose)" if abs(a1 - a2) < 4096 else "different pages"))
    rep = c.report(log)
    c.expect_program(rep, "dlopen_host", args=[plug, plug2])
    c.expect_line(rep, "plugin.c", "plugin_leak", F(1, 4242, 4242, 1))
    c.expect_line(rep, "plugin.c", "plugin_freed", F(3, 300, 0, 0))
    c.expect_line(rep, "plugin2.c", "plugin2_leak", F(1, 2424, 2424, 1))
    c.expect_line(rep, "dlopen_host.c", "host_leak", F(1, 55, 55, 1))
    c.expect_line(rep, "dlopen_host.c", "host_calls_plugin", F(0, 0, 0, 0), F(5, 6966, 6666, 2))
    ents = c.entries(rep, "plugin.c", "plugin_leak")
    if ents:
        c.eq(ents[0].get("function"), "plugin_leak", "function of plugin.c @plugin_leak")
    leaks = rep.get("leaks") or []
    for src, tag, n, mod in (("plugin.c", "plugin_leak", 4242, "libmemprof_test_plugin.so"),
                             ("plugin2.c", "plugin2_leak", 2424, "libmemprof_test_plugin2.so")):
        found = c.expect_leak(leaks, src, tag, n, 1, "definite")
        if found:
            st = found[0].get("stack") or []
            fr = [f for f in st if basename(f.get("file")) == src]
            c.check(fr and basename(fr[0].get("module")) == mod,
                    "leak at %s @%s: frame module should be %s, got %r" % (src, tag, mod,
                                                                         fr[0].get("module") if fr else None))
            c.check(any(basename(f.get("file")) == "dlopen_host.c" and f.get("line") ==
                        c.tag_line("dlopen_host.c", "host_calls_plugin") for f in st),
                    "leak at %s @%s: stack should continue into dlopen_host.c @host_calls_plugin: %r"
                    % (src, tag, st))
    c.expect_leak(leaks, "dlopen_host.c", "host_leak", 55, 1, "definite")
    c.expect_conservation(rep)


@case
def case_abort(c):
    """abort_leak.c: the log of a process killed by SIGABRT is analysed; exit status 134."""
    s = "abort_leak.c"
    log, _ = c.record("abort_leak", status=134)
    rep = c.report(log, allow_truncated=True)
    c.expect_program(rep, "abort_leak", sig=6)
    c.expect_line(rep, s, "abort_leak", F(1, 512, 512, 1))
    c.expect_line(rep, s, "abort_freed", F(2, 128, 0, 0))
    c.expect_totals(rep, dict(allocations=3, frees=2, bytes_allocated=640, leaked_bytes=512,
                              leaked_allocations=1))


@case
def case_exit_codes(c):
    """exit_codes.c: `memprof run` passes the program's exit status through (128+N on signal N)."""
    s = "exit_codes.c"
    for mode, n, status, sig in (("return", 0, 0, None), ("return", 7, 7, None), ("exit", 8, 8, None),
                                 ("_exit", 9, 9, None), ("thread", 11, 11, None), ("quick", 12, 12, None),
                                 ("signal", 15, 143, 15), ("signal", 11, 139, 11),
                                 # default action "terminate" too: SIGUSR1, SIGUSR2, SIGALRM
                                 ("signal", 10, 138, 10), ("signal", 12, 140, 12), ("signal", 14, 142, 14)):
        label = "[%s %d] " % (mode, n)
        try:
            log, r = c.record("exit_codes", args=[mode, str(n)], status=status,
                              log=os.path.join(c.tmp, "%s_%d.mprof" % (mode.strip("_"), n)))
            # quick_exit reaches _exit inside libc, past the _exit hook: the log must still be complete
            rep = c.report(log, allow_truncated=mode != "quick")
        except Fatal as e:
            c.check(False, "%s%s" % (label, e))
            continue
        c.expect_program(rep, "exit_codes", args=[mode, str(n)], exit_code=n, sig=sig, label=label)
        c.expect_line(rep, s, "exit_leak", F(1, 77, 77, 1), label=label)
        if mode == "quick":  # with what the at_quick_exit handler did and the leak scan's verdicts
            c.expect_line(rep, s, "quick_freed", F(1, 44, 0, 0), label=label)
            c.expect_line(rep, s, "quick_handler", F(1, 33, 33, 1), label=label)
            c.expect_leak(rep.get("leaks") or [], s, "exit_leak", 77, 1, kind="definite", where=label + "report")
            c.expect_leak(rep.get("leaks") or [], s, "quick_handler", 33, 1, kind="reachable",
                          where=label + "report")


@case
def case_many_allocs(c):
    """many_allocs.c: 20 million malloc/free pairs, exact totals."""
    n = 20000000
    s = "many_allocs.c"
    log, _ = c.record("many_allocs", args=[str(n)], timeout=50)
    rep = c.report(log)
    c.expect_line(rep, s, "many_loop", F(n, 16 * n, 0, 0))
    c.expect_line(rep, s, "many_leak", F(1, 999, 999, 1))
    c.expect_totals(rep, dict(allocations=n + 1, frees=n, bytes_allocated=16 * n + 999, leaked_bytes=999,
                              leaked_allocations=1))
    # at most one 16 B loop block is live at a time; the 999 B leak comes after the loop
    c.expect_totals(rep, dict(peak_heap_bytes=999))
    c.expect_conservation(rep)


@case
def case_peak(c):
    """peak.c: one unambiguous 10 MiB heap peak."""
    s = "peak.c"
    log, _ = c.record("peak")
    rep = c.report(log)
    c.expect_program(rep, "peak")
    c.expect_totals(rep, dict(peak_heap_bytes=10 * MIB, allocations=3, frees=3, bytes_allocated=15 * MIB,
                              leaked_bytes=0, leaked_allocations=0))
    c.expect_line(rep, s, "peak10m", F(1, 10 * MIB, 0, 0, 10 * MIB))
    c.expect_line(rep, s, "peak4m", F(1, 4 * MIB, 0, 0, 0))
    c.expect_line(rep, s, "peak1m", F(1, 1 * MIB, 0, 0, 0))
    c.ge(c.totals(rep).get("peak_rss_bytes"), 10 * MIB, "totals.peak_rss_bytes (10 MiB were touched)")
    c.eq(rep.get("leaks"), [], "leaks of a program that frees everything")
    tl = rep.get("timeline") or []
    if tl:
        c.eq(tl[-1].get("heap_bytes"), 0, "timeline: heap_bytes at the end of the run")
    r = c.memprof(["peak", log])
    c.check(r.returncode == 0 and re.search(r"10485760|10(\.0+)?\s*Mi?B", r.stdout),
            "memprof peak LOG should exit 0 and show the 10 MiB peak: %s stdout=%r"
            % (r.describe(), r.stdout[:300]))


@case
def case_inline(c):
    """inline_attrib.cpp: inlined frames are frames."""
    s = "inline_attrib.cpp"
    log, _ = c.record("inline_attrib")
    rep = c.report(log)
    c.expect_line(rep, s, "inl_inner_alloc", F(1, 333, 333, 1))
    c.expect_line(rep, s, "inl_outer_call", F(0, 0, 0, 0), F(1, 333, 333, 1))
    c.expect_line(rep, s, "inl_main_call", F(0, 0, 0, 0), F(1, 333, 333, 1))
    c.expect_line(rep, s, "inl_new", F(1, 444, 0, 0))
    c.expect_line(rep, s, "inl_new_call", F(0, 0, 0, 0), F(1, 444, 0, 0))
    ents = c.entries(rep, s, "inl_inner_alloc")
    if ents:
        fn = ents[0].get("function") or ""
        c.check("inner_alloc" in fn, "function of @inl_inner_alloc should be the inlined function "
                "inner_alloc, got %r" % fn)
    found = c.expect_leak(rep.get("leaks") or [], s, "inl_inner_alloc", 333, 1, "definite")
    if found:
        lines = [f.get("line") for f in found[0].get("stack") or [] if basename(f.get("file")) == s]
        want = [c.tag_line(s, t) for t in ("inl_inner_alloc", "inl_outer_call", "inl_main_call")]
        c.eq(lines[:3], want, "leak stack lines in %s (inlined frames are frames)" % s)


@case
def case_kill9(c):
    """kill9.c: a log cut short by SIGKILL is analysed up to where it ends, with a warning."""
    s = "kill9.c"
    log = os.path.join(c.tmp, "kill9.mprof")
    env = dict(os.environ)
    proc = subprocess.Popen([c.memprof_bin, "run", "-o", log, "--", c.prog("kill9")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            cwd=c.tmp, env=env, start_new_session=True)
    try:
        line = b""
        deadline = time.monotonic() + 30
        while b"\n" not in line and time.monotonic() < deadline:
            ch = proc.stdout.read(1)
            if not ch:
                break
            line += ch
        m = re.match(rb"ready (\d+)", line)
        if not m:
            raise Fatal("kill9 did not say ready: %r" % line)
        pid = int(m.group(1))
        time.sleep(1.0)  # give a periodic writer a chance; the events were made before "ready"
        os.kill(pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    c.eq(proc.returncode, 128 + 9, "exit status of `memprof run` when the program is SIGKILLed")
    if not os.path.isfile(log):
        raise Fatal("no log at %s" % log)
    r = c.memprof(["report", "--format", "json", log])
    if not c.check(r.returncode == 0 and not r.timed_out,
                   "report of a log cut short must succeed: " + r.describe()):
        return
    c.check(r.stderr.strip() != "", "report of a log cut short should warn on stderr")
    try:
        rep = json.loads(r.stdout)
    except ValueError:
        raise Fatal("report of a cut-short log is not JSON: %r" % r.stdout[:300])
    c.expect_line(rep, s, "k9_alloc", F(50, 50000, 50000, 50))
    c.expect_line(rep, s, "k9_freed", F(20, 6000, 0, 0))


@case
def case_ld_preload(c):
    """LD_PRELOAD + MEMPROF_OUTPUT (with %p) records the same thing as `memprof run`."""
    d = os.path.join(c.tmp, "preload")
    os.makedirs(d)
    prog = c.prog("leaks")
    env = {"LD_PRELOAD": c.preload, "MEMPROF_OUTPUT": os.path.join(d, "x.%p.mprof")}
    proc = subprocess.Popen([prog], env=dict(os.environ, **env), cwd=c.tmp, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CMD_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise Fatal("leaks under LD_PRELOAD timed out")
    c.eq(proc.returncode, 0, "exit status of leaks under LD_PRELOAD")
    want = "x.%d.mprof" % proc.pid
    got = sorted(os.listdir(d))
    if not c.check(got == [want], "MEMPROF_OUTPUT=%s/x.%%p.mprof should give exactly %s, got %r"
                   % (d, want, got)):
        if not got:
            raise Fatal("no log written under LD_PRELOAD (stderr %r)" % err[:300])
    prep = c.report(os.path.join(d, got[0]))
    c.expect_program(prep, "leaks", label="LD_PRELOAD: ")
    c.eq((prep.get("program") or {}).get("pid"), proc.pid, "LD_PRELOAD: program.pid")
    check_leaks_program(c, prep, label="LD_PRELOAD: ")
    log, _ = c.record("leaks")
    rrep = c.report(log)
    for k in ("allocations", "frees", "bytes_allocated", "peak_heap_bytes", "leaked_bytes",
              "leaked_allocations"):
        c.eq(c.totals(prep).get(k), c.totals(rrep).get(k), "totals.%s LD_PRELOAD vs memprof run" % k)
    for tag in LINE_TAGS["leaks.c"]:
        for which in ("self", "total"):
            a = c.figures(prep, "leaks.c", tag, which)
            b = c.figures(rrep, "leaks.c", tag, which)
            a.pop("samples"), b.pop("samples")
            c.check(a == b, "leaks.c @%s %s: LD_PRELOAD %r vs memprof run %r" % (tag, which, a, b))


@case
def case_leaks_cmd(c):
    """memprof leaks: json/text/junit/sarif formats and suppressions."""
    s = "leaks.c"
    log, _ = c.record("leaks")
    r = c.memprof(["leaks", "--format", "json", log])
    if not c.check(r.returncode == 0, "memprof leaks --format json: " + r.describe()):
        return
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        raise Fatal("memprof leaks --format json: not JSON: %r" % r.stdout[:300])
    leaks = doc.get("leaks") if isinstance(doc, dict) else doc
    if not c.check(isinstance(leaks, list), "memprof leaks --format json: expected a list of leaks "
                   "(or an object with 'leaks'), got %r" % (r.stdout[:200],)):
        return
    c.check_leak_list(leaks, "memprof leaks --format json")
    for tag, n, k, kind in (("leak100", 100, 1, "definite"), ("leak200x3", 600, 3, "definite"),
                            ("calloc300", 300, 1, "definite"), ("leak24discard", 24, 1, "definite"),
                            ("leakouter", 64, 1, "definite"), ("leakinner", 48, 1, "indirect")):
        c.expect_leak(leaks, s, tag, n, k, kind, "memprof leaks --format json")
    c.eq(sum(lk.get("bytes", 0) for lk in leaks if isinstance(lk, dict)), 1136,
         "memprof leaks --format json: sum of bytes")
    # text
    r = c.memprof(["leaks", log])
    c.check(r.returncode == 0 and "leaks.c" in r.stdout and str(c.tag_line(s, "leak100")) in r.stdout,
            "memprof leaks (text) should list leaks.c:%d: %s" % (c.tag_line(s, "leak100"), r.describe()))
    # junit: XML
    r = c.memprof(["leaks", "--format", "junit", log])
    if c.check(r.returncode == 0, "memprof leaks --format junit: " + r.describe()):
        try:
            root = ET.fromstring(r.stdout)
            c.check(root.tag in ("testsuites", "testsuite"), "junit root element is %r" % root.tag)
            c.check("leaks.c" in r.stdout, "junit output should mention leaks.c")
        except ET.ParseError as e:
            c.check(False, "memprof leaks --format junit: not XML (%s): %r" % (e, r.stdout[:200]))
    # sarif: JSON with version and runs
    r = c.memprof(["leaks", "--format", "sarif", log])
    if c.check(r.returncode == 0, "memprof leaks --format sarif: " + r.describe()):
        try:
            sarif = json.loads(r.stdout)
            c.check(isinstance(sarif, dict) and sarif.get("version") == "2.1.0" and isinstance(sarif.get("runs"), list),
                    "sarif output needs version 2.1.0 and runs: %r" % r.stdout[:200])
            c.check("leaks.c" in r.stdout, "sarif output should mention leaks.c")
        except ValueError:
            c.check(False, "memprof leaks --format sarif: not JSON: %r" % r.stdout[:200])
    # suppressions
    supp = os.path.join(c.tmp, "supp.txt")
    with open(supp, "w") as f:
        f.write("# suppress everything allocated under make_leaks\nleak:make_leaks\n")
    r = c.memprof(["leaks", "--format", "json", "--suppressions", supp, log])
    if c.check(r.returncode == 0, "memprof leaks --suppressions: " + r.describe()):
        try:
            doc = json.loads(r.stdout)
            sl = doc.get("leaks") if isinstance(doc, dict) else doc
            left = [lk for lk in sl or [] if isinstance(lk, dict) and not lk.get("suppressed")
                    and any(f.get("function") == "make_leaks" for f in lk.get("stack") or [])]
            c.check(not left, "leak:make_leaks should suppress the leaks under make_leaks, left: %r"
                    % [(lk.get("bytes"), lk.get("kind")) for lk in left])
        except ValueError:
            c.check(False, "memprof leaks --suppressions --format json: not JSON")


@case
def case_leak_check(c):
    """memprof run --leak-check / --error-exitcode / --suppressions / --max-peak / --max-leaked."""
    def run(prog, opts, status, what, args=()):
        log = os.path.join(c.tmp, "lc_%d.mprof" % len(os.listdir(c.tmp)))
        _, r = c.record(prog, args=args, opts=opts, status=None, log=log)
        c.check(r.returncode == status, "%s: expected exit %d: %s" % (what, status, r.describe()))
        return r
    r = run("leaks", ["--leak-check"], 23, "--leak-check on a leaking program")
    c.check("leaks.c" in r.stderr, "--leak-check should print the leaks on stderr (with leaks.c)")
    run("leaks", ["--leak-check", "--error-exitcode", "42"], 42, "--leak-check --error-exitcode 42")
    run("peak", ["--leak-check"], 0, "--leak-check on a program without leaks")
    run("exit_codes", ["--leak-check"], 23, "--leak-check, leaking program exiting 7", args=["return", "7"])
    run("exit_codes", ["--leak-check"], 23, "--leak-check, leaking program ending with quick_exit(7)",
        args=["quick", "7"])
    supp = os.path.join(c.tmp, "supp.txt")
    with open(supp, "w") as f:
        f.write("# all of leaks.c's leaks come through make_leaks\nleak:make_leaks\n")
    run("leaks", ["--leak-check", "--suppressions", supp], 0, "--leak-check with leak:make_leaks")
    supp2 = os.path.join(c.tmp, "supp2.txt")
    with open(supp2, "w") as f:
        f.write("leak:*eaks.c\n")
    run("leaks", ["--leak-check", "--suppressions", supp2], 0, "--leak-check with leak:*eaks.c (file wildcard)")
    supp3 = os.path.join(c.tmp, "supp3.txt")
    with open(supp3, "w") as f:
        f.write("leak:no_such_function_anywhere\n")
    run("leaks", ["--leak-check", "--suppressions", supp3], 23, "--leak-check with a non-matching suppression")
    # leaks.c: 1136 B leaked, heap peak 2136 B
    run("leaks", ["--max-leaked", "1K"], 23, "--max-leaked 1K (1136 B leaked)")
    run("leaks", ["--max-leaked", "2K"], 0, "--max-leaked 2K (1136 B leaked)")
    run("leaks", ["--max-peak", "2K"], 23, "--max-peak 2K (peak 2136 B)")
    run("leaks", ["--max-peak", "3K"], 0, "--max-peak 3K (peak 2136 B)")
    run("peak", ["--max-peak", "9.5M"], 23, "--max-peak 9.5M (peak 10 MiB)")
    run("peak", ["--max-peak", "10M"], 0, "--max-peak 10M (peak exactly 10 MiB, not above)")
    run("peak", ["--max-peak", "1.5G"], 0, "--max-peak 1.5G")
    run("peak", ["--max-peak", "512K", "--error-exitcode", "9"], 9, "--max-peak 512K --error-exitcode 9")


@case
def case_diff(c):
    """memprof diff --fail-on-increase."""
    old, _ = c.record("leaks", args=["3"], log=os.path.join(c.tmp, "old.mprof"))
    same, _ = c.record("leaks", args=["3"], log=os.path.join(c.tmp, "same.mprof"))
    new, _ = c.record("leaks", args=["6"], log=os.path.join(c.tmp, "new.mprof"))
    r = c.memprof(["diff", old, new])
    c.check(r.returncode == 0, "memprof diff without --fail-on-increase: " + r.describe())
    r = c.memprof(["diff", "--fail-on-increase", "10", old, same])
    c.check(r.returncode == 0, "memprof diff --fail-on-increase 10 of identical runs: " + r.describe())
    r = c.memprof(["diff", "--fail-on-increase", "10", old, new])
    c.check(r.returncode != 0 and not r.timed_out and r.returncode > 0,
            "memprof diff --fail-on-increase 10 when @leak200x3 leaks 1200 B instead of 600 B: " + r.describe())
    r = c.memprof(["diff", "--fail-on-increase", "150", old, new])
    c.check(r.returncode == 0, "memprof diff --fail-on-increase 150 (growth is 100%%): " + r.describe())
    r = c.memprof(["diff", "--fail-on-increase", "10", new, old])
    c.check(r.returncode == 0, "memprof diff --fail-on-increase 10 when figures shrink: " + r.describe())


@case
def case_lines_cmd(c):
    """memprof lines prints the source text of the lines."""
    s = "leaks.c"
    log, _ = c.record("leaks")
    text100 = c.tag_text(s, "leak100")
    text0 = c.tag_text(s, "malloc0")
    norm = lambda t: re.sub(r"\s+", " ", t)
    r = c.memprof(["lines", log])
    c.check(r.returncode == 0 and text100 in norm(r.stdout) and text0 in norm(r.stdout),
            "memprof lines LOG should print the text of leaks.c:%d %r and :%d %r: %s"
            % (c.tag_line(s, "leak100"), text100, c.tag_line(s, "malloc0"), text0, r.describe()))
    r = c.memprof(["lines", "--function", "^make_leaks$", log])
    c.check(r.returncode == 0 and text100 in norm(r.stdout) and text0 not in norm(r.stdout),
            "memprof lines --function ^make_leaks$ should show %r but not main's %r: %s\nstdout: %s"
            % (text100, text0, r.describe(), r.stdout[:500]))
    r = c.memprof(["lines", "--file", os.path.join(c.srcdir, s), log])
    c.check(r.returncode == 0 and text100 in norm(r.stdout),
            "memprof lines --file %s should show %r: %s" % (os.path.join(c.srcdir, s), text100, r.describe()))
    r = c.memprof(["lines", "--file", os.path.join(c.srcdir, "no_such_file.c"), log])
    c.check(r.returncode >= 0 and not r.timed_out and text100 not in norm(r.stdout),
            "memprof lines --file of another file must not show leaks.c's lines: " + r.describe())


@case
def case_default_output(c):
    """memprof run without -o: log in the cwd named after program and pid; list/peak/plot/clean."""
    cwd = os.path.join(c.tmp, "cwd")
    os.makedirs(cwd)
    r = c.memprof(["run", "--", c.prog("peak")], cwd=cwd)
    c.check(r.returncode == 0, "memprof run (default output): " + r.describe())
    logs = [f for f in os.listdir(cwd) if f.endswith(".mprof")]
    if not c.check(len(logs) == 1, "expected exactly one .mprof in the cwd, got %r" % logs):
        return
    log = logs[0]
    c.check("peak" in log, "default log name should hold the program's name: %r" % log)
    c.check(log in r.stderr, "memprof run should print the log path on stderr: %r" % r.stderr[:300])
    rep = c.report(os.path.join(cwd, log))
    pid = (rep.get("program") or {}).get("pid")
    c.check(str(pid) in log, "default log name should hold the pid %r: %r" % (pid, log))
    r = c.memprof(["list"], cwd=cwd)
    c.check(r.returncode == 0 and log in r.stdout, "memprof list should show %s: %s" % (log, r.describe()))
    r = c.memprof(["peak"], cwd=cwd)
    c.check(r.returncode == 0 and re.search(r"10485760|10(\.0+)?\s*Mi?B", r.stdout),
            "memprof peak (newest log) should show the 10 MiB peak: %s stdout=%r" % (r.describe(), r.stdout[:200]))
    for out, magic in (("plot.txt", None), ("plot.svg", b"<"), ("plot.png", b"\x89PNG")):
        r = c.memprof(["plot", "-o", out], cwd=cwd)
        p = os.path.join(cwd, out)
        ok = r.returncode == 0 and os.path.isfile(p) and os.path.getsize(p) > 0
        if ok and magic:
            with open(p, "rb") as f:
                head = f.read(64).lstrip()
            ok = head.startswith(magic)
        c.check(ok, "memprof plot -o %s (newest log) should write a %s file: %s" % (out, out[-3:], r.describe()))
    r = c.memprof(["plot", "-o", os.path.join(c.tmp, "explicit.svg"), os.path.join(cwd, log)])
    c.check(r.returncode == 0 and os.path.isfile(os.path.join(c.tmp, "explicit.svg")),
            "memprof plot -o OUT.svg LOG: " + r.describe())
    r = c.memprof(["clean"], cwd=cwd)
    left = [f for f in os.listdir(cwd) if f.endswith(".mprof")]
    c.check(r.returncode == 0 and not left, "memprof clean should remove the logs of the cwd: %s, left %r"
            % (r.describe(), left))


@case
def case_install_layout(c):
    """`memprof run` takes the preload library next to itself (../lib/libmemprof.so), also in an
    installed copy, and never from the current directory."""
    decoy = c.prog("fake_preload")
    leaks = c.prog("leaks")

    def layout(root, lib):
        os.makedirs(os.path.join(root, "bin"))
        os.makedirs(os.path.join(root, "lib"))
        shutil.copy2(c.memprof_bin, os.path.join(root, "bin", "memprof"))
        if lib:
            shutil.copy2(lib, os.path.join(root, "lib", "libmemprof.so"))
        return os.path.join(root, "bin", "memprof")

    # decoys wherever a lookup through the current directory could find one
    cwd = os.path.join(c.tmp, "cwd", "bin")
    os.makedirs(os.path.join(c.tmp, "cwd", "lib"))
    os.makedirs(os.path.join(cwd, "lib"))
    for d in (cwd, os.path.join(cwd, "lib"), os.path.join(c.tmp, "cwd", "lib")):
        shutil.copy2(decoy, os.path.join(d, "libmemprof.so"))
    marker = os.path.join(c.tmp, "decoy_marker.txt")
    env = {"MPT_DECOY_MARKER": marker}

    # 1. the build tree's memprof, run from a directory full of decoys
    log = os.path.join(c.tmp, "a.mprof")
    r = c.run([c.memprof_bin, "run", "-o", log, "--", leaks], env=env, cwd=cwd)
    c.check(not os.path.exists(marker), "memprof run (build tree) loaded a libmemprof.so from the "
            "current directory: " + r.describe())
    if c.check(r.returncode == 0 and os.path.isfile(log), "memprof run from a directory with decoys: "
               + r.describe()):
        rep = c.report(log)
        c.expect_line(rep, "leaks.c", "leak100", F(1, 100, 100, 1), label="[build tree] ")
    if os.path.exists(marker):
        os.unlink(marker)

    # 2. an installed copy: prefix/bin/memprof + prefix/lib/libmemprof.so
    inst = layout(os.path.join(c.tmp, "prefix"), c.preload)
    log = os.path.join(c.tmp, "b.mprof")
    r = c.run([inst, "run", "-o", log, "--", leaks], env=env, cwd=cwd)
    c.check(not os.path.exists(marker), "installed memprof loaded a libmemprof.so from the current "
            "directory: " + r.describe())
    if c.check(r.returncode == 0 and os.path.isfile(log), "installed copy (prefix/bin/memprof, "
               "prefix/lib/libmemprof.so) run: " + r.describe()):
        rep = c.report(log)
        c.expect_line(rep, "leaks.c", "leak100", F(1, 100, 100, 1), label="[installed] ")
    if os.path.exists(marker):
        os.unlink(marker)

    # 3. a copy whose ../lib/libmemprof.so is the decoy: that is the one it must load
    inst2 = layout(os.path.join(c.tmp, "prefix2"), decoy)
    r = c.run([inst2, "run", "-o", os.path.join(c.tmp, "c.mprof"), "--", leaks], env=env, cwd=c.tmp)
    c.check(os.path.exists(marker), "memprof run should load ../lib/libmemprof.so next to itself "
            "(here a decoy, which did not get loaded): " + r.describe())


@case
def case_sampling(c):
    """cpu_burn.c: program-counter samples land on the hot line; --sample-hz 0 turns them off."""
    s = "cpu_burn.c"
    log, _ = c.record("cpu_burn")
    rep = c.report(log)
    t = c.totals(rep)
    c.eq(t.get("allocations"), 0, "totals.allocations of a program without heap calls")
    c.ge(t.get("cpu_samples"), 50, "totals.cpu_samples for ~0.5 s of CPU at the default ~1000 Hz")
    c.check(isinstance(t.get("sample_hz"), (int, float)) and 100 <= t.get("sample_hz") <= 10000,
            "totals.sample_hz by default should be about 1000, got %r" % t.get("sample_hz"))
    hot = c.figures(rep, s, "hot", "self")["samples"]
    n = t.get("cpu_samples") or 0
    c.check(n and hot >= 0.6 * n, "self.samples at the hot line: %r of %r samples (expected most)" % (hot, n))
    log0, _ = c.record("cpu_burn", args=["50000000"], opts=["--sample-hz", "0"], log=os.path.join(c.tmp, "hz0.mprof"))
    rep0 = c.report(log0)
    c.eq(c.totals(rep0).get("cpu_samples"), 0, "--sample-hz 0: totals.cpu_samples")
    c.eq(c.totals(rep0).get("sample_hz"), 0, "--sample-hz 0: totals.sample_hz")
    c.eq(sum(e["self"].get("samples", 0) for e in rep0.get("lines", []) if isinstance(e, dict) and isinstance(e.get("self"), dict)),
         0, "--sample-hz 0: samples in lines")
    log2, _ = c.record("cpu_burn", args=["50000000"], opts=["--sample-hz", "200"], log=os.path.join(c.tmp, "hz200.mprof"))
    rep2 = c.report(log2)
    hz = c.totals(rep2).get("sample_hz")
    c.check(isinstance(hz, (int, float)) and abs(hz - 200) <= 20, "--sample-hz 200: totals.sample_hz %r" % hz)
    # environment of the preload library
    d = os.path.join(c.tmp, "env")
    os.makedirs(d)
    r = c.run([c.prog("cpu_burn"), "50000000"], env={"LD_PRELOAD": c.preload, "MEMPROF_SAMPLE_HZ": "0",
                                                     "MEMPROF_OUTPUT": os.path.join(d, "e.%p.mprof")})
    got = os.listdir(d)
    if c.check(r.returncode == 0 and len(got) == 1, "LD_PRELOAD run with MEMPROF_SAMPLE_HZ=0: %s, logs %r"
               % (r.describe(), got)):
        repe = c.report(os.path.join(d, got[0]))
        c.eq(c.totals(repe).get("cpu_samples"), 0, "MEMPROF_SAMPLE_HZ=0: totals.cpu_samples")



def samples_at(c, rep, src, tag, which="self"):
    return c.figures(rep, src, tag, which)["samples"]


def record_checked(c, name, args=(), opts=(), log=None, status=0, what="", env=None):
    """c.record() without its own status check; the failure message also shows the program's
    stdout (the test programs print what they measured)."""
    log, r = c.record(name, args=args, opts=opts, status=None, log=log, env=env)
    c.check(r.returncode == status, "%s`memprof run %s` should exit with the program's status %d "
            "(got %r); program stdout: %r; %s" % (what, " ".join(list(opts) + ["--", name] + list(args)),
                                                  status, r.returncode, r.stdout.strip()[:300], r.describe()))
    return log, r


def check_sampler_clock(c, rep, want, label):
    """The report's optional "sampler": {"clock": ...} field (an extra beyond the contract)."""
    sampler = rep.get("sampler")
    if sampler is None:
        c.note("%s: report has no 'sampler' field (optional), clock not checked" % label)
        return
    if c.check(isinstance(sampler, dict), "%s: 'sampler' should be an object, got %r" % (label, sampler)):
        c.eq(sampler.get("clock"), want, "%s: sampler.clock" % label)


@case
def case_sampling_split(c):
    """cpu_split.c: one function spends 4/5 of its CPU on one line, 1/5 on the next; the
    self.samples of the two lines split 80/20 (within 10 points)."""
    s = "cpu_split.c"
    log, _ = record_checked(c, "cpu_split")
    rep = c.report(log)
    a = samples_at(c, rep, s, "split80")
    b = samples_at(c, rep, s, "split20")
    n = c.totals(rep).get("cpu_samples")
    c.note("self.samples: @split80 %d, @split20 %d, cpu_samples %r" % (a, b, n))
    if not c.ge(a + b, 200, "self.samples at @split80 + @split20 (~1 s of CPU at the default ~1000 Hz; "
                "@split80 %d, @split20 %d, totals.cpu_samples %r)" % (a, b, n)):
        return
    ratio = a / float(a + b)
    c.check(0.70 <= ratio <= 0.90, "self.samples split between the 4:1 loops: @split80 %d / (@split80 %d + "
            "@split20 %d) = %.3f, expected 0.80 +- 0.10" % (a, a, b, ratio))


@case
def case_time_resolution(c):
    """Heap event times are rounded down to MEMPROF_TIME_RESOLUTION_US (64 us by default; a log
    bytes saving); at 1 us they are not all multiples of 64. Figures are the same either way."""
    times = {}
    reports = {}
    for res in ("64", "1"):
        log, _ = c.record("realloc_chain", env={"MEMPROF_TIME_RESOLUTION_US": res},
                          log=os.path.join(c.tmp, "res%s.mprof" % res))
        r = c.memprof(["dump", log])
        if not c.check(r.returncode == 0, "memprof dump: " + r.describe()):
            return
        times[res] = [int(m) for m in re.findall(r"^(?:alloc|free) .*? t=(\d+)us", r.stdout, re.M)]
        reports[res] = c.report(log)
    c.check(len(times["64"]) >= 10, "heap events in dump: %d" % len(times["64"]))
    c.check(all(t % 64 == 0 for t in times["64"]), "default: heap event times should be multiples of "
            "64 us: %r" % times["64"][:10])
    c.check(any(t % 64 != 0 for t in times["1"]), "MEMPROF_TIME_RESOLUTION_US=1: times should not all "
            "be multiples of 64 us: %r" % times["1"][:10])
    for key in ("allocations", "frees", "bytes_allocated", "peak_heap_bytes", "leaked_bytes"):
        c.eq(c.totals(reports["64"]).get(key), c.totals(reports["1"]).get(key),
             "totals.%s at 64 us and at 1 us resolution" % key)


@case
def case_sampling_backends(c):
    """The default ring-buffer sampler and the signal backend (MEMPROF_SAMPLER=signal, the
    fallback) each split cpu_split.c 80/20 and give each of cpu_threads.c's threads its line;
    the report's sampler note names the backend that ran."""
    s = "cpu_split.c"
    for label, env, words in (("ring", None, "ring buffer"),
                              ("signal", {"MEMPROF_SAMPLER": "signal"}, "signal")):
        log, _ = record_checked(c, "cpu_split", env=env, what="[%s] " % label,
                                log=os.path.join(c.tmp, "split_%s.mprof" % label))
        rep = c.report(log)
        note = (rep.get("sampler") or {}).get("note", "")
        if label == "ring" and "ring buffer" not in note:
            c.note("[ring] perf ring not available here (%r): the signal fallback ran" % note)
        else:
            c.check(words in note, "[%s] sampler note should name the backend (%r): %r" % (label, words, note))
        a = samples_at(c, rep, s, "split80")
        b = samples_at(c, rep, s, "split20")
        if c.ge(a + b, 200, "[%s] self.samples at @split80 + @split20 (%d + %d)" % (label, a, b)):
            ratio = a / float(a + b)
            c.check(0.70 <= ratio <= 0.90, "[%s] @split80 / (@split80 + @split20) = %.3f, expected "
                    "0.80 +- 0.10" % (label, ratio))
        hz = c.totals(rep).get("sample_hz")
        c.check(isinstance(hz, (int, float)) and 900 <= hz <= 1100, "[%s] totals.sample_hz %r, "
                "expected about the default 1000 (both backends are hrtimer driven)" % (label, hz))
        logt, _ = record_checked(c, "cpu_threads", env=env, what="[%s] " % label,
                                 log=os.path.join(c.tmp, "threads_%s.mprof" % label))
        rept = c.report(logt)
        n = c.totals(rept).get("cpu_samples") or 0
        for tag in ("burn_a", "burn_b"):
            got = samples_at(c, rept, "cpu_threads.c", tag)
            c.check(n >= 100 and got >= 0.25 * n, "[%s] self.samples at @%s: %d of %d, expected >= 25%%"
                    % (label, tag, got, n))


@case
def case_sampling_threads(c):
    """cpu_threads.c: two threads burn the same amount of CPU each on its own line while main
    sleeps in pthread_join; each line gets >= 25% of all samples (every thread is sampled on its
    own CPU time)."""
    s = "cpu_threads.c"
    log, _ = record_checked(c, "cpu_threads")
    rep = c.report(log)
    n = c.totals(rep).get("cpu_samples")
    a = samples_at(c, rep, s, "burn_a")
    b = samples_at(c, rep, s, "burn_b")
    c.note("self.samples: @burn_a %d, @burn_b %d, @join %d, cpu_samples %r"
           % (a, b, samples_at(c, rep, s, "join"), n))
    if not c.ge(n, 100, "totals.cpu_samples for ~1.4 s of CPU in two threads at the default ~1000 Hz"):
        return
    for tag, got in (("burn_a", a), ("burn_b", b)):
        c.check(got >= 0.25 * n, "self.samples at @%s (one thread's loop): %d of %d samples (%.1f%%), expected "
                ">= 25%% (@burn_a %d, @burn_b %d)" % (tag, got, n, 100.0 * got / n, a, b))


@case
def case_sampling_wall(c):
    """wall_sleep.c: sleeps 0.5 s (nanosleep, not resumed after EINTR; the program checks the
    elapsed time and exits 3 if it slept less) then burns ~0.2 s of CPU. With --clock wall the
    sleep is sampled (>= 30% of samples, self or total) and not cut short; with the default CPU
    clock it is hardly sampled (< 10%)."""
    s = "wall_sleep.c"
    for clock, opts in (("wall", ["--clock", "wall"]), ("cpu", [])):
        label = "--clock %s" % clock if opts else "default clock (cpu)"
        log, r = record_checked(c, "wall_sleep", opts=opts, log=os.path.join(c.tmp, "%s.mprof" % clock),
                                what="%s: " % label)
        if r.returncode == 3:
            c.check(False, "%s: the program's 0.5 s sleep was cut short under memprof (nanosleep returned "
                    "early, EINTR from the sampling signal?): %s" % (label, r.stdout.strip()))
        rep = c.report(log)
        check_sampler_clock(c, rep, clock, label)
        n = c.totals(rep).get("cpu_samples")
        sl_self = samples_at(c, rep, s, "sleep", "self")
        sl_total = samples_at(c, rep, s, "sleep", "total")
        burn = samples_at(c, rep, s, "burn", "self")
        sl = max(sl_self, sl_total)
        c.note("%s: program said %r; @sleep self %d total %d, @burn self %d, cpu_samples %r"
               % (label, r.stdout.strip(), sl_self, sl_total, burn, n))
        if not c.ge(n, 50, "%s: totals.cpu_samples (~0.2 s CPU + 0.5 s sleep at ~1000 Hz)" % label):
            continue
        if clock == "wall":
            c.check(sl >= 0.30 * n, "%s: samples at the @sleep line (self %d, total %d) should be >= 30%% of "
                    "all %d samples (0.5 s asleep of ~0.7 s)" % (label, sl_self, sl_total, n))
        else:
            c.check(sl < 0.10 * n, "%s: samples at the @sleep line (self %d, total %d) should be < 10%% of all "
                    "%d samples (a sleeping thread uses no CPU)" % (label, sl_self, sl_total, n))


@case
def case_sampling_sigprof(c):
    """sigprof_user.c: a program with its own SIGPROF handler and ITIMER_PROF (100 Hz) still
    gets its signals (>= 20 in ~0.5 s of CPU, else it exits 4) under memprof's default sampling,
    and memprof still records samples."""
    log, r = record_checked(c, "sigprof_user")
    if r.returncode == 4:
        c.check(False, "the program's own SIGPROF handler / ITIMER_PROF got too few signals under memprof: %s"
                % r.stdout.strip())
    elif r.returncode == 5:
        c.check(False, "the program could not install its SIGPROF handler or ITIMER_PROF under memprof")
    rep = c.report(log)
    n = c.totals(rep).get("cpu_samples")
    hot = samples_at(c, rep, "sigprof_user.c", "burn")
    c.note("program said %r; cpu_samples %r, @burn self.samples %d" % (r.stdout.strip(), n, hot))
    c.check(isinstance(n, int) and n > 0, "totals.cpu_samples of a program with its own SIGPROF timer: "
            "expected > 0, got %r" % n)

@case
def case_errors(c):
    """Missing, empty, random, foreign, corrupt and truncated files: one error line or a warning."""
    good, _ = c.record("leaks")
    with open(good, "rb") as f:
        data = f.read()
    files = {}

    def put(name, content):
        p = os.path.join(c.tmp, name)
        with open(p, "wb") as f:
            f.write(content)
        return p
    files["missing"] = os.path.join(c.tmp, "does_not_exist.mprof")
    files["empty"] = put("empty.mprof", b"")
    rnd = random.Random(1234)
    files["random"] = put("random.mprof", bytes(rnd.randrange(256) for _ in range(4096)))
    files["text"] = put("text.mprof", b"hello, this is not a memprof log\n" * 10)
    with open("/bin/ls", "rb") as f:
        files["foreign (ELF)"] = put("foreign_elf", f.read())
    if len(data) > 64:
        bad = bytearray(data)
        mid = len(bad) // 2
        for i in range(mid, min(mid + 16, len(bad))):
            bad[i] ^= 0xA5
        files["corrupt-middle"] = put("corrupt_middle.mprof", bytes(bad))
        bad = bytearray(data)
        bad[0] ^= 0xFF
        files["corrupt-magic"] = put("corrupt_magic.mprof", bytes(bad))
    commands = (["report", "--format", "json"], ["report"], ["lines"], ["leaks"], ["leaks", "--format", "json"],
                ["peak"], ["plot", "-o", os.path.join(c.tmp, "plot_err.txt")])
    missing_cmds = set()
    for kind, path in sorted(files.items()):
        for cmd in commands:
            if cmd[0] in missing_cmds:
                continue
            r = c.memprof(cmd + [path], timeout=30)
            if re.search(r"unknown (command|subcommand)", r.stderr, re.I):
                missing_cmds.add(cmd[0])
                c.check(False, "memprof %s: command missing (%s)" % (cmd[0], r.stderr.strip().splitlines()[0]))
                continue
            what = "memprof %s on a %s file" % (" ".join(cmd[:3] if cmd[0] != "plot" else cmd[:1]), kind)
            check_error(c, r, path, what)
    # Truncated copies of a good log. A log cut where nothing but its header survives may be
    # refused (one error line naming the file); otherwise it is analysed up to where it ends,
    # with a warning. leaks.c's log is small (its data may all sit in one block at the end).
    n = len(data)
    offsets = sorted(set(o for o in (1, 8, 15, 16, 17, 24, 29, 30, 40, n // 4, n // 2, 3 * n // 4, n - 8, n - 1)
                         if 0 < o < n))
    for off in offsets:
        p = put("trunc_%d.mprof" % off, data[:off])
        check_truncated(c, p, "a log truncated at byte %d of %d" % (off, n), strict=False)
    # A log whose loop events sit in blocks before the last one (many_allocs.c, 300000 pairs,
    # then a 300 ms pause: the writer flushes every 10 ms), cut inside its last block: the
    # blocks before the cut hold allocations, so it must be analysed (exit 0, a warning, those
    # blocks). Cutting at a fixed fraction of the file was flaky: a run that fits in one writer
    # tick has all its events in the last block.
    big, _ = c.record("many_allocs", args=["300000", "300"], log=os.path.join(c.tmp, "big.mprof"))
    with open(big, "rb") as f:
        bdata = f.read()
    n = len(bdata)
    blocks = []  # (offset, length) of each block: 13-byte header + stored payload
    pos = 16
    while pos + 13 <= n:
        stored = struct.unpack_from("<I", bdata, pos + 1)[0]
        blocks.append((pos, 13 + stored))
        pos += 13 + stored
    c.check(len(blocks) >= 3, "the big log should have several blocks, has %d" % len(blocks))
    last_at, last_len = blocks[-1] if blocks else (16, n - 16)
    for off in sorted({last_at + 3, last_at + last_len // 2, n - 1}):
        p = put("bigtrunc_%d.mprof" % off, bdata[:off])
        check_truncated(c, p, "a %d-byte log of 300000 malloc/free pairs truncated at byte %d" % (n, off),
                        strict=True)
    # a program that cannot be started
    r = c.memprof(["run", "-o", os.path.join(c.tmp, "nx.mprof"), "--", os.path.join(c.tmp, "no_such_program")])
    c.check(not r.timed_out and r.returncode is not None and r.returncode > 0,
            "memprof run of a missing program should fail with a non-zero status: " + r.describe())
    # unknown subcommand / option
    r = c.memprof(["no-such-command"])
    c.check(not r.timed_out and r.returncode > 0, "memprof no-such-command: " + r.describe())


def check_truncated(c, p, what, strict):
    r = c.memprof(["report", "--format", "json", p], timeout=30)
    what = "memprof report --format json on " + what
    if r.timed_out or r.returncode is None or r.returncode < 0:
        c.check(False, "%s: crashed or hung: %s" % (what, r.describe()))
        return
    if r.returncode != 0 and not strict:
        check_error(c, r, p, what + " (refused: acceptable when no data survives)")
        return
    if not c.check(r.returncode == 0, "%s: expected exit 0 and a warning: %s" % (what, r.describe())):
        return
    c.check(r.stderr.strip() != "", "%s: expected a warning on stderr" % what)
    try:
        rep = json.loads(r.stdout)
    except ValueError:
        c.check(False, "%s: output is not JSON: %r" % (what, r.stdout[:200]))
        return
    if strict:
        allocs = (rep.get("totals") or {}).get("allocations")
        c.check(isinstance(allocs, int) and allocs > 0,
                "%s: the allocations before the cut should be analysed, totals.allocations=%r" % (what, allocs))
    for cmd in (["leaks"], ["lines"]):
        r2 = c.memprof(cmd + [p], timeout=30)
        c.check(r2.returncode == 0 and not r2.timed_out, "memprof %s on %s: %s" % (cmd[0], what, r2.describe()))


def check_error(c, r, path, what):
    if r.timed_out:
        c.check(False, "%s: hung: %s" % (what, r.describe()))
        return
    if not c.check(r.returncode is not None and r.returncode > 0,
                   "%s: expected a non-zero exit (not a crash): %s" % (what, r.describe())):
        return
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    c.check(len(lines) == 1, "%s: expected ONE error line on stderr, got %d: %r" % (what, len(lines), lines[:5]))
    c.check(path in r.stderr or basename(path) in r.stderr,
            "%s: the error should name the file %s: %r" % (what, path, r.stderr.strip()[:300]))
    c.check(not any(m in r.stderr for m in CRASH_MARKERS), "%s: looks like a crash: %r" % (what, r.stderr[:300]))


def doc_reader_events(c, script, log):
    """Heap event lines of `log` by the Python reader of docs/log-format.md and by memprof dump."""
    r = c.run([sys.executable, script, log])
    c.check(r.returncode == 0 and not r.timed_out, "the documented reader failed on %s: %s"
            % (log, r.describe()))
    d = c.memprof(["dump", log])
    want = [l for l in d.stdout.splitlines() if l.startswith(("alloc ", "free "))]
    return r.stdout.splitlines(), want


@case
def case_doc_reader(c):
    """The appendix of docs/log-format.md, a reader written from the specification alone,
    decodes today's logs exactly as memprof does: a three-thread log, and a log cut inside a
    block."""
    doc = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                        "docs", "log-format.md"))
    if not os.path.isfile(doc):
        raise Skip("docs/log-format.md not found next to the tests")
    text = open(doc, encoding="utf-8").read()
    m = re.search(r"```python\n(#!/usr/bin/env python3\n.*?)```", text, re.S)
    if not m:
        raise Fatal("no Python reader found in %s" % doc)
    script = os.path.join(c.tmp, "reader.py")
    with open(script, "w") as f:
        f.write(m.group(1))
    log, _ = c.record("threads_cross_free")
    got, want = doc_reader_events(c, script, log)
    c.check(len(want) >= 40000, "memprof dump of threads_cross_free shows %d heap events" % len(want))
    c.check(got == want, "the documented reader disagrees with memprof dump on %s (%d vs %d "
            "lines; first difference: %r)" % (log, len(got), len(want),
                                              next(((g, w) for g, w in zip(got, want) if g != w), None)))
    # A log cut inside a block: both stop at the whole blocks before it. many_allocs runs for
    # several of the writer's 10 ms ticks, so its events span blocks; the cut goes into the
    # last big one.
    log, _ = c.record("many_allocs", args=["300000"])
    data = open(log, "rb").read()
    blocks, off = [], 16  # (offset, storedSize, rawSize): compressed, event blocks can be tiny
    while off + 13 <= len(data):
        stored = int.from_bytes(data[off + 1:off + 5], "little")
        raw = int.from_bytes(data[off + 5:off + 9], "little")
        blocks.append((off, stored, raw))
        off += 13 + stored
    big = [b for b in blocks if b[2] > 10000]
    if len(big) < 2:
        raise Fatal("expected the events of %s in several blocks, found blocks %r" % (log, blocks))
    start, stored, _ = big[-1]
    cut = os.path.join(c.tmp, "cut.mprof")
    with open(cut, "wb") as f:
        f.write(data[:start + 13 + stored // 2])
    got, want = doc_reader_events(c, script, cut)
    c.check(got == want and len(want) > 0, "the documented reader disagrees with memprof dump on "
            "a log cut short (%d vs %d lines)" % (len(got), len(want)))


VG_KINDS = {"Leak_DefinitelyLost": "definite", "Leak_IndirectlyLost": "indirect",
            "Leak_PossiblyLost": "possible", "Leak_StillReachable": "reachable"}


@case
def case_valgrind(c):
    """Cross-check of leaked bytes per kind and per line with valgrind memcheck (skipped
    without valgrind)."""
    vg = shutil.which("valgrind")
    if not vg:
        raise Skip("valgrind not found")
    # (program, source, kinds compared). For C++ "reachable" is left out: valgrind frees
    # libstdc++'s emergency pool at exit (__gnu_cxx::__freeres), a real run does not.
    all_kinds = tuple(VG_KINDS.values())
    for prog, src, kinds in (("leaks", "leaks.c", all_kinds), ("leak_kinds", "leak_kinds.c", all_kinds),
                             ("realloc_chain", "realloc_chain.c", all_kinds),
                             ("cxx_new_delete", "cxx_new_delete.cpp", ("definite", "indirect", "possible")),
                             ("inline_attrib", "inline_attrib.cpp", ("definite", "indirect", "possible"))):
        xml = os.path.join(c.tmp, "%s.vg.xml" % prog)
        r = c.run([vg, "--leak-check=full", "--show-leak-kinds=all", "--xml=yes",
                   "--xml-file=" + xml, c.prog(prog)], timeout=50)
        if not c.check(r.returncode == 0 and os.path.isfile(xml), "valgrind %s: %s" % (prog, r.describe())):
            continue
        vg_lost = dict((k, 0) for k in kinds)
        vg_lines = {}
        for err in ET.parse(xml).getroot().iter("error"):
            kind = VG_KINDS.get(err.findtext("kind"))
            if kind not in vg_lost:
                continue
            nbytes = int(err.findtext("xwhat/leakedbytes") or 0)
            # "112 (64 direct, 48 indirect) bytes ... definitely lost": leakedbytes counts the
            # indirect blocks too, which valgrind reports again as their own records
            m = re.search(r"\(([\d,]+) direct, [\d,]+ indirect\)", err.findtext("xwhat/text") or "")
            if m:
                nbytes = int(m.group(1).replace(",", ""))
            vg_lost[kind] += nbytes
            # the innermost frame in the program's source is the allocating line
            for fr in err.iter("frame"):
                if fr.findtext("file") == src:
                    key = (kind, int(fr.findtext("line")))
                    vg_lines[key] = vg_lines.get(key, 0) + nbytes
                    break
        log, _ = c.record(prog, log=os.path.join(c.tmp, "%s.mprof" % prog))
        rep = c.report(log)
        leaks = rep.get("leaks") or []
        mp = dict((k, sum(lk.get("bytes", 0) for lk in leaks if lk.get("kind") == k)) for k in kinds)
        c.eq(mp, vg_lost, "%s: leaked bytes by kind, memprof vs valgrind" % prog)
        for (kind, line), nbytes in sorted(vg_lines.items()):
            got = sum(e["self"].get("leaked_bytes", 0) for e in rep.get("lines", [])
                      if basename(e.get("file")) == src and e.get("line") == line)
            c.eq(got, nbytes, "%s:%d: memprof self.leaked_bytes vs valgrind (%s)" % (src, line, kind))
            got_kind = sorted(set(lk.get("kind") for lk in leaks if lk.get("stack") and
                                  basename(lk["stack"][0].get("file")) == src and lk["stack"][0].get("line") == line))
            c.eq(got_kind, [kind], "%s:%d: memprof leak kind vs valgrind" % (src, line))
        c.check(vg_lost.get("definite", 0) > 0, "%s: valgrind found no definite leak (test program broken?)" % prog)


# =========================================================================================
# Main
# =========================================================================================

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memprof", help="the memprof executable")
    ap.add_argument("--preload", help="libmemprof.so")
    ap.add_argument("--srcdir", help="tests/programs (sources of the test programs)")
    ap.add_argument("--prog", action="append", default=[], metavar="NAME=PATH", help="a test program")
    ap.add_argument("--build", help="a build tree: sets --memprof, --preload, the programs and --srcdir")
    ap.add_argument("--progdir", help="folder of the built test programs (default: "
                    "BUILD/tests/integration/programs)")
    ap.add_argument("--workdir", help="where per-case work directories go (default: system temp)")
    ap.add_argument("--keep", action="store_true", help="keep work directories of passing cases too")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ap.add_argument("cases", nargs="*", help="cases to run (default: all)")
    opts = ap.parse_args(argv)
    if opts.list:
        return opts
    here = os.path.dirname(os.path.abspath(__file__))
    opts.progs = {}
    pdir = opts.progdir
    if opts.build:
        b = os.path.abspath(opts.build)
        opts.memprof = opts.memprof or os.path.join(b, "bin", "memprof")
        opts.preload = opts.preload or os.path.join(b, "lib", "libmemprof.so")
        pdir = pdir or os.path.join(b, "tests", "integration", "programs")
    if pdir:
        if os.path.isdir(pdir):
            for f in os.listdir(pdir):
                m = re.fullmatch(r"libmemprof_test_(\w+)\.so", f)
                opts.progs[m.group(1) if m else f] = os.path.join(pdir, f)
            opts.progs["fake_preload"] = os.path.join(pdir, "decoy", "libmemprof.so")
    opts.srcdir = opts.srcdir or os.path.normpath(os.path.join(here, "..", "programs"))
    for p in opts.prog:
        name, _, path = p.partition("=")
        opts.progs[name] = path
    if not opts.memprof or not opts.preload:
        ap.error("--memprof and --preload (or --build) are required")
    opts.memprof = os.path.abspath(opts.memprof)
    opts.preload = os.path.abspath(opts.preload)
    return opts


def main(argv):
    opts = parse_args(argv)
    if opts.list:
        print("\n".join(CASES))
        return 0
    names = opts.cases or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print("unknown case(s): %s (have: %s)" % (", ".join(unknown), ", ".join(CASES)), file=sys.stderr)
        return 2
    for what, path in (("memprof", opts.memprof), ("preload library", opts.preload)):
        if not os.path.exists(path):
            print("FATAL: %s not found at %s" % (what, path), file=sys.stderr)
            return 1
    results = {}
    for name in names:
        c = Ctx(opts, name)
        start = time.monotonic()
        status = "PASS"
        try:
            CASES[name](c)
        except Skip as e:
            status = "SKIP"
            c.note("skipped: %s" % e)
        except Fatal as e:
            c.failures.append("FATAL: %s" % e)
        except Exception as e:  # a bug in a check must not hide the other cases
            import traceback
            c.failures.append("driver error: %s\n%s" % (e, traceback.format_exc()))
        if c.failures:
            status = "FAIL"
        dt = time.monotonic() - start
        print("=== %s: %s (%.1f s)" % (name, status, dt))
        for n in c.notes:
            print("    note: %s" % n)
        for f in c.failures:
            print("  - %s" % f)
        if status == "FAIL" or opts.keep:
            print("    artifacts kept in %s" % c.tmp)
        else:
            shutil.rmtree(c.tmp, ignore_errors=True)
        sys.stdout.flush()
        results[name] = status
    if len(names) > 1:
        print("\nsummary: %d passed, %d failed, %d skipped" % tuple(
            sum(1 for s in results.values() if s == k) for k in ("PASS", "FAIL", "SKIP")))
        for name, st in results.items():
            if st != "PASS":
                print("  %s %s" % (st, name))
    if any(s == "FAIL" for s in results.values()):
        return 1
    if all(s == "SKIP" for s in results.values()):
        return SKIP_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
