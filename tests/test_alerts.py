"""Saved searches and alerts (search.alerts) on real indexes written by the
real writer, analysed by real Sudachi, searched by the real Searcher.

"New" means added to the index since the last check: each article carries
an ``indexed`` stamp (index.stamps, one per batch) and the Searcher
filters on it (indexed_after / indexed_until → index.stamps.indexed_range).
"""

from __future__ import annotations

import json

import pytest

import index.storage
from index import stamps
from search import Searcher, index_paths
from search.alerts import (
    STORE_FILE,
    AlertError,
    AlertExists,
    AlertNotFound,
    add,
    check,
    get,
    list_alerts,
    remove,
)
from search import alerts

A1 = {"id": "http://news.example.jp/1", "url": "http://news.example.jp/1", "title": "東北で地震、津波の心配なし",
      "body": "気象庁によると、午前十時ごろ東北地方で地震があった。", "date": "2012-09-04T10:30:00+09:00",
      "category": "topic-news"}
A2 = {"id": "http://news.example.jp/2", "url": "http://news.example.jp/2", "title": "地震に備える家庭の知恵",
      "body": "地震に備えて水と食料を用意しておきたい。", "date": "2012-09-05T08:00:00+09:00",
      "category": "dokujo-tsushin"}
A3 = {"id": "http://news.example.jp/3", "url": "http://news.example.jp/3", "title": "新型スマートフォン発表",
      "body": "新しいスマートフォンが発表された。", "date": "2012-09-06T12:00:00+09:00", "category": "smax"}
# Indexed later: an old article that matches, and a new one that does not.
OLD_MATCH = {"id": "http://archive.example.jp/1995", "url": "http://archive.example.jp/1995",
             "title": "阪神・淡路大震災から十年、地震の教訓", "body": "大きな地震の記憶を語り継ぐ。",
             "date": "2005-01-17T05:46:00+09:00", "category": "topic-news"}
NEW_OTHER = {"id": "http://news.example.jp/5", "url": "http://news.example.jp/5", "title": "プロ野球の結果",
             "body": "きのうのプロ野球の試合結果をまとめた。", "date": "2012-09-07T22:00:00+09:00", "category": "sports-watch"}


def write(folder, name, articles):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for article in articles:
            f.write(json.dumps(article, ensure_ascii=False) + "\n")
    return path


def index_articles(index_dir, path, expect_added):
    summary = index_paths([path], index_dir, procs=1)
    assert summary.failed == 0 and summary.added == expect_added, summary.line()


def ids(hits):
    return [h["id"] for h in hits]


def test_saved_searches_are_added_listed_and_removed_with_clear_errors(tmp_path):
    index_dir = tmp_path / "index"
    index_articles(index_dir, write(tmp_path / "in", "a", [A1]), 1)
    alert = add(index_dir, "地震", "地震", {"category": "topic-news", "tags": [], "date_from": "2012"})
    assert alert.name == "地震" and alert.query == "地震" and alert.last_checked is None and alert.watermark is None
    assert alert.filters == {"category": ["topic-news"], "date_from": "2012"}
    add(index_dir, "香川", "", {"person": ["香川真司"]})  # a filter alone is a saved search
    assert [a.name for a in list_alerts(index_dir)] == ["地震", "香川"]
    assert get(index_dir, "地震") == alert
    stored = json.loads((index_dir / STORE_FILE).read_text(encoding="utf-8"))
    assert stored["version"] == 1 and set(stored["alerts"]) == {"地震", "香川"}
    assert not [p for p in index_dir.iterdir() if p.name.endswith(".tmp")]

    with pytest.raises(AlertExists, match="exists"):
        add(index_dir, "地震", "別の検索")
    for bad, message in [("", "needs a name"), ("   ", "needs a name"), ("a" * 65, "65 characters.*limit is 64"),
                         ("a/b", "'/'"), ("a\\b", "'/' or '\\\\'"), ("ab\x1b[31m", "control"),
                         ("x\u200by", "invisible"), ("-x", "option")]:
        with pytest.raises(AlertError, match=message):
            add(index_dir, bad, "地震")
    with pytest.raises(AlertError, match="needs a query or at least one filter"):
        add(index_dir, "空", "  ", {"tags": []})
    with pytest.raises(AlertError, match="unknown filter 'colour'"):
        add(index_dir, "色", "地震", {"colour": "red"})
    with pytest.raises(AlertError, match="set by each check"):
        add(index_dir, "ずる", "地震", {"indexed_after": "2000-01-01"})
    with pytest.raises(AlertError, match="would not run"):
        add(index_dir, "日付", "地震", {"date_from": "2012-13-45"})
    with pytest.raises(AlertError, match="would not run"):
        add(index_dir, "括弧", "(地震")
    assert [a.name for a in list_alerts(index_dir)] == ["地震", "香川"]

    assert remove(index_dir, "香川").name == "香川"
    with pytest.raises(AlertNotFound, match="no saved search named '香川'"):
        remove(index_dir, "香川")
    assert [a.name for a in list_alerts(index_dir)] == ["地震"]
    assert list_alerts(tmp_path / "elsewhere") == []


