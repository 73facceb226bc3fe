"""Atom feeds of search results (search.feeds): a real index searched with
real Sudachi, the feed read back by feedparser and by a strict XML parser."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from search import Searcher, index_paths
from search.feeds import atom_feed, entry_id, plain_text

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://127.0.0.1:8000/"
SELF = BASE + "feed?q=%E5%9C%B0%E9%9C%87&sort=date"

ARTICLES = [
    {"id": "http://news.example.jp/a/1", "url": "http://news.example.jp/a/1", "title": "東北で地震、津波の心配なし",
     "body": "気象庁によると、午前十時ごろ東北地方で地震があった。津波の心配はない。", "date": "2012-09-04T10:30:00+09:00",
     "tags": ["地震", "気象庁"], "category": "topic-news", "author": "共同"},
    {"id": "saved/local-article.txt", "title": "地震の備え、家庭でできること",
     "body": "地震に備えて水と食料を三日分用意しておきたい。", "date": "2011-03-01T08:00:00+09:00",
     "tags": ["防災"], "category": "dokujo-tsushin"},
    {"id": "http://news.example.jp/a/3", "url": "http://news.example.jp/a/3", "title": "新型スマートフォンを発表",
     "body": "新しいスマートフォンが発表された。地震速報の機能も備える。", "date": "2012-10-01T12:00:00+09:00",
     "tags": [], "category": "smax"},
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feed-corpus")
    with open(folder / "articles.jsonl", "w", encoding="utf-8") as f:
        for article in ARTICLES:
            f.write(json.dumps(article, ensure_ascii=False) + "\n")
    index = tmp_path_factory.mktemp("feed-index")
    summary = index_paths([folder], index, procs=1)
    assert summary.added == len(ARTICLES) and summary.failed == 0
    with Searcher(index) as s:
        yield s


def parsed(body: bytes):
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    ET.fromstring(body)  # well-formed for a strict parser too
    return feed


def test_feed_of_a_search_has_the_hits_newest_first_with_links_dates_and_summaries(searcher):
    result = searcher.search("地震", sort="date", per_page=10, facets=False)
    assert [h["id"] for h in result.hits] == ["http://news.example.jp/a/3", "http://news.example.jp/a/1",
                                              "saved/local-article.txt"]
    body = atom_feed(result, "「地震」の新着記事", SELF, BASE, html_url=BASE + "search?q=%E5%9C%B0%E9%9C%87")
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    feed = parsed(body)
    assert feed.version == "atom10"
    assert feed.feed.title == "「地震」の新着記事"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == SELF
    assert links["alternate"] == BASE + "search?q=%E5%9C%B0%E9%9C%87"
    # The feed is as new as its newest entry.
    assert feed.feed.updated_parsed == dt.datetime(2012, 10, 1, 3, 0).timetuple()[:6] + feed.feed.updated_parsed[6:]

    assert len(feed.entries) == 3
    first, second, third = feed.entries
    assert first.title == "新型スマートフォンを発表"
    assert first.id == entry_id("http://news.example.jp/a/3")
    assert first.id.startswith("urn:uuid:")
    assert first.link == "http://news.example.jp/a/3"
    # published: the article's date with its offset (feedparser gives UTC).
    assert calendar.timegm(second.published_parsed) == int(dt.datetime(2012, 9, 4, 1, 30, tzinfo=dt.timezone.utc)
                                                           .timestamp())
    assert calendar.timegm(second.updated_parsed) == calendar.timegm(second.published_parsed)
    assert "2012-09-04T10:30:00+09:00" in body.decode()
    # The summary is the snippet without its <mark> markup.
    snippet = result.hits[1]["snippet"]
    assert "<mark>" in snippet
    assert second.summary == plain_text(snippet)
    assert "<mark>" not in second.summary and "地震" in second.summary
    assert second.summary_detail.type == "text/plain"
    assert [t.term for t in second.tags] == ["地震", "気象庁", "topic-news"]
    # An article without a web address links to the site's article page.
    page = urlsplit(third.link)
    assert third.link.startswith(BASE + "article?id=")
    assert parse_qs(page.query)["id"] == ["saved/local-article.txt"]
    # Ids are stable: the same article has the same entry id in every feed.
    again = parsed(atom_feed(searcher.search("家庭", sort="date", facets=False), "家庭", BASE + "feed?q=x", BASE))
    assert again.entries[0].id == third.id


def test_hostile_text_is_escaped_and_control_characters_removed():
    hit = {
        "id": "http://evil.example/x?a=1&b=<2>",
        "url": "javascript:alert(1)",
        "title": "<script>alert('x')</script> & Co\x01\x08\x1b[31m赤\x7f\x9b\ufffe",
        "date": "2012-09-04T10:30:00",  # no offset: Japan time
        "snippet": "前 <mark>&lt;b&gt;太字&lt;/b&gt;</mark> &amp; 後\x0c",
        "tags": ["A&B", "<tag>", "\x00"],
        "category": None,
        "author": "記者 <a@example.jp>\x1b",
    }
    body = atom_feed({"hits": [hit]}, "検索 <&>\x02", BASE + "feed?q=<x>&y=\"1\"", BASE)
    text = body.decode("utf-8")
    for bad in ("\x01", "\x08", "\x1b", "\x7f", "\x9b", "\x0c", "\x00", "\ufffe"):
        assert bad not in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    feed = parsed(body)
    assert feed.feed.title == "検索 <&>"
    entry = feed.entries[0]
    assert entry.title == "<script>alert('x')</script> & Co[31m赤"
    assert entry.title_detail.type == "text/plain"
    assert entry.summary == "前 <b>太字</b> & 後"
    assert [t.term for t in entry.tags] == ["A&B", "<tag>"]
    assert entry.author == "記者 <a@example.jp>"
    # javascript: is no link: the entry points at the site's article page.
    assert entry.link.startswith(BASE + "article?id=")
    assert parse_qs(urlsplit(entry.link).query)["id"] == ["http://evil.example/x?a=1&b=<2>"]
    assert calendar.timegm(entry.published_parsed) == int(dt.datetime(2012, 9, 4, 1, 30, tzinfo=dt.timezone.utc)
                                                          .timestamp())
    # The self link is one URL, its quotes and brackets percent-encoded.
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == BASE + "feed?q=%3Cx%3E&y=%221%22"


def test_an_empty_result_is_a_valid_feed_and_an_undated_article_takes_the_feed_time():
    empty = parsed(atom_feed({"hits": []}, "なし", BASE + "feed?q=none", BASE,
                             updated=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)))
    assert empty.entries == []
    assert empty.feed.updated == "2024-01-02T03:04:05+00:00"
    root = ET.fromstring(atom_feed({"hits": [{"id": "x", "title": "", "date": None}]}, "t", BASE + "f", BASE,
                                   updated="2024-01-02T03:04:05+09:00"))
    entry = root.find(ATOM + "entry")
    assert entry.find(ATOM + "updated").text == "2024-01-02T03:04:05+09:00"
    assert entry.find(ATOM + "published") is None
    assert entry.find(ATOM + "title").text == "（無題）"
    # Every entry and the feed have what RFC 4287 requires.
    for tag in ("id", "title", "updated", "author"):
        assert root.find(ATOM + tag) is not None
