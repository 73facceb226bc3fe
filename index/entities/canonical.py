"""One name per entity: display forms, matching keys, in-article resolution
and the alias table.

Three layers, each a pure function of what it is given, so that the index
can store what an article says and apply the table when it is read (a table
change needs no reindex):

1. :func:`display_form` and :func:`canonical_key`, of one mention's text:
   width variants fold (マンＵ → マンU, ｶﾀｶﾅ → カタカナ), the middle dots
   ･ · • ‧ become ・, runs of spaces one space.  Case is kept in the display
   form (DeNA, iPhone, au and NHK cannot all be right under one rule) and
   folded in the key, with the dots, spaces and company designators
   (株式会社, (株), Inc.): マンＵ, マンU and マンｕ share a key, ジョン・レノン
   and ジョンレノン too, 株式会社サイバーエージェント and サイバーエージェント too.
   :func:`choose_display` picks one written form among those of a key.
2. :func:`resolve_in_article`, over the entities of one article (title and
   body): a short mention takes the full name of the same type that it is
   the surname, given name or short form of, when exactly one such full
   name is in the article (本田圭佑 … 本田 → 本田圭佑; セルジオ越後 … セルジオ
   → セルジオ越後; NTTドコモ … ドコモ → NTTドコモ; トヨタ自動車 … トヨタ).
3. :class:`Aliases`, the table across articles (index/data/
   entity_aliases.txt, plus a newsroom's own file): ``type: canonical,
   alias, ...`` a line; ``canonical(name, type)`` maps any form to the
   line's first, ``forms(canonical, type)`` lists them all.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .entity import ENTITY_TYPES, Entity
from .lexicon import DATA

DEFAULT_ALIASES = DATA / "entity_aliases.txt"
ENV_VAR = "SEARCH_ENTITY_ALIASES"
MAX_FORM_CHARS = 60

# ---------------------------------------------------------------------------
# 1. Display forms and keys

# Middle dots as written: katakana ・, half-width ･ (NFKC makes it ・ too),
# Latin-1 ·, Greek ·, bullets, hyphenation point.
_DOTS = str.maketrans({c: "・" for c in "･·\u0387•‧∙⋅"})
_SPACES = re.compile(r"\s+")
# Not part of a key: the dots and equals signs between a foreign name's
# parts (ジョン・レノン = ジョンレノン), spaces, and the hyphen-like marks
# that vary (セブン-イレブン, セブン－イレブン, セブンイレブン).
_KEY_DROP = str.maketrans("", "", "・=＝ -‐‑–—'’.")
# Company designators: the same company with or without them.
_DESIGNATORS = re.compile(
    r"^(?:株式会社|有限会社|合同会社|\(株\)|\(有\))|"
    r"(?:株式会社|有限会社|合同会社|\(株\)|\(有\)|(?:,\s*|\s+)(?:inc|ltd|llc|co|corp|corporation|plc|gmbh|ag)\.?)$",
    re.IGNORECASE,
)


# Both are pure functions of the text, called for every indexed name each
# time a server builds the entity view of a new commit (search.entity_view):
# remembered, a commit's view costs a look-up per name instead of a
# normalization.
@functools.lru_cache(maxsize=1 << 17)
def display_form(text: str) -> str:
    """The form a mention is shown in: NFKC (full-width Latin and digits,
    half-width katakana and ㈱ become their ordinary forms), one kind of
    middle dot (・), single spaces, no spaces at the ends.  Case is kept."""
    s = unicodedata.normalize("NFKC", text).translate(_DOTS)
    return _SPACES.sub(" ", s).strip()


@functools.lru_cache(maxsize=1 << 17)
def canonical_key(text: str) -> str:
    """The form two mentions are compared in: the display form in lower
    case, without dots, equals signs, spaces, hyphens and company
    designators (株式会社, (株), Inc.)."""
    s = display_form(text)
    bare = _DESIGNATORS.sub("", s).strip(" ,")
    if bare:
        s = bare
    return s.lower().translate(_KEY_DROP)


def choose_display(forms) -> str:
    """One written form for mentions that share a key (a Counter or a list
    of display forms): the most frequent; on a tie, the one with the most
    lower-case letters (Google before GOOGLE), then the first in order."""
    counts = forms if isinstance(forms, Counter) else Counter(forms)
    if not counts:
        return ""
    order = {f: i for i, f in enumerate(counts)}
    return max(counts, key=lambda f: (counts[f], sum(c.islower() for c in f), -order[f]))


# ---------------------------------------------------------------------------
# 2. Short mentions within one article

# What may follow an organisation's short form in its full name: トヨタ →
# トヨタ自動車, 読売 → 読売新聞, みずほ → みずほ銀行.  Longer tails (ソフトバンク
# → ソフトバンクモバイル, NTT → NTTドコモ) name another company.
_ORG_TAILS = frozenset(
    """
    自動車 工業 電機 電気 製作所 新聞 新聞社 銀行 証券 航空 電力 鉄道 商事 物産
    建設 製薬 化学 食品 グループ ホールディングス hd 社 本社 党
    """.split()
)
# A short form ending in one of these is a name of its own: 民主党 is not
# 自由民主党, サッカー協会 may be any country's.
_HEAD_ENDS = frozenset("党省庁会団局部所院校軍")
_PARTS = re.compile(r"[・= ]+")


def resolve_in_article(entities) -> list:
    """The entities of one article (title and body, in any order), each with
    ``canonical`` set: the display form of the full name a short mention
    stands for, or its own display form.

    A person's surname or given name (本田 of 本田圭佑; セルジオ of セルジオ越後;
    トランプ of ドナルド・トランプ) and an organisation's short form (ドコモ of
    NTTドコモ, トヨタ of トヨタ自動車) take the full name when exactly one
    full name of the same type in the article fits; with two (田中 beside
    田中角栄 and 田中真紀子) the mention keeps its own.  Places are left to the
    alias table (東京 and 東京都 are not always one place).
    """
    entities = list(entities)
    names = {}  # (type, key) -> display form of the first mention
    for e in entities:
        names.setdefault((e.type, canonical_key(e.text)), display_form(e.text))
    resolved = {}  # (type, key) -> canonical, once per distinct name
    for (typ, key), display in names.items():
        longer = [d for (t, k), d in names.items() if t == typ and len(k) > len(key) and _shortens(typ, key, k, d)]
        resolved[(typ, key)] = longer[0] if len(longer) == 1 else display
    return [
        Entity(e.text, e.type, e.start, e.end, resolved[(e.type, canonical_key(e.text))]) if e.type in ENTITY_TYPES
        else e
        for e in entities
    ]


def _shortens(typ: str, key: str, long_key: str, long_display: str) -> bool:
    """Is the name with key ``key`` a short form of the full name?"""
    if typ == "person":
        parts = [canonical_key(p) for p in _PARTS.split(long_display) if p]
        if len(parts) > 1:
            # a foreign name: the mention is one of its parts, or runs of them
            return key in {"".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}
        # 本田 of 本田圭佑 (a surname), 圭佑 of it (a given name, two letters at least)
        return long_key.startswith(key) or (len(key) >= 2 and long_key.endswith(key))
    if typ == "org":
        if long_key.startswith(key):
            return long_key[len(key) :] in _ORG_TAILS
        if long_key.endswith(key):
            # NTTドコモ → ドコモ: the short form is most of the name
            return len(key) >= 2 and len(long_key) - len(key) <= 4 and key[-1] not in _HEAD_ENDS
    return False


# ---------------------------------------------------------------------------
# 3. The alias table


@dataclass
class AliasSet:
    type: str
    canonical: str  # display form
    forms: list  # display forms, the canonical first
    origins: list = field(default_factory=list)  # "file:line" of each line it came from


class Aliases:
    """Alias sets per entity type, looked up by any form's key."""

    def __init__(self):
        self.sets: list = []
        self.problems: list = []
        self._by_key: dict = {}  # (type, key) -> index into self.sets

    def __len__(self) -> int:
        return len(self.sets)

    def add(self, typ: str, forms, origin: str = "") -> int | None:
        """Add a set (``forms[0]`` its canonical).  A set sharing a form with
        an earlier set of the same type is merged into it, and the later
        line's canonical wins (a newsroom's file overrides the default);
        returns the earlier set's index then, else None."""
        forms = [display_form(f) for f in forms]
        merged = next((self._by_key[(typ, canonical_key(f))] for f in forms if (typ, canonical_key(f)) in self._by_key), None)
        if merged is None:
            target = AliasSet(typ, forms[0], [], [])
            self.sets.append(target)
            index = len(self.sets) - 1
        else:
            target, index = self.sets[merged], merged
            target.canonical = forms[0]
        target.origins.append(origin)
        for f in forms:
            key = (typ, canonical_key(f))
            if key not in self._by_key:
                self._by_key[key] = index
                target.forms.append(f)
        # the canonical first
        target.forms.sort(key=lambda f: canonical_key(f) != canonical_key(target.canonical))
        return merged

    def fingerprint(self) -> str:
        """A digest of the sets (types, canonicals, forms): what the index
        keeps that depends on the table names the table it was made for."""
        import hashlib
        import json

        data = json.dumps([[s.type, s.canonical, s.forms] for s in self.sets], ensure_ascii=False)
        return hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def set_of(self, name: str, typ: str) -> AliasSet | None:
        i = self._by_key.get((typ, canonical_key(name)))
        return None if i is None else self.sets[i]

    def canonical(self, name: str, typ: str) -> str:
        """The canonical name of ``name`` as a ``typ``: its set's canonical,
        or its own display form when no set holds it (米国 → アメリカ, マンＵ →
        マンチェスター・ユナイテッド, 本田圭佑 → 本田圭佑)."""
        s = self.set_of(name, typ)
        return s.canonical if s else display_form(name)

    def forms(self, canonical: str, typ: str) -> list:
        """Every form of the set ``canonical`` belongs to (the canonical
        first), or ``[display_form(canonical)]`` when none does: what a
        filter on that entity looks for."""
        s = self.set_of(canonical, typ)
        return list(s.forms) if s else [display_form(canonical)]


