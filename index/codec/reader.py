"""Read side of the codec: terms reader, field cursor, term info, matcher.

The Searcher and Whoosh's queries see the same interfaces as with Whoosh's
W3 codec: ``TermsReader`` (term look-ups, lexicon walks, doc frequencies),
``FieldCursor`` (fuzzy and prefix expansion), ``TermInfo`` (statistics) and a
``LeafMatcher`` per term with ``id()``, ``next()``, ``skip_to()``,
``weight()``, ``score()`` and ``value_as("positions" | "characters" |
"frequency" | ...)``.  A matcher decodes its term's document numbers and
weights once, into Python lists (a few struct or NumPy calls), and each
document's positions and character offsets only when asked, straight from
the packed streams.  ``value()`` rebuilds Whoosh's own encoded value bytes,
so anything that copies postings through Whoosh (its merges, MultiTerm
value combining) keeps working.
"""

from __future__ import annotations

import mmap
import os
from bisect import bisect_left
from itertools import accumulate

from whoosh.codec import base
from whoosh.matching import LeafMatcher, NullMatcher, ReadTooFar
from whoosh.reading import TermInfo, TermNotFound
from whoosh.system import emptybytes, pack_uint
from whoosh.util.numeric import byte_to_length

from index.codec.invindex import CHARACTERS, EXISTENCE, FREQUENCY, POSITIONS, RAW, FieldReader, read_directory


# ---------------------------------------------------------------------------
# Getting a file's bytes without copying them


class _Buffer:
    """The bytes of one segment file: a memoryview over an mmap (of the
    compound segment file or of the file itself), or plain bytes."""

    def __init__(self, view, owner=None):
        self.view = view
        self._owner = owner

    def close(self):
        view, self.view = self.view, None
        if view is not None and isinstance(view, memoryview):
            try:
                view.release()
            except BufferError:  # NumPy views still alive: the mmap is freed with them
                pass
        owner, self._owner = self._owner, None
        if owner is not None:
            try:
                owner.close()
            except BufferError:
                pass


def open_buffer(storage, name: str) -> _Buffer:
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage, OverlayStorage

    while isinstance(storage, OverlayStorage):
        storage = storage.a if storage.a.file_exists(name) else storage.b
    if isinstance(storage, CompoundStorage) and getattr(storage, "_source", None) is not None:
        offset, length = storage.range(name)
        return _Buffer(memoryview(storage._source)[offset : offset + length])
    if isinstance(storage, FileStorage) and storage.supports_mmap:
        path = os.path.join(storage.folder, name)
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size:
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                return _Buffer(memoryview(mm), mm)
            return _Buffer(b"")
    f = storage.open_file(name)
    try:
        data = f.read()
    finally:
        f.close()
    return _Buffer(data)


# ---------------------------------------------------------------------------
# Terms


def _lazy(name, compute):
    """A TermInfo attribute computed from the dictionary on first use and
    settable afterwards (Whoosh's MultiReader shifts ``_minid``/``_maxid``)."""

    def get(self):
        d = self.__dict__
        if name not in d:
            d[name] = compute(self)
        return d[name]

    def set(self, value):
        self.__dict__[name] = value

    return property(get, set)


class JnsTermInfo(TermInfo):
    """Statistics of one term, computed from the dictionary on demand."""

    def __init__(self, fr: FieldReader, t: int):
        self._fr = fr
        self._t = t

    _weight = _lazy("w", lambda self: self._fr.total_weight(self._t))
    _df = _lazy("df", lambda self: self._fr.df.get(self._t))
    _minlength = _lazy("minl", lambda self: byte_to_length(self._fr.minl.get(self._t)))
    _maxlength = _lazy("maxl", lambda self: byte_to_length(self._fr.maxl.get(self._t)))
    _maxweight = _lazy("maxw", lambda self: self._fr.max_weight(self._t))
    _minid = _lazy("minid", lambda self: self._fr.first.get(self._t))
    _maxid = _lazy("maxid", lambda self: self._fr.last_id(self._t))

    def is_inlined(self):
        return False


