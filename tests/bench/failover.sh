#!/usr/bin/env bash
# failover: what an application sees when the primary tunnel dies, wg-failover next to FRR's own BFD in
# the same run. Two sites a and b joined by wg0 (primary) and wg1 (backup), host ha behind a and hb
# behind b; a 1 ms sequence-numbered stream ha -> hb (tests/lab/stream.cpp) runs while wg0's underlay
# is cut CUTS times (and restored, waiting until traffic is back on wg0 before the next cut). The gap
# of each cut is the longest interruption the receiver saw around it. Per timer setting (TX x 3):
#   ours  FRR zebra + staticd in both sites, wg-failoverd in both (BFD over each tunnel, routes through
#         staticd's gRPC; hold-down 0 and dampening out of the way, so every cut is a failover)
#   frr   FRR alone: zebra + bgpd + bfdd, eBGP over each tunnel's overlay addresses with
#         `neighbor X bfd profile` at the same timers; b announces its LAN, a prefers wg0 by
#         local-preference; a cut takes the BFD session down, bgpd drops the session's routes
#   ours-rt  as ours, with the BFD thread at SCHED_FIFO priority 50 (bfd_thread.realtime_priority)
# Prints p50 / p99 / max of the gaps and the detection time, then, at the smallest timer, how many
# times each side's BFD sessions (both tunnels, site a) went down in HOG seconds with no fault while
# `stress-ng --cpu 1` competes for the CPU (a false failover), and for ours how many BFD timers ran
# 10 ms or more late meanwhile (the daemon's own starvation counter: late timers point at our
# scheduling, none at the path, i.e. wireguard-go, which is a userspace process here and gets no RT).
# A figure-printing benchmark, not a pass/fail test.
#
#   sudo tests/bench/failover.sh [-n CUTS] [-t "50 10"] [-g HOG_SECONDS] [-m "ours ours-rt frr"]
#   WGFO_BUILD_DIR=DIR  use that (Release) build instead of building build-bench
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi

CUTS=30 TIMERS="50 10" HOG=60 MODES="ours ours-rt frr"
while getopts n:t:g:m: o; do
  case $o in n) CUTS=$OPTARG ;; t) TIMERS=$OPTARG ;; g) HOG=$OPTARG ;; m) MODES=$OPTARG ;; *) exit 2 ;; esac
done
if [[ -z ${WGFO_BUILD_DIR:-} ]]; then
  WGFO_BUILD_DIR=$ROOT/build-bench
  cmake -S . -B "$WGFO_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$WGFO_BUILD_DIR" -j"$(nproc)" --target wg-failoverd wg-failover wgfo_stream >/dev/null
fi
export WGFO_BUILD_DIR
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh
STREAM=$WGFO_BUILD_DIR/tests/lab/wgfo_stream
PORT=9400 LAN=10.20.0.0/24

ours_conf() {   # ours_conf NODE SITE PEER_SITE TX_MS [ROUTE]; RT=priority of the BFD thread (0 = off)
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051, route_tag: 4242}
bfd_thread: {realtime_priority: ${RT:-0}}
bfd_defaults: {tx_interval: ${4}ms, rx_interval: ${4}ms, detect_mult: 3}
policy:
  fail_back_hold_down: 0s
  dampening: {penalty: 1, suppress: 100000, reuse: 50000}
tunnels:
  - {name: primary, interface: wg0, local_address: $(lab_addr "$2" 0), peer_address: $(lab_addr "$3" 0)}
  - {name: backup, interface: wg1, local_address: $(lab_addr "$2" 1), peer_address: $(lab_addr "$3" 1)}
EOF
  [[ -z ${5:-} ]] || printf 'routes:\n  - {prefix: %s, via: [primary, backup]}\n' "$5"
}

