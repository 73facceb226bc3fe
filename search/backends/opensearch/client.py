"""The connection to a cluster: nodes, credentials, retries with backoff.

``connect(url)`` gives a :class:`Cluster`: an opensearch-py client over every
node of the cluster (the URL names one; the others are found from it, and
found again when a node goes away), and :meth:`Cluster.call`, which runs a
request and retries it with exponential backoff when the cluster is busy
(HTTP 429) or a node is gone (a connection refused or reset, a timeout,
HTTP 502/503/504): a replica is promoted within seconds of a node dying,
and the request then succeeds on another node.  Any other error is raised at
once: a request this project built wrongly must not be sent again and again.

Credentials, when the cluster has security on: ``$SEARCH_OPENSEARCH_USER``
and ``$SEARCH_OPENSEARCH_PASSWORD``, or a file named by
``$SEARCH_OPENSEARCH_AUTH_FILE`` holding ``user:password`` on its first line
(or ``{"user": ..., "password": ...}``), or ``user:password@`` in the URL.
They go to the client as HTTP basic auth and are never printed: every
message shows the URL without them (:func:`public_url`).
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from urllib.parse import urlsplit, urlunsplit

USER_ENV = "SEARCH_OPENSEARCH_USER"
PASSWORD_ENV = "SEARCH_OPENSEARCH_PASSWORD"
AUTH_FILE_ENV = "SEARCH_OPENSEARCH_AUTH_FILE"
SNIFF_ENV = "SEARCH_OPENSEARCH_SNIFF"  # 0: use the URL's node only (a proxy, a load balancer)
INDEX_ENV = "SEARCH_OPENSEARCH_INDEX"
DEFAULT_INDEX = "news"

# Backoff: 0.25 s, 0.5 s, 1 s, ... at most 8 s between tries, for at most
# this long in all (a node's death is noticed and its primaries promoted
# within a few seconds; 429 passes when the queue drains).
RETRY_FIRST_SECONDS = 0.25
RETRY_MAX_SECONDS = 8.0
RETRY_TOTAL_SECONDS = 120.0
RETRY_STATUS = frozenset({429, 502, 503, 504})
REQUEST_TIMEOUT_SECONDS = 60.0

_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,200}$")


class PartialAnswer(ConnectionError):
    """A search that some shards did not answer (their node went away during
    the request, before its replicas took over).  OpenSearch returns such an
    answer with HTTP 200 and fewer hits; Cluster.read retries it like a
    refused connection, since a total or a facet count from part of the
    index is wrong, not merely slow."""


def _check_whole(answer):
    """``answer`` if every shard answered it (a search, count or msearch
    answer), else raise PartialAnswer."""
    parts = answer.get("responses") if isinstance(answer, dict) else None
    for part in (parts if parts is not None else [answer]):
        if not isinstance(part, dict):
            continue
        # (a search that ran out of its time limit is not partial in this
        # sense: it says timed_out, and the Searcher reports that as the
        # embedded index does, so it is not retried)
        shards = part.get("_shards") or {}
        if shards.get("failed"):
            reasons = [str((f.get("reason") or {}).get("type")) for f in shards.get("failures") or []]
            raise PartialAnswer(f"{shards['failed']} of {shards.get('total', '?')} shards failed "
                                f"({', '.join(sorted(set(reasons))) or 'no reason given'})")
        if parts is not None and "error" in part:
            error = part["error"] if isinstance(part["error"], dict) else {}
            if _lost_shards(part.get("status"), error.get("type")):
                raise PartialAnswer(f"a search of the msearch failed: HTTP {part.get('status')} {error.get('type')}")
    return answer


def _lost_shards(status, error_type) -> bool:
    """An error that a node going away gives a search: 5xx from the node
    gone, or "all shards failed" (HTTP 500 search_phase_execution_exception)
    when every copy of a shard was on it for a moment.  A query this project
    built wrongly fails with 400 and is not retried."""
    return status in RETRY_STATUS or (status == 500 and error_type == "search_phase_execution_exception")


class ClusterUnavailable(ConnectionError):
    """The cluster did not answer (or kept refusing) within the retry budget
    (an OSError: index.writer reports it as a run it could not finish)."""


def index_name(name: str | None) -> str:
    """The cluster index an ``index`` argument names: the argument, else
    $SEARCH_OPENSEARCH_INDEX, else ``news``; lower-case letters, digits,
    ``-`` and ``_`` (an index folder's path is not an index name)."""
    from search.backends import BackendError

    name = str(name) if name else (os.environ.get(INDEX_ENV) or DEFAULT_INDEX)
    if not _INDEX_NAME.match(name) or name.endswith("-lexicon"):
        raise BackendError(
            f"{name!r} is not an OpenSearch index name for this backend: use lower-case letters, digits, - and _ "
            f"(e.g. --index news), not a folder, and not ending in -lexicon"
        )
    return name


def public_url(url: str) -> str:
    """``url`` without user and password."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def credentials(url: str) -> tuple | None:
    """(user, password) from the environment, the auth file or the URL; None when none."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user and password is not None:
        return user, password
    path = os.environ.get(AUTH_FILE_ENV)
    if path:
        try:
            text = open(path, encoding="utf-8").read()
        except OSError as exc:
            from search.backends import BackendError

            raise BackendError(f"cannot read ${AUTH_FILE_ENV} ({path}): {exc.strerror}") from None
        text = text.strip()
        if text.startswith("{"):
            data = json.loads(text)
            return str(data["user"]), str(data["password"])
        first = text.splitlines()[0] if text else ""
        name, sep, secret = first.partition(":")
        if sep:
            return name, secret
        from search.backends import BackendError

        raise BackendError(f"${AUTH_FILE_ENV} ({path}) must hold user:password on its first line")
    parts = urlsplit(url)
    if parts.username is not None:
        from urllib.parse import unquote

        return unquote(parts.username), unquote(parts.password or "")
    return None


def _retryable(exc) -> bool:
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import ConnectionTimeout, TransportError

    if isinstance(exc, (OSConnectionError, ConnectionTimeout)):
        return True
    if isinstance(exc, TransportError):
        return isinstance(exc.status_code, int) and exc.status_code in RETRY_STATUS
    return isinstance(exc, OSError)


def backoff(attempt: int) -> float:
    """Seconds to wait before try ``attempt`` + 1 (exponential, with jitter)."""
    base = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** attempt)
    return base * (0.5 + random.random() / 2)


