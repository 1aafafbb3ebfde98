#!/usr/bin/env python3
"""Measures the regression gate (issue 15): A/A false regressions and A/B detection.

collect: ROUNDS rounds; each round alternates ALTERNATIONS times the three runs
    A (the binary as is), B (the same binary whose servers spin --debug-work-per-request
    WORK on every request: a real, fixed CPU slowdown) and A' (A again), as separate
    `volley bench SCENARIO --quick --repeat 1` runs, in the order A B A' then A' B A, …
    so B is always between the two A sides and drift hits every side alike.
analyse: for each repeat count k (1..ALTERNATIONS) pools the first k runs of each side
    (`volley compare FOLDER FOLDER`), and counts A/A comparisons that exit 1 (a false
    regression) and A/B comparisons that exit 1 (the slowdown detected), with the median
    half-width of the A/A req/s intervals: the smallest change the gate can call at k.

    scripts/gate_eval.py collect --volley .build/release/volley --rounds 20 --alternations 5 --work 1us --out .build/gate-eval
    scripts/gate_eval.py analyse --volley .build/release/volley --out .build/gate-eval

paired-collect: ROUNDS rounds of two paired benches each (`volley bench --baseline-binary`),
    A/A (baseline A, new A2: a copy of the same binary) and A/B (baseline A, new B), in the
    order A/A A/B, then A/B A/A, …, each `--quick --repeat REPEATS`.
paired-analyse: for each k (1..REPEATS) keeps the first k paired runs of each bench (the
    slots of the others are dropped from both files) and counts, as above, the A/A
    comparisons that exit 1 and the A/B comparisons that exit 1.

    scripts/gate_eval.py paired-collect --volley .build/release/volley --rounds 20 --repeats 3 --work 1500ns --out .build/gate-eval-paired
    scripts/gate_eval.py paired-analyse --volley .build/release/volley --out .build/gate-eval-paired

Every server listens on loopback (volley bench); each run is bounded by the scenario's durations.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SIDES = ("A", "B", "A2")


def wrapper(volley, work, directory):
    """A `volley` stand-in for --server-binary whose `serve` spins WORK per request."""
    path = os.path.join(directory, "volley-slow")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n")
        f.write(f'if [ "$1" = serve ]; then shift; exec "{volley}" serve --debug-work-per-request {work} "$@"; fi\n')
        f.write(f'exec "{volley}" "$@"\n')
    os.chmod(path, 0o755)
    return path


def bench(volley, scenario, out, server_binary=None):
    command = [volley, "bench", scenario, "--quick", "--repeat", "1", "--out", out]
    if server_binary:
        command += ["--server-binary", server_binary]
    started = time.monotonic()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
    elapsed = time.monotonic() - started
    if result.returncode not in (0, 1):
        sys.exit(f"bench failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
    return elapsed


def collect(args):
    volley = os.path.abspath(args.volley)
    os.makedirs(args.out, exist_ok=True)
    slow = wrapper(volley, args.work, args.out)
    log_path = os.path.join(args.out, "runs.jsonl")
    for round_index in range(args.rounds):
        for alternation in range(args.alternations):
            order = ("A", "B", "A2") if alternation % 2 == 0 else ("A2", "B", "A")
            for side in order:
                folder = os.path.join(args.out, f"round{round_index:02d}", side)
                seconds = bench(volley, args.scenario, folder, slow if side == "B" else None)
                with open(log_path, "a") as log:
                    log.write(json.dumps({"round": round_index, "alternation": alternation, "side": side,
                                          "seconds": round(seconds, 2), "at": time.time()}) + "\n")
        print(f"round {round_index + 1}/{args.rounds} done", flush=True)


def side_files(out, round_name, side):
    folder = os.path.join(out, round_name, side)
    files = []
    for root, _, names in os.walk(folder):
        files += [os.path.join(root, n) for n in names if n.endswith(".json")]
    return sorted(files)


def compare(volley, base_files, new_files, extra):
    with tempfile.TemporaryDirectory() as tmp:
        for name, files in (("base", base_files), ("new", new_files)):
            os.makedirs(os.path.join(tmp, name))
            for i, f in enumerate(files):
                shutil.copy(f, os.path.join(tmp, name, f"{i:03d}.json"))
        result = subprocess.run([volley, "compare", os.path.join(tmp, "base"), os.path.join(tmp, "new"),
                                 "--format", "json"] + extra, capture_output=True, text=True, timeout=120)
    verdicts = {}
    if result.stdout.strip():
        for variant in json.loads(result.stdout)["variants"]:
            for figure in variant["figures"]:
                verdicts[f"{variant['name']} {figure['figure']}"] = (figure["verdict"], figure["change"],
                                                                     figure.get("changeLow"), figure.get("changeHigh"))
    return result.returncode, verdicts


def analyse(args):
    volley = os.path.abspath(args.volley)
    runs = [json.loads(line) for line in open(os.path.join(args.out, "runs.jsonl"))]
    rounds = sorted({f"round{r['round']:02d}" for r in runs})
    mean_seconds = {s: statistics.mean([r["seconds"] for r in runs if r["side"] == s] or [0]) for s in SIDES}
    extra = args.compare_args.split() if args.compare_args else []
    table = []
    for k in range(1, args.alternations + 1):
        aa = {"regression": 0, "inconclusive": 0, "n": 0, "rps_half_widths": []}
        ab = {"detected": 0, "inconclusive": 0, "n": 0, "rps_changes": []}
        for name in rounds:
            a, a2, b = (side_files(args.out, name, s) for s in ("A", "A2", "B"))
            if min(len(a), len(a2), len(b)) < k:
                continue
            code, verdicts = compare(volley, a[:k], a2[:k], extra)
            aa["n"] += 1
            aa["regression"] += code == 1
            aa["inconclusive"] += code == 0 and any(v[0] == "inconclusive" for v in verdicts.values())
            aa["rps_half_widths"] += [(v[3] - v[2]) / 2 for key, v in verdicts.items()
                                      if key.endswith(" rps") and v[2] is not None and v[3] is not None]
            code, verdicts = compare(volley, a[:k], b[:k], extra)
            ab["n"] += 1
            ab["detected"] += code == 1
            ab["inconclusive"] += code == 0 and any(v[0] == "inconclusive" for v in verdicts.values())
            ab["rps_changes"] += [v[1] for key, v in verdicts.items() if key.endswith(" rps")]
        if aa["n"] == 0:
            continue
        wall = k * (mean_seconds["A"] + mean_seconds["B"])
        half = statistics.median(aa["rps_half_widths"]) if aa["rps_half_widths"] else None
        table.append({"repeats": k, "aa": aa, "ab": ab, "wall_seconds_per_gate": round(wall, 1),
                      "median_rps_half_width_aa": half,
                      "median_rps_change_ab": statistics.median(ab["rps_changes"]) if ab["rps_changes"] else None})
    print("| repeats per side | A/A false regressions | A/A inconclusive (exit 0) | A/B detected | A/B inconclusive | median req/s change A→B "
          "| median req/s interval A/A (±) | wall time per gate (both sides) |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|")
    for row in table:
        aa, ab = row["aa"], row["ab"]
        change, half = row["median_rps_change_ab"], row["median_rps_half_width_aa"]
        print(f"| {row['repeats']} | {aa['regression']}/{aa['n']} | {aa['inconclusive']}/{aa['n']} | {ab['detected']}/{ab['n']} "
              f"| {ab['inconclusive']}/{ab['n']} | {'' if change is None else f'{change * 100:+.1f}%'} "
              f"| {'' if half is None else f'{half * 100:.0f}%'} | {row['wall_seconds_per_gate']:.0f} s |")
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(table, f, indent=2)
    meets = [r["repeats"] for r in table if r["aa"]["regression"] <= r["aa"]["n"] / 20 and r["ab"]["detected"] >= r["ab"]["n"] * 19 / 20]
    print(f"\nsmallest repeat count meeting both goals: {meets[0] if meets else 'none measured'}")


def paired_collect(args):
    volley = os.path.abspath(args.volley)
    os.makedirs(args.out, exist_ok=True)
    a, a2 = os.path.join(args.out, "volley-A"), os.path.join(args.out, "volley-A2")
    for copy in (a, a2):
        shutil.copy(volley, copy)
    slow = wrapper(a, args.work, args.out)
    log_path = os.path.join(args.out, "runs.jsonl")
    for round_index in range(args.rounds):
        kinds = [("AA", a2), ("AB", slow)]
        if round_index % 2:
            kinds.reverse()
        for kind, new_binary in kinds:
            out = os.path.join(args.out, f"round{round_index:02d}", kind)
            command = [a, "bench", args.scenario, "--quick", "--repeat", str(args.repeats), "--out", out,
                       "--baseline-binary", a, "--server-binary", new_binary]
            started = time.monotonic()
            result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=900)
            seconds = time.monotonic() - started
            if result.returncode not in (0, 1):
                sys.exit(f"bench failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
            with open(log_path, "a") as log:
                log.write(json.dumps({"round": round_index, "kind": kind, "seconds": round(seconds, 2)}) + "\n")
            print(f"round {round_index} {kind} {seconds:.1f}s", flush=True)


def first_runs(path, k, destination):
    """Copies a paired result keeping only the slots of its first k paired runs."""
    report = json.load(open(path))
    for variant in report["variants"]:
        order = []
        for slot in variant.get("repeats") or []:
            run = slot["pairing"]["run"]
            if run not in order:
                order.append(run)
        keep = set(order[:k])
        variant["repeats"] = [slot for slot in variant.get("repeats") or [] if slot["pairing"]["run"] in keep]
    with open(destination, "w") as f:
        json.dump(report, f)


def paired_analyse(args):
    volley = os.path.abspath(args.volley)
    runs = [json.loads(line) for line in open(os.path.join(args.out, "runs.jsonl"))]
    rounds = sorted({r["round"] for r in runs})
    seconds = statistics.mean([r["seconds"] for r in runs])
    extra = args.compare_args.split() if args.compare_args else []
    table = []
    for k in range(1, args.repeats + 1):
        row = {"repeats": k, "AA": {"regression": 0, "inconclusive": 0, "n": 0, "half": []},
               "AB": {"regression": 0, "inconclusive": 0, "n": 0, "change": [], "pairs": 0}}
        for r in rounds:
            for kind in ("AA", "AB"):
                folder = os.path.join(args.out, f"round{r:02d}", kind)
                bases = [os.path.join(root, n) for root, _, names in os.walk(folder) for n in names
                         if n.endswith(".json") and os.path.basename(root) == "baseline"]
                news = [os.path.join(root, n) for root, _, names in os.walk(folder) for n in names
                        if n.endswith(".json") and os.path.basename(root) != "baseline"]
                if len(bases) != 1 or len(news) != 1:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    base, new = os.path.join(tmp, "base.json"), os.path.join(tmp, "new.json")
                    first_runs(bases[0], k, base)
                    first_runs(news[0], k, new)
                    result = subprocess.run([volley, "compare", base, new, "--format", "json"] + extra,
                                            capture_output=True, text=True, timeout=120)
                cell = row[kind]
                cell["n"] += 1
                cell["regression"] += result.returncode == 1
                figures = [f for v in json.loads(result.stdout)["variants"] for f in v["figures"]] if result.stdout.strip() else []
                cell["inconclusive"] += result.returncode == 0 and any(f["verdict"] == "inconclusive" for f in figures)
                rps = [f for f in figures if f["figure"] == "rps"]
                if kind == "AA":
                    cell["half"] += [(f["changeHigh"] - f["changeLow"]) / 2 for f in rps if f.get("changeLow") is not None]
                else:
                    cell["change"] += [f["change"] for f in rps]
                    cell["pairs"] = max([f.get("pairs") or 0 for f in rps] + [cell["pairs"]])
        table.append(row)
    print("| paired runs (--repeat) | slot pairs per variant | A/A false regressions | A/A inconclusive (exit 0) | A/B detected "
          "| A/B inconclusive | median req/s change A→B | median req/s interval A/A (±) | wall time per gate |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for row in table:
        aa, ab = row["AA"], row["AB"]
        half = statistics.median(aa["half"]) if aa["half"] else None
        change = statistics.median(ab["change"]) if ab["change"] else None
        print(f"| {row['repeats']} | {ab['pairs']} | {aa['regression']}/{aa['n']} | {aa['inconclusive']}/{aa['n']} "
              f"| {ab['regression']}/{ab['n']} | {ab['inconclusive']}/{ab['n']} "
              f"| {'' if change is None else f'{change * 100:+.1f}%'} | {'' if half is None else f'{half * 100:.1f}%'} "
              f"| {seconds * row['repeats'] / args.repeats:.0f} s |")
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(table, f, indent=2)
    meets = [r["repeats"] for r in table
             if r["AA"]["regression"] <= r["AA"]["n"] / 20 and r["AB"]["regression"] >= r["AB"]["n"] * 19 / 20]
    print(f"\nsmallest --repeat meeting both goals: {meets[0] if meets else 'none measured'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("collect", "analyse", "paired-collect", "paired-analyse"))
    parser.add_argument("--volley", default=".build/release/volley")
    parser.add_argument("--scenario", default="scenarios/ci-smoke.yaml")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--alternations", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="paired modes: --repeat of each paired bench")
    parser.add_argument("--work", default="1us", help="CPU spun per request by B's servers")
    parser.add_argument("--out", default=".build/gate-eval")
    parser.add_argument("--compare-args", default="", help="extra `volley compare` arguments for analyse")
    args = parser.parse_args()
    {"collect": collect, "analyse": analyse, "paired-collect": paired_collect, "paired-analyse": paired_analyse}[args.mode](args)


if __name__ == "__main__":
    main()
