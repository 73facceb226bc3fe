"""RSS/Atom feeds, saved HTML pages and Markdown posts (issue 7).

Every test writes its own Japanese files to tmp_path and reads them with the
real readers (feedparser, trafilatura, PyYAML, markdown-it); the end-to-end
tests index them into real Whoosh indexes, one of them through the real
`search index` command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from index.readers import ARTICLE_KEYS, FORMATS, ReadProblem, detect_format, read_paths
from index.readers.html import declared_charset
from index.readers.markdown import parse_front_matter_date

REPO = Path(__file__).resolve().parents[1]
JST = timezone(timedelta(hours=9))
UTC = timezone.utc


def read(paths, **kwargs):
    """Read everything, returning (articles, problems)."""
    problems: list[ReadProblem] = []
    articles = list(read_paths(paths, on_problem=problems.append, **kwargs))
    return articles, problems


def by_id(articles):
    return {a["id"]: a for a in articles}


def messages(problems):
    return [str(p) for p in problems]


# --------------------------------------------------------------------------
# Files the tests write

def rss(items: str, channel_extra: str = "", encoding: str = "UTF-8") -> str:
    return f"""<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>東都新聞 経済ニュース</title>
<link>https://news.example.jp/</link>
<description>東都新聞の経済記事</description>
{channel_extra}
{items}
</channel>
</rss>
"""


ECONOMY_ITEM = """<item>
<title>日銀、追加利上げを決定</title>
<link>https://news.example.jp/economy/0301</link>
<guid>https://news.example.jp/economy/0301</guid>
<pubDate>Fri, 01 Mar 2024 10:30:00 +0900</pubDate>
<category>経済</category>
<category>日本銀行</category>
<dc:creator>山田太郎</dc:creator>
<description>日本銀行は追加利上げを決めた。</description>
<content:encoded><![CDATA[<p>日本銀行の<b>植田和男</b>総裁は1日、東京都内で記者会見を開き、
追加利上げを決めたと発表した。</p><p>円相場は一時1ドル=148円台まで上昇した。</p>
<script>alert("広告")</script>]]></content:encoded>
</item>"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------
# RSS and Atom

def test_rss_items_become_articles(tmp_path):
    second = """<item>
<title>トヨタ、新型EVを発表</title>
<link>https://news.example.jp/industry/0302</link>
<pubDate>Sat, 02 Mar 2024 09:00:00 +0900</pubDate>
<category>産業</category>
<author>kisha@example.jp (佐藤 花子)</author>
<description>&lt;p&gt;トヨタ自動車は2日、名古屋市で新型の電気自動車を発表した。&lt;/p&gt;</description>
</item>"""
    feed = write(tmp_path / "economy.rss", rss(ECONOMY_ITEM + second))
    articles, problems = read(feed)

    assert problems == []
    assert [a["id"] for a in articles] == ["https://news.example.jp/economy/0301", "https://news.example.jp/industry/0302"]
    first, other = articles
    assert set(first) == set(ARTICLE_KEYS)
    assert first["url"] == first["id"]
    assert first["title"] == "日銀、追加利上げを決定"
    assert first["tags"] == ["経済", "日本銀行"]
    assert first["author"] == "山田太郎"
    assert first["source"] == str(feed)
    # The full content wins over the description; HTML goes, paragraphs stay,
    # the script's text never reaches the body, a wrapped line is rejoined.
    assert first["body"] == (
        "日本銀行の植田和男総裁は1日、東京都内で記者会見を開き、追加利上げを決めたと発表した。\n\n"
        "円相場は一時1ドル=148円台まで上昇した。"
    )
    assert first["date"] == datetime(2024, 3, 1, 10, 30, tzinfo=JST)
    # "kisha@example.jp (佐藤 花子)": the name, not the address.
    assert other["author"] == "佐藤 花子"
    assert other["body"] == "トヨタ自動車は2日、名古屋市で新型の電気自動車を発表した。"
    assert other["tags"] == ["産業"]


