"""Vocabulary (issue 8) on the web: the JSON API and the pages through
Flask's test client, and the search box in headless Chromium typing through
an input-method composition.  Real indexes, real Sudachi."""

from __future__ import annotations

import os
import threading
import time

import pytest

from test_vocabulary import NEW_NAME, NEW_PARTY, userdict_index, vocab_index  # noqa: F401 (fixture)
from webui import create_app

SKIP_BROWSER = os.environ.get("SEARCH_SKIP_BROWSER") == "1"
if not SKIP_BROWSER:
    # the same headless Chromium and helpers as the other browser tests
    from test_web_browser import driver, find, find_all, visible, wait_for  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def client(vocab_index):
    return create_app(str(vocab_index), {"TESTING": True}).test_client()


def get_json(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.data[:300])
    return r.get_json()


def hit_ids(data) -> list:
    return [h["id"] for h in data["hits"]]


# ---------------------------------------------------------------------------
# Synonyms


def test_api_search_expands_synonyms_unless_asked_not_to(client):
    d = get_json(client, "/api/search?q=日銀&per_page=20")
    assert set(hit_ids(d)) == {"boj-abbr-1", "boj-abbr-2", "boj-abbr-3", "boj-full"}
    assert hit_ids(d)[-1] == "boj-full"
    assert "<mark>日本銀行</mark>" in d["hits"][-1]["snippet"]
    assert "boj-full" not in hit_ids(get_json(client, "/api/search?q=日銀&per_page=20&synonyms=0"))
    # the article page marks the form the article used, too
    assert "<mark>日本銀行</mark>総裁" in get_json(client, "/api/articles/boj-full?q=日銀")["body_html"]
    assert "<mark>日本銀行</mark>総裁" in client.get("/article?id=boj-full&q=日銀").get_data(as_text=True)


def test_api_synonyms(client):
    assert get_json(client, "/api/synonyms?term=国連")["forms"] == ["国連", "国際連合"]
    assert get_json(client, "/api/synonyms?term=猫")["forms"] == []
    assert "term" in get_json(client, "/api/synonyms", status=400)["error"]


