"""Opening and creating the index folder, with a version check.

An index records what built it in ``search-meta.json`` beside Whoosh's own
files.  Opening one built by another schema, analyzer or extractor version,
a folder that is not an index, or a damaged one raises :class:`IndexUnusable`
with a one-line message that says what to do.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from index import config
from index.config import index_dir as resolve_index_dir
from index.schema import build_schema, index_meta

META_FILE = "search-meta.json"
INDEX_NAME = "MAIN"
# Held for a whole `search index` or `search delete` run.  Whoosh's own lock
# is taken per commit, so without this a second run could slip its batches
# in between the first one's, both working from the same stale idea of what
# the index holds.  See writer_lock() for why it is a POSIX record lock.
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
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, ensure_ascii=False, indent=1))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path / META_FILE)  # atomic: a crash leaves the old or the new file
    fsync_folder(path)


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
        ix = storage(path).open_index(INDEX_NAME)
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
    return storage(path).create_index(build_schema(), indexname=INDEX_NAME)


class _SyncedFile:
    """A file being written that reaches the disk before it is closed."""

    def __init__(self, fileobj):
        self._file = fileobj

    def __getattr__(self, name):
        return getattr(self._file, name)

    def close(self):
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
        self._file.close()


def fsync_folder(path) -> None:
    """Make the names in a folder durable (a rename or a new file)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DurableFileStorage(FileStorage):
    """Whoosh's folder storage, with durable commits.

    Whoosh writes a segment's files, then a new table of contents under a
    temporary name, and renames it: the rename is the commit.  It never calls
    fsync, so after a power loss the new table of contents may name segment
    files whose data never reached the disk.  Here every file Whoosh writes
    into the index folder is fsync'd when closed (the segments, then the
    table of contents before its rename) and the folder after each rename, so
    a commit is visible only once everything it names is on disk.  Temporary
    sorting runs go to Whoosh's own temp storage, which stays unsynced.
    """

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        f = super().create_file(name, excl=excl, mode=mode, **kwargs)
        f.file = _SyncedFile(f.file)
        return f

    def rename_file(self, oldname, newname, safe=False):
        super().rename_file(oldname, newname, safe=safe)
        fsync_folder(self.folder)


def storage(path) -> DurableFileStorage:
    return DurableFileStorage(str(path))


# Runs of this process holding an index folder (by resolved path): a POSIX
# record lock does not exclude another holder within the same process.
_held_here: dict = {}
_held_here_lock = threading.Lock()


def read_keyed_json(path, key: str):
    """The data of a file ``save_keyed_json`` wrote for ``key`` (what is
    kept beside the index per commit: near-copy groups, the entity view),
    or None when it is missing, damaged or was written for another key."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and data.get("key") == key else None
    except (OSError, ValueError):
        return None


def save_keyed_json(path, key: str, data: dict) -> None:
    """Write ``data`` with its ``key`` to ``path`` at once (a temporary file
    renamed over it, so a reader never sees half of it); best effort: a
    read-only index folder only means computing it again next time."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"key": key, **data}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _holder_note(path: Path) -> str:
    """Who holds the run lock, from what the holder wrote into it."""
    try:
        holder = json.loads((path / RUN_LOCK_FILE).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return ""
    if not isinstance(holder, dict) or "pid" not in holder:
        return ""
    return f" (pid {holder['pid']}, since {holder.get('since', '?')})"


def _write_holder(fd: int) -> None:
    note = json.dumps({"pid": os.getpid(),
                       "since": dt.datetime.now().astimezone().isoformat(timespec="seconds")})
    os.ftruncate(fd, 0)
    os.pwrite(fd, note.encode(), 0)


def _not_writable(path: Path, exc: OSError) -> IndexUnusable:
    return IndexUnusable(f"cannot write to the index at {path}: {exc.strerror or exc}"
                         + (" (a read-only folder or file system; searching it still works)"
                            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else ""))


@contextmanager
def writer_lock(path=None, timeout: float | None = None):
    """Hold the index folder for one writing run, waiting up to ``timeout``
    seconds (config.LOCK_TIMEOUT_SECONDS) for another run to finish; raises
    IndexLocked after that, naming the holder's pid and since when.

    The lock is a POSIX record lock (``lockf``): the kernel drops it when the
    process holding it dies, however it dies, and — unlike ``flock`` — a
    forked child does not inherit it, so worker processes left behind by a
    killed run cannot keep the index locked.
    """
    path = resolve_index_dir(path)
    timeout = config.LOCK_TIMEOUT_SECONDS if timeout is None else timeout
    if path.exists() and not path.is_dir():
        raise IndexUnusable(f"{path} is not a folder; pass --index DIR pointing at an index folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path / RUN_LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise _not_writable(path, exc) from exc
    key = os.path.realpath(path)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with _held_here_lock:
                free_here = key not in _held_here
                if free_here:
                    try:
                        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        _held_here[key] = True
                        break
                    except OSError as exc:
                        if exc.errno not in (errno.EACCES, errno.EAGAIN):
                            raise _not_writable(path, exc) from exc
            if time.monotonic() >= deadline:
                holder = _holder_note(path) if free_here else f" (pid {os.getpid()}, this process)"
                raise IndexLocked(
                    f"index at {path} is in use by another `search index` or `search delete` run{holder} "
                    f"(waited {timeout:g} s); try again when it has finished, or raise --lock-timeout"
                )
            time.sleep(0.05)
        try:
            _write_holder(fd)
        except OSError as exc:
            raise _not_writable(path, exc) from exc
        try:
            yield
        finally:
            with _held_here_lock:
                _held_here.pop(key, None)
                fcntl.lockf(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
