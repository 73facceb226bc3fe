"""The one place for settings and their documented defaults.

Every setting has a default here; the CLI options and environment variables
named beside each override it.  Nothing else in the project hard-codes them.
"""

from __future__ import annotations

import os
from pathlib import Path

# Where the index lives: --index DIR, else $SEARCH_INDEX, else this folder
# under the current directory.
DEFAULT_INDEX_DIR = ".search-index"
INDEX_ENV_VAR = "SEARCH_INDEX"

# Articles per commit (`search index --batch-size`).  A crash (kill -9, power
# loss) loses at most the batch being written.  Each commit writes a segment
# per worker; a run that leaves more than one ends by merging them into one
# segment (index/writer.py), which searches need.
# tests/test_crash.py kills indexing runs to hold the promise.
DEFAULT_BATCH_SIZE = 2000

# How long `search index` (and `search delete`) waits for another run holding
# the index to finish before giving up (`search index --lock-timeout`).
LOCK_TIMEOUT_SECONDS = 60.0

# The longest title and body kept of one article, in characters; the rest is
# dropped with a warning naming the file.  The longest livedoor article has
# 12,000 characters; 100,000 take about two seconds to analyse and index,
# while a 50 MB "article" (a log or a dump saved as .txt) would take many
# minutes and bloat the index.
MAX_TITLE_CHARS = 1_000
MAX_BODY_CHARS = 100_000
# The most a reader takes into memory: one file of a one-article-per-file
# format (a plain text, HTML or Markdown article, a feed), and one line of a
# JSON Lines file (a 100,000-character body escaped as \uXXXX is 600 kB).
# Anything larger is reported and skipped, so `search index /dev/zero` ends
# with a message instead of filling the memory.
MAX_FILE_BYTES = 64 * 2**20
MAX_LINE_BYTES = 8 * 2**20

# Worker processes for indexing.  Whoosh's writer is pure Python and
# single-threaded, so a second process roughly halves the wall time on large
# inputs; small batches are written in-process (starting workers costs more).
DEFAULT_PROCS = min(2, os.cpu_count() or 1)
MIN_DOCS_FOR_WORKERS = 200
# Segments an index keeps while a run is writing batches (each worker writes
# one per batch); more are merged, the smallest first (index.segment_writer).
# A run that leaves several ends by merging them into one.
MAX_SEGMENTS = 8

# Query-time weights of each field.  `text` (title and body, title words
# weighted by schema.TITLE_BOOST at indexing) decides the ranking; n-grams and
# readings are safety nets that only lift a document when the words
# themselves did not match, so they weigh less: an article about 京都 ranks
# above one that only has 東京都.  `title` serves title: queries.
FIELD_WEIGHTS = {
    "text": 1.0,
    "text_ng": 0.3,
    "text_rd": 0.3,
    "title": 1.0,
}
# A katakana or unknown query word found as a word in at least this many
# articles is not also looked for by its character bigrams (inside longer
# unknown words): the bigram phrase is the costliest clause of a query.
NGRAM_FALLBACK_MAX_DF = 20
# Extra weight for a query chunk found as a phrase (ウクライナ侵攻 as written,
# not ウクライナ … 侵攻 far apart).
PHRASE_BOOST = 1.5
# Recency: score × (1 + RECENCY_WEIGHT × 0.5 ** (age / RECENCY_HALF_LIFE_DAYS)),
# age counted from the newest article in the index, so an archive of 2012 news
# is treated the same way as today's.
RECENCY_WEIGHT = 0.1
RECENCY_HALF_LIFE_DAYS = 365.0

# Limits that keep one request from tying up the engine, whoever sends it
# (the README lists them).  A request over a limit gets a message naming it
# (HTTP 400, or exit code 2 from the CLI), never a slow answer: measured on
# the full livedoor index, no request within them takes a second
# (bench/probe_limits.py).
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 32  # words searched, after analysis: 東京都庁 is one, ロシア 北京 two
MAX_QUERY_PHRASES = 8  # "quoted phrases"
MAX_QUERY_OPERATORS = 24  # AND, OR, NOT and -
MAX_QUERY_DEPTH = 8  # levels of parentheses
MAX_QUERY_TOKENS = 64  # words, operators, parentheses and field: prefixes together
MAX_FILTER_VALUES = 20  # values of one filter (person=…&person=…)
MAX_FILTER_VALUES_TOTAL = 40  # values of all filters together
# A query that finds nothing gets suggestions (did you mean, fewer words);
# they cost further searches, so they get a budget of their own (CPU time).
MAX_ALTERNATIVE_SEARCHES = 12
ALTERNATIVES_SECONDS = 0.3
# Matching stops after this much CPU time (of the thread doing it, so that
# concurrent requests and a loaded machine do not cut each other short) and
# returns what it found so far, marked as partial ("timed_out").
SEARCH_TIME_LIMIT_SECONDS = 0.5
# When a server thread sees a new commit that another thread of its
# process is preparing (facet tables, entity view, groups: search.
# searcher.WhooshSearcher._newer), it waits this long for it, then answers
# from the commit it has: while `search index` commits, a request is never
# held up for long, and the processes of a server mostly agree (with 0.5 s,
# one of 37 commits of the livedoor archive was seen by one process and not
# yet by the other, whose preparation took longer on 2 cores shared with
# the indexer: bench/load.py --while-indexing).
NEW_COMMIT_WAIT_SECONDS = 2.0
# Text analysed on request: the analyze page and /api/analyze, and each text
# (line) of `search analyze`.
MAX_ANALYZE_CHARS = 10_000
MAX_CLI_ANALYZE_CHARS = 100_000
MAX_API_BODY_BYTES = 256 * 1024  # a JSON body of /api/analyze
SNIPPET_CHARS = 160
FACET_SIZE = 10


def index_dir(path: str | os.PathLike | None = None) -> Path:
    """The index folder to use: the argument, $SEARCH_INDEX, or the default."""
    if path:
        return Path(path)
    return Path(os.environ.get(INDEX_ENV_VAR) or DEFAULT_INDEX_DIR)
