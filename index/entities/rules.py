"""The rule system (extractor version 1): entities from Sudachi's tags and
the word lists, in two left-to-right scans over the morphemes.

Its findings are precise on what Sudachi's dictionary knows, and the tagger
(model.py) reads them as features; ``rule_entities`` is also the whole
extractor when no model is shipped.  Conventions (bench/entities/GUIDE.md):

1. organisations: a *head* (省, 庁, 党, 機構, 協会, 銀行, 大学, 府警 ...) ends a
   run of nouns; the run extends left over nouns, place names and proper
   nouns.  A generic head (大学, 銀行, 政府 ...) needs some proper evidence in
   the run (a place, a proper noun, a country letter, Latin letters, an
   unknown word) so that 私立大学 or 政府 alone stay untagged; 省 and 庁 do
   not (外務省, 警視庁).  Sudachi's 固有名詞,一般 tokens become organisations
   only when they end in a head (自民党, 早稲田大学) or are well-known
   (lexicon.ORG_LEXICON: NATO, NHK, トヨタ); other proper nouns (products,
   events, works) are skipped rather than guessed.  株式会社 / (株) before
   or after a name makes it an organisation.
2. places: 地名 tokens, with adjacent 地名 tokens and administrative suffixes
   merged (東京 都 → 東京都), country-letter compounds split per letter
   (日米 → 日, 米), and a lone country letter before a noun (米 政府高官 →
   米, 英首相 → 英).
3. people: runs of 人名 tokens (姓+名, 一般), joined across ・ and ＝ with
   katakana parts (ウィリアム・バーンズ); an unknown katakana word directly
   followed by a title (ゼレンスキー大統領) is a person too.  Titles and
   honorifics stay outside the name.  A one-letter 姓 or 名 needs a title or
   honorific after it.
"""

from __future__ import annotations

from . import lexicon as lx
from .entity import Entity
from .morphemes import (
    MEI,
    NOUN,
    NOUNISH,
    OTHER,
    PERSON_KINDS,
    PGEN,
    PLACE,
    PREFIX,
    PROPER,
    SEI,
    SUFFIX,
    SYMBOL,
    TIME,
    adjacent,
    is_katakana,
    is_latin,
)
from .morphemes import kinds as kinds_of


def rule_entities(analysis, kinds=None, trusted=None) -> list:
    """The rule system's entities of ``analysis``, by start, disjoint.

    ``trusted``, a set, receives the (start, end) of findings the tagger
    should not overrule because its training data hardly holds them (Latin
    names after an English title: President Joe Biden)."""
    ms = analysis.morphemes
    if not ms:
        return []
    scan = _Scan(analysis.text, ms, kinds if kinds is not None else kinds_of(ms))
    _OrgScan(scan).run()
    _PlacePersonScan(scan).run()
    found = _latin_people(scan)
    if trusted is not None:
        trusted.update(found)
    return scan.entities()


class _Scan:
    """What both scans share: the morphemes, which are taken, and the finds.

    A find is ``[first, last + 1, type]`` over morphemes, or ``("chars",
    start, end, type)`` for a part of one morpheme (日 of 日米).
    """

    def __init__(self, text, ms, kinds):
        self.text, self.ms, self.kinds = text, ms, kinds
        self.n = len(ms)
        self.taken = [False] * self.n
        self.out: list = []
        # only nouns, prefixes, suffixes and symbols can take part in a name
        self.visit = [i for i, k in enumerate(kinds) if k != OTHER and k != TIME]

    def take(self, i: int, j: int, typ: str) -> list:
        item = [i, j, typ]
        self.out.append(item)
        for t in range(i, j):
            self.taken[t] = True
        return item

    def take_chars(self, start: int, end: int, typ: str) -> None:
        self.out.append(("chars", start, end, typ))

    def entities(self) -> list:
        ms, text = self.ms, self.text
        found = []
        for item in self.out:
            if item[0] == "chars":
                _, start, end, typ = item
            else:
                i, j, typ = item
                start, end = ms[i].start, ms[j - 1].end
            found.append(Entity(text[start:end], typ, start, end))
        found.sort(key=lambda e: e.start)
        return found


def _walk(scan, step) -> None:
    """Call ``step(i)`` for each visitable morpheme i from the left; it
    returns the index where the walk goes on (> i), skipping what it took."""
    j = 0
    for i in scan.visit:
        if i >= j:
            j = step(i)


# ---------------------------------------------------------------------------
# People in Latin script


