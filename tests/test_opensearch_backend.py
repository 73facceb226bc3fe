"""The OpenSearch backend (search.backends.opensearch) on a real cluster.

Every test here starts (or shares) a real 3-node OpenSearch cluster on
127.0.0.1 (search.cluster) and is marked ``opensearch``; the fault test
starts a cluster of its own and takes about 75 s on two cores, so it runs
in CI (not ``slow``).  No stand-in for OpenSearch is used anywhere.  ``SEARCH_TEST_OPENSEARCH_URL`` makes the tests use a cluster
already running (e.g. one started with ``search cluster start``) instead
of starting their own; the fault tests always start their own (they kill
its nodes).

* **Parity**: the same few hundred livedoor articles indexed into both
  backends; for queries of each kind (AND, phrase, NOT, OR, field values,
  dates and date ranges, filters) the totals, the hits as sets and the
  facet counts must be the same, and the snippets of the hits both rank
  alike the same HTML.
* **The engine's query tests** (tests/test_engine.py, test_matching.py)
  run against both backends, through the same Searcher.
* **Export, migrate and the web app**: the same export bytes from both
  backends, `migrate` into the cluster, the pages and JSON API over it.
* **Bad inputs** reach OpenSearch only as data.
* **Faults**: 1,000 livedoor articles; a data node killed with SIGKILL
  during bulk indexing and again during a query loop.
"""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from search import cluster
from search.searcher import Searcher
from tests.test_cluster import processes_under as _processes_under

pytestmark = pytest.mark.opensearch

SUBSET_EVERY = 24
SUBSET_SIZE = 300


# ---------------------------------------------------------------------------
# The cluster


def _need_tools():
    missing = cluster.missing_tools()
    if missing:
        pytest.skip(f"OpenSearch tests need {' and '.join(missing)}: run opensearch/install.sh")
    pytest.importorskip("opensearchpy", reason="opensearch-py is not installed (pip install 'opensearch-py>=3.2,<4')")


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory):
    _need_tools()
    given = os.environ.get("SEARCH_TEST_OPENSEARCH_URL")
    if given:
        yield given
        return
    path = tmp_path_factory.mktemp("os-backend")
    try:
        info = cluster.start(path, nodes=3)
        yield info["url"]
    finally:
        cluster.stop(path)
        assert _processes_under(path) == [], "stop left node processes behind"


def _write_jsonl(path, articles):
    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            a = dict(a)
            if a.get("date") is not None and not isinstance(a["date"], str):
                a["date"] = a["date"].isoformat()
            f.write(json.dumps(a, ensure_ascii=False) + "\n")


def _index_both(tmp, name, articles, url):
    """(Whoosh Searcher, OpenSearch Searcher) over the same articles."""
    from index.writer import index_paths

    src = tmp / f"{name}.jsonl"
    _write_jsonl(src, articles)
    w = index_paths([src], tmp / f"{name}-whoosh", rebuild=True)
    o = index_paths([src], f"test-{name}", rebuild=True, backend="opensearch", url=url)
    assert (w.added, w.failed) == (len(articles), 0), w.problems
    assert (o.added, o.failed) == (len(articles), 0), o.problems
    return Searcher(tmp / f"{name}-whoosh"), Searcher(f"test-{name}", backend="opensearch", url=url)


def _drop(url, *names):
    from search.backends.opensearch.client import connect

    c = connect(url)
    try:
        for name in names:
            for index in (name, f"{name}-lexicon"):
                c.client.indices.delete(index=index, params={"ignore_unavailable": "true"})
    finally:
        c.close()


# ---------------------------------------------------------------------------
# Parity on livedoor articles


@pytest.fixture(scope="module")
def livedoor_articles(livedoor_tgz):
    from index.readers import read_paths

    articles = list(read_paths([livedoor_tgz]))
    return articles


@pytest.fixture(scope="module")
def pair(cluster_url, livedoor_articles, tmp_path_factory):
    subset = livedoor_articles[::SUBSET_EVERY][:SUBSET_SIZE]
    w, o = _index_both(tmp_path_factory.mktemp("parity"), "parity", subset, cluster_url)
    yield w, o
    w.close()
    o.close()
    _drop(cluster_url, "test-parity")


