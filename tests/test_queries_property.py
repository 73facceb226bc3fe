"""Property-based tests (Hypothesis) of the query parser, search() and the API.

Whatever a user types (random Unicode, unbalanced quotes and brackets, field
prefixes, operators in odd places, very long input) the library answers or
raises QuerySyntaxError / BadRequest with a message; nothing else escapes.
The API answers 200 or a 4xx with a JSON message, never 500.  Real parts
throughout: Sudachi, a Whoosh index on disk, the server users run
(`search serve` on a loopback port).  150 examples
per property by default; SEARCH_HYPOTHESIS_EXAMPLES=5000 explores longer.
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import config
from search.query import QuerySyntaxError, compile_query, parse
from search.searcher import BadRequest, Searcher

sys.path.insert(0, os.path.dirname(__file__))
from live_server import serving  # noqa: E402

# No example database in the repository; a failure prints its example.
# SEARCH_HYPOTHESIS_EXAMPLES=5000 explores longer.
EXAMPLES = int(os.environ.get("SEARCH_HYPOTHESIS_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

WORDS = ["東京", "大阪", "ロシア", "ウクライナ侵攻", "サッカー日本代表", "香川真司", "iPhone", "ＮＡＴＯ",
         "とうきょう", "九", "2012", "a", "の", "。", "東京都庁", "プーチン大統領"]
FIELDS = ["title:", "tag:", "tags:", "category:", "person:", "place:", "org:", "source:", "date:", "unknown:", ":"]
DATES = ["2012", "2012-09", "2012-09-04", "2012年9月", "平成24年", "0001", "9999-12-31", "2012-13-45",
         "[2012-01-01 TO 2012-06-30]", "[2012 TO]", "[ TO ]", "[x TO y TO z]", "[", "]", "昨日"]
SYNTAX = ["AND", "OR", "NOT", "and", "-", "--", "(", ")", "()", '"', '""', "“", "”", "「", "」", "[", "]",
          "*", "?", "~", "^2", "\\", "\u3000", "\t", "\n", " ", "\u200b", "\ufeff", "\x00"]

# Query-shaped text: words, operators, field prefixes and dates glued
# together at random, so the parser's deeper paths are reached.
query_parts = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(SYNTAX),
    st.tuples(st.sampled_from(FIELDS), st.sampled_from(WORDS + DATES + ['"東京 大阪"', ""])).map("".join),
    st.text(max_size=8),
)
query_like = st.lists(query_parts, max_size=25).flatmap(
    lambda parts: st.lists(st.sampled_from(["", " ", "  ", "\u3000"]), min_size=len(parts), max_size=len(parts))
    .map(lambda gaps: "".join(p + g for p, g in zip(parts, gaps)))
)
# Any Unicode, lone surrogates included (a command-line argument that was not
# UTF-8 arrives as one).
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=60)
long_text = st.text(alphabet=st.sampled_from("東京大阪ア\"()- ORANDx:"), min_size=config.MAX_QUERY_CHARS - 5,
                    max_size=config.MAX_QUERY_CHARS + 5)
queries = st.one_of(query_like, any_text, long_text)

filter_values = st.one_of(st.sampled_from(DATES + WORDS + ["", " "]), st.text(max_size=12))
filters = st.fixed_dictionaries({}, optional={
    "date_from": filter_values, "date_to": filter_values,
    "tags": st.lists(filter_values, max_size=3), "category": filter_values,
    "person": st.lists(filter_values, max_size=2), "place": filter_values, "org": filter_values,
    "source": filter_values,
})
numbers = st.one_of(st.integers(-5, 200), st.sampled_from(["", "x", "1.5", "10", "1e3", "99999999999999999999", "-0"]))


FIXTURE_IDS = frozenset(f"p{i}" for i in range(40))


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    from search import index_paths

    folder = tmp_path_factory.mktemp("property")
    src = folder / "a.jsonl"
    src.write_text("\n".join(json.dumps({
        "id": f"p{i}", "url": f"https://example.com/{i}",  # FIXTURE_IDS
        "title": f"{WORDS[i % len(WORDS)]}の記事 {i}",
        "body": f"{WORDS[i % 7]}で{WORDS[(i * 3) % len(WORDS)]}が話題になった。香川真司選手がロシアで試合に出た。",
        "date": f"2012-{i % 12 + 1:02d}-{i % 28 + 1:02d}T10:00:00+09:00",
        "tags": [WORDS[i % 5]], "category": ["sports", "it", "news"][i % 3],
    }, ensure_ascii=False) for i in range(len(FIXTURE_IDS))) + "\n", encoding="utf-8")
    path = folder / "ix"
    assert index_paths([src], path).added == len(FIXTURE_IDS)
    return path


@pytest.fixture(scope="module")
def searcher(index):
    with Searcher(index) as s:
        yield s


@pytest.fixture(scope="module")
def client(index):
    with serving(index) as live:  # the real `search serve`, over HTTP
        yield live


@SETTINGS
@given(queries)
def test_parse_and_compile_never_raise_anything_else(searcher, query):
    try:
        tree = parse(query)
    except QuerySyntaxError as exc:
        assert str(exc)  # a message to show
        return
    compile_query(tree, reader=searcher._whoosh().reader())


@SETTINGS
@given(queries, filters, st.sampled_from(["relevance", "date", "", "newest"]), numbers, numbers, st.booleans())
def test_search_answers_or_says_why(searcher, query, filters, sort, page, per_page, facets):
    try:
        result = searcher.search(query, filters=filters, sort=sort, page=page, per_page=per_page, facets=facets)
    except (QuerySyntaxError, BadRequest) as exc:
        assert str(exc)
        return
    assert 0 <= len(result.hits) <= result.per_page <= config.MAX_PER_PAGE
    assert result.total >= len(result.hits)
    ids = [hit["id"] for hit in result.hits]
    assert len(set(ids)) == len(ids)  # no article twice on a page
    for hit in result.hits:
        assert hit["id"] in FIXTURE_IDS
        assert _within_filters(hit, filters or {}), (hit, filters)


def _within_filters(hit, filters) -> bool:
    """Whether a hit keeps every filter it was searched with (the values
    are compared as the index folds them)."""
    from index.schema import fold_keyword

    def wanted(name):
        values = filters.get(name) or []
        values = [values] if isinstance(values, str) else values
        return {fold_keyword(v) for v in values if v and v.strip()}

    for name in ("tags", "person", "place", "org"):
        if not wanted(name) <= {fold_keyword(v) for v in hit[name]}:
            return False
    if wanted("category") and fold_keyword(hit["category"] or "") not in wanted("category"):
        return False
    if wanted("source"):  # no fixture has a source of these random values
        return False
    return True


def qs(params: dict) -> str:
    """A query string as a browser would send it; a lone surrogate goes as
    the bytes it stands for, which are not UTF-8 (the server must cope)."""
    pairs = [(k, v) for k, values in params.items() for v in (values if isinstance(values, list) else [values])]
    return "&".join(f"{quote(k)}={quote(str(v).encode('utf-8', 'surrogatepass'), safe='')}" for k, v in pairs)


def _assert_answer(response):
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
    if response.status_code != 200:
        assert 400 <= response.status_code < 500
        if response.is_json:
            assert response.get_json()["error"]


@SETTINGS
@given(queries, filters, st.sampled_from(["relevance", "date", "", "x"]), numbers, numbers,
       st.sampled_from(["", "0", "1", "no", "maybe"]))
def test_api_search_is_never_500(client, query, filters, sort, page, per_page, switch):
    params = {"q": query, "sort": sort, "page": page, "per_page": per_page, "facets": switch, "snippets": switch}
    params.update({k: v for k, v in filters.items()})
    response = client.get("/api/search", query_string=qs(params))
    _assert_answer(response)
    assert response.is_json
    if response.status_code == 200:
        assert response.get_json()["per_page"] <= config.MAX_PER_PAGE


@SETTINGS
@given(queries, filters)
def test_results_page_is_never_500(client, query, filters):
    response = client.get("/search", query_string=qs({"q": query, **filters}))
    _assert_answer(response)


@settings(SETTINGS, max_examples=max(1, EXAMPLES // 3))
@given(queries, any_text, numbers)
def test_other_api_routes_are_never_500(client, query, article_id, limit):
    # Ids go percent-encoded into the path, as the API asks (and as bytes that
    # are not UTF-8 when the id holds a lone surrogate).
    in_path = quote(article_id.encode("utf-8", "surrogatepass"), safe="") or "x"
    for path, params in [
        ("/api/suggest", {"q": query, "limit": limit}),
        (f"/api/articles/{in_path}", {"q": query}),
        (f"/api/articles/{in_path}/similar", {"limit": limit}),
        ("/api/articles/p1", {"q": query}),
        ("/api/analyze", {"text": query}),
        ("/article", {"id": article_id, "q": query}),
        ("/analyze", {"text": query}),
    ]:
        _assert_answer(client.get(path, query_string=qs(params)))
    # JSON escapes a lone surrogate as \udXXX: valid JSON, invalid Unicode.
    _assert_answer(client.post("/api/analyze", data=json.dumps({"text": query}), content_type="application/json"))
    _assert_answer(client.post("/api/analyze", data=query.encode("utf-8", "surrogatepass"),
                               content_type="application/json"))


def test_examples_that_once_escaped(searcher, client):
    """Inputs that raised something other than a message before the fixes."""
    for query, filters in [
        ("\udcff東京", None),                       # UnicodeEncodeError inside Sudachi
        ("date:0001-01-01", None),                 # OverflowError converting to UTC
        ("東京", {"date_from": "0001"}),
        ("東京", {"date_to": "9999-12-31"}),
        ("東京", {"category": 5}),                 # TypeError: 'int' object is not iterable
        ("東京", {"tags": [None]}),
    ]:
        with pytest.raises(QuerySyntaxError):
            searcher.search(query, filters=filters)
    response = client.post("/api/analyze", data='{"text": "\\ud800東京"}', content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]


def test_query_length_and_per_page_limits(client):
    long_query = "東京" * (config.MAX_QUERY_CHARS // 2 + 1)
    response = client.get("/api/search", query_string={"q": long_query})
    assert response.status_code == 400 and "limit is 1000" in response.get_json()["error"]
    response = client.get("/api/search", query_string={"q": "東京", "per_page": config.MAX_PER_PAGE + 1})
    assert response.status_code == 400 and "per_page" in response.get_json()["error"]
    assert client.get("/api/search", query_string={"q": "東京", "per_page": config.MAX_PER_PAGE}).status_code == 200
    page = client.get("/search", query_string={"q": long_query})
    assert page.status_code == 400 and "1000" in page.get_data(as_text=True)
