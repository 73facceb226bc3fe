"""The JSON API, mounted under /api.

    GET /api/search?q=&page=&per_page=&sort=&category=&tags=&person=&place=&org=&source=&date_from=&date_to=
                    [&facets=0][&recency=0][&snippets=0][&synonyms=0][&explain=1]
                    (relaxed results carry "relaxed" and each hit its "missing" words;
                    explain=1 says per hit which form of each word matched)
    GET /api/suggest?q=PREFIX[&limit=8]
    GET /api/articles/<ID>[?q=QUERY]       (ID percent-encoded)
    GET /api/articles/<ID>/similar[?limit=10]
    GET /api/stats
    GET /api/analyze?text=TEXT          (or POST {"text": ...}); "expansion" says how
                                        the text would be searched as a query
    GET /api/synonyms?term=TERM         the synonym set TERM belongs to
    GET /api/health

Errors are JSON ``{"error": message}``: 400 for a bad parameter or query
syntax, 404 for an unknown article or route, 405 for a wrong method, 503 when
the index is missing or unusable.
"""

from __future__ import annotations


from flask import Blueprint, jsonify, request
from werkzeug.routing import PathConverter

from index import config as index_config
from webui import DEFAULT_PER_PAGE, MAX_ANALYZE_CHARS, flag, get_searcher, search_params

bp = Blueprint("api", __name__)


class ArticleIdConverter(PathConverter):
    """Any id, slashes and a leading slash included (paths used as ids)."""

    regex = ".+?"
    part_isolating = False  # may span "/" (Werkzeug infers True from this regex)


# Registered before the routes below are added to the app's URL map.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("article_id", ArticleIdConverter))


class ApiError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def run_search(params: dict, *, facets=True, recency=True, snippets=True, synonyms=True, explain=False) -> dict:
    """search() for parsed request parameters, as a dict (with what to try
    instead when nothing is found).  Shared by the page."""
    if params.get("too_many"):
        from search.searcher import BadRequest

        raise BadRequest(params["too_many"])
    result = get_searcher().search(
        params["q"],
        filters=params["filters"],
        sort=params["sort"],
        page=params["page"],
        per_page=params["per_page"],
        facets=facets,
        recency=recency,
        snippets=snippets,
        synonyms=synonyms,
        explain=explain,
        collapse=params.get("collapse", True),
    )
    out = result.to_dict()
    out["sort"] = params["sort"]
    out["filters"] = params["filters"]
    return out


@bp.get("/search")
def search():
    params = search_params()
    args = request.args
    return jsonify(
        run_search(
            params,
            facets=flag(args, "facets"),
            recency=flag(args, "recency"),
            snippets=flag(args, "snippets"),
            synonyms=flag(args, "synonyms"),
            explain=flag(args, "explain", default=False),
        )
    )


@bp.get("/suggest")
def suggest():
    from search.suggest import DEFAULT_LIMIT, suggest as complete

    prefix = request.args.get("q", "")
    limit = request.args.get("limit", str(DEFAULT_LIMIT))
    return jsonify({"query": prefix, "suggestions": complete(get_searcher(), prefix, limit)})


# Article ids are usually URLs: send them percent-encoded
# (/api/articles/http%3A%2F%2Fnews.livedoor.com%2F...); the path converter and
# merge_slashes=False keep their slashes intact.
@bp.get("/articles/<article_id:article_id>", merge_slashes=False)
def article(article_id):
    query = request.args.get("q", "").strip() or None
    return jsonify(get_searcher().get(article_id, query=query))


@bp.get("/articles/<article_id:article_id>/similar", merge_slashes=False)
def similar(article_id):
    limit = request.args.get("limit", str(DEFAULT_PER_PAGE))
    hits = get_searcher().similar(article_id, limit=limit)
    return jsonify({"id": article_id, "hits": hits})


@bp.get("/stats")
def stats():
    return jsonify(get_searcher().stats())


@bp.route("/analyze", methods=["GET", "POST"])
def analyze():
    from search.analyzer import analyze as run_analyze

    if request.method == "POST":
        limit = index_config.MAX_API_BODY_BYTES
        if (request.content_length or 0) > limit:
            raise ApiError(f"the request body is {request.content_length:,} bytes; the limit is {limit:,}", 413)
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # [[[[…: Python's JSON parser recurses per level
            raise ApiError('the JSON is nested too deeply; send a JSON object {"text": "..."}') from None
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise ApiError('send a JSON object {"text": "..."}')
        text = body["text"]
    else:
        if "text" not in request.args:
            raise ApiError("the text parameter is required")
        text = request.args["text"]
    if len(text) > MAX_ANALYZE_CHARS:
        raise ApiError(f"the text is {len(text)} characters long; the limit is {MAX_ANALYZE_CHARS}")
    if any("\ud800" <= char <= "\udfff" for char in text):  # JSON's \ud800 escapes: not Unicode text
        raise ApiError("the text holds an unpaired surrogate (\\udXXX), which is not Unicode text")
    result = run_analyze(text)
    result["expansion"] = query_expansion(text)
    return jsonify(result)


def query_expansion(text: str) -> list:
    """How ``text`` would be searched as a query (search.query.explain);
    empty when it is not a valid query (the analyze page takes any text)."""
    from index.storage import IndexUnusable
    from search.query import QuerySyntaxError, explain

    try:
        try:
            return get_searcher().explain(text)
        except IndexUnusable:
            return explain(text)  # the analysis itself needs no index
    except QuerySyntaxError:
        return []


@bp.get("/synonyms")
def synonyms():
    from search.synonyms import synonym_set

    term = request.args.get("term", "").strip()
    if not term:
        raise ApiError("the term parameter is required")
    found = synonym_set(term, get_searcher().synonyms)
    return jsonify({"term": term, "forms": found["forms"] if found else [],
                    "origins": found["origins"] if found else []})


@bp.get("/health")
def health():
    searcher = get_searcher()
    result = searcher.search("", page=1, per_page=1, facets=False, snippets=False, collapse=False)
    return jsonify({"status": "ok", "documents": result.total})


@bp.errorhandler(ApiError)
def _api_error(exc):
    return jsonify({"error": str(exc)}), exc.status
