#!/usr/bin/env bash
# BFD interop over wireguard-go: wg-failoverd in site a against PEER in site b, PEER one of
#   frr   FRR 8.4 bfdd        bird   BIRD 2        ours   a second wg-failoverd
# over IPv4 (default) or IPv6 (second argument 6) addresses on the tunnel.
# Asserts (issue: foundation, lab tests): both Up within 3 s; a cut of wg0 (nftables drop both ways) is
# detected on our side within detection time + 50 ms and the peer goes Down too; restore brings it Up;
# a timer change on the live session (config reload) reaches the peer with no Down on either side;
# AdminDown from our side takes the peer Down and it stays Down.
set -euo pipefail
PEER=${1:?usage: bfd_interop.sh frr|bird|ours [4|6]}
FAMILY=${2:-4}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
source "$HERE/lab.sh"
# shellcheck source=tests/lab/wgfo.sh
source "$HERE/wgfo.sh"

say() { printf '[%s/v%s %6ss] %s\n' "$PEER" "$FAMILY" "$(lab_elapsed)" "$*"; }

# The session's addresses on wg0 (the lab's IPv4 overlay, or documentation IPv6 added below).
if [[ $FAMILY == 6 ]]; then A=2001:db8:113::1 B=2001:db8:113::2; else A=203.0.113.1 B=203.0.113.2; fi

# our_conf NODE LOCAL PEER TX RX MULT [shutdown]: a one-tunnel wg-failoverd config on wg0. No fail-back
# hold-down: the tunnel state follows BFD at once, which is what this test looks at.
our_conf() { wgfo_conf_one "$1" "$2" "$3" "tx_interval: $4, rx_interval: $5, detect_mult: $6${7:+, shutdown: true}"; }
a_conf() { our_conf site-a "$A" "$B" "$@"; }

# ---- the peer in site b: start, state (up|down|init|admin-down), down count, the timers it uses ------
peer_start() {
  case $PEER in
    frr)
      LAB_FRR_DAEMONS=(zebra bfdd)
      lab_frr b - <<EOF
frr defaults traditional
hostname site-b
log timestamp precision 6
debug bfd peer
!
bfd
 peer $A local-address $B interface wg0
  receive-interval 50
  transmit-interval 50
  detect-multiplier 3
 !
!
EOF
      ;;
    bird)
      lab_bird b - <<EOF
router id 203.0.113.2;
protocol device {}
protocol bfd {
  debug { states, events };
  interface "wg0" { min rx interval 50 ms; min tx interval 50 ms; multiplier 3; };
  neighbor $A dev "wg0" local $B;
}
EOF
      ;;
    ours) wgfo_start b <(our_conf site-b "$B" "$A" 50ms 50ms 3) ;;
    *) lab_fail "unknown peer '$PEER'" ;;
  esac
}

frr_peer() { lab_vtysh b -c "show bfd peers json" | jq -ec --arg a "$A" '.[] | select(.peer == $a)'; }
bird_line() { lab_birdc b show bfd sessions | awk -v a="$A" '$1 == a'; }

peer_state() {
  case $PEER in
    frr) frr_peer | jq -r '.status | sub("^shutdown$"; "admin-down")' ;;
    bird) bird_line | awk '{ s = tolower($3); sub("admindown", "admin-down", s); print s }' ;;
    ours) wgfo_field b primary .bfd.state ;;
  esac
}

# Something that changes with every Down of the peer's session (BIRD: its "Since" time).
peer_downs() {
  case $PEER in
    frr) lab_vtysh b -c "show bfd peers counters json" |
      jq -er --arg a "$A" '.[] | select(.peer == $a) | ."session-down"' ;;
    bird) bird_line | awk '{ print $4 }' ;;
    ours) wgfo_field b primary .bfd.down_transitions ;;
  esac
}

# "TX DETECT": the peer's transmit interval and its detection time for us, in ms. Both follow from what
# we advertise (RFC 5880 §6.8.7: TX = max(its Desired Min TX, our Required Min RX); §6.8.4: detection =
# our Detect Mult x max(its Required Min RX, our Desired Min TX)).
peer_timers() {
  case $PEER in
    frr) frr_peer | jq -r '[([."transmit-interval", ."remote-receive-interval"] | max),
                           ([."receive-interval", ."remote-transmit-interval"] | max) * ."remote-detect-multiplier"]
                          | "\(.[0]) \(.[1])"' ;;
    bird) bird_line | awk '{ printf "%d %d\n", $5 * 1000 + 0.5, $6 * 1000 + 0.5 }' ;;
    ours) echo "$(wgfo_field b primary .bfd.tx_interval_ms) $(wgfo_field b primary .bfd.detection_time_ms)" ;;
  esac
}

peer_is() { [[ $(peer_state 2>/dev/null) == "$1" ]]; }
expect_peer() {
  lab_wait "$2" peer_is "$1" || lab_fail "peer $PEER: state '$(peer_state 2>&1)', expected '$1' within $2 s"
}
_timers_are() { [[ $(peer_timers 2>/dev/null) == "$1" ]]; }
expect_timers() {
  lab_wait "$2" _timers_are "$1" || lab_fail "peer $PEER: timers '$(peer_timers 2>&1)', expected '$1' within $2 s"
}

