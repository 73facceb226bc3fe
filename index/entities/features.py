"""The tagger's view of a text: which morphemes it tags, and their features.

``segments`` cuts the morphemes into runs that can be part of a name;
the ``*_key`` and ``*_features`` functions give each morpheme's features in
six groups, each a function of a small key, so that the decoder
(model.py) caches every group's partial scores under its key;
``rule_tags`` and ``lexicon_tags`` turn the rules' entities and the
lexicon's (or gazetteer's) runs into per-morpheme tags the features read.
``features`` lists all of one morpheme's features: what training sees.
"""

from __future__ import annotations

from bisect import bisect_right

from . import lexicon as lx
from .morphemes import OTHER, SYMBOL, is_katakana, is_latin, kind_of, shape

# Symbols that can stand inside a name (ジョン・レノン, セブン-イレブン,
# ル=グウィン, D.C., AT&T, nobodyknows+).
INNER_SYMBOLS = frozenset("・＝=･.．-－&＆+＋'’")

# ---------------------------------------------------------------------------
# Which morphemes are tagged


class _TaggableOther(dict):
    """{surface: can a morpheme of class OTHER with this spelling be part of
    a name}: katakana or Latin words of any class (ムンムン, サイバー), and a
    space between two such words (decided where it stands: see segments)."""

    def __missing__(self, s):
        ok = None if s == " " else is_latin(s) or (len(s) > 1 and is_katakana(s))
        if len(self) < 100_000:
            self[s] = ok
        return ok


_taggable_other = _TaggableOther()


def segments(ms, kinds) -> list:
    """(first, last + 1) of each run of adjacent morphemes that can be part
    of a name: nouns, prefixes, suffixes, the symbols inside names (・ - &),
    形状詞 (ユニバーサル映画, 特別委員会), katakana or Latin words of any
    class, and a space between two Latin or two katakana words (BMW JAPAN,
    カートゥーン ネットワーク)."""
    n = len(ms)
    other = _taggable_other
    ok = [
        (k != OTHER and k != SYMBOL and bool(m.surface))
        or (k == SYMBOL and m.surface in INNER_SYMBOLS)
        or (k == OTHER and (m.pos[0] == "形状詞" if other[m.surface] is False else other[m.surface]))
        for m, k in zip(ms, kinds)
    ]
    if None in ok:  # spaces: inside a name only between two of its words
        for i, flag in enumerate(ok):
            if flag is None:
                ok[i] = 0 < i < n - 1 and _same_script_around(ms, i)
    out = []
    first = -1
    for i in range(n):
        if ok[i]:
            if first < 0:
                first = i
            elif ms[i - 1].end != ms[i].start:
                out.append((first, i))  # a gap between chunks ends a segment
                first = i
        elif first >= 0:
            out.append((first, i))
            first = -1
    if first >= 0:
        out.append((first, n))
    return out


def _same_script_around(ms, i: int) -> bool:
    """Does the space at i join two parts of one name?  Two katakana words,
    or two capitalised Latin words that are not titles: "Joe Biden" and
    "BMW JAPAN" stay together, while a lowercase word ("met", "in") or a
    title ("Prime Minister") ends the name, so an English sentence gives
    its names, never one span over the sentence."""
    left, right = ms[i - 1].surface, ms[i + 1].surface
    if is_katakana(left) and is_katakana(right):
        return True
    return _latin_name_word(left) and _latin_name_word(right)


def _latin_name_word(s: str) -> bool:
    return is_latin(s) and (s[0].isupper() or s[0].isdigit()) and s.rstrip(".").lower() not in lx.LATIN_TITLES


# ---------------------------------------------------------------------------
# Features, in six groups (each a function of its cache key)


def token_key(m) -> tuple:
    return (m.surface, m.reading, m.pos, m.oov)