QUERIES = {
    "and": ["サッカー 日本代表", "iPhone アプリ", "映画 公開", "女性 結婚", "スマートフォン 発売", "東京 イベント",
            "アプリ 無料", "ドラマ 主演"],
    "phrase": ['"日本代表"', '"記者会見"', '"スマートフォン"', '"発売日"', '"公開 記念"', '"新型 iPhone"'],
    "not": ["映画 -公開", "スマートフォン -ドコモ", "結婚 NOT 女性", "アプリ -iPhone -Android", "サッカー -(日本 OR 代表)"],
    "or": ["ドコモ OR ソフトバンク", "(映画 OR ドラマ) 女優", "iPhone OR iPad OR Android"],
    "field": ["title:iPhone", "title:映画 公開", "body:映画", "body:\"日本代表\"", "category:movie-enter 映画",
              "category:smax", "person:本田圭佑", "org:ドコモ", "place:東京", "place:アメリカ 映画", "tag:映画"],
    "date": ["date:2011 地震", "date:2012-05", "date:[2012-01-01 TO 2012-03-31] 映画", "date:平成24年 サッカー",
             "date:[2012-06-01 TO *]", "date:[* TO 2011-06-30] アプリ"],
    "variants": ["しゅうきんぺい", "ボランテア", "シュミレーション", "附属", "子ども", "ｉＰｈｏｎｅ", "取扱い"],
}
FILTERS = [
    ("映画", {"category": "movie-enter"}),
    ("", {"date_from": "2012-01", "date_to": "2012-06"}),
    ("サッカー", {"person": ["本田圭佑"]}),
    ("スマートフォン", {"org": "NTTドコモ", "date_from": "2012"}),
    ("", {"tags": ["映画"]}),
]


def _all_ids(s, query, filters=None, sort="relevance"):
    ids, page = [], 1
    while True:
        r = s.search(query, filters, sort=sort, page=page, per_page=100, facets=False, snippets=False,
                     alternatives=False)
        ids.extend(h["id"] for h in r.hits)
        if page * 100 >= r.total or not r.hits:
            return r.total, ids
        page += 1


def _same_facets(fw, fo):
    """Facet counts agree: the same counts in the same order, the same value
    for every count that is not tied at the cut, and any value both list
    with the same count (ties at the cut may list other values)."""
    assert set(fw) == set(fo)
    for name in fw:
        a, b = fw[name], fo[name]
        if name == "month":
            assert a == b, name
            continue
        assert [r["count"] for r in a] == [r["count"] for r in b], (name, a, b)
        da, db = {r["value"]: r["count"] for r in a}, {r["value"]: r["count"] for r in b}
        cut = a[-1]["count"] if a else 0
        assert {v for v, c in da.items() if c > cut} == {v for v, c in db.items() if c > cut}, (name, a, b)
        for v in set(da) & set(db):
            assert da[v] == db[v], (name, v)


@pytest.mark.parametrize("kind,query", [(k, q) for k, qs in QUERIES.items() for q in qs])
def test_same_answers_and_facets(pair, kind, query):
    w, o = pair
    tw, ids_w = _all_ids(w, query)
    to, ids_o = _all_ids(o, query)
    assert tw == to, (query, tw, to)
    assert set(ids_w) == set(ids_o), query
    _same_facets(w.search(query).facets, o.search(query).facets)


@pytest.mark.parametrize("query,filters", FILTERS)
def test_same_answers_with_filters(pair, query, filters):
    w, o = pair
    tw, ids_w = _all_ids(w, query, filters)
    to, ids_o = _all_ids(o, query, filters)
    assert tw == to and set(ids_w) == set(ids_o), (query, filters)
    _same_facets(w.search(query, filters).facets, o.search(query, filters).facets)


def test_date_sort_and_paging(pair):
    w, o = pair
    for query in ("映画", "", "サッカー OR 野球"):
        rw = w.search(query, sort="date", per_page=20, page=2)
        ro = o.search(query, sort="date", per_page=20, page=2)
        assert rw.total == ro.total
        assert [h["date"] for h in rw.hits] == [h["date"] for h in ro.hits]
        assert all(h["score"] is None for h in ro.hits)


def test_same_snippets_for_the_same_hits(pair):
    """title_html and snippet come out the same for an article both rank in
    their top ten (the highlighter's spans, through search.highlight)."""
    w, o = pair
    compared = same = 0
    for query in [q for qs in QUERIES.values() for q in qs]:
        hw = {h["id"]: h for h in w.search(query).hits}
        for h in o.search(query).hits:
            if h["id"] in hw:
                compared += 1
                if (h["title_html"], h["snippet"]) == (hw[h["id"]]["title_html"], hw[h["id"]]["snippet"]):
                    same += 1
                else:
                    print(f"{query!r} {h['id']}\n  W {hw[h['id']]['snippet']}\n  O {h['snippet']}")
    assert compared >= 100
    assert same / compared >= 0.97, f"{same} of {compared} snippets the same"