def test_check_reports_what_was_added_since_the_last_check(tmp_path):
    index_dir, inbox = tmp_path / "index", tmp_path / "in"
    index_articles(index_dir, write(inbox, "first", [A1, A2, A3]), 3)
    add(index_dir, "地震", "地震")
    add(index_dir, "地震-topic", "地震", {"category": "topic-news"})
    add(index_dir, "野球", "野球")

    with Searcher(index_dir) as s:
        # Never checked: everything it matches is new.
        first = dict((a.name, hits) for a, hits in check(s))
        assert ids(first["地震"]) == [A2["id"], A1["id"]]  # newest first
        assert first["地震"].total == 2
        assert ids(first["地震-topic"]) == [A1["id"]]
        assert ids(first["野球"]) == [] and first["野球"].total == 0
        checked = get(index_dir, "地震")
        assert checked.checks == 1 and checked.last_checked and checked.watermark and checked.last_new == 2

        # Nothing added: nothing new.
        assert all(len(hits) == 0 for _, hits in check(s))

        # Indexing the same files again changes nothing (unchanged articles are skipped).
        index_articles(index_dir, inbox / "first.jsonl", 0)
        assert all(len(hits) == 0 for _, hits in check(s))

        # Two more: one that matches (dated 2005, years before the others:
        # added now, so new now), one that does not.
        index_articles(index_dir, write(inbox, "second", [OLD_MATCH, NEW_OTHER]), 2)

        before = get(index_dir, "地震")
        assert before.checks == 3 and before.watermark == checked.watermark and before.last_new == 0

        # A dry run shows the new article and records nothing: twice the same.
        for _ in range(2):
            dry = dict((a.name, hits) for a, hits in check(s, dry_run=True))
            assert ids(dry["地震"]) == [OLD_MATCH["id"]]
        assert get(index_dir, "地震") == before

        again = check(s, names=["地震", "地震-topic", "野球"])
        assert [(a.name, ids(hits)) for a, hits in again] == [
            ("地震", [OLD_MATCH["id"]]), ("地震-topic", [OLD_MATCH["id"]]), ("野球", [NEW_OTHER["id"]])]
        assert again[0][0] == before  # the saved search as it was before this check
        after = get(index_dir, "地震")
        assert after.checks == 4 and after.watermark > before.watermark and after.last_new == 1

        # And then none.
        assert [(a.name, len(hits)) for a, hits in check(s)] == [("地震", 0), ("地震-topic", 0), ("野球", 0)]

        # A changed article is written again, and is new again.
        changed = dict(NEW_OTHER, body=NEW_OTHER["body"] + "地震で試合は中止になった。")
        summary = index_paths([write(inbox, "third", [changed])], index_dir, procs=1)
        assert summary.updated == 1
        assert [(a.name, ids(hits)) for a, hits in check(s)] == [
            ("地震", [NEW_OTHER["id"]]), ("地震-topic", []), ("野球", [NEW_OTHER["id"]])]


def test_check_of_named_searches_only_and_a_limit(tmp_path):
    index_dir = tmp_path / "index"
    index_articles(index_dir, write(tmp_path / "in", "a", [A1, A2, OLD_MATCH]), 3)
    add(index_dir, "地震", "地震")
    add(index_dir, "スマホ", "スマートフォン")
    with Searcher(index_dir) as s:
        with pytest.raises(AlertNotFound, match="'なし'"):
            check(s, names=["地震", "なし"])
        assert get(index_dir, "地震").checks == 0  # nothing was checked
        [(alert, hits)] = check(s, names=["地震"], limit=2)
        assert alert.name == "地震"
        assert len(hits) == 2 and hits.total == 3  # listed up to the limit, all counted
        assert get(index_dir, "スマホ").checks == 0 and get(index_dir, "地震").checks == 1
        assert len(check(s, names=["地震"])[0][1]) == 0


def stamps_by_id(index_dir):
    """id -> indexed stamp of every article, read from the index."""
    ix = index.storage.open_index(index_dir)
    with ix.reader() as reader:
        ids_ = reader.column_reader("id")
        column = reader.column_reader("indexed")
        return {ids_[d]: column[d] for d in reader.all_doc_ids()}


def test_the_stamp_filters_and_batch_stamps(tmp_path):
    index_dir, inbox = tmp_path / "index", tmp_path / "in"
    index_articles(index_dir, write(inbox, "a", [A1, A2]), 2)
    first = stamps_by_id(index_dir)
    index_articles(index_dir, write(inbox, "b", [OLD_MATCH]), 1)
    second = stamps_by_id(index_dir)
    newest_first = max(first.values())
    assert second[OLD_MATCH["id"]] > newest_first
    ix = index.storage.open_index(index_dir)
    with ix.reader() as reader:
        assert stamps.newest_indexed(reader) == second[OLD_MATCH["id"]] == alerts.index_watermark(reader)
        assert stamps.batch_stamp(reader) > second[OLD_MATCH["id"]]
    with Searcher(index_dir) as s:
        def found(**filters):
            return sorted(ids(s.search("地震", filters=filters, facets=False, relax=False).hits))

        assert found(indexed_after=newest_first) == [OLD_MATCH["id"]]
        assert found(indexed_until=newest_first) == sorted([A1["id"], A2["id"]])
        assert found(indexed_after=newest_first, indexed_until=newest_first) == []
        assert found(indexed_after=alerts.stamp_to_iso(newest_first)) == [OLD_MATCH["id"]]  # ISO works too
        assert found() == sorted([A1["id"], A2["id"], OLD_MATCH["id"]])


def test_an_index_without_stamps_is_refused(tmp_path):
    from index.schema import to_document

    schema = index.storage.build_schema()
    if "indexed" in schema.names():
        schema.remove("indexed")
    ix = index.storage.storage(tmp_path).create_index(schema, indexname=index.storage.INDEX_NAME)
    from index.readers import make_article

    article = make_article(source="x.txt", title="地震", body="地震があった。")
    doc = {k: v for k, v in to_document(article).items() if k != "indexed"}
    with ix.writer() as w:
        w.add_document(**doc)
    with ix.reader() as reader:
        assert stamps.newest_indexed(reader) is None
        with pytest.raises(alerts.AlertsUnsupported, match="rebuild"):
            alerts.index_watermark(reader)
