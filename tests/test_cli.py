"""The `search` command line, run as a real process (the installed entry
point, falling back to `python -m search.cli`), on real indexes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def search_cmd():
    exe = shutil.which("search", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "search.cli"]


def run(*args, stdin=None, env_index=None):
    env = dict(os.environ)
    env.pop("SEARCH_INDEX", None)
    if env_index:
        env["SEARCH_INDEX"] = str(env_index)
    return subprocess.run(search_cmd() + list(args), input=stdin, capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    src = folder / "news.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a1", "url": "https://example.com/a1", "title": "日銀が追加の金融緩和",
                    "body": "日本銀行は追加の金融緩和を決めた。黒田総裁が記者会見した。",
                    "date": "2012-09-04T10:00:00+09:00", "tags": ["経済"], "category": "economy"}, ensure_ascii=False),
        json.dumps({"id": "a2", "title": "札幌で雪まつり", "body": "札幌市で雪まつりが始まった。",
                    "date": "2012-02-06", "category": "local"}, ensure_ascii=False),
        '{"id": "broken", "title": ',
        json.dumps({"id": "a3", "title": "日付のない記事", "body": "那覇の話題。", "date": "いつか"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    index = folder / "ix"
    result = run("index", str(src), "--index", str(index))
    return src, index, result


def test_index_summary_problems_and_exit_code(cli_index):
    src, index, result = cli_index
    assert result.returncode == 1, result.stderr  # the broken line failed
    assert "added 3, updated 0, unchanged 0, failed 1, warnings 1" in result.stdout
    assert f"error: {src}:3: invalid JSON" in result.stderr
    assert f"warning: {src}:4: unrecognised date" in result.stderr
    again = run("index", str(src), "--index", str(index), "--json")
    summary = json.loads(again.stdout)
    assert (summary["added"], summary["unchanged"], summary["failed"]) == (0, 3, 1)


def test_query_json_lines(cli_index):
    _, index, _ = cli_index
    result = run("query", "金融緩和", "--index", str(index), "--json")
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["id"] for h in hits] == ["a1"]
    for key in ("id", "url", "title", "date", "score", "snippet"):
        assert key in hits[0]
    assert "<mark>金融" in hits[0]["snippet"] and "緩和</mark>" in hits[0]["snippet"]


def test_query_filters_and_env_index(cli_index):
    _, index, _ = cli_index
    out = run("query", "--json", "--since", "2012-09", "--category", "economy", env_index=index)
    assert [json.loads(x)["id"] for x in out.stdout.splitlines()] == ["a1"]
    out = run("query", "--json", "--until", "2012-03", env_index=index)
    assert [json.loads(x)["id"] for x in out.stdout.splitlines()] == ["a2"]


def test_query_terminal_output(cli_index):
    _, index, _ = cli_index
    out = run("query", "雪まつり", "--index", str(index))
    assert out.returncode == 0
    assert "札幌で" in out.stdout and "2012年2月6日" in out.stdout
    none = run("query", "存在しない話題", "--index", str(index))
    assert none.returncode == 0 and "一致する記事はありません" in none.stdout


def test_errors_are_one_line(cli_index, tmp_path):
    _, index, _ = cli_index
    bad = run("query", '"閉じていない', "--index", str(index))
    assert bad.returncode == 2 and bad.stderr.startswith("error: unbalanced quote")
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    missing = run("query", "x", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no index" in missing.stderr and "Traceback" not in missing.stderr
    show = run("show", "no-such-id", "--index", str(index))
    assert show.returncode == 2 and "no article" in show.stderr


def test_show_stats_similar_delete(cli_index, tmp_path):
    _, index, _ = cli_index
    copy = tmp_path / "ix"
    shutil.copytree(index, copy)
    shown = json.loads(run("show", "a1", "--index", str(copy), "--json").stdout)
    assert shown["title"] == "日銀が追加の金融緩和" and shown["date"].startswith("2012-09-04")
    stats = json.loads(run("stats", "--index", str(copy), "--json").stdout)
    assert stats["documents"] == 3
    assert {"value": "economy", "count": 1} in stats["categories"]
    deleted = run("delete", "a2", "--index", str(copy))
    assert deleted.returncode == 0 and "deleted 1" in deleted.stdout
    assert json.loads(run("stats", "--index", str(copy), "--json").stdout)["documents"] == 2
    assert run("delete", "a2", "--index", str(copy)).returncode == 1


def test_similar_lists_the_related_article(tmp_path):
    src = tmp_path / "news.jsonl"
    src.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in [
        {"id": "s1", "title": "日銀が追加の金融緩和", "body": "日本銀行は金融政策決定会合で追加の金融緩和を決めた。国債の買い入れを増やす。"},
        {"id": "s2", "title": "金融緩和の効果を検証", "body": "日銀の金融緩和と国債の買い入れについて、政策決定会合の議事要旨が公表された。"},
        {"id": "s3", "title": "札幌で雪まつり", "body": "札幌市で雪まつりが始まり、大通公園に雪像が並んだ。"},
    ]) + "\n", encoding="utf-8")
    index = tmp_path / "ix"
    assert run("index", str(src), "--index", str(index)).returncode == 0
    text = run("similar", "s1", "--index", str(index))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines and "金融緩和の効果を検証" in lines[0] and "[s2]" in lines[0]
    assert "雪まつり" not in text.stdout and "[s1]" not in text.stdout  # neither unrelated nor itself
    hits = [json.loads(line) for line in run("similar", "s1", "--index", str(index), "--json").stdout.splitlines()]
    assert [h["id"] for h in hits] == ["s2"] and hits[0]["score"] > 0


def test_analyze_batch_mode():
    result = run("analyze", "--json", "-", stdin="習近平国家主席が東京都を訪れた\nロシアのプーチン大統領\n")
    assert result.returncode == 0, result.stderr
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objs) == 2
    ents = {(e["text"], e["type"]) for e in objs[0]["entities"]}
    assert ("習近平", "person") in ents and ("東京都", "place") in ents
    for obj in objs:
        for e in obj["entities"]:
            assert obj["text"][e["start"]:e["end"]] == e["text"]
            assert e["type"] in ("person", "place", "org")
    single = json.loads(run("analyze", "東京都庁", "--json").stdout)
    assert single["tokens"][0]["subwords"] == ["東京", "都庁"]


def test_analyze_undecodable_argument():
    """Bytes that are not UTF-8 on the command line arrive as lone surrogates."""
    result = subprocess.run(search_cmd() + ["analyze", "--json", b"\xff\xe6\x9d\xb1\xe4\xba\xac".decode("utf-8", "surrogateescape")],
                            capture_output=True, text=True, errors="surrogateescape", timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert any(t["surface"] == "東京" for t in json.loads(result.stdout)["tokens"])


def test_alert_commands_report_what_was_newly_indexed(tmp_path):
    """The cron job of the README: `search index` then `search alert check`."""
    def article(i, title, date="2012-09-04T10:00:00+09:00"):
        return json.dumps({"id": f"n{i}", "title": title, "body": f"{title}。詳しい内容は続報で伝える。",
                           "date": date}, ensure_ascii=False)

    index = tmp_path / "ix"
    (tmp_path / "day1.jsonl").write_text(article(1, "日銀が金融緩和") + "\n" + article(2, "札幌で雪まつり") + "\n",
                                         encoding="utf-8")
    assert run("index", str(tmp_path / "day1.jsonl"), "--index", str(index)).returncode == 0
    added = run("alert", "add", "日銀ウォッチ", "金融緩和", "--index", str(index))
    assert added.returncode == 0 and "日銀ウォッチ" in added.stdout
    assert run("alert", "add", "日銀ウォッチ", "日銀", "--index", str(index)).returncode == 2  # the name is taken
    bad = run("alert", "add", "a/b", "日銀", "--index", str(index))
    assert bad.returncode == 2 and "'/'" in bad.stderr and "Traceback" not in bad.stderr

    first = run("alert", "check", "--json", "--index", str(index))
    assert first.returncode == 0
    assert [(h["alert"], h["id"]) for h in map(json.loads, first.stdout.splitlines())] == [("日銀ウォッチ", "n1")]
    again = run("alert", "check", "--index", str(index))
    assert again.returncode == 0 and "「日銀ウォッチ」: 0 new" in again.stdout

    # The next day: one matching article (dated years ago: new to the index
    # all the same) and one that does not match.
    (tmp_path / "day2.jsonl").write_text(article(3, "追加の金融緩和を検討", "1999-01-01T09:00:00+09:00") + "\n"
                                         + article(4, "プロ野球の結果") + "\n", encoding="utf-8")
    assert run("index", str(tmp_path / "day2.jsonl"), "--index", str(index)).returncode == 0
    dry = run("alert", "check", "--dry-run", "--json", "--index", str(index))
    assert [h["id"] for h in map(json.loads, dry.stdout.splitlines())] == ["n3"]
    new = run("alert", "check", "--index", str(index))
    assert new.returncode == 0 and "「日銀ウォッチ」: 1 new" in new.stdout and "[n3]" in new.stdout
    assert run("alert", "check", "--json", "--index", str(index)).stdout == ""
    listed = run("alert", "list", "--json", "--index", str(index))
    [saved] = map(json.loads, listed.stdout.splitlines())
    assert saved["name"] == "日銀ウォッチ" and saved["checks"] == 4 and saved["last_new"] == 0
    assert run("alert", "check", "なし", "--index", str(index)).returncode == 2
    assert run("alert", "remove", "日銀ウォッチ", "--index", str(index)).returncode == 0
    assert run("alert", "list", "--json", "--index", str(index)).stdout == ""


def test_query_exports_csv_and_json_with_provenance(cli_index):
    import csv
    import io

    _, index, _ = cli_index
    out = subprocess.run(search_cmd() + ["query", "金融緩和", "--index", str(index), "--format", "csv"],
                         capture_output=True, cwd=REPO, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(out.stdout.decode("utf-8-sig"), newline="")))
    assert [r["id"] for r in rows] == ["a1"] and rows[0]["query"] == "金融緩和"
    assert rows[0]["date_ja"] == "2012年9月4日" and rows[0]["date_wareki"] == "平成24年9月4日"
    assert rows[0]["command"] == "search query --format csv -- '金融緩和'"
    doc = json.loads(run("query", "金融緩和", "--index", str(index), "--format", "json").stdout)
    assert doc["provenance"]["total_hits"] == 1 and doc["provenance"]["index_documents"] == 3
    assert doc["hits"][0]["id"] == "a1" and doc["hits"][0]["rank"] == 1
    lines = run("query", "金融緩和", "--index", str(index), "--format", "jsonl").stdout.splitlines()
    assert "provenance" in json.loads(lines[0]) and json.loads(lines[1])["id"] == "a1"
    too_many = run("query", "金融緩和", "--index", str(index), "--format", "csv", "--limit", "5000")
    assert too_many.returncode == 2 and "1000" in too_many.stderr and "Traceback" not in too_many.stderr
