"""Snippets and highlights from the character offsets stored in the postings.

The index keeps each term's character offsets (``chars=True``), so the spans
to mark in a hit are read from the postings of the query's terms, never by
analysing the article again.  A :class:`Fragment` is the chosen piece of text
with its marked spans; it renders as escaped HTML with ``<mark>``, which the
web page and the JSON API show as is and the CLI turns into terminal colours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from whoosh.reading import TermNotFound

from index.analysis import PART_SEPARATOR


@dataclass
class Fragment:
    text: str
    spans: list = field(default_factory=list)  # sorted, non-overlapping (start, end)
    prefix: str = ""  # "…" when the fragment starts inside the text
    suffix: str = ""

    def html(self) -> str:
        """Every character escaped; only the engine's own <mark> tags are markup."""
        out, last = [escape(self.prefix)], 0
        for start, end in self.spans:
            out.append(escape(self.text[last:start]))
            out.append("<mark>" + escape(self.text[start:end]) + "</mark>")
            last = end
        out.append(escape(self.text[last:]))
        out.append(escape(self.suffix))
        return "".join(out)


def merge_spans(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:  # overlapping, not merely touching
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return [tuple(s) for s in merged]


# Query fields whose terms are marked, and the offset-carrying field holding
# them: a title: term is found in `text`, which indexes the title too.
_SPAN_FIELDS = {"text": "text", "title": "text", "text_ng": "text_ng", "text_rd": "text_rd"}


def spans_for_docs(searcher, terms, docnums) -> dict:
    """{docnum: [(start, end), ...]} of the query terms, in offsets of the
    combined title + separator + body text that the `text` fields index.

    One matcher per term walks the (sorted) hit docnums, so the cost grows with
    the number of terms, not terms × hits.
    """
    out = {}
    wanted = sorted(set(docnums))
    for fieldname, text in sorted({(_SPAN_FIELDS[f], t) for f, t in terms if f in _SPAN_FIELDS}):
        try:
            matcher = searcher.postings(fieldname, text)
        except TermNotFound:
            continue
        for docnum in wanted:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                spans = out.setdefault(docnum, [])
                spans.extend((s, e) for _, s, e in matcher.value_as("characters"))
    return out


def split_spans(spans, title: str):
    """Spans of the combined text, as (title spans, body spans)."""
    cut = len(title) + len(PART_SEPARATOR)
    title_spans = [(s, e) for s, e in spans if e <= len(title)]
    body_spans = [(s - cut, e - cut) for s, e in spans if s >= cut]
    return title_spans, body_spans


def whole(text: str, spans) -> Fragment:
    """All of a short text (a title) with its matches marked."""
    return Fragment(text, merge_spans(spans))


def best_fragment(text: str, spans, size: int) -> Fragment:
    """The window of ``size`` characters holding the most matches."""
    spans = merge_spans(spans)
    if not spans:
        cut = text[:size]
        return Fragment(_flat(cut), [], "", "…" if len(text) > size else "")
    best_start, best_score = 0, -1.0
    for i, (first, _) in enumerate(spans):
        window_start = _context_start(text, first, size // 4)
        window_end = window_start + size
        inside = [(s, e) for s, e in spans[i:] if e <= window_end]
        distinct = len({text[s:e] for s, e in inside})
        # Matches side by side (a phrase) count extra: ウクライナ侵攻 as written
        # beats ウクライナ … 侵攻 far apart.
        adjacent = sum(1 for (_, e1), (s2, _) in zip(inside, inside[1:]) if s2 - e1 <= 1)
        score = distinct + 0.5 * adjacent + 0.1 * len(inside)
        if score > best_score:
            best_start, best_score = window_start, score
    start = best_start
    end = min(len(text), start + size)
    if end - start < size:
        start = max(0, end - size)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    return Fragment(
        _flat(text[start:end]), inside, "…" if start > 0 else "", "…" if end < len(text) else ""
    )


_SENTENCE_BREAKS = "。！？!?\n　 、，,"


def _context_start(text: str, first_match: int, context: int) -> int:
    """Where a fragment before ``first_match`` starts: after the nearest
    sentence or clause break within ``context`` characters, so a fragment does
    not open in the middle of a word."""
    lo = max(0, first_match - context)
    for i in range(first_match - 1, lo - 1, -1):
        if text[i] in _SENTENCE_BREAKS:
            return i + 1
    return lo if lo == 0 else first_match


def _flat(text: str) -> str:
    # Line breaks inside a snippet read as spaces; the length stays the same so
    # the span offsets stay right.
    return text.replace("\r", " ").replace("\n", " ")
