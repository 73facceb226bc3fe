#!/usr/bin/env python
"""How the embedded index's cost grows with the archive: the livedoor
articles indexed once and K times (each copy under other ids), one
`search index` each, in one run.

    python bench/scale.py                  # 1x and 10x (about 25 minutes on 2 cores)
    python bench/scale.py --copies 3       # 1x and 3x
    python bench/scale.py --work /tmp/scale --keep

For each size it writes the copies as one JSON Lines file in --work (never
in the repository: the corpus may not be redistributed), times
`search index FILE --index DIR` (wall, and the peak resident memory of the
process and its workers), measures the index folder, then runs a few
queries: a cold `search query` (a new process, median of 3) and warm
`Searcher.search()` with snippets and facets (p50 / p95 over the query list
of bench/latency_queries.txt, after one warm-up round).  Printed per size:
articles, index s, ms per article, MB, kB per article, peak MB, cold ms,
warm p50 / p95 ms, and the ratios of the K-times run to the 1x run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "livedoor" / "ldcc-20140209.tar.gz"
SEARCH = [sys.executable, "-c", "from search.cli import main; main()"]


def write_copies(corpus: Path, copies: int, path: Path) -> int:
    """The corpus ``copies`` times as JSON Lines, copy k's ids ending in #k."""
    from index.readers import read_paths

    articles = list(read_paths([str(corpus)]))
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for k in range(copies):
            for a in articles:
                row = {key: a[key] for key in ("title", "body", "tags", "category", "url") if a.get(key) is not None}
                row["id"] = a["id"] if k == 0 else f"{a['id']}#{k}"
                if a.get("date") is not None:
                    row["date"] = a["date"].isoformat()
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    return n


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file()) / 2**20


def index_once(source: Path, index: Path) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(SEARCH + ["index", str(source), "--index", str(index)], cwd=REPO,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"search index failed ({result.returncode}): {result.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB, the largest child so far
    return {"seconds": seconds, "peak_mb": max(peak, before) / 1024, "summary": result.stdout.strip().splitlines()[-1:]}


def queries() -> list:
    path = REPO / "bench" / "latency_queries.txt"
    return [q.strip() for q in path.read_text(encoding="utf-8").splitlines() if q.strip() and not q.startswith("#")]


def cold_ms(index: Path, query: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(SEARCH + ["query", query, "--index", str(index)], cwd=REPO, capture_output=True, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def warm_ms(index: Path, qs: list) -> tuple:
    from search import Searcher

    with Searcher(index) as s:
        for q in qs:  # warm-up: every per-commit table built
            s.search(q)
        times = []
        for q in qs:
            started = time.perf_counter()
            s.search(q)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--copies", type=int, default=10, help="the larger run's copies of the corpus (10)")
    p.add_argument("--work", default="/tmp/search-scale", help="folder for the JSON Lines files and indexes")
    p.add_argument("--keep", action="store_true", help="keep the files and indexes")
    args = p.parse_args(argv)
    if args.copies < 2:
        p.error("--copies must be 2 or more")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    qs = queries()
    rows = []
    try:
        for copies in (1, args.copies):
            source = work / f"livedoor-x{copies}.jsonl"
            n = write_copies(Path(args.corpus), copies, source)
            index = work / f"index-x{copies}"
            print(f"x{copies}: indexing {n:,} articles ...", file=sys.stderr, flush=True)
            run = index_once(source, index)
            mb = folder_mb(index)
            cold = cold_ms(index, qs[0])
            p50, p95 = warm_ms(index, qs)
            rows.append({"copies": copies, "articles": n, "index_s": run["seconds"], "ms_per_article": run["seconds"] * 1000 / n,
                         "mb": mb, "kb_per_article": mb * 1024 / n, "peak_mb": run["peak_mb"], "cold_ms": cold,
                         "p50_ms": p50, "p95_ms": p95, "summary": run["summary"]})
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
            if not args.keep:
                source.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    head = f"{'size':>5} {'articles':>9} {'index s':>8} {'ms/art':>7} {'MB':>7} {'kB/art':>7} {'peak MB':>8} {'cold ms':>8} {'p50 ms':>7} {'p95 ms':>7}"
    print(head)
    for r in rows:
        print(f"{'x' + str(r['copies']):>5} {r['articles']:>9,} {r['index_s']:>8.1f} {r['ms_per_article']:>7.2f} {r['mb']:>7.1f} "
              f"{r['kb_per_article']:>7.2f} {r['peak_mb']:>8.0f} {r['cold_ms']:>8.0f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}")
    one, big = rows
    print(f"x{big['copies']} / x1: time per article {big['ms_per_article'] / one['ms_per_article']:.2f}, "
          f"size per article {big['kb_per_article'] / one['kb_per_article']:.2f}, peak memory {big['peak_mb'] / one['peak_mb']:.2f}, "
          f"cold query {big['cold_ms'] / one['cold_ms']:.2f}, warm p95 {big['p95_ms'] / one['p95_ms']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
