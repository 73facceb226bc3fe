#!/usr/bin/env python
"""Load test: concurrent clients against `/api/search` on loopback.

    python bench/load.py --index DIR [--workers N] [--clients 16] [--duration 30] [--max-requests 100000]
    python bench/load.py --index DIR --while-indexing PATH [--batch-size N] [...]
    python bench/load.py --url http://127.0.0.1:8000 [...]

With --index, starts the real server (`search serve --index DIR` on a free
loopback port), waits until /api/health answers, runs the clients and stops
the server.  With --url, uses a server already running on loopback (other
hosts are refused: this is not a tool for loading someone else's machine).

Each client is a thread with its own keep-alive HTTP connection that sends
GET /api/search requests back to back, cycling through a list of queries
(plain words, phrases, operators, field and date queries, filters, page 2,
date sort) from its own starting point.  The run stops at --duration
seconds or --max-requests requests, whichever comes first.  Printed: requests,
requests/s, latency p50 / p95 / p99 / max, and errors (any answer but 200, or
a failed connection) by kind.  The exit code is 1 when there were errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from webui.server import is_loopback

REPO = Path(__file__).resolve().parents[1]

# (query, extra parameters): what the search page sends.
QUERIES = [
    ("iPhone アプリ", {}),
    ("サッカー 日本代表", {}),
    ("映画", {}),
    ("スマートフォン", {"sort": "date"}),
    ("女性 結婚", {}),
    ("東京", {"page": "2"}),
    ('"日本代表" -なでしこ', {}),
    ("title:iPhone", {}),
    ("ドコモ OR ソフトバンク", {}),
    ("香川真司", {}),
    ("節電 夏", {}),
    ("date:2011 地震", {}),
    ("アンドロイド", {"category": "smax"}),
    ("ダイエット", {"per_page": "20"}),
    ("独女", {"facets": "0"}),
    ("映画 公開", {"date_from": "2012-01", "date_to": "2012-06"}),
    ("ipad", {}),
    ("AKB48", {}),
    ("婚活", {"sort": "date", "page": "3"}),
    ("", {"category": "sports-watch"}),
]
REQUEST_TIMEOUT = 30.0
MAX_DURATION = 600.0


def percentile(sorted_values, share):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, round(share * len(sorted_values) + 0.4999))
    return sorted_values[min(rank, len(sorted_values)) - 1]




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def search_command() -> list:
    exe = shutil.which("search", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "search.cli"]


def wait_until_healthy(host, port, server, seconds=180.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"error: the server exited with code {server.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", "/api/health")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"error: no answer from http://{host}:{port}/api/health within {seconds:.0f} s")


class Client(threading.Thread):
    """One simulated user: requests back to back on one connection."""

    def __init__(self, number, host, port, run):
        super().__init__(name=f"client-{number}", daemon=True)
        self.number, self.host, self.port, self.run_state = number, host, port, run
        self.latencies = []
        self.errors = Counter()

    def _connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)

    def run(self):
        state = self.run_state
        conn = self._connection()
        i = self.number * 7  # each client starts elsewhere in the list
        while state.take_ticket():
            query, extra = QUERIES[i % len(QUERIES)]
            i += 1
            path = "/api/search?" + urlencode({"q": query, **extra})
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": "application/json"})
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                if response.status == 200:
                    self.latencies.append(elapsed)
                else:
                    self.errors[f"HTTP {response.status}"] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = self._connection()
            except (OSError, http.client.HTTPException) as exc:
                self.errors[type(exc).__name__] += 1
                conn.close()
                conn = self._connection()
        conn.close()


class RunState:
    """The shared budget: a deadline and a request count."""

    def __init__(self, duration, max_requests):
        self.deadline = time.monotonic() + duration
        self.left = max_requests
        self.lock = threading.Lock()
        self.stopped = False  # set when what the run waits for (an indexing run) is over

    def take_ticket(self) -> bool:
        if self.stopped or time.monotonic() >= self.deadline:
            return False
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def load(host, port, clients=16, duration=30.0, max_requests=100_000, while_running=None) -> dict:
    """Run the clients against host:port; the figures as a dict.

    ``while_running``: a command (argument list) started with the clients;
    the run then lasts until it ends (or the duration is up), and the
    figures say what it returned and which document counts /api/health
    showed meanwhile."""
    # Warm-up, not counted: every query once, so first-use costs (facet
    # tables, the analyser's caches) are not measured as load.
    warm = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    for query, extra in QUERIES:
        warm.request("GET", "/api/search?" + urlencode({"q": query, **extra}))
        warm.getresponse().read()
    warm.close()

    state = RunState(duration, max_requests)
    workers = [Client(n, host, port, state) for n in range(clients)]
    watcher = CountWatcher(host, port, state) if while_running else None
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    background = None
    if while_running:
        watcher.start()
        background = subprocess.Popen(while_running, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _, background_err = background.communicate(timeout=max(1.0, state.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            background.kill()
            _, background_err = background.communicate()
        time.sleep(0.5)  # a last look at the count after the final commit
        state.stopped = True
        watcher.join()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started

    latencies = sorted(x for w in workers for x in w.latencies)
    errors = sum((w.errors for w in workers), Counter())
    requests = len(latencies) + sum(errors.values())

    def ms(value):
        return round(value * 1000, 1) if value is not None else None

    figures = {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1) if elapsed else 0.0,
        "p50_ms": ms(percentile(latencies, 0.50)),
        "p95_ms": ms(percentile(latencies, 0.95)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "max_ms": ms(latencies[-1] if latencies else None),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
    }
    if while_running:
        figures["background_returncode"] = background.returncode
        figures["background_stderr"] = background_err[-2000:]
        figures["counts_seen"] = sorted(set(watcher.counts))
        figures["count_went_backwards"] = watcher.went_backwards()
        figures["health_errors"] = dict(watcher.errors)
    return figures


def start_server(index_dir, port, workers=1):
    env = dict(os.environ)
    env.pop("SEARCH_INDEX", None)
    return subprocess.Popen(
        search_command() + ["serve", "--index", str(index_dir), "--host", "127.0.0.1", "--port", str(port),
                            "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO, start_new_session=True,
    )


def stop_server(server):
    """SIGINT (waitress stops on KeyboardInterrupt, gunicorn's master stops
    its workers), then whatever of its session is left is killed."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    try:
        os.killpg(server.pid, signal.SIGKILL)  # a worker process that outlived its master
    except (ProcessLookupError, PermissionError):
        pass


