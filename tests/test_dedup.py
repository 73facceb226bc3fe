"""Near-copies (index.dedup) on constructed articles analysed by real
Sudachi, grouped in memory and found in real on-disk indexes written by the
real writer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

import index.schema
import index.storage
import index.writer
from index import dedup
from index.analysis import analyze
from search import Searcher, index_paths

JST = dt.timezone(dt.timedelta(hours=9))

BODY = (
    "４日午前１０時２０分ごろ、東北地方を震源とする地震があり、宮城県と岩手県で震度５強を観測した。"
    "気象庁によると、震源の深さは約５０キロ、地震の規模を示すマグニチュードは６．２と推定される。"
    "この地震による津波の心配はない。\n"
    "宮城県警によると、仙台市内で棚から落ちた物に当たるなどして３人が軽いけがをした。"
    "東北新幹線は一時運転を見合わせたが、午後には全線で運転を再開した。"
    "東北電力によると、女川原子力発電所に異常は確認されていない。\n"
    "気象庁は今後１週間程度、同じ程度の揺れに注意するよう呼びかけている。"
    "政府は首相官邸の危機管理センターに官邸連絡室を設置し、情報の収集にあたっている。"
    "宮城県は災害対策本部を設けて被害の確認を急いでおり、沿岸の市町村も職員を集めて点検を始めた。"
)
BASE = {"id": "wire/base", "title": "東北で震度5強の地震、3人けが　津波の心配なし", "body": BODY,
        "date": dt.datetime(2012, 9, 4, 10, 40, tzinfo=JST)}
# One story, small edits.
HEADLINE = {"id": "wire/headline", "title": "宮城・岩手で震度5強　仙台で3人軽傷", "body": BODY,
            "date": dt.datetime(2012, 9, 4, 11, 0, tzinfo=JST)}
FIGURE = {"id": "wire/figure", "title": "東北で震度5強の地震、5人けが　津波の心配なし",
          "body": BODY.replace("３人が軽いけが", "５人が軽いけが"), "date": dt.datetime(2012, 9, 4, 12, 0, tzinfo=JST)}
CREDIT = {"id": "wire/credit", "title": BASE["title"], "body": BODY + "\n（共同通信仙台支局・山田太郎）",
          "date": dt.datetime(2012, 9, 4, 13, 0, tzinfo=JST)}
# A second version under the same headline, its last paragraph rewritten.
SECOND = {"id": "wire/second", "title": BASE["title"],
          "body": BODY[: BODY.rindex("\n")] + "\n気象庁は記者会見を開き、今回の地震は先月の地震の余震ではないとの見方を示した。"
          "政府は首相官邸の危機管理センターに官邸連絡室を設置し、情報の収集にあたっている。",
          "date": dt.datetime(2012, 9, 4, 18, 0, tzinfo=JST)}

QUOTE = ("「国民の命と暮らしを守ることこそが政府の最大の責務であり、被災地の一日も早い復旧と復興に全力で取り組むとともに、"
         "全国の学校や病院の耐震化を前倒しで進め、防災と減災の対策を抜本的に強化していきたい」")
QUOTED_1 = {"id": "politics/budget", "title": "補正予算案が衆院を通過、防災対策に重点",
            "body": "防災対策の費用を盛り込んだ補正予算案が２８日、衆議院本会議で与党などの賛成多数で可決され、参議院に送られた。"
                    "野党は財源の裏付けが不十分だとして反対した。首相は本会議後、記者団に対し" + QUOTE + "と述べた。"
                    "参院では来週から審議が始まる見通しで、与党は月内の成立を目指している。"
                    "財務省によると、追加の国債発行額は約２兆円にのぼる。",
            "date": dt.datetime(2012, 9, 28, 18, 0, tzinfo=JST)}
QUOTED_2 = {"id": "local/visit", "title": "首相が被災地を視察、避難所で住民と懇談",
            "body": "首相は３０日、台風で大きな被害が出た和歌山県を訪れ、土砂崩れの現場や避難所を視察した。"
                    "避難所では高齢の住民らと懇談し、不安の声に耳を傾けた。視察後、首相は" + QUOTE + "と語った。"
                    "県知事は道路の早期復旧と仮設住宅の建設への支援を要望した。"
                    "県内では今も約３００人が避難生活を続けている。",
            "date": dt.datetime(2012, 9, 30, 15, 0, tzinfo=JST)}

# Two distinct stories on one template: a long shared page of instructions,
# the news in one paragraph (as S-MAX's software-update articles on livedoor).
INSTRUCTIONS = (
    "更新は自動更新に対応しており、新しいソフトウェアを自動でダウンロードし、あらかじめ設定した時間に書き換えが行われます。"
    "また、ホーム画面で設定から端末情報を選び、画面の案内に従って操作すると、すぐに更新することもできます。\n"
    "ソフトウェア更新を行う際には、以下の点にご注意ください。更新は手順をよく読んでから実施してください。"
    "更新はデータを残したまま行えますが、大切なデータは必ずバックアップしてから実施してください。"
    "一度更新すると、前のバージョンに戻すことはできません。更新中は電池パックを外さないでください。"
    "通話中や圏外、国際ローミング中、機内モード中は更新できません。電池をフル充電してから実施してください。\n"
    "記事執筆：テスト記者"
)
UPDATE_A = {"id": "smax/a", "title": "ドコモ、スマホ「ALPHA A-01」に再起動する不具合でソフトウェア更新を開始",
            "body": "NTTドコモは２６日、スマートフォン「ALPHA A-01」において、通話中にまれに再起動する不具合を改善する"
                    "ソフトウェア更新の提供を開始した。更新時間は約６分。\n" + INSTRUCTIONS,
            "date": dt.datetime(2012, 4, 26, 12, 0, tzinfo=JST)}
UPDATE_B = {"id": "smax/b", "title": "ドコモ、タブレット「BETA B-02」で充電できない不具合を改善する更新を提供",
            "body": "NTTドコモは１５日、タブレット「BETA B-02」において、満充電の後に充電が再開されない不具合を改善する"
                    "ソフトウェア更新の提供を開始した。更新時間は約１０分。\n" + INSTRUCTIONS,
            "date": dt.datetime(2012, 6, 15, 12, 0, tzinfo=JST)}

COPIES = (HEADLINE, FIGURE, CREDIT, SECOND)
OTHERS = (QUOTED_1, QUOTED_2, UPDATE_A, UPDATE_B)


def sig(article):
    return dedup.article_signature(analyze(article["title"]), analyze(article["body"]))


def test_copies_are_near_and_articles_sharing_a_quote_or_a_template_are_not():
    base = sig(BASE)
    assert len(base) == dedup.SIGNATURE_BYTES
    sims = {a["id"]: dedup.similarity(base, sig(a)) for a in COPIES}
    assert sims["wire/headline"] == 1.0  # the headline is not shingled
    assert sims["wire/figure"] >= 0.85 and sims["wire/credit"] >= 0.85, sims
    assert 0.55 <= sims["wire/second"] < 0.8, sims  # a rewrite: near only under the same headline
    assert dedup.same_title(base, sig(SECOND)) and not dedup.same_title(base, sig(HEADLINE))
    for a in COPIES:
        assert dedup.is_near_copy(base, sig(a)), a["id"]
    assert not dedup.is_near_copy(sig(HEADLINE), sig(dict(SECOND, title="別の見出し")))
    # The bar: a few changed shingles whatever the length, between floor and ceiling.
    rule = dedup.DEFAULT_RULE
    assert rule.bar(100, 100) == rule.floor and rule.bar(5000, 5000) == rule.ceiling
    assert rule.bar(400, 400) == pytest.approx((800 - rule.max_changed) / (800 + rule.max_changed))

    quoted = dedup.similarity(sig(QUOTED_1), sig(QUOTED_2))
    assert 0.05 < quoted < 0.5, quoted  # they do share the quote's shingles, and only those
    assert not dedup.is_near_copy(sig(QUOTED_1), sig(QUOTED_2))
    template = dedup.similarity(sig(UPDATE_A), sig(UPDATE_B))
    assert 0.5 < template < 0.9, template
    assert not dedup.is_near_copy(sig(UPDATE_A), sig(UPDATE_B))
    assert dedup.similarity(base, sig(QUOTED_1)) < 0.05


def test_group_puts_the_copies_with_the_earliest_and_leaves_the_rest_alone():
    articles = [UPDATE_B, CREDIT, QUOTED_2, BASE, SECOND, UPDATE_A, HEADLINE, QUOTED_1, FIGURE]
    groups = dedup.group([(a["id"], sig(a), a["date"]) for a in articles])
    assert [g.members for g in groups] == [["wire/base", "wire/headline", "wire/figure", "wire/credit", "wire/second"]]
    g = groups[0]
    assert g.key == "wire/base" and g.similarity["wire/headline"] == 1.0
    slow = dedup.group([(a["id"], sig(a), a["date"]) for a in articles], fast=False)  # without NumPy
    assert [(x.members, x.similarity) for x in slow] == [(x.members, x.similarity) for x in groups]
    # Plain thresholds: the rewrite needs its headline; and at 0.5 even
    # distinct stories on one template would be collapsed.
    items = [(a["id"], sig(a), a["date"]) for a in articles]
    assert [g.members for g in dedup.group(items, dedup.Rule.plain(0.85))] == [
        ["wire/base", "wire/headline", "wire/figure", "wire/credit"]]
    assert ["smax/a", "smax/b"] in [g.members for g in dedup.group(items, dedup.Rule.plain(0.5))]


def test_a_chain_of_small_steps_does_not_make_one_group():
    words = [f"語{i}" for i in range(300)]
    step1 = words[:270] + [f"新{i}" for i in range(30)]  # its end rewritten
    step2 = [f"次{i}" for i in range(30)] + step1[30:]  # then its start
    a, b, c = (dedup.signature(t) for t in (words, step1, step2))
    assert dedup.similarity(a, b) >= 0.77 and dedup.similarity(b, c) >= 0.77
    assert dedup.similarity(a, c) < 0.72  # exact Jaccard: 0.82, 0.82, 0.66
    groups = dedup.group([("a", a, 1), ("b", b, 2), ("c", c, 3)], dedup.Rule.plain(0.75))
    assert [g.members for g in groups] == [["a", "b"]]  # c is near b, not near the group's first


def test_signatures_are_the_same_in_every_process_and_without_numpy():
    code = ("import sys; from index import dedup; from index.analysis import analyze; "
            "t, b = sys.stdin.read().split('\\x00'); "
            "print(dedup.article_signature(analyze(t), analyze(b)).hex())")
    out = subprocess.run([sys.executable, "-c", code], input=BASE["title"] + "\x00" + BODY, capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "12345"},
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == sig(BASE).hex()
    for a in (BASE, SECOND, QUOTED_1, {"title": "短い", "body": "短い本文。"}):
        terms = dedup.dedup_terms(analyze(a["title"]), analyze(a["body"]))
        assert dedup.signature(terms, 5) == dedup.signature(terms, 5, fast=False)
    assert dedup.signature([]) is None and dedup.document_fields(analyze(""), analyze("")) == {}
    assert len(dedup.band_terms(sig(BASE))) == dedup.INDEX_BANDS


def write_jsonl(path, articles):
    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({**a, "date": a["date"].isoformat()}, ensure_ascii=False) + "\n")
    return path


def test_near_copies_in_a_real_index_found_through_the_band_terms(tmp_path):
    index_dir = tmp_path / "index"
    first = index_paths([write_jsonl(tmp_path / "first.jsonl", (BASE,) + OTHERS)], index_dir, procs=1)
    assert first.added == 5 and first.failed == 0
    ix = index.storage.open_index(index_dir)
    with ix.reader() as reader:
        # A batch about to be written finds its copies among the committed articles.
        found = dedup.batch_near_copies(reader, {a["id"]: sig(a) for a in COPIES + (QUOTED_1,)})
        ids = reader.column_reader("id")
        assert {key: [ids[d] for d, _ in hits] for key, hits in found.items()} == {
            **{a["id"]: ["wire/base"] for a in COPIES},
            "politics/budget": ["politics/budget"]}  # an article already there finds itself
    second = index_paths([write_jsonl(tmp_path / "second.jsonl", COPIES)], index_dir, procs=1)
    assert second.added == 4 and second.failed == 0

    ix = index.storage.open_index(index_dir)
    with ix.reader() as reader:
        ids = reader.column_reader("id")
        docnum = {ids[d]: d for d in reader.all_doc_ids()}
        assert "dup_band" in reader.indexed_field_names()
        copies = dedup.copies_of(reader, docnum["wire/base"])
        assert sorted(ids[d] for d, _ in copies) == sorted(a["id"] for a in COPIES)
        assert copies[0][1] == 1.0  # most similar first
        assert dedup.copies_of(reader, docnum["politics/budget"]) == []
        assert dedup.copies_of(reader, docnum["smax/a"]) == []

        group_of = dedup.group_index(reader)
        wire = {group_of[docnum[a["id"]]] for a in (BASE,) + COPIES}
        assert wire == {docnum["wire/base"]}
        for a in OTHERS:
            assert group_of[docnum[a["id"]]] == docnum[a["id"]]
        assert dedup.count_groups(list(docnum.values()), group_of) == 1 + len(OTHERS)

    with Searcher(index_dir) as s:
        every = s.search("地震", per_page=20, facets=False, collapse=False)
        assert len(every.hits) == 5 and every.total == 5 and not every.collapsed
        assert all("duplicates" not in h for h in every.hits)
        ranked = [docnum[h["id"]] for h in every.hits]
        collapsed = dedup.collapse(ranked, group_of)
        assert len(collapsed) == 1
        shown, others = collapsed[0]
        assert shown == ranked[0] and others == ranked[1:]  # the best-ranked copy stands for its group
        # The Searcher collapses the same way: one hit, the others as its duplicates.
        one = s.search("地震", per_page=20)
        assert one.collapsed and one.total == 1 and one.total_articles == 5
        [hit] = one.hits
        assert hit["id"] == every.hits[0]["id"]
        assert sorted(hit["duplicates"]) == sorted(h["id"] for h in every.hits[1:])
        assert sum(c["count"] for c in one.facets["month"]) == 1  # facets count groups too
        assert one.to_dict()["total_articles"] == 5
        # The article page lists its copies.
        assert sorted(c["id"] for c in s.get(hit["id"])["copies"]) == sorted(hit["duplicates"])
        assert s.get(OTHERS[0]["id"])["copies"] == []
        broad = [docnum[h["id"]] for h in s.search("首相 OR 地震 OR ドコモ", per_page=20, facets=False,
                                                    collapse=False).hits]
        assert len(dedup.collapse(broad, group_of)) == len(broad) - len(COPIES)
        collapsed_broad = s.search("首相 OR 地震 OR ドコモ", per_page=20, facets=False)
        assert collapsed_broad.total == len(broad) - len(COPIES)
        # Paging: a one-hit page of the collapsed list still finds every group.
        pages = [s.search("首相 OR 地震 OR ドコモ", page=p, per_page=1, facets=False).hits[0]["id"]
                 for p in range(1, collapsed_broad.total + 1)]
        assert pages == [h["id"] for h in collapsed_broad.hits]
        by_date = s.search("地震", sort="date")
        assert by_date.total == 1 and by_date.hits[0]["id"] == max(
            every.hits, key=lambda h: h["date"])["id"]  # the newest copy, sorted by date


def test_signatures_survive_batches_merges_and_deletions(tmp_path):
    from index.writer import delete

    index_dir = tmp_path / "index"
    articles = (QUOTED_1, BASE, UPDATE_A) + COPIES + (QUOTED_2, UPDATE_B)
    summary = index_paths([write_jsonl(tmp_path / "all.jsonl", articles)], index_dir, procs=1, batch_size=3)
    assert summary.added == len(articles) and summary.failed == 0

    def groups():
        ix = index.storage.open_index(index_dir)
        with ix.reader() as reader:
            ids = reader.column_reader("id")
            group_of = dedup.group_index(reader)
            out = {}
            for d in reader.all_doc_ids():
                out.setdefault(ids[group_of[d]], set()).add(ids[d])
            return sorted(sorted(g) for g in out.values() if len(g) > 1)

    assert groups() == [sorted(a["id"] for a in (BASE,) + COPIES)]
    assert delete(["wire/base"], index_dir) == 1
    # The next earliest copy leads the group now; the rewrite was near the
    # original only through their common headline, which the new first
    # copy does not have, so it stands alone.
    assert groups() == [sorted(a["id"] for a in (HEADLINE, FIGURE, CREDIT))]


def test_groups_are_kept_beside_the_index_for_the_next_process(tmp_path):
    """`search index` leaves the group index in the folder (a one-shot
    `search query` reads it instead of computing it); any later commit, a
    deletion too, makes it stale, and the next Searcher computes it anew."""
    from index.writer import delete

    index_dir = tmp_path / "index"
    articles = (BASE,) + COPIES + OTHERS
    index_paths([write_jsonl(tmp_path / "all.jsonl", articles)], index_dir, procs=1)
    saved = json.loads((index_dir / dedup.GROUPS_FILE).read_text(encoding="utf-8"))
    ix = index.storage.open_index(index_dir)
    with ix.reader() as reader:
        assert saved["group_of"] == dedup.group_index(reader, dates=dedup.article_dates(reader))
        ids = reader.column_reader("id")
        wire = {ids[d] for d, g in enumerate(saved["group_of"]) if g == saved["group_of"][0] or d == saved["group_of"][0]}
    with Searcher(index_dir) as s:
        assert s.search("地震", per_page=20, facets=False).total == 1
    assert delete(["wire/base"], index_dir) == 1
    with Searcher(index_dir) as s:
        result = s.search("地震", per_page=20, facets=False)
        # the rewrite stood by the original only (see the test above): two groups now
        assert result.total == 2 and result.total_articles == len(COPIES)
    again = json.loads((index_dir / dedup.GROUPS_FILE).read_text(encoding="utf-8"))
    assert again["key"] != saved["key"]  # recomputed for the commit that deleted
    assert "wire/base" in wire
