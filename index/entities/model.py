"""The tagger: an averaged-perceptron BIO sequence model over the morphemes.

Why a sequence model: a classifier over the rules' candidate spans can only
find spans some rule proposed, and the rules miss a fifth of the names in
Wikipedia text (organisations made of common nouns: 人文地理学会, 連邦取引委員会;
names Sudachi splits oddly).  Tagging every morpheme B-type, I-type or O
finds any span whose edges are morpheme edges (98.6% of the annotated names).

What it reads, per morpheme (``token_features`` and the other
``*_features`` functions in features.py): the word, its part of speech and kind, its spelling
(script shape, length, first and last characters), its last sub-unit (the
head of a compound: 外務省 → 省), word-list hits (title, organisation head,
place suffix, country letter, well-known organisation), the JMnedict name
lexicon (single words and runs of words), the words and parts of speech
around it, and the rule system's verdict (rules.py), which carries the
project's conventions (日米 → 日, 米; titles outside names).

Decoding is Viterbi over each *segment*, a run of morphemes that can be part
of a name (nouns, prefixes, suffixes, name joiners; ``segments``), with the
only transitions allowed those BIO allows (I-org follows B-org or I-org).
Particles and verbs are O without asking the model, so most of a text costs
nothing, and a lone common word whose own features say O by a wide margin
is settled without its context (``Settings.prune``).

Speed: a morpheme's score is the sum of six partial scores, each a function
of a few values (the word; the word before; the word after; the kinds
around with the rule and lexicon tags; the word after the segment; the
segment's last word) and cached per process under those values, so a warm
indexing process scores a morpheme with six look-ups.

The weights (index/data/entity_model.json) are trained by
bench/entities/train_model.py; index/data/README.md says on what.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from . import lexicon as lx
from .entity import ENTITY_TYPES, Entity
from .features import (
    INNER_SYMBOLS,
    after_features,
    features,
    head_features,
    left_features,
    lexicon_tags,
    right_features,
    rule_tags,
    segment_keys,
    segments,
    tag_features,
    token_features,
)
from .morphemes import kind_of
from .rules import rule_entities

MODEL_PATH = lx.DATA / "entity_model.json"

LABELS = ("O",) + tuple(f"{bi}-{t}" for t in ENTITY_TYPES for bi in "BI")
N_LABELS = len(LABELS)  # O, B-person, I-person, B-place, I-place, B-org, I-org
_NEG = -1e18



@dataclass(frozen=True)
class Settings:
    """How scores become entities (stored with the model; train_model.py
    chooses o_bias on the dev split, the others are fixed).

    o_bias:  added to every morpheme's O score: above 0 the tagger needs more
             evidence to call something a name (precision), below 0 less.
    partial: keep the rules' entities that lie *inside* one morpheme (日 and
             米 of 日米, 米 of 米大統領, エリザベス of エリザベス女王), which the
             tagger cannot mark.
    trust:   keep the rules' findings that rest on news conventions (see
             ``trusted_rule``) over what the tagger says of the same words.
    prune:   a lone word the rules and the lexicon pass over is O, without
             asking its context, when its own features favour O by more
             than this (a speed setting: at 8, three segments in five are
             settled so, and 1% of the training sentences change).
    """

    o_bias: float = 0.0
    partial: bool = True
    trust: bool = True
    prune: float = 8.0


@dataclass
class Model:
    weights: dict  # feature -> [score per label in LABELS order]
    settings: Settings = field(default_factory=Settings)
    # {folded name: (type, ...)} of the names in the training data (with
    # "pname" for a katakana part of a person's name): the tagger's own
    # gazetteer, shipped inside the model file
    gazetteer: dict = field(default_factory=dict)

    def __post_init__(self):
        # the first two characters of its names (see lexicon_tags)
        self.gazetteer_prefixes = frozenset(name[:2] for name in self.gazetteer)
    # partial scores per feature group, filled as texts come (see decide)
    caches: tuple = field(default_factory=lambda: ({}, {}, {}, {}, {}, {}))


_models: dict = {}


def load_model(path=MODEL_PATH) -> Model:
    """The model at ``path`` (loaded once per process); no weights when
    there is no file, so that the rules decide alone."""
    model = _models.get(path)
    if model is None:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            data = {"weights": {}}
        if data.get("labels", list(LABELS)) != list(LABELS):
            raise ValueError(f"{path}: labels {data.get('labels')} are not {list(LABELS)}")
        gazetteer = {name: tuple(types) for name, types in data.get("gazetteer", {}).items()}
        model = _models[path] = Model(data["weights"], Settings(**data.get("settings", {})), gazetteer=gazetteer)
    return model


# ---------------------------------------------------------------------------
# Decoding


def viterbi(emissions) -> list:
    """The best label sequence (indices into LABELS) under BIO constraints:
    I-type only after B-type or I-type of the same type."""
    e = emissions[0]
    score = [e[0], e[1], _NEG, e[3], _NEG, e[5], _NEG]
    back = []
    for e in emissions[1:]:
        s0, s1, s2, s3, s4, s5, s6 = score
        best = max(score)
        bi = score.index(best)
        p1, v1 = (1, s1) if s1 >= s2 else (2, s2)
        p3, v3 = (3, s3) if s3 >= s4 else (4, s4)
        p5, v5 = (5, s5) if s5 >= s6 else (6, s6)
        back.append((bi, bi, p1, bi, p3, bi, p5))
        score = [best + e[0], best + e[1], v1 + e[2], best + e[3], v3 + e[4], best + e[5], v5 + e[6]]
    label = score.index(max(score))
    labels = [label]
    for bp in reversed(back):
        label = bp[label]
        labels.append(label)
    labels.reverse()
    return labels


def spans(labels, first: int) -> list:
    """(first morpheme, last + 1, type) of each B/I run in ``labels``
    (labels of the morphemes from index ``first`` on)."""
    out = []
    start = None
    for k, label in enumerate(labels + [0]):
        if start is not None and (label == 0 or label % 2 == 1):
            out.append((first + start, first + k, ENTITY_TYPES[(labels[start] - 1) // 2]))
            start = None
        if label % 2 == 1:
            start = k
    return out


_ZERO = (0.0,) * N_LABELS


def _vector(weights, feats) -> tuple:
    """Summed weights of ``feats``, one per label."""
    get = weights.get
    rows = [w for w in map(get, feats) if w is not None]
    return tuple(map(sum, zip(*rows))) if rows else _ZERO


_CACHE_LIMIT = 300_000


def _remember(cache, key, weights, feats) -> tuple:
    vec = _vector(weights, feats)
    if len(cache) < _CACHE_LIMIT:
        cache[key] = vec
    return vec


def decide(analysis, model: Model) -> list:
    """The entities of ``analysis`` under ``model`` (extract_entities with
    the shipped model; the training script with its own).  Without weights,
    the rules decide alone."""
    ms = analysis.morphemes
    if not ms:
        return []
    kinds = [kind_of[m.pos] for m in ms]
    trusted: set = set()
    ruled = rule_entities(analysis, kinds, trusted)
    weights = model.weights
    if not weights:
        return ruled
    text = analysis.text
    segs = segments(ms, kinds)
    starts = [m.start for m in ms]
    rtags = rule_tags(ms, ruled, starts)
    gtags = lexicon_tags(text, ms, segs)
    ztags = lexicon_tags(text, ms, segs, model.gazetteer, model.gazetteer_prefixes)
    found = []
    prune = model.settings.prune
    for first, last in segs:
        if not ztags[first] and _plainly_not_a_name(ms, kinds, first, last, rtags, gtags, model, prune):
            continue
        emissions = _emissions(ms, kinds, first, last, rtags, gtags, ztags, model)
        if last - first == 1:
            # one morpheme: O or B-type, no path to choose
            e = emissions[0]
            label = max((0, 1, 3, 5), key=e.__getitem__)
            if label:
                found.append((first, last, ENTITY_TYPES[label // 2]))
        else:
            found.extend(spans(viterbi(emissions), first))
    return finish(text, ms, found, ruled, trusted, model.settings, starts)


def _plainly_not_a_name(ms, kinds, first, last, rtags, gtags, model, prune) -> bool:
    """A lone word the rules and the lexicon pass over (こと, 発表, 今回: three
    segments in five) whose own features say O by a margin that context
    hardly ever overturns is O, without asking the rest.  (Runs of such
    words are still tagged: organisations of common nouns, 人文地理学会,
    would be lost.)"""
    if last - first > 1 or rtags[first] != "O" or gtags[first]:
        return False
    m = ms[first]
    key = (m.surface, m.reading, m.pos, m.oov)
    a = model.caches[0].get(key)
    if a is None:
        a = _remember(model.caches[0], key, model.weights, token_features(m, kinds[first], model.gazetteer))
    return a[0] - max(a[1], a[3], a[5]) > prune


def _emissions(ms, kinds, first, last, rtags, gtags, ztags, model) -> list:
    """Each morpheme's score per label: the six groups' partial scores,
    from the model's caches (the key functions above, inlined: this loop
    runs for every noun of every article)."""
    weights = model.weights
    by_token, by_left, by_right, by_tag, by_after, by_head = model.caches
    gazetteer = model.gazetteer
    o_bias = model.settings.o_bias
    n = len(ms)
    out = []
    after, head = segment_keys(ms, first, last)
    for i in range(first, last):
        m = ms[i]
        key = (m.surface, m.reading, m.pos, m.oov)
        a = by_token.get(key)
        if a is None:
            a = _remember(by_token, key, weights, token_features(m, kinds[i], gazetteer))
        key = None  # left_key, inlined
        if i and ms[i - 1].end == m.start:
            p = ms[i - 1]
            ps = p.surface
            if ps not in lx.SENTENCE_ENDS and not ps.isspace():
                key = (ps, p.pos)
        b = by_left.get(key)
        if b is None:
            b = _remember(by_left, key, weights, left_features(key))
        key = None  # right_key, inlined
        if i + 1 < n:
            p = ms[i + 1]
            if p.start == m.end and not p.surface.isspace():
                key = (p.surface, p.pos)
        c = by_right.get(key)
        if c is None:
            c = _remember(by_right, key, weights, right_features(key))
        key = (kinds[i - 1] if i > first else -1, kinds[i], kinds[i + 1] if i + 1 < last else -1,
               rtags[i], gtags[i], ztags[i])
        d = by_tag.get(key)
        if d is None:
            d = _remember(by_tag, key, weights, tag_features(key))
        place = "S" if last - first == 1 else "B" if i == first else "E" if i == last - 1 else "M"
        key = (after, place)
        g = by_after.get(key)
        if g is None:
            g = _remember(by_after, key, weights, after_features(after, place))
        key = (head, place)
        h = by_head.get(key)
        if h is None:
            h = _remember(by_head, key, weights, head_features(head, place))
        out.append(
            (a[0] + b[0] + c[0] + d[0] + g[0] + h[0] + o_bias, a[1] + b[1] + c[1] + d[1] + g[1] + h[1],
             a[2] + b[2] + c[2] + d[2] + g[2] + h[2], a[3] + b[3] + c[3] + d[3] + g[3] + h[3],
             a[4] + b[4] + c[4] + d[4] + g[4] + h[4], a[5] + b[5] + c[5] + d[5] + g[5] + h[5],
             a[6] + b[6] + c[6] + d[6] + g[6] + h[6])
        )
    return out


def finish(text, ms, found, ruled, trusted, settings: Settings, starts=None) -> list:
    """Entities from the tagger's morpheme spans, with the rules' entities
    the tagger cannot see or was not trained on put in."""
    entities = [Entity(text[ms[i].start : ms[j - 1].end], t, ms[i].start, ms[j - 1].end) for i, j, t in found]
    if not ruled:
        return entities
    if starts is None:
        starts = [m.start for m in ms]
    keep = []
    for e in ruled:
        k = bisect_left(starts, e.end)  # the morpheme right after e, if e ends on an edge
        on_edges = k < len(ms) and starts[k] == e.end or e.end == ms[-1].end
        on_edges = on_edges and starts[bisect_right(starts, e.start) - 1] == e.start
        if (
            (e.start, e.end) in trusted
            or (settings.partial and not on_edges)
            or (settings.trust and trusted_rule(e, ms[k].surface if k < len(ms) and starts[k] == e.end else ""))
        ):
            keep.append(e)
    if keep:
        entities = _with_rules(ms, entities, keep)
    entities = [_without_full_stop(e) for e in entities if not _bad_span(e)]
    entities.sort(key=lambda e: e.start)
    return entities


def _without_full_stop(e):
    """Washington. → Washington at a sentence's end; D.C., Co., Jr. keep theirs."""
    t = e.text
    if t.endswith(".") and "." not in t[:-1] and len(t.rsplit(" ", 1)[-1]) > 4:
        return Entity(t[:-1], e.type, e.start, e.end - 1)
    return e


