"""Query analysis: every form in which an article may hold each query word.

``analyze_query(tree, stats, synonyms)`` runs Sudachi once over each plain
chunk of the query (a Text node) and turns it into a :class:`Chunk`: its
words (all required), each with its match forms, and the phrase bonus.  A
:class:`Form` names a tier, the index stream it is looked up in and the
term(s):

=============  ==========  ================================================
tier           stream      the article holds ...
=============  ==========  ================================================
``surface``    terms       the word as typed (a katakana name Sudachi
                           normalises to something else out of context)
``normalized`` terms       the word's normalized form (附属 → 付属, 10万 → 100000)
``subunits``   terms       the compound's parts side by side (親善試合 in
                           国際親善試合 split otherwise)
``synonym``    terms       another form of a synonym set (日銀 → 日本銀行)
``kana``       terms       the kana word read another way (いんふるえんざ →
                           インフルエンザ)
``reading``    readings    a word with the same reading: other kanji for a
                           name (渡辺 → 渡邊), another okurigana (取消 →
                           取り消し), kana for kanji (てぬぐい → 手拭い)
``sound``      readings    a katakana word that sounds alike (ボランテア →
                           ボランティア)
``ngram``      ngrams      the characters inside a longer unknown word or a
                           compound segmented otherwise (シンスケ in
                           ヨシタケシンスケ)
=============  ==========  ================================================

Tiers are listed from the surest to the loosest; a form's ``weight``
multiplies its stream's field weight (index.config.FIELD_WEIGHTS), so the
loose tiers only lift an article when the surer ones did not match.  The
compiler (search.query.compiler), the highlighter, the explain view and the
analyze page all read this one object.  ``stats`` (the index's document
frequencies, or none) leaves out forms that cannot pay for themselves.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from index import config
from index.analysis import analyze, bigrams, fold
from index.kana import (
    has_kana,
    has_kanji,
    hira_to_kata,
    is_kana,
    is_katakana,
    kata_to_hira,
    reading_key,
    reading_prefix,
    sound_key,
)
from whoosh import query as wq

from search.query.names import name_phrases
from search.query.words import index_terms, same_word_spellings
from search.query.syntax import QuerySyntaxError, Text
from search.synonyms import SYNONYM_WEIGHT

TIERS = ("surface", "normalized", "subunits", "synonym", "kana", "reading", "sound", "ngram")
STREAMS = ("terms", "ngrams", "readings")

# Reading and sound-alike forms looked up among the words (not in the
# reading stream) weigh as much as the reading stream's: they are safety
# nets, below every word written as typed.
LOOSE_WEIGHT = config.FIELD_WEIGHTS["text_rd"] / config.FIELD_WEIGHTS["text"]

# The weight of a katakana run's character n-grams, relative to the n-gram
# field's: as much as the words' field (config.FIELD_WEIGHTS).
RUN_NGRAM_WEIGHT = config.FIELD_WEIGHTS["text"] / config.FIELD_WEIGHTS["text_ng"]

# At most this many spellings of one phrase are searched (the phrase as
# typed, then with synonyms in place): three sets in one phrase would
# otherwise multiply into dozens of phrase clauses.
MAX_PHRASE_VARIANTS = 8


@dataclass(frozen=True)
class Form:
    """One way an article may hold a word."""

    tier: str
    stream: str  # terms | ngrams | readings
    terms: tuple = ()  # one term, or a phrase's terms
    positions: tuple = ()  # a phrase's term positions (gaps where particles were)
    weight: float = 1.0
    shown: str = ""  # the form as a reader would recognise it
    # An interpretation: words that must all match (a kana chunk read in
    # katakana, a synonym set's typed form of several words).
    sub: tuple = ()
    prefix: bool = False  # terms[0] is a prefix (a reading, in any spelling)
    note: str = ""  # "number": a numeral's value as its normalized form

    @property
    def is_phrase(self) -> bool:
        return len(self.terms) > 1


@dataclass
class Word:
    """A word of the query: it must match, by any of its forms."""

    text: str  # as typed
    forms: list
    fine: list = field(default_factory=list)  # its finest (term, position) pairs


@dataclass
class Chunk:
    """A plain chunk of the query (a Text node), analysed."""

    text: str
    field: str | None  # None (title and body), title or body
    phrase: bool
    words: list  # every one must match
    bonus: list = field(default_factory=list)  # (term, position) of the phrase bonus, when 2+ words


class Stats:
    """What analysis asks of the index: document frequencies and IDF (none
    without an index)."""

    def __init__(self, reader=None, index_dir=None):
        """``index_dir``: the folder of ``reader``'s index, where what is
        read once per commit may be kept for the next process."""
        self.reader = reader
        self.index_dir = index_dir

    def doc_frequency(self, fieldname, term) -> int:
        return self.reader.doc_frequency(fieldname, term) if self.reader is not None else 0

    def expand_prefix(self, fieldname, prefix) -> list:
        """The terms of a field starting with ``prefix`` (at most 200)."""
        if self.reader is None:
            return []
        out = []
        for term in self.reader.expand_prefix(fieldname, prefix):
            out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(out) >= 200:
                break
        return out

    def sound_variants(self, key) -> list:
        """The words of the index that have this sound key (search.query.sounds)."""
        from search.query.sounds import sound_variants

        return sound_variants(self.reader, key, index_dir=self.index_dir)

    def has_phrase(self, fieldname, terms_with_pos) -> bool:
        """Whether some article holds these terms side by side (as a phrase
        of the query would find them)."""
        if self.reader is None:
            return False
        if not all(self.doc_frequency(fieldname, t) for t, _ in terms_with_pos):
            return False
        from whoosh.searching import Searcher

        form = _phrase_form("normalized", "terms", terms_with_pos)
        q = wq.Term(fieldname, form.terms[0]) if len(form.terms) == 1 else wq.Phrase(
            fieldname, list(form.terms), slop=1 + (form.positions[-1] - form.positions[0]) - (len(form.terms) - 1))
        searcher = Searcher(self.reader, closereader=False)
        for sub, _ in searcher.leaf_searchers():
            if q.matcher(sub, sub.boolean_context()).is_active():
                return True
        return False

    def idf(self, fieldname, term) -> float:
        """Whoosh's IDF, log(N / (df + 1)) + 1; 1 without an index."""
        n = self.reader.doc_count_all() if self.reader is not None else 0
        if not n:
            return 1.0
        return math.log(n / (self.doc_frequency(fieldname, term) + 1)) + 1


