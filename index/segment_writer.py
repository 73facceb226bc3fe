"""Writing segments of this project's codec from arrays, in parallel, durably.

Whoosh's SegmentWriter turns every posting into a Python tuple, sorts them
through an external-sort pool, and encodes each posting's positions with
pickle; its final merge does all of that again.  Here:

* :class:`SegmentBuilder` takes documents (the dicts ``to_document`` makes)
  and keeps, per field, flat arrays of term ids, positions, start and end
  characters and boosts.  The text fields' tokens come straight from the
  analysis streams (one Sudachi pass, no Whoosh Token objects); other fields
  go through Whoosh's ``field.index()`` as before.  ``write()`` sorts each
  field once with NumPy (by term, then document, then token order), derives
  postings, weights, frequencies and field lengths with array operations, and
  writes one compound segment file (the codec's .jix plus W3's per-document
  files), fsync'd.
* :func:`build_segment` is what a worker process runs: analyse a share of a
  batch and write its segment.  :class:`CodecBatchWriter` hands each worker
  a contiguous share (balanced by characters, so docnums keep the input
  order) and, in the parent, commits the table of contents that adds the
  new segments and marks replaced documents deleted: the segment files and
  the folder are fsync'd before the TOC is written, the TOC is written to a
  temporary name, fsync'd, renamed into place and the folder fsync'd again,
  so a commit is either all there after a crash or not at all.
* :func:`merge_segments` merges segments of this codec by decoding their
  streams into arrays and re-packing them (NumPy; no Python per posting),
  dropping deleted documents; per-document data is copied document by
  document.

Search results are the same as with Whoosh's writer: same terms, postings,
weights, positions, offsets, field lengths and stored values
(tests/test_codec.py checks postings one by one against a W3 index).
"""

from __future__ import annotations

import os
import pickle
import struct
import time
from array import array
from dataclasses import dataclass, field

import numpy as np
from whoosh.fields import UnknownFieldError
from whoosh.filedb.filestore import RamStorage
from whoosh.util.numeric import length_to_byte

from index.codec.codec import JnsCodec, JnsSegment
from index.codec.invindex import CHARACTERS, POSITIONS, RAW, FieldData, InvertedWriter, kind_of
from index.workers import run_in_workers

def _length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's length_to_byte, vectorised (it is a bisection in a sorted table)."""
    from whoosh.util.numeric import _length_byte_cache

    lengths = np.asarray(lengths, np.int64)
    table = np.asarray(_length_byte_cache, np.int64)
    out = np.searchsorted(table, lengths, side="left")
    return np.where(lengths >= 106374, 255, out).astype(np.uint8)


class _MemStorage(RamStorage):
    """In-memory storage whose temporary storage is in memory too (W3's
    per-document writer buffers its columns in a temporary storage)."""

    def temp_storage(self, name=None):
        return _MemStorage()


class _Vocab(dict):
    """term -> id, new terms numbered in order of first sight."""

    def __missing__(self, key):
        n = self[key] = len(self)
        return n


def _stream_tokenizer(analyzer):
    """The project's analysis-stream tokenizer behind ``analyzer``, or None.

    Its tokens are read straight from ``stream()`` over the cached analysis
    (index.analysis), exactly as its ``__call__`` would produce them.
    """
    try:
        from index import analysis
    except ImportError:  # pragma: no cover
        return None
    base = getattr(analysis, "_StreamTokenizer", None)
    if base is not None and isinstance(analyzer, base) and hasattr(analysis, "part_streams"):
        return analyzer
    return None


