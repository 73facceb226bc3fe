"""Named-entity extraction on real SudachiPy output.

Every sentence here was written for these tests; none is taken from a corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index import analysis as analysis_mod
from index.analysis import analyze
from index.entities import (
    ENTITY_TYPES,
    EXTRACTOR_VERSION,
    Entity,
    extract_entities,
)

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "000_48521b92a4068eb7.txt"
BENCH = Path(__file__).resolve().parent.parent / "bench" / "entities"


def ents(text):
    return [(e.text, e.type) for e in extract_entities(analyze(text))]


def spans(text):
    return [(e.start, e.end, e.type) for e in extract_entities(analyze(text))]


def rules(text):
    from index.entities import rule_entities

    return [(e.text, e.type) for e in rule_entities(analyze(text))]


def rule_spans(text):
    from index.entities import rule_entities

    return [(e.start, e.end, e.type) for e in rule_entities(analyze(text))]


def check_invariants(text, found):
    assert all(e.type in ENTITY_TYPES for e in found)
    assert all(e.text == text[e.start : e.end] and e.start < e.end for e in found)
    for a, b in zip(found, found[1:]):
        assert a.end <= b.start, (a, b)


def bench_module(name):
    import importlib
    import sys

    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


# ---------------------------------------------------------------------------
# API


def test_api_constants():
    assert ENTITY_TYPES == ("person", "place", "org")
    assert EXTRACTOR_VERSION == 3
    e = Entity("東京", "place", 0, 2)
    assert e.canonical == ""
    with pytest.raises(Exception):
        e.text = "大阪"  # frozen


def test_package_layout_and_public_api():
    import enum
    import importlib

    import index.entities as pkg

    assert Path(pkg.__file__).name == "__init__.py"  # a package, not index/entities.py
    assert not (Path(pkg.__file__).parent.parent / "entities.py").exists()
    for name in ("ENTITY_TYPES", "EXTRACTOR_VERSION", "Entity", "extract_entities", "rule_entities",
                 "decide", "Model", "Settings", "load_model", "Kind", "MODEL_PATH", "LEXICON_PATH"):
        assert name in pkg.__all__ and hasattr(pkg, name), name
    for module in ("entity", "morphemes", "lexicon", "rules", "features", "model", "canonical", "boilerplate"):
        importlib.import_module(f"index.entities.{module}")
    assert issubclass(pkg.Kind, enum.IntEnum)
    assert pkg.Kind.PLACE == 8 and pkg.Kind(5).name == "SEI"
    # evaluation lives in bench/entities, not in the package
    assert not hasattr(pkg, "evaluate")
    # what index/schema.py and index/analysis.py import
    from index.schema import to_document  # noqa: F401

    assert analyze("東京").entities == [Entity("東京", "place", 0, 2)]


def test_empty_and_entity_free_text():
    assert extract_entities(analyze("")) == []
    assert extract_entities(analyze("きょうはとても暑いので、水をたくさん飲んだ。")) == []


def test_analysis_property_is_cached():
    a = analyze("ロシアのプーチン大統領が北京を訪れた。")
    first = a.entities
    assert [(e.text, e.type) for e in first] == [
        ("ロシア", "place"),
        ("プーチン", "person"),
        ("北京", "place"),
    ]
    assert a.entities is first


def test_never_calls_sudachi_again(monkeypatch):
    a = analyze("米中央情報局のウィリアム・バーンズ長官は外務省を訪れた。")

    def boom():
        raise AssertionError("extract_entities must reuse the morphemes")

    monkeypatch.setattr(analysis_mod, "_sudachi", boom)
    assert ("ウィリアム・バーンズ", "person") in [(e.text, e.type) for e in extract_entities(a)]


def test_offsets_in_long_multi_chunk_text():
    line = "東京都の小池百合子知事は大阪府警と日本サッカー協会を訪問した。\n"
    text = line * 200  # > one 4,000-character Sudachi chunk
    found = extract_entities(analyze(text))
    check_invariants(text, found)
    assert len(found) == 4 * 200
    last = found[-4:]
    base = len(line) * 199
    assert [(e.start - base, e.end - base, e.type) for e in last] == [
        (0, 3, "place"),
        (4, 9, "person"),
        (12, 16, "org"),
        (17, 25, "org"),
    ]


# ---------------------------------------------------------------------------
# Rules, one sentence each (spans checked, not only surfaces)


def test_world_leaders_sentence():
    text = "ロシアのプーチン大統領は北京で中国の習近平国家主席と会談した。"
    assert spans(text) == [
        (0, 3, "place"),
        (4, 8, "person"),
        (12, 14, "place"),
        (15, 17, "place"),
        (18, 21, "person"),
    ]


def test_katakana_full_name_joined_by_dot_title_excluded():
    text = "米中央情報局（CIA）のウィリアム・バーンズ長官がモスクワを訪れた。"
    assert ents(text) == [
        ("米中央情報局", "org"),
        ("CIA", "org"),
        ("ウィリアム・バーンズ", "person"),
        ("モスクワ", "place"),
    ]
    assert spans(text)[2] == (12, 22, "person")


def test_nato_full_name_is_one_org():
    # Sudachi: 北 / 大西洋 / 条約 / 機構
    text = "北大西洋条約機構（NATO）の拡大を非難した。"
    assert spans(text) == [(0, 8, "org"), (9, 13, "org")]


def test_family_and_given_name_merged_without_title():
    text = "安倍晋三首相は外務省で記者会見を開いた。"
    assert spans(text) == [(0, 4, "person"), (7, 10, "org")]
    assert ents("小池百合子知事が視察した。") == [("小池百合子", "person")]


def test_prefecture_city_and_police():
    text = "東京都の小池百合子知事は大阪府警と日本サッカー協会を訪問した。"
    assert ents(text) == [
        ("東京都", "place"),
        ("小池百合子", "person"),
        ("大阪府警", "org"),
        ("日本サッカー協会", "org"),
    ]
    assert ents("福岡県警と兵庫県警察が合同で捜査した。") == [
        ("福岡県警", "org"),
        ("兵庫県警察", "org"),
    ]
    assert ents("横浜市と大阪府、カリフォルニア州を結ぶ。") == [
        ("横浜市", "place"),
        ("大阪府", "place"),
        ("カリフォルニア州", "place"),
    ]


def test_country_abbreviations_split_per_letter():
    text = "日米首脳会談の後、米中と日韓の関係が議論された。"
    assert spans(text) == [
        (0, 1, "place"),
        (1, 2, "place"),
        (9, 10, "place"),
        (10, 11, "place"),
        (12, 13, "place"),
        (13, 14, "place"),
    ]
    # 日中 is also "daytime"
    assert ents("日中は暑いので外出を控えた。") == []
    assert ents("日中関係が改善した。") == [("日", "place"), ("中", "place")]


def test_lone_country_letter_before_title():
    assert ents("英首相と露外相が電話で協議した。") == [("英", "place"), ("露", "place")]
    assert ents("ジョー・バイデン米大統領が演説した。") == [
        ("ジョー・バイデン", "person"),
        ("米", "place"),
    ]
    assert ents("米政府高官が明らかにした。") == [("米政府", "org")]
    # the rules want a title, a name or an institution after a lone letter
    # (the tagger, which learnt 米 as the US, may not: see bench/entities/README.md)
    assert rules("米の価格が上がった。") == []


def test_org_heads():
    assert ents("文部科学省と金融庁、警視庁が協議した。") == [
        ("文部科学省", "org"),
        ("金融庁", "org"),
        ("警視庁", "org"),
    ]
    assert ents("自民党と立憲民主党が国会で論戦した。") == [
        ("自民党", "org"),
        ("立憲民主党", "org"),
        ("国会", "org"),
    ]
    assert ents("京都大学病院と横浜高校、日本経済新聞が取材に応じた。") == [
        ("京都大学病院", "org"),
        ("横浜高校", "org"),
        ("日本経済新聞", "org"),
    ]
    assert ents("大阪地検特捜部が東京地裁に起訴した。") == [
        ("大阪地検特捜部", "org"),
        ("東京地裁", "org"),
    ]


def test_generic_heads_alone_are_not_orgs():
    text = "政府と与党、野党、同省、各党、地元の大学、私立高校、県警が対応した。"
    assert ents(text) == []


def test_company_forms():
    assert ents("株式会社サイバーエージェントとソフトバンクグループ株式会社が提携した。") == [
        ("株式会社サイバーエージェント", "org"),
        ("ソフトバンクグループ株式会社", "org"),
    ]
    assert ents("野村證券とトヨタ、NTTドコモ、NHKが参加した。") == [
        ("野村證券", "org"),
        ("トヨタ", "org"),
        ("NTTドコモ", "org"),
        ("NHK", "org"),
    ]


def test_unknown_proper_nouns_are_skipped():
    # iPhone is a product, not an organisation: no guess.
    assert ents("新しいiPhoneを買った。") == []


def test_unknown_katakana_name_before_title():
    assert ents("ゼレンスキー大統領とザッケローニ監督が会った。") == [
        ("ゼレンスキー", "person"),
        ("ザッケローニ", "person"),
    ]
    assert ents("エマニュエル・マクロン仏大統領がパリで演説した。") == [
        ("エマニュエル・マクロン", "person"),
        ("仏", "place"),
        ("パリ", "place"),
    ]
    # an unknown katakana word without a title is not a person
    assert ents("ゼレンスキーの演説を聞いた。") == []


def test_one_letter_names_need_a_title():
    assert ents("林氏と森さんが出席した。") == [("林", "person"), ("森", "person")]
    assert ents("林の中を歩いた。") == []


def test_title_inside_a_name_token_is_cut():
    # Sudachi gives エリザベス女王 as one 人名 token
    assert spans("エリザベス女王が来日した。") == [(0, 5, "person")]


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample article not present")
def test_sample_article():
    text = SAMPLE.read_text(encoding="utf-8")
    found = extract_entities(analyze(text))
    check_invariants(text, found)
    got = {(e.text, e.type) for e in found}
    for expected in [
        ("習近平", "person"),
        ("プーチン", "person"),
        ("ロシア", "place"),
        ("ウクライナ", "place"),
        ("ウィリアム・バーンズ", "person"),
        ("北大西洋条約機構", "org"),
        ("北京", "place"),
        ("中国", "place"),
    ]:
        assert expected in got, expected
    # titles never taken as names
    assert not any(e.text in ("国家主席", "大統領", "長官") for e in found)


# ---------------------------------------------------------------------------
# Evaluation on hand-annotated sentences (written for this test)

# (sentence, [(surface, type) in order of appearance])
GOLD = [
    ("ロシアのプーチン大統領は北京で中国の習近平国家主席と会談した。",
     [("ロシア", "place"), ("プーチン", "person"), ("北京", "place"), ("中国", "place"), ("習近平", "person")]),
    ("米中央情報局（CIA）のウィリアム・バーンズ長官はモスクワを訪れた。",
     [("米中央情報局", "org"), ("CIA", "org"), ("ウィリアム・バーンズ", "person"), ("モスクワ", "place")]),
    ("安倍晋三首相は日米首脳会談の後、外務省で記者会見を開いた。",
     [("安倍晋三", "person"), ("日", "place"), ("米", "place"), ("外務省", "org")]),
    ("東京都の小池百合子知事は大阪府警と日本サッカー協会を訪問した。",
     [("東京都", "place"), ("小池百合子", "person"), ("大阪府警", "org"), ("日本サッカー協会", "org")]),
    ("北大西洋条約機構（NATO）の加盟国はウクライナへの支援を表明した。",
     [("北大西洋条約機構", "org"), ("NATO", "org"), ("ウクライナ", "place")]),
    ("トヨタ自動車の豊田章男社長は名古屋市内で講演した。",
     [("トヨタ自動車", "org"), ("豊田章男", "person"), ("名古屋市", "place")]),
    ("日中関係の改善に向けて、岸田文雄首相と韓国の尹錫悦大統領が電話で協議した。",
     [("日", "place"), ("中", "place"), ("岸田文雄", "person"), ("韓国", "place"), ("尹錫悦", "person")]),
    ("自民党と立憲民主党は国会で補正予算案を審議した。",
     [("自民党", "org"), ("立憲民主党", "org"), ("国会", "org")]),
    ("横浜市の病院に勤める田中さんは、京都大学を卒業した。",
     [("横浜市", "place"), ("田中", "person"), ("京都大学", "org")]),
    ("ゼレンスキー大統領はキーウで英国のジョンソン首相と会談した。",
     [("ゼレンスキー", "person"), ("キーウ", "place"), ("英国", "place"), ("ジョンソン", "person")]),
    ("日本銀行の黒田東彦総裁は金融緩和を続ける考えを示した。",
     [("日本銀行", "org"), ("黒田東彦", "person")]),
    ("米中の対立が深まる中、ソニーグループはカリフォルニア州に新しい拠点を設けた。",
     [("米", "place"), ("中", "place"), ("ソニーグループ", "org"), ("カリフォルニア州", "place")]),
    ("福岡県警は、会社員の山本太郎容疑者を詐欺の疑いで逮捕した。",
     [("福岡県警", "org"), ("山本太郎", "person")]),
    ("文部科学省によると、全国の小学校で英語の授業が始まった。",
     [("文部科学省", "org")]),
    ("サッカー日本代表の森保一監督は、NHKの番組で札幌と大阪の試合について語った。",
     [("日本", "place"), ("森保一", "person"), ("NHK", "org"), ("札幌", "place"), ("大阪", "place")]),
    ("エマニュエル・マクロン仏大統領はパリで欧州連合（EU）の首脳と協議した。",
     [("エマニュエル・マクロン", "person"), ("仏", "place"), ("パリ", "place"), ("欧州連合", "org"), ("EU", "org")]),
    ("日韓両政府は、北朝鮮のミサイル発射について情報を共有した。",
     [("日", "place"), ("韓", "place"), ("北朝鮮", "place")]),
    ("楽天の三木谷浩史会長兼社長は、東京都世田谷区の本社で新サービスを発表した。",
     [("楽天", "org"), ("三木谷浩史", "person"), ("東京都世田谷区", "place")]),
    ("国際オリンピック委員会（IOC）のバッハ会長が来日し、広島を訪れた。",
     [("国際オリンピック委員会", "org"), ("IOC", "org"), ("バッハ", "person"), ("広島", "place")]),
    ("大阪地検特捜部は、元市議の男を背任の疑いで逮捕した。",
     [("大阪地検特捜部", "org")]),
    ("中国外務省の報道官は、台湾をめぐる米国の姿勢を批判した。",
     [("中国外務省", "org"), ("台湾", "place"), ("米国", "place")]),
    ("警視庁は、渋谷区の飲食店経営者で中国籍の王容疑者を逮捕した。",
     [("警視庁", "org"), ("渋谷区", "place"), ("中国", "place"), ("王", "person")]),
]

# Annotated before the extractor was run on them, and not tuned on since.
HELD_OUT = [
    ("経済産業省の幹部は、シャープと台湾の鴻海精密工業の提携について説明した。",
     [("経済産業省", "org"), ("シャープ", "org"), ("台湾", "place"), ("鴻海精密工業", "org")]),
    ("米国のバイデン大統領は、ワシントンで独のショルツ首相と会談した。",
     [("米国", "place"), ("バイデン", "person"), ("ワシントン", "place"), ("独", "place"), ("ショルツ", "person")]),
    ("早稲田大学の山田花子教授によると、埼玉県川口市の人口は増えている。",
     [("早稲田大学", "org"), ("山田花子", "person"), ("埼玉県川口市", "place")]),
    ("日本郵政グループは、群馬県前橋市に新しい物流拠点を開設すると発表した。",
     [("日本郵政グループ", "org"), ("群馬県前橋市", "place")]),
    ("大谷翔平選手はロサンゼルス・エンゼルスからドジャースに移籍した。",
     [("大谷翔平", "person"), ("ロサンゼルス・エンゼルス", "org"), ("ドジャース", "org")]),
    ("英国のエリザベス女王の葬儀には、天皇皇后両陛下も参列された。",
     [("英国", "place"), ("エリザベス", "person")]),
    ("日露交渉について、鈴木宗男参院議員は札幌市で講演した。",
     [("日", "place"), ("露", "place"), ("鈴木宗男", "person"), ("参院", "org"), ("札幌市", "place")]),
    ("阪神タイガースの岡田彰布監督は、兵庫県西宮市で記者団の質問に答えた。",
     [("阪神タイガース", "org"), ("岡田彰布", "person"), ("兵庫県西宮市", "place")]),
    ("欧州中央銀行（ECB）のラガルド総裁は、フランクフルトで利上げを発表した。",
     [("欧州中央銀行", "org"), ("ECB", "org"), ("ラガルド", "person"), ("フランクフルト", "place")]),
    ("パナソニックと日立製作所は、インドのタタ・グループと提携した。",
     [("パナソニック", "org"), ("日立製作所", "org"), ("インド", "place"), ("タタ・グループ", "org")]),
    ("厚生労働省の専門家会議は、沖縄県と北海道で感染者が増えていると指摘した。",
     [("厚生労働省", "org"), ("沖縄県", "place"), ("北海道", "place")]),
    ("韓国サムスン電子の李在鎔会長は、ソウルで記者会見を開いた。",
     [("韓国", "place"), ("サムスン電子", "org"), ("李在鎔", "person"), ("ソウル", "place")]),
    ("田中角栄元首相の娘の田中真紀子氏は、新潟県で講演した。",
     [("田中角栄", "person"), ("田中真紀子", "person"), ("新潟県", "place")]),
]


# The sentences above were written for the rule system's tests; the
# tagger, trained on Wikipedia and livedoor text, is held to these floors.
GOLD_FLOOR = 0.85
HELD_OUT_FLOOR = 0.75


def gold_spans(text, annotated):
    """(start, end, type) for surfaces listed in order of appearance."""
    out, pos = [], 0
    for surface, typ in annotated:
        start = text.index(surface, pos)
        out.append((start, start + len(surface), typ))
        pos = start + len(surface)
    return out


def score(data):
    scorer = bench_module("score")
    gold = [gold_spans(text, annotated) for text, annotated in data]
    predicted = [[(e.start, e.end, e.type) for e in extract_entities(analyze(text))] for text, _ in data]
    return scorer.score(gold, predicted)


def format_table(result):
    return bench_module("score").format_table(result, confusion=False)


def test_scorer_counts_and_unscored_regions():
    scorer = bench_module("score")
    gold = [[(0, 2, "place"), (3, 5, "person")], [(0, 3, "org")]]
    predicted = [[(0, 2, "place"), (3, 5, "org")], []]
    r = scorer.score(gold, predicted)
    assert (r["place"]["tp"], r["place"]["fp"], r["place"]["fn"]) == (1, 0, 0)
    assert (r["person"]["tp"], r["person"]["fn"]) == (0, 1)
    assert (r["org"]["tp"], r["org"]["fp"], r["org"]["fn"]) == (0, 1, 1)
    assert r["all"]["precision"] == pytest.approx(0.5)
    assert r["all"]["recall"] == pytest.approx(1 / 3)
    assert r["all"]["f1"] == pytest.approx(0.4)
    # a prediction inside an unscored span (a Stockmark facility) counts neither way
    r = scorer.score([[(0, 2, "place")]], [[(0, 2, "place"), (5, 9, "place")]], [[(4, 10)]])
    assert (r["all"]["tp"], r["all"]["fp"], r["unscored"]) == (1, 0, 1)


def test_gold_annotations_are_well_formed():
    for text, annotated in GOLD + HELD_OUT:
        assert all(t in ENTITY_TYPES for _, t in annotated)
        gold_spans(text, annotated)  # every surface found, in order


def test_evaluation_table():
    result = score(GOLD)
    print("\n" + format_table(result))
    assert result["all"]["f1"] >= GOLD_FLOOR


def test_held_out_evaluation_table():
    result = score(HELD_OUT)
    print("\n" + format_table(result))
    assert result["all"]["f1"] >= HELD_OUT_FLOOR


# ---------------------------------------------------------------------------
# The tagger over the rules

from index import entities as entities_mod  # noqa: E402
from index.entities import LABELS, Model, decide, load_model, rule_entities  # noqa: E402


def test_shipped_model_and_lexicon_are_small_and_well_formed():
    import gzip
    import json

    model_path, lexicon_path = entities_mod.MODEL_PATH, entities_mod.LEXICON_PATH
    assert model_path.stat().st_size + lexicon_path.stat().st_size < 20 * 1024 * 1024
    model = json.loads(model_path.read_text(encoding="utf-8"))
    assert model["labels"] == list(LABELS) == ["O", "B-person", "I-person", "B-place", "I-place", "B-org", "I-org"]
    assert model["extractor_version"] == EXTRACTOR_VERSION
    assert set(model["settings"]) == {"o_bias", "partial", "trust", "prune"}
    assert all(len(w) == len(LABELS) for w in model["weights"].values())
    assert "CC BY-SA 3.0" in model["license"]
    # the gazetteer holds names (of the Wikipedia training pages), no running text
    gazetteer = model.get("gazetteer", {})
    assert all(len(name) <= 80 and set(types) <= {"person", "place", "org", "pname"} for name, types in gazetteer.items())
    with gzip.open(lexicon_path, "rt", encoding="utf-8") as f:
        types = {line.split("\t", 1)[0] for line in f}
    assert types == {"org", "person", "art", "fname"}
    readme = (model_path.parent / "README.md").read_text(encoding="utf-8")
    for needed in ("CC BY-SA 3.0", "CC BY-SA 4.0", "Stockmark", "JMnedict", "entity_model.json"):
        assert needed in readme, needed


def test_without_weights_the_rules_decide_alone():
    a = analyze("安倍晋三首相は外務省でAKB48の前田敦子と会った。")
    assert decide(a, Model({})) == rule_entities(a)


def test_viterbi_keeps_bio_constraints():
    from index.entities.model import spans as label_spans
    from index.entities.model import viterbi

    # I-org scores best at the start, but may only follow B-org
    labels = viterbi([(0, 0, 0, 0, 0, 1, 5), (0, 0, 0, 0, 0, 0, 3)])
    assert LABELS[labels[0]] != "I-org" and labels == [5, 6]
    assert label_spans([5, 6, 0, 1], 10) == [(10, 12, "org"), (13, 14, "person")]


def test_model_finds_names_the_dictionary_lacks():
    # written for this test: a group and a shop chain Sudachi does not know
    assert ents("AKB48の前田敦子が卒業を発表した。") == [("AKB48", "org"), ("前田敦子", "person")]
    assert ("ヨドバシカメラ", "org") in ents("ヤマダ電機とヨドバシカメラが値下げした。")


def test_organisations_of_common_nouns():
    # the rules need a head with evidence; the tagger learns such names
    assert ("日本野鳥の会", "org") not in rules("日本野鳥の会が調査した。")  # not reachable: の
    found = ents("連邦取引委員会と人文地理学会が声明を出した。")
    assert ("連邦取引委員会", "org") in found


def test_caches_do_not_change_answers():
    text = "東京都の小池百合子知事は大阪府警と日本サッカー協会を訪問した。"
    shipped = load_model()
    fresh = decide(analyze(text), Model(shipped.weights, shipped.settings, gazetteer=shipped.gazetteer))  # empty caches
    for _ in range(2):
        assert extract_entities(analyze(text)) == fresh


def test_empty_morphemes_do_not_break_the_tagger():
    # Sudachi gives empty 句点 and 数詞 tokens after …… and ㎡
    text = "お祝い貧乏……という「お祝い」。70㎡台〜120㎡台まで、ソニーが売る。"
    assert any(not m.surface for m in analyze(text).morphemes)
    found = extract_entities(analyze(text))
    check_invariants(text, found)


# ---------------------------------------------------------------------------
# Latin script: names, or nothing, never a sentence


LATIN = [
    "Prime Minister Fumio Kishida met Joe Biden in Washington.",
    "President Joe Biden said the United States would help Japan.",
    "The company said on Monday that sales rose in Tokyo and Osaka.",
    "岸田文雄首相は Joe Biden 大統領と会談し、Washington で記者会見した。",
]


@pytest.mark.parametrize("text", LATIN)
def test_latin_sentences_give_names_not_sentences(text):
    found = extract_entities(analyze(text))
    check_invariants(text, found)
    for e in found:
        words = e.text.split()
        assert len(words) <= 3, e
        assert all(w[0].isupper() or not w.isascii() for w in words), e  # no "met", "in", "said"
        assert not any(w.rstrip(".").lower() in ("prime", "minister", "president") for w in words), e


def test_latin_names_after_an_english_title_are_people():
    assert ("Fumio Kishida", "person") in ents(LATIN[0])
    assert ("Joe Biden", "person") in ents(LATIN[1])
    assert ("Jane Smith", "person") in ents("Mr. Tanaka met Dr. Jane Smith.")


# ---------------------------------------------------------------------------
# The evaluation data in bench/entities (ids and offsets only) and its scorer


def test_annotation_sets_are_well_formed_and_apart():
    corpus = bench_module("corpus")
    evaluation = corpus.load_set(BENCH / "eval.jsonl")
    training = corpus.load_set(BENCH / "train.jsonl")
    assert len(evaluation) >= 200
    assert len({it["category"] for it in evaluation}) == 9
    assert not {it["id"] for it in evaluation} & {it["id"] for it in training}
    for it in evaluation + training:
        assert set(it) == {"id", "category", "start", "end", "entities"}, it
        assert 0 <= it["start"] < it["end"]
        spans = sorted(it["entities"])
        for s, e, t in spans:
            assert 0 <= s < e <= it["end"] - it["start"] and t in ENTITY_TYPES, it
        for a, b in zip(spans, spans[1:]):
            assert a[1] <= b[0], it  # disjoint


def test_annotation_lists_parse_names_with_spaces(tmp_path):
    annotate = bench_module("annotate")
    path = tmp_path / "lists.txt"
    path.write_text("3: カートゥーン ネットワーク/O 奥 華子/P 日/L\n7: Nobuka Kojima/P\n", encoding="utf-8")
    lists = annotate.parse_lists([path])
    assert lists == {
        3: [("カートゥーン ネットワーク", "org"), ("奥 華子", "person"), ("日", "place")],
        7: [("Nobuka Kojima", "person")],
    }


def test_scorer_confusion_table():
    score = bench_module("score")
    gold = [[(0, 2, "place"), (3, 5, "person")], [(0, 3, "org")]]
    predicted = [[(0, 2, "place"), (3, 5, "org")], [(4, 6, "person")]]
    r = score.score(gold, predicted)
    assert (r["place"]["tp"], r["person"]["fn"], r["org"]["fp"], r["org"]["fn"]) == (1, 1, 1, 1)
    assert r["confusion"] == {"person>org": 1, "place>place": 1, "org>-": 1, "->person": 1}
    table = score.format_table(r)
    assert "confusion" in table and table.splitlines()[0].split()[:4] == ["type", "P", "R", "F1"]


def test_splits_are_apart():
    datasets = bench_module("datasets")
    corpus = bench_module("corpus")
    train_ids = {it["id"] for it in corpus.load_set(BENCH / "train.jsonl")}
    assert not train_ids & {it["id"] for it in corpus.load_set(BENCH / "eval.jsonl")}
    dev_ids = {i for i in train_ids if datasets.livedoor_dev_article(i)}
    assert 0.1 < len(dev_ids) / len(train_ids) < 0.3
    if not datasets.WIKIPEDIA.exists():
        pytest.skip(f"Stockmark NE data not found at {datasets.WIKIPEDIA}")
    split = datasets.wikipedia_splits(datasets.wikipedia_items())
    pages = {k: {it["curid"] for it in v} for k, v in split.items()}
    assert not pages["train"] & pages["test"] and not pages["dev"] & pages["test"]
    assert not pages["train"] & pages["dev"]
    assert 0.18 < len(pages["test"]) / sum(len(p) for p in pages.values()) < 0.22


def test_stockmark_conventions_mapping():
    datasets = bench_module("datasets")

    def conv(name, typ):
        return datasets.convert_stockmark({"name": name, "type": typ, "span": [0, len(name)]})[2]

    assert conv("山田太郎", "人名") == "person"
    assert conv("東京都", "地名") == "place"
    assert conv("外務省", "政治的組織名") == conv("ソニー", "法人名") == conv("SMAP", "その他の組織名") == "org"
    assert conv("iPhone", "製品名") is None and conv("東日本大震災", "イベント名") is None
    # where GUIDE.md and Stockmark disagree, the span is not scored
    assert conv("日本代表", "その他の組織名") == "unscored"  # GUIDE: 日本 is a place
    assert conv("日韓W杯", "イベント名") == "unscored"  # GUIDE: 日, 韓
    assert conv("ロンドンオリンピック", "イベント名") == "unscored"  # GUIDE: ロンドン
    assert conv("東京ドーム", "施設名") == "unscored"  # GUIDE: a venue is a place, a school an org


# The goals: micro F1 >= 0.75 on text unlike the training data,
# person >= 0.85, place >= 0.80, org >= 0.65.  Each test split is scored
# with the shipped model, which never saw it (bench/entities/datasets.py).
# The livedoor test split meets all four (0.803; 0.864, 0.813, 0.701).  The
# Wikipedia test split meets micro and org (0.773, 0.734) but not person
# (0.825) or place (0.787): its floors below are those figures less a
# margin, to catch a regression, not the goals.
LIVEDOOR_FLOORS = {"all": 0.75, "person": 0.85, "place": 0.80, "org": 0.65}
WIKIPEDIA_FLOORS = {"all": 0.75, "person": 0.81, "place": 0.77, "org": 0.70}


def test_livedoor_test_split_scores(livedoor_tgz):
    """eval.jsonl: livedoor articles no training sentence came from."""
    datasets = bench_module("datasets")
    score = bench_module("score")
    items = datasets.livedoor_splits(livedoor_tgz)["test"]
    result = score.score([it["entities"] for it in items], score.predict_in_process([it["text"] for it in items]))
    print("\n" + score.format_table(result))
    for t, floor in LIVEDOOR_FLOORS.items():
        assert result[t]["f1"] >= floor, (t, result[t])


def test_wikipedia_test_split_scores():
    """Stockmark's Wikipedia sentences of the 20% of pages held out."""
    datasets = bench_module("datasets")
    if not datasets.WIKIPEDIA.exists():
        pytest.skip(f"Stockmark NE data not found at {datasets.WIKIPEDIA}")
    score = bench_module("score")
    items = datasets.wikipedia_splits(datasets.wikipedia_items())["test"]
    predicted = score.predict_in_process([it["text"] for it in items])
    result = score.score([it["entities"] for it in items], predicted, [it["ignore"] for it in items])
    print("\n" + score.format_table(result))
    for t, floor in WIKIPEDIA_FLOORS.items():
        assert result[t]["f1"] >= floor, (t, result[t])


