"""Peers: other ways to index and search the same articles.

Every peer is one module here exposing a class with the tiny interface
:class:`System` describes; :data:`PEERS` maps the names accepted by
``run.py --peers`` to them.  A peer whose software is missing says why in
:meth:`System.unavailable` and the run skips it with that message.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path


class System:
    """What run.py needs from an indexer/searcher.

    build(articles, index_dir) -> dict   index an iterable of article dicts
                                         (id, url, title, body, date, category)
    open(index_dir); search(query, k) -> [id, ...] best first; close()
    cold_argv(index_dir, query) -> argv of a fresh process answering the
                                   query with the peer's own CLI, or None
    """

    name = "?"
    #: how a user query becomes this system's query (printed under the table)
    query_mapping = ""
    #: how to install what it needs (README says the same)
    install = ""
    #: True when build() takes the corpus path instead of articles
    reads_path = False

    def unavailable(self) -> str | None:
        """None when usable, else the reason it is skipped."""
        return None

    def build(self, articles, index_dir: str) -> dict:
        raise NotImplementedError

    def open(self, index_dir: str) -> None:
        raise NotImplementedError

    def search(self, query: str, k: int = 10) -> list:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def cold_argv(self, index_dir: str, query: str):
        return None


def dir_size(path: str) -> dict:
    """Bytes on disk (allocated blocks, what du counts) and apparent bytes."""
    used = apparent = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            st = os.stat(os.path.join(root, name))
            used += st.st_blocks * 512
            apparent += st.st_size
    return {"disk_bytes": used, "apparent_bytes": apparent}


#: run.py name -> "module:Class"
PEERS = {
    "whoosh-standard": "whoosh_standard:WhooshStandard",
    "whoosh-bigram": "whoosh_bigram:WhooshBigram",
    "whoosh-sudachi": "whoosh_sudachi:WhooshSudachi",
    "tantivy-sudachi": "tantivy_sudachi:TantivySudachi",
    "sqlite-trigram": "sqlite_trigram:SqliteTrigram",
    "groonga-mecab": "groonga:GroongaMecab",
    "groonga-bigram": "groonga:GroongaBigram",
}


def load(name: str) -> System:
    if name == "ours":
        from engine import Engine

        return Engine()
    if name == "ours-opensearch":  # run.py --backend opensearch
        from engine import EngineOnOpenSearch

        return EngineOnOpenSearch()
    module, cls = PEERS[name].split(":")
    mod = importlib.import_module(f"peers.{module}")
    return getattr(mod, cls)()


__all__ = ["System", "PEERS", "load", "dir_size"]
