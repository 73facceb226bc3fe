"""Turn an annotator's entity lists into a set file of offsets only.

    python bench/entities/annotate.py /tmp/eval.tsv /tmp/eval_ann*.txt --out bench/entities/eval.jsonl

The worksheet (from sample.py) has one sentence per line:
``n<TAB>id<TAB>category<TAB>start<TAB>end<TAB>text``.  The annotator writes,
for each sentence that holds entities, one line ``n: 安倍晋三/P 日/L 米/L ...``
listing the entities in order of appearance (P person, L place, O org); a
sentence without a line has none.  Each surface is looked up after the end of
the previous one, so repeated names resolve in order; ``text#2`` skips to the
second occurrence.  Only ids, offsets and types reach the output: the
worksheet and the lists hold corpus text and stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys

TYPES = {"P": "person", "L": "place", "O": "org"}


def parse_lists(paths) -> dict:
    lists = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                n, _, rest = line.partition(":")
                items = []
                # Entities are separated by spaces, but a name may hold one
                # (カートゥーン ネットワーク): a space-separated piece without
                # /T belongs to the next piece.
                pending = ""
                for piece in rest.split(" "):
                    if not piece:
                        continue
                    pending = f"{pending} {piece}" if pending else piece
                    surface, slash, typ = pending.rpartition("/")
                    if slash and typ in TYPES:
                        items.append((surface, TYPES[typ]))
                        pending = ""
                if pending:
                    sys.exit(f"{path}:{lineno}: '{pending}' has no /P, /L or /O type")
                lists[int(n)] = items
    return lists


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("worksheet")
    ap.add_argument("lists", nargs="+")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    lists = parse_lists(args.lists)
    rows = []
    with open(args.worksheet, encoding="utf-8") as f:
        for line in f:
            n, aid, cat, s, e, text = line.rstrip("\n").split("\t", 5)
            ents, pos = [], 0
            for surface, typ in lists.pop(int(n), []):
                skip = 1
                if "#" in surface[1:]:
                    surface, _, k = surface.rpartition("#")
                    skip = int(k)
                start = pos - 1
                for _ in range(skip):
                    start = text.find(surface, start + 1)
                    if start < 0:
                        sys.exit(f"sentence {n}: '{surface}' not found after offset {pos}")
                ents.append([start, start + len(surface), typ])
                pos = start + len(surface)
            rows.append({"id": aid, "category": cat, "start": int(s), "end": int(e), "entities": ents})
    if lists:
        sys.exit(f"lists name sentences not in the worksheet: {sorted(lists)}")
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = {}
    for r in rows:
        for *_, t in r["entities"]:
            counts[t] = counts.get(t, 0) + 1
    print(f"{len(rows)} sentences, entities {counts} -> {args.out}")


if __name__ == "__main__":
    main()