def test_cli_analyze_json_gives_the_library_entities():
    """`search analyze --json -` is how an outside scorer reads the extractor."""
    score = bench_module("score")
    texts = [
        "ロシアのプーチン大統領は北京で中国の習近平国家主席と会談した。",
        "AKB48の前田敦子が卒業を発表した。",
        "",
        "日米首脳会談の後、大阪府警が会見した。",
    ]
    assert score.predict_cli(texts) == score.predict_in_process(texts)


# ---------------------------------------------------------------------------
# Canonical names (index.entities.canonical)

from index.entities import canonical as canon  # noqa: E402


def test_display_form_folds_width_case_and_dots():
    assert canon.display_form("マンＵ") == canon.display_form("マンU") == "マンU"
    assert canon.display_form("ｼﾞｮﾝ･ﾚﾉﾝ") == canon.display_form("ジョン・レノン") == "ジョン・レノン"
    assert canon.display_form("  ＮＨＫ\u3000") == "NHK"
    assert canon.display_form("DeNA") == "DeNA"  # case is kept for display
    # the key folds case, dots, spaces and company designators as well
    assert canon.canonical_key("マンＵ") == canon.canonical_key("マンu") == canon.canonical_key("マンU")
    assert canon.canonical_key("ジョン・レノン") == canon.canonical_key("ジョンレノン")
    assert canon.canonical_key("株式会社サイバーエージェント") == canon.canonical_key("サイバーエージェント")
    assert canon.canonical_key("（株）ドワンゴ") == canon.canonical_key("ドワンゴ")
    assert canon.canonical_key("Apple Inc.") == canon.canonical_key("apple")
    assert canon.canonical_key("Tesco") == "tesco"  # "co" is a designator only after a space
    assert canon.choose_display(["GOOGLE", "Google", "Google", "GOOGLE"]) == "Google"


