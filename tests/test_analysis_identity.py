"""The analysis pass gives exactly what it gave when the fixture was made.

``tests/data/analysis_digest.json`` holds SHA-256 digests (first 16 hex
digits) of everything index.analysis derives from a text, computed with the
code as it was before the analysis was made faster (issue 16), so any change
of output shows here, whatever made it:

* the morphemes of each analysis (surface, normalized, reading, part of
  speech, offsets, oov, term, A and B sub-units, user-dictionary entity);
* the streams of each field, as the index reads them (``part_streams`` of
  the combined title + body text for ``text``, ``text_ng`` and ``text_rd``,
  and of the title for ``title``), and ``body_position``;
* the entities the extractor finds in each analysis (``Analysis.entities``);
* the document ``to_document`` makes, less what
  index.entities.article derives from the entities (canonical names,
  credits), which has its own tests.

Over hand-written texts that reach the corners (half-width kana, joiners,
a given name read as a numeral, long and multi-chunk texts, lone
surrogates), over the same with a user dictionary that gives words an
entity type, and over every 25th article of the livedoor corpus (skipped
without it).  Analysis caches warm up as the texts come, so both the first
sight of a word and its later ones are checked.

A change that is *meant* to change the output (a new analyzer version)
regenerates the fixture, in its own commit:

    .venv/bin/python tests/test_analysis_identity.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script
    sys.path.insert(0, str(HERE.parent))

FIXTURE = HERE / "data" / "analysis_digest.json"
LIVEDOOR_STEP = 25  # every 25th article, in the reader's order
DIGITS = 16

# Fields of to_document that index.entities.article fills from the entities.
ARTICLE_ENTITY_FIELDS = frozenset({
    "entities", "entity_forms", "credited", "person", "place", "org",
    "_stored_person", "_stored_place", "_stored_org",
})
# Fields that are not the analysis: the time of writing (index.stamps) and
# the near-copy signature (index.dedup), each with its own tests.
NOT_ANALYSIS_FIELDS = frozenset({"indexed", "dup_sig", "dup_band"})
# Fields that name the file an article was read from: the digest keeps the
# part after the archive's own folder, so the fixture holds wherever the
# corpus lies (CI reads it from another path than a developer's checkout).
SOURCE_FIELDS = frozenset({"source", "_stored_source"})

TEXTS = [
    "",
    " ",
    "\n\n",
    "東京都庁で国際親善試合が行われた。",
    "米中央情報局のウィリアム・バーンズ長官は外務省を訪れた。",
    "東京都の小池百合子知事は大阪府警と日本サッカー協会を訪問した。",
    "加藤一二三九段が対局に臨んだ。加藤一二三さんは笑った。一二三四五。",
    "ｶﾞﾝﾀﾞﾑとｶﾞﾝﾀﾞﾑｴｰｽ、ヨシタケシンスケ、シーバス・リーガル、キム・ヨナ、ジャン＝ピエール・ポルナレフ。",
    "ＮＡＴＯとNATO、ＡＫＢ４８とAKB48、iPhone 5、ｉＰｈｏｎｅ、Ｇｏｏｇｌｅ。",
    "President Joe Biden met Prime Minister Fumio Kishida in Washington. Mr. Tanaka said so.",
    "BMW JAPAN とカートゥーン ネットワーク。Apple Japan、アップルジャパン。",
    "取り消し、取消し、取消、読み聞かせ、読聞かせ、四ツ谷と四谷、渡辺と渡邊、鎌ヶ谷と鎌ケ谷。",
    "日米首脳会談、英首相、米大統領、日中関係、日中は暑い。エリザベス女王とゼレンスキー大統領。",
    "株式会社トヨタ、トヨタ株式会社、(株)ドワンゴ、野村證券、NTTドコモ、自民党、早稲田大学病院、東京地検特捜部。",
    "水樹奈々、習近平、しゅうきんぺい、安中市、林さん、森氏、『プロメテウス』。",
    "１２３円、3日、二〇一二年九月五日、第３回、0.5％、１，０００人。",
    "絵文字😀と𠮷野家、髙橋さん、﨑、〆切、ヶ月、ゝゞヽヾ、ー。",
    "壊れた\ud800サロゲート\udfffと\ufffd。",
    "タブ\tと全角スペース\u3000と改行\r\nと\u200bゼロ幅。",
    "「かぎ括弧」（丸括弧）【隅付き】『二重』〈山〉《二重山》…‥・･=＝",
    "ｱｲｳｴｵｧｨｩｪｫｯｬｭｮｰﾞﾟ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ｳﾞｧｲｵﾘﾝ",
    "ヴァイオリン、ヴィーナス、ウィンドウズ、ディスプレイ、コンピューター、ミュージシャン。",
    ("国際親善試合の結果、日本代表は勝利した。\n" * 260) + "最後の行。",  # > one Sudachi chunk
    "長い一行" * 1200,  # a chunk without a line end to cut at
]

# Words of the user dictionary the last group of texts is analysed with.
USER_WORDS = [("ルナルナリ", "person"), ("ミライノミカタグループ", "org"), ("ほげ町", "place"), ("新語テスト", None)]
USER_TEXTS = [
    "新曲はルナルナリファンの間で話題になった。ルナルナリさんが歌った。",
    "新党ミライノミカタグループが会見した。ミライノミカタグループ代表の田中氏。",
    "ほげ町の新語テストとほげ町役場。",
    "ルナという名前の猫が人気だ。",
]


def _digest(obj) -> str:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:DIGITS]


def morpheme_rows(analysis) -> list:
    return [
        [m.surface, m.normalized, m.reading, list(m.pos), m.start, m.end, m.oov, m.term,
         [[a.term, a.start, a.end] for a in m.a_units], [[b.term, b.start, b.end] for b in m.b_units], m.entity]
        for m in analysis.morphemes
    ]


def entity_rows(analysis) -> list:
    return [[e.text, e.type, e.start, e.end, e.canonical] for e in analysis.entities]


def stream_rows(value) -> dict:
    """The three text streams of ``value`` as the index reads them."""
    from index.analysis import MorphTokenizer, NgramTokenizer, ReadingTokenizer, part_streams

    out = {}
    for name, tok in (("morph", MorphTokenizer()), ("ngram", NgramTokenizer()), ("reading", ReadingTokenizer())):
        out[name] = [[part.offset, part.boost, [list(t) for t in items], base]
                     for part, items, base in part_streams(value, tok.stream)]
    return out


def text_digests(text: str) -> dict:
    """Digests of one text analysed alone."""
    from index.analysis import analyze, body_position

    a = analyze(text)
    return {
        "morphemes": _digest(morpheme_rows(a)),
        "streams": _digest([stream_rows(text), body_position(text)]),
        "entities": _digest(entity_rows(a)),
    }


def _portable(source):
    """``source`` without the folders above the file or archive it names."""
    if not isinstance(source, str):
        return source
    path, sep, member = source.partition("!")
    return Path(path).name + sep + member


def article_digests(article: dict) -> dict:
    """Digests of one article as the index takes it (to_document)."""
    from index.analysis import MorphTokenizer, analyze, part_streams
    from index.schema import to_document

    doc = to_document(article)
    title, body = article.get("title") or "", article.get("body") or ""
    parts = [analyze(title), analyze(body)]
    document = {k: _portable(v) if k in SOURCE_FIELDS else v
                for k, v in sorted(doc.items()) if k not in ARTICLE_ENTITY_FIELDS | NOT_ANALYSIS_FIELDS}
    title_stream = [[p.offset, p.boost, [list(t) for t in items], base]
                    for p, items, base in part_streams(title, MorphTokenizer().stream)]
    return {
        "morphemes": _digest([morpheme_rows(a) for a in parts]),
        "streams": _digest([stream_rows(doc["text"]), title_stream, doc["body_pos"]]),
        "entities": _digest([entity_rows(a) for a in parts]),
        "document": _digest(document),
    }


def livedoor_sample(path) -> list:
    from index.readers import read_paths

    return list(read_paths([str(path)]))[::LIVEDOOR_STEP]


def user_dictionary(folder: Path):
    """A compiled user dictionary of USER_WORDS (index.userdict's own build)."""
    from index import userdict
    from index.analysis import UserDictionary

    words = [userdict.make_word(s, pos=p) if p else userdict.make_word(s) for s, p in USER_WORDS]
    name = userdict._compile(folder, words)
    return UserDictionary(str(folder / name), 1)


def compute(livedoor=None, userdict_folder=None) -> dict:
    from index.analysis import using_dictionary

    out = {"texts": [text_digests(t) for t in TEXTS]}
    if userdict_folder is not None:
        with using_dictionary(user_dictionary(userdict_folder)):
            out["user_texts"] = [text_digests(t) for t in USER_TEXTS + TEXTS[3:8]]
    if livedoor is not None:
        out["livedoor"] = {a["id"]: article_digests(a) for a in livedoor_sample(livedoor)}
    return out


def _fixture() -> dict:
    if not FIXTURE.exists():
        pytest.skip(f"no fixture {FIXTURE}")
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _differences(expected: dict, got: dict) -> list:
    return [(key, what) for key in expected for what in expected[key] if got.get(key, {}).get(what) != expected[key][what]]


def test_texts_analyse_as_before():
    fixture = _fixture()
    got = [text_digests(t) for t in TEXTS]
    bad = [(i, TEXTS[i][:30], what) for i, (e, g) in enumerate(zip(fixture["texts"], got)) for what in e if e[what] != g[what]]
    assert not bad, f"analysis changed for {bad}"


def test_texts_analyse_as_before_with_a_user_dictionary(tmp_path):
    from index.analysis import using_dictionary

    fixture = _fixture()
    texts = USER_TEXTS + TEXTS[3:8]
    with using_dictionary(user_dictionary(tmp_path)):
        got = [text_digests(t) for t in texts]
    bad = [(i, texts[i][:30], what) for i, (e, g) in enumerate(zip(fixture["user_texts"], got)) for what in e if e[what] != g[what]]
    assert not bad, f"analysis with a user dictionary changed for {bad}"


def test_livedoor_sample_analyses_as_before(livedoor_tgz):
    fixture = _fixture()["livedoor"]
    sample = livedoor_sample(livedoor_tgz)
    assert [a["id"] for a in sample] == list(fixture), "the reader gives other articles: regenerate the fixture"
    bad = []
    for a in sample:
        got = article_digests(a)
        bad.extend((a["id"], what) for what, d in fixture[a["id"]].items() if got[what] != d)
    assert not bad, f"{len(bad)} differences, first: {bad[:10]}"


def main(argv=None) -> int:
    import argparse
    import tempfile

    from conftest import LIVEDOOR_TGZ

    p = argparse.ArgumentParser(description="write (or check) the analysis digest fixture")
    p.add_argument("--write", action="store_true", help=f"write {FIXTURE.relative_to(HERE.parent)}")
    p.add_argument("--livedoor", default=str(LIVEDOOR_TGZ))
    args = p.parse_args(argv)
    if not Path(args.livedoor).exists():
        raise SystemExit(f"livedoor corpus not found at {args.livedoor}")
    with tempfile.TemporaryDirectory() as folder:
        result = compute(args.livedoor, Path(folder))
    if args.write:
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(result, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        print(f"wrote {FIXTURE}: {len(result['texts'])} texts, {len(result['user_texts'])} with a user dictionary, "
              f"{len(result['livedoor'])} livedoor articles")
        return 0
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    bad = [("texts", i) for i, (e, g) in enumerate(zip(expected["texts"], result["texts"])) if e != g]
    bad += [("user_texts", i) for i, (e, g) in enumerate(zip(expected["user_texts"], result["user_texts"])) if e != g]
    bad += _differences(expected["livedoor"], result["livedoor"])
    print("same" if not bad else f"{len(bad)} differences: {bad[:20]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
