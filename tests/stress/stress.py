#!/usr/bin/env python3
"""Stress test: one real lkmfsd on a real mount, many real client processes at once.

For DURATION seconds (--duration, or LKMFS_STRESS_SECONDS; 30 by default) these clients run
in parallel, each a process of its own, every operation checked for the right content:

  cat_seqlist     `cat` of a 30000-record seq_file listing (long records included), and of its
                  summary; the bytes must be those of the reference read taken at the start
  seek_seqlist    lseek + read of random offsets and sizes (and pread) against that reference
  echo_counters1  `sh -c 'echo N > counters/KIND'`; the counters only grow; at the end each
  echo_counters2    counter must equal the sum of every client's additions
  kbuf            `echo` a fresh text into kbuf, `cat` it back (and `echo >>` to append)
  fifo            writes numbered lines to fifo, reads them back in order
  idset           add/del ids in idset, the listing must follow
  poll_tickpoll   select.poll() on tickpoll: readable within a timeout, "tick N" rising
  poll_waitq      poll() for POLLOUT, write a message, poll() for POLLIN, read it back
  openclose       open/close/stat/listdir over every entry of the loaded modules
  ticker          `cat ticker`: ticks only grow, never fewer ticks than work runs
  churn           insmod/rmmod in a loop (mathlib + gcdcalc, hello, hello2, multi, hello_cpp,
                  kbuf_cpp), using each loaded module's entry while it is there
  churn_racer     reads the churned modules' entries while they come and go: either an
                  error (ENOENT, ...) or the right content
  crasher         the kcrash faults (NULL, wild pointer, divide, BUG(), stack overflow, a NULL
                  write, faults in a timer and a work item) with debug.oops: eio, so each
                  faulting call must fail with EIO and kcrash/ok still answer; every few
                  rounds rmmod + insmod kcrash

At the end: every client's checks passed; the daemon is alive and serves; it has the same
number of open file descriptors as before the clients started and no more threads than
before plus its idle worker pool; after SIGTERM it exits 0; its stderr holds no sanitizer
report (ASan, UBSan, LSan, TSan). A summary table is printed. Exit status 0 if all passed.

  tests/stress/stress.py --build BUILD_DIR [--duration SECONDS] [--keep-log FILE]

LKMFS_TEST_DAEMON_TREE=DIR in the environment runs DIR's bin/lkmfsd and bin/lkmctl instead
of --build's (scripts/sanitize.sh: a sanitizer build).
"""

import argparse
import errno
import json
import multiprocessing
import os
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "WARNING: ThreadSanitizer",
    "ThreadSanitizer:",
    "runtime error:",
    "UndefinedBehaviorSanitizer",
)

# Error numbers an entry of a module that is being removed (or is gone) may give.
GONE_ERRNOS = {errno.ENOENT, errno.ENODEV, errno.EIO, errno.ESTALE, errno.EBADF}

SEQLIST_RECORDS = 30000
IDLE_WORKERS = 8  # mount.max_idle_threads in the configuration below
CHURN_MODULES = ["mathlib", "gcdcalc", "hello", "hello2", "multi", "hello_cpp", "kbuf_cpp"]
STATIC_MODULES = ["counters", "fifo", "idset", "kbuf", "seqlist", "ticker", "tickpoll", "waitq"]


class Stats:
    """Per-client counts: operations, failures (wrong content or unexpected errors)."""

    def __init__(self, name):
        self.name = name
        self.ops = 0
        self.failures = 0
        self.notes = {}  # expected outcomes worth counting (EIO of a crash, ENOENT, ...)
        self.messages = []
        self.extra = {}

    def ok(self, n=1):
        self.ops += n

    def note(self, what):
        self.notes[what] = self.notes.get(what, 0) + 1

    def fail(self, message):
        self.ops += 1
        self.failures += 1
        if len(self.messages) < 10:
            self.messages.append(message)

    def check(self, cond, message):
        if cond:
            self.ok()
        else:
            self.fail(message)
        return cond

    def as_dict(self):
        return {"name": self.name, "ops": self.ops, "failures": self.failures,
                "notes": self.notes, "messages": self.messages, "extra": self.extra}


