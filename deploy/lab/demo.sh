#!/usr/bin/env bash
# The two-site lab demo (README's first command). On a fresh Debian 12 machine it installs what it
# needs, builds wg-failover, then builds two sites in network namespaces joined by two wireguard-go
# tunnels (wg0 "primary", wg1 "backup"), runs FRR (zebra + staticd with the gRPC module) and
# wg-failoverd in both, shows BFD Up over both tunnels and each site's route to the other in staticd
# and the kernel, cuts wg0 and shows the detection on both sides and the route moving to wg1, restores
# it, and tears everything down.
#   WGFO_BUILD_DIR  use an existing build instead of building build-demo
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi

if [[ -z ${WGFO_BUILD_DIR:-} ]]; then
  deploy/install-deps.sh
  WGFO_BUILD_DIR=$ROOT/build-demo
  cmake -S . -B "$WGFO_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$WGFO_BUILD_DIR" -j"$(nproc)" --target wg-failoverd wg-failover
fi
export WGFO_BUILD_DIR
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
at() { printf '  [%7ss] %s\n' "$(lab_elapsed)" "$*"; }

site_conf() {   # site_conf NODE A|B: both tunnels, 50 ms x 3
  local n=$1 me=$2 other
  [[ $me == a ]] && other=b || other=a
  cat <<EOF
node: $n
frr: {staticd: 127.0.0.1:50051, route_tag: 4242}
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
policy: {fail_back_hold_down: 2s}   # 30s by default; short here so the demo shows it
tunnels:
  - name: primary
    interface: wg0
    local_address: $(lab_addr "$me" 0)
    peer_address: $(lab_addr "$other" 0)
  - name: backup
    interface: wg1
    local_address: $(lab_addr "$me" 1)
    peer_address: $(lab_addr "$other" 1)
routes:
  - {prefix: $(site_lan "$other"), via: [primary, backup], kill_switch: true}
EOF
}
site_lan() { [[ $1 == a ]] && echo 10.10.0.0/16 || echo 10.20.0.0/16; }   # each site's LAN prefix
# route_of SITE: the devices SITE's kernel uses for the other site's LAN ("wg0", "blackhole", ...).
route_of() { lab_route_dev "$1" "$(site_lan "$([[ $1 == a ]] && echo b || echo a)")"; }
route_is() { [[ $(route_of "$1") == "$2" ]]; }

banner "1. Two sites, two wireguard-go tunnels"
lab_init
lab_site a
lab_site b
lab_tunnel a b 0
lab_tunnel a b 1
at "site-a (netns $(lab_ns a)) and site-b (netns $(lab_ns b))"
at "wg0: $(lab_addr a 0) <-> $(lab_addr b 0)   underlay $(lab_endpoint a 0) <-> $(lab_endpoint b 0)"
at "wg1: $(lab_addr a 1) <-> $(lab_addr b 1)   underlay $(lab_endpoint a 1) <-> $(lab_endpoint b 1)"

banner "2. FRR (zebra, staticd -M grpc:50051) and wg-failoverd on both sites: BFD at 50 ms x 3"
LAB_FRR_DAEMONS=(zebra staticd)
printf 'frr defaults traditional\nhostname site-a\n' >"$LAB_DIR/frr-a.conf"
printf 'frr defaults traditional\nhostname site-b\n' >"$LAB_DIR/frr-b.conf"
lab_frr a "$LAB_DIR/frr-a.conf" b "$LAB_DIR/frr-b.conf"
wgfo_start a <(site_conf site-a a)
wgfo_start b <(site_conf site-b b)
t0=$(wgfo_now_ms)
for s in a b; do for t in primary backup; do wgfo_expect "$s" "$t" .state up 5; done; done
at "all four sessions Up $(($(wgfo_now_ms) - t0)) ms after the daemons started"
lab_wait 5 route_is a wg0 || lab_fail "site-a's route to site-b's LAN is '$(route_of a)', expected wg0"
echo
wgfo_cli a show tunnels | sed 's/^/  site-a$ /'
echo
wgfo_cli a show routes | sed 's/^/  site-a$ /'
lab_vtysh a -c "show ip route static" | grep -E '^S' | sed 's/^/  site-a# /'
at "site-a kernel: $(site_lan b) dev $(route_of a) (distance 10 via wg0 selected, distance 20 via wg1 standing by)"

banner "3. Cut wg0 (nftables drops its underlay UDP on both sites)"
t_cut=$(wgfo_now_ms)
lab_cut a b 0
at "wg0 cut"
lab_wait 2 route_is a wg1 || lab_fail "site-a's route did not move to wg1: '$(route_of a)'"
t_route=$(wgfo_now_ms)
for s in a b; do wgfo_expect "$s" primary .state down 2; done
for s in a b; do
  t_down=$(wgfo_rfc3339_ms "$(wgfo_field "$s" primary .last_change)")
  t_rx=$(wgfo_rfc3339_ms "$(wgfo_field "$s" primary .bfd.last_rx)")
  at "site-$s: primary Down $((t_down - t_cut)) ms after the cut, $((t_down - t_rx)) ms after its last" \
    "BFD packet (detection time $(wgfo_field "$s" primary .bfd.detection_time_ms) ms," \
    "diag $(wgfo_field "$s" primary .bfd.last_diag)); backup is $(wgfo_field "$s" backup .state)"
done
at "site-a kernel: $(site_lan b) dev $(route_of a), seen $((t_route - t_cut)) ms after the cut (BFD detection," \
  "one staticd commit, zebra; polled every 50 ms)"
echo
wgfo_cli a show tunnels | sed 's/^/  site-a$ /'
echo
wgfo_cli a show routes | sed 's/^/  site-a$ /'

banner "4. Restore wg0: traffic stays on wg1 for the 2 s fail-back hold-down, then returns"
t_restore=$(wgfo_now_ms)
lab_restore a b 0
bfd_up() { [[ $(wgfo_field a primary .bfd.state) == up ]]; }
lab_wait 5 bfd_up || lab_fail "site-a's BFD session on wg0 did not come back"
at "site-a: BFD on wg0 Up $(($(wgfo_now_ms) - t_restore)) ms after the restore" \
  "(a Down session sends at the 1 s slow-start rate, RFC 5880 §6.8.3); tunnel state" \
  "'$(wgfo_field a primary .state)', route still via $(route_of a)"
route_is a wg1 || lab_fail "site-a's route left wg1 during the hold-down: '$(route_of a)'"
for s in a b; do wgfo_expect "$s" primary .state up 5; done
lab_wait 2 route_is a wg0 || lab_fail "site-a's route did not come back to wg0: '$(route_of a)'"
at "site-a kernel: $(site_lan b) dev $(route_of a) again, $(($(wgfo_now_ms) - t_restore)) ms after the restore"
echo
wgfo_cli b show tunnels --json | jq -c '.[] | {name, state, bfd: {state: .bfd.state, tx_interval_ms: .bfd.tx_interval_ms, down_transitions: .bfd.down_transitions}}' | sed 's/^/  site-b$ /'

banner "5. Teardown"
lab_teardown
at "namespaces, tunnels and daemons removed"
