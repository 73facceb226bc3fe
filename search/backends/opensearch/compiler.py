"""The cluster's queries for a parsed, analysed query: the query DSL that
search.query.compiler's Whoosh queries are for the embedded index.

The same tree (search.query.syntax) and the same analysis (search.query.
analysis: per Text node a Chunk of Words, each with its Forms) go in; the
structure is the Whoosh compiler's, clause for clause:

* a **form** is a ``term`` query (one term), a ``match_phrase`` with the
  ``preanalyzed`` analyzer over the tokens as encode_query writes them (a
  phrase whose words are side by side), or ``span_near`` (a phrase with a
  gap where a particle was: Whoosh's Phrase lets every step be 1 to
  ``slop`` positions, which nested ordered spans express and a sloppy
  phrase does not), on the field of its stream, boosted by the field's
  weight times the form's (index.config.FIELD_WEIGHTS); an interpretation
  (``form.sub``) is a ``bool.must`` of its words;
* a **word** is a ``bool.should`` of its forms; the words of a chunk are a
  ``bool.must``; a chunk's **phrase bonus** is a ``should`` beside what is
  required, attached at the nearest AND, once (as the Whoosh compiler does);
* **NOT** x is ``must_not`` inside a ``bool`` whose ``match_all`` scores
  1, as Whoosh's inverse matcher does; **OR** is a ``bool.should`` with
  ``minimum_should_match`` 1;
* ``tag:``, ``category:`` … are ``term`` queries on the keyword fields (the
  value NFKC-folded, synonyms at SYNONYM_WEIGHT); ``person:`` ``place:``
  ``org:`` look for every (field, term) search.entity_view's filter_terms
  gives (the names of the entity's group and the forms its mentions used,
  in ``entity_forms``); ``date:`` is a ``range`` on ``date``;
* ``body:`` leaves out the title's spans: ``span_not`` of the term or
  phrase minus its spans within the first mapping.BODY_START positions.

User text only ever reaches the cluster as a term or a token of an
encoded phrase (``value`` fields): never in ``query_string``, never in a
script, so JSON, Lucene syntax or Painless in a query are searched as text.

``compile_tree`` also collects the positive (field, term) pairs (not under
a NOT), for the highlighter, and names every form (``_name``) when asked,
so that a hit's ``matched_queries`` tell which forms it matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index import config
from index.schema import fold_keyword
from search.backends.opensearch import stream as pa
from search.backends.opensearch.mapping import BODY_START
from search.query.compiler import ENTITY_FIELDS, STREAM_FIELDS, checked_filters
from search.query.syntax import And, DateSpan, Keyword, Not, Or, Text
from search.synonyms import SYNONYM_WEIGHT

MATCH_ALL = {"match_all": {}}
# The embedded backend marks no term of a body: query (search.inbody's
# InBody has no children for search.query.positive_terms to walk); the
# snippets here are the same.
HIGHLIGHT_BODY_TERMS = False
MATCH_NONE = {"match_none": {}}


@dataclass
class Compiled:
    """What compiling gives besides the query."""

    positive: set = field(default_factory=set)  # (field, term) looked for, not under a NOT
    names: dict = field(default_factory=dict)  # _name -> (chunk index, word path, form index)


class _Compiler:
    def __init__(self, weights=None, synonyms=None, entity_terms=None, named=False, scale=None):
        self.weights = weights or config.FIELD_WEIGHTS
        self.synonyms = synonyms
        self.entity_terms = entity_terms
        self.named = named
        self.scale = scale  # optional (field, terms) -> factor, applied to each leaf's boost
        self.out = Compiled()

    # -- leaves -------------------------------------------------------------

    def _boost(self, fieldname, terms, boost):
        if self.scale is not None:
            boost *= self.scale(fieldname, terms)
        return round(boost, 6)

    def term(self, fieldname, text, boost=1.0, positive=True, in_body=False):
        if positive:
            self.out.positive.add((fieldname, text))
        boost = self._boost(fieldname, (text,), boost)
        if in_body and fieldname == "text":
            return _in_body({"span_term": {fieldname: {"value": text}}}, boost)
        return {"term": {fieldname: {"value": text, "boost": boost}}}

    def phrase(self, fieldname, terms, positions, boost, positive=True, in_body=False):
        """Whoosh's _phrase: terms whose positions may have gaps."""
        if len(terms) == 1:
            return self.term(fieldname, terms[0], boost, positive, in_body)
        if positive:
            self.out.positive.update((fieldname, t) for t in terms)
        boost = self._boost(fieldname, tuple(terms), boost)
        span = positions[-1] - positions[0]
        slop = 1 + (span - (len(terms) - 1))  # each step 1..slop positions (whoosh SpanNear2, mindist 1)
        in_body = in_body and fieldname == "text"
        if slop <= 1 and not in_body:
            tokens = [pa.Token(t, 0, 0, 1) for t in terms]
            return {"match_phrase": {fieldname: {"query": pa.encode_query(tokens), "analyzer": pa.ANALYZER,
                                                 "slop": 0, "boost": boost}}}
        near = {"span_term": {fieldname: {"value": terms[0]}}}
        for t in terms[1:]:
            near = {"span_near": {"clauses": [near, {"span_term": {fieldname: {"value": t}}}],
                                  "slop": max(0, slop - 1), "in_order": True}}
        if in_body:
            return _in_body(near, boost)
        near["span_near"]["boost"] = boost
        return near

    # -- forms, words, chunks ----------------------------------------------

    def form(self, form, chunk_field, scale, positive, in_body, name):
        fieldname = STREAM_FIELDS[chunk_field].get(form.stream)
        if fieldname is None:
            return None
        boost = self.weights[fieldname if chunk_field != "title" else "title"] * form.weight * scale
        if form.sub:
            words = [self.word(w, chunk_field, form.weight * scale, positive, in_body,
                               f"{name}s{i}" if name else None) for i, w in enumerate(form.sub)]
            words = [w for w in words if w is not None]
            q = None if not words else words[0] if len(words) == 1 else {"bool": {"must": words}}
        elif form.prefix:
            q = {"prefix": {fieldname: {"value": form.terms[0], "boost": round(boost, 6)}}}
        else:
            positions = form.positions or tuple(range(len(form.terms)))
            q = self.phrase(fieldname, form.terms, positions, boost, positive, in_body)
        if q is not None and name:
            q = _named(q, name)
        return q

    def word(self, word, chunk_field, scale=1.0, positive=True, in_body=False, name=None):
        forms = [self.form(f, chunk_field, scale, positive, in_body, f"{name}f{i}" if name else None)
                 for i, f in enumerate(word.forms)]
        return union(forms)

    def chunk(self, chunk, positive, index):
        in_body = chunk.field == "body"
        if in_body and not HIGHLIGHT_BODY_TERMS:
            positive = False
        words = []
        for i, w in enumerate(chunk.words):
            name = f"c{index}w{i}" if self.named else None
            words.append(self.word(w, chunk.field, 1.0, positive, in_body, name))
        bonus = None
        if chunk.bonus and chunk.field != "body":
            fieldname = STREAM_FIELDS[chunk.field]["terms"]
            terms = tuple(t for t, _ in chunk.bonus)
            positions = tuple(p for _, p in chunk.bonus)
            bonus = self.phrase(fieldname, terms, positions, self.weights[fieldname] * config.PHRASE_BOOST, positive)
        return [w for w in words if w is not None], bonus

    # -- nodes ------------------------------------------------------------

    def keyword(self, node, positive):
        others = self.synonyms.alternatives(node.value) if self.synonyms else []
        if self.entity_terms is not None and node.field in ENTITY_FIELDS:
            pairs = [p for v in [node.value] + list(others) for p in self.entity_terms(node.field, v)]
            return union([self.term(f, t, 1.0, positive) for f, t in dict.fromkeys(pairs)])
        terms = [self.term(node.field, fold_keyword(node.value), 1.0, positive)]
        terms += [self.term(node.field, fold_keyword(v), SYNONYM_WEIGHT, positive) for v in others]
        return union(terms)

    def node(self, node, chunks, positive=True):
        """(required query, optional bonus) for a node (see the Whoosh compiler)."""
        if isinstance(node, Text):
            chunk = chunks.get(id(node))
            if chunk is None:
                return None, None
            index = list(chunks).index(id(node))
            words, bonus = self.chunk(chunk, positive, index)
            if not words:
                return None, None
            return (words[0] if len(words) == 1 else {"bool": {"must": words}}), bonus
        if isinstance(node, Keyword):
            return self.keyword(node, positive), None
        if isinstance(node, DateSpan):
            return date_range(node.start, node.end), None
        if isinstance(node, Not):
            child = attach(*self.node(node.child, chunks, not positive))
            return (None if child is None else negate(child)), None
        if isinstance(node, Or):
            children = [c for c in (attach(*self.node(ch, chunks, positive)) for ch in node.children)
                        if c is not None]
            if not children:
                return None, None
            return (children[0] if len(children) == 1 else
                    {"bool": {"should": children, "minimum_should_match": 1}}), None
        if isinstance(node, And):
            required, bonuses = [], []
            for child in node.children:
                q, bonus = self.node(child, chunks, positive)
                if q is not None:
                    required.append(q)
                if bonus is not None:
                    bonuses.append(bonus)
            return _and(required, bonuses)
        raise TypeError(node)  # pragma: no cover