def test_width_variants_in_one_article_are_one_chip():
    from collections import Counter

    text = "マンＵの監督が来日した。\n香川真司が所属するマンUは勝った。"
    found = [Entity("マンＵ", "org", 0, 3), Entity("香川真司", "person", 13, 17), Entity("マンU", "org", 22, 25)]
    assert [text[e.start : e.end] for e in found] == [e.text for e in found]
    chips = Counter(e.canonical for e in canon.resolve_in_article(found) if e.type == "org")
    assert chips == Counter({"マンU": 2})
    # and through the alias table, both are the club's one name
    aliases = canon.load_aliases()
    assert {aliases.canonical(e.canonical, e.type) for e in canon.resolve_in_article(found) if e.type == "org"} == {
        "マンチェスター・ユナイテッド"
    }


def test_surname_after_full_name_is_one_person():
    article = "本田圭佑がゴールを決めた。\n試合後、本田は「次も勝つ」と話した。"
    found = canon.resolve_in_article(extract_entities(analyze(article)))
    people = [e for e in found if e.type == "person"]
    assert [e.text for e in people] == ["本田圭佑", "本田"]
    assert {e.canonical for e in people} == {"本田圭佑"}


def test_resolve_in_article_short_forms():
    E = Entity
    found = canon.resolve_in_article([
        E("セルジオ越後", "person", 0, 6), E("セルジオ", "person", 10, 14),
        E("ドナルド・トランプ", "person", 20, 29), E("トランプ", "person", 30, 34),
        E("NTTドコモ", "org", 40, 46), E("ドコモ", "org", 50, 53),
        E("トヨタ自動車", "org", 60, 66), E("トヨタ", "org", 70, 73),
        E("自由民主党", "org", 80, 85), E("民主党", "org", 90, 93),
        E("田中角栄", "person", 100, 104), E("田中真紀子", "person", 110, 115), E("田中", "person", 120, 122),
        E("NTT", "org", 130, 133), E("東京都", "place", 140, 143), E("東京", "place", 150, 152),
    ])
    got = {(e.text, e.start): e.canonical for e in found}
    assert got[("セルジオ", 10)] == "セルジオ越後"
    assert got[("トランプ", 30)] == "ドナルド・トランプ"
    assert got[("ドコモ", 50)] == "NTTドコモ"
    assert got[("トヨタ", 70)] == "トヨタ自動車"
    assert got[("民主党", 90)] == "民主党"  # a party of its own, not 自由民主党
    assert got[("田中", 120)] == "田中"  # two full names fit: left alone
    assert got[("NTT", 130)] == "NTT"  # NTTドコモ is another company
    assert got[("東京", 150)] == "東京"  # places are the alias table's business
    assert [e.start for e in found] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]


