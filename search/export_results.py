"""Search results exported with their provenance: CSV, JSON, JSON Lines.

    result = search_all(searcher, q, filters, sort="date", limit=EXPORT_LIMIT)   # or one Searcher.search page
    prov = provenance(q, filters, searcher.stats(), total=result["total"], sort="date",
                      timed_out=result["timed_out"], fmt="csv")
    data = to_csv(result, prov)        # bytes: UTF-8 with a BOM, for Excel
    data = to_json(result, prov)       # bytes: {"provenance": …, "hits": […]}
    data = to_jsonl(result, prov)      # bytes: {"provenance": …} then one hit per line

**The provenance** says enough to cite the export and run it again: the
query and the filters, the sort, when it ran (UTC and Japan time), how many
hits there were in all and how many were exported, whether matching was cut
short by the time limit, the index's document count and versions
(``Searcher.stats()["versions"]``: schema, analyzer, extractor, …), the
engine's version, and the ``search query`` command that runs the same search.

**One record per hit**, the same in every format (``RECORD_KEYS``): rank,
id, url, title, date (ISO 8601 with offset), date_ja (2012年9月4日),
date_wareki (平成24年9月4日), category, tags, person, place, org, score,
snippet (plain text: the ``<mark>`` markup dropped), missing (the words a
relaxed hit lacks) and duplicates (ids of the near-copies collapsed into
it).  JSON keeps lists as lists; CSV joins them with ``"; "``.

**CSV layout.**  A CSV file is one table, so the provenance is in columns
of their own (``PROVENANCE_COLUMNS``, after the hit columns), repeated on
every row: Excel, LibreOffice and ``csv.DictReader`` read the file as it
is, and a row copied elsewhere still says where it came from.  A search
without hits gives one row whose hit columns are empty, so the file still
says what was searched and that nothing was found.  UTF-8 with a byte-order
mark (Excel opens Japanese text correctly only then), CRLF line ends, every
field quoted when it needs to be.  A text cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula (an
article's title is anybody's text: CSV injection); a reader wanting the
exact text drops one leading apostrophe from such cells (``unguard``).
Control characters are removed (index.textclean.clean_text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shlex

from index.textclean import clean_text
from search.feeds import plain_text

JST = dt.timezone(dt.timedelta(hours=9))

RECORD_KEYS = ("rank", "id", "url", "title", "date", "date_ja", "date_wareki", "category", "tags", "person",
               "place", "org", "score", "snippet", "missing", "duplicates")
LIST_KEYS = ("tags", "person", "place", "org", "missing", "duplicates")
LIST_SEPARATOR = "; "
PROVENANCE_COLUMNS = ("query", "filters", "sort", "run_at_utc", "run_at_jst", "total_hits", "exported_hits",
                      "timed_out", "index_documents", "index_versions", "engine_version", "command")
CSV_COLUMNS = RECORD_KEYS + PROVENANCE_COLUMNS
# The most hits one export holds (`search query --format`, /export.csv).
EXPORT_LIMIT = 1000

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The search() filters and the `search query` options that set them (the
# command line has no option for the source filter of the web page: the
# provenance's "filters" still names it).
_FILTER_OPTIONS = {"date_from": "--since", "date_to": "--until", "tags": "--tag", "category": "--category",
                   "person": "--person", "place": "--place", "org": "--org"}


def engine_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("japanese-news-search")
    except PackageNotFoundError:
        return "unknown"


def clean_filters(filters: dict | None) -> dict:
    """The filters that filter: empty values left out, one value as written,
    several as a list, in a fixed order of keys."""
    out = {}
    for key in sorted(filters or {}):
        value = filters[key]
        if isinstance(value, (list, tuple)):
            values = [str(v) for v in value if v is not None and str(v).strip()]
            if values:
                out[key] = values[0] if len(values) == 1 and key in ("date_from", "date_to") else values
        elif value is not None and str(value).strip():
            out[key] = value if isinstance(value, str) else str(value)
    return out


def rerun_command(query: str, filters: dict | None, sort: str | None = None, fmt: str | None = None) -> str:
    """The ``search query`` command line that runs this search again."""
    words = ["search", "query"]
    if fmt:
        words += ["--format", fmt]
    if sort and sort != "relevance":
        words += ["--sort", sort]
    for key, value in clean_filters(filters).items():
        option = _FILTER_OPTIONS.get(key)
        if option is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            words += [option, v]
    if query:
        words += ["--", query]
    return shlex.join(words)


def provenance(query, filters, stats, when=None, total=None, *, exported=None, sort="relevance",
               timed_out=False, fmt=None) -> dict:
    """Where an export comes from: ``stats`` is ``Searcher.stats()`` (its
    ``documents`` and ``versions`` are used), ``when`` the time the search
    ran (default now), ``total`` the number of hits in all."""
    when = when or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    when = when.astimezone(dt.timezone.utc).replace(microsecond=0)
    stats = stats or {}
    out = {
        "query": query or "",
        "filters": clean_filters(filters),
        "sort": sort or "relevance",
        "run_at_utc": when.isoformat().replace("+00:00", "Z"),
        "run_at_jst": when.astimezone(JST).isoformat(),
        "total_hits": total,
        "exported_hits": exported,
        "timed_out": bool(timed_out),
        "index_documents": stats.get("documents"),
        "index_versions": dict(stats.get("versions") or {}),
        "engine": "japanese-news-search",
        "engine_version": engine_version(),
        "command": rerun_command(query or "", filters, sort, fmt),
    }
    for key in ("date_from", "date_to"):
        if stats.get(key):
            out["index_" + key] = stats[key]
    return out


def _hits(result) -> list:
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    if isinstance(result, dict):
        return list(result.get("hits") or []), result
    return list(result), {}


def _text(value) -> str:
    return clean_text(str(value)) if value is not None else ""


def record(hit: dict, rank: int) -> dict:
    """The export record of one hit (RECORD_KEYS), lists as lists."""
    out = {"rank": rank}
    for key in RECORD_KEYS[1:]:
        value = hit.get(key)
        if key == "snippet":
            value = _text(plain_text(value)) if value else ""
        elif key in LIST_KEYS:
            value = [_text(v) for v in value or []]
        elif key == "score":
            value = value if isinstance(value, (int, float)) else None
        elif value is not None:
            value = _text(value)
        out[key] = value
    return out


def records(result, first_rank: int | None = None) -> list:
    """Export records of every hit of ``result`` (a SearchResult, its dict
    or a list of hits), ranked from the result's first rank on."""
    hits, meta = _hits(result)
    start = first_rank if first_rank is not None else int(meta.get("first") or 1)
    return [record(hit, start + i) for i, hit in enumerate(hits)]


