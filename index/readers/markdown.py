"""Reader for Markdown news posts with YAML front matter (``.md``).

The layout static-site generators (Jekyll, Hugo, Eleventy...) keep posts in::

    ---
    title: 円安進む、日銀総裁が会見
    date: 2024-03-01T10:30:00+09:00
    tags: [経済, 日銀]
    author: 山田太郎
    category: 経済
    url: https://example.jp/news/0301
    ---
    日本銀行の**植田和男**総裁は1日、…

Front-matter keys: ``title``; ``date`` (or ``publishDate`` / ``published``),
ISO 8601 with or without a zone, Jekyll's ``2024-03-01 10:30:00 +0900``,
``2024/3/1`` or ``2024年3月1日``; ``tags`` (or ``keywords``), a list or a
comma-separated string; ``author`` (or ``authors``); ``category`` (or the
first of ``categories``); ``url`` (or ``canonical``), used as the id when it
is an absolute URL.  Drafts (``draft: true``, Jekyll's ``published: false``)
are skipped with a warning.  Without a ``title`` the first ``# heading`` is
the title.  A malformed date is reported with its line and the post is kept.

The body is rendered with markdown-it (CommonMark) and reduced to text, so
``**強調**``, links and headings index as the words they show.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

from .common import (
    ReadProblem,
    Report,
    html_to_text,
    load_text,
    make_article,
    parse_date,
    split_lines,
    split_list,
    unique,
)

SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")

_FENCE = "---"
_CLOSING_FENCES = ("---", "...")
_DATE_KEYS = ("date", "publishDate", "published", "pubDate")
_URL_KEYS = ("url", "canonical", "canonical_url", "canonicalURL")
_HEADING = re.compile(r"^#\s+(?P<title>.+?)(?:\s+#+)?\s*$")
# 2024/3/1, 2024-3-1 10:30 and Jekyll's "2024-03-01 10:30:00 +0900" into the
# ISO form parse_date reads.
_LOOSE_DATE = re.compile(
    r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[T ]+(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)


class _BadFrontMatter(ValueError):
    def __init__(self, line: Optional[int], message: str):
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def _loader_class():
    """A safe YAML loader that leaves dates as the strings they were written as.

    PyYAML would turn ``2024-03-01`` into a date (losing nothing) but
    ``2024-13-45`` into an exception that loses the whole front matter; the
    reader parses dates itself so a bad one costs only the date.  Built on
    first use: importing yaml costs every CLI command 30 ms otherwise.
    """
    import yaml

    class FrontMatterLoader(yaml.SafeLoader):
        pass

    FrontMatterLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return FrontMatterLoader


def split_front_matter(text: str) -> tuple[Optional[str], str]:
    """``(front matter or None, body)``; raises _BadFrontMatter if unclosed."""
    lines = split_lines(text.lstrip("\ufeff"))
    if not lines or lines[0].rstrip() != _FENCE:
        return None, text.lstrip("\ufeff")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in _CLOSING_FENCES:
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:])
    raise _BadFrontMatter(1, "front matter opened with --- on line 1 is never closed")


def load_front_matter(yaml_text: str) -> tuple[dict, dict[str, int]]:
    """``(values, file line of each top-level key)``; raises _BadFrontMatter."""
    import yaml

    loader = _loader_class()(yaml_text)
    try:
        node = loader.get_single_node()
        values = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # +2: the YAML starts on line 2, after the opening ---.
        line = mark.line + 2 if mark is not None else None
        raise _BadFrontMatter(line, f"front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    finally:
        loader.dispose()
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise _BadFrontMatter(2, f"front matter must be a mapping of keys to values, not a {type(values).__name__}")
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(key.value): key.start_mark.line + 2 for key, _value in node.value}
    return values, lines


def _strings(value: Any) -> list[str]:
    """A front-matter value as strings: scalars, lists, or mappings with a name."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, (str, int, float)):
        return [str(value).strip()] if str(value).strip() else []
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return _strings(value.get("name"))
    return []


def parse_front_matter_date(text: str) -> Optional[datetime]:
    """A front-matter date in any of the forms the module docstring lists."""
    date = parse_date(text)
    if date is not None:
        return date
    match = _LOOSE_DATE.fullmatch(text.strip())
    if not match:
        return None
    iso = f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"
    if match["time"]:
        hours, rest = match["time"].split(":", 1)
        iso += f"T{int(hours):02d}:{rest}"
    return parse_date(iso + (match["zone"] or ""))


def _is_draft(values: dict) -> Optional[str]:
    if values.get("draft") is True:
        return "draft: true"
    if values.get("published") is False:
        return "published: false"
    return None


@lru_cache(maxsize=1)
def _markdown_parser():
    from markdown_it import MarkdownIt  # imported here: the CLI loads the readers for every command

    return MarkdownIt("commonmark").enable("table")


def _render(markdown: str) -> str:
    return html_to_text(_markdown_parser().render(markdown))


def _tags(value: Any) -> list[str]:
    """A list's items are tags as written; one string is a comma-separated list."""
    if isinstance(value, str):
        return split_list(value)
    return _strings(value)


def _heading_title(body: str) -> tuple[str, str]:
    """``(title, rest)`` when the body opens with a ``# heading``."""
    stripped = body.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    match = _HEADING.match(first)
    return (match["title"].strip(), rest) if match else ("", body)


def parse_post(text: str, source: str, report: Report) -> Optional[dict]:
    """One article from a Markdown post's text; problems go to ``report``."""
    source = os.fspath(source)
    try:
        front, body = split_front_matter(text)
        values, key_lines = load_front_matter(front) if front is not None else ({}, {})
    except _BadFrontMatter as exc:
        report(ReadProblem(source, exc.line, f"{exc}; post skipped"))
        return None

    draft = _is_draft(values)
    if draft:
        report(ReadProblem(source, key_lines.get(draft.split(":")[0]), f"a draft ({draft}); skipped", warning=True))
        return None

    title = " ".join(_strings(values.get("title")))
    heading, rest = _heading_title(body)
    # The heading is the title when the front matter has none, and a repeat
    # of it when they are the same: either way it leaves the body.
    if heading and (not title or heading == title):
        title, body = heading, rest

    date = None
    date_key = next((key for key in _DATE_KEYS if isinstance(values.get(key), (str, int))), None)
    if date_key is None:
        report(ReadProblem(source, None, "no date in the front matter; article kept without a date", warning=True))
    else:
        raw = str(values[date_key])
        date = parse_front_matter_date(raw)
        if date is None:
            report(ReadProblem(source, key_lines.get(date_key), f"unrecognised {date_key} {raw!r}; article kept without a date",
                               warning=True))

    text_body = _render(body)
    if not title and not text_body:
        report(ReadProblem(source, None, "neither a title nor any text; skipped"))
        return None
    url = next((u for key in _URL_KEYS for u in _strings(values.get(key)) if urlsplit(u).scheme in ("http", "https")), None)
    categories = _strings(values.get("category")) or _strings(values.get("categories"))
    return make_article(
        source=source,
        url=url,
        title=title,
        body=text_body,
        date=date,
        tags=_tags(values.get("tags")) + _tags(values.get("keywords")),
        category=categories[0] if categories else None,
        author=", ".join(unique(_strings(values.get("author")) + _strings(values.get("authors")))) or None,
        report=report,
    )


def read_file(path: str, report: Report) -> Iterator[dict]:
    """Yield the one article of a Markdown post (nothing if unusable)."""
    text = load_text(path, report)
    if text is not None:
        article = parse_post(text, path, report)
        if article is not None:
            yield article


read = read_file
