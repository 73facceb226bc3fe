"""The web UI through Flask's test client: every API route and error path,
the pages, the security headers, and the suggestion library behind them.

The index is real (Sudachi, Whoosh on disk): a small JSON Lines corpus written
here, with known counts, plus one article full of HTML and a javascript: URL.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from search import Searcher, index_paths
from webui import CSP, create_app

SPORTS = 15  # sports-watch articles; all mention サッカー and 日本代表
KAGAWA = 8  # of them mention 香川真司 (the odd ones)
IT = 6
CARS = 4
XSS_ID = "xss-article"
# One wire story twice: the second a corrected copy under a new headline
# (index.dedup makes them one hit with 「類似記事 1 件」).
WIRE_BODY = ("気象庁によると、大型の台風12号は四日午後、紀伊半島の南の海上を北へ進んでいる。"
             "中心の気圧は九百五十ヘクトパスカル、最大風速は四十メートルで、五日朝には近畿地方に上陸するおそれがある。"
             "気象庁は土砂災害や河川の氾濫、高潮に厳重な警戒を呼びかけている。"
             "各地の鉄道会社は計画運休を検討しており、航空各社も欠航を決めた便がある。")
WIRE = [
    {"id": "wire-1", "url": "https://example.com/wire/1", "title": "台風12号、あす近畿に上陸のおそれ",
     "body": WIRE_BODY, "date": "2013-09-04T15:00:00+09:00", "tags": ["台風"], "category": "topic-news"},
    {"id": "wire-2", "url": "https://example.com/wire/2", "title": "【訂正】大型台風、近畿に上陸か",
     "body": WIRE_BODY.replace("九百五十", "九百四十五") + "（共同）", "date": "2013-09-04T18:00:00+09:00",
     "tags": ["台風"], "category": "topic-news"},
]
XSS_BODY = "本文に<script>window.__xss = 1; alert('xss')</script>と<img src=x onerror=alert(2)>が含まれるサッカーの記事。"


# One sentence of its own per article, so that no two of them are
# near-copies of one story (index.dedup collapses those into one hit).
OWN_SENTENCES = [
    "前半は風が強く、選手たちは長いボールを多用した。", "会場の周辺では朝から交通規制が敷かれていた。",
    "地元の子供たちが試合前に花束を贈った。", "降り続いた雨でピッチの状態は悪かった。",
    "スタンドには応援団の太鼓の音が響いた。", "試合後の記者会見は一時間近くに及んだ。",
    "新しく加わった若手が初めて先発に名を連ねた。", "審判の判定をめぐって一時騒然となる場面もあった。",
    "チームは前日に現地入りして調整を重ねていた。", "主将は終了間際の失点を悔やんだ。",
    "入場券は発売から数分で売り切れたという。", "けがから復帰した選手が後半に出場した。",
    "夜には気温が五度まで下がり、観客は毛布を持ち込んだ。", "テレビ中継の視聴率は二割を超えた。",
    "監督は交代の判断が遅れたと認めた。", "予約は公式サイトで受け付けている。",
    "価格は前の機種より一万円ほど高い。", "発売日には販売店の前に長い列ができた。",
    "電池の持ちが良くなったことが売りだ。", "画面は前の機種より一回り大きくなった。",
    "重さは百五十グラムを切った。",
]


def web_articles() -> list:
    """The test corpus: (article dicts) with known categories, dates, entities."""
    out = []
    for i in range(SPORTS):
        who = "香川真司" if i % 2 == 0 else "本田圭佑"
        where = "ロンドン" if i % 3 == 0 else "モスクワ"
        out.append({
            "id": f"sports-{i:02d}",
            "url": f"https://example.com/sports/{i}",
            "title": f"サッカー日本代表、{where}で親善試合 第{i + 1}報",
            "body": f"サッカー日本代表の{who}選手が{where}で行われた親善試合に出場した。"
                    f"試合は{i % 4 + 1}対{i % 3}で終わり、監督は次の試合に向けて練習を続けると話した。"
                    + OWN_SENTENCES[i],
            "date": f"2012-{i % 6 + 1:02d}-{i % 27 + 1:02d}T10:00:00+09:00",
            "tags": ["サッカー", "日本代表"],
            "category": "sports-watch",
            "author": "スポーツ部",
        })
    for i in range(IT):
        out.append({
            "id": f"it-{i:02d}",
            "url": f"https://example.com/it/{i}",
            "title": f"アップルが東京で新しいiPhoneを発表 その{i + 1}",
            "body": "アップルは東京で記者会見を開き、新しいスマートフォンのiPhoneを発表した。"
                    "スマートフォンの販売台数は増え続けている。" + OWN_SENTENCES[SPORTS + i],
            "date": f"2012-0{i % 3 + 7}-15T12:00:00+09:00",
            "tags": ["スマートフォン"],
            "category": "it-life-hack",
        })
    for i in range(CARS):
        out.append({
            "id": f"car-{i:02d}",
            "url": f"https://example.com/car/{i}",
            "title": f"トヨタ自動車が名古屋で新型車 {i + 1}",
            "body": "トヨタ自動車は名古屋で新型車を発表した。環境性能を高めたという。",
            "date": "2011-12-01T09:00:00+09:00",
            "tags": ["自動車"],
            "category": "topic-news",
        })
    out.append({
        "id": XSS_ID,
        "url": "javascript:alert(3)",
        "title": "<b>太字</b>のタイトル & \"引用\" <script>alert(4)</script>",
        "body": XSS_BODY,
        "date": "2012-03-03T03:03:00+09:00",
        "tags": ["<i>タグ</i>"],
        "category": "topic-news",
    })
    out.extend(WIRE)
    return out


def build_web_index(folder) -> str:
    """Write the corpus as JSON Lines under ``folder`` and index it there."""
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "articles.jsonl"
    src.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in web_articles()) + "\n", encoding="utf-8")
    index = folder / "index"
    summary = index_paths([src], index)
    assert summary.failed == 0 and summary.added == len(web_articles()), summary.problems
    return str(index)


@pytest.fixture(scope="module")
def web_index(tmp_path_factory):
    return build_web_index(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(web_index):
    app = create_app(web_index, {"TESTING": True})
    return app.test_client()


def get_json(client, url, status=200, **kwargs):
    r = client.get(url, **kwargs)
    assert r.status_code == status, (url, r.status_code, r.data[:300])
    assert r.mimetype == "application/json"
    return r.get_json()


# ---------------------------------------------------------------------------
# /api/search


def test_search_hits_highlight_and_facets(client):
    d = get_json(client, "/api/search?q=サッカー 日本代表")
    assert d["total"] == SPORTS and d["page"] == 1 and d["per_page"] == 10 and d["pages"] == 2
    assert len(d["hits"]) == 10 and isinstance(d["took_ms"], (int, float))
    hit = d["hits"][0]
    assert {"id", "url", "title", "title_html", "date", "date_ja", "category", "tags", "person",
            "place", "org", "score", "snippet"} <= set(hit)
    assert "<mark>" in hit["snippet"] and "<mark>" in hit["title_html"]
    assert hit["date_ja"].startswith("2012年")
    facets = d["facets"]
    assert {"value": "sports-watch", "count": SPORTS} in facets["category"]
    assert {"value": "香川真司", "count": KAGAWA} in facets["person"]
    assert sum(m["count"] for m in facets["month"]) == SPORTS
    assert d["sort"] == "relevance" and d["filters"] == {}


def test_search_paging_and_per_page(client):
    p1 = get_json(client, "/api/search?q=サッカー 日本代表&per_page=10")
    p2 = get_json(client, "/api/search?q=サッカー 日本代表&per_page=10&page=2")
    assert len(p2["hits"]) == SPORTS - 10 and p2["page"] == 2
    assert not {h["id"] for h in p1["hits"]} & {h["id"] for h in p2["hits"]}
    assert len(get_json(client, "/api/search?q=サッカー&per_page=3")["hits"]) == 3


def test_search_repeated_filters(client):
    d = get_json(client, "/api/search?q=サッカー&category=sports-watch&person=香川真司")
    assert d["total"] == KAGAWA
    assert d["filters"] == {"category": ["sports-watch"], "person": ["香川真司"]}
    # entities must all match; categories any of them
    assert get_json(client, "/api/search?person=香川真司&person=本田圭佑")["total"] == 0
    both = get_json(client, "/api/search?category=sports-watch&category=it-life-hack")["total"]
    assert both == SPORTS + IT
    assert get_json(client, "/api/search?tags=スマートフォン")["total"] == IT
    assert get_json(client, "/api/search?tag=スマートフォン")["total"] == IT  # alias
    assert get_json(client, "/api/search?place=ロンドン")["total"] == 5


def test_search_date_filters_and_sort(client):
    d = get_json(client, "/api/search?date_from=2012-07&date_to=2012-09&sort=date&per_page=100")
    assert d["total"] == IT
    dates = [h["date"] for h in d["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert get_json(client, "/api/search?date_to=2011-12")["total"] == CARS
    assert get_json(client, "/api/search?date_from=2011年12月1日&date_to=2011年12月1日")["total"] == CARS


def test_search_switches(client):
    d = get_json(client, "/api/search?q=サッカー&facets=0&snippets=0&recency=0")
    assert d["facets"] == {} and "snippet" not in d["hits"][0]
    assert d["total"] == SPORTS + 1  # the xss article mentions サッカー too


def test_relaxed_results_when_not_every_word_matches(client):
    # No article has both words: those with all but one are shown, saying
    # which word they lack.
    d = get_json(client, "/api/search?q=サッカー 南極")
    assert d["total"] == SPORTS + 1 and d["relaxed"] == ["南極"]
    assert all(hit["missing"] == ["南極"] for hit in d["hits"])
    assert "alternatives" not in d


def test_empty_result_offers_alternatives(client):
    d = get_json(client, "/api/search?q=南極")  # one word: nothing to relax
    assert d["total"] == 0 and d["hits"] == [] and "relaxed" not in d
    d = get_json(client, "/api/search?q=トヨタ自動車&category=sports-watch")
    assert d["total"] == 0 and d["alternatives"]["without_filters"] == CARS
    d = get_json(client, "/api/search?q=スマートフォソ")
    assert d["total"] == 0
    assert {"query": "スマートフォン", "total": IT, "replaced": "スマートフォソ", "by": "スマートフォン",
            "keeps_filters": True} in d["alternatives"]["did_you_mean"]
    # nothing with the filters, not even the query alone: counted without them
    d = get_json(client, "/api/search?q=サッカー 南極&category=it-life-hack")
    alt = d["alternatives"]
    assert alt["without_filters"] == 0
    assert alt["fewer_terms"][0] == {"query": "サッカー", "total": SPORTS + 1, "dropped": "南極", "keeps_filters": False}


@pytest.mark.parametrize(
    "query, needle",
    [
        ('q="サッカー', "quote"),
        ("q=(サッカー", "parenthesis"),
        ("q=date:2012-13", "date"),
        ("q=サッカー&page=0", "page"),
        ("q=サッカー&page=abc", "page"),
        ("q=サッカー&per_page=1000", "per_page"),
        ("q=サッカー&sort=popular", "sort"),
        ("date_from=2012-13", "date"),
        ("date_to=tomorrow", "date"),
        ("q=" + "あ" * 1001, "limit"),
    ],
)
def test_search_bad_parameters_are_400(client, query, needle):
    d = get_json(client, "/api/search?" + query, status=400)
    assert set(d) == {"error"} and needle in d["error"]


# ---------------------------------------------------------------------------
# /api/suggest


def test_suggest_entities_and_words(client):
    d = get_json(client, "/api/suggest?q=香川")
    assert d["query"] == "香川"
    first = d["suggestions"][0]
    assert first == {"text": "香川真司", "kind": "person", "count": KAGAWA, "query": "香川真司"}
    kinds = {s["kind"] for s in get_json(client, "/api/suggest?q=ス")["suggestions"]}
    assert "tags" in kinds  # スマートフォン
    cat = get_json(client, "/api/suggest?q=sports")["suggestions"][0]
    assert cat["kind"] == "category" and cat["query"] == "category:sports-watch"
    # hiragana completes katakana; a word in lower case shows as written
    assert get_json(client, "/api/suggest?q=もすく")["suggestions"][0]["text"] == "モスクワ"
    assert any(s["text"] == "iPhone" for s in get_json(client, "/api/suggest?q=iph")["suggestions"])
    assert get_json(client, "/api/suggest?q=")["suggestions"] == []
    assert get_json(client, "/api/suggest")["suggestions"] == []
    assert len(get_json(client, "/api/suggest?q=サ&limit=1")["suggestions"]) == 1


@pytest.mark.parametrize("query", ["q=香川&limit=0", "q=香川&limit=abc", "q=香川&limit=500", "q=" + "あ" * 101])
def test_suggest_bad_parameters_are_400(client, query):
    assert "error" in get_json(client, "/api/suggest?" + query, status=400)


# ---------------------------------------------------------------------------
# /api/articles/<id>, /api/articles/<id>/similar


def test_article(client):
    d = get_json(client, "/api/articles/sports-00")
    assert d["id"] == "sports-00" and d["title"].startswith("サッカー日本代表")
    assert d["date"].startswith("2012-01-01T10:00:00") and d["date_ja"] == "2012年1月1日"
    assert "香川真司" in d["person"] and d["category"] == "sports-watch"
    assert "body_html" not in d
    marked = get_json(client, "/api/articles/sports-00?q=親善試合")
    assert "<mark>" in marked["body_html"] and "<mark>" in marked["title_html"]


def test_article_html_is_escaped(client):
    d = get_json(client, f"/api/articles/{quote(XSS_ID, safe='')}?q=サッカー")
    assert d["body"] == XSS_BODY  # the text as written
    assert "<script>" not in d["body_html"] and "&lt;script&gt;" in d["body_html"]
    assert "<img" not in d["body_html"] and "<mark>サッカー</mark>" in d["body_html"]


def test_article_errors(client):
    assert get_json(client, "/api/articles/no-such-article", status=404) == {
        "error": "no article with id 'no-such-article'"}
    get_json(client, "/api/articles/", status=404)
    assert "quote" in get_json(client, '/api/articles/sports-00?q="abc', status=400)["error"]


def test_similar(client):
    d = get_json(client, "/api/articles/sports-00/similar?limit=5")
    assert d["id"] == "sports-00" and 1 <= len(d["hits"]) <= 5
    assert "sports-00" not in {h["id"] for h in d["hits"]}
    assert d["hits"][0]["category"] == "sports-watch"
    get_json(client, "/api/articles/nope/similar", status=404)
    get_json(client, "/api/articles/sports-00/similar?limit=0", status=400)
    get_json(client, "/api/articles/sports-00/similar?limit=x", status=400)


# ---------------------------------------------------------------------------
# /api/stats, /api/analyze, /api/health, unknown routes


def test_stats_and_health(client):
    d = get_json(client, "/api/stats")
    assert d["documents"] == len(web_articles())
    assert {"value": "sports-watch", "count": SPORTS} in d["categories"]
    assert get_json(client, "/api/health") == {"status": "ok", "documents": len(web_articles())}


def test_analyze(client):
    d = get_json(client, "/api/analyze?text=香川真司がロンドンで会見")
    assert {"text": "香川真司", "type": "person", "start": 0, "end": 4} in d["entities"]
    assert any(t["surface"] == "ロンドン" and t["indexed"] for t in d["tokens"])
    r = client.post("/api/analyze", json={"text": "東京都庁"})
    assert r.status_code == 200 and r.get_json()["text"] == "東京都庁"
    assert get_json(client, "/api/analyze?text=")["tokens"] == []


def test_analyze_errors(client):
    assert "text" in get_json(client, "/api/analyze", status=400)["error"]
    r = client.post("/api/analyze", data="not json", content_type="application/json")
    assert r.status_code == 400 and "error" in r.get_json()
    r = client.post("/api/analyze", json={"text": 5})
    assert r.status_code == 400
    assert "limit" in get_json(client, "/api/analyze?text=" + "あ" * 10_001, status=400)["error"]


def test_unknown_route_and_method_are_json(client):
    assert "error" in get_json(client, "/api/nothing-here", status=404)
    r = client.post("/api/search", data={"q": "x"})
    assert r.status_code == 405 and "error" in r.get_json()


def test_missing_index_is_503(tmp_path):
    c = create_app(tmp_path / "no-index", {"TESTING": True}).test_client()
    for url in ("/api/search?q=x", "/api/stats", "/api/suggest?q=x", "/api/articles/x", "/api/health"):
        d = get_json(c, url, status=503)
        assert "no index" in d["error"]
    r = c.get("/search?q=x")
    assert r.status_code == 503 and "検索索引を利用できません" in r.get_data(as_text=True)


def test_server_sees_new_commits(tmp_path):
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "one", "title": "最初の記事", "body": "囲碁の名人戦が始まった。",
                               "date": "2012-01-01"}, ensure_ascii=False) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    c = create_app(index, {"TESTING": True}).test_client()
    get_json(c, "/api/search?q=囲碁", status=503)  # not built yet
    index_paths([src], index)
    assert get_json(c, "/api/search?q=囲碁")["total"] == 1
    src2 = tmp_path / "b.jsonl"
    src2.write_text(json.dumps({"id": "two", "title": "将棋の竜王戦", "body": "囲碁と将棋。", "date": "2012-01-02"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    index_paths([src2], index)
    assert get_json(c, "/api/search?q=囲碁")["total"] == 2
    assert get_json(c, "/api/suggest?q=将")["suggestions"][0]["text"] == "将棋"


# ---------------------------------------------------------------------------
# Headers


def test_security_headers_everywhere(client):
    for url in ("/", "/search?q=サッカー", "/api/search?q=サッカー", "/api/nope", "/static/app.js", "/nope"):
        r = client.get(url)
        assert r.headers["Content-Security-Policy"] == CSP, url
        assert r.headers["X-Content-Type-Options"] == "nosniff", url
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    r = client.get("/static/app.js")
    assert r.status_code == 200 and r.mimetype in ("text/javascript", "application/javascript")
    assert client.get("/static/style.css").mimetype == "text/css"


# ---------------------------------------------------------------------------
# Pages


def test_home_page(client):
    r = client.get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert '<html lang="ja">' in html and "Sports Watch" in html and "香川真司" in html
    assert f"{len(web_articles())} 件の記事" in html
    assert "<script>" not in html and 'src="/static/app.js"' in html  # no inline script


def test_results_page_state_in_url(client):
    r = client.get("/search?q=サッカー 日本代表&category=sports-watch&sort=date&per_page=10")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<mark>" in html and f"{SPORTS} 件" in html
    # the chip removes its filter and keeps the rest of the state
    assert ('href="/search?q=%E3%82%B5%E3%83%83%E3%82%AB%E3%83%BC+%E6%97%A5%E6%9C%AC%E4%BB%A3%E8%A1%A8'
            '&amp;sort=date"') in html
    # a facet link adds a filter; the month histogram sets both date ends
    assert "person=%E9%A6%99%E5%B7%9D%E7%9C%9F%E5%8F%B8" in html
    assert "date_from=2012-01&amp;date_to=2012-01" in html
    # the next page keeps query, filters and sort
    assert "category=sports-watch&amp;sort=date&amp;page=2" in html
    assert "2012年" in html and "日本代表" in html
    assert "<script>" not in html


def test_results_page_chips_and_dates(client):
    html = client.get("/search?q=サッカー&person=香川真司&date_from=2012-01&date_to=2012-03").get_data(as_text=True)
    assert "香川真司" in html and "2012年1月から" in html and "2012年3月まで" in html
    assert html.count('class="chip-remove"') == 3
    html = client.get("/search?date_from=2012-02&date_to=2012-02").get_data(as_text=True)
    assert "2012年2月" in html and html.count('class="chip-remove"') == 1


def test_results_page_escapes_the_query_and_articles(client):
    html = client.get('/search?q=<script>alert(1)</script> サッカー').get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    html = client.get("/search?q=太字").get_data(as_text=True)
    assert "<b>太字</b>" not in html and "&lt;b&gt;" in html
    assert "<script>alert(4)" not in html and "<i>タグ</i>" not in html


def test_empty_results_page(client):
    html = client.get("/search?q=サッカー 南極").get_data(as_text=True)
    assert "すべての語を含む記事はありません。「<strong>南極</strong>」を含まない結果を表示しています。" in html
    assert html.count('<p class="missing">「<s>南極</s>」を含まない</p>') == 10
    html = client.get("/search?q=スマートフォソ").get_data(as_text=True)
    assert "もしかして" in html and "スマートフォン" in html
    html = client.get("/search?q=サッカー 南極&category=it-life-hack").get_data(as_text=True)
    assert "絞り込みなしで" in html and 'href="/search?q=%E3%82%B5%E3%83%83%E3%82%AB%E3%83%BC"' in html


def test_bad_query_page_is_400_with_message(client):
    r = client.get('/search?q="サッカー')
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "検索できませんでした" in html and "quote" in html
    assert r.headers["Content-Security-Policy"] == CSP
    assert client.get("/search?q=サッカー&page=-1").status_code == 400


def test_article_page(client):
    r = client.get("/article?id=sports-00&q=親善試合")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<mark>親善試合</mark>" in html or "<mark>親善</mark>" in html
    assert "2012年1月1日" in html and "関連記事" in html
    assert '/article?id=sports-' in html  # related articles link to their pages
    assert 'href="https://example.com/sports/0"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "/search?person=%E9%A6%99%E5%B7%9D%E7%9C%9F%E5%8F%B8" in html


def test_article_page_shows_html_as_text(client):
    for url in (f"/article?id={XSS_ID}", f"/article?id={XSS_ID}&q=サッカー"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>window.__xss" not in html and "&lt;script&gt;window.__xss" in html
        assert "<img src=x" not in html and "<b>太字</b>" not in html
        assert "javascript:alert(3)" not in html  # not a link, not shown as one


def test_article_page_errors(client):
    r = client.get("/article?id=no-such-article")
    assert r.status_code == 404 and "記事が見つかりません" in r.get_data(as_text=True)
    assert client.get("/article").status_code == 400
    r = client.get('/article?id=sports-00&q="unclosed')  # shown, without highlights
    assert r.status_code == 200 and "<mark>" not in r.get_data(as_text=True)
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "ページが見つかりません" in r.get_data(as_text=True)


def test_analyze_page(client):
    html = client.get("/analyze?text=香川真司がロンドンで会見").get_data(as_text=True)
    assert "香川真司" in html and "ロンドン" in html and "人物" in html
    assert client.get("/analyze").status_code == 200
    assert client.get("/analyze?text=" + "あ" * 10_001).status_code == 400


# ---------------------------------------------------------------------------
# The library behind the suggestions


def test_suggest_library(web_index):
    from search.suggest import alternatives, did_you_mean, fewer_terms, suggest

    with Searcher(web_index) as s:
        names = [x["text"] for x in suggest(s, "本田")]
        assert names[0] == "本田圭佑"
        assert suggest(s, "   ") == []
        assert fewer_terms(s, "サッカー日本代表南極")[0]["dropped"] == "南極"
        assert fewer_terms(s, "サッカー OR 南極") == []  # not for OR queries
        assert did_you_mean(s, "モスクウ")[0]["query"] == "モスクワ"
        alt = alternatives(s, "トヨタ自動車", {"category": ["sports-watch"], "tags": []})
        assert alt["without_filters"] == CARS


# ---------------------------------------------------------------------------
# The server entry point


def test_serve_refuses_debugger_off_loopback(web_index):
    from webui.server import is_loopback, serve

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.com")
    with pytest.raises(SystemExit, match="debug"):
        serve(web_index, host="0.0.0.0", port=0, debug=True)


def test_make_server_serves_over_http(web_index):
    import threading
    import urllib.request

    from webui.server import make_server, run_until_closed

    server = make_server(index_dir=web_index, host="127.0.0.1", port=0)
    thread = threading.Thread(target=run_until_closed, args=(server,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}/api/search?q=%E3%82%B5%E3%83%83%E3%82%AB%E3%83%BC"
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
            assert json.loads(r.read())["total"] == SPORTS + 1
        # waitress's worker threads share one Searcher: requests side by side
        base = f"http://127.0.0.1:{server.effective_port}"
        paths = ["/api/search?q=%E3%82%B5%E3%83%83%E3%82%AB%E3%83%BC&page=2&per_page=5",
                 "/api/suggest?q=%E9%A6%99", "/api/articles/sports-01/similar", "/search?q=%E6%9D%B1%E4%BA%AC",
                 "/api/search?q=%E5%8D%97%E6%A5%B5"]
        failures = []

        def worker():
            for i in range(10):
                try:
                    with urllib.request.urlopen(base + paths[i % len(paths)], timeout=20) as r:
                        assert r.status == 200
                except Exception as exc:  # noqa: BLE001 - collected and reported below
                    failures.append(repr(exc))

        workers = [threading.Thread(target=worker) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)
        assert failures == []
    finally:
        server.close()
        thread.join(timeout=5)


def test_article_ids_with_slashes(sample_index):
    """Ids are URLs or paths; percent-encoded, they reach the article routes whole."""
    app = create_app(sample_index)
    client = app.test_client()
    article_id = Searcher(sample_index).search("").hits[0]["id"]
    assert "/" in article_id
    d = get_json(client, "/api/articles/" + quote(article_id, safe="") + "?q=習近平")
    assert d["id"] == article_id and "<mark>習近平</mark>" in d["body_html"]
    similar = get_json(client, "/api/articles/" + quote(article_id, safe="") + "/similar")
    assert similar["id"] == article_id and similar["hits"] == []


# ---------------------------------------------------------------------------
# Near-copies, feeds and exports (issue 15)


def test_near_copies_are_one_hit_with_their_duplicates(client):
    d = get_json(client, "/api/search?q=台風")
    assert d["collapsed"] and d["total"] == 1 and d["total_articles"] == 2
    [hit] = d["hits"]
    other = "wire-2" if hit["id"] == "wire-1" else "wire-1"
    assert hit["duplicates"] == [other] and hit["copies"][0]["id"] == other
    every = get_json(client, "/api/search?q=台風&collapse=0")
    assert not every["collapsed"] and every["total"] == every["total_articles"] == 2
    assert all("duplicates" not in h for h in every["hits"])
    html = client.get("/search?q=台風").get_data(as_text=True)
    assert "類似記事 1 件" in html and "<details class=\"duplicates\">" in html
    assert "collapse=0" in html  # a link that shows every copy
    page = client.get("/article?id=wire-1").get_data(as_text=True)
    assert "類似記事" in page and "article?id=wire-2" in page
    assert get_json(client, "/api/articles/wire-2")["copies"][0]["id"] == "wire-1"


def test_results_page_links_its_feed_and_csv(client):
    html = client.get("/search?q=サッカー&category=sports-watch").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/atom+xml"' in html
            and 'href="/feed?q=%E3%82%B5%E3%83%83%E3%82%AB%E3%83%BC&amp;category=sports-watch"' in html)
    assert 'href="/export.csv?q=%E3%82%B5%E3%83%83%E3%82%AB%E3%83%BC&amp;category=sports-watch"' in html
    assert "CSV でダウンロード" in html


def test_feed_of_a_search_is_valid_atom(client):
    import feedparser

    r = client.get("/feed?q=サッカー&category=sports-watch")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = feedparser.parse(r.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and "サッカー" in feed.feed.title
    assert len(feed.entries) == SPORTS
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert {e.link for e in feed.entries} == {f"https://example.com/sports/{i}" for i in range(SPORTS)}
    assert all(e.summary for e in feed.entries)
    # An article without a web address links to its page on this site.
    raw = client.get("/feed?q=太字").data
    xss = feedparser.parse(raw).entries[0]
    assert xss.link == "http://localhost/article?id=xss-article"
    assert "<script>" in xss.summary and b"<script>" not in raw  # text, escaped in the XML
    assert client.get('/feed?q="サッカー').status_code == 400


def test_feed_of_a_saved_search(client, web_index):
    import feedparser

    from search.alerts import add, remove

    add(web_index, "台風速報", "台風", {"category": ["topic-news"]})
    try:
        feed = feedparser.parse(client.get("/feed?alert=台風速報").data)
        assert not feed.bozo and "台風速報" in feed.feed.title
        assert [e.link for e in feed.entries] in (["https://example.com/wire/2"], ["https://example.com/wire/1"])
    finally:
        remove(web_index, "台風速報")
    assert client.get("/feed?alert=台風速報").status_code == 404


def test_csv_export_with_provenance(client):
    import csv
    import io

    r = client.get("/export.csv?q=サッカー&sort=date")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="news-search-')
    assert r.data.startswith("\ufeff".encode("utf-8"))  # a BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"), newline="")))
    assert len(rows) == SPORTS + 1 and [int(row["rank"]) for row in rows] == list(range(1, SPORTS + 2))
    assert {row["query"] for row in rows} == {"サッカー"} and rows[0]["sort"] == "date"
    assert rows[0]["total_hits"] == str(SPORTS + 1) and rows[0]["index_documents"] == str(len(web_articles()))
    assert json.loads(rows[0]["index_versions"])["schema_version"] >= 7
    xss = next(row for row in rows if row["id"] == XSS_ID)
    assert xss["title"].startswith("<b>太字</b>")  # data, as written: a CSV is not a page
    assert client.get("/export.csv?q=サッカー&limit=5000").status_code == 400
