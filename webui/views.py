"""The pages: home, results, article, analysis; and the error pages.

Every piece of the search state is in the URL (q, page, per_page, sort and
the filters as repeated parameters), so a results page can be bookmarked,
shared and reloaded.  Templates are autoescaped; only the engine's
highlighted HTML (snippets, ``title_html``, ``body_html``: every character
escaped, ``<mark>`` added) is marked safe.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from webui import (
    DATE_FILTERS,
    DEFAULT_PER_PAGE,
    LIST_FILTERS,
    MAX_ANALYZE_CHARS,
    PER_PAGE_CHOICES,
    get_searcher,
    search_params,
)

bp = Blueprint("pages", __name__)

# Display names; the URL keeps the values as the index has them.
CATEGORY_LABELS = {
    "dokujo-tsushin": "独女通信",
    "it-life-hack": "ITライフハック",
    "kaden-channel": "家電チャンネル",
    "livedoor-homme": "livedoor HOMME",
    "movie-enter": "MOVIE ENTER",
    "peachy": "Peachy",
    "smax": "エスマックス",
    "sports-watch": "Sports Watch",
    "topic-news": "トピックニュース",
}
FILTER_LABELS = {
    "category": "カテゴリ",
    "tags": "タグ",
    "person": "人物",
    "place": "地名",
    "org": "組織",
    "source": "提供元",
    "month": "月別",
    "date_from": "から",
    "date_to": "まで",
}
FACET_ORDER = ("category", "person", "place", "org", "tags")
SORT_LABELS = {"relevance": "関連度順", "date": "新しい順"}
# How the analyze page names each kind of query expansion (search.query.explain).
EXPANSION_LABELS = {"synonym": "同義語", "kana": "かな→カタカナ", "number": "数字",
                    "normalized": "表記ゆれ", "reading": "同じ読み", "sound": "似た音（カタカナ）", "date": "日付"}
ENTITY_LABELS = {"person": "人物", "place": "地名", "org": "組織"}


def ja_period(text: str) -> str:
    """2012 → 2012年, 2012-09 → 2012年9月, 2012-09-04 → 2012年9月4日."""
    m = re.fullmatch(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?", text or "")
    if not m:
        return text
    y, mo, d = m.groups()
    out = f"{int(y)}年"
    if mo:
        out += f"{int(mo)}月"
    if d:
        out += f"{int(d)}日"
    return out


def safe_href(url) -> str | None:
    """Only web addresses become links (never javascript: or data:)."""
    if isinstance(url, str) and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


class SearchState:
    """The search state of a results URL, and the URLs one change away."""

    def __init__(self, params: dict):
        self.q = params["q"]
        self.page = params["page"]
        self.per_page = params["per_page"]
        self.sort = params["sort"]
        self.filters = params["filters"]
        self.collapse = params.get("collapse", True)

    def _pairs(self, q, sort, per_page, page, filters):
        pairs = []
        if q:
            pairs.append(("q", q))
        for name in LIST_FILTERS:
            pairs.extend((name, v) for v in filters.get(name, []))
        for name in DATE_FILTERS:
            if filters.get(name):
                pairs.append((name, filters[name]))
        if sort and sort != "relevance":
            pairs.append(("sort", sort))
        if per_page and str(per_page) != str(DEFAULT_PER_PAGE):
            pairs.append(("per_page", per_page))
        if page and str(page) != "1":
            pairs.append(("page", page))
        if not self.collapse:
            pairs.append(("collapse", "0"))
        return pairs

    def feed_url(self) -> str:
        """The Atom feed of this search (newest first, whatever the sort)."""
        pairs = [p for p in self._pairs(self.q, None, None, None, self.filters) if p[0] != "collapse"]
        return "/feed" + ("?" + urlencode(pairs) if pairs else "")

    def export_url(self) -> str:
        """The CSV download of this search (its sort, up to the export limit)."""
        pairs = self._pairs(self.q, self.sort, None, None, self.filters)
        return "/export.csv" + ("?" + urlencode(pairs) if pairs else "")

    def collapse_url(self, collapse: bool) -> str:
        """This page with near-copies collapsed or shown one by one."""
        state = SearchState({"q": self.q, "page": 1, "per_page": self.per_page, "sort": self.sort,
                             "filters": self.filters, "collapse": collapse})
        return state.url()

    def url(self, page=1, sort=None, per_page=None, filters=None, q=None) -> str:
        """/search with these changes; any change but the page goes to page 1."""
        pairs = self._pairs(
            self.q if q is None else q,
            sort or self.sort,
            per_page or self.per_page,
            page,
            self.filters if filters is None else filters,
        )
        return "/search" + ("?" + urlencode(pairs) if pairs else "")

    def _copy(self):
        return {k: list(v) if isinstance(v, list) else v for k, v in self.filters.items()}

    def has(self, name, value) -> bool:
        if name == "month":
            return self.filters.get("date_from") == value and self.filters.get("date_to") == value
        return value in self.filters.get(name, [])

    def add(self, name, value) -> str:
        """A facet click: add the filter (a month sets both date ends)."""
        f = self._copy()
        if name == "month":
            f["date_from"] = f["date_to"] = value
        elif value not in f.get(name, []):
            f[name] = f.get(name, []) + [value]
        return self.url(filters=f)

    def remove(self, name, value=None) -> str:
        f = self._copy()
        if name == "month":
            f.pop("date_from", None)
            f.pop("date_to", None)
        elif name in DATE_FILTERS:
            f.pop(name, None)
        else:
            f[name] = [v for v in f.get(name, []) if v != value]
        return self.url(filters=f)

    def chips(self) -> list:
        """Active filters as (label, value shown, remove URL)."""
        out = []
        for name in LIST_FILTERS:
            for v in self.filters.get(name, []):
                shown = CATEGORY_LABELS.get(v, v) if name == "category" else v
                out.append((FILTER_LABELS[name], shown, self.remove(name, v)))
        d_from, d_to = self.filters.get("date_from"), self.filters.get("date_to")
        if d_from and d_from == d_to:
            out.append(("期間", ja_period(d_from), self.remove("month")))
        else:
            if d_from:
                out.append(("期間", ja_period(d_from) + "から", self.remove("date_from")))
            if d_to:
                out.append(("期間", ja_period(d_to) + "まで", self.remove("date_to")))
        return out

    def hidden_filters(self) -> list:
        """(name, value) for the search form, so a new query keeps the filters."""
        return [p for p in self._pairs("", "relevance", DEFAULT_PER_PAGE, 1, self.filters)]

    def pages(self, current: int, last: int) -> list:
        """Page numbers to link, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        wanted = {1, last} | set(range(max(1, current - 2), min(last, current + 2) + 1))
        out, prev = [], 0
        for p in sorted(wanted):
            if p - prev > 1:
                out.append(None)
            out.append(p)
            prev = p
        return out


