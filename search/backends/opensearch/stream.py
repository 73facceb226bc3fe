"""This project's analysis, handed to OpenSearch as it is: the field format of
the ``preanalyzed`` analyzer (``opensearch/src/main/java/jns/opensearch/``).

OpenSearch has no pre-analysed field type and the cluster has no Sudachi, so
analysis stays in Python and a small analysis plugin in this repository
replays what Python wrote.  A field value is the original text, a marker, and
one line per token::

    ORIGINAL "\\u2029\\0PA1\\n" ( TERM "\\t" POSINC "\\t" START "\\t" END "\\n" )*

* TERM: the indexed term, escaped (``\\\\ \\t \\n \\r \\0``), never analysed again;
* POSINC: the position increment: 1 for the next position, 0 to stack the
  token on the previous one (a compound and its first sub-unit), 2 or more
  to leave a gap (a particle that is not indexed still takes its position);
* START, END: the token's span in ORIGINAL, in UTF-16 code units (Java's
  string indices: :func:`encode_field` converts from Python's code points, so
  a surrogate pair such as 𠮷 counts twice there).

There is no position length: Lucene does not index it, and on the query side
a length above 1 turns ``match_phrase`` into a graph of span queries that
loses the gaps; a compound stacked on its first sub-unit, with the
sub-units on the following positions, matches phrases of either
granularity without it.

ORIGINAL comes first, so offsets need no shift and the highlighter cuts its
fragments from the original text: the paragraph separator U+2029 in the
marker is a hard sentence break, and fragments end there.  The marker is
found from the end (token lines never hold a raw U+0000), so the original
text may contain anything, the marker included.  The same analyzer reads
queries: :func:`encode_query` writes tokens without text, and a
``match_phrase`` whose ``analyzer`` is ``preanalyzed`` becomes a Lucene
phrase query over exactly those terms and positions (stacked terms make a
multi-phrase query; ``slop`` works as usual).  Nothing a user typed is parsed
by OpenSearch: a term is a term, whatever characters it holds.

Because the value holds the token lines, ``_source`` of such a field is not
the article text: :func:`original_text` recovers it, or keep the text in a
separate stored field and exclude the streams from ``_source`` fetches.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Sequence

ANALYZER = "preanalyzed"
MARK = "\u2029\u0000PA1\n"

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\u0000": "\\0"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "0": "\u0000"}


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its term, its span in the text (Python string indices) and
    its position increment (1 next position, 0 same position, n > 1 a gap)."""

    term: str
    start: int
    end: int
    pos_inc: int = 1


def from_positions(items: Iterable[tuple]) -> list[Token]:
    """Tokens from ``(term, position, start, end)`` with absolute positions
    (0-based, any order): sorted by position, then start, and given the
    increments the format wants.  A gap in the positions stays a gap."""
    rows = sorted(items, key=lambda item: (item[1], item[2], item[3]))
    tokens: list[Token] = []
    previous = -1
    for item in rows:
        term, position, start, end = item
        tokens.append(Token(term, start, end, position - previous))
        previous = position
    return tokens


def _escape(term: str) -> str:
    if not any(c in term for c in _ESCAPES):
        return term
    return "".join(_ESCAPES.get(c, c) for c in term)


def _unescape(term: str) -> str:
    if "\\" not in term:
        return term
    out, chars = [], iter(term)
    for c in chars:
        out.append(_UNESCAPES[next(chars)] if c == "\\" else c)
    return "".join(out)


def _utf16(text: str):
    """A function from Python string indices into ``text`` to UTF-16 indices."""
    astral = [i for i, c in enumerate(text) if ord(c) > 0xFFFF]
    if not astral:
        return lambda i: i
    return lambda i: i + bisect_right(astral, i - 1)


