"""One measured step of the benchmark, run by run.py in its own process.

    worker.py build SYSTEM --dir DIR --source PATH --jsonl PATH --out FILE
    worker.py query SYSTEM --dir DIR --queries FILE --rounds N [--score FILE] --out FILE
    worker.py floor --jsonl PATH --out FILE

A separate process per step lets run.py watch the memory of the step's whole
process tree and nothing else, and gives every query step a fresh start.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from common import iter_jsonl  # noqa: E402
from peers import load  # noqa: E402


def _usage() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_seconds": round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 2),
        "maxrss_self_mb": round(me.ru_maxrss / 1024, 1),
        "maxrss_children_mb": round(kids.ru_maxrss / 1024, 1),
    }


def cmd_build(args) -> dict:
    system = load(args.system)
    opts = json.loads(args.opts or "{}")
    started = time.perf_counter()
    if system.reads_path:
        stats = system.build(args.source, args.dir, **opts)
    else:
        stats = system.build(iter_jsonl(args.jsonl), args.dir, **opts)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "stats": stats, **_usage()}


def cmd_floor(args) -> dict:
    """SudachiPy over every title and body once, in one process.

    The articles are read and the tokenizer made before the clock starts:
    the floor is the analysis alone.  For each morpheme of split mode C it
    takes what an index needs: normalized form, reading, offsets and part of
    speech.
    """
    from peers import _sudachi

    articles = list(iter_jsonl(args.jsonl))
    tok = _sudachi.tokenizer()
    mode = _sudachi.mode_c()
    morphemes = 0
    started = time.perf_counter()
    for a in articles:
        for text in (a.get("title") or "", a.get("body") or ""):
            for _offset, piece in _sudachi.chunks(text):
                for m in tok.tokenize(piece, mode):
                    m.normalized_form()
                    m.reading_form()
                    m.begin()
                    m.end()
                    m.part_of_speech()
                    morphemes += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "stats": {"docs": len(articles), "morphemes": morphemes}, **_usage()}


def cmd_query(args) -> dict:
    system = load(args.system)
    queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    system.open(args.dir)
    open_ms = (time.perf_counter() - t0) * 1000
    ids, first_ms, errors = [], [], {}
    times = [[] for _ in queries]
    # Pass 0 warms the caches and gives the hits scored for quality; the
    # timed rounds follow.
    for rnd in range(args.rounds + 1):
        for i, q in enumerate(queries):
            t = time.perf_counter()
            try:
                got = system.search(q, args.k)
            except Exception as exc:  # a peer that cannot run a query scores nothing for it
                got = []
                errors[q] = f"{type(exc).__name__}: {exc}"[:300]
            ms = (time.perf_counter() - t) * 1000
            if rnd == 0:
                ids.append(got)
                first_ms.append(ms)
            else:
                times[i].append(ms)
    # Queries that are scored and not timed (the held-out and precision
    # sets): one pass after the timed rounds, so they leave the latency
    # figures as they were.  Their errors are keyed by position, never by
    # the query text (the frozen test half is among them).
    score_ids, score_errors = [], {}
    if args.score:
        for i, q in enumerate(json.loads(Path(args.score).read_text(encoding="utf-8"))):
            try:
                got = system.search(q, args.k)
            except Exception as exc:
                got = []
                score_errors[str(i)] = f"{type(exc).__name__}: {exc}"[:300]
            score_ids.append(got)
    system.close()
    return {"open_ms": open_ms, "ids": ids, "first_ms": first_ms, "times_ms": times, "errors": errors,
            "score_ids": score_ids, "score_errors": score_errors, **_usage()}


def main(argv=None):
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("system")
    b.add_argument("--dir", required=True)
    b.add_argument("--source")
    b.add_argument("--jsonl")
    b.add_argument("--opts")
    q = sub.add_parser("query")
    q.add_argument("system")
    q.add_argument("--dir", required=True)
    q.add_argument("--queries", required=True)
    q.add_argument("--rounds", type=int, default=3)
    q.add_argument("--k", type=int, default=10)
    q.add_argument("--score", help="JSON list of queries run once, untimed, for their hits only")
    f = sub.add_parser("floor")
    f.add_argument("--jsonl", required=True)
    for s in (b, q, f):
        s.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if getattr(args, "dir", None):
        os.makedirs(args.dir, exist_ok=True)
    result = {"build": cmd_build, "query": cmd_query, "floor": cmd_floor}[args.cmd](args)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
