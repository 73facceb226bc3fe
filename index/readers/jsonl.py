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

from index import config

from .common import (
    BINARY_SNIFF_BYTES,
    ENCODING_NAMES,
    EncodingNote,
    ReadProblem,
    Report,
    UndecodableError,
    decode_bytes,
    is_binary,
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


def _lines(path: str, report: Report) -> Iterator[tuple[int, str]]:
    """(line number, text) of a JSON Lines file, read as a stream: an export
    of a whole archive need not fit in memory, and no line longer than
    ``config.MAX_LINE_BYTES`` is ever held (it is reported and skipped; a
    stream with no line end at all, such as /dev/zero, ends the file)."""
    limit = config.MAX_LINE_BYTES
    noted = None  # the legacy encoding a line was decoded from, reported once
    try:
        with open(path, "rb") as handle:
            head = handle.peek(BINARY_SNIFF_BYTES)[:BINARY_SNIFF_BYTES]
            if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: rare, read whole (bounded)
                text = load_text(path, report)
                yield from enumerate(split_lines(text or ""), start=1)
                return
            if is_binary(head):
                report(ReadProblem(path, None, "binary file (NUL bytes), skipped"))
                return
            if not head.strip():
                if not handle.read(limit).strip():  # nothing but whitespace, as far as it goes
                    report(ReadProblem(path, None, "empty file"))
                    return
                handle.seek(0)
            lineno = 0
            while True:
                raw = handle.readline(limit + 1)
                if not raw:
                    return
                lineno += 1
                if len(raw) > limit and not raw.endswith(b"\n"):
                    report(ReadProblem(path, lineno, f"line longer than {limit // 2**20} MB, skipped"))
                    if not _skip_rest_of_line(handle, limit):
                        report(ReadProblem(path, lineno, "no line end in sight; rest of the file skipped"))
                        return
                    continue
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    try:
                        line, encoding = decode_bytes(raw, path)
                    except UndecodableError as exc:
                        report(ReadProblem(path, lineno, exc.reason))
                        continue
                    if noted is None:
                        noted = encoding
                        report(EncodingNote(path, None, f"decoded as {ENCODING_NAMES.get(encoding, encoding)}",
                                            warning=True, encoding=encoding))
                yield lineno, line.rstrip("\r\n")
    except OSError as exc:
        report(ReadProblem(path, None, f"cannot read: {exc.strerror or exc}"))


# A line longer than this many times the line limit is not a line at all.
_MAX_SKIPPED_CHUNKS = 16


def _skip_rest_of_line(handle, limit: int) -> bool:
    """Read past the end of an over-long line, a chunk at a time; False when
    no line end comes within _MAX_SKIPPED_CHUNKS chunks (or the file ends)."""
    for _ in range(_MAX_SKIPPED_CHUNKS):
        chunk = handle.readline(limit)
        if not chunk:
            return False
        if chunk.endswith(b"\n"):
            return True
    return False


def read_file(path: str, report: Report) -> Iterator[dict]:
    """Yield the articles of a JSONL file, reporting and skipping bad lines."""
    path = os.fspath(path)
    for lineno, line in _lines(path, report):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report(ReadProblem(path, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        except RecursionError:
            report(ReadProblem(path, lineno, "invalid JSON: nested too deeply"))
            continue
        article = parse_record(record, path, lineno, report)
        if article is not None:
            yield article


read = read_file