class _Counter:
    """Words searched so far in one query (config.MAX_QUERY_WORDS)."""

    def __init__(self):
        self.words = 0

    def add(self, n: int) -> None:
        self.words += n
        if self.words > config.MAX_QUERY_WORDS:
            raise QuerySyntaxError(f"the query has more than {config.MAX_QUERY_WORDS} words; "
                                   f"the limit is {config.MAX_QUERY_WORDS}")


# ---------------------------------------------------------------------------
# Pieces


def segments(morphemes, cuts=frozenset()):
    """Group indexed units: adjacent katakana/unknown units form one segment,
    except across a cut (the edge of a synonym form)."""
    out = []
    for i, m in enumerate(morphemes):
        if not m.indexed:
            continue
        if (out and i not in cuts and m.ngram_worthy and out[-1][-1].ngram_worthy
                and out[-1][-1].end == m.start):
            out[-1].append(m)
        else:
            out.append([m])
    return out


def fine_terms(morphemes):
    """The finest terms with their positions, as the index counts them."""
    out, pos = [], 0
    for m in morphemes:
        if not m.indexed:
            pos += 0 if m.joiner else 1
        elif m.a_units:
            for a in m.a_units:
                out.append((a.term, pos))
                pos += 1
        else:
            out.append((m.term, pos))
            pos += 1
    return out


def _phrase_form(tier, stream, terms_with_pos, weight=1.0, shown=""):
    terms = tuple(t for t, _ in terms_with_pos)
    positions = tuple(p for _, p in terms_with_pos)
    return Form(tier, stream, terms, positions if len(terms) > 1 else (), weight, shown)


def _ngram_form(text, weight=1.0):
    grams = bigrams(fold(text))
    if not grams:
        return None
    return Form("ngram", "ngrams", tuple(grams), tuple(range(len(grams))) if len(grams) > 1 else (), weight, text)