def _latin_people(scan) -> list:
    """President Joe Biden, Prime Minister Fumio Kishida, Mr. Tanaka: up to
    three capitalised Latin words after an English title are a person (the
    title stays outside, as in Japanese).  Returns their (start, end)."""
    ms, n = scan.ms, scan.n
    found = []
    forms = _LATIN_TITLE_FORMS
    for i in [i for i, m in enumerate(ms) if m.surface in forms]:
        k = i + 1
        if k < n and ms[k].surface == ".":
            k += 1  # Mr . (when Sudachi cuts the dot off)
        words = []
        while len(words) < 3 and k + 1 < n and ms[k].surface == " " and _latin_name(ms[k + 1]) and not scan.taken[k + 1]:
            words.append(k + 1)
            k += 2
        if words:
            scan.take(words[0], words[-1] + 1, "person")
            found.append((ms[words[0]].start, ms[words[-1]].end))
    return found


# President, PRESIDENT, Mr, Mr.: the written forms that lead a name.
_LATIN_TITLE_FORMS = frozenset(
    form for w in lx.LATIN_PERSON_TITLES for t in (w.capitalize(), w.upper()) for form in (t, t + ".")
)


def _latin_name(m) -> bool:
    s = m.surface
    return is_latin(s) and s[0].isupper() and s.lower() not in lx.LATIN_TITLES


# ---------------------------------------------------------------------------
# Organisations


def head_at(ms, kinds, j: int):
    """Does an organisation head end at morpheme j?

    Returns (head_start, mode) or None; mode is "proper" (a proper noun that
    names the organisation itself), "compound" (a common-noun compound whose
    modifier is inside the token: 外務省), or "strong"/"weak" (a bare head
    whose modifier must come from the morphemes before head_start).
    """
    kind = kinds[j]
    if kind not in NOUNISH and kind != SUFFIX:
        return None
    if kind == PROPER:
        return (j, "proper") if _proper_is_org(ms[j]) else None
    if kind in PERSON_KINDS:
        return None
    if kind == PLACE:
        # アップル ジャパン: a company's local arm.
        return (j, "weak") if ms[j].surface == "ジャパン" else None
    return _common_head(ms, kinds, j)


def _proper_is_org(m) -> bool:
    """A Sudachi proper noun that ends in an organisation head (野村證券,
    NTTドコモ, 自民党), unless it is a generic compound (私立高校)."""
    if m.a_units:
        if len(m.a_units) == 2 and m.a_units[0].term in lx.GENERIC_STEMS:
            return False
        last = m.a_units[-1].term
        if last in lx.PROPER_HEADS or last in lx.ORG_LEXICON:
            return True
    if len(m.surface) <= 1:
        return False
    for s in (m.surface, m.normalized) if m.normalized != m.surface else (m.surface,):
        for size in range(min(lx.MAX_HEAD_LEN, len(s) - 1), 0, -1):
            if s[-size:] in lx.PROPER_HEADS:
                return True
    return False


def _common_head(ms, kinds, j: int):
    m, kind = ms[j], kinds[j]
    s = m.surface
    # Two-morpheme heads: 大阪 府 警, 県 警; 福岡県 警 (a place then 警).
    if j > 0 and kind == SUFFIX and adjacent(ms, j):
        prev = ms[j - 1].surface
        pair = prev + s
        if pair in lx.ALL_HEADS:
            return j - 1, "strong" if pair in lx.STRONG_HEADS else "weak"
        if s == "警" and kinds[j - 1] == PLACE and prev[-1] in "都道府県":
            return j - 1, "compound"
    if s in lx.ALL_HEADS:
        if kind == SUFFIX and s in ("省", "庁") and j > 0 and kinds[j - 1] == NOUN and adjacent(ms, j):
            # 警視 庁, 国務 省: the suffix makes one word with the noun before.
            return j - 1, "compound"
        if kind == SUFFIX and s == "省" and j > 0 and kinds[j - 1] == PLACE and adjacent(ms, j):
            return None  # 湖南 省: a Chinese province (the place scan takes it)
        return j, "strong" if s in lx.STRONG_HEADS else "weak"
    if s in lx.NOT_ORG:
        return None
    return _compound_head(m, j)


def _compound_head(m, j: int):
    """A compound common noun whose last units are a head: 外務省 (strong,
    its modifier inside), 大学病院 (generic: the modifier must come first),
    東京地検特捜部 (a section of a named institution)."""
    s = m.surface
    if not m.a_units or len(s) <= 2:
        return None
    first = m.a_units[0]
    if s[: first.end - first.start] in lx.STOP_PREFIXES:
        return None
    for a in m.a_units[1:]:
        cut = a.start - m.start
        tail = s[cut:]
        if tail in lx.ALL_HEADS:
            return j, "compound" if tail in lx.STRONG_HEADS else "weak"
        if s[cut : a.end - m.start] in lx.STRONG_HEADS:
            return j, "compound"
    return None


