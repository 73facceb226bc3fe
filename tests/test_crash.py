"""Crash safety: `search index` killed with SIGKILL at random moments.

Each kill must leave an index that opens and holds exactly a committed state
(a whole number of batches, every stored document complete and equal to its
article), and a re-run must complete it to the full count.  The runs are real
processes of the installed command; the articles are small synthetic ones
written to a temporary folder, so a run takes about a second.

Kills hit one process, as `kill -9 PID` and the OOM killer do, never the
process group: the parent alone while its worker processes run (they must
die within seconds, and the index must not stay locked), a worker alone (the
parent must fail the batch and exit), and the parent during the final merge.

The default run kills 4 times with the one-process writer and 5 times with
worker processes (one of them at the default batch size of 2,000); the full
run (SEARCH_SLOW_TESTS=1) kills 24 times with the one-process writer and 24
times with worker processes.  Delays are drawn from a seeded generator; a
failure message names the seed.
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


def start_index_run(src, index, batch, procs, verbose=False):
    # A session of its own, so whatever the run started can be found (and, if
    # a test fails, cleaned up).
    return subprocess.Popen(
        search_cmd() + ["index", str(src), "--index", str(index), "--batch-size", str(batch),
                        "--procs", str(procs)] + (["--verbose"] if verbose else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def session_pids(sid) -> list:
    """Live processes of the session ``sid`` (zombies are dead already)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            pids.append(int(entry))
    return pids


def children(pid) -> list:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(entry))
    return out


def wait_for_workers(proc, timeout=60) -> list:
    """The worker processes of a run, once it has started them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = children(proc.pid)
        if workers:
            return workers
        if proc.poll() is not None:
            return []
        time.sleep(0.02)
    return []


def assert_nothing_left(proc, seconds=5.0):
    """No process of the run may outlive a kill by more than ``seconds``."""
    deadline = time.monotonic() + seconds
    while session_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = session_pids(proc.pid)
    assert not left, f"processes of the killed run still alive after {seconds} s: {left}"


def rerun_completes(src, index, articles, batch):
    """A re-run of the real command, waiting at most 5 s for the lock, adds
    what the kill lost; the index then holds every article once."""
    result = subprocess.run(search_cmd() + ["index", str(src), "--index", str(index), "--batch-size",
                                            str(batch), "--lock-timeout", "5", "--json"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["failed"] == 0
    assert committed_state(index, articles, batch) == len(articles)
    return summary


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


def kill_with_workers(src, index, articles, batch, target, delay=0.0):
    """Start a run with two worker processes, and once its workers run (and
    ``delay`` seconds more) kill -9 one process: the parent ("parent") or a
    worker ("worker"), or the parent once the final merge has begun
    ("merge").  Then: nothing of the run is left after 5 s, the index opens
    at its last commit, and a re-run completes it.  Returns (documents
    committed at the kill, what was killed)."""
    proc = start_index_run(src, index, batch, procs=2, verbose=target == "merge")
    try:
        if target == "merge":
            for line in proc.stderr:  # --verbose says when the merge starts
                if line.startswith(b"merging"):
                    break
            else:
                pytest.fail("the run ended without a final merge")
            time.sleep(delay)
            victim = proc.pid
        else:
            assert wait_for_workers(proc), "the run never started worker processes"
            time.sleep(delay)
            # A worker of the batch being written now (those of the first
            # batch may be gone): the parent itself, or a live worker.
            victim = proc.pid if target == "parent" else (wait_for_workers(proc) or [None])[0]
        try:
            if victim is not None:
                os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            victim = None  # it had just ended, its work done
        if target == "worker":
            _, err = proc.communicate(timeout=60)
            if victim is None or proc.returncode == 0:
                # Killed after it had delivered its segment (or the run was
                # over): nothing was lost, the run went on to the end.
                assert proc.returncode == 0, err.decode()
            else:
                # The parent notices, fails the batch with a message and exits.
                assert proc.returncode == 2, err.decode()
                assert "worker process" in err.decode() and "killed by SIGKILL" in err.decode(), err.decode()
            assert "Traceback" not in err.decode()
        else:
            proc.wait(timeout=30)
        assert_nothing_left(proc)
        count = committed_state(index, articles, batch)
        summary = rerun_completes(src, index, articles, batch)
        assert (summary["unchanged"], summary["added"]) == (count, len(articles) - count)
    finally:
        kill_session(proc)
    return count


def test_sigkill_leaves_last_commit(tmp_path, corpus):
    run_kills(tmp_path, corpus, kills=4, batch=BATCH, procs=1, seed=20240607)


@pytest.mark.slow
def test_sigkill_leaves_last_commit_24_times(tmp_path, corpus):
    run_kills(tmp_path, corpus, kills=24, batch=BATCH, procs=1)


def test_kill_parent_alone_while_workers_run(tmp_path, big_corpus):
    # Batches of 200 go through the two-process writer (MIN_DOCS_FOR_WORKERS).
    src, articles = big_corpus
    full = seconds_for_full_run(src, tmp_path / "timing", 200, 2)
    rng = random.Random(7)
    counts = [kill_with_workers(src, tmp_path / f"ix{i}", articles, 200, "parent", rng.uniform(0, full * 0.8))
              for i in range(3)]
    print(f"full run {full:.1f} s; documents committed at each kill:", counts)
    assert any(0 < count < len(articles) for count in counts), "no kill landed between two commits"


def test_kill_one_worker_alone(tmp_path, big_corpus):
    src, articles = big_corpus
    kill_with_workers(src, tmp_path / "ix", articles, 200, "worker", 0.3)


def test_kill_parent_during_final_merge(tmp_path, big_corpus):
    src, articles = big_corpus
    count = kill_with_workers(src, tmp_path / "ix", articles, 200, "merge", 0.05)
    assert count == len(articles)  # every batch was committed before the merge began


def test_kill_parent_alone_at_the_default_batch_size(tmp_path_factory, tmp_path):
    # 2,400 articles: one full batch of the default 2,000 and a second one,
    # each written by the worker processes.
    from index import config

    src = tmp_path_factory.mktemp("crash-default") / "articles.jsonl"
    articles = write_articles(src, 2400, seed=11)
    kill_with_workers(src, tmp_path / "ix", articles, config.DEFAULT_BATCH_SIZE, "parent", 1.0)


@pytest.mark.slow
def test_sigkill_with_worker_processes(tmp_path, big_corpus):
    src, articles = big_corpus
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    full = seconds_for_full_run(src, tmp_path / "timing", 200, 2)
    targets = ["parent"] * 16 + ["worker"] * 4 + ["merge"] * 4
    outcomes = [(target, kill_with_workers(src, tmp_path / f"ix{i}", articles, 200, target,
                                           rng.uniform(0, full * (0.8 if target != "merge" else 0.1))))
                for i, target in enumerate(targets)]
    print(f"seed {seed}; (what was killed, documents committed):", outcomes)
    assert any(0 < count < len(articles) for _, count in outcomes), f"no kill landed mid-run (seed {seed})"
