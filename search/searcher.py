"""The one searcher the CLI, the web page and embedding programs call.

``Searcher(index_dir)`` opens an index; ``search()`` parses, ranks (BM25F with
a mild recency boost), filters, counts facets and cuts highlighted snippets;
``similar()``, ``get()`` and ``stats()`` serve the article page and the
``search show/similar/stats`` commands.  Each call first picks up new commits,
so a long-running server sees what a concurrent ``search index`` wrote.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from whoosh import collectors
from whoosh import query as wq
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.times import long_to_datetime

from index import config
from index.schema import from_stored
from index.storage import damaged, open_index, read_meta
from index.userdict import use_index_dictionary
from search.dates import format_japanese, format_wareki
from search.generation import Generation, field_lengths, kept_with
from search.highlight import best_fragment, spans_for_docs, split_spans, whole
from index.entities.canonical import AliasSource, Aliases
from search.matched import matched_forms
from search.query import (
    QuerySyntaxError,
    Stats,
    analyze_query,
    build_filter,
    compile_query,
    compile_tree,
    parse,
    positive_terms,
    relaxable,
)
from search.query import explain as explain_query
from search.relax import relaxed_hits
from search.synonyms import SynonymSource, Synonyms

SORTS = ("relevance", "date")
TIMED_OUT_MESSAGE = (f"the search took longer than {config.SEARCH_TIME_LIMIT_SECONDS:g} s and was cut short: "
                     "the total and the hits are those found by then; narrow the query or add filters")


class ArticleNotFound(KeyError):
    def __str__(self):
        return f"no article with id {self.args[0]!r}"


class BadRequest(ValueError):
    """A parameter out of range; the message names it."""


class _BM25F(BM25F):
    """BM25F with cached field lengths and, given recency factors,
    score × (1 + w · 0.5^(age / half-life)), age from the newest article."""

    def __init__(self, factors=None):
        super().__init__()
        self.factors = factors
        self.use_final = factors is not None

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            scorer.dfl = field_lengths(searcher.reader(), fieldname).__getitem__
        return scorer

    def idf(self, searcher, fieldname, text):
        # Whoosh's log(doc_count / (df + 1)) raises on an index that holds no
        # documents yet (killed before its first commit, or all deleted).
        if searcher.doc_count_all() == 0:
            return 0.0
        return super().idf(searcher, fieldname, text)

    def final(self, searcher, docnum, score):
        return score * self.factors[docnum]


class _RecordingTopCollector(collectors.TopCollector):
    """Top-N by score that also records every matching docnum (for the total
    and the facets), so the query runs once instead of twice.

    No block-quality skipping and no matcher replacement: both prune on raw
    scores, which dropped documents once the recency factor was applied, and
    Whoosh's replace() loses matches in multi-field ORs.
    """

    def __init__(self, limit, deadline):
        super().__init__(limit=limit, usequality=False, replace=0)
        self.matched = []
        self.deadline = deadline
        self.timed_out = False

    def collect_matches(self):
        # Whoosh's TimeLimitCollector needs a timer thread per search; a
        # look at the clock every 256 matches costs nothing.
        if self.timed_out:
            return
        collect, deadline = self.collect, self.deadline
        for i, sub_docnum in enumerate(self.matches()):
            collect(sub_docnum)
            if not i & 255 and time.thread_time() > deadline:
                self.timed_out = True
                return

    def _collect(self, global_docnum, score):
        self.matched.append(global_docnum)
        return super()._collect(global_docnum, score)


def _docs_until(searcher, q, deadline):
    """All matching docnums, as docs_for_query gives them, and whether the
    deadline cut the list short."""
    docnums = []
    for i, docnum in enumerate(searcher.docs_for_query(q)):
        docnums.append(docnum)
        if not i & 255 and time.thread_time() > deadline:
            return docnums, True
    return docnums, False


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list
    facets: dict = field(default_factory=dict)
    took_ms: float = 0.0
    # Matching stopped at config.SEARCH_TIME_LIMIT_SECONDS: total and hits
    # are what was found by then.
    timed_out: bool = False
    # When nothing was found: what to try instead (search.suggest.alternatives).
    alternatives: dict | None = None
    # When all the words together found nothing and these are the articles
    # that lack some of them: the words left out, most often first.
    relaxed: list | None = None
    # Near-copies shown as one hit (index.dedup): then ``total`` and the
    # facet counts count groups, ``total_articles`` the articles.
    collapsed: bool = False
    total_articles: int | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The rank of the first hit on this page (1 on page 1)."""
        return (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "first": self.first,
            "last": self.last,
            "took_ms": round(self.took_ms, 2),
            "hits": self.hits,
            "facets": self.facets,
            **({"timed_out": True, "warning": TIMED_OUT_MESSAGE} if self.timed_out else {}),
            **({"alternatives": self.alternatives} if self.alternatives is not None else {}),
            **({"relaxed": self.relaxed} if self.relaxed is not None else {}),
            "collapsed": self.collapsed,
            "total_articles": self.total if self.total_articles is None else self.total_articles,
        }