frr_conf() {   # frr_conf SITE PEER_SITE ASN PEER_ASN TX_MS LAN: eBGP + BFD over both tunnels, announcing LAN
  local n0 n1
  n0=$(lab_addr "$2" 0) n1=$(lab_addr "$2" 1)
  cat <<EOF
frr defaults traditional
hostname $1
bfd
 profile wgfo
  transmit-interval $5
  receive-interval $5
  detect-multiplier 3
 exit
exit
router bgp $3
 bgp router-id $(lab_addr "$1" 0)
 no bgp ebgp-requires-policy
 neighbor $n0 remote-as $4
 neighbor $n0 bfd profile wgfo
 neighbor $n0 timers connect 1
 neighbor $n1 remote-as $4
 neighbor $n1 bfd profile wgfo
 neighbor $n1 timers connect 1
 address-family ipv4 unicast
  network $6
  neighbor $n0 route-map PREFER in
 exit-address-family
exit
route-map PREFER permit 10
 set local-preference 200
exit
EOF
}

on_wg0() { [[ $(lab_route_dev a "$LAN") == wg0 ]]; }

# backup_downs MODE: how often site a's BFD session over wg1 has gone Down so far (a false failover of the
# path the traffic fails over to).
backup_downs() {
  if [[ $1 == ours* ]]; then
    wgfo_field a backup .bfd.down_transitions
  else
    lab_vtysh a -c "show bfd peers counters json" |
      jq --arg p "$(lab_addr b 1)" '[.[] | select(.peer == $p) | ."session-down"] | add // 0'
  fi
}

# all_downs MODE: Downs of both of site a's BFD sessions so far.
all_downs() {
  if [[ $1 == ours* ]]; then
    wgfo_cli a show tunnels --json | jq '[.[] | .bfd.down_transitions] | add'
  else
    lab_vtysh a -c "show bfd peers counters json" | jq '[.[] | ."session-down"] | add // 0'
  fi
}
late_timers() { wgfo_cli a show status --json | jq .bfd.timers_late_10ms; }

# run_cuts MODE TX: CUTS cuts of wg0 under one continuous stream; prints the gaps (ms), one per line.
run_cuts() {
  local mode=$1 tx=$2 i t_start t_cut count log
  count=$(((CUTS * 8 + 5) * 1000))   # packets (1 ms); the receiver runs a little longer
  log=$(lab_log hb "recv-$mode-$tx")
  lab_bg hb "recv-$mode-$tx" "$STREAM" recv --listen 10.20.0.2 --port "$PORT" --duration $((count / 1000 + 3))
  lab_wait 3 grep -q listening "$log" || lab_fail "receiver did not start"
  t_start=$(wgfo_now_ms)
  lab_bg ha "send-$mode-$tx" "$STREAM" send --to 10.20.0.2 --port "$PORT" --count "$count" --interval-us 1000
  local cuts=()
  sleep 2
  for ((i = 0; i < CUTS; i++)); do
    t_cut=$(wgfo_now_ms)
    lab_cut a b 0
    cuts+=($((t_cut - t_start)))
    sleep 1
    lab_restore a b 0
    lab_wait 15 on_wg0 || lab_fail "$mode: traffic did not return to wg0 after cut $i"
    sleep 1
    (($(wgfo_now_ms) - t_start < count - 3000)) || { echo "stream too short for $CUTS cuts" >&2; break; }
  done
  lab_stop ha "send-$mode-$tx"
  lab_stop hb "recv-$mode-$tx"
  local summary
  summary=$(wgfo_stream_summary "$log" 5) || { echo "no summary from the receiver" >&2; return; }
  # The gap of a cut: the longest one that began within 1 s after it (the cut's time is taken before
  # nft runs, and the receiver's clock starts within a few ms of ours).
  jq -r --argjson cuts "$(printf '%s\n' "${cuts[@]}" | jq -s .)" '
    .gaps as $g | $cuts[] as $c | ([$g[] | select(.at_ms >= $c - 20 and .at_ms <= $c + 1000) | .gap_ms] | max // 0)' <<<"$summary"
}

stats() {   # stats VALUES...: "p50 p99 max" (nearest rank)
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    i50 = int((NR * 50 + 99) / 100); i99 = int((NR * 99 + 99) / 100);
    printf "%.1f %.1f %.1f", v[i50], v[i99], v[NR] }'
}

