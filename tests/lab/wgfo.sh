# shellcheck shell=bash
# wgfo.sh: lab helpers for running wg-failoverd in a site (source after lab.sh).
#   wgfo_start SITE CONF   start the daemon (binary from WGFO_BUILD_DIR) with CONF copied into the site
#                          (WGFO_LOG_LEVEL=debug for more in its log; WGFO_ENV=(VAR=VALUE ...) runs it
#                          under `env` with those variables, e.g. an LD_PRELOAD; empty by default)
#   wgfo_reload SITE CONF  replace the config and send SIGHUP (the daemon's reload)
#   wgfo_cli SITE ARGS     run the wg-failover CLI in SITE against the site's default socket
#   wgfo_field SITE TUNNEL JQ    print one field of `show tunnels --json` for TUNNEL (jq path, e.g. .bfd.state)
#   wgfo_conf_one NODE LOCAL PEER BFD   a one-tunnel config (primary on wg0, no fail-back hold-down,
#                          staticd on the default port) with BFD keys BFD in YAML flow style
#   wgfo_now_ms            wall clock in ms
#   wgfo_rfc3339_ms TIME   an RFC 3339 time with ms (the CLI's format) as epoch ms
#   wgfo_stream_summary LOG SECONDS   wait for wgfo_stream recv's summary in LOG and print it (the
#                          summary can be tens of kB, so a reader may see it half written: wait for a
#                          line that parses, not just for the key)
#   wgfo_stream_start TAG FROM TO ADDR COUNT   a 1 ms sequence-numbered UDP stream of COUNT packets from
#                          host FROM to ADDR (a receiver for COUNT ms + 2 s in host TO, tag recvTAG, port
#                          WGFO_STREAM_PORT), the sender in the background
#   wgfo_stream_result TAG TO   wait for both; WGFO_STREAM is the receiver's summary
#                          (not printed from a $(...): the sender is this shell's child)
# Every site has its own /run, so the daemon's default socket /run/wg-failover/api.sock is per site.

: "${WGFO_BUILD_DIR:?WGFO_BUILD_DIR must point at the build directory}"
WGFO_D=$WGFO_BUILD_DIR/controller/wg-failoverd
WGFO_CLI=$WGFO_BUILD_DIR/controller/wg-failover
WGFO_STREAM_BIN=$WGFO_BUILD_DIR/tests/lab/wgfo_stream
WGFO_STREAM_PORT=${WGFO_STREAM_PORT:-9400}
WGFO_ENV=()

wgfo_conf_one() {
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051}
policy: {fail_back_hold_down: 0s}
tunnels:
  - name: primary
    interface: wg0
    local_address: $2
    peer_address: $3
    bfd: {$4}
EOF
}

wgfo_now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((10#$t / 1000)); }

wgfo_rfc3339_ms() { date -u -d "$1" +%s%3N; }

wgfo_stream_summary() {
  lab_wait "$2" _wgfo_summary_done "$1" || return 1
  grep '"received"' "$1" | jq -c .
}
_wgfo_summary_done() { grep '"received"' "$1" 2>/dev/null | jq -e .received >/dev/null 2>&1; }

wgfo_stream_start() {
  local tag=$1 from=$2 to=$3 addr=$4 count=$5
  lab_bg "$to" "recv$tag" "$WGFO_STREAM_BIN" recv --listen "$addr" --port "$WGFO_STREAM_PORT" \
    --duration "$((count / 1000 + 2))"
  lab_wait 3 grep -q listening "$(lab_log "$to" "recv$tag")" || lab_fail "stream receiver $tag did not start"
  lab_exec "$from" "$WGFO_STREAM_BIN" send --to "$addr" --port "$WGFO_STREAM_PORT" --count "$count" \
    --interval-us 1000 >/dev/null &
  _WGFO_STREAM_PID=$!
}
wgfo_stream_result() {
  wait "$_WGFO_STREAM_PID" || lab_fail "stream sender $1 failed"
  # shellcheck disable=SC2034 # the caller's result
  WGFO_STREAM=$(wgfo_stream_summary "$(lab_log "$2" "recv$1")" 5) || lab_fail "stream receiver $1 gave no summary"
}

wgfo_start() {
  local site=$1 conf=$LAB_DIR/sites/$1/wgfo.yaml
  cat -- "$2" >"$conf"
  "$WGFO_D" --config "$conf" --check >/dev/null || lab_fail "wgfo_start: $conf does not validate"
  lab_bg "$site" wgfo ${WGFO_ENV[@]+env "${WGFO_ENV[@]}"} "$WGFO_D" --config "$conf" \
    ${WGFO_LOG_LEVEL:+--log-level "$WGFO_LOG_LEVEL"}
  lab_wait 5 lab_exec "$site" test -S /run/wg-failover/api.sock ||
    lab_fail "wg-failoverd in '$site' did not open its socket, see $(lab_log "$site" wgfo)"
}

wgfo_reload() {
  cat -- "$2" >"$LAB_DIR/sites/$1/wgfo.yaml"
  kill -HUP "$(lab_pid "$1" wgfo)"
}

wgfo_cli() { lab_exec "$1" "$WGFO_CLI" "${@:2}"; }

wgfo_field() {
  wgfo_cli "$1" show tunnels --json | jq -er --arg t "$2" ".[] | select(.name == \$t) | $3"
}

# wgfo_expect SITE TUNNEL JQ VALUE SECONDS: wait until the field equals VALUE.
wgfo_expect() {
  lab_wait "$5" _wgfo_is "$1" "$2" "$3" "$4" ||
    lab_fail "$1: tunnel $2 $3 is '$(wgfo_field "$1" "$2" "$3" 2>&1)', expected '$4' within $5 s"
}
_wgfo_is() { [[ $(wgfo_field "$1" "$2" "$3" 2>/dev/null) == "$4" ]]; }
