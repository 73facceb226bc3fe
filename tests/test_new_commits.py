"""A long-running Searcher meeting new commits, as a server does while
`search index` runs: what it reads once per commit (facet tables, sound-alike
groups) is read again only for the segments a commit added, its threads
share it, and a thread does not wait long for another thread that prepares a
commit: it answers from the commit it has, and totals never go backwards."""

from __future__ import annotations

import json
import threading
import time

import pytest

from index import config
from index.readers import read_paths
from index.schema import FACET_FIELDS
from index.segment_writer import CodecBatchWriter
from index.storage import create_index, open_index
from search import Searcher
from search.entity_view import _read_field_values, _segment_values, field_values
from search.query import sounds

WORDS = ["ボランティア", "ミュージシャン", "ディスプレイ", "東京", "大阪", "選挙", "映画", "野球"]


def articles(tmp_path, name, count, start=0, extra="") -> list:
    path = tmp_path / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(start, start + count):
            word = WORDS[i % len(WORDS)]
            out.write(json.dumps({
                "id": f"a-{i:03d}",
                "title": f"{word}の話題 第{i}報",
                "body": f"{word}について山田太郎さんが話した。{extra}京都でも{WORDS[(i + 3) % len(WORDS)]}が話題だ。",
                "date": f"2020-{i % 12 + 1:02d}-{i % 28 + 1:02d}T09:00:00+09:00",
                "category": "news" if i % 2 else "sports",
                "tags": [word],
            }, ensure_ascii=False) + "\n")
    return list(read_paths([path]))


def commit(index_dir, batch, replace_ids=()) -> None:
    with CodecBatchWriter(open_index(index_dir), procs=1) as bw:
        bw.write_batch(batch, replace_ids=set(replace_ids))


@pytest.fixture()
def index_dir(tmp_path):
    folder = tmp_path / "ix"
    create_index(folder)
    commit(folder, articles(tmp_path, "first", 12))
    commit(folder, articles(tmp_path, "second", 8, start=12))
    return folder


def test_keyword_tables_read_per_segment_equal_a_whole_read(index_dir, tmp_path):
    # an update: a-003 deleted from the first segment, its new text in a third
    commit(index_dir, articles(tmp_path, "update", 1, start=3, extra="補足。"), replace_ids={"a-003"})
    reader = open_index(index_dir).reader()
    assert len(reader.leaf_readers()) == 3 and reader.has_deletions()
    n = reader.doc_count_all()
    for fieldname in FACET_FIELDS + ("source",):
        assert field_values(reader, fieldname, n) == _read_field_values(reader, fieldname, n), fieldname
    tags = field_values(reader, "tags", n)
    assert sum(1 for values in tags if values) == 20  # the deleted version has none
    reader.close()


def test_a_commit_reads_only_the_segment_it_added(index_dir, tmp_path):
    before = open_index(index_dir).reader()
    old_tables = [_segment_values(leaf, "tags") for leaf, _ in before.leaf_readers()]
    commit(index_dir, articles(tmp_path, "third", 4, start=20))
    after = open_index(index_dir).reader()
    leaves = [leaf for leaf, _ in after.leaf_readers()]
    assert len(leaves) == 3
    # the same objects: not read again
    assert all(_segment_values(leaf, "tags") is table for leaf, table in zip(leaves, old_tables))
    assert field_values(after, "tags", after.doc_count_all())[-1] == ("野球",)  # a-023: WORDS[23 % 8]
    before.close()
    after.close()


def test_sound_groups_are_one_per_commit_and_merged_from_segments(index_dir, tmp_path):
    from index.kana import sound_key

    ix = open_index(index_dir)
    first, second = ix.reader(), ix.reader()  # two threads' readers of one commit
    assert sounds._groups(first, "text") is sounds._groups(second, "text")
    # merged from the segments: as one read of the whole index would give
    assert sounds._groups(first, "text") == sounds._ranked([sounds._segment_groups(first, "text")])
    assert sounds.sound_variants(first, sound_key("ボランテア")) == ["ボランティア"]
    # a word only the new commit holds is found by its sound
    commit(index_dir, articles(tmp_path, "more", 1, start=30, extra="ミーティングを開いた。"))
    third = ix.reader()
    assert "ミーティング" in sounds.sound_variants(third, sound_key("ミーテング"))
    assert "ミーティング" not in sounds.sound_variants(first, sound_key("ミーテング"))
    for r in (first, second, third):
        r.close()


def test_a_thread_answers_from_its_commit_while_another_prepares_the_next(index_dir, tmp_path):
    searcher = Searcher(index_dir)
    impl = searcher._impl
    assert searcher.search("").total == 20
    assert searcher.search("話題").facets["tags"]  # facet tables built
    commit(index_dir, articles(tmp_path, "third", 5, start=20))

    # Another thread holds the preparation of the new commit.
    impl._prepare_lock.acquire()
    try:
        started = time.monotonic()
        stale = searcher.search("")
        waited = time.monotonic() - started
    finally:
        impl._prepare_lock.release()
    assert stale.total == 20  # the commit this thread has
    assert waited < config.NEW_COMMIT_WAIT_SECONDS + 5.0  # it did not wait for the preparation to end

    fresh = searcher.search("")
    assert fresh.total == 25
    latest = max(impl._generations)
    assert impl._generations[latest].has_values  # prepared as far as the one before
    assert len(impl._generations) <= 2
    searcher.close()


def test_totals_never_go_backwards_across_threads_while_commits_come(index_dir, tmp_path):
    searcher = Searcher(index_dir)
    searcher.search("話題")
    seen, errors, stop = {}, [], threading.Event()

    def client(name):
        totals = seen.setdefault(name, [])
        try:
            while not stop.is_set():
                result = searcher.search("話題", page=1, per_page=5)
                totals.append(result.total)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            searcher.close()  # this thread's Whoosh searcher

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        for k in range(5):
            commit(index_dir, articles(tmp_path, f"batch{k}", 3, start=100 + 3 * k))
            time.sleep(0.2)
    finally:
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[:3]
    for name, totals in seen.items():
        assert totals and all(a <= b for a, b in zip(totals, totals[1:])), (name, totals[:50])
        assert set(totals) <= {20 + 3 * k for k in range(6)}, set(totals)  # whole commits only
    assert max(max(t) for t in seen.values()) == 35


def test_sound_groups_are_kept_beside_the_index_for_the_next_process(index_dir, tmp_path):
    from index.kana import sound_key

    reader = open_index(index_dir).reader()
    built = sounds._groups(reader, "text", index_dir)
    assert (index_dir / sounds.SOUNDS_FILE).exists()
    # What a new process has: no groups in memory.
    sounds._by_segment.clear()
    sounds._merged.clear()
    read_back = sounds._groups(reader, "text", index_dir)
    assert read_back == built and not sounds._by_segment  # read, not built from the segments
    assert sounds.sound_variants(reader, sound_key("ボランテア"), index_dir=index_dir) == ["ボランティア"]
    # Another commit: the saved groups are not those of its segments.
    commit(index_dir, articles(tmp_path, "more", 1, start=40, extra="ミーティングを開いた。"))
    sounds._by_segment.clear()
    sounds._merged.clear()
    newer = open_index(index_dir).reader()
    assert "ミーティング" in sounds.sound_variants(newer, sound_key("ミーテング"), index_dir=index_dir)
    reader.close()
    newer.close()
