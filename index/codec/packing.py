"""Packed integer streams: the one encoding every part of the codec uses.

A stream is a sequence of non-negative integers stored as a little-endian
array of one fixed width per stream (1, 2, 4 or 8 bytes, whichever makes the
stream smallest), with the few values that do not fit the width patched in
from an exception list (patched frame of reference): the array holds the
width's largest value there, and two small arrays hold (index, true value).
A stream whose values are all equal is stored as that constant alone.

Fixed widths make every slice of a stream directly addressable: a matcher
reads the postings of one term, or the positions of one document, without
decoding anything before them.  Writing is vectorised with NumPy: a whole
field's postings are packed with a handful of array operations.

Floating-point streams (weights that are not whole numbers) are stored as
float32, the precision Whoosh's own postings keep.
"""

from __future__ import annotations

import bisect
import functools
import struct
import sys


@functools.cache
def _WIDTH_DTYPE():
    import numpy as np

    return {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4"), 8: np.dtype("<u8")}


_WIDTH_CODE = {1: "B", 2: "H", 4: "I", 8: "Q"}
# Bytes an exception costs: its index (uint32 or uint64) and its value (uint32 or uint64).
_EXCEPTION_COST = 8

def _align(n: int, to: int = 8) -> int:
    return (n + to - 1) // to * to


class StreamWriter:
    """Collects the streams of one file: each is placed 8-byte aligned in
    one buffer and described by a small dict (kept in the file's directory)."""

    def __init__(self):
        self._parts = []
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def _put(self, data: bytes) -> int:
        pad = _align(self._size) - self._size
        if pad:
            self._parts.append(b"\0" * pad)
            self._size += pad
        offset = self._size
        self._parts.append(data)
        self._size += len(data)
        return offset

    def raw(self, data) -> dict:
        data = bytes(data)
        return {"k": "raw", "off": self._put(data), "len": len(data)}

    def floats(self, values) -> dict:
        import numpy as np

        values = np.ascontiguousarray(values, dtype="<f4")
        return {"k": "f4", "n": int(values.size), "off": self._put(values.tobytes())}

    def uints(self, values) -> dict:
        """Pack non-negative integers (any integer array)."""
        import numpy as np

        values = np.asarray(values)
        n = int(values.size)
        if n == 0:
            return {"k": "u", "n": 0, "w": 0, "c": 0}
        if values.dtype.kind == "i":
            if int(values.min()) < 0:
                raise ValueError("negative value in an unsigned stream")
            values = values.astype(np.uint64)
        elif values.dtype.kind != "u":
            raise TypeError(f"integer stream expected, got {values.dtype}")
        hi = int(values.max())
        lo = int(values.min())
        if hi == lo:
            return {"k": "u", "n": n, "w": 0, "c": hi}
        best = None
        for w in (1, 2, 4, 8):
            if w == 8:
                cost, exc = n * 8, 0
            else:
                limit = (1 << (8 * w)) - 1
                if hi < limit:
                    cost, exc = n * w, 0
                else:
                    exc = int(np.count_nonzero(values >= limit))
                    cost = n * w + exc * _EXCEPTION_COST * (2 if hi >= 1 << 32 else 1)
            if best is None or cost < best[0]:
                best = (cost, w, exc)
            if exc == 0:
                break
        _, w, exc = best
        meta = {"k": "u", "n": n, "w": w}
        if exc:
            limit = (1 << (8 * w)) - 1
            mask = values >= limit
            idx = np.flatnonzero(mask)
            vals = values[mask]
            packed = np.where(mask, limit, values).astype(_WIDTH_DTYPE()[w])
            meta["off"] = self._put(packed.tobytes())
            iw = 4 if n < (1 << 32) else 8
            vw = 4 if hi < (1 << 32) else 8
            meta["xi"] = self._put(idx.astype(_WIDTH_DTYPE()[iw]).tobytes())
            meta["xv"] = self._put(vals.astype(_WIDTH_DTYPE()[vw]).tobytes())
            meta["xn"], meta["xiw"], meta["xvw"] = int(idx.size), iw, vw
        else:
            meta["off"] = self._put(values.astype(_WIDTH_DTYPE()[w]).tobytes())
        return meta

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


_NATIVE_OK = sys.byteorder == "little" and struct.calcsize("I") == 4 and struct.calcsize("Q") == 8


class UIntStream:
    """Read side of :meth:`StreamWriter.uints` (and of float32 streams).

    Pure Python (memoryview casts and struct): a one-shot `search query`
    process does not pay for importing NumPy.  ``array()`` (NumPy) is for the
    merge path.
    """

    __slots__ = ("buf", "n", "w", "c", "off", "code", "xi", "xv", "float", "_limit")

    def __init__(self, buf, meta: dict):
        self.buf = buf if isinstance(buf, memoryview) else memoryview(buf)
        self.n = meta["n"]
        self.float = meta["k"] == "f4"
        if self.float:
            self.w, self.c, self.off, self.code = 4, None, meta["off"], "f"
        else:
            self.w, self.c = meta["w"], meta.get("c", 0)
            self.off = meta.get("off", 0)
            self.code = _WIDTH_CODE.get(self.w)
        self._limit = (1 << (8 * self.w)) - 1 if self.w and not self.float else None
        self.xi = self.xv = None
        if meta.get("xn"):
            n = meta["xn"]
            self.xi = list(struct.unpack_from(f"<{n}{_WIDTH_CODE[meta['xiw']]}", self.buf, meta["xi"]))
            self.xv = list(struct.unpack_from(f"<{n}{_WIDTH_CODE[meta['xvw']]}", self.buf, meta["xv"]))

    def __len__(self):
        return self.n

    def _exceptions(self, a, b):
        i0 = bisect.bisect_left(self.xi, a)
        return i0, bisect.bisect_left(self.xi, b, i0)

    def list(self, a: int, b: int) -> list:
        """Values a..b as a Python list."""
        if b <= a:
            return []
        if self.w == 0:
            return [self.c] * (b - a)
        start = self.off + a * self.w
        if self.w == 1:
            out = self.buf[start : start + (b - a)].tolist()
        elif _NATIVE_OK and (b - a) > 8:
            out = self.buf[start : start + (b - a) * self.w].cast(self.code).tolist()
        else:
            out = list(struct.unpack_from(f"<{b - a}{self.code}", self.buf, start))
        if self.xi is not None:
            i0, i1 = self._exceptions(a, b)
            for j in range(i0, i1):
                out[self.xi[j] - a] = self.xv[j]
        return out

    def full(self) -> list:
        return self.list(0, self.n)

    def get(self, i: int):
        if self.w == 0:
            return self.c
        if self.w == 1:
            v = self.buf[self.off + i]
        else:
            v = struct.unpack_from("<" + self.code, self.buf, self.off + i * self.w)[0]
        if v == self._limit and self.xi is not None:
            i0, i1 = self._exceptions(i, i + 1)
            if i1 > i0:
                return self.xv[i0]
        return v

    def array(self, a: int = 0, b: int | None = None):
        """Values a..b as a NumPy array (merging)."""
        import numpy as np

        b = self.n if b is None else b
        if b <= a:
            return np.zeros(0, np.float32 if self.float else np.int64)
        if self.w == 0:
            return np.full(b - a, self.c, np.int64)
        dtype = np.dtype("<f4") if self.float else _WIDTH_DTYPE()[self.w]
        arr = np.frombuffer(self.buf, dtype, b - a, self.off + a * self.w)
        if self.xi is not None:
            i0, i1 = self._exceptions(a, b)
            if i1 > i0:
                arr = arr.astype(np.int64)
                arr[np.array(self.xi[i0:i1], np.int64) - a] = self.xv[i0:i1]
        return arr


def stream(buf, meta: dict | None):
    """The reader for a stream described by ``meta`` (None: no stream)."""
    if meta is None:
        return None
    if meta["k"] == "raw":
        return memoryview(buf)[meta["off"] : meta["off"] + meta["len"]]
    return UIntStream(buf, meta)
