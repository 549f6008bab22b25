#!/usr/bin/python3
"""What a generic gRPC tool sees on one wg-failoverd listener: the reflection service's list of
services, the descriptor of FailoverService as reflection serves it (so grpcurl-like tools can call it
without the .proto), and the standard health service's answer. Prints one JSON object.

Debian 12 ships neither grpcurl nor Python's grpcio-reflection/grpcio-health-checking, so the test
generates stubs from grpc-proto's reflection.proto and health.proto (copied as
reflection_v1alpha.proto and health_v1.proto: a generated `grpc.*` package would be shadowed by
grpcio's own `grpc`) into a temp dir on PYTHONPATH; this script only uses them.

usage: grpc_introspect.py TARGET [--cert C --key K --ca CA]
  TARGET  unix:/path/to/socket, or host:port with --cert/--key/--ca (mutual TLS)
"""
import argparse
import json
import sys

import grpc
from google.protobuf import descriptor_pb2
import health_v1_pb2 as health_pb2
import health_v1_pb2_grpc as health_pb2_grpc
import reflection_v1alpha_pb2 as reflection_pb2
import reflection_v1alpha_pb2_grpc as reflection_pb2_grpc

SERVICE = "wgfailover.v1.FailoverService"


def channel(args):
    if args.target.startswith("unix:"):
        return grpc.insecure_channel(args.target)
    with open(args.cert, "rb") as c, open(args.key, "rb") as k, open(args.ca, "rb") as ca:
        creds = grpc.ssl_channel_credentials(ca.read(), k.read(), c.read())
    return grpc.secure_channel(args.target, creds)


def reflect(ch, **request):
    stub = reflection_pb2_grpc.ServerReflectionStub(ch)
    answers = list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(**request)]),
                                             timeout=5))
    if len(answers) != 1:
        raise RuntimeError(f"reflection answered {len(answers)} messages to one request")
    a = answers[0]
    if a.HasField("error_response"):
        raise RuntimeError(f"reflection error {a.error_response.error_code}: {a.error_response.error_message}")
    return a


def main():
    p = argparse.ArgumentParser()
    p.add_argument("target")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ca")
    args = p.parse_args()
    out = {}
    try:
        with channel(args) as ch:
            a = reflect(ch, list_services="")
            out["services"] = sorted(s.name for s in a.list_services_response.service)
            a = reflect(ch, file_containing_symbol=SERVICE)
            methods = []
            for raw in a.file_descriptor_response.file_descriptor_proto:
                fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
                for s in fd.service:
                    if f"{fd.package}.{s.name}" == SERVICE:
                        methods = [m.name for m in s.method]
            out["methods"] = methods
            health = health_pb2_grpc.HealthStub(ch)
            out["health"] = {
                name or "(server)": health_pb2.HealthCheckResponse.ServingStatus.Name(
                    health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status)
                for name in ("", SERVICE)
            }
    except (grpc.RpcError, RuntimeError, OSError) as e:
        detail = e.details() if isinstance(e, grpc.RpcError) else str(e)
        print(json.dumps({"error": detail}))
        return 1
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