def trusted_rule(e, next_word: str) -> bool:
    """Is the rule entity ``e`` kept whatever the tagger says?  The rules
    state news conventions here, and neither training source holds enough
    of them for the tagger to learn them (英首相 → 英 a place, not a person
    before a title): a country letter or an administrative unit (東京都,
    横浜市, カリフォルニア州), a ministry, agency, court or police (外務省,
    米中央情報局, 東京地裁, 福岡県警),
    a name right before a title (ゼレンスキー大統領: エマニュエル・マクロン仏
    大統領 → マクロン, 仏).  Chosen as conventions (GUIDE.md), not on the dev
    split, where they are rare: news text has many of them."""
    t, typ = e.text, e.type
    if typ == "place":
        return (len(t) == 1 and t in lx.COUNTRY_READINGS) or (
            len(t) >= 3 and t[-1] in lx.PLACE_SUFFIXES and t[-1] != "島"
        )
    if typ == "org":
        # not the well-known acronyms: FIFA of FIFAワールドカップ is inside an
        # event's name, which no convention annotates
        return t[-1] in "省庁局" or any(t.endswith(h) for h in lx.STRONG_HEADS)
    return typ == "person" and bool(next_word) and lx.is_title(next_word)


def _with_rules(ms, entities, keep) -> list:
    """日米 → 日, 米; 米大統領 → 米; エリザベス女王 → エリザベス; President Joe
    Biden → Joe Biden; エマニュエル・マクロン仏 → エマニュエル・マクロン, 仏: a
    rule entity in ``keep`` takes the morphemes it lies in from the
    tagger's entities: one inside them goes (the tagger cannot mark part of
    a morpheme: 日韓 as one org is its best try at 日, 韓), one reaching
    beyond them on one side keeps the rest, if that is two characters or
    more and of another type.  Where that cannot be (the rule entity inside
    a longer name of its type: 法務省 of 法務省矯正局; a rest too short:
    東京都 of 東京都庁) the tagger's entity stays."""
    starts = [m.start for m in ms]
    ends = [m.end for m in ms]
    tagged = list(entities)
    added = []
    for r in keep:
        lo = starts[bisect_right(starts, r.start) - 1]  # the morphemes r lies in
        hi = ends[min(bisect_left(ends, r.end), len(ends) - 1)]
        rests = _rests(tagged, lo, hi, r.type)
        if rests is not None:
            tagged = [e for e in tagged if e.end <= lo or e.start >= hi] + rests
            added.append(r)
    out = sorted(tagged + added, key=lambda e: (e.start, -e.end))
    disjoint = []
    for e in out:
        if not disjoint or e.start >= disjoint[-1].end:
            disjoint.append(e)
    return disjoint


