"""search.entity_view.merge_short_names looks its candidates up by prefix
and suffix instead of scanning every name for each short one (a broad query
counts thousands of names: 620 ms became 9 ms for 2,000).  It must fold
exactly as the scan did, in the same order: the scan is kept here as the
reference."""

from __future__ import annotations

import random
from collections import Counter

from search.entity_view import SHORT_NAME_CHARS, merge_short_names


def _by_scanning(counts):
    out = Counter(counts)
    for short in [n for n in counts if len(n) <= SHORT_NAME_CHARS and "・" not in n]:
        full = [n for n in counts if n != short and len(n) > len(short)
                and (n.startswith(short) or (len(short) >= 2 and n.endswith(short)))]
        if len(full) == 1:
            out[full[0]] += out.pop(short, 0)
    return out


def test_the_same_folding_as_the_scan():
    rnd = random.Random(14)
    # few characters, so that names share prefixes and suffixes often
    alphabet = "香川真司照之圭佑本田・山"
    for _ in range(5000):
        counts = Counter({"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 6))): rnd.randint(1, 9)
                          for _ in range(rnd.randint(0, 12))})
        expected, got = _by_scanning(counts), merge_short_names(counts)
        assert got == expected and list(got) == list(expected), counts


def test_examples():
    assert merge_short_names(Counter({"香川真司": 3, "香川": 2})) == Counter({"香川真司": 5})
    assert merge_short_names(Counter({"香川真司": 3, "香川照之": 1, "香川": 2})) == \
        Counter({"香川真司": 3, "香川照之": 1, "香川": 2})
    assert merge_short_names(Counter({"本田圭佑": 4, "圭佑": 1})) == Counter({"本田圭佑": 5})
    assert merge_short_names(Counter({"本田圭佑": 4, "佑": 1})) == Counter({"本田圭佑": 4, "佑": 1})
