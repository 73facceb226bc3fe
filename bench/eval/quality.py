#!/usr/bin/env python
"""Quality of an existing index, in seconds: this project's Searcher only.

    python bench/eval/quality.py --index DIR [--sets tuning,dev,test,precision] [--show-misses] [--json OUT]

Opens DIR (an index of the full livedoor corpus made by ``search index``)
with ``search.Searcher`` and runs the query sets through
``Searcher.search(query, per_page=10, facets=False, snippets=False)`` -- the
ranking bench/run.py measures, without re-indexing and without the peers:

- ``tuning``: bench/queries.tsv, the known items the engine is tuned on;
- ``dev``: bench/eval/known_items_dev.tsv, the held-out dev half (free to tune on);
- ``test``: bench/eval/known_items_test.tsv, the frozen test half: only its
  aggregates are ever printed or saved;
- ``precision``: bench/eval/precision.tsv, P@10 judged by bench/eval/judge.py.

It prints MRR@10 and R@10 per set, overall, per kind (plain, variant,
partial) and, for dev and test, per variant subkind (katakana, okurigana,
kana_name, compound, place); then P@10 (overall, one-word, two-word queries).

``--show-misses`` lists every tuning and dev known item not ranked first
(query, kind, expected article, its rank, the top three titles) and every
precision query below P@10 = 1 (the titles that were not relevant).  It
never shows the test set's: for test it prints counts only.

``--json OUT`` writes the aggregates (and, for tuning, dev and precision,
the per-query figures) as JSON.

P@10 divides the relevant hits among the first ten by min(10, the relevant
articles of the index): on the full corpus that is plain P@10 (every
precision query has at least 10 relevant articles).  The hits' text comes
from the index's stored articles (read once, about a second).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import unicodedata
from pathlib import Path

EVAL = Path(__file__).resolve().parent
sys.path.insert(0, str(EVAL.parent))
sys.path.insert(1, str(EVAL.parent.parent))

from common import (  # noqa: E402
    BASELINE_P10,
    FROZEN_SETS,
    HELD_OUT_GOALS,
    K,
    KINDS,
    QUERY_SETS,
    VARIANT_SUBKINDS,
    PrecisionJudge,
    load_precision,
    load_query_sets,
    rank_of,
    score_ranks,
)

SET_NAMES = (*QUERY_SETS, "precision")
DEFAULT_SETS = ",".join(SET_NAMES)
SHORT = {"plain": "plain", "variant": "variant", "partial": "partial", "katakana": "kata",
         "okurigana": "okuri", "kana_name": "name", "compound": "comp", "place": "place"}


def clip(text: str, cols: int) -> str:
    out, used = [], 0
    for c in text:
        w = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if used + w > cols:
            return "".join(out) + "…"
        out.append(c)
        used += w
    return "".join(out)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True, help="an index of the full livedoor corpus (search index ... --index DIR)")
    p.add_argument("--sets", default=DEFAULT_SETS,
                   help=f"comma-separated sets to run, of {', '.join(SET_NAMES)} (default all)")
    p.add_argument("--show-misses", action="store_true",
                   help="list the tuning and dev known items not ranked first and the precision queries below "
                        "P@10 = 1 (never the test set's)")
    p.add_argument("--json", metavar="OUT", help="write the aggregates as JSON to OUT")
    args = p.parse_args(argv)
    args.sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in args.sets if s not in SET_NAMES]
    if unknown or not args.sets:
        p.error(f"unknown set(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(SET_NAMES)}")
    return args


class Run:
    """The Searcher, the hits of each query, and what the index holds."""

    def __init__(self, index):
        from search import Searcher

        self.searcher = Searcher(index)
        self._titles = {}
        self._articles = None
        self._id_set = None

    def search(self, query):
        """(ids of the first ten hits, None), or ([], the error) when the search raised."""
        try:
            result = self.searcher.search(query, per_page=K, facets=False, snippets=False)
        except Exception as exc:  # a query the engine refuses scores nothing
            return [], f"{type(exc).__name__}: {exc}"[:200]
        for h in result.hits:
            self._titles[h["id"]] = h.get("title") or ""
        return [h["id"] for h in result.hits], None

    def articles(self):
        """Every stored article (id, title, body), read once."""
        if self._articles is None:
            reader = self.searcher._whoosh().reader()
            self._articles = [
                {"id": f["id"], "title": f.get("title") or "", "body": f.get("body") or ""}
                for f in reader.all_stored_fields()
            ]
            self._titles.update((a["id"], a["title"]) for a in self._articles)
        return self._articles

    def ids(self) -> set:
        """The ids of every stored article."""
        if self._id_set is None:
            self._id_set = {a["id"] for a in self.articles()}
        return self._id_set

    def title(self, article_id) -> str:
        return self._titles.get(article_id, "?")

    def close(self):
        self.searcher.close()


def known_item_set(run, name, items):
    """Aggregates of one set, and (for a set that is not frozen) its rows."""
    present = run.ids()
    skipped = sum(1 for i in items if i.expected not in present)
    items = [i for i in items if i.expected in present]
    rows, ranks = [], []
    for item in items:
        ids, error = run.search(item.query)
        rank = rank_of(item.expected, ids)
        ranks.append(rank)
        if name not in FROZEN_SETS:
            rows.append({"query": item.query, "kind": item.kind, "subkind": item.subkind,
                         "expected": item.expected, "rank": rank, "top": ids[:3], "error": error})
    agg = score_ranks(items, ranks)
    agg["skipped"] = skipped
    return agg, rows


def print_known_items(results):
    """One block per set: MRR@10 and R@10 overall, per kind, per subkind."""
    groups = [("", "all")] + [(k, SHORT[k]) for k in KINDS] + [(s, SHORT[s]) for s in VARIANT_SUBKINDS]
    header = f"{'set':<8} {'measure':<7} " + " ".join(f"{label:>7}" for _, label in groups)
    print(header)
    print("-" * len(header))
    for name, (agg, _rows) in results.items():
        def cell(measure, g):
            key = measure + (f"_{g}" if g else "")
            v = agg.get(key)
            return "" if key not in agg else ("n/a" if v is None else f"{v:.3f}")

        frozen = "  (frozen: aggregates only)" if name in FROZEN_SETS else ""
        print(f"{name:<8} {'n':<7} " + " ".join(f"{agg.get('n' + (f'_{g}' if g else ''), ''):>7}"
                                               for g, _ in groups) + frozen)
        print(f"{'':<8} {'MRR@10':<7} " + " ".join(f"{cell('mrr', g):>7}" for g, _ in groups))
        print(f"{'':<8} {'R@10':<7} " + " ".join(f"{cell('recall', g):>7}" for g, _ in groups))
        if agg.get("skipped"):
            print(f"{'':<8} {agg['skipped']} queries skipped: their article is not in this index")


def show_misses(run, results, precision):
    for name, (agg, rows) in results.items():
        print()
        if name in FROZEN_SETS:
            print(f"{name}: misses are never shown (frozen test half); {agg['n'] - agg['first']} of {agg['n']} "
                  f"not ranked first, {agg['missed']} not in the top 10")
            continue
        misses = [r for r in rows if r["rank"] != 1]
        print(f"{name}: {len(misses)} of {len(rows)} known items not ranked first "
              f"({sum(1 for r in rows if r['rank'] is None)} not in the top 10)")
        for r in misses:
            kind = r["subkind"] if r["subkind"] and r["subkind"] != r["kind"] else r["kind"]
            print(f"  rank {r['rank'] or '-':>2}  {kind:<9} {r['query']}")
            print(f"           expected {r['expected']}  {clip(run.title(r['expected']), 60)}")
            if r["error"]:
                print(f"           error: {r['error']}")
            for n, i in enumerate(r["top"], 1):
                mark = "*" if i == r["expected"] else " "
                print(f"           {n}.{mark}{clip(run.title(i), 70)}  {i.rsplit('/', 2)[-2] if '/' in i else i}")
            if not r["top"]:
                print("           (no hits)")
    if precision is not None:
        p, _queries = precision
        low = [pq for pq in p["per_query"] if pq["p10"] is not None and pq["p10"] < 1]
        print()
        print(f"precision: {len(low)} of {p['n']} queries below P@10 = 1")
        for pq in low:
            wrong = [i for i, ok in zip(pq["ids"], pq["relevance"]) if not ok]
            print(f"  P@10 {pq['p10']:.1f}  {pq['query']}  ({pq['relevant_hits']} relevant of {pq['hits']} hits)")
            for i in wrong[:3]:
                print(f"           not relevant: {clip(run.title(i), 70)}  {i.rsplit('/', 2)[-2] if '/' in i else i}")


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        run = Run(args.index)
    except Exception as exc:  # IndexMissing, IndexUnusable, ...
        print(f"quality.py: cannot open the index {args.index}: {exc}", file=sys.stderr)
        return 2
    try:
        run.articles()
        known = [s for s in args.sets if s in QUERY_SETS]
        sets = load_query_sets(known)
        results = {name: known_item_set(run, name, sets[name]) for name in known}
        precision = None
        if "precision" in args.sets:
            queries = load_precision()
            judge = PrecisionJudge(run.articles(), queries)
            ids = [run.search(q.query)[0] for q in queries]
            p = judge.score(ids)
            for pq, got in zip(p["per_query"], ids):
                pq["ids"] = got[:K]
            precision = (p, queries)
        took = time.perf_counter() - started

        print(f"index: {args.index} ({len(run.articles()):,} articles)")
        print()
        if results:
            print_known_items(results)
        if precision is not None:
            p = precision[0]
            print()
            print(f"P@10 {p['p10']:.3f} over {p['n']} precision queries "
                  f"(one-word {p['p10_one_word']:.3f}, two-word {p['p10_two_words']:.3f}); judged by "
                  f"bench/eval/judge.py")
        goals = []
        if "test" in results:
            agg = results["test"][0]
            goals += [(f"test MRR@10 {what} >= {goal:.3f}", agg.get(key), goal) for key, goal, what in HELD_OUT_GOALS]
        if precision is not None:
            goals.append((f"P@10 >= {BASELINE_P10:.3f}", precision[0]["p10"], BASELINE_P10))
        if goals:
            print()
            print("issue 12 goals (full corpus; bench/README.md, Targets):")
            for label, value, goal in goals:
                ok = "n/a " if value is None else ("PASS" if value >= goal - 1e-9 else "MISS")
                print(f"  {ok}  {label}: {'n/a' if value is None else f'{value:.3f}'}")
        if args.show_misses:
            show_misses(run, results, precision)
        print()
        print(f"took {took:.1f} s")

        if args.json:
            out = {
                "index": str(args.index), "articles": len(run.articles()),
                "started": dt.datetime.now().isoformat(timespec="seconds"), "seconds": round(took, 2),
                "sets": {name: agg for name, (agg, _rows) in results.items()},
                "per_query": {name: [{k: v for k, v in r.items() if k != "top"} for r in rows]
                              for name, (_agg, rows) in results.items() if name not in FROZEN_SETS},
            }
            if precision is not None:
                p = precision[0]
                out["precision"] = {
                    **{k: v for k, v in p.items() if k != "per_query"},
                    "per_query": [{k: pq[k] for k in ("query", "p10", "relevant_hits", "hits", "denominator")}
                                  for pq in p["per_query"]],
                }
            Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"JSON: {args.json}")
    finally:
        run.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
