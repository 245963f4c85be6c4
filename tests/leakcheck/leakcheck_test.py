#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Leak hunting in CI: memprof's exit-time reachability scan and the CI commands built on it.

Usage (ctest passes everything, one case per test):
    leakcheck_test.py --memprof BIN --preload LIB --srcdir DIR --workdir DIR
                      --prog NAME=PATH ... [--cmake BIN --ctest BIN] CASE...
    leakcheck_test.py --list
Exit status: 0 passed, 1 failed, 77 skipped (e.g. no valgrind).
Allocation sites in the test programs carry a `@TAG` comment; line numbers are found by tag.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

SKIP = 77
CASES = {}


def case(fn):
    CASES[fn.__name__[len("case_"):]] = fn
    return fn


class Failed(Exception):
    pass


class Skipped(Exception):
    pass


class Ctx:
    def __init__(self, args, name):
        self.a = args
        self.work = os.path.join(args.workdir, name)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.errors = []

    def prog(self, name):
        return self.a.progs[name]

    def src(self, name):
        return os.path.join(self.a.srcdir, "programs", name)

    def line(self, src, tag):
        with open(self.src(src)) as f:
            for n, text in enumerate(f, 1):
                if re.search(r"/\* @%s \*/" % re.escape(tag), text):
                    return n
        raise Failed("tag @%s not found in %s" % (tag, src))

    def run(self, cmd, env=None, timeout=90, cwd=None):
        full = dict(os.environ)
        full.update(env or {})
        p = subprocess.run(cmd, capture_output=True, text=True, env=full, timeout=timeout,
                           cwd=cwd or self.work)
        return p

    def memprof(self, *args, **kw):
        return self.run([self.a.memprof] + list(args), **kw)

    def record(self, prog, args=(), opts=(), log=None, env=None):
        log = log or os.path.join(self.work, "%s.%d.mprof" % (prog, len(os.listdir(self.work))))
        r = self.memprof("run", *opts, "-o", log, "--", self.prog(prog), *args, env=env)
        return log, r

    def leaks_json(self, log, *extra):
        r = self.memprof("leaks", "--format", "json", *extra, log)
        self.check(r.returncode == 0, "memprof leaks --format json: rc %d: %s" % (r.returncode, r.stderr))
        return json.loads(r.stdout)["leaks"]

    def check(self, cond, what):
        if not cond:
            self.errors.append(what)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, "%s: expected %r, got %r" % (what, want, got))


def at_line_text(text, src, line):
    """Whether a text leak report names src:line in some frame."""
    return re.search(r"\b%s:%d\b" % (re.escape(src), line), text) is not None


def at_line(leaks, src, line):
    """Leak entries whose allocating (innermost with a file) frame is src:line."""
    out = []
    for lk in leaks:
        site = next((f for f in lk["stack"] if f.get("file")), None)
        if site and os.path.basename(site["file"]) == src and site["line"] == line:
            out.append(lk)
    return out


def kinds_at(c, leaks, tag, src="lc_kinds.c"):
    """{kind: bytes} of the leaks allocated at the line tagged @tag."""
    out = {}
    for lk in at_line(leaks, src, c.line(src, tag)):
        out[lk["kind"]] = out.get(lk["kind"], 0) + lk["bytes"]
    return out


ALL_KINDS = {"lost100": {"definite": 100}, "outer64": {"definite": 64}, "inner48": {"indirect": 48},
             "interior256": {"possible": 256}, "global128": {"reachable": 128}}


def check_all_kinds(c, leaks, what):
    for tag, want in ALL_KINDS.items():
        c.eq(kinds_at(c, leaks, tag), want, "%s: @%s" % (what, tag))
    ring = {}
    for tag in ("cycle32", "cycle32b", "cycle32c"):
        for k, b in kinds_at(c, leaks, tag).items():
            ring[k] = ring.get(k, 0) + b
    c.eq(ring, {"definite": 32, "indirect": 64}, "%s: ring of three lost 32 B blocks" % what)


