#!/usr/bin/env python3
"""Pacing accuracy of `volley -R`: asked vs achieved rate and schedule lag, against nginx on 127.0.0.1.

Starts nginx (1 worker, `return 200`, pinned to CPU 0 as scripts/bench.py does), runs volley at each
rate (pinned to CPU 1) with --json, and prints asked/achieved rate, schedule lag p50/p99/max, the
corrected and uncorrected p99, and the generator's busiest thread. Usage:
  scripts/pacing.py --bin .build/release/volley [--rates 1000,10000,50000] [-t 2 -c 100 -d 10s] [--rounds 3]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, shutil
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import free_port, start_nginx

def run(cmd, out):
    proc = subprocess.run(cmd + ["--json", out, "--overwrite", "--quiet"], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        sys.exit(f"pacing: {' '.join(cmd)} failed: {proc.stderr}")
    with open(out) as f:
        return json.load(f)["variants"][0]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rates", default="1000,10000,50000")
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-c", type=int, default=100)
    ap.add_argument("-d", default="10s")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-pin", action="store_true")
    args = ap.parse_args()
    pin = not args.no_pin and os.cpu_count() >= 2
    port = free_port()
    nginx, prefix = start_nginx(port, 0 if pin else None)
    url = f"http://127.0.0.1:{port}/"
    tmp = tempfile.mkdtemp(prefix="volley-pacing-")
    print(f"# volley -R pacing on nginx (1 worker, return 200), -t{args.t} -c{args.c} -d{args.d}, pinned={pin}, {args.rounds} rounds, medians")
    print(f"{'asked/s':>9} {'achieved/s':>11} {'ach.%':>7} {'lag p50':>9} {'lag p99':>9} {'lag max':>9} {'p99 corr':>9} {'p99 unc':>9} {'busiest':>8}")
    try:
        # The ceiling on this machine right now: the same generator in a closed loop.
        cmd = (["taskset", "-c", "1"] if pin else []) + [args.bin, f"-t{args.t}", f"-c{args.c}", f"-d{args.d}", url]
        ceiling = run(cmd, os.path.join(tmp, "closed.json"))["summary"]["requestsPerSecond"]
        print(f"# closed loop (no -R), same flags: {ceiling:.0f} req/s", flush=True)
        for rate in [int(r) for r in args.rates.split(",")]:
            rows = []
            for r in range(args.rounds):
                cmd = (["taskset", "-c", "1"] if pin else []) + [args.bin, f"-t{args.t}", f"-c{args.c}", f"-d{args.d}", "-R", str(rate), url]
                v = run(cmd, os.path.join(tmp, f"r{rate}-{r}.json"))
                p = v["pacing"]; lag = p["scheduleLag"]
                p99c = next(x["valueMicros"] for x in v["latency"]["percentiles"] if x["percentile"] == 99)
                p99u = next(x["valueMicros"] for x in v["uncorrectedLatency"]["percentiles"] if x["percentile"] == 99)
                busiest = max(max(t["cpuPercent"], t.get("busyPercent") or 0) for t in v["generator"]["threads"])
                rows.append((p["achievedRate"], p["achievedPercent"], lag["p50Micros"], lag["p99Micros"], lag["maxMicros"], p99c, p99u, busiest))
            m = [statistics.median(col) for col in zip(*rows)]
            print(f"{rate:>9} {m[0]:>11.1f} {m[1]:>7.2f} {m[2]:>7.0f}us {m[3]:>7.0f}us {m[4]:>7.0f}us {m[5]:>7.0f}us {m[6]:>7.0f}us {m[7]:>7.1f}%", flush=True)
    finally:
        nginx.terminate(); nginx.wait()
        shutil.rmtree(prefix, ignore_errors=True); shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