def _segment_forms(text, segment, stats) -> list:
    """The forms of one segment (a word, or a run of katakana/unknown words)."""
    forms = []
    if len(segment) == 1:
        m = segment[0]
        forms.append(Form("normalized", "terms", (m.term,), shown=m.normalized, note="number" if m.numeral else ""))
        surface = fold(m.surface)
        if surface != m.term and is_katakana(surface):
            # Out of context Sudachi may take a katakana name for another
            # word (クック as the adverb くっく); the article indexed the
            # name under its own form.
            forms.append(Form("surface", "terms", (surface,), shown=m.surface))
        if m.a_units:
            # The article may have the compound split into other C units.
            forms.append(_phrase_form("subunits", "terms", [(a.term, i) for i, a in enumerate(m.a_units)],
                                      shown=" ".join(a.term for a in m.a_units)))
        forms.extend(_reading_forms(m, stats))
        forms.extend(_sound_forms(surface if is_katakana(surface) else m.reading if _latin_word(m) else "",
                                  (m.term,), stats))
    else:
        run = text[segment[0].start : segment[-1].end]
        forms.append(_phrase_form("normalized", "terms", [(m.term, i) for i, m in enumerate(segment)], shown=run))
        forms.extend(_sound_forms("".join(fold(m.surface) for m in segment if not m.joiner),
                                  (fold("".join(m.surface for m in segment if not m.joiner)),), stats))
    # Bigrams find the word inside unknown words and coinages (シンスケ in
    # ヨシタケシンスケ).  A word the index already holds in many articles is
    # meant as itself: its bigram phrase would only cost time (it is the
    # slowest clause of a query) for a few stray matches.
    common = len(segment) == 1 and stats.doc_frequency("text", segment[0].term) >= config.NGRAM_FALLBACK_MAX_DF
    if segment[0].ngram_worthy and not common:
        # A run of katakana words typed as one (アンジェリナジョリー) is the word
        # itself when its characters are found in a row, however Sudachi cut
        # the article's: it weighs as much as a word, not as a safety net.
        weight = RUN_NGRAM_WEIGHT if len(segment) > 1 else 1.0
        ngram = _ngram_form(text[segment[0].start : segment[-1].end], weight)
        if ngram is not None:
            forms.append(ngram)
    return forms


# ---------------------------------------------------------------------------
# Readings and sounds (index.kana has the keys)

# Parts of speech whose words the index keys by reading (index.analysis).
_READ_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
# Readings shorter than this never match by reading alone: two kana are
# shared by too many words (かき: 柿, 牡蠣, 夏期, 下記).
MIN_READING_KANA = 3


def _latin_word(m) -> bool:
    return fold(m.surface).isascii() and not m.oov and is_katakana(m.reading or "")


def _more_than_the_word(stats, key_terms, term) -> bool:
    """Whether the reading stream holds more articles for these keys than the
    word itself has: otherwise the form would only score the same articles
    twice (日本 and ニッポン|日本) and find nothing new."""
    if stats.reader is None:
        return True
    return sum(stats.doc_frequency("text_rd", k) for k in key_terms) > stats.doc_frequency("text", term)


def _spelling_forms(typed, reading, stats, exclude_terms=(), sudachi_knew_it=True) -> list:
    """The other spellings of the same word that the index holds (JMdict,
    search.query.words): 取消 → 取り消し, 合いカギ → 合鍵, てぬぐい → 手拭い."""
    forms = []
    for spelling in same_word_spellings(typed, reading, sudachi_knew_it):
        terms = index_terms(spelling)
        if not terms or [t for t, _ in terms] in ([t] for t in exclude_terms):
            continue
        if stats.reader is not None and not stats.has_phrase("text", terms):
            continue
        forms.append(_phrase_form("reading", "terms", terms, LOOSE_WEIGHT, spelling))
    return forms


def _name_key_forms(reading, stats) -> list:
    """A name or place of this reading, in any kanji: the index keys proper
    nouns by reading (渡辺 and 渡邊 both ワタナベ|…, しゅうきんぺい → 習近平)."""
    reading = hira_to_kata(reading)
    if len(reading) < 2 or not is_kana(reading):
        return []
    return _keys_of_reading(reading, stats)


