#!/usr/bin/env python
"""Build index/data/name_readings.tsv.gz from JMnedict.

    pip install jamdict-data          # build-time only: JMnedict as SQLite
    python bench/names/build_name_readings.py

A full name typed in hiragana (もとむらひろし) must find the kanji name even
when Sudachi's dictionary does not know it and reads its parts otherwise
(本村洋: ホンソン ヨウ).  The query analysis (search.query.names) splits the
kana into a surname reading and a given-name reading it finds here and
looks for the kanji spellings listed for them.

One line per reading and kind: ``READING<TAB>KIND<TAB>KANJI KANJI ...``,
sorted by reading; READING in katakana, KIND ``sei`` (surname) or ``mei``
(given name: JMnedict given, fem, masc), the written forms with at least
one kanji and at most four characters, in JMnedict's order.

JMnedict (Electronic Dictionary Research and Development Group, Jim Breen;
https://www.edrdg.org/enamdict/enamdict_doc.html) is licensed CC BY-SA 4.0;
the derived list carries the same licence (index/data/README.md).
"""

from __future__ import annotations

import gzip
import sqlite3
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
OUT = REPO / "index" / "data" / "name_readings.tsv.gz"
KINDS = {"surname": "sei", "given": "mei", "fem": "mei", "masc": "mei"}
MAX_CHARS = 4


def main() -> int:
    from index.kana import has_kanji, hira_to_kata, is_kana

    try:
        import jamdict_data
    except ImportError:
        raise SystemExit("needs the jamdict-data package: pip install jamdict-data")
    db = sqlite3.connect(Path(jamdict_data.__file__).with_name("jamdict.db"))
    kinds = defaultdict(set)
    for idseq, text in db.execute("SELECT t.idseq, y.text FROM NETranslation t JOIN NETransType y ON y.tid = t.ID"):
        if text in KINDS:
            kinds[idseq].add(KINDS[text])
    kanji = defaultdict(list)
    for idseq, text in db.execute("SELECT idseq, text FROM NEKanji ORDER BY ID"):
        text = unicodedata.normalize("NFKC", text)
        if idseq in kinds and has_kanji(text) and len(text) <= MAX_CHARS:
            kanji[idseq].append(text)
    table = defaultdict(dict)  # (reading, kind) -> ordered set of kanji
    for idseq, text in db.execute("SELECT idseq, text FROM NEKana ORDER BY ID"):
        reading = hira_to_kata(unicodedata.normalize("NFKC", text))
        if idseq not in kanji or not is_kana(reading):
            continue
        for kind in sorted(kinds[idseq]):
            for written in kanji[idseq]:
                table[(reading, kind)][written] = None
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as out:
        for (reading, kind), written in sorted(table.items()):
            out.write(f"{reading}\t{kind}\t{' '.join(written)}\n")
    print(f"{len(table)} readings written to {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
