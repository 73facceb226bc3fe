"""Crash safety: `search index` killed with SIGKILL at random moments.

Each kill must leave an index that opens and holds exactly a committed state
(a whole number of batches, every stored document complete and equal to its
article), and a re-run must complete it to the full count.  The runs are real
processes of the installed command; the articles are small synthetic ones
written to a temporary folder, so a run takes about a second.

The default run kills 4 times; the full run (SEARCH_SLOW_TESTS=1) kills 24
times with the one-process writer and 6 times with two worker processes.
Delays are drawn from a seeded generator; a failure message names the seed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.readers import read_paths
from index.storage import index_exists, open_index
from index.writer import index_paths

BATCH = 20
WORDS = ("東京", "大阪", "政府", "経済", "サッカー", "日本代表", "選手", "会見", "発表", "新型",
         "スマートフォン", "記者", "試合", "予算", "首相", "円高", "株価", "地震", "京都", "札幌")


def search_cmd():
    exe = shutil.which("search", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "search.cli"]


def write_articles(path, count, seed=6) -> dict:
    """``count`` short JSON Lines articles with distinct ids and texts;
    returns them as the reader reads them, by id."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            words = [rng.choice(WORDS) for _ in range(24)]
            body = "。".join("".join(words[j:j + 3]) + "が話題になった" for j in range(0, 24, 3)) + "。"
            out.write(json.dumps({
                "id": f"crash-{i:04d}",
                "title": f"第{i}報 {words[0]}で{words[1]}",
                "body": body,
                "date": f"2012-{i % 12 + 1:02d}-{i % 28 + 1:02d}T09:00:00+09:00",
                "tags": [words[2]],
            }, ensure_ascii=False) + "\n")
    return {a["id"]: a for a in read_paths([path])}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("crash") / "articles.jsonl"
    return path, write_articles(path, 300)


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("crash-mp") / "articles.jsonl"
    return path, write_articles(path, 800)


def start_index_run(src, index, batch, procs):
    # A session of its own, so whatever the run started can be cleaned up.
    return subprocess.Popen(
        search_cmd() + ["index", str(src), "--index", str(index), "--batch-size", str(batch),
                        "--procs", str(procs)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def kill_session(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def committed_state(index, articles, batch) -> int:
    """Check the index after a kill; returns its document count."""
    if not index_exists(index):
        return 0  # killed before the first table of contents was written
    ix = open_index(index)  # raises IndexUnusable if the kill damaged it
    with ix.searcher() as s:
        reader = s.reader()
        count = reader.doc_count()
        assert count % batch == 0 or count == len(articles), f"{count} documents is not a whole number of batches"
        seen = set()
        for stored in reader.all_stored_fields():
            article = articles[stored["id"]]  # no document that is not an article
            assert stored["id"] not in seen, f"{stored['id']} stored twice"
            seen.add(stored["id"])
            assert stored["title"] == article["title"] and stored["body"] == article["body"]
            assert stored["hash"] == article["hash"]
            assert stored["published"] == article["date"].isoformat()
            assert stored["tags"] == article["tags"]
        assert len(seen) == count
        # The postings agree with the stored documents.
        for article_id in seen:
            assert s.document_number(id=article_id) is not None
    return count


def kill_and_recover(src, index, articles, delay, batch, procs):
    """One kill at ``delay`` seconds after the start, then the checks and the
    re-run; returns (delay, documents committed at the kill, run finished)."""
    proc = start_index_run(src, index, batch, procs)
    try:
        time.sleep(delay)
        finished = proc.poll() is not None
        # Only the main process, as `kill -9 PID` would: worker processes it
        # leaves behind must not keep the index locked or damage it.
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        count = committed_state(index, articles, batch)
        # The re-run (in this process, to keep the test fast) completes it.
        summary = index_paths([src], index, batch_size=batch, procs=1, lock_timeout=30)
    finally:
        kill_session(proc)
    assert summary.failed == 0
    assert (summary.unchanged, summary.added) == (count, len(articles) - count)
    assert committed_state(index, articles, batch) == len(articles)
    return delay, count, finished


def seconds_for_full_run(src, index, batch, procs) -> float:
    started = time.perf_counter()
    proc = start_index_run(src, index, batch, procs)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return time.perf_counter() - started


def run_kills(tmp_path, corpus, kills, batch, procs, seed=None):
    src, articles = corpus
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    full = seconds_for_full_run(src, tmp_path / "timing", batch, procs)
    outcomes = [
        kill_and_recover(src, tmp_path / f"ix{i}", articles, rng.uniform(0.05, full), batch, procs)
        for i in range(kills)
    ]
    print(f"full run {full:.2f} s; kills (delay s, documents committed, run had finished):",
          [(round(d, 2), c, f) for d, c, f in outcomes])
    # Some kills must land between two commits, or the test proved nothing.
    assert any(0 < count < len(articles) for _, count, _ in outcomes), \
        f"no kill landed mid-run (seed {seed}, full run {full:.2f} s): {outcomes}"
    return outcomes


def test_sigkill_leaves_last_commit(tmp_path, corpus):
    run_kills(tmp_path, corpus, kills=4, batch=BATCH, procs=1, seed=20240607)


@pytest.mark.slow
def test_sigkill_leaves_last_commit_24_times(tmp_path, corpus):
    run_kills(tmp_path, corpus, kills=24, batch=BATCH, procs=1)


@pytest.mark.slow
def test_sigkill_with_worker_processes(tmp_path, big_corpus):
    # Batches of 200 go through the two-process writer (MIN_DOCS_FOR_WORKERS).
    run_kills(tmp_path, big_corpus, kills=6, batch=200, procs=2)