class _FieldAcc:
    """One field's tokens in a segment being built."""

    __slots__ = ("kind", "fb", "scorable", "vocab", "tid", "pos", "st", "en", "bst",
                 "part_n", "part_pos", "part_chr", "doc_doc", "doc_n", "doc_fbst", "tokenizer")

    def __init__(self, fieldobj):
        self.kind = kind_of(fieldobj.format)
        if self.kind == RAW:
            raise NotImplementedError(
                f"format {type(fieldobj.format).__name__} is not supported by the array segment writer; "
                "write with whoosh.writing.SegmentWriter(ix, codec=JnsCodec())")
        self.fb = fieldobj.format.field_boost
        self.scorable = fieldobj.scorable
        self.vocab = _Vocab()
        self.tid = array("i")
        self.pos = array("i")
        self.st = array("i")
        self.en = array("i")
        self.bst = array("d")
        # runs of tokens sharing a position base and character offset (a part of a combined text)
        self.part_n = array("q")
        self.part_pos = array("q")
        self.part_chr = array("q")
        # runs of tokens of one document
        self.doc_doc = array("q")
        self.doc_n = array("q")
        self.doc_fbst = array("d")
        analyzer = getattr(fieldobj, "analyzer", None)
        self.tokenizer = _stream_tokenizer(analyzer) if self.kind in (POSITIONS, CHARACTERS) else None

    def mark(self):
        return tuple(len(a) for a in (self.tid, self.part_n, self.doc_doc))

    def rollback(self, mark):
        ntok, npart, ndoc = mark
        for a in (self.tid, self.pos, self.st, self.en, self.bst):
            del a[ntok:]
        for a in (self.part_n, self.part_pos, self.part_chr):
            del a[npart:]
        for a in (self.doc_doc, self.doc_n, self.doc_fbst):
            del a[ndoc:]

    def add(self, fieldobj, value, docnum, fieldboost) -> int:
        """Index ``value`` for ``docnum``; returns the number of tokens (Whoosh's field length)."""
        n0 = len(self.tid)
        if self.tokenizer is not None and isinstance(value, str):
            self._add_stream(value)
            mult = fieldboost  # weight = (sum of boosts * format boost) * field boost
        else:
            self._add_items(fieldobj, value, fieldboost)
            mult = None  # weights are final
        n = len(self.tid) - n0
        if n:
            self.doc_doc.append(docnum)
            self.doc_n.append(n)
            self.doc_fbst.append(-1.0 if mult is None else mult)
        return n

    def _add_stream(self, value):
        from index import analysis

        if not value:
            return
        vocab_get = self.vocab.__getitem__
        for part, items, pos_base in analysis.part_streams(value, self.tokenizer.stream):
            if items:
                terms, poss, starts, ends = zip(*items)
                k = len(terms)
                self.tid.extend(map(vocab_get, terms))
                self.pos.extend(poss)
                self.st.extend(starts)
                self.en.extend(ends)
                self.bst.extend([part.boost] * k)
                self.part_n.append(k)
                self.part_pos.append(pos_base)
                self.part_chr.append(part.offset)

    def _add_items(self, fieldobj, value, fieldboost):
        # Whoosh's own path: (term bytes, freq, weight, encoded value) per unique term.
        vocab = self.vocab
        kind = self.kind
        fmt = fieldobj.format
        k0 = len(self.tid)
        for tbytes, freq, weight, vbytes in fieldobj.index(value):
            weight *= fieldboost
            tid = vocab[bytes(tbytes)]
            if kind == CHARACTERS:
                occ = fmt.decode_characters(vbytes)
                freq = len(occ)
                for p, s, e in occ:
                    self.pos.append(p)
                    self.st.append(s)
                    self.en.append(e)
            elif kind == POSITIONS:
                occ = fmt.decode_positions(vbytes)
                freq = len(occ)
                self.pos.extend(occ)
                self.st.extend([0] * freq)
                self.en.extend([0] * freq)
            else:
                zeros = [0] * freq
                self.pos.extend(zeros)
                self.st.extend(zeros)
                self.en.extend(zeros)
            if freq <= 0:
                continue
            self.tid.extend([tid] * freq)
            # The posting's weight rides on its first token: sums stay exact.
            self.bst.append(weight)
            self.bst.extend([0.0] * (freq - 1))
        k = len(self.tid) - k0
        if k:
            self.part_n.append(k)
            self.part_pos.append(0)
            self.part_chr.append(0)

    # -- the field's arrays --------------------------------------------------

    def field_data(self) -> FieldData | None:
        ntok = len(self.tid)
        if ntok == 0:
            return None
        doc_ids = np.frombuffer(self.doc_doc, np.int64)
        doc_lengths = np.zeros(int(doc_ids.max()) + 1, np.int64)
        doc_lengths[doc_ids] = np.frombuffer(self.doc_n, np.int64)  # tokens per document: Whoosh's length
        keys = list(self.vocab)
        raw_tid = np.frombuffer(self.tid, np.int32)
        # only the terms some token still uses (a rolled-back document's new terms have none)
        present = np.zeros(len(keys), bool)
        present[raw_tid] = True
        bkeys = [k.encode("utf-8") if isinstance(k, str) else k for k in keys]
        terms = sorted({bkeys[i] for i in np.flatnonzero(present).tolist()})
        rank_of = {t: i for i, t in enumerate(terms)}
        idmap = np.fromiter((rank_of.get(b, -1) for b in bkeys), np.int32, len(bkeys))
        tid = idmap[raw_tid]
        doc = np.repeat(np.frombuffer(self.doc_doc, np.int64), np.frombuffer(self.doc_n, np.int64))
        part_n = np.frombuffer(self.part_n, np.int64)
        pos = np.frombuffer(self.pos, np.int32).astype(np.int64) + np.repeat(np.frombuffer(self.part_pos, np.int64), part_n)
        chr_off = np.repeat(np.frombuffer(self.part_chr, np.int64), part_n)
        st = np.frombuffer(self.st, np.int32).astype(np.int64) + chr_off
        en = np.frombuffer(self.en, np.int32).astype(np.int64) + chr_off
        bst = np.frombuffer(self.bst, np.float64)

        order = np.argsort(tid, kind="stable")
        tid_s, doc_s = tid[order], doc[order]
        new_post = np.empty(ntok, bool)
        new_post[0] = True
        np.not_equal(tid_s[1:], tid_s[:-1], out=new_post[1:])
        new_post[1:] |= doc_s[1:] != doc_s[:-1]
        pstart = np.flatnonzero(new_post)
        freq = np.diff(pstart, append=ntok)
        pdoc = doc_s[pstart]
        ptid = tid_s[pstart]
        weight = np.add.reduceat(bst[order], pstart)
        # Stream tokens: weight = (sum of boosts * format boost) * field boost, as
        # Whoosh computes it; Whoosh items (-1) carry their final weight already.
        doc_ids = np.frombuffer(self.doc_doc, np.int64)
        mult_by_doc = np.full(int(doc_ids.max()) + 1, -1.0)
        mult_by_doc[doc_ids] = np.frombuffer(self.doc_fbst, np.float64)
        m = mult_by_doc[pdoc]
        stream_post = m >= 0
        if stream_post.any():
            weight = np.where(stream_post, (weight * self.fb) * np.where(stream_post, m, 1.0), weight)
        new_term = np.empty(pstart.size, bool)
        new_term[0] = True
        np.not_equal(ptid[1:], ptid[:-1], out=new_term[1:])
        tstart = np.flatnonzero(new_term)
        df = np.diff(tstart, append=pstart.size)
        if self.scorable:
            lb = _length_bytes(doc_lengths)[pdoc]
            minl = np.minimum.reduceat(lb, tstart)
            maxl = np.maximum.reduceat(lb, tstart)
        else:
            minl = maxl = np.zeros(tstart.size, np.int64)
        fd = FieldData(kind=self.kind, terms=terms, df=df, doc=pdoc, weight=weight, freq=freq, minlen=minl, maxlen=maxl)
        if self.kind in (POSITIONS, CHARACTERS):
            fd.pos = pos[order]
        if self.kind == CHARACTERS:
            fd.start = st[order]
            fd.end = en[order]
        return fd


