"""What the cluster returns, made into what a reader sees: the article of
a hit, the highlight request and the character spans of its answer (for
search.highlight's HTML), and explain's forms from ``matched_queries``.

Separate from searcher.py (which builds requests and pages) because this is
all offsets: the unified highlighter's fragments are found again in the
stored text, and bigram matches it cuts at their overlap are joined, so
the spans are the ones the embedded index's postings would give.
"""

from __future__ import annotations

import re

from index.analysis import PART_SEPARATOR, combine, morph_terms, ngram_terms, part_streams, reading_terms
from index.schema import TITLE_BOOST, from_stored
from search.query import TIERS

OPEN, CLOSE = "\U000F0000", "\U000F0001"  # private-use marks around a highlighted term
_MARKS = re.compile(f"({OPEN}|{CLOSE})")
_TIER_ORDER = {t: i for i, t in enumerate(TIERS)}
_SPAN_FIELDS = {"text": "text", "title": "text", "text_ng": "text_ng", "text_rd": "text_rd"}
MAX_HIGHLIGHT_TERMS = 900


def _article(source) -> tuple[dict, dict, dict]:
    """(article dict as index.schema.from_stored gives it, the stored object, the source)."""
    stored = source.get("stored") or {}
    # The cluster keeps id and hash beside the stored fields.
    article = from_stored({**stored, "id": source.get("id"), "hash": source.get("hash")})
    return article, stored, source


def _highlight(positive) -> dict | None:
    """The highlight request: per field, every positive term of the query."""
    per_field = {}
    for fieldname, term in sorted(positive):
        target = _SPAN_FIELDS.get(fieldname)
        if target:
            per_field.setdefault(target, []).append(term)
    if not per_field:
        return None
    fields = {}
    for target, terms in per_field.items():
        terms = list(dict.fromkeys(terms))[:MAX_HIGHLIGHT_TERMS]
        fields[target] = {"highlight_query": {"bool": {"should": [{"term": {target: t}} for t in terms]}}}
    return {"type": "unified", "pre_tags": [OPEN], "post_tags": [CLOSE], "number_of_fragments": 10_000,
            "fragment_size": 100_000, "no_match_size": 0, "require_field_match": True, "fields": fields}


def _spans(highlight: dict, text: str) -> list:
    """Character spans of ``text`` (title + separator + body) marked in the
    highlighter's fragments of each field."""
    spans = []
    for fieldname, fragments in highlight.items():
        spans.extend(_fragment_spans(fragments, text, bigrams=fieldname == "text_ng"))
    return spans


def _fragment_spans(fragments, text, bigrams=False) -> list:
    out = []
    cursor = 0
    for fragment in fragments:
        fragment = fragment.split("\u2029", 1)[0]  # never past the end of the text
        plain = fragment.replace(OPEN, "").replace(CLOSE, "")
        if not plain:
            continue
        at = text.find(plain, cursor)
        if at < 0:
            at = text.find(plain)
            if at < 0:
                continue
        pos, start, pieces = at, None, []
        for piece in _MARKS.split(fragment):
            if piece == OPEN:
                start = pos
            elif piece == CLOSE:
                if start is not None and pos > start:
                    pieces.append([start, pos])
                start = None
            else:
                pos += len(piece)
        if bigrams:
            # Overlapping grams come back as a gram and the rest of the next
            # one (one character, touching it): one match, as the postings
            # of the embedded index give them.
            joined = []
            for s, e in pieces:
                if joined and s == joined[-1][1] and e - s < 2:
                    joined[-1][1] = e
                else:
                    joined.append([s, e])
            pieces = joined
        out.extend((s, e) for s, e in pieces)
        cursor = at + len(plain)
    return out


def _article_streams(title, body) -> dict:
    """{field: {term: sorted [(start, end)]}} of an article as the index
    holds it (one Sudachi pass), for explain."""
    text = combine([(title, TITLE_BOOST), (body, 1.0)])
    out = {}
    for field_, stream in (("text", lambda a: morph_terms(a.morphemes)),
                           ("text_ng", lambda a: ngram_terms(a.text, a.morphemes)), ("text_rd", reading_terms)):
        terms = out[field_] = {}
        for part, items, _ in part_streams(text, stream):
            for term, _, start, end in items:
                terms.setdefault(term, []).append((part.offset + start, part.offset + end))
        for spans in terms.values():
            spans.sort()
    return out


def _explain(chunks, matched, source) -> list:
    """search.matched.matched_forms from a hit's matched_queries."""
    from search.query.compiler import STREAM_FIELDS

    stored = source.get("stored") or {}
    title, body = stored.get("title") or "", stored.get("body") or ""
    text = title + PART_SEPARATOR + body
    streams = None

    def first_span(fieldname, terms):
        nonlocal streams
        if streams is None:
            streams = _article_streams(title, body)
        spans = streams.get(_SPAN_FIELDS.get(fieldname, ""), {})
        a, b = spans.get(terms[0]), spans.get(terms[-1])
        if not a or not b:
            return None
        start = a[0][0]
        end = next((e for s, e in b if s >= start), b[0][1])
        return start, max(end, start)

    def word(w, name, chunk_field):
        order = sorted(range(len(w.forms)), key=lambda i: _TIER_ORDER.get(w.forms[i].tier, len(TIERS)))
        for i in order:
            form = w.forms[i]
            fname = f"{name}f{i}"
            if fname not in matched:
                continue
            if form.sub:
                pieces = [word(sub, f"{fname}s{j}", chunk_field) for j, sub in enumerate(form.sub)]
                found = " ".join(p["article"] for p in pieces if p.get("article"))
            else:
                fieldname = STREAM_FIELDS[chunk_field].get(form.stream)
                span = first_span(fieldname, form.terms) if fieldname else None
                found = text[span[0]:span[1]] if span else " ".join(form.terms)
            return {"word": w.text, "tier": form.tier, "form": form.shown or " ".join(form.terms), "article": found}
        return {"word": w.text, "tier": None, "form": None, "article": None}

    return [word(w, f"c{ci}w{wi}", chunk.field) for ci, chunk in enumerate(chunks.values())
            for wi, w in enumerate(chunk.words)]