def _keys_of_reading(reading, stats) -> list:
    """One form per key of the reading stream that starts with this reading,
    whatever its kanji (ワタナベ|渡辺, ワタナベ|渡邊).  Expanded here, not as
    Whoosh's Prefix query: that one drops its boost in a segment where it
    expands to a single term, so scores would depend on how the index is
    cut into segments."""
    prefix = reading_prefix(reading)
    if stats.reader is None:  # no index to expand in (the analyze page without one)
        return [Form("reading", "readings", (prefix,), prefix=True, shown=hira_to_kata(reading))]
    return [Form("reading", "readings", (key,), shown=hira_to_kata(reading))
            for key in stats.expand_prefix("text_rd", prefix)]


def reading_forms_of(typed, reading, stats, exclude_terms=(), sudachi_knew_it=True) -> list:
    """Forms for a word known by its reading (typed in kana, or with kana in
    it): the other spellings of the same word, names and places of that
    reading, and the reading written in kana (てぬぐい for テヌグイ)."""
    reading = hira_to_kata(reading)
    if len(reading) < MIN_READING_KANA or not is_kana(reading):
        return []
    forms = _spelling_forms(typed, reading, stats, exclude_terms, sudachi_knew_it)
    forms.extend(_name_key_forms(reading, stats))
    for written in {kata_to_hira(reading), reading} - set(exclude_terms):
        if stats.reader is None or stats.doc_frequency("text", written):
            forms.append(Form("reading", "terms", (written,), weight=LOOSE_WEIGHT, shown=written))
    return forms


def _reading_forms(m, stats) -> list:
    """Other spellings with the same reading: of a name or place in kanji,
    any kanji (渡辺 → 渡邊, 四ツ谷 → 四谷); of another word, the spellings
    of the same word (other okurigana, kana: 取消 → 取り消し, 手拭い →
    手ぬぐい), never a homophone (講演 is not 公園)."""
    surface = fold(m.surface)
    if not m.reading or m.numeral or m.pos[0] not in _READ_POS or not has_kanji(surface):
        return []
    if m.proper_noun:
        keys = stats.expand_prefix("text_rd", reading_prefix(m.reading))
        if _more_than_the_word(stats, keys, m.term) and len(hira_to_kata(m.reading)) >= 2:
            return _keys_of_reading(m.reading, stats)
        return []
    if len(hira_to_kata(m.reading)) < MIN_READING_KANA:
        return []
    return _okurigana_forms(surface, m.reading, stats) + _spelling_forms(surface, m.reading, stats,
                                                                         exclude_terms=(m.term,))


def _okurigana_forms(typed, reading, stats) -> list:
    """The articles' words with the same reading and the same kanji, written
    with other okurigana (取消 → 取り消し, 読聞かせ → 読み聞かせ): the index keys
    every word with kana and kanji by READING|KANJI (index.analysis)."""
    key = reading_key(reading, typed)
    if not key or (stats.reader is not None and not stats.doc_frequency("text_rd", key)):
        return []
    return [Form("reading", "readings", (key,), shown=hira_to_kata(reading))]


def _sound_forms(katakana, exact_terms, stats) -> list:
    """Words of the index that sound like a katakana word (ミーテング →
    ミーティング, アイフォン → iPhone): search.query.sounds finds them in the
    index's lexicon by their sound key."""
    key = sound_key(katakana) if katakana else ""
    if not key:
        return []
    return [Form("sound", "terms", (term,), weight=LOOSE_WEIGHT, shown=term)
            for term in stats.sound_variants(key) if term not in exact_terms]


# ---------------------------------------------------------------------------
# Synonyms


def _synonym_factor(typed_score, other_score) -> float:
    """The weight of another form of a set: SYNONYM_WEIGHT, lowered when the
    other form would score higher than the form typed (a rarer word has the
    higher IDF), so that an article using it does not rank above one using
    the form typed for that reason alone.  Scores are estimated in IDF."""
    return SYNONYM_WEIGHT * min(1.0, typed_score / other_score) if other_score > 0 else SYNONYM_WEIGHT


def _typed_score(stats, morphemes) -> float:
    """What the form typed is searched by: each unit as a word and, for a
    compound, as the phrase of its parts; the clauses are ORed, so add up."""
    return sum(stats.idf("text", m.term) + sum(stats.idf("text", a.term) for a in m.a_units)
               for m in morphemes if m.indexed)


