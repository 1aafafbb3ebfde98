#!/usr/bin/env python3
"""Benchmark over TLS: volley against wrk, alternately, on the same nginx (one worker, TLS 1.3,
`return 200`) on 127.0.0.1, keep-alive and `Connection: close` (a handshake per request);
then Volley's async server with TLS against that nginx, both loaded by wrk.

Prints each round, then medians and ratios. Usage:
  scripts/bench_tls.py --bin .build/release/volley [--rounds 5] [-t 1 -c 50 -d 5s]
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import free_port

def make_cert(prefix):
    cert, key = os.path.join(prefix, "cert.pem"), os.path.join(prefix, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key

def wait_port(port, proc, what):
    import socket
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            if proc.poll() is not None: break
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"bench_tls: {what} did not start")

def start_nginx(port, cpu, prefix, cert, key):
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
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port} ssl backlog=4096;
    ssl_certificate {cert}; ssl_certificate_key {key};
    ssl_protocols TLSv1.3; ssl_session_tickets on;
    location / {{ return 200 "Hello, World!"; }}
  }}
}}
""")
    cmd = ["nginx", "-p", prefix, "-c", conf]
    if cpu is not None: cmd = ["taskset", "-c", str(cpu)] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc, "nginx")
    return proc

def start_volley_server(binary, port, cpu, cert, key):
    cmd = [binary, "serve", "--model", "async", "--port", str(port), "--tls-cert", cert, "--tls-key", key]
    if cpu is not None: cmd = ["taskset", "-c", str(cpu)] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc, "volley serve")
    return proc

def handshakes(out):
    m = re.search(r"TLS: .* (\d+) handshakes", out)
    return int(m.group(1)) if m else None

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/volley")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 5)))
    ap.add_argument("-t", type=int, default=1)
    ap.add_argument("-c", type=int, default=50)
    ap.add_argument("-d", default="5s")
    ap.add_argument("--no-pin", action="store_true")
    args = ap.parse_args()
    pin = not args.no_pin and os.cpu_count() >= 2
    prefix = tempfile.mkdtemp(prefix="volley-tls-bench-")
    cert, key = make_cert(prefix)
    nginx_port, volley_port = free_port(), free_port()
    nginx = start_nginx(nginx_port, 0 if pin else None, prefix, cert, key)
    server = start_volley_server(args.bin, volley_port, 0 if pin else None, cert, key)
    gen = ["taskset", "-c", "1"] if pin else []
    flags = [f"-t{args.t}", f"-c{args.c}", f"-d{args.d}"]
    rows = {}
    def add(key, value): rows.setdefault(key, []).append(value)
    print(f"# TLS 1.3, {' '.join(flags)}, pinned={pin}, {args.rounds} rounds")
    try:
        for r in range(args.rounds):
            for mode, extra in (("keepalive", []), ("close", ["-H", "Connection: close"])):
                order = ["volley", "wrk"] if r % 2 == 0 else ["wrk", "volley"]
                for name in order:
                    base = [args.bin, "-k"] if name == "volley" else ["wrk"]
                    rps, cpu, total, out = timed_out(gen + base + flags + extra + [f"https://127.0.0.1:{nginx_port}/"])
                    add((mode, name, "rps"), rps)
                    add((mode, name, "cpu"), cpu / total * 1e6 if total else float("nan"))
                    print(f"{r+1:>3} {mode:>9} {name:>7} {rps:>10.0f} req/s {cpu / max(total, 1) * 1e6:>8.2f} cpu µs/req", flush=True)
            # The servers, both loaded by wrk over keep-alive TLS.
            for name, port in (("nginx", nginx_port), ("volley-async", volley_port)) if r % 2 == 0 else (("volley-async", volley_port), ("nginx", nginx_port)):
                rps, _, _, _ = timed_out(gen + ["wrk"] + flags + [f"https://127.0.0.1:{port}/"])
                add(("server", name, "rps"), rps)
                print(f"{r+1:>3} {'server':>9} {name:>12} {rps:>10.0f} req/s", flush=True)
    finally:
        for p in (nginx, server):
            p.terminate(); p.wait()
        shutil.rmtree(prefix, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in rows.items()}
    print()
    for mode in ("keepalive", "close"):
        v, w = med[(mode, "volley", "rps")], med[(mode, "wrk", "rps")]
        vc, wc = med[(mode, "volley", "cpu")], med[(mode, "wrk", "cpu")]
        print(f"{mode}: median volley {v:.0f} req/s {vc:.2f} µs/req, wrk {w:.0f} req/s {wc:.2f} µs/req; "
              f"ratio volley/wrk req/s {v / w:.3f}, cpu/req {vc / wc:.3f}")
    a, n = med[("server", "volley-async", "rps")], med[("server", "nginx", "rps")]
    print(f"servers under wrk: volley async {a:.0f} req/s, nginx {n:.0f} req/s, ratio {a / n:.3f}")

def timed_out(cmd):
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout + proc.stderr
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if not rps or not total:
        sys.exit(f"bench_tls: cannot read the output of {' '.join(cmd)}:\n{out}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(rps.group(1)), cpu, int(total.group(1)), out

if __name__ == "__main__":
    main()
