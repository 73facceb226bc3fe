"""Names a source repeats as boilerplate, not as news: its own name, a
byline, a recurring credit line (S-MAX / エスマックス, MIYUKI KOMATSU,
（文：林由美）).  They are the source's, not entities of the article, and
stay out of the entity facets.

Two signals, both counted per article (a name said ten times in one
article counts once), both pure functions: the caller counts, over the
index or at indexing time over the articles that came before, and decides
what to do with the names (keep them out of facets; a byline can go to the
author field).

1. **Frequency** (:func:`boilerplate_names`): a name is boilerplate for a
   source with at least ``min_articles`` articles (20) when it is in at
   least ``share`` of them (half) *and*, if the other sources together have
   ``min_articles`` articles too, in at most ``elsewhere`` of theirs (a
   tenth).  Measured on the livedoor corpus (250 articles sampled per site,
   names after the alias table): エスマックス is in 100% of S-MAX's
   articles and almost none of the others'; the most frequent real entity
   of a site is 日本 (16–48% on every site), then NTTドコモ on S-MAX (39%).
   Half alone would come close to dropping 日本 on a Japan-centred source;
   the second test keeps a name the whole corpus repeats.
2. **Credit lines** (:func:`credited_names`): a line that holds nothing but
   names and credit words (（MIYUKI KOMATSU）, （文：林由美）, 記事執筆：
   2106bpm) credits them.  Bylines are in 10–30% of a site's articles
   (MIYUKI KOMATSU in 88 of 864 家電チャンネル articles), too few for the
   first rule; a name credited in at least ``min_credited`` articles (3), and
   in at least half of the articles that mention it, is boilerplate too.
"""

from __future__ import annotations

import re
from collections import Counter

DEFAULT_SHARE = 0.5
DEFAULT_ELSEWHERE = 0.1
DEFAULT_MIN_ARTICLES = 20
DEFAULT_MIN_CREDITED = 3


def boilerplate_names(
    counts: dict,
    articles: dict,
    credits: dict | None = None,
    *,
    share: float = DEFAULT_SHARE,
    elsewhere: float = DEFAULT_ELSEWHERE,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    min_credited: int = DEFAULT_MIN_CREDITED,
) -> dict:
    """The boilerplate names of each source.

    ``counts``: {source: Counter({name: number of the source's articles that
    mention it})}, names keyed as the caller likes (a canonical name, or a
    (type, canonical name) pair); ``articles``: {source: number of
    articles}; ``credits`` (optional): {source: Counter({name: number of
    its articles where the name stands in a credit line})}.
    Returns {source: frozenset(names)} for every source in ``counts``.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], not {share}")
    credits = credits or {}
    total_articles = sum(articles.get(s, 0) for s in counts)
    all_counts = Counter()
    for names in counts.values():
        all_counts.update(names)
    out = {}
    for source, names in counts.items():
        n = articles.get(source, 0)
        found = set()
        if n >= min_articles:
            others = total_articles - n
            for name, k in names.items():
                if k < share * n:
                    continue
                if others >= min_articles and all_counts[name] - k > elsewhere * others:
                    continue  # the whole corpus repeats it: news, not the source's
                found.add(name)
        for name, k in (credits.get(source) or {}).items():
            if k >= min_credited and k >= 0.5 * names.get(name, k):
                found.add(name)
        out[source] = frozenset(found)
    return out


# What a credit line may hold beside the names: brackets, separators and
# the words that say who wrote, shot or supplied the article.
_CREDIT_WORDS = re.compile(
    r"記事執筆|執筆|文責|文|写真|撮影|取材|構成|編集部|編集|情報提供元|情報提供|提供|協力|記者|ライター|"
    r"text|photo|written by|by|[（）()【】\[\]<>＜＞:：/／・=＝|｜\s、,，-]"
)
_MAX_CREDIT_LINE = 60


def credited_names(text: str, entities) -> set:
    """The texts of the entities that ``text`` names only in credit lines: a
    credit line is at most 60 characters and holds nothing but entities and
    credit words (（MIYUKI KOMATSU）, （文：林由美）, 記事執筆：2106bpm（つとむ）).
    A name the article also uses in its running text is its subject, not
    its byline (a maker's name on a line of its own under a review)."""
    entities = list(entities)
    credited = _in_credit_lines(text, entities)
    elsewhere = {e.text for e in entities if e not in credited}
    return {e.text for e in credited} - elsewhere


def _in_credit_lines(text: str, entities) -> set:
    out = set()
    by_line = {}
    for e in entities:
        start = text.rfind("\n", 0, e.start) + 1
        by_line.setdefault(start, []).append(e)
    for start, found in by_line.items():
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if len(line.strip()) > _MAX_CREDIT_LINE:
            continue
        rest = list(line)
        for e in found:
            for k in range(e.start - start, min(e.end, end) - start):
                rest[k] = " "
        if not _CREDIT_WORDS.sub("", "".join(rest)):
            out.update(found)
    return out


__all__ = [
    "DEFAULT_ELSEWHERE",
    "DEFAULT_MIN_ARTICLES",
    "DEFAULT_MIN_CREDITED",
    "DEFAULT_SHARE",
    "boilerplate_names",
    "credited_names",
]