@case
def case_kinds_json(c):
    """Each leak class in one program, classified as memcheck does."""
    log, r = c.record("lc_kinds", ["all"])
    c.eq(r.returncode, 0, "memprof run lc_kinds: status (%s)" % r.stderr)
    check_all_kinds(c, c.leaks_json(log, "--no-default-suppressions"), "lc_kinds all")


@case
def case_kinds_separately(c):
    """One program per class: lost; lost pointing to another; interior-only; held by a global."""
    for mode, tags in (("definite", {"lost100": {"definite": 100}}),
                       ("indirect", {"outer64": {"definite": 64}, "inner48": {"indirect": 48}}),
                       ("possible", {"interior256": {"possible": 256}}),
                       ("reachable", {"global128": {"reachable": 128}})):
        log, _ = c.record("lc_kinds", [mode])
        leaks = c.leaks_json(log, "--no-default-suppressions")
        for tag, want in tags.items():
            c.eq(kinds_at(c, leaks, tag), want, "lc_kinds %s: @%s" % (mode, tag))


@case
def case_exit_paths(c):
    """The scan also runs when the program leaves through _exit()."""
    log, r = c.record("lc_kinds", ["all", "_exit"])
    c.eq(r.returncode, 0, "lc_kinds all _exit: status")
    check_all_kinds(c, c.leaks_json(log, "--no-default-suppressions"), "lc_kinds all _exit")


@case
def case_clean_cxx(c):
    """iostreams, exceptions and threads: no leak reported, the program's status and output kept."""
    native = c.run([c.prog("lc_clean"), "5"])
    log, r = c.record("lc_clean", ["5"], opts=["--leak-check"])
    c.eq(r.returncode, 5, "memprof run --leak-check lc_clean 5: status (stderr %s)" % r.stderr[-800:])
    c.eq(r.stdout, native.stdout, "program output under memprof")
    c.check("leak check passed" in r.stderr, "one summary line expected: %r" % r.stderr[-500:])
    _, r = c.record("lc_clean", [], opts=["--leak-check"])
    c.eq(r.returncode, 0, "memprof run --leak-check lc_clean: status")
    bad = [(lk["kind"], lk["bytes"]) for lk in c.leaks_json(log) if lk["kind"] in ("definite", "indirect")]
    c.eq(bad, [], "definite/indirect leaks of a clean C++ program")


@case
def case_exit_codes(c):
    for mode, opts, want in (("definite", ["--leak-check"], 23),
                             ("indirect", ["--leak-check"], 23),
                             ("cycle", ["--leak-check"], 23),
                             ("definite", ["--leak-check", "--error-exitcode", "9"], 9),
                             ("possible", ["--leak-check"], 0),
                             ("reachable", ["--leak-check"], 0)):
        _, r = c.record("lc_kinds", [mode], opts=opts)
        c.eq(r.returncode, want, "memprof run %s lc_kinds %s" % (" ".join(opts), mode))
        if want != 0:
            c.check("lc_kinds.c" in r.stderr and "leak check FAILED" in r.stderr,
                    "%s: the leaks and a FAILED line on stderr: %r" % (mode, r.stderr[-600:]))


@case
def case_exec_wrapper(c):
    """A wrapper script that execs the test: the check is on the program the process ended as."""
    wrap = os.path.join(c.work, "wrap.sh")
    with open(wrap, "w") as f:
        # bash leaks a little in its command substitutions; exec discards that heap.
        f.write('#!/bin/bash\nx=$(echo wrapped)\nexec "$@"\n')
    os.chmod(wrap, 0o755)
    for prog, args, want in (("lc_clean", [], 0), ("lc_kinds", ["definite"], 23)):
        r = c.memprof("run", "--leak-check", "-o", os.path.join(c.work, prog + "/"), "--", wrap,
                      c.prog(prog), *args)
        c.eq(r.returncode, want, "run --leak-check wrap.sh %s %s: status (stderr %s)"
             % (prog, " ".join(args), r.stderr[-600:]))
        c.check(re.search(r"leak check (passed|FAILED): 1 program image checked at exit; [1-9]\d* "
                          r"replaced by exec", r.stderr),
                "%s: one summary line naming the exec'd images: %r" % (prog, r.stderr[-400:]))
        if want:
            c.check(at_line_text(r.stderr, "lc_kinds.c", c.line("lc_kinds.c", "lost100")),
                    "the leak of the exec'd program at lc_kinds.c @lost100: %r" % r.stderr[-600:])