def test_feed_dates_keep_their_time_zones_and_relative_dates_count_from_the_build_date(tmp_path):
    items = "".join(
        f"<item><title>記事{n}</title><link>{link}</link><pubDate>{date}</pubDate><description>本文{n}</description></item>"
        for n, (link, date) in enumerate([
            ("https://news.example.jp/a1", "Fri, 01 Mar 2024 10:30:00 +0900"),
            ("https://news.example.jp/a2", "Fri, 01 Mar 2024 01:30:00 GMT"),
            ("https://news.example.jp/a3", "Fri, 01 Mar 2024 10:30:00 JST"),
            ("https://news.example.jp/a4", "2024-02-29T20:30:00-05:00"),
            ("https://news.example.jp/a5", "2024年3月1日 10:30"),
            ("/a6", "3時間前"),
            ("a7", "３０分前"),
            ("https://news.example.jp/a8", "2 days ago"),
        ], start=1)
    )
    feed = write(tmp_path / "dates.xml", rss(items, "<lastBuildDate>Fri, 01 Mar 2024 12:00:00 +0900</lastBuildDate>"))
    articles, problems = read(feed)

    assert problems == []
    dates = {a["id"].rsplit("/", 1)[1]: a["date"] for a in articles}
    same_instant = datetime(2024, 3, 1, 1, 30, tzinfo=UTC)
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert dates[name] == same_instant, name
    # The zone the feed wrote is kept, not converted to UTC.
    assert dates["a1"].utcoffset() == timedelta(hours=9)
    assert dates["a2"].utcoffset() == timedelta(0)
    assert dates["a3"].utcoffset() == timedelta(hours=9)  # "JST" is not UTC
    assert dates["a4"].utcoffset() == timedelta(hours=-5)
    assert dates["a5"].utcoffset() == timedelta(hours=9)  # no zone: Japan time
    # Relative dates count back from lastBuildDate, so reading the same file
    # tomorrow gives the same dates (and the same hashes).
    assert dates["a6"] == datetime(2024, 3, 1, 9, 0, tzinfo=JST)
    assert dates["a7"] == datetime(2024, 3, 1, 11, 30, tzinfo=JST)
    assert dates["a8"] == datetime(2024, 2, 28, 12, 0, tzinfo=JST)
    # Relative links are resolved against the channel's link: they are ids.
    assert "https://news.example.jp/a6" in by_id(articles)
    assert "https://news.example.jp/a7" in by_id(articles)
    assert read(feed)[0] == articles


def test_relative_date_without_a_build_date_is_reported_and_the_item_kept(tmp_path):
    item = "<item><title>速報</title><link>https://news.example.jp/b1</link><pubDate>5分前</pubDate><description>地震があった。</description></item>"
    feed = write(tmp_path / "breaking.rss", rss(item))
    articles, problems = read(feed)

    assert [a["date"] for a in articles] == [None]
    assert len(problems) == 1 and problems[0].warning
    assert "relative date '5分前'" in problems[0].message and "no build date" in problems[0].message
    assert problems[0].line == item_line(feed, 1)


def item_line(path: Path, number: int) -> int:
    """Line of the ``number``-th <item> or <entry> in a file the test wrote."""
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [i for i, line in enumerate(lines, start=1) if "<item>" in line or "<entry>" in line]
    return starts[number - 1]


def test_atom_entries(tmp_path):
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.jp/">
<title>地域ニュース</title>
<updated>2024-03-02T09:00:00+09:00</updated>
<id>tag:blog.example.jp,2024:feed</id>
<entry>
  <title type="html">&lt;b&gt;札幌&lt;/b&gt;で雪まつり開幕</title>
  <link rel="alternate" href="news/sapporo"/>
  <id>tag:blog.example.jp,2024:1</id>
  <published>2024-02-04T10:00:00+09:00</published>
  <updated>2024-02-05T08:00:00+09:00</updated>
  <author><name>北海 道子</name></author>
  <category term="地域"/><category term="北海道"/>
  <content type="html">&lt;p&gt;札幌市の大通公園で&lt;br/&gt;雪まつりが始まった。&lt;/p&gt;</content>
</entry>
<entry>
  <title>那覇で桜まつり</title>
  <link href="https://blog.example.jp/news/naha"/>
  <id>tag:blog.example.jp,2024:2</id>
  <updated>2024-01-20T03:00:00Z</updated>
  <summary>沖縄県那覇市で桜まつりが開かれた。</summary>
</entry>
<entry>
  <title>リンクのない告知</title>
  <id>urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66</id>
  <updated>2024-01-21T03:00:00Z</updated>
  <summary>お知らせです。</summary>
