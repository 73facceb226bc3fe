"""The server users run, for tests: `search serve` in its own process on a
free loopback port, and a small HTTP client over it.

``serving(index, workers=1)`` starts the real command (waitress for one
worker, gunicorn for more), waits for /api/health and stops it afterwards.
:class:`LiveClient` speaks plain HTTP to it with the few methods the tests
use of Flask's test client (``get``, ``post``, a response with
``status_code``, ``headers``, ``mimetype``, ``get_json``, ``get_data``), so
a test written against the test client runs against the real server.
"""

from __future__ import annotations

import http.client
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from load import free_port, start_server, stop_server, wait_until_healthy  # noqa: E402


@contextmanager
def serving(index, workers: int = 1):
    """Yield a LiveClient of `search serve --index INDEX --workers N`."""
    port = free_port()
    server = start_server(index, port, workers=workers)
    try:
        wait_until_healthy("127.0.0.1", port, server)
        client = LiveClient("127.0.0.1", port)
        client.process = server
        yield client
    finally:
        stop_server(server)


class LiveResponse:
    def __init__(self, status, headers, data):
        self.status_code = status
        self.headers = headers
        self.data = data

    @property
    def mimetype(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()

    @property
    def is_json(self) -> bool:
        return self.mimetype == "application/json"

    def get_json(self):
        return json.loads(self.data)

    def get_data(self, as_text=False):
        return self.data.decode("utf-8", "replace") if as_text else self.data


class _Headers(dict):
    """Response headers, looked up without regard to case."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def __contains__(self, name):
        return super().__contains__(name.lower())


class LiveClient:
    """Requests to the live server, one connection per request (so a request
    the server refuses mid-way cannot confuse the next one)."""

    def __init__(self, host, port, timeout=60.0):
        self.host, self.port, self.timeout = host, port, timeout

    def request(self, method, path, body=None, headers=None) -> LiveResponse:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.putrequest(method, path, skip_host="Host" in (headers or {}), skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            data = response.read()
            return LiveResponse(response.status, _Headers((k.lower(), v) for k, v in response.getheaders()), data)
        finally:
            conn.close()

    @staticmethod
    def _path(path, query_string):
        if not query_string:
            return path
        if not isinstance(query_string, str):
            query_string = urlencode(query_string, doseq=True)
        return f"{path}?{query_string}"

    def get(self, path, query_string=None, headers=None) -> LiveResponse:
        return self.request("GET", self._path(path, query_string), headers=headers)

    def post(self, path, data=b"", content_type="application/octet-stream", headers=None) -> LiveResponse:
        body = data.encode("utf-8") if isinstance(data, str) else data
        return self.request("POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})})
