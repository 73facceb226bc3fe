"""Writing articles into the index: batched, atomic commits.

``index_paths`` reads articles with the readers, skips the unchanged ones
(same id, same content hash), and writes the rest in batches of
``batch_size``; each batch is one Whoosh commit, so a crash loses at most the
batch being written and never what was committed before.

Large batches are written by two worker processes (Whoosh's MpWriter with
``multisegment=True``).  Each worker turns the raw article into its index
document itself (``to_document``: one Sudachi pass, entities), so analysis
runs in parallel with the posting work and no text is analysed twice.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import LockError, SegmentWriter

from index import config
from index.readers import ENCODING_NAMES, ReadProblem, read_paths
from index.schema import to_document
from index.storage import (
    IndexLocked,
    create_index,
    index_exists,
    open_index,
    open_reader,
    write_meta,
    writer_lock,
)
from index.userdict import use_index_dictionary

@dataclass
class IndexSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    warnings: int = 0
    seconds: float = 0.0
    problems: list = field(default_factory=list)
    # Files (or archive members) read from something other than plain UTF-8:
    # encoding -> count, so the summary says what was assumed.
    encodings: dict = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float:
        done = self.added + self.updated
        return done / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [str(p) for p in self.problems]
        d["docs_per_second"] = round(self.docs_per_second, 1)
        d["seconds"] = round(self.seconds, 2)
        return d

    def line(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"failed {self.failed}, warnings {self.warnings} "
            f"in {self.seconds:.1f} s ({self.docs_per_second:.1f} docs/s)"
            + "".join(
                f"; {n} file{'s' if n > 1 else ''} decoded as {ENCODING_NAMES.get(enc, enc)}"
                for enc, n in sorted(self.encodings.items())
            )
        )


def _add_article(writer, article, on_failure) -> bool:
    try:
        doc = to_document(article)
    except Exception as exc:  # one bad article must not stop the batch
        on_failure(article.get("source") or article.get("id"), f"cannot analyse article: {exc}")
        return False
    writer.add_document(**doc)
    return True


class _AnalysingTask(SubWriterTask):
    """A worker that receives raw articles and analyses them itself."""

    def _process_file(self, filename, doc_count):
        import pickle

        writer = self.writer
        tempstorage = writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as f:
            for _ in range(doc_count):
                code, article = pickle.load(f)
                _add_article(writer, article, _report_to_stderr)
        tempstorage.delete_file(filename)


def _report_to_stderr(source, message):
    print(f"{source}: {message}", file=sys.stderr)


class _AnalysingMpWriter(MpWriter):
    def _new_task(self):
        task = _AnalysingTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task

    def add_article(self, article):
        # Buffered as-is; the worker calls to_document.
        MpWriter.add_document(self, **article)


def _existing_hashes(ix) -> dict:
    """id -> content hash of every live document, read from the columns."""
    out = {}
    with open_reader(ix) as reader:
        if reader.doc_count_all() == 0:
            return out
        ids = reader.column_reader("id")
        hashes = reader.column_reader("hash")
        for docnum in reader.all_doc_ids():
            out[ids[docnum]] = hashes[docnum]
    return out


def _open_writer(ix, n_docs, procs):
    try:
        if procs > 1 and n_docs >= config.MIN_DOCS_FOR_WORKERS:
            return _AnalysingMpWriter(
                ix, procs=procs, batchsize=50, multisegment=True, timeout=config.LOCK_TIMEOUT_SECONDS
            )
        return SegmentWriter(ix, timeout=config.LOCK_TIMEOUT_SECONDS)
    except LockError as exc:  # only a writer outside this program gets here: ours take writer_lock
        raise IndexLocked(
            f"index at {ix.storage.folder} is locked by another writer "
            f"(waited {config.LOCK_TIMEOUT_SECONDS:.0f} s); try again when it has finished"
        ) from exc


def _write_batch(ix, batch, procs, summary, on_problem):
    def failed(source, message):
        summary.failed += 1
        problem = ReadProblem(str(source), None, message)
        summary.problems.append(problem)
        if on_problem:
            on_problem(problem)

    writer = _open_writer(ix, len(batch), procs)
    try:
        for article, is_update in batch:
            if is_update:
                writer.delete_by_term("id", article["id"])
            if isinstance(writer, _AnalysingMpWriter):
                writer.add_article(article)
                ok = True
            else:
                ok = _add_article(writer, article, failed)
            if ok:
                if is_update:
                    summary.updated += 1
                else:
                    summary.added += 1
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def index_paths(
    paths,
    index=None,
    *,
    rebuild: bool = False,
    format: str | None = None,
    procs: int | None = None,
    batch_size: int | None = None,
    lock_timeout: float | None = None,
    on_problem=None,
    progress: bool = False,
) -> IndexSummary:
    """Index the articles under ``paths`` into the index folder ``index``.

    New articles are added, changed ones (same id, new hash) replaced,
    unchanged ones skipped.  ``rebuild`` starts from an empty index.  Problems
    with the input are reported through ``on_problem`` and counted in the
    summary; everything else is indexed.  While another run holds the index,
    waits up to ``lock_timeout`` seconds (config.LOCK_TIMEOUT_SECONDS), then
    raises IndexLocked.
    """
    index_dir = config.index_dir(index)
    # Articles are analysed with the index's user dictionary (index.userdict),
    # as its other articles were and its queries will be.
    with writer_lock(index_dir, lock_timeout), use_index_dictionary(index_dir):
        return _index_paths_locked(paths, index_dir, rebuild, format, procs, batch_size, on_problem, progress)


def _index_paths_locked(paths, index_dir, rebuild, format, procs, batch_size, on_problem, progress) -> IndexSummary:
    started = time.perf_counter()
    procs = config.DEFAULT_PROCS if procs is None else max(1, procs)
    batch_size = batch_size or config.DEFAULT_BATCH_SIZE
    summary = IndexSummary()

    def problem(p):
        if p.warning:
            summary.warnings += 1
        else:
            summary.failed += 1
        summary.problems.append(p)
        if on_problem:
            on_problem(p)

    ix = create_index(index_dir) if rebuild or not index_exists(index_dir) else open_index(index_dir)
    existing = _existing_hashes(ix)

    def decoded(note):
        summary.encodings[note.encoding] = summary.encodings.get(note.encoding, 0) + 1

    articles = read_paths(list(paths), format=format, on_problem=problem, on_decoded=decoded)
    bar = None
    if progress:
        from tqdm import tqdm

        articles = list(articles)  # a known total gives the bar its ETA
        bar = tqdm(total=len(articles), unit="doc", file=sys.stderr, dynamic_ncols=True)

    latest = {}  # id -> content hash of the last copy read in this run
    written = set()  # ids committed by earlier batches of this run
    batch = {}  # id -> (article, replaces a committed document)
    try:
        for article in articles:
            article_id = article["id"]
            if bar:
                bar.update(1)
            content = article["hash"]
            # Two inputs with one id (feed snapshots, pages sharing a canonical
            # URL): the later wins, and a copy equal to what is already there
            # changes nothing.
            if latest.get(article_id) == content:
                summary.unchanged += 1
            elif article_id in batch:
                if existing.get(article_id) == content and article_id not in written:
                    del batch[article_id]
                    summary.unchanged += 1
                else:
                    batch[article_id] = (article, batch[article_id][1])
            elif article_id in written:
                batch[article_id] = (article, True)
            elif existing.get(article_id) == content:
                summary.unchanged += 1
            else:
                batch[article_id] = (article, article_id in existing)
            latest[article_id] = content
            if len(batch) >= batch_size:
                _write_batch(ix, list(batch.values()), procs, summary, on_problem)
                written.update(batch)
                batch = {}
        if batch:
            _write_batch(ix, list(batch.values()), procs, summary, on_problem)
            written.update(batch)
    finally:
        if bar:
            bar.close()
    if len(written) > batch_size:
        # Several batches left several segments, and every query pays for
        # each one (warm p95 on livedoor: 10 ms in one segment, 19 ms in four).
        # One merge at the end costs about 35 s there; a crash during it
        # loses nothing, the batches are committed.
        ix.optimize()
    write_meta(index_dir)
    summary.seconds = time.perf_counter() - started
    return summary


def delete(ids, index=None, lock_timeout: float | None = None) -> int:
    """Delete the articles with these ids; returns how many were deleted."""
    ix = open_index(index)
    with writer_lock(index, lock_timeout):
        open_reader(ix).close()  # a damaged index is reported, not written to
        writer = _open_writer(ix, 0, 1)
        deleted = 0
        try:
            for article_id in ids:
                deleted += writer.delete_by_term("id", article_id)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    return deleted
