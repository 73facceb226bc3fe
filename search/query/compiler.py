"""The Whoosh queries for a parsed, analysed query (the embedded backend).

Each word of a chunk (search.query.analysis) becomes an OR of its forms,
each a Term, Phrase or (for readings of any spelling) Prefix on the field of
its stream, weighted by the field's weight times the form's; the words of a
chunk are ANDed, and a chunk of several words gets an optional phrase clause
so the words side by side rank first.  Phrase bonuses travel up to the
nearest AND and are attached there, once (see _compile).

``relaxable(tree, chunks)`` splits a plain query (words side by side,
perhaps with field values, dates and NOTs) into the queries that must hold
and one query per droppable word, for results that match all words but one
(search.relax).
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from index import config
from index.schema import fold_keyword
from index.stamps import StampError, indexed_range
from search.datequery import DateIn
from search.dates import DateError, parse_bound
from search.inbody import only_in_body
from search.query.syntax import And, DateSpan, Keyword, Not, Or, QuerySyntaxError, Text
from search.synonyms import SYNONYM_WEIGHT

ENTITY_FIELDS = frozenset({"person", "place", "org"})

# The field each stream is searched in, for a chunk without a field prefix,
# with title: and with body:.  title: and body: look at words only: the
# n-gram and reading fields do not tell title from body.
STREAM_FIELDS = {
    None: {"terms": "text", "ngrams": "text_ng", "readings": "text_rd"},
    "title": {"terms": "title"},
    "body": {"terms": "text"},
}


def union(queries):
    """OR of alternatives, as a tree of union matchers.  Whoosh would preload
    an OR of three or more clauses into an array as long as the segment (it
    does so for segments under 5,000 documents), which cost more than the
    whole search of a rare word (首相: 2 -> 7 ms on livedoor)."""
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else DefaultOr(queries)  # (an Or that survives normalize())


def _phrase(fieldname, terms, positions, boost):
    """A phrase over terms whose positions may have gaps (dropped particles)."""
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    span = positions[-1] - positions[0]
    slop = 1 + (span - (len(terms) - 1))
    return wq.Phrase(fieldname, list(terms), slop=slop, boost=boost)


def form_query(form, chunk_field, weights, scale=1.0):
    fieldname = STREAM_FIELDS[chunk_field].get(form.stream)
    if fieldname is None:
        return None
    boost = weights[fieldname if chunk_field != "title" else "title"] * form.weight * scale
    if form.sub:
        words = [word_query(w, chunk_field, weights, form.weight * scale) for w in form.sub]
        words = [w for w in words if w is not None]
        return None if not words else words[0] if len(words) == 1 else wq.And(words)
    if form.prefix:
        return wq.Prefix(fieldname, form.terms[0], boost=boost)
    positions = form.positions or tuple(range(len(form.terms)))
    return _phrase(fieldname, form.terms, positions, boost)


def word_query(word, chunk_field, weights, scale=1.0):
    return union([form_query(f, chunk_field, weights, scale) for f in word.forms])


def chunk_queries(chunk, weights):
    """(one query per word, the phrase bonus or None) of a chunk."""
    words = [word_query(w, chunk.field, weights) for w in chunk.words]
    if chunk.field == "body":
        words = [only_in_body(q) if q is not None else None for q in words]
    bonus = None
    if chunk.bonus and chunk.field != "body":
        fieldname = STREAM_FIELDS[chunk.field]["terms"]
        terms = tuple(t for t, _ in chunk.bonus)
        positions = tuple(p for _, p in chunk.bonus)
        bonus = _phrase(fieldname, terms, positions, weights[fieldname] * config.PHRASE_BOOST)
    return [w for w in words if w is not None], bonus


def attach(q, bonus):
    return wq.AndMaybe(q, bonus) if q is not None and bonus is not None else q


def keyword_query(node, synonyms, entity_terms=None):
    # org:日銀 also finds the organisation written 日本銀行.
    others = synonyms.alternatives(node.value) if synonyms else []
    if entity_terms is not None and node.field in ENTITY_FIELDS:
        # every name and mention form of the entity (search.entity_view)
        terms = [wq.Term(f, t) for v in [node.value] + list(others) for f, t in entity_terms(node.field, v)]
        return union(list(dict.fromkeys(terms)))
    terms = [wq.Term(node.field, fold_keyword(node.value))]
    terms += [wq.Term(node.field, fold_keyword(v), boost=SYNONYM_WEIGHT) for v in others]
    return union(terms)


def compile_node(node, chunks, weights, synonyms, entity_terms=None):
    """(required query, optional bonus) for a node.

    Phrase bonuses travel up to the nearest AND and are attached there, once,
    over everything that is required: Whoosh evaluates an optional clause for
    every document its required side visits, so a bonus attached to one
    chunk would compute phrase positions for articles the rest of the query
    rules out.
    """
    if isinstance(node, Text):
        chunk = chunks.get(id(node))
        if chunk is None:
            return None, None
        words, bonus = chunk_queries(chunk, weights)
        if not words:
            return None, None
        return (words[0] if len(words) == 1 else wq.And(words)), bonus
    if isinstance(node, Keyword):
        return keyword_query(node, synonyms, entity_terms), None
    if isinstance(node, DateSpan):
        # From the date column (search.datequery): Whoosh's own range over
        # the date field's trie terms cost seconds for a few ranges.
        return DateIn([(node.start, node.end)]), None
    if isinstance(node, Not):
        child = attach(*compile_node(node.child, chunks, weights, synonyms, entity_terms))
        return (None if child is None else wq.Not(child)), None
    if isinstance(node, Or):
        children = [c for c in (attach(*compile_node(ch, chunks, weights, synonyms, entity_terms))
                                for ch in node.children) if c is not None]
        if not children:
            return None, None
        return (children[0] if len(children) == 1 else wq.Or(children)), None
    if isinstance(node, And):
        required, bonuses = [], []
        for child in node.children:
            q, bonus = compile_node(child, chunks, weights, synonyms, entity_terms)
            if q is not None:
                required.append(q)
            if bonus is not None:
                bonuses.append(bonus)
        return _and(required, bonuses)
    raise TypeError(node)  # pragma: no cover


def _and(required, bonuses):
    if not required:
        return None, None
    if all(isinstance(c, wq.Not) for c in required):
        required.insert(0, wq.Every())
    q = required[0] if len(required) == 1 else wq.And(required)
    bonus = None if not bonuses else bonuses[0] if len(bonuses) == 1 else wq.Or(bonuses)
    return q, bonus


def compile_tree(tree, chunks, weights=None, synonyms=None, entity_terms=None):
    """A Whoosh query for a tree (None: everything).  ``entity_terms(field,
    name)`` gives the (field, term) pairs a person:, place: or org: value
    stands for (search.entity_view); without it, the name as written."""
    if tree is None:
        return wq.Every()
    q = attach(*compile_node(tree, chunks, weights or config.FIELD_WEIGHTS, synonyms, entity_terms))
    return q if q is not None else wq.NullQuery


def relaxable(tree, chunks, weights=None, synonyms=None, entity_terms=None):
    """For a query of words side by side: (fixed, words, bonus), where
    ``fixed`` is the list of queries every result must match (field values,
    dates, phrases, NOTs, OR groups), ``words`` is [(word as typed, query)]
    for the plain words a relaxed result may lack, and ``bonus`` the phrase
    bonus; None for any other query (OR at the top, a single word)."""
    weights = weights or config.FIELD_WEIGHTS
    children = tree.children if isinstance(tree, And) else [tree]
    fixed, words, bonuses = [], [], []
    for child in children:
        if isinstance(child, Text) and not child.phrase:
            chunk = chunks.get(id(child))
            if chunk is None:
                continue
            queries, bonus = chunk_queries(chunk, weights)
            words.extend((w.text, q) for w, q in zip(chunk.words, queries))
            if bonus is not None:
                bonuses.append(bonus)
        else:
            q, bonus = compile_node(child, chunks, weights, synonyms, entity_terms)
            if q is not None:
                fixed.append(q)
            if bonus is not None:
                bonuses.append(bonus)
    if len(words) < 2:
        return None
    bonus = None if not bonuses else bonuses[0] if len(bonuses) == 1 else wq.Or(bonuses)
    return fixed, words, bonus


FILTER_FIELDS = ("tags", "person", "place", "org", "category", "source")


def checked_filters(filters: dict) -> tuple:
    """(date_from, date_to, {field: values}) of the search() filters,
    checked: the dates parsed, each field's values a list of strings within
    the limits (config.MAX_FILTER_VALUES per field and
    MAX_FILTER_VALUES_TOTAL in all); QuerySyntaxError naming the filter
    otherwise.  Both backends build their filter clauses from it."""
    try:
        start = parse_bound(filters.get("date_from"), upper=False)
        end = parse_bound(filters.get("date_to"), upper=True)
    except DateError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    except OverflowError as exc:  # 0001-01-01 in JST is before year 1 in UTC
        raise QuerySyntaxError("date_from or date_to is out of range") from exc
    by_field = {}
    total = 0
    for field in FILTER_FIELDS:
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
        by_field[field] = values
    return start, end, by_field


def build_filter(filters: dict | None, entity_terms=None):
    """A Whoosh filter query for the search() filters, or None
    (``entity_terms`` as for compile_tree)."""
    if not filters:
        return None
    start, end, by_field = checked_filters(filters)
    clauses = []
    if start or end:
        clauses.append(DateIn([(start, end)]))
    # When articles were added (saved-search alerts: search.alerts), read
    # from the `indexed` column.
    if filters.get("indexed_after") is not None or filters.get("indexed_until") is not None:
        try:
            clauses.append(indexed_range(filters.get("indexed_after"), filters.get("indexed_until")))
        except StampError as exc:
            raise QuerySyntaxError(f"indexed_after / indexed_until: {exc}") from exc
    for field, values in by_field.items():
        if entity_terms is not None and field in ENTITY_FIELDS:
            # each value: any name or mention form of its entity
            clauses.extend(union([wq.Term(f, t) for f, t in entity_terms(field, v)]) for v in values if v and v.strip())
            continue
        terms = [wq.Term(field, fold_keyword(v)) for v in values if v and v.strip()]
        if field in ("category", "source"):
            clauses.append(wq.Or(terms))  # one value per article: any of them
        else:
            clauses.extend(terms)  # many values per article: all of them
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


def positive_terms(q, reader=None) -> set:
    """(field, text) of every term the query looks for, not those it
    excludes; a Prefix is expanded with ``reader`` (the terms it matched)."""
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
        elif isinstance(node, wq.Prefix) and reader is not None:
            out.update((node.fieldname, t.decode("utf-8") if isinstance(t, bytes) else t)
                       for t in node._btexts(reader))
        for child in node.children():
            walk(child)

    walk(q)
    return out
