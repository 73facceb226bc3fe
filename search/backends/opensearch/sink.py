"""Where index.writer.index_paths writes when the backend is a cluster.

``OpenSearchSink(url, index_name, procs)`` is the cluster's sink (the API is
search.backends'): ``session`` opens (or creates, or with ``rebuild``
recreates) the index and its lexicon and holds the run's lease;
``existing_hashes`` reads every article's content hash (a scroll over the
``hash`` doc values); ``write_batch`` analyses and writes a batch;
``finish`` records the lexicon's counts and refreshes; ``delete`` deletes
by id.

Analysing and sending the articles (in parallel, with retries, idempotent
by id) is bulk.py's; this module is the run around it.

**The lexicon** (mapping.lexicon_body) gets, before the articles that hold
them, the terms not seen before in this run (``create``: one that is
already there stays), so what a written article holds is always in the
lexicon, even after a crash; ``finish`` writes how many articles hold each
term (exact after ``--rebuild``; after an incremental run the earlier count
plus the articles added).

**The lease.**  One run at a time writes an index: the session creates a
lease document (the lexicon's ``_lock``) and renews it every
LEASE_SECONDS / 3; another run waits for it up to ``lock_timeout`` and
then stops with IndexLocked.  A lease left by a killed run expires after
LEASE_SECONDS.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager

from index import config
from search.backends.opensearch import mapping
from search.backends.opensearch.bulk import _bulk_line, _dumps, send_bulk, write_share
from search.backends.opensearch.client import ClusterUnavailable, backoff, connect, public_url
from search.backends.opensearch.client import index_name as _index_name

LEASE_SECONDS = 60.0
LOCK_ID = "\u0000lock"
SCROLL_SIZE = 5000


class IndexMismatch(RuntimeError):
    """The cluster's index was built by another version of the analysis."""


# ---------------------------------------------------------------------------
# The sink


