"""Japanese text analysis: one SudachiPy pass per text, every derived stream.

``analyze(text)`` runs Sudachi once (split mode C) and returns an
:class:`Analysis`: the morphemes with their normalized form, reading, part of
speech, character offsets and their mode-A/B sub-units.  Everything the index
needs is derived from that one object:

* ``MorphTokenizer``   search terms: normalized forms of each C unit plus its
                       B and A sub-units, so 都庁 and 東京 find 東京都庁;
* ``NgramTokenizer``   character bigrams over katakana runs and words the
                       dictionary does not know (ヨシタケシンスケ);
* ``ReadingTokenizer`` katakana readings of proper nouns (しゅうきんぺい → 習近平);
* ``index.entities``   people, places and organisations.

Whoosh calls each field's analyzer separately on the same text; a small
per-process cache keyed by the text makes the second and later fields reuse
the first pass instead of tokenizing again.

Positions count mode-A units: a C unit that splits into n A units occupies n
positions, its A units sit on consecutive positions and the C term on the
first.  A phrase written with any granularity therefore matches: 親善試合 (the
query's one C unit, split to 親善+試合) matches inside 国際親善試合.  Particles,
auxiliaries, punctuation and whitespace are not indexed but still advance the
position, so phrases do not jump over them.

The Sudachi objects live in module globals created lazily once per process:
Whoosh pickles the schema with its analyzers, and Sudachi objects must not be
part of that state.

An index may have a user dictionary (``index.userdict``: words the newsroom
added).  Which dictionary analyses a text is a context setting, not an
argument threaded through Whoosh: ``with using_dictionary(d):`` makes every
analysis in that context (indexing, query compiling, the analyze page) use
``d``; each thread keeps one Sudachi tokenizer per dictionary it has seen, and
the analysis cache is keyed by the dictionary too.  Writer worker processes
are forked inside the context and inherit it.
"""

from __future__ import annotations

import contextvars
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field

from whoosh.analysis import Token, Tokenizer

from index.kana import has_kanji, hira_to_kata, is_kana, is_katakana, reading_key

ANALYZER_VERSION = 8

# Sudachi refuses inputs above 49,149 bytes; a chunk of 4,000 characters is at
# most 16,000 bytes in UTF-8, and splitting at line ends keeps words whole.
_MAX_CHUNK_CHARS = 4000

NAME_JOINERS = frozenset("・･=＝")

# Part-of-speech heads that carry no search meaning on their own.
_UNINDEXED_POS = frozenset({"補助記号", "空白", "助詞", "助動詞"})

_local = threading.local()


@dataclass(frozen=True)
class UserDictionary:
    """The dictionary analysis uses: Sudachi's system dictionary, plus a
    compiled user dictionary when ``path`` is set.  ``version`` is recorded
    with every article it analyses (see index.userdict)."""

    path: str | None = None
    version: int = 0


SYSTEM_DICTIONARY = UserDictionary()
_active_dictionary = contextvars.ContextVar("user_dictionary", default=SYSTEM_DICTIONARY)


def active_dictionary() -> UserDictionary:
    """The dictionary analyses in this context use."""
    return _active_dictionary.get()


@contextmanager
def using_dictionary(dictionary: UserDictionary | None):
    """Analyse with ``dictionary`` (None: the system dictionary alone) inside the block."""
    token = _active_dictionary.set(dictionary or SYSTEM_DICTIONARY)
    try:
        yield
    finally:
        _active_dictionary.reset(token)


class _Sudachi:
    """A Sudachi dictionary and its tokenizer, for one thread."""

    def __init__(self, user_path: str | None):
        from sudachipy import Config, Dictionary

        config = Config(user=[user_path]) if user_path else None
        self.dictionary = Dictionary(config=config, dict="core") if config else Dictionary(dict="core")
        self.tokenizer = self.dictionary.tokenizer()


def _sudachi() -> _Sudachi:
    """This thread's Sudachi for the active dictionary, created on first use.

    One per thread: a SudachiPy tokenizer is not safe to share between threads
    (the web server answers requests on several).
    """
    instances = getattr(_local, "sudachi", None)
    if instances is None:
        instances = _local.sudachi = {}
    path = active_dictionary().path
    instance = instances.get(path)
    if instance is None:
        instance = instances[path] = _Sudachi(path)
    return instance