def _problem(path, line, message, warning=False):
    from index.readers.common import ReadProblem

    return ReadProblem(str(path), line, message, warning)


_LINE = re.compile(r"^\s*([a-z]+)\s*:\s*(.*)$")
_SEPARATORS = re.compile(r"[,，、]")


def read_alias_file(path, aliases: Aliases) -> None:
    """Add the sets of one file to ``aliases``; each bad line becomes a
    ``file:line`` problem in ``aliases.problems`` and the others still load.

    A line is ``type: canonical, alias, alias ...`` with type person, place
    or org, forms separated by commas (, ， or 、); ``#`` starts a comment.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        aliases.problems.append(_problem(path, None, f"cannot read alias file: {exc.strerror or exc}"))
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        _read_line(path, number, raw, aliases)


def _read_line(path, number: int, raw: bytes, aliases: Aliases) -> None:
    def problem(message, warning=False):
        aliases.problems.append(_problem(path, number, message, warning))

    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return problem(f"not UTF-8 (byte {exc.start + 1}); line skipped")
    line = line.split("#", 1)[0].strip()
    if not line:
        return None
    m = _LINE.match(line)
    if not m or m.group(1) not in ENTITY_TYPES:
        return problem(f"expected 'type: canonical, alias, ...' with type one of {', '.join(ENTITY_TYPES)}; line skipped")
    typ, rest = m.group(1), m.group(2)
    items = [item.strip() for item in _SEPARATORS.split(rest)]
    if any(not item for item in items):
        problem("empty form between commas ignored", warning=True)
    forms, seen = [], set()
    for item in filter(None, items):
        if len(item) > MAX_FORM_CHARS:
            problem(f"form longer than {MAX_FORM_CHARS} characters ignored: {item[:20]}…")
            continue
        key = canonical_key(item)
        if not key:
            problem(f"{item!r} has no letters; ignored")
            continue
        if key not in seen:
            seen.add(key)
            forms.append(item)
    if len(forms) < 2:
        return problem("an alias line needs a canonical name and at least one other form; line skipped")
    merged = aliases.add(typ, forms, f"{path}:{number}")
    if merged is not None:
        first = aliases.sets[merged].origins[0]
        problem(f"shares a form with the {typ} set from {first}; merged, canonical now {forms[0]!r}", warning=True)
    return None


def load_aliases(paths=(), *, defaults: bool = True) -> Aliases:
    """The default table (unless ``defaults`` is false) and the files in
    ``paths`` (one or a list), later lines overriding earlier ones."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    aliases = Aliases()
    for path in ([DEFAULT_ALIASES] if defaults else []) + [Path(p) for p in paths or []]:
        read_alias_file(path, aliases)
    return aliases


