"""What the Searcher reads once per commit of the embedded index.

A ``Generation`` belongs to one index generation (one commit) and is shared
by every thread: the articles' dates and recency factors, the facet values
(from the keyword fields' postings, not the stored fields), the entity
view, and the near-copy groups (``Groups``) that collapse results.  Field
lengths for BM25F are cached per segment reader (``field_lengths``).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import weakref
from collections import Counter

from whoosh.util.times import datetime_to_long

from index import config, dedup
from index.codec.lengths import bulk_field_lengths
from index.schema import FACET_FIELDS
from search.entity_view import EntityView, field_values, merge_short_names

_field_lengths_by_reader = weakref.WeakKeyDictionary()


def field_lengths(reader, fieldname) -> list:
    """Every document's length in ``fieldname``, read once per segment reader:
    Whoosh's own scorer reads the length column for every scored document,
    which was the largest cost of a broad query."""
    per_field = _field_lengths_by_reader.setdefault(reader, {})
    lengths = per_field.get(fieldname)
    if lengths is None:
        lengths = per_field[fieldname] = bulk_field_lengths(reader, fieldname, 1)
    return lengths


_NO_DATE = datetime_to_long(dt.datetime(9000, 1, 1))


class Generation:
    """Per-commit data shared by all threads: dates, recency factors, facet
    values, the entity view and the near-copy groups.

    Built from the postings of the keyword fields (not from stored fields,
    which would unpickle every article's body) once per index generation.
    """

    def __init__(self, reader):
        # The reader is used here only: it belongs to the thread that made
        # this generation, which may close it (on its next commit) while
        # other threads still use the generation; later work is done with
        # the calling thread's reader of the same generation.
        self._values = None
        self._entity_view = None
        self._groups = None
        self._values_lock = threading.Lock()
        n = reader.doc_count_all()
        dates = [None] * n
        newest = None
        # Segment by segment: a segment whose articles have no date has no
        # date column, and Whoosh's multi-segment column reader then misplaces
        # the others' values.
        for leaf, offset in reader.leaf_readers():
            if not leaf.has_column("date"):
                continue
            column = leaf.column_reader("date", translate=False)
            for docnum in range(leaf.doc_count_all()):
                v = column[docnum]
                # Articles without a date hold the column's filler value.
                if 0 < v < _NO_DATE:
                    dates[offset + docnum] = v
                    newest = v if newest is None or v > newest else newest
        self.dates = dates
        half_life_us = config.RECENCY_HALF_LIFE_DAYS * 86400e6
        self.factors = [
            1.0 + config.RECENCY_WEIGHT * (math.pow(0.5, (newest - d) / half_life_us) if d else 0.0)
            for d in dates
        ] if newest else [1.0] * n
        # Field lengths now, not inside the first search's time limit.
        for leaf, _ in reader.leaf_readers():
            for fieldname in config.FIELD_WEIGHTS:
                if fieldname in leaf.indexed_field_names():
                    field_lengths(leaf, fieldname)

    def values(self, reader):
        """Facet field -> per-docnum tuple of values, read with ``reader``
        (the caller's, of this generation); built on first use, so a one-shot
        CLI query that shows no facets never pays for it."""
        with self._values_lock:
            if self._values is None:
                self._values = self._read_values(reader)
        return self._values

    @staticmethod
    def _read_values(reader):
        n = reader.doc_count_all()
        return {fieldname: field_values(reader, fieldname, n) for fieldname in FACET_FIELDS}

    def groups(self, reader) -> "Groups":
        """The near-copy groups of this commit (index.dedup), built on the
        first search that collapses (0.2 s for the 7,367 livedoor articles)."""
        with self._values_lock:
            if self._groups is None:
                self._groups = Groups(dedup.group_index(reader, dates=self.dates), self.dates)
        return self._groups

    def entities(self, reader, aliases) -> EntityView:
        """The entity names as readers see them (search.entity_view), for
        this commit and this alias table."""
        values = self.values(reader)
        with self._values_lock:
            view = self._entity_view
            if view is None or view.aliases is not aliases:
                view = self._entity_view = EntityView(reader, values, aliases)
        return view

    def facet_counts(self, reader, docnums, size, aliases):
        counts = {}
        values = dict(self.values(reader))
        values.update(self.entities(reader, aliases).names)  # grouped, without boilerplate
        for fieldname in FACET_FIELDS:
            per_doc = values[fieldname]
            c = Counter()
            for d in docnums:
                c.update(per_doc[d])
            if fieldname == "person":
                c = merge_short_names(c)
            if fieldname == "month":
                counts[fieldname] = [{"value": v, "count": n} for v, n in sorted(c.items())]
            else:
                counts[fieldname] = [{"value": v, "count": n} for v, n in c.most_common(size)]
        return counts


class Groups:
    """Near-copy groups of one commit: ``group_of[docnum]`` is the docnum of
    its group's first article (itself when it has no copy; None when
    deleted); ``members`` the docnums of each group of two or more, oldest
    first."""

    def __init__(self, group_of, dates):
        self.group_of = group_of
        members = {}
        for docnum, g in enumerate(group_of):
            if g is not None and g != docnum:
                members.setdefault(g, [g]).append(docnum)
        oldest = lambda d: (dates[d] is None, dates[d] or 0, d)  # noqa: E731
        self.members = {g: sorted(m, key=oldest) for g, m in members.items()}

    def __bool__(self):
        return bool(self.members)

    def copies(self, docnum) -> list:
        """The other members of the article's group, oldest first."""
        g = self.group_of[docnum]
        return [d for d in self.members.get(g, ()) if d != docnum]

    def one_per_group(self, docnums) -> list:
        """The first of ``docnums`` of each group, in their order."""
        if not self.members:
            return list(docnums)
        seen, out = set(), []
        group_of = self.group_of
        for d in docnums:
            g = group_of[d]
            if g not in seen:
                seen.add(g)
                out.append(d)
        return out

    def hidden(self, docnums) -> int:
        """How many of ``docnums`` collapsing would hide."""
        if not self.members:
            return 0
        return len(docnums) - len({self.group_of[d] for d in docnums})