def read_all(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_text(path, text, flags=os.O_WRONLY | os.O_TRUNC):
    fd = os.open(path, flags)
    try:
        return os.write(fd, text.encode())
    finally:
        os.close(fd)


def run(argv, env=None, timeout=60):
    return subprocess.run(argv, capture_output=True, env=env, timeout=timeout)


class Ctx:
    def __init__(self, mnt, lkmctl, socket, modules_dir, test_modules_dir, deadline, reference):
        self.mnt = mnt
        self.lkmctl_bin = lkmctl
        self.env = dict(os.environ, LKMFS_SOCKET=socket)
        self.modules_dir = modules_dir
        self.test_modules_dir = test_modules_dir
        self.deadline = deadline
        self.reference = reference

    def p(self, rel):
        return os.path.join(self.mnt, rel)

    def running(self):
        return time.monotonic() < self.deadline

    def lkmctl(self, *args):
        return run([self.lkmctl_bin, *args], env=self.env)


# ---- the clients -------------------------------------------------------------------------


def client_cat_seqlist(ctx, st):
    ref = ctx.reference["seqlist"]
    summary = ctx.reference["seqlist_summary"]
    while ctx.running():
        r = run(["cat", ctx.p("seqlist")])
        st.check(r.returncode == 0 and r.stdout == ref,
                 f"cat seqlist: status {r.returncode}, {len(r.stdout)} bytes, {r.stderr[:200]!r}")
        r = run(["cat", ctx.p("seqlist_summary")])
        st.check(r.returncode == 0 and r.stdout == summary,
                 f"cat seqlist_summary: {r.returncode} {r.stdout!r}")


def client_seek_seqlist(ctx, st):
    ref = ctx.reference["seqlist"]
    rng = random.Random(1)
    fd = os.open(ctx.p("seqlist"), os.O_RDONLY)
    rounds = 0
    try:
        while ctx.running():
            off = rng.randrange(0, len(ref) + 100)
            size = rng.choice([1, 7, 100, 4096, 5000, 20000])
            if rng.random() < 0.5:
                os.lseek(fd, off, os.SEEK_SET)
                got = os.read(fd, size)
                # A read may return fewer bytes than asked, never other bytes.
                want = ref[off:off + size]
                st.check(len(got) > 0 if want else got == b"", f"read at {off}: empty")
                st.check(want.startswith(got), f"lseek {off} read {size}: wrong bytes")
            else:
                got = os.pread(fd, size, off)
                st.check(ref[off:off + size].startswith(got), f"pread {off} {size}: wrong bytes")
            rounds += 1
            if rounds % 50 == 0:  # and a fresh file now and then
                os.close(fd)
                fd = os.open(ctx.p("seqlist"), os.O_RDONLY)
                st.check(os.lseek(fd, 0, os.SEEK_CUR) == 0, "new file not at offset 0")
    finally:
        os.close(fd)


def client_echo_counters(ctx, st):
    rng = random.Random(os.getpid())
    kinds = ["atomic", "spin", "rw"]
    added = {k: 0 for k in kinds}
    last = {k: 0 for k in kinds}
    while ctx.running():
        kind = rng.choice(kinds)
        n = rng.randrange(1, 500)
        r = run(["sh", "-c", f"echo {n} > {ctx.p('counters/' + kind)}"])
        if st.check(r.returncode == 0, f"echo {n} > counters/{kind}: {r.stderr!r}"):
            added[kind] += n
        r = run(["cat", ctx.p("counters/" + kind)])
        # counter_read renders the value afresh on every read and hands it out with
        # simple_read_from_buffer, as many real modules do. cat's second read, at offset
        # len("99669\n"), sees "100012\n" when the value gained a digit in between and
        # gets its tail "\n" -- the same torn read Linux gives. Only the first line counts.
        m = re.fullmatch(rb"(\d+)\n(?:\d*\n)?", r.stdout)
        if st.check(r.returncode == 0 and m, f"cat counters/{kind}: {r.stdout!r} {r.stderr!r}"):
            value = int(m.group(1))
            st.check(value >= last[kind] and value >= added[kind],
                     f"counters/{kind} went from {last[kind]} to {value} (added {added[kind]})")
            last[kind] = value
    st.extra["added"] = added


def client_kbuf(ctx, st):
    i = 0
    while ctx.running():
        i += 1
        text = f"kbuf round {i} pid {os.getpid()}"
        r = run(["sh", "-c", f"echo '{text}' > {ctx.p('kbuf')}"])
        st.check(r.returncode == 0, f"echo > kbuf: {r.stderr!r}")
        want = text + "\n"
        if i % 3 == 0:
            r = run(["sh", "-c", f"echo more >> {ctx.p('kbuf')}"])
            st.check(r.returncode == 0, f"echo >> kbuf: {r.stderr!r}")
            want += "more\n"
        r = run(["cat", ctx.p("kbuf")])
        st.check(r.returncode == 0 and r.stdout.decode() == want,
                 f"cat kbuf: {r.stdout!r}, wanted {want!r}")


def client_fifo(ctx, st):
    i = 0
    while ctx.running():
        lines = [f"line {i + k} of {os.getpid()}" for k in range(5)]
        i += 5
        st.check(write_text(ctx.p("fifo"), "\n".join(lines) + "\n") > 0, "write fifo")
        got = read_all(ctx.p("fifo")).decode()
        st.check(got == "".join(line + "\n" for line in lines),
                 f"fifo gave {got!r}, wanted {lines!r}")


def client_idset(ctx, st):
    rng = random.Random(2)
    present = set()
    while ctx.running():
        ident = rng.randrange(0, 200)
        if ident in present and rng.random() < 0.5:
            write_text(ctx.p("idset"), f"del {ident}\n")
            present.discard(ident)
        else:
            write_text(ctx.p("idset"), f"add {ident}\n")
            present.add(ident)
        got = read_all(ctx.p("idset")).decode()
        want = "".join(f"{x}\n" for x in sorted(present))
        st.check(got == want, f"idset listing {got!r}, wanted {want!r}")
        if rng.random() < 0.02:
            write_text(ctx.p("idset"), "clear\n")
            present.clear()
            st.check(read_all(ctx.p("idset")) == b"", "idset not empty after clear")
        # An id that is not there: ENOENT.
        try:
            write_text(ctx.p("idset"), "del 100000\n")
            st.fail("del of an absent id succeeded")
        except OSError as e:
            st.check(e.errno == errno.ENOENT, f"del absent id: {e}")


def client_poll_tickpoll(ctx, st):
    fd = os.open(ctx.p("tickpoll"), os.O_RDONLY | os.O_NONBLOCK)
    last = -1
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    try:
        while ctx.running():
            events = poller.poll(3000)
            if not st.check(events and events[0][1] & select.POLLIN,
                            f"tickpoll not readable within 3 s: {events}"):
                continue
            line = os.read(fd, 64).decode()
            m = re.fullmatch(r"tick (\d+)\n", line)
            if st.check(m is not None, f"tickpoll read {line!r}"):
                n = int(m.group(1))
                st.check(n > last, f"tick {n} after {last}")
                last = n
            # Everything read: a non-blocking read must now say EAGAIN or give a newer tick.
            try:
                line = os.read(fd, 64).decode()
                m = re.fullmatch(r"tick (\d+)\n", line)
                st.check(m is not None and int(m.group(1)) > last, f"second read {line!r}")
                if m:
                    last = int(m.group(1))
            except BlockingIOError:
                st.ok()
    finally:
        os.close(fd)


def client_poll_waitq(ctx, st):
    fd = os.open(ctx.p("waitq"), os.O_RDWR | os.O_NONBLOCK)
    i = 0
    try:
        while ctx.running():
            i += 1
            msg = f"message {i} " + "x" * (i % 300) + "\n"
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            ev = poller.poll(3000)
            if not st.check(ev and ev[0][1] & select.POLLOUT, f"waitq not writable: {ev}"):
                continue
            st.check(os.write(fd, msg.encode()) == len(msg), "short write to waitq")
            r, _, _ = select.select([fd], [], [], 3)
            if not st.check(r == [fd], "waitq not readable after a write"):
                continue
            got = b""
            while len(got) < len(msg):
                try:
                    chunk = os.read(fd, 4096)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                got += chunk
            st.check(got.decode() == msg, f"waitq gave {got[:80]!r}, wanted {msg[:80]!r}")
            try:
                os.read(fd, 4096)
                st.fail("waitq read with nothing written did not say EAGAIN")
            except BlockingIOError:
                st.ok()
    finally:
        os.close(fd)


def client_openclose(ctx, st):
    entries = ["counters/atomic", "counters/spin", "counters/rw", "fifo", "idset", "kbuf",
               "seqlist", "seqlist_summary", "seqlist_marker", "ticker", "tickpoll", "waitq",
               "modules", "sys/kernel/tainted"]
    while ctx.running():
        for e in entries:
            fd = os.open(ctx.p(e), os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
            st.ok()
            st.check(os.stat(ctx.p(e)).st_size >= 0, f"stat {e}")
        names = set(os.listdir(ctx.mnt))
        missing = {"fifo", "idset", "kbuf", "seqlist", "ticker", "tickpoll", "waitq",
                   "counters"} - names
        st.check(not missing, f"listdir misses {missing}")
        mods = read_all(ctx.p("modules")).decode()
        for m in STATIC_MODULES:
            st.check(re.search(rf"^{m} \d+ \d+ .* Live ", mods, re.M) is not None,
                     f"modules has no live {m}: {mods!r}")
        # Many files open at once, closed in another order.
        fds = [os.open(ctx.p(e), os.O_RDONLY | os.O_NONBLOCK) for e in entries * 4]
        random.shuffle(fds)
        for fd in fds:
            os.close(fd)
        st.ok(len(fds))


def client_ticker(ctx, st):
    last = 0
    while ctx.running():
        r = run(["cat", ctx.p("ticker")])
        text = r.stdout.decode()
        ticks = re.search(r"^ticks: (\d+)$", text, re.M)
        runs = re.search(r"^work_runs: (\d+)$", text, re.M)
        if st.check(r.returncode == 0 and ticks and runs, f"cat ticker: {text!r}"):
            t, w = int(ticks.group(1)), int(runs.group(1))
            st.check(t >= last, f"ticks went from {last} to {t}")
            st.check(w <= t, f"work_runs {w} > ticks {t}")
            last = t
        time.sleep(0.01)


def client_churn(ctx, st):
    rounds = 0
    while ctx.running():
        rounds += 1
        for m in CHURN_MODULES:
            args = ["insmod", os.path.join(ctx.modules_dir, m + ".ko")]
            if m == "kbuf_cpp":
                args.append("size=64")
            r = ctx.lkmctl(*args)
            st.check(r.returncode == 0, f"insmod {m}: {r.stdout!r} {r.stderr!r}")
        try:
            write_text(ctx.p("gcd"), "84 36\n")
            got = read_all(ctx.p("gcd")).decode()
            st.check(got.startswith("gcd(84, 36) = 12\nmathlib calls: "), f"gcd gave {got!r}")
            write_text(ctx.p("kbuf_cpp"), f"churn {rounds}\n")
            got = read_all(ctx.p("kbuf_cpp")).decode()
            st.check(got == f"churn {rounds}\n", f"kbuf_cpp gave {got!r}")
            st.check(read_all(ctx.p("hello2")) == b"", "hello2 read not empty")
        except OSError as e:
            st.fail(f"using the churned modules: {e}")
        lsmod = ctx.lkmctl("lsmod")
        st.check(all(re.search(rf"^{m}\s", lsmod.stdout.decode(), re.M) for m in CHURN_MODULES),
                 f"lsmod misses a churned module: {lsmod.stdout!r}")
        for m in reversed(CHURN_MODULES):
            r = ctx.lkmctl("rmmod", m)
            st.check(r.returncode == 0, f"rmmod {m}: {r.stdout!r} {r.stderr!r}")
        lsmod = ctx.lkmctl("lsmod").stdout.decode()
        st.check(not any(re.search(rf"^{m}\s", lsmod, re.M) for m in CHURN_MODULES),
                 f"a churned module is still listed: {lsmod!r}")
    st.extra["rounds"] = rounds


def client_churn_racer(ctx, st):
    while ctx.running():
        for entry, ok in (("gcd", lambda b: b.startswith(b"gcd(")),
                          ("kbuf_cpp", lambda b: re.fullmatch(rb"(churn \d+\n)?", b)),
                          ("hello2", lambda b: b == b"")):
            try:
                got = read_all(ctx.p(entry))
                st.check(ok(got), f"{entry} gave {got[:80]!r}")
                st.note(f"{entry} read")
            except OSError as e:
                if st.check(e.errno in GONE_ERRNOS, f"{entry}: unexpected {e}"):
                    st.note(errno.errorcode.get(e.errno, str(e.errno)))


def eio_message(stderr):
    # coreutils says "Input/output error", dash's echo "I/O error".
    return b"Input/output error" in stderr or b"I/O error" in stderr


def client_crasher(ctx, st):
    faults = ["null_read", "wild", "divide", "bug"]
    rounds = 0
    while ctx.running():
        rounds += 1
        for f in faults + (["overflow"] if rounds % 5 == 0 else []):
            r = run(["cat", ctx.p("kcrash/" + f)])
            if st.check(r.returncode == 1 and eio_message(r.stderr),
                        f"cat kcrash/{f}: status {r.returncode} {r.stderr!r}"):
                st.note("EIO")
        r = run(["sh", "-c", f"echo x > {ctx.p('kcrash/null_write')}"])
        if st.check(r.returncode != 0 and eio_message(r.stderr),
                    f"echo > kcrash/null_write: {r.returncode} {r.stderr!r}"):
            st.note("EIO")
        if rounds % 3 == 0:
            for f in ("timer", "work"):
                r = run(["sh", "-c", f"echo go > {ctx.p('kcrash/' + f)}"])
                st.check(r.returncode == 0, f"echo > kcrash/{f}: {r.stderr!r}")
        r = run(["cat", ctx.p("kcrash/ok")])
        st.check(r.stdout == b"still here\n", f"kcrash/ok gave {r.stdout!r}")
        if rounds % 4 == 0:
            time.sleep(0.05)  # let a crashing timer or work item run first
            r = ctx.lkmctl("rmmod", "kcrash")
            st.check(r.returncode == 0, f"rmmod kcrash: {r.stdout!r} {r.stderr!r}")
            r = ctx.lkmctl("insmod", os.path.join(ctx.test_modules_dir, "kcrash.ko"))
            st.check(r.returncode == 0, f"insmod kcrash: {r.stdout!r} {r.stderr!r}")
    st.extra["rounds"] = rounds


CLIENTS = {
    "cat_seqlist": client_cat_seqlist,
    "seek_seqlist": client_seek_seqlist,
    "echo_counters1": client_echo_counters,
    "echo_counters2": client_echo_counters,
    "kbuf": client_kbuf,
    "fifo": client_fifo,
    "idset": client_idset,
    "poll_tickpoll": client_poll_tickpoll,
    "poll_waitq": client_poll_waitq,
    "openclose": client_openclose,
    "ticker": client_ticker,
    "churn": client_churn,
    "churn_racer": client_churn_racer,
    "crasher": client_crasher,
}


def client_main(name, ctx, queue):
    st = Stats(name)
    try:
        CLIENTS[name](ctx, st)
    except Exception:  # an unexpected error ends the client: a failure
        st.fail(f"client died: {traceback.format_exc()[-600:]}")
    queue.put(st.as_dict())


# ---- the daemon --------------------------------------------------------------------------


def count_dir(path):
    try:
        return len(os.listdir(path))
    except OSError:
        return -1


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def wait_until(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def sanitizer_lines(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the build tree (bin/lkmfsd, ...)")
    ap.add_argument("--duration", type=float,
                    default=float(os.environ.get("LKMFS_STRESS_SECONDS", "30")))
    ap.add_argument("--keep-log", help="copy the daemon's output here")
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    # As the integration tests: LKMFS_TEST_DAEMON_TREE (a sanitizer build, from
    # scripts/sanitize.sh) supplies lkmfsd and lkmctl; the modules, never instrumented,
    # come from --build.
    daemon_tree = os.path.abspath(os.environ.get("LKMFS_TEST_DAEMON_TREE") or build)
    lkmfsd = os.path.join(daemon_tree, "bin", "lkmfsd")
    lkmctl = os.path.join(daemon_tree, "bin", "lkmctl")
    modules_dir = os.path.join(build, "lib", "lkmfs", "modules")
    test_modules_dir = os.path.join(build, "tests", "modules")

    tmp = tempfile.mkdtemp(prefix="lkmfs-stress-")
    mnt = os.path.join(tmp, "mnt")
    os.mkdir(mnt)
    socket = os.path.join(tmp, "control.sock")
    log_path = os.path.join(tmp, "daemon.log")
    load = "\n".join(f"    - {m}" for m in STATIC_MODULES if m not in ("kbuf", "seqlist",
                                                                      "tickpoll"))
    config = f"""mount:
  max_threads: 64
  max_idle_threads: {IDLE_WORKERS}
modules:
  path: [{test_modules_dir}]
  load:
{load}
    - name: kbuf
      params: {{ size: 4096 }}
    - name: seqlist
      params: {{ records: {SEQLIST_RECORDS} }}
    - name: tickpoll
      params: {{ period_ms: 20 }}
    - kcrash
log:
  buffer_size: 4M
debug:
  oops: eio
control:
  socket: {socket}
"""
    with open(os.path.join(tmp, "lkmfs.yaml"), "w") as f:
        f.write(config)

    log = open(log_path, "wb")
    daemon = subprocess.Popen([lkmfsd, mnt, "-f", "--config", os.path.join(tmp, "lkmfs.yaml")],
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    failures = []
    results = []
    fd_before = fd_after = task_before = task_after = peak_tasks = -1
    exit_status = None
    t_start = time.monotonic()
    try:
        if not wait_until(lambda: daemon.poll() is not None or
                          (mounted(mnt) and os.path.exists(socket)), 30) or daemon.poll() is not None:
            raise RuntimeError("the daemon did not start")
        reference = {"seqlist": read_all(os.path.join(mnt, "seqlist")),
                     "seqlist_summary": read_all(os.path.join(mnt, "seqlist_summary"))}
        m = re.search(rb"listing bytes: (\d+)", reference["seqlist_summary"])
        if not m or int(m.group(1)) != len(reference["seqlist"]):
            raise RuntimeError(f"seqlist reference: {len(reference['seqlist'])} bytes, "
                               f"summary {reference['seqlist_summary']!r}")
        proc_dir = f"/proc/{daemon.pid}"
        time.sleep(0.5)
        fd_before = count_dir(proc_dir + "/fd")
        task_before = count_dir(proc_dir + "/task")

        ctx = Ctx(mnt, lkmctl, socket, modules_dir, test_modules_dir,
                  time.monotonic() + args.duration, reference)
        queue = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=client_main, args=(n, ctx, queue), name=n)
                 for n in CLIENTS]
        for p in procs:
            p.start()
        peak_tasks = task_before
        while any(p.is_alive() for p in procs) and time.monotonic() < ctx.deadline + 120:
            peak_tasks = max(peak_tasks, count_dir(proc_dir + "/task"))
            if len(results) < len(procs):
                try:
                    results.append(queue.get(timeout=0.5))
                except Exception:
                    pass
        while len(results) < len(procs):
            try:
                results.append(queue.get(timeout=5))
            except Exception:
                break
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                failures.append(f"client {p.name} hangs after the deadline")
                p.kill()
        if len(results) < len(procs):
            failures.append(f"only {len(results)} of {len(procs)} clients reported")

        # The counters: every addition counted once.
        added = {}
        for r in results:
            for k, v in r["extra"].get("added", {}).items():
                added[k] = added.get(k, 0) + v
        for k, v in added.items():
            got = int(read_all(os.path.join(mnt, "counters", k)))
            if got != v:
                failures.append(f"counters/{k} is {got}, the clients added {v}")

        # Alive and serving.
        if daemon.poll() is not None:
            failures.append(f"the daemon died: status {daemon.returncode}")
        else:
            if read_all(os.path.join(mnt, "kcrash/ok")) != b"still here\n":
                failures.append("kcrash/ok does not answer")
            r = run([lkmctl, "lsmod"], env=dict(os.environ, LKMFS_SOCKET=socket))
            if r.returncode != 0:
                failures.append(f"lkmctl lsmod: {r.stderr!r}")
            # Descriptors: FUSE releases are asynchronous, so give them a moment.
            wait_until(lambda: count_dir(proc_dir + "/fd") <= fd_before, 10)
            fd_after = count_dir(proc_dir + "/fd")
            if fd_after != fd_before:
                failures.append(f"daemon descriptors: {fd_before} before, {fd_after} after: "
                                f"{sorted(os.listdir(proc_dir + '/fd'))}")
            # Threads: idle FUSE workers may stay, up to the configured pool.
            wait_until(lambda: count_dir(proc_dir + "/task") <= task_before + IDLE_WORKERS, 10)
            task_after = count_dir(proc_dir + "/task")
            if task_after > task_before + IDLE_WORKERS:
                failures.append(f"daemon threads: {task_before} before, {task_after} after "
                                f"(allowed {task_before + IDLE_WORKERS})")
    except Exception as e:
        failures.append(f"driver: {e}")
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                exit_status = daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                exit_status = daemon.wait()
                failures.append("the daemon did not stop on SIGTERM within 30 s")
        else:
            exit_status = daemon.returncode
        log.close()
        if mounted(mnt):
            subprocess.run(["fusermount3", "-u", "-z", mnt])
            failures.append("the mount was left behind after the daemon stopped")
    if exit_status != 0:
        failures.append(f"the daemon exited with status {exit_status}")
    with open(log_path, errors="replace") as f:
        daemon_output = f.read()
    reports = sanitizer_lines(daemon_output)
    if reports:
        failures.append("sanitizer report in the daemon's output:\n  " + "\n  ".join(reports[:20]))

    elapsed = time.monotonic() - t_start
    print(f"lkmfs stress: {len(results)} clients for {args.duration:.0f} s "
          f"({elapsed:.1f} s in all), daemon {lkmfsd}")
    print(f"{'client':<16} {'ops':>8} {'failures':>8}  notes")
    total_ops = total_fail = 0
    for r in sorted(results, key=lambda r: r["name"]):
        notes = dict(r["notes"])
        notes.update({k: v for k, v in r["extra"].items() if k != "added"})
        print(f"{r['name']:<16} {r['ops']:>8} {r['failures']:>8}  "
              f"{json.dumps(notes) if notes else ''}")
        total_ops += r["ops"]
        total_fail += r["failures"]
        for msg in r["messages"]:
            print(f"    {r['name']}: {msg}")
    print(f"{'total':<16} {total_ops:>8} {total_fail:>8}")
    print(f"daemon descriptors: {fd_before} before, {fd_after} after; threads: {task_before} "
          f"before, {task_after} after (peak {peak_tasks}); "
          f"exit status {exit_status}; sanitizer reports: {len(reports)}")
    if args.keep_log:
        with open(args.keep_log, "w") as f:
            f.write(daemon_output)
    if total_fail:
        failures.append(f"{total_fail} failed checks in the clients")
    if failures:
        print("FAILED:")
        for f in failures:
            print("  " + f)
        print("daemon output (last 60 lines):")
        print("\n".join(daemon_output.splitlines()[-60:]))
    if not mounted(mnt):  # never remove through a mount
        subprocess.run(["rm", "-rf", tmp])
    return 1 if failures else 0


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    sys.exit(main())
