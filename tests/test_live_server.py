"""The server users run (`search serve`), tested over HTTP on loopback.

* Generated requests (tests/http_fuzz.py): none gets a 5xx, every 4xx says
  why, no answer is over 1 MB.  The default run sends 2,000; the long run is
  `python bench/fuzz_http.py` (12,000 and more).
* `search serve --workers 2` (gunicorn) answers on one port from two
  processes, and both see what `search index` commits.
* Clients keep searching while `search index` commits batches and merges:
  no errors, and the document count only grows, by whole batches.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import http_fuzz  # noqa: E402
from live_server import serving  # noqa: E402
from test_cli import run  # noqa: E402
from test_crash import write_articles  # noqa: E402

FUZZ_REQUESTS = int(os.environ.get("SEARCH_FUZZ_REQUESTS", "2000"))


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    src = folder / "base.jsonl"
    articles = write_articles(src, 60, seed=21)
    result = run("index", str(src), "--index", str(folder / "ix"))
    assert result.returncode == 0, result.stderr
    return folder, articles


def test_generated_requests_never_get_a_server_error(small_index):
    folder, _ = small_index
    with serving(folder / "ix", workers=2) as client:
        figures = http_fuzz.drive(client.host, client.port, seed=20261201, n=FUZZ_REQUESTS, clients=4)
    shown = [(req["method"], req["path"][:200], what) for req, what in figures["problems"][:10]]
    assert not figures["problems"], f"{len(figures['problems'])} bad answers, e.g. {shown}"
    seconds, slowest = figures["slowest"]
    print(f"{figures['requests']} requests, statuses {figures['statuses']}; slowest {seconds:.2f} s: "
          f"{slowest['method']} {slowest['path'][:120]}")
    assert figures["statuses"].get(200, 0) > FUZZ_REQUESTS * 0.2  # the generator also reaches real answers


def test_fuzz_check_catches_bad_answers():
    # The checker itself: each kind of bad answer is named.
    req = {"method": "GET", "path": "/api/search", "headers": {}, "body": None}
    assert http_fuzz.check(req, 500, {}, b"x") == "HTTP 500"
    assert http_fuzz.check(req, 400, {}, b"") == "HTTP 400 without a message"
    assert http_fuzz.check(req, 400, {"content-type": "application/json"}, b'{"error": ""}') == "HTTP 400 with an empty error"
    assert http_fuzz.check(req, 200, {}, b"x" * 1_000_001) == "1,000,001 bytes"
    assert http_fuzz.check(req, 400, {"content-type": "application/json"}, b'{"error": "per_page"}') is None


def test_two_worker_processes_serve_one_port_and_see_new_commits(small_index, tmp_path):
    folder, articles = small_index
    index = tmp_path / "ix"
    assert run("index", str(folder / "base.jsonl"), "--index", str(index)).returncode == 0
    with serving(index, workers=2) as client:
        for _ in range(40):
            response = client.get("/api/health")
            assert response.status_code == 200 and response.get_json()["documents"] == len(articles)
        more = tmp_path / "more.jsonl"
        more.write_text(json.dumps({"id": "new-1", "title": "新しい記事", "body": "函館で朝市。"}, ensure_ascii=False) + "\n")
        assert run("index", str(more), "--index", str(index)).returncode == 0
        for _ in range(40):  # whichever process answers, it has the commit
            response = client.get("/api/search", query_string={"q": "函館"})
            assert response.get_json()["total"] == 1
        # Two processes answer: the master's children.
        pids = {int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == client.process.pid}
        assert len(pids) == 2, pids


def _ppid(pid):
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


@pytest.mark.parametrize("workers", [1, 2])
def test_searching_while_indexing_commits_and_merges(small_index, tmp_path, workers):
    import subprocess

    folder, articles = small_index
    index = tmp_path / "ix"
    assert run("index", str(folder / "base.jsonl"), "--index", str(index)).returncode == 0
    more = tmp_path / "more.jsonl"
    write_articles(more, 500, seed=22)  # other texts, same ids crash-0000..: half update, half add
    extra = {json.loads(line)["id"] for line in more.read_text().splitlines()} - set(articles)
    bench = os.path.join(os.path.dirname(os.path.dirname(__file__)), "bench", "load.py")
    result = subprocess.run(
        [sys.executable, bench, "--index", str(index), "--workers", str(workers), "--clients", "4",
         "--duration", "300", "--while-indexing", str(more), "--batch-size", "100", "--json"],
        capture_output=True, text=True, timeout=600)
    figures = json.loads(result.stdout)
    assert result.returncode == 0, (figures, result.stderr)
    assert figures["errors"] == 0 and figures["health_errors"] == {}, figures
    assert figures["background_returncode"] == 0, figures["background_stderr"]
    assert not figures["count_went_backwards"]
    # Batches of 100 commit: the first holds the 60 updates (a document
    # replaced in the same commit) and 40 new ids, each later one 100 new
    # ids, so the count goes 60, 100, 200, ... 500 and never shows a batch
    # in part.
    seen = figures["counts_seen"]
    whole_batches = {len(articles)} | set(range(100, len(articles) + len(extra) + 1, 100))
    assert seen[0] == len(articles) and seen[-1] == len(articles) + len(extra), seen
    assert set(seen) <= whole_batches, seen
    assert figures["requests"] > 20
    print(f"{workers} worker(s): {figures['requests']} requests, p95 {figures['p95_ms']} ms; counts {seen}")
