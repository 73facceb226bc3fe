"""Every request is bounded, and bad input gets a message, not a traceback.

Limits live in index/config.py; each test sends something over a limit (or
text that used to break a part) through the real library, the real CLI
process or the real Flask app and checks the message that names the limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from index import config
from search import Searcher, index_paths
from search.query import QuerySyntaxError, parse, quote
from webui import create_app

sys.path.insert(0, os.path.dirname(__file__))
from test_cli import run, search_cmd  # noqa: E402  (the real `search` command)


ARTICLES = [
    {"id": "tokyo", "title": "東京で会見", "body": "東京都内で首相が会見した。東京の天気は晴れ。", "tags": ['"引用"タグ']},
    {"id": "zwsp", "title": "大阪の\u200b話題", "body": "大\u200b阪で祭り\u00adがあった。\u200e", "tags": ["祭り"]},
    {"id": "esc", "title": "端末\x1b]0;pwned\x07の記事\x1b[2J", "body": "本文\x9b31mに制御文字\x1b[31m赤\x1b[0mがある。\r偽の行",
     "tags": ["制御"]},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits")
    src = folder / "a.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    assert index_paths([src], folder / "ix").added == len(ARTICLES)
    return folder / "ix"


@pytest.fixture(scope="module")
def searcher(index):
    with Searcher(index) as s:
        yield s


@pytest.fixture(scope="module")
def client(index):
    return create_app(index).test_client()


# -- invisible and control characters -----------------------------------


def test_invisible_characters_never_split_a_word(searcher):
    # A zero-width space typed (pasted) into the query, and inside the
    # article's words: both sides drop it, so they meet.
    assert [h["id"] for h in searcher.search("東京\u200b").hits] == ["tokyo"]
    assert [h["id"] for h in searcher.search("\u200e大\u00ad阪\u200f").hits] == ["zwsp"]
    article = searcher.get("zwsp")
    assert article["title"] == "大阪の話題" and article["body"] == "大阪で祭りがあった。"


def test_stored_articles_hold_no_control_characters(searcher):
    article = searcher.get("esc")
    assert article["title"] == "端末]0;pwnedの記事[2J"
    assert not any(c in article["title"] + article["body"] for c in "\x1b\x07\x9b")


def test_cli_prints_no_terminal_sequences_from_an_older_index(tmp_path):
    # An index written before articles were cleaned may still hold escape
    # sequences: the CLI removes them from whatever it prints.
    from index.storage import open_index
    from index.schema import to_document

    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "x", "title": "記事", "body": "本文"}, ensure_ascii=False) + "\n")
    index_paths([src], tmp_path / "ix")
    dirty = {"id": "esc", "title": "端末\x1b]0;pwned\x07タイトル", "body": "本文\x9b31m東京\x1b[2J\r偽の行",
             "hash": "h", "url": None, "date": None, "tags": [], "category": None, "source": "s", "author": None,
             "related": []}
    writer = open_index(tmp_path / "ix").writer()
    writer.add_document(**to_document(dirty))
    writer.commit()
    for args in (["query", "東京"], ["show", "esc"], ["query", "東京", "--json"], ["show", "esc", "--json"]):
        result = run(*args, "--index", str(tmp_path / "ix"))
        assert result.returncode == 0, result.stderr
        out = result.stdout.replace("\x1b[1;31m", "").replace("\x1b[0m", "")  # our own highlighting
        assert not any(c in out for c in "\x1b\x07\x9b\r"), (args, out)
        if "--json" in args:
            json.loads(out.splitlines()[0])  # the escapes that stand in for them keep it JSON


def test_ids_that_are_not_text_are_not_found(index):
    for command in ("show", "similar"):
        result = run(command, "\udcff", "--index", str(index))
        assert result.returncode == 2 and "no article with id" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_a_completion_with_a_quote_is_a_valid_query(searcher):
    from search.suggest import suggest

    (tag,) = [s for s in suggest(searcher, '"引', 8) if s["kind"] == "tags"]
    assert tag["query"] == 'tag:"\\"引用\\"タグ"'
    assert [h["id"] for h in searcher.search(tag["query"]).hits] == ["tokyo"]
    assert parse(quote('a "b" \\c')).text == 'a "b" \\c'


# -- bounded queries --------------------------------------------------------


def test_filters_have_a_limit(searcher, client):
    many = [f"人{i}" for i in range(config.MAX_FILTER_VALUES + 1)]
    with pytest.raises(QuerySyntaxError, match=f"the person filter has {len(many)} values; the limit is"):
        searcher.search("", filters={"person": many})
    started = time.perf_counter()
    response = client.get("/search?" + "&".join(f"person=p{i}" for i in range(5000)))
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 400 and len(response.data) < 200_000  # not 420 MB
    assert "the person filter has 5000 values" in response.get_data(as_text=True)
    api = client.get("/api/search?" + "&".join(f"tags=t{i}" for i in range(15)) + "&"
                     + "&".join(f"org=o{i}" for i in range(15)) + "&" + "&".join(f"place=p{i}" for i in range(15)))
    assert api.status_code == 400
    assert api.get_json()["error"] == "the filters have more than 40 values together; the limit is 40"


def test_a_long_query_that_finds_nothing_stays_fast(searcher):
    # 32 plain words (after analysis) the index does not have: suggestions (did you mean,
    # fewer words) have their own budget, and it counts in took_ms.
    words = " ".join(f"存在しない語{i}" for i in range(8))
    started = time.perf_counter()
    result = searcher.search(words)
    elapsed = (time.perf_counter() - started) * 1000
    assert result.total == 0 and result.alternatives is not None
    assert elapsed < 2000 and result.took_ms >= elapsed * 0.9


def test_matching_stops_at_its_time_limit(searcher, monkeypatch):
    monkeypatch.setattr(config, "SEARCH_TIME_LIMIT_SECONDS", 0.0)
    result = searcher.search("")
    assert result.timed_out and result.to_dict()["warning"].startswith("the search took longer than")
    assert result.total >= 1  # what was found by then
    sorted_by_date = searcher.search("", sort="date")
    assert sorted_by_date.timed_out


def test_analyze_api_limits(client):
    assert client.post("/api/analyze", data="[" * 100_000, content_type="application/json").get_json() == {
        "error": 'the JSON is nested too deeply; send a JSON object {"text": "..."}'}
    big = json.dumps({"text": "あ" * 100}) + " " * config.MAX_API_BODY_BYTES
    response = client.post("/api/analyze", data=big, content_type="application/json")
    assert response.status_code == 413 and "the limit is 262,144" in response.get_json()["error"]
    long_text = client.get("/api/analyze", query_string={"text": "あ" * (config.MAX_ANALYZE_CHARS + 1)})
    assert long_text.status_code == 400 and "limit is 10000" in long_text.get_json()["error"]


def test_host_header_that_is_not_a_host_name(client):
    for path in ("/", "/search?q=東京", "/api/search?q=東京"):
        response = client.get(path, headers={"Host": "a" * 64 + ".example"})
        assert response.status_code == 400 and response.data == b"invalid Host header\n"


def test_cli_analyze_reads_long_lines_in_bounded_memory(tmp_path):
    limit = config.MAX_CLI_ANALYZE_CHARS
    stdin = "東京\n" + "あ" * (limit * 3) + "\n大阪\n"
    result = subprocess.run([*search_cmd(), "analyze", "-"], input=stdin, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [obj.get("text") for obj in lines] == ["東京", None, "大阪"]
    assert lines[1] == {"line": 2, "error": f"line 2: longer than {limit:,} characters (MAX_CLI_ANALYZE_CHARS); skipped"}
    assert "error: line 2: longer than" in result.stderr
    too_long = run("analyze", "a" * (limit + 1))  # (one argument may hold 128 kB)
    assert too_long.returncode == 2 and "the limit is 100,000" in too_long.stderr


def test_cli_analyze_of_an_endless_line_stops(tmp_path):
    with open("/dev/zero", "rb") as zeros:
        result = subprocess.run([*search_cmd(), "analyze", "-"], stdin=zeros,
                                capture_output=True, timeout=120)
    assert result.returncode == 1 and b"has no end within" in result.stderr and b"Traceback" not in result.stderr


def test_index_dev_zero_is_refused_quickly(tmp_path):
    started = time.perf_counter()
    result = run("index", "/dev/zero", "--index", str(tmp_path / "ix"))
    assert time.perf_counter() - started < 60
    assert result.returncode == 1 and "/dev/zero: larger than 64 MB, skipped" in result.stderr, result.stderr
    jsonl = run("index", "/dev/zero", "--format", "jsonl", "--index", str(tmp_path / "ix"))
    assert jsonl.returncode == 1 and "/dev/zero: binary file (NUL bytes), skipped" in jsonl.stderr, jsonl.stderr


def test_a_symlink_loop_inside_a_folder_is_reported_and_the_rest_indexed(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.jsonl").write_text(json.dumps({"id": "a", "title": "東京", "body": "本文"}, ensure_ascii=False) + "\n")
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "z.jsonl").write_text(json.dumps({"id": "z", "title": "大阪", "body": "本文"}, ensure_ascii=False) + "\n")
    result = run("index", str(folder), "--index", str(tmp_path / "ix"), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["added"] == 2
    assert f"error: {folder / 'loop'}: cannot read: Too many levels of symbolic links" in result.stderr


def test_body_field_searches_the_body_only(searcher):
    assert [h["id"] for h in searcher.search("body:首相").hits] == ["tokyo"]
    assert searcher.search("body:会見").total == 1  # in the title and the body
    assert searcher.search("title:会見").total == 1
    assert searcher.search("body:端末").total == 0  # only in a title
    assert [h["id"] for h in searcher.search("title:端末").hits] == ["esc"]
