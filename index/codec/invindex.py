"""The inverted-index file of one segment: term dictionary and postings.

One file (``<segment>.jix``) holds every indexed field of the segment.  For
each field, everything is columnar, one packed stream (index.codec.packing)
per kind of number over all the field's terms:

term dictionary (one entry per term, terms in byte order)
    ``tlen``   length of each term's UTF-8 bytes (the bytes themselves are
               one blob, ``tblob``)
    ``df``     documents per term
    ``nocc``   occurrences (positions) per term, for fields with positions
    ``first``  the first document number of each term
    ``minl``, ``maxl``  the shortest and longest field length among the
               term's documents, as Whoosh's length bytes (BM25 block bounds)

postings (one entry per term x document, grouped by term, documents ascending)
    ``dgap``   the gap to the previous document of the same term (a term's
               first document is in ``first``, so a single-document term
               costs nothing here: its whole posting is its dictionary entry)
    ``wt``     the posting's weight (the boosted term frequency BM25F uses);
               whole numbers are packed, anything else is float32
    ``fq``     the term frequency (number of occurrences)

occurrences (one entry per position, grouped by posting, in token order)
    ``pos``    the token position
    ``st``     the start character
    ``ln``     end - start (or ``en``, the end character, if some end lies
               before its start)

A field of Whoosh's Existence format stores only documents; Frequency adds
weights and frequencies; Positions adds ``pos``; Characters adds ``st`` and
``ln``.  Any other format keeps Whoosh's own encoded value bytes per posting
(``vlen`` + ``vblob``).

No per-term headers and no per-block framing: a term is located by
cumulative sums over ``df`` and ``nocc`` computed once when a field is first
read, and every slice is addressed directly.  The file ends with a JSON
directory of the streams and a fixed footer.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from itertools import accumulate

from index.codec.packing import StreamWriter, stream

_F32 = struct.Struct("<f")


def _float32(x: float) -> float:
    return _F32.unpack(_F32.pack(x))[0]

MAGIC = b"JNSINV01"
_FOOTER = struct.Struct("<QQ8s")

EXISTENCE, FREQUENCY, POSITIONS, CHARACTERS, RAW = "exist", "freq", "pos", "chars", "raw"


def kind_of(format_) -> str:
    """Which of the codec's posting kinds stores a Whoosh format exactly."""
    from whoosh import formats

    cls = type(format_)
    if cls is formats.Existence:
        return EXISTENCE
    if cls is formats.Frequency:
        return FREQUENCY
    if cls is formats.Positions:
        return POSITIONS
    if cls is formats.Characters:
        return CHARACTERS
    return RAW


@dataclass
class FieldData:
    """One field's postings as arrays, ready to be written.

    ``terms`` sorted (bytes order) and unique; the posting arrays grouped by
    term in that order, documents ascending within a term; the occurrence
    arrays grouped by posting, in token order within a posting.
    """

    kind: str
    terms: list
    df: np.ndarray  # per term
    doc: np.ndarray  # per posting
    weight: np.ndarray  # per posting (float64 or float32)
    freq: np.ndarray  # per posting
    minlen: np.ndarray  # per term, length bytes (uint8)
    maxlen: np.ndarray
    pos: np.ndarray | None = None  # per occurrence
    start: np.ndarray | None = None
    end: np.ndarray | None = None
    values: list | None = None  # RAW: per posting, Whoosh value bytes
    nocc: np.ndarray | None = field(default=None)


