"""Dates as readers write them, turned into [start, end) ranges.

``parse_date_range("2012-09")`` gives the whole of September 2012 in Japan
time; ``2012``, ``2012-09-04``, ``2012/9/4``, ``2012年9月4日`` and ``2012年9月``
work too.  Bounds are returned as naive UTC datetimes, the form the index's
``date`` field sorts on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from index.schema import JST, to_utc_naive


class DateError(ValueError):
    """A date the user wrote that cannot be understood; the message says why."""


_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?)?$"),
    re.compile(r"^(?P<y>\d{4})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?$"),
]


def _match(text: str):
    """The year/month/day groups of a written date, or None."""
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            return m
    return None


def parse_date_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    """The [start, end) period a written date stands for, as naive UTC."""
    raw = text
    m = _match(text)
    if m is None:
        raise DateError(f"cannot read date {raw!r}: write it as 2012, 2012-09, 2012-09-04 or 2012年9月4日")
    year = int(m["y"])
    month = int(m["m"]) if m["m"] else None
    day = int(m["d"]) if m["d"] else None
    try:
        if day is not None:
            start = dt.datetime(year, month, day, tzinfo=JST)
            end = start + dt.timedelta(days=1)
        elif month is not None:
            start = dt.datetime(year, month, 1, tzinfo=JST)
            end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=JST)
        else:
            start = dt.datetime(year, 1, 1, tzinfo=JST)
            end = dt.datetime(year + 1, 1, 1, tzinfo=JST)
    except ValueError as exc:
        raise DateError(f"impossible date {raw!r}: {exc}") from exc
    return to_utc_naive(start), to_utc_naive(end)


def whole_months(text: str) -> list | None:
    """["2012-09"] for a written month, the twelve months for a year, None for
    a day (the index's month field holds "YYYY-MM" in Japan time)."""
    m = _match(text)
    if m is None or m["d"]:
        return None
    year = int(m["y"])
    if m["m"]:
        return [f"{year:04d}-{int(m['m']):02d}"]
    return [f"{year:04d}-{month:02d}" for month in range(1, 13)]


def parse_bound(text: str | dt.date | None, *, upper: bool) -> dt.datetime | None:
    """One end of a date filter: the start of a lower bound's period, the end of
    an upper bound's (so --until 2012-09 includes all of September)."""
    if text is None or text == "" or text == "*":
        return None
    if isinstance(text, dt.datetime):
        return to_utc_naive(text)
    if isinstance(text, dt.date):
        text = text.isoformat()
    start, end = parse_date_range(str(text))
    return end if upper else start


def format_japanese(when: dt.datetime | None) -> str:
    """2012年9月4日, the way Japanese readers write a date."""
    if when is None:
        return ""
    return f"{when.year}年{when.month}月{when.day}日"
