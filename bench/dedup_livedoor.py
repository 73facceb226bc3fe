"""Near-copies on the livedoor corpus: how many, at which threshold, at what cost.

    .venv/bin/python bench/dedup_livedoor.py                 # all 7,367 articles (4 to 8 minutes on 2 shared cores)
    .venv/bin/python bench/dedup_livedoor.py --limit 1000    # a quick look
    .venv/bin/python bench/dedup_livedoor.py --plain 0.8 --between 0.8 0.9   # read the pairs between 0.8 and 0.9
    .venv/bin/python bench/dedup_livedoor.py --pipeline      # also index it, without and with the fields

For every article it makes the index document (index.schema.to_document: the
one Sudachi pass, entities) and then the near-copy signature from the same
analyses (index.dedup.document_fields: no second pass), timing both with the
process's CPU clock.  Then it prints:

* the cost: signature per article against the document (analysis) per
  article; with ``--pipeline``, ``search index`` of the articles (the whole
  corpus, or the ``--limit`` first through a temporary JSON Lines file) into
  fresh indexes, twice as the engine is and twice with the two dedup fields
  added to its schema and documents (as wiring them in will), alternately,
  CPU time of the run and its workers (the best of each pair) and wall time;
* the groups of two or more at several plain thresholds (similarity at
  least T) and under the chosen rule (index.dedup.DEFAULT_RULE: a bar that
  allows a few changed shingles, between a floor and a ceiling, or a lower
  one under the same headline): how many, the articles in them, the largest;
* why three-term shingles: the exact Jaccard similarity of random pairs (the
  background) and of the pairs grouped at 0.5, for shingles of 1 to 5
  terms, and the error of the signature's estimate;
* the pairs that share a headline, with their similarity;
* sample groups to read (titles and first lines), chosen at random with a
  fixed seed, optionally only those whose weakest member lies in a band of
  similarity (``--between LO HI``), which is where a threshold is decided.

The corpus is read in place (CC BY-ND): nothing of it is written anywhere
but into the temporary indexes of ``--pipeline`` (deleted at the end); the
samples are printed for reading only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import dedup  # noqa: E402
from index.analysis import analyze, load_tokenizer  # noqa: E402
from index.export import EXPORT_KEYS  # noqa: E402
from index.readers import read_paths  # noqa: E402
from index.schema import build_schema, to_document  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "livedoor" / "ldcc-20140209.tar.gz"
THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


def first_line(text: str, width: int = 70) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:width] + ("…" if len(line) > width else "")
    return ""


def signed_articles(articles):
    """[(article, terms, signature)] and the CPU seconds of documents and of signatures."""
    load_tokenizer()
    out, doc_seconds, sig_seconds = [], 0.0, 0.0
    for n, article in enumerate(articles, 1):
        t0 = time.process_time()
        to_document(article)
        t1 = time.process_time()
        fields = dedup.document_fields(analyze(article["title"]), analyze(article["body"]))
        t2 = time.process_time()
        doc_seconds += t1 - t0
        sig_seconds += t2 - t1
        terms = dedup.dedup_terms(analyze(article["title"]), analyze(article["body"]))
        out.append((article, terms, fields.get("dup_sig")))
        if n % 1000 == 0:
            print(f"  {n} articles signed", file=sys.stderr)
    return out, doc_seconds, sig_seconds


def pipeline_cost(corpus, with_dedup: bool) -> tuple:
    """(CPU seconds of this process and its workers, wall seconds) of
    ``search index`` of the corpus into a fresh index, as the engine is or
    with the dedup fields added to the schema and the documents."""
    import resource

    import index.schema
    import index.storage
    import index.writer
    from index.writer import index_paths

    saved = index.storage.build_schema, index.schema.to_document, getattr(index.writer, "to_document", None)
    if with_dedup and "dup_sig" not in build_schema().names():
        def schema():
            s = saved[0]()
            for name, fieldtype in dedup.schema_fields().items():
                s.add(name, fieldtype)
            return s

        def document(article, *args, **kwargs):
            doc = saved[1](article, *args, **kwargs)
            doc.update(dedup.document_fields(analyze(article["title"] or ""), analyze(article["body"] or "")))
            return doc

        index.storage.build_schema = schema
        index.schema.to_document = document
        if saved[2] is not None:
            index.writer.to_document = document
    try:
        with tempfile.TemporaryDirectory() as folder:
            before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            summary = index_paths([corpus], folder, rebuild=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
            assert summary.failed == 0, summary.line()
            return cpu, wall
    finally:
        index.storage.build_schema, index.schema.to_document = saved[0], saved[1]
        if saved[2] is not None:
            index.writer.to_document = saved[2]


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def describe(rule) -> str:
    if rule == dedup.Rule.plain(rule.floor):
        return f"similarity >= {rule.floor:.2f}"
    return (f"<= {rule.max_changed} changed in [{rule.floor:g}, {rule.ceiling:g}]; "
            f"same headline >= {rule.same_title:g}")


def print_groups(title, groups, keyed, rng, count, between=None):
    print(title)
    pool = groups
    if between:
        lo, hi = between
        pool = [g for g in pool if lo <= min(g.similarity.values()) < hi]
    picks = rng.sample(pool, min(count, len(pool)))
    for number, g in enumerate(picks, 1):
        print(f"\n[{number}] {len(g)} articles")
        for member in g.members:
            a, _, _ = keyed[member]
            sim = g.similarity.get(member)
            date = a["date"].date().isoformat() if a["date"] else "—"
            print(f"  {'      ' if sim is None else f'{sim:.2f}  '}{date} {a['category'] or ''} {a['id']}")
            print(f"        title: {a['title'][:70]}")
            print(f"        body:  {first_line(a['body'])}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="the livedoor archive or folder")
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--samples", type=int, default=10, help="sample groups to print")
    default = dedup.DEFAULT_RULE
    ap.add_argument("--floor", type=float, default=default.floor,
                    help="the rule the samples are grouped by (index.dedup.Rule): the lowest similarity ...")
    ap.add_argument("--ceiling", type=float, default=default.ceiling, help="... the highest bar ...")
    ap.add_argument("--max-changed", type=int, default=default.max_changed,
                    help="... the shingles in one and not the other that the bar allows ...")
    ap.add_argument("--same-title", type=float, default=default.same_title,
                    help="... and the similarity enough under the same headline")
    ap.add_argument("--plain", type=float, default=None, help="group the samples by similarity >= PLAIN alone")
    ap.add_argument("--between", type=float, nargs=2, metavar=("LO", "HI"),
                    help="sample only groups whose weakest member's similarity is in [LO, HI)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--pipeline", action="store_true",
                    help="also index the whole corpus twice (without and with the dedup fields) and compare")
    args = ap.parse_args(argv)

    print(f"reading {args.corpus}", file=sys.stderr)
    articles = list(read_paths([args.corpus]))
    if args.limit:
        articles = articles[: args.limit]
    signed, doc_s, sig_s = signed_articles(articles)
    n = len(signed)
    unsigned = sum(1 for _, _, s in signed if s is None)
    print(f"\n{n} articles; {unsigned} without a signature (no terms)")
    print("\n## Cost (CPU time per article)")
    print(f"document (Sudachi pass, entities, fields): {doc_s / n * 1000:7.2f} ms")
    print(f"near-copy signature from the same analysis: {sig_s / n * 1000:7.3f} ms "
          f"(+{sig_s / doc_s * 100:.1f}% of the document)")
    if args.pipeline:
        print("indexing twice without and twice with the dedup fields ...", file=sys.stderr)
        with tempfile.TemporaryDirectory() as folder:
            source = args.corpus
            if args.limit:  # the first N articles, through a temporary JSON Lines file
                source = os.path.join(folder, "articles.jsonl")
                with open(source, "w", encoding="utf-8") as f:
                    for a in articles:
                        f.write(json.dumps({k: a[k].isoformat() if k == "date" and a[k] else a[k]
                                            for k in EXPORT_KEYS}, ensure_ascii=False) + "\n")
            runs = {False: [], True: []}
            for with_dedup in (False, True, False, True):
                runs[with_dedup].append(pipeline_cost(source, with_dedup))
        cpu0, cpu1 = min(c for c, _ in runs[False]), min(c for c, _ in runs[True])
        print(f"`search index` of these {n} articles, CPU (workers included) without the dedup fields: "
              + ", ".join(f"{c:.1f} s" for c, _ in runs[False]) + "; with: "
              + ", ".join(f"{c:.1f} s" for c, _ in runs[True])
              + f"; best of each: {(cpu1 - cpu0) / cpu0 * 100:+.1f}%  (wall: "
              + ", ".join(f"{w:.0f}" for _, w in runs[False]) + " / " + ", ".join(f"{w:.0f}" for _, w in runs[True])
              + " s)")

    keyed = {a["id"]: (a, terms, sig) for a, terms, sig in signed}
    items = [(a["id"], sig, a["date"]) for a, _, sig in signed]
    rule = dedup.Rule.plain(args.plain) if args.plain is not None else dedup.Rule(
        args.floor, args.ceiling, args.max_changed, args.same_title)
    t0 = time.process_time()
    chosen = dedup.group(items, rule)
    group_seconds = time.process_time() - t0
    print(f"grouping all {n} signatures (index.dedup.group): {group_seconds:.2f} s")

    print("\n## Groups of two or more")
    print("rule                                  groups  articles  largest")
    plain = {}
    for t in THRESHOLDS:
        groups = plain[t] = dedup.group(items, dedup.Rule.plain(t))
        largest = max((len(g) for g in groups), default=0)
        print(f"{describe(dedup.Rule.plain(t)):37s} {len(groups):6d}  {sum(len(g) for g in groups):8d}  "
              f"{largest:7d}")
    largest = max((len(g) for g in chosen), default=0)
    print(f"{describe(rule):37s} {len(chosen):6d}  {sum(len(g) for g in chosen):8d}  {largest:7d}   <- "
          + ("chosen (index.dedup.DEFAULT_RULE)" if rule == dedup.DEFAULT_RULE else "asked"))
    if rule != dedup.DEFAULT_RULE:
        default_groups = dedup.group(items, dedup.DEFAULT_RULE)
        print(f"{describe(dedup.DEFAULT_RULE):37s} {len(default_groups):6d}  "
              f"{sum(len(g) for g in default_groups):8d}  {max((len(g) for g in default_groups), default=0):7d}"
              "   <- index.dedup.DEFAULT_RULE")
    print("(the rule: similarity at least the bar for <= N changed shingles, between floor and ceiling; "
          "or at least same_title under the same headline)")

    print("\n## Shingle length: exact Jaccard similarity")
    rng = random.Random(args.seed)
    pairs_random = [tuple(rng.sample(range(n), 2)) for _ in range(2000)]
    index_of = {a["id"]: i for i, (a, _, _) in enumerate(signed)}
    pairs_grouped = [(index_of[g.key], index_of[m]) for g in plain[0.5] for m in g.members[1:]]
    print(f"k  random pairs: mean   p99    max | pairs grouped at 0.5 ({len(pairs_grouped)}): median  min")
    for k in (1, 2, 3, 4, 5):
        shingles = {}

        def sh(i):
            if i not in shingles:
                shingles[i] = dedup.shingle_hashes(signed[i][1], k)
            return shingles[i]

        rnd = sorted(jaccard(sh(i), sh(j)) for i, j in pairs_random)
        grp = sorted(jaccard(sh(i), sh(j)) for i, j in pairs_grouped)
        print(f"{k}  {statistics.mean(rnd):20.4f} {rnd[int(len(rnd) * 0.99)]:6.3f} {rnd[-1]:6.3f} |"
              f" {statistics.median(grp) if grp else 0:34.3f} {grp[0] if grp else 0:5.3f}")
    errors = []
    for i, j in pairs_grouped + pairs_random[:500]:
        exact = jaccard(dedup.shingle_hashes(signed[i][1]), dedup.shingle_hashes(signed[j][1]))
        errors.append(abs(dedup.similarity(signed[i][2], signed[j][2]) - exact))
    if errors:
        errors.sort()
        print(f"signature estimate vs exact (k={dedup.SHINGLE_TERMS}, {len(errors)} pairs): "
              f"mean error {statistics.mean(errors):.3f}, p95 {errors[int(len(errors) * 0.95)]:.3f}, "
              f"max {errors[-1]:.3f}")

    print("\n## Pairs under the same headline (similarity of their bodies)")
    by_title = {}
    for a, _, sig in signed:
        if sig is not None and dedup.title_key(analyze(a["title"])):
            by_title.setdefault(dedup.title_key(analyze(a["title"])), []).append((a, sig))
    same = sorted((dedup.similarity(xs[0][1], x[1]), xs[0][0]["title"]) for xs in by_title.values() if len(xs) > 1
                  for x in xs[1:])
    print(", ".join(f"{s:.2f}" for s, _ in same) or "none")

    print_groups(f"\n## Sample groups ({describe(rule)})" + (
        f", weakest member in [{args.between[0]:g}, {args.between[1]:g})" if args.between else ""),
        chosen, keyed, rng, args.samples, args.between)
    return 0


if __name__ == "__main__":
    sys.exit(main())