# ---- the run ------------------------------------------------------------------------------------------
lab_init
lab_site a
lab_site b
lab_tunnel a b 0
if [[ $FAMILY == 6 ]]; then
  for s in a:$A b:$B; do
    lab_exec "${s%%:*}" sysctl -qw net.ipv6.conf.wg0.disable_ipv6=0
    lab_exec "${s%%:*}" ip addr add "${s#*:}/64" dev wg0 nodad
  done
  lab_wait 3 lab_exec a ping -6 -c1 -W1 "$B" >/dev/null || lab_fail "no IPv6 over wg0"
fi
say "sites up"

wgfo_start a <(a_conf 50ms 50ms 3)
t_start=$(wgfo_now_ms)
peer_start
wgfo_expect a primary .state up 3
expect_peer up 3
say "Up on both sides $(($(wgfo_now_ms) - t_start)) ms after the peer started"

# Cut wg0 both ways. Our side must go Down within detection time + 50 ms of the cut. The cut takes
# effect somewhere between the start of lab_cut and its return, but never before the last packet we
# accepted, so the check measures from that packet: stricter than from the cut, and free of the time
# the nft calls take.
dt=$(wgfo_field a primary .bfd.detection_time_ms)
t_cut=$(wgfo_now_ms)
lab_cut a b 0
t_cut_done=$(wgfo_now_ms)
wgfo_expect a primary .state down 2
t_down=$(wgfo_rfc3339_ms "$(wgfo_field a primary .last_change)")
t_last_rx=$(wgfo_rfc3339_ms "$(wgfo_field a primary .bfd.last_rx)")
lat=$((t_down - t_last_rx))
diag=$(wgfo_field a primary .bfd.last_diag)
say "cut: our side Down ${lat} ms after the last packet (detection time ${dt} ms), $((t_down - t_cut)) ms" \
  "after the cut began (the nft rules took $((t_cut_done - t_cut)) ms); diag ${diag}"
((lat <= dt + 50)) || lab_fail "detection took ${lat} ms after the last packet, more than ${dt} + 50 ms"
[[ $diag == control-detection-time-expired ]] || lab_fail "our diag after the cut is '$diag'"
expect_peer down 2
say "peer $PEER Down as well"

lab_restore a b 0
wgfo_expect a primary .state up 3
expect_peer up 3
say "restored: Up on both sides"

# Timer change on the live session (reload): the peer follows, nobody goes Down.
# On failure, say whether the daemon saw its own timers run late (a host stall longer than the
# detection time looks exactly like a lost peer, whatever the timer change did).
host_stalls() {
  local l
  l=$(grep -h "timers ran" "$(lab_log a wgfo)" 2>/dev/null | tail -n 2 | paste -sd '|')
  [[ -z $l ]] || echo " (the daemon saw a host stall: $l)"
}
our_downs=$(wgfo_field a primary .bfd.down_transitions)
peer_downs_before=$(peer_downs)
wgfo_reload a <(a_conf 100ms 100ms 3)
expect_timers "100 300" 3
wgfo_expect a primary .bfd.tx_interval_ms 100 2
wgfo_reload a <(a_conf 50ms 50ms 3)
expect_timers "50 150" 3
wgfo_expect a primary .bfd.tx_interval_ms 50 2
sleep 0.5
[[ $(wgfo_field a primary .bfd.down_transitions) == "$our_downs" && $(wgfo_field a primary .state) == up ]] ||
  lab_fail "our session went Down during the timer change$(host_stalls)"
peer_downs_after=$(peer_downs) peer_now=$(peer_state 2>&1)
if [[ $peer_downs_after != "$peer_downs_before" || $peer_now != up ]]; then
  lab_fail "peer $PEER went Down during the timer change (state '$peer_now', down mark '$peer_downs_before' -> '$peer_downs_after')$(host_stalls)"
fi
say "timer change 50 -> 100 -> 50 ms accepted by the peer without a Down"

# AdminDown from our side: the peer goes Down and does not come back while we stay AdminDown.
wgfo_reload a <(a_conf 50ms 50ms 3 shutdown)
wgfo_expect a primary .bfd.state admin-down 2
expect_peer down 2
t_end=$(($(wgfo_now_ms) + 3000))
while (($(wgfo_now_ms) < t_end)); do
  ! peer_is up || lab_fail "peer $PEER came back Up while we are AdminDown"
  sleep 0.1
done
if [[ $PEER == ours && $(wgfo_field b primary .bfd.remote_state) != admin-down ]]; then
  lab_fail "our peer does not see remote state admin-down"
fi
say "AdminDown: peer $PEER Down and stayed Down for 3 s"

wgfo_reload a <(a_conf 50ms 50ms 3)
wgfo_expect a primary .state up 3
expect_peer up 3
say "AdminDown lifted: Up again"

lab_teardown
say "PASS"
