#!/usr/bin/env bash
# API authorization against a real wg-failoverd (issue 5): the read-only socket serves reads and dry
# runs and refuses changes with PERMISSION_DENIED; api.tcp with mutual TLS serves a client whose
# certificate the client CA signed, lets only the common names in mutating_clients make changes, and
# rejects at the handshake a client without a certificate or with one from another CA. After every
# refusal the tunnel is checked unchanged. A local user outside the socket's group is told why
# (CLI exit 2, permission denied). Every listener serves gRPC health (the server and
# FailoverService SERVING) and reflection (FailoverService and its methods, readable without the
# .proto). Certificates are made here with openssl, in a temp dir.
# No network beyond loopback: tunnel interfaces do not exist (tunnels DOWN) and FRR is not there.
set -euo pipefail
BUILD=$(cd "${1:?usage: api_auth_test.sh BUILD_DIR}" && pwd)
D=$BUILD/controller/wg-failoverd
CLI=$BUILD/controller/wg-failover
HERE=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/wgfo-api-auth-test.XXXXXX)
# shellcheck source=tests/controller/daemon_harness.sh
source "$HERE/daemon_harness.sh"

# ---- certificates: a server CA and a client CA, and a rogue CA nobody trusts --------------------------
cd "$tmp"
ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
  -keyout "$1.key" -out "$1.crt" 2>/dev/null; }
leaf() {  # leaf NAME CA [SAN]
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -keyout "$1.key" \
    -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "${3:-DNS:$1}" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 -extfile "$1.ext" \
    -out "$1.crt" 2>/dev/null
}
{ ca server-ca && ca client-ca && ca rogue-ca; } || fail "openssl could not make the CAs"
{ leaf server server-ca "IP:127.0.0.1" && leaf netops-automation client-ca && leaf monitoring client-ca &&
  leaf intruder rogue-ca; } || fail "openssl could not make the certificates"

port=$((20000 + RANDOM % 20000))
cat >"$tmp/config.yaml" <<YAML
node: auth-test
api:
  socket: $tmp/api.sock
  socket_group: root
  read_only_socket: $tmp/ro.sock
  read_only_group: root
  tcp:
    listen: 127.0.0.1:$port
    cert: $tmp/server.crt
    key: $tmp/server.key
    client_ca: $tmp/client-ca.crt
    mutating_clients: [netops-automation]
frr: {staticd: 127.0.0.1:1}
probe: {respond: false}
tunnels:
  - {name: primary, interface: wgfoauth0, local_address: 203.0.113.1, peer_address: 203.0.113.2}
  - {name: backup, interface: wgfoauth1, local_address: 203.0.113.5, peer_address: 203.0.113.6}
routes:
  - {prefix: 10.20.0.0/16, via: [primary, backup]}
YAML
"$D" --config "$tmp/config.yaml" >"$tmp/daemon.log" 2>&1 &
pid=$!

# run WHO ARGS...: the CLI as one kind of caller; output in $out, exit status in $rc.
run() {
  local who=$1 args
  shift
  case $who in
    admin) args=(--socket "$tmp/api.sock") ;;
    ro) args=(--socket "$tmp/ro.sock") ;;
    nocert) args=(--server "127.0.0.1:$port" --cert /dev/null --key /dev/null --ca "$tmp/server-ca.crt") ;;
    *) args=(--server "127.0.0.1:$port" --cert "$tmp/$who.crt" --key "$tmp/$who.key" --ca "$tmp/server-ca.crt") ;;
  esac
  rc=0
  out=$("$CLI" "${args[@]}" "$@" 2>&1) || rc=$?
}
drained() { run admin show tunnels --json && jq -r '.[] | select(.name == "primary") | .drained' <<<"$out"; }
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || fail "wg-failoverd exited during start-up"
  run admin show status && [[ $rc == 0 ]] && break
  sleep 0.1
done
[[ $rc == 0 ]] || fail "the API did not answer within 10 s: $out"
for _ in $(seq 50); do run monitoring show status && [[ $rc == 0 ]] && break; sleep 0.1; done

# Read-only socket: reads and dry runs yes, changes no.
run ro show tunnels
[[ $rc == 0 && $out == *primary* ]] || fail "read-only socket, show tunnels: $rc $out"
run ro drain primary --dry-run
[[ $rc == 0 ]] || fail "read-only socket, dry run refused: $rc $out"
run ro drain primary
[[ $rc == 1 && $out == *"read-only"* ]] || fail "read-only socket let a drain through or said: $rc $out"
[[ $(drained) == false ]] || fail "the refused drain changed the tunnel"
echo "read-only socket: reads and dry runs served; drain refused: $out"

