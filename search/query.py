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
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from whoosh import query as wq

from index import config
from index.analysis import analyze, bigrams, fold, hira_to_kata, is_kana, is_katakana
from index.schema import fold_keyword
from search.dates import DateError, parse_bound, parse_date_range, whole_months


class QuerySyntaxError(ValueError):
    """The query cannot be parsed; the message says where and why."""


FIELD_ALIASES = {
    "title": "title",
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
    months: list | None = None  # the same span as whole months ("2012-09"), if it is one


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
            close = q.find('"', i + 1)
            if close < 0:
                raise QuerySyntaxError(f'unbalanced quote: the " at position {i + 1} is never closed')
            tokens.append(("PHRASE", q[i + 1 : close]))
            i = close + 1
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


# ---------------------------------------------------------------------------
# Parser (recursive descent)


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
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("the query ends where a word was expected (after AND, OR, NOT or -)")
        if tok == ("OP", "NOT") or tok[0] == "-":
            self.take()
            return Not(self.unary())
        return self.primary()

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
                    return DateSpan(parse_bound(tok[1], upper=False), parse_bound(tok[2], upper=True))
                start, end = parse_date_range(tok[1])
                return DateSpan(start, end, whole_months(tok[1]))
        except DateError as exc:
            raise QuerySyntaxError(f"date: {exc}") from exc
        if tok[0] == "RANGE":
            raise QuerySyntaxError(f"{field}: does not take a range; only date: does")
        if field in KEYWORD_QUERY_FIELDS:
            return Keyword(field, tok[1])
        return Text(tok[1], field=field, phrase=tok[0] == "PHRASE")


def parse(querystring: str):
    """The AST of a query string, or None for an empty query."""
    if len(querystring) > config.MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is {len(querystring)} characters long; the limit is {config.MAX_QUERY_CHARS}")
    # NFKC first: full-width quotes, colons, parentheses and spaces become the
    # ASCII ones the syntax uses, and half-width katakana becomes full-width.
    q = unicodedata.normalize("NFKC", querystring)
    q = q.replace("“", '"').replace("”", '"').replace("「", '"').replace("」", '"')
    return _Parser(_lex(q)).parse()


# ---------------------------------------------------------------------------
# Compiler


def _sources(field):
    return ("text",) if field is None else (field,)


def _segments(morphemes):
    """Group indexed units: adjacent katakana/unknown units form one segment."""
    segments = []
    for m in morphemes:
        if not m.indexed:
            continue
        if segments and m.ngram_worthy and segments[-1][-1].ngram_worthy and segments[-1][-1].end == m.start:
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
    if phrase:
        alts = [_phrase(src, fine, weights[src]) for src in sources]
        if all(m.ngram_worthy for m in morphemes if m.indexed):
            alts += [q for src in sources if src + "_ng" in weights
                     and (q := _ngram_query(src + "_ng", text, weights[src + "_ng"]))]
        return (alts[0] if len(alts) == 1 else wq.Or(alts)), None
    parts = [_segment_query(text, seg, sources, ctx) for seg in _segments(morphemes)]
    if len(parts) == 1:
        return parts[0], None  # one segment already holds its own phrase
    bonus = wq.Or([_phrase(src, fine, weights[src] * config.PHRASE_BOOST) for src in sources])
    return wq.And(parts), bonus


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
    """What compiling needs besides the AST: field weights, and the index's
    document frequencies (when a reader is given) to leave out clauses that
    cannot pay for themselves."""

    def __init__(self, weights, reader):
        self.weights = weights
        self.reader = reader

    def doc_frequency(self, field, term) -> int:
        if self.reader is None:
            return 0
        return self.reader.doc_frequency(field, term)


def compile_query(node, weights=None, reader=None):
    """A Whoosh query for an AST node (None for an empty query: everything)."""
    if node is None:
        return wq.Every()
    q = _attach(*_compile(node, _Context(weights or config.FIELD_WEIGHTS, reader)))
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
        return _chunk_query(node.text, _sources(node.field), ctx, node.phrase)
    if isinstance(node, Keyword):
        return wq.Term(node.field, fold_keyword(node.value)), None
    if isinstance(node, DateSpan):
        if node.months:
            # A month or a year is a few terms of the month field, far cheaper
            # than the numeric range over the date field.
            terms = [wq.Term("month", m) for m in node.months]
            return (terms[0] if len(terms) == 1 else wq.Or(terms)), None
        return wq.DateRange("date", node.start, node.end, endexcl=True), None
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
    if start or end:
        clauses.append(wq.DateRange("date", start, end, endexcl=True))
    for field in ("tags", "person", "place", "org", "category", "source"):
        values = filters.get(field)
        if not values:
            continue
        if isinstance(values, str):
            values = [values]
        terms = [wq.Term(field, fold_keyword(v)) for v in values if v and v.strip()]
        if field in ("category", "source"):
            clauses.append(wq.Or(terms))  # one value per article: any of them
        else:
            clauses.extend(terms)  # many values per article: all of them
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


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
