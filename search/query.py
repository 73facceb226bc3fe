"""The query language: parse what a user typed, compile it to a Whoosh query.

Syntax (see README): plain Japanese text, no spaces needed; "a phrase";
AND, OR, NOT and -term; ( ) for grouping; field:value with title:,
tag:, category:, person:, place:, org:, source:; date:2012-09 and
date:[2012-01-01 TO 2012-06-30].  Words side by side must all match.

Each plain chunk of text is analysed like the index analyses articles; every
unit becomes a small OR of the ways an article can contain it (the word, its
sub-units as a phrase, its character bigrams if it is katakana or unknown,
its reading if it is a proper noun), and a chunk of several units gets an
optional phrase clause so the words side by side rank first.

Synonym sets (``search.synonyms``) are applied here, at query time: a run of
units that is a form of a set becomes an OR of the form typed and the set's
other forms, each of those weighted so that an article using it ranks a
little below one using the form typed; a phrase is tried with each form in
place, the words' order kept.  ``explain`` says how a query will be
expanded (synonyms, kana, numbers, normalized forms, era dates).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import unicodedata
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from index import config
from index.analysis import analyze, bigrams, fold, hira_to_kata, is_kana, is_katakana
from index.schema import fold_keyword
from index.textclean import remove_invisible
from search.datequery import DateIn
from search.inbody import only_in_body
from search.dates import DateError, describe_date, parse_bound, parse_date_range
from search.synonyms import SYNONYM_WEIGHT, Match

# At most this many spellings of one phrase are searched (the phrase as
# typed, then with synonyms in place): three sets in one phrase would
# otherwise multiply into dozens of phrase clauses.
MAX_PHRASE_VARIANTS = 8


class QuerySyntaxError(ValueError):
    """The query cannot be parsed; the message says where and why."""


FIELD_ALIASES = {
    "title": "title",
    "body": "body",
    "tag": "tags",
    "tags": "tags",
    "category": "category",
    "person": "person",
    "place": "place",
    "org": "org",
    "source": "source",
    "date": "date",
}
KEYWORD_QUERY_FIELDS = {"tags", "category", "person", "place", "org", "source"}


# ---------------------------------------------------------------------------
# AST


@dataclass
class Text:
    text: str
    field: str | None = None
    phrase: bool = False


@dataclass
class Keyword:
    field: str
    value: str


@dataclass
class DateSpan:
    start: object  # naive UTC datetime or None
    end: object
    text: str = ""  # as written: 平成24年, or [2012-01 TO 2012-06]


@dataclass
class Not:
    child: object


@dataclass
class And:
    children: list


@dataclass
class Or:
    children: list


# ---------------------------------------------------------------------------
# Lexer


def _lex(q: str):
    """Tokens: ('(',) (')',) ('-',) ('OP', AND|OR|NOT) ('FIELD', name)
    ('WORD', text) ('PHRASE', text) ('RANGE', lo, hi)."""
    i, n = 0, len(q)
    tokens = []
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append((c,))
            i += 1
        elif c == '"':
            phrase, i = _quoted(q, i)
            tokens.append(("PHRASE", phrase))
        elif c == "-" and i + 1 < n and not q[i + 1].isspace() and (i == 0 or q[i - 1].isspace() or q[i - 1] == "("):
            tokens.append(("-",))
            i += 1
        elif c == "[" and tokens and tokens[-1][0] == "FIELD":
            close = q.find("]", i + 1)
            if close < 0:
                raise QuerySyntaxError(f"unbalanced bracket: the [ at position {i + 1} is never closed")
            inner = q[i + 1 : close].strip()
            parts = inner.split(" TO ")
            if len(parts) != 2:
                raise QuerySyntaxError(f"a range is written [FROM TO UNTIL], e.g. [2012-01-01 TO 2012-06-30], not [{inner}]")
            tokens.append(("RANGE", parts[0].strip(), parts[1].strip()))
            i = close + 1
        else:
            j = i
            while j < n and not q[j].isspace() and q[j] not in '()"':
                j += 1
            word = q[i:j]
            i = j
            name, sep, rest = word.partition(":")
            if sep and name.lower() in FIELD_ALIASES:
                tokens.append(("FIELD", FIELD_ALIASES[name.lower()]))
                if rest.startswith("["):
                    i = i - len(word) + len(name) + 1  # lex the range from its [
                elif rest:
                    tokens.append(("WORD", rest))
                elif i >= n or q[i].isspace():
                    raise QuerySyntaxError(f"{name}: needs a value, e.g. {name}:ロシア")
            elif word in ("AND", "OR", "NOT"):
                tokens.append(("OP", word))
            else:
                tokens.append(("WORD", word))
    return tokens


def _quoted(q: str, i: int):
    """The text of the phrase whose opening quote is at ``i``, and where
    lexing goes on.  Inside quotes, \\" is a quote and \\\\ a backslash,
    so any text (a tag with a quote in it) can be written as a phrase."""
    out, j, n = [], i + 1, len(q)
    while j < n:
        c = q[j]
        if c == "\\" and j + 1 < n and q[j + 1] in '"\\':
            out.append(q[j + 1])
            j += 2
        elif c == '"':
            return "".join(out), j + 1
        else:
            out.append(c)
            j += 1
    raise QuerySyntaxError(f'unbalanced quote: the " at position {i + 1} is never closed')


def quote(text: str) -> str:
    """``text`` as one query word: quoted (with escapes) when it holds a space,
    a parenthesis or a quote, else as it is."""
    if not any(c.isspace() or c in '()"' for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_limits(tokens) -> None:
    """Refuse a query whose size, not its text, would make it slow: every
    operator, phrase and level of parentheses costs matcher work, and a deep
    nesting would exhaust the parser's recursion (config.MAX_QUERY_*)."""
    depth = deepest = operators = phrases = 0
    for tok in tokens:
        kind = tok[0]
        if kind == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == ")":
            depth -= 1
        elif kind in ("OP", "-"):
            operators += 1
        elif kind == "PHRASE":
            phrases += 1
    for count, limit, what in (
        (deepest, config.MAX_QUERY_DEPTH, "levels of parentheses"),
        (operators, config.MAX_QUERY_OPERATORS, "operators (AND, OR, NOT, -)"),
        (phrases, config.MAX_QUERY_PHRASES, "quoted phrases"),
        (len(tokens), config.MAX_QUERY_TOKENS, "words and operators"),
    ):
        if count > limit:
            raise QuerySyntaxError(f"the query has {count} {what}; the limit is {limit}")