def encode_field(w: StreamWriter, fd: FieldData) -> dict:
    import numpy as np

    nterms = len(fd.terms)
    meta = {"kind": fd.kind, "nterms": nterms, "npost": int(fd.doc.size)}
    meta["tlen"] = w.uints(np.fromiter((len(t) for t in fd.terms), np.int64, nterms))
    meta["tblob"] = w.raw(b"".join(fd.terms))
    df = np.asarray(fd.df, np.int64)
    meta["df"] = w.uints(df)
    starts = np.zeros(nterms + 1, np.int64)
    np.cumsum(df, out=starts[1:])
    doc = np.asarray(fd.doc, np.int64)
    meta["first"] = w.uints(doc[starts[:-1]]) if nterms else w.uints(np.zeros(0, np.int64))
    # Gaps inside each term: every posting but a term's first.
    inner = np.ones(doc.size, bool)
    inner[starts[:-1]] = False
    gaps = np.diff(doc, prepend=0)[inner]
    meta["dgap"] = w.uints(gaps)
    meta["minl"] = w.uints(np.asarray(fd.minlen, np.int64))
    meta["maxl"] = w.uints(np.asarray(fd.maxlen, np.int64))
    wt32 = np.asarray(fd.weight, np.float64).astype(np.float32)
    if wt32.size == 0 or (np.all(wt32 >= 0) and np.all(wt32 == np.floor(wt32)) and float(wt32.max()) < 2**32):
        meta["wt"] = w.uints(wt32.astype(np.int64))
    else:
        meta["wt"] = w.floats(wt32)
    meta["fq"] = w.uints(np.asarray(fd.freq, np.int64))
    if fd.kind in (POSITIONS, CHARACTERS):
        freq = np.asarray(fd.freq, np.int64)
        nocc = np.add.reduceat(freq, starts[:-1]) if nterms and freq.size else np.zeros(nterms, np.int64)
        # reduceat of an empty term would repeat the next value; terms always have postings.
        meta["nocc"] = w.uints(nocc)
        meta["pos"] = w.uints(np.asarray(fd.pos, np.int64))
        if fd.kind == CHARACTERS:
            st = np.asarray(fd.start, np.int64)
            en = np.asarray(fd.end, np.int64)
            meta["st"] = w.uints(st)
            ln = en - st
            if ln.size and int(ln.min()) < 0:
                meta["en"] = w.uints(en)
            else:
                meta["ln"] = w.uints(ln)
    elif fd.kind == RAW:
        vals = fd.values or []
        meta["vlen"] = w.uints(np.fromiter((len(v) for v in vals), np.int64, len(vals)))
        meta["vblob"] = w.raw(b"".join(vals))
    return meta


class InvertedWriter:
    """Builds a .jix file field by field (each field's arrays can be freed
    once added); fields must come in name order."""

    def __init__(self):
        self._w = StreamWriter()
        self._w.raw(MAGIC)
        self._fields = {}
        self._last = None

    def add_field(self, name: str, fd: FieldData) -> None:
        if self._last is not None and name <= self._last:
            raise ValueError(f"fields out of order: {name!r} after {self._last!r}")
        self._fields[name] = encode_field(self._w, fd)
        self._last = name

    def getvalue(self) -> bytes:
        body = self._w.getvalue()
        pad = b"\0" * ((-len(body)) % 8)
        dir_bytes = json.dumps({"version": 1, "fields": self._fields}, separators=(",", ":")).encode("utf-8")
        return body + pad + dir_bytes + _FOOTER.pack(len(body) + len(pad), len(dir_bytes), MAGIC)


def write_inverted(fields: dict) -> bytes:
    """The bytes of a .jix file for ``{fieldname: FieldData}``."""
    w = InvertedWriter()
    for name in sorted(fields):
        w.add_field(name, fields[name])
    return w.getvalue()


class CorruptIndex(Exception):
    pass


def read_directory(buf) -> dict:
    n = len(buf)
    if n < _FOOTER.size + len(MAGIC):
        raise CorruptIndex("inverted index file too short")
    dir_off, dir_len, magic = _FOOTER.unpack_from(buf, n - _FOOTER.size)
    if magic != MAGIC or bytes(buf[: len(MAGIC)]) != MAGIC or dir_off + dir_len > n - _FOOTER.size:
        raise CorruptIndex("not an inverted index file of this codec (bad magic or directory)")
    return json.loads(bytes(buf[dir_off : dir_off + dir_len]).decode("utf-8"))


