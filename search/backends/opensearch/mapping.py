"""The cluster's index: settings, mapping, and the document of an article.

One Sudachi pass per article (index.schema.to_document, as the embedded
index does), and every stream it yields goes to the cluster as it is, in
the ``preanalyzed`` field format (search.backends.opensearch.stream): the
same terms, the same positions (sub-units stacked on their compound, gaps
where particles were), the same character offsets, read through
index.analysis.part_streams.

Fields (the embedded index's names, so the query compiler maps 1:1):

=============  ==========================================================
``text``       title + body, morphological terms (title words count 3×)
``text_ng``    title + body, character bigrams of unknown/katakana runs
``text_rd``    title + body, reading keys
``title``      the title's terms alone (``title:`` queries)
keywords       tags, category, source, person, place, org, entity_forms,
               credited, month, publisher (category, else source: whose
               boilerplate an article's names are, search.entity_view)
``date``       UTC; ``id``, ``hash``, ``dict_version``
``stored``     what is shown: url, title, body, published, author,
               related, entities, and tags, category, source, person,
               place, org as written (not indexed)
=============  ==========================================================

**Title weight.** The embedded index gives each title token a weight of 3
(BM25F: the weight enters the term frequency before saturation).  Here each
title token of the three ``text`` streams is written three times *stacked
on its own position* (position increment 0): the term frequency is the
same body + 3 × title sum, phrases and positions are unchanged, and the
document frequency counts the article once.  The similarity counts every
token in the field length (``discount_overlaps: false``), as Whoosh counts
every token (sub-units included), so the length differs from Whoosh's only
by the two extra copies of the title's tokens.  No query-time field weight
is needed, and ``title:`` keeps its own field with weight 1.

**Body positions.** In ``text`` the body starts at position
:data:`BODY_START` (a title never has that many positions: it is at most
config.MAX_TITLE_CHARS characters), so ``body:`` queries are span queries
that leave out the spans within the first BODY_START positions
(search.backends.opensearch.compiler).

**Source.** The token streams are indexed and *stored* (the highlighter
needs their values) but left out of ``_source``, which holds only what a
hit shows; ``stored`` is an object the cluster keeps but never indexes.
"""

from __future__ import annotations

import os
from collections import Counter

from index.analysis import ANALYZER_VERSION, combine, fold, morph_terms, ngram_terms, part_streams, reading_terms
from index.entities import EXTRACTOR_VERSION
from index.kana import is_katakana, sound_key
from index.schema import SCHEMA_VERSION, TITLE_BOOST, to_document
from search.backends.opensearch import stream as pa

MAPPING_VERSION = 1
SHARDS_ENV = "SEARCH_OPENSEARCH_SHARDS"
REPLICAS_ENV = "SEARCH_OPENSEARCH_REPLICAS"
DEFAULT_SHARDS = 2
DEFAULT_REPLICAS = 1

# Whoosh's BM25F defaults (whoosh.scoring.BM25F: B=0.75, K1=1.2).
BM25_K1 = 1.2
BM25_B = 0.75

# Where the body's positions start in `text` (see the module doc).
BODY_START = 4096
# Each title token of the text streams, this many times (TITLE_BOOST).
TITLE_REPEAT = max(1, round(TITLE_BOOST))

STREAM_FIELDS = ("text", "text_ng", "text_rd")
KEYWORD_FIELDS = ("tags", "category", "source", "person", "place", "org", "entity_forms", "credited", "month",
                  "publisher")
LEXICON_KINDS = ("text", "title", "text_rd", "person", "place", "org", "tags", "category")


def lexicon_name(index: str) -> str:
    return f"{index}-lexicon"


def shard_settings(shards: int | None = None, replicas: int | None = None) -> dict:
    shards = int(shards if shards is not None else os.environ.get(SHARDS_ENV) or DEFAULT_SHARDS)
    replicas = int(replicas if replicas is not None else os.environ.get(REPLICAS_ENV) or DEFAULT_REPLICAS)
    return {"number_of_shards": max(1, shards), "number_of_replicas": max(0, replicas)}


