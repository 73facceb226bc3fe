"""Score the entity extractor on the two frozen test splits (and dev).

    python bench/entities/score.py                  # both test splits, then dev: per-type P/R/F1, micro
    python bench/entities/score.py --split test --source livedoor --errors 30
    python bench/entities/score.py --rules-only     # the rule stage alone
    python bench/entities/score.py --cli            # through `search analyze --json -`
    python bench/entities/score.py --ceiling        # also: share of gold names the tagger can reach
    python bench/entities/score.py --category       # livedoor: micro F1 per category

Test splits: Stockmark's Wikipedia sentences of 20% of the pages (never
trained or tuned on), and eval.jsonl, livedoor articles no training
sentence came from (datasets.py says how both are cut).  Dev: the
sentences train_model.py chooses its settings on.  Matching is exact: same
start, end and type.  Wikipedia spans where Stockmark's conventions and
GUIDE.md's differ (facilities, national teams; datasets.py) are unscored:
a prediction overlapping one counts neither way, and the count is printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import datasets
from corpus import DEFAULT_CORPUS, REPO

TYPES = ("person", "place", "org")


def predict_in_process(texts, rules_only=False, analyses=None, model=None):
    from index.analysis import analyze
    from index.entities import decide, extract_entities, load_model, rule_entities

    extract = rule_entities if rules_only else extract_entities
    if model is not None and not rules_only:
        loaded = load_model(Path(model))
        extract = lambda a: decide(a, loaded)  # noqa: E731
    if analyses is None:
        analyses = [analyze(t) for t in texts]
    return [[(e.start, e.end, e.type) for e in extract(a)] for a in analyses]


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


def _overlaps(span, regions) -> bool:
    s, e = span[0], span[1]
    return any(s < b and a < e for a, b in regions)


def score(gold, predicted, ignore=None) -> dict:
    """Per-type and micro P/R/F1 over exact (start, end, type) matches, and
    the confusion between types over same-boundary spans.  ``ignore``: per
    document, (start, end) regions where predictions are not scored."""
    counts = {t: Counter() for t in TYPES + ("all",)}
    confusion = Counter()  # (gold type, predicted type) over same-boundary spans
    unscored = 0
    for n, (g_doc, p_doc) in enumerate(zip(gold, predicted)):
        regions = ignore[n] if ignore else ()
        g = set(map(tuple, g_doc))
        p = set(map(tuple, p_doc))
        if regions:
            kept = {x for x in p if not _overlaps(x, regions)}
            unscored += len(p) - len(kept)
            p = kept
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
    result["unscored"] = unscored
    return result


def format_table(result, confusion: bool = True) -> str:
    lines = [f"{'type':<8}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for t in TYPES + ("all",):
        r = result[t]
        lines.append(
            f"{t:<8}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}{r['tp']:>6}{r['fp']:>6}{r['fn']:>6}"
        )
    if result.get("unscored"):
        lines.append(f"({result['unscored']} predictions in unscored spans: facilities, national teams ...)")
    if not confusion:
        return "\n".join(lines)
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
        g = set(map(tuple, it["entities"]))
        p = {x for x in map(tuple, p_doc) if not _overlaps(x, it.get("ignore", ()))}
        text = it["text"]
        missed = [f"-{text[s:e]}/{t}" for s, e, t in sorted(g - p)]
        extra = [f"+{text[s:e]}/{t}" for s, e, t in sorted(p - g)]
        if missed or extra:
            out.append(f"{it['id']} {it.get('start', '')}: {' '.join(missed + extra)}")
    return out[:limit]


def ceiling(items, analyses) -> float:
    """Share of gold names the extractor can reach at all: spans whose edges
    are edges of one segment's morphemes (what the tagger marks), or rule
    entities inside one morpheme (日 of 日米)."""
    from index.entities import rule_entities
    from index.entities.features import segments
    from index.entities.morphemes import kinds

    reach = total = 0
    for it, a in zip(items, analyses):
        ms = a.morphemes
        ok = set()
        for first, last in segments(ms, kinds(ms)):
            for i in range(first, last):
                for j in range(i + 1, last + 1):
                    ok.add((ms[i].start, ms[j - 1].end))
        ok |= {(e.start, e.end) for e in rule_entities(a)}
        for s, e, _ in it["entities"]:
            total += 1
            reach += (s, e) in ok
    return reach / total if total else 0.0


def report(name, items, args, out):
    analyses = None if args.cli else datasets.analyses(it["text"] for it in items)
    texts = [it["text"] for it in items]
    predicted = predict_cli(texts) if args.cli else predict_in_process(texts, args.rules_only, analyses, args.model)
    gold = [it["entities"] for it in items]
    result = score(gold, predicted, [it.get("ignore", ()) for it in items])
    out[name] = result
    if args.json:
        return
    n_ent = sum(len(g) for g in gold)
    units = "articles" if items and items[0]["source"] == "livedoor" else "pages"
    key = "id" if units == "articles" else "curid"
    print(f"== {name}: {len(items)} sentences, {len({it[key] for it in items})} {units}, {n_ent} entities")
    print(format_table(result, confusion=not args.brief))
    if args.ceiling and analyses is not None:
        print(f"candidate ceiling: {ceiling(items, analyses):.3f} of gold names reachable")
    if args.category and units == "articles":
        for cat in sorted({it["category"] for it in items}):
            idx = [i for i, it in enumerate(items) if it["category"] == cat]
            r = score([gold[i] for i in idx], [predicted[i] for i in idx])["all"]
            print(f"  {cat:<16} F1 {r['f1']:.3f}  (tp {r['tp']} fp {r['fp']} fn {r['fn']})")
    if args.errors:
        print("\n".join(errors(items, predicted, args.errors)))
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["test", "dev", "train", "all"], default="all",
                    help="all (default): both test splits, then dev")
    ap.add_argument("--source", choices=["wikipedia", "livedoor", "both"], default="both")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--wikipedia", type=Path, default=datasets.WIKIPEDIA)
    ap.add_argument("--cli", action="store_true", help="run `search analyze --json -` instead of the library")
    ap.add_argument("--model", type=Path, default=None, help="score this model file instead of the shipped one")
    ap.add_argument("--rules-only", action="store_true", help="score the rule stage alone (no model)")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="list the first N sentences with errors")
    ap.add_argument("--ceiling", action="store_true", help="print the share of gold names the tagger can reach")
    ap.add_argument("--category", action="store_true", help="livedoor: micro F1 per category")
    ap.add_argument("--brief", action="store_true", help="no confusion tables")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    data = datasets.splits(args.corpus, args.wikipedia)
    sources = ["wikipedia", "livedoor"] if args.source == "both" else [args.source]
    splits = ["test", "dev"] if args.split == "all" else [args.split]
    out = {}
    for split in splits:
        for source in sources:
            report(f"{source} {split}", data[source][split], args, out)
    if args.json:
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
