#!/usr/bin/env bash
# Quality probes over a wireguard-go tunnel (issue 4): probe_tool's responder in site b, its UDP sender
# and ICMP prober in site a, measuring over wg0 side by side.
#   1. IPv4, no fault: (almost) no loss, a plausible RTT; ICMP also through a ping socket (SOCK_DGRAM).
#   2. IPv4, lab_loss a b 0 20: 20 % of the underlay's UDP is dropped at random in each direction, so
#      a probe and its reply both survive with 0.8 x 0.8 = 64 %: ~36 % round-trip loss. With 150 probes
#      the standard deviation is sqrt(0.36 x 0.64 / 150) = 3.9 points; asserting 15..60 % leaves more
#      than five of them on each side, so a flake needs a > 5-sigma draw. The lower bound shows that loss
#      is measured at all, the upper one catches probes counted lost twice; the exact window math is
#      the unit tests' job.
#   3. IPv6 on wg0 (documentation addresses, like bfd_interop.sh), no fault: both probers over IPv6,
#      against a second responder bound to :: on wg0 (the reply's source comes from IPV6_PKTINFO); ICMPv6
#      through a ping socket too.
# Then the responder stops and reports what it saw: nothing malformed, nothing rate-limited.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
source "$HERE/../../lab/lab.sh"
: "${WGFO_BUILD_DIR:?WGFO_BUILD_DIR must point at the build directory}"
TOOL=$WGFO_BUILD_DIR/tests/controller/probe/probe_tool
[[ -x $TOOL ]] || lab_fail "probe_tool not built: $TOOL"

say() { printf '[probe %6ss] %s\n' "$(lab_elapsed)" "$*"; }

# kv KEY LINE: the value of KEY in a probe_tool summary line.
kv() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, p, "="); if (p[1] == k) print p[2] } }' <<<"$2"; }

# check LINE EXPR: awk expression over the summary's fields (loss, samples, lost, rtt, ...) must hold.
check() {
  local line=$1 expr=$2
  awk -v loss="$(kv loss_percent "$line")" -v samples="$(kv samples "$line")" -v lost="$(kv lost "$line")" \
    -v pending="$(kv pending "$line")" -v rtt="$(kv rtt_median_us "$line")" -v probes="$(kv probes "$line")" \
    "BEGIN { exit !($expr) }" || lab_fail "expected ($expr) of: $line"
}

# measure NAME PEER LOCAL COUNT INTERVAL_MS: UDP and ICMP from site a at once; sets UDP and ICMP to their
# summary lines.
measure() {
  local name=$1 peer=$2 local=$3 count=$4 ival=$5 kind pids=() out
  for kind in udp icmp; do
    out=$LAB_DIR/$name.$kind
    lab_exec a "$TOOL" "$kind" --peer "$peer" --local "$local" --dev wg0 --count "$count" \
      --interval-ms "$ival" --timeout-ms 1000 >"$out" 2>&1 &
    pids+=($!)
  done
  for kind in 0 1; do wait "${pids[$kind]}" || { cat "$LAB_DIR/$name".* >&2; lab_fail "$name: probe_tool failed"; }; done
  UDP=$(<"$LAB_DIR/$name.udp") ICMP=$(<"$LAB_DIR/$name.icmp")
  say "$name udp:  $UDP"
  say "$name icmp: $ICMP"
  [[ $(kv kind "$UDP") == udp && $(kv kind "$ICMP") == icmp ]] || lab_fail "$name: no summary line"
  [[ $(kv socket "$ICMP") == raw ]] || lab_fail "$name: ICMP did not use a raw socket as root"
}

# dgram NAME PEER LOCAL: ICMP through a ping socket (SOCK_DGRAM; the kernel picks the identifier),
# allowed for root's group in site a: 20 probes, (almost) none lost.
dgram() {
  local line
  lab_exec a sysctl -qw net.ipv4.ping_group_range="0 0"
  line=$(lab_exec a "$TOOL" icmp --mode dgram --peer "$2" --local "$3" --dev wg0 --count 20 --interval-ms 20 \
    --timeout-ms 1000) || lab_fail "$1: probe_tool icmp --mode dgram failed: $line"
  say "$1 icmp: $line"
  [[ $(kv socket "$line") == dgram ]] || lab_fail "$1: not a ping socket: $line"
  check "$line" "probes == 20 && pending == 0 && lost <= 1 && rtt > 0"
}

responder_ready() { grep -q "listening on $2 port 9471" "$(lab_log b "$1")"; }

lab_init
lab_site a
lab_site b
lab_tunnel a b 0
A=$(lab_addr a 0) B=$(lab_addr b 0)

lab_bg b responder "$TOOL" respond --local "$B" --dev wg0
lab_wait 5 responder_ready responder "$B" || lab_fail "responder did not start, see $(lab_log b responder)"

say "1. IPv4 over wg0, no fault"
measure clean "$B" "$A" 60 50
for line in "$UDP" "$ICMP"; do
  check "$line" "probes == 60 && pending == 0 && lost <= 1 && samples + lost == 60"
  check "$line" "rtt > 0 && rtt < 200000"
done
dgram clean-dgram "$B" "$A"

say "2. IPv4 over wg0, 20 % underlay loss each way (expect ~36 % round trip)"
lab_loss a b 0 20
measure lossy "$B" "$A" 150 40
for line in "$UDP" "$ICMP"; do
  check "$line" "probes == 150 && pending == 0 && samples + lost == 150"
  check "$line" "loss >= 15 && loss <= 60"
  check "$line" "rtt > 0"
done
lab_restore a b 0

say "3. IPv6 over wg0, no fault"
A6=2001:db8:113::1 B6=2001:db8:113::2
for s in a:$A6 b:$B6; do
  lab_exec "${s%%:*}" sysctl -qw net.ipv6.conf.wg0.disable_ipv6=0
  lab_exec "${s%%:*}" ip addr add "${s#*:}/64" dev wg0 nodad
done
# This one on the wildcard address: replies must still leave from the address probed (IPV6_PKTINFO).
lab_bg b responder6 "$TOOL" respond --local :: --dev wg0
lab_wait 5 responder_ready responder6 :: || lab_fail "IPv6 responder did not start, see $(lab_log b responder6)"
measure v6 "$B6" "$A6" 40 50
for line in "$UDP" "$ICMP"; do
  check "$line" "probes == 40 && pending == 0 && lost <= 1 && samples + lost == 40"
  check "$line" "rtt > 0 && rtt < 200000"
done
dgram v6-dgram "$B6" "$A6"

for tag in responder responder6; do
  lab_stop b "$tag"
  stats=$(grep '^received=' "$(lab_log b "$tag")") || lab_fail "$tag printed no counters"
  say "$tag: $stats"
  [[ $(kv replied "$stats") -gt 0 && $(kv malformed "$stats") == 0 && $(kv rate_limited "$stats") == 0 ]] ||
    lab_fail "$tag: unexpected counters: $stats"
done
say "ok"