def _check(tokens: Sequence[Token], length: int | None) -> None:
    last_start = 0
    for n, t in enumerate(tokens, 1):
        if not t.term:
            raise ValueError(f"token {n}: empty term")
        if t.pos_inc < (1 if n == 1 else 0):
            raise ValueError(f"token {n} ({t.term!r}): position increment {t.pos_inc}")
        if length is not None and not 0 <= t.start <= t.end <= length:
            raise ValueError(f"token {n} ({t.term!r}): span {t.start}-{t.end} outside the text (length {length})")
        if t.start < last_start:
            raise ValueError(f"token {n} ({t.term!r}): starts at {t.start}, before the previous token ({last_start})")
        last_start = t.start


def _lines(tokens: Sequence[Token], offset) -> str:
    return "".join(f"{_escape(t.term)}\t{t.pos_inc}\t{offset(t.start)}\t{offset(t.end)}\n" for t in tokens)


def encode_field(text: str, tokens: Sequence[Token]) -> str:
    """The value of a ``preanalyzed`` field for ``text`` analysed into
    ``tokens`` (in stream order: positions ascending, starts never going
    back).  Raises ValueError for a stream Lucene would refuse."""
    _check(tokens, len(text))
    return text + MARK + _lines(tokens, _utf16(text))


def encode_query(tokens: Sequence[Token]) -> str:
    """The query text of a ``match_phrase`` (or ``match``) with
    ``"analyzer": "preanalyzed"``: the tokens' terms and positions, no text."""
    _check(tokens, None)
    return MARK + _lines([Token(t.term, 0, 0, t.pos_inc) for t in tokens], lambda i: i)


def original_text(value: str) -> str:
    """The original text of a field value (all of it when there is no marker)."""
    cut = value.rfind(MARK)
    return value if cut < 0 else value[:cut]


def decode(value: str) -> tuple[str, list[Token]]:
    """``(text, tokens)`` of a field value, offsets back in Python indices."""
    cut = value.rfind(MARK)
    if cut < 0:
        raise ValueError("not a preanalyzed value: no marker")
    text = value[:cut]
    to_py = {}
    unit = 0
    for i, c in enumerate(text):
        to_py[unit] = i
        unit += 2 if ord(c) > 0xFFFF else 1
    to_py[unit] = len(text)
    tokens = []
    for line in value[cut + len(MARK):].split("\n"):
        if not line:
            continue
        term, pos_inc, start, end = line.split("\t")
        tokens.append(Token(_unescape(term), to_py[int(start)], to_py[int(end)], int(pos_inc)))
    return text, tokens


def field_mapping(**extra) -> dict:
    """The mapping of a pre-analysed text field: indexed and searched with the
    ``preanalyzed`` analyzer, offsets in the postings so that the unified
    highlighter needs no re-analysis.  ``extra`` is merged in (e.g.
    ``similarity``, ``store``)."""
    return {"type": "text", "analyzer": ANALYZER, "index_options": "offsets", **extra}


def phrase_query(field: str, tokens: Sequence[Token], slop: int = 0) -> dict:
    """A ``match_phrase`` over ``tokens`` exactly as analysed here (stacked
    tokens become alternatives at their position, gaps stay gaps)."""
    return {"match_phrase": {field: {"query": encode_query(tokens), "analyzer": ANALYZER, "slop": slop}}}


def span_query(field: str, tokens: Sequence[Token], slop: int = 0, in_order: bool = True) -> dict:
    """The same phrase as span queries: one ``span_or`` of the stacked terms
    per position, in a ``span_near``.  (A gap in ``tokens`` is not kept here:
    give it to ``slop``.)"""
    groups: list[list[str]] = []
    for t in tokens:
        if t.pos_inc == 0 and groups:
            groups[-1].append(t.term)
        else:
            groups.append([t.term])
    clauses = [
        {"span_term": {field: terms[0]}}
        if len(terms) == 1
        else {"span_or": {"clauses": [{"span_term": {field: term}} for term in terms]}}
        for terms in groups
    ]
    if len(clauses) == 1:
        return clauses[0]
    return {"span_near": {"clauses": clauses, "slop": slop, "in_order": in_order}}
