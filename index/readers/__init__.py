"""Article readers: turn input files into uniform article dicts.

Usage::

    problems = []
    for article in read_paths(["corpus/", "ldcc-20140209.tar.gz"], on_problem=problems.append):
        ...

Six formats are understood (:data:`FORMATS`):

* ``plaintext`` - the project's own ``.txt`` articles (title, Japanese date
  line, ``Tags:`` line, body, trailing 関連記事 block), see :mod:`.plaintext`;
* ``livedoor``  - the livedoor news corpus as its ``.tar.gz`` or extracted,
  see :mod:`.livedoor`;
* ``jsonl``     - one JSON article object per line, see :mod:`.jsonl`;
* ``feed``      - RSS and Atom feeds saved as files, one article per item,
  see :mod:`.feed`;
* ``html``      - saved HTML article pages (main text and metadata),
  see :mod:`.html`;
* ``markdown``  - Markdown posts with YAML front matter, see :mod:`.markdown`.

Inputs are local files and folders: fetching feeds or pages is left to the
user's own tools.

Every article dict has exactly the keys in :data:`ARTICLE_KEYS` (built by
:func:`make_article`).  Readers never raise for bad input: each problem is
passed to ``on_problem`` as a :class:`ReadProblem` and reading continues.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Iterable, Iterator, Optional, Union

from . import feed, html, jsonl, livedoor, markdown, plaintext
from .common import (
    ARTICLE_KEYS,
    ENCODING_NAMES,
    JST,
    EncodingNote,
    ReadProblem,
    Report,
    UndecodableError,
    decode_bytes,
    ignore_problem,
    make_article,
    walk_files,
)

__all__ = [
    "ARTICLE_KEYS", "ENCODING_NAMES", "EncodingNote", "FORMATS", "JST", "READERS", "ReadProblem", "UndecodableError",
    "decode_bytes", "detect_format", "make_article", "read_paths",
]

FORMATS = ("plaintext", "livedoor", "jsonl", "feed", "html", "markdown")

#: format name -> reader(path, report) yielding articles from a file (or,
#: for livedoor, an archive or extracted folder).
READERS: dict[str, Callable[[str, Report], Iterator[dict]]] = {
    "plaintext": plaintext.read,
    "livedoor": livedoor.read,
    "jsonl": jsonl.read,
    "feed": feed.read,
    "html": html.read,
    "markdown": markdown.read,
}

JSONL_SUFFIXES = (".jsonl", ".ndjson")
TEXT_SUFFIXES = (".txt",)
#: What a folder walk picks up; anything else in the tree is reported as
#: skipped rather than guessed at (images, READMEs, editor backups...).
#: Markdown is picked up only with front matter (see :func:`_read_folder`).
WALKED_SUFFIXES = (
    JSONL_SUFFIXES + TEXT_SUFFIXES + livedoor.ARCHIVE_SUFFIXES
    + feed.SUFFIXES + html.SUFFIXES + markdown.SUFFIXES
)

PathLike = Union[str, "os.PathLike[str]"]

#: Enough of a file to see past an XML declaration, a doctype and comments.
SNIFF_BYTES = 4096
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z][\w:.-]*)")
_HTML_DOCTYPE = re.compile(rb"<!doctype\s+html", re.IGNORECASE)
_FEED_ROOTS = {b"rss", b"feed", b"rdf:rdf", b"rdf"}


def _head(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return b""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 markup: re-encode so the byte patterns below apply.
        head = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore").encode("utf-8")
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")


def _starts_like_json(head: bytes) -> bool:
    return head.startswith(b"{")


def _markup_kind(head: bytes) -> Optional[str]:
    """"feed" or "html" from the first element of markup, else None."""
    if not head.startswith(b"<"):
        return None
    if _HTML_DOCTYPE.search(head):
        return "html"
    root = _FIRST_ELEMENT.search(_COMMENT.sub(b"", head))
    if root is None:
        return None
    name = root.group(1).lower()
    if name in _FEED_ROOTS:
        return "feed"
    return "html" if name in (b"html", b"head", b"body", b"meta") else None


def _starts_with_front_matter(head: bytes) -> bool:
    return head.startswith(b"---\n") or head.startswith(b"---\r\n")


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
    if lower.endswith(markdown.SUFFIXES):
        return "markdown"
    if lower.endswith(feed.SUFFIXES + html.SUFFIXES):
        # The content decides: a feed saved as .html or a page saved as .xml
        # happens.  Otherwise the suffix does, and the reader reports a file
        # that is not what its name says.
        return _markup_kind(_head(path)) or ("feed" if lower.endswith(feed.SUFFIXES) else "html")
    # One extracted livedoor article (URL line, ISO date line) is a .txt too.
    if livedoor.file_looks_like_article(path):
        return "livedoor"
    if lower.endswith(TEXT_SUFFIXES):
        return "plaintext"
    # Any other name (a feed saved by curl as "rss", say): the content decides.
    head = _head(path)
    if _starts_like_json(head):
        return "jsonl"
    if _starts_with_front_matter(head):
        return "markdown"
    return _markup_kind(head) or "plaintext"


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
            item_format = detect_format(item) if item.lower().endswith(WALKED_SUFFIXES) else None
            # A walk meets README.md, CHANGELOG.md and notes beside the posts;
            # only a post has front matter.  Named alone, such a file is read.
            if item_format == "markdown" and not _starts_with_front_matter(_head(item)):
                item_format = None
            if item_format is None:
                report(ReadProblem(item, None, "skipped: not an article file type", warning=True))
                continue
        yield from READERS[item_format](item, report)


def read_paths(
    paths: Union[PathLike, Iterable[PathLike]],
    format: Optional[str] = None,
    on_problem: Optional[Callable[[ReadProblem], None]] = None,
    on_decoded: Optional[Callable[[EncodingNote], None]] = None,
) -> Iterator[dict]:
    """Yield the articles found in ``paths`` (files and folders), in order.

    Folders are walked recursively in sorted order and each file's format is
    detected, unless ``format`` (one of :data:`FORMATS`) forces it for all.
    Problems go to ``on_problem``; with None they are silently skipped.
    ``on_decoded`` hears of every file decoded from something other than
    plain UTF-8 (Shift_JIS, EUC-JP, UTF-16, a UTF-8 BOM).
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {FORMATS}")

    def report(problem: ReadProblem) -> None:
        if isinstance(problem, EncodingNote):
            (on_decoded or ignore_problem)(problem)
        else:
            (on_problem or ignore_problem)(problem)
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
