#!/usr/bin/env python3
"""Benchmark of `-s script.lua`: volley against wrk, alternately, on the same nginx (see bench.py).

Each round runs, in an order that rotates from round to round:
  volley and wrk with a script that builds every request (default: wrk's counter.lua),
  volley and wrk with a script that has only init() and done(),
  volley with no script.
Prints req/s and CPU µs per request of each, then medians and the ratios asked of Volley:
volley/wrk with the per-request script, and volley with init/done-only vs volley without script.
Usage: scripts/bench-lua.py --bin .build/release/volley [--rounds 5] [--request-script FILE]
"""
import argparse, os, shutil, statistics, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util
spec = importlib.util.spec_from_file_location("bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py"))
bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)

INIT_DONE = """-- only init() and done(): the request is built once, as without a script
function init(args) started = true end
function done(summary, latency, requests) io.write(string.format("done: %d requests\\n", summary.requests)) end
"""

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-t", type=int, default=1)
    ap.add_argument("-c", type=int, default=50)
    ap.add_argument("-d", default="5s")
    ap.add_argument("--request-script", default="/usr/share/doc/wrk/examples/scripts/counter.lua")
    args = ap.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("bench-lua: needs wrk and nginx (make deps)")
    tmp = tempfile.mkdtemp(prefix="volley-bench-lua-")
    init_done = os.path.join(tmp, "init-done.lua")
    with open(init_done, "w") as f: f.write(INIT_DONE)
    pin = os.cpu_count() >= 2
    port = bench.free_port()
    nginx, prefix = bench.start_nginx(port, 0 if pin else None)
    url = f"http://127.0.0.1:{port}/"
    flags = [f"-t{args.t}", f"-c{args.c}", f"-d{args.d}"]
    pinned = ["taskset", "-c", "1"] if pin else []
    configs = {
        "volley request()": [args.bin] + flags + ["-s", args.request_script, url],
        "wrk request()":    ["wrk"] + flags + ["-s", args.request_script, url],
        "volley init/done": [args.bin] + flags + ["-s", init_done, url],
        "wrk init/done":    ["wrk"] + flags + ["-s", init_done, url],
        "volley no script": [args.bin] + flags + [url],
    }
    names = list(configs)
    results = {n: [] for n in names}
    print(f"# -s on nginx (1 worker, return 200), {' '.join(flags)}, pinned={pin}, {args.rounds} rounds, request script {args.request_script}")
    print(f"{'round':>5} {'run':>18} {'req/s':>12} {'cpu µs/req':>11}")
    try:
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                rps, cpu, total = bench.timed(pinned + configs[name])
                per = cpu / total * 1e6 if total else float("nan")
                results[name].append((rps, per))
                print(f"{r+1:>5} {name:>18} {rps:>12.0f} {per:>11.3f}", flush=True)
    finally:
        nginx.terminate(); nginx.wait()
        shutil.rmtree(prefix, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    med = {n: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for n, v in results.items()}
    print()
    for n in names: print(f"median {n:>18}: {med[n][0]:>10.0f} req/s, {med[n][1]:.3f} cpu µs/req")
    def ratio(a, b): return f"req/s {med[a][0]/med[b][0]:.3f}, cpu/req {med[a][1]/med[b][1]:.3f}"
    print(f"volley/wrk, request() per request: {ratio('volley request()', 'wrk request()')}")
    print(f"volley/wrk, init/done only:        {ratio('volley init/done', 'wrk init/done')}")
    print(f"volley init/done / volley no script: {ratio('volley init/done', 'volley no script')}")

if __name__ == "__main__":
    main()
