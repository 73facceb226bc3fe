"""Opening and creating the index folder, with a version check.

An index records what built it in ``search-meta.json`` beside Whoosh's own
files.  Opening one built by another schema, analyzer or extractor version,
a folder that is not an index, or a damaged one raises :class:`IndexUnusable`
with a one-line message that says what to do.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.util.filelock import FileLock, try_for

from index import config
from index.config import index_dir as resolve_index_dir
from index.schema import build_schema, index_meta

META_FILE = "search-meta.json"
INDEX_NAME = "MAIN"
# Held for a whole `search index` or `search delete` run.  Whoosh's own lock
# is taken per commit, so without this a second run could slip its batches
# in between the first one's, both working from the same stale idea of what
# the index holds.  An OS file lock (fcntl): a killed run releases it.
RUN_LOCK_FILE = "search-writer.lock"


class IndexUnusable(Exception):
    """The index cannot be used; the message says why and what to do."""


class IndexLocked(Exception):
    """Another writer holds the index lock."""


class IndexMissing(IndexUnusable):
    pass


def read_meta(path: Path) -> dict:
    try:
        return json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise IndexUnusable(f"{path / META_FILE}: unreadable ({exc}); run `search index --rebuild PATH`") from exc


def write_meta(path: Path, extra: dict | None = None) -> None:
    meta = read_meta(path) if (path / META_FILE).exists() else {}
    meta.update(index_meta())
    meta.update(extra or {})
    tmp = path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path / META_FILE)  # atomic: a crash leaves the old or the new file


def _has_table_of_contents(path: Path) -> bool:
    """Whether Whoosh's table of contents (``_MAIN_<generation>.toc``) is
    there.  Only the name is looked at: Whoosh's own exists_in() reads the
    file and raises on a damaged one, which must reach open_index's message."""
    pattern = re.compile(rf"_{INDEX_NAME}_\d+\.toc")
    try:
        return any(pattern.fullmatch(name) for name in os.listdir(path))
    except OSError:
        return False


def index_exists(path=None) -> bool:
    path = resolve_index_dir(path)
    return path.is_dir() and _has_table_of_contents(path)


def damaged(path, exc: Exception) -> IndexUnusable:
    """The error for an index whose files Whoosh cannot read."""
    return IndexUnusable(
        f"index at {path} is damaged ({type(exc).__name__}: {exc}); "
        f"run `search index --rebuild --index {path} PATH` to rebuild it from the articles"
    )


def open_reader(ix):
    """``ix.reader()``, with a segment file that is cut short or garbled
    reported as IndexUnusable (Whoosh raises EOFError, struct.error, ...)."""
    try:
        return ix.reader()
    except Exception as exc:
        raise damaged(ix.storage.folder, exc) from exc


def _check_segment_files(ix, path: Path) -> None:
    """Every segment the table of contents names must have its file.  A cheap
    check (no file is opened): a truncated file is only noticed when a reader
    opens it (open_reader, and the Searcher through damaged())."""
    for segment in ix._segments():
        name = segment.make_filename(segment.COMPOUND_EXT) if segment.is_compound() else None
        if name and not (path / name).is_file():
            raise FileNotFoundError(f"segment file {name} is missing")


def open_index(path=None):
    """Open an existing index for reading or writing, or raise IndexUnusable."""
    path = resolve_index_dir(path)
    if not path.exists():
        raise IndexMissing(f"no index at {path}; build one with `search index PATH` (or pass --index DIR)")
    if not path.is_dir():
        raise IndexUnusable(f"{path} is not a folder; pass --index DIR pointing at an index folder")
    if not _has_table_of_contents(path):
        raise IndexMissing(f"{path} holds no search index; build one with `search index --index {path} PATH`")
    meta = read_meta(path)
    expected = index_meta()
    stale = [k for k, v in expected.items() if meta.get(k) != v]
    if stale:
        found = ", ".join(f"{k}={meta.get(k)}" for k in stale)
        want = ", ".join(f"{k}={expected[k]}" for k in stale)
        raise IndexUnusable(
            f"index at {path} was built by another version ({found}; this program needs {want}); "
            f"run `search index --rebuild PATH` to rebuild it"
        )
    try:
        ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        _check_segment_files(ix, path)
    except Exception as exc:  # Whoosh raises many kinds for a damaged folder
        raise damaged(path, exc) from exc
    return ix


def create_index(path=None):
    """A new, empty index (replacing any index already there)."""
    path = resolve_index_dir(path)
    path.mkdir(parents=True, exist_ok=True)
    # The versions are written before Whoosh's table of contents: a run
    # killed in between leaves a folder that index_exists() calls empty (the
    # next run starts afresh), never an index without its versions (which
    # open_index would refuse as built by another version).
    (path / META_FILE).unlink(missing_ok=True)
    write_meta(path)
    return whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)


@contextmanager
def writer_lock(path=None, timeout: float | None = None):
    """Hold the index folder for one writing run, waiting up to ``timeout``
    seconds (config.LOCK_TIMEOUT_SECONDS) for another run to finish; raises
    IndexLocked after that."""
    path = resolve_index_dir(path)
    timeout = config.LOCK_TIMEOUT_SECONDS if timeout is None else timeout
    if path.exists() and not path.is_dir():
        raise IndexUnusable(f"{path} is not a folder; pass --index DIR pointing at an index folder")
    path.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path / RUN_LOCK_FILE))
    if not try_for(lock.acquire, timeout, delay=0.05):
        raise IndexLocked(
            f"index at {path} is in use by another `search index` or `search delete` run "
            f"(waited {timeout:g} s); try again when it has finished, or raise --lock-timeout"
        )
    try:
        yield
    finally:
        lock.release()