def _named(q, name):
    (kind, body), = q.items()
    if kind in ("bool", "span_near", "span_not", "match_all", "match_none"):
        return {kind: dict(body, _name=name)}
    if kind in ("term", "match_phrase", "prefix", "span_term"):
        (fieldname, inner), = body.items()
        return {kind: {fieldname: dict(inner, _name=name)}}
    return {"bool": {"must": [q], "_name": name}}


def _in_body(span, boost):
    """``span`` (on ``text``) where it lies in the body."""
    return {"span_not": {"include": span, "exclude": {"span_first": {"match": span, "end": BODY_START}},
                         "boost": boost}}


def union(queries):
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else {"bool": {"should": queries, "minimum_should_match": 1}}


def negate(q):
    """Every article but those matching ``q``, scoring 1 (Whoosh's Not)."""
    return {"bool": {"must": [{"match_all": {"boost": 1.0}}], "must_not": [q]}}


def attach(q, bonus):
    if q is None or bonus is None:
        return q
    return {"bool": {"must": [q], "should": [bonus]}}


def _and(required, bonuses):
    if not required:
        return None, None
    if all(_is_negation(c) for c in required):
        required.insert(0, {"match_all": {"boost": 1.0}})  # Whoosh's Every
    q = required[0] if len(required) == 1 else {"bool": {"must": required}}
    bonus = None if not bonuses else bonuses[0] if len(bonuses) == 1 else {
        "bool": {"should": bonuses, "minimum_should_match": 1}}
    return q, bonus