def _phrase_score(stats, morphemes) -> float:
    """A phrase scores the sum of its words."""
    return sum(stats.idf("text", t) for t, _ in fine_terms(morphemes))


def _synonym_forms(match, morphemes, stats) -> list:
    """One form per other form of the set ``match`` found: the form's word,
    or the phrase of its words when it has several, weighted by
    _synonym_factor.  (Not the form's parts, readings or bigrams: those
    clauses would add up to more than the form typed gets.)"""
    typed_score = _typed_score(stats, morphemes[match.first : match.last])
    out = []
    for alternative in match.alternatives:
        form_morphemes = analyze(alternative.text).morphemes
        words = [m for m in form_morphemes if m.indexed]
        if len(words) == 1:
            factor = _synonym_factor(typed_score, stats.idf("text", words[0].term))
            out.append(Form("synonym", "terms", (words[0].term,), weight=factor, shown=alternative.text))
        else:
            factor = _synonym_factor(typed_score, _phrase_score(stats, form_morphemes))
            out.append(_phrase_form("synonym", "terms", fine_terms(form_morphemes), factor, alternative.text))
    return out


def _phrase_variants(morphemes, matches, stats) -> list:
    """(fine terms with positions, weight factor, shown) of a phrase as typed
    and with other forms of its synonym sets in place; the order of the words
    is kept.  The phrase as typed comes first."""
    stretches, i = [], 0
    for match in matches:
        if i < match.first:
            stretches.append([(morphemes[i : match.first], 1.0)])
        typed = morphemes[match.first : match.last]
        options = [(typed, 1.0)]
        for alternative in match.alternatives:
            form_morphemes = analyze(alternative.text).morphemes
            factor = _synonym_factor(_phrase_score(stats, typed), _phrase_score(stats, form_morphemes))
            options.append((form_morphemes, factor))
        stretches.append(options)
        i = match.last
    if i < len(morphemes):
        stretches.append([(morphemes[i:], 1.0)])
    variants = []
    for combo in itertools.islice(itertools.product(*stretches), MAX_PHRASE_VARIANTS):
        ms = [m for part, _ in combo for m in part]
        terms = fine_terms(ms)
        if terms:
            shown = "".join(m.surface for m in ms)
            variants.append((terms, math.prod(f for _, f in combo), shown))
    return variants


# ---------------------------------------------------------------------------
# Chunks


def _words(text, morphemes, stats, synonyms) -> list:
    """The required words of a chunk: its segments, a synonym set's typed
    form being one word whose forms include the set's other forms."""
    matches = synonyms.matches(morphemes) if synonyms else []
    cuts = {i for match in matches for i in (match.first, match.last)}
    index_of = {id(m): i for i, m in enumerate(morphemes)}
    words, grouped = [], {}  # grouped: synonym match -> its segments' words
    for seg in segments(morphemes, cuts):
        word = Word(text[seg[0].start : seg[-1].end], _segment_forms(text, seg, stats), fine_terms(seg))
        i = index_of[id(seg[0])]
        match = next((m for m in matches if m.first <= i < m.last), None)
        if match is None:
            words.append(word)
        else:
            if match not in grouped:
                grouped[match] = []
                words.append(match)  # replaced below, once all its segments are in
            grouped[match].append(word)
    for k, item in enumerate(words):
        if not isinstance(item, Word):  # a synonym match
            typed = grouped[item]
            span = text[morphemes[item.first].start : morphemes[item.last - 1].end]
            typed_forms = typed[0].forms if len(typed) == 1 else [Form("normalized", "terms", sub=tuple(typed),
                                                                       shown=span)]
            words[k] = Word(span, typed_forms + _synonym_forms(item, morphemes, stats),
                            [f for w in typed for f in w.fine])
    return words