def index_meta() -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer_version": ANALYZER_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        "mapping_version": MAPPING_VERSION,
        "title_repeat": TITLE_REPEAT,
        "body_start": BODY_START,
    }


def index_body(shards: int | None = None, replicas: int | None = None) -> dict:
    """Settings and mappings of an articles index."""
    # (a value longer than Lucene's longest term is kept, not indexed)
    keyword = {"type": "keyword", "ignore_above": 8000}
    return {
        "settings": {
            "index": {
                **shard_settings(shards, replicas),
                "similarity": {"default": {"type": "BM25", "k1": BM25_K1, "b": BM25_B, "discount_overlaps": False}},
                # Offsets come from the postings; the highlighter never
                # re-analyses, but a long article's value is long.
                "highlight": {"max_analyzed_offset": 50_000_000},
                "max_result_window": 100_000,
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": index_meta(),
            "_source": {"excludes": list(STREAM_FIELDS) + ["title"]},
            "properties": {
                "id": keyword,
                "hash": keyword,
                "dict_version": keyword,
                "text": pa.field_mapping(store=True),
                "text_ng": pa.field_mapping(store=True),
                "text_rd": pa.field_mapping(store=True),
                "title": {"type": "text", "analyzer": pa.ANALYZER, "index_options": "positions"},
                **{name: keyword for name in KEYWORD_FIELDS},
                "date": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
                "stored": {"type": "object", "enabled": False},
            },
        },
    }


def lexicon_body() -> dict:
    """The lexicon index: one document per (kind, term) the articles hold,
    for what the query analysis and suggestions ask of an index's lexicon
    (reading keys by prefix, katakana words by sound key, words by prefix
    or one edit away), which a cluster has no API for."""
    keyword = {"type": "keyword", "ignore_above": 4000}
    return {
        "settings": {"index": {"number_of_shards": 1, "number_of_replicas": shard_settings()["number_of_replicas"]}},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "kind": keyword,
                "term": keyword,
                "key": keyword,  # fold(term): what a typed prefix is matched against
                "sound": keyword,  # sound key of a katakana (or Latin) word of `text`
                "df": {"type": "integer"},  # articles holding it, as counted when indexing (a hint)
                "until": {"type": "long"},  # the writing run's lease (sink), epoch ms
            },
        },
    }


# ---------------------------------------------------------------------------
# Documents


def _tokens(value, stream, body_start=None) -> list:
    """The preanalyzed tokens of a (combined) field value for one stream:
    every part's items at its position base (the body's at ``body_start``
    when given), with offsets into the combined text; a title part's
    tokens TITLE_REPEAT times, stacked."""
    items = []
    for i, (part, part_items, pos_base) in enumerate(part_streams(value, stream)):
        if i > 0 and body_start is not None:
            pos_base = max(pos_base, body_start)
        repeat = max(1, round(part.boost))
        for term, pos, start, end in part_items:
            item = (term, pos_base + pos, part.offset + start, part.offset + end)
            items.extend([item] * repeat)
    return pa.from_positions(items)


def _morph(analysis):
    return morph_terms(analysis.morphemes)


def _ngrams(analysis):
    return ngram_terms(analysis.text, analysis.morphemes)


def _encode(value, tokens):
    return pa.encode_field(value, tokens) if tokens else ""


