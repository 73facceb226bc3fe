"""bench/load.py, the load test, in a short run: it starts the real server
(`search serve`) on a free loopback port, drives it with concurrent clients
and must see no errors.  The full run (16 clients, 30 s, livedoor) is a
benchmark, see bench/README.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_short_load_run_has_no_errors(sample_index):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "load.py"), "--index", str(sample_index),
         "--clients", "4", "--duration", "2", "--json"],
        capture_output=True, text=True, timeout=180, cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout)
    assert figures["errors"] == 0 and figures["errors_by_kind"] == {}
    assert figures["requests"] > 20 and figures["documents"] == 1
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]


def test_refuses_other_hosts():
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "load.py"), "--url", "http://example.com:80", "--duration", "1"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert result.returncode == 2 and "loopback" in result.stderr