def _rests(tagged, lo: int, hi: int, typ: str):
    """What is left of the tagger's entities once [lo, hi) is taken for a
    rule entity of type ``typ``, or None when it cannot be taken."""
    rests = []
    for e in tagged:
        if e.end <= lo or e.start >= hi or (lo <= e.start and e.end <= hi):
            continue
        if (e.start < lo and e.end > hi) or e.type == typ:
            return None  # inside a longer name (アルバータ州 of アルバータ州北東部)
        a, b = (e.start, lo) if e.start < lo else (hi, e.end)
        if b - a < 2:
            return None
        rests.append(Entity(e.text[a - e.start : b - e.start], e.type, a, b))
    return rests


def _bad_span(e) -> bool:
    """Spans no convention calls a name: one that starts or ends with a
    joiner (・ジョン, ジョン・), a single Latin letter (A さん: GUIDE.md's
    anonymised letters), or a Latin title ("President")."""
    t = e.text
    if t[0] in INNER_SYMBOLS or (t[-1] in INNER_SYMBOLS and t[-1] != ".") or t.isspace():
        return True
    return (len(t) == 1 and t.isascii()) or t.rstrip(".").lower() in lx.LATIN_TITLES


def extract_entities(analysis) -> list:
    """People, places and organisations of ``analysis``, by start, disjoint,
    with the shipped model."""
    if not analysis.morphemes:
        return []
    return decide(analysis, load_model())


def sentence_view(analysis, gazetteer=None):
    """What training needs of one analysed sentence: ([(first, last,
    [features of each morpheme])] per segment, the rule entities), with
    ``gazetteer`` as the model's (the training script passes one built
    without the sentence's own names)."""
    ms = analysis.morphemes
    if not ms:
        return [], []
    gazetteer = gazetteer or {}
    kinds = [kind_of[m.pos] for m in ms]
    ruled = rule_entities(analysis, kinds)
    segs = segments(ms, kinds)
    rtags = rule_tags(ms, ruled)
    gtags = lexicon_tags(analysis.text, ms, segs)
    ztags = lexicon_tags(analysis.text, ms, segs, gazetteer)
    return [
        (first, last, [features(ms, kinds, i, first, last, rtags, gtags, ztags, gazetteer) for i in range(first, last)])
        for first, last in segs
    ], ruled


__all__ = [
    "LABELS",
    "MODEL_PATH",
    "Model",
    "Settings",
    "decide",
    "extract_entities",
    "load_model",
    "sentence_view",
    "viterbi",
]