def test_hits_show_the_same_article(pair):
    w, o = pair
    rw, ro = w.search("サッカー"), o.search("サッカー")
    hw = {h["id"]: h for h in rw.hits}
    for h in ro.hits:
        if h["id"] in hw:
            for key in ("url", "title", "date", "date_ja", "date_wareki", "category", "tags", "person", "place", "org"):
                assert h[key] == hw[h["id"]][key], key
    article_id = ro.hits[0]["id"]
    gw, go = w.get(article_id, query="サッカー"), o.get(article_id, query="サッカー")
    for key in ("title", "body", "date", "related", "person", "place", "org", "title_html", "body_html"):
        assert gw[key] == go[key], key
    assert [e["canonical"] for e in gw["entities"]] == [e["canonical"] for e in go["entities"]]
    assert [e["boilerplate"] for e in gw["entities"]] == [e["boilerplate"] for e in go["entities"]]


def test_relaxed_results(pair):
    w, o = pair
    for query in ("サッカー 日本代表 ヨシタケシンスケ", "iPhone アプリ 南極観測船"):
        rw, ro = w.search(query, per_page=100), o.search(query, per_page=100)
        assert rw.relaxed is not None and ro.relaxed is not None
        assert set(rw.relaxed) == set(ro.relaxed)
        assert rw.total == ro.total
        assert {h["id"]: tuple(h["missing"]) for h in rw.hits} == {h["id"]: tuple(h["missing"]) for h in ro.hits}
        # ranked by the words they have, then by score
        missing = [len(h["missing"]) for h in ro.hits]
        assert missing == sorted(missing)


def test_explain_names_the_forms(pair):
    w, o = pair
    for query in ("シュミレーション 災害", "しゅうきんぺい", "サッカー 日本代表"):
        rw, ro = w.search(query, explain=True), o.search(query, explain=True)
        ew = {h["id"]: [(e["word"], e["tier"]) for e in h["explain"]] for h in rw.hits}
        for h in ro.hits:
            if h["id"] in ew:
                assert [(e["word"], e["tier"]) for e in h["explain"]] == ew[h["id"]], (query, h["id"])
    assert w.explain("しゅうきんぺい 附属") == o.explain("しゅうきんぺい 附属")


def test_alternatives_similar_stats_suggest(pair):
    w, o = pair
    ro = o.search("スマートフォーン")
    rw = w.search("スマートフォーン")
    if rw.alternatives:
        assert ro.alternatives is not None
        assert ro.alternatives["fewer_terms"] == rw.alternatives["fewer_terms"]
        assert {d["query"] for d in ro.alternatives["did_you_mean"]} == {d["query"] for d in rw.alternatives["did_you_mean"]}
    article_id = o.search("サッカー").hits[0]["id"]
    sim = o.similar(article_id, limit=5)
    assert sim and all(h["id"] != article_id for h in sim)
    assert len(set(h["id"] for h in sim) & set(h["id"] for h in w.similar(article_id, limit=10))) >= 2
    so, sw = o.stats(), w.stats()
    assert so["documents"] == sw["documents"] == SUBSET_SIZE
    assert so["date_from"] == sw["date_from"] and so["date_to"] == sw["date_to"]
    assert so["categories"] == sw["categories"]
    assert so["shards"] >= 2 and so["replicas"] == 1
    got = o.suggest("サッ", 5)
    assert got and all(g["text"].startswith("サッ") or g["kind"] in ("person", "place", "org") for g in got)
    assert {g["text"] for g in got} & {g["text"] for g in w.suggest("サッ", 5)} if hasattr(w, "suggest") else True


