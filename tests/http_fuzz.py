"""Generated HTTP requests for fuzzing the real server.

``requests(seed, n)`` yields ``n`` requests (method, path with query
string, headers, body) built from the pieces users and attackers send:
Japanese words, the query language's operators, brackets and field names,
dates in every written form, full-width forms, deep nesting, very long
values, repeated parameters, bytes that are not UTF-8, odd methods and
headers.  ``check(request, response)`` says what is wrong with an answer:
a 5xx, a 4xx without a message, or an answer over the size limit.

Used by tests/test_live_server.py (a bounded run in the default suite) and
bench/fuzz_http.py (the long run).
"""

from __future__ import annotations

import json
import random
from urllib.parse import quote

WORDS = ["東京", "大阪", "ロシア", "ウクライナ侵攻", "サッカー日本代表", "香川真司", "iPhone", "ＮＡＴＯ", "とうきょう",
         "九", "2012", "a", "の", "。", "東京都庁", "プーチン大統領", "ｳｸﾗｲﾅ", "シュミレーション", "日銀", "スマホ",
         "𠮷野家", "\u200b", "\ufeff", "\x00", "\x1b[2J", "<script>alert(1)</script>", "' OR 1=1 --",
         '{"query": {"match_all": {}}}', "*:*", "\\", "%", "%00", "../../etc/passwd", "a" * 300]
OPERATORS = ["AND", "OR", "NOT", "-", "--", "(", ")", "()", '"', '""', "“", "”", "「", "」", "（", "）", "＂", "：",
             "[", "]", "*", "?", "~", "^2", "\u3000", "\t", "\n"]
FIELDS = ["title:", "body:", "tag:", "tags:", "category:", "person:", "place:", "org:", "source:", "date:",
          "unknown:", ":", "ｔｉｔｌｅ：", "TITLE:"]
DATES = ["2012", "2012-09", "2012-09-04", "2012年9月", "平成24年", "H24.9.4", "令和2年3月1日", "昭和64年", "平成元年1月7日",
         "0001", "9999-12-31", "2012-13-45", "[2012-01-01 TO 2012-06-30]", "[2012 TO]", "[ TO ]", "[* TO *]",
         "[x TO y TO z]", "昨日", "２０１２年９月"]
PAGES = ["/", "/search", "/article", "/analyze", "/api/search", "/api/suggest", "/api/articles/{id}",
         "/api/articles/{id}/similar", "/api/analyze", "/api/synonyms", "/api/stats", "/api/health",
         "/static/style.css", "/static/../../etc/passwd", "/nowhere", "/api/nowhere", "//search", "/search/",
         "/api/articles/", "/favicon.ico"]
PARAMS = ["q", "page", "per_page", "sort", "category", "tags", "tag", "person", "place", "org", "source",
          "date_from", "date_to", "facets", "recency", "snippets", "synonyms", "limit", "id", "text", "term",
          "explain", "collapse", "x"]
NUMBERS = ["", "0", "1", "2", "-1", "10", "100", "101", "1.5", "1e3", "99999999999999999999", "x", "０", "１０"]
METHODS = ["GET"] * 12 + ["POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]
HOSTS = ["127.0.0.1", "localhost", "a" * 64 + ".example", "", "例え.テスト", "[::1]", "x..y", "-bad-"]

# The largest answer any request may get (bytes).
MAX_RESPONSE_BYTES = 1_000_000


def _query(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8, 20, 60])):
        kind = rng.random()
        if kind < 0.45:
            parts.append(rng.choice(WORDS))
        elif kind < 0.7:
            parts.append(rng.choice(OPERATORS))
        elif kind < 0.85:
            parts.append(rng.choice(FIELDS) + rng.choice(WORDS + DATES + ['"東京 大阪"', ""]))
        elif kind < 0.92:
            depth = rng.choice([1, 3, 9, 50, 300])
            parts.append(rng.choice(["(", "-(", "NOT (", "（"]) * depth + rng.choice(WORDS) + ")" * rng.choice([0, depth]))
        else:
            parts.append("".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 12))))
    return rng.choice([" ", "", "\u3000", " AND ", " OR "]).join(parts)


