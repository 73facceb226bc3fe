#!/usr/bin/env python
"""Check the held-out known-item queries against the raw corpus.

    python bench/eval/check_known_items.py [--corpus PATH] [-v] [--no-sudachi]

The queries live in two files with the same columns (tab-separated, one
header line, '#' comment lines allowed):

    bench/eval/known_items_dev.tsv    the dev half: free to look at and tune on
    bench/eval/known_items_test.tsv   the test half: frozen, never for tuning

    query     what a reader types; words separated by spaces (1 to 4)
    kind      plain | partial | variant
    subkind   plain for plain, partial for partial; for variant one of
              katakana | okurigana | kana_name | compound | place
    expected  the URL (id) of the one right article
    forms     per query word, the spelling(s) the article itself uses,
              '|'-separated, '-' for "as written"; the whole column '-' for
              plain queries (the convention of bench/queries.tsv)
    split     dev | test (must match the file the row is in)
    note      free text ("sample #N" = position in sample_articles.py's list)

Every row must pass the rules of bench/check_queries.py (its check_item:
the article contains an alternative of every word, no other article of the
corpus does, the query is not the title, plain/variant/partial as defined
there).  On top of those:

- the subkind fits the kind;
- variant rows: at least one word is a real variant (as check_queries
  defines it) whose Sudachi normalized form differs from that of every one
  of its forms the article uses (SudachiPy, sudachidict-core, split mode C,
  NFKC first, symbols and spaces left out, each spelling analysed on its
  own); for kana_name that word is written in hiragana only.  --no-sudachi
  skips this (for a machine without SudachiPy);
- no query twice and no article twice over both files;
- no overlap with bench/queries.tsv: neither the same query nor the same
  expected article;
- each row's split is the one assign_splits() gives (a fixed seed,
  stratified by subkind), and the two halves are balanced: for every
  subkind the dev and test counts differ by at most one.

Over both files: at least 90 queries, at least 50 variant ones, each kind at
least 15 times, each subkind at least 7 times, every category of the corpus
at least 5 times.
"""

from __future__ import annotations

import argparse
import collections
import csv
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

EVAL = Path(__file__).resolve().parent
sys.path.insert(0, str(EVAL.parent))
sys.path.insert(1, str(EVAL.parent.parent))

from check_queries import MIN_PER_CATEGORY, MIN_PER_KIND, check_item  # noqa: E402
from common import (  # noqa: E402
    KINDS,
    QUERIES_FILE,
    KnownItem,
    fold,
    load_queries,
    read_corpus,
    resolve_corpus,
)

DEV_FILE = EVAL / "known_items_dev.tsv"
TEST_FILE = EVAL / "known_items_test.tsv"
COLUMNS = ("query", "kind", "subkind", "expected", "forms", "split", "note")
VARIANT_SUBKINDS = ("katakana", "okurigana", "kana_name", "compound", "place")
SUBKINDS = {"plain": ("plain",), "partial": ("partial",), "variant": VARIANT_SUBKINDS}
ALL_SUBKINDS = ("plain", "partial") + VARIANT_SUBKINDS
SPLITS = ("dev", "test")
SPLIT_SEED = 20240918

MIN_QUERIES = 90
MIN_VARIANT = 50
MIN_PER_SUBKIND = 7

HIRAGANA = re.compile(r"^[\u3041-\u309fー]+$")


@dataclass
class EvalItem:
    item: KnownItem
    subkind: str
    split: str
    path: Path
    file_split: str = ""  # the split of the file the row was read from

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.item.line}"


def load_items(path: str | Path) -> tuple[list[EvalItem], list[str]]:
    """The rows of one query file, and problems with its header."""
    path = Path(path)
    items, problems = [], []
    with open(path, encoding="utf-8", newline="") as f:
        header = None
        for lineno, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if not row or row[0].startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in row]
                if tuple(header) != COLUMNS:
                    problems.append(f"{path.name}: header {header} is not {list(COLUMNS)}")
                continue
            rec = dict(zip(header, row))
            item = KnownItem(
                query=(rec.get("query") or "").strip(),
                kind=(rec.get("kind") or "").strip(),
                expected=(rec.get("expected") or "").strip(),
                forms=(rec.get("forms") or "").strip(),
                note=(rec.get("note") or "").strip(),
                line=lineno,
            )
            items.append(EvalItem(item, (rec.get("subkind") or "").strip(),
                                  (rec.get("split") or "").strip(), path))
    if header is None:
        problems.append(f"{path.name}: no header line")
    return items, problems


