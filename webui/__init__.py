"""The web page and JSON API: a thin shell over ``search.Searcher``.

``create_app(index_dir)`` builds the Flask app: the pages (``webui.views``)
and the JSON API under ``/api`` (``webui.api``).  ``webui.server.serve``
runs it with waitress.  Every piece of search logic lives in the library
(``search.searcher``, ``search.suggest``); this package only reads request
parameters, calls it and renders the answer.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, g, request
from werkzeug.datastructures import MultiDict

from index import config as index_config

# Request parameters that become search() filters; tag is accepted for tags.
LIST_FILTERS = ("category", "tags", "person", "place", "org", "source")
DATE_FILTERS = ("date_from", "date_to")
DEFAULT_PER_PAGE = 10
PER_PAGE_CHOICES = (10, 20, 50, 100)
MAX_ANALYZE_CHARS = index_config.MAX_ANALYZE_CHARS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class _SearcherHolder:
    """One Searcher per app, opened on first use.  While the index is missing
    every request tries again, so a server started before `search index`
    works as soon as the index exists."""

    def __init__(self, index_dir, synonyms=None, aliases=None, backend=None, url=None):
        self.index_dir = index_dir
        self.synonyms = synonyms
        self.aliases = aliases
        self.backend, self.url = backend, url
        self._searcher = None
        self._lock = threading.Lock()

    def get(self):
        if self._searcher is None:
            from search.searcher import Searcher

            with self._lock:
                if self._searcher is None:
                    self._searcher = Searcher(self.index_dir, synonyms=self.synonyms, aliases=self.aliases,
                                              backend=self.backend, url=self.url)  # raises IndexUnusable
        return self._searcher

    def close(self):
        if self._searcher is not None:
            self._searcher.close()


def get_searcher():
    """The app's Searcher (raises IndexMissing / IndexUnusable)."""
    return current_app.extensions["search"].get()


def search_params(args=None) -> dict:
    """The search state in a query string: q, page, per_page, sort and filters.

    Values are passed to the library as written; it checks them and raises
    BadRequest or QuerySyntaxError with a message for bad ones.
    """
    if args is None:
        args = request.args
    elif not hasattr(args, "getlist"):
        args = MultiDict(args)
    filters, too_many, total = {}, "", 0
    for name in LIST_FILTERS:
        values = args.getlist(name)
        if name == "tags":
            values = values + args.getlist("tag")
        values = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
        # Over the limit the request is refused (run_search raises), but the
        # page that says so still shows the filters: only the first few, or
        # 5,000 values, each chip repeating all others in its link, would
        # make a page of hundreds of megabytes.
        total += len(values)
        if len(values) > index_config.MAX_FILTER_VALUES:
            too_many = too_many or (f"the {name} filter has {len(values)} values; "
                                    f"the limit is {index_config.MAX_FILTER_VALUES}")
        elif total > index_config.MAX_FILTER_VALUES_TOTAL:
            too_many = too_many or (f"the filters have more than {index_config.MAX_FILTER_VALUES_TOTAL} values "
                                    f"together; the limit is {index_config.MAX_FILTER_VALUES_TOTAL}")
        kept = sum(len(v) for v in filters.values())
        values = values[: max(0, min(index_config.MAX_FILTER_VALUES, index_config.MAX_FILTER_VALUES_TOTAL - kept))]
        if values:
            filters[name] = values
    for name in DATE_FILTERS:
        value = (args.get(name) or "").strip()
        if value:
            filters[name] = value
    return {
        "q": args.get("q", "").strip(),
        "page": args.get("page", "1").strip() or "1",
        "per_page": args.get("per_page", str(DEFAULT_PER_PAGE)).strip() or str(DEFAULT_PER_PAGE),
        "sort": args.get("sort", "relevance").strip() or "relevance",
        "filters": filters,
        "too_many": too_many,
        # near-copies as one hit (index.dedup); collapse=0 shows them all
        "collapse": flag(args, "collapse"),
    }


def flag(args, name, default=True) -> bool:
    """A yes/no parameter: 0, false, no, off are no."""
    value = args.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _use_index_dictionary():
    """Analyse everything a request analyses (completions, the analyze page,
    did-you-mean) with the index's user dictionary, as the articles were."""
    from index.storage import IndexUnusable

    try:
        context = get_searcher().index_dictionary()
    except IndexUnusable:
        return  # the view reports it
    context.__enter__()
    g.index_dictionary = context


def _leave_index_dictionary(exc=None):
    context = g.pop("index_dictionary", None)
    if context is not None:
        context.__exit__(None, None, None)


def _security_headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


class _RejectUnusableHost:
    """WSGI middleware: a Host header that is not a valid host name (a label
    over 63 characters, an empty label) gets a 400 here.  Werkzeug cannot
    encode such a name, so Flask would have no URL adapter and every page
    that builds a link would fail with a 500."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name and not name.startswith("["):
            try:
                name.encode("idna")
            except UnicodeError:
                body = b"invalid Host header\n"
                start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                                   ("Content-Length", str(len(body))),
                                                   ("X-Content-Type-Options", "nosniff"),
                                                   ("Content-Security-Policy", CSP)])
                return [body]
        return self.app(environ, start_response)


def create_app(index_dir=None, config=None) -> Flask:
    """The Flask app over the index in ``index_dir`` (default: $SEARCH_INDEX,
    else ./.search-index).  ``config`` updates ``app.config`` (``ALIASES``:
    an entity alias file added to the default table; ``SYNONYMS``:
    a synonym file added to the default sets).  The index is opened on the
    first request, not here."""
    app = Flask(__name__)
    app.config.update(
        INDEX_DIR=str(index_config.index_dir(index_dir)),
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.jinja_env.autoescape = True  # also for templates whose name ends otherwise
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["search"] = _SearcherHolder(app.config["INDEX_DIR"], app.config.get("SYNONYMS"),
                                               app.config.get("ALIASES"), app.config.get("BACKEND"),
                                               app.config.get("OPENSEARCH_URL"))

    from webui import api, exports, views

    app.register_blueprint(views.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    views.register_error_pages(app)
    app.before_request(_use_index_dictionary)
    app.teardown_request(_leave_index_dictionary)
    app.after_request(_security_headers)
    app.wsgi_app = _RejectUnusableHost(app.wsgi_app)
    return app


__all__ = ["create_app", "get_searcher", "search_params"]