class JnsFieldCursor(base.FieldCursor):
    def __init__(self, fr: FieldReader | None, fieldobj):
        self._fr = fr
        self._fieldobj = fieldobj
        self._t = None
        self._text = None
        self.first()

    def _set(self, t):
        fr = self._fr
        if fr is not None and t is not None and t < fr.nterms:
            self._t = t
            self._text = self._fieldobj.from_bytes(fr.term(t))
        else:
            self._t = self._text = None
        return self._text

    def first(self):
        return self._set(0)

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        if self._fr is None:
            return self._set(None)
        return self._set(self._fr.lower_bound(term))

    def next(self):
        if self._t is None:
            return None
        return self._set(self._t + 1)

    def text(self):
        return self._text

    def term_info(self):
        if self._t is None:
            return None
        return JnsTermInfo(self._fr, self._t)

    def is_valid(self):
        return self._t is not None


class JnsTermsReader(base.TermsReader):
    def __init__(self, buffer: _Buffer):
        self._buffer = buffer
        directory = read_directory(buffer.view)
        self._fields = {
            name: FieldReader(name, buffer.view, meta) for name, meta in directory["fields"].items()
        }
        self._names = sorted(self._fields)

    def __contains__(self, term):
        fieldname, tbytes = term
        fr = self._fields.get(fieldname)
        return fr is not None and fr.find(tbytes) >= 0

    def indexed_field_names(self):
        return list(self._names)

    def field_reader(self, fieldname):
        return self._fields.get(fieldname)

    def cursor(self, fieldname, fieldobj):
        return JnsFieldCursor(self._fields.get(fieldname), fieldobj)

    def _walk(self, fieldname=None, prefix=b""):
        if fieldname is None:
            names, start = self._names, 0
        else:
            if fieldname not in self._fields:
                return
            i = self._names.index(fieldname)
            names = self._names[i:]
            start = self._fields[fieldname].lower_bound(prefix)
        for name in names:
            fr = self._fields[name]
            for t, tbytes in fr.iter_terms(start):
                yield name, fr, t, tbytes
            start = 0

    def terms(self):
        return ((name, tb) for name, _, _, tb in self._walk())

    def terms_from(self, fieldname, prefix):
        return ((name, tb) for name, _, _, tb in self._walk(fieldname, prefix))

    def items(self):
        return (((name, tb), JnsTermInfo(fr, t)) for name, fr, t, tb in self._walk())

    def items_from(self, fieldname, prefix):
        return (((name, tb), JnsTermInfo(fr, t)) for name, fr, t, tb in self._walk(fieldname, prefix))

    def _locate(self, fieldname, tbytes):
        fr = self._fields.get(fieldname)
        t = fr.find(tbytes) if fr is not None else -1
        if t < 0:
            raise KeyError((fieldname, tbytes))
        return fr, t

    def term_info(self, fieldname, tbytes):
        try:
            fr, t = self._locate(fieldname, tbytes)
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None
        return JnsTermInfo(fr, t)

    def frequency(self, fieldname, tbytes):
        fr, t = self._locate(fieldname, tbytes)
        return fr.total_weight(t)

    def doc_frequency(self, fieldname, tbytes):
        fr, t = self._locate(fieldname, tbytes)
        return fr.df.get(t)

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        try:
            fr, t = self._locate(fieldname, tbytes)
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None
        return JnsMatcher(fr, t, format_, term=(fieldname, tbytes), scorer=scorer)

    def close(self):
        self._fields = {}
        self._buffer.close()


# ---------------------------------------------------------------------------
# Matcher


