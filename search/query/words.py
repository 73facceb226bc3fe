"""Other spellings of the same word, from JMdict: okurigana, kana, kanji.

A query word is looked up by its reading in index/data/word_readings.tsv.gz
(bench/names/build_word_readings.py); of the words JMdict has with that
reading, only those that can be the word typed are kept, so homophones never
are:

* written in kanji alone (取消): the words that list that very spelling
  (取消 → 取り消し, 取消し);
* written with kana and kanji (合いカギ, 貸出し): the words with a spelling
  that has every kanji typed (合鍵, 合い鍵; 貸し出し);
* written in kana alone (てぬぐい): any word of that reading, but only when
  Sudachi could not read the kana as one word itself (it reads りんご as
  林檎 already; て + ぬぐい is no reading of てぬぐい).

The spellings the index holds become forms of the word's ``reading`` tier
(search.query.analysis); the index needs no key for them.
"""

from __future__ import annotations

from index.analysis import analyze
from index.kana import has_kana, has_kanji, hira_to_kata, is_kana, is_kanji
from search.query.tables import SortedLines

_TABLE = SortedLines("word_readings.tsv.gz")
# Homophones in kana: at most this many words, in JMdict's order.
MAX_KANA_WORDS = 3
MAX_SPELLINGS = 8


def words_with_reading(reading: str) -> list:
    """[spellings] of every JMdict word read ``reading``."""
    probe = hira_to_kata(reading) + "\t"
    return [line.split("\t", 2)[2].split(" ") for line in _TABLE.starting_with(probe)]


def _kanji(text: str) -> set:
    return {c for c in text if is_kanji(c)}


def same_word_spellings(typed: str, reading: str, sudachi_knew_it: bool = True) -> list:
    """The spellings of the word ``typed`` (read ``reading``) other than
    ``typed`` itself, by the rules of the module doc."""
    if not reading or not is_kana(hira_to_kata(reading)):
        return []
    words = words_with_reading(reading)
    if not has_kanji(typed):
        if sudachi_knew_it:
            return []
        chosen = words[:MAX_KANA_WORDS]
    elif has_kana(typed):
        need = _kanji(typed)
        chosen = [w for w in words if any(need <= _kanji(s) for s in w)]
    else:
        chosen = [w for w in words if typed in w]
    out = []
    for spellings in chosen:
        for spelling in spellings:
            if spelling != typed and spelling not in out:
                out.append(spelling)
    return out[:MAX_SPELLINGS]


def index_terms(spelling: str) -> list:
    """(term, position) of a spelling as the index holds it."""
    return [(m.term, i) for i, m in enumerate(m for m in analyze(spelling).morphemes if m.indexed)]


__all__ = ["index_terms", "same_word_spellings", "words_with_reading"]
