"""This project's Whoosh codec: ``JnsCodec``.

A segment written by this codec has Whoosh's per-document files unchanged
(stored fields, field lengths and sortable columns, through W3's per-document
writer and reader: they are not where the cost was) and its own inverted
index file, ``<segment>.jix`` (index.codec.invindex): the term dictionary and
the postings, positions and character offsets as packed integer streams
instead of W3's pickled, zlib-compressed blocks and hash-file term table.

Segments carry their codec (Whoosh pickles it into the table of contents),
so an index may hold W3 segments and segments of this codec side by side,
and every reader, searcher and merge picks the right one per segment.

Two ways to write a segment:

* index.segment_writer builds it from arrays (the fast path: one NumPy sort
  per field, no Python object per posting);
* Whoosh's own ``SegmentWriter(ix, codec=JnsCodec())`` works too, through
  :class:`JnsFieldWriter` below (Whoosh's pool and per-posting calls, so no
  faster than W3 — it is there so deletions, Whoosh merges and any other
  Whoosh writer produce segments of this codec).
"""

from __future__ import annotations

from whoosh.codec import base
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter, W3Segment
from whoosh.util.numeric import length_to_byte

from index.codec.invindex import CHARACTERS, EXISTENCE, FREQUENCY, POSITIONS, RAW, FieldData, kind_of, write_inverted
from index.codec.reader import JnsTermsReader, open_buffer

CODEC_VERSION = 1


class JnsCodec(base.Codec):
    INV_EXT = ".jix"
    length_stats = True

    def __init__(self):
        self.version = CODEC_VERSION

    # Per-document data: W3's files, as they are.
    def per_document_writer(self, storage, segment):
        return W3PerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return W3PerDocReader(storage, segment)

    def supports_columns(self):
        return True

    @classmethod
    def column_filename(cls, segment, fieldname):
        return W3Codec.column_filename(segment, fieldname)

    # Term vectors (unused by this project's schema) stay W3's.
    def postings_writer(self, dbfile, byteids=False):
        return W3Codec().postings_writer(dbfile, byteids=byteids)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        return W3Codec().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)

    # The inverted index: this codec's own file.
    def field_writer(self, storage, segment):
        return JnsFieldWriter(storage, segment)

    def terms_reader(self, storage, segment):
        return JnsTermsReader(open_buffer(storage, segment.make_filename(self.INV_EXT)))

    def new_segment(self, storage, indexname):
        return JnsSegment(self, indexname)


class JnsSegment(W3Segment):
    """A segment of this codec (W3's segment bookkeeping: doc count, deletions)."""


class JnsFieldWriter(base.FieldWriter):
    """Whoosh's per-posting field-writer interface, buffered into arrays and
    written as one .jix file on close."""

    def __init__(self, storage, segment):
        self._storage = storage
        self._segment = segment
        self._fields = {}
        self._cur = None
        self.is_closed = False

    def start_field(self, fieldname, fieldobj):
        kind = kind_of(fieldobj.format)
        self._cur = {
            "name": fieldname, "kind": kind, "format": fieldobj.format, "terms": [], "df": [],
            "doc": [], "wt": [], "fq": [], "minl": [], "maxl": [],
            "pos": [], "st": [], "en": [], "vals": [], "lens": None,
        }

    def start_term(self, btext):
        c = self._cur
        c["terms"].append(bytes(btext))
        c["df"].append(0)
        c["lens"] = []

    def add(self, docnum, weight, vbytes, length):
        c = self._cur
        c["df"][-1] += 1
        c["doc"].append(docnum)
        c["wt"].append(weight)
        c["lens"].append(length or 0)
        kind, fmt = c["kind"], c["format"]
        if kind == EXISTENCE:
            c["fq"].append(1)
        elif kind == FREQUENCY:
            c["fq"].append(fmt.decode_frequency(vbytes))
        elif kind == POSITIONS:
            poss = fmt.decode_positions(vbytes)
            c["fq"].append(len(poss))
            c["pos"].extend(poss)
        elif kind == CHARACTERS:
            chars = fmt.decode_characters(vbytes)
            c["fq"].append(len(chars))
            for p, s, e in chars:
                c["pos"].append(p)
                c["st"].append(s)
                c["en"].append(e)
        else:
            c["vals"].append(bytes(vbytes or b""))
            try:
                c["fq"].append(fmt.decode_frequency(vbytes))
            except Exception:
                c["fq"].append(1)

    def finish_term(self):
        c = self._cur
        lens = [x for x in c["lens"] if x]
        c["minl"].append(length_to_byte(min(lens)) if lens else 0)
        c["maxl"].append(length_to_byte(max(c["lens"])) if c["lens"] else 0)

    def finish_field(self):
        import numpy as np

        c = self._cur
        kind = c["kind"]
        fd = FieldData(
            kind=kind, terms=c["terms"], df=np.array(c["df"], np.int64), doc=np.array(c["doc"], np.int64),
            weight=np.array(c["wt"], np.float64), freq=np.array(c["fq"], np.int64),
            minlen=np.array(c["minl"], np.int64), maxlen=np.array(c["maxl"], np.int64),
        )
        if kind in (POSITIONS, CHARACTERS):
            fd.pos = np.array(c["pos"], np.int64)
        if kind == CHARACTERS:
            fd.start = np.array(c["st"], np.int64)
            fd.end = np.array(c["en"], np.int64)
        if kind == RAW:
            fd.values = c["vals"]
        self._fields[c["name"]] = fd
        self._cur = None

    def close(self):
        data = write_inverted(self._fields)
        f = self._segment.create_file(self._storage, JnsCodec.INV_EXT)
        f.write(data)
        f.close()
        self._fields = {}
        self.is_closed = True