class OpenSearchSink:
    """The cluster backend's sink (see search.backends)."""

    name = "opensearch"

    def __init__(self, url: str, index_name: str | None = None, procs: int = 1):
        self.url = url
        self.index = _index_name(index_name)
        self.lexicon = mapping.lexicon_name(self.index)
        self.procs = max(1, int(procs or 1))
        self.cluster = None
        self._seen = set()
        self._counts = Counter()
        self._added = Counter()
        self._created = {}
        self._rebuilt = False
        self._lease = None
        self.stats = {"analysis_seconds": 0.0, "share_seconds": [], "bulk_docs": 0}

    def describe(self) -> str:
        return f"index {self.index} on {public_url(self.url)}"

    # -- the run ----------------------------------------------------------

    @contextmanager
    def session(self, lock_timeout=None, rebuild=False):
        self.cluster = connect(self.url)
        try:
            self._check_reachable()
            if rebuild:
                self._drop()
            self._ensure_indexes()
            self._rebuilt = rebuild or self._empty()
            with self._leased(config.LOCK_TIMEOUT_SECONDS if lock_timeout is None else lock_timeout):
                yield self
        finally:
            self.cluster.close()
            self.cluster = None

    def _check_reachable(self):
        try:
            self.cluster.call(self.cluster.client.info, deadline=time.monotonic() + 20)
        except Exception as exc:
            raise ClusterUnavailable(f"cannot reach the cluster at {public_url(self.url)}: {exc}") from None

    def _drop(self):
        for name in (self.index, self.lexicon):
            self.cluster.call(self.cluster.client.indices.delete, index=name, params={"ignore_unavailable": "true"})

    def _exists(self, name) -> bool:
        return bool(self.cluster.call(self.cluster.client.indices.exists, index=name))

    def _ensure_indexes(self):
        from opensearchpy.exceptions import RequestError

        for name, body in ((self.index, mapping.index_body()), (self.lexicon, mapping.lexicon_body())):
            if not self._exists(name):
                try:
                    self.cluster.call(self.cluster.client.indices.create, index=name, body=body,
                                      params={"wait_for_active_shards": "1"})
                except RequestError as exc:
                    if "resource_already_exists" not in str(exc):
                        raise
        check_meta(self.cluster, self.index)
        # Writes need the primaries; wait until they are there (a new index).
        self.cluster.call(self.cluster.client.cluster.health, index=f"{self.index},{self.lexicon}",
                          params={"wait_for_status": "yellow", "timeout": "60s"}, request_timeout=70)

    def _empty(self) -> bool:
        return self.cluster.read(self.cluster.client.count, index=self.index)["count"] == 0

    @contextmanager
    def _leased(self, timeout):
        from index.storage import IndexLocked
        from opensearchpy.exceptions import ConflictError, NotFoundError

        client = self.cluster.client
        owner = f"{socket.gethostname()} pid {os.getpid()}"
        deadline = time.monotonic() + timeout
        while True:
            now = time.time()
            doc = {"kind": "_lock", "term": owner, "until": int((now + LEASE_SECONDS) * 1000)}
            try:
                answer = self.cluster.call(client.create, index=self.lexicon, id=LOCK_ID, body=doc,
                                           params={"refresh": "false"})
                break
            except ConflictError:
                try:
                    held = self.cluster.call(client.get, index=self.lexicon, id=LOCK_ID)
                except NotFoundError:
                    continue
                if held["_source"].get("until", 0) < now * 1000:  # expired: a run that died
                    try:
                        self.cluster.call(client.delete, index=self.lexicon, id=LOCK_ID,
                                          params={"if_seq_no": held["_seq_no"], "if_primary_term": held["_primary_term"]})
                    except (ConflictError, NotFoundError):
                        pass
                    continue
                if time.monotonic() >= deadline:
                    raise IndexLocked(
                        f"{self.describe()} is being written by another `search index` or `search delete` run "
                        f"({held['_source'].get('term')}; waited {timeout:g} s); try again when it has finished, "
                        f"or raise --lock-timeout") from None
                time.sleep(0.5)
        lease = {"seq_no": answer["_seq_no"], "primary_term": answer["_primary_term"], "lost": False}
        stop = threading.Event()

        def renew():
            cluster = connect(self.url, sniff=False)
            try:
                while not stop.wait(LEASE_SECONDS / 3):
                    doc["until"] = int((time.time() + LEASE_SECONDS) * 1000)
                    try:
                        r = cluster.call(cluster.client.index, index=self.lexicon, id=LOCK_ID, body=doc,
                                         params={"if_seq_no": lease["seq_no"], "if_primary_term": lease["primary_term"]},
                                         deadline=time.monotonic() + LEASE_SECONDS / 3)
                        lease["seq_no"], lease["primary_term"] = r["_seq_no"], r["_primary_term"]
                    except ConflictError:
                        lease["lost"] = True
                        return
                    except Exception:
                        continue  # the cluster is busy or a node is gone: try again at the next beat
            finally:
                cluster.close()

        beat = threading.Thread(target=renew, name="index-lease", daemon=True)
        beat.start()
        self._lease = lease
        try:
            yield
        finally:
            stop.set()
            beat.join(10)
            try:
                self.cluster.call(client.delete, index=self.lexicon, id=LOCK_ID,
                                  params={"if_seq_no": lease["seq_no"], "if_primary_term": lease["primary_term"]},
                                  deadline=time.monotonic() + 20)
            except Exception:
                pass  # it expires

    def existing_hashes(self) -> dict:
        """id -> content hash of every article of the index (a scroll over the
        doc values of ``id`` and ``hash``; started again if a node goes away
        in the middle)."""
        from opensearchpy.exceptions import NotFoundError

        for attempt in range(5):
            try:
                return _scan_hashes(self.cluster, self.index)
            except (NotFoundError, ClusterUnavailable):
                if attempt == 4:
                    raise
                time.sleep(backoff(attempt))
        return {}

    def write_batch(self, articles, replace_ids, on_failure) -> set:
        from index.analysis import load_tokenizer, using_dictionary
        from index.segment_writer import split_shares
        from index.workers import run_in_workers

        articles = list(articles)
        if not articles:
            return set()
        url, index, lexicon, seen = self.url, self.index, self.lexicon, self._seen
        replace = list(replace_ids)

        def work(share):
            return write_share(url, index, lexicon, share, replace, seen)

        if self.procs > 1 and len(articles) >= max(2 * self.procs, config.MIN_DOCS_FOR_WORKERS):
            with using_dictionary(None):
                load_tokenizer()  # before the fork: the workers inherit it
            results = run_in_workers(split_shares(articles, self.procs), work)
        else:
            results = [work(articles)]
        failed = set()
        for r in results:
            for article_id, source, message in r.failures:
                failed.add(article_id)
                on_failure(source, message)
            self._counts.update(r.counts)
            self._added.update(r.added)
            self._created.update(r.created)
            self.stats["analysis_seconds"] += r.analysis_seconds
            self.stats["bulk_docs"] += r.docs
        self.stats["share_seconds"].append([round(r.seconds, 2) for r in results])
        for r in results:  # what the shares wrote (or found there) is in the lexicon now
            self._seen.update(r.written)
        return failed

    def finish(self, on_stage) -> None:
        if self._counts:
            self._write_counts()
        for name in (self.index, self.lexicon):
            self.cluster.call(self.cluster.client.indices.refresh, index=name)
        on_stage("refreshed")

    def _write_counts(self):
        """The lexicon's df hints: for an entry this run created, the
        articles of the run holding it; for one that was there, its count
        plus the articles this run added.  Written only where that differs
        from what the entry holds (most words are in one chunk only)."""
        final = {}
        for key, n in self._counts.items():
            if key in self._created:
                if n != self._created[key]:
                    final[key] = n
            elif self._added.get(key):
                final[key] = None  # the earlier count plus this run's
        unknown = [k for k, v in final.items() if v is None]
        for i in range(0, len(unknown), 2000):
            part = unknown[i:i + 2000]
            answer = self.cluster.call(self.cluster.client.mget, index=self.lexicon,
                                       body={"ids": [mapping.lexicon_id(*k) for k in part]},
                                       params={"_source_includes": "df"})
            for k, doc in zip(part, answer["docs"]):
                old = int((doc.get("_source") or {}).get("df") or 0) if doc.get("found") else 0
                final[k] = old + self._added[k]
        ops = []
        for k, df in final.items():
            ops.append((k, json.dumps({"update": {"_index": self.lexicon, "_id": mapping.lexicon_id(*k)}},
                                      ensure_ascii=False), _dumps({"doc": {"df": df}})))
            if len(ops) >= 5000:
                send_bulk(self.cluster, ops)
                ops = []
        if ops:
            send_bulk(self.cluster, ops)

    # -- deletes ------------------------------------------------------------

    def delete(self, ids) -> int:
        """Delete these articles; how many were there."""
        from index.storage import IndexMissing

        cluster = connect(self.url)
        try:
            self.cluster = cluster
            if not self._exists(self.index):
                raise IndexMissing(f"no index {self.index} on {public_url(self.url)}: run `search index --backend "
                                   f"opensearch` first")
            deleted = []
            ops = [(i, _bulk_line("delete", self.index, mapping.doc_id(i)), None) for i in ids if isinstance(i, str)]

            def done(key, status):
                if status < 300:
                    deleted.append(key)

            if ops:
                send_bulk(cluster, ops, on_done=done)
                cluster.call(cluster.client.indices.refresh, index=self.index)
            return len(set(deleted))
        finally:
            cluster.close()
            self.cluster = None


