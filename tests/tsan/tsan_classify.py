#!/usr/bin/env python3
"""tsan_classify.py LOG...: sort ThreadSanitizer reports into ours and gRPC's (tests/tsan/run.sh).

A report is ours when the racing access of either side (its frame #0) is in this repository's code:
a function in namespace wgfo or a file under bfd/, controller/ or frr-integration/. Everything else is
a race TSan reports between threads of the uninstrumented gRPC and Abseil libraries (an allocation in
one gRPC context freed in another, epoll descriptors, ...), whose synchronisation TSan cannot see.
Prints the counts (FIGURES line) and every report of ours; exits 1 if there is one.
"""
import re
import sys

OURS = ("wgfo::", "/bfd/", "/controller/", "/frr-integration/")


def racing_frames(report: str) -> list[str]:
    """Frame #0 of each access of a report (the current one and the previous one)."""
    body = report.split("\n  Thread ")[0].split("\n  Location")[0]
    frames = []
    for access in re.split(r"\n  (?:Previous )?(?:[Ww]rite|[Rr]ead|[Aa]tomic)", body)[1:]:
        first = re.search(r"#0 (.*)", access)
        if first:
            frames.append(first.group(1))
    return frames


def main() -> int:
    reports = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            reports += f.read().split("WARNING: ThreadSanitizer")[1:]
    ours = [r for r in reports if any(k in frame for frame in racing_frames(r) for k in OURS)]
    for r in ours:
        print("WARNING: ThreadSanitizer" + r)
    print(f"FIGURES tsan_processes={len(sys.argv) - 1} reports={len(reports)} ours={len(ours)} "
          f"grpc_internal={len(reports) - len(ours)}")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main())
