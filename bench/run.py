#!/usr/bin/env python
"""Benchmark: this engine beside its peers on the livedoor corpus.

    python bench/run.py [--corpus PATH] [--quick] [--peers a,b,...] [--skip-cold] [--json [OUT]] [--per-query]
                        [--backend opensearch [--nodes 3] [--clients 16] [--http-seconds 20]]

For the floor, then this project, then every peer: index the same articles
in a child process (wall time, docs/s, chars/s, peak RSS of the process
tree, size on disk), then answer the same queries in a fresh child process
(warm latency over the tuning set and the latency queries; MRR@10 and
recall@10 of the three known-item sets -- tuning, dev and the frozen test
half -- and P@10 of the precision queries), then time a cold process
answering one query where the system has a command line.  See
bench/README.md for what each column means.  The frozen test half is only
ever shown and saved as aggregates (per kind and subkind).

``--backend opensearch`` starts a 3-node OpenSearch cluster on loopback
(search.cluster, under the run's temporary folder, with the C2 compiler on:
the test clusters run C1 only, which starts faster and runs slower) and adds
the row "this project on OpenSearch" after this project's embedded row:
the same engine, indexing with its analysis workers into the cluster, the
same queries through the same Searcher.  Both rows then also get the
throughput of --clients concurrent HTTP clients for --http-seconds against
``search serve`` (bench/load.py's clients and query mix), the server with
one worker per core, on the same two cores as the cluster.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from common import (  # noqa: E402
    BASELINE_P10,
    FROZEN_SETS,
    HELD_OUT_GOALS,
    KINDS,
    QUERY_SETS,
    QUICK_SIZE,
    VARIANT_SUBKINDS,
    PrecisionJudge,
    load_latency_queries,
    load_precision,
    load_query_sets,
    quick_subset,
    rank_of,
    read_corpus,
    resolve_corpus,
    score_ranks,
    text_stats,
    write_jsonl,
)
from peers import PEERS, dir_size, load  # noqa: E402

WORKER = BENCH / "worker.py"
RESULTS = BENCH / "results"

# The targets of the issue, checked for this project's row.
TARGET_FLOOR_RATIO = 2.0
TARGET_WARM_P95_MS = 20.0
TARGET_COLD_S = 0.5
TARGET_SIZE_RATIO = 3.0

# The one query every system with a command line answers from a cold start.
DEFAULT_COLD_QUERY = "iPhone アプリ"
COLD_RUNS = 7
BUILD_TIMEOUT_S = 1200
QUERY_TIMEOUT_S = 900


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------------------
# Running a measured child


def _tree_rss(proc) -> int:
    import psutil

    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_worker(args: list[str], timeout: float) -> dict:
    """Run worker.py with ``args``; its JSON result plus the peak tree RSS.

    A thread samples the summed RSS of the worker and all its descendants
    every 20 ms (the engine and Whoosh's multiprocessing writer fork
    workers; Groonga runs as a child).
    """
    out = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".json", delete=False)
    out.close()
    err = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
    argv = [sys.executable, str(WORKER), *args, "--out", out.name]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=err, stderr=err, cwd=str(BENCH.parent))
    peak = [0]
    done = threading.Event()

    def sample():
        try:
            import psutil

            p = psutil.Process(proc.pid)
        except Exception:
            return
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(p))
            done.wait(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = "timeout"
    done.set()
    t.join()
    wall = time.perf_counter() - started
    err.seek(0)
    stderr = err.read()
    err.close()
    try:
        result = json.loads(Path(out.name).read_text(encoding="utf-8")) if rc == 0 else None
    finally:
        os.unlink(out.name)
    if result is None:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"worker {' '.join(args[:2])} failed ({rc}):\n{tail}")
    result["process_wall_seconds"] = wall
    result["peak_tree_rss_mb"] = peak[0] / 2**20
    result["peak_rss_mb"] = max(
        result["peak_tree_rss_mb"], result.get("maxrss_self_mb", 0), result.get("maxrss_children_mb", 0)
    )
    return result


def time_cold(argv: list[str], runs: int) -> dict:
    """Median wall time of ``runs`` fresh processes (after one untimed run)."""
    times = []
    last = None
    for i in range(runs + 1):
        t = time.perf_counter()
        last = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", errors="replace",
                              cwd=str(BENCH.parent), timeout=120)
        ms = (time.perf_counter() - t) * 1000
        if i:
            times.append(ms)
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "runs": runs,
        "returncode": last.returncode,
        "output_lines": len([l for l in last.stdout.splitlines() if l.strip()]),
        "stderr": last.stderr.strip()[-300:],
    }


# ---------------------------------------------------------------------------
# Metrics


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]


def set_quality(name, items, ids_by_query) -> dict:
    """Aggregates of one known-item set; with the per-query ranks unless frozen."""
    ranks = [rank_of(item.expected, ids) for item, ids in zip(items, ids_by_query)]
    out = score_ranks(items, ranks)
    if name not in FROZEN_SETS:
        out["ranks"] = ranks
    return out


# ---------------------------------------------------------------------------
# Tables


def _fmt(v, fmt):
    if v is None:
        return "n/a"
    return v if isinstance(v, str) else fmt.format(v)


def format_table(rows, columns, groups=None) -> str:
    """rows of dicts as a text table; ``columns``: (key, header, format).

    ``groups``: optional (label, number of columns) spans over the columns
    after the first, printed as a line above the headers.
    """
    cells = [[h for _, h, _ in columns]]
    for row in rows:
        cells.append([_fmt(row.get(key), fmt) for key, _, fmt in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    out = []
    if groups:
        line, col = [" " * widths[0]], 1
        for label, span in groups:
            w = sum(widths[col:col + span]) + 2 * (span - 1)
            line.append((label + " " + "-" * max(0, w - len(label) - 1))[:w].ljust(w) if label else " " * w)
            col += span
        out.append("  ".join(line).rstrip())
    for n, r in enumerate(cells):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


MAIN_COLUMNS = [
    # key, header, format
    ("name", "system", "{}"),
    ("index_s", "index s", "{:.1f}"),
    ("docs_s", "docs/s", "{:.0f}"),
    ("chars_s", "kchars/s", "{:.0f}"),
    ("rss_mb", "peak MB", "{:.0f}"),
    ("floor_x", "x floor", "{:.2f}"),
    ("size_mb", "size MB", "{:.1f}"),
    ("size_x", "x raw", "{:.2f}"),
    ("p50", "p50 ms", "{:.1f}"),
    ("p95", "p95 ms", "{:.1f}"),
    ("max", "max ms", "{:.1f}"),
    ("cold_ms", "cold ms", "{:.0f}"),
    ("http_rps", "HTTP req/s", "{:.1f}"),
    ("http_p95", "HTTP p95", "{:.0f}"),
    ("tuning.mrr", "MRR tune", "{:.3f}"),
    ("dev.mrr", "MRR dev", "{:.3f}"),
    ("test.mrr", "MRR test", "{:.3f}"),
    ("p10", "P@10", "{:.3f}"),
]

KIND_HEADERS = {"plain": "pl", "variant": "var", "partial": "part"}
SUB_HEADERS = {"katakana": "kata", "okurigana": "okuri", "kana_name": "name", "compound": "comp", "place": "place"}


def set_columns(name, with_subkinds):
    """Columns of one set's quality table: MRR@10 then R@10, overall, per kind (and subkind)."""
    groups, cols = [], [("name", "system", "{}")]
    for measure, label, fmt in (("mrr", "MRR@10", "{:.3f}"), ("recall", "R@10", "{:.2f}")):
        keys = [(f"{name}.{measure}", "all")]
        keys += [(f"{name}.{measure}_{k}", KIND_HEADERS[k]) for k in KINDS]
        if with_subkinds:
            keys += [(f"{name}.{measure}_{s}", SUB_HEADERS[s]) for s in VARIANT_SUBKINDS]
        cols += [(key, header, fmt) for key, header in keys]
        groups.append((label, len(keys)))
    return cols, groups


