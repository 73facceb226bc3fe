"""How fast is the entity step, beside Sudachi and beside indexing?

    python bench/entities/speed.py                    # 400 articles, about a minute
    python bench/entities/speed.py --articles 1000 --no-index

Articles are spread evenly over the livedoor corpus (every k-th).  Prints
characters per second (of this process's CPU time) of

* Sudachi alone: SudachiPy tokenizing in split mode C, nothing else;
* the analysis pass: index.analysis (Sudachi plus the sub-units and Morpheme
  objects that every later stage reuses);
* the entity step alone: index.entities.extract_entities on analyses made
  beforehand (the rules and the tagger; no Sudachi call), warm and with
  empty caches, and the rules alone (rule_entities);
* in-article canonical names (canonical.resolve_in_article) on the
  entities of each article;
* indexing (index_paths, one process, into a temporary folder, CPU time of
  this process) with the extractor and with it replaced by one that finds
  nothing, alternating, best of the rounds.

The budget (issue 13): the entity step at least 200,000 characters per
second on top of the Sudachi pass, and indexing at most 15% slower for it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from corpus import articles


def spread(n: int) -> list:
    every = list(articles())
    step = max(1, len(every) // n)
    return every[::step][:n]


def best_of(rounds: int, fn) -> float:
    """Best CPU time of this process over ``rounds`` calls (CPU time, not wall
    time: other processes on a shared machine then matter less)."""
    times = []
    for _ in range(rounds):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def sudachi_only(texts):
    """SudachiPy's tokenize over the same chunks index.analysis gives it."""
    from sudachipy import Dictionary, SplitMode

    from index.analysis import sudachi_chunks

    tok = Dictionary(dict="core").tokenizer()

    def run():
        for text in texts:
            for _, chunk in sudachi_chunks(text):
                tok.tokenize(chunk, SplitMode.C)

    return run


def index_time(items, with_entities: bool) -> float:
    import index.entities as entities_mod
    from search import index_paths

    original = entities_mod.extract_entities
    if not with_entities:
        entities_mod.extract_entities = lambda analysis: []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "articles.jsonl"
            with open(src, "w", encoding="utf-8") as f:
                for a in items:
                    f.write(json.dumps({"id": a["id"], "title": a["title"], "body": a["body"]}, ensure_ascii=False) + "\n")
            t = time.process_time()
            summary = index_paths([str(src)], Path(tmp) / "index", procs=1)
            elapsed = time.process_time() - t
            assert summary.added == len(items), summary
            return elapsed
    finally:
        entities_mod.extract_entities = original


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-index", action="store_true", help="skip the indexing comparison")
    args = ap.parse_args()

    from index import analysis as analysis_mod
    from index.entities import extract_entities, rule_entities

    items = spread(args.articles)
    texts = [a["title"] + "\n" + a["body"] for a in items]
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} articles, {chars:,} characters")

    t = time.perf_counter()
    extract_entities(analysis_mod.analyze("東京都の小池百合子知事"))  # loads the model and lexicon
    print(f"first call (model and lexicon load): {time.perf_counter() - t:.2f} s")

    # Rounds interleave the steps so that load from other processes on the
    # machine falls on all of them alike; each figure is its best round.  The
    # entity step's first round starts with empty per-surface caches (as a
    # fresh indexing process does) and is reported too.
    from index.entities import load_model
    from index.entities.canonical import resolve_in_article

    def clear_caches():
        for cache in load_model().caches:
            cache.clear()

    clear_caches()
    run_sudachi = sudachi_only(texts)
    analyses = [analysis_mod.Analysis(text, analysis_mod._run_sudachi(text)) for text in texts]

    def analyse():
        for text in texts:
            analysis_mod.Analysis(text, analysis_mod._run_sudachi(text))

    found = [extract_entities(a) for a in analyses]
    clear_caches()
    times = {"sudachi": [], "analysis": [], "entities": [], "rules": [], "canonical": []}
    for _ in range(args.rounds):
        times["entities"].append(best_of(1, lambda: [extract_entities(a) for a in analyses]))
        times["sudachi"].append(best_of(1, run_sudachi))
        times["analysis"].append(best_of(1, analyse))
        times["rules"].append(best_of(1, lambda: [rule_entities(a) for a in analyses]))
        times["canonical"].append(best_of(1, lambda: [resolve_in_article(f) for f in found]))
    sudachi, ents = min(times["sudachi"]), min(times["entities"])
    rows = [
        ("Sudachi alone (mode C)", sudachi),
        ("analysis pass (index.analysis)", min(times["analysis"])),
        ("entity step (rules + tagger)", ents),
        ("  first round, cold caches", times["entities"][0]),
        ("  of which the rules", min(times["rules"])),
        ("canonical names in the article", min(times["canonical"])),
    ]
    for name, sec in rows:
        print(f"{name:<34} {chars / sec:>12,.0f} chars/s  {sec:7.2f} s")
    print(f"entity step: {chars / ents:,.0f} chars/s warm, {chars / times['entities'][0]:,.0f} cold "
          f"(budget 200,000); / Sudachi alone: {ents / sudachi:.2f}; "
          f"/ analysis pass: {ents / min(times['analysis']):.2f}")

    if not args.no_index:
        # alternate the two, best CPU time of each
        runs = {True: [], False: []}
        for _ in range(args.rounds):
            for flag in (True, False):
                runs[flag].append(index_time(items, flag))
        with_e, without = min(runs[True]), min(runs[False])
        print(f"{'indexing with entities':<34} {chars / with_e:>12,.0f} chars/s  {with_e:7.2f} s")
        print(f"{'indexing without entities':<34} {chars / without:>12,.0f} chars/s  {without:7.2f} s")
        print(f"indexing slowdown from entities: {100 * (with_e / without - 1):+.1f}% "
              "(the step's whole cost; the budget is 15% over the previous extractor's)")


if __name__ == "__main__":
    main()
