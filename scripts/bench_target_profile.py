#!/usr/bin/env python3
"""Benchmark: what profiling the server under test costs it. The same load against the same
server, alternately without and with `volley run --profile-pid` (perf_event_open at 99 Hz on a
native server; py-spy at 99 Hz on a Python one), server pinned to CPU 0 and generator to CPU 1.
Prints every round, the medians, and the ratio profiled/unprofiled of the server's req/s, and
of its CPU time per request (from /proc/PID/task/*/schedstat: nanoseconds on a CPU, which the
kernel's sampling work is charged to): on a busy shared machine the req/s swing with the other
load, CPU per request much less.

Targets: `native` (Tests/Fixtures/server-command/hot_server.c, built here with
`cc -O1 -fno-omit-frame-pointer`: ~0.3 ms of CPU per request, so the server and not a debug
generator is the limit) and `aiohttp` (a hello route, from .build/pyenv: Python, so py-spy).
Usage: scripts/bench_target_profile.py --bin .build/debug/volley [--target native|aiohttp] [--rounds 7]
"""
import argparse, os, re, statistics, subprocess, sys, tempfile, importlib.util

_spec = importlib.util.spec_from_file_location("bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py"))
bench = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(bench)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

AIOHTTP_APP = """
import sys
from aiohttp import web
async def hello(request):
    return web.Response(text="Hello, World!")
app = web.Application()
app.router.add_get("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=lambda *a: print("ready", flush=True))
"""

def start_aiohttp(port):
    python = os.path.join(ROOT, ".build/pyenv/bin/python")
    if not os.path.exists(python):
        sys.exit("bench_target_profile: needs .build/pyenv (make deps)")
    proc = subprocess.Popen(["taskset", "-c", "0", python, "-c", AIOHTTP_APP, str(port)], stdout=subprocess.PIPE, text=True)
    if "ready" not in proc.stdout.readline():
        sys.exit("aiohttp app did not start")
    return proc

def start_native(port):
    binary = os.path.join(tempfile.mkdtemp(prefix="volley-hot-"), "hot_server")
    subprocess.run(["cc", "-O1", "-fno-omit-frame-pointer", "-o", binary,
                    os.path.join(ROOT, "Tests/Fixtures/server-command/hot_server.c")], check=True)
    proc = subprocess.Popen(["taskset", "-c", "0", binary, str(port)], stdout=subprocess.PIPE, text=True)
    if "listening" not in proc.stdout.readline():
        sys.exit("hot_server did not start")
    return proc

def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except OSError:
            pass
    return total

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/volley")
    ap.add_argument("--target", default="native", choices=["native", "aiohttp"])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("-c", type=int, default=20)
    ap.add_argument("-d", default="5s")
    ap.add_argument("--hz", type=int, default=99)
    args = ap.parse_args()
    port = bench.free_port()
    if args.target == "native":
        server = start_native(port)
    else:
        server = start_aiohttp(port)
    pid = server.pid
    url = f"http://127.0.0.1:{port}/"
    out = tempfile.mkdtemp(prefix="volley-target-profile-")
    results = {"off": [], "profile": []}
    cpu = {"off": [], "profile": []}
    print(f"# {args.target} (pid {pid}, CPU 0) under volley -t1 -c{args.c} -d{args.d} (CPU 1), --profile-pid at {args.hz} Hz vs off, {args.rounds} rounds")
    try:
        for r in range(args.rounds):
            for mode in (["off", "profile"] if r % 2 == 0 else ["profile", "off"]):
                cmd = ["taskset", "-c", "1", args.bin, "-t1", f"-c{args.c}", f"-d{args.d}", url]
                if mode == "profile":
                    cmd[4:4] = ["--profile-pid", str(pid), "--profile-hz", str(args.hz), "--overwrite",
                                "--profile", os.path.join(out, "p.folded")]
                before = cpu_ns(pid)
                run = subprocess.run(cmd, capture_output=True, text=True)
                used = cpu_ns(pid) - before
                m = re.search(r"Requests/sec:\s+([\d.]+)", run.stdout)
                n = re.search(r"(\d+) requests in", run.stdout)
                if not m:
                    sys.exit(f"no Requests/sec in: {run.stdout}{run.stderr}")
                rps = float(m.group(1))
                note = run.stderr.strip().splitlines()[-1] if mode == "profile" and run.stderr.strip() else ""
                results[mode].append(rps)
                per = used / 1000 / max(1, int(n.group(1)))
                cpu[mode].append(per)
                print(f"{r:>5} {mode:>8} {rps:>12.0f} {per:>9.1f} µs CPU/req  {note}")
        off, on = statistics.median(results["off"]), statistics.median(results["profile"])
        ratios = [p / o for o, p in zip(results["off"], results["profile"])]
        print(f"median off {off:.0f} req/s, profiled {on:.0f} req/s: ratio {on / off:.3f} (loss {100 * (1 - on / off):.1f}%); "
              f"per-round ratios median {statistics.median(ratios):.3f}")
        coff, con = statistics.median(cpu["off"]), statistics.median(cpu["profile"])
        print(f"server CPU per request: median off {coff:.1f} µs, profiled {con:.1f} µs: ratio {con / coff:.3f}")
    finally:
        server.terminate()
        server.wait()

if __name__ == "__main__":
    main()
