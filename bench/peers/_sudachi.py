"""A SudachiPy tokenizer per process, and text cut into pieces it accepts."""

from __future__ import annotations

_tok = None

# Sudachi refuses inputs above 49,149 bytes: 4,000 characters are at most
# 16,000 bytes of UTF-8; cutting at a line end keeps words whole.
MAX_CHUNK_CHARS = 4000

#: morphemes a plain Sudachi index leaves out (part of speech, first level)
SKIP_POS = ("空白", "補助記号")


def tokenizer():
    global _tok
    if _tok is None:
        from sudachipy import Dictionary

        _tok = Dictionary(dict="core").tokenizer()
    return _tok


def mode_c():
    from sudachipy import SplitMode

    return SplitMode.C


def chunks(text: str):
    """(offset, piece) of ``text`` short enough for Sudachi: the engine's own
    cut at line ends, so the floor and the peer feed Sudachi the same pieces."""
    from index.analysis import sudachi_chunks

    return sudachi_chunks(text)


def terms(text: str):
    """The plain Sudachi terms of ``text``: split mode C, each morpheme's
    normalized form lower-cased, whitespace and punctuation morphemes left
    out -- what the whoosh-sudachi peer indexes (its tokenizer plus Whoosh's
    LowercaseFilter), for peers that take pre-tokenized text."""
    if not text:
        return
    tok = tokenizer()
    split = mode_c()
    for _offset, piece in chunks(text):
        for m in tok.tokenize(piece, split):
            if m.part_of_speech()[0] in SKIP_POS:
                continue
            yield m.normalized_form().lower()
