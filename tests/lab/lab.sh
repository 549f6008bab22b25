# shellcheck shell=bash
# lab.sh: network-namespace lab for wg-failover (integration tests, demo, benchmarks). Source it, then e.g.
#   lab_init; lab_site a; lab_site b; lab_tunnel a b 0; lab_frr a a.conf b b.conf; lab_cut a b 0; ...
# It is `set -euo pipefail` friendly; failures call lab_fail (one line on stderr, exit 1). Needs root.
# Functions are documented one line each below; names starting with _lab_ are internal.
#
# What it builds
#   run     lab_init: random hex id LAB_ID, temp dir LAB_DIR (/tmp/wgfo-lab.XXXXXX) holding keys/, sites/<site>/
#           (etc/ = the site's /etc/frr, log/, bird.*), pids/<site>.<tag> ("PID STARTTIME"), tunnels/<idx>
#           ("A B"), mnt/<site> (mount-namespace handles, on a private bind mount).
#   site    netns wgfo-<id>-<site> + a persistent private mount namespace in which /run is a private tmpfs
#           (/run/wireguard, /run/frr frr:frr 0755), /etc/frr is sites/<site>/etc and /sys shows the
#           netns: every site looks like its own host (wg0 or /run/wg-failover/api.sock in two sites never
#           collide; vtysh needs no -N). lo up, IPv4/IPv6 forwarding on. Site names: 1-8 chars of [a-z0-9].
#   lan     lab_lan SITE HOST ...: a host (itself a site) behind SITE on a veth; see lab_lan.
#   tunnel  IDX 0..31, unique in a run, joins sites A and B (A is the first argument):
#             underlay veth ul<IDX>-<id> (same name on both ends) 192.0.2.(4*IDX+1)/30 (A) <-> .(4*IDX+2)/30 (B)
#             wg<IDX> (wireguard-go -f), UDP port 51820+IDX on both ends, keepalive off (LAB_WG_KEEPALIVE=N)
#             overlay 203.0.113.(4*IDX+1)/30 (A) <-> .(4*IDX+2)/30 (B), MTU 1420, IPv6 off (else the kernel's
#             MLD reports trigger handshakes and traffic: an idle lab tunnel stays silent)
#           so wg0 is 203.0.113.1<->.2 and wg1 203.0.113.5<->.6; 192.0.2.128/25 and 203.0.113.128/25 stay
#           free for tests (loopbacks, announced prefixes). Tunnels between any site pairs, any number per site.
#   FRR     zebra, staticd -M grpc:50051, bgpd -M grpc:50052, bfdd -M grpc:50053 (LAB_GRPC_*; empty = no gRPC), -d -P 0,
#           logs in sites/<site>/log/<daemon>.log, config /etc/frr/frr.conf applied with vtysh -b. nft table
#           inet wgfo_grpc (input, prio 0) drops TCP to the gRPC ports unless it arrives on lo. FRR 8.4 ignores
#           `log timestamp precision` for those logs: for microseconds put `log file $(lab_log SITE frr)` in CONF.
#   faults  nft table inet wgfo_fault (input, prio -10): iifname ul<IDX>-<id> jumps to chain t<IDX>, which
#           lab_cut/lab_loss/lab_restore rewrite atomically on both sites; the gRPC table is never touched.
# Teardown guarantees: lab_teardown (also run by the EXIT/INT/TERM trap lab_init installs; do not replace
# that trap, call lab_teardown from yours) is idempotent and driven only by the files in LAB_DIR: it TERMs the
# recorded PIDs (each checked against its start time, so a reused PID is never hit; KILL after
# LAB_STOP_TIMEOUT s), waits for them, unmounts and unlinks the mount-ns handles (unlink also detaches copies
# in other mount namespaces), deletes the netns (their veths go with them) and removes LAB_DIR, which is kept
# (logs and configs; it says where) when LAB_KEEP=1 or a test failed. Afterwards no netns, process or mount of
# the run remains. Processes not started by lab_bg/lab_frr/lab_tunnel are never killed, only reported. A run whose
# shell was SIGKILLed (ctest timeout) is torn down by the next lab_init (lab_gc).

: "${LAB_GRPC_STATICD=50051}" "${LAB_GRPC_BGPD=50052}" "${LAB_GRPC_BFDD=50053}"   # set empty: no gRPC
: "${LAB_WG_PORT:=51820}" "${LAB_STOP_TIMEOUT:=3}" "${LAB_WG_LOG:=error}" "${LAB_WG_KEEPALIVE:=}"
LAB_FRR_DAEMONS=(zebra staticd bgpd bfdd)   # what lab_frr runs (zebra first; reassign to run fewer)
LAB_FRR_BIN=/usr/lib/frr

# ---------------------------------------------------------------------------------------------- helpers --

# lab_fail MSG...: print "FAIL: MSG" on stderr, mark the run failed (logs are kept) and exit 1.
lab_fail() { printf 'FAIL: %s\n' "$*" >&2; LAB_FAILED=1; exit 1; }

