"""Integration over 1,281 real livedoor articles (livedoor-homme and
topic-news), read from ../shared and extracted to a temporary folder only.

Every expected count is computed independently from the raw article files
(plain substring search, the date line, the folder name), never from the
engine.  The whole-corpus run is marked slow.
"""

from __future__ import annotations

import datetime as dt
import tarfile
from collections import Counter

import pytest

from search import Searcher, index_paths

CATEGORIES = ("livedoor-homme", "topic-news")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, livedoor_tgz):
    """{url: (date, title, body, category)} from the raw files, and their folder."""
    folder = tmp_path_factory.mktemp("livedoor")
    with tarfile.open(livedoor_tgz) as tar:
        members = [m for m in tar.getmembers() if m.name.split("/")[1:2][0:1] and m.name.split("/")[1] in CATEGORIES]
        tar.extractall(folder, members=members, filter="data")
    articles = {}
    for path in sorted((folder / "text").glob("*/*-*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        articles[lines[0].strip()] = (lines[1].strip(), lines[2].strip(), "\n".join(lines[3:]), path.parent.name)
    assert len(articles) == 1281
    return folder / "text", articles


@pytest.fixture(scope="module")
def index(tmp_path_factory, corpus):
    folder, _ = corpus
    path = tmp_path_factory.mktemp("livedoor-index")
    summary = index_paths([folder], path, procs=2)
    assert (summary.added, summary.failed) == (1281, 0), summary.problems
    return path


@pytest.fixture(scope="module")
def searcher(index):
    with Searcher(index) as s:
        yield s


def all_ids(searcher, query, **kwargs):
    ids, page = set(), 1
    while True:
        # every article, near-copies too (index.dedup)
        result = searcher.search(query, page=page, per_page=100, facets=False, collapse=False, **kwargs)
        ids |= {h["id"] for h in result.hits}
        if page >= result.pages:
            return ids, result.total
        page += 1


# Words whose every occurrence is a word of its own in these articles, so a
# substring search over title and body is an exact, independent answer key.
@pytest.mark.parametrize("word", ["香川真司", "スマートフォン", "韓国", "原発", "iPhone", "ロンドン五輪", "東日本大震災"])
def test_phrase_matches_substring_search(searcher, corpus, word):
    _, articles = corpus
    expected = {url for url, (_, title, body, _) in articles.items() if word in title or word in body}
    # synonyms off: the answer key is the words as written (スマホ is not スマートフォン here)
    ids, total = all_ids(searcher, f'"{word}"', synonyms=False)
    assert ids == expected
    assert total == len(expected)


def test_two_words_match_articles_with_both(searcher, corpus):
    _, articles = corpus
    text = {url: t + "\n" + b for url, (_, t, b, _) in articles.items()}
    expected = {u for u, x in text.items() if "韓国" in x and "サッカー" in x}
    ids, _ = all_ids(searcher, "韓国 サッカー")
    assert ids == expected


def test_category_field_and_facets(searcher, corpus):
    _, articles = corpus
    per_category = Counter(cat for (_, _, _, cat) in articles.values())
    for category, count in per_category.items():
        assert searcher.search(f"category:{category}", facets=False, collapse=False).total == count
    facets = {f["value"]: f["count"] for f in searcher.search("", collapse=False).facets["category"]}
    assert facets == dict(per_category)


def test_date_range_and_month_facet(searcher, corpus):
    _, articles = corpus
    dates = {url: dt.datetime.fromisoformat(d) for url, (d, _, _, _) in articles.items()}
    lo, hi = dt.date(2012, 1, 1), dt.date(2012, 6, 30)
    expected = {u for u, d in dates.items() if lo <= d.date() <= hi}
    ids, _ = all_ids(searcher, "date:[2012-01-01 TO 2012-06-30]")
    assert ids == expected
    ids, _ = all_ids(searcher, "", filters={"date_from": "2012-01-01", "date_to": "2012-06-30"})
    assert ids == expected

    months = Counter(d.strftime("%Y-%m") for d in dates.values())
    facet = {f["value"]: f["count"] for f in searcher.search("", collapse=False).facets["month"]}
    assert facet == dict(months)


def test_faceted_query_counts(searcher, corpus):
    _, articles = corpus
    expected = Counter(cat for (_, t, b, cat) in articles.values() if "原発" in t or "原発" in b)
    result = searcher.search('"原発"')
    assert {f["value"]: f["count"] for f in result.facets["category"]} == dict(expected)
    assert result.total == sum(expected.values())


def test_sort_by_date_is_newest_first(searcher):
    hits = searcher.search("韓国", sort="date", per_page=50).hits
    dates = [h["date"] for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_reindex_reports_everything_unchanged(index, corpus):
    folder, _ = corpus
    again = index_paths([folder], index)
    assert (again.added, again.updated, again.unchanged, again.failed) == (0, 0, 1281, 0)


def test_phrase_ranks_above_scattered_words(searcher, corpus):
    """ウクライナ侵攻-style chunks: articles with the words side by side rank
    above those that have both words apart.  The raw files decide which is
    which: in these two categories 7 articles write 韓国政府 and 11 more have
    韓国 and 政府 only apart."""
    _, articles = corpus
    text = {url: title + "\n" + body for url, (_, title, body, _) in articles.items()}
    together = {url for url, t in text.items() if "韓国政府" in t}
    apart = {url for url, t in text.items() if "韓国" in t and "政府" in t and "韓国政府" not in t}
    assert len(together) >= 5 and len(apart) >= 5  # the corpus offers both kinds
    ranked = [h["id"] for h in searcher.search("韓国政府", per_page=100).hits]
    assert together <= set(ranked) and apart & set(ranked)  # both kinds are found...
    top = ranked[: len(together)]
    assert len(set(top) & together) >= len(together) - 1, top  # ...and side by side ranks first
    assert max(ranked.index(u) for u in together) < max(ranked.index(u) for u in apart & set(ranked))


@pytest.mark.slow
def test_full_corpus(tmp_path, livedoor_tgz):
    summary = index_paths([livedoor_tgz], tmp_path / "ix")
    assert (summary.added, summary.failed) == (7367, 0)
    with Searcher(tmp_path / "ix") as s:
        stats = s.stats()
        assert stats["documents"] == 7367
        assert len(stats["categories"]) == 9


def test_ranking_same_in_one_and_two_segment_indexes(tmp_path, corpus, searcher):
    """Whoosh's multi-field matchers once mixed scores between documents and
    ranked differently by segment layout; ours must not depend on it.
    (`search index` merges into one segment at the end, so the two-segment
    index is written by the batch writer itself: two workers, two segments.)"""
    from index.readers import read_paths
    from index.segment_writer import CodecBatchWriter
    from index.storage import create_index

    folder, _ = corpus
    two = tmp_path / "two"
    with CodecBatchWriter(create_index(two), procs=2) as bw:
        bw.write_batch(list(read_paths([folder])))
    with Searcher(two) as multi:
        assert searcher.stats()["segments"] == 1
        assert multi.stats()["segments"] == 2
        for q in ("韓国 サッカー", "東日本大震災 被災地", "iPhone アプリ", "title:香川真司"):
            a = [(h["id"], h["score"]) for h in searcher.search(q, per_page=20, collapse=False).hits]
            b = [(h["id"], h["score"]) for h in multi.search(q, per_page=20, collapse=False).hits]
            assert a == b, q
