"""``analyze(text)``: the tokens and entities of a text, as the index sees them."""

from __future__ import annotations

from index.analysis import analyze as _analyze


def analyze(text: str) -> dict:
    """Tokens (surface, normalized form, reading, part of speech, offsets,
    whether indexed) and entities (text, type, start, end) of ``text``."""
    analysis = _analyze(text or "")
    tokens = [
        {
            "surface": m.surface,
            "normalized": m.normalized,
            "reading": m.reading,
            "pos": [p for p in m.pos if p != "*"],
            "start": m.start,
            "end": m.end,
            "oov": m.oov,
            "indexed": m.indexed,
            "term": m.term if m.indexed else None,
            "subwords": [a.term for a in m.a_units],
        }
        for m in analysis.morphemes
    ]
    entities = [
        {"text": e.text, "type": e.type, "start": e.start, "end": e.end} for e in analysis.entities
    ]
    return {"text": analysis.text, "tokens": tokens, "entities": entities}
