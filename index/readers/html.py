"""Reader for saved HTML article pages (``.html``, ``.htm``).

The main text comes from trafilatura, which drops navigation, ads, related
links and footers (it works offline on the page given, with lxml).  The rest
comes from the page's own metadata, read here because trafilatura keeps dates
to the day and loses the time zone:

* title: JSON-LD ``headline``, else ``og:title``, else the first ``<h1>``,
  else ``<title>``;
* url (and id): ``<link rel="canonical">``, else ``og:url``, else the
  JSON-LD ``url``; a page without one is identified by its path;
* date: JSON-LD ``datePublished``, ``article:published_time``, the usual
  ``<meta>`` names and ``<time itemprop="datePublished">``, then the
  modified dates, in that order; the page's time zone is kept;
* tags: JSON-LD ``keywords``, ``article:tag``, ``<meta name="keywords">``
  and ``news_keywords``; author and category (``articleSection``,
  ``article:section``) likewise;
* language: ``<html lang>``; the analyser is for Japanese, so a page that
  declares another language is reported (and still indexed).

Bytes are decoded with the charset the page declares (BOM, ``<meta
charset>``, ``http-equiv`` or XML declaration), mapped the way browsers map
it (Shift_JIS is read as its superset cp932); a page that declares nothing is
decoded like every other input (see :func:`~.common.decode_declared`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator, Optional
from urllib.parse import urljoin, urlsplit

from .common import (
    XML_DECLARED_ENCODING,
    ReadProblem,
    Report,
    decode_declared,
    ignore_problem,
    load_bytes,
    make_article,
    parse_date,
    split_list,
    unique,
)

SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")

#: Browsers look for a charset declaration in the first 1024 bytes; saved
#: pages often carry a long comment or script first, so a little more.
CHARSET_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

#: schema.org types of a news article (and its close relatives).
ARTICLE_TYPES = frozenset({
    "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle",
    "Article", "BlogPosting", "LiveBlogPosting", "Report", "SatiricalArticle",
})
# <meta name/property/itemprop> holding a publication date, best first.
_PUBLISHED_META = (
    "article:published_time", "datepublished", "pubdate", "publishdate", "publish-date",
    "publish_date", "date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "dcterms.created", "citation_publication_date", "parsely-pub-date", "sailthru.date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")
_KEYWORD_META = ("keywords", "news_keywords")


@dataclass
class PageMetadata:
    """What a page says about itself; ``dates`` are (raw text, line, where) best first."""

    title: str = ""
    url: Optional[str] = None
    dates: list[tuple[str, Optional[int], str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    author: Optional[str] = None
    category: Optional[str] = None
    lang: Optional[str] = None
    description: str = ""
    article_body: str = ""
    #: Every headline the page gives (JSON-LD, Open Graph, <h1>, <title>).
    headlines: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# Bytes -> text

def declared_charset(data: bytes) -> tuple[Optional[str], Optional[int]]:
    """The charset a page declares in its first bytes, and the line declaring it."""
    head = data[:CHARSET_SNIFF_BYTES]
    match = XML_DECLARED_ENCODING.match(head) or _META_CHARSET.search(head)
    if not match:
        return None, None
    return match.group(1).decode("ascii").lower(), head.count(b"\n", 0, match.start()) + 1


def decode_page(data: bytes, source: str, report: Report) -> Optional[str]:
    """Decode a page's bytes as it declares, else by guessing; None if hopeless."""
    charset, line = declared_charset(data)
    return decode_declared(data, charset, line, source, report)


# --------------------------------------------------------------------------
# Metadata

