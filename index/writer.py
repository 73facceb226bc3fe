"""Writing articles into the index: batched, atomic commits.

``index_paths`` reads articles with the readers, skips the unchanged ones
(same id, same content hash), and writes the rest in batches of
``batch_size``; each batch is one Whoosh commit, so a crash loses at most the
batch being written and never what was committed before.

Batches are written by this project's codec and array segment writer
(index.segment_writer): large ones by worker processes (index.workers) that
each analyse a contiguous share (``to_document``: one Sudachi pass,
entities) and write it as one segment, the parent committing the table of
contents that adds the batch's segments and deletes the documents they
replace, durably.  Workers die with the parent, and a worker that dies
makes the batch fail as a whole.  Segments are merged while indexing (at
most config.MAX_SEGMENTS) and into one at the end.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from whoosh.writing import LockError

from index import config
from index.readers import ENCODING_NAMES, ReadProblem, read_paths
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
from index.workers import WorkerDied

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


def _batch_writer(ix, procs):
    """The codec batch writer (imported here: NumPy stays out of `search query`)."""
    from index.segment_writer import CodecBatchWriter, tiered_merge_policy

    return CodecBatchWriter(
        ix, procs=procs, timeout=config.LOCK_TIMEOUT_SECONDS,
        merge_policy=tiered_merge_policy(config.MAX_SEGMENTS), min_parallel=config.MIN_DOCS_FOR_WORKERS,
    )


def _locked(ix) -> IndexLocked:
    # Only a writer outside this program gets here: ours take writer_lock.
    return IndexLocked(
        f"index at {ix.storage.folder} is locked by another writer "
        f"(waited {config.LOCK_TIMEOUT_SECONDS:.0f} s); try again when it has finished"
    )


def _write_batch(sink, batch, summary, on_problem):
    def failed(source, message):
        summary.failed += 1
        problem = ReadProblem(str(source), None, message)
        summary.problems.append(problem)
        if on_problem:
            on_problem(problem)

    failed_ids = sink.write_batch([article for article, _ in batch],
                                  [article["id"] for article, is_update in batch if is_update], failed)
    for article, is_update in batch:
        if article["id"] in failed_ids:
            continue
        if is_update:
            summary.updated += 1
        else:
            summary.added += 1


class WhooshSink:
    """Where index_paths writes: the embedded index folder (the default
    backend; search.backends documents what a sink does)."""

    name = "whoosh"

    def __init__(self, index_dir, procs: int):
        self.index_dir = index_dir
        self.procs = procs
        self.ix = None
        self.bw = None

    def describe(self) -> str:
        return f"the index at {self.index_dir}"

    @contextmanager
    def session(self, lock_timeout, rebuild):
        """Hold the folder for the run (writer_lock), analyse with its user
        dictionary, and open (or create) the index."""
        with writer_lock(self.index_dir, lock_timeout), use_index_dictionary(self.index_dir):
            self.ix = create_index(self.index_dir) if rebuild or not index_exists(self.index_dir) else open_index(self.index_dir)
            self.bw = _batch_writer(self.ix, self.procs)
            try:
                yield self
            except LockError as exc:
                raise _locked(self.ix) from exc
            except (OSError, WorkerDied):
                _remove_uncommitted_files(self.index_dir)
                raise
            finally:
                self.bw.close()

    def existing_hashes(self) -> dict:
        return _existing_hashes(self.ix)

    def write_batch(self, articles, replace_ids, on_failure) -> set:
        """Write and commit one batch; the ids of the articles that failed."""
        return self.bw.write_batch(articles, replace_ids=replace_ids, on_failure=on_failure)["failed_ids"]

    def finish(self, on_stage) -> None:
        segments = len(self.ix._read_toc().segments)
        if segments > 1:
            # Every query pays for each segment (warm p95 on livedoor: about
            # 60% more in two segments than in one); the codec's merge costs
            # seconds, and a crash during it loses nothing: the batches are
            # committed.
            on_stage(f"merging {segments} segments into one")
            self.bw.optimize()
            on_stage("merged")
        write_meta(self.index_dir)
        # The near-copy groups of what is now committed, so the next
        # `search query` reads them instead of computing them.
        from index.dedup import cached_group_index

        with self.ix.reader() as reader:
            cached_group_index(self.index_dir, reader)


def open_sink(index=None, *, backend=None, url=None, procs=None):
    """The sink of ``backend`` (search.backends.resolve): the index folder
    ``index``, or the OpenSearch cluster at ``url``."""
    from search.backends import resolve

    backend, url = resolve(backend, url)
    procs = config.DEFAULT_PROCS if procs is None else max(1, procs)
    if backend == "opensearch":
        from search.backends.opensearch.sink import OpenSearchSink

        return OpenSearchSink(url, index_name=index, procs=procs)
    return WhooshSink(config.index_dir(index), procs)


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
    backend: str | None = None,
    url: str | None = None,
) -> IndexSummary:
    """Index the articles under ``paths`` into the index folder ``index``
    (or, with ``backend="opensearch"``, the cluster at ``url``; see
    search.backends).

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
    sink = open_sink(index, backend=backend, url=url, procs=procs)
    summary = IndexSummary()
    try:
        # Articles are analysed with the index's user dictionary (index.userdict),
        # as its other articles were and its queries will be.
        with sink.session(lock_timeout, rebuild):
            _index_into(sink, paths, format, batch_size, on_problem, progress, on_stage or (lambda message: None),
                        summary)
    except (OSError, WorkerDied) as exc:
        done = summary.added + summary.updated
        reason = f"{exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise IndexingFailed(
            f"cannot finish writing {sink.describe()}: {reason}; the batch being written was not "
            f"committed, everything committed before is intact ({done} article(s) of this run were); "
            f"run the same command again to finish"
        ) from exc
    return summary


