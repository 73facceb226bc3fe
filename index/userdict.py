"""The newsroom's own words: a Sudachi user dictionary kept with the index.

``search dict add 大谷翔平 --pos person`` (``add_word``) or ``search dict
import words.csv`` (``import_words``) adds words the system dictionary does
not know, so that they are indexed and searched as words, not as pieces or
character n-grams, and, when given a kind, found as people, places or
organisations.

Two files in the index folder hold it:

* ``user-dictionary.json``: the words, the dictionary version and the
  history of changes.  This is the source of truth; everything else is
  derived from it.
* ``user-<hash>.dic``: the words compiled by SudachiPy's own builder (the
  one behind ``sudachipy ubuild``) against the installed system dictionary.
  The hash covers the words and the system dictionary, so an upgrade of
  ``sudachidict-core`` gets a fresh build on first use instead of a
  dictionary that no longer fits it.

A change bumps the version and re-analyses only the articles whose text holds
one of the changed words; every article records the version that analysed it
(``dict_version`` in the schema), so ``status`` can tell which articles a
change still has to reach and ``apply`` finishes an interrupted change.
Indexing (``index.writer``) and searching (``search.searcher``) analyse
inside ``use_index_dictionary(index_dir)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib
import io
import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index import config
from index.analysis import UserDictionary, fold, hira_to_kata, using_dictionary
from index.readers import ReadProblem

STATE_FILE = "user-dictionary.json"
COMPILED_PREFIX = "user-"
COMPILED_SUFFIX = ".dic"

# The kinds of word ``--pos`` accepts: Sudachi's part of speech, the
# connection id unidic-mecab 2.1.2 (Sudachi's grammar) gives it, and the
# entity type an article mentioning the word gets.
POS_KINDS = {
    "noun": (("名詞", "普通名詞", "一般", "*", "*", "*"), 5146, ""),
    "proper": (("名詞", "固有名詞", "一般", "*", "*", "*"), 4786, ""),
    "person": (("名詞", "固有名詞", "人名", "一般", "*", "*"), 4788, "person"),
    "surname": (("名詞", "固有名詞", "人名", "姓", "*", "*"), 4790, ""),
    "given": (("名詞", "固有名詞", "人名", "名", "*", "*"), 4789, ""),
    "place": (("名詞", "固有名詞", "地名", "一般", "*", "*"), 4792, "place"),
    "org": (("名詞", "固有名詞", "一般", "*", "*", "*"), 4786, "org"),
}
# Sudachi suggests 5000-9000 for nouns; the low end makes the new word win
# over the pieces the system dictionary would cut it into.
WORD_COST = 5000
MAX_SURFACE_CHARS = 100
CSV_COLUMNS = ("surface", "reading", "pos", "normalized")


class UserDictError(ValueError):
    """A word or a dictionary file that cannot be used; the message says why."""


@dataclass
class Word:
    surface: str
    reading: str = ""  # katakana
    pos: str = "noun"  # a key of POS_KINDS
    normalized: str = ""  # the form searched for; empty: the surface

    @property
    def entity(self) -> str:
        return POS_KINDS[self.pos][2]


def make_word(surface, reading=None, pos=None, normalized=None) -> Word:
    """A checked Word; UserDictError names the bad value."""
    surface = (surface or "").strip()
    if not surface:
        raise UserDictError("the word (SURFACE) is empty")
    if len(surface) > MAX_SURFACE_CHARS:
        raise UserDictError(f"the word is {len(surface)} characters long; the limit is {MAX_SURFACE_CHARS}")
    bad = [c for c in surface if c.isspace() or c in ',"']
    if bad:
        raise UserDictError(f"the word {surface!r} holds {bad[0]!r}; a word has no spaces, commas or quotes")
    pos = (pos or "noun").strip().lower()
    if pos not in POS_KINDS:
        raise UserDictError(f"--pos must be one of {', '.join(POS_KINDS)}, not {pos!r}")
    reading = hira_to_kata((reading or "").strip())
    if not reading and all("\u3041" <= c <= "\u3096" or "\u30a1" <= c <= "\u30fa" or c == "ー" for c in surface):
        reading = hira_to_kata(surface)
    if reading and not all("\u30a1" <= c <= "\u30fa" or c in "ー・" for c in reading):
        raise UserDictError(f"--reading must be written in kana, not {reading!r}")
    normalized = (normalized or "").strip()
    if any(c in ',"\n' for c in normalized):
        raise UserDictError(f"--normalized {normalized!r} holds a comma, quote or line break")
    return Word(surface, reading, pos, normalized)


# ---------------------------------------------------------------------------
# The state file


@dataclass
class _State:
    version: int = 0
    words: list = field(default_factory=list)  # Word
    changes: list = field(default_factory=list)  # {"version", "surfaces", "at"}
    compiled: str = ""  # file name of the compiled dictionary, "" without words

    def to_json(self) -> str:
        data = {
            "version": self.version,
            "words": [asdict(w) for w in self.words],
            "changes": self.changes,
            "compiled": self.compiled,
        }
        return json.dumps(data, ensure_ascii=False, indent=1)


def _read_state(index_dir: Path) -> _State:
    path = index_dir / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _State()
    except (OSError, ValueError) as exc:
        raise UserDictError(f"{path}: unreadable ({exc}); restore it from a backup or delete it "
                            f"and add the words again") from exc
    return _State(
        version=int(data.get("version", 0)),
        words=[Word(**w) for w in data.get("words", [])],
        changes=list(data.get("changes", [])),
        compiled=data.get("compiled", ""),
    )


def _write_state(index_dir: Path, state: _State) -> None:
    tmp = index_dir / (STATE_FILE + ".tmp")
    tmp.write_text(state.to_json(), encoding="utf-8")
    os.replace(tmp, index_dir / STATE_FILE)  # a crash leaves the old or the new file


# ---------------------------------------------------------------------------
# Compiling with SudachiPy's builder

_normalizer = None


def headword(surface: str) -> str:
    """The form Sudachi looks a word up by: its input normalization (NFKC,
    lower case, its own exceptions), which user-dictionary entries must be
    written in."""
    global _normalizer
    if _normalizer is None:
        from sudachipy import Dictionary

        _normalizer = Dictionary(dict="core").text_normalizer()
    return _normalizer.normalize(surface)


def _system_dictionary() -> Path:
    package = importlib.import_module("sudachidict_core")
    return Path(package.__file__).resolve().parent / "resources" / "system.dic"


def _system_identity() -> str:
    from importlib.metadata import version

    import sudachipy

    system = _system_dictionary()
    return f"sudachipy {sudachipy.__version__}; sudachidict-core {version('sudachidict-core')}; {system.stat().st_size}"


def lexicon_csv(words) -> str:
    """The words as Sudachi lexicon source (the user-dictionary CSV format,
    with the entity type as the entry's user data, its 21st column)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for w in words:
        pos, conn, entity = POS_KINDS[w.pos]
        head = headword(w.surface)
        writer.writerow([head, conn, conn, WORD_COST, head, *pos, w.reading or "*",
                         w.normalized or w.surface, "*", "*", "*", "*", "*", "*", "*", entity])
    return out.getvalue()


def _compile(index_dir: Path, words) -> str:
    """Build the compiled dictionary for ``words`` unless it exists; its file name."""
    if not words:
        return ""
    lexicon = lexicon_csv(words)
    digest = hashlib.sha256((_system_identity() + "\n" + lexicon).encode("utf-8")).hexdigest()[:16]
    name = f"{COMPILED_PREFIX}{digest}{COMPILED_SUFFIX}"
    target = index_dir / name
    if target.exists():
        return name
    from sudachipy import errors, sudachipy as native

    source = index_dir / f"{name}.{os.getpid()}.csv"
    tmp = index_dir / f"{name}.{os.getpid()}.tmp"
    source.write_text(lexicon, encoding="utf-8")
    try:
        native.build_user_dic(system=str(_system_dictionary()), lex=[str(source)], output=str(tmp),
                              description="japanese-news-search user words")
        os.replace(tmp, target)
    except errors.SudachiError as exc:
        raise UserDictError(f"SudachiPy could not build the user dictionary: {exc}") from exc
    finally:
        source.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    for old in index_dir.glob(f"{COMPILED_PREFIX}*{COMPILED_SUFFIX}"):
        if old.name != name:
            old.unlink(missing_ok=True)  # a reader that has it open keeps its copy
    return name


# ---------------------------------------------------------------------------
# The dictionary analysis follows

_cache_lock = threading.Lock()
_cache = {}  # index folder -> (state file stamp, UserDictionary)


def dictionary_for(index=None) -> UserDictionary:
    """The index's user dictionary (the system dictionary alone when it has
    no words), compiled first if its file is missing.  Cheap when nothing
    changed: one ``stat`` of the state file."""
    index_dir = config.index_dir(index).resolve()
    path = index_dir / STATE_FILE
    try:
        st = path.stat()
        # The file is replaced on every change, so its inode changes too.
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    except OSError:
        return UserDictionary()
    hit = _cache.get(index_dir)
    if hit and hit[0] == stamp:
        return hit[1]
    with _cache_lock:
        state = _read_state(index_dir)
        name = state.compiled
        if state.words and (not name or not (index_dir / name).exists()):
            name = _compile(index_dir, state.words)
        dictionary = UserDictionary(str(index_dir / name) if name else None, state.version)
        _cache[index_dir] = (stamp, dictionary)
    return dictionary


@contextmanager
def use_index_dictionary(index=None):
    """Analyse with the index's user dictionary inside the block."""
    with using_dictionary(dictionary_for(index)):
        yield


# ---------------------------------------------------------------------------
# Finding and rewriting the articles a change concerns


@dataclass
class _Scan:
    affected: dict  # change version -> articles holding one of its words
    pending: list  # stored fields of the articles analysed before a change that concerns them


def _scan(ix, changes) -> _Scan:
    """Read every article once and sort it by the changes it concerns.

    The stored text is searched, not the index: before a change the words
    were cut into other pieces, and the text is the one thing every version
    agrees on."""
    wanted = [(c["version"], [fold(s) for s in c["surfaces"]]) for c in changes]
    affected = {v: 0 for v, _ in wanted}
    pending = []
    with ix.searcher() as s:
        for docnum in s.reader().all_doc_ids():
            stored = s.stored_fields(docnum)
            text = fold((stored.get("title") or "") + "\n" + (stored.get("body") or ""))
            analysed_by = int(stored.get("dict_version") or 0)
            stale = False
            for version, surfaces in wanted:
                if any(surface in text for surface in surfaces):
                    affected[version] += 1
                    stale = stale or analysed_by < version
            if stale:
                pending.append(stored)
    return _Scan(affected, pending)


def _rewrite(ix, pending, progress=False) -> tuple[int, list]:
    """Analyse the pending articles again and replace them, a batch per
    commit, with the indexing run's own batch writer (index.writer)."""
    from whoosh.writing import LockError

    from index.schema import from_stored
    from index.writer import _batch_writer, _locked

    problems, done = [], 0
    bar = None
    if progress and pending:
        from tqdm import tqdm

        bar = tqdm(total=len(pending), unit="doc", file=sys.stderr, dynamic_ncols=True)

    def failed(source, message):
        problems.append(ReadProblem(str(source), None, message.replace("cannot analyse article",
                                                                      "cannot analyse article again")))

    bw = _batch_writer(ix, config.DEFAULT_PROCS)
    try:
        for first in range(0, len(pending), config.DEFAULT_BATCH_SIZE):
            articles = [from_stored(stored) for stored in pending[first : first + config.DEFAULT_BATCH_SIZE]]
            try:
                result = bw.write_batch(articles, replace_ids=[a["id"] for a in articles], on_failure=failed)
            except LockError as exc:
                raise _locked(ix) from exc
            done += result["docs"]
            if bar:
                bar.update(len(articles))
    finally:
        bw.close()
        if bar:
            bar.close()
    return done, problems


# ---------------------------------------------------------------------------
# The operations behind `search dict ...`


@dataclass
class DictChange:
    """What a dictionary change did."""

    version: int
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    affected: int = 0  # articles holding one of the words changed now
    rewritten: int = 0  # articles analysed again (this change's, and any an interrupted one left)
    failed: int = 0
    seconds: float = 0.0
    problems: list = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [str(p) for p in self.problems]
        d["seconds"] = round(self.seconds, 2)
        return d

    def line(self) -> str:
        words = f"added {self.added}, updated {self.updated}, removed {self.removed}, unchanged {self.unchanged}"
        return (f"user dictionary version {self.version}: {words}; {self.affected} article(s) hold a changed "
                f"word, {self.rewritten} re-analysed in {self.seconds:.1f} s"
                + (f", {self.failed} failed" if self.failed else ""))


def _change(index, edit, *, lock_timeout=None, progress=False) -> DictChange:
    """Apply ``edit(words) -> (words, counts, changed surfaces)`` under the
    writer lock, compile, record, and rewrite what it concerns."""
    from index.storage import open_index, writer_lock

    started = time.perf_counter()
    index_dir = config.index_dir(index)
    ix = open_index(index_dir)  # the words belong to an existing index
    timeout = config.LOCK_TIMEOUT_SECONDS if lock_timeout is None else lock_timeout
    with writer_lock(index_dir, timeout):
        state = _read_state(index_dir)
        words, counts, surfaces = edit(list(state.words))
        result = DictChange(state.version, **counts)
        if surfaces:
            state.version += 1
            state.words = words
            state.compiled = _compile(index_dir, words)  # before recording: a failed build changes nothing
            stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            state.changes.append({"version": state.version, "surfaces": sorted(surfaces), "at": stamp})
            _write_state(index_dir, state)
            result.version = state.version
        scan, rewritten, problems = _apply_locked(index_dir, ix, state, progress)
        result.affected = scan.affected.get(state.version, 0) if surfaces else 0
        result.rewritten, result.failed = rewritten, len(problems)
        result.problems.extend(problems)
    result.seconds = time.perf_counter() - started
    return result


def _apply_locked(index_dir, ix, state, progress):
    with use_index_dictionary(index_dir):
        scan = _scan(ix, state.changes)
        rewritten, problems = _rewrite(ix, scan.pending, progress)
    return scan, rewritten, problems


def add_words(words, index=None, *, lock_timeout=None, progress=False) -> DictChange:
    """Add or update ``words`` (Word objects); same surface replaces."""
    words = list(words)

    def edit(current):
        by_head = {headword(w.surface): i for i, w in enumerate(current)}
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        surfaces = set()
        for w in words:
            i = by_head.get(headword(w.surface))
            if i is None:
                by_head[headword(w.surface)] = len(current)
                current.append(w)
                counts["added"] += 1
            elif current[i] == w:
                counts["unchanged"] += 1
                continue
            else:
                surfaces.add(current[i].surface)
                current[i] = w
                counts["updated"] += 1
            surfaces.add(w.surface)
        return current, counts, surfaces

    return _change(index, edit, lock_timeout=lock_timeout, progress=progress)


def add_word(surface, index=None, *, reading=None, pos=None, normalized=None, **options) -> DictChange:
    """``search dict add``: one word (see make_word for the checks)."""
    return add_words([make_word(surface, reading, pos, normalized)], index, **options)


def remove_words(surfaces, index=None, *, lock_timeout=None, progress=False) -> DictChange:
    """``search dict remove``: take words out; articles holding them are analysed again."""
    wanted = {headword(s.strip()): s for s in surfaces if s and s.strip()}

    def edit(current):
        kept = [w for w in current if headword(w.surface) not in wanted]
        gone = {w.surface for w in current if headword(w.surface) in wanted}
        missing = len(wanted) - len(gone)
        if missing:
            known = {headword(w.surface) for w in current}
            names = ", ".join(s for h, s in wanted.items() if h not in known)
            raise UserDictError(f"not in the user dictionary: {names}")
        return kept, {"removed": len(gone)}, gone

    return _change(index, edit, lock_timeout=lock_timeout, progress=progress)


def read_word_csv(path, on_problem=None) -> list:
    """Words from a CSV file (surface,reading,pos,normalized; only surface is
    required; an optional header row; # comments).  A bad line is reported
    through ``on_problem`` with its file and line and skipped."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserDictError(f"{path}: not UTF-8 (byte {exc.start + 1}); save it as UTF-8") from exc
    except OSError as exc:
        raise UserDictError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    words = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() == "surface":
            continue  # header
        if len(row) > len(CSV_COLUMNS):
            problem = ReadProblem(str(path), number, f"{len(row)} columns; expected at most "
                                                     f"{len(CSV_COLUMNS)} ({','.join(CSV_COLUMNS)})")
        else:
            try:
                words.append(make_word(*row))
                continue
            except UserDictError as exc:
                problem = ReadProblem(str(path), number, str(exc))
        if on_problem:
            on_problem(problem)
    return words


def import_words(path, index=None, *, on_problem=None, **options) -> DictChange:
    """``search dict import``: add the words of a CSV file (see read_word_csv)."""
    problems = []

    def report(problem):
        problems.append(problem)
        if on_problem:
            on_problem(problem)

    words = read_word_csv(path, report)
    result = add_words(words, index, **options)
    result.failed += len(problems)
    result.problems[:0] = problems
    return result


def apply(index=None, *, lock_timeout=None, progress=False) -> DictChange:
    """``search dict apply``: finish what an interrupted change left (also
    reaches articles indexed by a program that did not use the dictionary)."""
    return _change(index, lambda words: (words, {}, set()), lock_timeout=lock_timeout, progress=progress)


@dataclass
class DictStatus:
    index: str
    version: int
    words: list
    changes: list  # {"version", "surfaces", "at", "affected", "pending"}
    pending: int  # articles still to analyse again

    @property
    def done(self) -> bool:
        return self.pending == 0

    def to_dict(self) -> dict:
        return {"index": self.index, "version": self.version, "words": [asdict(w) for w in self.words],
                "changes": self.changes, "pending": self.pending, "done": self.done}


def status(index=None) -> DictStatus:
    """``search dict status``: the words, and for each change how many
    articles hold its words and how many of those are still to be analysed
    again."""
    from index.storage import open_index

    index_dir = config.index_dir(index)
    ix = open_index(index_dir)
    state = _read_state(index_dir)
    scan = _scan(ix, state.changes)
    changes = []
    for change in state.changes:
        stale = sum(1 for stored in scan.pending if int(stored.get("dict_version") or 0) < change["version"]
                    and any(fold(s) in fold((stored.get("title") or "") + "\n" + (stored.get("body") or ""))
                            for s in change["surfaces"]))
        changes.append(dict(change, affected=scan.affected[change["version"]], pending=stale))
    return DictStatus(str(index_dir), state.version, state.words, changes, len(scan.pending))


__all__ = [
    "POS_KINDS",
    "DictChange",
    "DictStatus",
    "UserDictError",
    "Word",
    "add_word",
    "add_words",
    "apply",
    "dictionary_for",
    "import_words",
    "make_word",
    "read_word_csv",
    "remove_words",
    "status",
    "use_index_dictionary",
]
