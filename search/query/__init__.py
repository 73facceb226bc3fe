"""The query language: parse what a user typed, analyse its words, compile.

    tree = parse("ウクライナ侵攻 -ロシア date:2022")       # syntax: the tree
    chunks = analyze_query(tree, Stats(reader), synonyms)   # analysis: forms per word
    q = compile_tree(tree, chunks, synonyms=synonyms)       # compiler: a Whoosh query

Three stages, one module each: ``syntax`` (lexer, parser, limits),
``analysis`` (each word's match forms, tier by tier: the one object the
compiler, the highlighter, the explain view and the analyze page read),
``compiler`` (the embedded backend's Whoosh queries; filters) and
``explain`` (what the analyze page shows).
"""

from search.query.analysis import TIERS, Chunk, Form, Stats, Word, analyze_query
from search.query.compiler import build_filter, compile_tree, positive_terms, relaxable
from search.query.explain import explain
from search.query.syntax import (
    FIELD_ALIASES,
    KEYWORD_QUERY_FIELDS,
    And,
    DateSpan,
    Keyword,
    Not,
    Or,
    QuerySyntaxError,
    Text,
    parse,
    quote,
)


def compile_query(tree, weights=None, reader=None, synonyms=None):
    """A Whoosh query for a parsed query: analysis and compiling in one call."""
    return compile_tree(tree, analyze_query(tree, Stats(reader), synonyms), weights, synonyms)


__all__ = [
    "And", "Chunk", "DateSpan", "FIELD_ALIASES", "Form", "KEYWORD_QUERY_FIELDS", "Keyword", "Not", "Or",
    "QuerySyntaxError", "Stats", "TIERS", "Text", "Word", "analyze_query", "build_filter", "compile_query",
    "compile_tree", "explain", "parse", "positive_terms", "quote", "relaxable",
]
