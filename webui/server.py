"""Running the web UI: waitress in production, Flask's server only for debugging.

``serve(index_dir, host, port, debug)`` is what ``search serve`` calls.  The
host is the loopback address unless told otherwise; Flask's development
server (with its debugger) runs only with ``debug=True`` and refuses a
non-loopback host, since its debugger executes code sent to it.
"""

from __future__ import annotations

import ipaddress
import logging
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
    from search.suggest import suggest
    from webui import get_searcher

    with app.app_context():
        try:
            searcher = get_searcher()
            searcher.search("", page=1, per_page=1, facets=True, snippets=False)
            searcher.search("ニュース", page=1, per_page=1, facets=False)  # loads Sudachi
            suggest(searcher, "a", 1)  # reads the lexicon for completions
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


def serve(index_dir=None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, debug: bool = False,
          synonyms=None) -> None:
    """Serve the web UI and the JSON API until interrupted; ``synonyms``: a
    synonym file added to the default sets."""
    host = host or DEFAULT_HOST
    port = DEFAULT_PORT if port is None else int(port)
    app = create_app(index_dir, config={"SYNONYMS": str(synonyms)} if synonyms else None)
    if debug:
        if not is_loopback(host):
            raise SystemExit(f"error: --debug runs Flask's debugger, which must not listen on {host}; "
                             f"use 127.0.0.1 or drop --debug")
        app.run(host=host, port=port, debug=True, use_reloader=False, threaded=True)
        return
    if not is_loopback(host):
        print(f"warning: listening on {host}: the search UI is reachable from other machines", file=sys.stderr)
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


__all__ = ["serve", "make_server", "is_loopback"]
