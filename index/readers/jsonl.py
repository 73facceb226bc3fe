"""Reader for JSON Lines article files (``.jsonl`` / ``.ndjson``).

One JSON object per line with any of the fields id, url, title, body, date,
tags, category, source, author, related; unknown fields are ignored and a
``hash`` field is recomputed rather than trusted.  Only a non-empty title or
body is required.  This is also the natural export format for article dicts,
so reading an export back gives the same ids, sources and hashes.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterator, Optional

from .common import (
    ReadProblem,
    Report,
    load_text,
    make_article,
    parse_date,
    split_lines,
    split_list,
)

_TEXT_FIELDS = ("id", "url", "title", "body", "category", "source", "author")
# JSON's \uXXXX escapes can spell half a surrogate pair, which is not Unicode:
# such a string cannot be encoded as UTF-8 (hashing, storing and exporting it
# would fail), so each one becomes U+FFFD and the article is kept.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _BadRecord(ValueError):
    """A record that cannot become an article; the message is reported."""


def _text_field(record: dict, key: str) -> Optional[str]:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    # Numeric ids are common in exports; anything else is a mistake.
    if key == "id" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _BadRecord(f"field {key!r} must be a string, not {type(value).__name__}")


def _list_field(record: dict, key: str) -> list[str]:
    value = record.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        # related titles may contain commas, so only tags split on them.
        return split_list(value) if key == "tags" else split_lines(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise _BadRecord(f"field {key!r} must be a list of strings or a string")


def parse_record(record: Any, path: str, lineno: int, report: Report) -> Optional[dict]:
    """Turn one decoded JSON value into an article (None if unusable)."""
    if not isinstance(record, dict):
        report(ReadProblem(path, lineno, f"expected a JSON object, got {type(record).__name__}"))
        return None
    try:
        fields = {key: _text_field(record, key) for key in _TEXT_FIELDS}
        tags = _list_field(record, "tags")
        related = _list_field(record, "related")
    except _BadRecord as exc:
        report(ReadProblem(path, lineno, str(exc)))
        return None
    if any(_LONE_SURROGATE.search(v) for v in [*fields.values(), *tags, *related] if v):
        report(ReadProblem(path, lineno, "unpaired surrogate escape (\\udXXX) replaced by U+FFFD; article kept", warning=True))
        fields = {k: _LONE_SURROGATE.sub("\ufffd", v) if v else v for k, v in fields.items()}
        tags = [_LONE_SURROGATE.sub("\ufffd", v) for v in tags]
        related = [_LONE_SURROGATE.sub("\ufffd", v) for v in related]

    if not (fields["title"] or "").strip() and not (fields["body"] or "").strip():
        report(ReadProblem(path, lineno, "record has neither title nor body"))
        return None

    # A bad date degrades the article instead of dropping it, as elsewhere.
    date = None
    raw_date = record.get("date")
    if raw_date is not None and raw_date != "":
        date = parse_date(raw_date) if isinstance(raw_date, str) else None
        if date is None:
            report(ReadProblem(path, lineno, f"unrecognised date {raw_date!r}; article kept without a date", warning=True))

    url = (fields["url"] or "").strip() or None
    return make_article(
        id=(fields["id"] or "").strip() or url or f"{path}:{lineno}",
        url=url,
        title=fields["title"] or "",
        body=fields["body"] or "",
        date=date,
        tags=tags,
        category=fields["category"],
        # Keep a record's own source so re-reading an export round-trips.
        source=(fields["source"] or "").strip() or path,
        author=fields["author"],
        related=related,
        report=report,
    )


def read_file(path: str, report: Report) -> Iterator[dict]:
    """Yield the articles of a JSONL file, reporting and skipping bad lines."""
    path = os.fspath(path)
    text = load_text(path, report)
    if text is None:
        return
    for lineno, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report(ReadProblem(path, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        article = parse_record(record, path, lineno, report)
        if article is not None:
            yield article


read = read_file
