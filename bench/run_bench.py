#!/usr/bin/env python3
"""memprof performance benchmark: memprof vs heaptrack vs no profiler.

Runs every workload unprofiled, under `memprof run` and under `heaptrack`,
round-robin for N repetitions, then analyses each recording
(`memprof report --format json` / `heaptrack_print`) and prints markdown
tables of ratios. Standard library only. See bench/README.md.
"""

import argparse
import datetime
import glob
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
WORKLOAD_DIR = os.path.join(BENCH_DIR, "workloads")
DEFAULT_MEMPROF = "/work/main/build/bin/memprof"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
GNU_TIME = "/usr/bin/time"
HAVE_TIME = os.access(GNU_TIME, os.X_OK)

# ---------------------------------------------------------------------------
# process running: wall time, exit status, peak RSS, timeout and memory cap
# ---------------------------------------------------------------------------


def _session_rss_kb(sid):
    """Sum of RSS (KiB) of every live process of session `sid`, and their pids."""
    total, pids = 0, []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(b")") + 2:].split()
        # rest[0] = state (field 3); session = field 6; rss = field 24
        try:
            if int(rest[3]) != sid:
                continue
            total += int(rest[21]) * PAGE_KB
            pids.append(int(name))
        except (IndexError, ValueError):
            continue
    return total, pids


def _become_subreaper():
    """Orphans of killed runs are reparented to us (PID 1 here may not reap)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:  # noqa: BLE001
        pass


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class RunResult:
    def __init__(self):
        self.wall = None          # seconds
        self.code = None          # exit code as the shell would give it (128+N for signal N)
        self.signal = None        # signal number if the direct child died of a signal
        self.killed = None        # "timeout" / "memcap" when we killed it
        self.maxrss_kb = 0        # max of wait4 ru_maxrss and the sampled session RSS sum
        self.cpu = None           # user+sys seconds of the command and the children it waited for
        self.stdout = b""
        self.stderr = b""

    def ok_exit(self):
        return self.killed is None and self.code == 0 and self.signal is None

    def describe(self):
        if self.killed == "timeout":
            return "killed: timeout after %.0f s" % self.wall
        if self.killed == "memcap":
            return "killed: memory cap (%.1f GB RSS)" % (self.maxrss_kb / 1048576.0)
        if self.signal:
            return "died of %s" % _signame(self.signal)
        if self.code and self.code > 128 and self.code - 128 < 65:
            return "exit %d (%s)" % (self.code, _signame(self.code - 128))
        return "exit %d" % self.code


def _signame(n):
    try:
        return signal.Signals(n).name
    except ValueError:
        return "signal %d" % n


def run(argv, cwd=None, env=None, timeout=600.0, memcap_kb=None, stdin=None,
        stdout_path=None):
    """Run argv in its own session; measure wall time and peak RSS; kill the
    whole session on timeout or when its summed RSS passes memcap_kb."""
    res = RunResult()
    out_f = open(stdout_path, "wb") if stdout_path else tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    # ru_maxrss of a child forked from this (big) Python process would include
    # the pre-exec copy of Python: let GNU time (tiny) fork the command and
    # report the command's own maximum RSS.
    tfd, tfile = tempfile.mkstemp(prefix="time-")
    os.close(tfd)
    if HAVE_TIME:
        argv = [GNU_TIME, "-o", tfile, "-f", "%x %M %U %S"] + list(argv)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out_f, stderr=err_f,
                            stdin=stdin if stdin is not None else subprocess.DEVNULL,
                            start_new_session=True)
    sid = proc.pid
    done = threading.Event()
    state = {"peak": 0, "killed": None, "seen": {sid}}

    def kill_session():
        _, pids = _session_rss_kb(sid)
        state["seen"].update(pids)
        for p in [sid] + pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass

    def watch():
        interval = 0.05
        while not done.wait(interval):
            interval = min(interval * 1.5, 0.25)
            rss, _ = _session_rss_kb(sid)
            state["peak"] = max(state["peak"], rss)
            if memcap_kb and rss > memcap_kb:
                state["killed"] = "memcap"
                kill_session()
                return
            if time.perf_counter() - t0 > timeout:
                state["killed"] = "timeout"
                kill_session()
                return

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    _, status, ru = os.wait4(proc.pid, 0)
    res.wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    th.join()
    if state["killed"]:
        kill_session()  # leftovers (e.g. heaptrack's background interpreter)
        deadline = time.time() + 5
        while _session_rss_kb(sid)[1] and time.time() < deadline:
            _reap()
            time.sleep(0.05)
    _reap()
    res.killed = state["killed"]
    code = proc.returncode
    if code < 0:
        res.signal = -code
        res.code = 128 - code
    else:
        res.code = code
    cmd_rss = ru.ru_maxrss
    res.cpu = ru.ru_utime + ru.ru_stime
    if HAVE_TIME:
        try:
            with open(tfile) as f:
                last = f.read().strip().splitlines()[-1].split()
            cmd_rss = int(last[1])
            res.cpu = float(last[2]) + float(last[3])
            m = re.search(r"terminated by signal (\d+)", open(tfile).read())
            if m and res.signal is None and not state["killed"]:
                res.signal = int(m.group(1))
                res.code = 128 + res.signal
        except (OSError, IndexError, ValueError):
            pass
    os.unlink(tfile)
    res.maxrss_kb = max(cmd_rss, state["peak"])
    # the heaptrack script leaves its fifo behind when it is killed
    for p in state["seen"]:
        fifo = "/tmp/heaptrack_fifo%d" % p
        if os.path.exists(fifo):
            try:
                os.unlink(fifo)
            except OSError:
                pass
    if not stdout_path:
        out_f.seek(0)
        res.stdout = out_f.read()
    err_f.seek(0)
    res.stderr = err_f.read()
    out_f.close()
    err_f.close()
    return res


# ---------------------------------------------------------------------------
# workloads
# ---------------------------------------------------------------------------

def gen_template_cpp(n):
    """A template-heavy translation unit: n blocks of std::map / std::variant /
    std::tuple / std::unordered_map / std::function instantiations."""
    out = ["#include <array>", "#include <map>", "#include <unordered_map>", "#include <variant>",
           "#include <tuple>", "#include <string>", "#include <vector>", "#include <algorithm>",
           "#include <functional>", "#include <memory>", "#include <optional>", "#include <sstream>", ""]
    for i in range(n):
        out.append(f"""
