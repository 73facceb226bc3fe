"""Running the web UI: waitress in production, Flask's server only for debugging.

``serve(index_dir, host, port, debug)`` is what ``search serve`` calls.  The
host is the loopback address unless told otherwise; Flask's development
server (with its debugger) runs only with ``debug=True`` and refuses a
non-loopback host, since its debugger executes code sent to it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys

from webui import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# waitress worker threads: each holds its own Whoosh searcher.
THREADS = 4

log = logging.getLogger("webui.server")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warm_up(app) -> None:
    """Open the index, load Sudachi and build the per-commit tables (facets,
    recency, the lexicon for completions) now, so the first visitor does not
    wait for them.  A missing index is only reported: the server starts
    anyway and serves 503 until it exists."""
    from index.storage import IndexUnusable
    from search.suggest import did_you_mean, suggest
    from webui import get_searcher

    with app.app_context():
        try:
            searcher = get_searcher()
            searcher.search("", page=1, per_page=1, facets=True, snippets=False)
            searcher.search("ニュース", page=1, per_page=1, facets=False)  # loads Sudachi
            suggest(searcher, "a", 1)  # reads the lexicon for completions
            did_you_mean(searcher, "ニュースー")  # and indexes it for respellings
            searcher.search("やまだたろう", page=1, per_page=1, facets=False)  # reads the names' readings
        except IndexUnusable as exc:
            print(f"warning: {exc}", file=sys.stderr)


def make_server(app=None, host: str = DEFAULT_HOST, port: int = 0, index_dir=None, threads: int = THREADS):
    """A waitress server for ``app`` (or a new app over ``index_dir``), bound
    but not yet running: call ``.run()`` (blocks) and ``.close()``.  Port 0
    picks a free port; ``.effective_port`` tells which."""
    from waitress import create_server

    if app is None:
        app = create_app(index_dir)
    return create_server(app, host=host, port=port, threads=threads, ident="news-search",
                         clear_untrusted_proxy_headers=True)


def run_until_closed(server) -> None:
    """``server.run()`` for a background thread that another thread stops with
    ``server.close()``: waitress's select() then fails on the closed sockets,
    which only means it was told to stop."""
    try:
        server.run()
    except (OSError, ValueError):
        pass


def default_workers() -> int:
    """One server process per core: a Python process serves on one core only
    (the GIL), whatever its number of threads."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def serve(index_dir=None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, debug: bool = False,
          synonyms=None, workers: int | None = None, aliases=None, backend=None, url=None) -> None:
    """Serve the web UI and the JSON API until interrupted; ``synonyms``: a
    synonym file added to the default sets; ``workers``: server processes
    (default: one per core; 1 runs waitress in this process)."""
    host = host or DEFAULT_HOST
    port = DEFAULT_PORT if port is None else int(port)
    workers = default_workers() if workers is None else max(1, int(workers))
    settings = {"SYNONYMS": str(synonyms)} if synonyms else {}
    if aliases:
        settings["ALIASES"] = str(aliases)
    if backend:
        settings["BACKEND"] = backend
    if url:
        settings["OPENSEARCH_URL"] = url
    app = create_app(index_dir, config=settings or None)
    if debug:
        if not is_loopback(host):
            raise SystemExit(f"error: --debug runs Flask's debugger, which must not listen on {host}; "
                             f"use 127.0.0.1 or drop --debug")
        app.run(host=host, port=port, debug=True, use_reloader=False, threaded=True)
        return
    if not is_loopback(host):
        print(f"warning: listening on {host}: the search UI is reachable from other machines", file=sys.stderr)
    if workers > 1:
        _serve_with_gunicorn(app, host, port, workers)
        return
    warm_up(app)
    server = make_server(app, host=host, port=port)
    shown = f"[{host}]" if ":" in host else host
    bound = getattr(server, "effective_port", port)
    print(f"serving {app.config['INDEX_DIR']} on http://{shown}:{bound}/ (Ctrl-C to stop)", file=sys.stderr)
    logging.getLogger("waitress").setLevel(logging.WARNING)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _serve_with_gunicorn(app, host: str, port: int, workers: int) -> None:
    """Run ``app`` in ``workers`` pre-forked processes behind one port
    (gunicorn, threaded workers).  The app is loaded once before the fork
    (modules, templates); each worker opens its own Searcher on the index
    after it (post_worker_init): Whoosh's open files and Sudachi's tokenizer
    must not be shared between processes.  Each worker picks up new commits
    as a single process does."""
    from gunicorn.app.base import BaseApplication

    shown = f"[{host}]" if ":" in host else host

    class Server(BaseApplication):
        def load_config(self):
            settings = {
                "bind": [f"{shown}:{port}"],
                "workers": workers,
                "worker_class": "gthread",
                "threads": THREADS,
                "preload_app": True,
                "post_worker_init": lambda worker: warm_up(app),
                "when_ready": lambda arbiter: print(
                    f"serving {app.config['INDEX_DIR']} on http://{shown}:{port}/ with {workers} worker processes "
                    f"(Ctrl-C to stop)", file=sys.stderr),
                "accesslog": None,
                "loglevel": "warning",
                # A 1,000-character query percent-encoded is 9 kB; the request
                # line may be as long as waitress allows for one process.
                "limit_request_line": 0,
                "timeout": 60,
                "graceful_timeout": 5,
                "proc_name": "news-search",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()


__all__ = ["serve", "make_server", "is_loopback", "default_workers"]