def test_export_matches_the_embedded_index_and_migrate_copies_it(pair, cluster_url, livedoor_articles, tmp_path):
    """`search export` gives the same bytes from either backend; `search
    migrate` copies an embedded index into the cluster through its stored
    articles (a re-run adds nothing), and the copy exports the same again."""
    from index.export import export
    from index.writer import index_paths, migrate

    w, o = pair
    export(w.index_dir, tmp_path / "w.jsonl")
    export("test-parity", tmp_path / "o.jsonl", backend="opensearch", url=cluster_url)
    exported = (tmp_path / "w.jsonl").read_bytes()
    assert exported.count(b"\n") == SUBSET_SIZE
    assert (tmp_path / "o.jsonl").read_bytes() == exported

    few = livedoor_articles[5::97][:40]
    _write_jsonl(tmp_path / "few.jsonl", few)
    assert index_paths([tmp_path / "few.jsonl"], tmp_path / "few-ix").added == len(few)
    _drop(cluster_url, "test-migrated")
    try:
        first = migrate(tmp_path / "few-ix", to_url=cluster_url, to_index="test-migrated")
        assert (first.added, first.failed) == (len(few), 0), first.problems
        again = migrate(tmp_path / "few-ix", to_url=cluster_url, to_index="test-migrated")
        assert (again.added, again.unchanged) == (0, len(few))
        export(tmp_path / "few-ix", tmp_path / "few-w.jsonl")
        export("test-migrated", tmp_path / "few-o.jsonl", backend="opensearch", url=cluster_url)
        assert (tmp_path / "few-o.jsonl").read_bytes() == (tmp_path / "few-w.jsonl").read_bytes()
    finally:
        _drop(cluster_url, "test-migrated")


def test_alerts_say_they_need_the_embedded_index(pair):
    """Saved-search alerts read indexed stamps the cluster does not hold
    yet: a clear refusal, not an AttributeError from deep inside."""
    from search.alerts import AlertsUnsupported

    _, o = pair
    with pytest.raises(AlertsUnsupported, match="OpenSearch backend does not record"):
        o.last_indexed()


def test_web_app_answers_alike_on_both_backends(pair, cluster_url):
    """The web app (pages and JSON API) over the cluster, as `search serve
    --backend opensearch` runs it, warm-up included: the same answers as
    over the embedded index."""
    from webui import create_app
    from webui.server import warm_up

    w, _ = pair
    apps = {"whoosh": create_app(w.index_dir, {"TESTING": True}),
            "opensearch": create_app("test-parity", {"TESTING": True, "BACKEND": "opensearch",
                                                     "OPENSEARCH_URL": cluster_url})}
    for app in apps.values():
        warm_up(app)  # completions and did-you-mean included: what a gunicorn worker runs first
    clients = {name: app.test_client() for name, app in apps.items()}
    for q in ("サッカー 日本代表", '"記者会見"', "映画 -公開", "スマートフォーン"):
        got = {}
        for name, c in clients.items():
            r = c.get("/api/search", query_string={"q": q, "per_page": 50})
            assert r.status_code == 200, (name, r.get_json())
            got[name] = r.get_json()
        a, b = got["whoosh"], got["opensearch"]
        assert a["total"] == b["total"] and {h["id"] for h in a["hits"]} == {h["id"] for h in b["hits"]}, q
        page = clients["opensearch"].get("/search", query_string={"q": q})
        assert page.status_code == 200 and ("<mark>" in page.get_data(as_text=True)) == bool(b["hits"]), q
    r = clients["opensearch"].get("/api/suggest", query_string={"q": "サッ"})
    assert r.status_code == 200 and r.get_json()["suggestions"]
    some = a["hits"][0]["id"] if a["hits"] else w.search("サッカー").hits[0]["id"]
    ra, rb = (c.get(f"/api/articles/{some}") for c in clients.values())
    assert ra.status_code == rb.status_code == 200
    assert ra.get_json()["title"] == rb.get_json()["title"]
    health = clients["opensearch"].get("/api/health")
    assert health.status_code == 200 and health.get_json()["documents"] == SUBSET_SIZE


# ---------------------------------------------------------------------------
# The engine's own query tests, on both backends


@pytest.fixture(scope="module", params=["whoosh", "opensearch"])
def sample_searcher(request, cluster_url, tmp_path_factory):
    from tests.conftest import SAMPLE_DIR
    from index.writer import index_paths

    if request.param == "whoosh":
        path = tmp_path_factory.mktemp("sample-w")
        index_paths([SAMPLE_DIR], path)
        s = Searcher(path)
    else:
        index_paths([SAMPLE_DIR], "test-sample", rebuild=True, backend="opensearch", url=cluster_url)
        s = Searcher("test-sample", backend="opensearch", url=cluster_url)
    yield s
    s.close()


from tests import test_engine as _engine  # noqa: E402

