#!/usr/bin/env python
"""The costliest requests within (and just over) the request limits, timed
against the real server on an index (the full livedoor index for the
figures in index/config.py).

    python bench/probe_limits.py --index DIR [--workers 1]

Starts `search serve` on a free loopback port, sends each probe (the worst
cases the limits allow: the most words, operators, phrases, dates and filter
values, deep pages, date sorting, suggestions for many unknown words, and a
few over the limits), four at a time for the parallel ones, and prints the
status, time and size of each answer, slowest first.  The goal: no request
over 1 s or 1 MB, whatever its parameters.  Exit code 1 when one is.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from load import free_port, start_server, stop_server, wait_until_healthy  # noqa: E402

from index import config  # noqa: E402

COMMON = ["東京", "日本", "映画", "女性", "男性", "スマートフォン", "アプリ", "発売", "公開", "選手", "試合", "サッカー",
          "話題", "結婚", "仕事", "写真", "動画", "ネット", "番組", "テレビ", "情報", "紹介", "今回", "年", "人気",
          "記事", "時間", "世界", "問題", "必要", "利用", "機能"]
UNKNOWN = [f"ズボラム{chr(0x30A2 + i)}" for i in range(32)]


def probes():
    words = COMMON[: config.MAX_QUERY_WORDS]
    ors = " OR ".join(COMMON[: config.MAX_QUERY_OPERATORS + 1])
    phrases = " OR ".join(f'"{a}{b}"' for a, b in zip(COMMON[: config.MAX_QUERY_PHRASES], COMMON[1:]))
    dates = " OR ".join(f"date:{2000 + i}" for i in range(config.MAX_QUERY_OPERATORS + 1))
    date_ranges = " OR ".join(f"date:[20{10 + i % 3}-0{i % 9 + 1} TO 2012-12]" for i in range(12))
    nots = "東京 " + " ".join(f"-{w}" for w in COMMON[1 : config.MAX_QUERY_OPERATORS + 1])
    nested = "(" * config.MAX_QUERY_DEPTH + "東京 OR 日本" + ")" * config.MAX_QUERY_DEPTH
    return [
        ("32 common words", {"q": " ".join(words)}),
        ("25 common words OR'ed", {"q": ors}),
        ("25 common words OR'ed, sorted by date", {"q": ors, "sort": "date"}),
        ("25 common words OR'ed, page 50 of 100", {"q": ors, "page": "50", "per_page": "100"}),
        ("8 phrases OR'ed", {"q": phrases}),
        ("25 years OR'ed", {"q": dates}),
        ("12 date ranges OR'ed", {"q": date_ranges}),
        ("1 word and 24 NOTs", {"q": nots}),
        ("8 levels of parentheses", {"q": nested}),
        ("everything, 100 per page", {"q": "", "per_page": "100"}),
        ("everything, sorted by date, last page", {"q": "", "sort": "date", "page": "73", "per_page": "100"}),
        ("32 unknown words (suggestions)", {"q": " ".join(UNKNOWN)}),
        ("8 unknown words (suggestions)", {"q": " ".join(UNKNOWN[:8])}),
        ("common word, 40 filter values", {"q": "東京", "person": [f"人{i}" for i in range(20)],
                                          "tags": [f"タグ{i}" for i in range(20)]}),
        ("over the limit: 5,000 person values", {"q": "東京", "person": [f"p{i}" for i in range(5000)]}),
        ("over the limit: 255 words", {"q": " ".join(["存在しない語"] * 255)}),
        ("over the limit: 300 parentheses", {"q": "(" * 300 + "東京" + ")" * 300}),
        ("over the limit: 98 phrases", {"q": " OR ".join(['"東京都"'] * 98)}),
    ]


def timed_get(host, port, path):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, elapsed, len(data)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=4, help="copies of each probe sent at once (4)")
    args = parser.parse_args(argv)
    port = free_port()
    server = start_server(args.index, port, args.workers)
    rows = []
    try:
        wait_until_healthy("127.0.0.1", port, server)
        for name, params in probes():
            for route in ("/api/search", "/search"):
                path = f"{route}?{urlencode(params, doseq=True)}"
                timed_get("127.0.0.1", port, path)  # warm: first-use costs are not the probe
                results = []
                threads = [threading.Thread(target=lambda: results.append(timed_get("127.0.0.1", port, path)))
                           for _ in range(args.parallel)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                status = results[0][0]
                rows.append((max(r[1] for r in results), max(r[2] for r in results), status, route, name))
                print(f"  {rows[-1][0]:8.3f} s {rows[-1][1]:9,d} B {status}  {route:<12} {name}", flush=True)
    finally:
        stop_server(server)
    rows.sort(reverse=True)
    print(f"{'seconds':>8} {'bytes':>9} status  route        probe ({args.parallel} at once)")
    for seconds, size, status, route, name in rows:
        print(f"{seconds:8.3f} {size:9,d} {status:>6}  {route:<12} {name}")
    over = [r for r in rows if r[0] > 1.0 or r[1] > 1_000_000 or r[2] >= 500]
    print(f"slowest: {rows[0][0]:.3f} s ({rows[0][4]}, {rows[0][3]}); "
          f"{len(over)} over 1 s, 1 MB or with a 5xx")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