def migrate(index=None, *, to_url, to_index=None, backend="opensearch", procs=None, batch_size=None,
            on_problem=None, progress=False, on_stage=None) -> IndexSummary:
    """Copy every article of the embedded index ``index`` into the cluster
    at ``to_url`` (its index ``to_index``), through the stored articles: the
    corpus is not read again, and the cluster's copy is analysed by this
    project as the embedded one was.  A re-run adds what is new only."""
    from index.schema import from_stored
    from search.searcher import Searcher

    sink = open_sink(to_index, backend=backend, url=to_url, procs=procs)
    summary = IndexSummary()
    with Searcher(index, backend="whoosh") as source, source.index_dictionary():
        articles = (from_stored(stored) for stored in source.stored_articles())
        with sink.session(None, False):
            _index_into(sink, [], None, batch_size, on_problem, progress, on_stage or (lambda message: None),
                        summary, articles=articles)
    return summary


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


def _index_into(sink, paths, format, batch_size, on_problem, progress, on_stage, summary, articles=None) -> None:
    """Read ``paths`` (or take ``articles``) and write what is new or changed
    to ``sink``, a batch per commit (the part of index_paths every backend
    shares)."""
    started = time.perf_counter()
    batch_size = batch_size or config.DEFAULT_BATCH_SIZE

    def problem(p):
        if p.warning:
            summary.warnings += 1
        else:
            summary.failed += 1
        summary.problems.append(p)
        if on_problem:
            on_problem(p)

    existing = sink.existing_hashes()

    def decoded(note):
        summary.encodings[note.encoding] = summary.encodings.get(note.encoding, 0) + 1

    if articles is None:
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
                _write_batch(sink, list(batch.values()), summary, on_problem)
                written.update(batch)
                on_stage(f"committed {len(written)} article(s)")
                batch = {}
        if batch:
            _write_batch(sink, list(batch.values()), summary, on_problem)
            written.update(batch)
            on_stage(f"committed {len(written)} article(s)")
        sink.finish(on_stage)
    finally:
        if bar:
            bar.close()
    summary.seconds = time.perf_counter() - started


def delete(ids, index=None, lock_timeout: float | None = None, *, backend=None, url=None) -> int:
    """Delete the articles with these ids; returns how many were deleted."""
    sink = open_sink(index, backend=backend, url=url)
    if isinstance(sink, WhooshSink):
        ix = open_index(sink.index_dir)  # an index must be there: deleting does not create one
        with writer_lock(sink.index_dir, lock_timeout):
            open_reader(ix).close()  # a damaged index is reported, not written to
            try:
                return _batch_writer(ix, 1).commit([], replace_ids=list(ids))
            except LockError as exc:
                raise _locked(ix) from exc
    return sink.delete(list(ids))
