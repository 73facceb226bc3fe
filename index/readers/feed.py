"""Reader for RSS and Atom feeds saved as files (``.rss``, ``.atom``, ``.xml``).

Parsing is left to feedparser, which knows RSS 0.9x/1.0/2.0 and Atom 0.3/1.0,
their encodings, namespaces and ill-formed variants, and sanitises embedded
HTML.  One article per item or entry:

* id and url: the item's link (resolved against the channel's link when it is
  relative), else its guid / Atom id.  The link is what stays the same when a
  newer copy of the feed is read again, so re-indexing a feed replaces the
  items that changed and adds the new ones, never the same item twice;
* title; the body is the full content (``content:encoded``, Atom
  ``<content>``) or else the summary / description, HTML stripped to text;
* date: published, else updated, with the time zone the feed wrote;
* tags: the item's categories; author: the item's author or ``dc:creator``.

Dates are parsed from the feed's own text, not from feedparser's
``*_parsed`` values, which are converted to UTC and so lose the zone (and
read "JST" as UTC).  A relative date such as ``3時間前`` or ``2 hours ago`` is
counted back from the feed's own build date (``lastBuildDate`` / Atom
``updated``), never from the clock: reading the same file twice must give the
same article.

Fetching feeds is left to the user's tools (a scheduled curl, say); this
reader never touches the network.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Iterator, Optional
from urllib.parse import urljoin, urlsplit

from .common import (
    JST,
    XML_DECLARED_ENCODING,
    ReadProblem,
    Report,
    decode_declared,
    html_to_text,
    load_bytes,
    make_article,
    parse_date,
)

SUFFIXES = (".rss", ".atom", ".xml", ".rdf")

# RFC 822 knows only North American zone names; Japanese feeds write JST.
_ZONE_NAMES = {"JST": "+0900", "KST": "+0900"}
_TRAILING_ZONE = re.compile(r"\b(?P<zone>[A-Z]{3})\s*$")

_RELATIVE_UNITS = {
    "秒": "seconds", "second": "seconds",
    "分": "minutes", "minute": "minutes", "min": "minutes",
    "時間": "hours", "hour": "hours",
    "日": "days", "day": "days",
    "週間": "weeks", "週": "weeks", "week": "weeks",
}
_RELATIVE = re.compile(
    r"(?P<n>\d+)\s*(?P<unit>秒|分|時間|日|週間|週)\s*前"
    r"|(?P<en_n>\d+)\s*(?P<en_unit>second|minute|min|hour|day|week)s?\s+ago",
    re.IGNORECASE,
)

# Where each item starts in the raw bytes, for line numbers in problems.
# Only used when it finds exactly as many items as feedparser did.
_ITEM_START = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:item|entry)[\s>/]")
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>")


def _parse_absolute(text: str) -> Optional[datetime]:
    """An ISO 8601 / W3C-DTF, Japanese or RFC 822 date; the zone is kept."""
    date = parse_date(text)  # ISO and 2024年3月1日; no zone means Japan time
    if date is not None:
        return date
    from email.utils import parsedate_to_datetime  # 8 ms to import; the CLI loads this module for every command

    text = unicodedata.normalize("NFKC", text).strip()
    zone = _TRAILING_ZONE.search(text)
    if zone and zone["zone"] in _ZONE_NAMES:
        text = text[: zone.start()] + _ZONE_NAMES[zone["zone"]]
    try:
        date = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if date.tzinfo is None:
        # RFC 822 "-0000" means UTC with the local zone unknown; no zone at
        # all is taken as Japan time, as everywhere in the readers.
        date = date.replace(tzinfo=timezone.utc if text.endswith("-0000") else JST)
    return date


def _parse_relative(text: str, reference: datetime) -> Optional[datetime]:
    match = _RELATIVE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    amount = int(match["n"] or match["en_n"])
    unit = _RELATIVE_UNITS[(match["unit"] or match["en_unit"]).lower()]
    return reference - timedelta(**{unit: amount})


def _fallback_parsed(entry, key: str) -> Optional[datetime]:
    """feedparser's own reading (UTC) of a date form we do not know."""
    parsed = entry.get(key + "_parsed")
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=timezone.utc)


def _build_date(feed) -> Optional[datetime]:
    """When the feed was written: the reference for relative item dates."""
    for key in ("updated", "published"):  # lastBuildDate / Atom updated, then pubDate
        raw = feed.get(key)
        if raw:
            date = _parse_absolute(raw) or _fallback_parsed(feed, key)
            if date is not None:
                return date
    return None


def _line_numbers(data: bytes, count: int) -> list[Optional[int]]:
    starts = [m.start() for m in _ITEM_START.finditer(data)]
    if len(starts) != count:
        return [None] * count
    return [data.count(b"\n", 0, start) + 1 for start in starts]


def _text(value: Optional[str], detail) -> str:
    """A title or similar that may be typed as HTML (Atom ``type="html"``)."""
    if not value:
        return ""
    if detail and "html" in (detail.get("type") or ""):
        return " ".join(html_to_text(value).split("\n"))
    return value


def _body(entry) -> str:
    # Prefer the full content; several <content> elements are alternatives
    # (text and html) of the same text, so the longest one is kept.
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if contents:
        chosen = max(contents, key=lambda c: len(c["value"]))
        value, kind = chosen["value"], chosen.get("type") or ""
    else:
        value = entry.get("summary") or ""
        kind = (entry.get("summary_detail") or {}).get("type") or "text/html"
    return html_to_text(value) if "html" in kind else value