def assign_splits(items: list[EvalItem], seed: int = SPLIT_SEED) -> dict[str, str]:
    """expected id -> 'dev' | 'test': half of each subkind, chosen by the seed.

    Within a subkind the ids are sorted, then shuffled with
    random.Random(f"{seed}:{subkind}"); the first half goes to test.  When a
    subkind has an odd count the extra row goes to test and dev in turn
    (subkinds taken in sorted order), so the two files stay the same size.
    """
    by_sub = collections.defaultdict(list)
    for ev in items:
        by_sub[ev.subkind].append(ev.item.expected)
    out, extra_to_test = {}, True
    for sub in sorted(by_sub):
        ids = sorted(by_sub[sub])
        random.Random(f"{seed}:{sub}").shuffle(ids)
        n_test = len(ids) // 2
        if len(ids) % 2:
            n_test += 1 if extra_to_test else 0
            extra_to_test = not extra_to_test
        for k, i in enumerate(ids):
            out[i] = "test" if k < n_test else "dev"
    return out


class SudachiNorm:
    """Sudachi's normalized forms of a spelling analysed on its own (mode C)."""

    def __init__(self):
        from sudachipy import dictionary, tokenizer

        d = dictionary.Dictionary(dict="core")
        self.tok = d.tokenizer() if hasattr(d, "tokenizer") else d.create()
        self.mode = tokenizer.Tokenizer.SplitMode.C

    def __call__(self, text: str) -> tuple[str, ...]:
        text = unicodedata.normalize("NFKC", text)
        return tuple(m.normalized_form() for m in self.tok.tokenize(text, self.mode)
                     if m.part_of_speech()[0] not in ("補助記号", "空白"))


