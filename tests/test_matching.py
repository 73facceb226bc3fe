"""What a Japanese reader types must find what the article wrote.

A real index (real Sudachi, real Whoosh on disk) of short articles written
for these tests, one per matching case, each query expected to find exactly
its own article among the others.
"""

from __future__ import annotations

import json

import pytest

from search import Searcher, index_paths

ARTICLES = {
    "variant-simulation": "災害時の避難シミュレーションを実施した。",
    "variant-fuzoku": "大学付属病院で新しい治療が始まった。",
    "variant-toriatsukai": "新製品の取り扱い説明書を改訂した。",
    "variant-kodomo": "子供の読書量が増えている。",
    "width-ukraine": "ウクライナの首都で会談が行われた。",
    "latin-ukraine": "The Ukraine crisis was discussed in Geneva.",
    "number-100000": "十万円の寄付が集まった。",
    "compound-tochou": "東京都庁で記者会見が開かれた。",
    "compound-kuukou": "関西国際空港に臨時便が到着した。",
    "compound-shuugiin": "衆議院議員の定数が議論された。",
    "phrase-shinzen": "国際親善試合で日本代表が勝利した。",
    "unknown-yoshitake": "ヨシタケシンスケの新作絵本が発売された。",
    "reading-xi": "習近平国家主席が演説した。",
    "reading-watanabe": "渡邊社長が新方針を発表した。",
    "case-iphone": "新型iPhoneの予約が始まった。",
    "dot-kimyuna": "フィギュアスケートのキム・ヨナが記者会見を開いた。",
    "fullname-kana": "声優の水樹奈々がドームで公演した。",
    "katakana-name": "アップルのティム・クックCEOが登壇した。",
    "kyoto": "京都の紅葉が見頃を迎え、京都の寺に観光客が集まった。",
    "tokyoto": "東京都の人口が過去最多になった。",
}

CASES = [
    # (query, the article it must find)
    ("シュミレーション", "variant-simulation"),
    ("附属病院", "variant-fuzoku"),
    ("取扱い説明書", "variant-toriatsukai"),
    ("子ども", "variant-kodomo"),
    ("ｳｸﾗｲﾅ", "width-ukraine"),
    ("ＵＫＲＡＩＮＥ", "latin-ukraine"),
    ("ukraine", "latin-ukraine"),
    ("10万円", "number-100000"),
    ("都庁", "compound-tochou"),
    ("空港", "compound-kuukou"),
    ("衆議院", "compound-shuugiin"),
    ("親善試合", "phrase-shinzen"),
    ('"親善試合"', "phrase-shinzen"),
    ("ヨシタケ", "unknown-yoshitake"),
    ("シンスケ", "unknown-yoshitake"),
    ("しゅうきんぺい", "reading-xi"),
    ("渡辺", "reading-watanabe"),
    ("IPHONE", "case-iphone"),
    ("キムヨナ", "dot-kimyuna"),
    ("キム・ヨナ", "dot-kimyuna"),
    ("みずきなな", "fullname-kana"),
    ("クック", "katakana-name"),
    ("ｉＰｈｏｎｅ", "case-iphone"),
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("matching")
    source = folder / "articles.jsonl"
    with source.open("w", encoding="utf-8") as f:
        for article_id, body in ARTICLES.items():
            title = body[:8]
            f.write(json.dumps({"id": article_id, "title": title, "body": body,
                                "date": "2012-09-04T10:00:00+09:00"}, ensure_ascii=False) + "\n")
    summary = index_paths([source], folder / "index")
    assert summary.added == len(ARTICLES), summary.problems
    with Searcher(folder / "index") as s:
        yield s


@pytest.mark.parametrize("query,expected", CASES)
def test_query_finds_its_article(searcher, query, expected):
    ids = [h["id"] for h in searcher.search(query, per_page=20).hits]
    assert ids and ids[0] == expected, f"{query!r} -> {ids}"


def test_tokyo_compound_found_by_both_parts(searcher):
    for part in ("東京", "都庁", "東京都庁"):
        ids = [h["id"] for h in searcher.search(part).hits]
        assert "compound-tochou" in ids, part


def test_kyoto_does_not_find_tokyoto(searcher):
    # 東京都 holds the characters 京都 but not the word: it is not an answer
    # to 京都, and in particular never ranks above the article about Kyoto.
    ids = [h["id"] for h in searcher.search("京都").hits]
    assert ids[0] == "kyoto"
    assert "tokyoto" not in ids
    # Both are there to be found: the query, not the corpus, decides.
    assert "tokyoto" in [h["id"] for h in searcher.search("東京都").hits]


def test_unknown_word_is_marked_in_snippet(searcher):
    hit = searcher.search("ヨシタケ").hits[0]
    assert "<mark>ヨシ" in hit["snippet"] or "<mark>ヨシタケ" in hit["snippet"]


def test_variant_marks_the_form_the_article_used(searcher):
    hit = searcher.search("シュミレーション").hits[0]
    assert "<mark>シミュレーション</mark>" in hit["snippet"]


def test_words_must_all_match(searcher):
    # No article has both: the two that have one of them are relaxed
    # results, each saying which word it lacks; an article with neither is
    # not among them.
    result = searcher.search("東京都庁 ヨシタケ")
    assert result.relaxed is not None and set(result.relaxed) == {"東京都庁", "ヨシタケ"}
    assert sorted(h["missing"] for h in result.hits) == [["ヨシタケ"], ["東京都庁"]]
    assert searcher.search("東京都庁 OR ヨシタケ").total == 2
    assert searcher.search("東京都庁 OR ヨシタケ").relaxed is None


def test_phrase_keeps_order(searcher):
    assert searcher.search('"親善試合"').total == 1
    assert searcher.search('"試合親善"').total == 0
