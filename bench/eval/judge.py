#!/usr/bin/env python
"""Relevance judge for the precision queries (bench/eval/precision.tsv).

    python bench/eval/judge.py [--corpus PATH] [--queries FILE] [--min N]

precision.tsv has one query a line, tab-separated, a header line, '#'
comment lines allowed:

    query   what a reader types: one or two words, separated by a space
    accept  per query word, the forms a reader accepts as a match,
            '|'-separated; one group per word, groups separated by ' ; '
    reject  per query word, the forms that must NOT count (homophones and
            near misses an engine may confuse with it), same layout; '-' for
            a word (or the whole column) with none
    note    free text

relevant(article, row) is True when every query word has an accepted form
in the article's title + newline + body.  Both sides are compared after
NFKC and case folding; where the accepted form is all kana, hiragana and
katakana are folded too (so ニオイ, におい and ﾆｵｲ meet), while a form with
a kanji or a Latin letter must match as written.  An occurrence of an
accepted form that lies inside an occurrence of one of the word's reject
forms does not count (so a reject form can also fence off a longer word
that merely contains the accepted one).

Run as a script it prints, for each query, how many corpus articles are
relevant and how many contain a reject form of some word without being
relevant (the articles a homophone-confusing engine would wrongly return),
and fails when a query has fewer than --min (10) relevant articles.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

EVAL = Path(__file__).resolve().parent
sys.path.insert(0, str(EVAL.parent))
sys.path.insert(1, str(EVAL.parent.parent))

PRECISION_FILE = EVAL / "precision.tsv"
COLUMNS = ("query", "accept", "reject", "note")
MIN_RELEVANT = 10

KANA = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30feー・]+$")


def fold(text: str) -> str:
    """NFKC and case folding (the same folding as bench/common.fold)."""
    return unicodedata.normalize("NFKC", text).casefold()


def kana_fold(text: str) -> str:
    """Katakana to hiragana, after fold(); ー and other marks stay."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def _pad(text: str, width: int) -> str:
    """text padded to width terminal columns (wide characters count two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def is_kana(form: str) -> bool:
    return bool(KANA.match(fold(form)))


@dataclass
class PrecisionQuery:
    query: str
    accept: list[list[str]]  # per word
    reject: list[list[str]] = field(default_factory=list)  # per word, may be empty lists
    note: str = ""
    line: int = 0

    @property
    def words(self) -> list[str]:
        return self.query.split()


def _groups(column: str, n: int) -> list[list[str]]:
    column = (column or "").strip()
    if not column or column == "-":
        return [[] for _ in range(n)]
    out = []
    for g in column.split(";"):
        g = g.strip()
        out.append([] if g in ("", "-") else [f.strip() for f in g.split("|") if f.strip()])
    return out


def parse_row(rec: dict, line: int = 0) -> PrecisionQuery:
    query = (rec.get("query") or "").strip()
    n = len(query.split())
    return PrecisionQuery(query=query, accept=_groups(rec.get("accept"), n),
                          reject=_groups(rec.get("reject"), n),
                          note=(rec.get("note") or "").strip(), line=line)


def load_precision(path: str | Path = PRECISION_FILE) -> list[PrecisionQuery]:
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        header = None
        for lineno, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if not row or row[0].startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in row]
                continue
            rows.append(parse_row(dict(zip(header, row)), lineno))
    return rows


class _Text:
    """An article's title + body, folded once (both ways) for many lookups."""

    __slots__ = ("plain", "kana")

    def __init__(self, article: dict):
        self.plain = fold((article.get("title") or "") + "\n" + (article.get("body") or ""))
        self.kana = kana_fold(self.plain)


def _spans(hay: str, needle: str):
    i = hay.find(needle)
    while i >= 0:
        yield i, i + len(needle)
        i = hay.find(needle, i + 1)


def _has(text: _Text, form: str, rejects: list[str]) -> bool:
    """Does the text hold the form outside every reject-form occurrence?"""
    kana = is_kana(form)
    hay = text.kana if kana else text.plain
    needle = kana_fold(fold(form)) if kana else fold(form)
    occ = list(_spans(hay, needle))
    if not occ:
        return False
    if not rejects:
        return True
    fences = []
    for r in rejects:
        r_kana = is_kana(r)
        r_hay = text.kana if r_kana else text.plain
        r_needle = kana_fold(fold(r)) if r_kana else fold(r)
        fences.extend(_spans(r_hay, r_needle))
    return any(not any(a <= s and e <= b for a, b in fences) for s, e in occ)


def _row(row) -> PrecisionQuery:
    if isinstance(row, PrecisionQuery):
        return row
    return parse_row(dict(row))


def _text(article) -> _Text:
    return article if isinstance(article, _Text) else _Text(article)


def relevant(article: dict, row) -> bool:
    """Is the article a hit for the query row (a PrecisionQuery or a dict of the TSV columns)?"""
    q, text = _row(row), _text(article)
    if len(q.accept) != len(q.words):
        raise ValueError(f"{q.query!r}: {len(q.accept)} accept groups for {len(q.words)} words")
    for i, forms in enumerate(q.accept):
        rejects = q.reject[i] if i < len(q.reject) else []
        if not any(_has(text, f, rejects) for f in forms):
            return False
    return True


def confusable(article: dict, row) -> bool:
    """Not relevant, but every word has an accepted or a reject form (a homophone trap)."""
    q, text = _row(row), _text(article)
    if not any(q.reject) or relevant(text, q):
        return False
    used_reject = False
    for i, forms in enumerate(q.accept):
        rejects = q.reject[i] if i < len(q.reject) else []
        if any(_has(text, f, rejects) for f in forms):
            continue
        if any(_has(text, r, []) for r in rejects):
            used_reject = True
            continue
        return False
    return used_reject


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", help="the livedoor corpus (default ../shared/corpus/livedoor)")
    p.add_argument("--queries", default=str(PRECISION_FILE))
    p.add_argument("--min", type=int, default=MIN_RELEVANT, help="least relevant articles per query")
    args = p.parse_args(argv)

    from common import read_corpus, resolve_corpus

    articles = read_corpus(resolve_corpus(args.corpus))
    texts = [_Text(a) for a in articles]
    queries = load_precision(args.queries)
    bad = 0
    print(f"{_pad('query', 28)} {'words':>5} {'relevant':>8} {'traps':>6}")
    for q in queries:
        problems = []
        if not 1 <= len(q.words) <= 2:
            problems.append(f"{len(q.words)} words (1 or 2 wanted)")
        if len(q.accept) != len(q.words) or any(not g for g in q.accept):
            problems.append("needs one non-empty accept group per word")
        if len(q.reject) != len(q.words):
            problems.append("needs one reject group ('-' for none) per word")
        n = m = 0
        if not problems:
            n = sum(relevant(t, q) for t in texts)
            m = sum(confusable(t, q) for t in texts)
            if n < args.min:
                problems.append(f"only {n} relevant articles ({args.min} wanted)")
        flag = "" if not problems else "   FAIL: " + "; ".join(problems)
        bad += bool(problems)
        print(f"{_pad(q.query, 28)} {len(q.words):>5} {n:>8} {m:>6}{flag}")
    ones = sum(len(q.words) == 1 for q in queries)
    print(f"{len(queries)} queries ({ones} one-word, {len(queries) - ones} two-word); "
          f"{sum(bool(any(q.reject)) for q in queries)} with reject forms")
    if bad:
        print(f"{bad} queries fail")
        return 1
    print("all queries pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
