"""Saved searches and alerts: what was added to the index since the last look.

    add(index_dir, "香川", "", {"person": ["香川真司"]})
    add(index_dir, "値上げ", "値上げ 電気料金", {"category": ["topic-news"]})
    for alert, hits in check(searcher):          # after `search index`, from cron
        print(alert.name, hits.total, [h["title"] for h in hits])
    list_alerts(index_dir); get(index_dir, "値上げ"); remove(index_dir, "香川")

**New means newly indexed, not newly dated.**  Every article carries the
time it was written into the index, ``indexed``: a column of microseconds
since 1970 (UTC), one stamp per batch (``batch_stamp``), always later than
every stamp already committed, whatever the clock did.  A check asks the
alert's search for the articles stamped after the newest stamp its last
check saw (``watermark``) and up to the newest stamp committed now, and
records that newest stamp: an article is reported once, by the check after
the commit that added it, however old its date — an archive story indexed
today is new today.  An article re-written with changed content (an
update, a correction) is stamped again and counts as new again; an
unchanged one is skipped by the indexer and keeps its stamp.  ``search
index --rebuild`` stamps every article anew, so each alert then reports
all its matches once.  A saved search that was never checked reports every
article it matches.

The Searcher answers the range with the filters ``indexed_after``
(exclusive) and ``indexed_until`` (inclusive), which its filter builder
turns into ``indexed_range(after, until)``: a query read from the column,
not from index terms.  A check runs its search with ``sort="date"`` (newest
first), without relaxed results, suggestions or facets, up to ``limit``
hits (all are counted in ``total``); a check whose search was cut short by
the time limit reports what it found and does not move the watermark.

**The store** is one JSON file in the index folder, ``search-alerts.json``
(``{"version": 1, "alerts": {name: {...}}}``), written atomically and
durably (a temporary file, fsync, rename, fsync of the folder: a crash
leaves the old or the new file).  Changes are made under a POSIX lock of
``search-alerts.lock``, held by a check for its whole run, so two checks
from cron never report the same articles twice; reading needs no lock.

Names are what the command line and the feed URL (``/feed?alert=NAME``)
use: 1 to 64 characters, no ``/`` or ``\\``, no control or invisible
characters, not starting with ``-``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
import unicodedata
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from index import config
from index.stamps import StampError, newest_indexed, stamp_to_iso, to_stamp

STORE_FILE = "search-alerts.json"
LOCK_FILE = "search-alerts.lock"
STORE_VERSION = 1
MAX_NAME_CHARS = 64
DEFAULT_LIMIT = 100  # new hits listed per alert and check (all are counted)
LOCK_TIMEOUT_SECONDS = 60.0
FILTER_KEYS = ("tags", "category", "person", "place", "org", "source", "date_from", "date_to")
RESERVED_FILTERS = ("indexed_after", "indexed_until")


class AlertError(ValueError):
    """A bad name, query or filter, or an unreadable store; the message says which."""


class AlertExists(AlertError):
    pass


class AlertNotFound(AlertError, KeyError):
    def __str__(self):
        return self.args[0] if self.args else "no such alert"


class AlertsUnsupported(AlertError):
    """The index has no ``indexed`` stamps (built before they existed)."""


@dataclass(frozen=True)
class Alert:
    name: str
    query: str
    filters: dict
    created: str  # ISO 8601, UTC
    last_checked: str | None = None  # when the last recorded check ran (UTC)
    watermark: int | None = None  # the newest `indexed` stamp that check saw
    checks: int = 0
    last_new: int | None = None  # new articles that check found

    def to_dict(self) -> dict:
        d = asdict(self)
        d["watermark_utc"] = stamp_to_iso(self.watermark) if self.watermark is not None else None
        return d


class NewHits(list):
    """The new hits of one alert (hit dicts, newest first) with ``total``,
    the number of new articles in all (``len`` may stop at the limit),
    ``timed_out``, and ``error``: why its search could not run (a saved
    query over a limit lowered since), or None."""

    def __init__(self, hits=(), total=0, timed_out=False, error=None):
        super().__init__(hits)
        self.total = total
        self.timed_out = timed_out
        self.error = error


# ---------------------------------------------------------------------------
# The store


def _store_path(index_dir) -> Path:
    return config.index_dir(index_dir) / STORE_FILE


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _read(index_dir) -> dict:
    path = _store_path(index_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise AlertError(f"{path}: unreadable ({exc}); fix or remove the file") from exc
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), dict):
        raise AlertError(f"{path}: not a saved-search file; fix or remove it")
    if data.get("version") != STORE_VERSION:
        raise AlertError(f"{path}: version {data.get('version')!r}, this program reads {STORE_VERSION}")
    out = {}
    for name, raw in data["alerts"].items():
        try:
            out[name] = Alert(**{k: raw.get(k) for k in Alert.__dataclass_fields__ if k in raw})
        except TypeError as exc:
            raise AlertError(f"{path}: saved search {name!r} is malformed ({exc})") from exc
    return out


def _write(index_dir, alerts: dict) -> None:
    from index.storage import fsync_folder

    path = _store_path(index_dir)
    data = {"version": STORE_VERSION,
            "alerts": {name: {k: v for k, v in asdict(a).items()} for name, a in sorted(alerts.items())}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, ensure_ascii=False, indent=1))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic: a crash leaves the old or the new file
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


@contextmanager
def _locked(index_dir, timeout: float = LOCK_TIMEOUT_SECONDS):
    """Hold the saved searches of an index for a change (a POSIX record
    lock: released by the kernel however the holder dies)."""
    folder = config.index_dir(index_dir)
    if not folder.is_dir():
        raise AlertError(f"no index at {folder}; build one with `search index PATH` (or pass --index DIR)")
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise AlertError(f"cannot write saved searches in {folder}: {exc.strerror or exc}") from exc
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise AlertError(f"the saved searches of {folder} are in use by another `search alert` run "
                                     f"(waited {timeout:g} s); try again when it has finished") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def check_name(name) -> str:
    """The name as stored, or AlertError saying what is wrong with it."""
    if not isinstance(name, str) or not name.strip():
        raise AlertError("a saved search needs a name (1 to 64 characters)")
    name = name.strip()
    if len(name) > MAX_NAME_CHARS:
        raise AlertError(f"the name {name[:20]!r}… is {len(name)} characters long; the limit is {MAX_NAME_CHARS}")
    if "/" in name or "\\" in name:
        raise AlertError(f"the name {name!r} has a '/' or '\\'; use another character (a name is part of a URL)")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in name):
        raise AlertError(f"the name {name!r} has a control or invisible character")
    if name.startswith("-"):
        raise AlertError(f"the name {name!r} starts with '-', which the command line takes for an option")
    return name


def _check_filters(filters) -> dict:
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise AlertError("filters must be a mapping of filter name to value(s)")
    out = {}
    for key, value in filters.items():
        if key in RESERVED_FILTERS:
            raise AlertError(f"{key} is set by each check; a saved search cannot fix it")
        if key not in FILTER_KEYS:
            raise AlertError(f"unknown filter {key!r}; saved searches take {', '.join(FILTER_KEYS)}")
        if value is None or value == "" or value == [] or value == ():
            continue
        if key in ("date_from", "date_to"):
            if isinstance(value, (list, tuple)):
                if len(value) != 1:
                    raise AlertError(f"{key} takes one date")
                value = value[0]
            out[key] = str(value).strip()
        else:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
                raise AlertError(f"the {key} filter takes a string or a list of strings")
            values = list(dict.fromkeys(v.strip() for v in values if v.strip()))
            if values:
                out[key] = values
    return out


def _validate_search(query: str, filters: dict) -> None:
    """Raise for a query or filters the Searcher would refuse."""
    from search.query import QuerySyntaxError, build_filter, parse

    try:
        parse(query)
        build_filter(filters)
    except QuerySyntaxError as exc:
        raise AlertError(f"the saved search would not run: {exc}") from exc


def add(index_dir, name, query, filters=None, *, replace_existing: bool = False) -> Alert:
    """Save a search (``query`` and ``filters`` as for Searcher.search) under
    ``name``; it has never been checked.  Raises AlertExists for a name in
    use (unless ``replace_existing``) and AlertError for a bad name, query or
    filter."""
    name = check_name(name)
    if query is not None and not isinstance(query, str):
        raise AlertError("the query must be text")
    query = (query or "").strip()
    filters = _check_filters(filters)
    if not query and not filters:
        raise AlertError("a saved search needs a query or at least one filter")
    _validate_search(query, filters)
    with _locked(index_dir):
        alerts = _read(index_dir)
        if name in alerts and not replace_existing:
            raise AlertExists(f"a saved search named {name!r} exists; remove it first or choose another name")
        alert = Alert(name=name, query=query, filters=filters, created=_now_iso())
        alerts[name] = alert
        _write(index_dir, alerts)
    return alert


def list_alerts(index_dir) -> list:
    """Every saved search, by name."""
    return [a for _, a in sorted(_read(index_dir).items())]


def get(index_dir, name) -> Alert:
    """One saved search (for ``/feed?alert=NAME``).  Raises AlertNotFound."""
    alert = _read(index_dir).get(name.strip() if isinstance(name, str) else name)
    if alert is None:
        raise AlertNotFound(f"no saved search named {name!r}")
    return alert


def remove(index_dir, name) -> Alert:
    """Delete a saved search; returns it.  Raises AlertNotFound."""
    name = name.strip() if isinstance(name, str) else name
    with _locked(index_dir):
        alerts = _read(index_dir)
        if name not in alerts:
            raise AlertNotFound(f"no saved search named {name!r}")
        alert = alerts.pop(name)
        _write(index_dir, alerts)
    return alert


# ---------------------------------------------------------------------------
# Checking


def index_watermark(reader) -> int | None:
    """The newest ``indexed`` stamp of a Whoosh reader; None for an empty
    index.  Raises AlertsUnsupported for an index built before stamps."""
    newest = newest_indexed(reader)
    if newest is None and reader.doc_count() > 0:
        raise AlertsUnsupported("this index was built before articles carried the time they were added; "
                                "rebuild it (`search index --rebuild PATH`) to use saved-search alerts")
    return newest


def _watermark(searcher) -> int | None:
    """The newest stamp the Searcher's index holds (Searcher.last_indexed)."""
    try:
        return to_stamp(searcher.last_indexed())
    except StampError as exc:
        raise AlertError(str(exc)) from exc


