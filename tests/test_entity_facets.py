"""Entity facets, chips and filters people can trust: one name per entity,
the publisher's boilerplate left out, the alias table applied when the
index is read.

Constructed articles, real Sudachi and the real extractor, a real index on
disk, the real Searcher (and the CLI's stats through it).
"""

from __future__ import annotations

import json

import pytest

from search import Searcher, index_paths

SITE = "site-a"  # a publisher (the category) whose every article ends with its own name


def articles():
    out = [
        {"id": "us-1", "title": "米国の大統領が演説", "body": "米国の大統領がワシントンで演説した。", "category": "world"},
        {"id": "us-2", "title": "アメリカの選挙", "body": "アメリカで中間選挙が行われ、投票率が上がった。", "category": "world"},
        {"id": "honda", "title": "本田圭佑が先制点", "body": "日本代表の本田圭佑選手が先制点を決めた。試合後、本田は「最高の気分」と語った。",
         "category": "sports"},
        {"id": "honda-short", "title": "本田がコメント", "body": "サッカーの本田が会見で今季を振り返った。", "category": "sports"},
        {"id": "kagawa-player", "title": "香川真司が移籍", "body": "サッカーの香川真司が移籍を決めた。", "category": "sports"},
        {"id": "kagawa-actor", "title": "香川照之が舞台に", "body": "俳優の香川照之が舞台に立った。", "category": "culture"},
        {"id": "kagawa-short", "title": "香川が得点", "body": "昨夜の試合で香川が得点した。", "category": "sports"},
        {"id": "docomo", "title": "ドコモが新機種", "body": "NTTドコモは新機種を発表した。ドコモの担当者が説明した。", "category": "it"},
        {"id": "docomo-wide", "title": "料金を改定", "body": "ＮＴＴドコモは料金を改定した。", "category": "it"},
        {"id": "maruhachi", "title": "新工場を建設", "body": "マルハチ商事は新工場を建てると発表した。", "category": "economy"},
    ]
    for i in range(24):  # the site's own name in every article, and 東京
        out.append({"id": f"{SITE}-{i:02d}", "title": f"新製品レビュー第{i}回",
                    "body": f"今回は東京の家電量販店で新製品を試した。価格は{i + 1}万円。\n（エスマックス編集部）", "category": SITE})
    for i in range(24):  # a publisher that names itself in a few of its articles only
        tail = "詳しくはMOVIE ENTERの特集で紹介している。" if i % 8 == 0 else ""
        out.append({"id": f"movie-enter-{i:02d}", "title": f"今週の新作{i}", "body": "今週の新作映画を紹介する。" + tail,
                    "category": "movie-enter"})
    out += [  # another publisher names that one: there it is news
        {"id": "about-movie-enter", "title": "映画サイトが特集", "body": "映画サイトのMOVIE ENTERが特集を組んだ。",
         "category": "culture"},
        # a company and its Japanese arm
        {"id": "apple", "title": "新型端末", "body": "アップルは新型端末を発表した。", "category": "it"},
        {"id": "apple-japan", "title": "国内で発売", "body": "アップルジャパンが国内での発売日を発表した。", "category": "it"},
    ]
    for i in range(24):  # another publisher that writes of 東京 too
        out.append({"id": f"site-b-{i:02d}", "title": f"町工場の挑戦{i}", "body": "大阪の町工場が、東京の展示会に出品した。",
                    "category": "site-b"})
    return out


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("entity-facets")
    src = folder / "a.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles()), encoding="utf-8")
    assert index_paths([src], folder / "ix").added == len(articles())
    return folder / "ix"


@pytest.fixture()
def searcher(index):
    with Searcher(index) as s:
        yield s


def facet(result, kind):
    return {f["value"]: f["count"] for f in result.facets[kind]}


def test_aliases_make_one_facet_value(searcher):
    places = facet(searcher.search(""), "place")
    assert places.get("アメリカ") == 2
    assert "米国" not in places and "米" not in places


def test_a_short_mention_takes_the_full_name_of_its_article(searcher):
    people = facet(searcher.search(""), "person")
    # In one article 本田 is 本田圭佑 (resolved there); the article where it
    # stands alone counts for him too, as he is the only 本田 counted.  香川
    # alone stays 香川: two full names could be meant.
    assert people["本田圭佑"] == 2 and "本田" not in people
    assert people["香川真司"] == 1 and people["香川照之"] == 1 and people["香川"] == 1
    (hit,) = [h for h in searcher.search("先制点").hits if h["id"] == "honda"]
    assert hit["person"] == ["本田圭佑"]
    # A filter on the short form finds the article that calls him so, and the
    # article where 本田 stands alone.
    found = {h["id"] for h in searcher.search("", filters={"person": "本田"}).hits}
    assert found == {"honda", "honda-short"}
    assert {h["id"] for h in searcher.search("person:本田圭佑").hits} == {"honda"}


def test_width_and_case_variants_are_one_name(searcher):
    orgs = facet(searcher.search("料金 OR 新機種"), "org")
    assert orgs == {"NTTドコモ": 2}
    (hit,) = searcher.search("料金").hits
    assert hit["org"] == ["NTTドコモ"]


def test_an_organisations_short_form_is_its_full_name(searcher):
    (hit,) = [h for h in searcher.search("新機種").hits if h["id"] == "docomo"]
    assert hit["org"] == ["NTTドコモ"]
    assert {h["id"] for h in searcher.search("", filters={"org": "ドコモ"}).hits} == {"docomo", "docomo-wide"}


