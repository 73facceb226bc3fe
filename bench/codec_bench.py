#!/usr/bin/env python
"""The project's codec and array segment writer beside the current writer, in one run.

    python bench/codec_bench.py [--corpus PATH] [--quick] [--procs N] [--rounds N]
                                [--cold-runs N] [--no-sweep] [--json [OUT]] [--keep]

On the same articles, in this order, each step in a child process (wall
time of the indexing call, peak RSS of the child's whole process tree
sampled every 20 ms, size on disk):

1. the floor: SudachiPy over every title and body (bench/worker.py floor);
2. the current writer: ``index.writer.index_paths`` on the corpus path, its
   defaults (workers, batches, final optimize);
3. this project's codec + writer: ``index_paths_codec`` below
   on the same path (analysis and segment writing in the workers, one
   durable commit per batch, tiered merges keeping at most --max-segments);
4. the floor again, so the table shows how much the machine drifted.

Then, from the codec index, copies merged down to fewer segments (with the
time each merge took), to show query latency against the number of
segments.  Then one query child opens every index with the project's
``Searcher`` and runs every query of bench/queries.tsv and
bench/latency_queries.txt: a warm-up pass whose answers are compared, then
``--rounds`` timed passes interleaved across the indexes (so the machine's
load falls on all of them alike); p50/p95/max are over all timed runs, with
``search(query, per_page=10, facets=True, snippets=True)`` as bench/run.py
times it.  Cold: median of fresh ``search query --index DIR --json Q``
processes, interleaved too.

Equality, per query, between the current writer's index and each codec
index: the set of all matching articles (not only the first page), the
total, the facet counts, and the first 50 hits with their scores: same
articles with scores equal within 1e-6 (relative), where articles with
equal scores may trade places (the current writer's worker processes give
documents a run-dependent order, and Whoosh breaks score ties by document
number); and the snippets of the first 10 hits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(os.path.abspath(__file__)).parent  # not resolved: a checkout may link this file
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))

SCORE_REL_TOL = 1e-6


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------
# Children


def _child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_child(argv, timeout=3600) -> dict:
    """Run ``argv`` (a Python child writing JSON to --out); its result plus peak tree RSS."""
    from run import _tree_rss

    out = tempfile.NamedTemporaryFile(prefix="codec-bench-", suffix=".json", delete=False)
    out.close()
    err = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
    proc = subprocess.Popen([*argv, "--out", out.name], stdout=err, stderr=err, cwd=str(ROOT), env=_child_env())
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
    err.seek(0)
    stderr = err.read()
    err.close()
    try:
        result = json.loads(Path(out.name).read_text(encoding="utf-8")) if rc == 0 else None
    finally:
        os.unlink(out.name)
    if result is None:
        raise RuntimeError(f"child {' '.join(map(str, argv[1:4]))} failed ({rc}):\n" + "\n".join(stderr.splitlines()[-20:]))
    result["peak_rss_mb"] = max(peak[0] / 2**20, result.get("maxrss_self_mb", 0), result.get("maxrss_children_mb", 0))
    return result


def _usage():
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_seconds": round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 2),
        "maxrss_self_mb": round(me.ru_maxrss / 1024, 1),
        "maxrss_children_mb": round(kids.ru_maxrss / 1024, 1),
    }


def _cpu():
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child_build(args) -> dict:
    cpu0 = _cpu()
    started = time.perf_counter()
    if args.writer == "current":
        from index.writer import index_paths

        s = index_paths([args.source], args.dir, rebuild=True, procs=args.procs)
        stats = s.to_dict()
        stats["problems"] = stats["problems"][:5]
    else:

        stats = index_paths_codec([args.source], args.dir, procs=args.procs, batch_size=args.batch_size,
                                  max_segments=args.max_segments, merge=args.merge)
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu0  # this process and its (joined) worker processes, during the call
    from whoosh import index as wi

    ix = wi.open_dir(args.dir, indexname="MAIN")
    return {"seconds": seconds, "cpu": cpu, "stats": stats, "segments": len(ix._read_toc().segments), **_usage()}


def child_merge(args) -> dict:
    """Merge the index at --dir down to --target segments (adjacent groups)."""
    from index.segment_writer import commit_toc, merge_segments
    from index.storage import open_index

    ix = open_index(args.dir)
    segments = list(ix._read_toc().segments)
    target = args.target
    started = time.perf_counter()
    cpu0 = _cpu()
    if len(segments) > target:
        size = math.ceil(len(segments) / target)
        groups = [segments[i : i + size] for i in range(0, len(segments), size)]
        merged = [merge_segments(ix, g) if len(g) > 1 else g[0] for g in groups]
        commit_toc(ix, merged)
    return {"seconds": time.perf_counter() - started, "cpu": _cpu() - cpu0, "segments": len(ix._read_toc().segments),
            **_usage()}


def child_floor(args) -> dict:
    """bench/worker.py's floor (SudachiPy over every title and body, the
    articles read and the tokenizer made before the clock), with its CPU time."""
    from common import iter_jsonl
    from peers import _sudachi

    articles = list(iter_jsonl(args.jsonl))
    tok = _sudachi.tokenizer()
    mode = _sudachi.mode_c()
    morphemes = 0
    cpu0 = _cpu()
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
    return {"seconds": seconds, "cpu": _cpu() - cpu0, "stats": {"docs": len(articles), "morphemes": morphemes},
            **_usage()}


def _all_ids(searcher, query):
    """Every matching article's id (the whole result set, not a page)."""
    from search.query import compile_query, parse

    s = searcher._whoosh()
    with searcher.index_dictionary():
        q = compile_query(parse(query or ""), reader=s.reader(), synonyms=searcher.synonyms)
    reader = s.reader()
    ids = reader.column_reader("id")
    return sorted(ids[d] for d in s.docs_for_query(q))


