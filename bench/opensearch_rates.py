#!/usr/bin/env python
"""The two rates docs/scaling.md is computed from, measured apart.

    python bench/opensearch_rates.py [--corpus PATH] [--articles 1000] [--url URL] [--json]

1. **Analysis per core**: the cluster documents of N livedoor articles
   (search.backends.opensearch.mapping.article_document: the one Sudachi
   pass and every stream, encoded for the ``preanalyzed`` fields), made in
   this one process, after one article to load Sudachi.  Docs/s and
   kchars/s of one core: what an analysis worker of `search index
   --backend opensearch` does per article.
2. **Cluster cost per article**: the same documents, already made, sent in
   bulk requests (search.backends.opensearch.bulk.send_bulk, 200 a
   request) into a fresh index with the default shards and replicas
   (2 x 1), then refreshed and flushed; the wall time, and the CPU seconds
   the nodes' JVMs spent (utime + stime from /proc), per article.  No
   analysis runs meanwhile, so this is what the cluster itself costs.
   Also the index's store bytes per article, primaries and with replicas.

Without --url it starts a 3-node cluster of its own (search.cluster, C2
compiler on, as run.py --backend opensearch does) under a temporary folder
and stops it at the end.  On a 2-core machine the three nodes share both
cores; the CPU seconds per article do not depend on that, the wall time does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from common import read_corpus, resolve_corpus  # noqa: E402

INDEX = "bench-rates"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def jvm_cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except OSError:
            pass
    return total / CLK_TCK


def measure_analysis(articles) -> tuple[dict, list]:
    from index.analysis import using_dictionary
    from search.backends.opensearch import mapping
    from search.backends.opensearch.bulk import _dumps

    with using_dictionary(None):
        mapping.article_document(articles[0])  # loads Sudachi and the tables, not timed
        docs = []
        cpu0, t0 = time.process_time(), time.perf_counter()
        for a in articles:
            doc, _lexicon = mapping.article_document(a)
            docs.append((a["id"], _dumps(doc)))
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    chars = sum(len(a.get("title") or "") + len(a.get("body") or "") for a in articles)
    return {
        "articles": len(articles), "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "docs_per_core_s": round(len(articles) / cpu, 2), "kchars_per_core_s": round(chars / cpu / 1000, 1),
        "chars_per_article": round(chars / len(articles)),
        "json_bytes_per_article": round(sum(len(src.encode()) for _, src in docs) / len(docs)),
    }, docs


def measure_cluster(url, docs, pids) -> dict:
    from search.backends.opensearch import mapping
    from search.backends.opensearch.bulk import BULK_DOCS, _bulk_line, send_bulk
    from search.backends.opensearch.client import connect

    c = connect(url)
    try:
        c.call(c.client.indices.delete, index=INDEX, params={"ignore_unavailable": "true"})
        c.call(c.client.indices.create, index=INDEX, body=mapping.index_body(),
               params={"wait_for_active_shards": "all"})
        cpu0, t0 = jvm_cpu_seconds(pids), time.perf_counter()
        for i in range(0, len(docs), BULK_DOCS):
            ops = [(aid, _bulk_line("index", INDEX, mapping.doc_id(aid)), src) for aid, src in docs[i:i + BULK_DOCS]]
            refused = send_bulk(c, ops)
            assert not refused, refused
        c.call(c.client.indices.refresh, index=INDEX)
        c.call(c.client.indices.flush, index=INDEX)
        wall, cpu = time.perf_counter() - t0, jvm_cpu_seconds(pids) - cpu0
        count = c.read(c.client.count, index=INDEX)["count"]
        st = c.call(c.client.indices.stats, index=INDEX, metric="store")["indices"][INDEX]
        settings = c.call(c.client.indices.get_settings, index=INDEX)[INDEX]["settings"]["index"]
        n = len(docs)
        return {
            "articles": count, "shards": int(settings["number_of_shards"]),
            "replicas": int(settings["number_of_replicas"]), "seconds": round(wall, 2),
            "docs_s": round(n / wall, 1), "jvm_cpu_seconds": round(cpu, 2),
            "jvm_cpu_ms_per_article": round(cpu / n * 1000, 2),
            "store_bytes_per_article_primaries": round(st["primaries"]["store"]["size_in_bytes"] / n),
            "store_bytes_per_article_with_replicas": round(st["total"]["store"]["size_in_bytes"] / n),
        }
    finally:
        try:
            c.call(c.client.indices.delete, index=INDEX, params={"ignore_unavailable": "true"})
        finally:
            c.close()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", help="livedoor corpus (default: ../shared/corpus/livedoor)")
    p.add_argument("--articles", type=int, default=1000, help="articles to measure (1000)")
    p.add_argument("--url", help="a running cluster (default: start a 3-node cluster for the run)")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = p.parse_args(argv)
    if args.articles < 10:
        p.error("--articles must be 10 or more")
    articles = read_corpus(resolve_corpus(args.corpus))
    step = max(1, len(articles) // args.articles)
    articles = articles[::step][:args.articles]
    analysis, docs = measure_analysis(articles)
    if not args.json:
        print(f"analysis, one core: {analysis['docs_per_core_s']} docs/s, {analysis['kchars_per_core_s']} kchars/s "
              f"({analysis['articles']} articles of {analysis['chars_per_article']} chars; "
              f"{analysis['json_bytes_per_article']} bytes of bulk JSON each)", flush=True)
    from search import cluster

    tmp = None
    try:
        if args.url:
            url, pids = args.url, []
        else:
            tmp = Path(tempfile.mkdtemp(prefix="bench-rates-"))
            url = cluster.start(tmp / "cluster", nodes=3, jvm_options=["-XX:TieredStopAtLevel=4"])["url"]
            pids = [r["pid"] for r in cluster.status(tmp / "cluster") if r["pid"]]
        figures = measure_cluster(url, docs, pids)
    finally:
        if tmp is not None:
            cluster.stop(tmp / "cluster")
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps({"analysis": analysis, "cluster": figures}, ensure_ascii=False))
    else:
        print(f"cluster ({figures['shards']} shards x {figures['replicas'] + 1} copies, 3 nodes on "
              f"{os.cpu_count()} cores): {figures['docs_s']} docs/s wall, "
              f"{figures['jvm_cpu_ms_per_article']} ms of JVM CPU per article"
              + ("" if pids else " (CPU not measured: --url)"))
        print(f"store per article: {figures['store_bytes_per_article_primaries']:,} bytes primaries, "
              f"{figures['store_bytes_per_article_with_replicas']:,} with replicas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
