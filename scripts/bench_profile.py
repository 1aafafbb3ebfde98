#!/usr/bin/env python3
"""Benchmark: the generator's throughput with `--profile` (sampled CPU profile at the default
199 Hz) against without, alternately, on the same nginx as scripts/bench.py (one worker,
`return 200`, 127.0.0.1). Prints every round, then medians, the loss in percent, and the
sampler's own cost as volley reports it. Usage: scripts/bench_profile.py --bin .build/release/volley
"""
import argparse, os, re, shutil, statistics, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util
_spec = importlib.util.spec_from_file_location("bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py"))
bench = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(bench)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 7)))
    ap.add_argument("-t", type=int, default=int(os.environ.get("THREADS", 1)))
    ap.add_argument("-c", type=int, default=int(os.environ.get("CONNECTIONS", 50)))
    ap.add_argument("-d", default=os.environ.get("DURATION", "5s"))
    ap.add_argument("--hz", type=int, default=199)
    ap.add_argument("--format", default="folded", help="profile file format (folded, speedscope, svg)")
    ap.add_argument("--no-pin", action="store_true")
    args = ap.parse_args()
    if not shutil.which("nginx"):
        sys.exit("bench_profile: needs nginx (make deps)")
    pin = not args.no_pin and os.cpu_count() >= 2
    port = bench.free_port()
    nginx, prefix = bench.start_nginx(port, 0 if pin else None)
    url = f"http://127.0.0.1:{port}/"
    flags = [f"-t{args.t}", f"-c{args.c}", f"-d{args.d}"]
    taskset = ["taskset", "-c", "1"] if pin else []
    out_dir = tempfile.mkdtemp(prefix="volley-profile-")
    results = {"off": [], "profile": []}
    sampler = []
    print(f"# volley --profile (at {args.hz} Hz) vs off on nginx (1 worker, return 200), {' '.join(flags)}, pinned={pin}, {args.rounds} rounds")
    print(f"{'round':>5} {'mode':>8} {'req/s':>12} {'cpu µs/req':>11}")
    try:
        for r in range(args.rounds):
            for mode in (["off", "profile"] if r % 2 == 0 else ["profile", "off"]):
                cmd = taskset + [args.bin] + flags
                if mode == "profile":
                    path = os.path.join(out_dir, f"round{r}.{args.format if args.format != 'speedscope' else 'json'}")
                    cmd += ["--profile", path, "--profile-hz", str(args.hz), "--overwrite"]
                cmd += [url]
                rps, cpu, total, out = timed(cmd)
                results[mode].append((rps, cpu / total * 1e6 if total else float("nan")))
                m = re.search(r"Profile: (\d+) samples .*?([\d.]+)% of a core in the sampler", out)
                if m: sampler.append((int(m.group(1)), float(m.group(2))))
                print(f"{r+1:>5} {mode:>8} {rps:>12.0f} {results[mode][-1][1]:>11.3f}", flush=True)
    finally:
        nginx.terminate(); nginx.wait()
        shutil.rmtree(prefix, ignore_errors=True)
        shutil.rmtree(out_dir, ignore_errors=True)
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in results.items()}
    print()
    print(f"median off:     {med['off'][0]:.0f} req/s, {med['off'][1]:.3f} cpu µs/req")
    print(f"median profile: {med['profile'][0]:.0f} req/s, {med['profile'][1]:.3f} cpu µs/req")
    print(f"throughput loss with --profile (ratio of medians): {(1 - med['profile'][0] / med['off'][0]) * 100:.2f}%")
    # Each round runs both modes back to back: the ratio within a round cancels slow drifts in
    # what else the machine is doing, so the median of those ratios is the steadier figure.
    paired = [p[0] / o[0] for p, o in zip(results["profile"], results["off"])]
    paired_cpu = [p[1] / o[1] for p, o in zip(results["profile"], results["off"])]
    print(f"throughput loss with --profile (median of per-round ratios): {(1 - statistics.median(paired)) * 100:.2f}%")
    print(f"CPU per request with --profile (median of per-round ratios): {(statistics.median(paired_cpu) - 1) * 100:+.2f}%")
    if sampler:
        print(f"samples per run (median): {statistics.median(s[0] for s in sampler):.0f}; "
              f"sampler's own time (median): {statistics.median(s[1] for s in sampler):.2f}% of a core")

def timed(cmd):
    """Like bench.timed, but also returns the output (the profile line is on stderr, merged)."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps, total, out = bench.run_generator(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return rps, cpu, total, out

if __name__ == "__main__":
    main()
