"""A real OpenSearch cluster (search.cluster) and the pre-analysed field
(search.backends.opensearch.stream + the preanalyzed plugin in opensearch/).

The tests marked ``opensearch`` start real nodes (one JVM each, on
127.0.0.1) and skip with the reason when Java or Maven is missing; select
them with ``-m opensearch``, leave them out with ``-m "not opensearch"``.
The others test the field format in Python alone.
"""

from __future__ import annotations

import os
import signal
import time
import unicodedata
from pathlib import Path

import pytest

from search import cluster
from search.backends.opensearch import stream
from search.backends.opensearch.stream import Token

# ---------------------------------------------------------------------------
# Helpers


def wait_until(predicate, timeout=90.0, interval=0.5, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def processes_under(path: Path) -> list[int]:
    """Pids of processes whose command line mentions ``path`` (the nodes)."""
    found = []
    needle = str(path).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/stat") as f:
                zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        if needle in cmdline and cluster.MAIN_CLASS.encode() in cmdline and not zombie:
            found.append(int(entry))
    return found


_SKIP_POS = {"補助記号", "空白", "助詞", "助動詞"}
_tokenizer = None


def sudachi_tokens(text: str) -> list[Token]:
    """A tiny stand-alone analysis in the project's scheme, with SudachiPy
    itself: split mode C, normalized forms folded (NFKC, lower case); a C
    unit that splits into n A units takes n positions, the C term stacked on
    the first A unit; particles, auxiliaries, symbols and spaces are dropped
    but keep their positions (gaps)."""
    global _tokenizer
    from sudachipy import Dictionary, SplitMode

    if _tokenizer is None:
        _tokenizer = Dictionary(dict="core").tokenizer()

    def fold(s):
        return unicodedata.normalize("NFKC", s).lower()

    items, position = [], 0
    for m in _tokenizer.tokenize(text, SplitMode.C):
        parts = m.split(SplitMode.A)  # empty when the unit does not split
        width = max(1, len(parts))
        if m.part_of_speech()[0] not in _SKIP_POS:
            items.append((fold(m.normalized_form()), position, m.begin(), m.end()))
            if len(parts) > 1:
                for k, a in enumerate(parts):
                    items.append((fold(a.normalized_form()), position + k, a.begin(), a.end()))
        position += width
    return stream.from_positions(items)


# ---------------------------------------------------------------------------
# The field format, in Python alone


def test_encode_decode_round_trip_with_stacks_gaps_and_escapes():
    text = "東京都庁で\t会見"
    tokens = [
        Token("東京", 0, 2),
        Token("東京都庁", 0, 4, 0),
        Token("都庁", 2, 4),
        Token("a\tb\\c\nd\0e\r", 6, 8, 2),
    ]
    value = stream.encode_field(text, tokens)
    assert value.startswith(text + stream.MARK)
    assert "\0" not in value[len(text) + len(stream.MARK):]
    assert stream.decode(value) == (text, tokens)
    assert stream.original_text(value) == text


def test_offsets_are_utf16_for_characters_beyond_the_bmp():
    text = "𠮷野家の社長"  # 𠮷 is U+20BB7: one Python character, two UTF-16 units
    value = stream.encode_field(text, [Token("社長", 4, 6)])
    assert value.endswith("社長\t1\t5\t7\n")
    assert stream.decode(value)[1] == [Token("社長", 4, 6)]


def test_the_marker_inside_the_text_is_text():
    text = "前" + stream.MARK + "後"
    value = stream.encode_field(text, [Token("後", 5, 6)])
    assert stream.decode(value) == (text, [Token("後", 5, 6)])


@pytest.mark.parametrize(
    "tokens, message",
    [
        ([Token("a", 0, 1, 0)], "position increment"),
        ([Token("", 0, 1)], "empty term"),
        ([Token("a", 0, 9)], "outside the text"),
        ([Token("a", 2, 3), Token("b", 0, 1)], "before the previous token"),
    ],
)
def test_streams_lucene_would_refuse_are_refused_here(tokens, message):
    with pytest.raises(ValueError, match=message):
        stream.encode_field("abc", tokens)


def test_from_positions_gives_increments():
    tokens = stream.from_positions([("都庁", 1, 2, 4), ("東京都庁", 0, 0, 4), ("東京", 0, 0, 2), ("会見", 3, 5, 7)])
    assert [(t.term, t.pos_inc) for t in tokens] == [("東京", 1), ("東京都庁", 0), ("都庁", 1), ("会見", 2)]


# ---------------------------------------------------------------------------
# The real cluster


@pytest.fixture(scope="module")
def cluster_dir(tmp_path_factory):
    missing = cluster.missing_tools()
    if missing:
        pytest.skip(f"OpenSearch cluster tests need {' and '.join(missing)}: run opensearch/install.sh")
    path = tmp_path_factory.mktemp("cluster")
    try:
        info = cluster.start(path, nodes=3)
        print(f"3-node cluster green in {info['seconds']} s at {info['url']}")
        yield path
    finally:
        cluster.stop(path)
        assert processes_under(path) == [], "stop left node processes behind"


@pytest.fixture(scope="module")
def client(cluster_dir):
    opensearchpy = pytest.importorskip("opensearchpy", reason="opensearch-py is not installed")
    urls = [row["url"] for row in cluster.status(cluster_dir) if row["alive"]]
    c = opensearchpy.OpenSearch(urls, retry_on_timeout=True, max_retries=3)
    yield c
    c.close()


def wait_green(client, index, seconds=120):
    # (the client's own ``timeout`` argument is the HTTP timeout, not the API's)
    health = client.cluster.health(
        index=index,
        params={"wait_for_status": "green", "wait_for_nodes": "3", "timeout": f"{seconds}s"},
        request_timeout=seconds + 10,
    )
    assert health["status"] == "green", health


@pytest.mark.opensearch
def test_three_nodes_kill_one_and_restart(cluster_dir, client):
    rows = cluster.status(cluster_dir)
    assert len(rows) == 3
    assert all(r["alive"] and r["pid"] and r["health"] == "green" and r["nodes_seen"] == 3 for r in rows)
    assert sum(r["cluster_manager"] for r in rows) == 1
    assert len({r["http_port"] for r in rows} | {r["transport_port"] for r in rows}) == 6

    # Data with a replica, so that losing a node shows in the health.
    client.indices.create(
        index="fault",
        body={"settings": {"number_of_shards": 3, "number_of_replicas": 1}, "mappings": {"properties": {"n": {"type": "integer"}}}},
    )
    from opensearchpy import helpers

    helpers.bulk(client, ({"_index": "fault", "_id": str(i), "n": i} for i in range(200)), refresh=True)
    wait_green(client, "fault")

    for victim_is_manager in (False, True):
        rows = cluster.status(cluster_dir)
        victim = next(r for r in rows if r["cluster_manager"] == victim_is_manager)
        others = [r for r in rows if r["name"] != victim["name"]]
        os.kill(victim["pid"], signal.SIGKILL)  # that JVM alone

        def seen_gone():
            now = cluster.status(cluster_dir)
            gone = next(r for r in now if r["name"] == victim["name"])
            rest = [r for r in now if r["name"] != victim["name"]]
            ok = (
                not gone["alive"]
                and gone["pid"] is None
                and gone["health"] is None
                and all(r["alive"] and r["nodes_seen"] == 2 and r["health"] not in (None, "green") for r in rest)
                and sum(r["cluster_manager"] for r in rest) == 1
            )
            return now if ok else None

        wait_until(seen_gone, what=f"the cluster to notice {victim['name']} gone")
        assert all(r["pid"] == cluster.status(cluster_dir)[int(r["name"][-1]) - 1]["pid"] for r in others)
        assert cluster.health(cluster_dir) != "green"
        assert client.count(index="fault")["count"] == 200  # the copies on the others answer

        info = cluster.restart_node(cluster_dir, victim["name"])
        assert info["started"] == [victim["name"]]
        wait_green(client, "fault")
        rows = cluster.status(cluster_dir)
        assert all(r["alive"] and r["health"] == "green" for r in rows)
        assert sum(r["cluster_manager"] for r in rows) == 1
        assert client.count(index="fault")["count"] == 200
    client.indices.delete(index="fault")


@pytest.mark.opensearch
def test_nothing_listens_beyond_loopback(cluster_dir):
    ports = {p for r in cluster.status(cluster_dir) for p in (r["http_port"], r["transport_port"])}
    listening = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            address, port = local.rsplit(":", 1)
            listening.setdefault(int(port, 16), []).append(address)
    for port in ports:
        assert port in listening, f"port {port} is not listening"
        for address in listening[port]:
            # 127.0.0.1 as IPv4, or as IPv4-mapped IPv6 (::ffff:127.0.0.1)
            assert address in ("0100007F", "0000000000000000FFFF00000100007F"), f"port {port} listens on {address}"


SAMPLES = {
    "1": "東京都庁で国際親善試合の記者会見が開かれた。𠮷野家の社長も出席した。",
    "2": "大阪府の知事は、東京の都庁を訪問し、附属病院について話した。",
    "3": '{"query": {"match_all": {}}} title:東京 AND 都庁* OR "ctx._source.x = 1"; params[\'a\'] <script>alert(1)</script>',
}
OPEN, CLOSE = "\ue000", "\ue001"  # private-use marks: fragments parse back into spans


@pytest.fixture(scope="module")
def articles(client):
    index = "preanalyzed-test"
    client.indices.create(
        index=index,
        body={
            "settings": {"number_of_shards": 2, "number_of_replicas": 1},
            "mappings": {"properties": {"body": stream.field_mapping(), "text": {"type": "text", "index": False}}},
        },
    )
    from opensearchpy import helpers

    ok, errors = helpers.bulk(
        client,
        (
            {"_index": index, "_id": key, "body": stream.encode_field(text, sudachi_tokens(text)), "text": text}
            for key, text in SAMPLES.items()
        ),
        refresh=True,
    )
    assert ok == len(SAMPLES) and not errors
    yield index
    client.indices.delete(index=index)


def search(client, index, query, **highlight):
    body = {
        "query": query,
        "_source": ["text"],
        "highlight": {"pre_tags": [OPEN], "post_tags": [CLOSE], "fields": {"body": highlight}},
    }
    hits = client.search(index=index, body=body)["hits"]["hits"]
    return {hit["_id"]: hit.get("highlight", {}).get("body", []) for hit in hits}


def marked(client, index, query):
    """{id: [the marked spans, as the original text's substrings]}, checking
    that every fragment is a piece of the original text."""
    out = {}
    for key, fragments in search(client, index, query).items():
        spans = []
        for fragment in fragments:
            plain = fragment.replace(OPEN, "").replace(CLOSE, "")
            start = SAMPLES[key].find(plain)
            assert start >= 0, f"fragment {fragment!r} is not a piece of article {key}"
            i = 0
            for piece in fragment.split(OPEN)[1:]:
                inner = piece.split(CLOSE, 1)[0]
                at = plain.index(inner, i)
                spans.append(SAMPLES[key][start + at : start + at + len(inner)])
                i = at + len(inner)
        out[key] = spans
    return out


@pytest.mark.opensearch
def test_analyze_replays_positions_and_offsets(client, articles):
    value = stream.encode_field(SAMPLES["1"], sudachi_tokens(SAMPLES["1"]))
    got = client.indices.analyze(index=articles, body={"field": "body", "text": value})["tokens"]
    rows = [(t["token"], t["position"], t["start_offset"], t["end_offset"]) for t in got]
    assert rows[:4] == [("東京", 0, 0, 2), ("東京都庁", 0, 0, 4), ("都庁", 1, 2, 4), ("国際", 3, 5, 7)]  # stacked, then a gap for で
    # after 𠮷 (two UTF-16 units) the offsets are Java's
    assert ("社長", 17, 27, 29) in rows and SAMPLES["1"][26:28] == "社長"


@pytest.mark.opensearch
def test_term_queries_and_highlight_offsets(client, articles):
    assert marked(client, articles, {"term": {"body": "東京"}}) == {"1": ["東京"], "2": ["東京"], "3": ["東京"]}
    # a sub-unit inside a compound: the highlight covers the sub-unit alone
    assert marked(client, articles, {"term": {"body": "都庁"}})["1"] == ["都庁"]
    # the normalized form finds the surface form, which is what is marked
    assert marked(client, articles, {"term": {"body": "付属"}}) == {"2": ["附属"]}
    # after a character outside the BMP the offsets still land right
    assert marked(client, articles, {"term": {"body": "社長"}}) == {"1": ["社長"]}
    # the fragment ends with the text: the token lines never show
    for fragments in search(client, articles, {"term": {"body": "東京"}}, fragment_size=1000).values():
        assert all(stream.MARK not in f and "\t" not in f for f in fragments)


@pytest.mark.opensearch
def test_phrases_over_stacked_positions_and_gaps(client, articles):
    def ids(query):
        return set(search(client, articles, query))

    whole = sudachi_tokens("東京都庁")  # 東京 + 東京都庁 stacked, then 都庁
    assert [t.pos_inc for t in whole] == [1, 0, 1]
    assert ids(stream.phrase_query("body", whole)) == {"1"}  # 東京の都庁 (article 2) is no phrase
    assert ids(stream.span_query("body", whole)) == {"1"}
    parts = [Token("東京", 0, 2), Token("都庁", 2, 4)]
    assert ids(stream.phrase_query("body", parts)) == {"1"}
    assert ids(stream.phrase_query("body", parts, slop=1)) == {"1", "2"}  # 東京 の 都庁
    assert ids(stream.span_query("body", parts, slop=1)) == {"1", "2"}
    assert ids(stream.phrase_query("body", parts, slop=3)) == {"1", "2", "3"}  # 東京 AND 都庁: : and spaces are gaps too
    # a dropped particle keeps its position: 都庁で国際 is a phrase, 都庁国際 only with slop
    assert ids(stream.phrase_query("body", sudachi_tokens("都庁で国際"))) == {"1"}
    assert ids(stream.phrase_query("body", sudachi_tokens("都庁国際"))) == set()
    assert ids(stream.phrase_query("body", sudachi_tokens("都庁国際"), slop=1)) == {"1"}
    assert ids(stream.phrase_query("body", sudachi_tokens("東京都庁で国際親善試合"))) == {"1"}
    assert marked(client, articles, stream.phrase_query("body", whole)) == {"1": ["東京都庁"]}


@pytest.mark.opensearch
def test_query_and_document_syntax_is_data(client, articles):
    import opensearchpy

    # the document with JSON, Lucene and Painless syntax was indexed as text
    doc = client.get(index=articles, id="3")["_source"]
    assert doc["text"] == SAMPLES["3"]
    assert stream.original_text(doc["body"]) == SAMPLES["3"]
    evil = '"}}, "script": {"source": "ctx._source.text = 1"}} title:東京 AND 都庁* OR params[\'a\']'
    tokens = sudachi_tokens(evil)
    assert search(client, articles, stream.phrase_query("body", tokens)) == {}
    any_word = {"bool": {"should": [{"term": {"body": t.term}} for t in tokens]}}
    assert set(search(client, articles, any_word)) == {"1", "2", "3"}  # 東京, 都庁 … are words
    # Lucene syntax in a term is the term: no field, no wildcard, no operator
    for term in ("title:東京", "都庁*", "*", "東京 AND 都庁", '{"match_all": {}}'):
        assert search(client, articles, {"term": {"body": term}}) == {}
    # the words of article 3, written back as a query, find article 3
    assert set(search(client, articles, stream.phrase_query("body", sudachi_tokens(SAMPLES["3"])))) == {"3"}
    # nothing ran: every article is as indexed
    for key, text in SAMPLES.items():
        assert client.get(index=articles, id=key)["_source"]["text"] == text
    # and nothing can run: the nodes have no script engine unless started with painless=True
    with pytest.raises(opensearchpy.RequestError, match="script_lang not supported"):
        client.search(
            index=articles,
            body={"query": {"script_score": {"query": {"match_all": {}}, "script": {"source": "ctx._source.text = 1"}}}},
        )
    # a term with the format's own separators round-trips through the escapes
    odd = "a\tb\\c\nd\0"
    client.index(index=articles, id="odd", body={"body": stream.encode_field("abcd", [Token(odd, 0, 4)])}, refresh=True)
    assert set(search(client, articles, {"term": {"body": odd}})) == {"odd"}
    client.delete(index=articles, id="odd", refresh=True)
    # plain text never reaches the field unanalysed
    with pytest.raises(opensearchpy.RequestError, match="no token stream"):
        client.index(index=articles, id="plain", body={"body": "東京都庁"})
    # the HTML encoder escapes the article's markup in fragments
    hits = client.search(
        index=articles,
        body={"query": {"ids": {"values": ["3"]}}, "highlight": {"encoder": "html", "fields": {"body": {"fragment_size": 1000, "highlight_query": {"term": {"body": "東京"}}}}}},
    )["hits"]["hits"]
    fragment = hits[0]["highlight"]["body"][0]
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment and "<em>東京</em>" in fragment
