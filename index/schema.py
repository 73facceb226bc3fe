"""The index schema, and the mapping between articles and index documents.

Each text field comes in three flavours derived from one Sudachi pass:
``title``/``body`` hold morphological terms, ``*_ng`` character bigrams of
katakana and unknown words, ``*_rd`` readings of proper nouns.  All store
character offsets, so snippets are cut from postings without re-analysing.

Keyword fields (tags, category, people, places, organisations) are indexed in
folded form (NFKC, lower case) so ＮＡＴＯ and nato meet, and stored as written.
"""

from __future__ import annotations

import datetime as dt

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from index.analysis import ANALYZER_VERSION, MorphAnalyzer, NgramAnalyzer, ReadingAnalyzer, analyze, fold
from index.entities import ENTITY_TYPES, EXTRACTOR_VERSION

SCHEMA_VERSION = 1

TEXT_SOURCES = ("title", "body")
TEXT_FIELDS = ("title", "body", "title_ng", "body_ng", "title_rd", "body_rd")
KEYWORD_FIELDS = ("tags", "category", "source", "person", "place", "org")
FACET_FIELDS = ("category", "tags", "person", "place", "org", "month")

JST = dt.timezone(dt.timedelta(hours=9))


def build_schema() -> Schema:
    morph, ngram, reading = MorphAnalyzer(), NgramAnalyzer(), ReadingAnalyzer()
    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        hash=ID(stored=True, sortable=True),
        url=STORED(),
        title=TEXT(analyzer=morph, phrase=True, chars=True, stored=True),
        body=TEXT(analyzer=morph, phrase=True, chars=True, stored=True),
        title_ng=TEXT(analyzer=ngram, phrase=True, chars=True),
        body_ng=TEXT(analyzer=ngram, phrase=True, chars=True),
        title_rd=TEXT(analyzer=reading, phrase=False, chars=True),
        body_rd=TEXT(analyzer=reading, phrase=False, chars=True),
        # UTC without tzinfo (what Whoosh can sort); the written form with its
        # offset is kept in `published`.
        date=DATETIME(sortable=True),
        published=STORED(),
        month=ID(),
        tags=KEYWORD(stored=True, commas=True, scorable=True),
        category=ID(stored=True),
        source=ID(stored=True),
        author=STORED(),
        related=STORED(),
        person=KEYWORD(stored=True, commas=True, scorable=True),
        place=KEYWORD(stored=True, commas=True, scorable=True),
        org=KEYWORD(stored=True, commas=True, scorable=True),
        entities=STORED(),  # [(text, type, field, start, end)] for highlighting
    )


def index_meta() -> dict:
    """What built the index; checked when it is opened."""
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer_version": ANALYZER_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
    }


def to_utc_naive(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=JST)
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _folded(values) -> list:
    """Indexed form of keyword values; a list bypasses the field's analyzer."""
    return sorted({fold(v).strip() for v in values if v and v.strip()})


def to_document(article: dict) -> dict:
    """The Whoosh document for an article dict from a reader.

    Runs the one Sudachi pass over title and body (the text fields' analyzers
    then find it in the analysis cache) and extracts the entities from it.
    """
    title = article.get("title") or ""
    body = article.get("body") or ""
    entities = []
    by_type = {t: [] for t in ENTITY_TYPES}
    for fieldname, text in (("title", title), ("body", body)):
        if not text:
            continue
        for e in analyze(text).entities:
            entities.append((e.text, e.type, fieldname, e.start, e.end))
            if e.text not in by_type[e.type]:
                by_type[e.type].append(e.text)

    tags = [t for t in article.get("tags") or [] if t]
    doc = {
        "id": article["id"],
        "hash": article.get("hash") or "",
        "url": article.get("url"),
        "title": title,
        "body": body,
        "title_ng": title,
        "body_ng": body,
        "title_rd": title,
        "body_rd": body,
        "tags": _folded(tags),
        "_stored_tags": tags,
        "author": article.get("author"),
        "related": list(article.get("related") or []),
        "entities": entities,
    }
    for name in ("category", "source"):
        if article.get(name):
            doc[name] = fold(article[name])
            doc["_stored_" + name] = article[name]
    date = article.get("date")
    if date is not None:
        if date.tzinfo is None:
            date = date.replace(tzinfo=JST)
        doc["date"] = to_utc_naive(date)
        doc["published"] = date.isoformat()
        doc["month"] = date.strftime("%Y-%m")
    for etype, names in by_type.items():
        if names:
            doc[etype] = _folded(names)
            doc["_stored_" + etype] = names
    # Whoosh would store the value given for the derived fields too; they are
    # not stored, and the text fields store the text as given.
    return doc


def from_stored(stored: dict) -> dict:
    """An article dict (the reader format) from a document's stored fields."""
    published = stored.get("published")
    return {
        "id": stored["id"],
        "url": stored.get("url"),
        "title": stored.get("title") or "",
        "body": stored.get("body") or "",
        "date": dt.datetime.fromisoformat(published) if published else None,
        "tags": list(stored.get("tags") or []),
        "category": stored.get("category"),
        "source": stored.get("source"),
        "author": stored.get("author"),
        "related": list(stored.get("related") or []),
        "hash": stored.get("hash"),
        "person": list(stored.get("person") or []),
        "place": list(stored.get("place") or []),
        "org": list(stored.get("org") or []),
    }