class JnsMatcher(LeafMatcher):
    """The postings of one term in one segment."""

    def __init__(self, fr: FieldReader, t: int, format_, term=None, scorer=None, _state=None):
        self._fr = fr
        self._t = t
        self.format = format_
        self._term = term
        self.scorer = scorer
        if _state is None:
            ids = fr.ids(t)
            weights = fr.weights(t)
            _state = (ids, weights if isinstance(weights, list) else None,
                      weights if not isinstance(weights, list) else 1.0)
        self._ids, self._weights, self._wconst = _state
        self._n = len(self._ids)
        self._i = 0
        self._occ = None
        self._freqs = None

    def __repr__(self):
        return f"{type(self).__name__}({self._term!r}, {self._i}/{self._n})"

    # -- navigation --------------------------------------------------------

    def is_active(self):
        return self._i < self._n

    def reset(self):
        self._i = 0

    def copy(self):
        m = JnsMatcher(self._fr, self._t, self.format, self._term, self.scorer,
                       (self._ids, self._weights, self._wconst))
        m._i = self._i
        m._occ, m._freqs = self._occ, self._freqs
        return m

    def id(self):
        try:
            return self._ids[self._i]
        except IndexError:
            raise ReadTooFar from None

    def next(self):
        if self._i >= self._n:
            raise ReadTooFar
        self._i += 1
        return False

    def skip_to(self, targetid):
        if self._i >= self._n:
            raise ReadTooFar
        ids = self._ids
        if targetid <= ids[self._i]:
            return
        self._i = bisect_left(ids, targetid, self._i + 1)

    def all_ids(self):
        ids, i = self._ids, self._i
        self._i = self._n
        return iter(ids[i:] if i else ids)

    # -- values ------------------------------------------------------------

    def weight(self):
        w = self._weights
        return w[self._i] if w is not None else self._wconst

    def score(self):
        return self.scorer.score(self)

    def _frequencies(self):
        if self._freqs is None:
            f = self._fr.freqs(self._t)
            self._freqs = f
        return self._freqs

    def frequency(self):
        f = self._frequencies()
        return f if isinstance(f, int) else f[self._i]

    def _occ_range(self):
        i = self._i
        f = self._frequencies()
        base = self._fr.occ_start(self._t)
        if isinstance(f, int):
            a = base + i * f
            return a, a + f
        if self._occ is None:
            self._occ = [0, *accumulate(f)]
        return base + self._occ[i], base + self._occ[i + 1]

    def positions(self):
        a, b = self._occ_range()
        return self._fr.pos.list(a, b)

    def characters(self):
        a, b = self._occ_range()
        pos, st, en = self._fr.occurrences(a, b)
        return list(zip(pos, st, en))

    def supports(self, astype):
        return self.format.supports(astype)

    def value_as(self, astype):
        kind = self._fr.kind
        if astype == "characters" and kind == CHARACTERS:
            return self.characters()
        if astype == "positions" and kind in (POSITIONS, CHARACTERS):
            return self.positions()
        if astype == "frequency" and kind != RAW:
            return self.frequency() if kind != EXISTENCE else 1
        if astype == "weight" and kind != RAW:
            if kind == EXISTENCE:
                return self.format.field_boost
            return self.frequency() * self.format.field_boost
        if astype == "position_boosts" and kind in (POSITIONS, CHARACTERS):
            return [(p, 1) for p in self.positions()]
        return self.format.decoder(astype)(self.value())

    def value(self):
        """The posting's value encoded as Whoosh's own format would."""
        kind = self._fr.kind
        if kind == EXISTENCE:
            return emptybytes
        if kind == FREQUENCY:
            return pack_uint(self.frequency())
        if kind == POSITIONS:
            return self.format.encode(self.positions())
        if kind == CHARACTERS:
            return self.format.encode(self.characters())
        a, _ = self._fr.posting_range(self._t)
        return self._fr.raw_value(a + self._i)

    # -- block statistics (the whole list is one block) ---------------------

    def block_min_id(self):
        return self._ids[0]

    def block_max_id(self):
        return self._ids[-1]

    def block_min_length(self):
        return byte_to_length(self._fr.minl.get(self._t))

    def block_max_length(self):
        return byte_to_length(self._fr.maxl.get(self._t))

    def block_max_weight(self):
        w = self._weights
        return max(w) if w is not None else self._wconst

    def skip_to_quality(self, minquality):
        if self.block_quality() <= minquality:
            self._i = self._n
            return 1
        return 0

    def replace(self, minquality=0):
        if not self.is_active():
            return NullMatcher()
        if minquality and self.supports_block_quality() and self.block_quality() <= minquality:
            return NullMatcher()
        return self