def hard_variant_problems(ev: EvalItem, raw: str, norm: SudachiNorm | None) -> list[str]:
    """Problems with a variant row beyond check_item's rules."""
    item = ev.item
    words = item.terms
    forms = [a[1:] for a in item.alternatives()]
    real = [(w, [f for f in fs if f in raw]) for w, fs in zip(words, forms)
            if fs and w not in raw and any(f in raw for f in fs)]
    if not real:
        return []  # check_item already reports it
    problems = []
    if ev.subkind == "kana_name" and not any(HIRAGANA.match(w) for w, _ in real):
        problems.append("kana_name: no real variant word is written in hiragana only")
    if norm is not None:
        hard = [w for w, used in real if all(norm(w) != norm(f) for f in used)]
        if not hard:
            shown = "; ".join(f"{w} = {'/'.join(norm(w))}" for w, _ in real)
            problems.append(f"Sudachi's normalized form unifies every variant word with the "
                            f"article's spelling ({shown})")
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", help="the livedoor corpus (default ../shared/corpus/livedoor)")
    p.add_argument("--dev", default=str(DEV_FILE))
    p.add_argument("--test", default=str(TEST_FILE))
    p.add_argument("-v", "--verbose", action="store_true", help="print every query, not only failures")
    p.add_argument("--no-sudachi", action="store_true", help="skip the Sudachi normalized-form check")
    args = p.parse_args(argv)

    items, file_problems = [], []
    for split, path in (("dev", args.dev), ("test", args.test)):
        got, probs = load_items(path)
        file_problems += probs
        for ev in got:
            ev.file_split = split
        items += got

    norm = None if args.no_sudachi else SudachiNorm()
    articles = read_corpus(resolve_corpus(args.corpus))
    by_id = {a["id"]: a for a in articles}
    ids = [a["id"] for a in articles]
    texts_f = [fold((a.get("title") or "") + "\n" + (a.get("body") or "")) for a in articles]

    old = load_queries(QUERIES_FILE)
    old_queries = {q.query for q in old}
    old_expected = {q.expected for q in old}
    splits = assign_splits(items)

    failures = 0
    seen_q, seen_e = set(), set()
    per = collections.Counter()
    per_kind, per_cat = collections.Counter(), collections.Counter()
    for ev in items:
        item = ev.item
        article = by_id.get(item.expected)
        problems = check_item(item, article, texts_f, ids, seen_q)
        if ev.subkind not in SUBKINDS.get(item.kind, ()):
            problems.append(f"subkind {ev.subkind!r} does not fit kind {item.kind!r} "
                            f"(allowed: {', '.join(SUBKINDS.get(item.kind, ()))})")
        if ev.split != ev.file_split:
            problems.append(f"split {ev.split!r} in the {ev.file_split} file")
        if splits.get(item.expected) != ev.split:
            problems.append(f"split {ev.split!r}, but the seeded assignment gives {splits.get(item.expected)!r}")
        if item.expected in seen_e:
            problems.append("a second query for the same article")
        if item.query in old_queries:
            problems.append("the same query is in bench/queries.tsv")
        if item.expected in old_expected:
            problems.append("the article is already expected by bench/queries.tsv")
        if item.kind == "variant" and article is not None:
            raw = (article.get("title") or "") + "\n" + (article.get("body") or "")
            problems += hard_variant_problems(ev, raw, norm)
        seen_q.add(item.query)
        seen_e.add(item.expected)
        per[(ev.subkind, ev.split)] += 1
        per_kind[item.kind] += 1
        if article is not None:
            per_cat[article.get("category")] += 1
        if problems:
            failures += 1
            print(f"FAIL {ev.where}: {item.query!r} ({item.kind}/{ev.subkind}) -> {item.expected}")
            for pr in problems:
                print(f"     {pr}")
        elif args.verbose:
            print(f"ok   {ev.where}: {item.query!r} ({item.kind}/{ev.subkind}) -> "
                  f"{(article.get('title') or '')[:40]}")

    totals = list(file_problems)
    if len(items) < MIN_QUERIES:
        totals.append(f"{len(items)} queries, at least {MIN_QUERIES} wanted")
    if per_kind["variant"] < MIN_VARIANT:
        totals.append(f"{per_kind['variant']} variant queries, at least {MIN_VARIANT} wanted")
    for kind in KINDS:
        if per_kind[kind] < MIN_PER_KIND:
            totals.append(f"{per_kind[kind]} {kind} queries, at least {MIN_PER_KIND} wanted")
    for sub in ALL_SUBKINDS:
        n_dev, n_test = per[(sub, "dev")], per[(sub, "test")]
        if n_dev + n_test < MIN_PER_SUBKIND:
            totals.append(f"{n_dev + n_test} {sub} queries, at least {MIN_PER_SUBKIND} wanted")
        if abs(n_dev - n_test) > 1:
            totals.append(f"{sub}: {n_dev} dev and {n_test} test, not balanced")
    categories = sorted({a.get("category") for a in articles if a.get("category")})
    for cat in categories:
        if per_cat[cat] < MIN_PER_CATEGORY:
            totals.append(f"{per_cat[cat]} queries in {cat}, at least {MIN_PER_CATEGORY} wanted")
    for t in totals:
        print(f"FAIL {t}")

    print(f"{len(items)} queries: " + ", ".join(f"{per_kind[k]} {k}" for k in KINDS))
    print(f"{'subkind':<10} {'dev':>4} {'test':>5} {'all':>4}")
    for sub in ALL_SUBKINDS:
        d, t = per[(sub, "dev")], per[(sub, "test")]
        print(f"{sub:<10} {d:>4} {t:>5} {d + t:>4}")
    d = sum(v for (s, sp), v in per.items() if sp == "dev")
    print(f"{'total':<10} {d:>4} {len(items) - d:>5} {len(items):>4}")
    print("per category: " + ", ".join(f"{c} {per_cat[c]}" for c in categories))
    if failures or totals:
        print(f"{failures} queries fail")
        return 1
    print("all queries pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