ENGINE_TESTS = [
    _engine.test_sample_found_with_both_words_marked, _engine.test_sample_entities,
    _engine.test_entity_filters_and_fields, _engine.test_date_queries_and_filters, _engine.test_boolean_operators,
    _engine.test_related_block_is_not_body, _engine.test_get_marks_query_terms, _engine.test_bad_parameters,
]


@pytest.mark.parametrize("case", ENGINE_TESTS, ids=lambda f: f.__name__)
def test_engine_queries(sample_searcher, case):
    case(sample_searcher)


_bad_syntax = [p for m in _engine.test_syntax_errors_are_clear.pytestmark if m.name == "parametrize" for p in m.args[1]]


@pytest.mark.parametrize("bad,says", _bad_syntax)
def test_engine_syntax_errors(sample_searcher, bad, says):
    _engine.test_syntax_errors_are_clear(sample_searcher, bad, says)


@pytest.fixture(scope="module", params=["whoosh", "opensearch"])
def matching_searcher(request, cluster_url, tmp_path_factory):
    from tests.test_matching import ARTICLES

    articles = [{"id": k, "title": v[:8], "body": v, "date": "2012-09-04T10:00:00+09:00"} for k, v in ARTICLES.items()]
    tmp = tmp_path_factory.mktemp(f"matching-{request.param}")
    from index.writer import index_paths

    src = tmp / "a.jsonl"
    _write_jsonl(src, articles)
    if request.param == "whoosh":
        index_paths([src], tmp / "ix")
        s = Searcher(tmp / "ix")
    else:
        index_paths([src], "test-matching", rebuild=True, backend="opensearch", url=cluster_url)
        s = Searcher("test-matching", backend="opensearch", url=cluster_url)
    yield s
    s.close()


from tests import test_matching as _matching  # noqa: E402


@pytest.mark.parametrize("query,expected", _matching.CASES)
def test_matching_queries(matching_searcher, query, expected):
    _matching.test_query_finds_its_article(matching_searcher, query, expected)


@pytest.mark.parametrize("case", [
    _matching.test_tokyo_compound_found_by_both_parts, _matching.test_kyoto_does_not_find_tokyoto,
    _matching.test_unknown_word_is_marked_in_snippet, _matching.test_variant_marks_the_form_the_article_used,
    _matching.test_words_must_all_match, _matching.test_phrase_keeps_order,
], ids=lambda f: f.__name__)
def test_matching_cases(matching_searcher, case):
    case(matching_searcher)


def test_update_delete_and_rerun(cluster_url, tmp_path):
    """The engine's update/delete test (test_engine.test_reindex_update_and_delete) on the cluster."""
    from index.writer import delete, index_paths

    _drop(cluster_url, "test-updates")
    src = tmp_path / "a.jsonl"
    articles = [{"id": f"doc-{i}", "title": f"記事{i}", "body": f"札幌で雪まつりが開かれた。番号{i}",
                 "date": "2012-02-0%dT09:00:00+09:00" % (i + 1)} for i in range(3)]
    _write_jsonl(src, articles)
    kw = dict(backend="opensearch", url=cluster_url)
    first = index_paths([src], "test-updates", **kw)
    assert (first.added, first.updated, first.unchanged, first.failed) == (3, 0, 0, 0)
    again = index_paths([src], "test-updates", **kw)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    articles[1]["body"] = "那覇で花火大会が開かれた。"
    _write_jsonl(src, articles)
    changed = index_paths([src], "test-updates", **kw)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 2)
    with Searcher("test-updates", **kw) as s:
        assert s.search("雪まつり").total == 2
        assert [h["id"] for h in s.search("花火大会").hits] == ["doc-1"]
        assert s.stats()["documents"] == 3
    assert delete(["doc-0"], "test-updates", **kw) == 1
    assert delete(["doc-0"], "test-updates", **kw) == 0
    with Searcher("test-updates", **kw) as s:
        assert s.search("雪まつり").total == 1
        assert s.stats()["documents"] == 2
    assert index_paths([src], "test-updates", rebuild=True, **kw).added == 3
    _drop(cluster_url, "test-updates")


# ---------------------------------------------------------------------------
# Bad inputs are data


EVIL = [
    '{"query": {"match_all": {}}}',
    '"}}, "script": {"source": "ctx._source.stored.title = 1"}}',
    "ctx._source.stored.body = params.x; Math.random()",
    "title:東京 AND 都庁* OR body:[* TO *]~2^10",
    "<script>alert(1)</script> \\\" \\u0000 \u0000",
    "_search?q=*:* /_delete_by_query",
]


