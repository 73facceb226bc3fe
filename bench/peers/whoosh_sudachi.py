"""Whoosh with a plain SudachiPy tokenizer: split mode C, normalized form.

One field, no sub-units of compounds, no n-grams, no readings: the
straightforward way to put Sudachi under Whoosh.  Whitespace and punctuation
morphemes are dropped; the normalized form is lower-cased.
"""

from whoosh.analysis import LowercaseFilter, Token, Tokenizer

from peers import _sudachi
from peers._whoosh import WhooshPeer

_SKIP_POS = _sudachi.SKIP_POS


class SudachiTokenizer(Tokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not value:
            return
        tok = _sudachi.tokenizer()
        split = _sudachi.mode_c()
        pos = start_pos
        for offset, piece in _sudachi.chunks(value):
            for m in tok.tokenize(piece, split):
                if m.part_of_speech()[0] in _SKIP_POS:
                    continue
                t.text = m.normalized_form()
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = m.surface()
                if positions:
                    t.pos = pos
                    pos += 1
                if chars:
                    t.startchar = start_char + offset + m.begin()
                    t.endchar = start_char + offset + m.end()
                yield t


class WhooshSudachi(WhooshPeer):
    name = "whoosh-sudachi"
    multitoken = "and"
    query_mapping = "words ANDed; each word -> Sudachi mode C normalized forms, ANDed"
    install = "pip install whoosh-reloaded sudachipy sudachidict-core   (already dependencies)"

    def unavailable(self):
        try:
            import sudachipy  # noqa: F401
            import sudachidict_core  # noqa: F401
        except ImportError:
            return "sudachipy / sudachidict-core not installed (pip install sudachipy sudachidict-core)"
        return super().unavailable()

    def analyzer(self):
        return SudachiTokenizer() | LowercaseFilter()