</entry>
</feed>
"""
    feed = write(tmp_path / "local.atom", atom)
    articles, problems = read(feed)

    assert problems == []
    sapporo, naha, notice = articles
    assert sapporo["id"] == sapporo["url"] == "https://blog.example.jp/news/sapporo"  # xml:base applied
    assert sapporo["title"] == "札幌で雪まつり開幕"
    assert sapporo["body"] == "札幌市の大通公園で\n雪まつりが始まった。"
    assert sapporo["date"] == datetime(2024, 2, 4, 10, 0, tzinfo=JST)  # published beats updated
    assert sapporo["author"] == "北海 道子"
    assert sapporo["tags"] == ["地域", "北海道"]
    assert naha["date"] == datetime(2024, 1, 20, 3, 0, tzinfo=UTC)  # only updated: used, zone kept
    assert naha["date"].utcoffset() == timedelta(0)
    assert naha["body"] == "沖縄県那覇市で桜まつりが開かれた。"
    # No link: the entry's id still tells it apart on the next read.
    assert notice["id"] == "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"
    assert notice["url"] is None


def test_shift_jis_feed_is_decoded_as_declared_with_cp932_characters(tmp_path):
    item = ("<item><title>髙橋①選手が優勝～大会記録</title><link>https://news.example.jp/s1</link>"
            "<pubDate>Sun, 03 Mar 2024 18:00:00 +0900</pubDate><description>髙橋選手が大会記録で優勝した。</description></item>")
    feed = write(tmp_path / "sports.xml", rss(item, encoding="Shift_JIS"), encoding="cp932")
    articles, problems = read(feed)

    assert problems == []
    assert articles[0]["title"] == "髙橋①選手が優勝～大会記録"
    assert articles[0]["body"] == "髙橋選手が大会記録で優勝した。"


def test_feed_problems_name_the_file_and_line_and_the_rest_is_read(tmp_path):
    items = "\n".join([
        "<item><title>リンクもguidもない</title><description>本文</description></item>",
        "<item><link>https://news.example.jp/empty</link></item>",
        "<item><title>日付が壊れている</title><link>https://news.example.jp/c3</link><pubDate>いつか</pubDate><description>本文</description></item>",
        "<item><title>正常な記事</title><link>https://news.example.jp/c4</link><pubDate>Mon, 04 Mar 2024 08:00:00 +0900</pubDate></item>",
    ])
    feed = write(tmp_path / "mixed.rss", rss(items))
    articles, problems = read(feed)

    assert [a["id"] for a in articles] == ["https://news.example.jp/c3", "https://news.example.jp/c4"]
    assert articles[0]["date"] is None
    by_line = {p.line: p for p in problems}
    assert set(by_line) == {item_line(feed, 1), item_line(feed, 2), item_line(feed, 3)}
    assert "neither a link nor a guid" in by_line[item_line(feed, 1)].message
    assert not by_line[item_line(feed, 1)].warning
    assert "neither a title nor any content" in by_line[item_line(feed, 2)].message
    assert "unrecognised date 'いつか'" in by_line[item_line(feed, 3)].message
    assert by_line[item_line(feed, 3)].warning
    assert all(p.source == str(feed) for p in problems)


def test_broken_and_foreign_xml(tmp_path):
    truncated = write(tmp_path / "cut.rss", rss(ECONOMY_ITEM)[:-40])  # cut inside </channel>
    sitemap = write(tmp_path / "sitemap.xml", '<?xml version="1.0"?><urlset><url><loc>https://news.example.jp/</loc></url></urlset>')
    garbage = write(tmp_path / "garbage.rss", "これはフィードではない <<<")
    articles, problems = read([truncated, sitemap, garbage])

    # The cut feed still yields its complete item, with a warning.
    assert [a["id"] for a in articles] == ["https://news.example.jp/economy/0301"]
    cut, foreign, broken = problems
    assert cut.source == str(truncated) and cut.warning and "not well-formed" in cut.message and cut.line
    assert foreign.source == str(sitemap) and foreign.warning and "not an RSS or Atom feed" in foreign.message
    assert broken.source == str(garbage) and not broken.warning


def test_a_folder_of_feeds(tmp_path):
    write(tmp_path / "feeds" / "economy.rss", rss(ECONOMY_ITEM))
    write(tmp_path / "feeds" / "more" / "sports.xml",
          rss("<item><title>大谷翔平が本塁打</title><link>https://news.example.jp/sp1</link><description>ロサンゼルスで本塁打を打った。</description></item>"))
    articles, problems = read(tmp_path / "feeds")

    assert [a["title"] for a in articles] == ["日銀、追加利上げを決定", "大谷翔平が本塁打"]
    assert [p.message for p in problems] == ["item 1 (https://news.example.jp/sp1): no published or updated date; article kept without a date"]


# --------------------------------------------------------------------------
# Saved HTML pages

NAV_AND_ADS = """<header><nav><ul>
<li><a href="/">トップ</a></li><li><a href="/economy">経済</a></li><li><a href="/sports">スポーツ</a></li>
<li><a href="/login">ログイン</a></li></ul></nav></header>
<div class="ad">広告：今だけ半額キャンペーン実施中</div>"""
FOOTER = """<aside class="ranking"><h2>アクセスランキング</h2><ol><li><a href="/r1">芸能人が結婚</a></li>
<li><a href="/r2">新作ゲーム発売</a></li></ol></aside>
<footer><p>Copyright 東都新聞社 All rights reserved.</p><a href="/about">会社概要</a></footer>"""


def json_ld_page() -> str:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "東都新聞", "url": "https://news.example.jp/"},
            {
                "@type": "NewsArticle",
                "headline": "髙島屋が新店舗、名古屋駅前に開業へ",
                "datePublished": "2024-03-05T07:15:00+09:00",
                "dateModified": "2024-03-05T09:00:00+09:00",
                "author": [{"@type": "Person", "name": "鈴木一郎"}, {"@type": "Person", "name": "田中美咲"}],
                "keywords": ["流通", "名古屋 駅前"],
                "articleSection": "経済",
            },
        ],
    }
    return f"""<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="Shift_JIS">
