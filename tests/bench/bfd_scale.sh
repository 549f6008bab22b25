#!/usr/bin/env bash
# bfd_scale: N BFD sessions between two namespaces over one veth at 3 x 50 ms, wg-failoverd on the
# DUT side against FRR 8.4 bfdd (and, for our own capacity, against a second wg-failoverd) on the
# peer side, in the same run. Each side is pinned to its own core. Prints, per N and pairing:
# time from the peer's start until all sessions are Up on both sides (FRR: includes applying its
# config with vtysh), CPU of each side's process and of each side's core (the core figure
# includes the softirq work of sending on veth), CPU per session, and false Downs during the window.
# A figure-printing benchmark, not a pass/fail test.
#
#   sudo tests/bench/bfd_scale.sh [-d SECONDS] [-r RUNS] [-p "frr ours"] [N...]
#     defaults: 60 s windows, 3 runs per case (each row is printed, then the medians), N = 100 500 1000 2000
#   WGFO_BUILD_DIR=DIR  use that (Release) build instead of building build-bench
#
# Topology: the DUT has one address per session, 10.100.x.y/16; the peer has 10.100.0.1/16. (The
# other way round FRR 8.4 cannot tell its sessions apart: with Your Discriminator 0 it matches a
# packet to a session by peer address and ignores the local one, so all sessions to one peer address
# collapse into one.) Neighbour entries are static: NUD_PERMANENT is exempt from the neighbour-table
# GC, whose default limit is 1024 entries.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi

DURATION=60 PEERS="frr ours" RUNS=3
while getopts d:p:r: o; do
  case $o in d) DURATION=$OPTARG ;; p) PEERS=$OPTARG ;; r) RUNS=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(100 500 1000 2000)

if [[ -z ${WGFO_BUILD_DIR:-} ]]; then
  WGFO_BUILD_DIR=$ROOT/build-bench
  cmake -S . -B "$WGFO_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$WGFO_BUILD_DIR" -j"$(nproc)" --target wg-failoverd wg-failover >/dev/null
fi
export WGFO_BUILD_DIR
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh

HZ=$(getconf CLK_TCK)
sess_addr() { REPLY="10.100.$((1 + $1 / 250)).$((1 + $1 % 250))"; }   # REPLY = the DUT address of session $1
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
core_busy() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# wgfo_conf NODE IFNAME N dut|peer: N tunnels over one veth.
wgfo_conf() {
  local i
  printf 'node: %s\nfrr: {staticd: 127.0.0.1:50051}\nbfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}\ntunnels:\n' "$1"
  for ((i = 0; i < $3; i++)); do
    sess_addr "$i"
    if [[ $4 == dut ]]; then
      printf '  - {name: s%d, interface: %s, local_address: %s, peer_address: 10.100.0.1}\n' "$i" "$2" "$REPLY"
    else
      printf '  - {name: s%d, interface: %s, local_address: 10.100.0.1, peer_address: %s}\n' "$i" "$2" "$REPLY"
    fi
  done
}

frr_conf() {   # frr_conf IFNAME N
  local i
  printf 'frr defaults traditional\nhostname bench-peer\n!\nbfd\n profile scale\n  transmit-interval 50\n  receive-interval 50\n  detect-multiplier 3\n !\n'
  for ((i = 0; i < $2; i++)); do
    sess_addr "$i"
    printf ' peer %s local-address 10.100.0.1 interface %s\n  profile scale\n !\n' "$REPLY" "$1"
  done
  printf '!\n'
}

ours_up() { wgfo_cli "$1" show tunnels --json | jq '[.[] | select(.bfd.state == "up")] | length'; }
ours_downs() { wgfo_cli "$1" show tunnels --json | jq '[.[].bfd.down_transitions] | add'; }
frr_up() { lab_vtysh peer -c 'show bfd peers json' | jq '[.[] | select(.status == "up")] | length'; }
frr_downs() { lab_vtysh peer -c 'show bfd peers counters json' | jq '[.[]."session-down"] | add'; }