def child_query(args) -> dict:
    from search.searcher import Searcher

    queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))
    dirs = args.dirs.split(",")
    searchers, open_ms = [], []
    for d in dirs:
        t = time.perf_counter()
        searchers.append(Searcher(d))
        open_ms.append((time.perf_counter() - t) * 1000)
    answers = [[] for _ in dirs]
    first_ms = [[] for _ in dirs]
    for i, s in enumerate(searchers):  # warm-up pass, answers kept for the comparison
        for q in queries:
            t = time.perf_counter()
            r = s.search(q, per_page=10, facets=True, snippets=True)
            first_ms[i].append((time.perf_counter() - t) * 1000)
            page = s.search(q, per_page=50, facets=False, snippets=False)
            answers[i].append({
                "total": r.total,
                "top": [[h["id"], h["score"]] for h in page.hits],
                "snippets": {h["id"]: [h.get("snippet"), h["title_html"]] for h in r.hits},
                "facets": r.facets,
                "all": _all_ids(s, q),
            })
    times = [[[] for _ in queries] for _ in dirs]
    order = list(range(len(dirs)))
    for rnd in range(args.rounds):
        for qi, q in enumerate(queries):
            for i in order:
                t = time.perf_counter()
                searchers[i].search(q, per_page=10, facets=True, snippets=True)
                times[i][qi].append((time.perf_counter() - t) * 1000)
            order = order[1:] + order[:1]  # rotate who goes first
    for s in searchers:
        s.close()
    return {"open_ms": open_ms, "first_ms": first_ms, "times_ms": times, "answers": answers, **_usage()}


# ---------------------------------------------------------------------------
# Comparing answers


def _close(a, b):
    return abs(a - b) <= SCORE_REL_TOL * max(1.0, abs(a), abs(b))