lab_init
lab_two_sites_with_hosts
echo "failover: $CUTS cuts per case, $(nproc) cores, FRR $(dpkg-query -W -f='${Version}' frr), $(date -u +%FT%TZ)"
printf '%-7s %-10s %8s %8s %8s %8s %s\n' side timers "p50 ms" "p99 ms" "max ms" "detect" "(gap = longest stream interruption per cut)"
for tx in $TIMERS; do
  for mode in $MODES; do
    RT=0
    [[ $mode != ours-rt ]] || RT=50
    if [[ $mode == ours* ]]; then
      LAB_FRR_DAEMONS=(zebra staticd)
      printf 'frr defaults traditional\nhostname a\n' >"$LAB_DIR/a.conf"
      printf 'frr defaults traditional\nhostname b\n' >"$LAB_DIR/b.conf"
      lab_frr a "$LAB_DIR/a.conf" b "$LAB_DIR/b.conf"
      wgfo_start a <(ours_conf site-a a b "$tx" "$LAN")
      wgfo_start b <(ours_conf site-b b a "$tx" 10.10.0.0/24)
    else
      LAB_FRR_DAEMONS=(zebra bgpd bfdd)
      frr_conf a b 65001 65002 "$tx" 10.10.0.0/24 >"$LAB_DIR/a.conf"
      frr_conf b a 65002 65001 "$tx" "$LAN" >"$LAB_DIR/b.conf"
      lab_frr a "$LAB_DIR/a.conf" b "$LAB_DIR/b.conf"
    fi
    lab_wait 30 on_wg0 || lab_fail "$mode $tx ms: no route to $LAN via wg0 in a"
    lab_wait 5 lab_ping ha 10.20.0.2 || lab_fail "$mode $tx ms: ha cannot reach hb"
    b0=$(backup_downs "$mode")
    mapfile -t gaps < <(run_cuts "$mode" "$tx")
    b1=$(backup_downs "$mode")
    detect=$((tx * 3))
    if ((${#gaps[@]} == 0)); then
      printf '%-7s %-10s no figures: traffic did not return to wg0 within 15 s of a restore\n' "$mode" "${tx}ms x 3"
    else
      read -r p50 p99 max <<<"$(stats "${gaps[@]}")"
      printf '%-7s %-10s %8s %8s %8s %8s n=%d, backup Downs meanwhile: %d\n' "$mode" "${tx}ms x 3" "$p50" "$p99" "$max" \
        "${detect}" "${#gaps[@]}" $((b1 - b0))
    fi
    if [[ $tx == "${TIMERS##* }" && $HOG -gt 0 ]]; then
      # False failovers: no fault, one CPU hog, HOG seconds.
      d0=$(all_downs "$mode")
      [[ $mode != ours* ]] || l0=$(late_timers)
      lab_bg a hog stress-ng --cpu 1 --timeout "${HOG}s" --quiet
      sleep "$HOG"
      lab_stop a hog 2>/dev/null || :
      d1=$(all_downs "$mode")
      late=
      [[ $mode != ours* ]] || late=", BFD timers >= 10 ms late: $(($(late_timers) - l0))"
      printf '%-7s %-10s false Downs in %s s with one CPU hog: %d%s\n' "$mode" "${tx}ms x 3" "$HOG" $((d1 - d0)) "$late"
    fi
    # Next case from a clean slate: stop the daemons and FRR of this one.
    for s in a b; do
      [[ ! -e $LAB_DIR/pids/$s.wgfo ]] || lab_stop "$s" wgfo
      for d in zebra staticd bgpd bfdd; do [[ ! -e $LAB_DIR/pids/$s.$d ]] || lab_stop "$s" "$d"; done
    done
    lab_exec a ip route flush proto 196 2>/dev/null || :
    lab_exec a ip route flush proto bgp 2>/dev/null || :
  done
done
