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
from pathlib import Path

from index import segments
from index.kana import is_katakana, sound_key

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


def _segment_groups(reader, fieldname) -> dict:
    """sound key -> {term: doc frequency} of one segment's katakana terms
    and Latin terms with a katakana reading."""
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
            groups.setdefault(key, {})[text] = info.doc_frequency()
    return groups


# Segments never change (a deletion changes no doc frequency Whoosh
# reports), so each one's groups are read once and kept while a reader
# holds it.  The groups of a whole index are merged from them, once per
# commit for all threads: read from the lexicon of every segment each time,
# for each thread's reader, they had cost seconds per commit while `search
# index` added segments, and the server's requests waited for them.
_by_segment = {}  # (segment id, field) -> groups
_merged = {}  # (segment ids, field) -> sound key -> [(doc frequency, term)], most frequent first


# The merged groups of the latest commit, beside the index: read from every
# segment's lexicon they were most of a one-shot `search query` with a
# katakana word (0.35 s of 1.0 s on livedoor); read back, about 10 ms.
SOUNDS_FILE = "search-sounds.json"
SOUNDS_VERSION = 1


def _groups(reader, fieldname, index_dir=None) -> dict:
    leaves = [leaf for leaf, _ in segments.leaves(reader)]
    ids = tuple(segments.segment_id(leaf) for leaf in leaves)
    if None in ids:  # not segments of an index on disk: nothing to keep
        return _ranked([_segment_groups(reader, fieldname)])
    merged = _merged.get((ids, fieldname))
    if merged is None and index_dir is not None and not _by_segment:
        merged = _read_saved(index_dir, ids, fieldname)  # a new process: what an earlier one saved
        if merged is not None:
            _merged[(ids, fieldname)] = merged
    if merged is None:
        parts = []
        for leaf, segment_id in zip(leaves, ids):
            part = _by_segment.get((segment_id, fieldname))
            if part is None:
                part = _by_segment[(segment_id, fieldname)] = _segment_groups(leaf, fieldname)
            parts.append(part)
        merged = _merged[(ids, fieldname)] = _ranked(parts)
        live = set(ids)
        for key in [k for k in _by_segment if k[0] not in live]:
            del _by_segment[key]
        for key in [k for k in _merged if k[0] != ids]:
            del _merged[key]
        if index_dir is not None:
            from index.storage import save_keyed_json

            save_keyed_json(Path(index_dir) / SOUNDS_FILE, _saved_key(ids, fieldname),
                            {"groups": {k: [[df, t] for df, t in v] for k, v in merged.items()}})
    return merged


def _saved_key(ids, fieldname) -> str:
    return f"{SOUNDS_VERSION}:{fieldname}:{','.join(sorted(ids))}"


def _read_saved(index_dir, ids, fieldname):
    from index.storage import read_keyed_json

    data = read_keyed_json(Path(index_dir) / SOUNDS_FILE, _saved_key(ids, fieldname))
    try:
        return {k: [(df, t) for df, t in v] for k, v in data["groups"].items()} if data else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _ranked(parts) -> dict:
    if len(parts) == 1:
        totals = parts[0]
    else:
        totals = {}
        for part in parts:
            for key, terms in part.items():
                into = totals.setdefault(key, {})
                for term, df in terms.items():
                    into[term] = into.get(term, 0) + df
    return {key: sorted(((df, term) for term, df in terms.items()), reverse=True) for key, terms in totals.items()}


def sound_variants(reader, key, fieldname="text", index_dir=None) -> list:
    """The terms of ``fieldname`` that sound like ``key``, most frequent
    first; ``index_dir``: the index's folder, where the groups are kept for
    the next process."""
    if reader is None:
        return []
    with _lock:
        groups = _groups(reader, fieldname, index_dir)
    return [term for _, term in groups.get(key, [])[:MAX_VARIANTS]]


__all__ = ["sound_variants"]
