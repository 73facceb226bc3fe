"""Sorted tab-separated tables shipped in index/data, looked up by prefix.

The name and word reading tables (built by bench/names/) have a hundred
thousand lines or more; parsed into dictionaries they took seconds to load,
so they are kept as their sorted lines, read once on first use, and looked
up by bisection.
"""

from __future__ import annotations

import bisect
import gzip
import threading
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "index" / "data"


class SortedLines:
    def __init__(self, filename: str):
        self.path = DATA / filename
        self._lines = None
        self._lock = threading.Lock()

    def lines(self) -> list:
        with self._lock:
            if self._lines is None:
                with gzip.open(self.path, "rt", encoding="utf-8") as f:
                    self._lines = f.read().splitlines()
        return self._lines

    def starting_with(self, prefix: str) -> list:
        """The lines that start with ``prefix`` (a first column and a tab)."""
        lines = self.lines()
        i = bisect.bisect_left(lines, prefix)
        out = []
        while i < len(lines) and lines[i].startswith(prefix):
            out.append(lines[i])
            i += 1
        return out
