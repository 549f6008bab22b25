#!/usr/bin/env python3
"""bfd_flood.py: a bounded flood of hostile BFD control packets (fault matrix, bfd_flood).

Sends RATE packets/s for SECONDS from a raw socket (so that source address and TTL can be forged),
cycling through five kinds, all to UDP 3784:
  garbage     random bytes (0..60) from the real peer address, TTL 255   -> the parser drops them
  unknown     well-formed BFD from the real peer, TTL 255, Your Discriminator that no session has
  low_ttl     well-formed BFD from the real peer with TTL 1..254        -> GTSM (RFC 5881 §5) drops them
  spoofed     well-formed BFD, State Down, Your Discriminator 0, from a forged source inside the tunnel's
              subnet or elsewhere                                         -> no session for that source
  underlay    well-formed BFD to the site's underlay address (not through the tunnel) -> never reaches
              the daemon's sockets, which are bound to the tunnel interface
  forged      (only with --session) State Up with the live session's discriminators, from the real peer,
              with a keyed SHA1 section whose digest and sequence number are random: it reaches the
              session, and only authentication can tell it from the peer's own packets
--only KIND sends one kind alone.
A Down packet with Your Discriminator 0 from the real peer address is deliberately not sent: inside a
WireGuard tunnel only the authenticated peer can send from there, and without BFD authentication RFC 5880
lets such a packet reset a session. Stops by itself after SECONDS; prints a JSON summary.
"""
import argparse
import ipaddress
import json
import random
import socket
import struct
import time

KINDS = ("garbage", "unknown", "low_ttl", "spoofed", "underlay")


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src: str, dst: str, ttl: int, payload: bytes, sport: int) -> bytes:
    udp = struct.pack("!HHHH", sport, 3784, 8 + len(payload), 0) + payload  # UDP checksum 0: none (IPv4)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(udp), random.getrandbits(16), 0x4000, ttl,
                      socket.IPPROTO_UDP, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + udp


def control(state: int, your: int) -> bytes:
    # RFC 5880 §4.1: version 1, diag 0, state, no flags, detect mult 3, length 24, discriminators, intervals.
    return struct.pack("!BBBBIIIII", 1 << 5, state << 6, 3, 24, random.randint(1, 2**32 - 1), your,
                       50000, 50000, 0)


def forged(my: int, your: int) -> bytes:
    # RFC 5880 §4.4: a Meticulous Keyed SHA1 section (type 5, length 28, key id 1), random sequence and digest.
    head = struct.pack("!BBBBIIIII", 1 << 5, (3 << 6) | 0x04, 3, 52, my, your, 50000, 50000, 0)
    return head + struct.pack("!BBBBI", 5, 28, 1, 0, random.getrandbits(32)) + random.randbytes(20)


def packet(kind: str, a: argparse.Namespace) -> tuple[bytes, str]:
    sport = random.randint(49152, 65535)
    if kind == "forged":
        my, your = (int(x) for x in a.session.split(":"))
        return ipv4(a.peer, a.to, 255, forged(my, your), sport), a.to
    if kind == "garbage":
        body = random.randbytes(random.randint(0, 60))
        return ipv4(a.peer, a.to, 255, body, sport), a.to
    if kind == "unknown":
        return ipv4(a.peer, a.to, 255, control(random.randint(0, 3), random.randint(1, 2**32 - 1)), sport), a.to
    if kind == "low_ttl":
        return ipv4(a.peer, a.to, random.randint(1, 254), control(1, 0), sport), a.to
    if kind == "spoofed":
        net = ipaddress.ip_network(a.spoof_net)
        src = str(net[random.randint(0, net.num_addresses - 1)])
        if src == a.peer:
            src = "10.99.0.1"
        return ipv4(src, a.to, 255, control(1, 0), sport), a.to
    return ipv4(a.underlay_peer, a.underlay_to, 255, control(1, 0), sport), a.underlay_to


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--to", required=True, help="the daemon's tunnel address")
    p.add_argument("--peer", required=True, help="the real peer's tunnel address")
    p.add_argument("--spoof-net", help="forged sources are drawn from this prefix")
    p.add_argument("--underlay-to")
    p.add_argument("--underlay-peer")
    p.add_argument("--session", help="MY:YOUR, the peer's and our discriminator: adds kind forged")
    p.add_argument("--only", choices=(*KINDS, "forged"), help="send this kind alone")
    p.add_argument("--rate", type=int, default=10000)
    p.add_argument("--seconds", type=float, default=5)
    a = p.parse_args()
    if not 1 <= a.rate <= 100000 or not 0 < a.seconds <= 60:
        p.error("rate 1..100000, seconds up to 60")
    kinds = (a.only,) if a.only else KINDS + (("forged",) if a.session else ())
    if "forged" in kinds and not a.session:
        p.error("kind forged needs --session")
    if {"spoofed", "underlay"} & set(kinds) and not (a.spoof_net and a.underlay_to and a.underlay_peer):
        p.error("kinds spoofed and underlay need --spoof-net, --underlay-to and --underlay-peer")
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = dict.fromkeys(kinds, 0)
    errors = 0
    start = time.monotonic()
    n = 0
    while (now := time.monotonic()) - start < a.seconds:
        due = int((now - start) * a.rate)
        while n < due:
            kind = kinds[n % len(kinds)]
            data, dst = packet(kind, a)
            try:
                s.sendto(data, (dst, 0))
                sent[kind] += 1
            except OSError:
                errors += 1
            n += 1
        time.sleep(0.001)
    elapsed = time.monotonic() - start
    print(json.dumps({"sent": sent, "total": sum(sent.values()), "errors": errors,
                      "seconds": round(elapsed, 3), "rate": round(sum(sent.values()) / elapsed)}))


if __name__ == "__main__":
    main()
