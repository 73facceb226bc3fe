#!/usr/bin/env python
"""What durable commits cost: the time `search index` spends in fsync.

    python bench/fsync_cost.py [--corpus PATH] [--procs 2] [--batch-size 2000]

Indexes the corpus (the livedoor archive by default) into a temporary
folder with the real writer, timing every os.fsync call the run makes (the
segment files, the table of contents before its rename, the folder after it,
search-meta.json), in this process and in the worker processes (they inherit
the timing wrapper when forked and report through a pipe).  Prints the number
of fsync calls, their total and longest time, and their share of the run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from multiprocessing import Pipe
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))


def main(argv=None) -> int:
    from common import resolve_corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--procs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args(argv)

    receive, send = Pipe(duplex=False)
    real_fsync = os.fsync
    main_pid = os.getpid()
    totals = {"calls": 0, "seconds": 0.0, "longest": 0.0}

    def timed_fsync(fd):
        started = time.perf_counter()
        real_fsync(fd)
        elapsed = time.perf_counter() - started
        if os.getpid() == main_pid:
            totals["calls"] += 1
            totals["seconds"] += elapsed
            totals["longest"] = max(totals["longest"], elapsed)
        else:
            send.send(elapsed)  # from a worker process

    os.fsync = timed_fsync
    from index.writer import index_paths

    folder = Path(tempfile.mkdtemp(prefix="fsync-cost-"))
    try:
        started = time.perf_counter()
        summary = index_paths([resolve_corpus(args.corpus)], folder / "ix", procs=args.procs,
                              batch_size=args.batch_size)
        elapsed = time.perf_counter() - started
    finally:
        os.fsync = real_fsync
        shutil.rmtree(folder, ignore_errors=True)
    while receive.poll():
        seconds = receive.recv()
        totals["calls"] += 1
        totals["seconds"] += seconds
        totals["longest"] = max(totals["longest"], seconds)
    print(summary.line())
    print(f"fsync: {totals['calls']} calls, {totals['seconds']:.2f} s in all (longest {totals['longest'] * 1000:.0f} ms), "
          f"{100 * totals['seconds'] / elapsed:.1f}% of the {elapsed:.1f} s run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
