"""The cluster backend's searcher: WhooshSearcher's public API over OpenSearch.

``OpenSearchSearcher(url, index_name, synonyms, aliases)`` answers what
search.searcher.Searcher hands it, with the same results (SearchResult, the
same hit dicts): the query language and its analysis are this project's
(search.query, over the cluster's statistics: stats.py), the DSL is
compiler.py's, and everything a reader sees is made here from what the
cluster returns, with the embedded backend's own functions.

**Ranking.** BM25 (k1 1.2, b 0.75, Whoosh's BM25F defaults) over the same
fields and field weights; the title weight is in the documents (mapping.py);
the phrase bonus is a ``should``; statistics are the whole index's
(``dfs_query_then_fetch``: with two shards or more each would otherwise
score with its own document frequencies).  **Recency** is a
``function_score`` with no script: two functions summed, a weight of 1 for
every article and, for the dated ones, an ``exp`` decay on ``date`` from
the newest article (origin) with a scale of RECENCY_HALF_LIFE_DAYS and a
decay of 0.5, weighted RECENCY_WEIGHT, multiplied into the score: exactly
score × (1 + 0.1 × 0.5^(age / 365 days)); an article without a date gets
1, as in the embedded index.

**Snippets.** The cluster's unified highlighter marks the query's positive
terms (every occurrence, as the embedded index's postings give them: a
``highlight_query`` of ``term`` queries per field) with private-use
characters, in sentences cut from the stored text; the marks become
character spans of the combined title + body, and search.highlight's
Fragment, whole and best_fragment make the same HTML as the embedded
backend.  Bigram matches that overlap come back cut at the overlap and are
joined again.

**Relaxed results.** When every word together finds nothing: one query
whose words are a ``bool.should`` with ``minimum_should_match`` n − 1 (then
n − 2 from four words on, as search.relax), each word's clause scoring a
constant 1000 plus its score, so articles rank by the words they have,
then by score; each clause is named, so a hit's ``matched_queries`` say
which words it lacks, and a ``filters`` aggregation counts how many lack
each word.

**Explain.** Every form is a named query: a hit's ``matched_queries`` name
the forms it matched; the surest tier of each word is reported, with the
article's text there (found by analysing the hit again: explain is a
developer's view).

**Similar.** The article's key terms are weighed as WhooshSearcher.similar
weighs them (Bo1 over the term's frequency in the article and in the index:
the cluster's term statistics for the article's own terms, from the
``_termvectors`` of its shard) and searched as a ``bool.should`` of
``term`` queries, boosted by weight.

Suggestions and did-you-mean: suggestions.py; hits, snippets and explain
made from what the cluster returns: hits.py.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import Counter

from index import config
from index.analysis import PART_SEPARATOR, morph_terms, part_streams
from index.entities.canonical import AliasSource, Aliases
from search.backends.opensearch import mapping
from search.backends.opensearch.client import connect, public_url
from search.backends.opensearch.client import index_name as _index_name
from search.backends.opensearch.compiler import build_filter, compile_tree, relaxable
from search.backends.opensearch.entities import ClusterEntityView
from search.backends.opensearch.hits import _article, _explain, _highlight, _spans
from search.backends.opensearch.stats import AnswerCache, analyze
from search.backends.opensearch.suggestions import Suggestions
from search.highlight import best_fragment, split_spans, whole
from search.query import parse
from search.query import explain as explain_query
from search.relax import TWO_MISSING_FROM
from search.searcher import SORTS, ArticleNotFound, BadRequest, SearchResult, _check_paging, _hit_dict, _is_text
from search.synonyms import SynonymSource, Synonyms

RELAXED_WORD_SCORE = 1000.0
GENERATION_POLL_SECONDS = 1.0
DFS_ENV = "SEARCH_OPENSEARCH_DFS"
SOURCE_FIELDS = ["id", "hash", "publisher", "person", "place", "org", "stored", "date"]
MAX_WINDOW = 100_000


class _Generation:
    """What is read once per state of the index: its newest date, the
    entity view (per alias table), the analysis answers."""

    def __init__(self, token, newest, documents):
        self.token = token
        self.newest = newest  # epoch ms of the newest article, or None
        self.documents = documents
        self.lock = threading.Lock()
        self._view = None

    def view(self, searcher) -> ClusterEntityView:
        aliases = searcher.aliases
        with self.lock:
            view = self._view
            if view is None or view.aliases is not aliases:
                view = self._view = ClusterEntityView(searcher.cluster, searcher.index, aliases)
        return view


class OpenSearchSearcher(Suggestions):
    """Search one index of a cluster.  Safe to share between threads."""

    def __init__(self, url, index_name=None, synonyms=None, aliases=None):
        from index.storage import IndexMissing

        self.url = url
        self.index = _index_name(index_name)
        self.lexicon = mapping.lexicon_name(self.index)
        self.cluster = connect(url)
        self._synonyms = synonyms if isinstance(synonyms, Synonyms) else SynonymSource(synonyms)
        self._aliases = aliases if isinstance(aliases, Aliases) else AliasSource(aliases)
        self._answers = AnswerCache()
        self._lock = threading.Lock()
        self._generation_ = None
        self._checked = 0.0
        self.dfs = os.environ.get(DFS_ENV, "1") != "0"
        try:
            exists = self.cluster.call(self.cluster.client.indices.exists, index=self.index,
                                       deadline=time.monotonic() + 30)
        except Exception as exc:
            self.cluster.close()
            from index.storage import IndexUnusable

            raise IndexUnusable(f"cannot reach the cluster at {public_url(url)}: {exc}") from None
        if not exists:
            self.cluster.close()
            raise IndexMissing(f"no index {self.index} on {public_url(url)}: create it with "
                               f"`search index --backend opensearch --url URL --index {self.index} PATH`")
        from search.backends.opensearch.sink import check_meta

        self.meta = check_meta(self.cluster, self.index)
        self.index_dir = None

    # -- settings ---------------------------------------------------------

    @property
    def aliases(self) -> Aliases:
        return self._aliases if isinstance(self._aliases, Aliases) else self._aliases.current()

    @property
    def synonyms(self) -> Synonyms:
        return self._synonyms if isinstance(self._synonyms, Synonyms) else self._synonyms.current()

    def index_dictionary(self):
        """Articles in a cluster are analysed with the system dictionary
        (an index folder's user dictionary does not travel with it)."""
        from index.analysis import using_dictionary

        return using_dictionary(None)

    def close(self):
        self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- plumbing -----------------------------------------------------------

    def _search(self, body, *, dfs=None, **params):
        p = {"search_type": "dfs_query_then_fetch"} if (self.dfs if dfs is None else dfs) else {}
        p.update(params)
        return self.cluster.read(self.cluster.client.search, index=self.index, body=body, params=p)

    def _generation(self) -> _Generation:
        """The index's current state, checked at most once a second: a new
        one when documents were written, deleted or refreshed (or the index
        was made anew)."""
        now = time.monotonic()
        gen = self._generation_
        if gen is not None and now - self._checked < GENERATION_POLL_SECONDS:
            return gen
        with self._lock:
            gen = self._generation_
            if gen is not None and time.monotonic() - self._checked < GENERATION_POLL_SECONDS:
                return gen
            stats = self.cluster.call(self.cluster.client.indices.stats, index=self.index,
                                      metric="docs,indexing,refresh")
            (uuid, body), = ((v.get("uuid"), v) for v in stats["indices"].values())
            p = body["primaries"]
            token = (uuid, p["docs"]["count"], p["docs"]["deleted"], p["indexing"]["index_total"],
                     p["indexing"]["delete_total"], p["refresh"]["total"])
            if gen is None or gen.token != token:
                answer = self._search({"size": 0, "track_total_hits": True, "query": {"match_all": {}},
                                       "aggs": {"newest": {"max": {"field": "date"}}}}, dfs=False)
                newest = answer["aggregations"]["newest"].get("value")
                gen = self._generation_ = _Generation(token, newest, answer["hits"]["total"]["value"])
            self._checked = time.monotonic()
            return gen

    def _analyze(self, tree, synonyms, gen):
        answers = self._answers.for_generation(gen.token)
        with self.index_dictionary():
            return analyze(tree, self, synonyms, answers)

    def _recency(self, query, gen):
        if gen.newest is None:
            return query
        return {"function_score": {
            "query": query,
            "functions": [
                {"weight": 1.0},
                {"filter": {"exists": {"field": "date"}},
                 "exp": {"date": {"origin": int(gen.newest), "scale": f"{int(config.RECENCY_HALF_LIFE_DAYS * 86400000)}ms",
                                  "decay": 0.5}},
                 "weight": config.RECENCY_WEIGHT},
            ],
            "score_mode": "sum",
            "boost_mode": "multiply",
        }}

    # -- search -----------------------------------------------------------

    def search(self, query: str = "", filters: dict | None = None, sort: str = "relevance", page: int = 1,
               per_page: int = 10, facets: bool = True, recency: bool = True, snippets: bool = True,
               synonyms: bool = True, alternatives: bool = True, explain: bool = False, relax: bool = True,
               collapse: bool = True):
        """As WhooshSearcher.search (see there).  ``collapse`` is taken and has
        no effect yet: the cluster's documents do not carry the near-copy
        groups of index.dedup, so every article is a group of its own."""
        started = time.perf_counter()
        page, per_page = _check_paging(page, per_page)
        if sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        tree = parse(query or "")
        used_synonyms = self.synonyms if synonyms else None
        gen = self._generation()
        chunks, _ = self._analyze(tree, used_synonyms, gen)
        view = gen.view(self)
        entity_terms = view.filter_terms
        q, compiled = compile_tree(tree, chunks, synonyms=used_synonyms, entity_terms=entity_terms, named=explain)
        fq = build_filter(filters, entity_terms)
        matched = {"bool": {"must": [q], "filter": fq}} if fq else q
        use_recency = recency and sort == "relevance"
        first = (page - 1) * per_page
        body = {
            "query": self._recency(matched, gen) if use_recency else matched,
            "from": min(first, MAX_WINDOW), "size": per_page if first + per_page <= MAX_WINDOW else 0,
            "track_total_hits": True,
            "timeout": f"{int(config.SEARCH_TIME_LIMIT_SECONDS * 1000)}ms",
            "_source": SOURCE_FIELDS,
        }
        if sort == "date":
            body["sort"] = _DATE_SORT
        if facets:
            body["aggs"] = self._facet_aggs(view)
        if snippets:
            highlight = _highlight(compiled.positive)
            if highlight:
                body["highlight"] = highlight
        answer = self._search(body)
        total = answer["hits"]["total"]["value"]
        timed_out = bool(answer.get("timed_out"))
        hits_raw = answer["hits"]["hits"]
        aggregations = answer.get("aggregations") or {}
        relaxed = None
        if relax and total == 0 and tree is not None:
            relaxed = self._relaxed(tree, chunks, used_synonyms, entity_terms, fq, gen, sort, first, per_page,
                                    facets, view, compiled, explain, snippets, use_recency)
            if relaxed is not None:
                total, timed_out = relaxed["total"], relaxed["timed_out"] or timed_out
                hits_raw, aggregations = relaxed["hits"], relaxed["aggregations"]
        hits = self._render_hits(hits_raw, view, snippets)
        if relaxed is not None:
            for hit, raw in zip(hits, hits_raw):
                hit["missing"] = raw["_missing"]
                if hit.get("score") is not None:
                    hit["score"] = round(raw["_relaxed_score"], 4)
        if explain:
            for hit, raw in zip(hits, hits_raw):
                hit["explain"] = _explain(chunks, set(raw.get("matched_queries") or ()), raw["_source"])
        facet_counts = self._facets(aggregations, view, config.FACET_SIZE) if facets else {}
        result = SearchResult(query or "", total, page, per_page, hits, facet_counts, timed_out=timed_out,
                              relaxed=relaxed["dropped"] if relaxed is not None else None)
        if alternatives and relaxed is None and not total and (query or filters):
            with self.index_dictionary():
                result.alternatives = self.alternatives(query or "", filters)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _facet_aggs(self, view) -> dict:
        size = config.FACET_SIZE
        aggs = {
            "category": {"terms": {"field": "category", "size": size, "shard_size": 200}},
            "tags": {"terms": {"field": "tags", "size": size, "shard_size": 500}},
            "month": {"terms": {"field": "month", "size": 5000, "order": {"_key": "asc"}}},
        }
        aggs.update(view.facet_aggs(size))
        return aggs

    def _facets(self, aggregations, view, size) -> dict:
        entity = view.facet_counts(aggregations, size)
        out = {}
        for name in ("category", "tags", "person", "place", "org", "month"):
            if name in entity:
                out[name] = entity[name]
                continue
            buckets = (aggregations.get(name) or {}).get("buckets") or []
            rows = [{"value": b["key"], "count": b["doc_count"]} for b in buckets]
            if name != "month":
                rows = sorted(rows, key=lambda r: (-r["count"], r["value"]))[:size]
            out[name] = rows
        return out

    def _relaxed(self, tree, chunks, synonyms, entity_terms, fq, gen, sort, first, per_page, facets, view,
                 compiled, explain, snippets, use_recency):
        parts = relaxable(tree, chunks, synonyms=synonyms, entity_terms=entity_terms, named=explain)
        if not parts:
            return None
        fixed, words, bonus = parts
        n = len(words)

        def scored(q):
            return self._recency(q, gen) if use_recency else q

        clauses = [{"bool": {"must": [scored(q), {"match_all": {"boost": RELAXED_WORD_SCORE}}], "_name": f"relax{i}"}}
                   for i, (_, q) in enumerate(words)]
        for allowed in (1, 2):
            if allowed == 2 and n < TWO_MISSING_FROM:
                break
            core = {"bool": {"should": clauses, "minimum_should_match": n - allowed}}
            if bonus is not None:
                core = {"bool": {"must": [core], "should": [scored(bonus)]}}
            query = {"bool": {"must": [core], "filter": list(fixed) + list(fq)}}
            aggs = {"__words": {"filters": {"filters": {str(i): q for i, (_, q) in enumerate(words)}}}}
            if facets:
                aggs.update(self._facet_aggs(view))
            body = {"query": query, "from": min(first, MAX_WINDOW),
                    "size": per_page if first + per_page <= MAX_WINDOW else 0, "track_total_hits": True,
                    "timeout": f"{int(config.SEARCH_TIME_LIMIT_SECONDS * 1000)}ms", "_source": SOURCE_FIELDS,
                    "aggs": aggs}
            if sort == "date":
                body["sort"] = _DATE_SORT
            if snippets:
                highlight = _highlight(compiled.positive)
                if highlight:
                    body["highlight"] = highlight
            answer = self._search(body)
            total = answer["hits"]["total"]["value"]
            if not total:
                continue
            hits = answer["hits"]["hits"]
            for hit in hits:
                have = {int(name[5:]) for name in hit.get("matched_queries") or () if name.startswith("relax")}
                hit["_missing"] = [words[i][0] for i in range(n) if i not in have]
                score = hit.get("_score")
                hit["_relaxed_score"] = (score - RELAXED_WORD_SCORE * len(have)) if score is not None else 0.0
            buckets = answer["aggregations"]["__words"]["buckets"]
            lacking = Counter({words[i][0]: total - buckets[str(i)]["doc_count"] for i in range(n)})
            # the word most often missing first (ties: in the order of the query)
            dropped = [w for w, k in sorted(lacking.items(), key=lambda kv: -kv[1]) if k > 0]
            return {"total": total, "timed_out": bool(answer.get("timed_out")), "hits": hits,
                    "aggregations": answer.get("aggregations") or {}, "dropped": dropped}
        return None

    def _render_hits(self, hits_raw, view, snippets=True) -> list:
        out = []
        for raw in hits_raw:
            article, stored, src = _article(raw["_source"])
            publisher = src.get("publisher", "")
            for typ in ("person", "place", "org"):
                article[typ] = view.chips(typ, src.get(typ) or [], publisher, stored.get(typ) or [])
            hit = _hit_dict(article, raw.get("_score"))
            spans = _spans(raw.get("highlight") or {}, article["title"] + PART_SEPARATOR + article["body"])
            title_spans, body_spans = split_spans(spans, article["title"])
            hit["title_html"] = whole(article["title"], title_spans).html()
            if snippets:
                hit["snippet"] = best_fragment(article["body"], body_spans, config.SNIPPET_CHARS).html()
            out.append(hit)
        return out

    # -- explain ------------------------------------------------------------

    def explain(self, query: str) -> list:
        tree = parse(query)
        gen = self._generation()
        _, stats = self._analyze(tree, self.synonyms, gen)
        with self.index_dictionary():
            return explain_query(query, self.synonyms, stats)

    # -- articles ---------------------------------------------------------

    def _fetch(self, article_id):
        from opensearchpy.exceptions import NotFoundError

        if not isinstance(article_id, str) or not _is_text(article_id):
            raise ArticleNotFound(article_id)
        try:
            doc = self.cluster.call(self.cluster.client.get, index=self.index, id=mapping.doc_id(article_id),
                                    params={"_source_includes": ",".join(SOURCE_FIELDS)})
        except NotFoundError:
            raise ArticleNotFound(article_id) from None
        if not doc.get("found") or (doc["_source"].get("id") != article_id):
            raise ArticleNotFound(article_id)
        return doc

    def get(self, article_id: str, query: str | None = None) -> dict:
        doc = self._fetch(article_id)
        article, stored, src = _article(doc["_source"])
        gen = self._generation()
        view = gen.view(self)
        publisher = src.get("publisher", "")
        for typ in ("person", "place", "org"):
            article[typ] = view.chips(typ, src.get(typ) or [], publisher, stored.get(typ) or [])
        article["entities"] = []
        for t, ty, f, a, b, *canonical in stored.get("entities") or []:
            name = self.aliases.canonical(canonical[0] if canonical else t, ty)
            article["entities"].append({"text": t, "type": ty, "field": f, "start": a, "end": b, "canonical": name,
                                        "boilerplate": view.is_boilerplate(publisher, ty, name)})
        if query:
            tree = parse(query)
            chunks, _ = self._analyze(tree, self.synonyms, gen)
            _, compiled = compile_tree(tree, chunks, synonyms=self.synonyms)
            spans = []
            highlight = _highlight(compiled.positive)
            if highlight:
                answer = self._search({"size": 1, "query": {"ids": {"values": [mapping.doc_id(article_id)]}},
                                       "_source": False, "highlight": highlight}, dfs=False)
                for hit in answer["hits"]["hits"]:
                    spans = _spans(hit.get("highlight") or {}, article["title"] + PART_SEPARATOR + article["body"])
            title_spans, body_spans = split_spans(spans, article["title"])
            article["title_html"] = whole(article["title"], title_spans).html()
            article["body_html"] = whole(article["body"], body_spans).html()
        return article

    def similar(self, article_id: str, limit: int = 10) -> list:
        """Articles like this one: its key terms (WhooshSearcher.similar's
        Bo1 weights, from the cluster's term statistics), ORed."""
        import math

        _, limit = _check_paging(1, limit)
        doc = self._fetch(article_id)
        stored = doc["_source"].get("stored") or {}
        text = (stored.get("title") or "") + "\n" + (stored.get("body") or "")
        with self.index_dictionary():
            weights = Counter()
            for part, items, _ in part_streams(text, lambda a: morph_terms(a.morphemes)):
                for term, _, _, _ in items:
                    weights[term] += part.boost
        if not weights:
            return []
        tv = self.cluster.call(self.cluster.client.termvectors, index=self.index, id=mapping.doc_id(article_id),
                               params={"fields": "text", "term_statistics": "true", "field_statistics": "true",
                                       "positions": "false", "offsets": "false", "payloads": "false",
                                       "realtime": "false"})
        field = (tv.get("term_vectors") or {}).get("text") or {}
        n = (field.get("field_statistics") or {}).get("doc_count") or 1
        terms = field.get("terms") or {}
        scored, maxweight = [], 0.0
        for word, w in weights.items():
            info = terms.get(word)
            if not info or not info.get("ttf"):
                continue
            f = info["ttf"] / n
            score = w * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2)
            maxweight = max(maxweight, score)
            scored.append((score, word))
        if not scored:
            return []
        f = maxweight / n
        norm = (maxweight * math.log((1.0 + f) / f) + math.log(1.0 + f)) / math.log(2.0) if maxweight else 1.0
        ranked = sorted(((s / norm, t) for s, t in scored), key=lambda x: (-x[0], x[1]))[:30]
        key_terms = [(t, w) for w, t in ranked if len(t) > 1 and not t.isdigit()][:15]
        if not key_terms:
            return []
        q = {"bool": {"should": [{"term": {"text": {"value": t, "boost": round(w, 6)}}} for t, w in key_terms],
                      "minimum_should_match": 1,
                      "must_not": [{"ids": {"values": [mapping.doc_id(article_id)]}}]}}
        answer = self._search({"query": q, "size": limit, "_source": SOURCE_FIELDS, "track_total_hits": False})
        gen = self._generation()
        return self._render_hits(answer["hits"]["hits"], gen.view(self), snippets=True)

    def last_indexed(self):
        """Saved-search alerts (search.alerts) read up to the newest
        ``indexed`` stamp (index.stamps); the cluster's documents do not
        carry those stamps yet, so alerts cannot run on a cluster."""
        from search.alerts import AlertsUnsupported

        raise AlertsUnsupported(f"saved-search alerts need the time each article was indexed, which the "
                                f"OpenSearch backend does not record yet (index {self.index} on "
                                f"{public_url(self.url)}); use them with an embedded index")

    def stored_articles(self, page_size: int = 500):
        """The stored fields of every article (what index.schema.from_stored
        reads), sorted by id, as the embedded index's export gives them: for
        ``search export`` and anything that copies an index.  Paged by id
        (``search_after``), so memory stays flat on any size of index."""
        after = None
        while True:
            body = {"size": page_size, "query": {"match_all": {}}, "sort": [{"id": "asc"}],
                    "_source": ["id", "hash", "stored"], "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            hits = self._search(body, dfs=False)["hits"]["hits"]
            for hit in hits:
                source = hit["_source"]
                stored = dict(source.get("stored") or {})
                stored["id"], stored["hash"] = source.get("id"), source.get("hash")
                yield stored
            if len(hits) < page_size:
                return
            after = hits[-1]["sort"]

    # -- whole index ------------------------------------------------------

    def stats(self, top: int = 10) -> dict:
        gen = self._generation()
        view = gen.view(self)
        aggs = {
            "category": {"terms": {"field": "category", "size": top, "shard_size": 200}},
            "tags": {"terms": {"field": "tags", "size": top, "shard_size": 500}},
            "first": {"min": {"field": "date"}}, "last": {"max": {"field": "date"}},
        }
        aggs.update(view.facet_aggs(top))
        answer = self._search({"size": 0, "track_total_hits": True, "query": {"match_all": {}}, "aggs": aggs},
                              dfs=False)
        a = answer["aggregations"]
        entity = view.facet_counts(a, top)
        istats = self.cluster.call(self.cluster.client.indices.stats, index=f"{self.index},{self.lexicon}",
                                   metric="store,segments,docs")
        prim = {name: v["primaries"] for name, v in istats["indices"].items()}
        total = {name: v["total"] for name, v in istats["indices"].items()}
        terms = self.cluster.read(self.cluster.client.count, index=self.lexicon,
                                  body={"query": {"term": {"kind": "text"}}})["count"]
        settings = self.cluster.call(self.cluster.client.indices.get_settings, index=self.index)
        s = next(iter(settings.values()))["settings"]["index"]
        health = self.cluster.call(self.cluster.client.cluster.health, index=self.index)

        def when(value):
            if value is None:
                return None
            return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc).replace(tzinfo=None).isoformat() + "Z"

        return {
            "index": f"{self.index} on {public_url(self.url)}",
            "backend": "opensearch",
            "documents": answer["hits"]["total"]["value"],
            "terms": terms,
            "segments": prim.get(self.index, {}).get("segments", {}).get("count"),
            "size_bytes": sum(p["store"]["size_in_bytes"] for p in prim.values()),
            "size_bytes_with_replicas": sum(t["store"]["size_in_bytes"] for t in total.values()),
            "shards": int(s.get("number_of_shards", 0)),
            "replicas": int(s.get("number_of_replicas", 0)),
            "health": health.get("status"),
            "date_from": when(a["first"].get("value")),
            "date_to": when(a["last"].get("value")),
            "categories": [{"value": b["key"], "count": b["doc_count"]} for b in a["category"]["buckets"]],
            "tags": [{"value": b["key"], "count": b["doc_count"]} for b in a["tags"]["buckets"]],
            "person": entity["person"],
            "place": entity["place"],
            "org": entity["org"],
            "versions": {k: v for k, v in self.meta.items() if k.endswith("version")},
        }


_DATE_SORT = [{"date": {"order": "desc", "missing": "_last"}}, {"id": {"order": "asc"}}]


__all__ = ["OpenSearchSearcher"]
