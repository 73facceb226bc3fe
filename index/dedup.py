"""Near-copies: MinHash signatures of articles' Sudachi terms, and their groups.

Wire copies of one story (a changed headline, a corrected figure, a credit
line added at the end, a re-post) share nearly all their runs of words; two
articles that merely quote the same statement share a few.  Each article
gets a signature of its **body's terms** (``dedup_terms``: the normalized
form of every content morpheme — particles, auxiliaries, punctuation and
spaces left out, as in the ``text`` field — taken from the Sudachi pass the
indexer has already made: no second pass), shingled into runs of
``SHINGLE_TERMS`` = 3 consecutive terms, plus a key of its **headline**
(``title_key``) and its number of shingles.  The headline is not shingled: a
re-headlined copy is still a copy.  An article whose body has fewer than
``MIN_BODY_TERMS`` terms is shingled on its title and body together.

**When two articles are near-copies** (``Rule``, ``DEFAULT_RULE``): their
bodies' estimated Jaccard similarity J reaches a bar set by their length —
the J at which about ``max_changed`` = 30 shingles are in one and not the
other (ten changed words, or a sentence added), but never below ``floor`` =
0.8 (short articles) nor above ``ceiling`` = 0.95 (long ones) — or, under
the same headline, J reaches ``same_title`` = 0.5 (a second version of a
story, partly rewritten).  Read off livedoor with bench/dedup_livedoor.py:
distinct stories written on one template reach any plain threshold up to
0.9 (S-MAX's 「…に不具合でソフトウェア更新を提供開始」 articles share a page
of update instructions: two updates of one phone are 0.89 alike, of two
sibling phones 0.91; at 0.5, 62 groups, the largest of 24 such updates),
while same-story copies differ in a handful of shingles (a store opening
announced as 「8月1日から…オープンする」 and re-posted as 「本日8月1日から…
オープンした」: 23 of 769 shingles, J 0.94); reused headlines over
unrelated bodies stay at 0.12 and below, a re-posted interview with a
rewritten profile under the same headline is 0.64.  The rule finds 12
groups (25 articles) on livedoor: 7 articles posted twice, one re-post
updated, one rewritten under its headline, 3 picture-gallery series whose
pages carry the same text.

**Why three terms.**  Particles are already gone, so three content terms
span five or six words of running text: specific enough that unrelated
articles share almost nothing (livedoor random pairs: 0.05% of their
shingles; two-term shingles 0.5%, single terms 6%), short enough that one
edit costs only three shingles of an article's ~400.

**The signature** is a one-permutation MinHash (Li, Owen and Zhang 2012)
with optimal densification (Shrivastava 2017): each shingle is hashed once
to 64 bits, its top 7 bits choose one of ``SLOTS`` = 128 slots and each slot
keeps its smallest hash; an empty slot (short articles) copies the value of
the first non-empty slot along a fixed probe sequence of its own, so two
articles' signatures stay aligned slot by slot.  The share of equal slots
estimates J (standard error ``sqrt(J(1-J)/128)``: 0.02 at 0.95, 0.044 at
0.5).  One hash per shingle keeps it cheap (NumPy when present, else pure
Python; the same bytes either way); a classic MinHash computes 128 hashes
per shingle.  Term hashes are BLAKE2b of the UTF-8 (stable across
processes, platforms and Python versions: the signatures are stored in the
index), mixed per shingle.  ``SIGNATURE_BYTES`` = 520: 128 slots of 32
bits, the headline key, the number of distinct shingles; little-endian.

**Lookups without loading every signature.**  The slots are cut into bands
of ``BAND_ROWS`` = 3; ``band_terms`` names each of the first
``INDEX_BANDS`` = 16 bands by a keyword term that the index stores per
article (``dup_band``).  Two articles with similarity J share at least one
term with probability ``1 - (1 - J**3)**16``: 0.88 at 0.5, 0.99999 at 0.8
(about 1e-9 for two unrelated articles), so ``near_copies`` finds an
article's copies among the committed ones from the postings of 16 terms and
reads only those candidates' signatures.  Grouping in memory (``group``)
uses all 42 bands (NumPy when present: 0.2 s for the 7,367 livedoor
articles, 1.2 s in pure Python; the same groups).

**Groups** (``group``, ``group_index``): articles are taken in order of
date (then id); each joins the group of its most similar earlier near-copy,
provided it is a near-copy of that group's first article too — so a chain
of small steps never turns one story into another — or else starts a group
of its own.  ``collapse`` keeps one result per group (the best-ranked) and
lists the others; ``count_groups`` counts them.

Changing the terms, the shingles, the hashing, the slots or the headline
key changes every signature: bump ``DEDUP_VERSION`` (to be recorded with the
index, so an old index is rebuilt rather than compared with new signatures).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from operator import eq

from index.analysis import _UNINDEXED_POS
from index.segments import leaves as _leaves, segments_key

DEDUP_VERSION = 1

SHINGLE_TERMS = 3
SLOTS = 128
_SLOT_SHIFT = 64 - 7  # the top 7 bits of a 64-bit hash pick the slot (2**7 == SLOTS)
BAND_ROWS = 3
BANDS = SLOTS // BAND_ROWS  # used in memory
# Stored as dup_band terms: each is a new term of Whoosh's lexicon, about 60
# µs of writing per article each, so the index keeps the first 16 bands.
INDEX_BANDS = 16
SIGNATURE_BYTES = SLOTS * 4 + 8  # the slots, the headline key, the number of shingles
MIN_BODY_TERMS = 30

# Little-endian whatever the machine: signatures are stored in the index.
_PACK = struct.Struct(f"<{SLOTS}III")
_TITLE, _COUNT = SLOTS, SLOTS + 1
_MASK64 = (1 << 64) - 1
_EMPTY = _MASK64
# Odd 64-bit constants (golden ratio, MurmurHash3 and SplitMix64 finalizers).
_M1 = 0x9E3779B97F4A7C15
_M2 = 0xC2B2AE3D27D4EB4F
_C1 = 0xBF58476D1CE4E5B9


# ---------------------------------------------------------------------------
# Terms and shingles


def _content_terms(analysis) -> list:
    """The search terms of the content morphemes (Morpheme.indexed, spelled
    out: the property costs a call per morpheme)."""
    if analysis is None:
        return []
    return [m.term for m in analysis.morphemes if m.term and m.pos[0] not in _UNINDEXED_POS]


def dedup_terms(title_analysis, body_analysis) -> list:
    """The terms an article is shingled on, from the analyses the indexer
    already has (index.analysis.analyze of the title and of the body): the
    search term of every content morpheme of the body, in order; the
    title's first when the body is shorter than MIN_BODY_TERMS terms."""
    body = _content_terms(body_analysis)
    if len(body) >= MIN_BODY_TERMS:
        return body
    return _content_terms(title_analysis) + body


