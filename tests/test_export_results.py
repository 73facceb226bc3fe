"""Exports of search results with provenance (search.export_results), from a
real index searched with real Sudachi; read back with the csv and json modules."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shlex

import pytest

from search import Searcher, index_paths
from search.export_results import (
    CSV_COLUMNS,
    PROVENANCE_COLUMNS,
    RECORD_KEYS,
    provenance,
    read_csv,
    search_all,
    to_csv,
    to_json,
    to_jsonl,
)

ARTICLES = [
    {"id": "http://news.example.jp/a/1", "url": "http://news.example.jp/a/1",
     "title": "東京都庁で記者会見、「ｳｸﾗｲﾅ支援」を表明", "body": "東京都の知事は都庁で記者会見を開き、ウクライナ支援を表明した。\n二行目も、ある。",
     "date": "2012-09-04T10:30:00+09:00", "tags": ["東京", "会見"], "category": "topic-news"},
    {"id": "http://news.example.jp/a/2", "url": "http://news.example.jp/a/2",
     "title": "=HYPERLINK(\"http://evil.example\",\"記者会見\")", "body": "都庁の記者会見について、\"引用符\" と, カンマ; セミコロン。",
     "date": "2012-10-01T12:00:00+09:00", "tags": ["東京"], "category": "topic-news"},
    {"id": "local/no-url.txt", "title": "関係のない記事", "body": "天気の話題。", "date": "2011-01-01T00:00:00+09:00"},
]
WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export-corpus")
    with open(folder / "articles.jsonl", "w", encoding="utf-8") as f:
        for article in ARTICLES:
            f.write(json.dumps(article, ensure_ascii=False) + "\n")
    index = tmp_path_factory.mktemp("export-index")
    summary = index_paths([folder], index, procs=1)
    assert summary.added == len(ARTICLES) and summary.failed == 0
    with Searcher(index) as s:
        yield s


@pytest.fixture(scope="module")
def searched(searcher):
    filters = {"tags": ["東京"], "category": [], "date_from": "2012", "person": None}
    result = searcher.search("記者会見", filters=filters, sort="date", per_page=10, facets=False)
    assert result.total == 2
    prov = provenance("記者会見", filters, searcher.stats(), when=WHEN, total=result.total, sort="date",
                      timed_out=result.timed_out, fmt="csv")
    return result, prov


def test_provenance_is_complete(searcher, searched):
    _, prov = searched
    assert prov["query"] == "記者会見"
    assert prov["filters"] == {"date_from": "2012", "tags": ["東京"]}  # empty filters left out
    assert prov["run_at_utc"] == "2024-05-06T07:08:09Z"
    assert prov["run_at_jst"] == "2024-05-06T16:08:09+09:00"
    assert prov["total_hits"] == 2
    assert prov["index_documents"] == len(ARTICLES)
    versions = searcher.stats()["versions"]
    assert versions and prov["index_versions"] == versions
    assert "schema_version" in prov["index_versions"]
    assert prov["engine"] == "japanese-news-search" and prov["engine_version"] not in ("", "unknown")
    assert prov["timed_out"] is False and prov["sort"] == "date"
    assert shlex.split(prov["command"]) == ["search", "query", "--format", "csv", "--sort", "date",
                                            "--since", "2012", "--tag", "東京", "--", "記者会見"]


def test_csv_round_trip_with_the_csv_module(searched):
    result, prov = searched
    data = to_csv(result, prov)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    assert data.count(b"\xef\xbb\xbf") == 1
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert all(len(r) == len(CSV_COLUMNS) for r in rows)
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["id"] for r in table] == ["http://news.example.jp/a/2", "http://news.example.jp/a/1"]  # newest first
    first, second = table
    assert [r["rank"] for r in table] == ["1", "2"]
    # Japanese text intact (NFKC is the index's business, not the export's).
    assert second["title"] == "東京都庁で記者会見、「ｳｸﾗｲﾅ支援」を表明"
    assert second["date"] == "2012-09-04T10:30:00+09:00"
    assert second["date_ja"] == "2012年9月4日"
    assert second["date_wareki"] == "平成24年9月4日"
    assert second["category"] == "topic-news"
    assert second["tags"] == "東京; 会見"
    assert second["score"] == ""  # sorted by date: no score
    hit = result.hits[1]
    assert "<mark>" in hit["snippet"]
    assert second["snippet"] and "<mark>" not in second["snippet"] and "記者会見" in second["snippet"]
    # Quotes, commas, semicolons and line ends survive; a formula does not run.
    assert first["title"] == "'=HYPERLINK(\"http://evil.example\",\"記者会見\")"
    exact = read_csv(data)
    assert exact[0]["title"] == ARTICLES[1]["title"]
    assert "\"引用符\" と, カンマ; セミコロン" in exact[0]["snippet"]
    # The provenance on every row.
    for row in table:
        assert row["query"] == "記者会見"
        assert json.loads(row["filters"]) == {"date_from": "2012", "tags": ["東京"]}
        assert row["total_hits"] == "2" and row["exported_hits"] == "2"
        assert row["index_documents"] == str(len(ARTICLES))
        assert json.loads(row["index_versions"]) == prov["index_versions"]
        assert row["run_at_utc"] == "2024-05-06T07:08:09Z" and row["run_at_jst"] == "2024-05-06T16:08:09+09:00"
        assert row["engine_version"] == prov["engine_version"]


def test_scores_of_a_ranked_search(searcher):
    result = searcher.search("記者会見", facets=False)
    table = read_csv(to_csv(result, provenance("記者会見", None, searcher.stats(), total=result.total)))
    scores = [float(r["score"]) for r in table]
    assert scores == [h["score"] for h in result.hits] and scores == sorted(scores, reverse=True) and scores[0] > 0
    assert table[0]["sort"] == "relevance" and json.loads(table[0]["filters"]) == {}


def test_search_all_pages_through_the_results(searcher):
    whole = search_all(searcher, "都庁 OR 天気 OR 記者会見", sort="date", limit=1000)
    assert whole["total"] == 3 and len(whole["hits"]) == 3 and whole["timed_out"] is False
    paged = search_all(searcher, "都庁 OR 天気 OR 記者会見", sort="date", per_page=1)  # three pages
    assert [h["id"] for h in paged["hits"]] == [h["id"] for h in whole["hits"]]
    capped = search_all(searcher, "都庁 OR 天気 OR 記者会見", sort="date", limit=2, per_page=1)
    assert capped["total"] == 3 and [h["id"] for h in capped["hits"]] == [h["id"] for h in whole["hits"][:2]]
    rows = read_csv(to_csv(capped, provenance("q", None, searcher.stats())))
    assert [r["rank"] for r in rows] == ["1", "2"] and {r["total_hits"] for r in rows} == {"3"}
    assert {r["exported_hits"] for r in rows} == {"2"}


def test_a_search_without_hits_still_says_what_was_searched(searcher):
    result = searcher.search("存在しない語彙ですよ", facets=False, relax=False, alternatives=False)
    assert result.total == 0
    prov = provenance("存在しない語彙ですよ", {}, searcher.stats(), when=WHEN, total=0)
    table = read_csv(to_csv(result, prov))
    assert len(table) == 1
    assert all(table[0][k] == "" for k in RECORD_KEYS)
    assert table[0]["query"] == "存在しない語彙ですよ" and table[0]["total_hits"] == "0"
    assert table[0]["exported_hits"] == "0"
    assert json.loads(to_json(result, prov))["hits"] == []


def test_json_and_jsonl_parse_with_provenance_and_hits(searched):
    result, prov = searched
    obj = json.loads(to_json(result, prov).decode("utf-8"))
    assert obj["provenance"]["query"] == "記者会見" and obj["provenance"]["exported_hits"] == 2
    assert [h["id"] for h in obj["hits"]] == ["http://news.example.jp/a/2", "http://news.example.jp/a/1"]
    assert set(obj["hits"][0]) == set(RECORD_KEYS)
    assert obj["hits"][1]["tags"] == ["東京", "会見"]
    assert obj["hits"][0]["title"] == ARTICLES[1]["title"]  # JSON needs no formula guard
    assert "<mark>" not in obj["hits"][1]["snippet"]

    lines = to_jsonl(result, prov).decode("utf-8").splitlines()
    assert len(lines) == 3
    head = json.loads(lines[0])
    assert list(head) == ["provenance"] and head["provenance"] == obj["provenance"]
    assert [json.loads(line) for line in lines[1:]] == obj["hits"]
    assert set(PROVENANCE_COLUMNS) <= set(head["provenance"])