<title>髙島屋が新店舗 | 東都新聞</title>
<link rel="canonical" href="https://news.example.jp/economy/20240305-takashimaya">
<meta property="og:title" content="髙島屋が新店舗、名古屋駅前に開業へ（東都新聞）">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
{NAV_AND_ADS}
<main><article>
<h1>髙島屋が新店舗、名古屋駅前に開業へ</h1>
<p>百貨店大手の髙島屋は5日、名古屋駅前に新しい店舗を開業すると発表した。売り場面積は約３万平方メートルで、来年春の開業を目指す。</p>
<p>同社の村田善郎社長は記者会見で「名古屋の中心で新しい買い物体験を提供したい」と述べた。周辺では再開発が進んでおり、競合各社も出店を検討している。</p>
<p>愛知県の大村秀章知事は「地域経済の活性化につながる」と歓迎するコメントを出した。</p>
</article></main>
{FOOTER}
</body>
</html>
"""


OPEN_GRAPH_PAGE = f"""<!DOCTYPE html>
<html lang="ja-JP">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>大阪・関西万博の来場者が1000万人を突破 - なにわ日報</title>
<meta property="og:type" content="article">
<meta property="og:title" content="大阪・関西万博の来場者が1000万人を突破">
<meta property="og:url" content="https://naniwa.example.jp/news/expo-10m">
<meta property="article:published_time" content="2025-06-01T18:30:00+09:00">
<meta property="article:section" content="地域">
<meta property="article:tag" content="万博">
<meta property="article:tag" content="観光">
<meta name="keywords" content="大阪,万博,夢洲">
<meta name="author" content="中村健太">
</head>
<body>
{NAV_AND_ADS}
<div id="content">
<h1>大阪・関西万博の来場者が1000万人を突破</h1>
<div class="article-body">
<p>大阪市の夢洲で開かれている大阪・関西万博の来場者が1日、累計1000万人を突破した。日本国際博覧会協会が発表した。</p>
<p>会場では記念のセレモニーが開かれ、吉村洋文知事が「多くの方に来ていただき感謝したい」とあいさつした。</p>
<p>協会は閉幕までに2800万人の来場を見込んでいる。</p>
</div>
</div>
{FOOTER}
</body>
</html>
"""


def test_shift_jis_page_with_json_ld(tmp_path):
    page = write(tmp_path / "takashimaya.html", json_ld_page(), encoding="cp932")
    articles, problems = read(page)

    assert problems == []
    (article,) = articles
    assert set(article) == set(ARTICLE_KEYS)
    assert article["id"] == article["url"] == "https://news.example.jp/economy/20240305-takashimaya"
    assert article["title"] == "髙島屋が新店舗、名古屋駅前に開業へ"  # JSON-LD headline, decoded as cp932
    assert article["date"] == datetime(2024, 3, 5, 7, 15, tzinfo=JST)  # published, not modified
    assert article["tags"] == ["流通", "名古屋 駅前"]  # one JSON-LD keyword per item
    assert article["author"] == "鈴木一郎, 田中美咲"
    assert article["category"] == "経済"
    body = article["body"]
    assert body.startswith("百貨店大手の髙島屋は5日")  # the <h1> repeat went to the title
    assert "大村秀章知事" in body and "３万平方メートル" in body
    for boilerplate in ("ログイン", "広告", "アクセスランキング", "芸能人が結婚", "Copyright", "会社概要"):
        assert boilerplate not in body, boilerplate


def test_the_charset_comes_from_the_meta_tag():
    data = json_ld_page().encode("cp932")
    assert declared_charset(data) == ("shift_jis", 4)
    assert declared_charset(OPEN_GRAPH_PAGE.encode("utf-8")) == ("utf-8", 4)
    assert declared_charset(b"<html><body>no declaration</body></html>") == (None, None)


def test_page_without_json_ld_uses_open_graph_and_meta(tmp_path):
    page = write(tmp_path / "expo.htm", OPEN_GRAPH_PAGE)
    (article,), problems = read(page)

    assert problems == []
    assert article["id"] == "https://naniwa.example.jp/news/expo-10m"
    assert article["title"] == "大阪・関西万博の来場者が1000万人を突破"
    assert article["date"] == datetime(2025, 6, 1, 18, 30, tzinfo=JST)
    assert article["tags"] == ["万博", "観光", "大阪", "夢洲"]
    assert article["author"] == "中村健太"
    assert article["category"] == "地域"
    assert article["body"].startswith("大阪市の夢洲で開かれている")
    assert "2800万人" in article["body"]
    assert "ログイン" not in article["body"] and "Copyright" not in article["body"]


def test_page_without_metadata_is_kept_and_the_missing_date_reported(tmp_path):
    page = write(tmp_path / "memo.html", """<html><head><title>町内会のお知らせ</title></head>