def token_features(m, kind: int, gazetteer=None) -> list:
    """The morpheme by itself: word, part of speech, spelling, word lists,
    the lexicon and the model's gazetteer."""
    s = m.surface
    key = lx.fold_key(s)
    nf = lx.width_fold(s)  # spelling features read マンＵ as マンU, case kept
    sh = shape(nf)
    pos = m.pos
    f = [
        "b",  # a bias per label
        "w=" + key,
        "p=" + "-".join(pos[:4]),
        "p2=" + pos[0] + pos[1],
        "k=%d" % kind,
        "sh=" + sh,
        "ln=%d" % min(len(nf), 6),
        "f1=" + nf[0],
        "l1=" + nf[-1],
    ]
    if len(nf) >= 2:
        f.append("l2=" + nf[-2:])
    if len(nf) >= 3:
        f.append("f2=" + nf[:2])
    if nf[0].isascii() and nf[0].isalpha():
        # Latin case: Google (Aa), NHK (AA), iPhone (aA), said (a)
        f.append("case=" + ("A" if nf[0].isupper() else "a") + ("A" if nf[1:].isupper() else "a" if nf[1:] else ""))
    if m.oov:
        f.append("oov|" + sh)
    for typ in lx.load_lexicon().get(key, ()):
        f.append("lx=" + typ)
    for typ in (gazetteer or {}).get(key, ()):
        f.append("gz=" + typ)
    if key in lx.ORG_LEXICON:
        f.append("orglex")
    if lx.is_title(s):
        f.append("title")
    if s in lx.STRONG_HEADS or s in lx.WEAK_HEADS:
        f.append("head")
    elif s in lx.PROPER_HEADS:
        f.append("phead")
    if s in lx.NOT_ORG:
        f.append("notorg")
    if s in lx.PLACE_SUFFIXES:
        f.append("psuf")
    if s in lx.GENERIC_STEMS:
        f.append("generic")
    if s in lx.COMPANY_PREFIXES:
        f.append("company")
    if s[0] in lx.COUNTRY_READINGS and lx.country_letters(s, m.reading):
        f.append("cl=%d" % min(len(s), 2))
    if m.a_units:
        last = m.a_units[-1].term
        f.append("au=" + last)
        f.append("af=" + m.a_units[0].term)
        if last in lx.ALL_HEADS:
            f.append("auhead")
    return f


def left_key(ms, i: int):
    """The morpheme before i, unless i starts the text or a sentence."""
    if i == 0 or ms[i - 1].end != ms[i].start:
        return None
    p = ms[i - 1]
    if p.surface in lx.SENTENCE_ENDS or p.surface.isspace():
        return None
    return (p.surface, p.pos)


def left_features(key) -> list:
    if key is None:
        return ["L=^"]
    s, pos = key
    f = ["L=" + lx.fold_key(s), "Lp=" + pos[0] + pos[1], "Lk=%d" % kind_of[pos]]
    if lx.is_title(s):
        f.append("Ltitle")
    if s in lx.OPEN_BRACKETS:
        f.append("Lq")
    if s in lx.COMPANY_PREFIXES:
        f.append("Lcompany")
    return f


def right_key(ms, j: int):
    """The morpheme after j."""
    n = len(ms)
    if j + 1 >= n or ms[j + 1].start != ms[j].end or ms[j + 1].surface.isspace():
        return None
    nxt = ms[j + 1]
    return (nxt.surface, nxt.pos)


def right_features(key) -> list:
    if key is None:
        return ["R=$"]
    s, pos = key
    f = ["R=" + lx.fold_key(s), "Rp=" + pos[0] + pos[1], "Rk=%d" % kind_of[pos]]
    if lx.is_title(s):
        f.append("Rtitle")
    if s in lx.CLOSE_BRACKETS:
        f.append("Rq")
    if s in lx.COMPANY_PREFIXES:
        f.append("Rcompany")
    return f


def tag_key(kinds, i: int, first: int, last: int, rtags, gtags, ztags) -> tuple:
    """The kinds of the morpheme and of its neighbours inside the segment
    (-1: the segment ends there), and its rule, lexicon and gazetteer tags."""
    return (
        kinds[i - 1] if i > first else -1,
        kinds[i],
        kinds[i + 1] if i + 1 < last else -1,
        rtags[i],
        gtags[i],
        ztags[i],
    )


def tag_features(key) -> list:
    """Kind bigrams inside the segment, the rule system's verdict and the
    lexicon's runs over the morpheme."""
    pk, k, nk, rtag, gtag, ztag = key
    f = [
        "kk=%d|%d" % (pk, k),
        "kn=%d|%d" % (k, nk),
        "kkn=%d|%d|%d" % (pk, k, nk),
        "r=" + rtag,
        "r|k=%s|%d" % (rtag, k),
    ]
    if gtag:
        f.append("g=" + gtag)
        f.append("g|r=" + gtag + "|" + rtag)
    if ztag:
        f.append("z=" + ztag)
        f.append("z|r=" + ztag + "|" + rtag)
    return f


