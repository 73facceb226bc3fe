"""Training worksheets are annotated by correcting the rule extractor's output.

    python bench/entities/merge_lists.py /tmp/train.tsv /tmp/train_fix*.txt > /tmp/train_lists.txt

Writes, for every worksheet sentence, the entity list that annotate.py reads:
the correction when the annotator wrote one (``n: list`` or ``n -`` for no
entity), otherwise the rule system's entities (checked and accepted; rule_entities,
the extractor's first stage, which the worksheet was shown).
"""

from __future__ import annotations

import sys

from corpus import REPO  # noqa: F401  (puts the repository on sys.path)
from index.analysis import analyze
from index.entities import rule_entities

LETTER = {"person": "P", "place": "L", "org": "O"}


def main():
    worksheet, *fixes = sys.argv[1:]
    fixed = {}
    for path in fixes:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                if line.rstrip().endswith(" -"):
                    fixed[int(line.split()[0])] = ""
                else:
                    n, _, rest = line.partition(":")
                    fixed[int(n)] = rest.strip()
    with open(worksheet, encoding="utf-8") as f:
        for line in f:
            n, _, _, _, _, text = line.rstrip("\n").split("\t", 5)
            n = int(n)
            if n in fixed:
                listed = fixed[n]
            else:
                listed = " ".join(f"{e.text}/{LETTER[e.type]}" for e in rule_entities(analyze(text)))
            if listed:
                print(f"{n}: {listed}")


if __name__ == "__main__":
    main()