# run_case PEER N: one measurement; prints one result row.
run_case() {
  local kind=$1 n=$2 ifd ifp mac_d mac_p i t0 t_up up_d up_p dut_pid peer_pid
  local d0 d1 p0 p1 c0a c0b c1a c1b downs_d0 downs_d1 downs_p0 downs_p1
  lab_init
  lab_site dut
  lab_site peer
  ifd=vd-$LAB_ID ifp=vp-$LAB_ID
  ip link add "$ifd" netns "$(lab_ns dut)" type veth peer name "$ifp" netns "$(lab_ns peer)"
  lab_exec peer ip addr add 10.100.0.1/16 dev "$ifp"
  lab_exec dut ip link set "$ifd" up
  lab_exec peer ip link set "$ifp" up
  mac_d=$(lab_exec dut cat "/sys/class/net/$ifd/address")
  mac_p=$(lab_exec peer cat "/sys/class/net/$ifp/address")
  for ((i = 0; i < n; i++)); do sess_addr "$i" && echo "addr add $REPLY/16 dev $ifd"; done | lab_exec dut ip -batch -
  for ((i = 0; i < n; i++)); do
    sess_addr "$i" && echo "neigh replace $REPLY lladdr $mac_d nud permanent dev $ifp"
  done | lab_exec peer ip -batch -
  lab_exec dut ip neigh replace 10.100.0.1 lladdr "$mac_p" nud permanent dev "$ifd"

  wgfo_start dut <(wgfo_conf dut "$ifd" "$n" dut)
  dut_pid=$(lab_pid dut wgfo)
  taskset -a -p -c 0 "$dut_pid" >/dev/null
  if [[ $kind == frr ]]; then
    ulimit -n "$(ulimit -Hn)"   # bfdd opens one socket per session
    LAB_FRR_DAEMONS=(zebra bfdd)
    frr_conf "$ifp" "$n" >"$LAB_DIR/frr-peer.conf"
    t0=$(wgfo_now_ms)
    lab_frr peer "$LAB_DIR/frr-peer.conf"
    peer_pid=$(lab_pid peer bfdd)
    taskset -a -p -c 1 "$(lab_pid peer zebra)" >/dev/null
  else
    wgfo_conf peer "$ifp" "$n" peer >"$LAB_DIR/wgfo-peer.yaml"
    t0=$(wgfo_now_ms)
    wgfo_start peer "$LAB_DIR/wgfo-peer.yaml"
    peer_pid=$(lab_pid peer wgfo)
  fi
  taskset -a -p -c 1 "$peer_pid" >/dev/null

  # All Up on both sides (bring-up: 3 packets at the 1 s slow-start rate, then a Poll).
  until up_d=$(ours_up dut) && if [[ $kind == frr ]]; then up_p=$(frr_up); else up_p=$(ours_up peer); fi &&
    ((up_d == n && up_p == n)); do
    (($(wgfo_now_ms) - t0 < 180000)) || { echo "  $kind N=$n: only $up_d/$up_p of $n Up after 180 s" >&2; break; }
    sleep 0.2
  done
  t_up=$(($(wgfo_now_ms) - t0))
  sleep 5   # let the post-Up Poll sequences settle before the window opens

  downs_d0=$(ours_downs dut)
  if [[ $kind == frr ]]; then downs_p0=$(frr_downs); else downs_p0=$(ours_downs peer); fi
  d0=$(proc_ticks "$dut_pid") p0=$(proc_ticks "$peer_pid")
  read -r c0a c0b < <(core_busy 0)
  read -r c1a c1b < <(core_busy 1)
  sleep "$DURATION"
  d1=$(proc_ticks "$dut_pid") p1=$(proc_ticks "$peer_pid")
  local c0a2 c0b2 c1a2 c1b2
  read -r c0a2 c0b2 < <(core_busy 0)
  read -r c1a2 c1b2 < <(core_busy 1)
  downs_d1=$(ours_downs dut)
  if [[ $kind == frr ]]; then downs_p1=$(frr_downs); else downs_p1=$(ours_downs peer); fi
  up_d=$(ours_up dut)
  # False Downs: keep both sides' logs (late-timer warnings, receive drops) for a look.
  if ((downs_d1 != downs_d0 || downs_p1 != downs_p0)); then LAB_KEEP=1; fi

  awk -v n="$n" -v kind="$kind" -v tup="$t_up" -v hz="$HZ" -v dur="$DURATION" \
    -v dd=$((d1 - d0)) -v pd=$((p1 - p0)) -v c0=$((c0a2 - c0a)) -v c0t=$((c0b2 - c0b)) \
    -v c1=$((c1a2 - c1a)) -v c1t=$((c1b2 - c1b)) -v fd=$((downs_d1 - downs_d0)) -v fp=$((downs_p1 - downs_p0)) \
    -v upd="$up_d" 'BEGIN {
      ours = 100 * dd / hz / dur; peer = 100 * pd / hz / dur
      printf "%6d  %-4s  %7.1f  %8.1f  %8.1f  %8.1f  %8.1f  %9.2f  %9.2f  %6s  %5d  %5d  %5d\n",
        n, kind, tup / 1000, ours, peer, 100 * c0 / c0t, 100 * c1 / c1t,
        ours * 10000 / n, peer * 10000 / n, (pd > 0 ? sprintf("%.2f", dd / pd) : "-"), fd, fp, upd
    }'
  lab_teardown
  LAB_KEEP=0
}

