"""Relaxed results: when every word together finds nothing, the articles that
have all the words but one (then all but two, for long queries).

A reader who types four words and spells one of them in a way the archive
does not use should not see an empty page.  ``relaxed_hits`` looks up each
droppable word of the query (search.query.compiler.relaxable: the plain
words; field values, dates, phrases and NOTs always hold) and keeps the
articles that miss at most one of them, or at most two when no article
misses only one and the query has four words or more.  They are ranked by
how many words they have, then by score (all the query's words ORed, with
the phrase bonus), and each says which words it lacks.  A query of one
word that matches nothing still finds nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from whoosh import collectors
from whoosh import query as wq

# From this many words on, articles missing two of them are offered when
# none misses only one.
TWO_MISSING_FROM = 4


@dataclass
class Relaxed:
    ranked: list  # (docnum, score) best first: most words, then score
    missing: dict  # docnum -> [words it lacks]
    dropped: list  # the words some result lacks, the most often missing first
    timed_out: bool = False
    docnums: list = field(default_factory=list)  # every result


def relaxed_hits(searcher, parts, filter_query, deadline) -> Relaxed | None:
    """The relaxed results of ``parts`` ((fixed, words, bonus) from
    relaxable()) on a Whoosh searcher, or None when there are none."""
    fixed, words, bonus = parts
    base = [q for q in fixed + [filter_query] if q is not None]
    have = {}  # docnum -> indices of the words it has
    timed_out = False
    for i, (_, q) in enumerate(words):
        docs = searcher.docs_for_query(wq.And(base + [q]) if base else q)
        for docnum in docs:
            have.setdefault(docnum, set()).add(i)
        if time.thread_time() > deadline:
            timed_out = True
            break
    n = len(words)
    allowed = 1
    candidates = {d: got for d, got in have.items() if len(got) >= n - allowed}
    if not candidates and n >= TWO_MISSING_FROM:
        allowed = 2
        candidates = {d: got for d, got in have.items() if len(got) >= n - allowed}
    if not candidates:
        return None
    scores = _scores(searcher, [q for _, q in words], bonus, set(candidates))
    ranked = sorted(candidates, key=lambda d: (-len(candidates[d]), -scores.get(d, 0.0), d))
    missing = {d: [words[i][0] for i in range(n) if i not in candidates[d]] for d in ranked}
    counts = Counter(w for lacks in missing.values() for w in lacks)
    dropped = [w for w, _ in counts.most_common()]
    return Relaxed([(d, scores.get(d, 0.0)) for d in ranked], missing, dropped, timed_out, ranked)


def _scores(searcher, word_queries, bonus, allow) -> dict:
    """docnum -> score of the words ORed (and the phrase bonus) over ``allow``."""
    q = wq.Or(word_queries)
    if bonus is not None:
        q = wq.AndMaybe(q, bonus)
    top = collectors.TopCollector(limit=max(1, len(allow)), usequality=False, replace=0)
    searcher.search_with_collector(q, collectors.FilterCollector(top, allow=allow))
    results = top.results()
    return {results.docnum(i): results.score(i) for i in range(results.scored_length())}


__all__ = ["Relaxed", "relaxed_hits"]