class Searcher:
    """Search one index, on whichever backend holds it (search.backends):
    the embedded folder ``index`` (default), or with ``backend="opensearch"``
    the cluster at ``url``.  Safe to share between threads.  Every call goes
    to the backend's searcher; the CLI, the web app and embedding programs
    use this class and never see which backend answers."""

    def __init__(self, index=None, synonyms=None, aliases=None, *, backend=None, url=None):
        """``synonyms``: a synonym file added to the default sets (default:
        $SEARCH_SYNONYMS), or a search.synonyms.Synonyms to use as is;
        ``aliases``: an entity alias file added to the default table
        (default: $SEARCH_ENTITY_ALIASES), or an Aliases to use as is;
        ``backend``, ``url``: see search.backends.resolve."""
        from search.backends import resolve

        name, url = resolve(backend, url)
        if name == "opensearch":
            from search.backends.opensearch.searcher import OpenSearchSearcher

            self._impl = OpenSearchSearcher(url, index_name=index, synonyms=synonyms, aliases=aliases)
        else:
            self._impl = WhooshSearcher(index, synonyms=synonyms, aliases=aliases)
        self.backend = name

    def search(self, query: str = "", filters: dict | None = None, **options) -> "SearchResult":
        """Ranked, filtered, faceted and highlighted results: see WhooshSearcher.search."""
        return self._impl.search(query, filters, **options)

    def get(self, article_id: str, query: str | None = None) -> dict:
        """The stored article (its date in the hits' three forms: ISO 8601,
        2012年9月4日, 平成24年9月4日), its entities and near-copies; with
        ``query``, its title and body marked (title_html, body_html)."""
        return with_dates(self._impl.get(article_id, query))

    def similar(self, article_id: str, limit: int = 10) -> list:
        return self._impl.similar(article_id, limit)

    def stats(self, top: int = 10) -> dict:
        return self._impl.stats(top)

    def explain(self, query: str) -> list:
        return self._impl.explain(query)

    def last_indexed(self):
        """The newest ``indexed`` stamp committed (for saved-search alerts)."""
        return self._impl.last_indexed()

    def stored_articles(self):
        """Every stored article (its stored fields, as index.schema.from_stored
        reads them), by id: for export and migrate."""
        return self._impl.stored_articles()

    @property
    def synonyms(self):
        return self._impl.synonyms

    @property
    def aliases(self):
        return self._impl.aliases

    def index_dictionary(self):
        return self._impl.index_dictionary()

    def close(self):
        self._impl.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getattr__(self, name):
        # What only one backend has (index_dir, the Whoosh searcher behind
        # suggestions): asked of the backend's searcher.
        return getattr(self.__dict__["_impl"], name)


