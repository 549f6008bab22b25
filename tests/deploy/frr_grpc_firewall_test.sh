#!/usr/bin/env bash
# frr_grpc_firewall_test: deploy/frr/nftables-frr-grpc.nft, loaded unchanged with `nft -f`, keeps FRR's
# northbound gRPC local. Why: FRR 8.4 binds gRPC on every address with no TLS and no authentication, so
# whoever reaches port 50051 can rewrite the routing table; the README tells operators this file is the fix.
# Against real parts: site `fw` (a network namespace) runs zebra, staticd and bgpd with the options of
# deploy/frr/daemons (staticd -M grpc:50051, bgpd -M grpc:50052) and a plain TCP listener on 50050 and
# 50053-50055 and 50060; site `out` reaches fw over a veth (IPv4 and IPv6). Checks:
#   0. before the rule, out connects to every port and calls GetCapabilities on staticd: the exposure is real
#   1. after `nft -f`, from inside fw (127.0.0.1, ::1 and fw's own veth addresses, all arriving on lo) every
#      port connects and GetCapabilities answers on staticd and bgpd
#   2. from out, 50051-50054 time out (dropped, not refused) on IPv4 and IPv6; a gRPC call gets no answer
#   3. loading the file again works; still one table, one chain, one rule, the same listing, same results
#   4. 50050, 50055 and 50060 (just outside the range, and elsewhere) stay reachable from out
# and the FRR daemons are still running at the end. Root only, label `lab`; about 10 s.
# usage: frr_grpc_firewall_test.sh [RULE_FILE [DAEMONS_FILE]]   (defaults: the files in deploy/frr)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lab/lab.sh
source "$REPO/tests/lab/lab.sh"

RULES=$(realpath -e "${1:-$REPO/deploy/frr/nftables-frr-grpc.nft}")
DAEMONS=$(realpath -e "${2:-$REPO/deploy/frr/daemons}")
PROTO=$REPO/proto/frr/northbound.proto
PY=/usr/bin/python3
GRPC_PORTS=(50051 50052)                     # staticd, bgpd (deploy/frr/daemons)
LISTEN_PORTS=(50050 50053 50054 50055 50060) # plain TCP listener: range edges, spare gRPC ports, elsewhere
ALL_PORTS=(50050 50051 50052 50053 50054 50055 50060)
DROPPED="50051 50052 50053 50054"            # what the rule must drop from outside
FW4=192.0.2.129 OUT4=192.0.2.130 FW6=2001:db8:f00::1 OUT6=2001:db8:f00::2
PROBE_TIMEOUT=1.5   # s; a dropped SYN is retransmitted after 1 s, so a drop never answers within this

ok() { printf 'ok   %s\n' "$*"; }
info() { printf '     %s\n' "$*"; }