# ---------------------------------------------------------------------------
# Parser (recursive descent; _check_limits bounds its depth)


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self):
        if not self.tokens:
            return None
        node = self.or_expr()
        if self.peek() is not None:
            tok = self.peek()
            if tok[0] == ")":
                raise QuerySyntaxError("unbalanced parenthesis: a ) has no matching (")
            raise QuerySyntaxError(f"unexpected {tok[-1]!r}")
        return node

    def or_expr(self):
        children = [self.and_expr()]
        while self.peek() == ("OP", "OR"):
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(children)

    def and_expr(self):
        children = [self.unary()]
        while True:
            tok = self.peek()
            if tok is None or tok[0] == ")" or tok == ("OP", "OR"):
                break
            if tok == ("OP", "AND"):
                self.take()
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(children)

    def unary(self):
        negations = 0
        while True:
            tok = self.peek()
            if tok is None:
                raise QuerySyntaxError("the query ends where a word was expected (after AND, OR, NOT or -)")
            if tok == ("OP", "NOT") or tok[0] == "-":
                self.take()
                negations += 1
            else:
                break
        node = self.primary()
        return Not(node) if negations % 2 else node

    def primary(self):
        tok = self.take()
        kind = tok[0]
        if kind == "(":
            if self.peek() is not None and self.peek()[0] == ")":
                raise QuerySyntaxError("empty parentheses ()")
            node = self.or_expr()
            if self.take() != (")",):
                raise QuerySyntaxError("unbalanced parenthesis: a ( is never closed")
            return node
        if kind == ")":
            raise QuerySyntaxError("unbalanced parenthesis: a ) has no matching (")
        if kind == "OP":
            raise QuerySyntaxError(f"{tok[1]} needs a word on each side")
        if kind == "WORD":
            return Text(tok[1])
        if kind == "PHRASE":
            return Text(tok[1], phrase=True)
        if kind == "FIELD":
            return self.field_value(tok[1])
        raise QuerySyntaxError(f"unexpected {tok!r}")  # pragma: no cover

    def field_value(self, field):
        tok = self.take()
        if tok is None or tok[0] not in ("WORD", "PHRASE", "RANGE"):
            raise QuerySyntaxError(f"{field}: needs a value")
        try:
            if field == "date":
                if tok[0] == "RANGE":
                    return DateSpan(parse_bound(tok[1], upper=False), parse_bound(tok[2], upper=True),
                                    text=f"[{tok[1]} TO {tok[2]}]")
                start, end = parse_date_range(tok[1])
                return DateSpan(start, end, text=tok[1])
        except DateError as exc:
            raise QuerySyntaxError(f"date: {exc}") from exc
        except OverflowError as exc:  # 0001-01-01 in JST is before year 1 in UTC
            raise QuerySyntaxError(f"date: {tok[1]!r} is out of range") from exc
        if tok[0] == "RANGE":
            raise QuerySyntaxError(f"{field}: does not take a range; only date: does")
        if field in KEYWORD_QUERY_FIELDS:
            return Keyword(field, tok[1])
        return Text(tok[1], field=field, phrase=tok[0] == "PHRASE")


