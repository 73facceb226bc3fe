#!/usr/bin/env python
"""Print the random sample of livedoor articles the held-out known-item queries
(bench/eval/known_items_*.tsv) were written from.

    python bench/eval/sample_articles.py [--corpus PATH] [--per-category N]

The sample is drawn with a fixed seed (SEED below), stratified by category:
the articles of each of the 9 categories are shuffled with their own
``random.Random(f"{SEED}:{category}")`` (the corpus order within a category
is the archive's sorted order, so the result does not depend on anything but
the corpus and the seed); articles already used by bench/queries.tsv are left
out first.  The per-category lists are then interleaved round-robin
(category order sorted), so the printed order walks over all categories in
turn.  Each line: position, category, URL (the article id), title.

The queries were written by walking this list from the top: an article was
read, and a query of a still needed kind was written from it if the article
offered one (otherwise it was skipped).  Positions 1-90 were read one after
the other; further down, for the kinds few articles offer (place, okurigana,
compound, partial and a few katakana spellings), the listed articles' text
was searched for candidate spellings and the articles found were then read
in list order (see README.md).  The note column of the query files gives
each query's position ("sample #N").  Raising --per-category does not change
the order of the positions already printed (each category's shuffle is
independent of it).  Nothing but the corpus and this script decides the
list, so the same command reprints it.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

EVAL = Path(__file__).resolve().parent
sys.path.insert(0, str(EVAL.parent))
sys.path.insert(1, str(EVAL.parent.parent))

from common import load_queries, read_corpus, resolve_corpus  # noqa: E402

SEED = 20240917
PER_CATEGORY = 200


def sample(articles: list[dict], per_category: int = PER_CATEGORY, seed: int = SEED) -> list[dict]:
    """The sampled articles in walking order (round-robin over the categories)."""
    used = {q.expected for q in load_queries()}
    by_cat: dict[str, list[dict]] = {}
    for a in articles:
        if a["id"] not in used:
            by_cat.setdefault(a.get("category") or "", []).append(a)
    lists = []
    for cat in sorted(by_cat):
        pool = sorted(by_cat[cat], key=lambda a: a["id"])
        random.Random(f"{seed}:{cat}").shuffle(pool)
        lists.append(pool[:per_category])
    out = []
    for k in range(per_category):
        out.extend(lst[k] for lst in lists if k < len(lst))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", help="the livedoor corpus (default ../shared/corpus/livedoor)")
    p.add_argument("--per-category", type=int, default=PER_CATEGORY)
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    articles = read_corpus(resolve_corpus(args.corpus))
    for n, a in enumerate(sample(articles, args.per_category, args.seed), 1):
        print(f"{n}\t{a.get('category')}\t{a['id']}\t{a.get('title') or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