for cmd in nft jq protoc grpc_python_plugin ss; do command -v "$cmd" >/dev/null || lab_fail "'$cmd' is not installed"; done
"$PY" -c 'import grpc, google.protobuf' 2>/dev/null || lab_fail "$PY lacks grpc/protobuf (python3-grpcio, python3-protobuf)"
ls /usr/lib/*/frr/modules/grpc.so >/dev/null 2>&1 || lab_fail "FRR's grpc.so is not installed (deploy/install-deps.sh)"

# The daemon options exactly as deploy/frr/daemons sets them (frrinit.sh sources the same file).
daemon_opts() {   # daemon_opts DAEMON: print ${DAEMON}_options from the daemons file
  (
    # shellcheck source=../../deploy/frr/daemons
    source "$DAEMONS"
    declare -n v=${1}_options
    printf '%s\n' "${v:-}"
  )
}
zebra_opts=$(daemon_opts zebra) staticd_opts=$(daemon_opts staticd) bgpd_opts=$(daemon_opts bgpd)
read -ra show <<<"$zebra_opts" && zebra_show=${show[*]}   # for the log lines: the file pads with blanks
read -ra show <<<"$staticd_opts" && staticd_show=${show[*]}
read -ra show <<<"$bgpd_opts" && bgpd_show=${show[*]}
[[ " $staticd_opts " == *" -M grpc:50051 "* ]] || lab_fail "$DAEMONS: staticd_options lacks -M grpc:50051: '$staticd_opts'"
[[ " $bgpd_opts " == *" -M grpc:50052 "* ]] || lab_fail "$DAEMONS: bgpd_options lacks -M grpc:50052: '$bgpd_opts'"

# ------------------------------------------------------------------------------------------------ bring-up --
lab_init   # its EXIT/INT/TERM trap tears everything down (processes by recorded PID, netns, LAB_DIR)
lab_site fw
lab_site out
VETH=fw-$LAB_ID   # both ends; the namespaces are this run's, the name carries the run id too
ip link add "$VETH" netns "$(lab_ns fw)" type veth peer name "$VETH" netns "$(lab_ns out)"
for s in fw:$FW4:$FW6 out:$OUT4:$OUT6; do
  IFS=: read -r site a4 _ <<<"$s"
  a6=${s#*:*:}
  lab_exec "$site" ip addr add "$a4/30" dev "$VETH"
  lab_exec "$site" ip -6 addr add "$a6/64" dev "$VETH" nodad
  lab_exec "$site" ip link set "$VETH" up
done
lab_wait 5 lab_ping out "$FW4" || lab_fail "no ping from out to $FW4 over $VETH"
lab_wait 5 lab_ping out "$FW6" || lab_fail "no ping from out to $FW6 over $VETH"
[[ -z $(lab_exec fw nft list ruleset) ]] || lab_fail "fw starts with a non-empty ruleset: $(lab_exec fw nft list ruleset)"

# Python helpers, run inside the namespaces: a TCP listener, a parallel TCP probe, a GetCapabilities call.
mkdir "$LAB_DIR/py"
protoc -I "$(dirname "$PROTO")" --python_out="$LAB_DIR/py" --grpc_python_out="$LAB_DIR/py" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin "$(basename "$PROTO")" ||
  lab_fail "protoc could not generate Python stubs from $PROTO"
cat >"$LAB_DIR/py/fwtool.py" <<'EOF'
import errno, os, selectors, socket, sys, time

def listen(ports):  # accept and close on each port, IPv4 and IPv6 (dual-stack sockets)
    sel = selectors.DefaultSelector()
    for p in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(p)))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ)
    print("listening", *ports, flush=True)
    while True:
        for key, _ in sel.select():
            key.fileobj.accept()[0].close()

def probe(timeout, host, ports):  # prints "PORT=open|timeout|refused|<error>" for each port, connects in parallel
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sel, res = selectors.DefaultSelector(), {}
    for p in ports:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((host, int(p)))
        if err == errno.EINPROGRESS:
            sel.register(s, selectors.EVENT_WRITE, p)
        else:
            res[p] = "open" if err == 0 else errno.errorcode.get(err, str(err))
            s.close()
    end = time.monotonic() + timeout
    while sel.get_map() and time.monotonic() < end:
        for key, _ in sel.select(max(0.0, end - time.monotonic())):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            res[key.data] = {0: "open", errno.ECONNREFUSED: "refused"}.get(err, errno.errorcode.get(err, str(err)))
            sel.unregister(key.fileobj)
            key.fileobj.close()
    for key in list(sel.get_map().values()):
        res[key.data] = "timeout"
        key.fileobj.close()
    print(" ".join(f"{p}={res[p]}" for p in ports))

def caps(timeout, target):  # GetCapabilities on FRR's northbound; "ok VERSION NMODULES" or "error CODE"
    import grpc
    import northbound_pb2 as pb
    import northbound_pb2_grpc as pb_grpc
    with grpc.insecure_channel(target, options=[("grpc.enable_http_proxy", 0)]) as ch:
        try:
            r = pb_grpc.NorthboundStub(ch).GetCapabilities(pb.GetCapabilitiesRequest(), timeout=timeout)
        except grpc.RpcError as e:
            print("error", e.code().name)
            return
    print("ok", r.frr_version or "-", len(r.supported_modules))

cmd = sys.argv[1]
if cmd == "listen":
    listen(sys.argv[2:])
elif cmd == "probe":
    probe(float(sys.argv[2]), sys.argv[3], sys.argv[4:])
elif cmd == "caps":
    caps(float(sys.argv[2]), sys.argv[3])
EOF
fwtool() { lab_exec "$1" env PYTHONPATH="$LAB_DIR/py" "$PY" "$LAB_DIR/py/fwtool.py" "${@:2}"; }   # SITE ARGS...
# probe SITE HOST: one line "PORT=RESULT ..." for ALL_PORTS, connecting from SITE to HOST.
probe() { fwtool "$1" probe "$PROBE_TIMEOUT" "$2" "${ALL_PORTS[@]}"; }
expected() {   # expected MODE: the probe line when everything connects (open) or DROPPED times out (fw)
  local p out=()
  for p in "${ALL_PORTS[@]}"; do
    if [[ $1 == fw && " $DROPPED " == *" $p "* ]]; then out+=("$p=timeout"); else out+=("$p=open"); fi
  done
  printf '%s\n' "${out[*]}"
}
expect_probe() {   # expect_probe SITE HOST MODE WHAT
  local got want
  got=$(probe "$1" "$2") || lab_fail "the TCP probe from $1 to $2 failed to run"
  want=$(expected "$3")
  info "$4: $got"
  [[ $got == "$want" ]] || lab_fail "$4: got '$got', want '$want'"
}
caps() { fwtool "$1" caps "$3" "$2"; }   # caps SITE TARGET TIMEOUT

# FRR as deploy/frr/daemons runs it: zebra first, then staticd and bgpd, foreground (lab_bg records the PIDs).
# -F traditional like the packaged daemons file; each daemon logs to lab_log SITE DAEMON.
start_daemon() {   # start_daemon DAEMON OPTIONS
  local -a opts
  read -ra opts <<<"$2"
  lab_bg fw "$1" "$LAB_FRR_BIN/$1" -F traditional --log stdout "${opts[@]}"
}
listens() { [[ -n $(lab_exec fw ss -Hltn "sport = :$1") ]]; }
start_daemon zebra "$zebra_opts"
lab_wait 10 lab_exec fw test -S /run/frr/zserv.api || lab_fail "zebra did not start, see $(lab_log fw zebra)"
start_daemon staticd "$staticd_opts"
start_daemon bgpd "$bgpd_opts"
lab_bg fw listener "$PY" "$LAB_DIR/py/fwtool.py" listen "${LISTEN_PORTS[@]}"
for p in "${GRPC_PORTS[@]}" "${LISTEN_PORTS[@]}"; do
  lab_wait 10 listens "$p" || lab_fail "nothing listens on $p in fw (logs in $LAB_DIR/sites/fw/log)"
done
ok "bring-up $(lab_elapsed) s (run $LAB_ID): fw runs zebra ($zebra_show), staticd ($staticd_show), bgpd ($bgpd_show)"
info "listening in fw: $(lab_exec fw ss -Hltn | awk '$4 ~ /:500[0-9][0-9]$/ { print $4 }' | sort -t: -k2 | tr '\n' ' ')"

# ---------------------------------------------------------------------------- 0. before the rule: exposed --
expect_probe out "$FW4" open "before the rule, out -> $FW4"
expect_probe out "$FW6" open "before the rule, out -> [$FW6]"
r=$(caps out "$FW4:50051" 5)
info "before the rule, GetCapabilities out -> $FW4:50051 (staticd): $r"
[[ $r == ok\ * ]] || lab_fail "before the rule, out could not call staticd's gRPC at $FW4:50051 ($r): the test would prove nothing"
ok "0. before the rule the gRPC ports are open to the network: out connects to all and calls staticd's GetCapabilities"

# ------------------------------------------------------------------------------------------ load the rule --
lab_exec fw nft -f "$RULES" || lab_fail "nft -f $RULES failed in fw"
count() {   # count KIND: how many objects of KIND (table|chain|rule) fw's whole ruleset holds
  lab_exec fw nft -j list ruleset | jq --arg k "$1" '[.nftables[] | select(has($k))] | length'
}
counts() { printf 'tables=%s chains=%s rules=%s' "$(count table)" "$(count chain)" "$(count rule)"; }
c=$(counts)
[[ $c == "tables=1 chains=1 rules=1" ]] || lab_fail "after nft -f, fw's ruleset holds $c, want 1/1/1: $(lab_exec fw nft list ruleset)"
listing=$(lab_exec fw nft list table inet frr_grpc) || lab_fail "no table inet frr_grpc after nft -f $RULES"
info "loaded $RULES: $c; rule: $(lab_exec fw nft list chain inet frr_grpc input | awk '/drop/ { $1 = $1; print }')"

# --------------------------------------------------------------------------------------- 1. local access --
for h in 127.0.0.1 ::1 "$FW4" "$FW6"; do expect_probe fw "$h" open "after the rule, fw -> $h"; done
for p in "${GRPC_PORTS[@]}"; do
  for h in 127.0.0.1 "[::1]"; do
    r=$(caps fw "$h:$p" 5)
    info "after the rule, GetCapabilities fw -> $h:$p: $r"
    [[ $r == ok\ * ]] || lab_fail "after the rule, GetCapabilities on $h:$p inside fw fails ($r)"
  done
done
ok "1. after the rule, inside fw every port connects (lo, ::1 and fw's own addresses) and staticd/bgpd answer gRPC"

# ----------------------------------------------------------------------------- 2. remote access dropped --
check_remote() {   # check_remote WHEN
  expect_probe out "$FW4" fw "$1, out -> $FW4"
  expect_probe out "$FW6" fw "$1, out -> [$FW6]"
}
check_remote "after the rule"
r=$(caps out "$FW4:50051" 2)
info "after the rule, GetCapabilities out -> $FW4:50051: $r"
[[ $r == "error DEADLINE_EXCEEDED" ]] || lab_fail "after the rule, gRPC from out to $FW4:50051 gave '$r', want a timeout"
ok "2. from out, 50051-50054 are dropped (time out, not refused) on IPv4 and IPv6; staticd's gRPC does not answer"
ok "4. from out, 50050, 50055 and 50060 on the same addresses still connect"

# --------------------------------------------------------------------------------------- 3. reload it --
lab_exec fw nft -f "$RULES" || lab_fail "loading $RULES a second time failed"
c=$(counts)
[[ $c == "tables=1 chains=1 rules=1" ]] || lab_fail "after a second nft -f, fw's ruleset holds $c: $(lab_exec fw nft list ruleset)"
[[ $(lab_exec fw nft list table inet frr_grpc) == "$listing" ]] ||
  lab_fail "the second load changed the table: $(lab_exec fw nft list table inet frr_grpc)"
info "reloaded: $c, listing unchanged"
check_remote "after the reload"
expect_probe fw 127.0.0.1 open "after the reload, fw -> 127.0.0.1"
ok "3. a second nft -f loads cleanly: still one table, one chain, one rule, and the same filtering"

# ------------------------------------------------------------------------------------------ daemons up --
for d in zebra staticd bgpd listener; do
  pid=$(lab_pid fw "$d")
  kill -0 "$pid" 2>/dev/null || lab_fail "$d (pid $pid) in fw died, see $(lab_log fw "$d")"
done
for p in "${GRPC_PORTS[@]}"; do listens "$p" || lab_fail "port $p no longer listens in fw"; done
ok "zebra, staticd and bgpd still run and listen; $(lab_elapsed) s after lab_init"
echo PASS