# A local user outside the socket's group (nobody; the socket is 0660 root:root here) is told why.
chmod 0711 "$tmp"
rc=0
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$CLI" --socket "$tmp/api.sock" drain primary 2>&1) ||
  rc=$?
[[ $rc == 2 && $out == *"permission denied on $tmp/api.sock (members of the socket's group"* ]] ||
  fail "a user outside the socket's group got: $rc $out"
[[ $(drained) == false ]] || fail "the refused user's drain changed the tunnel"
echo "user nobody on the 0660 socket: $out"

# TCP with mutual TLS.
run monitoring show tunnels
[[ $rc == 0 && $out == *primary* ]] || fail "mTLS client monitoring, show tunnels: $rc $out"
run monitoring drain primary
[[ $rc == 1 && $out == *"CN=monitoring may read but not make changes"* ]] ||
  fail "monitoring's drain was not refused as expected: $rc $out"
[[ $(drained) == false ]] || fail "the refused drain over TCP changed the tunnel"
echo "mTLS CN=monitoring: read served; drain refused: $out"
run netops-automation drain primary
[[ $rc == 0 ]] || fail "netops-automation's drain failed: $rc $out"
[[ $(drained) == true ]] || fail "netops-automation's drain did not drain"
run netops-automation undrain primary
[[ $rc == 0 && $(drained) == false ]] || fail "netops-automation's undrain: $rc $out"
echo "mTLS CN=netops-automation: drain and undrain served"

# Rejected at the handshake: another CA's certificate, and no certificate at all.
run intruder drain primary
[[ $rc == 2 ]] || fail "a client of another CA got through: $rc $out"
run intruder show tunnels
[[ $rc == 2 ]] || fail "a client of another CA could read: $rc $out"
[[ $(drained) == false ]] || fail "the intruder changed the tunnel"
echo "mTLS client of another CA: rejected ($out)"
run nocert show tunnels
[[ $rc == 2 ]] || fail "a client without a certificate got an answer: $rc $out"
echo "client without a certificate: rejected ($out)"

# Health and reflection on every listener, as a generic gRPC tool sees them (grpc_introspect.py says
# why the stubs are generated here and renamed).
mkdir "$tmp/protos" "$tmp/stubs"
cp /usr/share/grpc-proto/grpc/reflection/v1alpha/reflection.proto "$tmp/protos/reflection_v1alpha.proto"
cp /usr/share/grpc-proto/grpc/health/v1/health.proto "$tmp/protos/health_v1.proto"
protoc -I "$tmp/protos" --python_out="$tmp/stubs" --grpc_python_out="$tmp/stubs" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin reflection_v1alpha.proto health_v1.proto ||
  fail "protoc could not generate the reflection and health stubs (grpc-proto installed?)"
introspect() {
  rc=0
  out=$(PYTHONPATH=$tmp/stubs /usr/bin/python3 "$HERE/grpc_introspect.py" "$@" 2>&1) || rc=$?
}
for who in admin ro monitoring; do
  case $who in
    admin) introspect "unix:$tmp/api.sock" ;;
    ro) introspect "unix:$tmp/ro.sock" ;;
    *) introspect "127.0.0.1:$port" --cert "$tmp/$who.crt" --key "$tmp/$who.key" --ca "$tmp/server-ca.crt" ;;
  esac
  [[ $rc == 0 ]] || fail "$who listener: introspection failed: $out"
  jq -e '(.services | index("wgfailover.v1.FailoverService") and index("grpc.health.v1.Health")
           and index("grpc.reflection.v1alpha.ServerReflection"))
         and (.methods | index("DrainTunnel") and index("WatchEvents") and index("ListTunnels"))
         and .health["(server)"] == "SERVING" and .health["wgfailover.v1.FailoverService"] == "SERVING"' <<<"$out" >/dev/null ||
    fail "$who listener: reflection or health incomplete: $out"
  echo "$who listener: $(jq -c '{services, health, methods: (.methods | length)}' <<<"$out")"
done
introspect "127.0.0.1:$port" --cert "$tmp/intruder.crt" --key "$tmp/intruder.key" --ca "$tmp/server-ca.crt"
[[ $rc != 0 ]] || fail "a client of another CA could use reflection: $out"
echo PASS