def load_tokenizer() -> None:
    """Create this thread's Sudachi for the active dictionary now: a process
    about to fork workers does it once, and they inherit it instead of each
    loading the dictionary again."""
    _sudachi()


def _split_modes():
    from sudachipy import SplitMode

    return SplitMode.A, SplitMode.B, SplitMode.C


# ---------------------------------------------------------------------------
# The one pass


def fold(text: str) -> str:
    """The form every index and query term takes: NFKC, then lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(slots=True)
class SubUnit:
    term: str
    start: int
    end: int


@dataclass(slots=True)
class Morpheme:
    """One split-mode C unit, with everything later stages ask of it."""

    surface: str
    normalized: str
    reading: str
    pos: tuple
    start: int  # character offsets into the analysed text
    end: int
    oov: bool
    term: str  # fold(normalized): the search term
    a_units: list = field(default_factory=list)  # SubUnit, only when it splits
    b_units: list = field(default_factory=list)
    entity: str = ""  # person, place or org for a user-dictionary word given one

    @property
    def indexed(self) -> bool:
        return self.pos[0] not in _UNINDEXED_POS

    @property
    def joiner(self) -> bool:
        """The dot or equals sign inside a foreign name (キム・ヨナ,
        ジャン＝ピエール): not indexed, and it takes no position, so the
        name's parts are adjacent for phrases and readers may leave it out."""
        return self.surface in NAME_JOINERS

    @property
    def person_name(self) -> bool:
        return self.proper_noun and self.pos[2] == "人名"

    @property
    def proper_noun(self) -> bool:
        return self.pos[0] == "名詞" and self.pos[1] == "固有名詞"

    @property
    def numeral(self) -> bool:
        return self.pos[1] == "数詞"

    @property
    def ngram_worthy(self) -> bool:
        """Katakana words and unknown words get character bigrams too."""
        if not self.indexed or self.numeral:
            return False
        return self.oov or is_katakana(fold(self.surface))


@dataclass(slots=True)
class Analysis:
    text: str
    morphemes: list

    _entities: list | None = None

    @property
    def entities(self):
        """Named entities of this text, extracted once from these morphemes,
        plus the user-dictionary words given an entity type that the rules
        did not already cover."""
        if self._entities is None:
            from index.entities import Entity, extract_entities

            found = extract_entities(self)
            # A word the newsroom added with an entity type is that entity,
            # whatever span the extractor chose around it.
            for m in self.morphemes:
                if m.entity:
                    found = [e for e in found if not (e.start < m.end and m.start < e.end)]
                    found.append(Entity(self.text[m.start : m.end], m.entity, m.start, m.end))
            found.sort(key=lambda e: e.start)
            self._entities = found
        return self._entities


@dataclass(slots=True)
class Part:
    offset: int  # where this part starts in the combined text
    analysis: Analysis
    boost: float  # weight of each of its terms (title words count more)


@dataclass(slots=True)
class Composite:
    """Several texts indexed as one field: title and body in ``text``."""

    text: str
    parts: list


# Parts of a combined text are separated by this, and their positions by a gap,
# so neither a phrase nor a snippet runs from the title into the body.
PART_SEPARATOR = "\n"
_PART_POSITION_GAP = 2


def body_position(title: str) -> int:
    """Where the body's terms start in a combined title + body field: after
    the title's last position and the gap (see _StreamTokenizer)."""
    last = max((pos for _, pos, _, _ in morph_terms(analyze(title).morphemes)), default=-1)
    return last + 1 + _PART_POSITION_GAP


def combine(parts) -> str:
    """Analyse ``[(text, boost), ...]`` (each text once, through the cache)
    and register their combination, so a field given the returned string
    indexes every part with its own boost and offsets, without a second pass."""
    combined, pieces, offset = [], [], 0
    for text, boost in parts:
        pieces.append(Part(offset, analyze(text), boost))
        combined.append(text)
        offset += len(text) + len(PART_SEPARATOR)
    text = PART_SEPARATOR.join(combined)
    _remember(text, Composite(text, pieces))
    return text


def sudachi_chunks(text: str):
    """(offset, chunk) pieces short enough for Sudachi, cut at line ends."""
    n = len(text)
    start = 0
    while start < n:
        end = min(n, start + _MAX_CHUNK_CHARS)
        if end < n:
            cut = text.rfind("\n", start, end)
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


