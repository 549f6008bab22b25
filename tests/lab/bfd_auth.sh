#!/usr/bin/env bash
# BFD authentication over wireguard-go (RFC 5880 §6.7.4): wg-failoverd in site a against PEER in site b,
# PEER one of bird (BIRD 2, the independent implementation) or ours, with TYPE keyed-sha1 or
# meticulous-keyed-sha1. Asserts:
#   - Up on both sides within 3 s with the shared secret, and no authentication failure counted;
#   - a cut of wg0 is detected within detection time + 50 ms and, after the restore, both come back Up
#     (the sequence numbers of both sides move on during the outage: the windows must cope);
#   - a wrong secret on our side (config reload) takes both sides Down, our failed-auth counter (status
#     and metrics) climbs, and the right secret brings the session back;
#   - the secret appears in none of our outputs: daemon log, status JSON, metrics.
# FRR 8.4 has no BFD authentication (shared/notes/bfd.md §1.7), so it is not a peer here.
set -euo pipefail
PEER=${1:?usage: bfd_auth.sh bird|ours keyed-sha1|meticulous-keyed-sha1}
TYPE=${2:?usage: bfd_auth.sh bird|ours keyed-sha1|meticulous-keyed-sha1}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
source "$HERE/lab.sh"
# shellcheck source=tests/lab/wgfo.sh
source "$HERE/wgfo.sh"

say() { printf '[%s/%s %6ss] %s\n' "$PEER" "$TYPE" "$(lab_elapsed)" "$*"; }
A=203.0.113.1 B=203.0.113.2
SECRET="wgfo-$RANDOM-$RANDOM"  # unique per run, so a grep for it cannot match anything else
WRONG="not-the-$RANDOM-key"

lab_init
lab_site a
lab_site b
lab_tunnel a b 0
# secret_file NAME VALUE: a 0600 file in the run's directory.
secret_file() {
  local f=$LAB_DIR/$1.key
  (umask 077 && printf '%s\n' "$2" >"$f")
  printf '%s\n' "$f"
}
GOOD=$(secret_file good "$SECRET")
BAD=$(secret_file bad "$WRONG")

# our_conf NODE LOCAL PEER SECRET_FILE: one tunnel on wg0, BFD 3 x 50 ms, authenticated with key id 1.
our_conf() {
  wgfo_conf_one "$1" "$2" "$3" "tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3,
    authentication: {type: $TYPE, key_id: 1, secret_file: $4}"
}
a_conf() { our_conf site-a "$A" "$B" "$1"; }

case $PEER in
  bird)
    meticulous=''
    [[ $TYPE == meticulous-keyed-sha1 ]] && meticulous='meticulous '
    lab_bird b - <<EOF
router id $B;
protocol device {}
protocol bfd {
  interface "wg0" {
    min rx interval 50 ms; min tx interval 50 ms; multiplier 3;
    authentication ${meticulous}keyed sha1;
    password "$SECRET" { id 1; };
  };
  neighbor $A dev "wg0" local $B;
}
EOF
    ;;
  ours) ;;
  *) lab_fail "unknown peer '$PEER'" ;;
esac

bird_line() { lab_birdc b show bfd sessions | awk -v a="$A" '$1 == a'; }
peer_state() {
  case $PEER in
    bird) bird_line | awk '{ print tolower($3) }' ;;
    ours) wgfo_field b primary .bfd.state ;;
  esac
}
peer_is() { [[ $(peer_state 2>/dev/null) == "$1" ]]; }
expect_peer() {
  lab_wait "$2" peer_is "$1" || lab_fail "peer $PEER: state '$(peer_state 2>&1)', expected '$1' within $2 s"
}
auth_failures() { wgfo_field a primary .bfd.auth_failures; }
metric_failures() {
  lab_exec a curl -sf http://127.0.0.1:9470/metrics |
    awk '/^wgfailover_bfd_auth_failures_total\{.*tunnel="primary"/ { print $2 }'
}
metric_counted() { local n; n=$(metric_failures); [[ -n $n ]] && awk -v n="$n" 'BEGIN { exit !(n > 0) }'; }

t_start=$(wgfo_now_ms)
wgfo_start a <(a_conf "$GOOD")
[[ $PEER == ours ]] && wgfo_start b <(our_conf site-b "$B" "$A" "$GOOD")
wgfo_expect a primary .bfd.state up 3
expect_peer up 3
say "authenticated session Up on both sides $(($(wgfo_now_ms) - t_start)) ms after the start"
sleep 1
[[ $(auth_failures) == 0 ]] || lab_fail "authentication failures with the right key: $(auth_failures)"