def new_hits(searcher, alert: Alert, until: int | None, limit: int = DEFAULT_LIMIT) -> NewHits:
    """The hits of ``alert`` stamped after its watermark and up to ``until``."""
    if until is None or (alert.watermark is not None and until <= alert.watermark):
        return NewHits()
    filters = dict(alert.filters)
    if alert.watermark is not None:
        filters["indexed_after"] = alert.watermark
    filters["indexed_until"] = until
    from search.query import QuerySyntaxError
    from search.searcher import BadRequest

    hits, total, timed_out, page = [], 0, False, 1
    per_page = min(config.MAX_PER_PAGE, max(1, limit))
    while True:
        try:
            result = searcher.search(alert.query, filters=filters, sort="date", page=page, per_page=per_page,
                                     facets=False, recency=False, alternatives=False, relax=False)
        except (QuerySyntaxError, BadRequest) as exc:
            return NewHits(error=str(exc))
        total, timed_out = result.total, timed_out or result.timed_out
        hits.extend(result.hits)
        if len(hits) >= min(limit, total) or not result.hits:
            break
        page += 1
    return NewHits(hits[:limit], total, timed_out)


def check(searcher, names=None, dry_run: bool = False, limit: int = DEFAULT_LIMIT) -> list:
    """Check saved searches (all, or those ``names``) against the index the
    Searcher reads: [(alert, new_hits)] in order of name, where ``alert`` is
    the saved search as it was before this check and ``new_hits`` a NewHits
    of the articles it matches that were added since its last check.  Then
    each check is recorded (the watermark moves to the newest stamp now
    committed), unless ``dry_run`` or its search timed out or failed
    (``new_hits.error``).  Raises
    AlertNotFound for an unknown name (before checking any) and
    AlertsUnsupported for an index without stamps."""
    index_dir = searcher.index_dir
    lock = nullcontext() if dry_run else _locked(index_dir)
    with lock:
        alerts = _read(index_dir)
        if names:
            missing = [n for n in names if n not in alerts]
            if missing:
                raise AlertNotFound(f"no saved search named {', '.join(repr(n) for n in missing)}")
            chosen = [alerts[n] for n in sorted(dict.fromkeys(names))]
        else:
            chosen = [alerts[n] for n in sorted(alerts)]
        if not chosen:
            return []
        until = _watermark(searcher)
        out = []
        checked_at = _now_iso()
        for alert in chosen:
            hits = new_hits(searcher, alert, until, limit)
            out.append((alert, hits))
            if not dry_run and not hits.timed_out and hits.error is None:
                alerts[alert.name] = replace(
                    alert, last_checked=checked_at, checks=alert.checks + 1, last_new=hits.total,
                    watermark=until if until is not None else alert.watermark)
        if not dry_run:
            _write(index_dir, alerts)
    return out


__all__ = [
    "Alert", "AlertError", "AlertExists", "AlertNotFound", "AlertsUnsupported", "NewHits", "add", "check",
    "check_name", "get", "index_watermark", "list_alerts", "remove",
]
