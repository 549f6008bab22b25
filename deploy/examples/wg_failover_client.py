#!/usr/bin/python3
"""wg_failover_client.py: an example of driving wg-failoverd from network automation in Python.

It speaks the daemon's gRPC API (proto/wgfailover/v1/failover.proto, service FailoverService) on
its unix socket, the way the `wg-failover` CLI does, with only Debian's packages:

    apt-get install python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc

The Python stubs are generated from the .proto, never checked in (they must match the daemon's
.proto, and protoc's output is tied to the installed protobuf runtime):

    mkdir -p /tmp/wgfo-stubs
    protoc -I proto -I /usr/include --python_out=/tmp/wgfo-stubs --grpc_python_out=/tmp/wgfo-stubs \
        --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin wgfailover/v1/failover.proto

Then run it with the stubs on the module path (use /usr/bin/python3: that is the interpreter the
Debian packages are installed for; a pyenv `python3` would not find them):

    PYTHONPATH=/tmp/wgfo-stubs /usr/bin/python3 wg_failover_client.py tunnels
    ... drain primary --dry-run          ... undrain primary
    ... override primary --prefer 1 --ttl-ms 600000
    ... watch --initial-state --count 10
    ... --socket /run/wg-failover/api.sock tunnels   (the default socket; root or its group)

Exit status, as the CLI: 0 success, 1 the daemon refused the call (the message names the gRPC
status code and the daemon's reason), 2 the daemon cannot be reached (or a usage error).
"""
import argparse
import os
import stat
import sys
from datetime import timezone

import grpc

try:
    from wgfailover.v1 import failover_pb2 as pb
    from wgfailover.v1 import failover_pb2_grpc as pb_grpc
except ImportError as e:  # the most likely first-run problem: say how to fix it
    print(f"wg_failover_client: cannot import the generated stubs ({e}); generate them with protoc "
          "as the docstring of this file shows and put them on PYTHONPATH", file=sys.stderr)
    sys.exit(2)

PROG = "wg_failover_client"
DEADLINE_S = 5.0  # unary calls; a watch has none, it follows the daemon until stopped


class Unreachable(Exception):
    """The daemon is not there (no socket, or nothing answers on it): exit status 2."""


def state_name(state):
    """TUNNEL_STATE_ADMIN_DOWN -> admin-down: the names the CLI and its JSON use."""
    return pb.TunnelState.Name(state).removeprefix("TUNNEL_STATE_").lower().replace("_", "-")


def rfc3339(ts):
    return ts.ToDatetime(tzinfo=timezone.utc).isoformat(timespec="milliseconds")


def tunnel_line(t):
    override = f"override={t.prefer} until {rfc3339(t.prefer_until)}" if t.prefer else "override=none"
    return f"{t.name:<16} {state_name(t.state):<10} {t.interface:<15} {override}"


def print_change(resp, dry_run):
    """What a drain/undrain/override did (or, on a dry run, would do) to the tunnel and the routes."""
    if dry_run:
        print("dry run: nothing was changed; the call would make:")
    print(tunnel_line(resp.tunnel))
    for c in resp.route_changes:
        before = ",".join(c.active_before) or ("kill-switch" if c.kill_switch_before else "none")
        after = ",".join(c.active_after) or ("kill-switch" if c.kill_switch_after else "none")
        print(f"  {c.prefix}: {before} -> {after}")
    if not resp.route_changes:
        print("  no route changes")


def watch_line(msg):
    if msg.WhichOneof("item") == "tunnel":
        return "tunnel " + tunnel_line(msg.tunnel)
    e = msg.event
    before = getattr(e, "from")  # `from` is a Python keyword
    return f"event {rfc3339(e.time)} {e.tunnel} {state_name(before)} -> {state_name(e.to)}: {e.cause}"


