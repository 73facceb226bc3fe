"""Reader for the livedoor news corpus (ldcc-20140209, RONDHUIT).

The corpus ships as ``ldcc-20140209.tar.gz`` holding
``text/<category>/<category>-<id>.txt`` plus one ``LICENSE.txt`` per category
and ``text/README.txt`` / ``text/CHANGES.txt``.  Each article file is::

    http://news.livedoor.com/article/detail/4778030/   line 1: URL
    2010-05-22T14:30:00+0900                           line 2: ISO date
    友人代表のスピーチ、独女はどうこなしている？          line 3: title
    　もうすぐジューン・ブライドと…                      lines 4+: body

It can be read as the original archive (streamed, never extracted), as an
extracted folder (the corpus root, its ``text/`` folder or one category
folder) or one article file at a time.

The files are CC BY-ND: the reader only reads them where they lie.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import tarfile
import zlib
from typing import BinaryIO, Iterator, Optional

from .common import (
    ReadProblem,
    Report,
    load_text,
    make_article,
    parse_date,
    split_lines,
    text_from_bytes,
    walk_files,
)

#: Corpus files that are not articles.
SKIP_NAMES = frozenset({"LICENSE.txt", "README.txt", "CHANGES.txt"})
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")

_URL = re.compile(r"https?://\S+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?\S*")
_ARTICLE_NAME = re.compile(r"(?P<category>.+)-\d+\.txt")
# The archive's gzip stream and tar headers fail in several ways when the file
# is cut short or damaged; all of them mean "nothing more can be read".
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError)


def is_archive(path: str) -> bool:
    return os.fspath(path).lower().endswith(ARCHIVE_SUFFIXES)


def looks_like_article(text: str) -> bool:
    """True when the first two lines are a URL and an ISO 8601 date."""
    lines = split_lines(text.lstrip("\ufeff"))
    return (
        len(lines) >= 2
        and _URL.fullmatch(lines[0].strip()) is not None
        and _ISO_DATE.fullmatch(lines[1].strip()) is not None
    )


def _head(path: str, size: int = 1024) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(size)
    except OSError:
        return ""
    # The cut may fall inside a multi-byte character; only the first two
    # (ASCII) lines matter here.
    return data.decode("utf-8", errors="ignore")


def file_looks_like_article(path: str) -> bool:
    return looks_like_article(_head(path))


def _is_category_folder(path: str) -> bool:
    """A folder holding livedoor article files.

    Looks for ``<folder>-<id>.txt`` names, or any ``.txt`` beside a
    ``LICENSE.txt``, and checks the content of the first candidate only:
    sniffing every file would make walking large trees slow.
    """
    try:
        names = sorted(entry.name for entry in os.scandir(path) if entry.is_file())
    except OSError:
        return False
    folder = os.path.basename(os.path.normpath(path))
    candidates = [n for n in names if n.startswith(folder + "-") and _ARTICLE_NAME.fullmatch(n)]
    if not candidates and "LICENSE.txt" in names:
        candidates = [n for n in names if n.endswith(".txt") and n not in SKIP_NAMES]
    return bool(candidates) and file_looks_like_article(os.path.join(path, candidates[0]))


def looks_like_corpus(path: str) -> bool:
    """True for an extracted livedoor corpus: its root, ``text/`` or a category."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        return False
    if _is_category_folder(path):
        return True
    roots = [path]
    text_dir = os.path.join(path, "text")
    if os.path.isdir(text_dir):
        roots.append(text_dir)
    for root in roots:
        try:
            subdirs = sorted(e.path for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
        except OSError:
            continue
        if any(_is_category_folder(sub) for sub in subdirs):
            return True
    return False


def parse_article(text: str, source: str, category: Optional[str], report: Report) -> Optional[dict]:
    """Parse one article file's text; problems go to ``report``."""
    lines = split_lines(text)
    url = lines[0].strip()
    if not _URL.fullmatch(url):
        report(ReadProblem(source, 1, "not a livedoor article: line 1 is not a URL"))
        return None
    date_text = lines[1].strip() if len(lines) > 1 else ""
    date = parse_date(date_text)
    if date is None:
        report(ReadProblem(source, 2, f"unrecognised date {date_text!r}; article kept without a date", warning=True))
    title = lines[2].strip() if len(lines) > 2 else ""
    if not title:
        report(ReadProblem(source, 3, "missing title"))
        return None
    return make_article(
        source=source,
        url=url,
        title=title,
        body="\n".join(lines[3:]),
        date=date,
        category=category,
        report=report,
    )


def _category_of(path: str) -> Optional[str]:
    """The category is the folder the article file sits in."""
    parent = os.path.basename(os.path.dirname(path.rstrip("/")))
    return parent or None


def read_file(path: str, report: Report) -> Iterator[dict]:
    """Yield the article of one extracted article file."""
    text = load_text(path, report)
    if text is not None:
        article = parse_article(text, path, _category_of(path), report)
        if article is not None:
            yield article


def read_directory(path: str, report: Report) -> Iterator[dict]:
    """Yield the articles below an extracted corpus folder, in sorted order."""
    for file_path in walk_files(path, report):
        name = os.path.basename(file_path)
        if name.endswith(".txt") and name not in SKIP_NAMES:
            yield from read_file(file_path, report)


def _open_decompressed(path: str) -> BinaryIO:
    """Open an archive through the decompressor its magic bytes call for.

    tarfile's own stream mode neither checks the gzip CRC nor notices a gzip
    stream cut short between two members, so the standard-library modules
    (which raise EOFError / BadGzipFile on both) do the decompression.
    """
    with open(path, "rb") as handle:
        magic = handle.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb")
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(path, "rb")
    return open(path, "rb")


def _check_clean_end(archive: tarfile.TarFile) -> None:
    """Raise ReadError unless only zero padding follows the last member.

    tarfile ends iteration *silently* at a damaged or truncated header that is
    not the first one, so a corrupt archive would look complete.  Draining the
    rest also makes the decompressor verify the stream's end and checksum.
    """
    while True:
        chunk = archive.fileobj.read(1 << 16)
        if not chunk:
            return
        if chunk.strip(b"\0"):
            raise tarfile.ReadError("damaged tar header, data after it was not read")


def _archive_members(path: str, report: Report) -> Iterator[tuple[str, bytes]]:
    """Yield ``(member name, bytes)`` for article members, streaming.

    Stream mode ("r|") reads the data once from start to end without seeking
    or building the member index first, which keeps a full pass over the
    8.8 MB corpus at well under a second.  When the archive turns out to be
    truncated or corrupt, one problem is reported and the stream ends; what
    was yielded before stays yielded.
    """
    try:
        stream = _open_decompressed(path)
    except OSError as exc:
        report(ReadProblem(path, None, f"cannot read: {exc.strerror or exc}"))
        return
    with stream:
        try:
            # Small reads: the decompressor raises EOFError at a cut, and a
            # large read-ahead would throw away the complete members just
            # before it along with the error.  Costs nothing measurable.
            archive = tarfile.open(fileobj=stream, mode="r|", bufsize=tarfile.BLOCKSIZE)
        except _ARCHIVE_ERRORS as exc:
            report(ReadProblem(path, None, f"cannot open archive: {exc}"))
            return
        members = iter(archive)
        while True:
            # Only the tar machinery sits inside the try: an exception raised
            # by our consumer must never be mistaken for a corrupt archive.
            try:
                member = next(members, None)
                if member is None:
                    _check_clean_end(archive)
                    return
                name = member.name
                if not member.isfile() or not name.endswith(".txt") or os.path.basename(name) in SKIP_NAMES:
                    continue
                handle = archive.extractfile(member)
                data = handle.read() if handle is not None else b""
            except _ARCHIVE_ERRORS as exc:
                report(ReadProblem(path, None, f"archive is truncated or corrupt, stopped reading it: {exc}"))
                return
            yield name, data


def read_archive(path: str, report: Report) -> Iterator[dict]:
    """Yield the articles of a livedoor ``.tar.gz`` without extracting it."""
    path = os.fspath(path)
    for name, data in _archive_members(path, report):
        source = f"{path}!{name}"
        text = text_from_bytes(data, source, report)
        if text is None:
            continue
        article = parse_article(text, source, _category_of(name), report)
        if article is not None:
            yield article


def read(path: str, report: Report) -> Iterator[dict]:
    """Read an archive, an extracted folder or a single article file."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return read_directory(path, report)
    if is_archive(path):
        return read_archive(path, report)
    return read_file(path, report)
