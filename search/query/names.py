"""Full names typed in kana, found in kanji the dictionary does not know.

Sudachi reads 本村洋 as ホンソン ヨウ and cuts 上原愛加 as 上原 + 愛 + 加,
so neither the reading stream nor the words can meet もとむらひろし or
うえはらあいか.  Here a kana query word is split into a surname reading and
a given-name reading that JMnedict lists (index/data/name_readings.tsv.gz,
built by bench/names/build_name_readings.py), every kanji spelling of the
pair is analysed as an article would be, and the spellings the index holds
side by side become phrase forms of the word (tier ``reading``).  Only
spellings found in the index are kept, so a form never searches a name no
article has.
"""

from __future__ import annotations

from index.analysis import analyze
from index.kana import hira_to_kata, is_kana
from search.query.tables import SortedLines

# A surname or given name reading has at least two kana; a full name at least four.
MIN_PART = 2
# At most this many spellings are tried per query word, and kept.
MAX_TRIED = 400
MAX_KEPT = 5

_TABLE = SortedLines("name_readings.tsv.gz")


def spellings(reading: str, kind: str) -> list:
    """The kanji spellings JMnedict gives for a surname (sei) or given name
    (mei) reading, in its order."""
    probe = f"{reading}\t{kind}\t"
    return [s for line in _TABLE.starting_with(probe) for s in line[len(probe):].split(" ")]


def _terms(written: str) -> list:
    return [(m.term, i) for i, m in enumerate(m for m in analyze(written).morphemes if m.indexed)]


def name_phrases(kana: str, stats) -> list:
    """[(spelling, [(term, position)])] of the kanji full names the kana may
    stand for that the index holds as a phrase (at most MAX_KEPT)."""
    kata = hira_to_kata(kana)
    # Names are typed in hiragana; a katakana word is a loanword or a
    # foreign name, which JMnedict's Japanese names would only mislead.
    if len(kata) < 2 * MIN_PART or not is_kana(kana) or kana == kata or stats.reader is None:
        return []
    tried, kept = 0, []
    for cut in range(MIN_PART, len(kata) - MIN_PART + 1):
        surnames = [s for s in spellings(kata[:cut], "sei") if all(stats.doc_frequency("text", t) for t, _ in _terms(s))]
        if not surnames:
            continue
        for given in spellings(kata[cut:], "mei"):
            for surname in surnames:
                if tried >= MAX_TRIED:
                    return kept
                tried += 1
                terms = _terms(surname + given)
                if terms and stats.has_phrase("text", terms):
                    kept.append((surname + given, terms))
                    if len(kept) >= MAX_KEPT:
                        return kept
    return kept


__all__ = ["name_phrases", "spellings"]