def test_user_synonym_file_in_the_app(vocab_index, tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("ひふみん, 加藤一二三\n", encoding="utf-8")
    app = create_app(str(vocab_index), {"TESTING": True, "SYNONYMS": str(path)})
    assert hit_ids(get_json(app.test_client(), "/api/search?q=ひふみん")) == ["hifumin"]


def test_api_analyze_says_how_a_query_expands(client):
    d = get_json(client, "/api/analyze?text=日銀総裁 いんふるえんざ 二十五人")
    kinds = {(x["kind"], x["text"]): x["forms"] for x in d["expansion"]}
    assert kinds[("synonym", "日銀")] == ["日本銀行"]
    assert kinds[("kana", "いんふるえんざ")] == ["インフルエンザ"]
    assert kinds[("number", "二十五")] == ["25"]
    assert d["tokens"] and "entities" in d
    # any text may be analysed; one that is no valid query just has no expansion
    assert get_json(client, '/api/analyze?text="閉じていない')["expansion"] == []


def test_analyze_page_shows_the_expansion_escaped(client):
    r = client.get("/analyze?text=五輪 date:平成24年 <script>alert(1)</script>")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "検索での展開" in page
    assert "<td>五輪</td><td>同義語</td><td>オリンピック</td>" in page
    assert "<td>date:平成24年</td><td>日付</td><td>2012年1月1日〜2012年12月31日</td>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# ---------------------------------------------------------------------------
# Dates


def test_dates_shown_in_seireki_with_wareki_beside(client):
    page = client.get("/search?q=date:H24.9.4").get_data(as_text=True)
    assert "<time datetime=\"2012-09-04T10:00:00+09:00\">2012年9月4日</time>" in page
    assert "<span class=\"wareki\">（平成24年9月4日）</span>" in page
    article = get_json(client, "/api/articles/boj-abbr-1")
    assert article["date_ja"] == "2012年9月4日" and article["date_wareki"] == "平成24年9月4日"
    page = client.get("/article?id=showa-last").get_data(as_text=True)
    assert "1989年1月7日</time><span class=\"wareki\">（昭和64年1月7日）</span>" in page


def test_era_date_filters_and_their_errors(client):
    assert hit_ids(get_json(client, "/api/search?date_from=平成元年&date_to=平成元年")) == ["heisei-first"]
    assert hit_ids(get_json(client, "/api/search?q=date:昭和64年")) == ["showa-last"]
    err = get_json(client, "/api/search?q=date:平成元年1月7日", status=400)["error"]
    assert "平成 began on 1989-01-08" in err
    r = client.get("/search?date_from=令和元年4月")
    assert r.status_code == 400 and "令和 began on 2019-05-01" in r.get_data(as_text=True)


# ---------------------------------------------------------------------------
# The user dictionary: requests analyse with the index's words


def test_requests_use_the_index_dictionary(tmp_path_factory):
    built = userdict_index(tmp_path_factory)
    client = create_app(str(built["index"]), {"TESTING": True}).test_client()
    d = get_json(client, f"/api/analyze?text={NEW_NAME}コンサート")
    assert [t["surface"] for t in d["tokens"]][:1] == [NEW_NAME]
    assert {"text": NEW_NAME, "type": "person", "start": 0, "end": len(NEW_NAME)} in d["entities"]
    d = get_json(client, f"/api/analyze?text=新党{NEW_PARTY}グループ")
    assert any(e["text"] == NEW_PARTY and e["type"] == "org" for e in d["entities"])
    d = get_json(client, f"/api/search?q={NEW_NAME}")
    assert d["total"] == 2 and all(NEW_NAME in h["person"] for h in d["hits"])
    assert {"value": NEW_NAME, "count": 2} in d["facets"]["person"]


# ---------------------------------------------------------------------------
# Completions and input-method composition, in a real browser


@pytest.fixture(scope="module")
def recording_server(vocab_index):
    """The app over the vocabulary index on a free loopback port, recording
    every /api/suggest request it receives (time, q)."""
    from flask import request

    from webui.server import make_server, run_until_closed

    app = create_app(str(vocab_index))
    suggest_requests = []

    @app.before_request
    def record():
        if request.path == "/api/suggest":
            suggest_requests.append((time.monotonic(), request.args.get("q", "")))

    server = make_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=run_until_closed, args=(server,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", suggest_requests
    server.close()
    thread.join(timeout=5)


@pytest.mark.skipif(SKIP_BROWSER, reason="browser tests skipped: SEARCH_SKIP_BROWSER=1")
def test_no_suggestions_while_composing(driver, recording_server):  # noqa: F811 (fixture)
    base_url, suggest_requests = recording_server
    d = driver
    d.get(base_url + "/")
    box = wait_for(d, visible("#q"), "the search box")
    box.click()
    # An input method composing かとう before converting it: each step sets
    # the composition text (input events with isComposing), slower than the
    # box's 120 ms debounce, so an unguarded box would ask at every step.
    for text in ("か", "かと", "かとう"):
        d.execute_cdp_cmd("Input.imeSetComposition",
                          {"text": text, "selectionStart": len(text), "selectionEnd": len(text)})
        time.sleep(0.4)
    assert d.execute_script("return document.getElementById('q').value") == "かとう"
    assert suggest_requests == [], "a completion request was sent mid-composition"
    assert find(d, "#suggestions").get_attribute("hidden") is not None
    # Converting and committing ends the composition: now it asks, once.
    committed = time.monotonic()
    d.execute_cdp_cmd("Input.insertText", {"text": "加藤"})
    wait_for(d, visible("#suggestions li"), "completions after the composition ended")
    assert [q for _, q in suggest_requests] == ["加藤"]
    assert suggest_requests[0][0] >= committed
    assert any("加藤一二三" in li.text for li in find_all(d, "#suggestions li"))