class SegmentBuilder:
    """Documents in, one segment of this codec out (see the module docstring)."""

    def __init__(self, schema, indexname="MAIN", codec=None):
        self.schema = schema
        self.codec = codec or JnsCodec()
        self.indexname = indexname
        self.segment = self.codec.new_segment(None, indexname)
        self._ram = _MemStorage()
        self.perdoc = self.codec.per_document_writer(self._ram, self.segment)
        self.docnum = 0
        self._acc = {}

    def _acc_for(self, fieldname, fieldobj):
        acc = self._acc.get(fieldname)
        if acc is None:
            acc = self._acc[fieldname] = _FieldAcc(fieldobj)
        return acc

    def add_document(self, **fields):
        """Add one document, with SegmentWriter.add_document's semantics.

        The indexed fields are analysed first; the per-document data (stored
        values, lengths, columns) is written only once all of them worked,
        so a document whose analysis raises leaves nothing behind.
        """
        schema = self.schema
        docnum = self.docnum
        docboost = float(fields["_boost"]) if "_boost" in fields else 1.0
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        for name in fieldnames:
            if name not in schema:
                raise UnknownFieldError(f"No field named {name!r} in {schema}")
            if schema[name].separate_spelling():
                raise NotImplementedError("separate spelling fields are not supported by the array writer")
        marks = {name: acc.mark() for name, acc in self._acc.items()}
        lengths = {}
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                fieldobj = schema[fieldname]
                if value is None or not fieldobj.indexed:
                    continue
                boostkw = f"_{fieldname}_boost"
                fieldboost = float(fields[boostkw]) if boostkw in fields else docboost
                n = self._acc_for(fieldname, fieldobj).add(fieldobj, value, docnum, fieldboost)
                lengths[fieldname] = n if fieldobj.scorable else 0
        except Exception:
            for name, acc in list(self._acc.items()):
                if name in marks:
                    acc.rollback(marks[name])
                else:
                    del self._acc[name]
            raise
        perdoc = self.perdoc
        perdoc.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            fieldobj = schema[fieldname]
            if fieldobj.vector:
                vitems = fieldobj.vector.word_values(value, fieldobj.analyzer, mode="index")
                vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                perdoc.add_vector_items(fieldname, fieldobj, vitems)
            customval = fields.get(f"_stored_{fieldname}", value)
            perdoc.add_field(fieldname, fieldobj, customval if fieldobj.stored else None, lengths.get(fieldname, 0))
            column = fieldobj.column_type
            if column and customval is not None:
                perdoc.add_column_value(fieldname, column, fieldobj.to_column_value(customval))
        perdoc.finish_doc()
        self.docnum += 1

    def doc_count(self) -> int:
        return self.docnum

    def inverted_bytes(self) -> bytes:
        w = InvertedWriter()
        for name in sorted(self._acc):
            fd = self._acc.pop(name).field_data()  # the field's token arrays go once encoded
            if fd is not None:
                w.add_field(name, fd)
        return w.getvalue()

    def write(self, storage, durable: bool = True) -> JnsSegment:
        """Write the segment's compound file into ``storage`` (a FileStorage)
        and return the segment, ready to be listed in a TOC."""
        inv = self.inverted_bytes()
        self._acc = {}
        self.perdoc.close()
        segment = self.segment
        segment.set_doc_count(self.docnum)
        parts = [(segment.make_filename(JnsCodec.INV_EXT), inv)]
        parts += sorted(self._ram.files.items())
        self._ram.files = {}
        write_compound(storage, segment.make_filename(segment.COMPOUND_EXT), parts, durable=durable)
        segment.compound = True
        return segment


