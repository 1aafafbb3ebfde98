#!/usr/bin/env python3
"""Benchmark: volley against wrk, alternately, on the same nginx (one worker, `return 200`) on 127.0.0.1.

Prints requests/sec and CPU seconds per request of each generator (from the kernel's
accounting of the generator process: user + system time) for every round, then medians
and the volley/wrk ratios. Usage: scripts/bench.py --bin .build/release/volley [--rounds 5]
"""
import argparse, os, re, resource, shutil, socket, statistics, subprocess, sys, tempfile, time

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start_nginx(port, cpu):
    prefix = tempfile.mkdtemp(prefix="volley-nginx-")
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {prefix}; proxy_temp_path {prefix}; fastcgi_temp_path {prefix};
  uwsgi_temp_path {prefix}; scgi_temp_path {prefix};
  server {{ listen 127.0.0.1:{port} backlog=4096; location / {{ return 200 "Hello, World!"; }} }}
}}
""")
    cmd = ["nginx", "-p", prefix, "-c", conf]
    if cpu is not None: cmd = ["taskset", "-c", str(cpu)] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, prefix
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("bench: nginx did not start")

def run_generator(cmd):
    """Runs one generator; returns (requests/sec, cpu seconds, requests)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = proc.communicate(timeout=600)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if not rps or not total:
        sys.exit(f"bench: cannot read the output of {' '.join(cmd)}:\n{out}")
    return float(rps.group(1)), int(total.group(1)), out

def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps, total, out = run_generator(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return rps, cpu, total

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 5)))
    ap.add_argument("-t", type=int, default=int(os.environ.get("THREADS", 1)))
    ap.add_argument("-c", type=int, default=int(os.environ.get("CONNECTIONS", 50)))
    ap.add_argument("-d", default=os.environ.get("DURATION", "5s"))
    ap.add_argument("--no-pin", action="store_true", help="do not pin nginx to CPU 0 and the generator to CPU 1")
    args = ap.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("bench: needs wrk and nginx (make deps)")
    pin = not args.no_pin and os.cpu_count() >= 2
    port = free_port()
    nginx, prefix = start_nginx(port, 0 if pin else None)
    url = f"http://127.0.0.1:{port}/"
    flags = [f"-t{args.t}", f"-c{args.c}", f"-d{args.d}"]
    prefix_cmd = ["taskset", "-c", "1"] if pin else []
    results = {"volley": [], "wrk": []}
    print(f"# volley vs wrk on nginx (1 worker, return 200), {' '.join(flags)}, pinned={pin}, {args.rounds} rounds")
    print(f"{'round':>5} {'generator':>9} {'req/s':>12} {'cpu µs/req':>11}")
    try:
        for r in range(args.rounds):
            order = ["volley", "wrk"] if r % 2 == 0 else ["wrk", "volley"]
            for name in order:
                cmd = prefix_cmd + ([args.bin] if name == "volley" else ["wrk"]) + flags + [url]
                rps, cpu, total = timed(cmd)
                per = cpu / total * 1e6 if total else float("nan")
                results[name].append((rps, per))
                print(f"{r+1:>5} {name:>9} {rps:>12.0f} {per:>11.3f}", flush=True)
    finally:
        nginx.terminate(); nginx.wait()
        shutil.rmtree(prefix, ignore_errors=True)
    med = {n: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for n, v in results.items()}
    print()
    print(f"median volley: {med['volley'][0]:.0f} req/s, {med['volley'][1]:.3f} cpu µs/req")
    print(f"median wrk:    {med['wrk'][0]:.0f} req/s, {med['wrk'][1]:.3f} cpu µs/req")
    print(f"ratio volley/wrk: req/s {med['volley'][0]/med['wrk'][0]:.3f}, cpu/req {med['volley'][1]/med['wrk'][1]:.3f}")

if __name__ == "__main__":
    main()