def test_the_publishers_own_name_is_boilerplate(searcher):
    result = searcher.search("", per_page=100)
    assert "エスマックス" not in facet(result, "org") and "エスマックス編集部" not in facet(result, "org")
    site_hits = [h for h in result.hits if h["id"].startswith(SITE)]
    assert site_hits and all("エスマックス" not in "".join(h["org"]) for h in site_hits)
    # A name many publishers repeat is news, not boilerplate: 東京 stays.
    assert facet(result, "place").get("東京", 0) >= 20
    article = searcher.get(f"{SITE}-03")
    credited = [e for e in article["entities"] if "エスマックス" in e["text"]]
    assert credited and all(e["boilerplate"] for e in credited)


def test_the_publishers_own_name_is_boilerplate_however_rarely_it_says_it(searcher):
    # MOVIE ENTER is in 3 of its 24 articles: too few for the frequency rule,
    # but it is the publisher's own name (its slug movie-enter).
    own = searcher.search("", filters={"category": "movie-enter"}, per_page=100)
    assert own.total == 24 and "MOVIE ENTER" not in facet(own, "org")
    assert all(not h["org"] for h in own.hits)
    # Another publisher's article that names it shows it.
    (hit,) = [h for h in searcher.search("特集").hits if h["id"] == "about-movie-enter"]
    assert hit["org"] == ["MOVIE ENTER"]
    assert facet(searcher.search(""), "org").get("MOVIE ENTER") == 1


def test_a_companys_japanese_arm_is_the_company(searcher):
    orgs = facet(searcher.search("発表"), "org")
    (name,) = [n for n in orgs if "アップル" in n]  # one entity, under one of its names
    assert orgs[name] == 2
    assert {h["id"] for h in searcher.search("", filters={"org": "アップル"}).hits} == {"apple", "apple-japan"}
    assert {h["id"] for h in searcher.search("", filters={"org": "アップルジャパン"}).hits} == {"apple", "apple-japan"}
    # A nickname whose bare form is no organisation stays itself.
    from search.entity_view import japanese_arms

    assert japanese_arms({"なでしこジャパン", "アップル", "アップルジャパン"}) == {("org", "アップルジャパン"): "アップル"}
    # Two sets of an alias table stay two.
    from index.entities.canonical import Aliases

    separate = Aliases()
    separate.add("org", ["アップル", "Apple"])
    separate.add("org", ["アップルジャパン", "Apple Japan"])
    assert japanese_arms({"アップル", "アップルジャパン"}, separate) == {}


def test_an_alias_added_by_the_newsroom_takes_effect_without_a_rebuild(index, tmp_path, monkeypatch):
    import os
    import time

    table = tmp_path / "aliases.txt"
    table.write_text("org: マルハチ・ホールディングス, マルハチ商事\n", encoding="utf-8")
    monkeypatch.setenv("SEARCH_ENTITY_ALIASES", str(table))
    with Searcher(index) as s:
        (hit,) = s.search("新工場").hits
        assert hit["org"] == ["マルハチ・ホールディングス"]
        assert facet(s.search(""), "org").get("マルハチ・ホールディングス") == 1
        # The file changes while the searcher runs: the next search sees it.
        table.write_text("org: Maruhachi Holdings, マルハチ商事\n", encoding="utf-8")
        os.utime(table, (time.time() + 5, time.time() + 5))
        (hit,) = s.search("新工場").hits
        assert hit["org"] == ["Maruhachi Holdings"]
        assert [h["id"] for h in s.search("", filters={"org": "Maruhachi Holdings"}).hits] == ["maruhachi"]


def test_stats_count_canonical_names(searcher):
    stats = searcher.stats(top=20)
    places = {f["value"]: f["count"] for f in stats["place"]}
    assert places.get("アメリカ") == 2 and "米国" not in places


def test_the_entity_view_is_kept_beside_the_index_and_read_back_as_built(index):
    from index.entities.canonical import AliasSource
    from search.entity_view import VIEW_FILE, EntityView, cached_entity_view
    from search.generation import Generation
    from index.storage import open_index

    saved = index / VIEW_FILE
    saved.unlink(missing_ok=True)
    with open_index(index).reader() as reader:
        aliases = AliasSource().current()
        values = Generation._read_values(reader)
        built = EntityView(reader, values, aliases)
        first = cached_entity_view(index, reader, lambda: values, aliases)  # builds it and saves it
        assert saved.exists()
        read_back = cached_entity_view(index, reader, lambda: pytest.fail("built again"), aliases)
        for view in (first, read_back):
            for name in ("group_of", "display", "members", "forms", "publisher", "boilerplate", "names", "arm_of"):
                assert getattr(view, name) == getattr(built, name), name
        # Another alias table: not the saved view.
        other = AliasSource(defaults=False).current()
        assert cached_entity_view(index, reader, lambda: values, other).display != built.display
        # A damaged file is built again, not trusted.
        saved.write_text("{not json", encoding="utf-8")
        assert cached_entity_view(index, reader, lambda: values, aliases).names == built.names
    # A new process's searcher reads it: the same facets and chips.
    with Searcher(index) as s:
        result = s.search("")
        assert facet(result, "place").get("アメリカ") == 2
