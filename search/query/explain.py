"""Saying how a query is searched: for the analyze page, the API and the CLI.

``explain(text)`` lists what each word of the query is also searched as,
beyond the words as typed (read from the query analysis, search.query.
analysis): ``[{"text", "kind", "forms"}]`` where kind is

* ``synonym``: other forms of a synonym set (日銀 → 日本銀行);
* ``kana``: a word typed in hiragana also searched in katakana (いんふるえんざ
  → インフルエンザ);
* ``number``: a numeral searched as its value (九 → 9, 二十五 → 25);
* ``normalized``: a spelling searched by its normalized form (附属 → 付属);
* ``reading``: articles that write the word otherwise with the same reading
  (渡辺 → ワタナベ);
* ``sound``: katakana words that sound alike (ボランテア → ボランティア);
* ``date``: the days a date: value stands for (平成24年 → 2012年…).
"""

from __future__ import annotations

import datetime as dt

from index.analysis import fold
from search.dates import describe_date
from search.query.analysis import Stats, analyze_query
from search.query.syntax import And, DateSpan, Keyword, Not, Or, Text, parse

# Tiers shown, under the name of their kind; the others are the words as
# typed (surface), their parts (subunits) and their characters (ngram).
_SHOWN = {"synonym": "synonym", "kana": "kana", "reading": "reading", "sound": "sound"}


def explain(querystring: str, synonyms=None, stats=None) -> list:
    """How ``querystring`` is searched beyond its words as typed.  Raises
    QuerySyntaxError like parse()."""
    tree = parse(querystring)
    chunks = analyze_query(tree, stats or Stats(), synonyms)
    out = []

    def walk(node):
        if isinstance(node, Text):
            chunk = chunks.get(id(node))
            if chunk is not None:
                out.extend(_explain_chunk(chunk))
        elif isinstance(node, Keyword):
            others = synonyms.alternatives(node.value) if synonyms else []
            if others:
                out.append({"text": f"{node.field}:{node.value}", "kind": "synonym", "forms": others})
        elif isinstance(node, DateSpan):
            out.append({"text": f"date:{node.text}", "kind": "date", "forms": [describe_span(node)]})
        elif isinstance(node, Not):
            walk(node.child)
        elif isinstance(node, (And, Or)):
            for child in node.children:
                walk(child)

    walk(tree)
    return out


def _explain_chunk(chunk) -> list:
    out, seen = [], set()

    def add(text, kind, form):
        key = (text, kind)
        if key not in seen:
            seen.add(key)
            out.append({"text": text, "kind": kind, "forms": []})
        entry = next(e for e in out if (e["text"], e["kind"]) == key)
        if form not in entry["forms"]:
            entry["forms"].append(form)

    def walk_words(words, chunk_text):
        for word in words:
            for form in word.forms:
                kind = _SHOWN.get(form.tier)
                if form.tier == "normalized" and not form.sub and form.shown and fold(form.shown) != fold(word.text):
                    add(word.text, form.note or "normalized", form.shown)
                elif kind == "kana":
                    add(chunk_text, kind, form.shown)
                elif kind:
                    add(word.text, kind, form.shown)
                if form.sub and form.tier != "kana":
                    walk_words(form.sub, chunk_text)

    walk_words(chunk.words, chunk.text)
    return out


def describe_span(node) -> str:
    if node.text and not node.text.startswith("["):
        return describe_date(node.text)

    def day(when, upper):
        if when is None:
            return "…"
        local = when + dt.timedelta(hours=9) - dt.timedelta(days=1 if upper else 0)  # JST; end exclusive
        return f"{local.year}年{local.month}月{local.day}日"

    return f"{day(node.start, False)}〜{day(node.end, True)}"
