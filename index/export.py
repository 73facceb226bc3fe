"""Every stored article written back out as JSON Lines (``search export``).

The output is the format the jsonl reader documents
(:mod:`index.readers.jsonl`): one object per line with id, url, title, body,
date (ISO 8601 with its offset, or null), tags, category, source, author and
related, plus the content hash (which the reader recomputes rather than
trusts).  Everything else the index holds (terms, n-grams, readings,
entities, months) is derived from these fields, so::

    search export --index old all.jsonl
    search index --rebuild --index new all.jsonl

gives an index with the same documents, stored fields and entities, and
re-indexing the export into the index it came from finds every article
unchanged.  Nothing that was indexed exists only inside the index.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

from index.schema import from_stored
from index.storage import open_reader

#: The keys of each exported line, in order.
EXPORT_KEYS = ("id", "url", "title", "body", "date", "tags", "category", "source", "author", "related", "hash")


def export_record(stored: dict) -> dict:
    """The JSON-ready reader record of one document's stored fields."""
    article = from_stored(stored)
    date = article["date"]
    article["date"] = date.isoformat() if date is not None else None
    return {key: article[key] for key in EXPORT_KEYS}


def stored_articles(ix):
    """The stored fields of every live document, sorted by id (so the same
    articles export to the same bytes however the index is cut into
    segments), read through one reader: one commit's view even while a
    `search index` run adds batches."""
    with open_reader(ix) as reader:
        ids = reader.column_reader("id") if reader.doc_count_all() else None
        for docnum in sorted(reader.all_doc_ids(), key=lambda d: ids[d]):
            yield reader.stored_fields(docnum)


def _write_records(searcher, stream) -> int:
    count = 0
    for stored in searcher.stored_articles():
        stream.write(json.dumps(export_record(stored), ensure_ascii=False))
        stream.write("\n")
        count += 1
    return count


def export(index=None, out="-", *, backend=None, url=None) -> int:
    """Write every article of the index ``index`` (or of the backend:
    search.backends) to ``out`` as JSON Lines.

    ``out`` is a file path, an open text stream, or "-" for standard output
    (always UTF-8, whatever the locale).  A path is written through a
    temporary file renamed into place at the end, so an interrupted export
    never leaves a partial file under that name.  Returns the number of
    articles written.
    """
    from search.searcher import Searcher

    with Searcher(index, backend=backend, url=url) as searcher:
        return _export(searcher, out)


def _export(ix, out) -> int:
    if hasattr(out, "write"):
        return _write_records(ix, out)
    if out == "-" and not hasattr(sys.stdout, "buffer"):  # already replaced by a text stream
        return _write_records(ix, sys.stdout)
    if out == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        try:
            return _write_records(ix, stream)
        finally:
            stream.flush()
            stream.detach()  # leave sys.stdout's buffer open
    path = Path(out)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as stream:
            count = _write_records(ix, stream)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
