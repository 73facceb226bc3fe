"""This project's engine behind the benchmark's System interface.

Indexing calls ``index_paths`` on the corpus path itself (the tar.gz for the
full run, a temporary JSONL of the subset for --quick), with the engine's
defaults (procs, batch size): reading the input is part of the timed work,
as it is for a user running ``search index``.  Queries go through
``Searcher.search`` with snippets and facets on, 10 hits a page; the cold
run is the installed ``search query --index DIR --json QUERY`` command.

``EngineOnOpenSearch`` is the same engine with ``--backend opensearch``:
the same analysis (in the engine's worker processes) and the same Searcher,
the articles in an index of the cluster at ``$SEARCH_OPENSEARCH_URL``
(run.py --backend opensearch starts one and sets it).  Its size is the
cluster's, primaries only (the replicas are the same bytes again), so that
it compares with an index folder.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from peers import System


def search_command() -> str | None:
    beside = Path(sys.executable).parent / "search"
    if beside.exists():
        return str(beside)
    return shutil.which("search")


class Engine(System):
    name = "this project"
    reads_path = True
    query_mapping = "the query as typed, through the engine's own parser"
    install = "pip install -e .   (from the repository root)"

    def build(self, path, index_dir, procs=None):
        from index.writer import index_paths

        summary = index_paths([path], index_dir, rebuild=True, procs=procs)
        d = summary.to_dict()
        d["problems"] = d["problems"][:5]
        return d

    def open(self, index_dir):
        from search.searcher import Searcher

        self._s = Searcher(index_dir)

    def search(self, query, k=10):
        result = self._s.search(query, per_page=k, facets=True, snippets=True)
        return [hit["id"] for hit in result.hits]

    def close(self):
        self._s.close()

    def cold_argv(self, index_dir, query):
        exe = search_command()
        if not exe:
            return None
        return [exe, "query", "--index", index_dir, "--json", query]

    def serve_args(self, index_dir) -> list:
        """What `search serve` needs to serve this index (run.py's throughput)."""
        return ["--index", index_dir]


BENCH_INDEX = "bench"


class EngineOnOpenSearch(Engine):
    name = "this project on OpenSearch"
    query_mapping = "the query as typed, through the engine's own parser, compiled to OpenSearch's DSL"
    install = "pip install -e .; bash opensearch/install.sh (run.py --backend opensearch starts a 3-node cluster)"

    @staticmethod
    def url() -> str:
        return os.environ["SEARCH_OPENSEARCH_URL"]

    def unavailable(self):
        if not os.environ.get("SEARCH_OPENSEARCH_URL"):
            return "no cluster: run.py --backend opensearch starts one (SEARCH_OPENSEARCH_URL)"
        return None

    def build(self, path, index_dir, procs=None):
        from index.writer import index_paths

        summary = index_paths([path], BENCH_INDEX, rebuild=True, procs=procs, backend="opensearch", url=self.url())
        d = summary.to_dict()
        d["problems"] = d["problems"][:5]
        return d

    def open(self, index_dir):
        from search.searcher import Searcher

        self._s = Searcher(BENCH_INDEX, backend="opensearch", url=self.url())

    def size(self, index_dir) -> dict:
        """Store bytes of the article index and its lexicon, primaries and with replicas."""
        from search.searcher import Searcher

        with Searcher(BENCH_INDEX, backend="opensearch", url=self.url()) as s:
            st = s.stats()
        return {"disk_bytes": st["size_bytes"], "apparent_bytes": st["size_bytes"],
                "with_replicas_bytes": st["size_bytes_with_replicas"], "shards": st["shards"],
                "replicas": st["replicas"]}

    def serve_args(self, index_dir) -> list:
        return ["--backend", "opensearch", "--url", self.url(), "--index", BENCH_INDEX]

    def cold_argv(self, index_dir, query):
        exe = search_command()
        if not exe:
            return None
        return [exe, "query", "--backend", "opensearch", "--url", self.url(), "--index", BENCH_INDEX, "--json", query]
