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

import re
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


_QUALIFIER = re.compile(r"^(.+?)[ \u3000]*[（(][^（）()]{1,12}[）)]$")


def _without_qualifier(e):
    """澤穂希（サッカー）, a person with a bracketed field after the name, is
    澤穂希: the bracket says what the article lists her under."""
    m = _QUALIFIER.match(e.canonical) if e.type == "person" else None
    return Entity(e.text, e.type, e.start, e.end, m.group(1)) if m else e


def article_entities(parts) -> ArticleEntities:
    """``parts``: [(part name, Analysis)] (title, body)."""
    found = [(name, e) for name, analysis in parts for e in analysis.entities]
    resolved = [_without_qualifier(e) for e in resolve_in_article(e for _, e in found)]
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
        for text in credited_names(analysis.text, own) | _credited_here(analysis.text, own):
            for typ in ENTITY_TYPES:
                name = canonical_of.get((text, typ))
                if name and name not in credited.setdefault(typ, []):
                    credited[typ].append(name)
    return ArticleEntities(mentions, names, forms, credited)


# Where articles credit someone rather than write about them: a line that
# starts with a credit word (編集部：池田利夫＋岡本奈知子（ジャムハウス）,
# 記事執筆：…), a bracketed credit closing a line (（オフィスエムツー／神田はるひ）),
# a name signing with its handle (上倉賢 @kamikura [digi2(デジ通)]), and a
# site's own promotion headings (【MOVIE ENTER おすすめコンテンツ】).
_CREDIT_LINE = re.compile(
    r"^[ \t\u3000]*(?:記事執筆|執筆|編集部?|制作編集|制作|文責|文|写真|撮影|取材|構成|提供|情報提供|協力|ライター|"
    r"text|photo)[ \t\u3000]*[：:].*$", re.IGNORECASE | re.MULTILINE)
_CLOSING_CREDIT = re.compile(r"[（(][^（）()\n]{1,40}[／/][^（）()\n]{1,40}[）)][ \t\u3000]*$", re.MULTILINE)
# （橋口まどか） closing the whole text
_LAST_BRACKET = re.compile(r"[（(][^（）()\n]{1,40}[）)][ \t\u3000]*\Z")
_HANDLE_LINE = re.compile(r"^[^\n@＠]{1,30}[ \t\u3000]?[@＠][\w.]+.*$", re.MULTILINE)
_PROMOTION = re.compile(r"【[^【】\n]{1,40}(?:おすすめ|オススメ|特集)[^【】\n]{0,20}】"
                        r"|^・?[^\n]{1,40}の(?:TOP|トップ|ＴＯＰ)へ[ \t\u3000]*$", re.MULTILINE)


def _credit_spans(text: str) -> list:
    return [m.span() for pattern in (_CREDIT_LINE, _CLOSING_CREDIT, _LAST_BRACKET, _HANDLE_LINE, _PROMOTION)
            for m in pattern.finditer(text)]


def _credited_here(text: str, entities) -> set:
    """The texts of the entities every mention of which stands in a credit
    (see the patterns above): a name the article signs with, never writes
    about.  One article proves nothing; search.entity_view takes a name for
    a byline when a publisher's articles mostly name it so
    (boilerplate_names)."""
    spans = _credit_spans(text)
    inside, outside = set(), set()
    for e in entities:
        (inside if any(a <= e.start and e.end <= b for a, b in spans) else outside).add(e.text)
    return inside - outside
