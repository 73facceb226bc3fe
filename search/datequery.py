"""Date ranges answered from the date column, not from trie terms.

Whoosh answers a range over a DATETIME field with a union of the numeric
field's trie terms: dozens of term matchers per range, merged in Python.
Twelve ranges ORed took 1.5 s of CPU on the livedoor index.  Here each
segment's (date, docnum) pairs are sorted once per segment reader and kept
while the reader lives; a range is then two bisections and a slice, and
several ranges are one sorted union.  Every date: query and the date_from
/ date_to filters come here (search.query).
"""

from __future__ import annotations

import bisect
import threading
import weakref

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.util.times import datetime_to_long

_sorted_by_reader = weakref.WeakKeyDictionary()
_lock = threading.Lock()
# Whoosh fills the column of an article without a date with a value past
# every real date.
_NO_DATE = datetime_to_long(__import__("datetime").datetime(9000, 1, 1))


def _sorted_dates(reader):
    """(dates, docnums) of one segment's live dated documents, by date."""
    with _lock:
        cached = _sorted_by_reader.get(reader)
    if cached is not None:
        return cached
    pairs = []
    if reader.has_column("date"):
        column = reader.column_reader("date", translate=False)
        deleted = reader.is_deleted if reader.has_deletions() else None
        for docnum in range(reader.doc_count_all()):
            value = column[docnum]
            if 0 < value < _NO_DATE and not (deleted and deleted(docnum)):
                pairs.append((value, docnum))
        pairs.sort()
    cached = ([d for d, _ in pairs], [n for _, n in pairs])
    with _lock:
        _sorted_by_reader[reader] = cached
    return cached


class DateIn(wq.Query):
    """Articles dated within any of ``spans``: (start, end) naive UTC
    datetimes, end exclusive, None for open.  Every match scores 1, as
    Whoosh's own DateRange does."""

    def __init__(self, spans, boost=1.0):
        self.spans = tuple((start, end) for start, end in spans)
        self.boost = boost

    def __repr__(self):
        return f"DateIn({self.spans!r})"

    def __eq__(self, other):
        return other and self.__class__ is other.__class__ and self.spans == other.spans

    def __hash__(self):
        return hash(self.spans)

    def is_leaf(self):
        return True

    def estimate_size(self, ixreader):
        return ixreader.doc_count_all()

    def estimate_min_size(self, ixreader):
        return 0

    def docs(self, searcher):
        return self.matcher(searcher).all_ids()

    def matcher(self, searcher, context=None):
        # Called once per segment: docnums are the segment's own.
        dates, docnums = _sorted_dates(searcher.reader())
        ids = set()
        for start, end in self.spans:
            lo = 0 if start is None else bisect.bisect_left(dates, datetime_to_long(start))
            hi = len(dates) if end is None else bisect.bisect_left(dates, datetime_to_long(end))
            ids.update(docnums[lo:hi])
        if not ids:
            return NullMatcher()
        return ListMatcher(sorted(ids), all_weights=self.boost)


__all__ = ["DateIn"]