def _texts(value: Any) -> list[str]:
    """Strings of a JSON-LD value: a string, a list, or objects with a name."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return _texts(value.get("name") or value.get("@value") or value.get("@id"))
    return []


def _first(value: Any) -> str:
    texts = _texts(value)
    return texts[0] if texts else ""


def _json_ld_objects(value: Any) -> Iterator[dict]:
    if isinstance(value, list):
        for item in value:
            yield from _json_ld_objects(item)
    elif isinstance(value, dict):
        yield value
        yield from _json_ld_objects(value.get("@graph"))


def _types(obj: dict) -> list[str]:
    """``@type`` as short names: "NewsArticle", "https://schema.org/Article"..."""
    types = obj.get("@type")
    return [t.rsplit("/", 1)[-1] for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def _json_ld_article(root, source: str, report: Report) -> tuple[dict, Optional[int]]:
    """The page's JSON-LD article object (a NewsArticle first) and its line."""
    articles = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            # strict=False: raw newlines inside strings are common in the wild.
            value = json.loads(script.text or "", strict=False)
        except json.JSONDecodeError as exc:
            report(ReadProblem(source, script.sourceline, f"invalid JSON-LD ({exc.msg}); ignored", warning=True))
            continue
        articles += [
            (obj, script.sourceline) for obj in _json_ld_objects(value)
            if any(t in ARTICLE_TYPES for t in _types(obj))
        ]
    news = [found for found in articles if any("News" in t for t in _types(found[0]))]
    return (news or articles or [({}, None)])[0]


def _meta_values(root) -> dict[str, list[tuple[str, Optional[int]]]]:
    """``<meta>`` contents by lower-cased name, property or itemprop."""
    values: dict[str, list[tuple[str, Optional[int]]]] = {}
    for meta in root.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attribute in ("name", "property", "itemprop"):
            key = (meta.get(attribute) or "").strip().lower()
            if key:
                values.setdefault(key, []).append((content, meta.sourceline))
    return values


def _element_text(element) -> str:
    return " ".join(element.text_content().split()) if element is not None else ""


def _absolute(url: str, base: str) -> Optional[str]:
    url = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _names(value: Any) -> list[str]:
    """Author names; a bare profile URL is not a name."""
    return [text for text in _texts(value) if not urlsplit(text).scheme]


def page_metadata(root, source: str = "", report: Report = ignore_problem) -> PageMetadata:
    """Read title, url, dates, tags, author, category and language from a parsed page."""
    meta = _meta_values(root)
    ld, ld_line = _json_ld_article(root, source, report)

    def first_meta(*names: str) -> str:
        return next((values[0][0] for name in names for values in [meta.get(name)] if values), "")

    page = PageMetadata()
    page.lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip() or None

    page.headlines = [
        headline for headline in (
            _first(ld.get("headline")), first_meta("og:title"), first_meta("twitter:title"),
            _element_text(next(root.iter("h1"), None)), _element_text(next(root.iter("title"), None)),
        ) if headline
    ]
    page.title = page.headlines[0] if page.headlines else ""

    # A relative canonical link is resolved against <base href> or another
    # absolute URL the page gives; without one it cannot name the article.
    base_element = next(root.iter("base"), None)
    candidates = [
        *(link.get("href") or "" for link in root.iter("link")
          if "canonical" in (link.get("rel") or "").lower().split()),
        first_meta("og:url"),
        _first(ld.get("url")),
        _first(ld.get("mainEntityOfPage")),
    ]
    base = (base_element.get("href") if base_element is not None else "") or ""
    base = base or next((c for c in candidates if c and _absolute(c, "")), "")
    page.url = next((url for c in candidates if c for url in [_absolute(c, base)] if url), None)

    for key in ("datePublished", "dateCreated"):
        page.dates += [(text, ld_line, f"JSON-LD {key}") for text in _texts(ld.get(key))[:1]]
    page.dates += [(text, line, f"<meta {name}>") for name in _PUBLISHED_META for text, line in meta.get(name, [])]
    for time in root.iter("time"):
        if time.get("datetime") and (time.get("itemprop") == "datePublished" or time.get("pubdate") is not None):
            page.dates.append((time.get("datetime"), time.sourceline, "<time datetime>"))
    page.dates += [(text, ld_line, "JSON-LD dateModified") for text in _texts(ld.get("dateModified"))[:1]]
    page.dates += [(text, line, f"<meta {name}>") for name in _MODIFIED_META for text, line in meta.get(name, [])]

    # One tag per JSON-LD list item or article:tag (it may contain a space);
    # a keywords string is a comma- or space-separated list.
    keywords = ld.get("keywords")
    page.tags = unique(
        (_texts(keywords) if isinstance(keywords, list) else split_list(_first(keywords)))
        + [text for text, _line in meta.get("article:tag", [])]
        + [tag for name in _KEYWORD_META for text, _line in meta.get(name, []) for tag in split_list(text)]
    )
    authors = _names(ld.get("author")) or _names(first_meta("author")) or _names(first_meta("article:author"))
    page.author = ", ".join(unique(authors)) or None
    page.category = _first(ld.get("articleSection")) or first_meta("article:section") or None
    page.description = first_meta("og:description", "description", "twitter:description")
    page.article_body = _first(ld.get("articleBody"))
    return page


