"""The index schema, and the mapping between articles and index documents.

Title and body are searched as one field, ``text`` (the title first, its
terms weighted ``TITLE_BOOST`` times), which is BM25F proper: the title's
weight enters the term frequency before saturation, and every query unit
costs one matcher instead of one per field.  ``text`` comes in three
flavours derived from one Sudachi pass: morphological terms, ``text_ng``
character bigrams of unknown words and katakana coinages, ``text_rd``
readings of proper nouns.  All store character offsets, so snippets are cut
from postings without re-analysing.  ``title`` alone serves ``title:``
queries.

Keyword fields (tags, category, source, people, places, organisations) are
indexed in NFKC form so ＮＡＴＯ and NATO meet, and stored as written.

``dict_version`` records which version of the index's user dictionary
analysed each article (``index.userdict``), so a dictionary change rewrites
only the articles it concerns and can tell which are done.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from whoosh import columns
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from index.analysis import (
    ANALYZER_VERSION,
    MorphAnalyzer,
    NgramAnalyzer,
    ReadingAnalyzer,
    active_dictionary,
    analyze,
    body_position,
    combine,
)
from index import dedup, stamps
from index.codec import CODEC_VERSION
from index.entities import ENTITY_TYPES, EXTRACTOR_VERSION
from index.entities.article import article_entities

SCHEMA_VERSION = 7

# Weight of a title word relative to a body word.  Applied when indexing:
# changing it needs `search index --rebuild`.
TITLE_BOOST = 3.0

FACET_FIELDS = ("category", "tags", "person", "place", "org", "month")

JST = dt.timezone(dt.timedelta(hours=9))


def build_schema() -> Schema:
    morph = MorphAnalyzer()
    # `indexed` (when the article was written, for alerts: index.stamps)
    # and `dup_sig` / `dup_band` (its near-copy signature: index.dedup).
    extra = {**stamps.schema_fields(), **dedup.schema_fields()}
    return Schema(
        **extra,
        id=ID(unique=True, stored=True, sortable=True),
        hash=ID(stored=True, sortable=True),
        url=STORED(),
        title=TEXT(analyzer=morph, phrase=True, stored=True),
        body=STORED(),
        text=TEXT(analyzer=morph, phrase=True, chars=True),
        text_ng=TEXT(analyzer=NgramAnalyzer(), phrase=True, chars=True),
        text_rd=TEXT(analyzer=ReadingAnalyzer(), phrase=False, chars=True),
        # Where the body starts among the positions of `text`, for body:
        # queries (search.inbody).
        body_pos=COLUMN(columns.NumericColumn("I")),
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
        entities=STORED(),  # [(text, type, field, start, end, canonical)]
        # The forms of entity mentions other than their canonical name, and
        # the names only credit lines hold: "person:本田" (see to_document).
        entity_forms=KEYWORD(commas=True),
        credited=KEYWORD(commas=True),
        dict_version=ID(stored=True),  # the user dictionary version that analysed it
    )


def index_meta() -> dict:
    """What built the index; checked when it is opened."""
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer_version": ANALYZER_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        # postings in this project's codec (index.codec); an index of Whoosh's
        # W3 codec is rebuilt, not mixed
        "codec_version": CODEC_VERSION,
        # near-copy signatures of another version are not comparable
        "dedup_version": dedup.DEDUP_VERSION,
    }


def to_utc_naive(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=JST)
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def fold_keyword(value: str) -> str:
    """Indexed form of a keyword value (tag, entity, category)."""
    return unicodedata.normalize("NFKC", value).strip()


def _folded(values) -> list:
    """Indexed forms of keyword values; a list bypasses the field's analyzer."""
    return sorted({fold_keyword(v) for v in values if v and v.strip()})


def to_document(article: dict, indexed: int | None = None) -> dict:
    """The Whoosh document for an article dict from a reader.

    Runs the one Sudachi pass over title and body (the text fields' analyzers
    then find it in the analysis cache) and extracts the entities and the
    near-copy signature from it.  ``indexed``: the batch's stamp
    (index.stamps.batch_stamp); now when not given.
    """
    title = article.get("title") or ""
    body = article.get("body") or ""
    text = combine([(title, TITLE_BOOST), (body, 1.0)])
    title_analysis, body_analysis = analyze(title), analyze(body)
    found = article_entities([("title", title_analysis), ("body", body_analysis)])

    tags = [t for t in article.get("tags") or [] if t]
    doc = {
        "id": article["id"],
        "hash": article.get("hash") or "",
        "url": article.get("url"),
        "title": title,
        "body": body,
        "text": text,
        "text_ng": text,
        "text_rd": text,
        "body_pos": body_position(title),
        "tags": _folded(tags),
        "_stored_tags": tags,
        "author": article.get("author"),
        "related": list(article.get("related") or []),
        "entities": found.mentions,
        "dict_version": str(active_dictionary().version),
        **stamps.document_fields(indexed),
        **dedup.document_fields(title_analysis, body_analysis),
    }
    # Mentions written otherwise than their canonical name (本田 for
    # 本田圭佑), so a filter on that form finds the article; and the names
    # only a credit line holds (search.entity_view keeps bylines out of the
    # facets).  Both as type:name terms.
    forms = [f"{t}:{name}" for t in ENTITY_TYPES for name in found.forms[t]]
    credited = [f"{t}:{name}" for t, names in found.credited.items() for name in names]
    if forms:
        doc["entity_forms"] = _folded(forms)
    if credited:
        doc["credited"] = _folded(credited)
    for name in ("category", "source"):
        if article.get(name):
            doc[name] = fold_keyword(article[name])
            doc["_stored_" + name] = article[name]
    date = article.get("date")
    if date is not None:
        if date.tzinfo is None:
            date = date.replace(tzinfo=JST)
        doc["date"] = to_utc_naive(date)
        doc["published"] = date.isoformat()
        doc["month"] = date.strftime("%Y-%m")
    for etype, names in found.names.items():
        if names:
            doc[etype] = _folded(names)
            doc["_stored_" + etype] = names
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
