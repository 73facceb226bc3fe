"""What leaves the site as files: Atom feeds and CSV exports.

``/feed?q=…&<the page's filters>`` and ``/feed?alert=NAME`` (a saved search,
search.alerts) are the newest results as Atom (search.feeds.search_feed),
so any feed reader follows a search; ``/export.csv?q=…`` is a download of up
to search.export_results.EXPORT_LIMIT hits with their provenance
(search.export_results.export).  Each view only reads the request and wraps
the library's bytes in a response.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for

from webui import get_searcher, search_params

bp = Blueprint("exports", __name__)


def _bad(params):
    if params.get("too_many"):
        from search.searcher import BadRequest

        raise BadRequest(params["too_many"])


@bp.get("/feed")
def feed():
    from search.feeds import MEDIA_TYPE, search_feed

    searcher = get_searcher()
    name = request.args.get("alert", "").strip()
    if name:
        from search.alerts import AlertError, get

        if getattr(searcher, "index_dir", None) is None:  # a cluster keeps no saved searches (yet)
            abort(404)

        try:
            alert = get(searcher.index_dir, name)
        except AlertError:
            abort(404)
        query, filters, html_url = alert.query, alert.filters, url_for("pages.search", q=alert.query or None,
                                                                       _external=True)
    else:
        params = search_params()
        _bad(params)
        query, filters = params["q"], params["filters"]
        html_url = request.url.replace("/feed", "/search", 1)
    body = search_feed(searcher, query, filters, self_url=request.url, base_url=request.host_url,
                       html_url=html_url, alert=name or None)
    return Response(body, mimetype=MEDIA_TYPE)


@bp.get("/export.csv")
def export_csv():
    from search.export_results import EXPORT_LIMIT, export, export_filename

    params = search_params()
    _bad(params)
    data = export(get_searcher(), params["q"], params["filters"], fmt="csv", sort=params["sort"],
                  limit=request.args.get("limit", EXPORT_LIMIT), collapse=params["collapse"])
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{export_filename("csv")}"'})


__all__ = ["bp"]
