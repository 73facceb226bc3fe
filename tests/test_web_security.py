"""50 XSS payloads, placed in every article field and in every query
parameter, render as text on every page; the JSON API never serves HTML.

Each page is parsed with the standard library's HTML parser and checked two
ways: it holds no element or attribute the same page does not hold for a
harmless value (so no injected <script>, <img onerror>, <iframe> ...) and no
javascript:/data:/vbscript: URL; and the payload is found intact in the
page's text or in an attribute value, i.e. it was shown, not interpreted.
Real index (Sudachi, Whoosh on disk), the real server (`search serve` on a
loopback port, requests over HTTP).
"""

from __future__ import annotations

import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from search import index_paths

sys.path.insert(0, os.path.dirname(__file__))
from live_server import serving  # noqa: E402

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><img src=x onerror=alert(document.cookie)>',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img src="x" onerror="&#97;lert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\">",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<b onclick=alert(1)>太字</b>",
    "<div style=\"background:url(javascript:alert(1))\">",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "</mark><script>alert(1)</script><mark>",
    "<mark>偽のハイライト</mark>",
    "<style>@import'//evil.example/x.css';</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="//evil.example/">',
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>送信</button></form>',
    '<a href="javascript:alert(1)">リンク</a>',
    '<a href="&#106;avascript:alert(1)">リンク</a>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "javascript&colon;alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "` onmouseover=alert(1)",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "{{7*7}}{% raw %}${alert(1)}",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "＜script＞alert(1)＜/script＞",
    '東京<script>alert("東京")</script>',
]
assert len(PAYLOADS) == 50 and len(set(PAYLOADS)) == 50

DANGEROUS_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}
TEMPLATES = Path(__file__).resolve().parents[1] / "webui" / "templates"
# Every element the pages may hold: those the templates write, and <mark>,
# which the engine's highlighted snippets add.  An injected payload would
# bring others (script without /static/ src, img, svg, iframe, style ...).
ALLOWED_TAGS = {
    tag.lower() for template in TEMPLATES.glob("*.html")
    for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", template.read_text(encoding="utf-8"))
} | {"mark"}


class _Page(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.texts = []
        self.values = []
        self.in_head = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is no element of the pages")
        if tag == "script" and not (dict(attrs).get("src") or "").startswith("/static/"):
            self.problems.append(f"<script> not from /static/: {attrs}")
        if tag in ("meta", "link", "base", "title") and not self.in_head:
            self.problems.append(f"<{tag}> outside <head>")
        for name, value in attrs:
            value = value or ""
            self.values.append(value)
            if name.startswith("on") or name in ("style", "http-equiv", "srcdoc", "formaction"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and DANGEROUS_SCHEME.match(re.sub(r"[\x00-\x20]", "", value)):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False

    def handle_data(self, data):
        self.texts.append(data)


def assert_inert(html: str, payload: str, where: str):
    page = _Page(html)
    assert not page.problems, f"{where}: {page.problems}"
    # Shown, not interpreted: the payload is in the text or an attribute
    # value (the search box) character for character.
    shown = "".join(page.texts)
    assert payload in shown or any(payload in value for value in page.values), f"{where}: payload not shown as text"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss")
    records = [{
        "id": "benign", "url": "https://example.com/benign", "title": "東京 普通の記事",
        "body": "東京の記事。普通の本文です。", "tags": ["普通"], "category": "news", "author": "記者",
        "related": ["関連"], "source": "wire", "date": "2012-05-01T10:00:00+09:00",
    }]
    for i, payload in enumerate(PAYLOADS):
        records.append({
            # Half the ids are the payload itself: ids end up in links.
            "id": payload if i % 2 == 0 else f"xss-{i}",
            "url": payload, "title": f"東京 {payload}", "body": f"東京の記事。{payload}。本文の続き。",
            "tags": [payload], "category": payload, "author": payload, "related": [payload], "source": payload,
            "date": f"2012-{i % 12 + 1:02d}-01T10:00:00+09:00",
        })
    src = folder / "xss.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    summary = index_paths([src], folder / "ix")
    assert (summary.added, summary.failed) == (51, 0), summary.problems
    with serving(folder / "ix") as client:  # the real `search serve`, over HTTP
        yield client


def _get(client, path, **params):
    response = client.get(path, query_string=params)
    assert response.status_code in (200, 400, 404), (path, params, response.status_code)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def article_id(i):
    return PAYLOADS[i] if i % 2 == 0 else f"xss-{i}"


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_payload_renders_as_text_everywhere(client, i):
    payload = PAYLOADS[i]
    pages = [
        (_get(client, "/search", q=payload), "query echoed on the results page"),
        (_get(client, "/search", q="東京", tags=payload, category=payload, person=payload, date_from=payload),
         "filters shown as chips"),
        (_get(client, "/search", q=f"title:{payload}"), "field query"),
        (_get(client, "/article", id=article_id(i), q=payload), "every field on the article page"),
        (_get(client, "/analyze", text=payload), "analysed text"),
    ]
    for html, where in pages:
        assert_inert(html, payload, f"payload {i} {payload!r}, {where}")


def test_every_payload_in_one_results_page_and_facets(client):
    # All 51 articles on one page: titles, snippets, tags, categories, and
    # the facet lists built from them.
    html = _get(client, "/search", q="東京", per_page=100)
    for payload in PAYLOADS:
        assert_inert(html, payload, f"results listing {payload!r}")
    home = _Page(_get(client, "/"))  # facet counts of the whole index
    assert not home.problems, home.problems


def test_api_answers_json_never_html(client):
    for payload in PAYLOADS[:10]:
        for path, params in [("/api/search", {"q": payload}), ("/api/suggest", {"q": payload}),
                             ("/api/analyze", {"text": payload}), ("/api/search", {"q": '"', "tags": payload})]:
            response = client.get(path, query_string=params)
            assert response.mimetype == "application/json", (path, params)
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "Content-Security-Policy" in response.headers
    response = client.get("/api/articles/xss-1")
    assert response.mimetype == "application/json"
    assert response.get_json()["title"] == f"東京 {PAYLOADS[1]}"  # stored and served as written


def test_csp_forbids_inline_script(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp


def test_the_check_catches_a_payload_rendered_raw():
    """The checker itself: every payload that is HTML, pasted into a page
    unescaped, is caught (an injected element or attribute, or the payload
    missing from the text because the parser took it as markup)."""
    caught = 0
    for payload in PAYLOADS:
        if not re.search(r"<[a-zA-Z!/]", payload):
            continue  # dangerous only inside attributes or URLs; escaping is checked above
        page = f"<html><head><title>t</title></head><body><p>{payload}</p></body></html>"
        with pytest.raises(AssertionError):
            assert_inert(page, payload, "raw")
        caught += 1
    assert caught >= 35