<body><p>日曜日の午前9時から、公民館の前で清掃活動を行います。参加される方は軍手をご持参ください。雨天の場合は翌週に延期します。</p></body></html>""")
    (article,), problems = read(page)

    assert article["id"] == str(page) and article["url"] is None
    assert article["title"] == "町内会のお知らせ"
    assert "清掃活動" in article["body"]
    assert article["date"] is None
    assert [(p.warning, p.source) for p in problems] == [(True, str(page))]
    assert "no published date" in problems[0].message


def test_page_problems_are_reported_with_their_lines(tmp_path):
    page = write(tmp_path / "odd.html", """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>
<meta property="og:title" content="京都で紅葉が見頃">
<link rel="canonical" href="/autumn/kyoto">
<meta property="og:url" content="https://kyoto.example.jp/autumn/kyoto?from=top">
<meta property="article:published_time" content="去年の秋">
</head>
<body><article><p>京都市の嵐山で紅葉が見頃を迎え、多くの観光客が訪れている。渡月橋の周辺は朝から混雑した。</p></article></body>
</html>
""")
    (article,), problems = read(page)

    # The relative canonical link is resolved against the page's own URL.
    assert article["id"] == "https://kyoto.example.jp/autumn/kyoto"
    assert article["title"] == "京都で紅葉が見頃"
    assert article["date"] is None
    found = {(p.line, p.warning) for p in problems}
    assert found == {(5, True), (None, True), (9, True)}
    text = "\n".join(messages(problems))
    assert f"{page}:5: invalid JSON-LD" in text
    assert "<html lang='en'>, not Japanese" in text
    assert f"{page}:9: unrecognised date '去年の秋' in <meta article:published_time>" in text


def test_declared_charset_that_does_not_fit_is_reported_and_guessed(tmp_path):
    page = write(tmp_path / "wrong.html", '<html><head><meta charset="utf-8"><title>誤った宣言</title></head>'
                 "<body><p>この文書は実際にはShift_JISで保存されている。宣言と中身が食い違う古いページはよくある。</p></body></html>",
                 encoding="cp932")
    (article,), problems = read(page)

    assert article["title"] == "誤った宣言"
    assert any(p.line == 1 and p.warning and "declared charset 'utf-8' does not fit" in p.message for p in problems)


# --------------------------------------------------------------------------
# Markdown with front matter

POST = """---
title: 桜の開花を発表、平年より5日早く
date: 2024-03-18T14:00:00+09:00
tags: [天気, 春]
author: 気象 太郎
categories:
  - 社会
  - 季節