def _scan_hashes(cluster, index) -> dict:
    client = cluster.client
    out = {}
    answer = cluster.read(client.search, index=index, body={
        "query": {"match_all": {}}, "_source": False, "docvalue_fields": ["id", "hash"], "sort": ["_doc"],
        "size": SCROLL_SIZE}, params={"scroll": "2m"})
    scroll_id = answer.get("_scroll_id")
    try:
        while True:
            hits = answer["hits"]["hits"]
            if not hits:
                return out
            for hit in hits:
                fields = hit.get("fields") or {}
                article_id = (fields.get("id") or [None])[0]
                if article_id is not None:
                    out[article_id] = (fields.get("hash") or [""])[0]
            answer = cluster.call(client.scroll, body={"scroll_id": scroll_id, "scroll": "2m"})
            scroll_id = answer.get("_scroll_id") or scroll_id
    finally:
        if scroll_id:
            try:
                client.clear_scroll(body={"scroll_id": scroll_id})
            except Exception:
                pass


def check_meta(cluster, index) -> dict:
    """The index's _meta; raises IndexMismatch when another analysis built it."""
    from index.storage import IndexUnusable

    answer = cluster.call(cluster.client.indices.get_mapping, index=index)
    meta = {}
    for body in answer.values():
        meta = (body.get("mappings") or {}).get("_meta") or {}
        break
    want = mapping.index_meta()
    stale = [k for k in ("schema_version", "analyzer_version", "extractor_version", "mapping_version", "body_start",
                         "title_repeat") if meta.get(k) != want[k]]
    if stale:
        raise IndexUnusable(
            f"index {index} on {cluster.url} was built by another version of this program ({', '.join(stale)} "
            f"differ): run `search index --backend opensearch --rebuild ...` to rebuild it")
    return meta


__all__ = ["OpenSearchSink", "send_bulk", "write_share"]
