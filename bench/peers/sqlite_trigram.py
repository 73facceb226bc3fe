"""SQLite FTS5 with the trigram tokenizer (SQLite >= 3.34).

Table ``docs(id UNINDEXED, title, body)``, tokenize='trigram' (case folded,
no width folding), merged with 'optimize' after the load, ranked by FTS5's
bm25 (``ORDER BY rank``).

Query mapping: whitespace-separated words ANDed.  A word of 3+ characters is
an FTS5 string (a substring search through the trigram index).  A trigram
index cannot look up 1- or 2-character words, so -- as SQLite's own
documentation suggests -- those become ``(title LIKE '%w%' OR body LIKE
'%w%')`` conditions on the rows the MATCH found (a full scan when the query
has no 3+ character word, then in rowid order since bm25 needs a MATCH).
"""

from __future__ import annotations

import shutil
import sqlite3

from peers import System


def _fts_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def compile_sql(query: str, k: int):
    words = query.split()
    long_words = [w for w in words if len(w) >= 3]
    short_words = [w for w in words if len(w) < 3]
    where, params = [], []
    if long_words:
        where.append("docs MATCH ?")
        params.append(" AND ".join(_fts_string(w) for w in long_words))
    for w in short_words:
        where.append("(title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')")
        params += [_like(w), _like(w)]
    if not where:
        return None, []
    order = " ORDER BY rank" if long_words else ""
    sql = f"SELECT id FROM docs WHERE {' AND '.join(where)}{order} LIMIT {int(k)}"
    return sql, params


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class SqliteTrigram(System):
    name = "sqlite-trigram"
    query_mapping = "words ANDed; 3+ chars: FTS5 MATCH (substring); 1-2 chars: LIKE on the MATCH rows"
    install = "Python's sqlite3 with SQLite >= 3.34 (FTS5 trigram); CLI for cold runs: apt-get install -y sqlite3"

    def unavailable(self):
        try:
            con = sqlite3.connect(":memory:")
            con.execute("CREATE VIRTUAL TABLE t USING fts5(a, tokenize='trigram')")
            con.close()
        except sqlite3.Error as exc:
            return f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer ({exc}); needs >= 3.34"
        return None

    def build(self, articles, index_dir):
        path = f"{index_dir}/fts.sqlite"
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='trigram')")
        n = 0
        batch = []
        for a in articles:
            batch.append((a["id"], a.get("title") or "", a.get("body") or ""))
            n += 1
            if len(batch) >= 500:
                con.executemany("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", batch)
                batch.clear()
        if batch:
            con.executemany("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", batch)
        con.commit()
        con.execute("INSERT INTO docs(docs) VALUES('optimize')")
        con.commit()
        con.execute("VACUUM")
        con.close()
        return {"docs": n, "sqlite": sqlite3.sqlite_version}

    def open(self, index_dir):
        self._con = sqlite3.connect(f"file:{index_dir}/fts.sqlite?mode=ro", uri=True)

    def search(self, query, k=10):
        sql, params = compile_sql(query, k)
        if sql is None:
            return []
        return [row[0] for row in self._con.execute(sql, params)]

    def close(self):
        self._con.close()

    def cold_argv(self, index_dir, query):
        exe = shutil.which("sqlite3")
        if not exe:
            return None
        sql, params = compile_sql(query, 10)
        if sql is None:
            return None
        # The CLI has no parameters: inline them as literals (the SQL text
        # itself has no '?' but the placeholders).
        pieces = sql.split("?")
        sql = pieces[0] + "".join(_literal(p) + rest for p, rest in zip(params, pieces[1:]))
        return [exe, "-readonly", f"{index_dir}/fts.sqlite", sql]