def _author(entry) -> Optional[str]:
    detail = entry.get("author_detail") or {}
    # "taro@example.jp (山田 太郎)" in RSS: the name is the part worth keeping.
    return detail.get("name") or entry.get("author")


def _is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class _ItemReader:
    """Turns the entries of one parsed feed into articles."""

    def __init__(self, path: str, parsed, report: Report):
        self.path = path
        self.report = report
        self.base = parsed.feed.get("link") or ""
        self.build_date = _build_date(parsed.feed)

    def problem(self, line: Optional[int], where: str, message: str, warning: bool = False) -> None:
        self.report(ReadProblem(self.path, line, f"{where}: {message}", warning=warning))

    def link(self, entry, line: Optional[int], where: str) -> Optional[str]:
        """The item's web address, or None (then its guid/id identifies it)."""
        link = (entry.get("link") or "").strip()
        if not link or _is_absolute(link):
            return link or None
        if urlsplit(link).scheme:
            # feedparser offers a guid such as "urn:uuid:..." or "tag:..." as
            # the link: an identifier, not an address.
            return None
        if _is_absolute(self.base):
            return urljoin(self.base, link)
        self.problem(line, where, f"relative link {link!r} and no channel link to resolve it; kept as is", warning=True)
        return link

    def date(self, entry, line: Optional[int], where: str) -> Optional[datetime]:
        for key in ("published", "updated"):
            raw = (entry.get(key) or "").strip()
            if not raw:
                continue
            date = _parse_absolute(raw)
            if date is None and _RELATIVE.fullmatch(unicodedata.normalize("NFKC", raw)):
                if self.build_date is None:
                    self.problem(line, where, f"relative date {raw!r} but the feed has no build date "
                                 "(lastBuildDate or updated) to count from; article kept without a date", warning=True)
                    return None
                date = _parse_relative(raw, self.build_date)
            date = date or _fallback_parsed(entry, key)
            if date is None:
                self.problem(line, where, f"unrecognised date {raw!r}; article kept without a date", warning=True)
            return date
        self.problem(line, where, "no published or updated date; article kept without a date", warning=True)
        return None

    def article(self, entry, number: int, line: Optional[int]) -> Optional[dict]:
        where = f"item {number}"
        link = self.link(entry, line, where)
        ident = link or (entry.get("id") or "").strip() or None
        if ident is None:
            self.problem(line, where, "neither a link nor a guid/id, so it could not be told apart on re-indexing; skipped")
            return None
        title = _text(entry.get("title"), entry.get("title_detail")).strip()
        body = _body(entry)
        if not title and not body.strip():
            self.problem(line, where, "neither a title nor any content; skipped")
            return None
        return make_article(
            source=self.path,
            id=ident,
            url=link,
            title=title,
            body=body,
            date=self.date(entry, line, f"{where} ({ident})"),
            # One <category> is one tag, even with a space in it.
            tags=[t.get("term") or t.get("label") or "" for t in entry.get("tags") or []],
            author=_author(entry),
            report=self.report,
        )


def _describe_error(exc: Exception) -> tuple[Optional[int], str]:
    line = exc.getLineNumber() if hasattr(exc, "getLineNumber") else None
    message = exc.getMessage() if hasattr(exc, "getMessage") else str(exc)
    return line, message


def read_file(path: str, report: Report) -> Iterator[dict]:
    """Yield one article per item or entry of a saved RSS or Atom feed."""
    import feedparser  # imported here: the CLI loads the readers for every command

    path = os.fspath(path)
    data = load_bytes(path, report)
    if data is None:
        return
    # Decoded here rather than by feedparser, which reads a feed labelled
    # Shift_JIS with the strict codec and, at the first ① or ～, falls back
    # to a Latin encoding: mojibake instead of an error.
    declared = XML_DECLARED_ENCODING.match(data)
    text = decode_declared(data, declared and declared.group(1).decode("ascii"), 1, path, report)
    if text is None:
        return
    # Without its declaration the XML is read as what it now is: UTF-8.
    # (Only the declaration goes, so line numbers stay the same.)
    data = _XML_DECLARATION.sub("", text.lstrip("\ufeff"), count=1).encode("utf-8")
    # Bytes, never a str: given a string feedparser would also accept a URL
    # or a file name and open it.
    parsed = feedparser.parse(data)
    entries = parsed.entries
    if parsed.get("bozo"):
        line, message = _describe_error(parsed.get("bozo_exception"))
        if not entries:
            report(ReadProblem(path, line, f"not a readable RSS or Atom feed: {message}"))
            return
        report(ReadProblem(path, line, f"feed is not well-formed ({message}); items read leniently", warning=True))
    if not parsed.get("version") and not entries:
        report(ReadProblem(path, None, "not an RSS or Atom feed; skipped", warning=True))
        return
    if not entries:
        report(ReadProblem(path, None, "feed has no items", warning=True))
        return
    items = _ItemReader(path, parsed, report)
    first_seen: dict[str, int] = {}
    for number, (entry, line) in enumerate(zip(entries, _line_numbers(data, len(entries))), start=1):
        article = items.article(entry, number, line)
        if article is None:
            continue
        # A feed that lists an item twice would have it counted as replaced
        # on every run; the first listing stands.
        if article["id"] in first_seen:
            items.problem(line, f"item {number}", f"repeats item {first_seen[article['id']]} ({article['id']}); skipped",
                          warning=True)
            continue
        first_seen[article["id"]] = number
        yield article


read = read_file