def parse(querystring: str):
    """The AST of a query string, or None for an empty query."""
    if len(querystring) > config.MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is {len(querystring)} characters long; the limit is {config.MAX_QUERY_CHARS}")
    # A lone surrogate is not text (a command-line argument that was not
    # UTF-8 arrives as one); Sudachi cannot take it.
    for position, char in enumerate(querystring):
        if "\ud800" <= char <= "\udfff":
            raise QuerySyntaxError(f"the query is not valid text at position {position + 1} (not UTF-8?)")
    # Invisible characters (a zero-width space pasted with a word) go first,
    # as they went from the articles (index.textclean).  Then NFKC:
    # full-width quotes, colons, parentheses and spaces become the ASCII ones
    # the syntax uses, and half-width katakana becomes full-width.
    q = unicodedata.normalize("NFKC", remove_invisible(querystring))
    q = q.replace("“", '"').replace("”", '"').replace("「", '"').replace("」", '"')
    tokens = _lex(q)
    _check_limits(tokens)
    return _Parser(tokens).parse()


# ---------------------------------------------------------------------------
# Compiler


def _sources(field):
    return ("text",) if field is None else (field,)


def _segments(morphemes, cuts=frozenset()):
    """Group indexed units: adjacent katakana/unknown units form one segment,
    except across a cut (the edge of a synonym form)."""
    segments = []
    for i, m in enumerate(morphemes):
        if not m.indexed:
            continue
        if (segments and i not in cuts and m.ngram_worthy and segments[-1][-1].ngram_worthy
                and segments[-1][-1].end == m.start):
            segments[-1].append(m)
        else:
            segments.append([m])
    return segments


def _fine_terms(morphemes):
    """The query's finest terms with their positions, as the index counts them."""
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


def _phrase(field, terms_with_pos, boost):
    """Phrase over terms whose positions may have gaps (dropped particles)."""
    if len(terms_with_pos) == 1:
        return wq.Term(field, terms_with_pos[0][0], boost=boost)
    words = [t for t, _ in terms_with_pos]
    span = terms_with_pos[-1][1] - terms_with_pos[0][1]
    slop = 1 + (span - (len(words) - 1))
    return wq.Phrase(field, words, slop=slop, boost=boost)


def _ngram_query(field, text, boost):
    grams = bigrams(fold(text))
    if not grams:
        return None
    if len(grams) == 1:
        return wq.Term(field, grams[0], boost=boost)
    return wq.Phrase(field, grams, boost=boost)


