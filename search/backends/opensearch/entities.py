"""Entity names as readers see them, over a cluster: search.entity_view's
EntityView, built from aggregations instead of the postings.

The same rules, the same functions (index.entities.canonical for the keys
and display forms, index.entities.boilerplate for what a publisher repeats,
the alias table of the searcher): one name per entity group, shown as the
alias set's canonical or the form most articles use; a publisher's
boilerplate left out of facets and chips; a filter on a name looks for
every value of its group and every mention form of it (``entity_forms``).

What EntityView reads per document, this view reads as counts:

* every value of person, place and org with the number of articles holding
  it (composite aggregations): the groups and their display forms;
* every ``entity_forms`` value: the mention forms, for filters;
* the publishers and their article counts; per publisher the names in at
  least half of its articles and the names of its credit lines; then, for
  those candidates and every group of several values, the exact number of
  each publisher's articles holding the group (a ``terms`` filter on the
  group's values counts an article once however many of them it holds):
  what boilerplate_names decides on.

Facet counts are aggregated by the cluster per search: a group of one value
that is nobody's boilerplate is its value's ``terms`` count; every other
group is a ``filters`` bucket (its values, minus the articles of the
publishers whose boilerplate it is), so an article counts once per name, as
in the embedded index.
"""

from __future__ import annotations

import math
from collections import Counter

from index.entities import ENTITY_TYPES
from index.entities.boilerplate import DEFAULT_MIN_ARTICLES, DEFAULT_MIN_CREDITED, DEFAULT_SHARE, boilerplate_names
from index.entities.canonical import canonical_key, choose_display, display_form
from index.schema import fold_keyword

from search.entity_view import japanese_arms, merge_short_names, publisher_keys, with_own_names

FORMS_FIELD = "entity_forms"
CREDITED_FIELD = "credited"
COMPOSITE_PAGE = 5000
MAX_GROUP_VALUES = 500
# People counted per search before short names join full names
# (merge_short_names looks at every name counted: exact up to this many).
PERSON_FACET_VALUES = 500  # values of one group in a filter (a group rarely has more than a handful)


def composite_values(cluster, index, fieldname, query=None) -> dict:
    """{value: articles holding it} of a keyword field, every value."""
    out = {}
    after = None
    while True:
        source = {"v": {"terms": {"field": fieldname}}}
        agg = {"composite": {"size": COMPOSITE_PAGE, "sources": [source]}}
        if after is not None:
            agg["composite"]["after"] = after
        body = {"size": 0, "track_total_hits": False, "query": query or {"match_all": {}}, "aggs": {"c": agg}}
        answer = cluster.read(cluster.client.search, index=index, body=body)
        result = answer["aggregations"]["c"]
        for bucket in result["buckets"]:
            out[bucket["key"]["v"]] = bucket["doc_count"]
        after = result.get("after_key")
        if not result["buckets"] or after is None:
            return out


def publisher_filter(publisher: str) -> dict:
    if publisher:
        return {"term": {"publisher": publisher}}
    return {"bool": {"must_not": [{"exists": {"field": "publisher"}}]}}


