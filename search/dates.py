"""Dates as readers write them, turned into [start, end) ranges.

``parse_date_range("2012-09")`` gives the whole of September 2012 in Japan
time; ``2012``, ``2012-09-04``, ``2012/9/4``, ``2012年9月4日``, ``2012年9月``
and ``二〇一二年九月`` work too, and so do Japanese era dates (和暦):
``平成24年``, ``平成24年9月``, ``平成二十四年九月四日``, ``平成元年``,
``H24``, ``H24.9.4``, ``R2/3/1``, ``令和2年3月1日``, ``昭和64年``, ``㍻24年``.
Bounds are returned as naive UTC datetimes, the form the index's ``date``
field sorts on.

Era dates are converted with the eras' exact first and last days, so
``平成元年`` is 1989-01-08 to 1989-12-31 and ``昭和64年`` is 1989-01-01 to
1989-01-07.  A date before an era began is impossible (``平成元年1月7日`` was
``昭和64年1月7日``) and gets a message saying so.

A date *after* an era ended is read as the count continued: ``平成32年`` is
2020, ``平成31年5月`` is May 2019 (令和元年5月).  Documents printed before a
change of era write such dates (timetables, expiry dates, "the 平成32年
Tokyo Olympics"), and they name one day without ambiguity, so refusing them
would only lose a reader's date; ``describe_date`` says how one was read.
Before 明治6年 Japan used the lunisolar calendar, whose days do not map onto
the Gregorian calendar by the year count, so those dates are refused.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from index.schema import JST, to_utc_naive


class DateError(ValueError):
    """A date the user wrote that cannot be understood; the message says why."""


@dataclass(frozen=True)
class Era:
    name: str  # 平成
    letter: str  # H, as in H24.9.4
    first: dt.date  # its first day
    last: dt.date | None  # its last day; None for the current era


ERAS = (
    Era("令和", "R", dt.date(2019, 5, 1), None),
    Era("平成", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("大正", "T", dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    Era("明治", "M", dt.date(1868, 1, 25), dt.date(1912, 7, 29)),
)
_ERA_BY_NAME = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}
# The first day the Gregorian calendar was in force (明治6年1月1日).
GREGORIAN_FROM = dt.date(1873, 1, 1)


@dataclass(frozen=True)
class Period:
    """A written date as Japan-time days: [start, end)."""

    text: str
    start: dt.date
    end: dt.date  # exclusive
    era: Era | None = None
    note: str = ""  # how an unusual form was read (平成32年 → 2020)

    @property
    def months(self) -> list | None:
        """The period as whole months ("2012-09"), or None when it is not."""
        if self.start.day != 1 or self.end.day != 1:
            return None
        out, year, month = [], self.start.year, self.start.month
        while (year, month) < (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


# ---------------------------------------------------------------------------
# Reading the written forms

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_DIGITS["零"] = 0
_NUM = r"[0-9〇零一二三四五六七八九十百千]+"

_WESTERN = [
    re.compile(r"^(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?)?$"),
    # 2012年9月4日, 二〇一二年九月 (a year of four digits: 24年 alone is no date)
    re.compile(rf"^(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})年(?:(?P<m>{_NUM})月(?:(?P<d>{_NUM})日)?)?$"),
]
_ERA_NAMES = "|".join(e.name for e in ERAS)
_ERA_LETTERS = "".join(e.letter for e in ERAS)
_JAPANESE = [
    # 平成24年9月4日, 平成元年, 平成二十四年九月
    re.compile(rf"^(?P<era>{_ERA_NAMES})(?P<y>{_NUM}|元)年(?:(?P<m>{_NUM})月(?:(?P<d>{_NUM})日)?)?$"),
    # H24, H24.9.4, R2/3/1, 平成24.9.4
    re.compile(rf"^(?P<era>[{_ERA_LETTERS}]|{_ERA_NAMES})(?P<y>\d{{1,2}}|元)(?:[-/.](?P<m>\d{{1,2}})(?:[-/.](?P<d>\d{{1,2}}))?)?$"),
]


def kanji_number(text: str) -> int:
    """24 from 24, 二十四 or 二四; 2012 from 二〇一二 or 二千十二."""
    if text.isdigit():
        return int(text)
    if all(c in _KANJI_DIGITS for c in text):  # digit by digit: 二〇一二
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[c]
        elif c in "十百千":
            total += (1 if digit is None else digit) * {"十": 10, "百": 100, "千": 1000}[c]
            digit = None
        else:
            raise ValueError(text)
    return total + (digit or 0)


def _normalize(text: str) -> str:
    # NFKC: full-width digits and letters, and the era ligatures ㍻ ㋿ → 平成 令和.
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).upper()


def _fields(match) -> tuple:
    def number(name):
        value = match.group(name)
        if value is None:
            return None
        return 1 if value == "元" else kanji_number(value)

    return number("y"), number("m"), number("d")


def _span(year, month, day) -> tuple[dt.date, dt.date]:
    """[start, end) of a Gregorian year, month or day; ValueError if impossible."""
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}")
    if day is not None:
        start = dt.date(year, month, day)
        return start, start + dt.timedelta(days=1)
    if month is not None:
        return dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def _wareki(day: dt.date) -> str:
    return format_wareki(day) or f"{day.year}年{day.month}月{day.day}日"


def _era_period(text: str, era: Era, year, month, day) -> Period:
    if year == 0:
        raise DateError(f"impossible date {text!r}: {era.name} has no year 0; its first year is written {era.name}元年")
    gregorian_year = era.first.year + year - 1
    try:
        start, end = _span(gregorian_year, month, day)
    except ValueError as exc:
        raise DateError(f"impossible date {text!r}: {exc}") from exc
    if end <= GREGORIAN_FROM:
        raise DateError(
            f"cannot convert {text!r}: before 明治6年 (1873) Japan used the lunisolar calendar; "
            f"write the Gregorian date instead"
        )
    if end <= era.first:
        before = era_of(end - dt.timedelta(days=1)).name
        raise DateError(
            f"impossible date {text!r}: {era.name} began on {era.first.isoformat()} "
            f"({_wareki(era.first)}); before that it was {before}"
        )
    note = ""
    if era.last is not None and start > era.last:
        # After the era ended: the count continued, as documents printed
        # before the change of era wrote it (平成32年 = 2020).
        now_written = format_wareki(start, day=False)
        if month is not None:
            now_written += f"{start.month}月" + (f"{start.day}日" if day is not None else "")
        note = f"{era.name} ended on {era.last.isoformat()}; read as the count continued, {now_written}"
    else:
        start = max(start, era.first, GREGORIAN_FROM)
        if era.last is not None:
            end = min(end, era.last + dt.timedelta(days=1))
    return Period(text, start, end, era, note)


def parse_period(text: str) -> Period:
    """The Japan-time days a written date stands for, or DateError saying why not."""
    raw = text
    norm = _normalize(str(text))
    for pattern in _JAPANESE:
        m = pattern.match(norm)
        if m:
            return _era_period(raw, _ERA_BY_NAME[m["era"]], *_fields(m))
    for pattern in _WESTERN:
        m = pattern.match(norm)
        if m:
            year, month, day = _fields(m)
            try:
                start, end = _span(year, month, day)
            except ValueError as exc:
                raise DateError(f"impossible date {raw!r}: {exc}") from exc
            return Period(raw, start, end)
    raise DateError(
        f"cannot read date {raw!r}: write it as 2012, 2012-09, 2012-09-04, 2012年9月4日, "
        f"平成24年9月4日 or H24.9.4"
    )


def _gregorian(start: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    if start == last:
        return f"{start.year}年{start.month}月{start.day}日"
    return f"{start.year}年{start.month}月{start.day}日〜{last.year}年{last.month}月{last.day}日"


def describe_date(text: str) -> str:
    """How a written date is read: "2012年1月1日〜2012年12月31日", with a
    note for a date past its era's end."""
    period = parse_period(text)
    out = _gregorian(period.start, period.end)
    return f"{out} ({period.note})" if period.note else out