def evidence(ms, kinds, i: int) -> bool:
    """Whether morpheme i makes a generic head specific."""
    kind = kinds[i]
    if kind in (PROPER, PLACE):
        return True
    if kind != NOUN:
        return False
    m = ms[i]
    s = m.surface
    return bool(
        m.oov
        or lx.lone_country(m)
        or is_latin(s)
        or s in lx.EVIDENCE_WORDS
        or lx.org_word(m)
    )


def _extend_left(scan, start: int, limit: int, places_only: bool) -> int:
    """First morpheme of the organisation whose head begins at ``start``:
    the run goes left over nouns (or, for a proper name, over places and
    country letters only: 米 NTT) for at most six morphemes."""
    ms, kinds, taken = scan.ms, scan.kinds, scan.taken
    i = start
    while i > limit and adjacent(ms, i) and start - i < 6:
        k = i - 1
        if taken[k]:
            break
        kind, s = kinds[k], ms[k].surface
        if places_only:
            if kind == PLACE or (kind == NOUN and lx.lone_country(ms[k])):
                i = k
                continue
            break
        if kind in (NOUN, PROPER, PLACE):
            if kind == NOUN and (lx.is_title(s) or s in lx.NOT_ORG and s not in lx.ALL_HEADS):
                break
            if kind == NOUN and len(s) == 1 and s in lx.STOP_PREFIXES:
                break  # 元 厚生労働省: a former ministry official, not a name
            i = k
        elif kind == SUFFIX:
            # 東京 都 ..., 北 大西洋 ...: a suffix inside a name needs a stem.
            if k == 0 or kinds[k - 1] not in (NOUN, PROPER, PLACE):
                break
            i = k
        elif kind == PREFIX:
            if s not in lx.STOP_PREFIXES:
                i = k
            break
        else:
            break
    return i


class _OrgScan:
    """Organisations: company forms, heads and the runs before them."""

    def __init__(self, scan):
        self.scan = scan
        self.last_end = -1  # morpheme index one past the previous organisation
        self.last_item = None

    def run(self):
        _walk(self.scan, self.step)

    def found(self, i: int, j: int) -> int:
        self.last_item = self.scan.take(i, j, "org")
        self.last_end = j
        return j

    def step(self, j: int) -> int:
        s = self.scan
        ms = s.ms
        if ms[j].surface in lx.COMPANY_PREFIXES:
            end = self._company_after(j)
            if end is not None:
                return self.found(j, end)
        head = self._head(j)
        if head is None:
            return j + 1
        head_start, mode = head
        if self._continues(head_start, mode):
            # 京都大学 病院, ソフトバンクグループ 株式会社, 読売 新聞
            self.last_item[1] = j + 1
            for t in range(head_start, j + 1):
                s.taken[t] = True
            self.last_end = j + 1
            return j + 1
        if mode == "section":
            return j + 1
        first = self._first(head_start, mode)
        if first is not None:
            self.found(first, j + 1)
        return j + 1

    def _company_after(self, j: int):
        """株式会社 トヨタ, (株) ドワンゴ: the name after a company prefix
        (unless the prefix closes the name before it: トヨタ 株式会社)."""
        s = self.scan
        ms, kinds = s.ms, s.kinds
        if adjacent(ms, j) and (self.last_end == j or (not s.taken[j - 1] and evidence(ms, kinds, j - 1))):
            return None
        k = j + 1
        while k < s.n and adjacent(ms, k) and kinds[k] in NOUNISH:
            if lx.is_title(ms[k].surface):
                break
            k += 1
        return k if k > j + 1 else None

    def _head(self, j: int):
        s = self.scan
        ms, kinds = s.ms, s.kinds
        m, kind = ms[j], kinds[j]
        if kind == NOUN and m.surface not in lx.ALL_HEADS and (len(m.surface) <= 2 or not m.a_units):
            head = None  # what head_at says of a plain common noun, sooner
        else:
            head = head_at(ms, kinds, j)
        if head is None and m.surface in lx.SECTIONS and self.last_end == j and kind in (NOUN, SUFFIX):
            return j, "section"
        if head is None and kind in NOUNISH and kind not in PERSON_KINDS and lx.org_word(m):
            return j, "lexicon"
        return head

    def _continues(self, head_start: int, mode: str) -> bool:
        """A head (or a section: 特捜部) right after an organisation continues it."""
        return (
            self.last_item is not None
            and self.last_end == head_start
            and mode != "lexicon"
            and adjacent(self.scan.ms, head_start)
        )

    def _first(self, head_start: int, mode: str):
        """The first morpheme of the organisation, or None when the run
        before a generic head holds no evidence."""
        s = self.scan
        ms, kinds = s.ms, s.kinds
        limit = max(self.last_end, 0)
        if mode in ("proper", "lexicon"):
            return _extend_left(s, head_start, limit, places_only=True)
        first = _extend_left(s, head_start, limit, places_only=False)
        if mode == "compound":
            return first
        if mode == "strong":
            return first if first < head_start else None
        if any(evidence(ms, kinds, t) for t in range(first, head_start)):
            return first
        # 山田 病院, 鴻海 精密 工業: a family name leading a generic head
        # names a company, school or hospital.
        k = first - 1
        if (
            first > limit
            and adjacent(ms, first)
            and kinds[k] == SEI
            and not s.taken[k]
            and ms[head_start].surface not in ("党", "政府", "軍")
            and not (k > 0 and adjacent(ms, k) and kinds[k - 1] in PERSON_KINDS)
        ):
            return k
        return None


