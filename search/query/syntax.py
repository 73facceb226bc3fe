"""The query language's syntax: what a user typed, as a tree.

Plain Japanese text, no spaces needed; "a phrase" (\\" and \\\\ escape inside
quotes); AND, OR, NOT and -term; ( ) for grouping; field:value with title:,
body:, tag:, category:, person:, place:, org:, source:; date:2012-09,
date:平成24年 and date:[2012-01-01 TO 2012-06-30].  Words side by side must
all match.

``parse(text)`` gives the tree (Text, Keyword, DateSpan, Not, And, Or) or
None for an empty query, or raises QuerySyntaxError with a message that says
where.  The size of a query is limited (config.MAX_QUERY_*), so the
recursive-descent parser never recurses deeper than the allowed nesting.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from index import config
from index.textclean import remove_invisible
from search.dates import DateError, parse_bound, parse_date_range


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