def describe_set(items) -> str:
    """'47 queries: 13 plain, 26 variant (6 katakana, ...), 8 partial' (counts only)."""
    kinds = collections.Counter(i.kind for i in items)
    subs = collections.Counter(i.subkind for i in items if i.kind == "variant" and i.subkind)
    parts = []
    for k in KINDS:
        text = f"{kinds[k]} {k}"
        if k == "variant" and subs:
            text += " (" + ", ".join(f"{subs[s]} {s}" for s in VARIANT_SUBKINDS if subs[s]) + ")"
        parts.append(text)
    return f"{len(items)} queries: " + ", ".join(parts)


# ---------------------------------------------------------------------------
# The run


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", help="livedoor corpus: its .tar.gz, its folder, or the folder holding the archive "
                                    "(default ../shared/corpus/livedoor)")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE} articles (every article a known-item set "
                                                        "expects plus a spread fill-up), for a run of a minute or two")
    p.add_argument("--peers", default=",".join(PEERS),
                   help=f"comma-separated peers to run, or 'none' (default all: {','.join(PEERS)})")
    p.add_argument("--skip-cold", action="store_true", help="skip the cold-process query timings")
    p.add_argument("--skip-floor", action="store_true", help="skip the SudachiPy floor (no 'x floor' column)")
    p.add_argument("--cold-query", default=DEFAULT_COLD_QUERY, help=f"query for the cold runs ({DEFAULT_COLD_QUERY!r})")
    p.add_argument("--cold-runs", type=int, default=COLD_RUNS, help=f"timed cold runs per system ({COLD_RUNS})")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds over the query set after one warm-up (3)")
    p.add_argument("--peer-procs", type=int, default=1,
                   help="writer processes for the Whoosh peers (default 1: stock single-process writer)")
    p.add_argument("--json", nargs="?", const="", default=None, metavar="OUT",
                   help="also write every figure as JSON (default bench/results/run-<time>.json; "
                        "a bare file name goes to bench/results/); the test set as aggregates only")
    p.add_argument("--per-query", action="store_true",
                   help="also print the rank of every tuning and dev known item and the P@10 of every precision "
                        "query, per system (never the frozen test set's)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder with the indexes")
    p.add_argument("--backend", choices=["whoosh", "opensearch"], default="whoosh",
                   help="opensearch: also this project on a local OpenSearch cluster, and HTTP throughput")
    p.add_argument("--nodes", type=int, default=3, help="nodes of the --backend opensearch cluster (3)")
    p.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients of the throughput run (16)")
    p.add_argument("--http-seconds", type=float, default=20.0, help="seconds of the throughput run (20)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    run_started = time.perf_counter()
    corpus = resolve_corpus(args.corpus)
    peers = [] if args.peers.strip() in ("", "none") else [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        raise SystemExit(f"unknown peer(s) {', '.join(unknown)}; known: {', '.join(PEERS)}")

    try:
        import psutil  # noqa: F401
    except ImportError:
        log("note: psutil is not installed (pip install psutil): 'peak MB' falls back to the largest "
            "single process instead of the summed process tree")
    log(f"corpus: {corpus}")
    articles = read_corpus(corpus)
    sets = load_query_sets()
    precision = load_precision()
    subset = args.quick and len(articles) > QUICK_SIZE
    if subset:
        articles = quick_subset(articles, {i.expected for items in sets.values() for i in items})
    present = {a["id"] for a in articles}
    for name in sets:
        missing = sum(1 for i in sets[name] if i.expected not in present)
        if missing:
            log(f"note: {missing} {name} known-item queries skipped, their article is not in this corpus")
        sets[name] = [i for i in sets[name] if i.expected in present]
    items = sets["tuning"]
    extra = load_latency_queries()
    # Timed (and scored): the tuning set, then the latency-only queries, as
    # before the held-out sets existed, so latency stays comparable.  Scored
    # only, in one untimed pass: the dev and test halves and the precision
    # queries, in this order.
    query_set = [i.query for i in items] + extra
    score_order = [("dev", len(sets["dev"])), ("test", len(sets["test"])), ("precision", len(precision))]
    score_set = [i.query for i in sets["dev"]] + [i.query for i in sets["test"]] + [q.query for q in precision]
    stats = text_stats(articles)
    log(f"articles: {stats['docs']:,}  chars: {stats['chars']:,}  raw UTF-8: {stats['raw_bytes'] / 1e6:.1f} MB  "
        f"known-item queries: {len(items)} tuning, {len(sets['dev'])} dev, {len(sets['test'])} test  "
        f"precision queries: {len(precision)}  latency-only queries: {len(extra)}")
    judge = PrecisionJudge(articles, precision)

    tmp = Path(tempfile.mkdtemp(prefix="bench-run-"))
    jsonl = tmp / "articles.jsonl"
    write_jsonl(articles, jsonl)
    queries_file = tmp / "queries.json"
    queries_file.write_text(json.dumps(query_set, ensure_ascii=False), encoding="utf-8")
    # The scored-only queries hold the frozen test half: their file is never
    # kept (not even with --keep).
    fd, score_name = tempfile.mkstemp(prefix="bench-score-", suffix=".json")
    os.close(fd)
    score_file = Path(score_name)
    score_file.write_text(json.dumps(score_set, ensure_ascii=False), encoding="utf-8")
    # The engine reads the corpus as a user would (the archive); a subset
    # goes through the same temporary JSONL as the peers.
    engine_source = str(jsonl) if subset else corpus

    report = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "corpus": corpus, "quick": args.quick, **stats,
        "known_item_queries": len(items), "latency_queries": len(query_set),
        "sets": {
            name: {"file": str(QUERY_SETS[name].relative_to(BENCH.parent)), "frozen": name in FROZEN_SETS,
                   "n": len(its), **{f"n_{k}": sum(1 for i in its if i.kind == k) for k in KINDS},
                   **({"queries": [{"query": i.query, "kind": i.kind, "subkind": i.subkind, "expected": i.expected}
                                   for i in its]} if name not in FROZEN_SETS else {})}
            for name, its in sets.items()
        },
        "precision_queries": [q.query for q in precision],
        "cold_query": args.cold_query, "systems": {}, "skipped": {},
    }
    rows = []
    floor_s = None
    ctx = {"sets": sets, "score_order": score_order, "score_file": score_file, "judge": judge}

    cluster_dir = None
    try:
        ours = ["ours"]
        if args.backend == "opensearch":
            from search import cluster

            missing = cluster.missing_tools()
            if missing:
                raise SystemExit(f"--backend opensearch needs {' and '.join(missing)}: run opensearch/install.sh")
            cluster_dir = tmp / "cluster"
            log(f"cluster: starting {args.nodes} OpenSearch nodes ...")
            t = time.perf_counter()
            info = cluster.start(cluster_dir, nodes=args.nodes, jvm_options=["-XX:TieredStopAtLevel=4"])
            os.environ["SEARCH_OPENSEARCH_URL"] = info["url"]  # for the workers (engine.EngineOnOpenSearch)
            report["cluster"] = {"nodes": args.nodes, "start_s": round(time.perf_counter() - t, 1)}
            log(f"  green in {report['cluster']['start_s']} s at {info['url']}")
            ours.append("ours-opensearch")
        if not args.skip_floor:
            log("floor: SudachiPy over every title and body ...")
            r = run_worker(["floor", "--jsonl", str(jsonl)], BUILD_TIMEOUT_S)
            floor_s = r["seconds"]
            report["floor"] = r
            rows.append({
                "name": "floor (SudachiPy)", "index_s": floor_s, "docs_s": stats["docs"] / floor_s,
                "chars_s": stats["chars"] / floor_s / 1000, "rss_mb": r["peak_rss_mb"], "floor_x": 1.0,
            })
            log(f"  {floor_s:.1f} s, {r['stats']['morphemes']:,} morphemes")

        for name in ours + peers:
            system = load(name)
            why = system.unavailable()
            if why:
                log(f"{system.name}: skipped: {why}")
                report["skipped"][system.name] = why
                continue
            try:
                row, detail = bench_system(name, system, args, tmp, jsonl, engine_source, queries_file, stats,
                                           ctx, floor_s)
            except RuntimeError as exc:
                # A peer that fails or times out is reported, not fatal: the
                # other systems' figures still count.  This project's is.
                if name.startswith("ours"):
                    raise
                log(f"{system.name}: failed: {exc}")
                report["skipped"][system.name] = f"failed: {str(exc).splitlines()[0]}"
                shutil.rmtree(tmp / name, ignore_errors=True)
                continue
            rows.append(row)
            report["systems"][system.name] = detail
            if not args.keep:
                shutil.rmtree(tmp / name, ignore_errors=True)
    finally:
        if cluster_dir is not None:
            from search import cluster

            cluster.stop(cluster_dir)
        score_file.unlink(missing_ok=True)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept: {tmp}")

    total_s = time.perf_counter() - run_started
    report["run_seconds"] = total_s
    print_report(rows, report, sets, precision, query_set, args, total_s)
    if args.json is not None:
        out = Path(args.json) if args.json else RESULTS / f"run-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
        if args.json and out.parent == Path("."):
            out = RESULTS / out
        out.parent.mkdir(parents=True, exist_ok=True)
        report["rows"] = rows
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        log(f"JSON: {out}")
    return 0


def bench_system(name, system, args, tmp, jsonl, engine_source, queries_file, stats, ctx, floor_s):
    sets, judge = ctx["sets"], ctx["judge"]
    index_dir = tmp / name
    index_dir.mkdir()
    log(f"{system.name}: indexing ...")
    build_args = ["build", name, "--dir", str(index_dir), "--source", engine_source, "--jsonl", str(jsonl)]
    if name.startswith("whoosh-") and args.peer_procs != 1:
        build_args += ["--opts", json.dumps({"procs": args.peer_procs})]
    b = run_worker(build_args, BUILD_TIMEOUT_S)
    size = system.size(str(index_dir)) if hasattr(system, "size") else dir_size(str(index_dir))
    secs = b["seconds"]
    row = {
        "name": system.name, "index_s": secs, "docs_s": stats["docs"] / secs,
        "chars_s": stats["chars"] / secs / 1000, "rss_mb": b["peak_rss_mb"],
        "floor_x": secs / floor_s if floor_s else None,
        "size_mb": size["disk_bytes"] / 1e6, "size_x": size["disk_bytes"] / stats["raw_bytes"],
    }
    log(f"  {secs:.1f} s, peak {b['peak_rss_mb']:.0f} MB, {size['disk_bytes'] / 1e6:.1f} MB on disk; querying ...")
    q = run_worker(["query", name, "--dir", str(index_dir), "--queries", str(queries_file),
                    "--rounds", str(args.rounds), "--score", str(ctx["score_file"])], QUERY_TIMEOUT_S)
    samples = [ms for per_query in q["times_ms"] for ms in per_query]
    row.update({"p50": percentile(samples, 50), "p95": percentile(samples, 95), "max": max(samples) if samples else None})

    # Hits per set: tuning from the timed warm-up pass, the rest from the
    # scored-only pass (in ctx["score_order"]).
    hits = {"tuning": q["ids"][: len(sets["tuning"])]}
    errors_by_set = {}
    start = 0
    for set_name, n in ctx["score_order"]:
        hits[set_name] = q["score_ids"][start:start + n]
        errors_by_set[set_name] = {int(i) - start: msg for i, msg in q["score_errors"].items()
                                   if start <= int(i) < start + n}
        start += n
    qual = {s: set_quality(s, sets[s], hits[s]) for s in sets}
    for s, agg in qual.items():
        row.update({f"{s}.{k}": v for k, v in agg.items() if k != "ranks" and not k.startswith("n")})
    prec = judge.score(hits["precision"])
    row["p10"] = prec["p10"]
    score_errors = {}
    for set_name, errs in errors_by_set.items():
        if not errs:
            continue
        if set_name in FROZEN_SETS:
            score_errors[set_name] = {"count": len(errs)}
        else:
            queries = [i.query for i in sets[set_name]] if set_name in sets else [p["query"] for p in prec["per_query"]]
            score_errors[set_name] = {queries[i]: msg for i, msg in errs.items()}

    cold = None
    if not args.skip_cold:
        argv = system.cold_argv(str(index_dir), args.cold_query)
        if argv:
            log(f"  cold: {args.cold_runs} fresh processes ...")
            cold = time_cold(argv, args.cold_runs)
            if cold["returncode"] != 0:
                log(f"  cold run exited {cold['returncode']}: {cold['stderr']}")
            row["cold_ms"] = cold["median_ms"]
    http = None
    if args.backend == "opensearch" and hasattr(system, "serve_args"):
        log(f"  HTTP: {args.clients} clients for {args.http_seconds:.0f} s through `search serve` ...")
        http = measure_http(system.serve_args(str(index_dir)), args.clients, args.http_seconds)
        row.update({"http_rps": http["requests_per_second"], "http_p95": http["p95_ms"]})
        log(f"  {http['requests_per_second']} req/s, p50 {http['p50_ms']} ms, p95 {http['p95_ms']} ms, "
            f"errors {http['errors']}")
    shown = ", ".join(f"{s} {_fmt(row.get(f'{s}.mrr'), '{:.3f}')}" for s in sets)
    log(f"  MRR@10 {shown}; P@10 {_fmt(row['p10'], '{:.3f}')}; warm p95 {_fmt(row['p95'], '{:.1f}')} ms"
        + (f", cold {cold['median_ms']:.0f} ms" if cold else ""))
    query_set = json.loads(queries_file.read_text(encoding="utf-8"))
    per_query_ms = [statistics.median(t) if t else None for t in q["times_ms"]]
    detail = {
        "build": b, "size": size, "query_open_ms": q["open_ms"], "errors": q["errors"],
        "score_errors": score_errors,
        "query_mapping": system.query_mapping, "cold": cold, "quality": qual, "http": http,
        "precision": {**{k: v for k, v in prec.items() if k != "per_query"},
                      "per_query": [{k: v for k, v in p.items()} for p in prec["per_query"]]},
        # The timed queries only (tuning set and latency queries): never a
        # held-out query.
        "per_query": [
            {"query": qs, "median_ms": ms, "first_ms": f, "top10": ids}
            for qs, ms, f, ids in zip(query_set, per_query_ms, q["first_ms"], q["ids"])
        ],
    }
    return row, detail


def measure_http(serve_args, clients, seconds) -> dict:
    """Requests/s and latency of ``clients`` concurrent keep-alive clients
    (bench/load.py's) against `search serve SERVE_ARGS` on a free loopback
    port, one server worker per core."""
    import load as http_load

    port = http_load.free_port()
    env = dict(os.environ)
    env.pop("SEARCH_INDEX", None)
    server = subprocess.Popen(
        http_load.search_command() + ["serve", *serve_args, "--host", "127.0.0.1", "--port", str(port),
                                      "--workers", str(os.cpu_count() or 1)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=BENCH.parent, start_new_session=True)
    try:
        http_load.wait_until_healthy("127.0.0.1", port, server)
        return http_load.load("127.0.0.1", port, clients, seconds, 10_000_000)
    finally:
        http_load.stop_server(server)


def print_report(rows, report, sets, precision, query_set, args, total_s):
    items = sets["tuning"]
    print()
    print(f"livedoor {'quick ' if args.quick else ''}run: {report['docs']:,} articles, {report['chars']:,} chars "
          f"({report['raw_bytes'] / 1e6:.1f} MB UTF-8); latency over {len(query_set)} queries x {args.rounds} rounds "
          f"(the tuning set and latency_queries.txt)")
    print()
    print(format_table(rows, MAIN_COLUMNS))
    print()
    print("index s: wall of the indexing call | kchars/s: title+body characters | peak MB: summed RSS of the "
          "indexing process tree | x floor: index s / floor s | size MB: bytes on disk (10^6) | x raw: size / "
          "UTF-8 title+body | p50/p95/max: warm in-process query | cold ms: median fresh CLI process "
          f"({args.cold_query!r}) | HTTP req/s, p95: {args.clients} clients through `search serve` "
          f"(--backend opensearch runs only) | MRR tune/dev/test: MRR@10 of the three known-item sets (below) | "
          f"P@10: the {len(precision)} precision queries, judged by bench/eval/judge.py")

    quality_rows = [r for r in rows if r["name"] != "floor (SudachiPy)"]
    for name, its in sets.items():
        print()
        frozen = " -- FROZEN: aggregates only, never tune on it" if name in FROZEN_SETS else ""
        print(f"{name} ({report['sets'][name]['file']}), {describe_set(its)}{frozen}")
        cols, groups = set_columns(name, with_subkinds=any(i.subkind for i in its))
        print(format_table(quality_rows, cols, groups))
    print()
    print("pl/var/part: plain, variant, partial; kata/okuri/name/comp/place: the variant subkinds katakana, "
          "okurigana, kana_name, compound, place (bench/eval/README.md); n/a: no query of that group")
    skipped = report["skipped"]
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")
    print()
    print("query mapping:")
    for name, d in report["systems"].items():
        print(f"  {name:16} {d['query_mapping']}")
        if d["errors"]:
            print(f"  {'':16} {len(d['errors'])} queries raised errors, e.g. {next(iter(d['errors'].items()))}")
        for set_name, errs in d["score_errors"].items():
            if set_name in FROZEN_SETS:
                print(f"  {'':16} {errs['count']} {set_name} queries raised errors")
            else:
                print(f"  {'':16} {len(errs)} {set_name} queries raised errors, e.g. {next(iter(errs.items()))}")
    print("  peers' warm latency has no snippets or facets; ours has both.")

    ours = next((r for r in rows if r["name"] == "this project"), None)
    if ours:
        print_targets(ours, rows, report, args)
        print_not_first(report, sets)
        d = report["systems"]["this project"]
        slow = sorted(((p["median_ms"] or 0, p["query"]) for p in d["per_query"]), reverse=True)[:8]
        print()
        print("slowest queries for this project (median warm ms): "
              + ", ".join(f"{q!r} {ms:.0f}" for ms, q in slow))
    if args.per_query:
        print_per_query(report, sets, precision)
    print()
    m, s = divmod(int(total_s), 60)
    print(f"run time: {m} min {s} s")


def print_targets(ours, rows, report, args):
    print()
    print("targets (this project):")
    # (this project on OpenSearch is this project, not a peer to beat)
    peer_rows = [r for r in rows if not r["name"].startswith("this project") and r["name"] != "floor (SudachiPy)"]

    def verdict(ok):
        return {None: "n/a ", True: "PASS", False: "MISS", "tie": "TIE "}[ok]

    def at_least(key, goal):
        v = ours.get(key)
        return None if v is None else v >= goal - 1e-9

    checks = [
        (f"indexing <= {TARGET_FLOOR_RATIO}x floor", ours.get("floor_x"), "{:.2f}x",
         None if ours.get("floor_x") is None else ours["floor_x"] <= TARGET_FLOOR_RATIO),
        (f"warm p95 <= {TARGET_WARM_P95_MS:.0f} ms", ours.get("p95"), "{:.1f} ms",
         None if ours.get("p95") is None else ours["p95"] <= TARGET_WARM_P95_MS),
        (f"cold search query <= {TARGET_COLD_S} s", ours.get("cold_ms"), "{:.0f} ms",
         None if ours.get("cold_ms") is None else ours["cold_ms"] <= TARGET_COLD_S * 1000),
        (f"index size <= {TARGET_SIZE_RATIO}x raw", ours.get("size_x"), "{:.2f}x",
         None if ours.get("size_x") is None else ours["size_x"] <= TARGET_SIZE_RATIO),
    ]
    for key in ["tuning.mrr"] + [f"tuning.mrr_{k}" for k in KINDS]:
        best = max((r for r in peer_rows if r.get(key) is not None), key=lambda r: r[key], default=None)
        label = "tuning MRR@10 " + (key.split("_", 1)[1] if "_" in key else "overall") + " above every peer"
        if best is None or ours.get(key) is None:
            checks.append((label, ours.get(key), "{:.3f}", None))
        else:
            # A kind where ours and the best peer both score 1.000 cannot
            # separate them: shown as TIE (not met, and not a ranking loss).
            ok = ours[key] > best[key] or ("tie" if ours[key] == best[key] == 1.0 else False)
            checks.append((label + f" (best {best['name']} {best[key]:.3f})", ours[key], "{:.3f}", ok))
    scope = " (goals for the full corpus)" if args.quick else ""
    for key, goal, what in HELD_OUT_GOALS:
        checks.append((f"test MRR@10 {what} >= {goal:.3f}{scope}", ours.get(f"test.{key}"), "{:.3f}",
                       at_least(f"test.{key}", goal)))
    checks.append((f"P@10 >= {BASELINE_P10:.3f} (as before issue 12){scope}", ours.get("p10"), "{:.3f}",
                   at_least("p10", BASELINE_P10)))
    for label, value, fmt, ok in checks:
        shown = "n/a" if value is None else fmt.format(value)
        print(f"  {verdict(ok)}  {label}: {shown}")
    report["targets"] = [{"target": l, "value": v, "pass": ok is True, "tie": ok == "tie"} for l, v, _, ok in checks]


def print_not_first(report, sets):
    """Known items of the tuning and dev sets this project did not rank first;
    for a frozen set, only how many."""
    systems = report["systems"]
    for set_name, its in sets.items():
        d = systems["this project"]["quality"][set_name]
        if set_name in FROZEN_SETS:
            if d["n"]:
                print()
                print(f"{set_name}: {d['n'] - d['first']} of {d['n']} known items not ranked first by this project, "
                      f"{d['missed']} not in the top 10 (frozen set: counts only)")
            continue
        ranks = d["ranks"]
        worse = []
        for n, item in enumerate(its):
            best_peer = None
            for name, pd in systems.items():
                if name == "this project":
                    continue
                r = pd["quality"][set_name]["ranks"][n]
                if r and (best_peer is None or r < best_peer[1]):
                    best_peer = (name, r)
            mine = ranks[n]
            if mine != 1 or (best_peer and (mine is None or best_peer[1] < mine)):
                worse.append((item, mine, best_peer))
        if worse:
            print()
            print(f"{set_name} known items this project did not rank first (rank, best peer rank):")
            for item, mine, best_peer in worse:
                if len(systems) == 1:
                    peer = "(no peers run)"
                else:
                    peer = f"{best_peer[0]} {best_peer[1]}" if best_peer else "no peer found it"
                kind = item.subkind if item.subkind and item.subkind != item.kind else item.kind
                print(f"  {kind:9} ours {mine or '-':>2}  best peer: {peer:22}  {item.expected}  {item.query}")


def print_per_query(report, sets, precision):
    """Rank of the right article per query and system ('-': not in the top 10),
    for every set but the frozen ones; then P@10 per precision query."""
    names = list(report["systems"])
    short = [n.replace("this project", "ours").replace("whoosh-", "w-").replace("groonga-", "g-")
             .replace("sqlite-trigram", "fts5").replace("tantivy-sudachi", "tantivy") for n in names]
    for set_name, its in sets.items():
        if set_name in FROZEN_SETS:
            continue
        print()
        print(f"{set_name}: rank of the right article per query (-: not in the top 10):")
        print("  " + " ".join(f"{s:>10}" for s in short) + "  kind      query")
        for n, item in enumerate(its):
            ranks = [report["systems"][name]["quality"][set_name]["ranks"][n] for name in names]
            kind = item.subkind if item.subkind and item.subkind != item.kind else item.kind
            print("  " + " ".join(f"{(r or '-'):>10}" for r in ranks) + f"  {kind:9} {item.query}")
    print()
    print("precision: relevant hits in the top 10 per query (judge.relevant; /N when the corpus has only N < 10):")
    print("  " + " ".join(f"{s:>10}" for s in short) + "  query")
    for n, q in enumerate(precision):
        cells = []
        for name in names:
            pq = report["systems"][name]["precision"]["per_query"][n]
            denom = pq["denominator"]
            cells.append("n/a" if not denom else f"{pq['relevant_hits']}/{denom}")
        print("  " + " ".join(f"{c:>10}" for c in cells) + f"  {q.query}")


if __name__ == "__main__":
    sys.exit(main())
