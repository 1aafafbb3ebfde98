#!/usr/bin/env python3
"""Benchmark the reference servers, driven by wrk, on 127.0.0.1 only.

1. `volley serve --model async --workers 1` against nginx (1 worker, `return 200`), same wrk
   flags, alternating, several rounds: median requests/sec, their ratio, median p99 of each.
2. sync vs async at -c50 and -c400 on `/` and on `/sleep?ms=10`: where each model wins.

Servers run pinned to CPU 0 and wrk to CPU 1 (taskset) when there are two CPUs.
Usage: scripts/bench_servers.py --bin .build/release/volley [--rounds 3] [-d 5s]
"""
import argparse, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import free_port, start_nginx  # noqa: E402

def start_volley(binary, model, cpu, extra=()):
    cmd = [binary, "serve", "--model", model, "--port", "0", *extra]
    if cpu is not None: cmd = ["taskset", "-c", str(cpu)] + cmd
    errors = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill(); proc.wait()
        errors.seek(0)
        sys.exit(f"bench: volley serve --model {model} did not start (exit {proc.returncode}): {line!r} {errors.read()[-3000:]}")
    return proc, int(m.group(1))

def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill(); proc.wait()

def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

def run_wrk(flags, url, pin):
    cmd = (["taskset", "-c", "1"] if pin else []) + ["wrk", *flags, "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not rps or not p99:
        sys.exit(f"bench: cannot read wrk's output:\n{out}")
    errs = sum(int(x) for x in errors.groups()) if errors else 0
    return float(rps.group(1)), to_ms(*p99.groups()), errs

def process_tree(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return pids

def cpu_seconds(pid):
    """User + system CPU seconds of a process and its children still running (nginx's worker)."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")

def med(values, k):
    return statistics.median(v[k] for v in values)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("-d", default=os.environ.get("DURATION", "5s"))
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--skip-models", action="store_true", help="only the nginx comparison")
    ap.add_argument("--skip-nginx", action="store_true", help="only sync vs async")
    args = ap.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("bench: needs wrk and nginx (make deps)")
    pin = not args.no_pin and os.cpu_count() >= 2
    cpu = 0 if pin else None

    seconds = float(re.match(r"([\d.]+)", args.d).group(1)) * (60 if args.d.endswith("m") else 1)
    if not args.skip_nginx:
        compare_nginx(args, pin, cpu, seconds)
    if not args.skip_models:
        compare_models(args, pin, cpu, seconds)

def compare_nginx(args, pin, cpu, seconds):
    flags = ["-t1", "-c50", f"-d{args.d}"]
    print(f"# async (1 worker) vs nginx (1 worker, return 200): wrk {' '.join(flags)} --latency, pinned={pin}, {args.rounds} rounds")
    print(f"{'round':>5} {'server':>7} {'req/s':>10} {'p99 ms':>8} {'cpu µs/req':>10} {'errors':>6}")
    results = {"async": [], "nginx": []}
    nport = free_port()
    nginx, prefix = start_nginx(nport, cpu)
    volley, vport = start_volley(args.bin, "async", cpu, ["--workers", "1"])
    urls = {"async": f"http://127.0.0.1:{vport}/", "nginx": f"http://127.0.0.1:{nport}/"}
    pids = {"async": volley.pid, "nginx": nginx.pid}
    try:
        for r in range(args.rounds):
            for name in (["async", "nginx"] if r % 2 == 0 else ["nginx", "async"]):
                before = cpu_seconds(pids[name])
                rps, p99, errs = run_wrk(flags, urls[name], pin)
                cpu = (cpu_seconds(pids[name]) - before) / max(1, rps * seconds) * 1e6
                results[name].append((rps, p99, cpu))
                print(f"{r+1:>5} {name:>7} {rps:>10.0f} {p99:>8.2f} {cpu:>10.2f} {errs:>6}", flush=True)
    finally:
        stop(volley)
        nginx.terminate(); nginx.wait()
        shutil.rmtree(prefix, ignore_errors=True)
    a, n = results["async"], results["nginx"]
    print(f"median async: {med(a, 0):.0f} req/s, p99 {med(a, 1):.2f} ms, {med(a, 2):.2f} cpu µs/req")
    print(f"median nginx: {med(n, 0):.0f} req/s, p99 {med(n, 1):.2f} ms, {med(n, 2):.2f} cpu µs/req")
    print(f"ratio async/nginx req/s: {med(a, 0) / med(n, 0):.3f} (goal >= 0.9); "
          f"median of per-round ratios: {statistics.median(x[0] / y[0] for x, y in zip(a, n)):.3f}; "
          f"cpu per request nginx/async: {med(n, 2) / med(a, 2):.3f}")

def compare_models(args, pin, cpu, seconds):
    print()
    print(f"# sync (64 threads) vs async (1 worker): wrk -t1 -d{args.d} --latency, pinned={pin}, {args.rounds} rounds, medians")
    print(f"| path | -c | sync req/s | async req/s | async/sync | sync p99 ms | async p99 ms | sync cpu µs/req | async cpu µs/req | sync errors | async errors |")
    print(f"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    servers = {m: start_volley(args.bin, m, cpu, ["--workers", "1"] if m == "async" else ["--threads", "64"]) for m in ("sync", "async")}
    try:
        for path in ["/", "/sleep?ms=10"]:
            for conns in [50, 400]:
                flags = ["-t1", f"-c{conns}", f"-d{args.d}"]
                res = {"sync": [], "async": []}
                for r in range(args.rounds):
                    for m in (["sync", "async"] if r % 2 == 0 else ["async", "sync"]):
                        before = cpu_seconds(servers[m][0].pid)
                        rps, p99, errs = run_wrk(flags, f"http://127.0.0.1:{servers[m][1]}{path}", pin)
                        cpu = (cpu_seconds(servers[m][0].pid) - before) / max(1, rps * seconds) * 1e6
                        res[m].append((rps, p99, errs, cpu))
                s, a = res["sync"], res["async"]
                print(f"| `{path}` | {conns} | {med(s, 0):.0f} | {med(a, 0):.0f} | {med(a, 0) / med(s, 0):.2f} | "
                      f"{med(s, 1):.2f} | {med(a, 1):.2f} | {med(s, 3):.1f} | {med(a, 3):.1f} | {med(s, 2):.0f} | {med(a, 2):.0f} |", flush=True)
                # Let the sync server's queued connections (beyond its pool) drain between runs.
                time.sleep(1)
    finally:
        for proc, _ in servers.values(): stop(proc)

if __name__ == "__main__":
    main()