def _segment_query(text, segment, sources, ctx):
    weights = ctx.weights
    alts = []
    for src in sources:
        w = weights[src]
        if len(segment) == 1:
            m = segment[0]
            alts.append(wq.Term(src, m.term, boost=w))
            surface = fold(m.surface)
            if surface != m.term and is_katakana(surface):
                # Out of context Sudachi may take a katakana name for another
                # word (クック as the adverb くっく); the article indexed the
                # name under its own form.
                alts.append(wq.Term(src, surface, boost=w))
            if m.a_units:
                # The article may have the compound split into other C units.
                alts.append(_phrase(src, [(a.term, i) for i, a in enumerate(m.a_units)], w))
            if m.proper_noun and m.reading and not is_kana(fold(m.surface)) and src + "_rd" in weights:
                # The reading finds other spellings of a name (渡邊 for 渡辺);
                # when no more articles carry the reading than the word, there
                # are none, and the clause would only score the same articles
                # twice (日本 and its reading ニッポン).
                if ctx.doc_frequency(src + "_rd", m.reading) > ctx.doc_frequency(src, m.term) or ctx.reader is None:
                    alts.append(wq.Term(src + "_rd", m.reading, boost=weights[src + "_rd"]))
        else:
            alts.append(_phrase(src, [(m.term, i) for i, m in enumerate(segment)], w))
        # Bigrams find the word inside unknown words and coinages
        # (シンスケ in ヨシタケシンスケ).  A word the index already holds in
        # many articles is meant as itself: its bigram phrase would only cost
        # time (it is the slowest clause of a query) for a few stray matches.
        common = len(segment) == 1 and ctx.doc_frequency(src, segment[0].term) >= config.NGRAM_FALLBACK_MAX_DF
        if segment[0].ngram_worthy and src + "_ng" in weights and not common:
            ng = _ngram_query(src + "_ng", text[segment[0].start : segment[-1].end], weights[src + "_ng"])
            if ng is not None:
                alts.append(ng)
    return alts[0] if len(alts) == 1 else wq.Or(alts)


def _text_query(text, sources, ctx, phrase):
    """(required query, optional phrase bonus or None) for one chunk of text."""
    weights = ctx.weights
    analysis = analyze(text)
    morphemes = analysis.morphemes
    fine = _fine_terms(morphemes)
    if not fine:
        return None, None
    ctx.count_words(sum(1 for m in morphemes if m.indexed))
    matches = ctx.synonyms.matches(morphemes) if ctx.synonyms else []
    if phrase:
        alts = [_phrase(src, terms, weights[src] * factor)
                for terms, factor in _phrase_variants(morphemes, matches, ctx) for src in sources]
        if all(m.ngram_worthy for m in morphemes if m.indexed):
            alts += [q for src in sources if src + "_ng" in weights
                     and (q := _ngram_query(src + "_ng", text, weights[src + "_ng"]))]
        return (alts[0] if len(alts) == 1 else wq.Or(alts)), None
    cuts = {i for match in matches for i in (match.first, match.last)}
    index_of = {id(m): i for i, m in enumerate(morphemes)}
    parts, typed_forms = [], {}  # typed_forms: match -> its segments' queries
    for seg in _segments(morphemes, cuts):
        q = _segment_query(text, seg, sources, ctx)
        i = index_of[id(seg[0])]
        match = next((m for m in matches if m.first <= i < m.last), None)
        if match is None:
            parts.append(q)
        else:
            if match not in typed_forms:
                typed_forms[match] = []
                parts.append(match)  # replaced below, once all its segments are in
            typed_forms[match].append(q)
    for k, part in enumerate(parts):
        if isinstance(part, Match):
            typed = typed_forms[part]
            typed_q = typed[0] if len(typed) == 1 else wq.And(typed)
            parts[k] = _union([typed_q] + _synonym_queries(part, morphemes, sources, ctx))
    if len(parts) == 1:
        return parts[0], None  # one segment already holds its own phrase
    bonus = wq.Or([_phrase(src, fine, weights[src] * config.PHRASE_BOOST) for src in sources])
    return wq.And(parts), bonus


def _union(queries):
    """OR of a form and its synonyms, as a tree of union matchers.  Whoosh
    would preload an OR of three or more clauses into an array as long as
    the segment (it does so for segments under 5,000 documents), which cost
    more than the whole search of a rare word (首相: 2 -> 7 ms on livedoor)."""
    return DefaultOr(queries)  # (an Or that always builds the tree; it survives normalize())