@case
def case_fork_children(c):
    """Leaks of a fork child fail the run only with --check-children."""
    _, r = c.record("lc_kinds", ["definite", "child"], opts=["--leak-check"])
    c.eq(r.returncode, 0, "run --leak-check, leak in a fork child only: status (%s)" % r.stderr[-400:])
    _, r = c.record("lc_kinds", ["definite", "child"], opts=["--leak-check", "--check-children"])
    c.eq(r.returncode, 23, "run --leak-check --check-children: status (%s)" % r.stderr[-400:])
    c.check(re.search(r"\[pid \d+\] .*lc_kinds definite child", r.stderr)
            and at_line_text(r.stderr, "lc_kinds.c", c.line("lc_kinds.c", "lost100")),
            "the child's leak, under a line naming the process: %r" % r.stderr[-600:])


@case
def case_suppressions(c):
    supp = os.path.join(c.work, "supp.txt")
    with open(supp, "w") as f:
        f.write("# LSan format\nleak:make_definite\nleak:make_ind*\nleak:make_cycle\n")
    _, r = c.record("lc_kinds", ["all"], opts=["--leak-check", "--suppressions", supp])
    c.eq(r.returncode, 0, "--leak-check with every lost stack suppressed (%s)" % r.stderr[-400:])
    other = os.path.join(c.work, "other.txt")
    with open(other, "w") as f:
        f.write("leak:no_such_function\n")
    log, r = c.record("lc_kinds", ["all"], opts=["--leak-check", "--suppressions", other])
    c.eq(r.returncode, 23, "--leak-check with a suppression matching nothing")
    left = c.leaks_json(log, "--suppressions", supp)
    c.eq(sorted(lk["kind"] for lk in left if any(os.path.basename(f.get("file", "")) == "lc_kinds.c"
                                                  for f in lk["stack"])),
         ["possible", "reachable"], "memprof leaks --suppressions: what remains of lc_kinds.c")


@case
def case_budgets(c):
    # lc_kinds all: 100+64+48+256+128+3*32 = 692 B leaked; the heap peak is the same.
    for opts, want in ((["--max-leaked", "600"], 23), (["--max-leaked", "1K"], 0),
                       (["--max-peak", "512"], 23), (["--max-peak", "1K"], 0)):
        _, r = c.record("lc_kinds", ["all"], opts=opts)
        c.eq(r.returncode, want, "memprof run %s" % " ".join(opts))
        if want:
            c.check(re.search(r"exceeds --max-\w+ .* by ", r.stderr) and "lc_kinds.c:" in r.stderr,
                    "%s: should say by how much and which lines: %r" % (opts, r.stderr[-500:]))


@case
def case_junit(c):
    log, _ = c.record("lc_kinds", ["all"])
    r = c.memprof("leaks", "--format", "junit", log)
    c.eq(r.returncode, 0, "memprof leaks --format junit")
    root = ET.fromstring(r.stdout)
    cases = list(root.iter("testcase"))
    failures = [t for t in cases if t.find("failure") is not None]
    mine = [t for t in failures if "lc_kinds.c" in t.get("name", "")]
    # definite: lost100, outer64, one ring block; indirect: inner48 and two ring blocks
    c.eq(len(mine), 6, "junit failures at lc_kinds.c lines")
    c.eq(sorted(t.find("failure").get("type") for t in mine), ["definite"] * 3 + ["indirect"] * 3,
         "junit failure types")
    c.check(any(t.get("line") == str(c.line("lc_kinds.c", "lost100")) for t in mine),
            "junit testcase line attribute for @lost100")
    c.eq(root.get("failures"), str(len(failures)), "testsuites failures attribute")


