"""Train the entity model (index/data/entity_model.json) on train.jsonl.

    python bench/entities/train_model.py                 # writes the model
    python bench/entities/train_model.py --epochs 12 --out /tmp/model.json

A multiclass averaged perceptron (Collins 2002) over the candidate spans of
:func:`index.entities.candidate_features`: each candidate's gold label is the
hand-annotated type when the span matches exactly, else "none".  Training
sentences come from livedoor articles that the evaluation set never uses
(sample.py splits articles by id), so eval.jsonl stays unseen.  Only feature
weights are written: no corpus text beyond single words and short affixes.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
from collections import defaultdict
from pathlib import Path

from corpus import DEFAULT_CORPUS, HERE, load_set, with_text
from index.analysis import analyze
from index.entities import _LABELS, EXTRACTOR_VERSION, MODEL_PATH, Thresholds, candidate_features, decide


def examples(items):
    out, gold_total, reachable = [], 0, 0
    for it in items:
        gold = {(s, e): t for s, e, t in it["entities"]}
        gold_total += len(gold)
        cands = candidate_features(analyze(it["text"]))
        spans = set()
        for span, _, feats in cands:
            label = _LABELS.index(gold.get(span, "none"))
            out.append((feats, label))
            spans.add(span)
        reachable += len(spans & set(gold))
    return out, gold_total, reachable


def train(data, epochs: int, seed: int, quiet: bool = False):
    n = len(_LABELS)
    w = defaultdict(lambda: [0.0] * n)
    totals = defaultdict(lambda: [0.0] * n)  # sum of weights over steps, lazily
    stamps = defaultdict(lambda: [0] * n)
    step = 0
    rng = random.Random(seed)
    order = list(range(len(data)))

    def bump(feat, k, delta):
        t, st, ww = totals[feat], stamps[feat], w[feat]
        t[k] += (step - st[k]) * ww[k]
        st[k] = step
        ww[k] += delta

    for epoch in range(epochs):
        rng.shuffle(order)
        mistakes = 0
        for idx in order:
            feats, gold = data[idx]
            scores = [0.0] * n
            for f in feats:
                ww = w.get(f)
                if ww is not None:
                    for k in range(n):
                        scores[k] += ww[k]
            guess = max(range(n), key=scores.__getitem__)
            if guess != gold:
                mistakes += 1
                for f in feats:
                    bump(f, gold, 1.0)
                    bump(f, guess, -1.0)
            step += 1
        if not quiet:
            print(f"epoch {epoch + 1}: {mistakes} mistakes of {len(data)}")
    averaged = {}
    for feat, ww in w.items():
        t, st = totals[feat], stamps[feat]
        avg = [(t[k] + (step - st[k]) * ww[k]) / step for k in range(n)]
        if any(abs(x) >= 0.0005 for x in avg):
            averaged[feat] = [round(x, 3) for x in avg]
    return averaged


def choose_thresholds(items, epochs, seed, folds=5) -> Thresholds:
    """The decision thresholds with the best micro F1 over k-fold
    cross-validation (folds by article)."""
    grid = [
        Thresholds(keep, free, flip)
        for keep in (0.0, 2.0, 4.0)
        for free in (0.0, 1.0, 2.0, 4.0)
        for flip in (0.0, 2.0, 4.0, 8.0)
    ]
    counts = {t: [0, 0, 0] for t in grid}
    # folds by article: a name repeated within one article must not be
    # learnt in one fold and scored in another
    fold_of = [int(hashlib.sha1(it["id"].encode()).hexdigest(), 16) % folds for it in items]
    for k in range(folds):
        train_idx = [i for i in range(len(items)) if fold_of[i] != k]
        test_idx = [i for i in range(len(items)) if fold_of[i] == k]
        data, _, _ = examples([items[i] for i in train_idx])
        weights = train(data, epochs, seed, quiet=True)
        for i in test_idx:
            gold = set(items[i]["entities"])
            analysis = analyze(items[i]["text"])
            for t in grid:
                got = {(e.start, e.end, e.type) for e in decide(analysis, weights, t)}
                c = counts[t]
                c[0] += len(got & gold)
                c[1] += len(got - gold)
                c[2] += len(gold - got)

    def f1(t):
        tp, fp, fn = counts[t]
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    ranked = sorted(grid, key=f1, reverse=True)
    for t in ranked[:5]:
        tp, fp, fn = counts[t]
        print(f"cross-validation {t}: micro F1 {f1(t):.3f} (tp {tp} fp {fp} fn {fn})")
    return ranked[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="*", default=[str(HERE / "train.jsonl")])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    items = []
    for path in args.sets:
        items += load_set(Path(path))
    items = with_text(items, args.corpus)
    data, gold_total, reachable = examples(items)
    print(f"{len(items)} sentences, {len(data)} candidates, {reachable}/{gold_total} gold entities among them")
    thresholds = choose_thresholds(items, args.epochs, args.seed)
    weights = train(data, args.epochs, args.seed)
    model = {
        "about": "index.entities candidate classifier: averaged perceptron weights per feature, "
        "one per label. Built by bench/entities/train_model.py from bench/entities/train.jsonl "
        "(hand annotations of livedoor sentences; see bench/entities/README.md).",
        "extractor_version": EXTRACTOR_VERSION,
        "labels": list(_LABELS),
        "epochs": args.epochs,
        "thresholds": dataclasses.asdict(thresholds),
        "sentences": len(items),
        "weights": dict(sorted(weights.items())),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(model, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(weights)} features -> {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