def _walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_bad_inputs_are_searched_as_text(cluster_url, tmp_path):
    from search.backends.opensearch import searcher as os_searcher

    articles = [{"id": f"evil-{i}", "title": f"危険な文字列{i}", "body": f"本文に {text} を含む記事。"}
                for i, text in enumerate(EVIL)]
    articles.append({"id": "plain", "title": "普通の記事", "body": "東京都庁で記者会見が開かれた。"})
    w, o = _index_both(tmp_path, "evil", articles, cluster_url)
    sent = []
    original = o._impl._search

    def spy(body, **kw):
        sent.append(body)
        return original(body, **kw)

    o._impl._search = spy
    try:
        for text in EVIL + ['"ctx._source.stored.body = params.x"', "match_all", "script source"]:
            try:
                rw = w.search(text)
            except Exception as exc:  # a query the language refuses is refused alike
                with pytest.raises(type(exc)):
                    o.search(text)
                continue
            ro = o.search(text)
            assert ro.total == rw.total and {h["id"] for h in ro.hits} == {h["id"] for h in rw.hits}, text
        # nothing ran: every article is as it was written (as the reader
        # cleaned it: the embedded index holds the same)
        for a in articles:
            got, kept = o.get(a["id"]), w.get(a["id"])
            assert (got["title"], got["body"]) == (kept["title"], kept["body"])
            assert got["title"] == a["title"] and "<script>" in got["body"] or a["id"] != "evil-4"
        assert o.stats()["documents"] == len(articles)
        # and the requests never held a query parser or a script
        keys = {k for body in sent for k in _walk(body)}
        assert not keys & {"query_string", "simple_query_string", "script", "script_score", "script_fields",
                           "runtime_mappings"}
    finally:
        o._impl._search = original
        w.close()
        o.close()
        _drop(cluster_url, "test-evil")
    assert os_searcher  # (the module under test)


# ---------------------------------------------------------------------------
# Faults: kill -9 a data node while indexing, and while querying


@pytest.fixture(scope="module")
def fault_cluster(tmp_path_factory):
    _need_tools()
    path = tmp_path_factory.mktemp("os-faults")
    try:
        info = cluster.start(path, nodes=3)
        yield path, info["url"]
    finally:
        cluster.stop(path)
        assert _processes_under(path) == [], "stop left node processes behind"


def test_an_answer_some_shards_missed_is_not_taken():
    """What Cluster.read checks in an answer (the fault test below meets it
    for real when the kill lands mid-search, which it does not always do):
    shards that failed make the answer partial and it is asked again; a
    search that ran out of time is an answer (it says timed_out)."""
    from search.backends.opensearch.client import PartialAnswer, _check_whole

    whole = {"took": 3, "timed_out": False, "_shards": {"total": 2, "successful": 2, "skipped": 0, "failed": 0},
             "hits": {"total": {"value": 158, "relation": "eq"}, "hits": []}}
    assert _check_whole(whole) is whole
    late = dict(whole, timed_out=True)
    assert _check_whole(late) is late
    lost = dict(whole, _shards={"total": 2, "successful": 1, "skipped": 0, "failed": 1, "failures": [
        {"shard": 0, "index": "faults", "node": "x", "reason": {"type": "node_disconnected_exception"}}]})
    with pytest.raises(PartialAnswer, match="1 of 2 shards failed .node_disconnected_exception"):
        _check_whole(lost)
    with pytest.raises(PartialAnswer):
        _check_whole({"responses": [whole, lost]})
    with pytest.raises(PartialAnswer, match="HTTP 503"):
        _check_whole({"responses": [{"error": {"type": "search_phase_execution_exception"}, "status": 503}]})
    bad_query = {"error": {"type": "query_shard_exception"}, "status": 400}
    assert _check_whole({"responses": [bad_query]})["responses"] == [bad_query]


def _victim(path, avoid_url=None):
    rows = cluster.status(path)
    return next(r for r in rows if r["alive"] and not r["cluster_manager"] and r["url"] != avoid_url)


def _wait_green(url, index, seconds=240):
    from search.backends.opensearch.client import connect

    c = connect(url)
    try:
        health = c.client.cluster.health(index=index, params={"wait_for_status": "green", "timeout": f"{seconds}s"},
                                         request_timeout=seconds + 10)
        return health["status"]
    finally:
        c.close()