def _is_negation(q) -> bool:
    body = q.get("bool")
    return bool(body) and set(body) == {"must", "must_not"} and body["must"] == [{"match_all": {"boost": 1.0}}]


def _utc(when) -> str:
    return when.isoformat(timespec="microseconds") + "Z"


def date_range(start, end):
    """Articles dated within [start, end) (naive UTC datetimes, None for open);
    an open range is every dated article, as search.datequery's is."""
    bounds = {}
    if start is not None:
        bounds["gte"] = _utc(start)
    if end is not None:
        bounds["lt"] = _utc(end)
    if not bounds:
        return {"exists": {"field": "date"}}
    return {"range": {"date": bounds}}


def compile_tree(tree, chunks, *, weights=None, synonyms=None, entity_terms=None, named=False, scale=None):
    """(query, Compiled) for a tree (None: every article)."""
    c = _Compiler(weights, synonyms, entity_terms, named, scale)
    if tree is None:
        return dict(MATCH_ALL), c.out
    q = attach(*c.node(tree, chunks))
    return (q if q is not None else dict(MATCH_NONE)), c.out


def relaxable(tree, chunks, *, weights=None, synonyms=None, entity_terms=None, scale=None, named=False):
    """As search.query.compiler.relaxable: (fixed, [(word as typed, query)],
    bonus) for a query of words side by side, else None."""
    c = _Compiler(weights, synonyms, entity_terms, named, scale)
    children = tree.children if isinstance(tree, And) else [tree]
    fixed, words, bonuses = [], [], []
    for child in children:
        if isinstance(child, Text) and not child.phrase:
            chunk = chunks.get(id(child))
            if chunk is None:
                continue
            queries, bonus = c.chunk(chunk, True, list(chunks).index(id(child)))
            words.extend((w.text, q) for w, q in zip(chunk.words, queries))
            if bonus is not None:
                bonuses.append(bonus)
        else:
            q, bonus = c.node(child, chunks)
            if q is not None:
                fixed.append(q)
            if bonus is not None:
                bonuses.append(bonus)
    if len(words) < 2:
        return None
    bonus = None if not bonuses else bonuses[0] if len(bonuses) == 1 else {
        "bool": {"should": bonuses, "minimum_should_match": 1}}
    return fixed, words, bonus


def build_filter(filters, entity_terms=None) -> list:
    """The bool.filter clauses for the search() filters (checked as for the
    embedded index: search.query.compiler.checked_filters)."""
    if not filters:
        return []
    start, end, by_field = checked_filters(filters)
    clauses = []
    if start or end:
        clauses.append(date_range(start, end))
    for name, values in by_field.items():
        if entity_terms is not None and name in ENTITY_FIELDS:
            for v in values:
                if v and v.strip():
                    clauses.append(union([{"term": {f: {"value": t}}} for f, t in entity_terms(name, v)]))
            continue
        terms = [{"term": {name: {"value": fold_keyword(v)}}} for v in values if v and v.strip()]
        if not terms:
            continue
        if name in ("category", "source"):
            clauses.append(union(terms))  # one value per article: any of them
        else:
            clauses.extend(terms)  # many values per article: all of them
    return [c for c in clauses if c is not None]


__all__ = ["Compiled", "attach", "build_filter", "compile_tree", "date_range", "negate", "relaxable", "union"]
