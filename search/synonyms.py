"""Synonym sets, applied when a query is compiled (never at indexing).

A synonym file is plain UTF-8 text, one set per line, its forms separated by
commas; ``#`` starts a comment::

    # abbreviations
    日銀, 日本銀行
    国連, 国際連合
    五輪, オリンピック

The project ships a default file (``search/data/synonyms.txt``); a user adds
their own sets with ``--synonyms FILE`` (``search query``, ``search serve``),
``$SEARCH_SYNONYMS`` or ``Searcher(index, synonyms=FILE)``.  Because sets
are applied at query time, editing a file needs no reindexing: a
:class:`SynonymSource` notices the change on the next query.

Each form is analysed like a query (one Sudachi pass), and a set is found in
a query by the sequence of its search terms, so 日銀 matches whether it is
typed alone, in 日銀総裁 or in full-width letters.  The compiler
(``search.query``) then looks for the other forms too, each weighted so that
an article using another form ranks a little below one using the form typed
(:data:`SYNONYM_WEIGHT`).

A broken line (one form only, not UTF-8, a form with no searchable word) is
reported with the file and line and skipped; the other lines still load.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from index.analysis import analyze, fold
from index.readers import ReadProblem

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "synonyms.txt"
ENV_VAR = "SEARCH_SYNONYMS"

# An article found through another form of a set scores at most this share of
# what the form typed would have scored (see search.query): it ranks a little
# below an exact match, never above it.
SYNONYM_WEIGHT = 0.8
# Longest form accepted, in characters: a set is a word list, not prose.
MAX_FORM_CHARS = 50

_SEPARATORS = re.compile(r"[,，]")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Form:
    """One written form of a set and the search terms it analyses to."""

    text: str
    terms: tuple  # fold(normalized form) of each of its units, particles included


@dataclass
class SynonymSet:
    forms: list  # Form, in the order written
    origins: list = field(default_factory=list)  # "file:line" of each line it came from

    def texts(self) -> list:
        return [f.text for f in self.forms]


@dataclass(frozen=True)
class Match:
    """A run of a query's morphemes that is a form of a set."""

    first: int  # index of its first morpheme
    last: int  # index after its last
    form: Form
    alternatives: tuple  # the set's other forms


def form_terms(text: str) -> tuple:
    """The sequence of search terms a form stands for: what every morpheme of
    its analysis (whitespace aside) folds to."""
    return tuple(m.term for m in analyze(text).morphemes if m.pos[0] != "空白")


class Synonyms:
    """Synonym sets, looked up by a query's morphemes or by a written form."""

    def __init__(self, sets=(), problems=()):
        self.sets: list = []
        self.problems: list = list(problems)
        self._by_terms: dict = {}  # form terms -> index into self.sets
        self._by_text: dict = {}  # fold(form) -> index into self.sets
        self.longest = 0
        for s in sets:
            self.add(s if isinstance(s, SynonymSet) else SynonymSet([_form(t) for t in s]))

    def __len__(self) -> int:
        return len(self.sets)

    def add(self, new: SynonymSet) -> int | None:
        """Add a set, merged into an earlier set that already has one of its
        forms; returns the index of that earlier set, or None."""
        merged_into = None
        for form in new.forms:
            i = self._by_terms.get(form.terms)
            if i is not None:
                merged_into = i
                break
        if merged_into is None:
            target = len(self.sets)
            self.sets.append(SynonymSet([], []))
        else:
            target = merged_into
        existing = self.sets[target]
        existing.origins.extend(new.origins)
        for form in new.forms:
            if form.terms in self._by_terms:
                continue
            existing.forms.append(form)
            self._by_terms[form.terms] = target
            self._by_text.setdefault(fold(form.text), target)
            self.longest = max(self.longest, len(form.terms))
        return merged_into

    # -- lookups ------------------------------------------------------------

    def set_of(self, text: str) -> SynonymSet | None:
        """The set a written form belongs to (by its terms, so ｎｈｋ finds NHK)."""
        i = self._by_text.get(fold(text))
        if i is None:
            i = self._by_terms.get(form_terms(text))
        return None if i is None else self.sets[i]

    def alternatives(self, text: str) -> list:
        """The other forms of the set ``text`` belongs to, as written."""
        s = self.set_of(text)
        if s is None:
            return []
        key = form_terms(text)
        return [f.text for f in s.forms if f.terms != key]

    def matches(self, morphemes) -> list:
        """Non-overlapping runs of ``morphemes`` that are forms of a set,
        longest first, left to right."""
        out, i, n = [], 0, len(morphemes)
        terms = [m.term for m in morphemes]
        while i < n:
            found = None
            if morphemes[i].indexed:
                for length in range(min(self.longest, n - i), 0, -1):
                    key = tuple(terms[i : i + length])
                    target = self._by_terms.get(key)
                    if target is not None and morphemes[i + length - 1].indexed:
                        forms = self.sets[target].forms
                        form = next(f for f in forms if f.terms == key)
                        others = tuple(f for f in forms if f.terms != key)
                        found = Match(i, i + length, form, others)
                        break
            if found:
                out.append(found)
                i = found.last
            else:
                i += 1
        return out