@case
def case_sarif(c):
    log, _ = c.record("lc_kinds", ["all"])
    r = c.memprof("leaks", "--format", "sarif", log)
    c.eq(r.returncode, 0, "memprof leaks --format sarif")
    doc = json.loads(r.stdout)
    c.eq(doc.get("version"), "2.1.0", "sarif version")
    results = doc["runs"][0]["results"]
    lines = []
    for res in results:
        loc = res["locations"][0]["physicalLocation"]
        c.check(isinstance(loc["region"]["startLine"], int), "startLine of %r" % res["message"])
        if loc["artifactLocation"]["uri"].endswith("/lc_kinds.c"):
            lines.append((loc["region"]["startLine"], res["level"], res["properties"]["kind"]))
    c.check((c.line("lc_kinds.c", "lost100"), "error", "definite") in lines, "@lost100 result: %r" % lines)
    c.check((c.line("lc_kinds.c", "interior256"), "warning", "possible") in lines, "@interior256: %r" % lines)
    c.check((c.line("lc_kinds.c", "global128"), "note", "reachable") in lines, "@global128: %r" % lines)
    supp = os.path.join(c.work, "s.txt")
    with open(supp, "w") as f:
        f.write("leak:make_definite\n")
    doc = json.loads(c.memprof("leaks", "--format", "sarif", "--suppressions", supp, log).stdout)
    c.check(not any("make_definite" in json.dumps(res) for res in doc["runs"][0]["results"]),
            "sarif output honours --suppressions")


@case
def case_diff(c):
    old, _ = c.record("lc_many", ["1000", "0"])
    new, _ = c.record("lc_many", ["1000", "500"])
    r = c.memprof("diff", old, new)
    c.eq(r.returncode, 0, "memprof diff without --fail-on-increase")
    c.check("lc_many.c:%d" % c.line("lc_many.c", "manyleak") in r.stdout, "table names the grown line: %r" % r.stdout)
    r = c.memprof("diff", "--fail-on-increase", "10", old, new)
    c.eq(r.returncode, 1, "diff --fail-on-increase 10, a line leaking 12000 B more")
    c.check("lc_many.c:%d" % c.line("lc_many.c", "manyleak") in r.stderr, "failure names the line: %r" % r.stderr)
    c.eq(c.memprof("diff", "--fail-on-increase", "10", new, old).returncode, 0, "diff when figures shrink")
    c.eq(c.memprof("diff", "--fail-on-increase", "10", old, old).returncode, 0, "diff of a run with itself")


@case
def case_big_heap(c):
    """200k live blocks held through a global array + 100 lost: the scan finds them all."""
    t0 = time.time()
    log, r = c.record("lc_many", ["200000", "100"], opts=["--sample-hz", "0"])
    elapsed = time.time() - t0
    leaks = c.leaks_json(log, "--no-default-suppressions")
    many = kinds_at(c, leaks, "many", "lc_many.c")
    c.eq(many, {"reachable": 200000 * 32}, "@many blocks")
    c.eq(kinds_at(c, leaks, "manyleak", "lc_many.c"), {"definite": 100 * 24}, "@manyleak blocks")
    c.check(elapsed < 60, "recording with the scan took %.1f s" % elapsed)


@case
def case_scan_disabled(c):
    """MEMPROF_LEAK_SCAN=0: no scan, every unfreed block counts as definite (conservative)."""
    log, r = c.record("lc_kinds", ["reachable"], opts=["--leak-check"], env={"MEMPROF_LEAK_SCAN": "0"})
    c.eq(r.returncode, 23, "--leak-check without a scan")
    c.check("no exit-time reachability scan" in r.stderr, "a note says why: %r" % r.stderr[-400:])