def test_kill_a_node_while_indexing_and_while_querying(fault_cluster, livedoor_articles, tmp_path):
    from index.writer import index_paths
    from search.backends.opensearch.client import connect

    path, url = fault_cluster
    # the URL given to the writer and the searcher is the cluster manager's
    # node: the victim is another one (the client finds the others itself)
    articles = livedoor_articles[::7][:1000]
    assert len(articles) == 1000
    src = tmp_path / "thousand.jsonl"
    _write_jsonl(src, articles)
    c = connect(url)

    def count():
        try:
            c.client.indices.refresh(index="faults")
            return c.client.count(index="faults")["count"]
        except Exception:
            return -1

    result, errors = {}, []

    def run():
        try:
            result["summary"] = index_paths([src], "faults", rebuild=True, backend="opensearch", url=url,
                                            batch_size=250)
        except Exception as exc:  # reported below
            errors.append(exc)

    writer = threading.Thread(target=run)
    started = time.monotonic()
    writer.start()
    deadline = time.monotonic() + 600
    while count() < 150 and writer.is_alive() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert writer.is_alive(), f"indexing ended before the kill ({errors or result})"
    victim = _victim(path, url)
    killed_at = count()  # (after the kill the refresh meets the dead node's shards)
    cluster.kill_node(path, victim["name"])
    writer.join(900)
    assert not writer.is_alive()
    assert not errors, errors
    summary = result["summary"]
    assert (summary.added, summary.failed) == (1000, 0), summary.problems
    print(f"indexing: node {victim['name']} killed at {killed_at} articles; run finished in "
          f"{time.monotonic() - started:.0f} s: {summary.line()}")
    c.client.indices.refresh(index="faults")
    assert c.client.count(index="faults")["count"] == 1000
    ids = c.client.search(index="faults", body={"size": 0, "aggs": {
        "n": {"cardinality": {"field": "id", "precision_threshold": 40000}},
        "twice": {"terms": {"field": "id", "min_doc_count": 2, "size": 10}}}})["aggregations"]
    assert ids["n"]["value"] == 1000 and ids["twice"]["buckets"] == []
    info = cluster.restart_node(path, victim["name"])
    assert info["started"] == [victim["name"]]
    assert _wait_green(url, "faults") == "green"

    # a query loop, and a node killed in the middle of it
    queries = ["サッカー", "iPhone アプリ", '"日本代表"', "映画 -公開", "date:2012 スマートフォン", "title:映画"]
    with Searcher("faults", backend="opensearch", url=url) as s:
        expected = {q: s.search(q).total for q in queries}
        impl = s._impl
        calls = {"retried": 0}
        original_call = impl.cluster.call

        def counting_call(fn, *args, **kwargs):
            attempts = [0]

            def once(*a, **k):
                attempts[0] += 1
                return fn(*a, **k)

            try:
                return original_call(once, *args, **kwargs)
            finally:
                if attempts[0] > 1:
                    calls["retried"] += 1

        impl.cluster.call = counting_call
        stop, failures, answered, slowest = threading.Event(), [], [0], [0.0]

        def loop():
            i = 0
            while not stop.is_set():
                q = queries[i % len(queries)]
                t = time.perf_counter()
                try:
                    r = s.search(q)
                    if r.total != expected[q]:
                        failures.append(f"{q}: {r.total} != {expected[q]}")
                    answered[0] += 1
                except Exception as exc:
                    failures.append(f"{q}: {type(exc).__name__}: {exc}")
                slowest[0] = max(slowest[0], time.perf_counter() - t)
                i += 1

        t = threading.Thread(target=loop)
        t.start()
        time.sleep(3)
        before = answered[0]
        victim = _victim(path, url)
        cluster.kill_node(path, victim["name"])
        time.sleep(8)
        after = answered[0]
        stop.set()
        t.join(120)
        impl.cluster.call = original_call
        print(f"query loop: {answered[0]} answered ({after - before} in the 8 s after the kill), "
              f"{calls['retried']} retried, slowest {slowest[0] * 1000:.0f} ms, failures {failures[:3]}")
        assert not failures
        assert after > before
    info = cluster.restart_node(path, victim["name"])
    assert info["started"] == [victim["name"]]
    assert _wait_green(url, "faults") == "green"
    assert cluster.health(path) == "green"
    c.close()