class FieldReader:
    """Read access to one field's dictionary and postings in a .jix buffer."""

    def __init__(self, name: str, buf, meta: dict):
        self.name = name
        self.buf = buf
        self.meta = meta
        self.kind = meta["kind"]
        self.nterms = meta["nterms"]
        self.tlen = stream(buf, meta["tlen"])
        self.df = stream(buf, meta["df"])
        self.first = stream(buf, meta["first"])
        self.dgap = stream(buf, meta["dgap"])
        self.minl = stream(buf, meta["minl"])
        self.maxl = stream(buf, meta["maxl"])
        self.wt = stream(buf, meta["wt"])
        self.fq = stream(buf, meta["fq"])
        self.nocc = stream(buf, meta.get("nocc"))
        self.pos = stream(buf, meta.get("pos"))
        self.st = stream(buf, meta.get("st"))
        self.ln = stream(buf, meta.get("ln"))
        self.en = stream(buf, meta.get("en"))
        self.vlen = stream(buf, meta.get("vlen"))
        self._vblob = meta.get("vblob")
        self._blob = None
        self._toff = None
        self._pstart = None
        self._ostart = None
        self._vstart = None
        self._found = {}

    # -- dictionary --------------------------------------------------------

    def _terms(self):
        if self._toff is None:
            tb = self.meta["tblob"]
            self._blob = bytes(self.buf[tb["off"] : tb["off"] + tb["len"]])
            self._toff = list(accumulate(self.tlen.full(), initial=0))
        return self._blob, self._toff

    def term(self, t: int) -> bytes:
        blob, off = self._terms()
        return blob[off[t] : off[t + 1]]

    def find(self, tbytes: bytes) -> int:
        """The index of ``tbytes``, or -1 (remembered: a query looks each of
        its terms up several times, for its statistics and its postings)."""
        cache = self._found
        t = cache.get(tbytes)
        if t is None:
            t = self.lower_bound(tbytes)
            if not (t < self.nterms and self.term(t) == tbytes):
                t = -1
            if len(cache) >= 65536:
                cache.clear()
            cache[bytes(tbytes)] = t
        return t

    def lower_bound(self, tbytes: bytes) -> int:
        """The index of the first term >= ``tbytes``."""
        blob, off = self._terms()
        lo, hi = 0, self.nterms
        while lo < hi:
            mid = (lo + hi) >> 1
            if blob[off[mid] : off[mid + 1]] < tbytes:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def iter_terms(self, start: int = 0):
        blob, off = self._terms()
        for t in range(start, self.nterms):
            yield t, blob[off[t] : off[t + 1]]

    # -- per-term statistics -------------------------------------------------

    def _postings_starts(self):
        if self._pstart is None:
            self._pstart = list(accumulate(self.df.full(), initial=0))
        return self._pstart

    def _occ_starts(self):
        if self._ostart is None:
            self._ostart = list(accumulate(self.nocc.full(), initial=0)) if self.nocc is not None else [0] * (self.nterms + 1)
        return self._ostart

    def doc_frequency(self, t: int) -> int:
        return self.df.get(t)

    def posting_range(self, t: int):
        ps = self._postings_starts()
        return ps[t], ps[t + 1]

    def occ_start(self, t: int) -> int:
        return self._occ_starts()[t]

    def ids(self, t: int) -> list:
        a, b = self.posting_range(t)
        first = self.first.get(t)
        if b - a == 1:
            return [first]
        # gaps of term t are entries a-t .. b-t-1 of dgap (each term's first posting has none)
        return list(accumulate(self.dgap.list(a - t, b - t - 1), initial=first))

    def last_id(self, t: int) -> int:
        """The term's last document number, without decoding its list."""
        a, b = self.posting_range(t)
        first = self.first.get(t)
        if b - a == 1:
            return first
        return first + sum(self.dgap.list(a - t, b - t - 1))

    def weights(self, t: int):
        """Per-posting weights as a list, or a float when all are equal."""
        if self.wt.w == 0 and not self.wt.float:
            return float(self.wt.c)
        a, b = self.posting_range(t)
        return self.wt.list(a, b)

    def freqs(self, t: int):
        """Per-posting frequencies as a list, or an int when all are equal."""
        if self.fq.w == 0:
            return self.fq.c
        a, b = self.posting_range(t)
        return self.fq.list(a, b)

    def total_weight(self, t: int) -> float:
        """Sum of the term's weights, rounded to float32 as W3 stores it."""
        a, b = self.posting_range(t)
        if self.wt.w == 0 and not self.wt.float:
            return _float32(float(self.wt.c * (b - a)))
        return _float32(float(sum(self.wt.list(a, b))))

    def max_weight(self, t: int) -> float:
        a, b = self.posting_range(t)
        if self.wt.w == 0 and not self.wt.float:
            return float(self.wt.c)
        return float(max(self.wt.list(a, b)))

    def min_length_byte(self, t: int) -> int:
        return self.minl.get(t)

    def max_length_byte(self, t: int) -> int:
        return self.maxl.get(t)

    # -- occurrences -----------------------------------------------------------

    def occurrences(self, a: int, b: int):
        """(positions, starts, ends) lists of occurrences a..b (None where the field has none)."""
        pos = self.pos.list(a, b) if self.pos is not None else None
        if self.st is None:
            return pos, None, None
        st = self.st.list(a, b)
        if self.ln is not None:
            ends = [s + l for s, l in zip(st, self.ln.list(a, b))]
        else:
            ends = self.en.list(a, b)
        return pos, st, ends

    def raw_value(self, p: int) -> bytes:
        if self._vstart is None:
            self._vstart = list(accumulate(self.vlen.full(), initial=0))
        off = self._vblob["off"]
        return bytes(self.buf[off + self._vstart[p] : off + self._vstart[p + 1]])

    # -- whole field, vectorised (merging) -------------------------------------

    def arrays(self) -> FieldData:
        """The field decoded back into FieldData (NumPy, no per-posting Python;
        32-bit integers where the values fit, to keep merges small)."""
        import numpy as np

        def ints(st):
            arr = st.array()
            if arr.size and arr.dtype.itemsize >= 4 and int(arr.max()) >= 2**31:
                return arr.astype(np.int64)
            return arr.astype(np.int32)

        n = self.nterms
        blob, off = self._terms()
        terms = [blob[off[t] : off[t + 1]] for t in range(n)]
        df = self.df.array().astype(np.int64)
        starts = np.zeros(n + 1, np.int64)
        np.cumsum(df, out=starts[1:])
        npost = int(starts[-1])
        gaps = np.zeros(npost, np.int64)
        inner = np.ones(npost, bool)
        inner[starts[:-1]] = False
        gaps[inner] = self.dgap.array()
        gaps[starts[:-1]] = self.first.array()
        # cumulative sum restarted at every term's first posting
        csum = np.cumsum(gaps)
        doc = csum - np.repeat(csum[starts[:-1]] - gaps[starts[:-1]], df)
        del gaps, inner, csum
        doc = doc.astype(np.int32) if npost and int(doc.max()) < 2**31 else doc
        wt = self.wt.array().astype(np.float64)
        fd = FieldData(
            kind=self.kind, terms=terms, df=df, doc=doc, weight=wt, freq=ints(self.fq),
            minlen=self.minl.array().astype(np.int64), maxlen=self.maxl.array().astype(np.int64),
        )
        if self.pos is not None:
            fd.pos = ints(self.pos)
            fd.nocc = self.nocc.array().astype(np.int64)
        if self.st is not None:
            fd.start = ints(self.st)
            if self.ln is not None:
                fd.end = (fd.start.astype(np.int64) + self.ln.array()).astype(fd.start.dtype) \
                    if fd.start.dtype == np.int32 and fd.start.size and int(fd.start.max()) + int(self.ln.array().max()) < 2**31 \
                    else fd.start.astype(np.int64) + self.ln.array()
            else:
                fd.end = ints(self.en)
        if self.kind == RAW:
            fd.values = [self.raw_value(p) for p in range(npost)]
        return fd
