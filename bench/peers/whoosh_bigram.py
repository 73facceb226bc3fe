"""Whoosh with a character-bigram analyzer (NgramAnalyzer(2, 2)).

Every pair of adjacent characters of the text is a token (lower-cased, no
width folding).  A query word becomes the phrase of its bigrams, i.e. a
substring search.  A one-character word has no bigram (in query mode Whoosh's
NgramTokenizer would give the 1-gram, which is never indexed and would make
the whole AND fail), so it is dropped from the query.
"""

from peers._whoosh import WhooshPeer


class WhooshBigram(WhooshPeer):
    name = "whoosh-bigram"
    multitoken = "phrase"
    query_mapping = "words ANDed; each word = phrase of its bigrams (1-char words dropped)"

    def compile(self, query):
        return super().compile(" ".join(w for w in query.split() if len(w) >= 2))

    def analyzer(self):
        from whoosh.analysis import NgramAnalyzer

        return NgramAnalyzer(2, 2)
