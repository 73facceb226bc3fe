"""Score the entity extractor on the hand-annotated livedoor sentences.

    python bench/entities/score.py                      # eval.jsonl, in-process
    python bench/entities/score.py --cli                # through `search analyze --json -`
    python bench/entities/score.py --errors 20          # also list wrong entities
    python bench/entities/score.py --rules-only         # the rule stage alone

Sentences are read from the livedoor archive at run time (the set files hold
only ids and offsets).  Matching is exact: same start, end and type.  Prints
per-type precision, recall and F1, the micro average, and the confusion
between types over spans found with the right boundaries.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from corpus import DEFAULT_CORPUS, HERE, REPO, load_set, with_text

TYPES = ("person", "place", "org")


def predict_in_process(texts, rules_only=False):
    from index.analysis import analyze
    from index.entities import extract_entities, rule_entities

    extract = rule_entities if rules_only else extract_entities
    return [[(e.start, e.end, e.type) for e in extract(analyze(t))] for t in texts]


def predict_cli(texts):
    """What an outside scorer sees: one text per line into `search analyze --json -`."""
    exe = Path(sys.executable).with_name("search")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "search.cli"]
    data = "".join(t.replace("\n", " ") + "\n" for t in texts)
    out = subprocess.run(cmd + ["analyze", "--json", "-"], input=data, capture_output=True, text=True, check=True, cwd=REPO)
    lines = out.stdout.splitlines()
    if len(lines) != len(texts):
        raise SystemExit(f"`search analyze --json -` gave {len(lines)} lines for {len(texts)} texts")
    return [[(e["start"], e["end"], e["type"]) for e in json.loads(line)["entities"]] for line in lines]


def score(gold, predicted) -> dict:
    counts = {t: Counter() for t in TYPES + ("all",)}
    confusion = Counter()  # (gold type, predicted type) over same-boundary spans
    for g_doc, p_doc in zip(gold, predicted):
        g, p = set(map(tuple, g_doc)), set(map(tuple, p_doc))
        for t in TYPES:
            gt = {x for x in g if x[2] == t}
            pt = {x for x in p if x[2] == t}
            tp = len(gt & pt)
            for key in (t, "all"):
                counts[key]["tp"] += tp
                counts[key]["fp"] += len(pt) - tp
                counts[key]["fn"] += len(gt) - tp
        p_by_span = {(s, e): t for s, e, t in p}
        g_spans = {(s, e) for s, e, _ in g}
        for s, e, t in g:
            confusion[(t, p_by_span.get((s, e), "-"))] += 1
        for (s, e), t in p_by_span.items():
            if (s, e) not in g_spans:
                confusion[("-", t)] += 1
    result = {}
    for t, c in counts.items():
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        result[t] = {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}
    result["confusion"] = {f"{a}>{b}": n for (a, b), n in sorted(confusion.items())}
    return result


def format_table(result) -> str:
    lines = [f"{'type':<8}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for t in TYPES + ("all",):
        r = result[t]
        lines.append(
            f"{t:<8}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}{r['tp']:>6}{r['fp']:>6}{r['fn']:>6}"
        )
    conf = {tuple(k.split(">")): v for k, v in result["confusion"].items()}
    cols = TYPES + ("-",)
    lines.append("")
    lines.append("confusion (rows gold, columns predicted; same span; '-' none)")
    lines.append(f"{'':<8}" + "".join(f"{c:>8}" for c in cols))
    for a in cols:
        lines.append(f"{a:<8}" + "".join(f"{conf.get((a, b), 0) if (a, b) != ('-', '-') else '':>8}" for b in cols))
    return "\n".join(lines)


def errors(items, predicted, limit):
    out = []
    for it, p_doc in zip(items, predicted):
        g, p = set(it["entities"]), set(map(tuple, p_doc))
        text = it["text"]
        missed = [f"-{text[s:e]}/{t}" for s, e, t in sorted(g - p)]
        extra = [f"+{text[s:e]}/{t}" for s, e, t in sorted(p - g)]
        if missed or extra:
            out.append(f"{it['id']} {it['start']}-{it['end']}: {' '.join(missed + extra)}")
    return out[:limit]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="*", default=[str(HERE / "eval.jsonl")])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--cli", action="store_true", help="run `search analyze --json -` instead of the library")
    ap.add_argument("--rules-only", action="store_true", help="score the rule stage alone (no model)")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="list the first N sentences with errors")
    ap.add_argument("--category", action="store_true", help="also print micro F1 per category")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    items = []
    for path in args.sets:
        items += load_set(Path(path))
    items = with_text(items, args.corpus)
    texts = [it["text"] for it in items]
    predicted = predict_cli(texts) if args.cli else predict_in_process(texts, args.rules_only)
    gold = [it["entities"] for it in items]
    result = score(gold, predicted)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    n_ent = sum(len(g) for g in gold)
    print(f"{len(items)} sentences, {len({it['id'] for it in items})} articles, {n_ent} entities")
    print(format_table(result))
    if args.category:
        print()
        for cat in sorted({it["category"] for it in items}):
            idx = [i for i, it in enumerate(items) if it["category"] == cat]
            r = score([gold[i] for i in idx], [predicted[i] for i in idx])["all"]
            print(f"{cat:<16} F1 {r['f1']:.3f}  (tp {r['tp']} fp {r['fp']} fn {r['fn']})")
    if args.errors:
        print()
        print("\n".join(errors(items, predicted, args.errors)))


if __name__ == "__main__":
    main()
