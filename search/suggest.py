"""Query suggestions from the index's own lexicon.

``suggest(searcher, prefix)`` completes what the user is typing from the
values of the entity and metadata fields (people, places, organisations,
tags, categories), the words of the titles and the frequent words of the
bodies, ranked by how many articles hold them.  ``alternatives(searcher,
query, filters)`` is for a search that found nothing: a spelling the index
knows (did you mean), the same query with a word or a filter left out
(fewer terms), each with the number of articles it finds.

The lexicon is read once per index generation (a commit) and shared by all
threads; a server picks up a new commit on the next call, like the Searcher.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
import unicodedata
import weakref
from dataclasses import dataclass

from index import config
from index.analysis import analyze, fold, hira_to_kata, is_kana
from search.generation import kept_with
from search.query import quote

# Where completions come from, with a weight multiplied into the document
# frequency: a person, place or organisation the user starts typing is more
# likely what they want than a common word with the same prefix.
SOURCES = (
    ("person", 3.0),
    ("place", 3.0),
    ("org", 3.0),
    ("tags", 2.5),
    ("category", 2.0),
    ("title", 1.5),
    ("text", 1.0),  # title and body together, where the schema has it
    ("body", 1.0),  # where the body is indexed on its own
)
ENTITY_KINDS = ("person", "place", "org", "tags", "category")
# Fields of running text (their terms are folded: NFKC, lower case).
TEXT_KINDS = ("title", "text", "body")
# Body words found in fewer articles than this are left out of the lexicon
# (one-off tokens, typos, numbers); title words and entity values all count.
MIN_BODY_DOC_FREQ = 2
# How many lexicon entries one prefix scans at most before ranking them.
MAX_SCAN = 5000
DEFAULT_LIMIT = 8
MAX_LIMIT = 50
MAX_PREFIX_CHARS = 100

_QUERY_FIELD = {"tags": "tag", "category": "category"}
_HIRAGANA_ONLY = re.compile(r"^[\u3041-\u309fー]+$")
_NOT_WORDLIKE = re.compile(r"^[\d\W_]+$")


@dataclass(slots=True)
class _Entry:
    key: str  # folded (NFKC, lower case): what a prefix is matched against
    term: str  # the term as indexed
    kind: str
    count: int  # articles holding it
    score: float


class _Lexicon:
    """Sorted (term, kind, doc frequency) of one index generation."""

    def __init__(self, reader):
        # The reader is used here only: Whoosh readers are not shared between
        # threads, so later look-ups take the calling thread's reader.
        entries = []
        fields = set(reader.indexed_field_names())
        # Segment by segment: a multi-segment reader looks every term up in
        # every segment, several times slower than walking each one in order.
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if hasattr(reader, "leaf_readers") else [reader]
        for kind, weight in SOURCES:
            if kind not in fields:
                continue
            freqs = {}
            for leaf in leaves:
                if kind not in leaf.indexed_field_names():
                    continue
                for term, info in leaf.iter_field(kind):
                    freqs[term] = freqs.get(term, 0) + info.doc_frequency()
            for term, df in freqs.items():
                try:
                    text = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                except UnicodeDecodeError:
                    continue
                if kind in TEXT_KINDS:
                    if not _wordlike(text):
                        continue
                    if kind != "title" and df < MIN_BODY_DOC_FREQ:
                        continue
                entries.append(_Entry(fold(text).strip(), text, kind, df, df * weight))
        entries.sort(key=lambda e: e.key)
        self.entries = entries
        self.keys = [e.key for e in entries]
        self.text_fields = [k for k in TEXT_KINDS if k in fields]
        self._deletes = None
        self._deletes_lock = threading.Lock()
        self._display = {}

    def with_prefix(self, prefix: str):
        i = bisect.bisect_left(self.keys, prefix)
        end = min(len(self.keys), i + MAX_SCAN)
        while i < end and self.keys[i].startswith(prefix):
            yield self.entries[i]
            i += 1

    def exact(self, key: str):
        i = bisect.bisect_left(self.keys, key)
        while i < len(self.keys) and self.keys[i] == key:
            yield self.entries[i]
            i += 1

    # -- did you mean: terms one edit away (deletion neighbourhoods) -------

    def _delete_index(self):
        if self._deletes is None:
            with self._deletes_lock:
                if self._deletes is None:
                    deletes = {}
                    for i, e in enumerate(self.entries):
                        if e.kind == "category" or not 2 <= len(e.key) <= 20:
                            continue
                        for variant in _deletions(e.key):
                            deletes.setdefault(variant, []).append(i)
                    self._deletes = deletes
        return self._deletes

    def near(self, word: str) -> list:
        """Entries one edit (insertion, deletion, substitution, swap) from word."""
        if not 2 <= len(word) <= 20:
            return []
        deletes = self._delete_index()
        seen, out = set(), []
        for variant in _deletions(word) | {word}:
            for i in deletes.get(variant, ()):
                e = self.entries[i]
                if i in seen or e.key == word:
                    continue
                seen.add(i)
                if _within_one_edit(word, e.key):
                    out.append(e)
        return out

    # -- display forms ------------------------------------------------------

    def display(self, entry: _Entry, reader) -> str:
        """The value as articles write it (ＮＡＴＯ and nato are indexed as nato)."""
        key = (entry.kind, entry.key)
        if key in self._display:
            return self._display[key]
        text = entry.term
        if entry.kind in TEXT_KINDS and text != text.upper():
            # Words of running text are indexed in lower case: recover the
            # case an article wrote it in (iPhone, not iphone).
            try:
                postings = reader.postings(entry.kind, entry.term)
                if postings.is_active():
                    stored = reader.stored_fields(postings.id())
                    for value in (stored.get("title"), stored.get("body")):
                        if not isinstance(value, str):
                            continue
                        written = unicodedata.normalize("NFKC", value)
                        at = written.lower().find(entry.key)
                        if at >= 0 and len(written.lower()) == len(written):
                            text = written[at : at + len(entry.key)]
                            break
            except Exception:  # a term deleted since: keep the indexed form
                pass
        if len(self._display) < 100_000:
            self._display[key] = text
        return text


def _wordlike(term: str) -> bool:
    """Worth completing: not a number or symbol, not a one-character word,
    not a hiragana function word (する, ない, こと)."""
    if len(term) < 2 or _NOT_WORDLIKE.match(term):
        return False
    return not _HIRAGANA_ONLY.match(term)


def _deletions(word: str) -> set:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        # one swap of neighbours counts as one edit
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    # b is one longer: deleting one character of b gives a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


# One lexicon per searcher and generation, built on first use.
_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _backends_own(searcher, name):
    """The backend's own ``name`` (suggest, did_you_mean, alternatives) when
    it has one, else None.  The embedded index's lexicon is built here from
    its Whoosh reader; a cluster keeps a lexicon index and answers from it
    (search.backends.opensearch.suggestions), so the callers of these
    functions (the web app, the CLI) need not know which backend they hold."""
    impl = getattr(searcher, "_impl", searcher)
    return getattr(impl, name) if getattr(impl, "own_suggestions", False) else None


def _lexicon(searcher):
    """(the lexicon of the latest commit, this thread's reader of it)."""
    s = searcher._whoosh()  # this thread's Whoosh searcher, at the latest commit
    reader = s.reader()
    generation = reader.generation()
    # The newest two generations: while a server prepares a new commit,
    # some of its threads still answer from the one before.
    by_generation = _cache.get(searcher) or {}
    lexicon = by_generation.get(generation)
    if lexicon is None:
        with _cache_lock:
            by_generation = _cache.get(searcher) or {}
            lexicon = by_generation.get(generation)
            if lexicon is None:
                lexicon = _Lexicon(reader)
                _cache[searcher] = kept_with(by_generation, generation, lexicon)
    return lexicon, reader


def _prefix_forms(prefix: str) -> list:
    key = fold(prefix).strip()
    forms = [key] if key else []
    kata = hira_to_kata(key)
    if kata != key:
        forms.append(kata)
    return forms


def _check_limit(limit) -> int:
    from search.searcher import BadRequest

    try:
        limit = int(limit)
    except (TypeError, ValueError):
        raise BadRequest("limit must be a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def suggest(searcher, prefix: str, limit: int = DEFAULT_LIMIT) -> list:
    """Completions of ``prefix``: ``[{text, kind, count, query}]``, best first.

    ``kind`` is person, place, org, tags, category, title (a word of the
    titles) or body (a frequent word of the bodies); ``count`` is how many
    articles hold it; ``query`` is what to put in the search box for it
    (``category:sports-watch`` for a category, the text itself otherwise).
    A prefix in hiragana also completes to katakana words (うくら → ウクライナ).
    """
    from search.searcher import BadRequest

    own = _backends_own(searcher, "suggest")
    if own is not None:
        return own(prefix, limit)
    limit = _check_limit(limit)
    if prefix is None:
        return []
    if len(prefix) > MAX_PREFIX_CHARS:
        raise BadRequest(f"the prefix is {len(prefix)} characters long; the limit is {MAX_PREFIX_CHARS}")
    forms = _prefix_forms(prefix)
    if not forms:
        return []
    lex, reader = _lexicon(searcher)
    best = {}
    for form in forms:
        for e in lex.with_prefix(form):
            score = e.score * (2.0 if e.key == form else 1.0)
            # One suggestion per text; an entity kind wins over a plain word
            # of the same text.
            prev = best.get(e.key)
            rank = (e.kind in ENTITY_KINDS and e.kind != "category", score)
            if prev is None or rank > prev[0]:
                best[e.key] = (rank, e, max(e.count, prev[1].count) if prev else e.count)
    ranked = sorted(best.values(), key=lambda item: (-item[0][1], -item[2], item[1].key))[:limit]
    out = []
    for _, e, count in ranked:
        text = lex.display(e, reader)
        field = _QUERY_FIELD.get(e.kind)
        query = f"{field}:{quote(text)}" if field else quote(text)
        out.append({"text": text, "kind": e.kind, "count": count, "query": query})
    return out


# ---------------------------------------------------------------------------
# For empty results


_TOKEN = re.compile(r'-?"[^"]*"|\S+')
_OPERATORS = {"AND", "OR", "NOT"}


class Budget:
    """How many searches, and how much time, suggestions for one empty
    result may still cost (config.MAX_ALTERNATIVE_SEARCHES,
    ALTERNATIVES_SECONDS): a long query of words the index lacks would
    otherwise try dozens of respellings, each a full search."""

    def __init__(self, searches=None, seconds=None):
        self.searches = config.MAX_ALTERNATIVE_SEARCHES if searches is None else searches
        self.deadline = time.thread_time() + (config.ALTERNATIVES_SECONDS if seconds is None else seconds)
        # CPU time of the costliest search so far: one more is started only
        # if one as costly still fits (a 32-word query's respellings each
        # cost a full search; checking only before starting one overran the
        # 0.3 s budget fivefold).
        self.costliest = 0.0

    def expired(self) -> bool:
        return time.thread_time() > self.deadline

    def spend(self) -> bool:
        """Whether one more search fits; counts it."""
        if self.searches <= 0 or time.thread_time() + self.costliest > self.deadline:
            return False
        self.searches -= 1
        return True

    def took(self, seconds: float) -> None:
        self.costliest = max(self.costliest, seconds)


def _count(searcher, query, filters, budget) -> int | None:
    """How many articles ``query`` finds; None when the budget is spent."""
    from search.query import QuerySyntaxError

    if not budget.spend():
        return None
    started = time.thread_time()
    try:
        return searcher.search(query, filters=filters, page=1, per_page=1, facets=False, snippets=False,
                               alternatives=False, relax=False).total
    except QuerySyntaxError:
        return 0
    finally:
        budget.took(time.thread_time() - started)


def _plain_tokens(query: str):
    """The top-level tokens of a query without OR or parentheses, else None."""
    q = unicodedata.normalize("NFKC", query).replace("“", '"').replace("”", '"').replace("「", '"').replace("」", '"')
    tokens = _TOKEN.findall(q)
    if not tokens or "OR" in tokens or any(c in q for c in "()[]"):
        return None
    return [t for t in tokens if t not in ("AND",)]


def _is_plain_word(token: str) -> bool:
    if token.startswith(("-", '"')) or token in _OPERATORS:
        return False
    name, sep, _ = token.partition(":")
    return not sep


def did_you_mean(searcher, query: str, filters: dict | None = None, limit: int = 3, budget=None) -> list:
    """Queries with one word respelled as the index writes it, that find
    something: ``[{query, total, replaced, by}]``, most articles first."""
    own = _backends_own(searcher, "did_you_mean")
    if own is not None:
        return own(query, filters, limit, budget)
    budget = budget or Budget()
    tokens = _plain_tokens(query or "")
    if not tokens:
        return []
    lex, reader = _lexicon(searcher)
    candidates = {}
    for i, token in enumerate(tokens):
        if budget.expired():
            break
        if not _is_plain_word(token):
            continue
        word = hira_to_kata(fold(token))
        # The whole token first (スマートフォーン → スマートフォン), then each
        # of its words the index does not hold.
        pairs = []
        if not any(True for _ in lex.exact(word)):
            pairs.append((token, word, 0, len(token)))
        for m in analyze(token).morphemes:  # (the morphemes alone: no entity extraction)
            if not m.indexed or len(m.term) < 2:
                continue
            if not any(reader.doc_frequency(f, m.term) for f in lex.text_fields):
                pairs.append((m.surface, m.term, m.start, m.end))
        for surface, key, start, end in pairs:
            for e in sorted(lex.near(key), key=lambda e: -e.count)[:5]:
                shown = lex.display(e, reader)
                new_token = token[:start] + shown + token[end:]
                new_query = " ".join(tokens[:i] + [new_token] + tokens[i + 1 :])
                if new_query not in candidates:
                    candidates[new_query] = (surface, shown)
            if len(candidates) >= 12:
                break
    out = []
    for new_query, (replaced, by) in candidates.items():
        total = _count(searcher, new_query, filters, budget)
        if total is None:
            break
        if total:
            out.append({"query": new_query, "total": total, "replaced": replaced, "by": by})
    out.sort(key=lambda d: -d["total"])
    return out[:limit]


def fewer_terms(searcher, query: str, filters: dict | None = None, limit: int = 3, budget=None) -> list:
    """The query with one word left out, where that finds something:
    ``[{query, total, dropped}]``, most articles first.  A query written
    without spaces (ウクライナ南極) is split into its words first."""
    budget = budget or Budget()
    tokens = _plain_tokens(query or "")
    if not tokens:
        return []
    if len(tokens) == 1 and _is_plain_word(tokens[0]) and not is_kana(tokens[0]):
        # (not a word in kana: ほんだけいすけ split into ほん and けいすけ
        # would suggest nonsense)
        tokens = [m.surface for m in analyze(tokens[0]).morphemes if m.indexed]
    if len(tokens) < 2:
        return []
    out, seen = [], set()
    for i, dropped in enumerate(tokens):
        new_query = " ".join(tokens[:i] + tokens[i + 1 :])
        if new_query in seen:
            continue
        seen.add(new_query)
        total = _count(searcher, new_query, filters, budget)
        if total is None:
            break
        if total:
            out.append({"query": new_query, "total": total, "dropped": dropped})
    out.sort(key=lambda d: -d["total"])
    return out[:limit]


def alternatives(searcher, query: str, filters: dict | None = None, limit: int = 3) -> dict:
    """What to offer when ``query`` with ``filters`` found nothing:
    ``{did_you_mean: [...], fewer_terms: [...], without_filters: n}``.

    ``without_filters`` is how many articles the query finds with no filter
    (0 when there were none).  Each suggestion says whether its count keeps
    the filters (``keeps_filters``): when nothing matches with them, the
    suggestions are counted over the whole index instead.
    """
    own = _backends_own(searcher, "alternatives")
    if own is not None:
        return own(query, filters, limit)
    active = {k: v for k, v in (filters or {}).items() if v}
    has_query = bool((query or "").strip())
    budget = Budget()
    out = {
        "did_you_mean": did_you_mean(searcher, query, active, limit, budget),
        "fewer_terms": fewer_terms(searcher, query, active, limit, budget),
        "without_filters": (_count(searcher, query, None, budget) or 0) if active and has_query else 0,
    }
    for key in ("did_you_mean", "fewer_terms"):
        for item in out[key]:
            item["keeps_filters"] = True
    if active and has_query and not out["without_filters"]:
        for key, find in (("did_you_mean", did_you_mean), ("fewer_terms", fewer_terms)):
            if not out[key]:
                out[key] = [dict(item, keeps_filters=False) for item in find(searcher, query, None, limit, budget)]
    return out


__all__ = ["suggest", "did_you_mean", "fewer_terms", "alternatives"]
