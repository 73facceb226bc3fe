"""Stock Whoosh: StandardAnalyzer (\\w+ tokens, lower case, English stop words).

Japanese has no spaces, so a whole run of kanji/kana between punctuation is
one token: only a query word that is exactly such a run can match.
"""

from peers._whoosh import WhooshPeer


class WhooshStandard(WhooshPeer):
    name = "whoosh-standard"
    query_mapping = "words ANDed; each word through StandardAnalyzer (a Japanese run is one token)"

    def analyzer(self):
        from whoosh.analysis import StandardAnalyzer

        return StandardAnalyzer()
