"""Robustness: bad input, unusable indexes and two writers at once.

Bad input goes through the real `search index` process: every problem is one
line on stderr naming the file (and line), everything else is indexed, the
summary counts failures and names the encodings it assumed, and the exit
code is 1 when anything failed.  Index-format and locking checks use the
real CLI, the library and the Flask app on real indexes in tmp_path.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pwd
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from index import config
from index.readers import read_paths
from index.export import export
from index.storage import META_FILE, IndexLocked, IndexUnusable, open_index, writer_lock
from index.writer import index_paths
from search.searcher import Searcher
from webui import create_app

REPO = Path(__file__).resolve().parents[1]


def search_cmd():
    exe = shutil.which("search", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "search.cli"]


def run(*args, timeout=120, **kwargs):
    env = {k: v for k, v in os.environ.items() if k != "SEARCH_INDEX"}
    return subprocess.run(search_cmd() + [str(a) for a in args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=timeout, **kwargs)


def plaintext(title, date_line, body):
    return f"{title}\n{date_line}\nTags: 経済\n\n{body}\n"


def livedoor_tar_gz(count) -> bytes:
    """A gzipped tar of ``count`` livedoor-style articles, each with enough
    varied text that a cut half-way through the archive falls among them."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for i in range(count):
            body = "".join(f"第{i}回の記事、段落{j}。数字{i * 7919 + j * 104729}。\n" for j in range(60))
            data = f"http://news.example.jp/{i}\n2012-01-{i % 28 + 1:02d}T10:00:00+0900\n見出し{i}\n{body}".encode()
            info = tarfile.TarInfo(f"text/it-life-hack/it-life-hack-{i}.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue())


# --------------------------------------------------------------------------
# Bad input, through the real command


@pytest.fixture(scope="module")
def bad_inbox(tmp_path_factory):
    """A folder with every kind of bad input, plus good articles; returns
    (folder, {file name: "ok" | "warning" | "error"}, articles expected)."""
    inbox = tmp_path_factory.mktemp("bad") / "inbox"
    inbox.mkdir()
    expect = {}

    def put(name, data, outcome):
        (inbox / name).write_bytes(data)
        expect[name] = outcome

    body = "日本銀行は追加の金融緩和を決めた。総裁が東京で記者会見した。"
    put("good.txt", plaintext("金融緩和を決定", "2012年9月4日", body).encode("utf-8"), "ok")
    put("sjis.txt", plaintext("シフトJISの記事", "2012年9月5日", body).encode("cp932"), "ok")
    put("eucjp.txt", plaintext("EUC-JPの記事", "2012年9月6日", body).encode("euc_jp"), "ok")
    put("utf16.txt", plaintext("UTF-16の記事", "2012年9月7日", body).encode("utf-16"), "ok")
    put("bom.txt", plaintext("BOM付きの記事", "2012年9月8日", body).encode("utf-8-sig"), "ok")
    put("crlf.txt", plaintext("改行がCRLFの記事", "2012年9月9日", body).replace("\n", "\r\n").encode(), "ok")
    put("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "error")
    put("empty.txt", b"", "error")
    put("nodate.txt", f"日付のない記事\n\n{body}\n".encode(), "warning")
    put("baddate.txt", plaintext("日付が壊れた記事", "2012年13月45日", body).encode(), "warning")
    put("news.jsonl", "\n".join([
        json.dumps({"id": "j1", "title": "JSONの記事", "body": body, "date": "2012-09-10T10:00:00+09:00"},
                   ensure_ascii=False),
        '{"id": "j2", "title": "壊れた行", "body": ',
        json.dumps({"id": "j3", "title": "日付が変なJSON", "body": body, "date": "来週のどこか"}, ensure_ascii=False),
    ]).encode() + b"\n", "error")
    archive = livedoor_tar_gz(30)
    put("cut.tar.gz", archive[: len(archive) // 2], "error")
    put("photo.png", b"\x89PNG\r\n\x1a\n", "warning")  # not an article file type: skipped
    return inbox, expect


def test_bad_input_one_line_each_rest_indexed(bad_inbox, tmp_path):
    inbox, expect = bad_inbox
    index = tmp_path / "ix"
    result = run("index", inbox, "--index", index, "--json")
    assert result.returncode == 1, result.stderr  # something failed
    summary = json.loads(result.stdout)

    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), lines
    # One line per problem, each naming its file; none for the good files.
    for name, outcome in expect.items():
        mine = [line for line in lines if f"{inbox / name}" in line]
        if outcome == "ok":
            assert mine == [], mine
        else:
            assert mine, f"no line for {name}"
            assert any(line.startswith(outcome) for line in mine), mine
    assert any(line.startswith(f"error: {inbox / 'news.jsonl'}:2: invalid JSON") for line in lines)
    assert any(line.startswith(f"warning: {inbox / 'news.jsonl'}:3: unrecognised date") for line in lines)
    assert any(line.startswith(f"warning: {inbox / 'baddate.txt'}:2: unrecognised date") for line in lines)
    assert any(line.startswith(f"warning: {inbox / 'nodate.txt'}:2: missing date") for line in lines)
    assert any("truncated or corrupt" in line for line in lines if "cut.tar.gz" in line)

    # The summary counts exactly the lines printed.
    errors = sum(line.startswith("error: ") for line in lines)
    assert (summary["failed"], summary["warnings"]) == (errors, len(lines) - errors)
    assert summary["encodings"] == {"cp932": 1, "euc_jp": 1, "utf-16": 1, "utf-8-sig": 1}

    # Everything readable was indexed: 6 good files, 2 dateless ones, 2 JSON
    # records, and the archive's articles before the cut.
    in_archive = sum(1 for _ in read_paths([inbox / "cut.tar.gz"]))
    assert 0 < in_archive < 30
    assert summary["added"] == 6 + 2 + 2 + in_archive
    with Searcher(index) as s:
        assert s.search("", per_page=1, collapse=False).total == summary["added"]
        dateless = {h["title"] for h in s.search("", per_page=100, collapse=False).hits if h["date"] is None}
        assert {"日付のない記事", "日付が壊れた記事", "日付が変なJSON"} <= dateless
        # the same text in five encodings: copies of one another, so not collapsed
        titles = {h["title"] for h in s.search("金融緩和", per_page=50, collapse=False).hits}
        assert {"シフトJISの記事", "EUC-JPの記事", "UTF-16の記事", "BOM付きの記事", "改行がCRLFの記事"} <= titles
        assert s.get("j1")["title"] == "JSONの記事"


def test_summary_line_names_the_encodings(bad_inbox, tmp_path):
    inbox, _ = bad_inbox
    result = run("index", inbox / "sjis.txt", inbox / "eucjp.txt", inbox / "good.txt", "--index", tmp_path / "ix")
    assert result.returncode == 0, result.stderr
    assert "added 3," in result.stdout
    assert "; 1 file decoded as Shift_JIS (cp932); 1 file decoded as EUC-JP" in result.stdout


@contextmanager
def unprivileged():
    """Run the block unable to read a chmod 000 file: as root (which reads
    anything) with the effective user and group of `nobody`.  In-process,
    because the interpreter itself may live where `nobody` cannot run it."""
    if os.geteuid() != 0:
        yield
        return
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no user 'nobody' to drop to")
    os.setegid(nobody.pw_gid)
    os.seteuid(nobody.pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_unreadable_files_and_folders():
    # tmp_path is private to this user; the reading may be done by another.
    work = Path(tempfile.mkdtemp(prefix="search-unreadable-"))
    try:
        work.chmod(0o777)
        inbox = work / "inbox"
        (inbox / "private").mkdir(parents=True)
        for name in ("a.txt", "locked.txt", "private/b.txt"):
            (inbox / name).write_text(plaintext(f"記事 {name}", "2012年1月1日", "本文です。"), encoding="utf-8")
        (inbox / "gone.txt").symlink_to(inbox / "nowhere.txt")
        (inbox / "locked.txt").chmod(0o000)
        (inbox / "private").chmod(0o000)
        index_paths([REPO / "corpus"], work / "warm-up")  # loads every module and Sudachi first
        problems = []
        with unprivileged():
            summary = index_paths([inbox], work / "ix", on_problem=problems.append)
    finally:
        (work / "inbox" / "private").chmod(0o755)
        shutil.rmtree(work)
    assert (summary.added, summary.failed, summary.warnings) == (1, 3, 0)
    assert sorted(str(p) for p in problems) == sorted([
        f"{inbox / 'gone.txt'}: broken link: its target does not exist",
        f"{inbox / 'locked.txt'}: cannot read: Permission denied",
        f"{inbox / 'private'}: cannot list folder: Permission denied",
    ])


def test_huge_article_is_cut_with_a_warning(tmp_path):
    # 50 MB of text: read in well under a second, cut to MAX_BODY_CHARS at a
    # line end, indexed in a second or two.
    paragraph = "東京都で記者会見が開かれ、政府は新しい経済対策を発表した。サッカー日本代表の試合も話題になった。\n"
    huge = tmp_path / "huge.txt"
    with open(huge, "w", encoding="utf-8") as out:
        out.write("巨大な記事\n2012年5月1日\nTags: テスト\n")
        out.write(paragraph * (50 * 1024 * 1024 // len(paragraph.encode())))
    assert huge.stat().st_size > 50_000_000
    problems = []
    summary = index_paths([huge], tmp_path / "ix", on_problem=problems.append)
    assert (summary.added, summary.failed, summary.warnings) == (1, 0, 1)
    assert [str(p) for p in problems] == [
        f"{huge}: body is 17,717,273 characters long; only the first 99,959 are kept "
        f"(MAX_BODY_CHARS in index/config.py)"
    ]
    with Searcher(tmp_path / "ix") as s:
        article = s.get(str(huge))
    assert len(article["body"]) <= config.MAX_BODY_CHARS
    assert article["body"].endswith("話題になった。")  # cut at a line end
    assert "東京都" in article["place"]


def test_huge_single_line_record_and_title(tmp_path):
    path = tmp_path / "huge.jsonl"
    body = "あ" * (3 * config.MAX_BODY_CHARS)  # no line end to cut at
    path.write_text(json.dumps({"id": "big", "title": "い" * 5000, "body": body}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    problems = []
    (article,) = read_paths([path], on_problem=problems.append)
    assert len(article["title"]) == config.MAX_TITLE_CHARS
    assert len(article["body"]) == config.MAX_BODY_CHARS
    assert [p.message.split(";")[0] for p in problems] == [
        "title is 5,000 characters long", f"body is {3 * config.MAX_BODY_CHARS:,} characters long",
    ]
    assert all(p.warning and p.source == str(path) for p in problems)


def test_odd_unicode_does_not_stop_a_run(tmp_path):
    """Lone surrogates (valid JSON, invalid Unicode), a file name that is not
    UTF-8 and dates outside what UTC can hold: each article is kept."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "odd.jsonl").write_text("\n".join([
        '{"id": "s1", "title": "見出し\\ud800", "body": "本文\\udfff。東京"}',
        '{"id": "y1", "title": "古い日付", "body": "本文", "date": "0001-01-01T00:00:00+09:00"}',
        '{"id": "n1", "title": "NUL", "body": "制御文字\\u0000入り。大阪"}',
    ]) + "\n", encoding="utf-8")
    raw_name = os.fsencode(inbox) + b"/\xff\xfe.txt"
    with open(raw_name, "wb") as out:
        out.write(plaintext("名前が壊れたファイル", "2012年1月1日", "京都の話題。").encode())
    problems = []
    summary = index_paths([inbox], tmp_path / "ix", on_problem=problems.append)
    assert (summary.added, summary.failed) == (4, 0), [str(p) for p in problems]
    assert sorted(p.line for p in problems) == [1, 2]  # the surrogates, the date
    with Searcher(tmp_path / "ix") as s:
        assert s.get("s1")["title"] == "見出し\ufffd"
        assert s.get("y1")["date"] is None and s.get("y1")["date_ja"] == ""
        assert s.search("大阪").total == 1
        (hit,) = s.search("京都").hits
        assert hit["id"] == f"{inbox}/\\xff\\xfe.txt"


# --------------------------------------------------------------------------
# Index format: another version, not an index, damaged


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("format")
    src = folder / "a.jsonl"
    src.write_text("\n".join(
        json.dumps({"id": f"f{i}", "title": f"記事{i}", "body": f"東京の話題その{i}。"}, ensure_ascii=False)
        for i in range(30)
    ) + "\n", encoding="utf-8")
    index = folder / "ix"
    index_paths([src], index, batch_size=10, procs=1)
    return src, index


def _damage(index: Path, how: str) -> None:
    segments = sorted(index.glob("MAIN_*.seg"))
    (toc,) = index.glob("_MAIN_*.toc")
    if how == "other-version":
        meta = json.loads((index / META_FILE).read_text())
        meta["schema_version"] = -1
        (index / META_FILE).write_text(json.dumps(meta))
    elif how == "meta-garbled":
        (index / META_FILE).write_text("{not json")
    elif how == "toc-truncated":
        toc.write_bytes(toc.read_bytes()[:40])
    elif how == "segment-missing":
        segments[0].unlink()
    elif how == "segment-truncated":
        segments[0].write_bytes(segments[0].read_bytes()[:100])
    elif how == "segment-garbage":
        segments[0].write_bytes(random.Random(6).randbytes(segments[0].stat().st_size))
    elif how == "not-an-index":
        shutil.rmtree(index)
        index.mkdir()
        (index / "notes.txt").write_text("my own files\n")
    else:  # pragma: no cover
        raise ValueError(how)


DAMAGE = ["other-version", "meta-garbled", "toc-truncated", "segment-missing", "segment-truncated",
          "segment-garbage", "not-an-index"]


@pytest.mark.parametrize("how", DAMAGE)
def test_unusable_index_gives_one_line_saying_what_to_do(small_index, tmp_path, how):
    src, good = small_index
    index = tmp_path / "ix"
    shutil.copytree(good, index)
    _damage(index, how)

    result = run("query", "東京", "--index", index)
    assert result.returncode == 2, (result.stdout, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and str(index) in line
    assert ("--rebuild" in line) if how != "not-an-index" else ("search index --index" in line)
    # The library raises the same error from every entry point.
    with pytest.raises(IndexUnusable, match="--rebuild" if how != "not-an-index" else "search index --index"):
        with Searcher(index) as s:
            s.search("東京")
    with pytest.raises(IndexUnusable):
        export(index, tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()
    if how != "not-an-index":  # there `search index` builds one, as the message advises
        with pytest.raises(IndexUnusable):
            index_paths([src], index)

    # The web API answers 503 with the same message, never 500.
    client = create_app(index).test_client()
    response = client.get("/api/search?q=東京")
    assert response.status_code == 503 and str(index) in response.get_json()["error"]

    # And the advice works.
    result = run("index", src, "--index", index, *(["--rebuild"] if how != "not-an-index" else []))
    assert result.returncode == 0 and result.stdout.startswith("added 30,"), result.stderr
    with Searcher(index) as s:
        assert s.search("東京", per_page=1).total == 30
    assert (index / "notes.txt").exists() or how != "not-an-index"  # the user's files stay


def test_every_command_says_damaged_in_one_line(small_index, tmp_path):
    src, good = small_index
    index = tmp_path / "ix"
    shutil.copytree(good, index)
    _damage(index, "segment-truncated")
    for args in (["stats"], ["show", "f1"], ["similar", "f1"], ["export"], ["delete", "f1"], ["index", src]):
        result = run(*args, "--index", index)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.startswith(f"error: index at {index} is damaged"), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "--rebuild" in result.stderr


def test_index_path_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    for args in (["index", REPO / "corpus"], ["query", "東京"]):
        result = run(*args, "--index", tmp_path / "file")
        assert result.returncode == 2 and result.stderr.startswith("error: ") and "not a folder" in result.stderr


def test_empty_index_answers_searches(tmp_path):
    # A run killed before its first commit leaves an index with no documents.
    from index.storage import create_index

    create_index(tmp_path / "ix")
    with Searcher(tmp_path / "ix") as s:
        result = s.search("東京 OR 大阪", facets=True)
        assert result.total == 0 and result.hits == []
        assert s.stats()["documents"] == 0
    response = create_app(tmp_path / "ix").test_client().get("/api/search?q=東京")
    assert response.status_code == 200 and response.get_json()["total"] == 0


# --------------------------------------------------------------------------
# Two writers, and searching while one writes


def test_second_run_waits_for_the_lock_then_fails_clearly(small_index, tmp_path):
    src, good = small_index
    index = tmp_path / "ix"
    shutil.copytree(good, index)
    with writer_lock(index, timeout=1):  # another run holds the index
        started = time.perf_counter()
        result = run("index", src, "--index", index, "--lock-timeout", "1", "--rebuild")
        waited = time.perf_counter() - started
    assert result.returncode == 2
    assert waited >= 1.0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: index at {index} is in use by another") and "--lock-timeout" in line
    # Nothing was touched: the --rebuild never started.
    with Searcher(index) as s:
        assert s.search("", per_page=1).total == 30
    with pytest.raises(IndexLocked), writer_lock(index, timeout=0):
        with writer_lock(index, timeout=0.2):
            pass


def test_second_run_waits_and_then_proceeds(small_index, tmp_path):
    src, good = small_index
    index = tmp_path / "ix"
    shutil.copytree(good, index)
    holder = writer_lock(index, timeout=1)
    holder.__enter__()
    threading.Timer(1.0, holder.__exit__, (None, None, None)).start()
    started = time.perf_counter()
    summary = index_paths([src], index, lock_timeout=30)
    assert time.perf_counter() - started >= 0.9
    assert (summary.added, summary.unchanged) == (0, 30)


def _write_jsonl(path, count, prefix):
    path.write_text("".join(
        json.dumps({"id": f"{prefix}{i:04d}", "title": f"並行{i}", "body": f"並行して書く記事{i}。名古屋の話題。"},
                   ensure_ascii=False) + "\n"
        for i in range(count)
    ), encoding="utf-8")


def test_two_real_runs_on_one_index_add_nothing_twice(tmp_path):
    """Both runs index the same 400 articles in batches of 20: the second
    waits for the first, then finds every article unchanged.  Without the
    run lock it slipped its batches in between the first one's and stored
    the same articles twice."""
    src = tmp_path / "a.jsonl"
    _write_jsonl(src, 400, "p")
    index = tmp_path / "ix"
    args = search_cmd() + ["index", str(src), "--index", str(index), "--batch-size", "20", "--procs", "1", "--json"]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    summaries = [json.loads(out) for out, _ in outs]
    assert sorted((s["added"], s["unchanged"]) for s in summaries) == [(0, 400), (400, 0)]
    ix = open_index(index)
    with ix.reader() as reader:
        ids = [stored["id"] for stored in reader.all_stored_fields()]
    assert len(ids) == len(set(ids)) == 400


def test_search_during_indexing_sees_the_last_commit(tmp_path):
    src = tmp_path / "a.jsonl"
    _write_jsonl(src, 400, "s")
    index = tmp_path / "ix"
    index_paths([src.parent / "none.jsonl"], index)  # an empty index to open
    proc = subprocess.Popen(
        search_cmd() + ["index", str(src), "--index", str(index), "--batch-size", "20", "--procs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    seen = []
    with Searcher(index) as s:
        while proc.poll() is None:
            result = s.search("名古屋", per_page=5, collapse=False)
            seen.append(result.total)
            for hit in result.hits:  # every visible article is complete
                assert hit["title"].startswith("並行") and "名古屋" in hit["snippet"]
            time.sleep(0.02)
        proc.wait()
        seen.append(s.search("名古屋", per_page=1, collapse=False).total)
    assert proc.returncode == 0
    assert all(n % 20 == 0 for n in seen), seen  # only whole commits
    assert seen == sorted(seen) and seen[-1] == 400
    assert len(set(seen)) > 2, seen  # it did see commits arrive one by one


def test_long_lived_searcher_counts_each_article_once_after_merges(tmp_path):
    """A server's Searcher follows commits that merge segments.  Whoosh's own
    refresh() kept the merged-away segments too, so after a few runs every
    article was found twice (40 articles counted as 100)."""
    index = tmp_path / "ix"
    src = tmp_path / "a.jsonl"
    counts = []
    index_paths([tmp_path / "none.jsonl"], index)  # an empty index to open
    with Searcher(index) as s:
        for run_number in range(6):
            _write_jsonl(src, 20, f"m{run_number}-")
            index_paths([src], index, batch_size=10, procs=1)
            result = s.search("名古屋", per_page=100, collapse=False)
            counts.append(result.total)
            assert len({h["id"] for h in result.hits}) == len(result.hits)
    assert counts == [20, 40, 60, 80, 100, 120]