class ClusterEntityView:
    def __init__(self, cluster, index, aliases):
        self.aliases = aliases
        self.group_of = {}  # (type, indexed value) -> group key
        self.display = {}  # (type, group key) -> the name shown
        self.members = {}  # (type, group key) -> indexed values
        self.values = {}
        self.arm_of = {}  # (type, key of a company's Japanese arm) -> key of the company
        for typ in ENTITY_TYPES:
            values = self.values[typ] = composite_values(cluster, index, typ)
            forms = {}
            keys = {value: self._key(typ, value) for value in values}
            if typ == "org":
                self.arm_of.update(japanese_arms(set(keys.values()), aliases))
                keys = {value: self.arm_of.get(("org", key), key) for value, key in keys.items()}
            for value, n in values.items():
                key = keys[value]
                self.group_of[(typ, value)] = key
                forms.setdefault(key, Counter())[display_form(value)] += n
                self.members.setdefault((typ, key), []).append(value)
            for key, counts in forms.items():
                # any form's set: the forms of a group may come in any order
                alias_set = next(filter(None, (aliases.set_of(form, typ) for form in counts)), None)
                self.display[(typ, key)] = alias_set.canonical if alias_set else choose_display(counts)
        self.forms = {}
        for term in composite_values(cluster, index, FORMS_FIELD):
            typ, _, form = term.partition(":")
            self.forms.setdefault((typ, canonical_key(form)), []).append(term)
        self.boilerplate = self._find_boilerplate(cluster, index)
        # groups whose count is not their one value's terms count
        self.special = {typ: sorted(key for (t, key), values in self.members.items()
                                    if t == typ and (len(values) > 1 or any((typ, key) in names
                                                                           for names in self.boilerplate.values())))
                        for typ in ENTITY_TYPES}

    def _key(self, typ, name) -> str:
        alias_set = self.aliases.set_of(name, typ)
        key = canonical_key(alias_set.canonical if alias_set else name)
        return self.arm_of.get((typ, key), key)

    def group_filter(self, typ, key) -> dict:
        return {"terms": {typ: self.members[(typ, key)][:MAX_GROUP_VALUES]}}

    # -- boilerplate --------------------------------------------------------

    def _find_boilerplate(self, cluster, index) -> dict:
        def search(aggs):
            body = {"size": 0, "track_total_hits": False, "query": {"match_all": {}}, "aggs": aggs}
            return cluster.read(cluster.client.search, index=index, body=body)["aggregations"]

        found = search({"p": {"terms": {"field": "publisher", "missing": "", "size": 100_000}}})
        articles = {b["key"]: b["doc_count"] for b in found["p"]["buckets"]}
        if not articles:
            return {}
        # Candidates: names in at least `share` of a large enough publisher's
        # articles, names of credit lines, and every group of several values
        # (whose members may each be rarer than the group).
        per_publisher = {}
        for i, (publisher, n) in enumerate(articles.items()):
            sub = {CREDITED_FIELD: {"terms": {"field": CREDITED_FIELD, "size": 10_000}}}
            if n >= DEFAULT_MIN_ARTICLES:
                least = max(1, math.ceil(DEFAULT_SHARE * n))
                for typ in ENTITY_TYPES:
                    sub[typ] = {"terms": {"field": typ, "size": 10_000, "min_doc_count": least}}
            per_publisher[f"p{i}"] = {"filter": publisher_filter(publisher), "aggs": sub}
        credits, candidates = {}, set()
        found = search(per_publisher) if per_publisher else {}
        for i, publisher in enumerate(articles):
            result = found.get(f"p{i}") or {}
            for typ in ENTITY_TYPES:
                for b in (result.get(typ) or {}).get("buckets") or []:
                    candidates.add((typ, self.group_of.get((typ, b["key"]), self._key(typ, b["key"]))))
            for b in (result.get(CREDITED_FIELD) or {}).get("buckets") or []:
                typ, _, name = b["key"].partition(":")
                if typ in ENTITY_TYPES:
                    key = (typ, self._key(typ, name))
                    credits.setdefault(publisher, Counter())[key] += b["doc_count"]
                    candidates.add(key)
        candidates.update((t, k) for (t, k), values in self.members.items() if len(values) > 1)
        own = set().union(*(publisher_keys(p) for p in articles))  # publishers' own names
        candidates.update((t, k) for (t, k) in self.members if k in own)
        candidates = sorted(c for c in candidates if c in self.members)
        counts = {p: Counter() for p in articles}
        for start in range(0, len(candidates), 1000):
            part = candidates[start:start + 1000]
            filters = {str(j): self.group_filter(t, k) for j, (t, k) in enumerate(part)}
            found = search({"p": {"terms": {"field": "publisher", "missing": "", "size": 100_000},
                                  "aggs": {"g": {"filters": {"filters": filters}}}}})
            for b in found["p"]["buckets"]:
                for j, cand in enumerate(part):
                    n = b["g"]["buckets"][str(j)]["doc_count"]
                    if n:
                        counts[b["key"]][cand] = n
        return with_own_names(boilerplate_names(counts, articles, credits, min_credited=DEFAULT_MIN_CREDITED), counts)

    # -- per article --------------------------------------------------------

    def names(self, typ, values, publisher) -> list:
        """The names to count and show of an article holding these indexed
        values (sorted, as the postings give them), grouped, its publisher's
        boilerplate left out."""
        skip = self.boilerplate.get(publisher or "", frozenset())
        out = []
        for value in sorted(values or ()):
            key = self.group_of.get((typ, value), self._key(typ, value))
            shown = self.display.get((typ, key), self.aliases.canonical(value, typ))
            if (typ, key) not in skip and shown not in out:
                out.append(shown)
        return out

    def chips(self, typ, values, publisher, stored_names) -> list:
        keep = set(self.names(typ, values, publisher))
        out = []
        for name in stored_names or ():
            key = self.group_of.get((typ, fold_keyword(name)), self._key(typ, name))
            shown = self.display.get((typ, key), self.aliases.canonical(name, typ))
            if shown in keep and shown not in out:
                out.append(shown)
        return out

    def is_boilerplate(self, publisher, typ, name) -> bool:
        skip = self.boilerplate.get(publisher or "", frozenset())
        return (typ, self._key(typ, name)) in skip

    def boilerplate_of(self) -> dict:
        return {p: sorted(self.display.get(g, g[1]) for g in names) for p, names in self.boilerplate.items() if names}

    def filter_terms(self, typ, name) -> list:
        key = self._key(typ, name)
        terms = [(typ, v) for v in self.members.get((typ, key), [])]
        forms = set()
        for value in [name] + self.members.get((typ, key), []) + self.aliases.forms(self.display.get((typ, key), name), typ):
            forms.update(self.forms.get((typ, canonical_key(value)), []))
        terms += [(FORMS_FIELD, f) for f in sorted(forms)]
        return terms or [(typ, fold_keyword(name))]

    # -- facets ---------------------------------------------------------------

    def facet_aggs(self, size) -> dict:
        """The aggregations that count the entity facets of a search."""
        aggs = {}
        for typ in ENTITY_TYPES:
            special = self.special[typ]
            plain_size = size + sum(len(self.members[(typ, k)]) for k in special) + 10
            if typ == "person":  # short names join full names among all those counted
                plain_size = max(plain_size, PERSON_FACET_VALUES)
            plain_size = min(plain_size, 5000)
            aggs[typ] = {"terms": {"field": typ, "size": plain_size, "shard_size": max(plain_size * 2, 100)}}
            if special:
                filters = {}
                for j, key in enumerate(special):
                    pubs = [p for p, names in self.boilerplate.items() if (typ, key) in names]
                    f = {"bool": {"filter": [self.group_filter(typ, key)]}}
                    if pubs:
                        f["bool"]["must_not"] = [publisher_filter(p) for p in pubs]
                    filters[str(j)] = f
                aggs[f"{typ}__groups"] = {"filters": {"filters": filters}}
        return aggs

    def facet_counts(self, aggregations, size) -> dict:
        out = {}
        for typ in ENTITY_TYPES:
            special = set(self.special[typ])
            counts = Counter()
            for b in (aggregations.get(typ) or {}).get("buckets") or []:
                key = self.group_of.get((typ, b["key"]))
                if key is None:  # (not as get's default: that computed the key of every bucket, every search)
                    key = self._key(typ, b["key"])
                if key in special:
                    continue
                counts[self.display.get((typ, key), b["key"])] += b["doc_count"]
            groups = (aggregations.get(f"{typ}__groups") or {}).get("buckets") or {}
            for j, key in enumerate(self.special[typ]):
                n = (groups.get(str(j)) or {}).get("doc_count", 0)
                if n:
                    counts[self.display[(typ, key)]] += n
            if typ == "person" and merge_short_names is not None:
                counts = merge_short_names(counts)  # 香川 counts for the one 香川… of the result
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
            out[typ] = [{"value": v, "count": n} for v, n in ranked]
        return out


__all__ = ["ClusterEntityView", "composite_values", "publisher_filter"]