def _synonym_factor(typed_score, other_score) -> float:
    """The weight of another form of a set: SYNONYM_WEIGHT, lowered when the
    other form would score higher than the form typed (a rarer word has the
    higher IDF), so that an article using it does not rank above one using
    the form typed for that reason alone.  Scores are estimated in IDF."""
    return SYNONYM_WEIGHT * min(1.0, typed_score / other_score) if other_score > 0 else SYNONYM_WEIGHT


def _typed_score(ctx, morphemes) -> float:
    """What the form typed is searched by: each unit as a word and, for a
    compound, as the phrase of its parts; the clauses are ORed, so add up."""
    return sum(ctx.idf("text", m.term) + sum(ctx.idf("text", a.term) for a in m.a_units)
               for m in morphemes if m.indexed)


def _phrase_score(ctx, morphemes) -> float:
    """A phrase scores the sum of its words."""
    return sum(ctx.idf("text", t) for t, _ in _fine_terms(morphemes))


def _synonym_queries(match, morphemes, sources, ctx) -> list:
    """One query per other form of the set ``match`` found: the form's word,
    or the phrase of its words when it has several, weighted by
    _synonym_factor.  (Not the form's parts, readings or bigrams: those
    clauses would add up to more than the form typed gets.)"""
    typed_score = _typed_score(ctx, morphemes[match.first : match.last])
    out = []
    for form in match.alternatives:
        form_morphemes = analyze(form.text).morphemes
        words = [m for m in form_morphemes if m.indexed]
        if len(words) == 1:
            factor = _synonym_factor(typed_score, ctx.idf("text", words[0].term))
            clauses = [wq.Term(src, words[0].term, boost=ctx.weights[src] * factor) for src in sources]
        else:
            factor = _synonym_factor(typed_score, _phrase_score(ctx, form_morphemes))
            clauses = [_phrase(src, _fine_terms(form_morphemes), ctx.weights[src] * factor) for src in sources]
        out.append(clauses[0] if len(clauses) == 1 else wq.Or(clauses))
    return out


def _phrase_variants(morphemes, matches, ctx) -> list:
    """(fine terms with positions, weight factor) of a phrase as typed and
    with other forms of its synonym sets in place; the order of the words is
    kept.  The phrase as typed comes first."""
    stretches, i = [], 0
    for match in matches:
        if i < match.first:
            stretches.append([(morphemes[i : match.first], 1.0)])
        typed = morphemes[match.first : match.last]
        options = [(typed, 1.0)]
        for form in match.alternatives:
            form_morphemes = analyze(form.text).morphemes
            factor = _synonym_factor(_phrase_score(ctx, typed), _phrase_score(ctx, form_morphemes))
            options.append((form_morphemes, factor))
        stretches.append(options)
        i = match.last
    if i < len(morphemes):
        stretches.append([(morphemes[i:], 1.0)])
    variants = []
    for combo in itertools.islice(itertools.product(*stretches), MAX_PHRASE_VARIANTS):
        terms = _fine_terms([m for part, _ in combo for m in part])
        if terms:
            variants.append((terms, math.prod(f for _, f in combo)))
    return variants


def _chunk_query(text, sources, ctx, phrase=False):
    weights = ctx.weights
    q, bonus = _text_query(text, sources, ctx, phrase)
    if not phrase and is_kana(text):
        # A query typed in kana also looks for its katakana form and for the
        # reading of a name (しゅうきんぺい → シュウキンペイ → 習近平).
        kata = hira_to_kata(text)
        alts = [q] if q is not None else []
        if kata != text:
            kq, _ = _text_query(kata, sources, ctx, phrase)
            if kq is not None:
                alts.append(kq)
        alts += [wq.Term(src + "_rd", kata, boost=weights[src + "_rd"]) for src in sources if src + "_rd" in weights]
        q = wq.Or(alts)
    return q, bonus


