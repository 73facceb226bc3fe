"""Shared pieces of the benchmark: corpus loading, the quick subset, the
known-item query file and the text folding the query checker uses.

Nothing here imports the engine's analysis code: the benchmark reads the
corpus with the engine's readers (so every system sees exactly the articles
the engine sees) and otherwise stands on its own.
"""

from __future__ import annotations

import csv
import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_CORPUS = (ROOT / ".." / "shared" / "corpus" / "livedoor").resolve()
QUERIES_FILE = BENCH_DIR / "queries.tsv"
LATENCY_QUERIES_FILE = BENCH_DIR / "latency_queries.txt"
KINDS = ("plain", "variant", "partial")
QUICK_SIZE = 1000


# ---------------------------------------------------------------------------
# Corpus


def resolve_corpus(path: str | os.PathLike | None) -> str:
    """The corpus path to read: the given one, or the livedoor archive/folder."""
    p = Path(path) if path else DEFAULT_CORPUS
    if p.is_dir():
        archives = sorted(p.glob("ldcc-*.tar.gz"))
        if archives:
            return str(archives[0])
    if not p.exists():
        raise SystemExit(f"corpus not found: {p} (give --corpus PATH)")
    return str(p)


def read_corpus(path: str) -> list[dict]:
    """Every article of the corpus, through the engine's own readers."""
    from index.readers import read_paths

    problems = []
    articles = list(read_paths([path], on_problem=problems.append))
    if problems:
        print(f"note: {len(problems)} reader problems in {path} (first: {problems[0]})")
    return articles


def quick_subset(articles: list[dict], wanted_ids, size: int = QUICK_SIZE) -> list[dict]:
    """``size`` articles that include every article in ``wanted_ids``.

    The known-item articles first, then a fill-up spread evenly over the
    corpus order (which is category by category), so every category keeps
    its share.  Deterministic: the same corpus gives the same subset.
    """
    if len(articles) <= size:
        return list(articles)
    wanted = set(wanted_ids)
    chosen = {i for i, a in enumerate(articles) if a["id"] in wanted}
    need = size - len(chosen)
    if need > 0:
        rest = [i for i in range(len(articles)) if i not in chosen]
        step = len(rest) / need
        chosen.update(rest[int(k * step)] for k in range(need))
    return [articles[i] for i in sorted(chosen)]


def article_record(a: dict) -> dict:
    """The JSONL form the peers (and the engine, for subsets) read."""
    date = a.get("date")
    return {
        "id": a["id"],
        "url": a.get("url") or a["id"],
        "title": a.get("title") or "",
        "body": a.get("body") or "",
        "date": date.isoformat() if date is not None else None,
        "category": a.get("category"),
    }


def write_jsonl(articles: list[dict], path: str | os.PathLike) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(article_record(a), ensure_ascii=False) + "\n")


def iter_jsonl(path: str | os.PathLike):
    """Articles back from :func:`write_jsonl`, one dict at a time."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def text_stats(articles) -> dict:
    chars = sum(len(a.get("title") or "") + len(a.get("body") or "") for a in articles)
    raw = sum(len((a.get("title") or "").encode()) + len((a.get("body") or "").encode()) for a in articles)
    return {"docs": len(articles), "chars": chars, "raw_bytes": raw}


# ---------------------------------------------------------------------------
# Known-item queries


@dataclass
class KnownItem:
    query: str
    kind: str
    expected: str
    forms: str = ""  # article-side spellings, see check_queries.py
    note: str = ""
    line: int = 0

    @property
    def terms(self) -> list[str]:
        return self.query.split()

    def alternatives(self) -> list[list[str]]:
        """Per query term: the query term plus its article-side forms."""
        forms = self.forms.split() if self.forms and self.forms != "-" else []
        out = []
        for i, term in enumerate(self.terms):
            alts = [term]
            if i < len(forms) and forms[i] != "-":
                alts.extend(f for f in forms[i].split("|") if f)
            out.append(alts)
        return out


def load_queries(path: str | os.PathLike = QUERIES_FILE) -> list[KnownItem]:
    items = []
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        header = None
        for lineno, row in enumerate(rows, 1):
            if not row or row[0].startswith("#"):
                continue
            if header is None:
                header = row
                continue
            rec = dict(zip(header, row))
            items.append(
                KnownItem(
                    query=rec["query"].strip(),
                    kind=rec["kind"].strip(),
                    expected=rec["expected"].strip(),
                    forms=(rec.get("forms") or "").strip(),
                    note=(rec.get("note") or "").strip(),
                    line=lineno,
                )
            )
    return items


def load_latency_queries(path: str | os.PathLike = LATENCY_QUERIES_FILE) -> list[str]:
    if not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


# ---------------------------------------------------------------------------
# Folding used by the checker


def fold(text: str) -> str:
    """NFKC and case folding: ｉＰｈｏｎｅ, IPHONE and iphone meet."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass
class Timer:
    """Wall time with perf_counter; usable as a context manager."""

    seconds: float = 0.0
    _start: float = field(default=0.0, repr=False)

    def __enter__(self):
        import time

        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import time

        self.seconds = time.perf_counter() - self._start