class CountWatcher(threading.Thread):
    """Polls /api/health while the load runs and records every document
    count it sees: with `search index` committing at the same time, counts
    may only grow, and only by whole batches."""

    def __init__(self, host, port, state, interval=0.1):
        super().__init__(name="count-watcher", daemon=True)
        self.host, self.port, self.state, self.interval = host, port, state, interval
        self.counts = []
        self.errors = Counter()

    def run(self):
        while time.monotonic() < self.state.deadline and not self.state.stopped:
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
                conn.request("GET", "/api/health")
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200:
                    self.counts.append(json.loads(body)["documents"])
                else:
                    self.errors[f"HTTP {response.status}"] += 1
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.errors[type(exc).__name__] += 1
            time.sleep(self.interval)

    def went_backwards(self) -> list:
        return [(a, b) for a, b in zip(self.counts, self.counts[1:]) if b < a]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--index", help="serve this index with `search serve` for the run")
    target.add_argument("--url", help="a server already running on loopback, e.g. http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--duration", type=float, default=30.0, help=f"seconds, at most {MAX_DURATION:.0f} (30)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests (100000)")
    parser.add_argument("--workers", type=int, default=1, help="server processes for --index (1: waitress)")
    parser.add_argument("--while-indexing", metavar="PATH",
                        help="run `search index PATH` into the served index meanwhile; the run lasts until it ends")
    parser.add_argument("--batch-size", type=int, default=None, help="--batch-size of that indexing run")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 256:
        parser.error("--clients must be between 1 and 256")
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be more than 0 and at most {MAX_DURATION:.0f} seconds")
    if args.max_requests < 1:
        parser.error("--max-requests must be 1 or more")

    server = None
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "", parts.port or 80
        if parts.scheme != "http" or not is_loopback(host):
            parser.error("--url must be http:// on a loopback address (127.0.0.1, ::1, localhost)")
    else:
        if not Path(args.index).is_dir():
            parser.error(f"--index {args.index}: no such folder")
        host, port = "127.0.0.1", free_port()
        server = start_server(args.index, port, args.workers)
    indexing = None
    if args.while_indexing:
        if not args.index:
            parser.error("--while-indexing needs --index (the index the run writes to)")
        indexing = search_command() + ["index", args.while_indexing, "--index", args.index]
        indexing += ["--batch-size", str(args.batch_size)] if args.batch_size else []
    try:
        health = wait_until_healthy(host, port, server)
        figures = load(host, port, args.clients, args.duration, args.max_requests, while_running=indexing)
    finally:
        if server is not None:
            stop_server(server)
    figures["documents"] = health.get("documents")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(f"{figures['requests']} requests from {figures['clients']} clients in {figures['seconds']} s "
              f"against {figures['documents']} documents")
        print(f"{figures['requests_per_second']} requests/s; latency p50 {figures['p50_ms']} ms, "
              f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms")
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(figures["errors_by_kind"].items()))
        print(f"errors: {figures['errors']}" + (f" ({kinds})" if kinds else ""))
        if indexing:
            print(f"while indexing (exit {figures['background_returncode']}): document counts seen "
                  f"{figures['counts_seen']}; went backwards: {figures['count_went_backwards'] or 'never'}")
    failed = figures["errors"] or (indexing and (figures["background_returncode"] != 0
                                                 or figures["count_went_backwards"] or figures["health_errors"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