class _Context:
    """What compiling needs besides the AST: field weights, the index's
    document frequencies (when a reader is given) to leave out clauses that
    cannot pay for themselves and to weigh synonyms, and the synonym sets."""

    def __init__(self, weights, reader, synonyms=None):
        self.weights = weights
        self.reader = reader
        self.synonyms = synonyms
        self.words = 0

    def count_words(self, n: int) -> None:
        """Every word searched costs its clauses; a query of hundreds of
        words (a pasted paragraph) is refused rather than run for seconds."""
        self.words += n
        if self.words > config.MAX_QUERY_WORDS:
            raise QuerySyntaxError(f"the query has more than {config.MAX_QUERY_WORDS} words; "
                                   f"the limit is {config.MAX_QUERY_WORDS}")

    def doc_frequency(self, field, term) -> int:
        if self.reader is None:
            return 0
        return self.reader.doc_frequency(field, term)

    def idf(self, field, term) -> float:
        """Whoosh's IDF, log(N / (df + 1)) + 1; 1 without an index."""
        n = self.reader.doc_count_all() if self.reader is not None else 0
        if not n:
            return 1.0
        return math.log(n / (self.doc_frequency(field, term) + 1)) + 1


def compile_query(node, weights=None, reader=None, synonyms=None):
    """A Whoosh query for an AST node (None for an empty query: everything),
    with the sets of ``synonyms`` (a search.synonyms.Synonyms) applied."""
    if node is None:
        return wq.Every()
    q = _attach(*_compile(node, _Context(weights or config.FIELD_WEIGHTS, reader, synonyms)))
    return q if q is not None else wq.NullQuery


def _attach(q, bonus):
    return wq.AndMaybe(q, bonus) if q is not None and bonus is not None else q


def _compile(node, ctx):
    """(required query, optional bonus) for a node.

    Phrase bonuses travel up to the nearest AND and are attached there, once,
    over everything that is required: Whoosh evaluates an optional clause for
    every document its required side visits, so a bonus attached to one
    chunk would compute phrase positions for articles the rest of the query
    rules out.
    """
    if isinstance(node, Text):
        if node.field == "body":
            # The body is part of `text`: search there, without the n-gram and
            # reading fields (their positions cannot tell title from body),
            # and keep the matches that lie in the body.
            weights, ctx.weights = ctx.weights, {"text": ctx.weights["text"]}
            try:
                q, _ = _chunk_query(node.text, ("text",), ctx, node.phrase)
            finally:
                ctx.weights = weights
            return (only_in_body(q) if q is not None else None), None
        return _chunk_query(node.text, _sources(node.field), ctx, node.phrase)
    if isinstance(node, (Keyword, DateSpan)):
        ctx.count_words(1)
    if isinstance(node, Keyword):
        # org:日銀 also finds the organisation written 日本銀行.
        others = ctx.synonyms.alternatives(node.value) if ctx.synonyms else []
        terms = [wq.Term(node.field, fold_keyword(node.value))]
        terms += [wq.Term(node.field, fold_keyword(v), boost=SYNONYM_WEIGHT) for v in others]
        return (terms[0] if len(terms) == 1 else _union(terms)), None
    if isinstance(node, DateSpan):
        # From the date column (search.datequery): Whoosh's own range over
        # the date field's trie terms cost seconds for a few ranges.
        return DateIn([(node.start, node.end)]), None
    if isinstance(node, Not):
        child = _attach(*_compile(node.child, ctx))
        return (None if child is None else wq.Not(child)), None
    if isinstance(node, Or):
        children = [c for c in (_attach(*_compile(ch, ctx)) for ch in node.children) if c is not None]
        if not children:
            return None, None
        return (children[0] if len(children) == 1 else wq.Or(children)), None
    if isinstance(node, And):
        required, bonuses = [], []
        for child in node.children:
            q, bonus = _compile(child, ctx)
            if q is not None:
                required.append(q)
            if bonus is not None:
                bonuses.append(bonus)
        if not required:
            return None, None
        if all(isinstance(c, wq.Not) for c in required):
            required.insert(0, wq.Every())
        q = required[0] if len(required) == 1 else wq.And(required)
        bonus = None if not bonuses else bonuses[0] if len(bonuses) == 1 else wq.Or(bonuses)
        return q, bonus
    raise TypeError(node)  # pragma: no cover


