"""Vocabulary the newsroom controls (issue 8): synonyms at query time, the
user dictionary, era dates, numerals and kana input.

Real Sudachi, real Whoosh indexes in temporary folders, the real CLI as a
process.  The user-dictionary index is built once per session
(``userdict_index``) because compiling a Sudachi user dictionary takes a few
seconds; the web tests reuse it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index import userdict
from index.analysis import analyze
from search import QuerySyntaxError, Searcher, index_paths
from search.dates import DateError, describe_date, format_wareki, parse_period
from search.query import explain
from search.synonyms import SynonymSource, load_synonyms, synonym_set

REPO = Path(__file__).resolve().parents[1]

# id -> (date, title, body).  Titles are kept free of the words under test
# unless the test is about them.
ARTICLES = {
    # synonyms: three articles use the abbreviation, one only the full name
    "boj-abbr-1": ("2012-09-04T10:00:00+09:00", "金融政策の決定", "日銀は追加の金融緩和を決めた。"),
    "boj-abbr-2": ("2012-09-05T10:00:00+09:00", "市場の反応", "日銀の決定に市場は反応した。"),
    "boj-abbr-3": ("2012-09-06T10:00:00+09:00", "会見の要旨", "日銀が会見で説明した。"),
    "boj-full": ("2012-09-07T10:00:00+09:00", "銀行の総裁会見", "日本銀行総裁が記者会見を開いた。"),
    "un-full": ("2012-09-08T10:00:00+09:00", "総会の開幕", "国際連合の総会がニューヨークで開幕した。"),
    "olympics": ("2012-08-01T10:00:00+09:00", "夏の大会", "ロンドンオリンピックで日本は金メダルを取った。"),
    # numerals
    "kenpo-kanji": ("2012-05-03T10:00:00+09:00", "憲法記念日", "憲法九条の改正を巡って議論が続いた。"),
    "kenpo-digit": ("2012-05-04T10:00:00+09:00", "世論調査", "憲法9条を変えるべきかを尋ねた。"),
    "people-kanji": ("2012-06-01T10:00:00+09:00", "事故の続報", "乗客二十五人が病院に運ばれた。"),
    "hifumin": ("2012-06-02T10:00:00+09:00", "将棋の話題", "加藤一二三九段が対局に臨んだ。"),
    "number-123": ("2012-06-03T10:00:00+09:00", "集計の結果", "参加者は123人にのぼった。"),
    # kana input
    "flu": ("2012-01-20T10:00:00+09:00", "流行の兆し", "インフルエンザの患者が増えている。"),
    # era boundaries (Japan time)
    "showa-last": ("1989-01-07T12:00:00+09:00", "昭和最後の日", "この日の記事。"),
    "heisei-first": ("1989-01-08T12:00:00+09:00", "平成最初の日", "この日の記事。"),
    "heisei-last": ("2019-04-30T12:00:00+09:00", "平成最後の日", "この日の記事。"),
    "reiwa-first": ("2019-05-01T12:00:00+09:00", "令和最初の日", "この日の記事。"),
    "reiwa-2": ("2020-03-01T12:00:00+09:00", "令和二年の記事", "この日の記事。"),
}


def write_articles(path: Path, articles: dict) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for article_id, (date, title, body) in articles.items():
            f.write(json.dumps({"id": article_id, "title": title, "body": body, "date": date},
                               ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def vocab_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vocabulary")
    summary = index_paths([write_articles(folder / "articles.jsonl", ARTICLES)], folder / "index")
    assert summary.added == len(ARTICLES) and summary.failed == 0, summary.problems
    return folder / "index"


@pytest.fixture(scope="module")
def searcher(vocab_index):
    with Searcher(vocab_index) as s:
        yield s


def ids(result) -> list:
    return [h["id"] for h in result.hits]


# ---------------------------------------------------------------------------
# Synonyms


def test_abbreviation_finds_full_name_ranked_below_exact_matches(searcher):
    result = searcher.search("日銀", per_page=20)
    found = ids(result)
    assert set(found) == {"boj-abbr-1", "boj-abbr-2", "boj-abbr-3", "boj-full"}
    # the rarer full name has the higher IDF, yet it ranks after every exact match
    assert found[-1] == "boj-full"
    full = result.hits[-1]
    assert "<mark>日本銀行</mark>" in full["snippet"]  # the form the article used is marked
    exact = result.hits[0]
    assert "<mark>日銀</mark>" in exact["snippet"]
    assert ids(searcher.search("日銀", synonyms=False, per_page=20)) != found
    assert "boj-full" not in ids(searcher.search("日銀", synonyms=False, per_page=20))


def test_full_name_finds_abbreviation_and_sets_work_both_ways(searcher):
    found = ids(searcher.search("日本銀行", per_page=20))
    assert found[0] == "boj-full" and {"boj-abbr-1", "boj-abbr-2", "boj-abbr-3"} <= set(found)
    assert ids(searcher.search("国連")) == ["un-full"]
    assert ids(searcher.search("五輪")) == ["olympics"]


def test_phrase_keeps_the_order_of_its_words(searcher):
    assert ids(searcher.search('"日銀総裁"')) == ["boj-full"]  # as 日本銀行総裁
    assert ids(searcher.search('"総裁日銀"')) == []


def test_entity_field_uses_synonyms(searcher):
    assert "boj-full" in ids(searcher.search("org:日銀", per_page=20))


def test_user_synonym_file_broken_lines_and_no_reindex(vocab_index, tmp_path):
    path = tmp_path / "newsroom.txt"
    path.write_bytes(
        "# our own sets\n"
        "ひふみん, 加藤一二三   # a nickname\n"
        "ひとりだけ\n"
        "インフル,,インフルエンザ\n".encode("utf-8")
        + b"\xff\xfe broken\n"
        + "、, の\n".encode("utf-8")
    )
    synonyms = load_synonyms(path)
    problems = [str(p) for p in synonyms.problems]
    assert any(p.startswith(f"{path}:3: a synonym set needs at least two") for p in problems)
    assert any(p.startswith(f"{path}:4: empty form") for p in problems)
    assert any(p.startswith(f"{path}:5: not UTF-8") for p in problems)
    assert any(p.startswith(f"{path}:6:") for p in problems)
    assert synonym_set("ひふみん", synonyms)["forms"] == ["ひふみん", "加藤一二三"]
    assert synonym_set("インフル", synonyms)["forms"] == ["インフル", "インフルエンザ"]
    assert synonym_set("日銀", synonyms)["forms"] == ["日銀", "日本銀行"]  # the defaults still load

    # Editing the file needs neither a reindex nor a new Searcher.
    live = tmp_path / "live.txt"
    live.write_text("# nothing yet\n", encoding="utf-8")
    with Searcher(vocab_index, synonyms=str(live)) as s:
        assert s.search("ひふみん").total == 0
        live.write_text("ひふみん, 加藤一二三\n", encoding="utf-8")
        assert ids(s.search("ひふみん")) == ["hifumin"]


def test_synonym_source_reads_the_environment(monkeypatch, tmp_path):
    path = tmp_path / "env.txt"
    path.write_text("ガチャ, 電子くじ\n", encoding="utf-8")
    monkeypatch.setenv("SEARCH_SYNONYMS", str(path))
    assert synonym_set("ガチャ", SynonymSource().current())["forms"] == ["ガチャ", "電子くじ"]


def test_explain_says_how_a_query_expands(searcher):
    expansion = explain("日銀総裁 いんふるえんざ 憲法九条 date:平成24年 附属病院", searcher.synonyms)
    by_kind = {(x["kind"], x["text"]): x["forms"] for x in expansion}
    assert by_kind[("synonym", "日銀")] == ["日本銀行"]
    assert by_kind[("kana", "いんふるえんざ")] == ["インフルエンザ"]
    assert by_kind[("number", "九")] == ["9"]
    assert by_kind[("date", "date:平成24年")] == ["2012年1月1日〜2012年12月31日"]
    assert by_kind[("normalized", "附属")] == ["付属"]


# ---------------------------------------------------------------------------
# Numerals and kana


@pytest.mark.parametrize("query", ["憲法九条", "憲法9条", "憲法９条"])
def test_kanji_and_arabic_numerals_match(searcher, query):
    assert set(ids(searcher.search(query))) == {"kenpo-kanji", "kenpo-digit"}


def test_place_value_numerals_match(searcher):
    assert ids(searcher.search("25人")) == ["people-kanji"]
    assert ids(searcher.search("二十五人")) == ["people-kanji"]


def test_a_name_written_in_numerals_stays_a_name(searcher):
    # Sudachi alone reads 加藤一二三九段 as 加藤 + 1239 + 段.
    terms = [m.term for m in analyze("加藤一二三九段が対局に臨んだ。").morphemes]
    assert "一二三" in terms and "1239" not in terms and "123" not in terms
    assert ids(searcher.search("加藤一二三")) == ["hifumin"]
    assert "加藤一二三" in searcher.search("加藤一二三").hits[0]["person"]
    assert "hifumin" not in ids(searcher.search("123"))
    assert ids(searcher.search("123人")) == ["number-123"]
    assert ids(searcher.search("九段")) == ["hifumin"]  # its rank is still found


def test_hiragana_query_finds_katakana(searcher):
    assert ids(searcher.search("いんふるえんざ")) == ["flu"]


# ---------------------------------------------------------------------------
# Era dates


@pytest.mark.parametrize(
    "written,start,end",
    [
        ("平成24年", "2012-01-01", "2012-12-31"),
        ("平成24年9月", "2012-09-01", "2012-09-30"),
        ("平成二十四年九月四日", "2012-09-04", "2012-09-04"),
        ("H24", "2012-01-01", "2012-12-31"),
        ("h24.9.4", "2012-09-04", "2012-09-04"),
        ("Ｈ２４／９／４", "2012-09-04", "2012-09-04"),
        ("令和2年3月1日", "2020-03-01", "2020-03-01"),
        ("R2.3.1", "2020-03-01", "2020-03-01"),
        ("㋿2年3月", "2020-03-01", "2020-03-31"),
        ("昭和64年", "1989-01-01", "1989-01-07"),  # the era ended on its 7th day
        ("平成元年", "1989-01-08", "1989-12-31"),  # and the next began on the 8th
        ("平成元年1月", "1989-01-08", "1989-01-31"),
        ("平成31年", "2019-01-01", "2019-04-30"),
        ("令和元年", "2019-05-01", "2019-12-31"),
        ("大正15年12月24日", "1926-12-24", "1926-12-24"),
        ("昭和元年", "1926-12-25", "1926-12-31"),
        ("明治6年", "1873-01-01", "1873-12-31"),
        ("二〇一二年九月", "2012-09-01", "2012-09-30"),
        ("2012年9月4日", "2012-09-04", "2012-09-04"),
    ],
)
def test_era_dates_convert_exactly(written, start, end):
    period = parse_period(written)
    assert period.start == dt.date.fromisoformat(start)
    assert period.end - dt.timedelta(days=1) == dt.date.fromisoformat(end)
    assert not period.note


@pytest.mark.parametrize(
    "written,message",
    [
        ("平成元年1月7日", "平成 began on 1989-01-08"),
        ("令和元年4月", "令和 began on 2019-05-01"),
        ("平成0年", "平成 has no year 0"),
        ("平成24年2月30日", "impossible date"),
        ("平成24年13月", "there is no month 13"),
        ("明治5年", "lunisolar calendar"),
        ("平成", "cannot read date"),
    ],
)
def test_impossible_era_dates_say_why(written, message):
    with pytest.raises(DateError, match=message):
        parse_period(written)


def test_heisei_32_is_read_as_2020_with_a_note():
    # Documents printed before the change of era wrote 平成32年 for 2020:
    # read as the count continued (README, search/dates.py).
    period = parse_period("平成32年")
    assert (period.start, period.end) == (dt.date(2020, 1, 1), dt.date(2021, 1, 1))
    assert "read as the count continued, 令和2年" in period.note
    assert parse_period("平成31年5月").start == dt.date(2019, 5, 1)
    assert "令和元年5月" in describe_date("平成31年5月")


def test_wareki_display():
    assert format_wareki(dt.datetime(2012, 9, 4, 10)) == "平成24年9月4日"
    assert format_wareki(dt.date(1989, 1, 7)) == "昭和64年1月7日"
    assert format_wareki(dt.date(1989, 1, 8)) == "平成元年1月8日"
    assert format_wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert format_wareki(dt.date(2020, 3, 1), day=False) == "令和2年"
    assert format_wareki(dt.date(1872, 1, 1)) == "" and format_wareki(None) == ""


def test_era_dates_in_queries_and_filters(searcher):
    assert ids(searcher.search("date:昭和64年")) == ["showa-last"]
    assert ids(searcher.search("date:平成元年")) == ["heisei-first"]
    assert ids(searcher.search("date:H31")) == ["heisei-last"]
    assert ids(searcher.search("date:令和元年5月")) == ["reiwa-first"]
    assert ids(searcher.search("date:[平成31年4月30日 TO 令和元年5月1日]", sort="date")) == ["reiwa-first", "heisei-last"]
    assert ids(searcher.search("", filters={"date_from": "平成32年", "date_to": "R2.12.31"})) == ["reiwa-2"]
    assert searcher.search("date:H24.9.4").total == 1
    hit = searcher.search("date:H24.9.4").hits[0]
    assert hit["date_ja"] == "2012年9月4日" and hit["date_wareki"] == "平成24年9月4日"
    with pytest.raises(QuerySyntaxError, match="平成 began on 1989-01-08"):
        searcher.search("date:平成元年1月7日")
    with pytest.raises(QuerySyntaxError, match="令和 began"):
        searcher.search("", filters={"date_from": "令和元年4月"})


# ---------------------------------------------------------------------------
# The user dictionary

# A singer's name and a party the dictionary does not know, always written
# right against other katakana, so that before the change Sudachi cuts each
# into one longer unknown word and only character bigrams can find them.
NEW_NAME = "ルナルナリ"
NEW_PARTY = "ミライノミカタ"
DICT_ARTICLES = {
    "luna-1": ("2012-09-04T10:00:00+09:00", "週末の公演", "歌手ルナルナリコンサートに5万人が集まった。"),
    "luna-2": ("2012-09-05T10:00:00+09:00", "新曲が話題", "新曲はルナルナリファンの間で話題になった。"),
    "party": ("2012-09-06T10:00:00+09:00", "新党の会見", "新党ミライノミカタグループが会見した。"),
    "other-1": ("2012-09-07T10:00:00+09:00", "猫の人気", "ルナという名前の猫が人気だ。"),
    "other-2": ("2012-09-08T10:00:00+09:00", "天気", "週末は晴れる見込み。"),
}

_built = {}


def userdict_index(tmp_path_factory):
    """An index of DICT_ARTICLES before and after adding NEW_NAME as a
    person and NEW_PARTY as an organisation, in one change; built once per
    session (compiling takes seconds; test_web_vocabulary reuses it).
    Tests that change it work on a copy."""
    if "index" not in _built:
        folder = tmp_path_factory.mktemp("userdict")
        index = folder / "index"
        summary = index_paths([write_articles(folder / "articles.jsonl", DICT_ARTICLES)], index)
        assert summary.added == len(DICT_ARTICLES)
        with Searcher(index) as s:
            reader = s._whoosh().reader()
            before = {
                "total": s.search(NEW_NAME).total,
                "word_df": reader.doc_frequency("text", NEW_NAME),
                "bigram_df": reader.doc_frequency("text_ng", "ルナ"),
                "person": [h["person"] for h in s.search(NEW_NAME).hits],
            }
        change = userdict.add_words([userdict.make_word(NEW_NAME, pos="person"),
                                     userdict.make_word(NEW_PARTY, pos="org")], index)
        _built.update(index=index, before=before, change=change)
    return _built


@pytest.fixture(scope="module")
def dict_index(tmp_path_factory):
    return userdict_index(tmp_path_factory)


def containing(*words) -> list:
    return sorted(i for i, (_, title, body) in DICT_ARTICLES.items() if any(w in title + body for w in words))


def test_new_word_matches_as_a_word_after_the_change(dict_index):
    before, change, index = dict_index["before"], dict_index["change"], dict_index["index"]
    # before: found only through character bigrams, and as nobody
    assert before["total"] == len(containing(NEW_NAME))
    assert before["word_df"] == 0 and before["bigram_df"] >= len(containing(NEW_NAME))
    assert before["person"] == [[], []]
    # the change re-analysed exactly the articles that contain a new word
    assert change.version == 1 and change.added == 2
    assert change.affected == change.rewritten == len(containing(NEW_NAME, NEW_PARTY)) == 3
    with Searcher(index) as s:
        reader = s._whoosh().reader()
        assert reader.doc_frequency("text", NEW_NAME) == len(containing(NEW_NAME))
        result = s.search(NEW_NAME)
        assert sorted(ids(result)) == containing(NEW_NAME)
        assert all(NEW_NAME in h["person"] for h in result.hits)
        assert "<mark>ルナルナリ</mark>コンサート" in s.search(NEW_NAME + " 5万人").hits[0]["snippet"]
        assert sorted(ids(s.search(f"person:{NEW_NAME}"))) == containing(NEW_NAME)
        assert ids(s.search(f"org:{NEW_PARTY}")) == ["party"]  # the entity type given
        versions = {s._whoosh().stored_fields(d)["id"]: s._whoosh().stored_fields(d)["dict_version"]
                    for d in reader.all_doc_ids()}
    assert versions == {"luna-1": "1", "luna-2": "1", "party": "1", "other-1": "0", "other-2": "0"}


def test_status_and_articles_indexed_after_the_change(dict_index, tmp_path):
    index = dict_index["index"]
    st = userdict.status(index)
    assert st.version == 1 and st.done and st.pending == 0
    assert [w.surface for w in st.words] == [NEW_NAME, NEW_PARTY]
    assert st.changes[0]["affected"] == 3 and st.changes[0]["pending"] == 0
    # a later `search index` analyses new articles with the dictionary too
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    late = write_articles(tmp_path / "late.jsonl",
                          {"luna-3": ("2012-09-08T10:00:00+09:00", "追加公演", "ルナルナリライブが決まった。")})
    index_paths([late], copy)
    with Searcher(copy) as s:
        hit = s.search(NEW_NAME + " ライブ").hits[0]
        assert hit["id"] == "luna-3" and NEW_NAME in hit["person"]
    assert userdict.status(copy).changes[0]["affected"] == 4 and userdict.status(copy).done


def test_removing_words_reanalyses_the_articles_again(dict_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(dict_index["index"], copy)
    change = userdict.remove_words([NEW_NAME, NEW_PARTY], copy)
    assert (change.version, change.removed, change.rewritten) == (2, 2, 3)
    with Searcher(copy) as s:
        assert s.search(f"person:{NEW_NAME}").total == 0 and s.search(f"org:{NEW_PARTY}").total == 0
        assert s.search(NEW_NAME).total == 2  # through bigrams again
    with pytest.raises(userdict.UserDictError, match="not in the user dictionary: 新語"):
        userdict.remove_words(["新語"], copy)


def test_bad_words_are_refused_with_the_parameter_named():
    with pytest.raises(userdict.UserDictError, match="--pos must be one of"):
        userdict.make_word("新語", pos="verb")
    with pytest.raises(userdict.UserDictError, match="--reading must be written in kana"):
        userdict.make_word("新語", reading="shingo")
    with pytest.raises(userdict.UserDictError, match="no spaces, commas"):
        userdict.make_word("新 語")
    assert userdict.make_word("ぽけもん").reading == "ポケモン"


# ---------------------------------------------------------------------------
# The CLI


def run(*args):
    exe = shutil.which("search", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "search.cli"]
    env = {k: v for k, v in os.environ.items() if k not in ("SEARCH_INDEX", "SEARCH_SYNONYMS")}
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, cwd=REPO, timeout=120)


def test_cli_synonyms_query_and_era_dates(vocab_index, tmp_path):
    out = run("synonyms", "日銀")
    assert out.returncode == 0 and out.stdout.splitlines()[0] == "日銀, 日本銀行"
    assert run("synonyms", "存在しない語").returncode == 1
    mine = tmp_path / "mine.txt"
    mine.write_text("ひふみん, 加藤一二三\nひとつだけ\n", encoding="utf-8")
    out = run("query", "ひふみん", "--index", str(vocab_index), "--synonyms", str(mine), "--json")
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["id"] for line in out.stdout.splitlines()] == ["hifumin"]
    assert f"{mine}:2: a synonym set needs at least two" in out.stderr
    out = run("query", "date:昭和64年", "--index", str(vocab_index), "--json")
    assert [json.loads(line)["id"] for line in out.stdout.splitlines()] == ["showa-last"]
    bad = run("query", "date:平成元年1月7日", "--index", str(vocab_index))
    assert bad.returncode == 2 and "平成 began on 1989-01-08" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_dict_import_and_status(dict_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(dict_index["index"], index)
    words = tmp_path / "words.csv"
    words.write_text("surface,reading,pos,normalized\n"
                     f"{NEW_PARTY},,org,\n"  # already there as written: unchanged, no rebuild
                     "悪い 語,,noun,\n"
                     "新語,,verb,\n", encoding="utf-8")
    out = run("dict", "import", str(words), "--index", str(index), "--json")
    assert out.returncode == 1, out.stderr  # two lines failed; the rest was taken
    assert f"{words}:3: the word '悪い 語' holds ' '" in out.stderr
    assert f"{words}:4: --pos must be one of" in out.stderr
    change = json.loads(out.stdout)
    assert (change["version"], change["unchanged"], change["added"], change["failed"]) == (1, 1, 0, 2)
    status = run("dict", "status", "--index", str(index))
    assert status.returncode == 0, status.stderr
    assert f"version 1: 2 word(s): {NEW_NAME} (person), {NEW_PARTY} (org)" in status.stdout
    assert "3 article(s) contain it, all re-analysed" in status.stdout and status.stdout.strip().endswith("done")
    bad_pos = run("dict", "add", "新語", "--pos", "verb", "--index", str(index))
    assert bad_pos.returncode == 2 and "--pos" in bad_pos.stderr