def test_alias_table_maps_countries_and_abbreviations():
    aliases = canon.load_aliases()
    assert not [p for p in aliases.problems if not p.warning], aliases.problems
    assert 100 <= len(aliases) <= 300
    # 米国 and アメリカ in two articles: one canonical place
    a1 = extract_entities(analyze("米国の大統領が来日した。"))
    a2 = extract_entities(analyze("アメリカの企業が参入した。"))
    names = {aliases.canonical(e.canonical or e.text, e.type) for e in canon.resolve_in_article(a1) + canon.resolve_in_article(a2)
             if e.type == "place"}
    assert names == {"アメリカ"}
    for letter, country in [("米", "アメリカ"), ("英", "イギリス"), ("中", "中国"), ("韓", "韓国"), ("露", "ロシア"),
                            ("独", "ドイツ"), ("仏", "フランス"), ("豪", "オーストラリア"), ("伊", "イタリア"),
                            ("加", "カナダ"), ("印", "インド"), ("朝", "北朝鮮")]:
        assert aliases.canonical(letter, "place") == country, letter
    assert aliases.canonical("国際連合", "org") == aliases.canonical("国連", "org") == "国連"
    assert aliases.canonical("ドコモ", "org") == aliases.canonical("ＮＴＴドコモ", "org") == "NTTドコモ"
    assert aliases.canonical("欧州連合", "org") == "EU"
    assert aliases.canonical("米", "org") == "米"  # per type: no place set applies to an org
    assert aliases.canonical("インテル", "org") == "インテル"  # Intel or Inter Milan: not listed
    assert aliases.forms("アメリカ", "place")[:2] == ["アメリカ", "米国"]
    assert aliases.forms("未知の会社", "org") == ["未知の会社"]


