"""Entity names as readers see them: one name per entity, no boilerplate.

The index holds, per article, the canonical names of its people, places and
organisations as the article itself resolved them (index.entities.article:
本田 after 本田圭佑 is 本田圭佑), the other forms its mentions used, and the
names only its credit lines hold.  When the index is read, per commit and
per alias table, this view

* **groups** names across articles: one key per entity (width, case, dots
  and company designators folded; index.entities.canonical) and the alias
  table (米, 米国 and アメリカ → アメリカ; NTTドコモ and ドコモ), shown as the
  set's canonical name, or else the form most articles use;
* finds each publisher's **boilerplate**: the names a publisher repeats in
  (almost) every article, or only in credit lines (index.entities.
  boilerplate); a publisher is an article's category when it has one (a
  livedoor site), else its source (a feed, a JSON Lines file);
* gives, per article, the names to count in facets and show as chips
  (grouped, boilerplate removed), and, per name, every indexed value and
  mention form a filter must look for (person:本田 finds the articles that
  call 本田圭佑 so, and org:ドコモ those of NTTドコモ).

Changing the alias table needs no reindex: a new table makes a new view.
"""

from __future__ import annotations

import threading
from collections import Counter

from index import segments
from index.entities import ENTITY_TYPES
from index.entities.boilerplate import boilerplate_names
from index.entities.canonical import canonical_key, choose_display, display_form
from index.schema import fold_keyword

FORMS_FIELD = "entity_forms"
CREDITED_FIELD = "credited"


def field_values(reader, fieldname, n) -> list:
    """Per docnum, the tuple of a keyword field's values, read from its
    postings (not from stored fields, which would unpickle every body).

    Read per segment and remembered for each segment's deletion state: a
    commit adds a small segment to unchanged ones, and a server that read
    every table afresh on each commit spent most of its time doing so while
    `search index` ran (requests then waited for seconds)."""
    per_doc = []
    leaves = segments.leaves(reader)
    if len(_segment_tables) >= _MAX_SEGMENT_TABLES:
        _forget_segments_but(leaves)
    for leaf, offset in leaves:
        if offset != len(per_doc):  # not the layout this code knows: read it whole
            return _read_field_values(reader, fieldname, n)
        per_doc.extend(_segment_values(leaf, fieldname))
    if len(per_doc) != n:
        return _read_field_values(reader, fieldname, n)
    return per_doc


# (segment id, deleted documents, field) -> that segment's per-docnum
# values.  Past the bound, the entries of segments the reader at hand does
# not hold (merged away, or of another index) are dropped.
_segment_tables: dict = {}
_segment_tables_lock = threading.Lock()
_MAX_SEGMENT_TABLES = 256


def _segment_values(leaf, fieldname) -> list:
    sid = segments.segment_id(leaf)
    if sid is None:
        return _read_field_values(leaf, fieldname, leaf.doc_count_all())
    # Postings leave deleted documents out, so a deletion makes another table.
    key = (sid, len(leaf.deleted_docs_set), fieldname)
    table = _segment_tables.get(key)
    if table is None:
        table = _read_field_values(leaf, fieldname, leaf.doc_count_all())
        with _segment_tables_lock:
            _segment_tables[key] = table
    return table


def _forget_segments_but(leaves) -> None:
    keep = {segments.segment_id(leaf) for leaf, _ in leaves}
    with _segment_tables_lock:
        for key in [k for k in _segment_tables if k[0] not in keep]:
            del _segment_tables[key]


def _read_field_values(reader, fieldname, n) -> list:
    lists = [None] * n
    if fieldname in reader.indexed_field_names():
        for term in reader.lexicon(fieldname):
            value = term.decode("utf-8")
            for docnum in reader.postings(fieldname, term).all_ids():
                if lists[docnum] is None:
                    lists[docnum] = [value]
                else:
                    lists[docnum].append(value)
    return [() if values is None else tuple(values) for values in lists]


