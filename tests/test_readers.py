"""Tests for index.readers against real files (written to tmp_path, no mocks).

The livedoor tests read the corpus where it lies (it is CC BY-ND and must not
be copied into the repository); set SEARCH_LIVEDOOR to the folder holding
ldcc-20140209.tar.gz (or to the archive itself) to use another location.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tarfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from index.readers import (
    ARTICLE_KEYS,
    FORMATS,
    ReadProblem,
    UndecodableError,
    decode_bytes,
    detect_format,
    make_article,
    read_paths,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "000_48521b92a4068eb7.txt"
JST = timezone(timedelta(hours=9))


def _livedoor_archive() -> Path:
    location = Path(os.environ.get("SEARCH_LIVEDOOR") or Path(__file__).resolve().parents[2] / "shared" / "corpus" / "livedoor")
    return location if location.is_file() else location / "ldcc-20140209.tar.gz"


LIVEDOOR = _livedoor_archive()
needs_livedoor = pytest.mark.skipif(
    not LIVEDOOR.is_file(),
    reason=f"livedoor corpus not found at {LIVEDOOR} (set SEARCH_LIVEDOOR to its folder)",
)

LIVEDOOR_TOTAL = 7367
LIVEDOOR_CATEGORIES = {
    "dokujo-tsushin", "it-life-hack", "kaden-channel", "livedoor-homme", "movie-enter",
    "peachy", "smax", "sports-watch", "topic-news",
}
SMALL_CATEGORIES = ("livedoor-homme", "topic-news")  # 511 + 770 articles


def read(paths, **kwargs):
    """Read everything, returning (articles, problems)."""
    problems: list[ReadProblem] = []
    articles = list(read_paths(paths, on_problem=problems.append, **kwargs))
    return articles, problems


def content(article):
    """The fields that must not depend on where or how the file was stored."""
    return {k: v for k, v in article.items() if k not in ("id", "source")}


# --------------------------------------------------------------------------
# plaintext

@pytest.fixture(scope="module")
def sample_text() -> str:
    if not SAMPLE.is_file():
        pytest.skip(f"sample article {SAMPLE} missing")
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_article(sample_text):
    articles, problems = read([SAMPLE])
    assert problems == []
    assert len(articles) == 1
    return articles[0]


def test_sample_fields(sample_article):
    a = sample_article
    assert tuple(a) == ARTICLE_KEYS
    assert a["title"] == "中国、ロシアにウクライナ侵攻を冬季五輪後まで延期するよう要請"
    assert a["date"] == datetime(2022, 3, 6, tzinfo=JST)
    assert a["date"].utcoffset() == timedelta(hours=9)
    assert a["author"] == "Kevin Hughes"
    assert a["tags"] == []
    assert a["url"] is None
    assert a["category"] is None
    assert a["id"] == a["source"] == str(SAMPLE)
    assert re.fullmatch(r"[0-9a-f]{40}", a["hash"])


def test_sample_body_and_related(sample_article):
    body = sample_article["body"]
    assert body.startswith("中国の高官が、2月上旬に")
    assert "習近平" in body
    # The inline mention stays in the body; only the trailing block is related.
    assert "(関連記事:中国、ロシアを挑発しウクライナに侵攻させた米国とNATOを非難" in body
    assert "関連記事をもっと見る" not in body
    assert body.endswith("NATOに調査結果を報告した。")
    # Everything after 関連記事をもっと見る, one entry per non-blank line; the
    # block includes a video caption, which is kept as it is.
    assert sample_article["related"] == [
        "進行中のロシア・ウクライナ紛争が世界経済を崩壊に近付けている",
        "ロシア・ウクライナ紛争は、米国企業のサプライチェーン問題を解決していない",
        "ロシア・ウクライナ危機の展開を各国政府が目撃し、世界中で財政的圧力が高まる",
        "第三次世界大戦は「核と破壊的なもの」になると、ロシア外相が警告しています",
        "プーチン大統領が冬季オリンピック期間中に北京を訪問した理由については、以下のビデオをご覧ください。",
        "プーチンが北京冬季五輪に行ったのは、習近平と中国という味方がいるからだ",
    ]


def test_sample_body_whitespace_normalised(sample_article):
    lines = sample_article["body"].split("\n")
    assert all(line == line.rstrip() for line in lines)  # NBSP / U+3000 too
    assert "\n\n\n" not in sample_article["body"]
    assert "\xa0" not in sample_article["body"]
    # Paragraphs are still separated by one blank line.
    assert "報じました。\n\nタイムズ紙は" in sample_article["body"]


@pytest.mark.parametrize(
    "name, encode",
    [
        ("crlf.txt", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
        ("bom.txt", lambda t: t.encode("utf-8-sig")),
        ("sjis.txt", lambda t: t.replace("\xa0", " ").encode("cp932")),
        ("eucjp.txt", lambda t: t.replace("\xa0", " ").encode("euc_jp")),
        ("utf16.txt", lambda t: t.encode("utf-16")),
    ],
)
def test_sample_in_other_encodings(tmp_path, sample_text, sample_article, name, encode):
    path = tmp_path / name
    path.write_bytes(encode(sample_text))
    articles, problems = read([path])
    assert problems == []
    assert len(articles) == 1
    assert articles[0]["source"] == articles[0]["id"] == str(path)
    # Same content whatever the bytes looked like, so the same hash.  (NBSP
    # has no Shift_JIS/EUC-JP code; a plain space is blank in the same way.)
    assert content(articles[0]) == content(sample_article)


def test_decode_bytes_reports_encoding():
    text = "日本語のニュース記事です。"
    # cp932 "decodes" these bytes to C1 controls and private-use characters.
    with pytest.raises(UndecodableError):
        decode_bytes(b"\x80\x80\xff\xfe\xfd", "x")
    assert decode_bytes(text.encode("utf-8"), "x") == (text, "utf-8")
    assert decode_bytes(text.encode("cp932"), "x") == (text, "cp932")
    assert decode_bytes(text.encode("euc_jp"), "x") == (text, "euc_jp")
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"), "x") == (text, "utf-8-sig")


def test_plaintext_malformed_date_is_kept(tmp_path):
    path = tmp_path / "bad-date.txt"
    path.write_text("見出し\n2022年2月30日(水) by: 山田 太郎\nTags: 政治、経済\n\n本文です。\n", encoding="utf-8")
    articles, problems = read([path])
    assert len(articles) == 1
    a = articles[0]
    assert a["date"] is None
    assert a["title"] == "見出し"
    assert a["author"] == "山田 太郎"
    assert a["tags"] == ["政治", "経済"]
    assert a["body"] == "本文です。"
    assert len(problems) == 1
    assert problems[0].source == str(path)
    assert problems[0].line == 2
    assert str(problems[0]).startswith(f"{path}:2: ")


def test_plaintext_missing_date_reported(tmp_path):
    path = tmp_path / "no-date.txt"
    path.write_text("見出し\n\n本文の一行目。\n本文の二行目。\n", encoding="utf-8")
    articles, problems = read([path])
    assert [a["body"] for a in articles] == ["本文の一行目。\n本文の二行目。"]
    assert articles[0]["date"] is None
    assert [(p.line, p.message) for p in problems] == [(2, "missing date line; article kept without a date")]


def test_plaintext_header_variants(tmp_path):
    # Full-width digits, no weekday, a time, space-separated tags, U+3000
    # blank lines and a 【関連記事】 block.
    path = tmp_path / "variant.txt"
    path.write_text(
        "\n  タイトル  \n\n２０２１年１２月１日 08:15\nTags: 経済 金融\u3000日銀\n\u3000\n"
        "段落一。\n\u3000\n\n\n\n段落二。 \n\n【関連記事】\n記事A\n\n記事B\n",
        encoding="utf-8",
    )
    articles, problems = read([path])
    assert problems == []
    a = articles[0]
    assert a["title"] == "タイトル"
    assert a["date"] == datetime(2021, 12, 1, 8, 15, tzinfo=JST)
    assert a["author"] is None
    assert a["tags"] == ["経済", "金融", "日銀"]
    assert a["body"] == "段落一。\n\n段落二。"
    assert a["related"] == ["記事A", "記事B"]


def test_plaintext_related_heading_mid_body_stays_body(tmp_path):
    # A 関連記事 heading followed by a long run of paragraphs is body text,
    # not a trailing list of titles.
    paragraphs = "\n\n".join(f"段落{i}。" for i in range(40))
    path = tmp_path / "long.txt"
    path.write_text(f"見出し\n2022年3月6日\nTags:\n関連記事\n{paragraphs}\n", encoding="utf-8")
    (article,), problems = read([path])
    assert problems == [] and article["related"] == []
    assert article["body"].startswith("関連記事\n段落0。") and article["body"].endswith("段落39。")


def test_hash_is_stable_and_content_sensitive(tmp_path, sample_text):
    path = tmp_path / "a.txt"
    path.write_text(sample_text, encoding="utf-8")
    first = read([path])[0][0]["hash"]
    assert read([path])[0][0]["hash"] == first
    path.write_text(sample_text.replace("習近平", "習近平氏"), encoding="utf-8")
    assert read([path])[0][0]["hash"] != first


def test_make_article_defaults():
    a = make_article(source="x.txt", title="  t ", body="b  \n\n\n\nc\u3000")
    assert tuple(a) == ARTICLE_KEYS
    assert a["id"] == "x.txt" and a["title"] == "t" and a["body"] == "b\n\nc"
    assert a["tags"] == [] and a["related"] == [] and a["date"] is None
    assert make_article(source="y.txt", title="t", body="b\n\nc")["hash"] == a["hash"]


# --------------------------------------------------------------------------
# bad files

def test_binary_empty_and_undecodable_files(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"title\n\x00\x01\x02\x03 PNG-ish")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"\n \r\n\t\n")
    (tmp_path / "garbled.txt").write_bytes(b"title\n\x81 \x80\x80\x80\xff\xff\n")
    (tmp_path / "good.txt").write_text("見出し\n2020年1月2日\n本文。\n", encoding="utf-8")
    articles, problems = read([tmp_path])
    assert [a["title"] for a in articles] == ["見出し"]
    by_file = {Path(p.source).name: p.message for p in problems}
    assert set(by_file) == {"binary.txt", "empty.txt", "blank.txt", "garbled.txt"}
    assert "binary" in by_file["binary.txt"]
    assert "empty" in by_file["empty.txt"] and "empty" in by_file["blank.txt"]
    assert "decodable" in by_file["garbled.txt"]


def test_missing_path_and_no_callback(tmp_path):
    _, problems = read([tmp_path / "nope.txt"])
    assert [p.message for p in problems] == ["no such file or folder"]
    (tmp_path / "empty.txt").write_bytes(b"")
    # Without on_problem the problems are simply dropped.
    assert list(read_paths([tmp_path / "nope.txt", tmp_path / "empty.txt"])) == []


def test_read_problem_str():
    assert str(ReadProblem("a.jsonl", 3, "invalid JSON")) == "a.jsonl:3: invalid JSON"
    assert str(ReadProblem("a.txt", None, "empty file")) == "a.txt: empty file"


def test_unknown_format_rejected(tmp_path):
    with pytest.raises(ValueError):
        list(read_paths([tmp_path], format="pdf"))


# --------------------------------------------------------------------------
# jsonl

def test_jsonl_with_broken_line(tmp_path):
    path = tmp_path / "news.jsonl"
    records = [
        {"id": "a1", "url": "https://example.jp/1", "title": "一", "body": "本文一", "date": "2022-03-06T10:00:00",
         "tags": "政治, 経済", "category": "politics", "author": "記者", "related": ["関連一"]},
        "{broken json",
        {"url": "https://example.jp/3", "title": "三", "date": "2022-03-06T10:00:00Z", "tags": ["x", "y"]},
        {"body": "題名なし", "date": "not a date"},
        {"category": "empty"},
        [1, 2],
    ]
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(3, "")  # blank lines are skipped but still counted
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    articles, problems = read([path])
    assert [a["id"] for a in articles] == ["a1", "https://example.jp/3", f"{path}:5"]
    first, third, untitled = articles
    assert first["date"] == datetime(2022, 3, 6, 10, tzinfo=JST)  # naive -> JST
    assert first["tags"] == ["政治", "経済"]
    assert first["related"] == ["関連一"]
    assert first["category"] == "politics" and first["author"] == "記者"
    assert first["source"] == str(path)
    assert third["date"] == datetime(2022, 3, 6, 10, tzinfo=timezone.utc)
    assert third["tags"] == ["x", "y"] and third["body"] == ""
    assert untitled["title"] == "" and untitled["date"] is None

    assert [p.line for p in problems] == [2, 5, 6, 7]
    assert all(p.source == str(path) for p in problems)
    assert str(problems[0]).startswith(f"{path}:2: invalid JSON")


def test_jsonl_round_trip_keeps_hash(tmp_path, sample_article):
    path = tmp_path / "export.ndjson"
    record = dict(sample_article, date=sample_article["date"].isoformat())
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (article,), problems = read([path])
    assert problems == []
    assert article == sample_article


# --------------------------------------------------------------------------
# livedoor

@pytest.fixture(scope="module")
def livedoor_articles():
    if not LIVEDOOR.is_file():
        pytest.skip(f"livedoor corpus not found at {LIVEDOOR}")
    return read([LIVEDOOR])


@pytest.fixture(scope="module")
def extracted_livedoor(tmp_path_factory):
    """Two small categories (with their LICENSE.txt) plus text/README.txt."""
    if not LIVEDOOR.is_file():
        pytest.skip(f"livedoor corpus not found at {LIVEDOOR}")
    root = tmp_path_factory.mktemp("ldcc")
    wanted = tuple(f"text/{c}/" for c in SMALL_CATEGORIES) + ("text/README.txt",)
    with tarfile.open(LIVEDOOR, "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(wanted)]
        archive.extractall(root, members=members, filter="data")
    return root


@needs_livedoor
def test_livedoor_archive_counts(livedoor_articles):
    articles, problems = livedoor_articles
    assert problems == []
    assert len(articles) == LIVEDOOR_TOTAL
    assert {a["category"] for a in articles} == LIVEDOOR_CATEGORIES
    assert len({a["id"] for a in articles}) == LIVEDOOR_TOTAL
    assert all(a["date"] is not None and a["date"].utcoffset() == timedelta(hours=9) for a in articles)
    assert all(a["title"] and a["title"] == a["title"].strip() for a in articles)


@needs_livedoor
def test_livedoor_archive_first_article(livedoor_articles):
    a = livedoor_articles[0][0]
    assert tuple(a) == ARTICLE_KEYS
    assert a["url"] == a["id"] == "http://news.livedoor.com/article/detail/4778030/"
    assert a["source"] == f"{LIVEDOOR}!text/dokujo-tsushin/dokujo-tsushin-4778030.txt"
    assert a["category"] == "dokujo-tsushin"
    assert a["date"] == datetime(2010, 5, 22, 14, 30, tzinfo=JST)
    assert a["title"] == "友人代表のスピーチ、独女はどうこなしている？"
    assert a["body"].startswith("\u3000もうすぐジューン・ブライド")
    assert a["tags"] == [] and a["related"] == [] and a["author"] is None
    assert detect_format(LIVEDOOR) == "livedoor"


@needs_livedoor
def test_livedoor_extracted_folder_matches_archive(extracted_livedoor, livedoor_articles):
    assert detect_format(extracted_livedoor) == "livedoor"
    articles, problems = read([extracted_livedoor])
    assert problems == []  # LICENSE.txt and README.txt are not articles
    assert {a["category"] for a in articles} == set(SMALL_CATEGORIES)
    from_archive = {a["id"]: a for a in livedoor_articles[0] if a["category"] in SMALL_CATEGORIES}
    assert len(articles) == len(from_archive) == 511 + 770
    for a in articles:
        assert a["source"].startswith(str(extracted_livedoor))
        assert content(a) == content(from_archive[a["id"]])


@needs_livedoor
def test_livedoor_category_folder_and_single_file(extracted_livedoor):
    category = extracted_livedoor / "text" / "topic-news"
    assert detect_format(category) == "livedoor"
    articles, problems = read([category])
    assert problems == [] and len(articles) == 770
    one = sorted(category.glob("topic-news-*.txt"))[0]
    assert detect_format(one) == "livedoor"
    (article,), problems = read([one])
    assert problems == [] and article["category"] == "topic-news" and article["source"] == str(one)


@needs_livedoor
def test_livedoor_truncated_archive(tmp_path):
    truncated = tmp_path / "ldcc-truncated.tar.gz"
    with open(LIVEDOOR, "rb") as handle:
        truncated.write_bytes(handle.read(200_000))
    articles, problems = read([truncated])
    assert 0 < len(articles) < LIVEDOOR_TOTAL
    assert all(a["title"] and a["url"] for a in articles)
    assert len(problems) == 1
    assert problems[0].source == str(truncated)
    assert "truncated" in problems[0].message


@needs_livedoor
def test_livedoor_corrupt_archive(tmp_path):
    data = bytearray(LIVEDOOR.read_bytes()[:400_000])
    data[150_000:150_200] = bytes(200)  # a hole in the deflate stream
    corrupt = tmp_path / "corrupt.tgz"
    corrupt.write_bytes(bytes(data))
    articles, problems = read([corrupt])
    assert 0 < len(articles) < LIVEDOOR_TOTAL
    # Garbage inflated from the hole may be reported per member first; the
    # damage to the archive itself must be reported, naming the archive.
    assert problems and problems[-1].source == str(corrupt)
    assert all(p.source.startswith(str(corrupt)) for p in problems)


def _synthetic_tar(count: int) -> bytes:
    """An uncompressed tar of ``count`` made-up livedoor-style articles."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for i in range(count):
            data = f"http://example.jp/{i}\n2012-01-01T10:00:00+0900\n見出し{i}\n\u3000本文{i}。\n".encode()
            info = tarfile.TarInfo(f"text/test-cat/test-cat-{i}.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_archive_cut_at_member_boundary(tmp_path):
    """A gzip stream cut cleanly between two members still counts as truncated.

    tarfile alone stops silently there, so the damage would go unnoticed;
    every complete member before the cut must still be read.
    """
    tar = _synthetic_tar(3)
    end = len(tar.rstrip(b"\0"))
    end += -end % tarfile.BLOCKSIZE  # end of the last member's data block
    compressor = zlib.compressobj(wbits=31)  # gzip framing
    cut = tmp_path / "cut.tar.gz"
    # A sync flush emits all data so far but no end marker and no trailer.
    cut.write_bytes(compressor.compress(tar[:end]) + compressor.flush(zlib.Z_SYNC_FLUSH))
    articles, problems = read([cut])
    assert [a["title"] for a in articles] == ["見出し0", "見出し1", "見出し2"]
    assert [(p.source, p.line) for p in problems] == [(str(cut), None)]
    assert "truncated" in problems[0].message

    intact = tmp_path / "intact.tgz"
    intact.write_bytes(gzip.compress(tar))
    articles, problems = read([intact])
    assert problems == [] and len(articles) == 3
    assert articles[0]["source"] == f"{intact}!text/test-cat/test-cat-0.txt"
    assert articles[0]["category"] == "test-cat"


def test_archive_with_damaged_header(tmp_path):
    tar = bytearray(_synthetic_tar(3))
    tar[1024:1024 + 100] = b"x" * 100  # the second member's header name field
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(tar))
    articles, problems = read([damaged])
    assert [a["title"] for a in articles] == ["見出し0"]
    assert [p.source for p in problems] == [str(damaged)]


