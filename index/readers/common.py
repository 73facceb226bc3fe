"""Pieces shared by the readers: problems, decoding, dates and the article dict.

Every reader turns its input into the same article dict through
:func:`make_article`, so normalisation (title stripping, body clean-up) and the
content hash are computed in exactly one place and an article read from a
``.txt`` file, a livedoor archive or a JSONL export hashes the same way.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Optional

from index import config
from index.textclean import clean_text

#: Japan Standard Time; Japanese news sources give local times without a zone.
JST = timezone(timedelta(hours=9), "JST")

#: Files whose first bytes hold a NUL are treated as binary.  8 KiB is enough
#: to catch images, PDFs and compressed data without reading whole files.
BINARY_SNIFF_BYTES = 8192

ARTICLE_KEYS = (
    "id", "url", "title", "body", "date", "tags", "category",
    "source", "author", "related", "hash",
)


@dataclass(frozen=True)
class ReadProblem:
    """Something wrong with the input that made a reader skip or degrade data."""

    source: str
    line: Optional[int]
    message: str
    # True when nothing was lost: the article was kept (without its bad date)
    # or the file was not an article to begin with.  Warnings do not fail a run.
    warning: bool = False

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.source}: {self.message}"
        return f"{self.source}:{self.line}: {self.message}"


#: Human names of the encodings :func:`decode_bytes` returns.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "cp932": "Shift_JIS (cp932)",
    "euc_jp": "EUC-JP",
}


@dataclass(frozen=True)
class EncodingNote(ReadProblem):
    """Not a problem: a file that is not plain UTF-8 was decoded as ``encoding``.

    Readers pass it to ``report`` like a problem; :func:`read_paths` hands it
    to ``on_decoded`` instead of ``on_problem``, so the indexing summary can
    say which encodings were assumed.
    """

    encoding: str = ""


Report = Callable[[ReadProblem], None]


def ignore_problem(problem: ReadProblem) -> None:
    """The ``on_problem`` used when the caller passes None."""


class UndecodableError(ValueError):
    """Raised by :func:`decode_bytes`; ``reason`` is ready to be reported."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


# --------------------------------------------------------------------------
# Bytes -> text

def _mojibake_score(text: str) -> int:
    """Count characters that betray a wrong legacy-encoding guess.

    EUC-JP bytes very often decode *without error* as cp932, producing runs of
    half-width katakana and private-use characters, and Python's cp932 maps
    the unassigned bytes 0x80, 0xA0 and 0xFD-0xFF to C1 controls / private
    use instead of failing.  Real Japanese news text has almost none of these.
    """
    return sum(
        1 for ch in text
        if "\uff61" <= ch <= "\uff9f"    # half-width katakana
        or "\ue000" <= ch <= "\uf8ff"    # private use
        or "\x80" <= ch <= "\x9f"        # C1 controls
    )


