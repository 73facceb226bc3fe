"""This project's engine behind the benchmark's System interface.

Indexing calls ``index_paths`` on the corpus path itself (the tar.gz for the
full run, a temporary JSONL of the subset for --quick), with the engine's
defaults (procs, batch size): reading the input is part of the timed work,
as it is for a user running ``search index``.  Queries go through
``Searcher.search`` with snippets and facets on, 10 hits a page; the cold
run is the installed ``search query --index DIR --json QUERY`` command.
"""

from __future__ import annotations

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
