"""tantivy (the tantivy-py binding from PyPI) over Sudachi-tokenized text.

What a speed-minded Python user would build: SudachiPy tokenizes every
title and body in Python (split mode C, normalized form, lower-cased,
whitespace and punctuation left out: exactly the whoosh-sudachi peer's terms,
peers._sudachi.terms), the terms go to tantivy joined by spaces, and
tantivy's built-in ``whitespace`` tokenizer indexes them as they are.  One
text field (title + body, tantivy's default index option: frequencies and
positions), a stored raw ``id`` field; tantivy's writer with its default
heap (128 MB) and thread count, one commit at the end.  Ranking is
tantivy's BM25.

Query mapping: every whitespace-separated word through the same Sudachi
terms, all terms ANDed (a BooleanQuery of Must TermQuerys), as the
whoosh-sudachi peer does; a query with no term finds nothing.  The binding
has no command line, so there is no cold run (n/a), as for the Whoosh peers.
"""

from __future__ import annotations

from peers import System, _sudachi

INSTALL = "pip install tantivy==0.27.0   (the tantivy-py binding; bench extra)"


def _term(t: str) -> str:
    # The whitespace tokenizer must see one token per term.
    return "_".join(t.split())


def terms(text: str) -> list[str]:
    return [t for t in (_term(t) for t in _sudachi.terms(text)) if t]


class TantivySudachi(System):
    name = "tantivy-sudachi"
    query_mapping = "words ANDed; each word -> Sudachi mode C normalized forms, ANDed (tantivy TermQuerys, BM25)"
    install = INSTALL

    def unavailable(self):
        try:
            import tantivy  # noqa: F401
        except ImportError:
            return f"tantivy is not installed ({INSTALL})"
        try:
            import sudachipy  # noqa: F401
            import sudachidict_core  # noqa: F401
        except ImportError:
            return "sudachipy / sudachidict-core not installed (pip install sudachipy sudachidict-core)"
        return None

    @staticmethod
    def schema():
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("text", stored=False, tokenizer_name="whitespace")
        return sb.build()

    def build(self, articles, index_dir):
        import tantivy

        index = tantivy.Index(self.schema(), path=index_dir)
        writer = index.writer()
        n = 0
        for a in articles:
            text = " ".join(terms(a.get("title") or "") + terms(a.get("body") or ""))
            writer.add_document(tantivy.Document(id=a["id"], text=text))
            n += 1
        writer.commit()
        writer.wait_merging_threads()
        return {"docs": n, "tantivy": getattr(tantivy, "__version__", "?")}

    def open(self, index_dir):
        import tantivy

        self._index = tantivy.Index.open(index_dir)
        self._schema = self._index.schema
        self._searcher = self._index.searcher()

    def compile(self, query):
        import tantivy

        words = [t for w in query.split() for t in terms(w)]
        if not words:
            return None
        must = [(tantivy.Occur.Must, tantivy.Query.term_query(self._schema, "text", t)) for t in words]
        return tantivy.Query.boolean_query(must)

    def search(self, query, k=10):
        q = self.compile(query)
        if q is None:
            return []
        hits = self._searcher.search(q, k).hits
        return [self._searcher.doc(addr)["id"][0] for _score, addr in hits]

    def close(self):
        self._searcher = None
        self._index = None
