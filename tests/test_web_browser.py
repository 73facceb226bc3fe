"""The web UI in a real browser: headless Chromium (Selenium) against the app
served by waitress on a free loopback port in a background thread.

A person's path: type a Japanese query, see highlighted hits, click a facet,
go to page 2, open an article and then a related one; completions while
typing; an article whose text holds <script> shows it as text and runs
nothing.  A screenshot of the results page goes to test-artifacts/results.png.

Chromium and chromedriver come from Debian (`apt-get install chromium
chromium-driver`).  When they or selenium are missing these tests fail, so CI
cannot pass without them; set SEARCH_SKIP_BROWSER=1 to skip them instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from test_web_api import SPORTS, XSS_ID, build_web_index

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("SEARCH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SEARCH_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 15  # seconds for any one thing to appear

if os.environ.get("SEARCH_SKIP_BROWSER") == "1":
    pytest.skip("browser tests skipped: SEARCH_SKIP_BROWSER=1", allow_module_level=True)


def _require_browser():
    problems = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        problems.append("the selenium package is not installed (pip install -e '.[test]')")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            problems.append(f"{path} not found (apt-get install {package})")
    if problems:
        pytest.fail("browser tests cannot run: " + "; ".join(problems)
                    + ". Set SEARCH_SKIP_BROWSER=1 to skip them.", pytrace=False)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    from webui import create_app
    from webui.server import make_server, run_until_closed

    app = create_app(build_web_index(tmp_path_factory.mktemp("browser")))
    server = make_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=run_until_closed, args=(server,), name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def driver():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--lang=ja",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit chromedriver: Selenium Manager never downloads anything.
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    d.set_page_load_timeout(WAIT)
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(d, condition, message=""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(d, WAIT).until(condition, message)


def visible(css):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    return EC.visibility_of_element_located((By.CSS_SELECTOR, css))


def find(d, css):
    from selenium.webdriver.common.by import By

    return d.find_element(By.CSS_SELECTOR, css)


def find_all(d, css):
    from selenium.webdriver.common.by import By

    return d.find_elements(By.CSS_SELECTOR, css)


def params(d) -> dict:
    return parse_qs(urlparse(d.current_url).query)


def console_errors(d) -> list:
    """Console errors (a CSP violation, a failed script) since the last call."""
    return [e for e in d.get_log("browser") if e["level"] == "SEVERE"]


def no_alert(d) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        _ = d.switch_to.alert  # raises when there is none
    except NoAlertPresentException:
        return True
    return False


def test_search_facet_page_article_related(driver, base_url):
    from selenium.webdriver.common.keys import Keys

    d = driver
    d.get(base_url + "/")
    box = wait_for(d, visible("#q"), "the search box")
    box.send_keys("サッカー 日本代表")
    box.send_keys(Keys.ENTER)

    # results with the engine's highlights
    wait_for(d, visible(".hit"), "results after typing a query")
    assert params(d)["q"] == ["サッカー 日本代表"]
    marks = [m.text for m in find_all(d, ".hit mark")]
    assert "サッカー" in marks and ("日本代表" in marks or "日本" in marks)
    assert f"{SPORTS} 件" in find(d, ".summary").text
    assert len(find_all(d, ".hit")) == 10

    ARTIFACTS.mkdir(exist_ok=True)
    assert d.save_screenshot(str(ARTIFACTS / "results.png"))
    assert console_errors(d) == []  # the CSP lets our own script and styles run

    # a facet click adds a filter chip with a remove link
    find(d, '.facet[data-facet="category"] a.facet-link').click()
    wait_for(d, visible(".chip"), "a filter chip after the facet click")
    assert params(d)["category"] == ["sports-watch"]
    chip = find(d, ".chip")
    assert "Sports Watch" in chip.text
    remove = find(d, ".chip .chip-remove").get_attribute("href")
    assert "category" not in parse_qs(urlparse(remove).query)

    # page 2 keeps the query and the filter
    find(d, '.pagination a[rel="next"]').click()
    wait_for(d, lambda d: params(d).get("page") == ["2"], "page 2")
    assert params(d)["category"] == ["sports-watch"] and params(d)["q"] == ["サッカー 日本代表"]
    hits = find_all(d, ".hit")
    assert len(hits) == SPORTS - 10
    assert find(d, ".pagination .current").text == "2"

    # an article, with the query marked in it
    title = find(d, ".hit-title a")
    title_text = title.text
    title.click()
    wait_for(d, visible("h1.article-title"), "the article page")
    assert find(d, "h1.article-title").text == title_text
    assert find_all(d, ".article-body mark")
    assert "年" in find(d, ".article-meta time").text

    # and a related article from there
    first_id = params(d)["id"][0]
    related = find(d, ".similar-list a")
    related_title = related.text
    related.click()
    wait_for(d, lambda d: params(d).get("id", [first_id])[0] != first_id, "the related article")
    assert find(d, "h1.article-title").text == related_title
    assert find_all(d, ".similar-list li")
    assert console_errors(d) == []


def test_completions_while_typing(driver, base_url):
    from selenium.webdriver.common.keys import Keys

    d = driver
    d.get(base_url + "/")
    box = wait_for(d, visible("#q"), "the search box")
    box.send_keys("香川")
    wait_for(d, visible("#suggestions li"), "completions for 香川")
    first = find(d, "#suggestions li")
    assert "香川真司" in first.text and "人物" in first.text
    box.send_keys(Keys.ARROW_DOWN)
    box.send_keys(Keys.ENTER)
    wait_for(d, visible(".hit"), "results for the chosen completion")
    assert params(d)["q"] == ["香川真司"]
    assert console_errors(d) == []


def test_script_in_article_is_text_and_never_runs(driver, base_url):
    d = driver
    d.get(f"{base_url}/article?id={XSS_ID}&q=サッカー")
    body = wait_for(d, visible(".article-body"), "the article body")
    assert "<script>window.__xss = 1; alert('xss')</script>" in body.text
    assert "<img src=x onerror=alert(2)>" in body.text
    assert find(d, "h1.article-title").text.startswith("<b>太字</b>のタイトル")
    assert find_all(d, ".article-body script, .article-body img, h1 b") == []
    assert no_alert(d)
    assert d.execute_script("return typeof window.__xss") == "undefined"
    assert find_all(d, 'a[href^="javascript:"]') == []
    # the same from the results list: the title and snippet are text too
    d.get(f"{base_url}/search?q=太字")
    wait_for(d, visible(".hit"), "the result")
    assert "<b>太字</b>" in find(d, ".hit-title").text
    assert no_alert(d) and d.execute_script("return typeof window.__xss") == "undefined"


def test_duplicate_group_expands_and_the_csv_link_downloads(driver, base_url, tmp_path):
    import csv
    import io

    d = driver
    d.get(f"{base_url}/search?q=台風")
    wait_for(d, visible(".hit"), "the result")
    assert len(find_all(d, ".hit")) == 1  # two copies of one wire story: one hit
    details = find(d, ".hit details.duplicates")
    summary = find(d, ".hit details.duplicates summary")
    assert summary.text == "類似記事 1 件"
    copy_link = find(d, ".hit details.duplicates li a")
    assert not copy_link.is_displayed()  # folded until asked
    summary.click()
    wait_for(d, lambda _: copy_link.is_displayed(), "the copy listed once the group is opened")
    assert details.get_attribute("open") is not None
    copy_link.click()
    wait_for(d, visible(".article-body"), "the copy's article page")
    assert "台風" in find(d, "h1.article-title").text
    assert "類似記事" in find(d, "section.copies").text  # and it lists its own copy

    # The CSV link: Chromium saves the file where it is told to.
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    d.get(f"{base_url}/search?q=サッカー&category=sports-watch")
    wait_for(d, visible("a.export-csv"), "the CSV link")
    find(d, "a.export-csv").click()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        done = [p for p in tmp_path.glob("news-search-*.csv")]
        if done:
            break
        time.sleep(0.2)
    assert done, f"no CSV downloaded into {tmp_path}: {list(tmp_path.iterdir())}"
    data = done[0].read_bytes()
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == SPORTS and {r["category"] for r in rows} == {"sports-watch"}
    assert find_all(d, 'link[rel="alternate"][type="application/atom+xml"]')
