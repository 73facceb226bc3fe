"""Faults of the disk, as they happen: a full file system, a read-only one,
and an index held by another run.

The file systems are real: a small tmpfs the test mounts (and grows), and a
read-only bind mount of an index folder.  Both need root (CAP_SYS_ADMIN);
without it the tests skip and say so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_cli import run  # noqa: E402  (the real `search` command)
from test_crash import committed_state, write_articles  # noqa: E402


def _mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@contextmanager
def mounted(*args, target):
    target.mkdir(parents=True, exist_ok=True)
    result = _mount(*args, str(target))
    if result.returncode != 0:
        pytest.skip(f"cannot mount a test file system here (needs root): {result.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_full_disk_fails_clearly_and_keeps_the_last_commit(tmp_path):
    src = tmp_path / "articles.jsonl"
    articles = write_articles(src, 300, seed=3)
    # The finished index is about 550 kB: the disk fills partway, at a merge
    # (which needs room for its output beside its inputs).
    with mounted("-t", "tmpfs", "-o", "size=700k", "tmpfs", target=tmp_path / "small") as disk:
        index = disk / "ix"
        result = run("index", str(src), "--index", str(index), "--batch-size", "25", "--procs", "1")
        assert result.returncode == 2, (result.stdout, result.stderr)
        (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert f"cannot finish writing the index at {index}: No space left on device" in line
        assert "everything committed before is intact" in line and "Traceback" not in result.stderr
        count = committed_state(index, articles, 25)  # opens, and holds whole batches only
        assert 0 < count < len(articles)
        # What the failed batch had written is gone again: the disk has room.
        free = os.statvfs(disk)
        assert free.f_bavail * free.f_frsize > 100_000
        # Given room, the same command finishes the job.
        assert _mount("-o", "remount,size=64m", str(disk)).returncode == 0
        again = run("index", str(src), "--index", str(index), "--batch-size", "25", "--procs", "1", "--json")
        assert again.returncode == 0, again.stderr
        summary = json.loads(again.stdout)
        assert (summary["unchanged"], summary["added"]) == (count, len(articles) - count)
        assert committed_state(index, articles, 25) == len(articles)


def test_read_only_index_is_searched_and_not_written(tmp_path):
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "a", "title": "東京の記事", "body": "東京で会見。"}, ensure_ascii=False) + "\n")
    assert run("index", str(src), "--index", str(tmp_path / "ix")).returncode == 0
    with mounted("--bind", str(tmp_path / "ix"), target=tmp_path / "ro") as ro:
        assert _mount("-o", "remount,bind,ro", str(ro)).returncode == 0
        query = run("query", "東京", "--index", str(ro), "--json")
        assert query.returncode == 0 and json.loads(query.stdout)["id"] == "a"
        for args in (["index", str(src)], ["delete", "a"], ["dict", "add", "東京記事"]):
            result = run(*args, "--index", str(ro))
            assert result.returncode == 2, (args, result.stderr)
            assert f"error: cannot write to the index at {ro}: Read-only file system" in result.stderr, result.stderr
            assert "Traceback" not in result.stderr


def test_the_lock_message_names_the_holder(tmp_path):
    index = tmp_path / "ix"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom index.storage import writer_lock\n"
                               f"with writer_lock({str(index)!r}):\n    print('held', flush=True)\n    time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.perf_counter()
        result = run("index", os.devnull, "--index", str(index), "--lock-timeout", "0.5")
        assert time.perf_counter() - started < 20
        assert result.returncode == 2
        assert f"is in use by another `search index` or `search delete` run (pid {holder.pid}, since " in result.stderr
    finally:
        holder.kill()
        holder.wait()
    # The holder died (kill -9): the lock went with it.
    assert run("index", os.devnull, "--index", str(index), "--lock-timeout", "0").returncode in (0, 1)
