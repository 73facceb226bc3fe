#!/usr/bin/env python
"""The entity facets of the home page and of a results page, checked and
photographed, on a real index (the full livedoor index for the README's
figures).

    python bench/entity_facets.py --index DIR [--query "サッカー 日本代表"] [--top 20]

For each entity type, the top names of the whole index (the home page's
chips, from `search stats`) and of the query's results are checked for two
names of one entity (one name's key is the other's, or one is a short form
— a surname, a given name — of another) and for names the entity view takes
for a publisher's boilerplate.  Then `search serve` is started on a free
loopback port and headless Chromium saves test-artifacts/home.png and
test-artifacts/facets.png.  Exit code 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

ARTIFACTS = REPO / "test-artifacts"
TYPES = ("person", "place", "org")


def duplicates(names) -> list:
    """Pairs of names that look like one entity."""
    from index.entities.canonical import canonical_key

    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ka, kb = canonical_key(a), canonical_key(b)
            short, full = sorted((ka, kb), key=len)
            if ka == kb or (len(short) >= 2 and len(full) > len(short) and (full.startswith(short) or full.endswith(short))):
                out.append((a, b))
    return out


def check(searcher, query, top) -> list:
    problems = []
    stats = searcher.stats(top=top)
    result = searcher.search(query, per_page=10, facets=True)
    s = searcher._whoosh()
    gen = searcher._generation(s)
    view = gen.entities(s.reader(), searcher.aliases)
    mostly = _mostly_boilerplate(view, gen.values(s.reader()))
    for where, facets in (("home", stats), (f"results of {query!r}", result.facets)):
        for typ in TYPES:
            names = [f["value"] for f in facets[typ]][:top]
            print(f"{where:>28} {typ:<6} " + ", ".join(f"{f['value']} {f['count']}" for f in facets[typ][:top]))
            for a, b in duplicates(names):
                problems.append(f"{where}: {typ} {a!r} and {b!r} look like one entity")
            for name in names:
                if (typ, name) in mostly:
                    problems.append(f"{where}: {typ} {name!r} is mostly a publisher's boilerplate")
    print("boilerplate by publisher:", view.boilerplate_of())
    return problems


def _mostly_boilerplate(view, values) -> set:
    """(type, name) of the names whose articles mostly have them as their
    publisher's boilerplate: a site's name or a byline that a facet would
    show if the boilerplate rule did not keep it out."""
    from collections import Counter

    total, as_boiler = Counter(), Counter()
    for typ in TYPES:
        for docnum, doc_values in enumerate(values[typ]):
            for value in doc_values:
                key = view.group_of[(typ, value)]
                name = view.display[(typ, key)]
                total[(typ, name)] += 1
                if view.is_boilerplate(docnum, typ, name):
                    as_boiler[(typ, name)] += 1
    return {k for k, n in as_boiler.items() if n > total[k] / 2}


def screenshots(index, query) -> None:
    from urllib.parse import urlencode

    from load import free_port, start_server, stop_server, wait_until_healthy
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    port = free_port()
    server = start_server(index, port, workers=1)
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("SEARCH_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,2000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(os.environ.get("SEARCH_CHROMEDRIVER", "/usr/bin/chromedriver")),
                              options=options)
    try:
        wait_until_healthy("127.0.0.1", port, server)
        ARTIFACTS.mkdir(exist_ok=True)
        driver.get(f"http://127.0.0.1:{port}/")
        driver.save_screenshot(str(ARTIFACTS / "home.png"))
        driver.get(f"http://127.0.0.1:{port}/search?" + urlencode({"q": query}))
        driver.save_screenshot(str(ARTIFACTS / "facets.png"))
        print(f"screenshots: {ARTIFACTS / 'home.png'}, {ARTIFACTS / 'facets.png'}")
    finally:
        driver.quit()
        stop_server(server)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--query", default="サッカー 日本代表")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--no-screenshots", action="store_true")
    args = parser.parse_args(argv)
    from search import Searcher

    with Searcher(args.index) as searcher:
        problems = check(searcher, args.query, args.top)
    for problem in problems:
        print("PROBLEM", problem)
    if not args.no_screenshots:
        screenshots(args.index, args.query)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