def build_filter(filters: dict | None):
    """A Whoosh filter query for the search() filters, or None."""
    if not filters:
        return None
    clauses = []
    try:
        start = parse_bound(filters.get("date_from"), upper=False)
        end = parse_bound(filters.get("date_to"), upper=True)
    except DateError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    except OverflowError as exc:  # 0001-01-01 in JST is before year 1 in UTC
        raise QuerySyntaxError("date_from or date_to is out of range") from exc
    if start or end:
        clauses.append(DateIn([(start, end)]))
    total = 0
    for field in ("tags", "person", "place", "org", "category", "source"):
        values = filters.get(field)
        if not values:
            continue
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
            raise QuerySyntaxError(f"the {field} filter takes a string or a list of strings")
        total += len(values)
        if len(values) > config.MAX_FILTER_VALUES:
            raise QuerySyntaxError(f"the {field} filter has {len(values)} values; the limit is {config.MAX_FILTER_VALUES}")
        if total > config.MAX_FILTER_VALUES_TOTAL:
            raise QuerySyntaxError(f"the filters have more than {config.MAX_FILTER_VALUES_TOTAL} values together; "
                                   f"the limit is {config.MAX_FILTER_VALUES_TOTAL}")
        terms = [wq.Term(field, fold_keyword(v)) for v in values if v and v.strip()]
        if field in ("category", "source"):
            clauses.append(wq.Or(terms))  # one value per article: any of them
        else:
            clauses.extend(terms)  # many values per article: all of them
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


# ---------------------------------------------------------------------------
# Explaining a query


def explain(querystring: str, synonyms=None) -> list:
    """How a query is searched beyond its words as typed, for the analyze
    page, the API and the CLI: ``[{"text", "kind", "forms"}]`` where kind is

    * ``synonym``: other forms of a synonym set also searched (日銀 → 日本銀行);
    * ``kana``: a word typed in hiragana also searched in katakana and by the
      readings of names (いんふるえんざ → インフルエンザ);
    * ``number``: a numeral searched as its value (九 → 9, 二十五 → 25);
    * ``normalized``: a spelling searched by its normalized form (附属 → 付属);
    * ``date``: the days a date: value stands for (平成24年 → 2012年…).

    Raises QuerySyntaxError like parse().
    """
    out = []

    def walk(node):
        if isinstance(node, Text):
            out.extend(_explain_text(node.text, node.phrase, synonyms))
        elif isinstance(node, Keyword):
            others = synonyms.alternatives(node.value) if synonyms else []
            if others:
                out.append({"text": f"{node.field}:{node.value}", "kind": "synonym", "forms": others})
        elif isinstance(node, DateSpan):
            out.append({"text": f"date:{node.text}", "kind": "date", "forms": [_describe_span(node)]})
        elif isinstance(node, Not):
            walk(node.child)
        elif isinstance(node, (And, Or)):
            for child in node.children:
                walk(child)

    walk(parse(querystring))
    return out


def _describe_span(node) -> str:
    if node.text and not node.text.startswith("["):
        return describe_date(node.text)

    def day(when, upper):
        if when is None:
            return "…"
        local = when + dt.timedelta(hours=9) - dt.timedelta(days=1 if upper else 0)  # JST; end exclusive
        return f"{local.year}年{local.month}月{local.day}日"

    return f"{day(node.start, False)}〜{day(node.end, True)}"


def _explain_text(text, phrase, synonyms) -> list:
    out = []
    morphemes = analyze(text).morphemes
    for match in synonyms.matches(morphemes) if synonyms else []:
        typed = text[morphemes[match.first].start : morphemes[match.last - 1].end]
        out.append({"text": typed, "kind": "synonym", "forms": [f.text for f in match.alternatives]})
    if not phrase and is_kana(text) and hira_to_kata(text) != text:
        out.append({"text": text, "kind": "kana", "forms": [hira_to_kata(text)]})
    for m in morphemes:
        if not m.indexed or fold(m.surface) == m.term:
            continue
        if m.numeral:
            out.append({"text": m.surface, "kind": "number", "forms": [m.normalized]})
        elif m.pos[0] == "名詞":
            out.append({"text": m.surface, "kind": "normalized", "forms": [m.normalized]})
    return out


def positive_terms(q) -> set:
    """(field, text) of every term the query looks for, not those it excludes."""
    out = set()

    def walk(node):
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Term):
            out.add((node.fieldname, node.text))
        elif isinstance(node, wq.Phrase):
            out.update((node.fieldname, w) for w in node.words)
        for child in node.children():
            walk(child)

    walk(q)
    return out
