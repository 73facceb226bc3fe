"""The entities of one article, as the index records them.

Mentions come from the one analysis of the title and of the body
(index.analysis.Analysis.entities); each takes the canonical name of its
article (resolve_in_article: 本田 after 本田圭佑 is 本田圭佑), and the names
that only a credit line holds (a byline, 「（文：林由美）」) are set apart,
so that what a source says of itself never counts as its news
(search.entity_view decides with the whole index).  The alias table is not
applied here: it is applied when the index is read, so a table change needs
no reindex.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .boilerplate import credited_names
from .canonical import display_form, resolve_in_article
from .entity import ENTITY_TYPES, Entity


@dataclass
class ArticleEntities:
    mentions: list  # (text, type, part, start, end, canonical), by part and start
    names: dict  # type -> canonical names, in order of first mention
    forms: dict  # type -> display forms of mentions that differ from their canonical name
    credited: dict = field(default_factory=dict)  # type -> canonical names only credit lines hold


def article_entities(parts) -> ArticleEntities:
    """``parts``: [(part name, Analysis)] (title, body)."""
    found = [(name, e) for name, analysis in parts for e in analysis.entities]
    resolved = resolve_in_article(e for _, e in found)
    mentions, names, forms, credited = [], {t: [] for t in ENTITY_TYPES}, {t: [] for t in ENTITY_TYPES}, {}
    for (part, _), e in zip(found, resolved):
        mentions.append((e.text, e.type, part, e.start, e.end, e.canonical))
        if e.canonical not in names[e.type]:
            names[e.type].append(e.canonical)
        shown = display_form(e.text)
        if shown != e.canonical and shown not in forms[e.type]:
            forms[e.type].append(shown)
    canonical_of = {(e.text, e.type): e.canonical for e in resolved}
    for part, analysis in parts:
        own = [e for p, e in found if p == part]
        for text in credited_names(analysis.text, own) | _only_in_the_tail(analysis.text, own):
            for typ in ENTITY_TYPES:
                name = canonical_of.get((text, typ))
                if name and name not in credited.setdefault(typ, []):
                    credited[typ].append(name)
    return ArticleEntities(mentions, names, forms, credited)


# The tail of a text: what comes after this share of it, or its last
# characters, whichever is longer.  Bylines, credits and a site's own
# promotions sit there (（オフィスエムツー／神田はるひ）, 記事執筆：…,
# 【MOVIE ENTER おすすめコンテンツ】, 上倉賢 @kamikura [digi2]).
TAIL_SHARE = 0.85
TAIL_CHARS = 300


def _only_in_the_tail(text: str, entities) -> set:
    """The texts of the entities every mention of which lies in the tail of
    ``text``: a name the article only signs with, never writes about.  One
    article proves nothing; search.entity_view takes a name for a byline
    when a publisher's articles mostly name it so (boilerplate_names)."""
    if len(text) < 2 * TAIL_CHARS:
        return set()  # a short text has no body apart from its tail
    tail = min(int(len(text) * TAIL_SHARE), len(text) - TAIL_CHARS)
    first = {}
    for e in entities:
        first[e.text] = min(first.get(e.text, e.start), e.start)
    return {name for name, start in first.items() if start >= tail}


__all__ = ["ArticleEntities", "Entity", "article_entities"]
