"""Sentences of the livedoor corpus, read where it lies (never copied here).

The corpus is CC BY-ND, so the annotation files in this folder hold only
article ids (URLs), sentence offsets within the article body as the indexer's
reader returns it, and entity spans; every text is read back from the archive
at run time through :func:`index.readers.read_paths`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_CORPUS = Path(
    os.environ.get("SEARCH_LIVEDOOR") or REPO.parent / "shared" / "corpus" / "livedoor" / "ldcc-20140209.tar.gz"
)

# A sentence ends after 。！？!? (and any closing brackets) or at a line end.
_SENTENCE = re.compile(r"[^\n。！？!?]*(?:[。！？!?]+[」』）)】]*|\n|$)")


def articles(corpus: Path = DEFAULT_CORPUS):
    """Every livedoor article dict (id, body, category ...), in archive order."""
    from index.readers import read_paths

    if not Path(corpus).exists():
        raise SystemExit(f"livedoor corpus not found at {corpus} (set SEARCH_LIVEDOOR)")
    return read_paths([str(corpus)], format="livedoor")


def bodies(ids, corpus: Path = DEFAULT_CORPUS) -> dict:
    """{id: body} for the wanted article ids."""
    wanted = set(ids)
    found = {a["id"]: a["body"] for a in articles(corpus) if a["id"] in wanted}
    missing = wanted - set(found)
    if missing:
        raise SystemExit(f"{len(missing)} annotated articles are not in {corpus}: {sorted(missing)[:3]} ...")
    return found


def sentences(body: str):
    """(start, end) of each sentence of ``body``, without surrounding spaces."""
    for m in _SENTENCE.finditer(body):
        start, end = m.start(), m.end()
        while start < end and body[start].isspace():
            start += 1
        while end > start and body[end - 1].isspace():
            end -= 1
        if end > start:
            yield start, end


def load_set(path: Path) -> list:
    """Annotated sentences of a .jsonl set: one dict per line (id, category,
    start, end, entities: [[start, end, type], ...] relative to the sentence)."""
    items = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                item = json.loads(line)
                item["entities"] = [tuple(e) for e in item["entities"]]
            except (ValueError, KeyError) as exc:
                raise SystemExit(f"{path}:{lineno}: not an annotated sentence: {exc}")
            items.append(item)
    return items


def with_text(items, corpus: Path = DEFAULT_CORPUS) -> list:
    """``items`` with each sentence's ``text`` read from the corpus."""
    found = bodies({it["id"] for it in items}, corpus)
    out = []
    for it in items:
        text = found[it["id"]][it["start"] : it["end"]]
        if len(text) != it["end"] - it["start"]:
            raise SystemExit(f"{it['id']}: sentence {it['start']}-{it['end']} is past the body's end")
        out.append(dict(it, text=text))
    return out