_lab_say() { printf 'lab: %s\n' "$*" >&2; }
_lab_ms() { local t=${EPOCHREALTIME//[!0-9]/}; REPLY=$((10#$t / 1000)); }   # REPLY = wall clock in ms

# lab_elapsed: print the seconds since lab_init (e.g. "1.234").
lab_elapsed() { _lab_ms; local d=$((REPLY - LAB_T0)); printf '%d.%03d\n' $((d / 1000)) $((d % 1000)); }

# lab_wait SECONDS CMD...: run CMD every 50 ms until it succeeds; return 1 if SECONDS (may be fractional) pass.
lab_wait() {
  local secs=$1 int frac end; shift
  int=${secs%%.*} frac=${secs#"$int"} frac=${frac#.}000
  _lab_ms; end=$((REPLY + ${int:-0} * 1000 + 10#${frac:0:3}))
  until "$@"; do
    _lab_ms; ((REPLY < end)) || return 1
    sleep 0.05
  done
}

# _lab_join PID...: wait for background jobs of the lab; if one failed (it said why), fail the run quietly.
_lab_join() {
  local j rc=0
  for j; do wait "$j" || rc=1; done
  ((rc == 0)) || { LAB_FAILED=1; exit 1; }
}

_lab_need_init() { [[ -n ${LAB_DIR:-} && -d $LAB_DIR ]] || lab_fail "lab: call lab_init first"; }
_lab_need_site() {
  _lab_need_init
  local s; for s; do [[ -d $LAB_DIR/sites/$s ]] || lab_fail "lab: no site '$s' (lab_site $s first)"; done
}
_lab_need_tunnel() {   # _lab_need_tunnel IDX [A B]: sets LAB_A/LAB_B to the tunnel's ends, checks A B if given
  _lab_need_init
  [[ -f $LAB_DIR/tunnels/$1 ]] || lab_fail "lab: no tunnel $1"
  read -r LAB_A LAB_B <"$LAB_DIR/tunnels/$1"
  (($# < 3)) || [[ "$2 $3" == "$LAB_A $LAB_B" || "$3 $2" == "$LAB_A $LAB_B" ]] ||
    lab_fail "lab: tunnel $1 joins $LAB_A and $LAB_B, not $2 and $3"
}

# _lab_proc_start PID: REPLY = start time of live (not zombie) process PID; return 1 if there is none.
_lab_proc_start() {
  local stat f
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -ra f <<<"${stat##*) }"   # fields from 3 (state) on; comm may contain spaces and parentheses
  [[ ${f[0]} != Z ]] || return 1
  REPLY=${f[19]}
}
_lab_alive() { _lab_proc_start "$1" && [[ $REPLY == "$2" ]]; }   # _lab_alive PID STARTTIME

# _lab_record SITE TAG PID: record PID (with its start time) as SITE's process TAG.
_lab_record() {
  _lab_proc_start "$3" || lab_fail "lab: $1/$2 (pid $3) exited at once, see $(lab_log "$1" "$2")"
  printf '%s %s\n' "$3" "$REPLY" >"$LAB_DIR/pids/$1.$2"
}

# _lab_kill PIDFILE...: TERM the recorded processes, KILL them after LAB_STOP_TIMEOUT s, wait, drop the records.
_lab_kill() {
  local f pid start end killed=0 live=() left
  for f; do
    if [[ -f $f ]] && read -r pid start <"$f" && _lab_alive "$pid" "$start" && kill -TERM "$pid" 2>/dev/null; then
      live+=("$pid $start")
    fi
  done
  _lab_ms; end=$((REPLY + LAB_STOP_TIMEOUT * 1000))
  while ((${#live[@]})); do
    left=()
    for f in "${live[@]}"; do _lab_alive "${f% *}" "${f#* }" && left+=("$f"); done
    live=("${left[@]}")
    ((${#live[@]})) || break
    _lab_ms
    if ((REPLY >= end)); then
      ((killed)) && { _lab_say "pids ${live[*]% *} survive SIGKILL"; break; }
      _lab_say "SIGKILL after ${LAB_STOP_TIMEOUT}s: ${live[*]% *}"
      for f in "${live[@]}"; do kill -KILL "${f% *}" 2>/dev/null || :; done
      killed=1 end=$((REPLY + 2000))
    fi
    sleep 0.02
  done
  rm -f -- "$@"
}

# ------------------------------------------------------------------------------------------- run, sites --

# lab_init: start a run (LAB_ID, LAB_DIR, LAB_T0) and install the EXIT/INT/TERM teardown trap.
lab_init() {
  ((EUID == 0)) || lab_fail "lab: needs root"
  [[ -z ${LAB_DIR:-} ]] || lab_fail "lab: lab_init called twice (run $LAB_ID)"
  local cmd; for cmd in wireguard-go wg nft nsenter unshare; do
    command -v "$cmd" >/dev/null || lab_fail "lab: '$cmd' not installed (deploy/install-deps.sh)"
  done
  _lab_ms; LAB_T0=$REPLY LAB_FAILED=0
  LAB_DIR=$(mktemp -d /tmp/wgfo-lab.XXXXXX)
  trap '_lab_on_exit $?' EXIT
  trap '_lab_on_signal 130' INT
  trap '_lab_on_signal 143' TERM
  until printf -v LAB_ID '%06x' $((SRANDOM & 0xffffff)) && ! compgen -G "/run/netns/wgfo-$LAB_ID-*" >/dev/null; do
    :
  done
  export LAB_ID LAB_DIR
  chmod 0711 "$LAB_DIR"   # FRR daemons (user frr) reach their log dirs; keys/ stays 0700
  mkdir -m 0700 "$LAB_DIR/keys"
  mkdir "$LAB_DIR"/{pids,tunnels,sites,mnt}
  _lab_proc_start "$BASHPID"
  printf '%s %s %s\n' "$LAB_ID" "$BASHPID" "$REPLY" >"$LAB_DIR/run"   # marks a live run (read by lab_gc)
  mount --bind "$LAB_DIR/mnt" "$LAB_DIR/mnt"   # mount-ns handles must live on a private mount
  mount --make-private "$LAB_DIR/mnt"
  _lab_say "run $LAB_ID in $LAB_DIR"
  lab_gc
}

# lab_gc: tear down the leftovers of runs whose shell died without a teardown (SIGKILL, e.g. a ctest timeout);
# their logs are kept. Runs whose shell lives are never touched. lab_init calls it.
lab_gc() {
  local d id pid start
  for d in /tmp/wgfo-lab.*/; do
    { read -r id pid start <"${d}run"; } 2>/dev/null || continue
    ! _lab_alive "$pid" "$start" || continue
    _lab_say "cleaning up run $id, whose shell (pid $pid) is gone"
    _lab_teardown "${d%/}" "$id" 1 || :
  done
}

_lab_on_exit() { (($1 == 0)) || LAB_FAILED=1; lab_teardown; }
_lab_on_signal() { LAB_FAILED=1; _lab_say "interrupted"; lab_teardown; exit "$1"; }

# lab_ns SITE: print SITE's network namespace name.
lab_ns() { printf 'wgfo-%s-%s\n' "$LAB_ID" "$1"; }

# lab_site SITE: create a site (netns + private mount ns, see the top of this file).
lab_site() {
  local site=${1:?lab_site SITE} dir
  _lab_need_init
  [[ $site =~ ^[a-z0-9]{1,8}$ ]] || lab_fail "lab_site: bad site name '$site' (1-8 chars of a-z0-9)"
  dir=$LAB_DIR/sites/$site
  [[ ! -e $dir ]] || lab_fail "lab_site: site '$site' exists"
  mkdir "$dir"
  install -d -o frr -g frr -m 0755 "$dir/etc" "$dir/log"
  ip netns add "wgfo-$LAB_ID-$site"
  : >"$LAB_DIR/mnt/$site"
  unshare --mount="$LAB_DIR/mnt/$site" --propagation private true
  # shellcheck disable=SC2016 # expanded by the inner sh
  lab_exec "$site" sh -euc '
    mount -t tmpfs -o mode=0755 wgfo-run /run
    mkdir -m 0755 /run/wireguard /run/frr && chown frr:frr /run/frr
    mount --bind "$1" /etc/frr
    umount -l /sys && mount -t sysfs sysfs /sys
    ip link set lo up
    echo 1 >/proc/sys/net/ipv4/ip_forward && echo 1 >/proc/sys/net/ipv6/conf/all/forwarding' sh "$dir/etc" ||
    lab_fail "lab_site: could not set up the mount namespace of '$site'"
}

# lab_exec SITE CMD...: run CMD in SITE (its mount and network namespaces, same working directory).
lab_exec() {
  local site=${1:?lab_exec SITE CMD...}; shift
  _lab_need_site "$site"
  nsenter --mount="$LAB_DIR/mnt/$site" --net="/run/netns/wgfo-$LAB_ID-$site" --wd="$PWD" -- "$@"
}

# lab_bg SITE TAG CMD...: start CMD in SITE in the background, stdin /dev/null, output to lab_log SITE TAG;
# records the PID of CMD itself (lab_pid SITE TAG).
lab_bg() {
  local site=${1:?lab_bg SITE TAG CMD...} tag=${2:?lab_bg SITE TAG CMD...} pidf pid start; shift 2
  _lab_need_site "$site"
  [[ $tag =~ ^[A-Za-z0-9_.-]+$ && $# -gt 0 ]] || lab_fail "lab_bg: bad tag '$tag' or no command"
  pidf=$LAB_DIR/pids/$site.$tag
  if [[ -f $pidf ]] && read -r pid start <"$pidf" && _lab_alive "$pid" "$start"; then
    lab_fail "lab_bg: $site/$tag is already running (pid $pid)"
  fi
  (exec nsenter --mount="$LAB_DIR/mnt/$site" --net="/run/netns/wgfo-$LAB_ID-$site" --wd="$PWD" -- "$@") \
    </dev/null >>"$(lab_log "$site" "$tag")" 2>&1 &
  _lab_record "$site" "$tag" $!
}

# lab_stop SITE TAG: stop SITE's recorded process TAG (TERM, KILL after LAB_STOP_TIMEOUT s) and wait for it.
lab_stop() {
  _lab_need_site "${1:?lab_stop SITE TAG}"
  [[ -f $LAB_DIR/pids/$1.${2:?lab_stop SITE TAG} ]] || lab_fail "lab_stop: no process '$2' recorded in site '$1'"
  _lab_kill "$LAB_DIR/pids/$1.$2"
}

# lab_pid SITE TAG: print the recorded PID of SITE's process TAG (wg<IDX>, zebra, ..., bird, or a lab_bg tag).
lab_pid() { local pid _s; read -r pid _s <"$LAB_DIR/pids/$1.$2" && printf '%s\n' "$pid"; }

# lab_log SITE TAG: print the log file of SITE's process TAG.
lab_log() { printf '%s\n' "$LAB_DIR/sites/$1/log/$2.log"; }

# ------------------------------------------------------------------------------------------------ tunnels --

# lab_ul IDX: print the underlay veth name of tunnel IDX (the same in both sites).
lab_ul() { printf 'ul%s-%s\n' "$1" "$LAB_ID"; }

# lab_port IDX: print tunnel IDX's WireGuard listen port (both ends).
lab_port() { printf '%s\n' $((LAB_WG_PORT + $1)); }

# lab_addr SITE IDX [overlay|underlay]: print SITE's address on tunnel IDX (default overlay, no prefix length).
lab_addr() { _lab_addr "$@" && printf '%s\n' "$REPLY"; }
_lab_addr() {   # same, into REPLY
  local side net
  _lab_need_tunnel "$2"
  case $1 in "$LAB_A") side=1 ;; "$LAB_B") side=2 ;; *) lab_fail "lab_addr: site '$1' is not on tunnel $2" ;; esac
  case ${3:-overlay} in overlay) net=203.0.113 ;; underlay) net=192.0.2 ;; *) lab_fail "lab_addr: kind '$3'" ;; esac
  REPLY=$net.$((4 * $2 + side))
}

# lab_endpoint SITE IDX: print SITE's WireGuard endpoint on tunnel IDX (underlay-address:port).
lab_endpoint() { _lab_addr "$1" "$2" underlay && printf '%s:%s\n' "$REPLY" $((LAB_WG_PORT + $2)); }

# lab_pubkey SITE IDX: print SITE's WireGuard public key on tunnel IDX.
lab_pubkey() { cat "$LAB_DIR/keys/$1-wg$2.pub"; }

# lab_tunnel A B IDX: build tunnel IDX between sites A and B (see the top); returns once a ping crosses it.
lab_tunnel() {
  local a=${1:?lab_tunnel A B IDX} b=${2:?lab_tunnel A B IDX} i=${3:?lab_tunnel A B IDX} s jobs=()
  _lab_need_site "$a" "$b"
  [[ $a != "$b" ]] || lab_fail "lab_tunnel: a tunnel needs two sites"
  [[ $i =~ ^([0-9]|[12][0-9]|3[01])$ ]] || lab_fail "lab_tunnel: IDX '$i' not in 0..31"
  [[ ! -e $LAB_DIR/tunnels/$i ]] || lab_fail "lab_tunnel: tunnel $i exists"
  printf '%s %s\n' "$a" "$b" >"$LAB_DIR/tunnels/$i"
  ip link add "ul$i-$LAB_ID" netns "wgfo-$LAB_ID-$a" type veth peer name "ul$i-$LAB_ID" netns "wgfo-$LAB_ID-$b"
  for s in "$a" "$b"; do
    (umask 077 && wg genkey >"$LAB_DIR/keys/$s-wg$i.key")
    wg pubkey <"$LAB_DIR/keys/$s-wg$i.key" >"$LAB_DIR/keys/$s-wg$i.pub"
    lab_bg "$s" "wg$i" env LOG_LEVEL="$LAB_WG_LOG" wireguard-go -f "wg$i"
  done
  _lab_wg_conf "$a" "$b" "$i" & jobs+=($!)   # both ends side by side
  _lab_wg_conf "$b" "$a" "$i" & jobs+=($!)
  _lab_join "${jobs[@]}"
  for s in "$a" "$b"; do ip -n "wgfo-$LAB_ID-$s" link set "wg$i" up; done   # no packet before both ends listen
  _lab_addr "$b" "$i"
  lab_wait 5 lab_ping "$a" "$REPLY" || lab_fail "lab_tunnel: no ping over wg$i ($a -> $b)"
}

# _lab_wg_conf SITE PEER IDX: in SITE, address the underlay and add the fault chain, then _lab_wg_up.
_lab_wg_conf() {
  local s=$1 i=$3 ul=ul$3-$LAB_ID
  _lab_addr "$s" "$i" underlay
  # shellcheck disable=SC2016 # expanded by the inner sh
  lab_exec "$s" sh -euc 'ip addr add "$2/30" dev "$1" && ip link set "$1" up && nft -f -' sh "$ul" "$REPLY" <<EOF ||
add table inet wgfo_fault
add chain inet wgfo_fault input { type filter hook input priority -10; policy accept; }
add chain inet wgfo_fault t$i
add rule inet wgfo_fault input iifname "$ul" jump t$i
EOF
    lab_fail "lab_tunnel: the underlay of tunnel $i in '$s' failed"
  _lab_wg_up "$@"
}

# _lab_wg_up SITE PEER IDX: wait for wg<IDX>'s UAPI socket in SITE, configure it towards PEER with the run's
# keys (still down; IPv6 off, so no MLD/RS chatter over the tunnel).
_lab_wg_up() {
  local s=$1 peer=$2 i=$3
  _lab_addr "$s" "$i"
  # shellcheck disable=SC2016 # expanded by the inner sh
  lab_exec "$s" sh -euc '
    n=0; until [ -S "/run/wireguard/$1.sock" ]; do
      n=$((n + 1)); [ $n -lt 250 ] || { echo "no UAPI socket for $1" >&2; exit 1; }; sleep 0.02
    done
    wg set "$1" private-key "$2" listen-port "$3" peer "$4" endpoint "$5" allowed-ips 0.0.0.0/0,::/0 \
      ${7:+persistent-keepalive "$7"}
    ip addr add "$6/30" dev "$1" && ip link set "$1" mtu 1420
    sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"' sh \
    "wg$i" "$LAB_DIR/keys/$s-wg$i.key" $((LAB_WG_PORT + i)) "$(<"$LAB_DIR/keys/$peer-wg$i.pub")" \
    "$(lab_endpoint "$peer" "$i")" "$REPLY" "$LAB_WG_KEEPALIVE" ||
    lab_fail "lab_tunnel: wg$i in '$s' failed, see $(lab_log "$s" "wg$i")"
}

# lab_wg_restart SITE IDX: stop SITE's wireguard-go of tunnel IDX if it still runs (its wg<IDX> goes with it),
# start a new one and configure it as lab_tunnel did (same keys, addresses and peer), up. Returns without
# waiting for a handshake.
lab_wg_restart() {
  local s=${1:?lab_wg_restart SITE IDX} i=${2:?lab_wg_restart SITE IDX} peer
  _lab_need_tunnel "$i"
  [[ $s == "$LAB_A" || $s == "$LAB_B" ]] || lab_fail "lab_wg_restart: '$s' is not an end of tunnel $i"
  peer=$LAB_A; [[ $s != "$LAB_A" ]] || peer=$LAB_B
  [[ ! -f $LAB_DIR/pids/$s.wg$i ]] || _lab_kill "$LAB_DIR/pids/$s.wg$i"
  lab_wait 3 _lab_no_link "$s" "wg$i" || lab_fail "lab_wg_restart: wg$i in '$s' is still there"
  lab_exec "$s" rm -f "/run/wireguard/wg$i.sock"   # left behind by a wireguard-go that was killed
  lab_bg "$s" "wg$i" env LOG_LEVEL="$LAB_WG_LOG" wireguard-go -f "wg$i"
  _lab_wg_up "$s" "$peer" "$i"
  ip -n "wgfo-$LAB_ID-$s" link set "wg$i" up
}
_lab_no_link() { ! ip -n "wgfo-$LAB_ID-$1" link show "$2" >/dev/null 2>&1; }

# lab_lan SITE HOST GW/LEN ADDR: put HOST (a site made with lab_site, used as an end host) behind SITE on a LAN:
# a veth lan-HOST (in SITE, address GW/LEN) <-> eth0 (in HOST, address ADDR/LEN, default route via GW). Traffic
# between hosts behind two sites is then forwarded by the sites, as an enterprise LAN's would be.
lab_lan() {
  local site=${1:?lab_lan SITE HOST GW/LEN ADDR} host=${2:?lab_lan SITE HOST GW/LEN ADDR} gw=${3:?} addr=${4:?}
  _lab_need_site "$site" "$host"
  [[ $gw == */* ]] || lab_fail "lab_lan: GW '$gw' needs a prefix length"
  ip link add "lan-$host" netns "$(lab_ns "$site")" type veth peer name eth0 netns "$(lab_ns "$host")" ||
    lab_fail "lab_lan: could not create the veth lan-$host"
  ip -n "$(lab_ns "$site")" addr add "$gw" dev "lan-$host"
  ip -n "$(lab_ns "$site")" link set "lan-$host" up
  ip -n "$(lab_ns "$host")" addr add "$addr/${gw#*/}" dev eth0
  ip -n "$(lab_ns "$host")" link set eth0 up
  ip -n "$(lab_ns "$host")" route add default via "${gw%/*}"
}

# lab_two_sites_with_hosts: the failover topology: sites a and b joined by tunnels 0 (wg0) and 1 (wg1), host ha
# behind a (10.10.0.2, a is 10.10.0.1/24) and host hb behind b (10.20.0.2, b is 10.20.0.1/24).
lab_two_sites_with_hosts() {
  local s
  for s in a b ha hb; do lab_site "$s"; done
  lab_tunnel a b 0
  lab_tunnel a b 1
  lab_lan a ha 10.10.0.1/24 10.10.0.2
  lab_lan b hb 10.20.0.1/24 10.20.0.2
}

# lab_route_dev SITE PREFIX: how SITE's kernel routes PREFIX (main table): its devices, sorted and space-separated
# ("wg0", "wg0 wg1" for multipath), "blackhole", or nothing when there is no route. IPv6 when PREFIX has a ':'.
lab_route_dev() {
  local fam=-4 j
  [[ ${2:?lab_route_dev SITE PREFIX} != *:* ]] || fam=-6
  j=$(lab_exec "$1" ip "$fam" -j route show "$2") || return 1
  jq -r 'if length == 0 then "" elif .[0].type == "blackhole" then "blackhole"
         else [.[0] | (.dev // empty), (.nexthops // [] | .[].dev)] | sort | join(" ") end' <<<"$j"
}

# lab_ping SITE ADDR [COUNT]: ping ADDR from SITE quietly (200 ms apart, 1 s timeout); status as ping's.
lab_ping() { lab_exec "$1" ping -q -n -c "${3:-1}" -i 0.2 -W 1 "$2" >/dev/null; }

# ----------------------------------------------------------------------------------------------- daemons --

# lab_grpc_port DAEMON: print DAEMON's gRPC port, or return 1 if it runs without gRPC.
lab_grpc_port() {
  local p=
  case $1 in staticd) p=$LAB_GRPC_STATICD ;; bgpd) p=$LAB_GRPC_BGPD ;; bfdd) p=$LAB_GRPC_BFDD ;; esac
  [[ -n $p ]] && printf '%s\n' "$p"
}

# _lab_install_conf SRC DST [OWNER]: copy a config (SRC '-' = stdin) into the lab, mode 0640.
_lab_install_conf() {
  cat -- "$1" >"$2" || lab_fail "lab: cannot read config '$1'"
  chmod 0640 "$2"
  [[ -z ${3:-} ]] || chown "$3" "$2"
}

# lab_frr SITE CONF [SITE CONF]...: start FRR in each SITE (side by side) with CONF as /etc/frr/frr.conf (a file,
# or - for stdin with a single SITE); returns when every daemon answers vtysh and listens on its gRPC port.
lab_frr() {
  local jobs=()
  (($# >= 2 && $# % 2 == 0)) || lab_fail "usage: lab_frr SITE CONF [SITE CONF]..."
  (($# > 2)) || { _lab_frr_site "$1" "$2"; return; }
  while (($#)); do _lab_frr_site "$1" "$2" & jobs+=($!); shift 2; done
  _lab_join "${jobs[@]}"
}

_lab_frr_site() {   # _lab_frr_site SITE CONF: lab_frr for one site
  local site=$1 etc d port ports=() list
  _lab_need_site "$site"
  [[ ! -e $LAB_DIR/pids/$site.zebra ]] ||
    lab_fail "lab_frr: FRR already runs in '$site' (lab_frr_start restarts daemons)"
  etc=$LAB_DIR/sites/$site/etc
  _lab_install_conf "$2" "$etc/frr.conf" frr:frr
  echo 'service integrated-vtysh-config' >"$etc/vtysh.conf"
  for d in "${LAB_FRR_DAEMONS[@]}"; do if port=$(lab_grpc_port "$d"); then ports+=("$port"); fi; done
  printf -v list '%s, ' "${ports[@]}"
  ((${#ports[@]} == 0)) || lab_exec "$site" nft -f - <<EOF
add table inet wgfo_grpc
flush table inet wgfo_grpc
add chain inet wgfo_grpc input { type filter hook input priority 0; policy accept; }
add rule inet wgfo_grpc input iifname != "lo" tcp dport { ${list%, } } drop
EOF
  lab_frr_start "$site" "${LAB_FRR_DAEMONS[@]}"
  # shellcheck disable=SC2016 # expanded by the inner sh
  lab_exec "$site" sh -c '
    vtysh -b >>"$1" 2>&1 || exit 2
    n=0
    while :; do   # ready: vtysh reaches every daemon and every gRPC port listens
      out=" $(vtysh -c "show daemons" 2>/dev/null) $(ss -Hltn) " ok=1
      for d in $2; do case $out in *" $d "*) ;; *) ok=0 ;; esac; done
      for p in $3; do case $out in *":$p "*) ;; *) ok=0 ;; esac; done
      [ $ok = 0 ] || exit 0
      n=$((n + 1)) && [ $n -lt 100 ] || exit 3
      sleep 0.1
    done' sh "$(lab_log "$site" vtysh)" "${LAB_FRR_DAEMONS[*]}" "${ports[*]}" || case $? in
    2) lab_fail "lab_frr: vtysh -b rejected the config of '$site', see $(lab_log "$site" vtysh)" ;;
    *) lab_fail "lab_frr: FRR in '$site' not ready after 10 s, see $LAB_DIR/sites/$site/log" ;;
  esac
}

# lab_frr_start SITE DAEMON...: (re)start FRR daemons in SITE with the lab's options (zebra first, the others side
# by side) and record their PIDs. After a restart, `lab_vtysh SITE -b` re-applies the config if needed.
lab_frr_start() {
  local site=${1:?lab_frr_start SITE DAEMON...} d pid port out rc=0 specs=(); shift
  _lab_need_site "$site"
  for d; do   # pairs: daemon, its extra options
    if port=$(lab_grpc_port "$d"); then specs+=("$d" "-M grpc:$port"); else specs+=("$d" ""); fi
    [[ $d != zebra ]] || specs[-1]="-s 90000000"
  done
  # shellcheck disable=SC2016 # expanded by the inner sh
  out=$(lab_exec "$site" sh -c '
    bin=$1 logs=$2; shift 2
    start() {   # prints "DAEMON PID" once the daemon is up (-d returns then)
      "$bin/$1" -d -F traditional -P 0 --log "file:$logs/$1.log" $2 >>"$logs/$1.log" 2>&1 &&
        read -r pid <"/run/frr/$1.pid" && echo "$1 $pid"
    }
    if [ "$1" = zebra ]; then start "$1" "$2" || exit 1; shift 2; fi
    jobs=
    while [ $# -gt 0 ]; do start "$1" "$2" & jobs="$jobs $!"; shift 2; done
    rc=0; for j in $jobs; do wait "$j" || rc=1; done; exit $rc' sh "$LAB_FRR_BIN" "$LAB_DIR/sites/$site/log" \
    "${specs[@]}") || rc=$?
  while read -r d pid; do [[ -z $d ]] || _lab_record "$site" "$d" "$pid"; done <<<"$out"
  ((rc == 0)) || lab_fail "lab_frr: could not start $* in '$site', see $LAB_DIR/sites/$site/log"
}

# lab_vtysh SITE ARGS...: run vtysh ARGS in SITE.
lab_vtysh() { lab_exec "${1:?lab_vtysh SITE ARGS...}" vtysh "${@:2}"; }

# lab_static_routes SITE: staticd's routes in SITE as its running config holds them, one
# "PREFIX NEXTHOP DISTANCE" per line (distance 1 when none is written), sorted.
lab_static_routes() {
  lab_vtysh "${1:?lab_static_routes SITE}" -c "show running-config staticd" |
    awk '$1 == "ip" && $2 == "route" { d = 1; for (i = 5; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $(i-1) != "tag") d = $i; print $3, $4, d }' |
    sort
}

# lab_leak_watch SITE NET: count the packets to NET (an IPv4 prefix) that leave SITE by an underlay;
# lab_leaked SITE prints the count.
lab_leak_watch() {
  lab_exec "${1:?lab_leak_watch SITE NET}" nft -f - <<EOF
add table inet wgfo_leak
add chain inet wgfo_leak post { type filter hook postrouting priority 0; policy accept; }
add rule inet wgfo_leak post oifname "ul*" ip daddr ${2:?lab_leak_watch SITE NET} counter
EOF
}
lab_leaked() {
  lab_exec "${1:?lab_leaked SITE}" nft -j list table inet wgfo_leak |
    jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add'
}

# lab_bird SITE CONF: start BIRD 2 (bird -f) in SITE with CONF (a file, or - for stdin); returns when birdc
# answers. Config, control socket and pid file are sites/SITE/bird.{conf,ctl,pid}; the log is lab_log SITE bird
# (bird -f logs to syslog unless told otherwise, so `log stderr all;` is prepended when CONF has no log line).
# With bfdd in the same site both bind 0.0.0.0:3784: give BIRD's bfd protocol `strict bind yes` so that it binds
# <addr>%<iface>:3784, which the kernel prefers, and its sessions get their packets.
lab_bird() {
  local site=${1:?lab_bird SITE CONF} dir
  _lab_need_site "$site"
  dir=$LAB_DIR/sites/$site
  _lab_install_conf "${2:?lab_bird SITE CONF}" "$dir/bird.conf"
  grep -Eq '^[[:space:]]*log[[:space:]]' "$dir/bird.conf" || sed -i '1i log stderr all;' "$dir/bird.conf"
  lab_bg "$site" bird bird -f -c "$dir/bird.conf" -s "$dir/bird.ctl" -P "$dir/bird.pid"
  lab_wait 5 _lab_bird_ready "$site" ||
    lab_fail "lab_bird: BIRD in '$site' not answering, see $(lab_log "$site" bird)"
}

_lab_bird_ready() { lab_birdc "$1" show status >/dev/null 2>&1; }

# lab_birdc SITE ARGS...: run birdc ARGS against SITE's BIRD.
lab_birdc() { lab_exec "${1:?lab_birdc SITE ARGS...}" birdc -s "$LAB_DIR/sites/$1/bird.ctl" "${@:2}"; }

# ------------------------------------------------------------------------------------------------- faults --

# _lab_fault IDX A B RULE: replace tunnel IDX's fault rules on both sites with RULE (empty = none).
_lab_fault() {
  local i=$1 s
  _lab_need_tunnel "$i" "$2" "$3"
  for s in "$LAB_A" "$LAB_B"; do
    printf 'flush chain inet wgfo_fault t%s\n%s\n' "$i" "${4:+add rule inet wgfo_fault t$i $4}" |
      lab_exec "$s" nft -f - || lab_fail "lab: could not set the fault rules of tunnel $i in '$s'"
  done
}

# lab_cut A B IDX: silently drop tunnel IDX's underlay UDP on the input hook of both sites (a broken path).
lab_cut() { _lab_fault "${3:?lab_cut A B IDX}" "$1" "$2" "udp dport $((LAB_WG_PORT + $3)) drop"; }

# lab_restore A B IDX: remove every fault rule of tunnel IDX.
lab_restore() { _lab_fault "${3:?lab_restore A B IDX}" "$1" "$2" ""; }

# lab_loss A B IDX PCT: drop PCT % (0..100) of tunnel IDX's underlay UDP at random, in each direction.
lab_loss() {
  local match=" numgen random mod 100 < ${4:-}"
  [[ ${4:-} =~ ^([0-9]|[1-9][0-9]|100)$ ]] || lab_fail "lab_loss: PCT '${4:-}' not in 0..100"
  [[ $4 != 100 ]] || match=   # nft: "mod 100" values are 0..99, so "< 100" does not parse
  _lab_fault "$3" "$1" "$2" "udp dport $((LAB_WG_PORT + $3))$match drop"
}

# ----------------------------------------------------------------------------------------------- teardown --

# lab_strays: print "PID SITE" for each process in a site of the run (in its netns or mount ns), recorded or not.
lab_strays() { _lab_strays "$LAB_DIR" "$LAB_ID"; }
_lab_strays() {   # _lab_strays DIR ID
  local site
  awk 'NR == FNR { site[$1] = $2; next }
       ($1 in site) { split($2, p, "/"); if (!seen[p[3]]++) print p[3], site[$1] }' <(
    for site in "$1"/sites/*/; do
      site=${site%/} site=${site##*/}
      stat -L -c "%i $site" "/run/netns/wgfo-$2-$site" "$1/mnt/$site" 2>/dev/null
    done) <(stat -L -c '%i %n' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt 2>/dev/null)
}

# lab_teardown: stop the recorded processes, remove namespaces, mounts and LAB_DIR (see the top). Idempotent.
lab_teardown() {
  [[ -n ${LAB_DIR:-} ]] || return 0
  local keep=0
  trap - EXIT INT TERM
  if [[ ${LAB_KEEP:-0} == 1 || ${LAB_FAILED:-0} == 1 ]]; then keep=1; fi
  _lab_teardown "$LAB_DIR" "$LAB_ID" "$keep"
  LAB_DIR=
}
_lab_teardown() {   # _lab_teardown DIR ID KEEP
  local dir=$1 id=$2 keep=$3 f site
  [[ -d $dir ]] || return 0
  rm -f "$dir/run"
  _lab_kill "$dir"/pids/* || :
  _lab_strays "$dir" "$id" | while read -r f site; do
    _lab_say "process $f (not started by the lab) still runs in site $site"
  done || :
  for f in "$dir"/mnt/*; do
    [[ -e $f ]] || continue
    umount "$f" 2>/dev/null || :
    rm -f -- "$f"   # unlinking also detaches copies of the handle in other mount namespaces
  done
  umount "$dir/mnt" 2>/dev/null || :
  for site in "$dir"/sites/*/; do
    site=${site%/} site=${site##*/}
    [[ ! -e /run/netns/wgfo-$id-$site ]] || ip netns del "wgfo-$id-$site" || :
  done
  if ((keep)); then
    rmdir "$dir/mnt" 2>/dev/null || :
    _lab_say "run $id torn down; logs and configs kept in $dir"
  else
    rm -rf -- "$dir"
  fi
}
