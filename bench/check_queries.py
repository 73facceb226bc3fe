#!/usr/bin/env python
"""Check the known-item queries (bench/queries.tsv) against the raw corpus.

    python bench/check_queries.py [--corpus PATH] [--queries FILE] [-v]

queries.tsv has one query a line, tab-separated:

    query     what a reader types; words separated by spaces
    kind      plain | variant | partial
    expected  the URL (id) of the one right article
    forms     per query word, the spelling(s) the article itself uses,
              '|'-separated, '-' for "as written"; the whole column is '-'
              for plain queries
    note      free text

"Contains" below means: a substring of the article's title + newline + body
after NFKC and case folding on both sides (so width and case never matter
to it).  A word's *alternatives* are the word itself and its forms.

Every query must satisfy:

1. the expected article exists; the query has 1 to 4 words; no query twice;
2. the expected article contains an alternative of every word;
3. **exactly one right answer**: no other article of the corpus contains an
   alternative of every word;
4. it is not the title: the query without spaces is not the article's title,
   nor a piece of the title longer than half of it;
5. by kind:
   - plain:   every word is contained as written; no forms;
   - variant: at least one word is a real variant: the word, exactly as
     typed (no folding at all), does not occur in the article, and one of
     its forms does (exactly as written).  So シュミレーション for an article
     writing シミュレーション, ｉＰｈｏｎｅ for one writing iPhone, かがわしんじ
     for 香川真司.  Other words are contained as written or via their forms;
   - partial: at least one word is a real part: its form is a longer word
     (the compound the article uses) that contains it, the article contains
     that compound, and every place the article contains the word lies
     inside one of the compound's occurrences (so the word never stands on
     its own in the article).

Also checked over the whole file: at least 60 queries, each kind at least
15 times, every category of the corpus at least 5 times.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from common import KINDS, QUERIES_FILE, fold, load_queries, read_corpus, resolve_corpus  # noqa: E402

MIN_QUERIES = 60
MIN_PER_KIND = 15
MIN_PER_CATEGORY = 5


def occurrences(haystack: str, needle: str) -> list[int]:
    out, i = [], haystack.find(needle)
    while i >= 0:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


def only_inside(text_f: str, word_f: str, compounds_f: list[str]) -> bool:
    """Every occurrence of word_f in text_f lies inside an occurrence of a compound."""
    spans = [(s, s + len(c)) for c in compounds_f for s in occurrences(text_f, c)]
    for start in occurrences(text_f, word_f):
        end = start + len(word_f)
        if not any(s <= start and end <= e for s, e in spans):
            return False
    return True


def check_item(item, article, texts_f, ids, seen) -> list[str]:
    problems = []
    if item.kind not in KINDS:
        problems.append(f"kind {item.kind!r} is not one of {KINDS}")
    words = item.terms
    if not 1 <= len(words) <= 4:
        problems.append(f"{len(words)} words (1 to 4 allowed)")
    if item.query in seen:
        problems.append("duplicate query")
    if article is None:
        return problems + [f"no article with id {item.expected}"]
    forms = item.forms.split() if item.forms and item.forms != "-" else []
    if forms and len(forms) != len(words):
        problems.append(f"{len(forms)} forms for {len(words)} words")
    raw = (article.get("title") or "") + "\n" + (article.get("body") or "")
    text_f = fold(raw)
    alts = item.alternatives()
    alts_f = [[fold(a) for a in word_alts] for word_alts in alts]

    for word, word_alts in zip(words, alts_f):
        if not any(a in text_f for a in word_alts):
            problems.append(f"the article does not contain {word!r} (nor its forms)")

    others = [
        ids[n] for n, t in enumerate(texts_f)
        if ids[n] != item.expected and all(any(a in t for a in word_alts) for word_alts in alts_f)
    ]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        problems.append(f"not unique: {len(others)} other article(s) contain every word: {shown}")

    title_f = fold(article.get("title") or "").strip()
    joined = fold("".join(words))
    if joined == title_f or (joined in title_f and len(joined) * 2 > len(title_f)):
        problems.append("the query is (most of) the title")

    word_forms = [a[1:] for a in alts]  # the forms of each word, as written
    if item.kind == "plain":
        if forms:
            problems.append("a plain query has no forms ('-')")
        for word in words:
            if fold(word) not in text_f:
                problems.append(f"plain word {word!r} not in the article as written")
    elif item.kind == "variant":
        real = [
            w for w, fs in zip(words, word_forms)
            if fs and w not in raw and any(f in raw for f in fs)
        ]
        if not real:
            problems.append("no word is a variant: each is written as the article writes it, "
                            "or none of its forms is in the article exactly")
    elif item.kind == "partial":
        real = []
        for w, fs in zip(words, word_forms):
            wf = fold(w)
            compounds = [fold(f) for f in fs if wf in fold(f) and wf != fold(f) and fold(f) in text_f]
            if compounds and only_inside(text_f, wf, compounds):
                real.append(w)
        if not real:
            problems.append("no word is a part: none has a longer form in the article that holds "
                            "every occurrence of it")
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", help="the livedoor corpus (default ../shared/corpus/livedoor)")
    p.add_argument("--queries", default=str(QUERIES_FILE))
    p.add_argument("-v", "--verbose", action="store_true", help="print every query, not only failures")
    args = p.parse_args(argv)

    articles = read_corpus(resolve_corpus(args.corpus))
    by_id = {a["id"]: a for a in articles}
    ids = [a["id"] for a in articles]
    texts_f = [fold((a.get("title") or "") + "\n" + (a.get("body") or "")) for a in articles]
    items = load_queries(args.queries)

    failures = 0
    seen = set()
    per_kind = collections.Counter()
    per_cat = collections.Counter()
    for item in items:
        article = by_id.get(item.expected)
        problems = check_item(item, article, texts_f, ids, seen)
        seen.add(item.query)
        per_kind[item.kind] += 1
        if article is not None:
            per_cat[article.get("category")] += 1
        if problems:
            failures += 1
            print(f"FAIL line {item.line}: {item.query!r} ({item.kind}) -> {item.expected}")
            for pr in problems:
                print(f"     {pr}")
        elif args.verbose:
            print(f"ok   line {item.line}: {item.query!r} ({item.kind}) -> {(article.get('title') or '')[:40]}")

    totals = []
    if len(items) < MIN_QUERIES:
        totals.append(f"{len(items)} queries, at least {MIN_QUERIES} wanted")
    for kind in KINDS:
        if per_kind[kind] < MIN_PER_KIND:
            totals.append(f"{per_kind[kind]} {kind} queries, at least {MIN_PER_KIND} wanted")
    categories = sorted({a.get("category") for a in articles if a.get("category")})
    for cat in categories:
        if per_cat[cat] < MIN_PER_CATEGORY:
            totals.append(f"{per_cat[cat]} queries in {cat}, at least {MIN_PER_CATEGORY} wanted")
    for t in totals:
        print(f"FAIL {t}")

    print(f"{len(items)} queries: " + ", ".join(f"{per_kind[k]} {k}" for k in KINDS)
          + "; per category: " + ", ".join(f"{c} {per_cat[c]}" for c in categories))
    if failures or totals:
        print(f"{failures} queries fail")
        return 1
    print("all queries pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
