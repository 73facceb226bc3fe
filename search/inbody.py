"""``body:`` queries: a word or phrase only where it occurs in the body.

Title and body are indexed as one field, ``text`` (BM25F, index.schema),
the title first.  Every document records in its ``body_pos`` column the
position where its body starts, so a body-only match is a match of the same
term or phrase in ``text`` at or after that position: :class:`InBody` wraps
each term and phrase of a compiled ``body:`` query and keeps only such spans.
An article whose title and body both have the word matches ``body:`` too.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.query.spans import SpanWrappingMatcher, WrappingSpan

BODY_POSITION_COLUMN = "body_pos"


class InBody(WrappingSpan):
    """Matches the spans of ``q`` (a Term or Phrase on ``text``) that lie in
    the body of the document."""

    def __init__(self, q):
        self.q = q

    def __eq__(self, other):
        return other and self.__class__ is other.__class__ and self.q == other.q

    def __hash__(self):
        return hash(self.q) ^ hash(self.__class__.__name__)

    def estimate_size(self, ixreader):
        return self.q.estimate_size(ixreader)  # an upper bound, which is what And orders by

    def estimate_min_size(self, ixreader):
        return 0

    def matcher(self, searcher, context=None):
        # Called once per segment: the column is read from that segment alone.
        reader = searcher.reader()
        if not reader.has_column(BODY_POSITION_COLUMN):
            from whoosh.matching import NullMatcher

            return NullMatcher()
        starts = reader.column_reader(BODY_POSITION_COLUMN)
        return _InBodyMatcher(self._subm(searcher, context), starts)


class _InBodyMatcher(SpanWrappingMatcher):
    def __init__(self, child, starts):
        self.starts = starts
        super().__init__(child)

    def copy(self):
        return self.__class__(self.child.copy(), self.starts)

    def _replacement(self, newchild):
        return self.__class__(newchild, self.starts)

    def _get_spans(self):
        first = self.starts[self.id()]
        return [span for span in self.child.spans() if span.start >= first]


def only_in_body(q):
    """``q`` (compiled for ``text``) with every term and phrase kept to the
    body; the tree's ANDs and ORs stay as they are."""
    if isinstance(q, (wq.Term, wq.Phrase)):
        return InBody(q) if q.fieldname == "text" else q
    return q.apply(only_in_body)


__all__ = ["BODY_POSITION_COLUMN", "InBody", "only_in_body"]