def test_user_alias_file_adds_and_overrides(tmp_path):
    user = tmp_path / "aliases.txt"
    user.write_text("org: ジャパネットたかた, ジャパネット\nplace: 米国, アメリカ\n", encoding="utf-8")
    before = canon.load_aliases()
    assert before.canonical("ジャパネット", "org") == "ジャパネット"
    after = canon.load_aliases(user)
    assert after.canonical("ジャパネット", "org") == "ジャパネットたかた"
    # merged into the default set, the user's first form now the canonical
    assert after.canonical("米", "place") == after.canonical("アメリカ", "place") == "米国"
    assert [str(p) for p in after.problems if not p.warning] == []
    assert any(p.warning and p.line == 2 for p in after.problems)


def test_broken_alias_lines_are_reported_with_file_and_line(tmp_path):
    user = tmp_path / "aliases.txt"
    user.write_bytes(
        "org: 良い会社, イイカイシャ\n"
        "ただの文\n"
        "place: 一つだけ\n"
        "thing: a, b\n"
        "person: 山田花子, ハナコ\n".encode("utf-8") + b"org: \xff\xfe, x\n"
    )
    aliases = canon.load_aliases(user, defaults=False)
    problems = [str(p) for p in aliases.problems if not p.warning]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{user}:2", f"{user}:3", f"{user}:4", f"{user}:6"]
    assert aliases.canonical("イイカイシャ", "org") == "良い会社"  # the good lines still load
    assert aliases.canonical("ハナコ", "person") == "山田花子"
    missing = canon.load_aliases(tmp_path / "nope.txt", defaults=False)
    assert len(missing.problems) == 1 and "cannot read" in str(missing.problems[0])


