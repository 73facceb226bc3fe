"""What the Searcher reads once per commit of the embedded index.

A ``Generation`` belongs to one index generation (one commit) and is shared
by every thread: the articles' dates and recency factors, the facet values
(from the keyword fields' postings, not the stored fields), the entity
view, and the near-copy groups (``Groups``) that collapse results.  Field
lengths for BM25F are cached per segment reader (``field_lengths``).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import Counter


from index import config, dedup
from index.codec.lengths import bulk_field_lengths
from index.schema import FACET_FIELDS
from search.entity_view import EntityView, cached_entity_view, field_values, merge_short_names

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


def kept_with(by_generation: dict, key, value) -> dict:
    """``by_generation`` (commit generation -> what was read of it) with
    ``value`` for ``key``, the newest entry before it and any newer ones:
    while a server prepares a commit, its other threads still read the one
    before.  An index without documents has no generation number (None):
    it comes first."""
    rank = lambda k: -1 if k is None else k  # noqa: E731
    older = sorted((k for k in by_generation if rank(k) < rank(key)), key=rank)[-1:]
    newer = [k for k in by_generation if rank(k) > rank(key)]
    return {**{k: by_generation[k] for k in older + newer}, key: value}


class Generation:
    """Per-commit data shared by all threads: dates, recency factors, facet
    values, the entity view and the near-copy groups.

    Built from the postings of the keyword fields (not from stored fields,
    which would unpickle every article's body) once per index generation.
    """

    def __init__(self, reader, index_dir=None):
        # The reader is used here only: it belongs to the thread that made
        # this generation, which may close it (on its next commit) while
        # other threads still use the generation; later work is done with
        # the calling thread's reader of the same generation.
        self._values = None
        self._entity_view = None
        self._groups = None
        self._index_dir = index_dir
        self._values_lock = threading.RLock()  # entities() may build values()
        n = reader.doc_count_all()
        dates = dedup.article_dates(reader)
        newest = max((d for d in dates if d is not None), default=None)
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

    # What is built so far: a new commit's Generation is built as far as
    # the one it follows before a server switches to it.
    @property
    def has_values(self) -> bool:
        return self._values is not None

    @property
    def has_entities(self) -> bool:
        return self._entity_view is not None

    @property
    def has_groups(self) -> bool:
        return self._groups is not None

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
        """The near-copy groups of this commit (index.dedup), read from the
        index folder where `search index` left them, or built on the first
        search that collapses (about a second for the 7,367 livedoor
        articles) and left there for the next process."""
        with self._values_lock:
            if self._groups is None:
                group_of = (dedup.cached_group_index(self._index_dir, reader, self.dates) if self._index_dir
                            else dedup.group_index(reader, dates=self.dates))
                self._groups = Groups(group_of, self.dates)
        return self._groups

    def entities(self, reader, aliases) -> EntityView:
        """The entity names as readers see them (search.entity_view), for
        this commit and this alias table."""
        with self._values_lock:
            view = self._entity_view
            if view is None or view.aliases is not aliases:
                if self._index_dir:
                    view = cached_entity_view(self._index_dir, reader, lambda: self.values(reader), aliases)
                else:
                    view = EntityView(reader, self.values(reader), aliases)
                self._entity_view = view
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
