"""The engine end to end on the bundled sample: index, search, show, similar,
stats, update, delete, and the query syntax's error messages."""

from __future__ import annotations

import json

import pytest

from search import ArticleNotFound, BadRequest, QuerySyntaxError, Searcher, analyze, delete, index_paths

SAMPLE_ID_SUFFIX = "000_48521b92a4068eb7.txt"


def test_sample_found_with_both_words_marked(sample_searcher):
    result = sample_searcher.search("ウクライナ侵攻")
    assert result.total == 1
    hit = result.hits[0]
    assert hit["id"].endswith(SAMPLE_ID_SUFFIX)
    assert hit["title"].startswith("中国、ロシアにウクライナ侵攻を")
    assert "<mark>ウクライナ</mark>" in hit["title_html"] and "<mark>侵攻</mark>" in hit["title_html"]
    assert "<mark>ウクライナ</mark><mark>侵攻</mark>" in hit["snippet"] or "<mark>ウクライナ侵攻</mark>" in hit["snippet"]
    assert hit["date"].startswith("2022-03-06") and hit["date_ja"] == "2022年3月6日"


def test_sample_entities(sample_searcher):
    hit = sample_searcher.search("習近平").hits[0]
    assert "習近平" in hit["person"]
    assert "ロシア" in hit["place"]
    facets = sample_searcher.search("").facets
    assert {"value": "習近平", "count": 1} in facets["person"]
    assert any(f["value"] == "ロシア" for f in facets["place"])


def test_entity_filters_and_fields(sample_searcher):
    assert sample_searcher.search("侵攻", filters={"person": ["習近平"]}).total == 1
    assert sample_searcher.search("侵攻", filters={"person": ["安倍晋三"]}).total == 0
    assert sample_searcher.search("person:習近平").total == 1
    assert sample_searcher.search("place:ロシア 五輪").total == 1
    assert sample_searcher.search("title:五輪").total == 1
    assert sample_searcher.search("title:バイデン").total == 0  # only in the body
    assert sample_searcher.search("バイデン").total == 1


def test_date_queries_and_filters(sample_searcher):
    assert sample_searcher.search("date:2022-03").total == 1
    assert sample_searcher.search("date:2022-03-06").total == 1
    assert sample_searcher.search("date:2022-03-07").total == 0
    assert sample_searcher.search("date:[2022-01-01 TO 2022-03-06]").total == 1
    assert sample_searcher.search("date:[2022-03-07 TO *]").total == 0
    assert sample_searcher.search("", filters={"date_from": "2022", "date_to": "2022-03"}).total == 1
    assert sample_searcher.search("", filters={"date_to": "2021-12-31"}).total == 0


def test_boolean_operators(sample_searcher):
    assert sample_searcher.search("習近平 -プーチン").total == 0
    assert sample_searcher.search("習近平 NOT 存在しない言葉").total == 1
    assert sample_searcher.search("(ウクライナ OR 南極) AND 北京").total == 1
    assert sample_searcher.search("南極 OR 北極").total == 0


def test_related_block_is_not_body(sample_searcher):
    article = sample_searcher.get(sample_searcher.search("").hits[0]["id"])
    assert "関連記事をもっと見る" not in article["body"]
    assert article["related"], "the trailing related-articles block is kept apart"
    assert any("ロシア・ウクライナ紛争" in r for r in article["related"])


def test_get_marks_query_terms(sample_searcher):
    article_id = sample_searcher.search("").hits[0]["id"]
    article = sample_searcher.get(article_id, query="北京")
    assert article["body_html"].count("<mark>北京</mark>") >= 3
    with pytest.raises(ArticleNotFound):
        sample_searcher.get("no-such-id")


@pytest.mark.parametrize(
    "bad, says",
    [('"ウクライナ', 'unbalanced quote: the " at position 1'),
     ("(ロシア", "a ( is never closed"),
     ("ロシア)", "a ) has no matching ("),
     ("ロシア AND", "the query ends where a word was expected"),
     ("OR ロシア", "OR needs a word on each side"),
     ("date:2012-13", "date:"),
     ("date:[2012 TO]", "[FROM TO UNTIL]"),
     ("tag:", "tag: needs a value"),
     ("(" * 9 + "ロシア" + ")" * 9, "9 levels of parentheses; the limit is 8"),
     ("-(" * 200 + "ロシア", "levels of parentheses; the limit is 8"),
     (" ".join(f'"語{i}"' for i in range(9)), "9 quoted phrases; the limit is 8"),
     (" OR ".join(f"語{i}" for i in range(30)), "operators (AND, OR, NOT, -); the limit is 24"),
     (" ".join(f"語{i}" for i in range(40)), "more than 32 words; the limit is 32"),
     ("x" * 1001, "the query is 1001 characters long; the limit is 1000")],
)
def test_syntax_errors_are_clear(sample_searcher, bad, says):
    with pytest.raises(QuerySyntaxError) as info:
        sample_searcher.search(bad)
    assert says in str(info.value)
    assert "\n" not in str(info.value)  # one line


