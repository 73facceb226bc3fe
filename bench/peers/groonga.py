"""Groonga (Debian's groonga-bin) driven through its ``groonga`` CLI.

Two peers, one per tokenizer of the full-text index: TokenMecab
(groonga-tokenizer-mecab, MeCab with Debian's default dictionary) and
TokenBigram.  Both use NormalizerAuto (NFKC-based width and case folding),
the setting Groonga's documentation uses throughout.

Build: ``groonga -n DB`` reads the commands on its standard input: a table
``Articles`` (key = article id, ``title`` ShortText, ``body`` LongText), one
``load`` of every article, then the lexicon and one index column over
title and body (built after the load: Groonga's static index construction).

Query: the whitespace-separated words, each written as a quoted phrase, ANDed
(Groonga's default operator), ``--match_columns 'title || body'``, sorted by
``-_score`` (Groonga's default TF scorer).  Warm queries go through one
long-running ``groonga DB`` process over a pipe; the cold run is a fresh
``groonga DB select ...`` process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile

from peers import System

INSTALL = "apt-get update && apt-get install -y groonga-bin groonga-tokenizer-mecab"


def query_syntax(query: str) -> str:
    """Groonga query syntax: every word a quoted phrase (so no word is an operator)."""
    return " ".join('"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in query.split())


def _arg(value: str) -> str:
    """A value on Groonga's command line, single-quoted."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check_output(lines):
    for line in lines:
        line = line.strip()
        if not line.startswith("[["):
            continue
        try:
            header = json.loads(line)[0]
        except (ValueError, IndexError, TypeError):
            continue
        if header and header[0] != 0:
            raise RuntimeError(f"groonga error: {line[:300]}")


class _Groonga(System):
    tokenizer = "?"
    install = INSTALL

    @property
    def query_mapping(self):
        return f"words as quoted phrases, ANDed; {self.tokenizer} + NormalizerAuto; title||body; -_score"

    def unavailable(self):
        exe = shutil.which("groonga")
        if not exe:
            return f"groonga is not installed ({INSTALL})"
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [exe, "-n", f"{tmp}/db"], input="tokenizer_list\n", capture_output=True, text=True, timeout=60
            ).stdout
        if f'"{self.tokenizer}"' not in out:
            return f"groonga has no {self.tokenizer} ({INSTALL})"
        return None

    def build(self, articles, index_dir):
        db = f"{index_dir}/db"
        # The log is kept out of the index folder so it is not counted in its size.
        with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
            proc = subprocess.Popen(
                ["groonga", "-n", db], stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                text=True, encoding="utf-8",
            )
            w = proc.stdin.write
            w("table_create Articles TABLE_HASH_KEY ShortText\n")
            w("column_create Articles title COLUMN_SCALAR ShortText\n")
            w("column_create Articles body COLUMN_SCALAR LongText\n")
            w("load --table Articles\n[\n")
            n = 0
            for a in articles:
                rec = {"_key": a["id"], "title": a.get("title") or "", "body": a.get("body") or ""}
                w(("," if n else "") + json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
            w("]\n")
            w(f"table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer {self.tokenizer} "
              "--normalizer NormalizerAuto\n")
            w("column_create Terms articles COLUMN_INDEX|WITH_POSITION|WITH_SECTION Articles title,body\n")
            proc.stdin.close()
            rc = proc.wait()
            log.seek(0)
            lines = log.readlines()
        if rc != 0:
            raise RuntimeError(f"groonga exited with {rc}: {''.join(lines)[-500:]}")
        _check_output(lines)
        return {"docs": n, "tokenizer": self.tokenizer}

    def _select_args(self, query, k):
        return [
            "select", "--table", "Articles", "--match_columns", "title || body",
            "--query", query_syntax(query), "--output_columns", "_key",
            "--sort_keys", "-_score", "--limit", str(int(k)),
        ]

    def open(self, index_dir):
        self._proc = subprocess.Popen(
            ["groonga", f"{index_dir}/db"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1,
        )

    def _command_line(self, query, k):
        """The select command as one line of Groonga's command syntax."""
        args = self._select_args(query, k)
        return args[0] + " " + " ".join(a if a.startswith("--") else _arg(a) for a in args[1:])

    def search(self, query, k=10):
        if not query.split():
            return []
        self._proc.stdin.write(self._command_line(query, k) + "\n")
        self._proc.stdin.flush()
        reply = json.loads(self._proc.stdout.readline())
        if reply[0][0] != 0:
            raise RuntimeError(f"groonga error for {query!r}: {reply[0]}")
        # [[header], [[[count], [columns], [key], ...]]]
        return [row[0] for row in reply[1][0][2:]]

    def close(self):
        self._proc.stdin.close()
        self._proc.wait(timeout=30)

    def cold_argv(self, index_dir, query):
        # The CLI joins its arguments into one command line and parses that
        # again, so the values go quoted, as on standard input.
        return ["groonga", f"{index_dir}/db", self._command_line(query, 10)]


class GroongaMecab(_Groonga):
    name = "groonga-mecab"
    tokenizer = "TokenMecab"


class GroongaBigram(_Groonga):
    name = "groonga-bigram"
    tokenizer = "TokenBigram"
