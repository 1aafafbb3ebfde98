#!/usr/bin/env bash
# The DB-driver benchmark of BENCHMARKS.md: sync vs async-threadpool vs async-native on /fetch
# (the seed scenario's full form: -t12 -c400, built-in mongod at 1ms, server and mongod on
# CPU 0, load on CPU 1), in alternating rounds, with server and mongod CPU per request read
# from /proc/PID/stat; then /multi?n=10&mode=gather on the native driver with mongod at 10ms.
# Usage: scripts/bench-db-drivers.sh [VOLLEY_BINARY] [ROUNDS] [DURATION]
# Loopback only; every process it starts is stopped by its pid on exit.
set -euo pipefail
VOLLEY=${1:-.build/release/volley}
ROUNDS=${2:-3}
DURATION=${3:-10s}
TICKS=$(getconf CLK_TCK)
PIDS=()
cleanup() { for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Starts "$@" pinned to CPU 0, waits for its "listening on" line; sets STARTED_PID and STARTED_PORT.
start_child() {
    local log; log=$(mktemp)
    taskset -c 0 "$@" > "$log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    for _ in $(seq 1 400); do
        if grep -q "listening on" "$log"; then break; fi
        sleep 0.05
    done
    STARTED_PORT=$(grep -o "listening on [a-z]*://[0-9.]*:[0-9]*" "$log" | grep -o "[0-9]*$")
    rm -f "$log"
}

stop_child() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

start_child "$VOLLEY" mongod --port 0 --seed --latency 1ms
MONGOD=$STARTED_PID; MONGOD_PORT=$STARTED_PORT
URI="mongodb://127.0.0.1:$MONGOD_PORT/"

declare -A SERVE=(
    [sync]="--model sync --threads 400"
    [threadpool]="--model async --workers 4 --db-driver threadpool"
    [native]="--model async --workers 4 --db-driver native"
)
echo "date $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg), $VOLLEY, $ROUNDS rounds of $DURATION"
for round in $(seq 1 "$ROUNDS"); do
    # Alternate the order so that no variant always runs first or last.
    if (( round % 2 )); then order="sync threadpool native"; else order="native threadpool sync"; fi
    for variant in $order; do
        # shellcheck disable=SC2086
        start_child "$VOLLEY" serve --port 0 ${SERVE[$variant]} --mongo-uri "$URI"
        server=$STARTED_PID; port=$STARTED_PORT
        taskset -c 1 "$VOLLEY" -t12 -c400 -d2s "http://127.0.0.1:$port/fetch" > /dev/null   # warm-up
        s0=$(cpu_ticks "$server"); m0=$(cpu_ticks "$MONGOD")
        out=$(taskset -c 1 "$VOLLEY" -t12 -c400 -d"$DURATION" --latency "http://127.0.0.1:$port/fetch")
        s1=$(cpu_ticks "$server"); m1=$(cpu_ticks "$MONGOD")
        requests=$(echo "$out" | awk '/requests in/ {print $1}')
        rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
        p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
        errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ' || true)
        awk -v v="$variant" -v r="$round" -v rps="$rps" -v p50="$p50" -v n="$requests" -v s=$((s1 - s0)) -v m=$((m1 - m0)) -v t="$TICKS" -v e="$errors" \
            'BEGIN { printf "round %d %-10s %10s req/s  p50 %8s  server %6.1f us/req  mongod %5.1f us/req %s\n", r, v, rps, p50, s / t / n * 1e6, m / t / n * 1e6, e }'
        stop_child "$server"
    done
done
stop_child "$MONGOD"

# Gather: ten reads at once, mongod at 10ms; p50 should be about one DB latency.
start_child "$VOLLEY" mongod --port 0 --seed --latency 10ms
MONGOD=$STARTED_PID; URI="mongodb://127.0.0.1:$STARTED_PORT/"
start_child "$VOLLEY" serve --port 0 --model async --workers 4 --mongo-uri "$URI"
server=$STARTED_PID; port=$STARTED_PORT
taskset -c 1 "$VOLLEY" -t2 -c10 -d1s "http://127.0.0.1:$port/multi?n=10&mode=gather" > /dev/null
for mode in gather seq; do
    out=$(taskset -c 1 "$VOLLEY" -t2 -c10 -d"$DURATION" --latency "http://127.0.0.1:$port/multi?n=10&mode=$mode")
    echo "native /multi?n=10&mode=$mode -t2 -c10, mongod 10ms: p50 $(echo "$out" | awk '$1 == "50%" {print $2}'), p99 $(echo "$out" | awk '$1 == "99%" {print $2}'), $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s"
done
stop_child "$server"
stop_child "$MONGOD"