# Cut and restore: detection still works, and both sides accept each other's sequence numbers after it.
dt=$(wgfo_field a primary .bfd.detection_time_ms)
lab_cut a b 0
wgfo_expect a primary .bfd.state down 2
lat=$(($(wgfo_rfc3339_ms "$(wgfo_field a primary .last_change)") - $(wgfo_rfc3339_ms "$(wgfo_field a primary .bfd.last_rx)")))
((lat <= dt + 50)) || lab_fail "detection took ${lat} ms after the last packet, more than ${dt} + 50 ms"
expect_peer down 2
sleep 1
t_restore=$(wgfo_now_ms)
lab_restore a b 0
wgfo_expect a primary .bfd.state up 5
expect_peer up 3
say "cut: Down ${lat} ms after the last packet (detection time ${dt} ms); Up again $(($(wgfo_now_ms) - t_restore)) ms after the restore"
[[ $(auth_failures) == 0 ]] || lab_fail "authentication failures across the outage: $(auth_failures)"

# A flood of forged packets from the peer's address with the live discriminators (only authentication
# can tell them apart), at 2.5 times the session's receive budget (1000/s): they fail authentication
# before they cost any budget, so the peer's own packets keep the session Up. (Each forged packet also
# crosses wireguard-go twice; on 2 cores a faster flood starves the daemons of CPU, which is the
# cpu_starvation scenario's subject, not this one's.)
downs=$(wgfo_field a primary .bfd.down_transitions)
session="$(wgfo_field a primary .bfd.remote_discriminator):$(wgfo_field a primary .bfd.local_discriminator)"
flood=$(lab_exec b python3 "$HERE/bfd_flood.py" --to "$A" --peer "$B" --session "$session" --only forged \
  --rate 2500 --seconds 3)
sleep 0.5
forged_failed=$(auth_failures)
if [[ $(wgfo_field a primary .bfd.down_transitions) != "$downs" ]]; then
  late=$(lab_exec a curl -sf http://127.0.0.1:9470/metrics | awk '/^wgfailover_bfd_timers_late_total\{over="50ms"\}/ { print $2 }')
  lab_fail "the forged flood took the session down (diag $(wgfo_field a primary .bfd.last_diag);" \
    "BFD timers late by 50 ms or more so far: ${late:-?})"
fi
[[ $(wgfo_field a primary .bfd.state) == up ]] || lab_fail "not Up after the forged flood"
sent=$(jq .total <<<"$flood")
((forged_failed >= sent * 9 / 10)) || lab_fail "only $forged_failed of $sent forged packets failed authentication"
say "forged flood ($(jq .rate <<<"$flood") pkt/s for 3 s): $forged_failed packets failed authentication, session stayed Up"

# The wrong secret on our side: both sides drop the other's packets and go Down.
wgfo_reload a <(a_conf "$BAD")
wgfo_expect a primary .bfd.state down 2
expect_peer down 3
sleep 1
failed=$(($(auth_failures) - forged_failed))
((failed > 0)) || lab_fail "no authentication failure counted with the wrong key"
lab_wait 3 metric_counted || lab_fail "metric wgfailover_bfd_auth_failures_total is '$(metric_failures)'"
reason=$(wgfo_field a primary .bfd.last_auth_error)
[[ $reason == "digest does not match" ]] || lab_fail "last_auth_error is '$reason'"
say "wrong key: Down on both sides, $failed packets failed authentication ($reason)"

wgfo_reload a <(a_conf "$GOOD")
wgfo_expect a primary .bfd.state up 5
expect_peer up 3
say "right key again: Up"

# The secret must not leak into anything we print.
outputs=$LAB_DIR/outputs.txt
{
  cat "$(lab_log a wgfo)"
  [[ $PEER == ours ]] && cat "$(lab_log b wgfo)"
  for what in tunnels routes status; do wgfo_cli a show "$what" --json; done
  lab_exec a curl -sf http://127.0.0.1:9470/metrics
} >"$outputs" 2>&1
! grep -qF -e "$SECRET" -e "$WRONG" "$outputs" || lab_fail "a secret appears in our output"
say "neither secret appears in the log, status or metrics ($(wc -l <"$outputs") lines checked)"
echo "FIGURES peer=$PEER type=$TYPE detect_ms=$lat detection_time_ms=$dt forged_sent=$sent" \
  "forged_failed=$forged_failed auth_failures_wrong_key=$failed"
