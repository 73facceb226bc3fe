"""The writing side of the cluster sink: analyse articles and send them in
bulk requests (run in the sink's worker processes, or in the parent for a
small batch; sink.py is the run around it).

**Analysis in parallel, writing beside it.**  A batch of at least
config.MIN_DOCS_FOR_WORKERS articles is split into ``procs`` shares, each
analysed by a forked worker process (index.workers.run_in_workers: workers
die with the parent, and a worker that dies fails the batch).  Each worker
turns its articles into cluster documents (the one Sudachi pass,
search.backends.opensearch.mapping) and hands them, BULK_DOCS articles or
BULK_BYTES at a time, to a sender thread of its own that sends the bulk
requests while the next articles are analysed: at most ``procs`` bulk
requests are in flight, each bounded, and the analysis, not the cluster,
is what the run waits for.

**Retries.**  A bulk request is retried whole with exponential backoff when
the cluster is busy (429) or a node goes away (connection refused or
reset, 502/503/504: search.backends.opensearch.client); the items a bulk
answer refuses with 429 or 5xx (a shard whose primary is being moved) are
sent again, alone, with backoff.  Any other refusal is the article's
problem (it is reported as failed, the rest of the batch goes on).

**Idempotent.**  The document id is the article id (mapping.doc_id), and
every article is an ``index`` operation: a re-run, or a retry of a request
whose answer was lost with its node, writes the same document again
instead of a second one; a changed article replaces the old one.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from search.backends.opensearch import mapping
from search.backends.opensearch.client import ClusterUnavailable, backoff, connect

BULK_DOCS = 200
BULK_BYTES = 8 * 2**20
ITEM_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
BULK_TIMEOUT = "90s"  # how long a bulk item waits for its primary shard (a node's death moves it)


@dataclass
class _ShareResult:
    failures: list = field(default_factory=list)  # (article id, source, message)
    counts: Counter = field(default_factory=Counter)  # (kind, term) -> articles of the share holding it
    added: Counter = field(default_factory=Counter)  # the same, of the articles new to the index
    created: dict = field(default_factory=dict)  # lexicon entries this share created -> the count they got
    written: set = field(default_factory=set)  # lexicon entries now in the lexicon (created or found)
    docs: int = 0
    analysis_seconds: float = 0.0
    seconds: float = 0.0


def _bulk_line(action: str, index: str, _id: str) -> str:
    return json.dumps({action: {"_index": index, "_id": _id}}, ensure_ascii=False)


def _dumps(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def send_bulk(cluster, ops, *, on_done=None) -> dict:
    """Send ``ops`` ([(key, action line, source line or None)]) until every
    one is done or refused for good; returns {key: error message} of the
    refused ones.  ``on_done(key, status)`` hears of each one done.  Items
    answered 429 or 5xx are sent again with backoff; a create answered 409
    (the document is there) is done."""
    pending = list(ops)
    refused = {}
    attempt = 0
    deadline = time.monotonic() + 300.0
    while pending:
        body = "".join(line + "\n" + (src + "\n" if src is not None else "") for _, line, src in pending)
        answer = cluster.call(cluster.client.bulk, body=body.encode("utf-8"), params={"timeout": BULK_TIMEOUT},
                              request_timeout=180)
        again = []
        for (key, line, src), item in zip(pending, answer.get("items") or []):
            (action, result), = item.items()
            status = result.get("status", 500)
            if status < 300 or (action == "create" and status == 409) or (action == "delete" and status == 404):
                if on_done:
                    on_done(key, status)
            elif status in ITEM_RETRY_STATUS:
                again.append((key, line, src))
            else:
                error = result.get("error") or {}
                reason = error.get("reason") if isinstance(error, dict) else str(error)
                cause = (error.get("caused_by") or {}).get("reason") if isinstance(error, dict) else None
                refused[key] = f"the cluster refused it: {reason}" + (f" ({cause})" if cause else "")
        if len(answer.get("items") or []) < len(pending):  # an answer that lost items: send those again
            again.extend(pending[len(answer.get("items") or []):])
        pending = again
        if pending:
            wait = backoff(attempt)
            if time.monotonic() + wait > deadline:
                raise ClusterUnavailable(f"the cluster kept refusing {len(pending)} bulk item(s) (busy or a shard "
                                         f"without a primary) for {deadline:.0f} s")
            time.sleep(wait)
            attempt += 1
    return refused


class _Sender:
    """A thread that sends one worker's bulk requests while it analyses the
    next articles; at most one request in flight and one waiting."""

    def __init__(self, cluster, index, lexicon, result: _ShareResult):
        self.cluster, self.index, self.lexicon, self.result = cluster, index, lexicon, result
        self.error = None
        self.queue = queue.Queue(maxsize=1)
        self.thread = threading.Thread(target=self._run, name="bulk-sender", daemon=True)
        self.thread.start()

    def send(self, chunk):
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(self):
        while True:
            chunk = self.queue.get()
            if chunk is None:
                return
            if self.error is not None:
                continue
            try:
                self._write(chunk)
            except BaseException as exc:  # reported by the next send() or close()
                self.error = exc if isinstance(exc, Exception) else RuntimeError(str(exc))

    def _write(self, chunk):
        # The lexicon first: a written article's terms are always there.
        lex_ops = [(key, _bulk_line("create", self.lexicon, mapping.lexicon_id(*key)),
                    _dumps(mapping.lexicon_entry(key[0], key[1], sound, count)))
                   for key, (sound, count) in chunk.lexicon.items()]
        if lex_ops:
            created, written = self.result.created, self.result.written

            def done(key, status):
                written.add(key)
                if status < 300:
                    created[key] = chunk.lexicon[key][1]

            refused = send_bulk(self.cluster, lex_ops, on_done=done)
            if refused:  # a term the cluster will not take as a keyword (too long): the article is still written
                pass
        doc_ops = [(article_id, _bulk_line("index", self.index, mapping.doc_id(article_id)), src)
                   for article_id, src in chunk.docs]
        refused = send_bulk(self.cluster, doc_ops)
        for article_id, message in refused.items():
            self.result.failures.append((article_id, chunk.sources.get(article_id, article_id), message))


@dataclass
class _Chunk:
    docs: list = field(default_factory=list)  # (article id, JSON source)
    lexicon: dict = field(default_factory=dict)  # (kind, term) -> [sound, articles of the chunk holding it]
    sources: dict = field(default_factory=dict)
    size: int = 0


def write_share(url, index, lexicon, articles, replace_ids, seen) -> _ShareResult:
    """Analyse ``articles`` and write them (in a worker process, or in the
    parent for a small batch).  ``seen``: lexicon entries already written in
    this run (inherited from the parent)."""
    from index.analysis import using_dictionary

    started = time.perf_counter()
    result = _ShareResult()
    cluster = connect(url)
    sender = _Sender(cluster, index, lexicon, result)
    replace = set(replace_ids)
    seen = set(seen)
    chunk = _Chunk()
    try:
        with using_dictionary(None):
            for article in articles:
                source = article.get("source") or article.get("id")
                t = time.perf_counter()
                try:
                    doc, lex = mapping.article_document(article)
                    src = _dumps(doc)
                except Exception as exc:  # one bad article must not stop the batch
                    result.failures.append((article.get("id"), source, f"cannot analyse article: {exc}"))
                    continue
                result.analysis_seconds += time.perf_counter() - t
                added = article["id"] not in replace
                result.counts.update(lex.keys())
                if added:
                    result.added.update(lex.keys())
                new = chunk.lexicon
                for key, sound in lex.items():
                    if key in new:
                        new[key][1] += 1
                    elif key not in seen:
                        seen.add(key)
                        new[key] = [sound, 1]
                chunk.docs.append((article["id"], src))
                chunk.sources[article["id"]] = source
                chunk.size += len(src)
                result.docs += 1
                if len(chunk.docs) >= BULK_DOCS or chunk.size >= BULK_BYTES:
                    sender.send(chunk)
                    chunk = _Chunk()
        if chunk.docs or chunk.lexicon:
            sender.send(chunk)
        sender.close()
    finally:
        if sender.thread.is_alive():
            sender.queue.put(None)
        cluster.close()
    result.seconds = time.perf_counter() - started
    return result