_term_hashes: dict = {}
_TERM_CACHE_SIZE = 1 << 18


def _term_hashes_of(terms) -> list:
    hs = list(map(_term_hashes.get, terms))
    if None in hs:
        hs = [h if h is not None else _term_hash(t) for h, t in zip(hs, terms)]
    return hs


def _term_hash(term: str) -> int:
    h = _term_hashes.get(term)
    if h is None:
        if len(_term_hashes) >= _TERM_CACHE_SIZE:
            _term_hashes.clear()
        h = _term_hashes[term] = int.from_bytes(
            hashlib.blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
    return h


def shingle_hashes(terms, k: int = SHINGLE_TERMS) -> set:
    """The 64-bit hashes of the runs of ``k`` consecutive terms (one run of
    all of them when there are fewer than ``k``)."""
    hs = _term_hashes_of(terms)
    if not hs:
        return set()
    if len(hs) < k:
        k = len(hs)
    if k == 3:  # the common case, unrolled
        out = set()
        for a, b, c in zip(hs, hs[1:], hs[2:]):
            x = (a * _M1 + b * _M2 + c) & _MASK64
            x = ((x ^ (x >> 29)) * _C1) & _MASK64
            out.add(x ^ (x >> 32))
        return out
    out = set()
    for i in range(len(hs) - k + 1):
        x = 0
        for h in hs[i : i + k]:
            x = ((x ^ h) * _M1 + 1) & _MASK64
        x = ((x ^ (x >> 29)) * _C1) & _MASK64
        out.add(x ^ (x >> 32))
    return out


def title_key(title_analysis) -> int:
    """A 32-bit key of the headline's terms (0: no headline): equal for
    headlines that differ only in width, case or spelling variants."""
    terms = _content_terms(title_analysis)
    if not terms:
        return 0
    key = int.from_bytes(hashlib.blake2b("\x1f".join(terms).encode("utf-8", "surrogatepass"),
                                         digest_size=4).digest(), "little")
    return key or 1


# ---------------------------------------------------------------------------
# Signatures


def _probe_sequences() -> list:
    """For each slot, the order in which an empty slot borrows from the
    others: a fixed pseudo-random permutation per slot (BLAKE2b, so it never
    changes with the Python version)."""
    out = []
    for i in range(SLOTS):
        others = [j for j in range(SLOTS) if j != i]
        others.sort(key=lambda j: hashlib.blake2b(f"{i}:{j}".encode(), digest_size=8).digest())
        out.append(others)
    return out


_PROBES = None  # built on first use: a cold `search query` that collapses nothing never pays for it


def _probes() -> list:
    global _PROBES
    if _PROBES is None:
        _PROBES = _probe_sequences()
    return _PROBES


def _minima(hashes) -> list:
    """Each slot's smallest shingle hash (_EMPTY for none), pure Python."""
    slots = [_EMPTY] * SLOTS
    for x in hashes:
        i = x >> _SLOT_SHIFT
        if x < slots[i]:
            slots[i] = x
    return slots


def _minima_numpy(terms) -> tuple | None:
    """The same (minima, number of distinct shingles) as the pure-Python
    path, with NumPy (2 to 3 times faster on an article; None when it does
    not apply)."""
    np = _numpy()
    if np is None or len(terms) < SHINGLE_TERMS:
        return None
    h = np.array(_term_hashes_of(terms), dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as the & _MASK64 of the pure version
        x = h[:-2] * np.uint64(_M1) + h[1:-1] * np.uint64(_M2) + h[2:]
        x = (x ^ (x >> np.uint64(29))) * np.uint64(_C1)
        x = x ^ (x >> np.uint64(32))
    x = np.unique(x)
    slots = np.full(SLOTS, np.uint64(_EMPTY), dtype=np.uint64)
    np.minimum.at(slots, (x >> np.uint64(_SLOT_SHIFT)).astype(np.intp), x)
    return slots.tolist(), len(x)


_NUMPY = []


def _numpy():
    """NumPy, imported on first use (it costs a cold command half a second),
    or None: the pure-Python paths give the same signatures and groups."""
    if not _NUMPY:
        try:
            import numpy
        except ImportError:  # pragma: no cover
            numpy = None
        _NUMPY.append(numpy)
    return _NUMPY[0]


def _dense(slots) -> list | None:
    """Densified 32-bit slot values (None when every slot is empty)."""
    filled = [v != _EMPTY for v in slots]
    if not any(filled):
        return None
    if not all(filled):
        dense = list(slots)
        for i, full in enumerate(filled):
            if not full:
                for j in _probes()[i]:
                    if filled[j]:
                        dense[i] = slots[j]
                        break
        slots = dense
    return [v & 0xFFFFFFFF for v in slots]


def signature(terms, title: int = 0, k: int = SHINGLE_TERMS, fast: bool = True) -> bytes | None:
    """The SIGNATURE_BYTES-byte signature of a list of terms and a headline
    key (title_key); None when there are no terms.  ``fast=False`` takes the
    pure-Python path even when NumPy is there (the same bytes)."""
    fast_path = _minima_numpy(terms) if fast and k == SHINGLE_TERMS else None
    if fast_path is not None:
        minima, count = fast_path
    else:
        hashes = shingle_hashes(terms, k)
        minima, count = _minima(hashes), len(hashes)
    slots = _dense(minima)
    if slots is None:
        return None
    return _PACK.pack(*slots, title & 0xFFFFFFFF, min(count, 0xFFFFFFFF))


def article_signature(title_analysis, body_analysis) -> bytes | None:
    """The signature of an article from the analyses of its title and body."""
    return signature(dedup_terms(title_analysis, body_analysis), title_key(title_analysis))


def _unpack(sig) -> tuple | None:
    if not sig or len(sig) != SIGNATURE_BYTES:
        return None
    return _PACK.unpack(sig)


def _agreement(a: tuple, b: tuple) -> float:
    return sum(map(eq, a[:SLOTS], b[:SLOTS])) / SLOTS


def similarity(a: bytes | None, b: bytes | None) -> float:
    """The estimated Jaccard similarity of two articles' body shingles: the
    share of equal slots of their signatures (0.0 when either has none)."""
    va, vb = _unpack(a), _unpack(b)
    return _agreement(va, vb) if va and vb else 0.0


def same_title(a: bytes | None, b: bytes | None) -> bool:
    va, vb = _unpack(a), _unpack(b)
    return bool(va and vb and va[_TITLE] and va[_TITLE] == vb[_TITLE])


def shingle_count(sig: bytes | None) -> int:
    v = _unpack(sig)
    return v[_COUNT] if v else 0


@dataclass(frozen=True)
class Rule:
    """When two articles are near-copies.

    Their bodies' similarity J must reach a bar that depends on their
    length: the bar is where the estimated number of shingles in one and not
    the other, ``(n_a + n_b)(1 - J)/(1 + J)``, is ``max_changed`` — a few
    changed words or an added line, whatever the length — but never below
    ``floor`` (short articles) nor above ``ceiling`` (long ones, where a
    rewritten paragraph still leaves J above it).  Under the same headline
    ``same_title`` is enough (a second version of a story, partly
    rewritten)."""

    floor: float = 0.8
    ceiling: float = 0.95
    max_changed: int = 30
    same_title: float = 0.5

    @classmethod
    def plain(cls, threshold: float) -> "Rule":
        """Similarity at least ``threshold``, whatever the length or headline."""
        return cls(threshold, threshold, 0, threshold)

    def bar(self, count_a: int, count_b: int) -> float:
        n = count_a + count_b
        length_bar = (n - self.max_changed) / (n + self.max_changed) if n > 0 else 1.0
        return min(self.ceiling, max(self.floor, length_bar))

    def near(self, va: tuple, vb: tuple) -> float | None:
        """Their similarity when two unpacked signatures are near-copies, else None."""
        s = _agreement(va, vb)
        if s >= self.same_title and va[_TITLE] and va[_TITLE] == vb[_TITLE]:
            return s
        if s >= self.floor and s >= self.bar(va[_COUNT], vb[_COUNT]):
            return s
        return None


DEFAULT_RULE = Rule()


def is_near_copy(a, b, rule: Rule = DEFAULT_RULE) -> bool:
    """Whether two signatures are near-copies under ``rule``."""
    va, vb = _unpack(a), _unpack(b)
    return bool(va and vb) and rule.near(va, vb) is not None


def band_keys(sig: bytes, bands: int = BANDS) -> list:
    """The signature's first ``bands`` bands, as bytes keys (band number and
    its slots)."""
    width = BAND_ROWS * 4
    return [bytes((i,)) + sig[i * width : (i + 1) * width] for i in range(bands)]


def band_terms(sig: bytes | None) -> list:
    """The ``dup_band`` terms of a signature, one per band of the first
    INDEX_BANDS: two articles share a term when they agree on every slot of
    that band (probability J**3 for similarity J)."""
    if not sig:
        return []
    width = BAND_ROWS * 4
    return [f"{i:x}{hashlib.blake2b(sig[i * width:(i + 1) * width], digest_size=6).hexdigest()}"
            for i in range(INDEX_BANDS)]


# ---------------------------------------------------------------------------
# The index's side


def schema_fields() -> dict:
    """The fields index.schema.build_schema adds: ``dup_sig``, the signature
    as a column (read in bulk for grouping, never unpickled with the stored
    fields), and ``dup_band``, the band terms (postings for lookups)."""
    from whoosh import columns
    from whoosh.fields import COLUMN, KEYWORD

    return {
        "dup_sig": COLUMN(columns.VarBytesColumn()),
        "dup_band": KEYWORD(),
    }


def document_fields(title_analysis, body_analysis) -> dict:
    """The document values index.schema.to_document adds, from the analyses
    of title and body it already made ({} for an article without terms)."""
    sig = article_signature(title_analysis, body_analysis)
    if sig is None:
        return {}
    return {"dup_sig": sig, "dup_band": band_terms(sig)}


def _has_signatures(reader) -> bool:
    # Whoosh's has_column raises KeyError for a field the schema lacks.
    return "dup_sig" in reader.schema.names() and reader.has_column("dup_sig")


def _leaf_signatures(reader):
    """(global docnum, signature or None) of every document, deleted ones
    included, segment by segment (a segment without the column is skipped:
    Whoosh's multi-segment column reader misplaces values then)."""
    for leaf, offset in _leaves(reader):
        if not _has_signatures(leaf):
            continue
        column = leaf.column_reader("dup_sig")
        for docnum in range(leaf.doc_count_all()):
            yield offset + docnum, column[docnum] or None


def signature_of(reader, docnum) -> bytes | None:
    """The stored signature of one document."""
    for leaf, offset in _leaves(reader):
        if offset <= docnum < offset + leaf.doc_count_all():
            if not _has_signatures(leaf):
                return None
            return leaf.column_reader("dup_sig")[docnum - offset] or None
    return None


def near_copies(reader, sig, rule: Rule = DEFAULT_RULE, exclude=None) -> list:
    """The committed documents that are near-copies of ``sig``:
    [(docnum, similarity)], most similar first.  Found through the postings
    of the signature's band terms (``dup_band``), so only the candidates'
    signatures are read; ``exclude``: docnums to leave out (the article
    itself).  Deleted documents are not returned."""
    values = _unpack(sig)
    if values is None or "dup_band" not in reader.indexed_field_names():
        return []
    exclude = set(exclude or ())
    candidates = set()
    for term in band_terms(sig):
        if ("dup_band", term) in reader:
            candidates.update(reader.postings("dup_band", term).all_ids())
    out = []
    for docnum in sorted(candidates - exclude):
        if reader.is_deleted(docnum):
            continue
        other = _unpack(signature_of(reader, docnum))
        s = rule.near(values, other) if other else None
        if s is not None:
            out.append((docnum, s))
    out.sort(key=lambda item: (-item[1], item[0]))
    return out


def copies_of(reader, docnum, rule: Rule = DEFAULT_RULE) -> list:
    """Near-copies of a committed document (for its article page)."""
    return near_copies(reader, signature_of(reader, docnum), rule, exclude={docnum})


def batch_near_copies(reader, signatures, rule: Rule = DEFAULT_RULE) -> dict:
    """For a batch about to be written: key -> [(docnum, similarity)] of the
    committed documents each signature nearly copies (keys without any are
    left out).  ``signatures``: {key: signature or None}."""
    out = {}
    for key, sig in signatures.items():
        found = near_copies(reader, sig, rule)
        if found:
            out[key] = found
    return out


# ---------------------------------------------------------------------------
# Groups


@dataclass
class Group:
    """Near-copies of one story: ``members`` in order (date, then key), the
    first being the group's original; ``similarity[key]`` is each later
    member's similarity to the first."""

    members: list
    similarity: dict = field(default_factory=dict)

    @property
    def key(self):
        return self.members[0]

    def __len__(self):
        return len(self.members)


def _order(item):
    key, _, when = item
    # Dated articles first, oldest first; then the undated, by key.
    return (when is None, when if when is not None else 0, str(key))


def _near_pairs_python(sigs, rule: Rule) -> list:
    """For each item, [(-similarity, earlier item)] of its earlier
    near-copies among those sharing a band with it."""
    buckets = {}  # band key -> indexes of earlier items
    unpacked = [_PACK.unpack(sig) for sig in sigs]
    out = []
    for n, sig in enumerate(sigs):
        bands = band_keys(sig)
        candidates = set()
        for b in bands:
            bucket = buckets.get(b)
            if bucket:
                candidates.update(bucket)
        near = []
        for c in candidates:
            s = rule.near(unpacked[n], unpacked[c])
            if s is not None:
                near.append((-s, c))
        out.append(near)
        for b in bands:
            buckets.setdefault(b, []).append(n)
    return out


_PAIR_CHUNK = 1 << 16


def _near_pairs_numpy(sigs, rule: Rule) -> list:
    """The same lists as _near_pairs_python, with NumPy: the pairs that
    share a band come from sorting each band's keys, their slots are
    compared in chunks (a tenth of the time on livedoor)."""
    np = _numpy()
    n = len(sigs)
    table = np.frombuffer(b"".join(sigs), dtype="<u4").reshape(n, SLOTS + 2)
    slots = np.ascontiguousarray(table[:, :SLOTS])
    wide = slots.astype(np.uint64)
    pairs, triangles = [], {}
    for band in range(BANDS):
        a, b, c = (wide[:, band * BAND_ROWS + r] for r in range(BAND_ROWS))
        with np.errstate(over="ignore"):  # a 64-bit key of the band's 96 bits (a collision only adds a candidate)
            keys = (a * np.uint64(_M1)) ^ (b * np.uint64(_M2)) ^ (c * np.uint64(_C1)) ^ (a << np.uint64(32))
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, n])
        shared = sizes > 1
        for start, size in zip(starts[shared].tolist(), sizes[shared].tolist()):
            members = np.sort(order[start:start + size]).astype(np.int64)
            tri = triangles.get(size)
            if tri is None:
                tri = triangles[size] = np.triu_indices(size, 1)
            pairs.append(members[tri[0]] * n + members[tri[1]])
    out = [[] for _ in range(n)]
    if not pairs:
        return out
    codes = np.unique(np.concatenate(pairs))
    titles, counts = table[:, SLOTS].astype(np.int64), table[:, SLOTS + 1].astype(np.int64)
    for first in range(0, len(codes), _PAIR_CHUNK):
        chunk = codes[first:first + _PAIR_CHUNK]
        i, j = chunk // n, chunk % n
        sim = (slots[i] == slots[j]).sum(axis=1) / SLOTS
        total = counts[i] + counts[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            length_bar = np.where(total > 0, (total - rule.max_changed) / (total + rule.max_changed), 1.0)
        bar = np.minimum(rule.ceiling, np.maximum(rule.floor, length_bar))
        near = ((sim >= rule.same_title) & (titles[i] != 0) & (titles[i] == titles[j])) | (
            (sim >= rule.floor) & (sim >= bar))
        for a, b, s in zip(i[near].tolist(), j[near].tolist(), sim[near].tolist()):
            out[b].append((-s, a))
    return out


def group(items, rule: Rule = DEFAULT_RULE, fast: bool = True) -> list:
    """Groups of near-copies among ``items``: (key, signature or None, date
    or any orderable value or None).  Returns the groups of two or more, each
    a Group whose members are in order of date, the groups in order of their
    first member.

    Each item, taken in that order, joins the group of its most similar
    earlier near-copy when it is a near-copy of that group's first member
    too; otherwise it starts a group of its own.  Candidates are the items
    that share a band (an LSH), so the work grows with the number of items,
    not with its square.  ``fast=False``: without NumPy (the same groups)."""
    items = sorted(((k, s, w) for k, s, w in items if s and len(s) == SIGNATURE_BYTES), key=_order)
    sigs = [s for _, s, _ in items]
    nears = _near_pairs_numpy(sigs, rule) if fast and _numpy() is not None and sigs else _near_pairs_python(sigs, rule)
    unpacked = {}

    def values(i):
        v = unpacked.get(i)
        if v is None:
            v = unpacked[i] = _PACK.unpack(sigs[i])
        return v

    root = []  # index -> index of its group's first item
    members = {}  # root index -> [indexes]
    sims = {}
    for n, near in enumerate(nears):
        near.sort()
        best, to_root = None, None
        for negative, c in near:  # the most similar whose group's first item is near too
            r = root[c]
            s_root = -negative if r == c else rule.near(values(n), values(r))
            if s_root is not None:
                best, to_root = c, s_root
                break
        if best is None:
            root.append(n)
        else:
            r = root[best]
            root.append(r)
            members.setdefault(r, [r]).append(n)
            sims[n] = to_root
    groups = []
    for r in sorted(members):
        idx = members[r]
        groups.append(Group([items[i][0] for i in idx], {items[i][0]: round(sims[i], 4) for i in idx[1:]}))
    return groups


def group_index(reader, rule: Rule = DEFAULT_RULE, dates=None) -> list:
    """The group of every document of an index: a list indexed by docnum
    holding the docnum of its group's first article (itself when it has no
    near-copy; None for a deleted document).  ``dates``: per docnum, what
    orders the articles (the Searcher's per-docnum dates); docnum order
    without it."""
    n = reader.doc_count_all()
    out = [None] * n
    items = []
    for docnum, sig in _leaf_signatures(reader):
        if reader.is_deleted(docnum):
            continue
        when = dates[docnum] if dates is not None else docnum
        items.append((docnum, sig, when))
    for d in range(n):
        if not reader.is_deleted(d):
            out[d] = d
    for g in group(items, rule):
        for member in g.members:
            out[member] = g.key
    return out


# The group index of the committed documents, kept beside the index so a
# one-shot `search query` does not compute it (a second on livedoor): written
# by `search index` when it finishes, and by the first Searcher that needs
# it after any other commit.
GROUPS_FILE = "search-groups.json"
def article_dates(reader) -> list:
    """Per docnum, the article's date as the ``date`` column holds it (None
    when it has none): what orders the members of a group."""
    import datetime as dt

    from whoosh.util.times import datetime_to_long

    no_date = datetime_to_long(dt.datetime(9000, 1, 1))  # the column's filler for none
    n = reader.doc_count_all()
    dates = [None] * n
    # Segment by segment: a segment whose articles have no date has no date
    # column, and Whoosh's multi-segment column reader then misplaces values.
    for leaf, offset in _leaves(reader):
        if "date" not in leaf.schema.names() or not leaf.has_column("date"):
            continue
        column = leaf.column_reader("date", translate=False)
        for docnum in range(leaf.doc_count_all()):
            v = column[docnum]
            if 0 < v < no_date:
                dates[offset + docnum] = v
    return dates


def _groups_key(reader) -> str:
    return f"{DEDUP_VERSION}:{reader.doc_count_all()}:{reader.doc_count()}:{segments_key(reader)}"


def cached_group_index(index_dir, reader, dates=None, rule: Rule = DEFAULT_RULE) -> list:
    """group_index of ``reader``, read from the index folder when it was
    saved for exactly these segments and deletions, else computed and saved
    (best effort: a read-only folder only means computing it each time)."""
    from pathlib import Path

    from index.storage import read_keyed_json, save_keyed_json

    path = Path(index_dir) / GROUPS_FILE
    key = _groups_key(reader)
    data = read_keyed_json(path, key)
    if data and isinstance(data.get("group_of"), list) and len(data["group_of"]) == reader.doc_count_all():
        return data["group_of"]
    group_of = group_index(reader, rule, dates=dates if dates is not None else article_dates(reader))
    save_keyed_json(path, key, {"group_of": group_of})
    return group_of


def collapse(ranked, group_of) -> list:
    """Results with one entry per group: ``ranked`` is a list of docnums
    (best first), ``group_of`` maps a docnum to its group (group_index, or
    any mapping); returns [(docnum, [the other members found, in rank
    order])], each group at the rank of its best-ranked member."""
    firsts = {}
    out = []
    for docnum in ranked:
        g = group_of[docnum]
        g = docnum if g is None else g
        at = firsts.get(g)
        if at is None:
            firsts[g] = len(out)
            out.append((docnum, []))
        else:
            out[at][1].append(docnum)
    return out


def count_groups(docnums, group_of) -> int:
    """How many groups the documents make (what a collapsed total counts)."""
    return len({d if group_of[d] is None else group_of[d] for d in docnums})


__all__ = [
    "GROUPS_FILE", "article_dates", "cached_group_index", "BANDS", "BAND_ROWS", "DEDUP_VERSION", "DEFAULT_RULE", "Group", "INDEX_BANDS", "Rule", "SHINGLE_TERMS",
    "SIGNATURE_BYTES", "SLOTS", "article_signature", "band_terms", "batch_near_copies", "collapse", "copies_of",
    "count_groups", "dedup_terms", "document_fields", "group", "group_index", "is_near_copy", "near_copies",
    "same_title", "schema_fields", "shingle_count", "shingle_hashes", "signature", "signature_of", "similarity",
    "title_key",
]