def _sub_units(m, mode, offset):
    subs = m.split(mode)
    if len(subs) <= 1:
        return []
    return [SubUnit(fold(s.normalized_form()), s.begin() + offset, s.end() + offset) for s in subs]


# Entity types a user-dictionary word may carry in its Sudachi user data.
USER_ENTITY_TYPES = ("person", "place", "org")


def _run_sudachi(text: str) -> list:
    sudachi = _sudachi()
    tok = sudachi.tokenizer
    mode_a, mode_b, mode_c = _split_modes()
    out = []
    for offset, chunk in sudachi_chunks(text):
        for m in tok.tokenize(chunk, mode_c):
            pos = m.part_of_speech()
            surface = m.surface()
            morph = Morpheme(
                surface=surface,
                normalized=m.normalized_form(),
                reading=m.reading_form(),
                pos=pos,
                start=m.begin() + offset,
                end=m.end() + offset,
                oov=m.is_oov(),
                term="",
            )
            morph.term = fold(morph.normalized)
            # Only multi-character content words can split; asking the others
            # costs a call per morpheme for nothing.
            if len(surface) > 2 and pos[0] in ("名詞", "接頭辞", "形状詞"):
                morph.a_units = _sub_units(m, mode_a, offset)
                if morph.a_units:
                    morph.b_units = _sub_units(m, mode_b, offset)
            if m.dictionary_id() > 0 and not morph.oov:  # a user-dictionary word
                entity = m.user_data()
                morph.entity = entity if entity in USER_ENTITY_TYPES else ""
            if out and morph.numeral and out[-1].pos[2:4] == ("人名", "姓"):
                out.extend(_given_name_in_numeral(sudachi.dictionary, morph))
            else:
                out.append(morph)
    return out


_KANJI_DIGITS = "〇一二三四五六七八九"


def _given_name_in_numeral(dictionary, numeral: Morpheme) -> list:
    """A numeral right after a surname that starts with a given name, split.

    Sudachi joins kanji digits into one number after choosing the best path,
    so 加藤一二三九段 comes out as 加藤 + 1239 + 段 and the name 一二三 is
    lost (加藤一二三さん, where no digit follows, is fine).  A run of bare
    kanji digits right after a surname is almost always a given name: when
    the dictionary has a given name (人名,名) that begins the run, it becomes
    that name and the rest stays a number.
    """
    surface = numeral.surface
    if len(surface) < 2 or not all(c in _KANJI_DIGITS for c in surface):
        return [numeral]
    for length in range(len(surface), 1, -1):
        for entry in dictionary.lookup(surface[:length]):
            if entry.part_of_speech()[2:4] == ("人名", "名"):
                name = Morpheme(
                    surface=surface[:length],
                    normalized=entry.normalized_form(),
                    reading=entry.reading_form(),
                    pos=tuple(entry.part_of_speech()),
                    start=numeral.start,
                    end=numeral.start + length,
                    oov=False,
                    term=fold(entry.normalized_form()),
                )
                out = [name]
                rest = surface[length:]
                if rest:
                    digits = "".join(str(_KANJI_DIGITS.index(c)) for c in rest)
                    out.append(Morpheme(rest, digits, "", numeral.pos, name.end, numeral.end, False, digits))
                return out
    return [numeral]


_CACHE_SIZE = 8


def _cache() -> dict:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    return cache


def _key(text):
    # The same text analyses differently under another user dictionary.
    return active_dictionary().path, text


def _remember(text, result):
    cache = _cache()
    if len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[_key(text)] = result


def analyze(text: str) -> Analysis:
    """Analyse ``text`` once; repeated calls with the same text reuse the pass."""
    hit = _cache().get(_key(text))
    if isinstance(hit, Analysis):
        return hit
    result = Analysis(text, _run_sudachi(_sudachi_safe(text)) if text else [])
    _remember(text, result)
    return result


_SURROGATE = re.compile("[\ud800-\udfff]")