struct S{i} {{ int a; double b; std::string c; bool operator<(const S{i}& o) const {{ return a < o.a; }} }};
template <int K> struct W{i} {{ std::tuple<S{i}, std::array<int, K + 1>, std::optional<std::string>> t; }};
using V{i} = std::variant<int, double, std::string, S{i}, std::vector<S{i}>, W{i}<{i % 7}>>;
std::size_t f{i}(int n) {{
    std::map<int, V{i}> m;
    std::unordered_map<std::string, std::tuple<int, S{i}, std::vector<V{i}>>> um;
    std::vector<S{i}> v;
    for (int k = 0; k < n; k++) {{
        m.emplace(k, V{i}{{S{i}{{k, k * 0.5, std::to_string(k)}}}});
        v.push_back(S{i}{{n - k, 1.0, "x"}});
        um[std::to_string(k)] = std::make_tuple(k, v.back(), std::vector<V{i}>{{V{i}{{k}}, V{i}{{std::string("s")}}}});
    }}
    std::sort(v.begin(), v.end());
    std::size_t r = 0;
    for (auto& [k, val] : m)
        r += std::visit([](auto&& x) -> std::size_t {{ using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) return x.size(); else return sizeof(T); }}, val);
    std::function<std::size_t(const S{i}&)> fn = [&](const S{i}& s) {{ return s.c.size() + r; }};
    for (auto& s : v) r += fn(s);
    std::ostringstream os; os << r << v.size() << um.size();
    return r + os.str().size();
}}""")
    out.append("int main() { std::size_t r = 0;")
    for i in range(n):
        out.append(f"  r += f{i}(10);")
    out.append("  return int(r & 1); }")
    return "\n".join(out) + "\n"


def gen_sql(n):
    """SQL script: bulk inserts in one transaction, indexes, joins, group-bys,
    update, delete. Deterministic (fixed seed)."""
    import random
    r = random.Random(42)
    o = ["PRAGMA cache_size=-65536;",
         "CREATE TABLE cust(id INTEGER PRIMARY KEY, name TEXT, city TEXT, score REAL);",
         "CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER, item TEXT, qty INTEGER, price REAL, note TEXT);",
         "BEGIN;"]
    cities = ["city%d" % i for i in range(200)]
    nc = max(1, n // 10)
    for i in range(nc):
        o.append("INSERT INTO cust VALUES(%d,'%s','%s',%.3f);" % (
            i, "name%d_%s" % (i, "x" * r.randint(1, 40)), r.choice(cities), r.random() * 100))
    for i in range(n):
        o.append("INSERT INTO orders VALUES(%d,%d,'item%d',%d,%.2f,'%s');" % (
            i, r.randrange(nc), r.randrange(5000), r.randint(1, 20), r.random() * 500, "n" * r.randint(0, 80)))
    o += ["COMMIT;",
          "CREATE INDEX orders_cust ON orders(cust);",
          "CREATE INDEX orders_item ON orders(item, qty);",
          "CREATE INDEX cust_city ON cust(city);",
          "SELECT c.city, count(*), sum(o.qty*o.price), avg(length(o.note)) FROM orders o JOIN cust c ON c.id=o.cust "
          "GROUP BY c.city ORDER BY 3 DESC LIMIT 10;",
          "SELECT item, count(DISTINCT cust) AS k FROM orders GROUP BY item ORDER BY k DESC, item LIMIT 10;",
          "SELECT c.name, x.t FROM cust c JOIN (SELECT cust, sum(qty) t FROM orders GROUP BY cust) x "
          "ON x.cust=c.id ORDER BY x.t DESC, c.id LIMIT 5;",
          "UPDATE orders SET note = note || 'u' WHERE qty > 10;",
          "DELETE FROM orders WHERE price < 50;",
          "SELECT count(*), sum(length(note)) FROM orders;",
          "SELECT group_concat(name, ',') IS NOT NULL, count(*) FROM (SELECT c.name FROM cust c, orders o "
          "WHERE o.cust = c.id AND o.item LIKE 'item1%' ORDER BY o.price);"]
    return "\n".join(o) + "\n"


class Workload:
    def __init__(self, name, desc, argv, env=None, out_files=(), note=""):
        self.name = name
        self.desc = desc
        self.argv = argv            # list; "{out}" is replaced by the run's directory
        self.env = env or {}
        self.out_files = out_files  # files (relative to {out}) whose content must match
        self.note = note

    def argv_for(self, outdir):
        return [a.replace("{out}", outdir) for a in self.argv]


def compile_workloads(build_dir):
    os.makedirs(build_dir, exist_ok=True)
    bins = {}
    for src in sorted(glob.glob(os.path.join(WORKLOAD_DIR, "*.c")) + glob.glob(os.path.join(WORKLOAD_DIR, "*.cpp"))):
        name = os.path.splitext(os.path.basename(src))[0]
        exe = os.path.join(build_dir, name)
        if not (os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(src)):
            cc = ["gcc"] if src.endswith(".c") else ["g++", "-std=c++17"]
            cmd = cc + ["-O2", "-g", "-pthread", "-o", exe, src]
            print("build: " + shlex.join(cmd), file=sys.stderr)
            subprocess.run(cmd, check=True)
        bins[name] = exe
    return bins


def cc1plus_argv(src, outfile, cwd, std_opt):
    """The cc1plus command the g++ driver would run (from `g++ -v`)."""
    cc1 = subprocess.run(["g++", "-print-prog-name=cc1plus"], capture_output=True, text=True).stdout.strip()
    p = subprocess.run(["g++", "-v", std_opt, "-O1", "-c", src, "-o", os.path.join(cwd, "templates.o")],
                       capture_output=True, text=True, cwd=cwd)
    for line in p.stderr.splitlines():
        words = shlex.split(line)
        if words and words[0] == cc1:
            args = []
            skip = False
            for i, w in enumerate(words):
                if skip:
                    skip = False
                    continue
                if w in ("-v", "-version"):
                    continue
                if w == "-o":
                    args += ["-o", outfile]
                    skip = True
                    continue
                args.append(w)
            return args
    raise RuntimeError("cannot find the cc1plus command in `g++ -v` output")


def make_workloads(bins, inputs_dir, quick):
    os.makedirs(inputs_dir, exist_ok=True)
    sz = {
        "churn": 1000000 if quick else 10000000,
        "churn2t": 1000000 if quick else 10000000,
        "deep": 200000 if quick else 1500000,
        "containers": 5 if quick else 40,
        "gcc_blocks": 2 if quick else 10,
        "sql_rows": 30000 if quick else 300000,
        "py_scale": 2 if quick else 10,
    }
    tag = "quick" if quick else "full"
    cpp = os.path.join(inputs_dir, "templates_%s.cpp" % tag)
    if not os.path.exists(cpp):
        with open(cpp, "w") as f:
            f.write(gen_template_cpp(sz["gcc_blocks"]))
    sql = os.path.join(inputs_dir, "script_%s.sql" % tag)
    if not os.path.exists(sql):
        with open(sql, "w") as f:
            f.write(gen_sql(sz["sql_rows"]))
    py = os.path.join(WORKLOAD_DIR, "pyalloc.py")
    std = "-std=c++17"
    cc1 = cc1plus_argv(cpp, "{out}/templates.s", inputs_dir, std)
    W = Workload
    return [
        W("churn", "%d malloc/free pairs, 8-512 B, 1 thread" % sz["churn"], [bins["churn"], str(sz["churn"])]),
        W("churn2t", "%d malloc/free pairs over 2 threads, all frees cross-thread" % sz["churn2t"],
          [bins["churn2t"], str(sz["churn2t"])]),
        W("deep", "%d allocations at call depth 30-60" % sz["deep"], [bins["deep"], str(sz["deep"])]),
        W("containers", "std::map/unordered_map/string/vector churn, %d rounds" % sz["containers"],
          [bins["containers"], str(sz["containers"])]),
        W("g++", "g++ driver -O1 -c on a generated template-heavy file (%d blocks); execs cc1plus and as"
          % sz["gcc_blocks"], ["g++", std, "-O1", "-c", cpp, "-o", "{out}/templates.o"],
          out_files=["templates.o"],
          note="heaptrack does not follow exec: it records the g++ driver only"),
        W("cc1plus", "cc1plus run directly (args from g++ -v), same file", cc1, out_files=["templates.s"]),
        W("sqlite3", "sqlite3 :memory: on a generated script (%d rows, indexes, joins)" % sz["sql_rows"],
          ["/usr/bin/sqlite3", ":memory:", ".read " + sql]),
        W("python3", "/usr/bin/python3 pyalloc.py %d (pymalloc)" % sz["py_scale"],
          ["/usr/bin/python3", py, str(sz["py_scale"])]),
        W("python3-malloc", "same with PYTHONMALLOC=malloc", ["/usr/bin/python3", py, str(sz["py_scale"])],
          env={"PYTHONMALLOC": "malloc"}),
    ]


# ---------------------------------------------------------------------------
# profilers
# ---------------------------------------------------------------------------

HEAPTRACK_NOISE = re.compile(
    rb"^(heaptrack output will be written to .*|/.*libheaptrack_(preload|inject)\.so|"
    rb"starting application, this might take some time\.\.\.|"
    rb"Heaptrack finished! Now run the following to investigate the data:|"
    rb"  heaptrack --analyze .*|)$")


def strip_heaptrack_stdout(data):
    """The heaptrack script prints its own lines on stdout before and after the
    program: drop them (and blank lines) before comparing with the plain run."""
    lines = data.split(b"\n")
    return b"\n".join(l for l in lines if not HEAPTRACK_NOISE.match(l))


def strip_blank(data):
    return b"\n".join(l for l in data.split(b"\n") if l != b"")


def snapshot_memprof(memprof, dest):
    """Copy memprof and ../lib/libmemprof.so to dest/{bin,lib}: the build tree
    may be rebuilt by others while the benchmark runs. Returns (path, note)."""
    lib = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(memprof))), "lib", "libmemprof.so")
    if not (os.path.isfile(memprof) and os.path.isfile(lib)):
        return memprof, "not snapshotted (no %s)" % lib
    os.makedirs(os.path.join(dest, "bin"), exist_ok=True)
    os.makedirs(os.path.join(dest, "lib"), exist_ok=True)
    shutil.copy2(memprof, os.path.join(dest, "bin", "memprof"))
    shutil.copy2(lib, os.path.join(dest, "lib", "libmemprof.so"))
    sums = []
    for p in (memprof, lib):
        with open(p, "rb") as f:
            sums.append("%s sha256 %s.. built %s" % (
                os.path.basename(p), hashlib.sha256(f.read()).hexdigest()[:12],
                datetime.datetime.fromtimestamp(os.path.getmtime(p)).strftime("%Y-%m-%d %H:%M")))
    return os.path.join(dest, "bin", "memprof"), "snapshot of " + ", ".join(sums)


def memprof_works(memprof):
    if not os.path.exists(memprof):
        return False, "%s does not exist" % memprof
    d = tempfile.mkdtemp(prefix="memprof-probe-")
    try:
        log = os.path.join(d, "t.mprof")
        r = run([memprof, "run", "-o", log, "--", "/bin/true"], timeout=60)
        if not r.ok_exit():
            return False, "`memprof run -o %s -- /bin/true`: %s: %s" % (log, r.describe(), r.stderr[-300:].decode(errors="replace"))
        r = run([memprof, "report", "--format", "json", log], timeout=60)
        if not r.ok_exit():
            return False, "`memprof report --format json`: %s: %s" % (r.describe(), r.stderr[-300:].decode(errors="replace"))
        json.loads(r.stdout)
        return True, "smoke test passed"
    except ValueError as e:
        return False, "report is not JSON: %s" % e
    finally:
        shutil.rmtree(d, ignore_errors=True)


def tool_version(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        return (p.stdout.strip() or p.stderr.strip()).splitlines()[0]
    except Exception as e:  # noqa: BLE001
        return "unknown (%s)" % e


# ---------------------------------------------------------------------------
# one measurement
# ---------------------------------------------------------------------------

FAILED_DIR = None  # set in main(): where the first failing recording of each workload is kept
_saved_failures = set()


def save_failed(wl_name, tool, paths):
    """Keep a copy of the first recording per workload/tool that broke the analyzer."""
    key = (wl_name, tool)
    if FAILED_DIR is None or key in _saved_failures:
        return None
    _saved_failures.add(key)
    d = os.path.join(FAILED_DIR, "%s-%s" % (wl_name, tool))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for p in paths:
        shutil.copy2(p, d)
    return d


class Sample:
    """One run of one command (+ its analysis) for one workload."""

    def __init__(self, tool):
        self.tool = tool
        self.run = None
        self.same_output = None
        self.problems = []        # strings: what went wrong with the recording run
        self.an_problems = []     # what went wrong with the analysis
        self.log_bytes = None
        self.nlogs = None
        self.events = None        # allocations + frees
        self.allocs = None
        self.frees = None
        self.an_wall = None
        self.an_rss_kb = None
        self.an_ok = None
        self.events_from_text = False
        self.an_wall_text = None
        self.an_rss_text = None
        self.text_report_wall = None  # `memprof report LOG` (text), like heaptrack_print's text

    @property
    def good(self):
        return self.run is not None and self.run.ok_exit() and self.same_output and not self.problems


def output_digest(wl, outdir, stdout):
    h = hashlib.sha256(stdout)
    for f in wl.out_files:
        p = os.path.join(outdir, f)
        if os.path.exists(p):
            with open(p, "rb") as fh:
                h.update(f.encode() + b"\0" + hashlib.sha256(fh.read()).digest())
        else:
            h.update(f.encode() + b"\0missing")
    return h.hexdigest()


def env_prefix(wl):
    return "".join("%s=%s " % (k, shlex.quote(v)) for k, v in sorted(wl.env.items()))


def run_plain(wl, workroot, timeout, memcap_kb):
    s = Sample("plain")
    d = tempfile.mkdtemp(prefix="plain-", dir=workroot)
    env = dict(os.environ, **wl.env)
    s.run = run(wl.argv_for(d), cwd=d, env=env, timeout=timeout, memcap_kb=memcap_kb)
    s.digest = output_digest(wl, d, strip_blank(s.run.stdout))
    shutil.rmtree(d, ignore_errors=True)
    return s


def run_memprof(wl, memprof, workroot, timeout, memcap_kb, ref_digest, an_timeout, keep):
    s = Sample("memprof")
    d = tempfile.mkdtemp(prefix="memprof-", dir=workroot)
    log = os.path.join(d, "run.mprof")
    env = dict(os.environ, **wl.env)
    argv = [memprof, "run", "-o", log, "--"] + wl.argv_for(d)
    s.cmd = env_prefix(wl) + shlex.join(argv)
    s.run = run(argv, cwd=d, env=env, timeout=timeout, memcap_kb=memcap_kb)
    s.same_output = output_digest(wl, d, strip_blank(s.run.stdout)) == ref_digest
    logs = sorted(glob.glob(os.path.join(d, "*.mprof")))
    s.nlogs = len(logs)
    s.log_bytes = sum(os.path.getsize(p) for p in logs)
    if not logs:
        s.problems.append("no .mprof log written")
    # analysis: one `memprof report --format json` per log
    allocs = frees = 0
    text_allocs = text_frees = 0
    text_ok = True
    text_wall, text_rss = 0.0, 0
    an_wall = 0.0
    an_rss = 0
    an_ok = bool(logs)
    an_wall_json_ok, an_rss_json_ok = 0.0, 0
    for p in logs:
        r = run([memprof, "report", "--format", "json", p], cwd=d, timeout=an_timeout, memcap_kb=memcap_kb)
        an_wall += r.wall
        an_rss = max(an_rss, r.maxrss_kb)
        if r.ok_exit():
            an_wall_json_ok += r.wall
            an_rss_json_ok = max(an_rss_json_ok, r.maxrss_kb)
        if not r.ok_exit():
            an_ok = False
            s.an_problems.append("`memprof report --format json %s`: %s %s" % (
                os.path.basename(p), r.describe(), r.stderr[-200:].decode(errors="replace").strip()))
            saved = save_failed(wl.name, "memprof", [p])
            if saved:
                s.an_problems[-1] += " (log kept: %s)" % saved
            # keep the event count from the text report, flagged
            rt = run([memprof, "report", p], cwd=d, timeout=an_timeout, memcap_kb=memcap_kb)
            m = TEXT_COUNTS_RE.search(rt.stdout.decode(errors="replace")) if rt.ok_exit() else None
            if m:
                text_allocs += int(m.group(1))
                text_frees += int(m.group(2))
                text_wall += rt.wall
                text_rss = max(text_rss, rt.maxrss_kb)
            else:
                text_ok = False
            continue
        try:
            t = json.loads(r.stdout)["totals"]
            allocs += int(t["allocations"])
            frees += int(t["frees"])
        except (ValueError, KeyError, TypeError) as e:
            an_ok = False
            s.an_problems.append("report JSON of %s unusable: %s" % (os.path.basename(p), e))
    s.an_ok = an_ok
    # The text report as well: the like-for-like comparison with heaptrack_print's text output
    # (the JSON report also serialises every line and every leak stack).
    tw = 0.0
    for p in logs:
        rt = run([memprof, "report", p], cwd=d, timeout=an_timeout, memcap_kb=memcap_kb)
        if not rt.ok_exit():
            tw = None
            break
        tw += rt.wall
    s.text_report_wall = tw if logs else None
    if an_ok:
        s.allocs, s.frees, s.events = allocs, frees, allocs + frees
        s.an_wall, s.an_rss_kb = an_wall, an_rss
    elif logs and text_ok:
        s.allocs, s.frees = allocs + text_allocs, frees + text_frees
        s.events = s.allocs + s.frees
        s.events_from_text = True
        # analysis time of the text report instead (json logs + text logs)
        s.an_wall_text = an_wall_json_ok + text_wall
        s.an_rss_text = max(an_rss_json_ok, text_rss)
    if keep:
        print("  kept %s" % d, file=sys.stderr)
    else:
        shutil.rmtree(d, ignore_errors=True)
    return s


TEXT_COUNTS_RE = re.compile(r"allocations:\s*(\d+).*?frees:\s*(\d+)")
CALLS_RE = re.compile(r"^calls to allocation functions: (\d+)", re.M)


def run_heaptrack(wl, workroot, timeout, memcap_kb, ref_digest, an_timeout, keep):
    s = Sample("heaptrack")
    d = tempfile.mkdtemp(prefix="heaptrack-", dir=workroot)
    base = os.path.join(d, "ht")
    env = dict(os.environ, **wl.env)
    argv = ["heaptrack", "-o", base] + wl.argv_for(d)
    s.cmd = env_prefix(wl) + shlex.join(argv)
    s.run = run(argv, cwd=d, env=env, timeout=timeout, memcap_kb=memcap_kb)
    s.same_output = output_digest(wl, d, strip_blank(strip_heaptrack_stdout(s.run.stdout))) == ref_digest
    zst = base + ".zst"
    files = sorted(glob.glob(base + "*"))
    s.nlogs = len(files)
    s.log_bytes = sum(os.path.getsize(p) for p in files)
    if not os.path.exists(zst):
        s.problems.append("no heaptrack data file")
        s.an_ok = False
    else:
        r = run(["heaptrack_print", zst], cwd=d, timeout=an_timeout, memcap_kb=memcap_kb,
                stdout_path=os.path.join(d, "print.txt"))
        with open(os.path.join(d, "print.txt"), "rb") as f:
            f.seek(max(0, os.path.getsize(os.path.join(d, "print.txt")) - 4096))
            tail = f.read().decode(errors="replace")
        m = CALLS_RE.search(tail)
        if not r.ok_exit() or not m:
            s.an_ok = False
            s.an_problems.append("`heaptrack_print`: %s %s" % (r.describe(), r.stderr[-200:].decode(errors="replace").strip()))
        else:
            s.an_ok = True
            s.an_wall, s.an_rss_kb = r.wall, r.maxrss_kb
            s.allocs = int(m.group(1))
            # heaptrack_print prints no free count: count the '-' (free) records
            # in heaptrack's own data file (not timed)
            c = subprocess.run("zstd -dc %s | grep -c '^-'" % shlex.quote(zst), shell=True,
                               capture_output=True, text=True)
            try:
                s.frees = int(c.stdout.strip() or 0)
            except ValueError:
                s.frees = None
            s.events = s.allocs + (s.frees or 0)
    if keep:
        print("  kept %s" % d, file=sys.stderr)
    else:
        shutil.rmtree(d, ignore_errors=True)
    return s


# ---------------------------------------------------------------------------
# reporting
# ---------------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x):
    return "-" if x is None else ("%.2f" % x if x < 100 else "%.0f" % x)


def fmt_ratio(x):
    return "-" if x is None else ("%.2fx" % x if x < 10 else "%.1fx" % x)


def fmt_bytes(n):
    if n is None:
        return "-"
    for unit, k in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= k:
            return "%.1f %s" % (n / k, unit)
    return "%d B" % n


def fmt_count(n):
    if n is None:
        return "-"
    if n >= 1e6:
        return "%.2fM" % (n / 1e6)
    if n >= 1e3:
        return "%.1fk" % (n / 1e3)
    return "%d" % n


def status_text(samples, reps):
    """'ok 3/3' or a description of every distinct failure."""
    if not samples:
        return "not run"
    good = sum(1 for s in samples if s.good)
    if good == len(samples):
        return "ok %d/%d" % (good, len(samples))
    why = []
    for s in samples:
        if s.good:
            continue
        parts = []
        if s.run and not s.run.ok_exit():
            parts.append(s.run.describe())
        elif s.same_output is False:
            parts.append("output differs")
        if s.run and s.run.ok_exit() and s.same_output is False and "output differs" not in parts:
            parts.append("output differs")
        parts += s.problems
        txt = "; ".join(parts) if parts else "failed"
        if txt not in why:
            why.append(txt)
    return "**FAIL %d/%d**: %s" % (len(samples) - good, len(samples), " / ".join(why))


def an_status_text(samples):
    if not samples:
        return "not run"
    bad = [s for s in samples if not s.an_ok]
    if not bad:
        return "ok %d/%d" % (len(samples), len(samples))
    why = []
    for s in bad:
        txt = "; ".join(s.an_problems) or "no recording to analyse"
        if txt not in why:
            why.append(txt)
    return "**FAIL %d/%d**: %s" % (len(bad), len(samples), " / ".join(why))


def summarize(wl, plain, mp, ht, load):
    base = med([s.run.wall for s in plain if s.run.ok_exit()])
    base_cpu = med([s.run.cpu for s in plain if s.run.ok_exit()])
    row = {"name": wl.name, "base": base, "base_cpu": base_cpu, "load": load, "tools": {}}
    for tool, samples in (("memprof", mp), ("heaptrack", ht)):
        if samples is None:
            row["tools"][tool] = None
            continue
        ran = [s for s in samples if s.run is not None and s.run.killed is None]
        done = [s for s in samples if s.run is not None and s.run.ok_exit()]
        wall = med([s.run.wall for s in done])
        cpu = med([s.run.cpu for s in done])
        t = {
            "cpu": cpu,
            "cpu_ratio": (cpu / base_cpu) if cpu and base_cpu else None,
            "status": status_text(samples, len(samples)),
            "an_status": an_status_text(samples),
            "wall": wall,
            "ratio": (wall / base) if wall and base else None,
            "rss_kb": med([s.run.maxrss_kb for s in ran]),
            "log_bytes": med([s.log_bytes for s in samples if s.log_bytes]),
            "nlogs": med([s.nlogs for s in samples if s.nlogs]),
            "events": med([s.events for s in samples if s.events is not None]),
            "allocs": med([s.allocs for s in samples if s.allocs is not None]),
            "frees": med([s.frees for s in samples if s.frees is not None]),
            "an_wall": med([s.an_wall for s in samples if s.an_ok]),
            "an_rss_kb": med([s.an_rss_kb for s in samples if s.an_ok]),
            "text_wall": med([s.text_report_wall for s in samples
                              if getattr(s, "text_report_wall", None)]),
            "cmd": samples[0].cmd if samples else "",
        }
        t["text_events"] = any(s.events_from_text for s in samples)
        if t["an_wall"] is None and any(s.an_wall_text for s in samples):
            t["an_wall"] = med([s.an_wall_text for s in samples if s.an_wall_text])
            t["an_rss_kb"] = med([s.an_rss_text for s in samples if s.an_rss_text])
            t["an_text"] = True
        t["bpe"] = (t["log_bytes"] / t["events"]) if t["log_bytes"] and t["events"] else None
        t["evps"] = (t["events"] / t["an_wall"]) if t["events"] and t["an_wall"] else None
        t["text_evps"] = (t["events"] / t["text_wall"]) if t["events"] and t["text_wall"] else None
        row["tools"][tool] = t
    row["base_rss_kb"] = med([s.run.maxrss_kb for s in plain if s.run.ok_exit()])
    return row


def render(rows, workloads, header, tools):
    L = []
    L += header
    L.append("")
    L.append("## Workloads")
    L.append("")
    L.append("| workload | what |")
    L.append("|---|---|")
    for wl in workloads:
        L.append("| %s | %s%s |" % (wl.name, wl.desc, (" (%s)" % wl.note) if wl.note else ""))
    L.append("")

    def col(row, tool, key, f):
        t = row["tools"].get(tool)
        return "n/a" if t is None else f(t[key])

    L.append("## Recording: wall time (median) and overhead vs unprofiled")
    L.append("")
    hdr = "| workload | load avg before/after | unprofiled s |"
    sep = "|---|---:|---:|"
    for tool in tools:
        hdr += " %s s | %s overhead |" % (tool, tool)
        sep += "---:|---:|"
    L += [hdr, sep]
    for r in rows:
        line = "| %s | %.1f / %.1f | %s |" % (r["name"], r["load"][0], r["load"][1], fmt_s(r["base"]))
        for tool in tools:
            line += " %s | %s |" % (col(r, tool, "wall", fmt_s), col(r, tool, "ratio", fmt_ratio))
        L.append(line)
    L.append("")
    L.append("## Recording: CPU time (user+sys, all processes of the run; less sensitive to a busy machine) and peak RSS")
    L.append("")
    hdr = "| workload | unprofiled CPU s |"
    sep = "|---|---:|"
    for tool in tools:
        hdr += " %s CPU s | %s CPU overhead |" % (tool, tool)
        sep += "---:|---:|"
    hdr += " unprofiled RSS |" + "".join(" %s RSS |" % t for t in tools)
    sep += "---:|" + "---:|" * len(tools)
    L += [hdr, sep]
    for r in rows:
        line = "| %s | %s |" % (r["name"], fmt_s(r["base_cpu"]))
        for tool in tools:
            line += " %s | %s |" % (col(r, tool, "cpu", fmt_s), col(r, tool, "cpu_ratio", fmt_ratio))
        line += " %s |" % fmt_bytes(r["base_rss_kb"] * 1024 if r["base_rss_kb"] else None)
        for tool in tools:
            line += " %s |" % col(r, tool, "rss_kb", lambda v: fmt_bytes(v * 1024 if v else None))
        L.append(line)
    L.append("")

    L.append("## Log size per event (event = allocation or free)")
    L.append("")
    hdr = "| workload |"
    sep = "|---|"
    for tool in tools:
        hdr += " %s allocs | %s frees | %s log (files) | %s B/event |" % (tool, tool, tool, tool)
        sep += "---:|---:|---:|---:|"
    L += [hdr, sep]
    for r in rows:
        line = "| %s |" % r["name"]
        for tool in tools:
            t = r["tools"].get(tool)
            if t is None:
                line += " n/a | n/a | n/a | n/a |"
                continue
            mark = " (text)" if t.get("text_events") else ""
            line += " %s%s | %s%s | %s (%s) | %s |" % (
                fmt_count(t["allocs"]), mark, fmt_count(t["frees"]), mark, fmt_bytes(t["log_bytes"]),
                "-" if t["nlogs"] is None else "%d" % t["nlogs"],
                "-" if t["bpe"] is None else "%.2f" % t["bpe"])
        L.append(line)
    L.append("")

    if any(r["tools"].get("memprof") and r["tools"]["memprof"].get("text_events") for r in rows):
        L.append("(text): `memprof report --format json` failed on that recording (see the analysis table); "
                 "the counts come from the text report (`memprof report LOG`), and in the analysis table "
                 "the time and RSS marked (text) are those of the text report.")
        L.append("")
    L.append("## Analysis: `memprof report --format json` vs `heaptrack_print` (median)")
    L.append("")
    hdr = "| workload |"
    sep = "|---|"
    for tool in tools:
        hdr += " %s s | %s events/s | %s peak RSS | %s ran |" % (tool, tool, tool, tool)
        sep += "---:|---:|---:|---|"
    L += [hdr, sep]
    for r in rows:
        line = "| %s |" % r["name"]
        for tool in tools:
            t = r["tools"].get(tool)
            if t is None:
                line += " n/a | n/a | n/a | n/a |"
                continue
            mark = " (text)" if t.get("an_text") else ""
            line += " %s%s | %s%s | %s%s | %s |" % (fmt_s(t["an_wall"]), mark, fmt_count(t["evps"]), mark,
                                                    fmt_bytes(t["an_rss_kb"] * 1024 if t["an_rss_kb"] else None),
                                                    mark, t["an_status"])
        L.append(line)
    L.append("")

    if "memprof" in tools:
        L.append("### Text reports: `memprof report LOG` vs `heaptrack_print` (both print text summaries)")
        L.append("")
        L.append("| workload | memprof text s | events/s | heaptrack_print s | events/s | ratio of events/s |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            m = r["tools"].get("memprof") or {}
            h = r["tools"].get("heaptrack") or {}
            ratio = (m["text_evps"] / h["evps"]) if m.get("text_evps") and h.get("evps") else None
            L.append("| %s | %s | %s | %s | %s | %s |" % (
                r["name"], fmt_s(m.get("text_wall")), fmt_count(m.get("text_evps")),
                fmt_s(h.get("an_wall")), fmt_count(h.get("evps")),
                "n/a" if ratio is None else "%.2fx" % ratio))
        L.append("")

    L.append("## Did the profiled program complete unharmed? (exit status 0 and output identical to the unprofiled run)")
    L.append("")
    L.append("| workload |" + "".join(" %s |" % t for t in tools))
    L.append("|---|" + "---|" * len(tools))
    for r in rows:
        line = "| %s |" % r["name"]
        for tool in tools:
            t = r["tools"].get(tool)
            line += " %s |" % ("n/a" if t is None else t["status"])
        L.append(line)
    L.append("")
    L.append("## Exact commands (first repetition)")
    L.append("")
    L.append("memprof commands run a copy of the memprof build (bin/memprof + lib/libmemprof.so) taken at the "
             "start, so that a rebuild during the benchmark cannot mix versions; temp dirs are deleted afterwards.")
    L.append("")
    for r in rows:
        for tool in tools:
            t = r["tools"].get(tool)
            if t and t["cmd"]:
                L.append("- %s / %s: `%s`" % (r["name"], tool, t["cmd"]))
    L.append("")
    return "\n".join(L)


def machine_header(args, memprof_ok, memprof_msg):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GB" % (int(f.readline().split()[1]) / 1048576.0)
    except (OSError, ValueError, IndexError):
        pass
    h = ["# memprof benchmark", "",
         "- date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
         "- command: `%s`" % shlex.join([sys.executable] + sys.argv),
         "- machine: nproc=%d, %s, RAM %s, kernel %s, %s" % (os.cpu_count() or 0, cpu, mem,
                                                           platform.release(), platform.machine()),
         "- heaptrack: %s" % tool_version(["heaptrack", "--version"]),
         "- memprof: %s (%s)" % (args.memprof, ("works; " + memprof_msg) if memprof_ok else "NOT USABLE: " + memprof_msg),
         "- compilers/programs: %s; %s; sqlite3 %s; %s" % (
             tool_version(["gcc", "--version"]), tool_version(["g++", "--version"]),
             tool_version(["sqlite3", "--version"]).split()[0], tool_version(["/usr/bin/python3", "--version"])),
         "- repetitions: %d, commands alternated round-robin (order rotated each repetition), medians shown; "
         "timeouts: max(%ds, %dx unprofiled time), memory cap %.0f GB summed RSS per run" % (
             args.reps, args.min_timeout, args.timeout_factor, args.mem_cap_gb)]
    return h


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="run only this workload (repeatable, or comma-separated)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per command (default 3)")
    ap.add_argument("--memprof", default=DEFAULT_MEMPROF, help="memprof binary (default %(default)s)")
    ap.add_argument("--quick", action="store_true", help="smaller workload sizes")
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument("--no-heaptrack", action="store_true", help="skip the heaptrack column")
    ap.add_argument("--no-memprof", action="store_true", help="skip the memprof column")
    ap.add_argument("--build-dir", default=os.path.join(BENCH_DIR, "build"),
                    help="where workloads and generated inputs go (default bench/build)")
    ap.add_argument("--workdir", default=None, help="parent of the per-run temp dirs (default: system temp)")
    ap.add_argument("--keep", action="store_true", help="keep recordings (per-run temp dirs)")
    ap.add_argument("--min-timeout", type=int, default=120, help="minimum per-run timeout in s (default 120)")
    ap.add_argument("--timeout-factor", type=int, default=60,
                    help="per-run timeout = max(min-timeout, factor x unprofiled time) (default 60)")
    ap.add_argument("--max-timeout", type=int, default=900, help="per-run timeout ceiling in s (default 900)")
    ap.add_argument("--mem-cap-gb", type=float, default=12.0,
                    help="kill a run whose processes together exceed this RSS (default 12)")
    args = ap.parse_args()
    _become_subreaper()

    def on_term(signum, frame):  # clean up the temp dirs on kill
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)

    workroot = tempfile.mkdtemp(prefix="memprof-bench-", dir=args.workdir)
    memprof, snap_note = args.memprof, ""
    if not args.no_memprof:
        memprof, snap_note = snapshot_memprof(args.memprof, os.path.join(workroot, "memprof-snapshot"))
    memprof_ok, memprof_msg = (False, "disabled") if args.no_memprof else memprof_works(memprof)
    if not memprof_ok and not args.no_memprof:
        print("warning: memprof not usable: %s" % memprof_msg, file=sys.stderr)
    have_ht = not args.no_heaptrack and shutil.which("heaptrack") is not None
    tools = []
    if memprof_ok:
        tools.append("memprof")
    if have_ht:
        tools.append("heaptrack")

    bins = compile_workloads(args.build_dir)
    workloads = make_workloads(bins, os.path.join(args.build_dir, "inputs"), args.quick)
    if args.only:
        only = set(x for o in args.only for x in o.split(","))
        unknown = only - {w.name for w in workloads}
        if unknown:
            ap.error("unknown workload(s): %s (have: %s)" % (", ".join(sorted(unknown)),
                                                            ", ".join(w.name for w in workloads)))
        workloads = [w for w in workloads if w.name in only]

    header = machine_header(args, memprof_ok, memprof_msg + ("; " + snap_note if snap_note else ""))
    print("\n".join(header), file=sys.stderr)
    memcap_kb = int(args.mem_cap_gb * 1048576)
    global FAILED_DIR
    FAILED_DIR = os.path.join(args.build_dir, "failed")
    rows = []
    try:
        for wl in workloads:
            print("== %s: %s" % (wl.name, wl.desc), file=sys.stderr)
            load0 = os.getloadavg()[0]
            # warm-up plain run: reference output, page cache, timeout scale
            warm = run_plain(wl, workroot, args.max_timeout, memcap_kb)
            if not warm.run.ok_exit():
                print("  unprofiled run failed: %s\n%s" % (warm.run.describe(), warm.run.stderr[-2000:].decode(errors="replace")),
                      file=sys.stderr)
            ref = warm.digest
            timeout = min(args.max_timeout, max(args.min_timeout, args.timeout_factor * warm.run.wall))
            an_timeout = timeout
            plain, mp, ht = [], [] if memprof_ok else None, [] if have_ht else None
            cmds = ["plain"] + (["memprof"] if memprof_ok else []) + (["heaptrack"] if have_ht else [])
            for rep in range(args.reps):
                k = rep % len(cmds)
                for c in cmds[k:] + cmds[:k]:
                    if c == "plain":
                        s = run_plain(wl, workroot, timeout, memcap_kb)
                        if s.digest != ref:
                            print("  note: unprofiled output differs between runs", file=sys.stderr)
                        plain.append(s)
                        msg = "%.2fs (cpu %.2fs) %s" % (s.run.wall, s.run.cpu or 0, s.run.describe())
                    elif c == "memprof":
                        s = run_memprof(wl, memprof, workroot, timeout, memcap_kb, ref, an_timeout, args.keep)
                        mp.append(s)
                        msg = "%.2fs (cpu %.2fs) %s, log %s, events %s, report %s s%s" % (
                            s.run.wall, s.run.cpu or 0, s.run.describe(), fmt_bytes(s.log_bytes), fmt_count(s.events),
                            fmt_s(s.an_wall), "" if s.same_output else ", OUTPUT DIFFERS")
                    else:
                        s = run_heaptrack(wl, workroot, timeout, memcap_kb, ref, an_timeout, args.keep)
                        ht.append(s)
                        msg = "%.2fs (cpu %.2fs) %s, log %s, events %s, print %s s%s" % (
                            s.run.wall, s.run.cpu or 0, s.run.describe(), fmt_bytes(s.log_bytes), fmt_count(s.events),
                            fmt_s(s.an_wall), "" if s.same_output else ", OUTPUT DIFFERS")
                    if c != "plain" and not s.good:
                        msg += "\n    FAILED: %s\n    stderr tail: %s" % (
                            s.cmd, s.run.stderr[-600:].decode(errors="replace").strip().replace("\n", "\n      "))
                        for p in s.problems:
                            msg += "\n    problem: %s" % p
                    if c != "plain" and s.an_problems:
                        msg += "\n    ANALYSIS FAILED: %s" % " / ".join(s.an_problems)
                    print("  rep %d %-9s %s" % (rep + 1, c, msg), file=sys.stderr)
            rows.append(summarize(wl, plain, mp, ht, (load0, os.getloadavg()[0])))
    finally:
        if not args.keep:  # --keep promises the recordings survive, and they live in workroot
            shutil.rmtree(workroot, ignore_errors=True)

    text = render(rows, workloads, header, tools)
    if not memprof_ok and not args.no_memprof:
        text += "\nmemprof column missing: %s\n" % memprof_msg
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