def test_bad_parameters(sample_searcher):
    with pytest.raises(BadRequest, match="per_page"):
        sample_searcher.search("ロシア", per_page=1000)
    with pytest.raises(BadRequest, match="page"):
        sample_searcher.search("ロシア", page=0)
    with pytest.raises(BadRequest, match="sort"):
        sample_searcher.search("ロシア", sort="random")
    with pytest.raises(QuerySyntaxError, match="limit"):
        sample_searcher.search("あ" * 5000)


def test_analyze_tokens_and_entities():
    result = analyze("習近平国家主席とウィリアム・バーンズ長官が東京都庁を訪れた")
    surfaces = [t["surface"] for t in result["tokens"]]
    assert "習近平" in surfaces and "東京都庁" in surfaces
    tok = next(t for t in result["tokens"] if t["surface"] == "東京都庁")
    assert tok["subwords"] == ["東京", "都庁"] and tok["reading"] == "トウキョウトチョウ"
    ents = {(e["text"], e["type"]) for e in result["entities"]}
    assert ("習近平", "person") in ents and ("ウィリアム・バーンズ", "person") in ents
    for e in result["entities"]:
        assert result["text"][e["start"]:e["end"]] == e["text"]


def _write(path, articles):
    with path.open("w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")


def test_reindex_update_and_delete(tmp_path):
    src, ix = tmp_path / "a.jsonl", tmp_path / "ix"
    articles = [
        {"id": f"doc-{i}", "title": f"記事{i}", "body": f"札幌で雪まつりが開かれた。番号{i}", "date": "2012-02-0%dT09:00:00+09:00" % (i + 1)}
        for i in range(3)
    ]
    _write(src, articles)
    first = index_paths([src], ix)
    assert (first.added, first.updated, first.unchanged, first.failed) == (3, 0, 0, 0)
    again = index_paths([src], ix)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)

    articles[1]["body"] = "那覇で花火大会が開かれた。"
    _write(src, articles)
    changed = index_paths([src], ix)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 2)
    with Searcher(ix) as s:
        assert s.search("雪まつり").total == 2
        assert [h["id"] for h in s.search("花火大会").hits] == ["doc-1"]
        assert s.stats()["documents"] == 3

    assert delete(["doc-0"], ix) == 1
    assert delete(["doc-0"], ix) == 0
    with Searcher(ix) as s:
        assert s.search("雪まつり").total == 1
        assert s.stats()["documents"] == 2

    rebuilt = index_paths([src], ix, rebuild=True)
    assert rebuilt.added == 3


def test_searcher_sees_new_commits(tmp_path):
    src, ix = tmp_path / "a.jsonl", tmp_path / "ix"
    _write(src, [{"id": "a", "title": "一つ目", "body": "函館の夜景"}])
    index_paths([src], ix)
    with Searcher(ix) as s:
        assert s.search("夜景").total == 1
        _write(src, [{"id": "a", "title": "一つ目", "body": "函館の夜景"}, {"id": "b", "title": "二つ目", "body": "神戸の夜景"}])
        index_paths([src], ix)
        assert s.search("夜景").total == 2


def test_similar_articles(tmp_path):
    src, ix = tmp_path / "a.jsonl", tmp_path / "ix"
    _write(src, [
        {"id": "a", "title": "日銀が金融緩和を決定", "body": "日本銀行は金融政策決定会合で追加の金融緩和を決めた。国債の買い入れを増やす。"},
        {"id": "b", "title": "金融緩和の効果", "body": "金融緩和による国債買い入れの効果を専門家が分析した。日本銀行の政策に注目。"},
        {"id": "c", "title": "プロ野球開幕", "body": "プロ野球が開幕し、球場に多くのファンが詰めかけた。"},
    ])
    index_paths([src], ix)
    with Searcher(ix) as s:
        similar = s.similar("a")
        assert similar and similar[0]["id"] == "b"
        assert all(h["id"] != "a" for h in similar)


def test_missing_index_message(tmp_path):
    from search import IndexMissing

    with pytest.raises(IndexMissing, match="search index"):
        Searcher(tmp_path / "nothing-here")


def test_same_id_twice_in_one_run(tmp_path):
    """Feed snapshots or pages sharing a canonical URL: the later copy wins,
    and re-running with nothing changed writes nothing."""
    a, b, ix = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "ix"
    _write(a, [{"id": "x", "title": "古い見出し", "body": "仙台で七夕まつり。"}, {"id": "y", "title": "別記事", "body": "青森のねぶた。"}])
    _write(b, [{"id": "x", "title": "新しい見出し", "body": "仙台で七夕まつりが開幕。"}])
    first = index_paths([a, b], ix)
    assert (first.added, first.updated) == (2, 0)
    again = index_paths([a, b], ix)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)  # counted per article, not per copy
    with Searcher(ix) as s:
        assert s.get("x")["title"] == "新しい見出し"
        assert s.stats()["documents"] == 2
