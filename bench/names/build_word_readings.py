#!/usr/bin/env python
"""Build index/data/word_readings.tsv.gz from JMdict.

    pip install jamdict-data          # build-time only: JMdict as SQLite
    python bench/names/build_word_readings.py

A reader writes a word with other okurigana (取消 / 取り消し, 貸出し /
貸し出し), in kana where the article has kanji (てぬぐい / 手拭い) or the
other way round, or mixes them (合いカギ / 合鍵, かたき討ち / 敵討ち).  JMdict
lists, per word, the spellings in use; the query analysis
(search.query.words) looks a query word's reading up here and searches the
spellings of the same word, never those of a homophone (講演 is not 公園).

One line per word and reading: ``READING<TAB>ENTRY<TAB>SPELLING SPELLING ...``,
sorted; READING in katakana, ENTRY JMdict's sequence number (one word), the
spellings with at least one kanji, in JMdict's order.

JMdict (Electronic Dictionary Research and Development Group, Jim Breen;
https://www.edrdg.org/jmdict/j_jmdict.html) is licensed CC BY-SA 4.0; the
derived list carries the same licence (index/data/README.md).
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
OUT = REPO / "index" / "data" / "word_readings.tsv.gz"


def main() -> int:
    from index.kana import has_kanji, hira_to_kata, is_kana

    try:
        import jamdict_data
    except ImportError:
        raise SystemExit("needs the jamdict-data package: pip install jamdict-data")
    db = sqlite3.connect(Path(jamdict_data.__file__).with_name("jamdict.db"))
    spellings = defaultdict(list)
    for idseq, text in db.execute("SELECT idseq, text FROM Kanji ORDER BY ID"):
        text = unicodedata.normalize("NFKC", text)
        if has_kanji(text) and text not in spellings[idseq]:
            spellings[idseq].append(text)
    lines = set()
    for idseq, text in db.execute("SELECT idseq, text FROM Kana ORDER BY ID"):
        reading = hira_to_kata(unicodedata.normalize("NFKC", text))
        if spellings.get(idseq) and is_kana(reading):
            lines.add((reading, idseq, " ".join(spellings[idseq])))
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as out:
        for reading, idseq, written in sorted(lines):
            out.write(f"{reading}\t{idseq}\t{written}\n")
    print(f"{len(lines)} readings written to {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