def _sudachi_safe(text: str) -> str:
    """Sudachi takes only valid Unicode: a lone surrogate (an undecodable byte
    from the command line, a broken JSON escape) becomes U+FFFD, one character
    for one, so every offset still points into the original text."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)


def _parts_of(text: str) -> list:
    """The parts a field value stands for: a registered combination, or the
    text alone with weight 1."""
    hit = _cache().get(_key(text))
    if isinstance(hit, Composite):
        return hit.parts
    return [Part(0, analyze(text), 1.0)]


# ---------------------------------------------------------------------------
# Streams derived from an Analysis


def morph_terms(morphemes):
    """(term, position, start, end) for the morphological search field."""
    pos = 0
    for m in morphemes:
        if not m.indexed:
            pos += 0 if m.joiner else 1
            continue
        yield m.term, pos, m.start, m.end
        if m.a_units:
            a_starts = {}
            for i, a in enumerate(m.a_units):
                a_starts.setdefault(a.start, pos + i)
                if a.term != m.term:
                    yield a.term, pos + i, a.start, a.end
            seen = {a.term for a in m.a_units}
            seen.add(m.term)
            for b in m.b_units:
                if b.term not in seen:
                    yield b.term, a_starts.get(b.start, pos), b.start, b.end
            pos += len(m.a_units)
        else:
            pos += 1


def ngram_runs(morphemes):
    """Runs of adjacent katakana or unknown morphemes that need bigrams: (start, end).

    A run gets bigrams when it holds a word the dictionary does not know
    (ヨシタケシンスケ) or joins several words into one coinage
    (ガンダム + エース, or シーバス・リーガル across its dot).  A single known
    katakana word (スマートフォン) does not: its own term already finds it,
    and its bigrams would only make the n-gram postings long and every
    katakana query slow.
    """
    run = []  # the run's words, without joiners
    pending_joiner, joiner_end = False, None

    def flush():
        if run and (len(run) > 1 or run[0].oov):
            yield run[0].start, run[-1].end

    for m in morphemes:
        if m.ngram_worthy and (not run or m.start == run[-1].end or (pending_joiner and m.start == joiner_end)):
            run.append(m)
            pending_joiner = False
            continue
        if m.joiner and run and m.start == run[-1].end and not pending_joiner:
            pending_joiner, joiner_end = True, m.end
            continue
        yield from flush()
        run = [m] if m.ngram_worthy else []
        pending_joiner = False
    yield from flush()


def bigrams(text: str):
    """Character bigrams of a folded run; a one-character run is its own gram."""
    if len(text) < 2:
        return [text] if text else []
    return [text[i : i + 2] for i in range(len(text) - 1)]


def ngram_terms(text: str, morphemes):
    """(gram, position, start, end) for the n-gram field."""
    pos = 0
    for start, end in ngram_runs(morphemes):
        # Joiners are left out, so キムヨナ typed without the dot meets キム・ヨナ.
        kept = [i for i in range(start, end) if text[i] not in NAME_JOINERS]
        run = fold("".join(text[i] for i in kept))
        # NFKC may change the length (ｶﾞ → ガ): offsets then span the run.
        exact = len(run) == len(kept)
        for i, gram in enumerate(bigrams(run)):
            if exact:
                yield gram, pos, kept[i], kept[i + len(gram) - 1] + 1
            else:
                yield gram, pos, start, end
            pos += 1
        pos += 1  # no phrase across two runs


# Parts of speech whose words get a reading key: the words a reader may
# write with other kanji, other okurigana or in kana.
_READ_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})


def _keyed_by_reading(m, surface) -> bool:
    """Which words written with kanji get a reading key: names and places,
    which readers write in other kanji (渡辺 / 渡邊, 四ツ谷 / 四谷) or in kana,
    and words with kana and kanji, whose okurigana vary (取り消し / 取消し,
    読み聞かせ / 読聞かせ).  Other spellings of the same word (kana for kanji,
    合いカギ for 合鍵) the query finds in JMdict (search.query.words), which
    also keeps homophones out."""
    reading = hira_to_kata(m.reading)
    if m.proper_noun:
        return len(reading) >= 2
    return len(reading) >= 3 and any(not has_kanji(c) for c in surface)


def reading_terms(analysis):
    """(key, position, start, end) of the reading stream (index.kana):
    ``READING|SKELETON`` of the words written with kanji that a reader may
    write otherwise (_keyed_by_reading: 取り消し → トリケシ|取消, 四谷 →
    ヨツヤ|四谷), of each full name (姓 + 名) as one word (水樹奈々 →
    ミズキナナ|水樹奈奈) and of each person the extractor found (its parts'
    readings joined).

    Sound-alike katakana need no key here: the query looks them up in the
    words field's own lexicon (search.query.sounds).
    """
    seen = set()
    for key, pos, start, end in _reading_terms(analysis):
        if (key, start) not in seen:  # a full name found twice (as 姓 + 名, and as a person)
            seen.add((key, start))
            yield key, pos, start, end


def _reading_terms(analysis):
    morphemes = analysis.morphemes
    text = analysis.text
    name, name_pos = [], 0  # the person-name parts just before this morpheme

    def full_name():
        if len(name) > 1:
            key = reading_key("".join(p.reading for p in name), text[name[0].start : name[-1].end])
            if key:
                yield key, name_pos, name[0].start, name[-1].end

    for pos, m in enumerate(morphemes):
        if m.person_name and name and m.start == name[-1].end:
            name.append(m)
        else:
            yield from full_name()
            name, name_pos = ([m] if m.person_name else []), pos
        if not m.indexed or m.numeral or not m.reading:
            continue
        surface = fold(m.surface)
        if m.pos[0] in _READ_POS and has_kanji(surface) and _keyed_by_reading(m, surface):
            key = reading_key(m.reading, surface)
            if key:
                yield key, pos, m.start, m.end
    yield from full_name()
    for entity in analysis.entities:
        if entity.type == "person" and has_kanji(entity.text):
            parts = [m for m in morphemes if entity.start <= m.start and m.end <= entity.end]
            if len(parts) > 1 and all(m.reading for m in parts):
                key = reading_key("".join(m.reading for m in parts), entity.text)
                if key:
                    yield key, morphemes.index(parts[0]), entity.start, entity.end


# ---------------------------------------------------------------------------
# Whoosh tokenizers over those streams


def part_streams(value, stream):
    """(part, [(text, position, start, end)], position base) for each part of
    a field value (title, body: see combine) and one of the streams above:
    each part's positions start after the previous part's last one and a
    gap, so no phrase runs from the title into the body.  The Whoosh
    tokenizers below and the array segment writer (index.segment_writer)
    both read the streams through this."""
    pos_base = 0
    for part in _parts_of(value):
        items = list(stream(part.analysis))
        yield part, items, pos_base
        # sub-units may come after a later position: the part ends at its largest
        last = max((pos for _, pos, _, _ in items), default=-1)
        pos_base += last + 1 + _PART_POSITION_GAP


class _StreamTokenizer(Tokenizer):
    """Base: turns a derived stream of (text, pos, start, end) into Tokens."""

    def stream(self, analysis):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not value:
            return
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for part, items, pos_base in part_streams(value, self.stream):
            offset = start_char + part.offset
            t.boost = part.boost
            for text, pos, start, end in items:
                t.text = text
                if keeporiginal:
                    t.original = text
                t.stopped = False
                if positions:
                    t.pos = start_pos + pos_base + pos
                if chars:
                    t.startchar = offset + start
                    t.endchar = offset + end
                yield t


class MorphTokenizer(_StreamTokenizer):
    def stream(self, analysis):
        return morph_terms(analysis.morphemes)


class NgramTokenizer(_StreamTokenizer):
    def stream(self, analysis):
        return ngram_terms(analysis.text, analysis.morphemes)


class ReadingTokenizer(_StreamTokenizer):
    def stream(self, analysis):
        return reading_terms(analysis)


def MorphAnalyzer():
    """Normalized forms and sub-units; terms are already folded."""
    return MorphTokenizer()


def NgramAnalyzer():
    return NgramTokenizer()


def ReadingAnalyzer():
    return ReadingTokenizer()


__all__ = [
    "ANALYZER_VERSION",
    "Analysis",
    "Morpheme",
    "SYSTEM_DICTIONARY",
    "UserDictionary",
    "active_dictionary",
    "analyze",
    "using_dictionary",
    "combine",
    "fold",
    "bigrams",
    "hira_to_kata",
    "is_kana",
    "is_katakana",
    "MorphAnalyzer",
    "NgramAnalyzer",
    "ReadingAnalyzer",
]