def month_bars(months: list) -> list:
    """(value, label, count, width class 0–20) for the month histogram."""
    top = max((m["count"] for m in months), default=0)
    return [
        (m["value"], ja_period(m["value"]), m["count"], max(1, round(20 * m["count"] / top)) if top else 0)
        for m in months
    ]


@bp.app_template_filter("ja_period")
def _ja_period_filter(text):
    return ja_period(text)


@bp.app_template_filter("category_label")
def _category_label(value):
    return CATEGORY_LABELS.get(value, value) if value else ""


@bp.app_template_filter("safe_href")
def _safe_href(url):
    return safe_href(url)


@bp.app_template_filter("number")
def _number(n):
    return f"{n:,}" if isinstance(n, int) else n


@bp.app_context_processor
def _globals():
    return {
        "FILTER_LABELS": FILTER_LABELS,
        "ENTITY_LABELS": ENTITY_LABELS,
        "SORT_LABELS": SORT_LABELS,
        "EXPANSION_LABELS": EXPANSION_LABELS,
        "PER_PAGE_CHOICES": PER_PAGE_CHOICES,
    }


# ---------------------------------------------------------------------------
# Pages


@bp.get("/")
def home():
    if request.args:
        return search()
    stats = get_searcher().stats(top=12)
    return render_template("home.html", stats=stats, state=SearchState(search_params()))


