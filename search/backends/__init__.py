"""The backend boundary: where the index lives.

Two backends keep the articles and answer searches:

* ``whoosh`` (the default): the embedded index folder — this project's codec
  under Whoosh (index.codec, index.segment_writer), searched by
  search.searcher.WhooshSearcher;
* ``opensearch``: an OpenSearch cluster (search.backends.opensearch), for
  archives and traffic beyond one machine.

Everything else is the same for both and stays above the boundary: the
readers, the one Sudachi pass and every stream it yields (index.analysis:
terms with positions, compound parts, readings, n-grams, entities), the
query language and its analysis (search.query), the ranking policy (field
weights, the phrase bonus, recency), relaxed results and suggestions, the
entity names (aliases, boilerplate), the shape of results, the CLI and the
web app — which never know which backend they talk to.

A backend provides two objects:

**A sink** (index.writer.index_paths writes into it):

    describe() -> str                     "the index at DIR", "index news on http://…"
    session(lock_timeout, rebuild)        context: hold it for one run, open or create it
    existing_hashes() -> {id: hash}       what the index holds, to skip unchanged articles
    write_batch(articles, replace_ids, on_failure) -> failed ids
                                          analyse and write a batch (replacing those ids), durably
    finish(on_stage)                      end of the run (merge segments, refresh)

and ``delete(ids) -> int`` for ``search delete``.

**A searcher** (search.searcher.Searcher hands every call to it), with the
public methods of Searcher: ``search()`` (query language, filters, facets
with counts, the month histogram, sort, paging, recency, highlighted
snippets with their Japanese character offsets, relaxed results,
alternatives, explain), ``get()``, ``similar()``, ``stats()``, ``explain()``,
``suggest()``, the ``synonyms`` and ``aliases`` in force,
``index_dictionary()`` and ``close()``.  Results are the same dicts
(SearchResult, hit dicts) whichever backend made them.

Which backend: the ``backend`` argument (``--backend``), else
``$SEARCH_BACKEND``, else ``whoosh``; a cluster's URL: ``url``
(``--url``), else ``$SEARCH_OPENSEARCH_URL``.
"""

from __future__ import annotations

import os

BACKENDS = ("whoosh", "opensearch")
BACKEND_ENV = "SEARCH_BACKEND"
URL_ENV = "SEARCH_OPENSEARCH_URL"


class BackendError(ValueError):
    """A backend that cannot be used as asked; the message says why."""


def resolve(backend: str | None = None, url: str | None = None) -> tuple[str, str | None]:
    """(backend name, cluster URL or None) from the arguments and the environment."""
    backend = (backend or os.environ.get(BACKEND_ENV) or "whoosh").strip().lower()
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if backend == "opensearch":
        url = url or os.environ.get(URL_ENV)
        if not url:
            raise BackendError(f"the opensearch backend needs a cluster URL: --url URL or ${URL_ENV}")
    return backend, url


__all__ = ["BACKENDS", "BackendError", "resolve"]