def _form(text: str) -> Form:
    return Form(text, form_terms(text))


# ---------------------------------------------------------------------------
# Reading synonym files


def read_synonym_file(path, synonyms: Synonyms) -> None:
    """Add the sets of one file to ``synonyms``; problems go to ``synonyms.problems``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        synonyms.problems.append(ReadProblem(str(path), None, f"cannot read synonym file: {exc.strerror or exc}"))
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        def problem(message, warning=False):
            synonyms.problems.append(ReadProblem(str(path), number, message, warning))

        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem(f"not UTF-8 (byte {exc.start + 1}); line skipped")
            continue
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        items = [item.strip() for item in _SEPARATORS.split(line)]
        if any(not item for item in items):
            problem("empty form between commas ignored", warning=True)
        forms, seen = [], set()
        for item in filter(None, items):
            if len(item) > MAX_FORM_CHARS:
                problem(f"form longer than {MAX_FORM_CHARS} characters ignored: {item[:20]}…")
                continue
            form = _form(item)
            if not any(m.indexed for m in analyze(item).morphemes):
                problem(f"{item!r} has no searchable word; ignored")
                continue
            if form.terms in seen:
                continue
            seen.add(form.terms)
            forms.append(form)
        if len(forms) < 2:
            problem("a synonym set needs at least two different forms, separated by commas; line skipped")
            continue
        origin = f"{path}:{number}"
        merged_into = synonyms.add(SynonymSet(forms, [origin]))
        if merged_into is not None:
            first = synonyms.sets[merged_into].origins[0]
            problem(f"shares a form with the set from {first}; the two sets were merged", warning=True)


def load_synonyms(paths=(), *, defaults: bool = True) -> Synonyms:
    """The default sets (unless ``defaults`` is false) and those of ``paths``
    (a file or a list of files), later files adding to earlier ones."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    synonyms = Synonyms()
    for path in ([DEFAULT_FILE] if defaults else []) + [Path(p) for p in paths or []]:
        read_synonym_file(path, synonyms)
    return synonyms


class SynonymSource:
    """The synonym sets of the default file and ``path`` (default:
    ``$SEARCH_SYNONYMS``), re-read when a file changes: ``current()`` costs
    a ``stat`` per file when nothing changed.  Safe to share between threads."""

    def __init__(self, path=None, *, defaults: bool = True):
        if path is None:
            path = os.environ.get(ENV_VAR) or None
        self.paths = ([DEFAULT_FILE] if defaults else []) + ([Path(path)] if path else [])
        self._lock = threading.Lock()
        self._stamp = None
        self._synonyms = Synonyms()

    def _stamps(self):
        out = []
        for p in self.paths:
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def current(self) -> Synonyms:
        stamp = self._stamps()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    synonyms = Synonyms()
                    for p in self.paths:
                        read_synonym_file(p, synonyms)
                    for problem in synonyms.problems:
                        _log.warning("%s", problem)
                    self._synonyms, self._stamp = synonyms, stamp
        return self._synonyms


def synonym_set(term: str, synonyms: Synonyms | None = None) -> dict | None:
    """``search synonyms TERM``: the set ``term`` belongs to, as
    ``{"term", "forms", "origins"}``, or None."""
    synonyms = synonyms if synonyms is not None else SynonymSource().current()
    s = synonyms.set_of(term)
    if s is None:
        return None
    return {"term": term, "forms": s.texts(), "origins": list(s.origins)}


__all__ = [
    "DEFAULT_FILE",
    "ENV_VAR",
    "SYNONYM_WEIGHT",
    "Match",
    "SynonymSet",
    "SynonymSource",
    "Synonyms",
    "load_synonyms",
    "read_synonym_file",
    "synonym_set",
]
