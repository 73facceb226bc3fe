"""Reader for the project's plain-text article files (see ``corpus/``).

Layout::

    <title>
    2022年3月6日(日) by: Kevin Hughes        date (weekday, by: optional)
    Tags: 中国, ロシア                         value may be empty
    <body paragraphs ...>
    関連記事をもっと見る                       optional trailing block:
    <related title>                           one title per line
    ...

Blank lines may appear anywhere between the header lines.  The files carry no
URL, so an article's id is its path.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import Iterator, Optional

from .common import (
    ReadProblem,
    Report,
    load_text,
    make_article,
    parse_date,
    split_lines,
    split_list,
)

_BY = re.compile(r"\s*\bby\s*[:：]\s*(?P<author>.*)$", re.IGNORECASE)
_TAGS = re.compile(r"^\s*(?:tags?|タグ)\s*[:：](?P<value>.*)$", re.IGNORECASE)
# Something that is clearly trying to be a date, even if it fails to parse:
# digits together with 年/月/日 or with ISO-ish separators.
_DATEISH = re.compile(r"^\s*\d.*(?:[年月日]|\d[-/.]\d)")

# A line that opens the trailing related-articles block: 関連記事をもっと見る,
# 関連記事, 関連記事:, 【関連記事】, ■関連記事 ... standing alone on its line.
# A line that merely *mentions* related articles inside the body, such as
# "(関連記事:中国、ロシアを...", does not match because of the text after it.
_RELATED_MARKER = re.compile(
    r"^[【■●◆\[［]?\s*関連記事\s*(?:をもっと見る|一覧)?\s*[】\]］]?\s*[:：]?$"
)
# A trailing block longer than this is not a list of related titles but body
# text that happens to follow a 関連記事 heading.
MAX_RELATED = 30


def read_file(path: str, report: Report) -> Iterator[dict]:
    """Yield the one article of a plain-text file (nothing if unusable)."""
    text = load_text(path, report)
    if text is not None:
        article = parse_text(text, path, report)
        if article is not None:
            yield article


def _blank(line: str) -> bool:
    return not line.strip()  # NBSP and U+3000 count as whitespace


def _next_content(lines: list[str], start: int) -> int:
    """Index of the first non-blank line at or after ``start`` (or len)."""
    while start < len(lines) and _blank(lines[start]):
        start += 1
    return start


def _is_date_line(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _TAGS.match(line):
        return False
    if _BY.search(line) or parse_date(line) is not None:
        return True
    # Length limit: a body that opens with "2008年8月、ロシアは..." is not a date.
    if len(line.strip()) <= 40 and _DATEISH.match(unicodedata.normalize("NFKC", line)):
        return True
    # A short line sitting right above the Tags: line is the header line,
    # whatever it holds.
    following = _next_content(lines, i + 1)
    return following < len(lines) and bool(_TAGS.match(lines[following])) and len(line.strip()) <= 60


def _split_related(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split body lines into (body, related titles)."""
    for i, line in enumerate(lines):
        if not _RELATED_MARKER.match(line.strip()):
            continue
        rest = [item.strip() for item in lines[i + 1:] if not _blank(item)]
        if len(rest) <= MAX_RELATED:
            # Further marker lines inside the block are headings, not titles.
            titles = [item for item in rest if not _RELATED_MARKER.match(item)]
            return lines[:i], titles
    return lines, []


def parse_text(text: str, source: str, report: Report) -> Optional[dict]:
    """Parse one plain-text article; problems go to ``report``."""
    source = os.fspath(source)
    lines = split_lines(text)

    i = _next_content(lines, 0)
    if i == len(lines):
        report(ReadProblem(source, None, "empty file"))
        return None
    title = lines[i].strip()
    i += 1

    date = None
    author = None
    j = _next_content(lines, i)
    if j < len(lines) and _is_date_line(lines, j):
        line = lines[j]
        by = _BY.search(line)
        if by:
            author = by["author"].strip() or None
            line = line[: by.start()]
        date = parse_date(line)
        if date is None:
            shown = line.strip() or "(none)"
            report(ReadProblem(source, j + 1, f"unrecognised date {shown!r}; article kept without a date", warning=True))
        i = j + 1
    else:
        # Line numbers are 1-based: the date belongs right under the title.
        report(ReadProblem(source, i + 1, "missing date line; article kept without a date", warning=True))

    tags: list[str] = []
    j = _next_content(lines, i)
    if j < len(lines):
        match = _TAGS.match(lines[j])
        if match:
            tags = split_list(match["value"])
            i = j + 1

    body_lines, related = _split_related(lines[i:])
    return make_article(
        source=source,
        title=title,
        body="\n".join(body_lines),
        date=date,
        tags=tags,
        author=author,
        related=related,
        report=report,
    )


read = read_file