def _published(page: PageMetadata, source: str, report: Report) -> Optional[datetime]:
    for text, _line, _where in page.dates:
        date = parse_date(text)
        if date is not None:
            return date
    if page.dates:
        text, line, where = page.dates[0]
        report(ReadProblem(source, line, f"unrecognised date {text!r} in {where}; article kept without a date", warning=True))
    else:
        report(ReadProblem(source, None, "no published date in the page's metadata (JSON-LD, Open Graph or <meta>); "
                           "article kept without a date", warning=True))
    return None


# --------------------------------------------------------------------------
# The page

def _main_text(markup: str) -> str:
    import trafilatura  # imported here: the CLI loads the readers for every command

    # favor_precision: on a short news page the recall-first fallback keeps
    # menus and "関連記事" lists, which then match searches they should not.
    text = trafilatura.extract(markup, include_comments=False, favor_precision=True)
    return text or ""


def _drop_leading_headline(body: str, headlines: list[str]) -> str:
    """The extracted text usually opens with the <h1>: the title field has it
    (maybe worded as the JSON-LD headline), and twice would boost it twice."""
    first, _, rest = body.partition("\n")
    same = " ".join(first.split())
    return rest if any(same == " ".join(h.split()) for h in headlines) else body


def parse_page(markup: str, source: str, report: Report) -> Optional[dict]:
    """One article from a decoded HTML page; problems go to ``report``."""
    import lxml.etree
    import lxml.html

    source = os.fspath(source)
    # lxml refuses a str that still declares its byte encoding.
    markup = _XML_DECLARATION.sub("", markup, count=1)
    try:
        root = lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError) as exc:
        report(ReadProblem(source, None, f"not parseable as HTML: {exc}"))
        return None
    page = page_metadata(root, source, report)
    if page.lang and page.lang.lower().split("-")[0] not in ("ja", "jpn"):
        report(ReadProblem(source, None, f"page declares <html lang={page.lang!r}>, not Japanese; "
                           "indexed with the Japanese analyser anyway", warning=True))

    body = _drop_leading_headline(_main_text(markup), page.headlines) or page.article_body
    if not body.strip() and page.description:
        report(ReadProblem(source, None, "no main text found; indexed the page's description instead", warning=True))
        body = page.description
    if not page.title and not body.strip():
        report(ReadProblem(source, None, "no title and no main text found; skipped"))
        return None
    return make_article(
        source=source,
        url=page.url,
        title=page.title,
        body=body,
        date=_published(page, source, report),
        tags=page.tags,
        category=page.category,
        author=page.author,
        report=report,
    )


def read_file(path: str, report: Report) -> Iterator[dict]:
    """Yield the one article of a saved HTML page (nothing if unusable)."""
    path = os.fspath(path)
    data = load_bytes(path, report)
    if data is None:
        return
    markup = decode_page(data, path, report)
    if markup is not None:
        article = parse_page(markup, path, report)
        if article is not None:
            yield article


read = read_file
