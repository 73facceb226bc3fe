"""Opening and creating the index folder, with a version check.

An index records what built it in ``search-meta.json`` beside Whoosh's own
files.  Opening one built by another schema, analyzer or extractor version,
a folder that is not an index, or a damaged one raises :class:`IndexUnusable`
with a one-line message that says what to do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from whoosh import index as whoosh_index

from index.config import index_dir as resolve_index_dir
from index.schema import build_schema, index_meta

META_FILE = "search-meta.json"
INDEX_NAME = "MAIN"


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


def index_exists(path=None) -> bool:
    path = resolve_index_dir(path)
    return path.is_dir() and whoosh_index.exists_in(str(path), indexname=INDEX_NAME)


def open_index(path=None):
    """Open an existing index for reading or writing, or raise IndexUnusable."""
    path = resolve_index_dir(path)
    if not path.exists():
        raise IndexMissing(f"no index at {path}; build one with `search index PATH` (or pass --index DIR)")
    if not path.is_dir():
        raise IndexUnusable(f"{path} is not a folder; pass --index DIR pointing at an index folder")
    if not whoosh_index.exists_in(str(path), indexname=INDEX_NAME):
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
        return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    except Exception as exc:  # Whoosh raises many kinds for a damaged folder
        raise IndexUnusable(f"index at {path} is damaged ({type(exc).__name__}: {exc}); "
                          f"run `search index --rebuild PATH`") from exc


def create_index(path=None):
    """A new, empty index (replacing any index already there)."""
    path = resolve_index_dir(path)
    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
    (path / META_FILE).unlink(missing_ok=True)
    write_meta(path)
    return ix
