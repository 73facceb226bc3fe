"""What the query analysis asks of an index, answered by the cluster.

search.query.analysis asks its Stats for document frequencies, the reading
keys starting with a prefix (``expand_prefix("text_rd", ...)``), the words
of the index that sound alike (``sound_variants``) and whether some article
holds a phrase (``has_phrase``).  One question at a time would be one round
trip each, dozens per query; so :func:`analyze` runs the analysis, which
answers what it does not know yet with a guess and notes the question, then
asks the cluster every noted question at once (one ``_msearch`` of the
lexicon, one ``filters`` aggregation for the counts and phrases), and runs
the analysis again, until a run asks nothing new (two or three rounds; the
analysis of a query takes a millisecond, Sudachi's pass is cached).  The
last run has every answer from the cluster, so the analysis is exactly what
a Stats over the same index would give.

Answers are kept per index generation (search.backends.opensearch.searcher
polls it), so a repeated query asks nothing.
"""

from __future__ import annotations

import math
import threading

from search.query.analysis import Stats, _phrase_form, analyze_query

MAX_PREFIX_TERMS = 200
MAX_SOUND_VARIANTS = 8
MAX_ROUNDS = 6
CACHE_LIMIT = 200_000


class AnswerCache:
    """Answers of one index generation, shared by the threads of a searcher."""

    def __init__(self):
        self.lock = threading.Lock()
        self.generation = None
        self.answers = {}

    def for_generation(self, generation) -> dict:
        with self.lock:
            if generation != self.generation or len(self.answers) > CACHE_LIMIT:
                self.generation, self.answers = generation, {}
            return self.answers


class ClusterStats(Stats):
    """A Stats whose answers come from the cluster (see the module doc)."""

    def __init__(self, backend, answers: dict | None = None):
        super().__init__(reader=None)
        self.backend = backend  # has .cluster, .index, .lexicon
        self.answers = answers if answers is not None else {}
        self.missing = set()
        self.reader = self  # "there is an index": analysis checks `stats.reader is None`

    # -- the questions ------------------------------------------------------

    def _ask(self, key, guess):
        if key in self.answers:
            return self.answers[key]
        self.missing.add(key)
        return guess

    def doc_count(self) -> int:
        return self._ask(("n",), 1)

    def doc_frequency(self, fieldname, term) -> int:
        return self._ask(("df", fieldname, term), 1)

    def expand_prefix(self, fieldname, prefix) -> list:
        return list(self._ask(("prefix", fieldname, prefix), ()))

    def sound_variants(self, key) -> list:
        return list(self._ask(("sound", key), ()))

    def has_phrase(self, fieldname, terms_with_pos) -> bool:
        dfs = [self.doc_frequency(fieldname, t) for t, _ in terms_with_pos]
        if not all(dfs):
            return False
        key = ("phrase", fieldname, tuple(terms_with_pos))
        return self._ask(key, True)

    def idf(self, fieldname, term) -> float:
        n = self.doc_count()
        if not n:
            return 1.0
        return math.log(n / (self.doc_frequency(fieldname, term) + 1)) + 1

    # -- asking the cluster -------------------------------------------------

    def fetch(self) -> None:
        """Answer every noted question (one lexicon _msearch, one count request)."""
        missing, self.missing = self.missing, set()
        lookups = [k for k in missing if k[0] in ("prefix", "sound")]
        counts = [k for k in missing if k[0] in ("df", "phrase", "n")]
        found = {}
        if lookups:
            found = self._lookups(lookups)
            # the sound groups' members are ranked by their document frequency
            for key in lookups:
                if key[0] == "sound":
                    counts.extend(("df", "text", t) for t in found[key] if ("df", "text", t) not in self.answers)
        answers = self._counts(counts) if counts else {}
        for key in lookups:
            if key[0] == "prefix":
                answers[key] = tuple(found[key])
            else:
                members = [(answers.get(("df", "text", t), self.answers.get(("df", "text", t), 0)), t)
                           for t in found[key]]
                members = sorted((m for m in members if m[0] > 0), reverse=True)
                answers[key] = tuple(t for _, t in members[:MAX_SOUND_VARIANTS])
        self.answers.update(answers)

    def _lookups(self, keys) -> dict:
        from search.backends.opensearch.mapping import lexicon_name

        lexicon = lexicon_name(self.backend.index)
        body = []
        for key in keys:
            if key[0] == "prefix":
                _, fieldname, prefix = key
                q = {"bool": {"filter": [{"term": {"kind": fieldname}}, {"prefix": {"term": {"value": prefix}}}]}}
                size = MAX_PREFIX_TERMS
            else:
                q = {"bool": {"filter": [{"term": {"kind": "text"}}, {"term": {"sound": {"value": key[1]}}}]}}
                size = 1000
            body.append({"index": lexicon})
            body.append({"query": q, "size": size, "sort": [{"term": "asc"}], "_source": ["term"],
                         "track_total_hits": False})
        cluster = self.backend.cluster
        answer = cluster.read(cluster.client.msearch, body=body)
        out = {}
        for key, response in zip(keys, answer["responses"]):
            if "error" in response:
                raise _error(response["error"])
            out[key] = [hit["_source"]["term"] for hit in response["hits"]["hits"]]
        return out

    def _counts(self, keys) -> dict:
        from search.backends.opensearch.compiler import _Compiler

        compiler = _Compiler()
        filters = {}
        for i, key in enumerate(keys):
            if key[0] == "df":
                filters[str(i)] = {"term": {key[1]: {"value": key[2]}}}
            elif key[0] == "phrase":
                form = _phrase_form("normalized", "terms", key[2])
                positions = form.positions or (0,)
                filters[str(i)] = compiler.phrase(key[1], form.terms, positions, 1.0, positive=False)
        body = {"size": 0, "track_total_hits": True, "query": {"match_all": {}}}
        if filters:
            body["aggs"] = {"q": {"filters": {"filters": filters}}}
        cluster = self.backend.cluster
        answer = cluster.read(cluster.client.search, index=self.backend.index, body=body,
                              params={"request_cache": "true"})
        buckets = ((answer.get("aggregations") or {}).get("q") or {}).get("buckets") or {}
        out = {}
        for i, key in enumerate(keys):
            if key[0] == "n":
                out[key] = answer["hits"]["total"]["value"]
            elif key[0] == "df":
                out[key] = buckets[str(i)]["doc_count"]
            else:
                out[key] = buckets[str(i)]["doc_count"] > 0
        return out


def _error(error) -> Exception:
    from opensearchpy.exceptions import TransportError

    return TransportError(500, str(error.get("type") if isinstance(error, dict) else error), error)


def analyze(tree, backend, synonyms, answers: dict | None = None):
    """(chunks, stats): analyze_query over the cluster's statistics (see the module doc)."""
    stats = ClusterStats(backend, answers)
    for _ in range(MAX_ROUNDS):
        chunks = analyze_query(tree, stats, synonyms)
        if not stats.missing:
            return chunks, stats
        stats.fetch()
    return analyze_query(tree, stats, synonyms), stats


__all__ = ["AnswerCache", "ClusterStats", "analyze"]
