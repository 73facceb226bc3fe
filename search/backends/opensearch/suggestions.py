"""Completions and did-you-mean of the cluster backend (a mixin of
OpenSearchSearcher: the methods search.suggest asks a searcher for).

**Suggestions.** ``suggest(prefix)`` completes from the lexicon index
(mapping.lexicon_body): its entries by prefix, ranked by the counts the
writer recorded, then counted exactly; did-you-mean (in ``alternatives``)
looks for entries one edit away (a ``fuzzy`` query on the lexicon, edit
distance 1 with transpositions: search.suggest's rule).

Kept apart from searcher.py because it reads the lexicon index, not the
articles, and is search.suggest's logic re-expressed as lexicon queries.
"""

from __future__ import annotations

from index.analysis import fold
from search.backends.opensearch import mapping
from search.backends.opensearch.stats import ClusterStats
from search.searcher import BadRequest


class Suggestions:
    """alternatives(), did_you_mean(), suggest(); needs the searcher's
    cluster, lexicon, _search, _generation and _answers."""

    # search.suggest's functions hand their calls to these (_backends_own).
    own_suggestions = True

    def alternatives(self, query: str, filters: dict | None = None, limit: int = 3) -> dict:
        """search.suggest.alternatives, with did-you-mean from the lexicon index."""
        from search.suggest import Budget, _count, fewer_terms

        active = {k: v for k, v in (filters or {}).items() if v}
        has_query = bool((query or "").strip())
        budget = Budget()
        out = {
            "did_you_mean": self.did_you_mean(query, active, limit, budget),
            "fewer_terms": fewer_terms(self, query, active, limit, budget),
            "without_filters": (_count(self, query, None, budget) or 0) if active and has_query else 0,
        }
        for key in ("did_you_mean", "fewer_terms"):
            for item in out[key]:
                item["keeps_filters"] = True
        if active and has_query and not out["without_filters"]:
            for key, find in (("did_you_mean", self.did_you_mean), ("fewer_terms", fewer_terms)):
                if not out[key]:
                    args = (query, None, limit, budget) if key == "did_you_mean" else (self, query, None, limit, budget)
                    out[key] = [dict(item, keeps_filters=False) for item in find(*args)]
        return out

    def _lexicon_search(self, body_list) -> list:
        body = []
        for q in body_list:
            body.append({"index": self.lexicon})
            body.append(q)
        answer = self.cluster.read(self.cluster.client.msearch, body=body)
        return [[h["_source"] for h in (r.get("hits") or {}).get("hits") or []] for r in answer["responses"]]

    def did_you_mean(self, query: str, filters: dict | None = None, limit: int = 3, budget=None) -> list:
        """search.suggest.did_you_mean over the lexicon index."""
        from index.analysis import analyze as analyze_text
        from index.kana import hira_to_kata
        from search.suggest import Budget, _count, _is_plain_word, _plain_tokens

        budget = budget or Budget()
        tokens = _plain_tokens(query or "")
        if not tokens:
            return []
        gen = self._generation()
        candidates = {}
        for i, token in enumerate(tokens):
            if budget.expired():
                break
            if not _is_plain_word(token):
                continue
            word = hira_to_kata(fold(token))
            morphemes = [m for m in analyze_text(token).morphemes if m.indexed and len(m.term) >= 2]
            stats = ClusterStats(self, self._answers.for_generation(gen.token))
            for m in morphemes:
                for f in ("title", "text"):
                    stats.doc_frequency(f, m.term)
            if stats.missing:
                stats.fetch()
            exact = self._lexicon_search([{"query": {"term": {"key": word}}, "size": 1, "_source": ["kind"]}])[0]
            pairs = [] if exact else [(token, word, 0, len(token))]
            for m in morphemes:
                if not any(stats.doc_frequency(f, m.term) for f in ("title", "text")):
                    pairs.append((m.surface, m.term, m.start, m.end))
            for surface, key, start, end in pairs:
                if not 2 <= len(key) <= 20:
                    continue
                near = self._lexicon_search([{
                    "query": {"bool": {"filter": [{"fuzzy": {"key": {"value": key, "fuzziness": 1, "transpositions": True,
                                                                     "prefix_length": 0, "max_expansions": 1000}}}],
                                       "must_not": [{"terms": {"kind": ["category", "_lock"]}}, {"term": {"key": key}}]}},
                    "size": 200, "sort": [{"df": "desc"}, {"key": "asc"}], "_source": ["kind", "term", "key", "df"]}])[0]
                near = [e for e in near if 2 <= len(e["key"]) <= 20 and e["key"] != word]
                seen_keys = []
                for e in near:
                    if len(seen_keys) >= 5:
                        break
                    seen_keys.append(e)
                for e in seen_keys:
                    shown = self._display(e)
                    new_token = token[:start] + shown + token[end:]
                    new_query = " ".join(tokens[:i] + [new_token] + tokens[i + 1:])
                    if new_query not in candidates:
                        candidates[new_query] = (surface, shown)
                if len(candidates) >= 12:
                    break
        out = []
        for new_query, (replaced, by) in candidates.items():
            total = _count(self, new_query, filters, budget)
            if total is None:
                break
            if total:
                out.append({"query": new_query, "total": total, "replaced": replaced, "by": by})
        out.sort(key=lambda d: -d["total"])
        return out[:limit]

    def _display(self, entry) -> str:
        """The value as articles write it (terms of running text are folded)."""
        from search.suggest import TEXT_KINDS

        text = entry["term"]
        if entry["kind"] not in TEXT_KINDS or text == text.upper():
            return text
        field = "text" if entry["kind"] == "text" else "title"
        answer = self._search({"size": 1, "query": {"term": {field: text}}, "_source": ["stored.title", "stored.body"]},
                              dfs=False)
        import unicodedata

        for hit in answer["hits"]["hits"]:
            stored = hit["_source"].get("stored") or {}
            for value in (stored.get("title"), stored.get("body")):
                if not isinstance(value, str):
                    continue
                written = unicodedata.normalize("NFKC", value)
                at = written.lower().find(entry["key"])
                if at >= 0 and len(written.lower()) == len(written):
                    return written[at: at + len(entry["key"])]
        return text

    def suggest(self, prefix: str, limit: int = 8) -> list:
        """search.suggest.suggest's completions, from the lexicon index."""
        from search.suggest import (ENTITY_KINDS, MAX_PREFIX_CHARS, MIN_BODY_DOC_FREQ, SOURCES, TEXT_KINDS, _QUERY_FIELD,
                                    _check_limit, _prefix_forms, _wordlike)
        from search.query import quote

        limit = _check_limit(limit)
        if prefix is None:
            return []
        if len(prefix) > MAX_PREFIX_CHARS:
            raise BadRequest(f"the prefix is {len(prefix)} characters long; the limit is {MAX_PREFIX_CHARS}")
        forms = _prefix_forms(prefix)
        if not forms:
            return []
        weights = dict(SOURCES)
        kinds = [k for k in weights if k in mapping.LEXICON_KINDS]
        found = self._lexicon_search([{
            "query": {"bool": {"filter": [{"prefix": {"key": {"value": form}}}, {"terms": {"kind": kinds}}]}},
            "size": 200, "sort": [{"df": "desc"}, {"key": "asc"}], "_source": ["kind", "term", "key", "df"]}
            for form in forms])
        entries = []
        for form, rows in zip(forms, found):
            for e in rows:
                if e["kind"] in TEXT_KINDS:
                    if not _wordlike(e["term"]) or (e["kind"] != "title" and (e.get("df") or 0) < MIN_BODY_DOC_FREQ):
                        continue
                entries.append((form, e))
        # exact counts for the candidates
        field_of = {"text": "text", "title": "title", "text_rd": "text_rd"}
        filters = {str(i): {"term": {field_of.get(e["kind"], e["kind"]): e["term"]}} for i, (_, e) in enumerate(entries)}
        counts = {}
        if filters:
            answer = self._search({"size": 0, "track_total_hits": False, "query": {"match_all": {}},
                                   "aggs": {"c": {"filters": {"filters": filters}}}}, dfs=False)
            buckets = answer["aggregations"]["c"]["buckets"]
            counts = {i: buckets[str(i)]["doc_count"] for i in range(len(entries))}
        best = {}
        for i, (form, e) in enumerate(entries):
            count = counts.get(i, 0)
            if not count:
                continue
            score = count * weights[e["kind"]] * (2.0 if e["key"] == form else 1.0)
            prev = best.get(e["key"])
            rank = (e["kind"] in ENTITY_KINDS and e["kind"] != "category", score)
            if prev is None or rank > prev[0]:
                best[e["key"]] = (rank, e, max(count, prev[2]) if prev else count)
        ranked = sorted(best.values(), key=lambda item: (-item[0][1], -item[2], item[1]["key"]))[:limit]
        out = []
        for _, e, count in ranked:
            text = self._display(e)
            field = _QUERY_FIELD.get(e["kind"])
            q = f"{field}:{quote(text)}" if field else quote(text)
            out.append({"text": text, "kind": e["kind"], "count": count, "query": q})
        return out