# ---------------------------------------------------------------------------
# Places and people


class _PlacePersonScan:
    """Country letters, places and people, over what organisations left."""

    def __init__(self, scan):
        self.scan = scan

    def run(self):
        _walk(self.scan, self.step)

    def step(self, i: int) -> int:
        s = self.scan
        if s.taken[i]:
            return i + 1
        kind, m = s.kinds[i], s.ms[i]
        if kind == NOUN and 0 < len(m.surface) <= 4 and m.surface[0] in lx.COUNTRY_READINGS:
            end = self.country_letters(i)
            if end is not None:
                return end
        if kind == PLACE:
            return self.place(i)
        if kind in PERSON_KINDS or (kind == NOUN and m.oov and is_katakana(m.surface)):
            end = self.person(i)
            if end is not None:
                return end
        return i + 1

    # -- country letters ------------------------------------------------

    def country_letters(self, i: int):
        """日米 (one token), 米 中 (two), 英 独仏: one place per letter; a lone
        letter before a title or institution (米 政府高官, 英首相)."""
        s = self.scan
        ms, kinds, n = s.ms, s.kinds, s.n
        if i > 0 and kinds[i - 1] == TIME and adjacent(ms, i):
            return None  # 3日 米: a date
        k, total = i, 0
        while k < n and not s.taken[k] and (k == i or adjacent(ms, k)):
            if kinds[k] not in (NOUN, SUFFIX) or not lx.country_letters(ms[k].surface, ms[k].reading):
                break
            total += len(ms[k].surface)
            k += 1
        if total >= 2 and ms[i].surface == "日中" and k - i == 1 and not self._relation_after(k):
            total = 0  # 日中 is also "daytime"
        if total >= 2 or (total == 1 and self._lone_letter_ok(i, k)):
            for t in range(i, k):
                for off in range(ms[t].start, ms[t].end):
                    s.take_chars(off, off + 1, "place")
                s.taken[t] = True
            return k
        return self._letter_compound(i)

    def _relation_after(self, k: int) -> bool:
        ms = self.scan.ms
        return k < self.scan.n and adjacent(ms, k) and ms[k].surface in lx.RELATION_TAILS

    def _lone_letter_ok(self, i: int, k: int) -> bool:
        """米 政府高官, 英 首相, but not 中 or 日; 米 価格 reads ベイ too: want a
        title, a place, a name or an institution after the letter."""
        s = self.scan
        ms, kinds = s.ms, s.kinds
        if not lx.lone_country(ms[i]) or k >= s.n or not adjacent(ms, k):
            return False
        if kinds[k] in (PLACE, PROPER, SEI, MEI, PGEN):
            return True
        nxt = ms[k].surface
        return kinds[k] == NOUN and (
            lx.is_title(nxt) or nxt in lx.COUNTRY_COMPOUND_TAILS or nxt in lx.ALL_HEADS
        )

    def _letter_compound(self, i: int):
        """米大統領, 英首相 as one token: the leading letter is a place."""
        s = self.scan
        m = s.ms[i]
        if not m.a_units or len(m.a_units) < 2:
            return None
        a0, c = m.a_units[0], m.surface[0]
        if (
            a0.end - a0.start == 1
            and c in lx.LONE_COUNTRY
            and m.reading.startswith(lx.LONE_COUNTRY[c])
            and m.surface[1:] in lx.COUNTRY_COMPOUND_TAILS
        ):
            s.take_chars(m.start, m.start + 1, "place")
            s.taken[i] = True
            return i + 1
        return None

    # -- places -----------------------------------------------------------

    def place(self, i: int) -> int:
        """A 地名 with the 地名 and administrative suffixes after it (東京 都)."""
        s = self.scan
        ms, kinds = s.ms, s.kinds
        k = i + 1
        while k < s.n and not s.taken[k] and adjacent(ms, k):
            if kinds[k] == PLACE or (ms[k].surface in lx.PLACE_SUFFIXES and kinds[k] in (NOUN, SUFFIX)):
                k += 1
            else:
                break
        s.take(i, k, "place")
        return k

    # -- people -----------------------------------------------------------

    def person(self, i: int):
        s = self.scan
        ms, kinds = s.ms, s.kinds
        end = person_end(ms, kinds, s.taken, i)
        if end is None:
            return None
        start = self._joined_start(i)
        if end == i + 1 and kinds[i] in PERSON_KINDS:
            nxt = ms[end].surface if end < s.n and adjacent(ms, end) else ""
            if nxt in lx.MUNICIPAL:
                s.take(i, end + 1, "place")  # 安中 市: a family name that is a town
                return end + 1
        last = ms[end - 1]
        if last.a_units and len(last.a_units) > 1 and lx.is_title(s.text[last.a_units[-1].start : last.end]):
            # エリザベス女王 is one token: the title is not part of the name.
            for t in range(start, end):
                s.taken[t] = True
            s.take_chars(ms[start].start, last.a_units[-1].start, "person")
        else:
            s.take(start, end, "person")
        return end

    def _joined_start(self, i: int) -> int:
        """ドナルド・トランプ where only トランプ is a known name: go left
        over katakana parts joined by ・."""
        s = self.scan
        ms, kinds = s.ms, s.kinds
        start = i
        while (
            start >= 2
            and kinds[start - 1] == SYMBOL
            and ms[start - 1].surface in lx.NAME_JOINERS
            and not s.taken[start - 2]
            and adjacent(ms, start)
            and adjacent(ms, start - 1)
            and is_katakana(ms[start].surface)
            and name_part(ms, kinds, start - 2)
        ):
            start -= 2
        return start


