#!/usr/bin/env bash
# What does isolation cost? relay-restream runs one `-c copy` ffmpeg per destination (each its
# own RTMP reader of the clean path); the alternative is one ffmpeg with the tee muxer
# (`-f tee "[f=flv:onfail=ignore]url1|..."`), where one stuck destination can hold up the
# others. For N = 1, 2, 4, 8 loopback destinations this measures, over a window of
# BENCH_SECONDS (default 10) and as the median of BENCH_RUNS (default 3) runs:
#   CPU  from /proc/<pid>/stat utime+stime deltas,
#   RSS  from /proc/<pid>/status VmRSS (sampled each second, averaged),
#   PSS  from /proc/<pid>/smaps_rollup (shared pages split between the processes sharing
#        them: what N processes really cost, where RSS counts the ffmpeg libraries N times),
# summed over relay-restream and all its children, against the single tee ffmpeg.
# Source: a 720p30 H.264 (3 Mbit/s, 2 s GOP) + AAC file looped in real time into a private
# nginx-rtmp; destinations are publishers into another application of the same nginx.
#
# Then the same N against MediaMTX's native `forward:` on one MediaMTX, with what happens when
# a destination drops and how destinations change live (bench/restream_forward.py; needs a
# MediaMTX binary, MTXRELAY_MEDIAMTX or mediamtx on PATH, and says it skipped otherwise).
#
# Usage: bench/restream_fanout.sh [BIN_DIR]   (default build/bin; needs relay-restream)
#        BENCH_VARIANTS="tee forward" (default both)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN_DIR=${1:-build/bin}
RUNS=${BENCH_RUNS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
COUNTS=${BENCH_COUNTS:-"1 2 4 8"}
VARIANTS=${BENCH_VARIANTS:-"tee forward"}
RELAY="$BIN_DIR/relay-restream"
[ -x "$RELAY" ] || { echo "restream_fanout: $RELAY not found: build first (scripts/build.sh)" >&2; exit 2; }
for tool in ffmpeg nginx python3; do
    command -v "$tool" >/dev/null || { echo "restream_fanout: $tool is required" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/restream-bench.XXXXXX")
PIDS=()
cleanup() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do # newest first: readers before the server
        kill -INT "${PIDS[i]}" 2>/dev/null || true
    done
    sleep 0.5
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -KILL "${PIDS[i]}" 2>/dev/null || true
        wait "${PIDS[i]}" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Stops one process we started: SIGINT, up to 5 s, then SIGKILL.
stop_pid() {
    local pid=$1 i
    kill -INT "$pid" 2>/dev/null || return 0
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# The process and all its descendants (from /proc/<pid>/task/*/children).
tree() {
    local pid=$1 child
    echo "$pid"
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        tree "$child"
    done
}

# "<cpu %> <rss MiB> <pss MiB> <processes>" of a process tree over SECONDS_PER_RUN: CPU from
# utime+stime of the processes alive at both ends, RSS and PSS averaged over one sample a second.
measure() {
    python3 - "$1" "$SECONDS_PER_RUN" <<'EOF'
import os, sys, time
root, window = int(sys.argv[1]), float(sys.argv[2])
tck = os.sysconf("SC_CLK_TCK")
def tree(pid):
    out = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                for c in f.read().split():
                    out += tree(int(c))
    except OSError:
        pass
    return out
def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return None
def field_kib(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
start_pids = tree(root)
start = {p: ticks(p) for p in start_pids}
t0 = time.monotonic()
rss, pss = [], []
while time.monotonic() - t0 < window:
    pids = tree(root)
    rss.append(sum(field_kib(f"/proc/{p}/status", "VmRSS:") for p in pids))
    pss.append(sum(field_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
    time.sleep(1.0)
elapsed = time.monotonic() - t0
used = 0
for p, t in start.items():
    now = ticks(p)
    if t is not None and now is not None:
        used += now - t
cpu = 100.0 * used / tck / elapsed
mean = lambda xs: sum(xs) / len(xs) / 1024
print(f"{cpu:.2f} {mean(rss):.1f} {mean(pss):.1f} {len(start_pids)}")
EOF
}

median() { python3 -c 'import statistics,sys; print(f"{statistics.median(map(float, sys.argv[1:])):.2f}")' "$@"; }

# --- one-time setup: source media, nginx (source app + sink app), real-time publisher ---
echo "restream_fanout: preparing a 720p30 3 Mbit/s source (work dir $WORK)" >&2
ffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 -t 20 -c:v libx264 -preset ultrafast \
    -b:v 3M -maxrate 3M -bufsize 3M -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
    -c:a aac -b:a 128k -f flv "$WORK/source.flv"

RTMP_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events {}
rtmp { server { listen 127.0.0.1:$RTMP_PORT; chunk_size 4096;
    application clean { live on; }
    application sink { live on; } } }
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr.log" &
PIDS+=($!)
sleep 0.5
ffmpeg -hide_banner -nostdin -loglevel error -re -stream_loop -1 -i "$WORK/source.flv" -c copy \
    -f flv "rtmp://127.0.0.1:$RTMP_PORT/clean/bench" 2>"$WORK/publisher.log" &
PIDS+=($!)
sleep 2
SOURCE="rtmp://127.0.0.1:$RTMP_PORT/clean/bench"

destinations_json() {
    python3 - "$1" "$RTMP_PORT" <<'EOF'
import json, sys
n, port = int(sys.argv[1]), sys.argv[2]
print(json.dumps({"destinations": [{"url": f"rtmp://127.0.0.1:{port}/sink/bench-key-{i}", "name": f"d{i}"}
                                   for i in range(n)]}))
EOF
}

tee_target() {
    local n=$1 i out=""
    for i in $(seq 0 $((n - 1))); do
        out+="${out:+|}[f=flv:onfail=ignore]rtmp://127.0.0.1:$RTMP_PORT/sink/bench-key-$i"
    done
    echo "$out"
}

# Waits (at most 20 s) until relay-restream reports n destinations streaming.
wait_streaming() {
    local log=$1 n=$2 i
    for i in $(seq 200); do
        [ "$(grep -c -- '-> streaming' "$log" || true)" -ge "$n" ] && return 0
        sleep 0.1
    done
    echo "restream_fanout: relay-restream did not reach $n streaming destination(s); log:" >&2
    tail -20 "$log" >&2
    return 1
}

run_restream() {
    local n=$1 pid
    destinations_json "$n" >"$WORK/destinations.json"
    "$RELAY" --source "$SOURCE" --destinations-file "$WORK/destinations.json" --allow-private-destinations \
        --no-cf-url --poll-interval 60 --status-interval 60 2>"$WORK/relay.log" &
    pid=$!
    PIDS+=("$pid")
    wait_streaming "$WORK/relay.log" "$n"
    sleep 2
    measure "$pid" >"$WORK/result"
    stop_pid "$pid"
}

run_tee() {
    local n=$1 pid
    ffmpeg -hide_banner -nostdin -loglevel error -rw_timeout 5000000 -i "$SOURCE" -map 0:v -map 0:a -c copy \
        -f tee "$(tee_target "$n")" 2>"$WORK/tee.log" &
    pid=$!
    PIDS+=("$pid")
    sleep 4
    kill -0 "$pid" 2>/dev/null || { echo "restream_fanout: tee ffmpeg died:" >&2; cat "$WORK/tee.log" >&2; return 1; }
    measure "$pid" >"$WORK/result"
    stop_pid "$pid"
}

# relay-restream against one ffmpeg with the tee muxer, for each N.
tee_table() {
    printf '\n%-3s | %-43s | %-43s | %-20s\n' "N" "relay-restream (1 ffmpeg/dest)" "one ffmpeg -f tee" "ratio restream/tee"
    printf '%-3s | %7s %7s %7s %7s %7s | %7s %7s %7s %7s %7s | %6s %6s %6s\n' "" "CPU%" "CPU%/d" "RSS MiB" "RSS/d" \
        "PSS MiB" "CPU%" "CPU%/d" "RSS MiB" "RSS/d" "PSS MiB" "CPU" "RSS" "PSS"
    for n in $COUNTS; do
        r_cpu=() r_rss=() r_pss=() t_cpu=() t_rss=() t_pss=()
        for run in $(seq "$RUNS"); do
            run_restream "$n"
            read -r cpu rss pss procs <"$WORK/result"
            [ "$procs" -eq $((n + 1)) ] || echo "restream_fanout: expected $((n + 1)) processes, saw $procs" >&2
            r_cpu+=("$cpu") r_rss+=("$rss") r_pss+=("$pss")
            run_tee "$n"
            read -r cpu rss pss procs <"$WORK/result"
            t_cpu+=("$cpu") t_rss+=("$rss") t_pss+=("$pss")
            echo "restream_fanout: N=$n run $run: restream ${r_cpu[-1]}% RSS ${r_rss[-1]} PSS ${r_pss[-1]} MiB," \
                "tee $cpu% RSS $rss PSS $pss MiB" >&2
        done
        python3 - "$n" "$(median "${r_cpu[@]}")" "$(median "${r_rss[@]}")" "$(median "${r_pss[@]}")" \
            "$(median "${t_cpu[@]}")" "$(median "${t_rss[@]}")" "$(median "${t_pss[@]}")" <<'EOF'
import sys
n, rc, rr, rp, tc, tr, tp = int(sys.argv[1]), *map(float, sys.argv[2:])
ratio = lambda a, b: f"{a / b:.2f}" if b > 0 else "n/a"
print(f"{n:<3} | {rc:7.2f} {rc / n:7.2f} {rr:7.1f} {rr / n:7.1f} {rp:7.1f} | {tc:7.2f} {tc / n:7.2f} {tr:7.1f}"
      f" {tr / n:7.1f} {tp:7.1f} | {ratio(rc, tc):>6} {ratio(rr, tr):>6} {ratio(rp, tp):>6}")
EOF
    done
    echo
    echo "CPU% is of one core, medians of $RUNS runs of ${SECONDS_PER_RUN} s; RSS summed over the process tree"
    echo "(relay-restream + its ffmpeg children, or the single tee ffmpeg). RSS counts the shared ffmpeg"
    echo "libraries once per process; PSS splits shared pages between the processes using them."
}

if [[ " $VARIANTS " == *" tee "* ]]; then
    tee_table
fi

if [[ " $VARIANTS " == *" forward "* ]]; then
    echo
    echo "== MediaMTX forward: against relay-restream on the same MediaMTX"
    # shellcheck disable=SC2086  # word splitting of the counts is wanted
    MTXRELAY_BIN_DIR=$(cd "$BIN_DIR" && pwd) /usr/bin/python3 bench/restream_forward.py --counts $COUNTS \
        --runs "$RUNS" --window "$SECONDS_PER_RUN"
fi
