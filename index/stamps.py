"""When each article was written into the index: the ``indexed`` stamp.

Every document carries ``indexed``, a column of microseconds since 1970
(UTC), one stamp per batch (``batch_stamp``): always later than every stamp
already committed, whatever the clock did, so the order of stamps is the
order of commits.  Saved-search alerts (search.alerts) ask for the articles
stamped after the last check with the filters ``indexed_after`` (exclusive)
and ``indexed_until`` (inclusive), which the query compiler turns into
``indexed_range``: a query answered from the column (sorted once per
segment, then two bisections), not from index terms.

The index side of alerts lives here, below search/, because the schema and
the writer need it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import time
import weakref

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher

from index.segments import leaves

INDEXED_FIELD = "indexed"


class StampError(ValueError):
    """A value that is not a time (for indexed_after / indexed_until)."""


def schema_fields() -> dict:
    """The field index.schema.build_schema adds: ``indexed``, a column of
    stamps (microseconds since 1970, UTC; 0 for none), not searchable by
    terms, read by ``indexed_range``."""
    from whoosh import columns
    from whoosh.fields import COLUMN

    return {INDEXED_FIELD: COLUMN(columns.NumericColumn("q", default=0))}


def now_stamp() -> int:
    return time.time_ns() // 1000


def batch_stamp(reader=None) -> int:
    """The stamp for the articles of a batch about to be written: now, but
    always after the newest stamp committed (``reader``), so the order of
    stamps is the order of commits even if the clock went back."""
    stamp = now_stamp()
    newest = newest_indexed(reader) if reader is not None else None
    return max(stamp, newest + 1) if newest is not None else stamp


def document_fields(stamp: int | None = None) -> dict:
    """The document value index.schema.to_document adds."""
    return {INDEXED_FIELD: int(stamp if stamp is not None else now_stamp())}


def stamp_to_iso(stamp: int) -> str:
    when = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=stamp)
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z")


def to_stamp(value) -> int | None:
    """A stamp from an int, a datetime (naive is UTC) or an ISO 8601 string."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise StampError(f"not a time: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise StampError(f"not an ISO 8601 time: {value!r}") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    raise StampError(f"not a time: {value!r}")


def _has_stamps(reader) -> bool:
    # Whoosh's has_column raises KeyError for a field the schema lacks.
    return INDEXED_FIELD in reader.schema.names() and reader.has_column(INDEXED_FIELD)


def newest_indexed(reader) -> int | None:
    """The newest stamp among the live documents (None: no document has one)."""
    newest = None
    for leaf, _ in leaves(reader):
        if not _has_stamps(leaf):
            continue
        column = leaf.column_reader(INDEXED_FIELD)
        deleted = leaf.is_deleted if leaf.has_deletions() else None
        for docnum in range(leaf.doc_count_all()):
            value = column[docnum]
            if value > 0 and (newest is None or value > newest) and not (deleted and deleted(docnum)):
                newest = value
    return newest


_sorted_by_reader = weakref.WeakKeyDictionary()
_sorted_lock = threading.Lock()


def _sorted_stamps(reader):
    """(stamps, docnums) of one segment's live stamped documents, by stamp;
    read once per segment reader (as search.datequery does for dates)."""
    with _sorted_lock:
        cached = _sorted_by_reader.get(reader)
    if cached is not None:
        return cached
    pairs = []
    if _has_stamps(reader):
        column = reader.column_reader(INDEXED_FIELD)
        deleted = reader.is_deleted if reader.has_deletions() else None
        for docnum in range(reader.doc_count_all()):
            value = column[docnum]
            if value > 0 and not (deleted and deleted(docnum)):
                pairs.append((value, docnum))
        pairs.sort()
    cached = ([v for v, _ in pairs], [d for _, d in pairs])
    with _sorted_lock:
        _sorted_by_reader[reader] = cached
    return cached


class IndexedIn(wq.Query):
    """Documents whose ``indexed`` stamp is after ``after`` (exclusive) and
    up to ``until`` (inclusive); None is open.  Answered from the column
    (sorted once per segment reader, then two bisections), not from index
    terms; every match scores 1."""

    def __init__(self, after=None, until=None, boost=1.0):
        self.after = after
        self.until = until
        self.boost = boost

    def __repr__(self):
        return f"IndexedIn({self.after!r}, {self.until!r})"

    def __eq__(self, other):
        return other and self.__class__ is other.__class__ and (self.after, self.until) == (other.after, other.until)

    def __hash__(self):
        return hash((self.after, self.until))

    def is_leaf(self):
        return True

    def estimate_size(self, ixreader):
        return ixreader.doc_count_all()

    def estimate_min_size(self, ixreader):
        return 0

    def docs(self, searcher):
        return self.matcher(searcher).all_ids()

    def matcher(self, searcher, context=None):
        stamps, docnums = _sorted_stamps(searcher.reader())  # one segment: its own docnums
        lo = 0 if self.after is None else bisect.bisect_right(stamps, self.after)
        hi = len(stamps) if self.until is None else bisect.bisect_right(stamps, self.until)
        ids = sorted(docnums[lo:hi])
        return ListMatcher(ids, all_weights=self.boost) if ids else NullMatcher()


def indexed_range(after=None, until=None) -> IndexedIn:
    """The query for the ``indexed_after`` / ``indexed_until`` filters
    (stamps, datetimes or ISO 8601 strings)."""
    return IndexedIn(to_stamp(after), to_stamp(until))