def name_part(ms, kinds, k: int) -> bool:
    """A morpheme that can be one part of a ・-joined name: a person name, a
    katakana proper noun or unknown word; not a dictionary common noun
    (プロボクサー・亀田興毅, ボーカル・YUKA: a job, then the name)."""
    kind = kinds[k]
    if kind in PERSON_KINDS:
        return True
    m = ms[k]
    return (kind == PROPER or kind == NOUN and m.oov) and is_katakana(m.surface) and not lx.org_word(m)


def person_end(ms, kinds, taken, i: int):
    """One past the last morpheme of the person starting at i, or None."""
    n = len(ms)
    k = i + 1
    named = kinds[i] in PERSON_KINDS
    while k < n and not taken[k] and adjacent(ms, k):
        kk = kinds[k]
        if kk in PERSON_KINDS:
            named = True
            k += 1
        elif _joins_name(ms, kinds, taken, k):
            named = named or kinds[k + 1] in PERSON_KINDS
            k += 2
        else:
            break
    nxt = ms[k].surface if k < n and adjacent(ms, k) else ""
    titled = bool(nxt) and lx.is_title(nxt)
    if k == i + 1 and not titled and is_latin(ms[i].surface):
        return None  # Phone, RAM, Black: Latin "names" are mostly not people
    if i > 0 and k < n and ms[i - 1].surface in lx.OPEN_QUOTES and ms[k].surface in lx.CLOSE_QUOTES:
        return None  # 『プロメテウス』: a work's title, not a person
    if not named:
        # An unknown katakana word (or ・ chain) is a person only before a title.
        return k if titled else None
    if k == i + 1 and len(ms[i].surface) == 1 and kinds[i] != PGEN and not titled:
        return None  # 林, 森: a one-letter name needs 氏, さん or a title
    return k


def _joins_name(ms, kinds, taken, k: int) -> bool:
    """Is morpheme k a ・ or ＝ between two katakana name parts?"""
    return (
        kinds[k] == SYMBOL
        and ms[k].surface in lx.NAME_JOINERS
        and k + 1 < len(ms)
        and not taken[k + 1]
        and adjacent(ms, k + 1)
        and name_part(ms, kinds, k + 1)
        and is_katakana(ms[k - 1].surface)
    )