def wire_int(bits, signed):
    """An argparse type for a protobuf integer field: out-of-range input is a usage error here rather
    than a ValueError from protobuf; the daemon still judges whether the value makes sense."""
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)

    def parse(text):
        value = int(text)  # a ValueError becomes argparse's "invalid parse value"
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} does not fit the API's {bits}-bit field")
        return value
    parse.__name__ = f"{'int' if signed else 'uint'}{bits}"
    return parse


def connect(path):
    """A stub on the unix socket, after the checks that give a clearer reason than gRPC would."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise Unreachable(f"no daemon socket at {path} (is wg-failoverd running? see --socket)")
    except OSError as e:
        raise Unreachable(f"{path}: {e.strerror}")
    if not stat.S_ISSOCK(st.st_mode):
        raise Unreachable(f"{path} is not a socket")
    if not os.access(path, os.R_OK | os.W_OK):
        raise Unreachable(f"permission denied on {path} (the socket's group, frrvty by default, may use it)")
    return pb_grpc.FailoverServiceStub(grpc.insecure_channel("unix:" + path))


def run(args):
    stub = connect(args.socket)
    if args.command == "tunnels":
        for t in stub.ListTunnels(pb.ListTunnelsRequest(), timeout=DEADLINE_S).tunnels:
            print(tunnel_line(t))
    elif args.command == "drain":
        req = pb.DrainTunnelRequest(name=args.name, dry_run=args.dry_run)
        print_change(stub.DrainTunnel(req, timeout=DEADLINE_S), args.dry_run)
    elif args.command == "undrain":
        req = pb.UndrainTunnelRequest(name=args.name, dry_run=args.dry_run)
        print_change(stub.UndrainTunnel(req, timeout=DEADLINE_S), args.dry_run)
    elif args.command == "override":
        # No range checks here on purpose: the daemon is the authority and answers INVALID_ARGUMENT.
        req = pb.SetOverrideRequest(name=args.name, preference=args.prefer, ttl_ms=args.ttl_ms,
                                    dry_run=args.dry_run)
        print_change(stub.SetOverride(req, timeout=DEADLINE_S), args.dry_run)
    elif args.command == "watch":
        call = stub.WatchEvents(pb.WatchEventsRequest(initial_state=args.initial_state,
                                                      tunnel=args.tunnel))
        seen = 0
        try:
            for msg in call:
                print(watch_line(msg), flush=True)  # flushed: a pipe reader sees each line at once
                seen += 1
                if args.count and seen >= args.count:
                    break
        finally:
            call.cancel()  # ends the stream on the daemon's side too; no-op if it already ended
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog=PROG, description="Show and steer wg-failoverd over its gRPC API.")
    p.add_argument("--socket", default="/run/wg-failover/api.sock", help="the daemon's API socket")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("tunnels", help="every tunnel with its state (ListTunnels)")
    for name, text in (("drain", "take a tunnel out of service (ADMIN-DOWN)"),
                       ("undrain", "return a drained tunnel to service")):
        c = sub.add_parser(name, help=text)
        c.add_argument("name")
        c.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    c = sub.add_parser("override", help="put a tunnel at a position in every via list for a while")
    c.add_argument("name")
    c.add_argument("--prefer", type=wire_int(32, False), required=True, help="position, 1 = first")
    c.add_argument("--ttl-ms", type=wire_int(64, True), required=True, help="how long, in milliseconds")
    c.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    c = sub.add_parser("watch", help="one line per state message and decision (WatchEvents)")
    c.add_argument("--initial-state", action="store_true", help="first the current state of each tunnel")
    c.add_argument("--tunnel", default="", help="only this tunnel")
    c.add_argument("--count", type=int, default=0, help="stop after N messages (default: never)")
    args = p.parse_args(argv)
    try:
        return run(args)
    except Unreachable as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    except grpc.RpcError as e:
        if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            print(f"{PROG}: cannot reach wg-failoverd at {args.socket}: {e.details()}", file=sys.stderr)
            return 2
        print(f"{PROG}: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C ends a watch: not an error
        return 0


if __name__ == "__main__":
    sys.exit(main())