def segment_keys(ms, first: int, last: int) -> tuple:
    """What the whole segment says to each of its morphemes, in two parts
    cached apart (each has few distinct values): the word just after it
    (氏, 社長, が) and its last word (the head: 社, 大学, 党) with its length."""
    if last < len(ms) and ms[last].start == ms[last - 1].end:
        after = (ms[last].surface, ms[last].pos[0])
    else:
        after = ("", "")
    return after, (ms[last - 1].surface, min(last - first, 4))


def after_features(key, place: str) -> list:
    """``place``: where the morpheme stands in the segment, S (alone), B
    (first), M (inside) or E (last)."""
    right, rpos = key
    f = ["SR=%s|%s" % (lx.fold_key(right), place), "SRp=%s|%s" % (rpos, place)]
    if lx.is_title(right):
        f.append("SRtitle|" + place)
    return f


def head_features(key, place: str) -> list:
    head, n = key
    if n == 1:
        return []
    return ["Sh=%s|%s" % (lx.fold_key(head), place), "Sn=%d|%s" % (n, place)]


def place_in(i: int, first: int, last: int) -> str:
    if last - first == 1:
        return "S"
    return "B" if i == first else "E" if i == last - 1 else "M"


def features(ms, kinds, i: int, first: int, last: int, rtags, gtags, ztags, gazetteer) -> list:
    """Every feature of morpheme i in segment [first, last) (the training
    script's view; decoding sums the same groups from caches)."""
    return (
        token_features(ms[i], kinds[i], gazetteer)
        + left_features(left_key(ms, i))
        + right_features(right_key(ms, i))
        + tag_features(tag_key(kinds, i, first, last, rtags, gtags, ztags))
        + after_features(segment_keys(ms, first, last)[0], place_in(i, first, last))
        + head_features(segment_keys(ms, first, last)[1], place_in(i, first, last))
    )


# ---------------------------------------------------------------------------
# Rule and lexicon tags per morpheme


def rule_tags(ms, ruled, starts=None) -> list:
    """B-type / I-type / P-type (a part of the morpheme) / O per morpheme,
    from the rule system's entities.  ``starts``: each morpheme's start."""
    tags = ["O"] * len(ms)
    if not ruled:
        return tags
    if starts is None:
        starts = [m.start for m in ms]
    n = len(ms)
    for e in ruled:
        i = bisect_right(starts, e.start) - 1  # the morpheme e starts in
        j = i
        while j < n and ms[j].end < e.end:
            j += 1
        if ms[i].start != e.start or j >= n or ms[j].end != e.end:
            # inside one morpheme: 日 of 日米, エリザベス of エリザベス女王
            for k in range(i, min(j + 1, n)):
                tags[k] = "P-" + e.type
            continue
        tags[i] = "B-" + e.type
        for k in range(i + 1, j + 1):
            tags[k] = "I-" + e.type
    return tags


_LEXICON_RUN = 6  # longest run of morphemes looked up as one name


def lexicon_tags(text, ms, segs, lexicon=None, prefixes=None) -> list:
    """B-type / I-type where a run of two or more morphemes of a segment is a
    name in ``lexicon`` (default: JMnedict's; 日本 サッカー 協会), longest run
    first.  ``prefixes``: the first two characters of its names."""
    tags = [""] * len(ms)
    if lexicon is None:
        lexicon, prefixes = lx.load_lexicon(), lx.lexicon_prefixes()
    if not lexicon:
        return tags
    if prefixes is None:
        prefixes = frozenset(name[:2] for name in lexicon)
    fold = lx.fold_key
    for first, last in segs:
        if last - first < 2:
            continue
        i = first
        while i < last - 1:
            found = 0
            head = fold(ms[i].surface)
            if len(head) < 2:
                head += fold(ms[i + 1].surface)[:1]
            if head[:2] in prefixes:
                for j in range(min(last, i + _LEXICON_RUN), i + 1, -1):
                    types = lexicon.get(fold(text[ms[i].start : ms[j - 1].end]))
                    if types:
                        typ = types[0]
                        tags[i] = "B-" + typ
                        for k in range(i + 1, j):
                            tags[k] = "I-" + typ
                        found = j
                        break
            i = found if found else i + 1
    return tags
