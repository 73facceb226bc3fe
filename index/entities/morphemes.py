"""What the extractor asks of one morpheme: its kind and its spelling.

Sudachi's part of speech is a 6-tuple; every rule and feature only needs a
coarse class of it (:class:`Kind`), computed once per distinct tuple.
Spelling tests (katakana, Latin, script shape) are plain character scans.
"""

from __future__ import annotations

import enum


class Kind(enum.IntEnum):
    """Coarse morpheme classes the rules and the tagger work with."""

    OTHER = 0  # particles, verbs, adjectives ...: never inside a name
    NOUN = 1  # common noun that may modify an organisation head
    TIME = 2  # numerals, counters, adverbial nouns: may not
    PREFIX = 3
    SUFFIX = 4  # 接尾辞,名詞的
    SEI = 5  # family name
    MEI = 6  # given name
    PGEN = 7  # other person name (人名,一般)
    PLACE = 8
    PROPER = 9  # other proper noun (固有名詞,一般)
    SYMBOL = 10  # 補助記号: ・ ＝ ( ) live here


# Plain ints for the hot loops: an IntEnum member compares as an int, but
# looking one up on the class costs more than a module global.
OTHER, NOUN, TIME, PREFIX, SUFFIX, SEI, MEI, PGEN, PLACE, PROPER, SYMBOL = (int(k) for k in Kind)

PERSON_KINDS = frozenset((SEI, MEI, PGEN))
NOUNISH = frozenset((NOUN, PROPER, PLACE, SEI, MEI, PGEN))
NAME_KINDS = frozenset((PROPER, PLACE, SEI, MEI, PGEN))


def pos_kind(pos) -> int:
    """The :class:`Kind` of a Sudachi part-of-speech tuple."""
    p0, p1, p2, p3 = pos[0], pos[1], pos[2], pos[3]
    if p0 == "名詞":
        if p1 == "固有名詞":
            if p2 == "人名":
                return {"姓": SEI, "名": MEI}.get(p3, PGEN)
            return PLACE if p2 == "地名" else PROPER
        if p1 == "数詞" or p2 in ("副詞可能", "助数詞可能"):
            return TIME
        return NOUN
    if p0 == "接頭辞":
        return PREFIX
    if p0 == "接尾辞":
        return SUFFIX if p1 == "名詞的" else OTHER
    if p0 == "補助記号":
        return SYMBOL
    return OTHER


class _KindOf(dict):
    """{part of speech: kind}, filled on first sight (a few hundred tuples)."""

    def __missing__(self, pos):
        kind = self[pos] = pos_kind(pos)
        return kind


kind_of = _KindOf()


def kinds(ms) -> list:
    """The kind of each morpheme."""
    return [kind_of[m.pos] for m in ms]


def adjacent(ms, i: int) -> bool:
    """True when morpheme i directly follows morpheme i-1 (no gap)."""
    return i > 0 and ms[i - 1].end == ms[i].start


def is_katakana(s: str) -> bool:
    """Katakana (full or half width) and ー only."""
    for ch in s:
        if not ("\u30a1" <= ch <= "\u30fa" or ch == "ー" or "\uff66" <= ch <= "\uff9f"):
            return False
    return bool(s)


def is_latin(s: str) -> bool:
    """Latin letters and digits (either width) with & - ' . inside."""
    for ch in s:
        if not (ch.isascii() and ch.isalnum() or "\uff10" <= ch <= "\uff5a" or ch in "&＆-'."):
            return False
    return bool(s)


def script(ch: str) -> str:
    """One letter per script: K katakana, H hiragana, C kanji, D digit, L
    Latin (and other letters), S anything else."""
    if "\u30a1" <= ch <= "\u30fa" or ch == "ー":
        return "K"
    if "\u3041" <= ch <= "\u3096":
        return "H"
    if "\u4e00" <= ch <= "\u9fff" or ch in "々〆ヶ":
        return "C"
    if ch.isdigit():
        return "D"
    if ch.isalpha():
        return "L"
    return "S"


def shape(text: str) -> str:
    """The scripts of ``text`` with repeats collapsed, at most four: 東京都 → C,
    AKB48 → LD, ヨドバシカメラ → K, 日本サッカー協会 → CKC."""
    out = []
    for ch in text:
        c = script(ch)
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out[:4])