def _kana_word(text, words, fine, stats, synonyms) -> Word:
    """A chunk typed in kana is one word: Sudachi's reading of kana without
    context splits it anywhere (うえはらあいか: う, え, はら, あい, か), so it
    is matched as a whole, in any of these forms: the words as analysed, the
    katakana form (いんふるえんざ → インフルエンザ), anything with its reading
    (てぬぐい → 手拭い, しゅうきんぺい → 習近平) and its sound-alike key."""
    if len(words) == 1:
        forms = list(words[0].forms)
    else:
        forms = [Form("normalized", "terms", shown=text, sub=tuple(words))]
    kata = hira_to_kata(text)
    if kata != text:
        kata_words = _words(kata, analyze(kata).morphemes, stats, synonyms)
        if kata_words:
            forms.append(Form("kana", "terms", shown=kata, sub=tuple(kata_words)))
    knew_it = len(words) == 1 and len(words[0].fine) == 1 and not _unknown(text)
    forms.extend(reading_forms_of(text, kata, stats, exclude_terms=(fold(text), kata) + tuple(
        t for w in words for t, _ in w.fine), sudachi_knew_it=knew_it))
    forms.extend(_sound_forms(kata, (fold(text), kata), stats))
    forms.extend(_phrase_form("reading", "terms", terms, LOOSE_WEIGHT, spelling) for spelling, terms in name_phrases(text, stats))
    return Word(text, forms, fine)


def _unknown(text) -> bool:
    """Whether Sudachi reads ``text`` as a word it does not know."""
    return any(m.oov for m in analyze(text).morphemes)


def _chunk_reading_forms(morphemes, stats, share) -> list:
    """A chunk mixing kana and kanji that Sudachi cut into several words may
    be one word written otherwise (かたき討ち: か, たき, 討ち for 敵討ち): its
    whole reading is looked up too.  Attached to each of its ``share`` words
    with 1/share of the weight, the chunk matches when either all its words
    or this does (AND distributes over OR)."""
    reading = "".join(m.reading or "" for m in morphemes)
    typed = "".join(m.surface for m in morphemes)
    forms = _okurigana_forms(typed, reading, stats) + reading_forms_of(typed, reading, stats)
    return [Form(f.tier, f.stream, f.terms, f.positions, f.weight / share, f.shown, f.sub, f.prefix)
            for f in forms]


def analyze_text(node: Text, stats: Stats, synonyms=None, counter=None) -> Chunk | None:
    """The Chunk of one Text node, or None when it holds nothing to search."""
    text = node.text
    morphemes = analyze(text).morphemes
    fine = fine_terms(morphemes)
    if not fine:
        return None
    (counter or _Counter()).add(sum(1 for m in morphemes if m.indexed))
    if node.phrase:
        matches = synonyms.matches(morphemes) if synonyms else []
        forms = [_phrase_form("normalized" if k == 0 else "synonym", "terms", terms, factor, shown)
                 for k, (terms, factor, shown) in enumerate(_phrase_variants(morphemes, matches, stats))]
        if all(m.ngram_worthy for m in morphemes if m.indexed):
            ngram = _ngram_form(text)
            if ngram is not None:
                forms.append(ngram)
        return Chunk(text, node.field, True, [Word(text, forms, fine)])
    words = _words(text, morphemes, stats, synonyms)
    if not words:
        return None
    if is_kana(text):
        return Chunk(text, node.field, False, [_kana_word(text, words, fine, stats, synonyms)], [])
    if len(words) > 1 and has_kana(text) and has_kanji(text):
        extra = _chunk_reading_forms(morphemes, stats, len(words))
        for word in words:
            word.forms.extend(extra)
    return Chunk(text, node.field, False, words, fine if len(words) > 1 else [])


def analyze_query(tree, stats: Stats, synonyms=None) -> dict:
    """{id(Text node): Chunk} for every Text node of the tree."""
    from search.query.syntax import And, Not, Or

    counter = _Counter()
    out = {}

    def walk(node):
        if isinstance(node, Text):
            chunk = analyze_text(node, stats, synonyms, counter)
            if chunk is not None:
                out[id(node)] = chunk
        elif isinstance(node, Not):
            walk(node.child)
        elif isinstance(node, (And, Or)):
            for child in node.children:
                walk(child)
        elif node is not None:
            counter.add(1)  # a field value or a date: one word's cost

    walk(tree)
    return out


__all__ = ["Chunk", "Form", "Stats", "TIERS", "Word", "analyze_query", "analyze_text", "fine_terms", "segments"]
