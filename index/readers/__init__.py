"""Article readers: turn input files into uniform article dicts.

Usage::

    problems = []
    for article in read_paths(["corpus/", "ldcc-20140209.tar.gz"], on_problem=problems.append):
        ...

Three formats are understood (:data:`FORMATS`):

* ``plaintext`` - the project's own ``.txt`` articles (title, Japanese date
  line, ``Tags:`` line, body, trailing 関連記事 block), see :mod:`.plaintext`;
* ``livedoor``  - the livedoor news corpus as its ``.tar.gz`` or extracted,
  see :mod:`.livedoor`;
* ``jsonl``     - one JSON article object per line, see :mod:`.jsonl`.

Every article dict has exactly the keys in :data:`ARTICLE_KEYS` (built by
:func:`make_article`).  Readers never raise for bad input: each problem is
passed to ``on_problem`` as a :class:`ReadProblem` and reading continues.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator, Optional, Union

from . import jsonl, livedoor, plaintext
from .common import (
    ARTICLE_KEYS,
    JST,
    ReadProblem,
    Report,
    UndecodableError,
    decode_bytes,
    ignore_problem,
    make_article,
    walk_files,
)

__all__ = [
    "ARTICLE_KEYS", "FORMATS", "JST", "READERS", "ReadProblem", "UndecodableError",
    "decode_bytes", "detect_format", "make_article", "read_paths",
]

FORMATS = ("plaintext", "livedoor", "jsonl")

#: format name -> reader(path, report) yielding articles from a file (or,
#: for livedoor, an archive or extracted folder).
READERS: dict[str, Callable[[str, Report], Iterator[dict]]] = {
    "plaintext": plaintext.read,
    "livedoor": livedoor.read,
    "jsonl": jsonl.read,
}

JSONL_SUFFIXES = (".jsonl", ".ndjson")
TEXT_SUFFIXES = (".txt",)
#: What a folder walk picks up; anything else in the tree is reported as
#: skipped rather than guessed at (images, READMEs, editor backups...).
WALKED_SUFFIXES = JSONL_SUFFIXES + TEXT_SUFFIXES + livedoor.ARCHIVE_SUFFIXES

PathLike = Union[str, "os.PathLike[str]"]


def _starts_like_json(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def detect_format(path: PathLike) -> str:
    """Guess the format of a file or folder from its name and first bytes.

    Raises ValueError for a folder that is not a livedoor corpus: such a
    folder has no single format, :func:`read_paths` walks it file by file.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        if livedoor.looks_like_corpus(path):
            return "livedoor"
        raise ValueError(f"{path}: a folder that is not a livedoor corpus has no single format")
    lower = path.lower()
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if livedoor.is_archive(path):
        return "livedoor"
    # One extracted livedoor article (URL line, ISO date line) is a .txt too.
    if livedoor.file_looks_like_article(path):
        return "livedoor"
    if not lower.endswith(TEXT_SUFFIXES) and _starts_like_json(path):
        return "jsonl"
    return "plaintext"


def _read_folder(path: str, format: Optional[str], report: Report) -> Iterator[dict]:
    if format == "livedoor" or (format is None and livedoor.looks_like_corpus(path)):
        yield from livedoor.read_directory(path, report)
        return
    # While detecting, a livedoor corpus met inside the tree is read as a
    # whole so its files get their categories and skip LICENSE.txt & co.
    claim = livedoor.looks_like_corpus if format is None else None
    for item in walk_files(path, report, claim_dir=claim):
        if os.path.isdir(item):
            yield from livedoor.read_directory(item, report)
            continue
        item_format = format
        if item_format is None:
            if not item.lower().endswith(WALKED_SUFFIXES):
                report(ReadProblem(item, None, "skipped: not an article file type", warning=True))
                continue
            item_format = detect_format(item)
        yield from READERS[item_format](item, report)


def read_paths(
    paths: Union[PathLike, Iterable[PathLike]],
    format: Optional[str] = None,
    on_problem: Optional[Callable[[ReadProblem], None]] = None,
) -> Iterator[dict]:
    """Yield the articles found in ``paths`` (files and folders), in order.

    Folders are walked recursively in sorted order and each file's format is
    detected, unless ``format`` (one of :data:`FORMATS`) forces it for all.
    Problems go to ``on_problem``; with None they are silently skipped.
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {FORMATS}")
    report = on_problem or ignore_problem
    # A lone path is a common slip: iterating a str would read "c", "o", ...
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for given in paths:
        path = os.fspath(given)
        if os.path.isdir(path):
            yield from _read_folder(path, format, report)
        elif os.path.exists(path):
            yield from READERS[format or detect_format(path)](path, report)
        else:
            report(ReadProblem(path, None, "no such file or folder"))