class AliasSource:
    """The default table and ``path`` (default ``$SEARCH_ENTITY_ALIASES``),
    re-read when a file changes: ``current()`` costs a ``stat`` per file
    when nothing changed.  Safe to share between threads."""

    def __init__(self, path=None, *, defaults: bool = True):
        if path is None:
            path = os.environ.get(ENV_VAR) or None
        self.paths = ([DEFAULT_ALIASES] if defaults else []) + ([Path(path)] if path else [])
        self._lock = threading.Lock()
        self._stamp = None
        self._aliases = Aliases()

    def _stamps(self):
        out = []
        for p in self.paths:
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def current(self) -> Aliases:
        stamp = self._stamps()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    aliases = Aliases()
                    for p in self.paths:
                        read_alias_file(p, aliases)
                    self._aliases, self._stamp = aliases, stamp
        return self._aliases


__all__ = [
    "alias_sets",
    "DEFAULT_ALIASES",
    "ENV_VAR",
    "AliasSet",
    "AliasSource",
    "Aliases",
    "canonical_key",
    "choose_display",
    "display_form",
    "load_aliases",
    "read_alias_file",
    "resolve_in_article",
]


def alias_sets(name: str, typ: str | None = None, aliases: Aliases | None = None) -> list:
    """``search aliases NAME``: the sets ``name`` belongs to (of ``typ``, or
    of every type), as ``[{"name", "type", "canonical", "forms", "origins"}]``."""
    aliases = aliases if aliases is not None else AliasSource().current()
    out = []
    for t in [typ] if typ else ENTITY_TYPES:
        s = aliases.set_of(name, t)
        if s is not None:
            out.append({"name": name, "type": t, "canonical": s.canonical, "forms": list(s.forms),
                        "origins": list(s.origins)})
    return out