# ---------------------------------------------------------------------------
# The functions the query language and the filters call


def parse_date_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    """The [start, end) period a written date stands for, as naive UTC."""
    period = parse_period(text)
    return _utc(period.start), _utc(period.end)


def _utc(day: dt.date) -> dt.datetime:
    return to_utc_naive(dt.datetime(day.year, day.month, day.day, tzinfo=JST))


def whole_months(text: str) -> list | None:
    """["2012-09"] for a written month, the twelve months for a year, None for
    a day or a part of a month (the index's month field holds "YYYY-MM" in
    Japan time)."""
    try:
        return parse_period(text).months
    except DateError:
        return None


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


# ---------------------------------------------------------------------------
# Showing dates


def format_japanese(when: dt.datetime | None) -> str:
    """2012年9月4日, the way Japanese readers write a date."""
    if when is None:
        return ""
    return f"{when.year}年{when.month}月{when.day}日"


def era_of(day: dt.date) -> Era:
    """The era a Gregorian day falls in; ValueError before 明治6年."""
    if day < GREGORIAN_FROM:
        raise ValueError(f"{day.isoformat()} is before the Gregorian calendar was used in Japan")
    for era in ERAS:
        if day >= era.first:
            return era
    raise ValueError(day)  # pragma: no cover - GREGORIAN_FROM is inside 明治


def format_wareki(when: dt.date | None, *, day: bool = True) -> str:
    """平成24年9月4日 (or 平成24年 with day=False); 元年 for an era's first
    year.  Empty for None or for a date before 明治6年."""
    if when is None:
        return ""
    if isinstance(when, dt.datetime):
        when = when.date()
    try:
        era = era_of(when)
    except ValueError:
        return ""
    year = when.year - era.first.year + 1
    out = f"{era.name}{'元' if year == 1 else year}年"
    if day:
        out += f"{when.month}月{when.day}日"
    return out
