"""Sound-alike katakana, found in the index's own lexicon at query time.

The words field already holds every katakana word the articles use
(ミーティング, ミーテング); what a sound-alike query needs is which of them
share its sound key (index.kana.sound_key).  So instead of a key per posting
(228,000 more postings on livedoor, a sixth of the index), the lexicon's
katakana terms, and its Latin terms that Sudachi reads in katakana (iPhone:
アイフォーン), are grouped by key once per index generation, and a query word
is searched as the other words of its group.  Being words of the ``text``
field, they are highlighted where the article wrote them.
"""

from __future__ import annotations

import threading
import weakref

from index.kana import is_katakana, sound_key

_by_reader = weakref.WeakKeyDictionary()
_lock = threading.Lock()
# A group lists at most this many spellings (the most frequent first).
MAX_VARIANTS = 8


# Latin term -> Sudachi's katakana reading of it ("" when none), kept across
# index generations: a commit adds few new words, and each costs a Sudachi call.
_latin_readings = {}


def _latin_reading(term: str) -> str:
    reading = _latin_readings.get(term)
    if reading is None:
        from index.analysis import analyze

        morphemes = [m for m in analyze(term).morphemes if m.indexed]
        known = len(morphemes) == 1 and not morphemes[0].oov and is_katakana(morphemes[0].reading or "")
        reading = _latin_readings[term] = morphemes[0].reading if known else ""
    return reading


def _groups(reader, fieldname) -> dict:
    """sound key -> [(doc frequency, term)] of the field's katakana terms and
    Latin terms with a katakana reading."""
    groups = {}
    for term, info in reader.iter_field(fieldname):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if is_katakana(text):
            key = sound_key(text)
        elif text.isascii() and text.isalpha() and len(text) > 2:
            reading = _latin_reading(text)
            key = sound_key(reading) if reading else ""
        else:
            continue
        if key:
            groups.setdefault(key, []).append((info.doc_frequency(), text))
    for members in groups.values():
        members.sort(reverse=True)
    return groups


def sound_variants(reader, key, fieldname="text") -> list:
    """The terms of ``fieldname`` that sound like ``key``, most frequent first."""
    if reader is None:
        return []
    with _lock:
        per_field = _by_reader.get(reader)
        if per_field is None:
            per_field = _by_reader[reader] = {}
        groups = per_field.get(fieldname)
        if groups is None:
            groups = per_field[fieldname] = _groups(reader, fieldname)
    return [term for _, term in groups.get(key, [])[:MAX_VARIANTS]]


__all__ = ["sound_variants"]
