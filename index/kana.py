"""Kana: scripts, and the keys by which words written differently meet.

Two keys go into the reading stream of the index (index.analysis) and are
looked up by the query analysis (search.query.analysis):

* ``reading_key(reading, surface)``: ``トリケシ|取消``, a word's reading
  with its *kanji skeleton* (the kanji of its written form, kana left out).
  取消 and 取り消し share it, as 貸出し and 貸し出し do; 講演 and 公園 do not
  (same reading, other kanji), so a query written in kanji meets other
  okurigana but never a homophone.  A query word with kana in it
  (てぬぐい, かたき討ち) looks up every key of its reading, whatever the
  kanji (a prefix ``テヌグイ|``): the reader wrote how it sounds.
* ``sound_key(katakana)``: ``~ボランテア`` for ボランティア and ボランテア
  alike.  It folds the variation Japanese writers really produce in
  loanwords: small vowels and their full-size forms (ティ/テ, ディ/デ), the
  ヴ row and the バ row, long-vowel marks and vowels written out instead
  (ディスプレイ/ディスプレー, コンピューター/コンピュータ), ッ before a
  consonant (ミュージシャン/ミュージッシャン), ジェ/ゼ, ウィ/ウイ, small ャュョ
  (チュ/チ), ワ after ウ (バウワー/バウアー).
"""

from __future__ import annotations

import re
import unicodedata

KANJI_REPEAT = "々"
# Written between the parts of place names in every form (鎌ヶ谷, 鎌ケ谷,
# 鎌が谷): not part of the skeleton.
_PLACE_LINKS = frozenset("ヶケがヵかノの")


def hira_to_kata(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def kata_to_hira(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def is_katakana(text: str) -> bool:
    """True for a run of katakana (with ー and ・), after NFKC."""
    if not text:
        return False
    for ch in text:
        if not ("\u30a1" <= ch <= "\u30fa" or ch in "ーヽヾ・"):
            return False
    return True


def is_kana(text: str) -> bool:
    """True when every character is hiragana, katakana or the long-vowel mark."""
    return bool(text) and all(
        "\u3041" <= ch <= "\u3096" or "\u30a1" <= ch <= "\u30fa" or ch in "ーゝゞヽヾ"
        for ch in text
    )


def is_kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff" \
        or "\U00020000" <= ch <= "\U0003134f" or ch == KANJI_REPEAT


def has_kanji(text: str) -> bool:
    return any(is_kanji(ch) for ch in text)


def has_kana(text: str) -> bool:
    return any("\u3041" <= ch <= "\u3096" or "\u30a1" <= ch <= "\u30fa" for ch in text)


def skeleton(surface: str) -> str:
    """The kanji of a written form, in order; 々 stands for the kanji before it."""
    out = []
    for ch in unicodedata.normalize("NFKC", surface):
        if ch == KANJI_REPEAT and out:
            out.append(out[-1])
        elif is_kanji(ch) and ch != KANJI_REPEAT:
            out.append(ch)
    return "".join(out)


def reading_key(reading: str, surface: str) -> str:
    """``READING|SKELETON`` (see the module doc); "" when there is nothing
    to key (no kanji, no reading)."""
    skel = skeleton(surface)
    reading = hira_to_kata(reading)
    if not skel or not reading or not is_kana(reading):
        return ""
    return f"{reading}|{skel}"


def reading_prefix(reading: str) -> str:
    """What every reading key of ``reading`` starts with."""
    return hira_to_kata(reading) + "|"


# -- sound-alike katakana -------------------------------------------------

SOUND_PREFIX = "~"
_VU = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ", "ヴュ": "ビュ", "ヴ": "ブ"}
_PAIRS = {"ジェ": "ゼ", "シェ": "セ", "ヂ": "ジ", "ヅ": "ズ", "ヲ": "オ", "ヰ": "イ", "ヱ": "エ", "ヮ": "ワ"}
_SMALL = {"ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ", "ヵ": "カ", "ヶ": "ケ"}
_SMALL_Y = "ャュョ"
_VU_RE = re.compile("|".join(sorted(_VU, key=len, reverse=True)))
_PAIRS_RE = re.compile("|".join(sorted(_PAIRS, key=len, reverse=True)))

_ROWS = {
    "ア": "アカサタナハマヤラワガザダバパ",
    "イ": "イキシチニヒミリギジヂビピ",
    "ウ": "ウクスツヌフムユルグズヅブプ",
    "エ": "エケセテネヘメレゲゼデベペ",
    "オ": "オコソトノホモヨロヲゴゾドボポ",
}
_VOWEL_OF = {kana: vowel for vowel, row in _ROWS.items() for kana in row}
# A vowel written after a kana of this vowel is a long vowel: コウ ≈ コー ≈ コ.
_LONG_AFTER = {"ア": "ア", "イ": "イエ", "ウ": "ウオ", "エ": "エ", "オ": "オ"}


def sound_key(word: str) -> str:
    """The sound-alike key of a katakana (or hiragana) word; "" when the
    word is too short to key safely (fewer than three kana after folding)."""
    # (the steps, in order: see the module doc)
    text = hira_to_kata(unicodedata.normalize("NFKC", word))
    if not is_katakana(text.replace("・", "")):
        return ""
    text = text.replace("・", "").replace("ー", "").replace("ッ", "")
    text = _VU_RE.sub(lambda m: _VU[m.group()], text)
    text = _PAIRS_RE.sub(lambda m: _PAIRS[m.group()], text)
    # Small ャュョ go (チュ/チ, シミュ/シュミ) unless the key would then be
    # too short to be safe (ティッシュ: テシュ, not テシ).
    for drop_small_y in (True, False):
        key = _fold_vowels("".join(_SMALL.get(c, c) for c in text if not (drop_small_y and c in _SMALL_Y)))
        if len(key) >= 3:
            return SOUND_PREFIX + key
    return ""


def _fold_vowels(text: str) -> str:
    text = text.replace("ウワ", "ウア")
    out = []
    for c in text:
        previous = _VOWEL_OF.get(out[-1]) if out else None
        if previous and c in _LONG_AFTER and previous in _LONG_AFTER[c]:
            continue  # a long vowel written out
        out.append(c)
    return "".join(out)


__all__ = [
    "SOUND_PREFIX", "has_kana", "has_kanji", "hira_to_kata", "is_kana", "is_kanji", "is_katakana",
    "kata_to_hira", "reading_key", "reading_prefix", "skeleton", "sound_key",
]