def test_alias_source_rereads_a_changed_file(tmp_path):
    import os

    user = tmp_path / "aliases.txt"
    user.write_text("org: 甲社, コウシャ\n", encoding="utf-8")
    source = canon.AliasSource(user)
    assert source.current().canonical("コウシャ", "org") == "甲社"
    user.write_text("org: 乙社, コウシャ\n", encoding="utf-8")
    os.utime(user, ns=(1, 2))  # a different stamp even within one clock tick
    assert source.current().canonical("コウシャ", "org") == "乙社"


# ---------------------------------------------------------------------------
# Boilerplate (index.entities.boilerplate)

from collections import Counter  # noqa: E402

from index.entities.boilerplate import boilerplate_names, credited_names  # noqa: E402


def test_boilerplate_name_in_every_article_of_its_source():
    counts = {
        "smax": Counter({"エスマックス": 40, "NTTドコモ": 15, "日本": 12}),
        "sports": Counter({"日本": 30, "巨人": 8}),
        "tiny": Counter({"毎回の名前": 10}),
    }
    articles = {"smax": 40, "sports": 50, "tiny": 10}
    result = boilerplate_names(counts, articles)
    assert result == {"smax": frozenset({"エスマックス"}), "sports": frozenset(), "tiny": frozenset()}
    # 日本 in 60% of the sports articles, but the others repeat it too: news
    counts["smax"]["日本"] = 30
    assert boilerplate_names(counts, articles)["sports"] == frozenset()
    # a lone source: the share decides
    assert boilerplate_names({"s": Counter({"日本": 30})}, {"s": 50}) == {"s": frozenset({"日本"})}
    with pytest.raises(ValueError):
        boilerplate_names(counts, articles, share=0)


def test_bylines_from_credit_lines():
    body = "新しい計測器を紹介する。\n\n（MIYUKI KOMATSU）\n\n■関連記事\n・ソニーが新製品"
    found = [Entity("MIYUKI KOMATSU", "person", body.index("MIYUKI"), body.index("MIYUKI") + 14),
             Entity("ソニー", "org", body.index("ソニー"), body.index("ソニー") + 3)]
    assert credited_names(body, found) == {"MIYUKI KOMATSU"}
    assert credited_names("（文：林由美）", [Entity("林由美", "person", 3, 6)]) == {"林由美"}
    counts = {"kaden": Counter({"MIYUKI KOMATSU": 9, "ソニー": 20}), "other": Counter({"ソニー": 10})}
    credits = {"kaden": Counter({"MIYUKI KOMATSU": 9})}
    # in 9 of 100 articles: too few for the share, but always as a credit
    assert boilerplate_names(counts, {"kaden": 100, "other": 80}, credits)["kaden"] == frozenset({"MIYUKI KOMATSU"})
