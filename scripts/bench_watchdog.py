#!/usr/bin/env python3
"""What watching costs the async server: `/` with the watchdog on vs off, and profiled vs not.

Three `volley serve --model async --workers 1` run side by side (pinned to CPU 0): plain,
`--slow-callback 100ms` (watchdog: callback timing, busy and lag histograms), and
`--profile FILE --profile-hz 199` (sampling from start to shutdown). Each round runs wrk
(pinned to CPU 1) against the three in a rotating order; the report gives medians of req/s
and of the server's own CPU µs per request (/proc/PID/stat), and the median of per-round ratios.
Usage: scripts/bench_watchdog.py --bin .build/release/volley [--rounds 7] [-d 3s] [-c 50]
"""
import argparse, os, re, statistics, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_servers import start_volley, stop, run_wrk, cpu_seconds  # noqa: E402

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("-d", default="3s")
    ap.add_argument("-c", type=int, default=50)
    args = ap.parse_args()
    pin = os.cpu_count() >= 2
    cpu = 0 if pin else None
    seconds = float(re.match(r"([\d.]+)", args.d).group(1))
    profile = tempfile.NamedTemporaryFile(suffix=".folded", delete=False).name
    modes = {
        "off": [],
        "watchdog": ["--slow-callback", "100ms"],
        "profile": ["--profile", profile, "--profile-hz", "199"],
    }
    servers = {m: start_volley(args.bin, "async", cpu, ["--workers", "1", *extra]) for m, extra in modes.items()}
    flags = ["-t1", f"-c{args.c}", f"-d{args.d}"]
    print(f"# async /: off vs --slow-callback 100ms vs --profile (199 Hz); wrk {' '.join(flags)}, pinned={pin}, {args.rounds} rounds")
    print(f"{'round':>5} {'mode':>9} {'req/s':>9} {'cpu µs/req':>10} {'errors':>6}")
    res = {m: [] for m in modes}
    names = list(modes)
    try:
        for r in range(args.rounds):
            order = names[r % 3:] + names[:r % 3]
            for m in order:
                proc, port = servers[m]
                before = cpu_seconds(proc.pid)
                rps, p99, errs = run_wrk(flags, f"http://127.0.0.1:{port}/", pin)
                us = (cpu_seconds(proc.pid) - before) / max(1, rps * seconds) * 1e6
                res[m].append((rps, us))
                print(f"{r+1:>5} {m:>9} {rps:>9.0f} {us:>10.2f} {errs:>6}", flush=True)
    finally:
        for proc, _ in servers.values():
            stop(proc)
    med = lambda m, k: statistics.median(x[k] for x in res[m])
    for m in names:
        print(f"median {m:>9}: {med(m, 0):.0f} req/s, {med(m, 1):.2f} cpu µs/req")
    for m in ["watchdog", "profile"]:
        loss = 1 - med(m, 0) / med("off", 0)
        per_round = 1 - statistics.median(a[0] / b[0] for a, b in zip(res[m], res["off"]))
        cpu_ratio = statistics.median(a[1] / b[1] for a, b in zip(res[m], res["off"])) - 1
        print(f"{m} vs off: req/s loss {loss*100:.1f}% (ratio of medians), {per_round*100:.1f}% (median of per-round ratios); "
              f"cpu/request {cpu_ratio*100:+.1f}% (median of per-round ratios), {(med(m,1)/med('off',1)-1)*100:+.1f}% (ratio of medians)")
    size = os.path.getsize(profile) if os.path.exists(profile) else 0
    print(f"profile written at shutdown: {size} bytes")
    os.unlink(profile)

if __name__ == "__main__":
    main()
