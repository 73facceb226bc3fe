"""Atom 1.0 feeds of search results (RFC 4287), with the standard library.

``atom_feed(result, title, self_url, base_url, updated)`` turns a page of
results — a ``SearchResult`` or its ``to_dict()``, hits in the order the
caller chose (newest first for a feed: ``sort="date"``) — into the bytes of
an Atom document, so any feed reader follows a search or a saved search::

    result = searcher.search(q, filters=filters, sort="date", per_page=50, facets=False)
    body = atom_feed(result, f"「{q}」の新着記事", self_url=request.url, base_url=request.host_url)
    return Response(body, mimetype="application/atom+xml")

Each hit becomes an entry with

* ``id``: ``urn:uuid:`` + the name-based UUID (version 5, URL namespace) of
  the article id — the same article always has the same entry id, in every
  feed and on every host;
* ``title`` (plain text), ``published`` and ``updated`` (the article's date,
  ISO 8601 with its offset; a date without one is Japan time; an undated
  article is ``updated`` at the feed's time and has no ``published``);
* ``link rel="alternate"``: the article's own URL when it is http(s), else
  the site's article page (``base_url`` + ``article?id=…``);
* ``summary``: the snippet as plain text (the ``<mark>`` markup dropped,
  entities unescaped);
* ``author`` when the hit names one, ``category`` for each tag and the
  article's category.

Text goes through ElementTree, which escapes ``&``, ``<``, ``>`` and quotes;
before that every value loses what XML 1.0 cannot carry at all (C0 control
characters but tab and line ends, lone surrogates, U+FFFE and U+FFFF) and
the invisible and C1 characters the articles never keep either
(index.textclean.clean_text).  The feed names its author (required unless
every entry has one) and this engine as its generator.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import quote, urljoin

from index.textclean import clean_text

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
JST = dt.timezone(dt.timedelta(hours=9))
UNTITLED = "（無題）"
DEFAULT_AUTHOR = "japanese-news-search"

_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"<[^>]*>")
# Characters a URL may carry as they are; anything else (spaces, quotes,
# angle brackets, non-ASCII) is percent-encoded as UTF-8.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def xml_text(value) -> str:
    """``value`` as text XML 1.0 can carry and a reader wants to see."""
    if value is None:
        return ""
    return clean_text(_NOT_XML.sub("", str(value)))


def plain_text(fragment_html: str | None) -> str:
    """The text of a highlighted fragment (``<mark>`` and any other tag
    dropped, character references unescaped)."""
    if not fragment_html:
        return ""
    return html.unescape(_TAG.sub("", fragment_html))


def is_web_url(url) -> bool:
    return isinstance(url, str) and re.match(r"^https?://[^\s/]", url.strip(), re.IGNORECASE) is not None


def _href(url: str) -> str:
    return quote(xml_text(url).strip(), safe=_URL_SAFE)


def article_page_url(base_url: str, article_id: str) -> str:
    """The site's page of an article (``/article?id=…``)."""
    return urljoin(base_url, "article?id=" + quote(article_id, safe=""))


def entry_id(article_id: str) -> str:
    """A stable Atom id for an article: ``urn:uuid:`` of its id."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, article_id))


def parse_when(value) -> dt.datetime | None:
    """A datetime (aware) from a datetime or an ISO 8601 string; a value
    without an offset is Japan time; None when there is none or it is not a
    date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=JST)


def rfc3339(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def _sub(parent, tag, text=None, **attrs):
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = xml_text(text)
    return element


def _hits(result) -> list:
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    return list(result.get("hits") or [])


def atom_feed(
    result,
    title: str,
    self_url: str,
    base_url: str,
    updated=None,
    *,
    html_url: str | None = None,
    subtitle: str | None = None,
    feed_id: str | None = None,
    author: str | None = None,
    generator_version: str | None = None,
) -> bytes:
    """An Atom 1.0 document (UTF-8 bytes) of the hits of ``result``.

    ``self_url``: the feed's own address (``rel="self"``, and by default its
    id); ``base_url``: the site's root, for the article pages of articles
    without a web address; ``updated``: when the feed last changed (default:
    the newest entry's date, else now); ``html_url``: the results page the
    feed follows (``rel="alternate"``, default ``base_url``).
    """
    hits = _hits(result)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    dates = [parse_when(hit.get("date")) for hit in hits]
    feed_updated = parse_when(updated) or max((d for d in dates if d is not None), default=None) or now

    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "ja"})
    _sub(feed, "id", feed_id or "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, xml_text(self_url))))
    _sub(feed, "title", title or UNTITLED, type="text")
    if subtitle:
        _sub(feed, "subtitle", subtitle, type="text")
    _sub(feed, "updated", rfc3339(feed_updated))
    _sub(feed, "link", rel="self", type=MEDIA_TYPE, href=_href(self_url))
    _sub(feed, "link", rel="alternate", type="text/html", href=_href(html_url or base_url))
    feed_author = _sub(feed, "author")
    _sub(feed_author, "name", author or DEFAULT_AUTHOR)
    _sub(feed, "generator", "japanese-news-search", version=generator_version or _engine_version())

    for hit, when in zip(hits, dates):
        article_id = xml_text(hit.get("id"))
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(article_id))
        _sub(entry, "title", xml_text(hit.get("title")).strip() or UNTITLED, type="text")
        _sub(entry, "updated", rfc3339(when or feed_updated))
        if when is not None:
            _sub(entry, "published", rfc3339(when))
        url = hit.get("url")
        link = url.strip() if is_web_url(url) else article_page_url(base_url, article_id)
        _sub(entry, "link", rel="alternate", type="text/html", href=_href(link))
        if hit.get("author"):
            _sub(_sub(entry, "author"), "name", hit["author"])
        terms = list(hit.get("tags") or [])
        if hit.get("category"):
            terms.append(hit["category"])
        for term in dict.fromkeys(xml_text(t).strip() for t in terms):
            if term:
                _sub(entry, "category", term=term)
        summary = xml_text(plain_text(hit.get("snippet"))).strip()
        if summary:
            _sub(entry, "summary", summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


FEED_ENTRIES = 50  # the newest hits a feed holds


def feed_title(query: str, filters: dict | None = None, alert: str | None = None) -> str:
    """The title a feed reader lists: the saved search's name, else the
    query and filters."""
    if alert:
        return f"保存した検索「{alert}」の新着記事"
    parts = [f"「{query}」"] if query else []
    for key, values in (filters or {}).items():
        values = values if isinstance(values, list) else [values]
        parts.extend(f"{key}:{v}" for v in values if v)
    return f"{' '.join(parts) or 'すべての記事'} の新着記事"


def search_feed(searcher, query: str, filters: dict | None, *, self_url: str, base_url: str,
                html_url: str | None = None, alert: str | None = None, entries: int = FEED_ENTRIES) -> bytes:
    """The Atom feed of a search: its newest ``entries`` hits (near-copies
    collapsed), for /feed?q=… and /feed?alert=NAME."""
    result = searcher.search(query or "", filters=filters, sort="date", per_page=entries, facets=False,
                             alternatives=False, relax=False)
    return atom_feed(result, feed_title(query, filters, alert), self_url=self_url, base_url=base_url,
                     html_url=html_url, subtitle=f"{result.total} 件中 新しい {len(result.hits)} 件")


def _engine_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("japanese-news-search")
    except PackageNotFoundError:
        return "unknown"


__all__ = ["FEED_ENTRIES", "MEDIA_TYPE", "atom_feed", "feed_title", "search_feed", "article_page_url", "entry_id", "plain_text", "xml_text"]