@bp.get("/search")
def search():
    from webui.api import run_search

    params = search_params()
    state = SearchState(params)
    result = run_search(params)
    return render_template(
        "search.html",
        state=state,
        result=result,
        facet_order=FACET_ORDER,
        months=month_bars(result["facets"].get("month", [])),
        page_numbers=state.pages(result["page"], result["pages"]),
    )


@bp.get("/article")
def article():
    article_id = request.args.get("id", "").strip()
    if not article_id:
        return _error_page(400, "記事の ID がありません", "リンクが壊れているようです。")
    from search.query import QuerySyntaxError

    query = request.args.get("q", "").strip()
    searcher = get_searcher()
    try:
        doc = searcher.get(article_id, query=query or None)
    except QuerySyntaxError:  # a broken query only loses its highlights here
        doc = searcher.get(article_id)
    related = searcher.similar(article_id, limit=8)
    return render_template("article.html", article=doc, related=related, q=query,
                           state=SearchState(search_params()))


@bp.get("/analyze")
def analyze():
    from search.analyzer import analyze as run_analyze

    from webui.api import query_expansion

    text = request.args.get("text", "")
    if len(text) > MAX_ANALYZE_CHARS:
        return _error_page(400, "文章が長すぎます", f"{MAX_ANALYZE_CHARS:,} 文字までにしてください。")
    result = run_analyze(text) if text.strip() else None
    expansion = query_expansion(text) if text.strip() else []
    return render_template("analyze.html", text=text, result=result, expansion=expansion,
                           state=SearchState(search_params({})))


# ---------------------------------------------------------------------------
# Errors: JSON under /api, pages elsewhere


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _error_page(status, title, message, **extra):
    return render_template("error.html", status=status, title=title, message=message,
                           state=SearchState(search_params({})), **extra), status


def register_error_pages(app):
    from index.storage import IndexLocked, IndexUnusable
    from search.query import QuerySyntaxError
    from search.searcher import ArticleNotFound, BadRequest

    @app.errorhandler(QuerySyntaxError)
    @app.errorhandler(BadRequest)
    def bad_request(exc):
        if _is_api():
            return jsonify({"error": str(exc)}), 400
        params = search_params()
        return render_template("search.html", state=SearchState(params), result=None, error=str(exc),
                               facet_order=FACET_ORDER, months=[], page_numbers=[]), 400

    @app.errorhandler(ArticleNotFound)
    def not_found(exc):
        if _is_api():
            return jsonify({"error": str(exc)}), 404
        return _error_page(404, "記事が見つかりません", "削除されたか、ID が間違っているようです。")

    @app.errorhandler(IndexUnusable)
    @app.errorhandler(IndexLocked)
    def unavailable(exc):
        if _is_api():
            return jsonify({"error": str(exc)}), 503
        return _error_page(503, "検索索引を利用できません", str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if _is_api():
            return jsonify({"error": exc.description or exc.name}), exc.code
        titles = {404: "ページが見つかりません", 405: "この方法では開けません", 413: "リクエストが大きすぎます"}
        return _error_page(exc.code, titles.get(exc.code, exc.name), "トップページから検索してください。")

    @app.errorhandler(Exception)
    def server_error(exc):
        app.logger.exception("unexpected error on %s", request.path)
        if _is_api():
            return jsonify({"error": "internal error"}), 500
        return _error_page(500, "エラーが発生しました", "しばらくしてからもう一度お試しください。")