def article_document(article: dict) -> tuple[dict, dict]:
    """(the cluster document, its lexicon entries {(kind, term): sound key})
    for an article dict from a reader.  Runs the one Sudachi pass."""
    doc = to_document(article)
    title = doc["title"] or ""
    # The combination to_document registered (both texts are analysed
    # already: this only makes sure it is still in the analysis cache).
    text = combine([(title, TITLE_BOOST), (doc.get("body") or "", 1.0)])
    text_tokens = _tokens(text, _morph, BODY_START)
    ng_tokens = _tokens(text, _ngrams)
    rd_tokens = _tokens(text, reading_terms)
    title_tokens = _tokens(title, _morph) if title else []
    date = doc.get("date")
    category = doc.get("category")
    source = doc.get("source")
    out = {
        "id": doc["id"],
        "hash": doc["hash"],
        "dict_version": doc["dict_version"],
        "text": _encode(text, text_tokens),
        "text_ng": _encode(text, ng_tokens),
        "text_rd": _encode(text, rd_tokens),
        "title": _encode(title, title_tokens),
        "tags": doc.get("tags") or [],
        "category": category,
        "source": source,
        "person": doc.get("person") or [],
        "place": doc.get("place") or [],
        "org": doc.get("org") or [],
        "entity_forms": doc.get("entity_forms") or [],
        "credited": doc.get("credited") or [],
        "month": doc.get("month"),
        # whose boilerplate the article's names are (search.entity_view)
        "publisher": category or source or "",
        "date": (date.isoformat(timespec="microseconds") + "Z") if date is not None else None,
        "stored": {
            "url": doc.get("url"),
            "title": title,
            "body": doc.get("body") or "",
            "published": doc.get("published"),
            "author": doc.get("author"),
            "related": doc.get("related") or [],
            "entities": [list(m) for m in doc.get("entities") or []],
            "tags": doc.get("_stored_tags") or [],
            "category": doc.get("_stored_category"),
            "source": doc.get("_stored_source"),
            "person": doc.get("_stored_person") or [],
            "place": doc.get("_stored_place") or [],
            "org": doc.get("_stored_org") or [],
        },
    }
    out = {k: v for k, v in out.items() if v is not None and v != ""}
    lexicon = {}
    for kind, tokens in (("text", text_tokens), ("title", title_tokens), ("text_rd", rd_tokens)):
        for t in tokens:
            if (kind, t.term) not in lexicon:
                lexicon[(kind, t.term)] = _sound(t.term) if kind == "text" else ""
    for kind in ("person", "place", "org", "tags"):
        for value in out.get(kind) or []:
            lexicon.setdefault((kind, value), "")
    if category:
        lexicon.setdefault(("category", category), "")
    return out, lexicon


def _sound(term: str) -> str:
    """The sound key search.query.sounds groups a `text` term by ("" for none)."""
    if is_katakana(term):
        return sound_key(term)
    if term.isascii() and term.isalpha() and len(term) > 2:
        from search.query.sounds import _latin_reading

        reading = _latin_reading(term)
        return sound_key(reading) if reading else ""
    return ""


def lexicon_entry(kind: str, term: str, sound: str, df: int) -> dict:
    entry = {"kind": kind, "term": term, "key": fold(term).strip(), "df": int(df)}
    if sound:
        entry["sound"] = sound
    return entry


def lexicon_id(kind: str, term: str) -> str:
    raw = f"{kind}\u001f{term}"
    if len(raw.encode("utf-8")) <= 500:
        return raw
    import hashlib

    return f"{kind}\u001f#" + hashlib.sha1(term.encode("utf-8")).hexdigest()


def doc_id(article_id: str) -> str:
    """The cluster _id of an article: its id (at most 512 bytes), else a digest of it."""
    if len(article_id.encode("utf-8", "surrogatepass")) <= 500:
        return article_id
    import hashlib

    return "#" + hashlib.sha1(article_id.encode("utf-8", "surrogatepass")).hexdigest()


def count_lexicon(counter: Counter, lexicon: dict) -> None:
    counter.update(lexicon.keys())


__all__ = ["BODY_START", "TITLE_REPEAT", "article_document", "doc_id", "index_body", "lexicon_body",
           "lexicon_entry", "lexicon_id", "lexicon_name", "index_meta"]