def compare_answers(ref, got) -> dict:
    """Per query: 'same' (identical), 'ties' (same but articles of equal
    score in another order), or a list of differences."""
    out = {"same": 0, "ties": 0, "different": []}
    for qi, (a, b) in enumerate(zip(ref, got)):
        problems = []
        if a["total"] != b["total"]:
            problems.append(f"total {a['total']} vs {b['total']}")
        if a["all"] != b["all"]:
            sa, sb = set(a["all"]), set(b["all"])
            problems.append(f"result sets differ: {len(sa - sb)} only in current, {len(sb - sa)} only in codec")
        fa = {k: {d["value"]: d["count"] for d in v} for k, v in a["facets"].items()}
        fb = {k: {d["value"]: d["count"] for d in v} for k, v in b["facets"].items()}
        for k in fa:
            common = set(fa[k]) & set(fb.get(k, {}))
            if any(fa[k][v] != fb[k][v] for v in common):
                problems.append(f"facet {k} counts differ")
        ta, tb = a["top"], b["top"]
        reordered = False
        if [x[0] for x in ta] != [x[0] for x in tb]:
            reordered = True
        if len(ta) != len(tb):
            problems.append(f"{len(ta)} vs {len(tb)} hits on the page")
        else:
            for (ia, sa), (ib, sb) in zip(ta, tb):
                if not _close(sa, sb):
                    problems.append(f"score at the same rank {sa} vs {sb}")
                    break
            score_b = {i: s for i, s in tb}
            last = ta[-1][1] if ta else None
            for i, s in ta:
                if i in score_b:
                    if not _close(s, score_b[i]):
                        problems.append(f"score of {i}: {s} vs {score_b[i]}")
                        break
                elif not _close(s, last):  # only a tie at the page's end may fall off
                    problems.append(f"{i} (score {s}) missing from the codec's page")
                    break
        for i, snip in a["snippets"].items():
            if i in b["snippets"] and b["snippets"][i] != snip:
                problems.append(f"snippet of {i} differs")
                break
        if problems:
            out["different"].append((qi, problems))
        elif reordered:
            out["ties"] += 1
        else:
            out["same"] += 1
    return out


# ---------------------------------------------------------------------------
# The run


def percentile(values, q):
    s = sorted(values)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)] if s else None


def cold_times(argvs, runs):
    """Median ms of ``runs`` fresh processes for each argv, interleaved."""
    for argv in argvs:  # one untimed run each (page cache)
        subprocess.run(argv, capture_output=True, cwd=str(ROOT), env=_child_env(), timeout=120)
    times = [[] for _ in argvs]
    rcs = [0] * len(argvs)
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            t = time.perf_counter()
            p = subprocess.run(argv, capture_output=True, cwd=str(ROOT), env=_child_env(), timeout=120)
            times[i].append((time.perf_counter() - t) * 1000)
            rcs[i] = rcs[i] or p.returncode
    return [{"median_ms": statistics.median(t), "min_ms": min(t), "max_ms": max(t), "rc": rc}
            for t, rc in zip(times, rcs)]



