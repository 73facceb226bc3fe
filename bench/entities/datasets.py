"""The annotated sentences, both sources, in fixed train / dev / test splits.

* **livedoor** (the project's own annotations, GUIDE.md): ``train.jsonl``
  minus its dev articles is training, about a fifth of its articles (by
  sha1 of the article id) is dev, and ``eval.jsonl`` is the test split: its
  135 articles were drawn apart from the training articles by sample.py
  (sha1(id) % 10 == 0) and no training sentence comes from them.
* **wikipedia**: Stockmark's "Wikipedia を用いた日本語の固有表現抽出データセット"
  v2.0 (CC BY-SA 3.0), read from ``../shared/ner/`` (or
  ``$SEARCH_NER_WIKIPEDIA``), never copied into the repository.  Split by
  page: the page ids (curid) are shuffled with a fixed seed, the first 20%
  of pages are test, the next 10% dev, the rest training, so no page gives
  sentences to two splits.

The test splits are frozen: nothing is tuned on them (train_model.py reads
only train and dev).

Stockmark's types follow its own guide, not ours; :data:`STOCKMARK_TYPES`
maps them, and where the two conventions disagree the span is *unscored*
(neither a gold entity nor a mistake, and no training signal), listed in
each item's ``ignore``:

==================  =========================================================
人名                person
地名                place
法人名              org
政治的組織名        org
その他の組織名      org, except national teams and delegations (日本代表,
                    スペイン選手団): GUIDE.md annotates the country inside
                    them as a place (日本代表 → 日本) → unscored
製品名              none (GUIDE.md: products and works are not entities)
イベント名          none, except events named by country letters (日中戦争,
                    日韓W杯) or an Olympic city (ロンドンオリンピック):
                    GUIDE.md annotates the letters and the city inside them
                    (日韓戦 → 日, 韓; ロンドン五輪 → ロンドン) → unscored
施設名              unscored: GUIDE.md makes a venue a place (球場, 駅, 劇場)
                    and an institution an organisation (学校, 病院,
                    研究所), by context; Stockmark gives both one type
==================  =========================================================
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import re
from pathlib import Path

from corpus import DEFAULT_CORPUS, HERE, REPO, load_set, with_text

WIKIPEDIA = Path(
    os.environ.get("SEARCH_NER_WIKIPEDIA") or REPO.parent / "shared" / "ner" / "stockmark-ner-wikipedia.json"
)

STOCKMARK_TYPES = {
    "人名": "person",
    "地名": "place",
    "法人名": "org",
    "政治的組織名": "org",
    "その他の組織名": "org",
    "製品名": None,
    "イベント名": None,
    "施設名": "unscored",
}
WIKI_SEED = 13
WIKI_TEST_SHARE = 0.2
WIKI_DEV_SHARE = 0.1
LIVEDOOR_DEV_MOD = 5  # articles with sha1(id) % 5 == 1 are dev

_COUNTRY_LETTERS = "日米中韓朝露英仏独伊豪印台欧加比越蘭墨西ソ清"
_LETTER_EVENT = re.compile(f"^[{_COUNTRY_LETTERS}]{{2,}}")
_TEAM = re.compile(r"(代表|選手団)$")
_OLYMPICS = ("五輪", "オリンピック", "パラリンピック")


def convert_stockmark(entity) -> tuple:
    """(start, end, label) of one Stockmark entity: label a project type,
    None (not an entity) or "unscored" (the conventions differ)."""
    start, end = entity["span"]
    typ, name = entity["type"], entity["name"]
    label = STOCKMARK_TYPES[typ]
    if typ == "その他の組織名" and _TEAM.search(name):
        label = "unscored"
    if typ == "イベント名" and (_LETTER_EVENT.match(name) or any(o in name for o in _OLYMPICS)):
        label = "unscored"
    return start, end, label


def wikipedia_items(path: Path = WIKIPEDIA) -> list:
    """Every Stockmark sentence as an item: id, source, curid, text,
    entities [(start, end, type)] and ignore [(start, end)]."""
    if not Path(path).exists():
        raise SystemExit(f"Stockmark NE data not found at {path} (set SEARCH_NER_WIKIPEDIA)")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    items, seen = [], {}
    for row in data:
        curid = str(row["curid"])
        k = seen[curid] = seen.get(curid, 0) + 1
        entities, ignore = [], []
        for e in row["entities"]:
            start, end, label = convert_stockmark(e)
            if label == "unscored":
                ignore.append((start, end))
            elif label is not None:
                entities.append((start, end, label))
        items.append(
            {"id": f"wikipedia:{curid}:{k}", "source": "wikipedia", "curid": curid,
             "text": row["text"], "entities": sorted(entities), "ignore": sorted(ignore)}
        )
    return items


def wikipedia_splits(items) -> dict:
    """{train, dev, test}: pages shuffled with WIKI_SEED, 20% test, 10% dev."""
    pages = sorted({it["curid"] for it in items}, key=int)
    random.Random(WIKI_SEED).shuffle(pages)
    n_test = round(len(pages) * WIKI_TEST_SHARE)
    n_dev = round(len(pages) * WIKI_DEV_SHARE)
    split_of = {}
    for i, page in enumerate(pages):
        split_of[page] = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
    out = {"train": [], "dev": [], "test": []}
    for it in items:
        out[split_of[it["curid"]]].append(it)
    return out


def livedoor_dev_article(article_id: str) -> bool:
    return int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % LIVEDOOR_DEV_MOD == 1


def livedoor_splits(corpus: Path = DEFAULT_CORPUS) -> dict:
    """{train, dev, test}: train.jsonl cut by article into train and dev;
    eval.jsonl is test.  Items get ``source`` and an empty ``ignore``."""
    training = load_set(HERE / "train.jsonl")
    test = load_set(HERE / "eval.jsonl")
    texts = with_text(training + test, corpus)
    for it in texts:
        it["source"] = "livedoor"
        it["ignore"] = []
    training, test = texts[: len(training)], texts[len(training) :]
    return {
        "train": [it for it in training if not livedoor_dev_article(it["id"])],
        "dev": [it for it in training if livedoor_dev_article(it["id"])],
        "test": test,
    }


def splits(corpus: Path = DEFAULT_CORPUS, wikipedia: Path = WIKIPEDIA) -> dict:
    """{"wikipedia": {train, dev, test}, "livedoor": {train, dev, test}}."""
    return {"wikipedia": wikipedia_splits(wikipedia_items(wikipedia)), "livedoor": livedoor_splits(corpus)}


# ---------------------------------------------------------------------------
# Sudachi analyses of the sentences, cached on /tmp between runs

CACHE = Path(os.environ.get("ENTITY_BENCH_CACHE") or "/tmp/entity-bench-cache")


def analyses(texts) -> list:
    """index.analysis.analyze of each text, from a cache keyed by the texts,
    the analyser's version and the Sudachi dictionary."""
    from index import analysis as am

    texts = list(texts)
    h = hashlib.sha1()
    h.update(f"{am.ANALYZER_VERSION}|{_dictionary_stamp()}".encode())
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass") + b"\0")
    path = CACHE / f"{h.hexdigest()}.pkl"
    try:
        with open(path, "rb") as f:
            morphemes = pickle.load(f)
        return [am.Analysis(t, ms) for t, ms in zip(texts, morphemes)]
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    out = [am.analyze(t) for t in texts]
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pickle.dump([a.morphemes for a in out], f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass
    # fresh Analysis objects: the cached ones hold no entities yet either
    return [am.Analysis(a.text, a.morphemes) for a in out]


def _dictionary_stamp() -> str:
    try:
        import sudachidict_core

        p = Path(sudachidict_core.__file__).parent
        return ",".join(f"{f.name}:{f.stat().st_size}" for f in sorted(p.rglob("*.dic")))
    except Exception:  # noqa: BLE001 (any failure: no stamp, a cache miss at worst)
        return "?"
