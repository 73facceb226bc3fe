"""Writing articles into the index: batched, atomic commits.

``index_paths`` reads articles with the readers, skips the unchanged ones
(same id, same content hash), and writes the rest in batches of
``batch_size``; each batch is one Whoosh commit, so a crash loses at most the
batch being written and never what was committed before.

Large batches are written by worker processes (``index.workers``), each
analysing its share of the articles and writing its own segment; the
parent commits them together.  Workers die with the parent, and a worker
that dies makes the batch fail as a whole.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field

from whoosh.writing import LockError, SegmentWriter

from index import config
from index.analysis import load_tokenizer
from index.readers import ENCODING_NAMES, ReadProblem, read_paths
from index.schema import to_document
from index.storage import (
    INDEX_NAME,
    IndexLocked,
    create_index,
    index_exists,
    open_index,
    open_reader,
    write_meta,
    writer_lock,
)
from index.userdict import use_index_dictionary
from index.workers import WorkerDied, write_segments

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


class _BatchWriter(SegmentWriter):
    """Whoosh's segment writer for one batch, which can also commit segments
    that worker processes wrote (index.workers)."""

    def commit_with(self, segments) -> None:
        """Commit the deletions and documents of this writer plus ``segments``,
        in one new table of contents."""
        self._check_state()
        final = self._merge_segments(None, None, None) + list(segments)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final)
        self._finish()


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


def _open_writer(ix):
    try:
        return _BatchWriter(ix, timeout=config.LOCK_TIMEOUT_SECONDS)
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

    writer = _open_writer(ix)
    try:
        for article, is_update in batch:
            if is_update:
                writer.delete_by_term("id", article["id"])
        if procs > 1 and len(batch) >= config.MIN_DOCS_FOR_WORKERS:
            load_tokenizer()  # before the fork: the workers inherit it
            segments, failures = write_segments(ix, [a for a, _ in batch], procs, to_document)
            for _, source, message in failures:
                failed(source, message)
            not_written = {article_id for article_id, _, _ in failures}
            written = [(a, u) for a, u in batch if a["id"] not in not_written]
        else:
            segments = []
            written = [(a, u) for a, u in batch if _add_article(writer, a, failed)]
        writer.commit_with(segments)
    except BaseException:
        _cancel(writer)
        raise
    for _, is_update in written:
        if is_update:
            summary.updated += 1
        else:
            summary.added += 1


def _cancel(writer) -> None:
    """Give up a batch; closing its files may fail again (a full disk), and
    that must not hide why the batch failed."""
    try:
        writer.cancel()
    except Exception:
        pass


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
    on_stage=None,
) -> IndexSummary:
    """Index the articles under ``paths`` into the index folder ``index``.

    New articles are added, changed ones (same id, new hash) replaced,
    unchanged ones skipped.  ``rebuild`` starts from an empty index.  Problems
    with the input are reported through ``on_problem`` and counted in the
    summary; everything else is indexed.  ``on_stage(message)`` hears of each
    commit and of the final merge.  While another run holds the index,
    waits up to ``lock_timeout`` seconds (config.LOCK_TIMEOUT_SECONDS), then
    raises IndexLocked.  When the index cannot be written (the disk is full,
    a worker process died) raises IndexingFailed: what was committed before
    stays as it was.
    """
    index_dir = config.index_dir(index)
    # Articles are analysed with the index's user dictionary (index.userdict),
    # as its other articles were and its queries will be.
    with writer_lock(index_dir, lock_timeout), use_index_dictionary(index_dir):
        summary = IndexSummary()
        try:
            return _index_paths_locked(paths, index_dir, rebuild, format, procs, batch_size, on_problem,
                                       progress, on_stage or (lambda message: None), summary)
        except (OSError, WorkerDied) as exc:
            _remove_uncommitted_files(index_dir)
            done = summary.added + summary.updated
            reason = f"{exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise IndexingFailed(
                f"cannot finish writing the index at {index_dir}: {reason}; the batch being written was not "
                f"committed, everything committed before is intact ({done} article(s) of this run were); "
                f"run the same command again to finish"
            ) from exc


class IndexingFailed(RuntimeError):
    """Writing stopped (disk full, a worker died); the last commit is intact."""


def _remove_uncommitted_files(index_dir) -> None:
    """Delete segment files no table of contents names (what a failed batch
    left), so a full disk gets its room back; best effort."""
    from whoosh.index import clean_files

    try:
        ix = open_index(index_dir)
        toc = ix._read_toc()
        clean_files(ix.storage, INDEX_NAME, toc.generation, toc.segments)
    except Exception:  # the index may not even exist yet; nothing to clean then
        pass


def _index_paths_locked(paths, index_dir, rebuild, format, procs, batch_size, on_problem, progress, on_stage,
                        summary) -> IndexSummary:
    started = time.perf_counter()
    procs = config.DEFAULT_PROCS if procs is None else max(1, procs)
    batch_size = batch_size or config.DEFAULT_BATCH_SIZE

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
                on_stage(f"committed {len(written)} article(s)")
                batch = {}
        if batch:
            _write_batch(ix, list(batch.values()), procs, summary, on_problem)
            written.update(batch)
            on_stage(f"committed {len(written)} article(s)")
    finally:
        if bar:
            bar.close()
    if len(written) > batch_size:
        # Several batches left several segments, and every query pays for
        # each one (warm p95 on livedoor: 10 ms in one segment, 19 ms in four).
        # One merge at the end costs about 35 s there; a crash during it
        # loses nothing, the batches are committed.
        on_stage(f"merging {len(ix._segments())} segments into one")
        ix.optimize()
        on_stage("merged")
    write_meta(index_dir)
    summary.seconds = time.perf_counter() - started
    return summary


def delete(ids, index=None, lock_timeout: float | None = None) -> int:
    """Delete the articles with these ids; returns how many were deleted."""
    ix = open_index(index)
    with writer_lock(index, lock_timeout):
        open_reader(ix).close()  # a damaged index is reported, not written to
        writer = _open_writer(ix)
        deleted = 0
        try:
            for article_id in ids:
                deleted += writer.delete_by_term("id", article_id)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    return deleted