#: A legacy decoding where more than this share of the non-ASCII characters
#: look like mojibake is rejected: the bytes are most likely not text at all.
MAX_MOJIBAKE_SHARE = 0.1


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """Decode file contents, returning ``(text, encoding)``.

    Tries UTF-8 (with or without BOM), UTF-16 when a BOM says so, then the
    legacy Japanese encodings cp932 (Shift_JIS) and EUC-JP.  Raises
    :class:`UndecodableError` (naming ``source``) when nothing fits.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UndecodableError(source, f"bad UTF-8 after a UTF-8 BOM at byte {exc.start + 3}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UndecodableError(source, f"bad UTF-16 after a UTF-16 BOM at byte {exc.start}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass

    candidates = []
    for encoding in ("cp932", "euc_jp"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _mojibake_score(text)
        if score == 0:
            return text, encoding
        non_ascii = sum(1 for ch in text if ch >= "\x80")
        if score <= MAX_MOJIBAKE_SHARE * non_ascii:
            candidates.append((score, encoding, text))
    if candidates:
        # Both decoded with a few odd characters: the guess with fewer
        # tell-tale characters is the likelier one.
        _score, encoding, text = min(candidates)
        return text, encoding
    raise UndecodableError(source, "not decodable as UTF-8, UTF-16, Shift_JIS (cp932) or EUC-JP")


def is_binary(data: bytes) -> bool:
    # UTF-16 text is full of NULs, so a BOM rules out "binary".
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


def text_from_bytes(data: bytes, source: str, report: Report) -> Optional[str]:
    """Decode ``data`` or report why not (empty, binary, undecodable)."""
    if not data.strip():
        report(ReadProblem(source, None, "empty file"))
        return None
    if is_binary(data):
        report(ReadProblem(source, None, "binary file (NUL bytes), skipped"))
        return None
    try:
        text, encoding = decode_bytes(data, source)
    except UndecodableError as exc:
        report(ReadProblem(source, None, exc.reason))
        return None
    if encoding != "utf-8":
        name = ENCODING_NAMES.get(encoding, encoding)
        report(EncodingNote(source, None, f"decoded as {name}", warning=True, encoding=encoding))
    if not text.strip():
        report(ReadProblem(source, None, "empty file"))
        return None
    return text


def load_bytes(path: str, report: Report) -> Optional[bytes]:
    """A file's bytes; report and return None when it cannot be read or is
    larger than ``config.MAX_FILE_BYTES`` (a device such as /dev/zero, a
    log or a dump saved under an article's name): at most that much is ever
    read into memory."""
    limit = config.MAX_FILE_BYTES
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        report(ReadProblem(path, None, f"cannot read: {exc.strerror or exc}"))
        return None
    if len(data) > limit:
        report(ReadProblem(path, None, f"larger than {limit // 2**20} MB, skipped "
                                       "(one article per file; use JSON Lines for many)"))
        return None
    return data


def load_text(path: str, report: Report) -> Optional[str]:
    """Read and decode a file; report and return None when that fails."""
    data = load_bytes(path, report)
    return None if data is None else text_from_bytes(data, path, report)


#: Charset labels decoded the way browsers decode them (WHATWG Encoding):
#: pages and feeds labelled Shift_JIS use cp932's extra characters (①, ～,
#: 髙) all the time, and Python's strict shift_jis codec fails on them.
CHARSET_ALIASES = {
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "ms_kanji": "cp932", "csshiftjis": "cp932", "windows-31j": "cp932", "ms932": "cp932",
    "x-euc-jp": "euc_jp",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    # Markup whose ASCII declaration was readable as bytes is not UTF-16.
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8",
}
#: ``<?xml version="1.0" encoding="Shift_JIS"?>`` at the start of a file.
XML_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def decode_declared(
    data: bytes, charset: Optional[str], line: Optional[int], source: str, report: Report
) -> Optional[str]:
    """Decode markup with the ``charset`` it declares (on ``line``).

    A BOM outranks the declaration, as in browsers.  With no declaration, or
    one that does not fit the bytes (reported), the encoding is guessed like
    any other input's (:func:`text_from_bytes`).
    """
    if charset and data.strip() and not is_binary(data) and not data.startswith(_BOMS):
        codec = CHARSET_ALIASES.get(charset.lower(), charset)
        try:
            text = data.decode(codec)
        except LookupError:
            reason = f"unknown charset {charset!r} declared"
        except UnicodeDecodeError as exc:
            reason = f"declared charset {charset!r} does not fit byte {exc.start}"
        else:
            encoding = codecs.lookup(codec).name
            if encoding != "utf-8":
                name = ENCODING_NAMES.get(encoding, encoding)
                report(EncodingNote(source, line, f"decoded as {name}, as declared", warning=True, encoding=encoding))
            return text
        report(ReadProblem(source, line, f"{reason}; the encoding is guessed instead", warning=True))
    return text_from_bytes(data, source, report)


def split_lines(text: str) -> list[str]:
    """Split on CRLF, CR and LF only.

    ``str.splitlines`` would also split on U+2028, U+0085, form feeds and
    other separators that occur inside real article text (and inside JSON
    strings), which would shift line numbers in problem reports.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# --------------------------------------------------------------------------
# Article fields

def clean_body(text: str) -> str:
    """Normalise body whitespace while keeping the paragraph structure.

    Trailing whitespace goes from every line, so lines of only spaces, NBSP or
    ideographic spaces (U+3000) become blank (``str.isspace`` covers both).
    Any run of two or more blank lines becomes one blank line (i.e. three or
    more line breaks become two), and leading/trailing blank lines go.
    Leading whitespace is kept: livedoor indents paragraphs with U+3000.
    """
    lines = [line.rstrip() for line in split_lines(text)]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue  # drops leading blanks and repeated blanks
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


_LIST_SEPARATORS = re.compile(r"[,、，;；]")


def split_list(value: str) -> list[str]:
    """Split a tag list written as ``a, b``, ``a、b`` or ``a b``."""
    if _LIST_SEPARATORS.search(value):
        parts = _LIST_SEPARATORS.split(value)
    else:
        parts = value.split()  # str.split() also splits on U+3000
    return unique(part.strip() for part in parts)


def unique(items: Iterable[str]) -> list[str]:
    """Non-empty items, first occurrence kept, order preserved."""
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


_JAPANESE_DATE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"(?:\s*\([^)]*\))?"                                  # weekday: (日)
    r"(?:\s*(?P<H>\d{1,2})\s*[:時]\s*(?P<M>\d{1,2})\s*分?"  # optional time
    r"(?:\s*:\s*(?P<S>\d{1,2}))?)?"
)