url: https://blog.example.jp/2024/03/sakura
---
# 桜の開花を発表、平年より5日早く

**気象庁**は18日、東京都千代田区の靖国神社で
桜の開花を確認したと発表した。[標本木](https://example.jp/hyohonboku)の観察による。

## 各地の状況

- 福岡市では15日に開花
- 大阪市は来週の見込み
"""


def test_markdown_post(tmp_path):
    post = write(tmp_path / "posts" / "2024-03-18-sakura.md", POST)
    (article,), problems = read(post)

    assert problems == []
    assert set(article) == set(ARTICLE_KEYS)
    assert article["id"] == article["url"] == "https://blog.example.jp/2024/03/sakura"
    assert article["title"] == "桜の開花を発表、平年より5日早く"
    assert article["date"] == datetime(2024, 3, 18, 14, 0, tzinfo=JST)
    assert article["tags"] == ["天気", "春"]
    assert article["author"] == "気象 太郎"
    assert article["category"] == "社会"
    # Markdown syntax is gone, the wrapped line is one sentence again, the
    # repeated title heading is not in the body.
    assert article["body"] == (
        "気象庁は18日、東京都千代田区の靖国神社で桜の開花を確認したと発表した。標本木の観察による。\n\n"
        "各地の状況\n\n"
        "福岡市では15日に開花\n"
        "大阪市は来週の見込み"
    )


def test_malformed_front_matter_date_is_reported_and_the_post_kept(tmp_path):
    post = write(tmp_path / "bad-date.md", POST.replace("2024-03-18T14:00:00+09:00", "2024-13-45"))
    (article,), problems = read(post)

    assert article["date"] is None
    assert article["title"] == "桜の開花を発表、平年より5日早く" and article["tags"] == ["天気", "春"]
    assert [(p.source, p.line, p.warning) for p in problems] == [(str(post), 3, True)]
    assert "unrecognised date '2024-13-45'" in problems[0].message


@pytest.mark.parametrize("written, expected", [
    ("2024-03-18", datetime(2024, 3, 18, tzinfo=JST)),
    ("2024-03-18 14:00:00 +0900", datetime(2024, 3, 18, 14, 0, tzinfo=JST)),  # Jekyll
    ("2024-03-18 05:00:00 +00:00", datetime(2024, 3, 18, 5, 0, tzinfo=UTC)),
    ("2024/3/8 9:05", datetime(2024, 3, 8, 9, 5, tzinfo=JST)),
    ("2024年3月18日", datetime(2024, 3, 18, tzinfo=JST)),
])
def test_front_matter_date_forms(written, expected):
    date = parse_front_matter_date(written)
    assert date == expected and date.utcoffset() == expected.utcoffset()


def test_markdown_without_front_matter_is_read_when_named_and_skipped_in_a_walk(tmp_path):
    plain = write(tmp_path / "hakodate.md", "# 函館の夜景\n\n函館山からの夜景が美しい。\n")
    readme = write(tmp_path / "README.md", "# このフォルダについて\n\n記事の置き場所です。\n")
    write(tmp_path / "post.md", POST)

    (article,), problems = read(plain)
    assert (article["title"], article["body"], article["date"]) == ("函館の夜景", "函館山からの夜景が美しい。", None)
    assert [(p.line, p.warning, p.message) for p in problems] == [
        (None, True, "no date in the front matter; article kept without a date")]

    articles, problems = read(tmp_path)
    assert [a["title"] for a in articles] == ["桜の開花を発表、平年より5日早く"]
    assert sorted((Path(p.source).name, p.message) for p in problems) == [
        (readme.name, "skipped: not an article file type"), (plain.name, "skipped: not an article file type")]


def test_markdown_drafts_broken_yaml_and_tags_as_text(tmp_path):
    draft = write(tmp_path / "b-draft.md", "---\ntitle: 下書き\ndraft: true\n---\n未公開の記事。\n")
    broken = write(tmp_path / "c-broken.md", "---\ntitle: 壊れた記事\ntags: [経済, 日銀\ndate: 2024-03-01\n---\n本文。\n")
    unclosed = write(tmp_path / "d-unclosed.md", "---\ntitle: 閉じていない\n本文。\n")
    tags_as_text = write(tmp_path / "e-tags.md", "---\ntitle: 金融政策\ndate: 2024-03-19\ntags: 経済、日銀\n---\n日銀がマイナス金利を解除した。\n")
    articles, problems = read(tmp_path)

    assert [a["title"] for a in articles] == ["金融政策"]
    assert articles[0]["tags"] == ["経済", "日銀"]
    reported = {(Path(p.source).name, p.line, p.warning) for p in problems}
    assert reported == {
        (draft.name, 3, True),          # draft: true, skipped
        (broken.name, 4, False),        # bad YAML, skipped
        (unclosed.name, 1, False),      # never closed, skipped
    }
    assert tags_as_text.name not in {Path(p.source).name for p in problems}


# --------------------------------------------------------------------------
# Detection and --format

def test_formats_are_detected_from_the_name_or_the_content(tmp_path):
    feed_text = rss(ECONOMY_ITEM)
    cases = {
        "a.rss": feed_text, "b.atom": feed_text, "c.xml": feed_text, "d.rdf": feed_text,
        "e.html": OPEN_GRAPH_PAGE, "f.htm": OPEN_GRAPH_PAGE, "g.md": POST, "h.markdown": POST,
        # Named after what they are not, or not named at all: the content decides.
        "feed-saved-as.html": feed_text, "page-saved-as.xml": OPEN_GRAPH_PAGE,
        "rss": feed_text, "page": "<!-- saved -->\n" + OPEN_GRAPH_PAGE, "post": POST,
    }
    expected = {
        "a.rss": "feed", "b.atom": "feed", "c.xml": "feed", "d.rdf": "feed",
        "e.html": "html", "f.htm": "html", "g.md": "markdown", "h.markdown": "markdown",
        "feed-saved-as.html": "feed", "page-saved-as.xml": "html",
        "rss": "feed", "page": "html", "post": "markdown",
    }
    for name, text in cases.items():
        write(tmp_path / name, text)
    assert {name: detect_format(tmp_path / name) for name in cases} == expected
    assert {"feed", "html", "markdown"} <= set(FORMATS)


def test_format_can_be_forced(tmp_path):
    feed = write(tmp_path / "economy.txt", rss(ECONOMY_ITEM))
    assert detect_format(feed) == "plaintext"
    articles, problems = read(feed, format="feed")
    assert [a["id"] for a in articles] == ["https://news.example.jp/economy/0301"] and problems == []


def test_cli_offers_every_format():
    from search.cli import index_cmd

    (option,) = [p for p in index_cmd.params if p.name == "fmt"]
    assert tuple(option.type.choices) == FORMATS


# --------------------------------------------------------------------------
# End to end

def feed_version(items: list[tuple[str, str, str]]) -> str:
    return rss("\n".join(
        f"<item><title>{title}</title><link>https://news.example.jp/{slug}</link>"
        f"<pubDate>Fri, 01 Mar 2024 10:30:00 +0900</pubDate><description>{body}</description></item>"
        for slug, title, body in items
    ), "<lastBuildDate>Fri, 01 Mar 2024 12:00:00 +0900</lastBuildDate>")


def item_line_of(path: Path, slug: str, occurrence: int) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    hits = [i for i, line in enumerate(lines, start=1) for _ in range(line.count(f"/{slug}</link>"))]
    return hits[occurrence - 1]


def test_reindexing_a_feed_updates_changed_items_and_adds_new_ones_nothing_twice(tmp_path):
    from search import Searcher, index_paths

    feed = tmp_path / "feed.xml"
    index = tmp_path / "ix"
    write(feed, feed_version([
        ("r1", "函館で花火大会", "函館港で花火大会が開かれた。"),
        ("r2", "仙台で七夕まつり", "仙台市で七夕まつりが始まった。"),
    ]))
    first = index_paths([feed], index)
    assert (first.added, first.updated, first.unchanged, first.failed) == (2, 0, 0, 0)

    again = index_paths([feed], index)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)

    # The next fetch: r1 corrected, r2 as before, r3 new, r2 listed twice.
    write(feed, feed_version([
        ("r3", "金沢で雪吊り", "兼六園で雪吊りの作業が始まった。"),
        ("r1", "函館で花火大会、三万人が見物", "函館港で花火大会が開かれ、三万人が見物した。"),
        ("r2", "仙台で七夕まつり", "仙台市で七夕まつりが始まった。"),
        ("r2", "仙台で七夕まつり", "仙台市で七夕まつりが始まった。"),
    ]))
    problems = []
    changed = index_paths([feed], index, on_problem=problems.append)
    assert (changed.added, changed.updated, changed.unchanged, changed.failed) == (1, 1, 1, 0)
    assert [(p.line, p.warning) for p in problems] == [(item_line_of(feed, "r2", 2), True)]
    assert "repeats item 3" in problems[0].message

    with Searcher(index) as searcher:
        assert searcher.stats()["documents"] == 3
        assert searcher.search("花火大会").total == 1
        assert searcher.search("三万人").total == 1
        assert searcher.search("七夕").total == 1
        assert searcher.search("雪吊り").total == 1
        hit = searcher.search("花火大会").hits[0]
        assert hit["id"] == "https://news.example.jp/r1" and hit["title"] == "函館で花火大会、三万人が見物"


def search_cmd():
    exe = shutil.which("search", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "search.cli"]


def test_a_folder_of_feed_pages_and_posts_indexes_in_one_call(tmp_path):
    """The issue's "done when": one `search index` call, every article with
    its date, tags and entities, searchable and faceted like the rest."""
    from search import Searcher

    news = tmp_path / "news"
    write(news / "feed.rss", rss(ECONOMY_ITEM + """<item>
<title>大谷翔平がロサンゼルスで今季1号</title>
<link>https://news.example.jp/sports/0303</link>
<pubDate>Sun, 03 Mar 2024 12:00:00 +0900</pubDate>
<category>スポーツ</category><category>経済</category>
<description>ドジャースの大谷翔平選手がロサンゼルスでの試合で今季1号本塁打を放った。</description>
</item>"""))
    write(news / "pages" / "takashimaya.html", json_ld_page(), encoding="cp932")
    write(news / "pages" / "expo.html", OPEN_GRAPH_PAGE)
    write(news / "posts" / "sakura.md", POST)
    write(news / "posts" / "kyoto.md", """---
title: 京都で祇園祭の山鉾巡行
date: 2024-07-17 09:00:00 +0900
tags: [祭り, 京都]
author: 京 花子
---
京都市で祇園祭の山鉾巡行があり、岸田文雄首相も見物した。
""")
    env = {k: v for k, v in os.environ.items() if k != "SEARCH_INDEX"}
    result = subprocess.run(search_cmd() + ["index", str(news), "--index", str(tmp_path / "ix"), "--json"],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["failed"], summary["warnings"]) == (6, 0, 0), summary

    with Searcher(tmp_path / "ix") as searcher:
        everything = searcher.search("", per_page=50)
        assert everything.total == 6
        for hit in everything.hits:
            assert hit["date"] and hit["tags"], hit
        by_title = {hit["title"]: hit for hit in everything.hits}
        # Each input kind's entities, of each type, reach the index.
        expected = {
            "大谷翔平がロサンゼルスで今季1号": {"person": "大谷翔平", "place": "ロサンゼルス"},
            "京都で祇園祭の山鉾巡行": {"person": "岸田文雄", "place": "京都市"},
            "日銀、追加利上げを決定": {"person": "植田和男"},
            "髙島屋が新店舗、名古屋駅前に開業へ": {"person": "村田善郎", "place": "愛知県"},
            "大阪・関西万博の来場者が1000万人を突破": {"person": "吉村洋文", "place": "大阪市",
                                                 "org": "日本国際博覧会協会"},
            "桜の開花を発表、平年より5日早く": {"place": "福岡市", "org": "気象庁"},
        }
        for title, entities in expected.items():
            for kind, name in entities.items():
                assert name in by_title[title][kind], (title, kind, by_title[title][kind])
        assert {"日銀", "日本銀行"} & set(by_title["日銀、追加利上げを決定"]["org"])
        # Searchable through the body text of each kind of input.
        for word, title in [("追加利上げ", "日銀、追加利上げを決定"), ("村田善郎", "髙島屋が新店舗、名古屋駅前に開業へ"),
                            ("夢洲", "大阪・関西万博の来場者が1000万人を突破"), ("標本木", "桜の開花を発表、平年より5日早く")]:
            assert [hit["title"] for hit in searcher.search(word).hits] == [title], word
        # Faceted and filtered like the rest: tags and months.
        facets = {f["value"]: f["count"] for f in everything.facets["tags"]}
        assert facets["経済"] == 2
        months = {f["value"]: f["count"] for f in everything.facets["month"]}
        assert months == {"2024-03": 4, "2024-07": 1, "2025-06": 1}
        assert searcher.search("", filters={"tags": "経済"}).total == 2
        assert searcher.search("", filters={"date_from": "2024-07", "date_to": "2025-12"}).total == 2
