#!/usr/bin/env bash
# The WireGuard and link signal sources against a real wireguard-go tunnel (sites a and b, wg0), with
# wg_signals_tool run inside site a. Asserts:
#   (a) a UAPI read of wg0 equals `wg show wg0 peers|transfer|latest-handshakes|endpoints|...` after a
#       ping made traffic, and the peer is b's key;
#   (b) set-endpoint over UAPI moves the peer's endpoint (IPv4 and IPv6, as `wg show wg0 endpoints`
#       prints it); an unknown peer key is refused and creates no peer;
#   (c) LinkMonitor sees `ip link set wg0 down` and the deletion of a veth pair within 5 s (this
#       kernel has no dummy link type), and a ProgressTracker fed from UAPI sees the handshake advance
#       when b re-adds a as a peer and pings (a fresh handshake without waiting 120 s for a rekey);
#   (d) a socket overrun (tiny receive buffer, io_context blocked while 40 veth pairs appear) is
#       reported and repaired by a re-dump that shows the new links;
#   (e) with the underlay cut and pings sent, the tracker reports rx stalled (stall time 2 s here), and
#       the stall clears once the path is restored.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
source "$HERE/../../lab/lab.sh"
: "${WGFO_BUILD_DIR:?WGFO_BUILD_DIR must point at the build directory}"
TOOL=$WGFO_BUILD_DIR/tests/controller/wireguard/wg_signals_tool
[[ -x $TOOL ]] || lab_fail "$TOOL not built (cmake --build ... --target wg_signals_tool)"

say() { printf '[wg-signals %6ss] %s\n' "$(lab_elapsed)" "$*"; }
tool() { lab_exec a "$TOOL" "$@"; }
# ready TAG: wait until the background tool TAG in site a printed "ready".
ready() { lab_wait 5 grep -q '^ready' "$(lab_log a "$1")" || lab_fail "$1 not ready: $(cat "$(lab_log a "$1")")"; }
# finish TAG: wait for the background tool TAG in site a and fail with its log unless it exited 0.
finish() {
  local rc=0
  wait "$(lab_pid a "$1")" || rc=$?
  ((rc == 0)) || lab_fail "$1 exited $rc: $(cat "$(lab_log a "$1")")"
  say "$1: $(grep -E '^(seen|met|status overrun)' "$(lab_log a "$1")" | tr '\n' ';')"
}

lab_init
lab_site a
lab_site b
lab_tunnel a b 0
PEER=$(lab_pubkey b 0)
B=$(lab_addr b 0)
say "tunnel up"

# ---- (a) UAPI read vs wg show --------------------------------------------------------------------
lab_ping a "$B" 3 || lab_fail "no ping over wg0"
out=$(tool check-wg-show wg0) || lab_fail "check-wg-show: $out"
grep -q "^peer=$PEER " <<<"$out" || lab_fail "UAPI peer is not b's key $PEER: $out"
grep -q '^match:' <<<"$out" || lab_fail "no match line: $out"
say "(a) $(grep '^match:' <<<"$out")"

# ---- (b) set endpoint over UAPI ------------------------------------------------------------------
orig=$(lab_endpoint b 0)
for ep in 192.0.2.77:51999 '[2001:db8::77]:51999' "$orig"; do
  out=$(tool set-endpoint wg0 "$PEER" "$ep") || lab_fail "set-endpoint $ep: $out"
  [[ $(lab_exec a wg show wg0 endpoints) == "$PEER	$ep" ]] || lab_fail "wg show does not show $ep"
done
stranger=$(wg genkey | wg pubkey)
rc=0
out=$(tool set-endpoint wg0 "$stranger" 192.0.2.78:1) || rc=$?
if ((rc != 2)) || ! grep -q 'has no peer' <<<"$out"; then lab_fail "unknown peer not refused (rc $rc): $out"; fi
[[ $(lab_exec a wg show wg0 peers) == "$PEER" ]] || lab_fail "a peer was created: $(lab_exec a wg show wg0 peers)"
say "(b) endpoints set (IPv4, IPv6, back to $orig); unknown key refused, no peer created"

# ---- (c) link events, then the handshake advancing ----------------------------------------------
lab_bg a progress "$TOOL" watch-progress wg0 --until advancing --timeout-ms 15000
lab_bg a links "$TOOL" watch-links --expect wg0:down --expect wgfox0:created --expect wgfox0:deleted \
  --expect wgfox1:deleted --timeout-ms 5000
ready progress
ready links
grep -q '^oneshot wg0 (index [0-9]*): up running .* usable$' "$(lab_log a links)" ||
  lab_fail "dump_links does not show wg0 usable: $(cat "$(lab_log a links)")"
lab_exec a ip link set wg0 down
lab_exec a ip link add wgfox0 type veth peer name wgfox1
lab_exec a ip link del wgfox0
finish links
lab_exec a ip link set wg0 up
# A new handshake without waiting for the 120 s rekey: b forgets a (and its session) and pings it, so
# b initiates and a, the responder, completes a handshake with its peer's counters kept.
A_KEY=$(lab_pubkey a 0)
lab_exec b wg set wg0 peer "$A_KEY" remove
lab_exec b wg set wg0 peer "$A_KEY" endpoint "$(lab_endpoint a 0)" allowed-ips 0.0.0.0/0
lab_wait 5 lab_ping b "$(lab_addr a 0)" || lab_fail "no ping from b after it re-added a"
finish progress

# ---- (d) overrun and re-dump ---------------------------------------------------------------------
lab_bg a overrun "$TOOL" watch-links --expect overrun --expect wgfov39a:created --rcvbuf 4096 --block-ms 1500 \
  --timeout-ms 8000
ready overrun
for i in $(seq 0 39); do echo "link add wgfov${i}a type veth peer name wgfov${i}b"; done | lab_exec a ip -batch -
finish overrun

# ---- (e) rx stalled while sending, and cleared --------------------------------------------------
lab_bg a stall "$TOOL" watch-progress wg0 --until stall-cleared --stall-ms 2000 --timeout-ms 15000
ready stall
lab_cut a b 0
lab_bg a ping ping -q -n -c 25 -i 0.2 -W 1 "$B"
lab_wait 8 grep -q 'stalled=1' "$(lab_log a stall)" || lab_fail "no stall reported: $(cat "$(lab_log a stall)")"
lab_restore a b 0
lab_wait 5 lab_ping a "$B" || lab_fail "no ping after restoring the underlay"
finish stall
say "done"