def _with_counts(prov: dict, result, exported: int) -> dict:
    prov = dict(prov)
    if prov.get("exported_hits") is None:
        prov["exported_hits"] = exported
    if prov.get("total_hits") is None:
        _, meta = _hits(result)
        prov["total_hits"] = meta.get("total", exported)
    return prov


def guard(cell: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def unguard(cell: str) -> str:
    """The exact text of a guarded cell."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, (list, tuple)):
        return guard(LIST_SEPARATOR.join(_text(v) for v in value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return guard(_text(value))


def to_csv(result, provenance: dict) -> bytes:
    """The hits as CSV (UTF-8 with BOM, CRLF), one row per hit, the
    provenance in its own columns on every row (see the module doc)."""
    rows = records(result)
    prov = _with_counts(provenance, result, len(rows))
    prov_cells = {key: _cell(prov.get(key)) for key in PROVENANCE_COLUMNS}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows or [{}]:
        writer.writerow([_cell(row.get(key)) for key in RECORD_KEYS] + [prov_cells[k] for k in PROVENANCE_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def to_json(result, provenance: dict) -> bytes:
    """One JSON object: {"provenance": {...}, "hits": [records]} (UTF-8)."""
    rows = records(result)
    return _dumps({"provenance": _with_counts(provenance, result, len(rows)), "hits": rows}).encode("utf-8")


def to_jsonl(result, provenance: dict) -> bytes:
    """JSON Lines: a first line {"provenance": {...}}, then one record per hit."""
    rows = records(result)
    lines = [_dumps({"provenance": _with_counts(provenance, result, len(rows))})]
    lines += [_dumps(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def read_csv(data: bytes) -> list:
    """The rows of an export made by to_csv, as dicts (a round trip for
    tests and tools): the BOM dropped, guarded cells unguarded."""
    text = data.decode("utf-8-sig")
    return [{k: unguard(v) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text, newline=""))]


def search_all(searcher, query, filters=None, sort="relevance", limit=EXPORT_LIMIT, per_page=None,
               **options) -> dict:
    """Up to ``limit`` hits of a search, page by page (a page holds at most
    config.MAX_PER_PAGE), as one result dict for the exporters: hits, total,
    first (1), timed_out (any page was cut short).  ``options`` go to
    Searcher.search (facets and suggestions are off by default)."""
    from index import config

    options = {"facets": False, "alternatives": False, **options}
    hits, total, timed_out, page = [], 0, False, 1
    per_page = max(1, min(per_page or config.MAX_PER_PAGE, config.MAX_PER_PAGE, limit))
    while len(hits) < limit:
        result = searcher.search(query, filters=filters, sort=sort, page=page, per_page=per_page, **options)
        total, timed_out = result.total, timed_out or result.timed_out
        hits.extend(result.hits)
        if not result.hits or len(hits) >= total:
            break
        page += 1
    return {"query": query or "", "total": total, "first": 1, "hits": hits[:limit], "timed_out": timed_out}


FORMATS = {"csv": (to_csv, "text/csv; charset=utf-8"), "json": (to_json, "application/json"),
           "jsonl": (to_jsonl, "application/x-ndjson")}


def export(searcher, query, filters=None, fmt="csv", sort="relevance", limit=EXPORT_LIMIT, **options) -> bytes:
    """The first ``limit`` hits of a search (at most EXPORT_LIMIT) in format
    ``fmt`` (csv, json or jsonl), with their provenance: what ``search query
    --format`` and the page's /export.csv give.  ``options`` go to
    Searcher.search (collapse=False, recency=False, ...)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    from search.searcher import BadRequest

    try:
        limit = int(limit)
    except (TypeError, ValueError):
        raise BadRequest("limit must be a whole number") from None
    if not 1 <= limit <= EXPORT_LIMIT:
        raise BadRequest(f"an export holds 1 to {EXPORT_LIMIT} hits, not {limit}")
    when = dt.datetime.now(dt.timezone.utc)
    result = search_all(searcher, query, filters, sort=sort, limit=limit, **options)
    prov = provenance(query, filters, searcher.stats(top=1), when, total=result["total"], sort=sort,
                      timed_out=result["timed_out"], fmt=fmt)
    return FORMATS[fmt][0](result, prov)


def export_filename(fmt: str, when=None) -> str:
    """A file name for a download: news-search-20120904-1030.csv (JST)."""
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(JST)
    return f"news-search-{when:%Y%m%d-%H%M}.{fmt}"

__all__ = ["CSV_COLUMNS", "EXPORT_LIMIT", "FORMATS", "export", "export_filename", "PROVENANCE_COLUMNS", "RECORD_KEYS", "provenance", "read_csv",
           "record", "records", "rerun_command", "search_all", "to_csv", "to_json", "to_jsonl", "unguard"]