HEADER=$(printf '%6s  %-4s  %7s  %8s  %8s  %8s  %8s  %9s  %9s  %6s  %5s  %5s  %5s' \
  N peer "up(s)" "ours%" "peer%" "core0%" "core1%" "us/s ours" "us/s peer" "ratio" "fDut" "fPeer" "upEnd")
RESULTS=$(mktemp /tmp/wgfo-bfd-scale.XXXXXX)
printf 'bfd_scale: 3 x 50 ms, %s s window, %s run(s), DUT = wg-failoverd on cpu0, peer on cpu1 (%s)\n' \
  "$DURATION" "$RUNS" "$(uname -r)"
echo "$HEADER"
for n in "${SIZES[@]}"; do
  for kind in $PEERS; do
    for ((run = 0; run < RUNS; run++)); do run_case "$kind" "$n" | tee -a "$RESULTS"; done
  done
done
if ((RUNS > 1)); then
  printf '\nmedians of %s runs\n%s\n' "$RUNS" "$HEADER"
  # Per (N, peer): the median of every numeric column (the ratio column too, from the runs' ratios).
  sort -k1,1n -k2,2 -k3,3n "$RESULTS" | awk -v runs="$RUNS" '
    function median(col,   i, j, t, v) {
      for (i = 1; i <= k; i++) v[i] = val[i, col]
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
      return v[int((k + 1) / 2)]
    }
    function flush() {
      if (k == 0) return
      printf "%6d  %-4s  %7.1f  %8.1f  %8.1f  %8.1f  %8.1f  %9.2f  %9.2f  %6s  %5d  %5d  %5d\n", n, p,
        median(3), median(4), median(5), median(6), median(7), median(8), median(9), median(10), median(11),
        median(12), median(13)
      k = 0
    }
    { if ($1 != n || $2 != p) { flush(); n = $1; p = $2 } k++; for (c = 3; c <= NF; c++) val[k, c] = $c }
    END { flush() }'
fi
rm -f "$RESULTS"
printf '%s\n' "ours%/peer%: process CPU (utime+stime) as % of one core; core0/1%: busy share of each pinned core" \
  "us/s: process CPU microseconds per session per second; ratio: ours / peer process CPU" \
  "fDut/fPeer: Up->Down transitions during the window (false Downs); upEnd: DUT sessions Up at the end"
