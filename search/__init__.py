"""Japanese news search: the library API.

    from search import Searcher, index_paths, analyze

    summary = index_paths(["corpus/"], index=".search-index")
    with Searcher(".search-index") as s:
        result = s.search("ウクライナ侵攻", filters={"place": "ロシア"})
        for hit in result.hits:
            print(hit["title"], hit["snippet"])

The CLI (``search ...``) and the web UI are thin shells over these functions.
Names are imported on first use, so ``import search`` stays cheap for the CLI.
"""

import importlib

_EXPORTS = {
    "Searcher": "search.searcher",
    "SearchResult": "search.searcher",
    "ArticleNotFound": "search.searcher",
    "BadRequest": "search.searcher",
    "QuerySyntaxError": "search.query",
    "analyze": "search.analyzer",
    "index_paths": "index.writer",
    "delete": "index.writer",
    "export": "index.export",
    "IndexSummary": "index.writer",
    "IndexLocked": "index.storage",
    "IndexMissing": "index.storage",
    "IndexUnusable": "index.storage",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'search' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