# --------------------------------------------------------------------------
# folders

def _write_livedoor_tree(root: Path, category: str, count: int) -> None:
    """A made-up extracted corpus: text/README.txt, LICENSE.txt, articles."""
    folder = root / "text" / category
    folder.mkdir(parents=True)
    (root / "text" / "README.txt").write_text("コーパスの説明\n", encoding="utf-8")
    (folder / "LICENSE.txt").write_text("ライセンス\n", encoding="utf-8")
    for i in range(count):
        (folder / f"{category}-{100 + i}.txt").write_text(
            f"http://example.jp/{category}/{i}\n2012-05-0{i + 1}T09:00:00+0900\n記事{i}\n\u3000本文。\n",
            encoding="utf-8",
        )


def test_folder_walk_mixed_formats(tmp_path, sample_text):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "sample.txt").write_text(sample_text, encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(json.dumps({"title": "J", "body": "本文"}) + "\n", encoding="utf-8")
    (tmp_path / "c.ndjson").write_text(json.dumps({"title": "N"}) + "\n", encoding="utf-8")
    # A corpus nested in the tree is read as livedoor as a whole: categories
    # come from the folders and README.txt / LICENSE.txt are not articles.
    _write_livedoor_tree(tmp_path / "d" / "ldcc", "test-cat", 2)
    (tmp_path / "e.tgz").write_bytes(gzip.compress(_synthetic_tar(1)))
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("ignored\n", encoding="utf-8")

    articles, problems = read([tmp_path])
    assert [a["title"] for a in articles] == [
        "J", "中国、ロシアにウクライナ侵攻を冬季五輪後まで延期するよう要請", "N", "記事0", "記事1", "見出し0",
    ]
    assert [a["category"] for a in articles[3:]] == ["test-cat"] * 3
    assert articles[3]["source"] == str(tmp_path / "d" / "ldcc" / "text" / "test-cat" / "test-cat-100.txt")
    assert articles[5]["source"] == f"{tmp_path / 'e.tgz'}!text/test-cat/test-cat-0.txt"
    assert [(Path(p.source).name, p.message) for p in problems] == [("notes.md", "skipped: not an article file type")]
    # The same tree given as a list of paths, one of them the corpus itself.
    articles, problems = read([tmp_path / "d" / "ldcc", tmp_path / "a.jsonl"])
    assert [a["title"] for a in articles] == ["記事0", "記事1", "J"] and problems == []


def test_forced_format(tmp_path):
    path = tmp_path / "article.dat"
    path.write_text('{"title": "not json for plaintext"}\n2020年1月1日\n本文\n', encoding="utf-8")
    assert detect_format(path) == "jsonl"
    articles, problems = read([path])
    assert problems[0].line == 2  # as jsonl, line 2 is broken
    (article,), problems = read([path], format="plaintext")
    assert problems == []
    assert article["title"] == '{"title": "not json for plaintext"}'
    assert article["date"] == datetime(2020, 1, 1, tzinfo=JST)
    assert FORMATS == ("plaintext", "livedoor", "jsonl", "feed", "html", "markdown")


def test_detect_format_by_name(tmp_path):
    (tmp_path / "x.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "y.txt").write_text("見出し\n本文\n", encoding="utf-8")
    assert detect_format(tmp_path / "x.jsonl") == "jsonl"
    assert detect_format(str(tmp_path / "y.txt")) == "plaintext"
    assert detect_format(tmp_path / "z.tgz") == "livedoor"
    with pytest.raises(ValueError):
        detect_format(tmp_path)