def _value(rng: random.Random, name: str) -> str:
    if name in ("q", "text", "term"):
        return _query(rng)
    if name in ("page", "per_page", "limit"):
        return rng.choice(NUMBERS)
    if name in ("date_from", "date_to"):
        return rng.choice(DATES + NUMBERS)
    if name in ("facets", "recency", "snippets", "synonyms", "explain", "collapse"):
        return rng.choice(["0", "1", "no", "yes", "", "maybe"])
    if name == "sort":
        return rng.choice(["relevance", "date", "", "x", "RELEVANCE"])
    return rng.choice(WORDS + [_query(rng)])


def _encode(value: str, rng: random.Random) -> str:
    if rng.random() < 0.03:  # bytes that are not UTF-8
        return "%FF%FE" + quote(value.encode("utf-8", "surrogatepass"), safe="")
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def request(rng: random.Random) -> dict:
    """One generated request: method, path, headers, body."""
    page = rng.choice(PAGES).replace("{id}", _encode(rng.choice(WORDS + ["p1", "http://example.com/1"]), rng))
    pairs = []
    for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 30, 200])):
        name = rng.choice(PARAMS)
        pairs.append(f"{quote(name)}={_encode(_value(rng, name), rng)}")
    path = page + ("?" + "&".join(pairs) if pairs else "")
    method = rng.choice(METHODS)
    headers = {"Host": rng.choice(HOSTS) if rng.random() < 0.1 else "127.0.0.1"}
    if rng.random() < 0.1:
        headers["Accept"] = rng.choice(["application/json", "*/*", "text/html;q=0.1", "\u00ff"])
    if rng.random() < 0.05:
        headers["X-Forwarded-For"] = rng.choice(["1.2.3.4", "x" * 500])
    body = None
    if method in ("POST", "PUT", "PATCH"):
        kind = rng.random()
        if kind < 0.5:
            body = json.dumps({"text": _query(rng)}, ensure_ascii=rng.random() < 0.5).encode()
        elif kind < 0.7:
            body = b"[" * rng.choice([10, 1000, 100_000])
        elif kind < 0.85:
            body = json.dumps({"text": ["not", "text"], "x": {"y": 1}}).encode()
        else:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        headers["Content-Type"] = rng.choice(["application/json", "text/plain", "application/x-www-form-urlencoded"])
    return {"method": method, "path": path, "headers": headers, "body": body}


def requests(seed: int, n: int):
    rng = random.Random(seed)
    for _ in range(n):
        yield request(rng)


def check(req: dict, status: int, headers: dict, data: bytes) -> str | None:
    """What is wrong with the answer to ``req``, or None."""
    if status >= 500:
        return f"HTTP {status}"
    if len(data) > MAX_RESPONSE_BYTES:
        return f"{len(data):,} bytes"
    if 400 <= status < 500 and req["method"] != "HEAD":
        if not data.strip():
            return f"HTTP {status} without a message"
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json"):
            try:
                message = json.loads(data).get("error")
            except (ValueError, AttributeError):
                return f"HTTP {status} with JSON that is not an error object"
            if not message:
                return f"HTTP {status} with an empty error"
    return None


def drive(host: str, port: int, seed: int, n: int, clients: int = 4) -> dict:
    """Send ``n`` generated requests from ``clients`` threads; returns
    {requests, problems: [(request, what)], slowest: (seconds, request),
    statuses: {status: count}}."""
    import http.client
    import threading
    import time
    from collections import Counter

    todo = list(requests(seed, n))
    lock = threading.Lock()
    problems, statuses = [], Counter()
    slowest = [(0.0, None)]

    def worker(share):
        for req in share:
            started = time.perf_counter()
            conn = http.client.HTTPConnection(host, port, timeout=60)
            try:
                conn.putrequest(req["method"], req["path"], skip_host=True, skip_accept_encoding=True)
                for name, value in req["headers"].items():
                    conn.putheader(name, value.encode("utf-8"))  # raw bytes, as any client may send
                if req["body"] is not None:
                    conn.putheader("Content-Length", str(len(req["body"])))
                conn.endheaders(req["body"])
                response = conn.getresponse()
                data = response.read()
                status, headers = response.status, {k.lower(): v for k, v in response.getheaders()}
                what = check(req, status, headers, data)
            except (OSError, http.client.HTTPException) as exc:
                status, what = 0, f"{type(exc).__name__}: {exc}"
            finally:
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                statuses[status] += 1
                if what:
                    problems.append((req, what))
                if elapsed > slowest[0][0]:
                    slowest[0] = (elapsed, req)

    threads = [threading.Thread(target=worker, args=(todo[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"requests": n, "problems": problems, "slowest": slowest[0], "statuses": dict(statuses)}
