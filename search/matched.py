"""Which form of each query word an article matched: the explain view.

For a hit, ``matched_forms`` walks the query analysis (search.query.
analysis) word by word and reports the surest form the article holds (the
tiers in order: surface, normalized, sub-units, synonym, kana, reading,
sound, n-gram) with the article's own text at that place, read from the
character offsets in the postings.  A word no form of which the article
holds (a relaxed result) is reported as missing.  So a user can see why an
article was found, and a developer why another was not.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.reading import TermNotFound

from index.analysis import PART_SEPARATOR
from search.query.analysis import TIERS
from search.query.compiler import STREAM_FIELDS, form_query

_TIER_ORDER = {t: i for i, t in enumerate(TIERS)}
# The fields whose postings carry character offsets, for each field searched.
_OFFSET_FIELD = {"title": "text", "text": "text", "text_ng": "text_ng", "text_rd": "text_rd"}


def _leaf(searcher, docnum):
    for sub, offset in searcher.leaf_searchers():
        if offset <= docnum < offset + sub.doc_count_all():
            return sub, docnum - offset
    return None, None


def _holds(searcher, q, docnum) -> bool:
    sub, local = _leaf(searcher, docnum)
    if sub is None or q is None:
        return False
    m = q.matcher(sub, sub.boolean_context())
    if not m.is_active():
        return False
    m.skip_to(local)
    return m.is_active() and m.id() == local


def _first_span(searcher, fieldname, terms, docnum):
    """(start, end) of the first occurrence of ``terms`` (a term, or a
    phrase's first and last term) in the document, from the postings."""
    fieldname = _OFFSET_FIELD.get(fieldname)
    if fieldname is None:
        return None
    spans = []
    for term in (terms[0], terms[-1]):
        try:
            m = searcher.postings(fieldname, term)
        except TermNotFound:
            return None
        m.skip_to(docnum)
        if not (m.is_active() and m.id() == docnum) or not m.supports("characters"):
            return None
        spans.append(sorted((s, e) for _, s, e in m.value_as("characters")))
    start = spans[0][0][0]
    end = next((e for s, e in spans[1] if s >= start), spans[1][0][1])
    return start, max(end, start)


def _article_text(searcher, docnum) -> str:
    stored = searcher.stored_fields(docnum)
    return (stored.get("title") or "") + PART_SEPARATOR + (stored.get("body") or "")


def _match(searcher, form, chunk_field, weights, docnum, text):
    """What the article holds of ``form``, or None."""
    q = form_query(form, chunk_field, weights)
    if q is None or not _holds(searcher, q, docnum):
        return None
    if form.sub:
        pieces = [_word(searcher, w, chunk_field, weights, docnum, text) for w in form.sub]
        return " ".join(p["article"] for p in pieces if p.get("article"))
    fieldname = STREAM_FIELDS[chunk_field].get(form.stream)
    terms = form.terms
    if form.prefix:  # the first of the expanded terms the article holds
        terms = next(((t.decode("utf-8"),) for t in q._btexts(searcher.reader())
                      if _holds(searcher, wq.Term(q.fieldname, t.decode("utf-8")), docnum)), terms)
    span = _first_span(searcher, fieldname, terms, docnum)
    return text[span[0] : span[1]] if span else " ".join(terms)


def _word(searcher, word, chunk_field, weights, docnum, text) -> dict:
    for form in sorted(word.forms, key=lambda f: _TIER_ORDER.get(f.tier, len(TIERS))):
        found = _match(searcher, form, chunk_field, weights, docnum, text)
        if found is not None:
            return {"word": word.text, "tier": form.tier, "form": form.shown or " ".join(form.terms),
                    "article": found}
    return {"word": word.text, "tier": None, "form": None, "article": None}


def matched_forms(searcher, chunks, docnum, weights=None) -> list:
    """[{word, tier, form, article}] for every word of the query's chunks:
    the tier and form that matched, and the article's text there (tier None:
    the article lacks the word)."""
    from index import config

    weights = weights or config.FIELD_WEIGHTS
    text = _article_text(searcher, docnum)
    return [_word(searcher, word, chunk.field, weights, docnum, text)
            for chunk in chunks.values() for word in chunk.words]


__all__ = ["matched_forms"]
