#!/usr/bin/env bash
# Watch fan-out, interleaved: the floor server, then Larch, then etcd, ROUNDS times.
#
# usage: [CLIENT=py|c] [BASE=24379] [BENCH=../shared/bench] \
#          bench/fanout.sh LARCH_BIN ETCD_BIN [ROUNDS] [WATCHERS]
#   CLIENT=py (default) runs the shared watchlat.py, CLIENT=c the compiled larch-watchfan
#   (built next to LARCH_BIN, as is larch-watchfloor). ROUNDS default 3, WATCHERS 5000.
#
# Why: watchlat.py's figure is mostly the Python client's own work (≈60 µs per watcher). The
# floor server (bench/watchfloor.cc) does nothing but one send() per watcher, so its figure
# is the smallest any server can show with that client on this machine; Larch and etcd are
# measured right after it, each started fresh (cluster.sh, one member) and stopped by PID.
# Output: one line per run: round, server, the client's own line.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-$here/../../shared/bench}
larch=$1; etcd=$2; rounds=${3:-3}; watchers=${4:-5000}
bin_dir=$(cd "$(dirname "$larch")" && pwd)
base=${BASE:-24379}  # below the ephemeral port range, where 5000 client sockets live
case ${CLIENT:-py} in
  py) client=(python3 "$bench/watchlat.py" 127.0.0.1 "$base" "$watchers") ;;
  c) client=("$bin_dir/larch-watchfan" 127.0.0.1 "$base" "$watchers") ;;
  *) echo "CLIENT must be py or c" >&2; exit 2 ;;
esac
work=$(mktemp -d)
floor_pid=
cleanup() {
  [[ -n $floor_pid ]] && kill "$floor_pid" 2>/dev/null
  "$bench/cluster.sh" stop "$work/s" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

start() { # kind
  case $1 in
    floor)
      "$bin_dir/larch-watchfloor" "$base" &
      floor_pid=$!
      for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$base/" && return 0; sleep 0.1; done
      return 1 ;;
    larch) "$bench/cluster.sh" start "$larch" 1 "$base" "$work/s" >/dev/null ;;
    etcd) "$bench/cluster.sh" start "$etcd" 1 "$base" "$work/s" >/dev/null ;;
  esac
}

stop() { # kind
  if [[ $1 == floor ]]; then
    kill "$floor_pid" 2>/dev/null
    wait "$floor_pid" 2>/dev/null
    floor_pid=
  else
    "$bench/cluster.sh" stop "$work/s" >/dev/null 2>&1
    rm -rf "$work/s"
  fi
}

for ((r = 1; r <= rounds; r++)); do
  for kind in floor larch etcd; do
    if start "$kind"; then
      echo "$r $kind $("${client[@]}" 2>/dev/null | tail -2 | tr '\n' ' ')"
    else
      echo "$r $kind did not start"
    fi
    stop "$kind"
    sleep 1
  done
done
