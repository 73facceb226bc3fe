"""A Whoosh reader's segments, as the per-commit tables read them.

What is read once per segment (facet tables, sound-alike groups) or once
per commit and kept beside the index (near-copy groups, the entity view)
needs a reader's leaves in docnum order and a name for each segment that
does not change while the segment lives.
"""

from __future__ import annotations


def leaves(reader) -> list:
    """[(leaf reader, first docnum)] of ``reader``: itself when it is one
    segment's reader."""
    return reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]


def segment_id(leaf) -> str | None:
    """The id of the segment ``leaf`` reads, or None when it reads no
    segment of an index on disk."""
    segment = getattr(leaf, "_segment", None)
    return segment.segment_id() if segment is not None else None


def segments_key(reader, deletions: bool = False) -> str:
    """The sorted ids of ``reader``'s segments, each with its count of
    deleted documents when ``deletions``: what a table kept beside the index
    was made for."""
    ids = []
    for leaf, _ in leaves(reader):
        sid = segment_id(leaf)
        if sid is not None:
            ids.append(f"{sid}-{len(leaf.deleted_docs_set)}" if deletions else sid)
    return ",".join(sorted(ids))


__all__ = ["leaves", "segment_id", "segments_key"]
