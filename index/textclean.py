"""Characters that are not text, removed before anything analyses or shows it.

Two kinds, both invisible on a page, both harmful elsewhere:

* **Invisible format characters**: zero-width spaces and joiners,
  left-to-right and right-to-left marks and embeddings, soft hyphens, word
  joiners, a byte-order mark inside text, NUL.  Copied from a web page or a
  word processor into an article or a query, one of them inside a word makes
  Sudachi see two words (東京 + U+200B matched 2 articles instead of 1,110).
  ``remove_invisible`` drops them from article fields (index.readers) and
  queries (search.query) alike, so both sides meet.  A zero-width joiner
  between two symbols is kept: it glues emoji sequences (👨‍👩‍👧).
* **Control characters**: C0 (but tab and newline), DEL and C1.  In article
  text they are never content; on a terminal, ESC and CSI start escape
  sequences that set the window title, clear the screen or forge lines.
  ``remove_controls`` drops them from article fields; ``for_terminal``
  makes anything safe to print (the CLI applies it to every line it writes,
  whatever index the text comes from).
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile(
    "[\x00\u00ad\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_ZWJ = "\u200d"
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# ESC or CSI and what follows it up to the final byte of the sequence, then
# any control character left alone.
_TERMINAL_SEQUENCE = re.compile(
    "(?:\x1b\\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|\x1b.?)"
    "|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def _glues_symbols(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return bool(before and after) and unicodedata.category(after) == "So" and (
        unicodedata.category(before) == "So" or before in "\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"
    )


def remove_invisible(text: str) -> str:
    """``text`` without invisible format characters (see the module doc)."""
    if not text:
        return text
    text = _INVISIBLE.sub("", text)
    if _ZWJ in text:
        text = "".join(c for i, c in enumerate(text) if c != _ZWJ or _glues_symbols(text, i))
    return text


def remove_controls(text: str) -> str:
    """``text`` without control characters other than tab and line ends
    (CR stays for the readers to turn into a newline)."""
    return _CONTROLS.sub("", text) if text else text


def clean_text(text: str) -> str:
    """What an article field keeps: neither invisible nor control characters."""
    return remove_controls(remove_invisible(text))


def for_terminal(text: str) -> str:
    """``text`` with terminal escape sequences and other control characters
    removed (tab and newline stay): safe to write to a terminal."""
    return _TERMINAL_SEQUENCE.sub("", text) if text else text


__all__ = ["clean_text", "for_terminal", "remove_controls", "remove_invisible"]