class Cluster:
    """One cluster: the client, and :meth:`call` with retries."""

    def __init__(self, url: str, *, sniff: bool | None = None, timeout: float = REQUEST_TIMEOUT_SECONDS):
        from opensearchpy import OpenSearch

        self.url = public_url(url)
        auth = credentials(url)
        parts = urlsplit(url)
        host = {"host": parts.hostname or "127.0.0.1", "port": parts.port or (443 if parts.scheme == "https" else 9200),
                "use_ssl": parts.scheme == "https"}
        if parts.path and parts.path != "/":
            host["url_prefix"] = parts.path
        if sniff is None:
            sniff = os.environ.get(SNIFF_ENV, "1") != "0"
        options = dict(
            http_auth=auth,
            timeout=timeout,
            # A refused or reset connection goes to the next node at once
            # (the transport marks the node dead for a while); statuses are
            # retried here, with backoff, not by the transport.
            max_retries=3,
            retry_on_timeout=True,
            retry_on_status=(),
            http_compress=False,
            pool_maxsize=32,
        )
        self.client = OpenSearch([host], **options)
        if sniff:
            try:
                nodes = self._http_nodes(self.client)
            except Exception:  # the named node is down: go on with it alone, found again on a failure
                nodes = []
            if len(nodes) > 1:
                hosts = [dict(host, host=h, port=p) for h, p in nodes]
                self.client.close()
                self.client = OpenSearch(hosts, sniff_on_connection_fail=True, sniffer_timeout=30.0,
                                         sniff_timeout=2.0, **options)
        self._lock = threading.Lock()

    @staticmethod
    def _http_nodes(client) -> list:
        info = client.transport.perform_request("GET", "/_nodes/_all/http", timeout=5)
        out = []
        for node in (info.get("nodes") or {}).values():
            address = (node.get("http") or {}).get("publish_address") or ""
            address = address.rsplit("/", 1)[-1]
            host, _, port = address.rpartition(":")
            if host and port.isdigit():
                out.append((host.strip("[]"), int(port)))
        return sorted(set(out))

    def call(self, fn, *args, deadline: float | None = None, **kwargs):
        """``fn(*args, **kwargs)`` (a client method), retried with backoff on
        429, 5xx from a node going away and connection errors, for at most
        RETRY_TOTAL_SECONDS (or until ``deadline``, a time.monotonic())."""
        end = deadline if deadline is not None else time.monotonic() + RETRY_TOTAL_SECONDS
        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if not _retryable(exc):
                    raise
                wait = backoff(attempt)
                if time.monotonic() + wait > end:
                    raise ClusterUnavailable(f"the cluster at {self.url} did not answer: {_describe(exc)}") from exc
                time.sleep(wait)
                attempt += 1

    def read(self, fn, *args, **kwargs):
        """:meth:`call` for a search, count or msearch, also retried when
        some shards did not answer (PartialAnswer): while a node is dying its
        shards fail, and a moment later their replicas answer."""
        from opensearchpy.exceptions import TransportError

        def whole(*a, **k):
            try:
                return _check_whole(fn(*a, **k))
            except TransportError as exc:
                if isinstance(exc.status_code, int) and _lost_shards(exc.status_code, exc.error):
                    raise PartialAnswer(f"HTTP {exc.status_code} {exc.error}") from exc
                raise

        return self.call(whole, *args, **kwargs)

    def request(self, method: str, path: str, body=None, params=None, **kwargs):
        """A raw request through the transport, with :meth:`call`'s retries."""
        return self.call(self.client.transport.perform_request, method, path, body=body, params=params, **kwargs)

    def close(self):
        try:
            self.client.close()
        except Exception:
            pass


def _describe(exc) -> str:
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    text = f"HTTP {status} {error}" if isinstance(status, int) else f"{type(exc).__name__}: {exc}"
    return text[:300]


def connect(url: str, **kwargs) -> Cluster:
    return Cluster(url, **kwargs)


__all__ = ["Cluster", "ClusterUnavailable", "PartialAnswer", "backoff", "connect", "credentials", "index_name", "public_url"]
