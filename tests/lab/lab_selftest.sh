#!/usr/bin/env bash
# lab_selftest.sh: proves tests/lab/lab.sh. Sites a and b, tunnels wg0 and wg1, FRR on both (gRPC on), BIRD on b;
# checks bring-up time, pings, WireGuard handshakes, vtysh, gRPC exposure, an FRR bfdd (a) <-> BIRD (b) BFD
# session over wg0 under lab_cut / lab_restore / lab_loss / lab_stop, and that lab_teardown leaves nothing.
# Root only; about 15 s. Prints one "ok" line per check; the first failure is one "FAIL: ..." line, exit 1.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

BRINGUP_MAX_S=10   # sites + tunnels + FRR on both + BIRD
DOWN_MAX_S=1.5     # BFD 100 ms x 3 detects in ~0.3 s; the rest is polling vtysh/birdc on a busy 2-core box
UP_MAX_S=5         # a Down session sends at 1 s, so Up comes 0.5-1.5 s after the path heals

ok() { printf 'ok   %s\n' "$*"; }
for cmd in jq socat vtysh bird birdc; do command -v "$cmd" >/dev/null || lab_fail "'$cmd' is not installed"; done
ms_since() { local now=${EPOCHREALTIME//[!0-9]/}; echo $(((10#$now - 10#${1//[!0-9]/}) / 1000)); }

# ------------------------------------------------------------------------------------------------ bring-up --
t0=$EPOCHREALTIME
lab_init
lab_site a
lab_site b
lab_tunnel a b 0
lab_tunnel a b 1
cat >"$LAB_DIR/a.conf" <<EOF
frr defaults traditional
hostname a
log file $(lab_log a frr)
log timestamp precision 6
!
debug bfd peer
!
bfd
 profile lab
  transmit-interval 100
  receive-interval 100
  detect-multiplier 3
 !
 peer 203.0.113.2 local-address 203.0.113.1 interface wg0
  profile lab
 !
!
router bgp 65001
 bgp router-id 192.0.2.129
!
EOF
printf '%s\n' 'frr defaults traditional' 'hostname b' 'log timestamp precision 6' '!' 'router bgp 65002' \
  ' bgp router-id 192.0.2.130' '!' >"$LAB_DIR/b.conf"
lab_frr a "$LAB_DIR/a.conf" b "$LAB_DIR/b.conf"
# strict bind: BIRD binds 203.0.113.2%wg0:3784, so b's bfdd (0.0.0.0:3784) cannot take the session's packets
lab_bird b - <<'EOF'
router id 192.0.2.130;
log stderr all;
protocol device {}
protocol bfd {
  strict bind yes;
  interface "wg0" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
  neighbor 203.0.113.1 dev "wg0" local 203.0.113.2;
  debug { events };
}
EOF
bringup_ms=$(ms_since "$t0")
((bringup_ms < BRINGUP_MAX_S * 1000)) || lab_fail "bring-up took ${bringup_ms} ms (limit ${BRINGUP_MAX_S} s)"
ok "bring-up of 2 sites, 2 tunnels, FRR on both, BIRD on b: ${bringup_ms} ms (run $LAB_ID)"

# ----------------------------------------------------------------------------------------- tunnels, wg --
scheme="$(lab_addr a 0) $(lab_addr b 0) $(lab_addr a 1) $(lab_addr b 1) $(lab_endpoint b 0) $(lab_endpoint a 1)"
[[ $scheme == "203.0.113.1 203.0.113.2 203.0.113.5 203.0.113.6 192.0.2.2:51820 192.0.2.5:51821" ]] ||
  lab_fail "address scheme differs from the documented one: $scheme"
ok "addresses and endpoints follow the documented scheme ($(lab_ul 0), $(lab_ul 1))"
for i in 0 1; do
  for s in a b; do
    peer=b; [[ $s == a ]] || peer=a
    dst=$(lab_addr "$peer" "$i")
    lab_ping "$s" "$dst" 3 || lab_fail "no ping over wg$i from $s to $dst"
    hs=$(lab_exec "$s" wg show "wg$i" latest-handshakes)
    [[ $hs == "$(lab_pubkey "$peer" "$i")"$'\t'* && ${hs##*$'\t'} -gt 0 ]] ||
      lab_fail "wg show wg$i in $s: no handshake with $peer's key ($hs)"
  done
  ok "wg$i: pings both ways ($(lab_addr a "$i") <-> $(lab_addr b "$i")), both ends see the peer's handshake"
done

# ------------------------------------------------------------------------------------------------ FRR --
for s in a b; do
  for d in "${LAB_FRR_DAEMONS[@]}"; do
    lab_vtysh "$s" -d "$d" -c 'show version' >/dev/null 2>&1 || lab_fail "FRR $d in $s does not answer vtysh"
  done
done
ok "vtysh reaches ${LAB_FRR_DAEMONS[*]} in both sites"

listens() { [[ -n $(lab_exec "$1" ss -Hltn "sport = :$2") ]]; }   # SITE PORT
tcp_connects() { lab_exec "$1" socat -u /dev/null "TCP4:$2:$3,connect-timeout=0.5" 2>/dev/null; }   # SITE ADDR PORT
for s in a b; do
  peer=b; [[ $s == a ]] || peer=a
  remote=$(lab_addr "$s" 0)
  tcp_connects "$peer" "$remote" 179 || lab_fail "TCP from $peer to bgpd $remote:179 fails: the path is broken"
  for d in staticd bgpd bfdd; do
    port=$(lab_grpc_port "$d")
    listens "$s" "$port" || lab_fail "$d in $s does not listen on gRPC port $port"
    tcp_connects "$s" 127.0.0.1 "$port" || lab_fail "TCP from lo to $d's gRPC port $port in $s fails"
    ! tcp_connects "$peer" "$remote" "$port" || lab_fail "$peer reaches $d's gRPC port $remote:$port in $s"
  done
done
grpc_rules=$(lab_exec a nft list table inet wgfo_grpc)
ok "gRPC ports listen, answer on lo, are dropped from the other site (which reaches bgpd:179)"

# ------------------------------------------------------------------------------------------------ BFD --
frr_bfd() { lab_vtysh a -c 'show bfd peers json' | jq -r '.[] | select(.peer == "203.0.113.2") | .status'; }
bird_bfd() { lab_birdc b show bfd sessions | awk '$1 == "203.0.113.1" { print tolower($3) }'; }
frr_is() { [[ $(frr_bfd) == "$1" ]]; }
bfd_is() { frr_is "$1" && [[ $(bird_bfd) == "$1" ]]; }
bfd_wait() {   # bfd_wait STATE SECONDS WHAT: both ends reach STATE within SECONDS of now
  local t=$EPOCHREALTIME
  lab_wait "$2" bfd_is "$1" ||
    lab_fail "BFD not $1 within $2 s $3 (FRR a: '$(frr_bfd)', BIRD b: '$(bird_bfd)')"
  ok "BFD over wg0 $1 on both ends $(ms_since "$t") ms $3"
}

bfd_wait up 10 "after bring-up (FRR bfdd a <-> BIRD b, 100 ms x 3)"

lab_cut a b 0
bfd_wait down "$DOWN_MAX_S" "after lab_cut a b 0"
lab_ping a 203.0.113.6 3 || lab_fail "wg1 does not ping while wg0 is cut"
! lab_ping a 203.0.113.2 || lab_fail "wg0 still pings while cut"
ok "while wg0 is cut wg1 pings and wg0 does not"

lab_restore a b 0
bfd_wait up "$UP_MAX_S" "after lab_restore a b 0"

lab_loss a b 0 100
bfd_wait down "$DOWN_MAX_S" "after lab_loss a b 0 100"
lab_loss a b 0 0
[[ $(lab_exec a nft list chain inet wgfo_fault t0) == *'numgen random mod 100 < 0 drop'* ]] ||
  lab_fail "lab_loss 0 did not install its rule"
bfd_wait up "$UP_MAX_S" "after lab_loss a b 0 0"
lab_ping a 203.0.113.2 10 || lab_fail "wg0 loses packets under lab_loss 0"
ok "wg0 pings 10/10 under lab_loss 0"
[[ $(lab_exec a nft list table inet wgfo_grpc) == "$grpc_rules" ]] || lab_fail "fault injection changed the gRPC table"
ok "the gRPC table is unchanged by fault injection"

read -r bird_pid bird_start <"$LAB_DIR/pids/b.bird"
lab_stop b bird
! _lab_alive "$bird_pid" "$bird_start" || lab_fail "lab_stop left BIRD running"
[[ ! -e $LAB_DIR/pids/b.bird ]] || lab_fail "lab_stop kept BIRD's record"
lab_wait "$DOWN_MAX_S" frr_is down || lab_fail "FRR a's BFD not down after BIRD stopped ('$(frr_bfd)')"
lab_vtysh b -d bfdd -c 'show version' >/dev/null || lab_fail "lab_stop b bird disturbed b's bfdd"
ok "lab_stop b bird stops only BIRD (FRR a sees the session down)"

read -r old_pid _ <"$LAB_DIR/pids/a.staticd"
lab_stop a staticd
lab_frr_start a staticd
[[ $(lab_pid a staticd) != "$old_pid" ]] || lab_fail "lab_frr_start did not record the new staticd"
lab_wait 5 listens a "$LAB_GRPC_STATICD" ||
  lab_fail "restarted staticd does not listen on $LAB_GRPC_STATICD"
lab_vtysh a -d staticd -c 'show version' >/dev/null || lab_fail "restarted staticd does not answer vtysh"
ok "lab_stop a staticd + lab_frr_start a staticd restart it (pid $old_pid -> $(lab_pid a staticd))"

# ------------------------------------------------------------------------------------------------ teardown --
id=$LAB_ID dir=$LAB_DIR
mapfile -t records < <(cat "$dir"/pids/*)
mapfile -t inodes < <(stat -L -c %i /run/netns/"wgfo-$id"-* "$dir"/mnt/?*)
((${#records[@]} == 12 && ${#inodes[@]} == 4)) ||
  lab_fail "expected 12 recorded processes and 4 namespaces, got ${#records[@]} and ${#inodes[@]}"
t=$EPOCHREALTIME
lab_teardown
ok "lab_teardown took $(ms_since "$t") ms"
lab_teardown   # idempotent
[[ $(ip netns list) != *"wgfo-$id-"* ]] || lab_fail "a namespace of run $id survives teardown"
for rec in "${records[@]}"; do
  ! _lab_alive "${rec% *}" "${rec#* }" || lab_fail "process ${rec% *} of run $id survives teardown"
done
stray=$(stat -L -c '%i %n' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt 2>/dev/null |
  awk -v set=" ${inodes[*]} " 'index(set, " " $1 " ") { print $2 }') || :
[[ -z $stray ]] || lab_fail "processes still in namespaces of run $id: ${stray//$'\n'/ }"
mounts=$(</proc/self/mountinfo)
[[ $mounts != *"$dir"* && $mounts != *"wgfo-$id"* ]] || lab_fail "a mount of run $id survives teardown"
[[ $(ip -o link) != *"-$id"* ]] || lab_fail "an interface of run $id survives teardown"
[[ ${LAB_KEEP:-0} == 1 || ! -e $dir ]] || lab_fail "$dir survives teardown"
ok "nothing of run $id remains (namespaces, processes, mounts, interfaces, $dir)"
echo "PASS lab_selftest (bring-up ${bringup_ms} ms)"