def parse_date(text: str) -> Optional[datetime]:
    """Parse an ISO 8601 or Japanese (2022年3月6日(日) 10:30) date.

    Returns a timezone-aware datetime (JST when the text gives no zone), or
    None when the text is not a valid date.
    """
    # NFKC folds full-width digits, colons and parentheses to ASCII.
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        match = _JAPANESE_DATE.fullmatch(text)
        if not match:
            return None
        try:
            value = datetime(
                int(match["y"]), int(match["m"]), int(match["d"]),
                int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0),
            )
        except ValueError:  # 2月30日, 25:00 ...
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=JST)
    try:
        value.astimezone(timezone.utc)  # the index keeps dates in UTC
    except OverflowError:  # 0001-01-01 in JST is before year 1 in UTC
        return None
    return value


def content_hash(article: dict) -> str:
    """SHA-1 over the content fields only.

    ``id`` and ``source`` are left out on purpose: moving a file or re-reading
    an export must not make an unchanged article look changed.
    """
    date = article["date"]
    payload = [
        article["title"],
        article["body"],
        date.isoformat() if date is not None else None,
        article["tags"],
        article["category"],
        article["url"],
        article["author"],
        article["related"],
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(encoded.encode("utf-8")).hexdigest()


def printable_name(name: str) -> str:
    """``name`` as real Unicode, which is all the index can store.

    A file name that is not valid UTF-8 reaches Python with its odd bytes as
    lone surrogates (os.fsdecode's surrogateescape); those bytes are written
    as ``\\xNN`` instead, so the article still gets a stable, readable id.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that did not come from a byte
        return re.sub("[\ud800-\udfff]", "\ufffd", name)


def _cut_to_limit(text: str, limit: int, what: str, source: str, report: Optional[Report]) -> str:
    """``text`` cut to at most ``limit`` characters, at a line end if one is
    near: a 50 MB "article" (a log file, a database dump) would otherwise
    keep the analyser busy for minutes and bloat the index."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit + 1)
    if cut < limit * 0.9:
        cut = limit
    if report is not None:
        setting = f"MAX_{what.upper()}_CHARS"
        report(ReadProblem(
            source, None,
            f"{what} is {len(text):,} characters long; only the first {cut:,} are kept ({setting} in index/config.py)",
            warning=True,
        ))
    return text[:cut]


def make_article(
    *,
    source: str,
    title: str = "",
    body: str = "",
    url: Optional[str] = None,
    date: Optional[datetime] = None,
    tags: Iterable[str] = (),
    category: Optional[str] = None,
    author: Optional[str] = None,
    related: Iterable[str] = (),
    id: Optional[str] = None,
    report: Optional[Report] = None,
) -> dict:
    """Build an article dict with every key, normalised, and its hash.

    A title or body longer than ``config.MAX_TITLE_CHARS`` /
    ``config.MAX_BODY_CHARS`` is cut to that length, with a warning to
    ``report`` naming the source.
    """
    source = printable_name(os.fspath(source))
    url = clean_text(url or "").strip() or None
    # Invisible and control characters go before anything else sees the
    # text (index.textclean), so the stored text is what was analysed.
    title = _cut_to_limit(clean_text(title or "").strip(), config.MAX_TITLE_CHARS, "title", source, report).strip()
    body = _cut_to_limit(clean_text(body or ""), config.MAX_BODY_CHARS, "body", source, report)
    article = {
        "id": printable_name(id or url or source),
        "url": url,
        "title": title,
        "body": clean_body(body),
        "date": date,
        "tags": unique(clean_text(tag).strip() for tag in tags),
        "category": clean_text(category or "").strip() or None,
        "source": source,
        "author": clean_text(author or "").strip() or None,
        "related": unique(clean_text(item).strip() for item in related),
        "hash": "",
    }
    article["hash"] = content_hash(article)
    return article


# --------------------------------------------------------------------------
# HTML -> text (feed items and rendered Markdown; whole saved pages go through
# trafilatura instead, which also drops navigation, ads and footers)

#: Elements whose content is never article text.
_HTML_SKIPPED = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg", "head"})
#: Elements that start a new paragraph (a blank line before and after).
_HTML_PARAGRAPHS = frozenset({
    "p", "div", "section", "article", "header", "footer", "aside", "main", "nav",
    "blockquote", "pre", "ul", "ol", "dl", "table", "figure", "figcaption",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "details", "summary",
})
#: Elements that start a new line inside a paragraph.
_HTML_LINES = frozenset({"br", "li", "dt", "dd", "tr", "caption"})
# Sentinels for breaks while whitespace is being collapsed: they survive the
# collapsing and become newlines afterwards.  Control characters are removed
# from the markup first, so they cannot come from the input.
_PARAGRAPH, _LINE = "\x1e", "\x1f"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line break in the markup between two Japanese characters is a wrapped
# source line, not a space: "東京都\n庁" must stay one word for Sudachi.
_CJK_WRAP = re.compile(f"(?<=[{_CJK}])[ \t\r\n\f]*\n[ \t\r\n\f]*(?=[{_CJK}])")
# ASCII whitespace only: U+3000 and NBSP are content in Japanese text.
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment, keeping paragraphs and line breaks.

    Tags go, entities are decoded, scripts and styles are dropped with their
    content, whitespace is collapsed the way a browser does (except between
    Japanese characters, see ``_CJK_WRAP``), and block elements become line
    breaks so the body keeps its paragraphs.
    """
    import lxml.etree
    import lxml.html  # imported here: only the feed and Markdown readers need it

    markup = _CONTROL.sub("", markup or "")
    if not markup.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return clean_body(markup)  # not parseable as HTML: it is text already
    parts: list[str] = []

    def walk(element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None  # None: comment, PI
        if tag is not None and tag not in _HTML_SKIPPED:
            if tag in _HTML_PARAGRAPHS:
                parts.append(_PARAGRAPH)
            elif tag in _HTML_LINES:
                parts.append(_LINE)
            parts.append(element.text or "")
            for child in element:
                walk(child)
            if tag in _HTML_PARAGRAPHS:
                parts.append(_PARAGRAPH)
        parts.append(element.tail or "")

    walk(root)
    text = _CJK_WRAP.sub("", "".join(parts))
    text = _HTML_SPACE.sub(" ", text)
    text = re.sub(f" *([{_PARAGRAPH}{_LINE}]) *", r"\1", text)
    text = text.replace(_PARAGRAPH, "\n\n").replace(_LINE, "\n")
    return clean_body(text).strip()


# --------------------------------------------------------------------------
# Folders

def sorted_entries(path: str) -> list[os.DirEntry]:
    """Visible entries of a folder sorted by name (hidden files are skipped)."""
    with os.scandir(path) as entries:
        return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)


def walk_files(
    path: str,
    report: Report = ignore_problem,
    claim_dir: Optional[Callable[[str], bool]] = None,
) -> Iterator[str]:
    """Yield the files below ``path`` depth-first in sorted order.

    Paths are joined onto ``path`` as given (not resolved), so ``source``
    fields look like what the user typed.  A folder for which ``claim_dir``
    returns True is yielded itself instead of being descended into: that is
    how a livedoor corpus inside a larger tree is read as one unit.
    Symlinked folders are followed once; a link pointing back up the tree
    would otherwise loop forever.
    """
    seen: set[str] = set()

    def walk(folder: str) -> Iterator[str]:
        real = os.path.realpath(folder)
        if real in seen:
            return
        seen.add(real)
        try:
            entries = sorted_entries(folder)
        except OSError as exc:
            report(ReadProblem(folder, None, f"cannot list folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            child = os.path.join(folder, entry.name)
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError as exc:  # a link to itself (ELOOP), a vanished or unreadable entry
                report(ReadProblem(child, None, f"cannot read: {exc.strerror or exc}"))
                continue
            if is_dir:
                if claim_dir is not None and claim_dir(child):
                    yield child
                else:
                    yield from walk(child)
            elif is_file:
                yield child
            elif entry.is_symlink():  # is_file() and is_dir() follow links; this one leads nowhere
                report(ReadProblem(child, None, "broken link: its target does not exist"))

    yield from walk(os.fspath(path))
