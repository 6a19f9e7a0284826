#!/usr/bin/env bash
# Interleaved A/B throughput pairs with the host's CPU steal recorded per run.
#
# usage: [ROLE=leader|follower] [BASE=29379] [BENCH=../shared/bench] \
#          bench/pairs.sh BIN_A BIN_B NODES WORKLOAD [ROUNDS] [SECS] [CONNS]
#   WORKLOAD: put | get | qget (the shared bench's Lua scripts); ROUNDS default 3.
#
# Why: on a shared 2-core VM the steal (time the hypervisor gives to others) moves from 0 to
# 40 % within minutes, and compare.sh runs one server's whole cluster after the other's, so
# one ratio can compare a quiet run with a stolen one. Here each round runs A then B back to
# back, both clusters started the same way (ROLE fixes whether member 0, which wrk loads, is
# the leader or a follower: the cluster is restarted until it is), and every line reports the
# steal during that run and the servers' CPU time per request (summed over members, from
# /proc/PID/stat), which steal disturbs less than req/s.
#
# Output: one line per run, then per round the A/B ratio; rounds whose two runs both had
# steal <= 5 % are marked "quiet". THREADS=1 adds, under each run, the servers' threads by
# name (summed over members): CPU µs, voluntary and involuntary context switches per request —
# where a request's CPU goes, and how many sleeps/wake-ups it costs (threads that ended
# during the run are missing).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-$here/../../shared/bench}
A=$1; B=$2; nodes=$3; workload=$4; rounds=${5:-3}; secs=${6:-5}; conns=${7:-64}
base=${BASE:-29379}  # below the ephemeral port range (32768-60999), where a client socket could hold it
want=${ROLE:-}
case $want in leader) want=StateLeader ;; follower) want=StateFollower ;; "") ;;
  *) echo "ROLE must be leader or follower" >&2; exit 2 ;; esac
[[ -f $bench/$workload.lua ]] || { echo "no workload $bench/$workload.lua" >&2; exit 2; }
work=$(mktemp -d)

cpu_ticks() {  # utime+stime of every member process, in clock ticks
  local total=0 p line
  for p in "$work"/c/*.pid; do
    read -r line <"/proc/$(cat "$p")/stat" || continue
    # shellcheck disable=SC2086  # the fields after "(comm) " are split on purpose
    set -- ${line##*) }
    total=$((total + ${12} + ${13}))
  done
  echo $total
}

thread_stats() {  # "tid comm ticks voluntary involuntary" for every thread of every member
  local p t comm line
  for p in "$work"/c/*.pid; do
    for t in /proc/"$(cat "$p")"/task/*; do
      read -r comm <"$t/comm" || continue
      comm=${comm// /_}  # one field
      read -r line <"$t/stat" || continue
      # shellcheck disable=SC2086  # the fields after "(comm) " are split on purpose
      set -- ${line##*) }
      echo "${t##*/} $comm $((${12} + ${13})) $(awk '/^voluntary_ctxt/{v=$2} /^nonvoluntary_ctxt/{n=$2}
        END {print v + 0, n + 0}' "$t/status")"
    done
  done
}

thread_report() {  # before-file after-file requests -> one line per thread name
  awk -v n="$3" -v hz="$(getconf CLK_TCK)" 'NR == FNR { c[$1] = $3; v[$1] = $4; i[$1] = $5; next }
    n > 0 { C[$2] += $3 - c[$1]; V[$2] += $4 - v[$1]; I[$2] += $5 - i[$1] }
    END { for (k in C) printf "      %-14s cpu_us/req %6.1f  vol/req %.3f  invol/req %.3f\n",
            k, C[k] * 1e6 / hz / n, V[k] / n, I[k] / n }' "$1" "$2" | sort -k3 -nr
}

stop_cluster() {  # stops exactly the members started into $work/c (their PID files)
  "$bench/cluster.sh" stop "$work/c" >/dev/null 2>&1
  rm -rf "$work/c"
}

trap 'stop_cluster; rm -rf "$work"' EXIT  # on any exit, whatever is still running

start_cluster() {  # bin -> 0 when member 0 has the wanted role (else nothing left running)
  local bin=$1 try state
  for ((try = 0; try < 15; try++)); do
    if ! "$bench/cluster.sh" start "$bin" "$nodes" "$base" "$work/c" >/dev/null; then
      stop_cluster
      return 1
    fi
    state=$(curl -s "http://127.0.0.1:$base/v2/stats/self" | jq -r .state)
    [[ -z $want || $state == "$want" ]] && return 0
    stop_cluster
  done
  return 1
}

one_run() {  # bin -> "req/s steal% cpu_us_per_req"
  local bin=$1 s0 s1 c0 c1 rps
  rm -f "$work/threads"
  start_cluster "$bin" || { echo "0 0 0"; return; }
  curl -s -XPUT "http://127.0.0.1:$base/v2/keys/bench/k1" -d value=hello >/dev/null
  [[ -n ${THREADS:-} ]] && thread_stats >"$work/t0"
  s0=$(head -1 /proc/stat); c0=$(cpu_ticks)
  rps=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$bench/$workload.lua" "http://127.0.0.1:$base" \
    2>/dev/null | awk '/Requests\/sec/{print $2}')
  s1=$(head -1 /proc/stat); c1=$(cpu_ticks)
  if [[ -n ${THREADS:-} ]]; then
    thread_stats >"$work/t1"
    thread_report "$work/t0" "$work/t1" "$(awk -v r="${rps:-0}" -v s="$secs" 'BEGIN {printf "%d", r * s}')" >"$work/threads"
  fi
  stop_cluster
  local hz; hz=$(getconf CLK_TCK)
  echo "$s0 $s1" | awk -v r="${rps:-0}" -v c=$((c1 - c0)) -v hz="$hz" -v s="$secs" '{
    t = 0; for (i = 2; i <= 11; i++) t += $(i + 11) - $i
    steal = t > 0 ? 100 * ($(9 + 11) - $9) / t : 0
    us = r > 0 ? c * 1e6 / hz / (r * s) : 0
    printf "%s %.0f %.1f\n", r, steal, us }'
}

printf "%-5s %-6s %10s %7s %12s\n" round server req/s steal% cpu_us/req
for ((r = 1; r <= rounds; r++)); do
  read -r ar as ac < <(one_run "$A")
  printf "%-5s %-6s %10s %7s %12s\n" $r A "$ar" "$as" "$ac"
  [[ -f $work/threads ]] && cat "$work/threads"
  read -r br bs bc < <(one_run "$B")
  printf "%-5s %-6s %10s %7s %12s\n" $r B "$br" "$bs" "$bc"
  [[ -f $work/threads ]] && cat "$work/threads"
  awk -v a="$ar" -v b="$br" -v sa="$as" -v sb="$bs" -v r=$r 'BEGIN {
    q = (sa <= 5 && sb <= 5) ? " quiet" : ""
    if (b > 0) printf "round %d: A/B %.2f%s\n", r, a / b, q }'
done
