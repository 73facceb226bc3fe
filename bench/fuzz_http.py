#!/usr/bin/env python
"""The long HTTP fuzz run: generated requests against the real server.

    python bench/fuzz_http.py --index DIR [--requests 12000] [--seed N] [--workers 2] [--clients 4]

Starts `search serve` on a free loopback port over the index (the full
livedoor index for the figures in the README), sends the requests of
tests/http_fuzz.py (random Japanese, operators, brackets, field names,
dates, full-width forms, nesting, repeated parameters, odd methods and
headers) and prints how many got which status, every bad answer (a 5xx, a
4xx without a message, an answer over 1 MB) and the slowest requests.  Exit
code 1 when there was a bad answer.  The default test run
(tests/test_live_server.py) sends 2,000 of them to a small index.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent / "tests"))

import http_fuzz  # noqa: E402
from load import free_port, start_server, stop_server, wait_until_healthy  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--requests", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (4)")
    args = parser.parse_args(argv)
    port = free_port()
    server = start_server(args.index, port, args.workers)
    try:
        wait_until_healthy("127.0.0.1", port, server)
        started = time.perf_counter()
        figures = http_fuzz.drive("127.0.0.1", port, args.seed, args.requests, args.clients)
        elapsed = time.perf_counter() - started
    finally:
        stop_server(server)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(figures["statuses"].items()))
    print(f"{figures['requests']} requests (seed {args.seed}) in {elapsed:.0f} s; statuses {statuses}")
    for req, what in figures["problems"][:20]:
        print(f"BAD {what}: {req['method']} {req['path'][:300]} {req['headers']}")
    seconds, slowest = figures["slowest"]
    print(f"slowest: {seconds:.3f} s: {slowest['method']} {slowest['path'][:300]}")
    print(f"{len(figures['problems'])} bad answers")
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
