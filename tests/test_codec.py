"""The project's codec (index/codec) and array segment writer (index/segment_writer).

Round trips of the packed streams and of the inverted-index file (postings,
positions, character offsets, single-document terms, empty fields, huge
documents, terms outside the BMP), then real indexes on disk: a few hundred
livedoor articles analysed by Sudachi once and written both by Whoosh's own
writer (W3 codec) and by this project's writer, compared posting by posting
and query by query through the project's Searcher.
"""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.writing import SegmentWriter

from index.codec import JnsCodec
from index.codec.invindex import CHARACTERS, EXISTENCE, FREQUENCY, POSITIONS, FieldData, FieldReader, read_directory, write_inverted
from index.codec.packing import StreamWriter, UIntStream
from index.segment_writer import (
    CodecBatchWriter,
    SegmentBuilder,
    commit_toc,
    merge_segments,
)

# ---------------------------------------------------------------------------
# Packed streams


def _roundtrip(values, floats=False):
    w = StreamWriter()
    meta = w.floats(values) if floats else w.uints(values)
    buf = w.getvalue()
    return UIntStream(buf, meta), meta, len(buf)


@pytest.mark.parametrize(
    "values",
    [
        [],
        [7],
        [1] * 1000,  # constant: stored as the value alone
        list(range(300)),  # 2 bytes
        [3] * 500 + [70000] + [2] * 500,  # one exception in a 1-byte stream
        [random.Random(1).randrange(0, 200) for _ in range(5000)] + [2**40],  # a 64-bit exception
        [2**63 - 1, 0, 5],
        [random.Random(2).randrange(0, 2**32) for _ in range(100)],
    ],
)
def test_uint_stream_round_trip(values):
    s, meta, size = _roundtrip(np.array(values, dtype=np.uint64))
    assert len(s) == len(values)
    assert s.list(0, len(values)) == values
    assert s.array(0, len(values)).tolist() == values
    for a, b in [(0, 1), (1, 3), (len(values) // 2, len(values)), (0, 100), (400, 520)]:
        a, b = min(a, len(values)), min(b, len(values))
        assert s.list(a, b) == values[a:b]
        assert s.array(a, b).tolist() == values[a:b]
    for i in range(0, len(values), max(1, len(values) // 37)):
        assert s.get(i) == values[i]


def test_uint_stream_is_compact():
    _, meta, size = _roundtrip(np.array([3] * 10000 + [70000] + [2] * 10000))
    assert meta["w"] == 1 and meta["xn"] == 1
    assert size < 20001 + 64
    _, meta, size = _roundtrip(np.ones(100000, np.int64))
    assert meta["w"] == 0 and size == 0


def test_uint_stream_rejects_negative():
    with pytest.raises(ValueError):
        StreamWriter().uints(np.array([1, -1]))


def test_float_stream_keeps_float32():
    values = np.array([0.1, 2.5, 1e-3, 3.0], np.float64)
    s, _, _ = _roundtrip(values, floats=True)
    assert s.list(0, 4) == values.astype(np.float32).tolist()
    assert s.array(1, 3).tolist() == values.astype(np.float32)[1:3].tolist()


# ---------------------------------------------------------------------------
# The inverted-index file


def _field(kind, postings):
    """FieldData from {term bytes: [(doc, weight, [(pos, start, end), ...]), ...]}."""
    terms = sorted(postings)
    df, doc, wt, fq, pos, st, en = [], [], [], [], [], [], []
    for t in terms:
        plist = postings[t]
        df.append(len(plist))
        for d, w, occ in plist:
            doc.append(d)
            wt.append(w)
            fq.append(max(1, len(occ)))
            for p, s, e in occ:
                pos.append(p)
                st.append(s)
                en.append(e)
    n = len(terms)
    fd = FieldData(kind=kind, terms=terms, df=np.array(df, np.int64), doc=np.array(doc, np.int64),
                   weight=np.array(wt, np.float64), freq=np.array(fq, np.int64),
                   minlen=np.arange(n, dtype=np.int64) % 200, maxlen=np.arange(n, dtype=np.int64) % 200 + 5)
    if kind in (POSITIONS, CHARACTERS):
        fd.pos = np.array(pos, np.int64)
    if kind == CHARACTERS:
        fd.start, fd.end = np.array(st, np.int64), np.array(en, np.int64)
    return fd


def _readers(fields):
    buf = write_inverted(fields)
    directory = read_directory(buf)
    return {name: FieldReader(name, buf, meta) for name, meta in directory["fields"].items()}


def _check_field(fr, postings, kind):
    terms = sorted(postings)
    assert fr.nterms == len(terms)
    assert [tb for _, tb in fr.iter_terms()] == terms
    for t, tb in enumerate(terms):
        assert fr.find(tb) == t
        plist = postings[tb]
        assert fr.doc_frequency(t) == len(plist)
        assert fr.ids(t) == [d for d, _, _ in plist]
        w = fr.weights(t)
        ws = [x for _, x, _ in plist]
        assert (w if isinstance(w, list) else [w] * len(plist)) == np.array(ws, np.float32).tolist()
        if kind in (POSITIONS, CHARACTERS):
            base = fr.occ_start(t)
            f = fr.freqs(t)
            f = f if isinstance(f, list) else [f] * len(plist)
            for i, (_, _, occ) in enumerate(plist):
                a = base + sum(f[:i])
                pos, st, en = fr.occurrences(a, a + f[i])
                assert pos == [p for p, _, _ in occ]
                if kind == CHARACTERS:
                    assert list(zip(pos, st, en)) == occ
    assert fr.find(b"\xff\xff-not-there") == -1


def test_inverted_file_round_trip_all_kinds():
    rnd = random.Random(7)
    chars = {}
    for t in range(300):
        term = f"t{t:03d}".encode()
        docs = sorted(rnd.sample(range(5000), rnd.choice([1, 1, 1, 2, 5, 40, 400])))
        plist = []
        for d in docs:
            n = rnd.choice([1, 1, 2, 3, 9])
            occ = []
            p = rnd.randrange(0, 50)
            for _ in range(n):
                s = rnd.randrange(0, 3000)
                occ.append((p, s, s + rnd.randrange(1, 12)))
                p += rnd.randrange(1, 300)
            plist.append((d, float(len(occ) + rnd.choice([0, 0, 2, 4])), occ))
        chars[term] = plist
    poss = {t: [(d, w, [(p, 0, 0) for p, _, _ in occ]) for d, w, occ in pl] for t, pl in chars.items()}
    freqs = {t: [(d, float(rnd.randrange(1, 4)), [(0, 0, 0)] * 1) for d, _, _ in pl[:20]] for t, pl in chars.items()}
    exist = {t: [(d, 1.0, []) for d, _, _ in pl[:3]] for t, pl in list(chars.items())[:50]}
    readers = _readers({
        "c": _field(CHARACTERS, chars), "p": _field(POSITIONS, poss),
        "f": _field(FREQUENCY, freqs), "e": _field(EXISTENCE, exist),
    })
    _check_field(readers["c"], chars, CHARACTERS)
    _check_field(readers["p"], poss, POSITIONS)
    _check_field(readers["f"], freqs, FREQUENCY)
    _check_field(readers["e"], exist, EXISTENCE)
    # decoding a whole field back to arrays gives what was written
    fd = _field(CHARACTERS, chars)
    back = readers["c"].arrays()
    assert back.terms == fd.terms
    for name in ("df", "doc", "freq", "pos", "start", "end", "minlen", "maxlen"):
        assert np.array_equal(getattr(back, name), getattr(fd, name)), name
    assert np.array_equal(back.weight, fd.weight.astype(np.float32))


def test_single_document_terms_cost_no_posting_bytes():
    # 10,000 terms in one document each: the postings are the dictionary entries
    hapax = {f"w{i:05d}".encode(): [(i, 1.0, [(i % 300, i % 1000, i % 1000 + 2)])] for i in range(10000)}
    fd = _field(CHARACTERS, hapax)
    buf = write_inverted({"c": fd})
    meta = read_directory(buf)["fields"]["c"]
    assert meta["dgap"]["n"] == 0  # no gaps: each term's only document is its "first"
    fr = FieldReader("c", buf, meta)
    _check_field(fr, hapax, CHARACTERS)
    assert len(buf) < 10000 * 16  # about 14 bytes a term, postings included


def test_empty_fields_and_empty_file():
    readers = _readers({})
    assert readers == {}
    fd = FieldData(kind=EXISTENCE, terms=[], df=np.zeros(0, np.int64), doc=np.zeros(0, np.int64),
                   weight=np.zeros(0), freq=np.zeros(0, np.int64), minlen=np.zeros(0, np.int64),
                   maxlen=np.zeros(0, np.int64))
    fr = _readers({"empty": fd})["empty"]
    assert fr.nterms == 0 and list(fr.iter_terms()) == [] and fr.find(b"x") == -1


def test_huge_document_positions_and_offsets():
    # one document of 300,000 tokens: positions and offsets beyond 16 bits,
    # a term frequency of 100,000 (weights beyond a byte)
    n = 300_000
    occ_a = [(p, 3 * p, 3 * p + 2) for p in range(0, n, 3)]
    occ_b = [(p, 3 * p + 1, 3 * p + 200_000) for p in range(1, n, 7)]  # long spans
    postings = {b"a": [(0, float(len(occ_a)), occ_a), (9, 1.0, [(70000, 900000, 900001)])],
                b"b": [(0, float(len(occ_b)) * 3, occ_b)]}
    fr = _readers({"c": _field(CHARACTERS, postings)})["c"]
    _check_field(fr, postings, CHARACTERS)


def test_non_bmp_terms_sort_and_find():
    words = ["𠮷野家", "吉野家", "😀", "a", "ｱ", "\U0010fffd", "漢字", "𩸽"]
    postings = {w.encode("utf-8"): [(i, 1.0, [(0, 0, len(w))])] for i, w in enumerate(words)}
    fr = _readers({"c": _field(CHARACTERS, postings)})["c"]
    _check_field(fr, postings, CHARACTERS)
    # byte order is code point order, as Whoosh's term dictionary has it
    assert [tb.decode("utf-8") for _, tb in fr.iter_terms()] == sorted(words)
    assert fr.term(fr.lower_bound("𠮷".encode())) == "𠮷野家".encode()


# ---------------------------------------------------------------------------
# Whoosh-level: the codec behind Whoosh's reader interfaces


def _small_schema():
    return Schema(
        id=ID(stored=True, unique=True), body=TEXT(stored=True, chars=True), title=TEXT(phrase=True),
        tags=KEYWORD(commas=True, scorable=True), n=NUMERIC(stored=True, sortable=True), note=STORED(),
    )


_SMALL_DOCS = [
    {"id": "a", "body": "alpha beta gamma alpha", "title": "alpha", "tags": "x,y", "n": 3, "note": [1]},
    {"id": "b", "body": "beta 𠮷野家 😀 delta", "title": "beta 𠮷野家", "tags": "y", "n": 1},
    {"id": "c", "body": "", "title": "gamma", "n": 2},  # an empty text field
    {"id": "d", "body": " ".join(["omega"] * 70000 + ["tail"]), "title": "huge", "tags": "x", "n": 9},
]


def _new_index(path, schema):
    path.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(str(path), schema)


def _write_both(tmp_path, schema, docs):
    """The same documents through Whoosh's writer with W3, Whoosh's writer
    with this codec, and the array writer."""
    w3, jns, arr = (_new_index(tmp_path / name, schema) for name in ("w3", "jns", "arr"))
    ww = SegmentWriter(w3)
    wj = SegmentWriter(jns, codec=JnsCodec())
    b = SegmentBuilder(arr.schema, arr.indexname)
    for d in docs:
        ww.add_document(**d)
        wj.add_document(**d)
        b.add_document(**d)
    ww.commit()
    wj.commit()
    commit_toc(arr, [b.write(arr.storage)])
    return w3, jns, arr


def assert_same_postings(ix_a, ix_b):
    """Every term, posting, weight, value and per-document figure equal."""
    with ix_a.reader() as A, ix_b.reader() as B:
        assert A.doc_count_all() == B.doc_count_all()
        assert A.doc_count() == B.doc_count()
        terms = list(A.all_terms())
        assert terms == list(B.all_terms())
        schema = A.schema
        for fn, t in terms:
            fmt = schema[fn].format
            ia, ib = A.term_info(fn, t), B.term_info(fn, t)
            for k in ("doc_frequency", "weight", "min_length", "max_length", "max_weight", "min_id", "max_id"):
                assert getattr(ia, k)() == getattr(ib, k)(), (fn, t, k)
            assert A.doc_frequency(fn, t) == B.doc_frequency(fn, t)
            assert A.frequency(fn, t) == B.frequency(fn, t)
            ma, mb = A.postings(fn, t), B.postings(fn, t)
            while ma.is_active():
                assert mb.is_active(), (fn, t)
                assert (ma.id(), ma.weight()) == (mb.id(), mb.weight()), (fn, t)
                for astype in ("positions", "characters", "frequency", "weight"):
                    if fmt.supports(astype):
                        assert ma.value_as(astype) == mb.value_as(astype), (fn, t, astype)
                assert (ma.value() or b"") == (mb.value() or b""), (fn, t)
                ma.next()
                mb.next()
            assert not mb.is_active(), (fn, t)
        for fn in schema.scorable_names():
            assert A.field_length(fn) == B.field_length(fn), fn
            for d in range(A.doc_count_all()):
                assert A.doc_field_length(d, fn) == B.doc_field_length(d, fn), (fn, d)
        for d in range(A.doc_count_all()):
            assert A.stored_fields(d) == B.stored_fields(d)
        for fn in schema.names():
            # `indexed` is when each index was written (index.stamps): the
            # batch writer stamps its batches itself.
            if fn == "indexed":
                continue
            if schema[fn].column_type and A.has_column(fn):
                ca, cb = A.column_reader(fn), B.column_reader(fn)
                assert [ca[d] for d in range(A.doc_count_all())] == [cb[d] for d in range(B.doc_count_all())]


def test_whoosh_writer_and_array_writer_match_w3(tmp_path):
    w3, jns, arr = _write_both(tmp_path, _small_schema(), _SMALL_DOCS)
    assert_same_postings(w3, jns)
    assert_same_postings(w3, arr)


def test_reader_interfaces(tmp_path):
    from whoosh import qparser
    from whoosh import query as wq

    _, _, arr = _write_both(tmp_path, _small_schema(), _SMALL_DOCS)
    with arr.searcher() as s:
        r = s.reader()
        assert ("body", b"alpha") in r and ("body", b"zzz") not in r
        assert list(r.lexicon("tags")) == [b"x", b"y"]
        assert [t for t in r.expand_prefix("body", "a")] == [b"alpha"]
        assert r.doc_frequency("body", "nope") == 0
        assert r.frequency("body", "alpha") == 2.0
        assert sorted(s.document_number(id=i) for i in "abcd") == [0, 1, 2, 3]
        m = r.postings("body", "omega")
        assert m.value_as("frequency") == 70000 and m.value_as("characters")[-1] == (69999, 6 * 69999, 6 * 69999 + 5)
        m = r.postings("body", "alpha")
        m.skip_to(1)
        assert not m.is_active()
        # phrase over positions, a fuzzy term over the cursor, a numeric range over term walks
        assert [h["id"] for h in s.search(wq.Phrase("body", ["beta", "gamma"]))] == ["a"]
        assert [h["id"] for h in s.search(wq.Phrase("title", ["beta", "𠮷野家"]))] == ["b"]
        assert {h["id"] for h in s.search(wq.FuzzyTerm("body", "alpho"))} == {"a"}
        assert {h["id"] for h in s.search(qparser.QueryParser("n", arr.schema).parse("n:[2 TO 5]"))} == {"a", "c"}
        hits = s.search(wq.Term("body", "𠮷野家"), terms=True)
        assert [h["id"] for h in hits] == ["b"] and hits[0].matched_terms() == [("body", "𠮷野家".encode())]
        assert [h["id"] for h in s.search(wq.Prefix("body", "ome"))] == ["d"]


def test_deletes_updates_and_merge(tmp_path):
    from whoosh import query as wq

    schema = _small_schema()
    ix = _new_index(tmp_path / "ix", schema)
    for part in (_SMALL_DOCS[:2], _SMALL_DOCS[2:]):
        b = SegmentBuilder(ix.schema, ix.indexname)
        for d in part:
            b.add_document(**d)
        commit_toc(ix, list(ix._read_toc().segments) + [b.write(ix.storage)])
    # Whoosh's writer deletes in a segment of this codec
    w = SegmentWriter(ix, codec=JnsCodec())
    assert w.delete_by_term("id", "b") == 1
    w.commit(merge=False)
    with ix.searcher() as s:
        assert {h["id"] for h in s.search(wq.Every(), limit=None)} == {"a", "c", "d"}
        assert s.doc_count() == 3 and s.doc_count_all() == 4
    segments = list(ix._read_toc().segments)
    merged = merge_segments(ix, segments)
    commit_toc(ix, [merged])
    assert len(ix._read_toc().segments) == 1
    ref = _new_index(tmp_path / "ref", schema)
    rw = SegmentWriter(ref)
    for d in _SMALL_DOCS:
        if d["id"] != "b":
            rw.add_document(**d)
    rw.commit()
    assert_same_postings(ref, ix)


class _Picky:
    """A tokenizer (picklable, for the schema in the TOC) splitting on spaces
    that refuses the word 'boom' — after other fields were analysed."""

    def __call__(self, value, **kwargs):
        from whoosh.analysis import Token

        if "boom" in value:
            raise ValueError("cannot analyse")
        t = Token(**kwargs)
        for i, w in enumerate(value.split()):
            t.text, t.boost, t.stopped = w, 1.0, False
            t.pos, t.startchar, t.endchar = i, 0, 0
            yield t


def test_failed_document_leaves_nothing(tmp_path):
    Picky = _Picky
    schema = Schema(id=ID(stored=True, sortable=True), a_text=TEXT(stored=True), z_text=TEXT(analyzer=Picky()))
    docs = [{"id": "1", "a_text": "one two", "z_text": "fine"},
            {"id": "2", "a_text": "three", "z_text": "boom here"},
            {"id": "3", "a_text": "four", "z_text": "also fine"}]
    arr = _new_index(tmp_path / "arr", schema)
    ref = _new_index(tmp_path / "ref", schema)
    b = SegmentBuilder(arr.schema, arr.indexname)
    rw = SegmentWriter(ref)
    for d in docs:
        try:
            b.add_document(**d)
        except ValueError:
            continue
        rw.add_document(**d)
    rw.commit()
    commit_toc(arr, [b.write(arr.storage)])
    assert_same_postings(ref, arr)
    with arr.searcher() as s:
        assert [s.stored_fields(d)["id"] for d in range(s.doc_count_all())] == ["1", "3"]


# ---------------------------------------------------------------------------
# Real articles, real Sudachi, real indexes on disk

N_ARTICLES = 300


@pytest.fixture(scope="module")
def livedoor_articles(livedoor_tgz):
    from index.readers import read_paths

    common = _bench_module("common")
    articles = list(read_paths([str(livedoor_tgz)]))
    # every known-item article of bench/queries.tsv, and a spread of the rest
    return common.quick_subset(articles, {i.expected for i in common.load_queries()}, size=N_ARTICLES)


@pytest.fixture(scope="module")
def livedoor_indexes(livedoor_articles, tmp_path_factory):
    """The same articles analysed once, written by Whoosh's writer (W3) and
    by the array writer (one segment), plus a multi-segment index of this
    codec written by the parallel batch writer, and that one merged."""
    from index.schema import to_document
    from index.storage import create_index

    root = tmp_path_factory.mktemp("codec-livedoor")
    w3 = create_index(root / "w3")
    arr = create_index(root / "arr")
    ww = SegmentWriter(w3)
    b = SegmentBuilder(arr.schema, arr.indexname)
    for article in livedoor_articles:
        doc = to_document(article)  # one Sudachi pass; both writers read its cached analysis
        ww.add_document(**doc)
        b.add_document(**doc)
    ww.commit()
    commit_toc(arr, [b.write(arr.storage)])

    multi = create_index(root / "multi")
    with CodecBatchWriter(multi, procs=2) as bw:
        for i in range(0, len(livedoor_articles), 100):
            bw.write_batch(livedoor_articles[i : i + 100])
    shutil.copytree(root / "multi", root / "merged")
    from index.storage import open_index

    merged = open_index(root / "merged")
    commit_toc(merged, [merge_segments(merged, list(merged._read_toc().segments))])
    return {"w3": root / "w3", "arr": root / "arr", "multi": root / "multi", "merged": root / "merged"}


def test_livedoor_postings_identical(livedoor_indexes):
    from index.storage import open_index

    w3 = open_index(livedoor_indexes["w3"])
    assert_same_postings(w3, open_index(livedoor_indexes["arr"]))
    assert_same_postings(w3, open_index(livedoor_indexes["merged"]))


def test_livedoor_parallel_writer_segments(livedoor_indexes):
    from index.storage import open_index

    ix = open_index(livedoor_indexes["multi"])
    segments = ix._read_toc().segments
    assert len(segments) == 6  # 3 batches x 2 workers
    assert all(type(s.codec()).__name__ == "JnsCodec" and s.is_compound() for s in segments)
    assert sum(s.doc_count() for s in segments) == N_ARTICLES


def _bench_module(name):
    import importlib
    import sys
    from pathlib import Path

    bench = str(Path(__file__).resolve().parents[1] / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    return importlib.import_module(name)


def _queries():
    common = _bench_module("common")
    qs = [i.query for i in common.load_queries()] + common.load_latency_queries()
    # plus phrases, fields, filters and operators the parser knows
    qs += ['"東京都"', "title:映画", "iPhone -アプリ", "スマホ OR 携帯", "映画 category:movie-enter", "京都"]
    return qs


def _results(index_dir, queries):
    from search.searcher import Searcher

    out = {}
    with Searcher(index_dir) as s:
        for q in queries:
            r = s.search(q, per_page=50, facets=True, snippets=True)
            out[q] = (r.total, [(h["id"], h["score"], h.get("snippet"), h["title_html"]) for h in r.hits],
                      r.facets)
    return out


def test_livedoor_search_results_identical(livedoor_indexes):
    queries = _queries()
    ref = _results(livedoor_indexes["w3"], queries)
    assert sum(1 for total, _, _ in ref.values() if total) > len(queries) // 2  # the queries do match things
    for name in ("arr", "merged"):
        got = _results(livedoor_indexes[name], queries)
        for q in queries:
            assert got[q] == ref[q], (name, q)


def test_livedoor_multi_segment_results_same_sets_and_scores(livedoor_indexes):
    queries = _queries()
    ref = _results(livedoor_indexes["w3"], queries)
    got = _results(livedoor_indexes["multi"], queries)
    for q in queries:
        total_a, hits_a, facets_a = ref[q]
        total_b, hits_b, facets_b = got[q]
        assert total_a == total_b, q
        # same documents in the same order (same docnum order); scores equal to float noise
        assert [h[0] for h in hits_a] == [h[0] for h in hits_b], q
        for (ida, sa, snip_a, title_a), (idb, sb, snip_b, title_b) in zip(hits_a, hits_b):
            assert sa == pytest.approx(sb, rel=1e-6, abs=1e-6), (q, ida)
            assert (snip_a, title_a) == (snip_b, title_b), (q, ida)
        assert facets_a == facets_b, q


def test_uncommitted_segment_is_invisible_and_cleaned(tmp_path, livedoor_articles):
    from index.segment_writer import build_segment
    from index.storage import create_index, open_index

    ix = create_index(tmp_path)
    r = build_segment(tmp_path, ix.indexname, ix.schema, livedoor_articles[:5])
    orphan = r.segment.make_filename(".seg")
    assert (tmp_path / orphan).exists()
    assert open_index(tmp_path).doc_count_all() == 0  # written, not committed: not there
    r2 = build_segment(tmp_path, ix.indexname, ix.schema, livedoor_articles[5:8])
    commit_toc(ix, [r2.segment])
    assert open_index(tmp_path).doc_count_all() == 3
    assert not (tmp_path / orphan).exists()  # the commit cleaned the crashed run's file


def test_batch_writer_replaces_updated_articles(tmp_path, livedoor_articles):
    from index.storage import create_index
    from search.searcher import Searcher

    ix = create_index(tmp_path)
    first = livedoor_articles[:10]
    changed = dict(first[3], body="差し替えた本文です。量子コンピューターの記事。")
    with CodecBatchWriter(ix, procs=1) as bw:
        bw.write_batch(first)
        bw.write_batch([changed], replace_ids=[changed["id"]])
    with Searcher(tmp_path) as s:
        assert s.search("", per_page=1).total == 10
        hits = s.search("量子コンピューター").hits
        assert [h["id"] for h in hits] == [changed["id"]]