# ---------------------------------------------------------------------------
# Files: compound segment, fsync, durable TOC


def fsync_dir(folder) -> None:
    fd = os.open(str(folder), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_compound(storage, name: str, parts, durable: bool = True) -> None:
    """A compound segment file (Whoosh's CompoundStorage format: a header
    pointing at a pickled directory of the parts) holding ``parts``, each
    8-byte aligned so arrays read from the mmap are aligned; fsync'd."""
    header = struct.Struct("!qi")
    chunks = [b"\0" * header.size]
    size = header.size
    directory = {}
    now = time.time()
    for part_name, data in parts:
        pad = (-size) % 8
        if pad:
            chunks.append(b"\0" * pad)
            size += pad
        directory[part_name] = {"offset": size, "length": len(data), "modified": now}
        chunks.append(data)
        size += len(data)
    dirpos = size
    dir_bytes = pickle.dumps(directory, -1) + pickle.dumps({}, -1)
    chunks.append(dir_bytes)
    chunks[0] = header.pack(dirpos, len(dir_bytes))
    path = os.path.join(storage.folder, name)
    with open(path, "wb") as f:
        for c in chunks:
            f.write(c)
        f.flush()
        if durable:
            os.fsync(f.fileno())


def commit_toc(ix, segments, durable: bool = True) -> int:
    """Write the next generation's table of contents listing ``segments``,
    durably: fsync the folder (the new segment files' entries), write the
    TOC under a temporary name, fsync it, rename it into place, fsync the
    folder.  Returns the new generation.  The caller holds the write lock."""
    from whoosh.index import TOC, _CURRENT_TOC_VERSION, clean_files
    from whoosh import __version__
    from whoosh.system import _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE

    storage = ix.storage
    folder = storage.folder
    info = ix._read_toc()
    generation = info.generation + 1
    schema = info.schema
    schema.clean()
    if durable:
        fsync_dir(folder)
    final = TOC._filename(ix.indexname, generation)
    temp = f"{final}.{time.time()}"
    stream = storage.create_file(temp)
    stream.write_varint(_INT_SIZE)
    stream.write_varint(_LONG_SIZE)
    stream.write_varint(_FLOAT_SIZE)
    stream.write_int(-12345)
    stream.write_int(_CURRENT_TOC_VERSION)
    for num in __version__[:3]:
        stream.write_varint(num)
    stream.write_string(pickle.dumps(schema, 2))
    stream.write_int(generation)
    stream.write_int(0)
    stream.write_pickle(list(segments))
    stream.flush()
    if durable:
        os.fsync(stream.fileno())
    stream.close()
    os.replace(os.path.join(folder, temp), os.path.join(folder, final))
    if durable:
        fsync_dir(folder)
    clean_files(storage, ix.indexname, generation, list(segments))
    return generation


# ---------------------------------------------------------------------------
# One worker's share of a batch


@dataclass
class ShareResult:
    segment: object | None
    docs: int
    failures: list = field(default_factory=list)  # (article id, source, message)
    seconds: float = 0.0
    analysis_seconds: float = 0.0


def build_segment(index_dir, indexname, schema, articles, dictionary=None, durable=True,
                  indexed=None) -> ShareResult:
    """Analyse ``articles`` and write them as one segment (no commit);
    ``indexed``: the batch's stamp (index.stamps)."""
    from whoosh.filedb.filestore import FileStorage

    from index.analysis import using_dictionary
    from index.schema import to_document

    started = time.perf_counter()
    builder = SegmentBuilder(schema, indexname)
    failures = []
    analysis_s = 0.0
    with using_dictionary(dictionary):
        for article in articles:
            t = time.perf_counter()
            source = article.get("source") or article.get("id")
            try:
                doc = to_document(article, indexed=indexed)
            except Exception as exc:  # one bad article must not stop the batch
                failures.append((article.get("id"), source, f"cannot analyse article: {exc}"))
                continue
            analysis_s += time.perf_counter() - t
            try:
                builder.add_document(**doc)
            except Exception as exc:
                failures.append((article.get("id"), source, f"cannot index article: {exc}"))
    segment = None
    if builder.doc_count():
        segment = builder.write(FileStorage(str(index_dir)), durable=durable)
    return ShareResult(segment, builder.doc_count(), failures, time.perf_counter() - started, analysis_s)


def split_shares(articles, n: int) -> list:
    """``n`` contiguous shares with about the same number of characters."""
    if n <= 1 or len(articles) <= 1:
        return [list(articles)]
    sizes = np.array([len(a.get("title") or "") + len(a.get("body") or "") + 200 for a in articles], np.float64)
    cum = np.cumsum(sizes)
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, n) / n)
    bounds = [0, *sorted(set(int(c) + 1 for c in cuts)), len(articles)]
    shares = [articles[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    return shares


# ---------------------------------------------------------------------------
# Batches: parallel segments, one durable commit


def delete_ids(ix, segments, ids) -> int:
    """Mark the live documents whose ``id`` is in ``ids`` deleted in
    ``segments`` (the segment objects the next TOC will list)."""
    from whoosh.reading import SegmentReader, TermNotFound

    wanted = [i for i in ids]
    if not wanted:
        return 0
    deleted = 0
    for segment in segments:
        reader = SegmentReader(ix.storage, ix.schema, segment)
        try:
            for article_id in wanted:
                try:
                    m = reader.postings("id", article_id)
                except TermNotFound:
                    continue
                for docnum in m.all_ids():
                    if not segment.is_deleted(docnum):
                        segment.delete_document(docnum)
                        deleted += 1
        finally:
            reader.close()
    return deleted


class CodecBatchWriter:
    """Writes batches of articles into ``ix`` as new segments of this codec.

    ``procs`` worker processes (fork) each analyse a contiguous share of a
    batch and write its segment; the parent commits one TOC per batch.
    Use as a context manager, or call close().
    """

    def __init__(self, ix, procs: int = 2, durable: bool = True, dictionary=None, timeout: float = 60.0,
                 merge_policy=None, min_parallel: int | None = None):
        from index.analysis import active_dictionary

        self.ix = ix
        self.procs = max(1, procs)
        # batches smaller than this are written in this process (starting workers costs more)
        self.min_parallel = max(2 * self.procs, min_parallel or 0)
        self.durable = durable
        self.dictionary = dictionary if dictionary is not None else active_dictionary()
        self.timeout = timeout
        self.merge_policy = merge_policy
        self._last_stamp = None  # the stamp of the last batch this writer wrote
        self.stats = {"analysis_seconds": 0.0, "share_seconds": [], "commit_seconds": 0.0, "merge_seconds": 0.0,
                      "segments_written": 0}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Nothing to release: the worker processes of a batch end with it."""

    def _next_stamp(self) -> int:
        """One ``indexed`` stamp per batch, later than every committed one
        (read once: this writer holds the index until it is done)."""
        from index import stamps

        if self._last_stamp is None:
            with self.ix.reader() as reader:
                stamp = stamps.batch_stamp(reader)
        else:
            stamp = max(stamps.now_stamp(), self._last_stamp + 1)
        self._last_stamp = stamp
        return stamp

    def write_batch(self, articles, replace_ids=(), on_failure=None) -> dict:
        """Index ``articles`` as new segments and commit them durably.

        Documents whose id is in ``replace_ids`` are deleted from the
        committed segments in the same commit, except those whose new
        version failed (an article that cannot be analysed again keeps its
        old version).  ``on_failure(source, message)`` hears of each article
        that could not be analysed.  Returns {"docs", "failed_ids",
        "failures", "segments", "deleted"}.
        """
        articles = list(articles)
        results = []
        if articles:
            stamp = self._next_stamp()

            def build(share):
                return build_segment(self.ix.storage.folder, self.ix.indexname, self.ix.schema, share,
                                     self.dictionary, self.durable, indexed=stamp)

            if self.procs > 1 and len(articles) >= self.min_parallel:
                # One forked process per share (index.workers): each dies
                # with this one, and one that dies fails the batch, so
                # nothing of it is committed.
                from index.analysis import load_tokenizer, using_dictionary

                with using_dictionary(self.dictionary):
                    load_tokenizer()  # before the fork: the workers inherit it
                results = run_in_workers(split_shares(articles, self.procs), build)
            else:
                results = [build(articles)]
        failures = [f for r in results for f in r.failures]
        failed_ids = {f[0] for f in failures}
        if on_failure:
            for _id, source, message in failures:
                on_failure(source, message)
        new_segments = [r.segment for r in results if r.segment is not None]
        t = time.perf_counter()
        deleted = self.commit(new_segments, [i for i in replace_ids if i not in failed_ids])
        self.stats["commit_seconds"] += time.perf_counter() - t
        self.stats["analysis_seconds"] += sum(r.analysis_seconds for r in results)
        self.stats["share_seconds"].append([round(r.seconds, 2) for r in results])
        self.stats["segments_written"] += len(new_segments)
        return {"docs": sum(r.docs for r in results), "failed_ids": failed_ids, "failures": failures,
                "segments": len(new_segments), "deleted": deleted}

    def optimize(self):
        """Merge every segment into one (committed durably); the merge is
        this codec's (arrays re-packed, stored fields copied as they are).
        """
        from whoosh.util.filelock import try_for
        from whoosh.writing import LockError

        lock = self.ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=self.timeout, delay=0.05):
            raise LockError("index is locked by another writer")
        try:
            segments = list(self.ix._read_toc().segments)
            if sum(s.doc_count() for s in segments) == 0:
                if segments:
                    commit_toc(self.ix, [], durable=self.durable)
            elif len(segments) > 1 or any(s.has_deletions() for s in segments):
                commit_toc(self.ix, [merge_segments(self.ix, segments, durable=self.durable)], durable=self.durable)
        finally:
            lock.release()

    def commit(self, new_segments, replace_ids=()):
        from whoosh.util.filelock import try_for
        from whoosh.writing import LockError

        lock = self.ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=self.timeout, delay=0.05):
            raise LockError("index is locked by another writer")
        try:
            segments = list(self.ix._read_toc().segments)
            deleted = delete_ids(self.ix, segments, replace_ids) if replace_ids else 0
            segments = segments + list(new_segments)
            if self.merge_policy is not None:
                t = time.perf_counter()
                segments = self.merge_policy(self.ix, segments, durable=self.durable)
                self.stats["merge_seconds"] += time.perf_counter() - t
            commit_toc(self.ix, segments, durable=self.durable)
        finally:
            lock.release()
        return deleted


# ---------------------------------------------------------------------------
# Merging


def _segment_field_names(ix, segment):
    from whoosh.reading import SegmentReader

    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        return [n for n in reader.indexed_field_names() if n in ix.schema]
    finally:
        reader.close()


def _segment_field(ix, segment, fieldname):
    """One field of one segment as FieldData (None if it has none): decoded
    with NumPy for this codec, read posting by posting through Whoosh for
    any other (W3 segments)."""
    from whoosh.reading import SegmentReader

    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        terms = reader._terms
        if hasattr(terms, "field_reader"):
            fr = terms.field_reader(fieldname)
            return fr.arrays() if fr is not None else None
        from index.codec.codec import JnsFieldWriter

        fw = JnsFieldWriter(None, None)
        items = ((fn, t, d, w, v) for fn, t, d, w, v in reader.iter_postings() if fn == fieldname)
        fw.add_postings(ix.schema, reader, items)
        return fw._fields.get(fieldname)
    finally:
        reader.close()


def _concat_fields(per_segment, docmaps, offsets, length_bytes=None):
    """Merge per-segment FieldData of one field into one, renumbering documents."""
    kinds = {fd.kind for fd in per_segment if fd is not None}
    if not kinds:
        return None
    kind = kinds.pop()
    all_terms = sorted(set().union(*[set(fd.terms) for fd in per_segment if fd is not None]))
    rank_of = {t: i for i, t in enumerate(all_terms)}
    P_tid, P_doc, P_wt, P_fq = [], [], [], []
    O_pos, O_st, O_en = [], [], []
    for fd, docmap, off in zip(per_segment, docmaps, offsets):
        if fd is None:
            continue
        ranks = np.fromiter((rank_of[t] for t in fd.terms), np.int64, len(fd.terms))
        ptid = np.repeat(ranks, fd.df)
        newdoc = docmap[fd.doc]
        keep = newdoc >= 0
        P_tid.append(ptid[keep])
        P_doc.append(newdoc[keep] + off)
        P_wt.append(fd.weight[keep])
        P_fq.append(fd.freq[keep])
        if fd.pos is not None:
            okeep = np.repeat(keep, fd.freq)
            O_pos.append(fd.pos[okeep])
            if fd.start is not None:
                O_st.append(fd.start[okeep])
                O_en.append(fd.end[okeep])
    if not P_tid:
        return None
    tid = np.concatenate(P_tid)
    if tid.size == 0:
        return None
    order = np.argsort(tid, kind="stable")  # segments in docnum order: documents stay ascending
    tid_s = tid[order]
    doc = np.concatenate(P_doc)[order]
    wt = np.concatenate(P_wt)[order]
    fq = np.concatenate(P_fq)[order]
    new_term = np.empty(tid_s.size, bool)
    new_term[0] = True
    np.not_equal(tid_s[1:], tid_s[:-1], out=new_term[1:])
    tstart = np.flatnonzero(new_term)
    used = tid_s[tstart]
    df = np.diff(tstart, append=tid_s.size)
    # term length bounds from the merged documents' length bytes (zero for unscored fields)
    if length_bytes is not None:
        lb = length_bytes[doc]
        minl, maxl = np.minimum.reduceat(lb, tstart), np.maximum.reduceat(lb, tstart)
    else:
        minl = maxl = np.zeros(tstart.size, np.int64)
    fdm = FieldData(kind=kind, terms=[all_terms[i] for i in used.tolist()], df=df, doc=doc, weight=wt, freq=fq,
                    minlen=minl, maxlen=maxl)
    if O_pos:
        pos = np.concatenate(O_pos)
        fq_orig = np.concatenate(P_fq)
        ostart = np.zeros(fq_orig.size + 1, np.int64)
        np.cumsum(fq_orig, out=ostart[1:])
        # gather each posting's occurrences in the new posting order
        lens = fq_orig[order]
        starts = ostart[:-1][order]
        idx = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens) + np.arange(int(lens.sum()))
        fdm.pos = pos[idx]
        if O_st:
            fdm.start = np.concatenate(O_st)[idx]
            fdm.end = np.concatenate(O_en)[idx]
    return fdm


def _raw_stored_column(reader, doccount):
    """The stored-fields column of a W3-style per-document reader, read as
    raw (compressed, pickled) bytes, or None."""
    from whoosh import columns
    from whoosh.codec.whoosh3 import W3PerDocReader

    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader) or not perdoc.has_column("_stored"):
        return None
    colfile, offset, length = perdoc._get_column_file("_stored")
    perdoc._colfiles.setdefault("_stored_raw", (colfile, offset, length))  # closed with the reader
    return columns.VarBytesColumn().reader(colfile, offset, length, doccount)


def _VarBytesWriterAdd(writer, docnum, value):
    from whoosh import columns

    columns.VarBytesColumn.Writer.add(writer, docnum, value)


def merge_segments(ix, segments, durable: bool = True):
    """One new segment (not yet committed) with the live documents of
    ``segments``, in their order."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader

    schema = ix.schema
    codec = JnsCodec()
    new = codec.new_segment(ix.storage, ix.indexname)
    ram = _MemStorage()
    pdw = codec.per_document_writer(ram, new)
    docmaps, offsets = [], []
    docnum = 0
    total_docs = sum(s.doc_count_all() for s in segments)
    scorable = set(schema.scorable_names())
    lengths = {name: np.zeros(total_docs, np.int64) for name in scorable}
    exact_totals = []
    for segment in segments:
        n = segment.doc_count_all()
        docmap = np.full(n, -1, np.int64)
        reader = SegmentReader(ix.storage, schema, segment)
        try:
            fieldnames = set(schema.names())
            cols = {}
            for fieldname in fieldnames:
                fieldobj = schema[fieldname]
                if fieldobj.column_type and reader.has_column(fieldname):
                    cr = reader.column_reader(fieldname, fieldobj.column_type)
                    from whoosh import columns

                    if isinstance(cr, columns.TranslatingColumnReader):
                        cr = cr.raw_column()
                    cols[fieldname] = cr
            local = 0
            if segment.has_deletions():
                live_totals = {}
                exact_totals.append(live_totals)
            else:
                live_totals = None
                exact_totals.append(dict(getattr(segment, "_fieldlengths", {}) or {}))
            raw_stored = _raw_stored_column(reader, n)
            # fields with a length column in this segment (Whoosh asks the file
            # system about every other field on every call)
            length_fields = [f for f in sorted(scorable) if reader._perdoc.has_column(f"_{f}_len")] \
                if hasattr(reader._perdoc, "has_column") else sorted(scorable)
            stored_writer = pdw._colwriters["_stored"]._child if raw_stored is not None else None
            for d in reader.all_doc_ids():
                docmap[d] = local
                pdw.start_doc(docnum)
                if raw_stored is None:
                    stored = reader.stored_fields(d)
                    names = fieldnames | set(f for f in stored if f in schema)
                else:
                    # only what add_field records: lengths (scored fields); stored values are copied raw
                    stored, names = {}, length_fields
                for fieldname in names:
                    fieldobj = schema[fieldname]
                    length = reader.doc_field_length(d, fieldname) if fieldname in length_fields else 0
                    pdw.add_field(fieldname, fieldobj, stored.get(fieldname), length)
                    if length and fieldname in lengths:
                        lengths[fieldname][docnum] = length_to_byte(length)
                        if live_totals is not None:
                            live_totals[fieldname] = live_totals.get(fieldname, 0) + length
                for fieldname, cr in cols.items():
                    pdw.add_column_value(fieldname, schema[fieldname].column_type, cr[d])
                pdw.finish_doc()
                if raw_stored is not None:
                    # the stored fields' bytes as they are (pickled and compressed once, when written)
                    v = raw_stored[d]
                    if v:
                        _VarBytesWriterAdd(stored_writer, docnum, v)
                docnum += 1
                local += 1
        finally:
            reader.close()
        offsets.append(docnum - local)
        docmaps.append(docmap)
    # the inverted index, one field at a time (each segment's field decoded, merged, encoded, freed)
    names = set()
    for segment in segments:
        names.update(_segment_field_names(ix, segment))
    inv_writer = InvertedWriter()
    for name in sorted(names):
        seq = [_segment_field(ix, segment, name) for segment in segments]
        fd = _concat_fields(seq, docmaps, offsets, lengths[name][:docnum] if name in lengths else None)
        if fd is not None:
            inv_writer.add_field(name, fd)
        del seq, fd
    inv = inv_writer.getvalue()
    pdw.close()
    # Field length totals: a segment without deletions passes its exact totals
    # on (Whoosh's merge sums the per-document lengths, which are stored
    # rounded to a byte); one with deletions sums its live documents' lengths.
    totals = {}
    for segment, exact in zip(segments, exact_totals):
        for name, n in exact.items():
            totals[name] = totals.get(name, 0) + n
    new._fieldlengths = totals
    new.set_doc_count(docnum)
    parts = [(new.make_filename(JnsCodec.INV_EXT), inv)] + sorted(ram.files.items())
    write_compound(FileStorage(ix.storage.folder), new.make_filename(new.COMPOUND_EXT), parts, durable=durable)
    new.compound = True
    return new


def tiered_merge_policy(max_segments: int = 8, factor: int = 4):
    """A merge policy for CodecBatchWriter: whenever more than ``max_segments``
    segments exist, merge the smallest ones (at least ``factor``, all within
    ``factor`` times the smallest's size) into one.  Keeps the segment count
    bounded with each document merged O(log n) times."""

    def policy(ix, segments, durable=True):
        segments = list(segments)
        while len(segments) > max_segments:
            by_size = sorted(range(len(segments)), key=lambda i: segments[i].doc_count())
            smallest = segments[by_size[0]].doc_count() or 1
            pick = [i for i in by_size if segments[i].doc_count() <= smallest * factor]
            if len(pick) < 2:
                pick = by_size[:2]
            pick = pick[: max(factor, 2)]
            if len(pick) < 2:
                break
            pick.sort()  # keep document order
            chosen = [segments[i] for i in pick]
            merged = merge_segments(ix, chosen, durable=durable)
            first = pick[0]
            segments = [s for i, s in enumerate(segments) if i not in pick]
            if merged.doc_count_all():
                segments.insert(first, merged)
        return segments

    return policy


# ---------------------------------------------------------------------------
# A standalone indexing run (bench, profiling)