def index_paths_codec(paths, index_dir, procs=2, batch_size=2000, rebuild=True, merge="tiered+final",
                      max_segments=8, durable=True, on_problem=None):
    """Index ``paths`` into ``index_dir`` with this codec and writer (a new
    index when ``rebuild``); returns a dict of figures.

    ``merge``: "none" (one segment per worker and batch), "tiered" (merges
    during the run keep at most ``max_segments``), "final" (one merge into a
    single segment at the end of a run of several batches), or
    "tiered+final" (both: bounded while running, one segment at the end).

    The engine's index.writer.index_paths does this with its skip/update
    logic and always "tiered+final"; this writer-only path, with the merge
    modes to compare, is the benchmark's and the profiles'.
    """
    from pathlib import Path

    from index.readers import read_paths
    from index.segment_writer import CodecBatchWriter, tiered_merge_policy
    from index.storage import create_index, open_index, write_meta
    from index.userdict import use_index_dictionary

    if merge not in ("none", "tiered", "final", "tiered+final"):
        raise ValueError(f"unknown merge mode {merge!r}")
    started = time.perf_counter()
    index_dir = str(index_dir)
    ix = create_index(index_dir) if rebuild else open_index(index_dir)
    policy = tiered_merge_policy(max_segments) if "tiered" in merge else None
    added = failed = batches = 0
    with use_index_dictionary(index_dir):
        with CodecBatchWriter(ix, procs=procs, durable=durable, merge_policy=policy) as w:
            batch = []

            def flush():
                nonlocal added, failed, batches
                r = w.write_batch(batch)
                added += r["docs"]
                failed += len(r["failures"])
                batches += 1
                batch.clear()

            for article in read_paths(list(paths), on_problem=on_problem):
                batch.append(article)
                if len(batch) >= batch_size:
                    flush()
            if batch:
                flush()
            stats = dict(w.stats)
            if "final" in merge and len(ix._read_toc().segments) > 1:
                t = time.perf_counter()
                w.optimize()
                stats["final_merge_seconds"] = time.perf_counter() - t
    write_meta(Path(index_dir))
    seconds = time.perf_counter() - started
    return {"added": added, "failed": failed, "seconds": seconds, "batches": batches,
            "segments": len(ix._read_toc().segments), **stats}

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", help="livedoor archive / folder (default ../shared/corpus/livedoor)")
    p.add_argument("--quick", action="store_true", help="the 1,000-article subset of bench/run.py --quick")
    p.add_argument("--procs", type=int, default=2, help="worker processes for both writers (2)")
    p.add_argument("--batch-size", type=int, default=2000)
    p.add_argument("--max-segments", type=int, default=8, help="the codec writer's tiered merge bound (8)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=1, help="build every system this many times, round robin (1)")
    p.add_argument("--cold-runs", type=int, default=5)
    p.add_argument("--cold-query", default="iPhone アプリ")
    p.add_argument("--no-sweep", action="store_true", help="no merged copies with fewer segments")
    p.add_argument("--skip-current", action="store_true", help="no current-writer build (no equality check)")
    p.add_argument("--json", nargs="?", const="", default=None)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--writer", help=argparse.SUPPRESS)
    p.add_argument("--merge", default="tiered", help=argparse.SUPPRESS)
    p.add_argument("--source", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    p.add_argument("--dirs", help=argparse.SUPPRESS)
    p.add_argument("--target", type=int, help=argparse.SUPPRESS)
    p.add_argument("--queries", help=argparse.SUPPRESS)
    p.add_argument("--jsonl", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        fn = {"build": child_build, "merge": child_merge, "query": child_query, "floor": child_floor}[args.child]
        result = fn(args)
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0

    from common import load_latency_queries, load_queries, quick_subset, read_corpus, resolve_corpus, text_stats, write_jsonl
    from peers import dir_size

    started = time.perf_counter()
    corpus = resolve_corpus(args.corpus)
    articles = read_corpus(corpus)
    items = load_queries()
    tmp = Path(tempfile.mkdtemp(prefix="codec-bench-"))
    source = corpus
    if args.quick:
        articles = quick_subset(articles, {i.expected for i in items})
        source = str(tmp / "subset.jsonl")
        write_jsonl(articles, source)
    jsonl = tmp / "articles.jsonl"
    write_jsonl(articles, jsonl)
    stats = text_stats(articles)
    queries = [i.query for i in items] + load_latency_queries()
    qfile = tmp / "queries.json"
    qfile.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    log(f"corpus {corpus}: {stats['docs']:,} articles, {stats['chars']:,} chars, {stats['raw_bytes'] / 1e6:.1f} MB; "
        f"{len(queries)} queries; {os.cpu_count()} cpus; load {os.getloadavg()[0]:.1f}")
    me = [sys.executable, str(BENCH / "codec_bench.py")]
    rows = []
    report = {"started": dt.datetime.now().isoformat(timespec="seconds"), "corpus": corpus, **stats,
              "queries": len(queries), "load_start": os.getloadavg()}

    def floor(label):
        log(f"{label} ...")
        r = run_child([*me, "--child", "floor", "--jsonl", str(jsonl)])
        log(f"  {r['seconds']:.1f} s")
        return r

    try:
        common_args = ["--source", source, "--procs", str(args.procs), "--batch-size", str(args.batch_size),
                       "--max-segments", str(args.max_segments)]
        systems = []  # (name, argv builder)
        if not args.skip_current:
            systems.append(("current writer", ["--writer", "current", "--source", source, "--procs", str(args.procs)]))
        systems.append(("codec writer", ["--writer", "codec", "--merge", "tiered+final", *common_args]))
        systems.append(("codec, no merges", ["--writer", "codec", "--merge", "none", *common_args]))
        floors = [floor("floor (SudachiPy)")]
        runs = {name: [] for name, _ in systems}
        for rep in range(args.repeat):
            # round robin: every system once per round, a floor after each round
            for name, extra in systems:
                d = tmp / f"{name.replace(' ', '-').replace(',', '')}-{rep}"
                log(f"{name} (round {rep + 1}/{args.repeat}) ...")
                r = run_child([*me, "--child", "build", "--dir", str(d), *extra])
                r["dir"] = str(d)
                runs[name].append(r)
                log(f"  {r['seconds']:.1f} s, {r['segments']} segments, peak {r['peak_rss_mb']:.0f} MB")
            floors.append(floor(f"floor (after round {rep + 1})"))
        floor_times = [f["seconds"] for f in floors]
        floor_s = statistics.median(floor_times)
        floor_cpu = statistics.median(f["cpu"] for f in floors)
        report["floor"] = floors
        rows.append({"name": "floor (SudachiPy)", "index_s": floor_s, "x_floor": 1.0, "cpu_s": floor_cpu, "cpu_x": 1.0,
                     "rss": max(f["peak_rss_mb"] for f in floors),
                     "note": f"median of {len(floors)}: " + ", ".join(f"{t:.1f}" for t in floor_times) + " s"})
        indexes = []
        for name, _ in systems:
            rs = runs[name]
            times = [r["seconds"] for r in rs]
            med = statistics.median(times)
            best = min(rs, key=lambda r: abs(r["seconds"] - med))
            d = Path(best["dir"])
            for r in rs:  # keep one index per system
                if r is not best:
                    shutil.rmtree(r["dir"], ignore_errors=True)
            size = dir_size(str(d))["disk_bytes"]
            st = best.get("stats") or {}
            note = ""
            if len(times) > 1:
                note = f"runs {', '.join(f'{t:.1f}' for t in times)} s; "
            if st.get("merge_seconds") or st.get("final_merge_seconds"):
                note += f"merges {st.get('merge_seconds', 0):.1f} s + final {st.get('final_merge_seconds', 0):.1f} s"
            cpu = statistics.median(r["cpu"] for r in rs)
            rows.append({"name": name, "index_s": med, "x_floor": med / floor_s, "cpu_s": cpu, "cpu_x": cpu / floor_cpu,
                         "rss": max(r["peak_rss_mb"] for r in rs),
                         "size_mb": size / 1e6, "x_raw": size / stats["raw_bytes"], "segments": best["segments"],
                         "note": note.strip("; ")})
            indexes.append((name, d, rows[-1]))
            report[name] = rs
        nomerge_dir, nomerge_row = indexes[-1][1], indexes[-1][2]
        if not args.no_sweep:
            n = nomerge_row["segments"]
            have = {row["segments"] for _, _, row in indexes}
            targets = sorted({t for t in (n // 2, 2, 1) if 0 < t < n and t not in have}, reverse=True)
            for target in targets:
                d = tmp / f"codec-{target}seg"
                shutil.copytree(nomerge_dir, d)
                r = run_child([*me, "--child", "merge", "--dir", str(d), "--target", str(target)])
                size = dir_size(str(d))["disk_bytes"]
                total = nomerge_row["index_s"] + r["seconds"]
                cpu = nomerge_row["cpu_s"] + r["cpu"]
                row = {"name": f"codec, no merges, then merged to {r['segments']}", "index_s": total,
                       "x_floor": total / floor_s, "cpu_s": cpu, "cpu_x": cpu / floor_cpu, "size_mb": size / 1e6, "x_raw": size / stats["raw_bytes"],
                       "segments": r["segments"], "rss": max(r["peak_rss_mb"], nomerge_row["rss"]),
                       "note": f"merge {r['seconds']:.1f} s"}
                rows.append(row)
                indexes.append((row["name"], d, row))
                log(f"  merged to {r['segments']} segments in {r['seconds']:.1f} s")
        log(f"queries: {len(queries)} x {args.rounds} rounds on {len(indexes)} indexes, interleaved ...")
        q = run_child([*me, "--child", "query", "--dirs", ",".join(str(d) for _, d, _ in indexes),
                       "--queries", str(qfile), "--rounds", str(args.rounds)])
        for i, (name, d, row) in enumerate(indexes):
            samples = [ms for per_query in q["times_ms"][i] for ms in per_query]
            row.update(p50=percentile(samples, 50), p95=percentile(samples, 95), max=max(samples),
                       open_ms=q["open_ms"][i])
        log("cold queries ...")
        exe = [sys.executable, "-m", "search.cli"]
        cold = cold_times([[*exe, "query", "--index", str(d), "--json", args.cold_query] for _, d, _ in indexes],
                          args.cold_runs)
        for (name, d, row), c in zip(indexes, cold):
            row["cold_ms"] = c["median_ms"]
            if c["rc"]:
                row["note"] += f" cold rc {c['rc']}"
        equality = {}
        if not args.skip_current:
            ref = q["answers"][0]
            for i, (name, d, row) in enumerate(indexes[1:], 1):
                cmpd = compare_answers(ref, q["answers"][i])
                equality[name] = cmpd
                row["equal"] = f"{cmpd['same']}+{cmpd['ties']}t/{len(queries)}"
                for qi, problems in cmpd["different"][:5]:
                    log(f"  DIFFERENT {name}: {queries[qi]!r}: {'; '.join(problems)}")
        report["equality"] = {k: {"same": v["same"], "ties": v["ties"],
                                  "different": [(queries[qi], pr) for qi, pr in v["different"]]} for k, v in equality.items()}
        report["rows"] = rows
        report["load_end"] = os.getloadavg()
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    cols = [("name", "system", "{}"), ("index_s", "index s", "{:.1f}"), ("x_floor", "x floor", "{:.2f}"),
            ("cpu_s", "cpu s", "{:.1f}"), ("cpu_x", "cpu x floor", "{:.2f}"),
            ("rss", "peak MB", "{:.0f}"), ("size_mb", "size MB", "{:.1f}"), ("x_raw", "x raw", "{:.2f}"),
            ("segments", "segs", "{}"), ("p50", "p50 ms", "{:.1f}"), ("p95", "p95 ms", "{:.1f}"),
            ("max", "max ms", "{:.0f}"), ("cold_ms", "cold ms", "{:.0f}"), ("equal", "same/ties", "{}"),
            ("note", "note", "{}")]
    cells = [[h for _, h, _ in cols]]
    for r in rows:
        cells.append(["" if r.get(k) is None else (f.format(r[k]) if not isinstance(r[k], str) else r[k]) for k, _, f in cols])
    widths = [max(len(c[i]) for c in cells) for i in range(len(cols))]
    print()
    print(f"{stats['docs']:,} articles, {stats['chars']:,} chars ({stats['raw_bytes'] / 1e6:.1f} MB UTF-8); "
          f"{len(queries)} queries x {args.rounds} rounds; load average {report['load_start'][0]:.1f} at start, "
          f"{report['load_end'][0]:.1f} at end")
    for n, line in enumerate(cells):
        print("  ".join(c.ljust(w) if i in (0, len(cols) - 1) else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print("index s: wall of the indexing call (median of --repeat runs); x floor: over the floor's wall; cpu s: CPU "
          "seconds of the call, its worker processes included; cpu x floor: over the floor's CPU (less sensitive to "
          "other load on the machine; on 2 free cores, a writer that keeps both busy has a wall x floor near half of it)")
    print("same/ties: queries whose answers equal the current writer's (all matches as a set, total, facet counts, "
          "first 50 hits and scores, snippets); t = same but equal-score articles in another order")
    for name, v in equality.items():
        if v["different"]:
            print(f"{name}: {len(v['different'])} queries differ: " + "; ".join(f"{queries[qi]!r}: {pr[0]}" for qi, pr in v["different"][:5]))
    m, s = divmod(int(time.perf_counter() - started), 60)
    print(f"run time {m} min {s} s")
    if args.json is not None:
        out = Path(args.json) if args.json else BENCH / "results" / f"codec-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
