"""The one record every part of the extractor hands around."""

from __future__ import annotations

from dataclasses import dataclass

ENTITY_TYPES = ("person", "place", "org")


@dataclass(frozen=True, slots=True)
class Entity:
    """One mention of a person, place or organisation in an analysed text.

    ``text`` is exactly ``analysis.text[start:end]`` (offsets are characters).
    ``canonical`` is empty as extracted; :func:`index.entities.canonical.
    resolve_in_article` fills it with the name the mention stands for in its
    article (本田 → 本田圭佑), in display form.
    """

    text: str
    type: str  # one of ENTITY_TYPES
    start: int
    end: int
    canonical: str = ""