# What a company's Japanese arm adds to its name, as canonical_key leaves it
# (lower case, no spaces): アップルジャパン, Apple Japan, BMW JAPAN.
_JAPANESE_ARM = ("ジャパン", "japan")


def japanese_arms(org_keys, aliases=None) -> dict:
    """{("org", key of X Japan): key of X} for each organisation key that is
    another one's plus ジャパン or Japan, when that other one is named too:
    the arm and the company are one entity to a reader (アップルジャパン and
    アップル, as the alias table has ヤフージャパン in ヤフー's set), and a
    team's nickname stays itself unless the bare name is an organisation too
    (なでしこジャパン and なでしこ are one team anyway).  Two sets of the
    alias table (``aliases``) stay two: a newsroom that lists X Japan apart
    from X means it."""
    arms = {}
    for key in org_keys:
        for suffix in _JAPANESE_ARM:
            base = key[: -len(suffix)] if key.endswith(suffix) else ""
            if len(base) >= 2 and base in org_keys:
                if aliases is not None and aliases.set_of(key, "org") and aliases.set_of(base, "org"):
                    continue
                arms[("org", key)] = base
    return arms


def publisher_keys(publisher: str) -> set:
    """The keys a publisher's own name has: of its name (a livedoor site's
    slug: movie-enter is MOVIE ENTER), and of the last part of a path or
    address without its extension (a JSON Lines file, a feed)."""
    if not publisher:
        return set()
    last = publisher.rstrip("/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    stem = last.rsplit(".", 1)[0] if "." in last else last
    return {k for k in (canonical_key(publisher), canonical_key(stem)) if len(k) >= 3}


def with_own_names(boilerplate: dict, counts: dict) -> dict:
    """``boilerplate`` ({publisher: frozenset of (type, key)}) with each
    publisher's own name among the names its articles use (``counts``:
    {publisher: {(type, key): articles}}): MOVIE ENTER on movie-enter,
    Peachy on peachy, S-MAX on smax, however few of its articles say it."""
    out = dict(boilerplate)
    for publisher, names in counts.items():
        own = publisher_keys(publisher)
        named = {name for name in names if name[1] in own}
        if named:
            out[publisher] = out.get(publisher, frozenset()) | named
    return out


def _members(group_of) -> dict:
    """(type, group key) -> the indexed values of the group."""
    members = {}
    for (typ, value), key in group_of.items():
        members.setdefault((typ, key), []).append(value)
    return members


class EntityView:
    """The entity names of one commit for one alias table (see the module's
    docstring); built from the facet tables, or read back from the index
    folder (``cached_entity_view``)."""

    def __init__(self, reader, values: dict, aliases):
        """``values``: facet field -> per-docnum tuple of indexed values (the
        generation's facet tables, with category); ``aliases``: an
        index.entities.canonical.Aliases."""
        self.aliases = aliases
        n = reader.doc_count_all()
        self.group_of = {}  # (type, indexed value) -> group key
        self.display = {}  # (type, group key) -> the name shown
        self.arm_of = {}  # (type, key of a company's Japanese arm) -> key of the company
        for typ in ENTITY_TYPES:
            forms = {}
            group_of = self.group_of
            occurrences = Counter(value for doc_values in values[typ] for value in doc_values)
            keys = {value: self._key(typ, value) for value in occurrences}  # each distinct name once
            if typ == "org":
                self.arm_of.update(japanese_arms(set(keys.values()), aliases))
                keys = {value: self.arm_of.get(("org", key), key) for value, key in keys.items()}
            for value, count in occurrences.items():
                key = group_of[(typ, value)] = keys[value]
                forms.setdefault(key, Counter())[display_form(value)] += count
            for key, counts in forms.items():
                # any form's set: the forms of a group may come in any order
                alias_set = next(filter(None, (aliases.set_of(form, typ) for form in counts)), None)
                self.display[(typ, key)] = alias_set.canonical if alias_set else choose_display(counts)
        self.members = _members(self.group_of)
        # The forms mentions used, by group: for filters.
        self.forms = {}
        if FORMS_FIELD in reader.indexed_field_names():
            for term in reader.lexicon(FORMS_FIELD):
                typ, _, form = term.decode("utf-8").partition(":")
                self.forms.setdefault((typ, canonical_key(form)), []).append(term.decode("utf-8"))
        self.publisher = [cats[0] if cats else "" for cats in values["category"]]
        sources = field_values(reader, "source", n)
        self.publisher = [p or (s[0] if s else "") for p, s in zip(self.publisher, sources)]
        self.boilerplate = self._find_boilerplate(reader, values, n)
        self.names = {typ: self._names_of(typ, values[typ]) for typ in ENTITY_TYPES}

    # -- kept beside the index ----------------------------------------------

    def saved(self) -> dict:
        """What from_saved needs, as JSON can hold it."""
        return {
            "group_of": [[t, v, k] for (t, v), k in self.group_of.items()],
            "display": [[t, k, name] for (t, k), name in self.display.items()],
            "arm_of": [[t, k, base] for (t, k), base in self.arm_of.items()],
            "forms": [[t, k, terms] for (t, k), terms in self.forms.items()],
            "publisher": self.publisher,
            "boilerplate": {p: sorted(names) for p, names in self.boilerplate.items()},
            "names": {typ: [list(n) for n in per_doc] for typ, per_doc in self.names.items()},
        }

    @classmethod
    def from_saved(cls, data: dict, aliases) -> "EntityView":
        view = cls.__new__(cls)
        view.aliases = aliases
        view.group_of = {(t, v): k for t, v, k in data["group_of"]}
        view.display = {(t, k): name for t, k, name in data["display"]}
        view.arm_of = {(t, k): base for t, k, base in data["arm_of"]}
        view.forms = {(t, k): terms for t, k, terms in data["forms"]}
        view.members = _members(view.group_of)
        view.publisher = data["publisher"]
        view.boilerplate = {p: frozenset(tuple(n) for n in names) for p, names in data["boilerplate"].items()}
        view.names = {typ: [tuple(n) for n in per_doc] for typ, per_doc in data["names"].items()}
        return view

    def _key(self, typ, name) -> str:
        alias_set = self.aliases.set_of(name, typ)
        key = canonical_key(alias_set.canonical if alias_set else name)
        return self.arm_of.get((typ, key), key)

    def _find_boilerplate(self, reader, values, n) -> dict:
        counts, articles, credits = {}, Counter(self.publisher), {}
        for typ in ENTITY_TYPES:
            for docnum, doc_values in enumerate(values[typ]):
                groups = {(typ, self.group_of[(typ, v)]) for v in doc_values}
                counts.setdefault(self.publisher[docnum], Counter()).update(groups)
        keys = {}
        for docnum, credited in enumerate(field_values(reader, CREDITED_FIELD, n)):
            for item in credited:
                typ, _, name = item.partition(":")
                if typ in ENTITY_TYPES:
                    key = keys.get(item)
                    if key is None:
                        key = keys[item] = self._key(typ, name)
                    credits.setdefault(self.publisher[docnum], Counter())[(typ, key)] += 1
        return with_own_names(boilerplate_names(counts, dict(articles), credits), counts)

    def _names_of(self, typ, per_doc) -> list:
        out = []
        for docnum, doc_values in enumerate(per_doc):
            skip = self.boilerplate.get(self.publisher[docnum], frozenset())
            names = []
            for value in doc_values:
                key = self.group_of[(typ, value)]
                shown = self.display[(typ, key)]
                if (typ, key) not in skip and shown not in names:
                    names.append(shown)
            out.append(tuple(names))
        return out

    def chips(self, docnum, typ, stored_names) -> list:
        """The names of one article to show, in the article's order."""
        keep = set(self.names[typ][docnum])
        out = []
        for name in stored_names:
            key = self.group_of.get((typ, fold_keyword(name)), self._key(typ, name))
            shown = self.display.get((typ, key), self.aliases.canonical(name, typ))
            if shown in keep and shown not in out:
                out.append(shown)
        return out

    def is_boilerplate(self, docnum, typ, name) -> bool:
        skip = self.boilerplate.get(self.publisher[docnum], frozenset())
        return (typ, self._key(typ, name)) in skip

    def boilerplate_of(self) -> dict:
        """{publisher: sorted names}: for stats and the README's figures."""
        return {p: sorted(self.display.get(g, g[1]) for g in names) for p, names in self.boilerplate.items() if names}

    def filter_terms(self, typ, name) -> list:
        """(field, term) pairs a filter on ``name`` looks for: every indexed
        value of its group, and every mention form of the group's names."""
        key = self._key(typ, name)
        terms = [(typ, v) for v in self.members.get((typ, key), [])]
        forms = set()
        for value in [name] + self.members.get((typ, key), []) + self.aliases.forms(self.display.get((typ, key), name), typ):
            forms.update(self.forms.get((typ, canonical_key(value)), []))
        terms += [(FORMS_FIELD, f) for f in sorted(forms)]
        return terms or [(typ, fold_keyword(name))]


# The entity view of the latest commit, beside the index: built, it costs
# about a second on livedoor (most of a one-shot `search query`); read back,
# a few tens of milliseconds.  Bump the version when the view's rules change.
VIEW_FILE = "search-entities.json"
VIEW_VERSION = 3


def _view_key(reader, aliases) -> str:
    return (f"{VIEW_VERSION}:{aliases.fingerprint()}:{reader.doc_count_all()}:"
            f"{segments.segments_key(reader, deletions=True)}")


def cached_entity_view(index_dir, reader, values, aliases) -> EntityView:
    """The EntityView of ``reader``'s commit and ``aliases``: read from the
    index folder when it was saved for exactly these segments, deletions and
    alias table, else built (``values()`` gives the facet tables) and saved
    there for the next process (best effort: a read-only folder only means
    building it each time)."""
    from pathlib import Path

    from index.storage import read_keyed_json, save_keyed_json

    path = Path(index_dir) / VIEW_FILE
    key = _view_key(reader, aliases)
    data = read_keyed_json(path, key)
    if data:
        try:
            if len(data["publisher"]) == reader.doc_count_all():
                return EntityView.from_saved(data, aliases)
        except (KeyError, TypeError, ValueError):
            pass
    view = EntityView(reader, values(), aliases)
    save_keyed_json(path, key, view.saved())
    return view


# A person named by this many characters or fewer may be a surname or a
# given name alone (香川, 圭佑).
SHORT_NAME_CHARS = 3


def merge_short_names(counts: Counter) -> Counter:
    """Person facet counts with each short name that is the surname or the
    given name of exactly one full name among the counted ones folded into
    it: in a search for サッカー, the articles that only say 香川 count for
    香川真司, unless 香川照之 is counted too (then neither can be told).
    Within an article this is resolve_in_article's job; across articles only
    the result's own names say which 香川 is meant."""
    # The longer names by each prefix and suffix a short name can be
    # (SHORT_NAME_CHARS characters at most), so each short name finds its
    # candidates in one look-up: a broad query counts thousands of names,
    # and scanning all of them for each short one took most of its time.
    by_start, by_end = {}, {}
    for n in counts:
        for k in range(1, min(SHORT_NAME_CHARS, len(n) - 1) + 1):
            by_start.setdefault(n[:k], []).append(n)
            if k >= 2:
                by_end.setdefault(n[-k:], []).append(n)
    out = Counter(counts)
    for short in [n for n in counts if len(n) <= SHORT_NAME_CHARS and "・" not in n]:
        full = set(by_start.get(short, ()))
        if len(full) < 2:
            full.update(by_end.get(short, ()))
        if len(full) == 1:
            out[next(iter(full))] += out.pop(short, 0)
    return out


__all__ = ["VIEW_FILE", "EntityView", "cached_entity_view", "field_values", "japanese_arms", "merge_short_names", "publisher_keys", "with_own_names"]
