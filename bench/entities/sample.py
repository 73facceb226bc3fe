"""Pick the sentences to annotate (evaluation and training sets, disjoint).

    python bench/entities/sample.py eval  --per-category 25 --out /tmp/eval.tsv
    python bench/entities/sample.py train --per-category 90 --out /tmp/train.tsv

Articles are drawn with a fixed seed; an article gives sentences to one set
only (evaluation articles are those whose id hash falls in the first tenth, so
the two sets never share an article).  Two thirds of each category's sentences
come from those holding a proper noun by Sudachi, a Latin capital or a
katakana word (candidate-rich, so the set has enough entities to score), one
third from all sentences, so entity-free text and names Sudachi does not know
are scored too.  The output holds corpus text: write it outside the
repository (it is only the annotator's worksheet).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
from collections import defaultdict

from corpus import articles, sentences

_CANDIDATE = re.compile(r"[A-ZＡ-Ｚ]|[\u30a1-\u30fa]{3,}")


def in_eval_split(article_id: str) -> bool:
    return int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % 10 == 0


def candidate(text: str) -> bool:
    from index.analysis import analyze

    if _CANDIDATE.search(text):
        return True
    return any(m.proper_noun for m in analyze(text).morphemes)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("split", choices=["eval", "train"])
    ap.add_argument("--per-category", type=int, default=25)
    ap.add_argument("--per-article", type=int, default=3)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--min-len", type=int, default=12)
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--rich", type=float, default=2 / 3, help="share of candidate-rich sentences per article")
    ap.add_argument("--exclude", nargs="*", default=[], help="worksheets whose articles are not drawn again")
    ap.add_argument("--categories", nargs="*", default=None, help="only these categories")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    used = set()
    for path in args.exclude:
        with open(path, encoding="utf-8") as f:
            used |= {line.split("\t")[1] for line in f if line.strip()}
    by_cat = defaultdict(list)
    for a in articles():
        if args.categories and a["category"] not in args.categories:
            continue
        if in_eval_split(a["id"]) == (args.split == "eval") and a["id"] not in used:
            by_cat[a["category"]].append(a)
    rng = random.Random(args.seed)
    rows = []
    for cat in sorted(by_cat):
        pool = by_cat[cat]
        rng.shuffle(pool)
        picked = 0
        for a in pool:
            if picked >= args.per_category:
                break
            body = a["body"]
            spans = [(s, e) for s, e in sentences(body) if args.min_len <= e - s <= args.max_len]
            rng.shuffle(spans)
            rich = [sp for sp in spans if candidate(body[sp[0] : sp[1]])]
            take = rich[: max(1, round(args.per_article * args.rich))]
            rest = [sp for sp in spans if sp not in take]
            take += rest[: args.per_article - len(take)]
            for s, e in sorted(take)[: args.per_category - picked]:
                rows.append((a["id"], cat, s, e, body[s:e]))
                picked += 1
    with open(args.out, "w", encoding="utf-8") as f:
        for i, (aid, cat, s, e, text) in enumerate(rows):
            f.write(f"{i}\t{aid}\t{cat}\t{s}\t{e}\t{text}\n")
    print(f"{len(rows)} sentences from {len({r[0] for r in rows})} articles -> {args.out}")


if __name__ == "__main__":
    main()