class WhooshSearcher:
    """The embedded backend's searcher: one index folder.  Safe to share
    between threads."""

    def __init__(self, index=None, synonyms=None, aliases=None):
        """``synonyms``: a synonym file added to the default sets (default:
        $SEARCH_SYNONYMS), or a search.synonyms.Synonyms to use as is;
        ``aliases``: an entity alias file added to the default table
        (default: $SEARCH_ENTITY_ALIASES), or an Aliases to use as is."""
        self.index_dir = config.index_dir(index)
        self._ix = open_index(self.index_dir)
        self._local = threading.local()
        self._lock = threading.Lock()  # guards _generations
        self._generations = {}  # commit generation -> Generation (see _keep)
        self._prepare_lock = threading.Lock()  # one thread builds a Generation
        self._synonyms = synonyms if isinstance(synonyms, Synonyms) else SynonymSource(synonyms)
        self._aliases = aliases if isinstance(aliases, Aliases) else AliasSource(aliases)

    @property
    def aliases(self) -> Aliases:
        """The entity alias table in force (index/data/entity_aliases.txt
        and $SEARCH_ENTITY_ALIASES), re-read when its files change."""
        return self._aliases if isinstance(self._aliases, Aliases) else self._aliases.current()

    @property
    def synonyms(self) -> Synonyms:
        """The synonym sets in force, re-read when their file changes."""
        return self._synonyms if isinstance(self._synonyms, Synonyms) else self._synonyms.current()

    def index_dictionary(self):
        """A context in which text is analysed with this index's user
        dictionary, as its articles were (index.userdict)."""
        return use_index_dictionary(self.index_dir)

    # -- plumbing ---------------------------------------------------------

    def _whoosh(self):
        """This thread's Whoosh searcher: of the latest commit, or of the one
        before while another thread prepares the latest (see _newer)."""
        s = getattr(self._local, "searcher", None)
        try:
            if s is None:
                s = self._local.searcher = self._ix.searcher()
            elif not s.up_to_date():
                s = self._newer(s)
        except Exception as exc:  # a segment file cut short or garbled
            raise damaged(self.index_dir, exc) from exc
        return s

    def _newer(self, s):
        """A searcher of the latest commit for this thread once that
        commit's Generation is ready; until then ``s``, the one it has.

        The first thread to see a commit prepares its Generation, with the
        facet tables, entity view and groups the one before had built; the
        others go on answering from the commit they have.  While `search
        index` committed every few seconds, each commit had made every
        request of a server process wait for that work, and requests timed
        out.  Within a process, totals never go backwards."""
        # Answering from this thread's commit is an option only while its
        # Generation is kept (the newest two are).
        can_wait = s.reader().generation() in self._generations
        # A new searcher, not s.refresh(): whoosh-reloaded's refresh keeps
        # the old reader's segments that a merge has replaced, so every
        # merged article was counted and found twice; and it fails outright
        # on a searcher of an index without documents.
        if self._ix.latest_generation() in self._generations:
            new = self._ix.searcher()
        else:
            # Another thread may be preparing it: wait a little for it, so
            # that the processes of one server mostly agree on what the index
            # holds, then answer from the commit this thread has (without
            # opening the new one's segments only to close them).
            if not self._prepare_lock.acquire(timeout=config.NEW_COMMIT_WAIT_SECONDS if can_wait else -1):
                return s
            try:
                new = self._ix.searcher()
                if new.reader().generation() not in self._generations:
                    self._prepare(new, self._generations.get(s.reader().generation()))
            finally:
                self._prepare_lock.release()
        s.close()
        self._local.searcher = new
        return new

    def _prepare(self, s, previous) -> None:
        """Make the Generation of ``s``'s commit, built as far as
        ``previous`` (the one it follows) had been, and keep it."""
        reader = s.reader()
        gen = Generation(reader, self.index_dir)
        if previous is not None:
            if previous.has_values:
                gen.values(reader)
            if previous.has_entities:
                gen.entities(reader, self.aliases)
            if previous.has_groups:
                gen.groups(reader)
        self._keep(reader.generation(), gen)

    def _keep(self, key, gen) -> Generation:
        """Keep ``gen`` as the Generation of commit ``key``, with the newest
        one before it (threads that have not switched yet read that one);
        returns the one kept when another thread was first."""
        with self._lock:
            kept = self._generations.get(key)
            if kept is None:
                kept = gen
                self._generations = kept_with(self._generations, key, gen)
        return kept

    def _generation(self, s) -> Generation:
        key = s.reader().generation()
        gen = self._generations.get(key)
        if gen is None:
            with self._prepare_lock:  # one thread builds it
                gen = self._generations.get(key)
                if gen is None:
                    gen = self._keep(key, Generation(s.reader(), self.index_dir))
        return gen

    def close(self):
        s = getattr(self._local, "searcher", None)
        if s is not None:
            s.close()
            self._local.searcher = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- search -----------------------------------------------------------

    def search(
        self,
        query: str = "",
        filters: dict | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        facets: bool = True,
        recency: bool = True,
        snippets: bool = True,
        synonyms: bool = True,
        alternatives: bool = True,
        explain: bool = False,
        relax: bool = True,
        collapse: bool = True,
    ) -> SearchResult:
        """Ranked, filtered, faceted and highlighted results for ``query``.

        ``filters`` may hold date_from, date_to (2012, 2012-09, 平成24年9月 or
        a date), tags, category, person, place, org (a value or a list).
        ``synonyms=False`` searches the words as typed only.  When all the
        words together find nothing, the result holds the articles that
        have all but one of them (search.relax): ``result.relaxed`` names the
        words left out, each hit's ``missing`` the words it lacks.  When even
        that finds nothing, ``result.alternatives`` says what to try instead (did you
        mean, fewer words; search.suggest), within a budget of its own
        (config.MAX_ALTERNATIVE_SEARCHES, ALTERNATIVES_SECONDS) that counts
        in ``took_ms``; ``alternatives=False`` skips that.  Matching stops
        after config.SEARCH_TIME_LIMIT_SECONDS: the result then holds what
        was found so far and says ``timed_out``.  ``explain=True`` adds to
        each hit which form of each query word it matched (search.matched).
        Near-copies of one story (index.dedup) are one hit, the best-ranked
        (newest with ``sort="date"``), whose ``duplicates`` lists the ids of
        the group's other articles; ``total`` and the facets then count
        groups, ``total_articles`` the articles; ``collapse=False`` shows
        every article.  Raises QuerySyntaxError or BadRequest with a message for bad input.
        """
        started = time.perf_counter()
        page, per_page = _check_paging(page, per_page)
        if sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        tree = parse(query or "")
        s = self._whoosh()
        used_synonyms = self.synonyms if synonyms else None
        with self.index_dictionary():
            chunks = analyze_query(tree, Stats(s.reader(), self.index_dir), used_synonyms)
        gen = self._generation(s)
        entity_terms = self._entity_terms(s, gen)
        q = compile_tree(tree, chunks, synonyms=used_synonyms, entity_terms=entity_terms)
        fq = build_filter(filters, entity_terms)
        matched = q if fq is None else wq.And([q, fq])

        s.weighting = _BM25F(gen.factors if recency and sort == "relevance" else None)
        first, limit = (page - 1) * per_page, page * per_page
        # The limit is on the CPU time of matching (this thread's: four
        # requests sharing a process or a loaded machine must not cut each
        # other's results short); analysis is bounded by the query's size.
        deadline = time.thread_time() + config.SEARCH_TIME_LIMIT_SECONDS
        if sort == "date":
            docnums, timed_out = _docs_until(s, matched, deadline)
            ranked = [(d, None) for d in _newest_first(docnums, gen.dates)]
        else:
            collector = _RecordingTopCollector(limit, deadline)
            s.search_with_collector(matched, collector)
            results = collector.results()
            docnums, timed_out = collector.matched, collector.timed_out
            ranked = [(results.docnum(i), results.score(i)) for i in range(min(limit, results.scored_length()))]
        relaxed = None
        if relax and not docnums and tree is not None:
            parts = relaxable(tree, chunks, synonyms=used_synonyms, entity_terms=entity_terms)
            relaxed = relaxed_hits(s, parts, fq, deadline) if parts else None
            if relaxed is not None:
                docnums, timed_out = relaxed.docnums, relaxed.timed_out
                ranked = relaxed.ranked if sort == "relevance" else [(d, None) for d in _newest_first(docnums, gen.dates)]
        groups = gen.groups(s.reader()) if collapse and docnums else None
        total_articles = len(docnums)
        if groups:
            hidden = groups.hidden(docnums)
            if hidden and sort == "relevance" and relaxed is None and len(ranked) < len(docnums):
                # The top `limit` may lose up to `hidden` places to copies:
                # rank that many more.
                collector = _RecordingTopCollector(limit + hidden, deadline)
                s.search_with_collector(matched, collector)
                results = collector.results()
                timed_out = timed_out or collector.timed_out
                ranked = [(results.docnum(i), results.score(i))
                          for i in range(min(limit + hidden, results.scored_length()))]
            scores = dict(ranked)
            ranked = [(d, scores[d]) for d in groups.one_per_group([d for d, _ in ranked])]
            docnums = groups.one_per_group(docnums)
        page_hits = ranked[first:limit]
        terms = positive_terms(q, s.reader())
        hits = self._render_hits(s, page_hits, terms, snippets, gen)
        if relaxed is not None:
            for hit, (docnum, _) in zip(hits, page_hits):
                hit["missing"] = relaxed.missing[docnum]
        if explain:
            for hit, (docnum, _) in zip(hits, page_hits):
                hit["explain"] = matched_forms(s, chunks, docnum)
        if groups is not None:
            for hit, (docnum, _) in zip(hits, page_hits):
                hit["copies"] = self._copies(s, groups, docnum)
                hit["duplicates"] = [c["id"] for c in hit["copies"]]
        facet_counts = gen.facet_counts(s.reader(), docnums, config.FACET_SIZE, self.aliases) if facets else {}
        result = SearchResult(query or "", len(docnums), page, per_page, hits, facet_counts, timed_out=timed_out,
                              relaxed=relaxed.dropped if relaxed is not None else None,
                              collapsed=groups is not None, total_articles=total_articles)
        if alternatives and relaxed is None and not docnums and (query or filters):
            from search.suggest import alternatives as find_alternatives

            with self.index_dictionary():
                result.alternatives = find_alternatives(self, query or "", filters)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _entity_terms(self, s, gen):
        """The callback compiling needs for person:, place: and org: (the
        entity view is built on the first query that has one)."""
        reader, aliases = s.reader(), self.aliases
        return lambda field, name: gen.entities(reader, aliases).filter_terms(field, name)

    def _entity_names(self, s, gen, docnum, article) -> dict:
        """An article's people, places and organisations as readers see them:
        one name per entity, the publisher's boilerplate left out."""
        view = gen.entities(s.reader(), self.aliases)
        return {typ: view.chips(docnum, typ, article[typ]) for typ in ("person", "place", "org")}

    @staticmethod
    def _copies(s, groups, docnum) -> list:
        """The other articles of a near-copy group (id, url, title, dates),
        oldest first."""
        out = []
        for d in groups.copies(docnum) if groups else ():
            article = from_stored(s.stored_fields(d))
            out.append({"id": article["id"], "url": article["url"], "title": article["title"],
                        **date_fields(article["date"])})
        return out

    def _render_hits(self, s, page_hits, terms, snippets=True, gen=None):
        docnums = [d for d, _ in page_hits]
        spans = spans_for_docs(s, terms, docnums) if snippets else {}
        gen = gen or self._generation(s)
        hits = []
        for docnum, score in page_hits:
            article = from_stored(s.stored_fields(docnum))
            article.update(self._entity_names(s, gen, docnum, article))
            hit = _hit_dict(article, score)
            title_spans, body_spans = split_spans(spans.get(docnum, []), article["title"])
            hit["title_html"] = whole(article["title"], title_spans).html()
            if snippets:
                hit["snippet"] = best_fragment(article["body"], body_spans, config.SNIPPET_CHARS).html()
            hits.append(hit)
        return hits

    def explain(self, query: str) -> list:
        """How ``query`` is searched on this index beyond its words as typed
        (search.query.explain): synonyms, kana, numbers, normalized forms,
        readings, sound-alike forms, dates."""
        s = self._whoosh()
        with self.index_dictionary():
            return explain_query(query, self.synonyms, Stats(s.reader(), self.index_dir))

    def stored_articles(self):
        from index.export import stored_articles

        return stored_articles(self._ix)

    # -- articles ---------------------------------------------------------

    def _docnum(self, s, article_id):
        # An id that is not text (a command-line argument with bytes that are
        # not UTF-8 arrives with lone surrogates) names no article.
        if not isinstance(article_id, str) or not _is_text(article_id):
            raise ArticleNotFound(article_id)
        docnum = s.document_number(id=article_id)
        if docnum is None:
            raise ArticleNotFound(article_id)
        return docnum

    def get(self, article_id: str, query: str | None = None) -> dict:
        """The stored article; with ``query``, its title and body marked."""
        s = self._whoosh()
        docnum = self._docnum(s, article_id)
        article = from_stored(s.stored_fields(docnum))
        gen = self._generation(s)
        article.update(self._entity_names(s, gen, docnum, article))
        view = gen.entities(s.reader(), self.aliases)
        # Every mention, with the name it stands for (its article's, then the
        # alias table's) and whether it is the publisher's boilerplate.
        article["entities"] = []
        for t, ty, f, a, b, *canonical in s.stored_fields(docnum).get("entities") or []:
            name = self.aliases.canonical(canonical[0] if canonical else t, ty)
            article["entities"].append({"text": t, "type": ty, "field": f, "start": a, "end": b, "canonical": name,
                                        "boilerplate": view.is_boilerplate(docnum, ty, name)})
        # Its near-copies (index.dedup): the other articles of its group.
        article["copies"] = self._copies(s, gen.groups(s.reader()), docnum)
        if query:
            with self.index_dictionary():
                terms = positive_terms(compile_query(parse(query), reader=s.reader(), synonyms=self.synonyms),
                                       s.reader())
            spans = spans_for_docs(s, terms, [docnum]).get(docnum, [])
            title_spans, body_spans = split_spans(spans, article["title"])
            article["title_html"] = whole(article["title"], title_spans).html()
            article["body_html"] = whole(article["body"], body_spans).html()
        return article

    def similar(self, article_id: str, limit: int = 10) -> list:
        """Articles like this one (more like this on its key terms)."""
        _, limit = _check_paging(1, limit)
        s = self._whoosh()
        docnum = self._docnum(s, article_id)
        stored = s.stored_fields(docnum)
        text = (stored.get("title") or "") + "\n" + (stored.get("body") or "")
        with self.index_dictionary():
            key_terms = [
                (t, w) for t, w in s.key_terms_from_text("text", text, numterms=30, normalize=True)
                if len(t) > 1 and not t.isdigit()
            ][:15]
        if not key_terms:
            return []
        q = wq.Or([wq.Term("text", t, boost=w) for t, w in key_terms])
        s.weighting = _BM25F()
        results = s.search(q, limit=limit, mask={docnum})
        page_hits = [(hit.docnum, hit.score) for hit in results]
        return self._render_hits(s, page_hits, set(), snippets=True)

    # -- whole index ------------------------------------------------------

    def last_indexed(self) -> int | None:
        """The newest ``indexed`` stamp committed (index.stamps: microseconds
        since 1970, UTC), None for an empty index; what a saved-search check
        reads up to.  Raises search.alerts.AlertsUnsupported for an index
        built before stamps."""
        from search.alerts import index_watermark

        return index_watermark(self._whoosh().reader())

    def stats(self, top: int = 10) -> dict:
        s = self._whoosh()
        reader = s.reader()
        gen = self._generation(s)
        live = list(reader.all_doc_ids())
        facets = gen.facet_counts(reader, live, top, self.aliases)
        dates = [gen.dates[d] for d in live if gen.dates[d]]

        size = sum(p.stat().st_size for p in self.index_dir.iterdir() if p.is_file())
        meta = read_meta(self.index_dir)
        return {
            "index": str(self.index_dir),
            "documents": reader.doc_count(),
            "terms": sum(1 for _ in reader.lexicon("text")),
            "segments": len(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else 1,
            "size_bytes": size,
            "date_from": long_to_datetime(min(dates)).isoformat() + "Z" if dates else None,
            "date_to": long_to_datetime(max(dates)).isoformat() + "Z" if dates else None,
            "categories": facets["category"],
            "tags": facets["tags"],
            "person": facets["person"],
            "place": facets["place"],
            "org": facets["org"],
            "versions": {k: v for k, v in meta.items() if k.endswith("version")},
        }


def _newest_first(docnums, dates) -> list:
    return sorted(docnums, key=lambda d: (dates[d] or 0, -d), reverse=True)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _check_paging(page, per_page):
    try:
        page, per_page = int(page), int(per_page)
    except (TypeError, ValueError):
        raise BadRequest("page and per_page must be whole numbers") from None
    if page < 1:
        raise BadRequest(f"page must be 1 or more, not {page}")
    if not 1 <= per_page <= config.MAX_PER_PAGE:
        raise BadRequest(f"per_page must be between 1 and {config.MAX_PER_PAGE}, not {per_page}")
    return page, per_page


def date_fields(date) -> dict:
    """The date fields every article shape has (hits, get(), exports)."""
    return {"date": date.isoformat() if date else None, "date_ja": format_japanese(date),
                "date_wareki": format_wareki(date)}


def with_dates(article: dict) -> dict:
    """A stored article with its date as the hits give it."""
    date = article.get("date")
    if isinstance(date, str) or ("date_ja" in article and date is None):
        return article  # already done by the backend
    return {**article, **date_fields(date)}


def _hit_dict(article, score):
    return {
        "id": article["id"],
        "url": article["url"],
        "title": article["title"],
        **date_fields(article["date"]),
        "category": article["category"],
        "tags": article["tags"],
        "person": article["person"],
        "place": article["place"],
        "org": article["org"],
        "score": round(float(score), 4) if score is not None else None,
    }


__all__ = ["Searcher", "WhooshSearcher", "SearchResult", "ArticleNotFound", "BadRequest", "QuerySyntaxError"]
