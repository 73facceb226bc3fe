"""What the three Whoosh peers share: one text field, BM25F, AND of terms.

Each article becomes one document: ``id`` (stored) and ``text`` = title, a
newline and the body, analysed by the peer's analyzer with positions (so a
query word that analyses to several tokens can be a phrase).  The query is
what Whoosh's QueryParser does with its default AND group, written out so no
query-syntax character can trip it: every whitespace-separated word is
analysed in query mode; a word with no token is dropped, one token is a
Term, several tokens follow the peer's ``multitoken`` ("and" or "phrase").
"""

from __future__ import annotations

from peers import System


class WhooshPeer(System):
    multitoken = "and"
    install = "pip install whoosh-reloaded   (already a dependency of this project)"

    def analyzer(self):
        raise NotImplementedError

    def unavailable(self):
        try:
            import whoosh  # noqa: F401
        except ImportError:
            return "whoosh is not installed (pip install whoosh-reloaded)"
        return None

    def schema(self):
        from whoosh.fields import ID, TEXT, Schema

        return Schema(id=ID(stored=True, unique=True), text=TEXT(analyzer=self.analyzer(), phrase=True))

    def build(self, articles, index_dir, procs=1):
        from whoosh import index

        ix = index.create_in(index_dir, self.schema())
        if procs > 1:
            writer = ix.writer(procs=procs, multisegment=True, limitmb=128)
        else:
            writer = ix.writer(limitmb=128)
        n = 0
        for a in articles:
            writer.add_document(id=a["id"], text=(a.get("title") or "") + "\n" + (a.get("body") or ""))
            n += 1
        writer.commit()
        return {"docs": n, "procs": procs}

    def open(self, index_dir):
        from whoosh import index

        self._ix = index.open_dir(index_dir)
        self._searcher = self._ix.searcher()
        self._analyzer = self._ix.schema["text"].analyzer

    def compile(self, query):
        from whoosh import query as wq

        parts = []
        for word in query.split():
            tokens = [t.text for t in self._analyzer(word, mode="query")]
            if not tokens:
                continue
            if len(tokens) == 1:
                parts.append(wq.Term("text", tokens[0]))
            elif self.multitoken == "phrase":
                parts.append(wq.Phrase("text", tokens))
            else:
                parts.append(wq.And([wq.Term("text", t) for t in tokens]))
        if not parts:
            return wq.NullQuery
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def search(self, query, k=10):
        results = self._searcher.search(self.compile(query), limit=k)
        return [hit["id"] for hit in results]

    def close(self):
        self._searcher.close()
