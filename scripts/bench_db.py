#!/usr/bin/env python3
"""Benchmark the MongoDB-backed routes of the reference servers, driven by wrk, 127.0.0.1 only.

Against `volley mongod --seed --latency L` (L = 0ms and 2ms):
1. `/fetch` (find_one in test.greetings) at -c50 and -c400: sync (64 threads, 64 clients)
   vs async (1 loop; DB work on the libuv work queue, 4 threads = libuv's default, and 64).
2. `/multi?n=5&mode=seq` vs `mode=gather` at -c50: the talk's asyncio.gather slide.

The servers (and their work-queue threads) are pinned to CPU 0, wrk and the mongod to CPU 1
(taskset) when there are two CPUs: the database stands in for another machine.
Usage: scripts/bench_db.py --bin .build/release/volley [--rounds 3] [-d 3s]
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_servers import start_volley, stop, to_ms, cpu_seconds  # noqa: E402

# name → `volley serve` flags
SERVERS = {
    "sync": ["--model", "sync", "--threads", "64"],
    "async-4": ["--model", "async", "--workers", "1", "--db-threads", "4"],
    "async-64": ["--model", "async", "--workers", "1", "--db-threads", "64"],
}

def start_mongod(binary, latency, cpu):
    cmd = [binary, "mongod", "--port", "0", "--seed", "--latency", latency]
    if cpu is not None: cmd = ["taskset", "-c", str(cpu)] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    m = re.search(r"mongodb://127\.0\.0\.1:(\d+)", proc.stdout.readline())
    if not m:
        proc.kill(); proc.wait()
        sys.exit("bench: volley mongod did not start")
    return proc, int(m.group(1))

def run_wrk(flags, url, pin):
    cmd = (["taskset", "-c", "1"] if pin else []) + ["wrk", *flags, "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    if not rps or not p99:
        sys.exit(f"bench: cannot read wrk's output:\n{out}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = (sum(int(x) for x in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0)
    return float(rps.group(1)), to_ms(*p99.groups()), errs

def med(values, k):
    return statistics.median(v[k] for v in values)

def measure(servers, names, path, conns, args, pin, seconds):
    """Alternating rounds over `names`; medians of req/s, p99, errors, server CPU µs/req."""
    res = {n: [] for n in names}
    flags = ["-t1", f"-c{conns}", f"-d{args.d}"]
    for r in range(args.rounds):
        for n in (names if r % 2 == 0 else list(reversed(names))):
            proc, port = servers[n]
            before = cpu_seconds(proc.pid)
            rps, p99, errs = run_wrk(flags, f"http://127.0.0.1:{port}{path}", pin)
            cpu = (cpu_seconds(proc.pid) - before) / max(1, rps * seconds) * 1e6
            res[n].append((rps, p99, errs, cpu))
            # Let the sync server's queued connections (beyond its pool) drain between runs.
            time.sleep(0.5)
    return {n: (med(v, 0), med(v, 1), sum(x[2] for x in v), med(v, 3)) for n, v in res.items()}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("-d", default=os.environ.get("DURATION", "3s"))
    ap.add_argument("--latencies", default="0ms,2ms")
    ap.add_argument("--no-pin", action="store_true")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: needs wrk (make deps)")
    pin = not args.no_pin and os.cpu_count() >= 2
    seconds = float(re.match(r"([\d.]+)", args.d).group(1))
    print(f"# DB routes: wrk -t1 -d{args.d} --latency, pinned={pin}, {args.rounds} alternating rounds, medians "
          f"(errors: sum over rounds of socket errors and non-2xx)")
    print("| mongod --latency | path | -c | server | req/s | p99 ms | cpu µs/req | errors |")
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for latency in args.latencies.split(","):
        mongod, mport = start_mongod(args.bin, latency, 1 if pin else None)
        uri = f"mongodb://127.0.0.1:{mport}/"
        servers = {}
        try:
            for name, flags in SERVERS.items():
                servers[name] = start_volley(args.bin, flags[1], 0 if pin else None, flags[2:] + ["--mongo-uri", uri])
            for name in servers:  # warm up: fill the client pools
                run_wrk(["-t1", "-c50", "-d1s"], f"http://127.0.0.1:{servers[name][1]}/fetch", pin)
            rows = [("/fetch", 50), ("/fetch", 400), ("/multi?n=5&mode=seq", 50), ("/multi?n=5&mode=gather", 50)]
            for path, conns in rows:
                out = measure(servers, list(SERVERS), path, conns, args, pin, seconds)
                for name, (rps, p99, errs, cpu) in out.items():
                    print(f"| {latency} | `{path}` | {conns} | {name} | {rps:.0f} | {p99:.2f} | {cpu:.1f} | {errs} |", flush=True)
        finally:
            for proc, _ in servers.values(): stop(proc)
            mongod.terminate(); mongod.wait()

if __name__ == "__main__":
    main()