@case
def case_valgrind(c):
    vg = shutil.which("valgrind")
    if not vg:
        raise Skipped("valgrind not found: cross-check skipped")
    for mode in ("all", "definite", "indirect", "cycle", "possible"):
        xml = os.path.join(c.work, "vg_%s.xml" % mode)
        c.run([vg, "--leak-check=full", "--show-leak-kinds=definite,indirect", "--xml=yes",
               "--xml-file=" + xml, c.prog("lc_kinds"), mode], timeout=100)
        vg_lost = {"Leak_DefinitelyLost": 0, "Leak_IndirectlyLost": 0}
        for err in ET.parse(xml).getroot().iter("error"):
            kind = err.findtext("kind")
            if kind in vg_lost:
                text = err.findtext("xwhat/text") or ""
                m = re.search(r"\(([\d,]+) direct, [\d,]+ indirect\)", text)
                nbytes = int(m.group(1).replace(",", "")) if m else int(err.findtext("xwhat/leakedbytes"))
                vg_lost[kind] += nbytes
        log, _ = c.record("lc_kinds", [mode])
        leaks = c.leaks_json(log, "--no-default-suppressions")
        mp = {"Leak_DefinitelyLost": sum(lk["bytes"] for lk in leaks if lk["kind"] == "definite"),
              "Leak_IndirectlyLost": sum(lk["bytes"] for lk in leaks if lk["kind"] == "indirect")}
        c.eq(mp, vg_lost, "lc_kinds %s: lost bytes, memprof vs valgrind" % mode)


@case
def case_ctest_suite(c):
    """A project's whole ctest suite under `memprof run --leak-check`, one log per test."""
    if not c.a.cmake or not c.a.ctest:
        raise Skipped("no cmake/ctest given")
    build = os.path.join(c.work, "build")
    r = c.run([c.a.cmake, "-S", os.path.join(c.a.srcdir, "ctest_project"), "-B", build,
               "-DMEMPROF_LEAK_CHECK=ON", "-DMEMPROF=" + c.a.memprof])
    if not c.check(r.returncode == 0, "configure: %s" % r.stderr):
        return
    r = c.run([c.a.cmake, "--build", build])
    if not c.check(r.returncode == 0, "build: %s" % r.stderr):
        return
    r = c.run([c.a.ctest, "--test-dir", build, "--output-on-failure"], timeout=100)
    c.check(r.returncode != 0, "the suite has leaking tests: ctest must fail")
    for test, passed in (("tidy", True), ("fails", True), ("leaky", False), ("leaky_named", False)):
        m = re.search(r"Test\s+#\d+: %s \.+\s*(\*+)?(\w+)" % re.escape(test), r.stdout)
        c.check(m and (m.group(2) == "Passed") == passed, "ctest result of %s: %r" % (test, m and m.group(0)))
    logs = sorted(os.listdir(os.path.join(build, "memprof-logs")))
    c.check("leaky_named.mprof" in logs, "named log: %r" % logs)
    c.eq(len([l for l in logs if re.match(r"tidy\.\d+\.mprof$", l)]), 2, "one log per tidy test run (%r)" % logs)
    c.check("leak check FAILED" in r.stdout and "77 bytes" in r.stdout, "leak report in ctest output")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--memprof")
    ap.add_argument("--preload")
    ap.add_argument("--srcdir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--workdir", default="/tmp/memprof-leakcheck")
    ap.add_argument("--cmake")
    ap.add_argument("--ctest")
    ap.add_argument("--prog", action="append", default=[])
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        print("\n".join(CASES))
        return 0
    a.progs = dict(p.split("=", 1) for p in a.prog)
    status = 0
    skipped = 0
    for name in a.cases or list(CASES):
        c = Ctx(a, name)
        try:
            CASES[name](c)
        except Skipped as e:
            print("SKIP %s: %s" % (name, e))
            skipped += 1
            continue
        except Exception as e:  # a crash of the driver is a failure of the case
            c.errors.append("%s: %s" % (type(e).__name__, e))
        if c.errors:
            status = 1
            print("FAIL %s (artifacts in %s)" % (name, c.work))
            for e in c.errors:
                print("  - " + e)
        else:
            print("PASS %s" % name)
    if status == 0 and skipped and skipped == len(a.cases or CASES):
        return SKIP
    return status


if __name__ == "__main__":
    sys.exit(main())
