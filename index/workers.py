"""Worker processes that analyse articles and write index segments.

A large batch is split between forked processes (``run_in_workers``).  Each
one turns its share of the articles into index documents (the one Sudachi
pass, entities) and writes them as one segment of its own
(index.segment_writer); it never commits.  The parent waits for every
worker's segment and then commits one table of contents naming them all, so
a batch is in the index entirely or not at all.

Processes die the way they die in real life, and the index survives it:

* **The parent dies** (kill -9, the OOM killer): each worker asked the
  kernel to kill it when its parent goes (``PR_SET_PDEATHSIG`` on Linux;
  elsewhere a thread watching ``os.getppid()``), so no orphan keeps running,
  holds files open or writes on.  The segments they were writing are named
  by no table of contents; the next commit deletes them.
* **A worker dies**: the parent sees the end of its pipe at once (the
  worker's end closes with the process), stops the other workers, and raises
  :class:`WorkerDied`; nothing of the batch is committed.

Workers are forked, not spawned: they inherit the batch, the open index,
the loaded Sudachi tokenizer and the active user dictionary without
pickling anything; only their results (a segment's description and the
articles that failed) come back through a pipe.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing.connection import wait

# How often a worker on a system without PR_SET_PDEATHSIG checks its parent.
_PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


class WorkerDied(RuntimeError):
    """A worker process ended without delivering its segment."""


def die_with_parent(parent_pid: int) -> None:
    """Make this (forked) process end when ``parent_pid`` does."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        def watch():
            while os.getppid() == parent_pid:
                threading.Event().wait(_PARENT_POLL_SECONDS)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    # The parent may have died between fork() and prctl(): then nobody will
    # send the signal.
    if os.getppid() != parent_pid:
        os._exit(1)


def _describe_exit(process) -> str:
    code = process.exitcode
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _worker_main(parent_pid, work, share, conn):
    """In the worker: do the work on its share and send the result back."""
    die_with_parent(parent_pid)
    try:
        conn.send(("ok", work(share)))
    except BaseException as exc:  # reported to the parent, which cancels the batch
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_in_workers(shares, work) -> list:
    """``work(share)`` for every share, each in a forked worker process of
    its own, in parallel; the results in the order of the shares.  Raises
    WorkerDied when a worker dies or fails: no result is returned then, and
    the workers still running are stopped."""
    ctx = multiprocessing.get_context("fork")
    running = {}  # receiving end of each worker's pipe -> (its share's index, the process)
    results = [None] * len(shares)
    try:
        for i, share in enumerate(shares):
            receive, send = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_worker_main, args=(os.getpid(), work, share, send), daemon=True)
            process.start()
            send.close()  # the worker's copy is then the only one: its death closes the pipe
            running[receive] = (i, process)
        while running:
            for conn in wait(list(running)):
                i, process = running.pop(conn)
                try:
                    status, payload = conn.recv()
                except EOFError:
                    process.join(5)
                    raise WorkerDied(f"a worker process (pid {process.pid}) {_describe_exit(process)} "
                                     f"while writing a batch") from None
                finally:
                    conn.close()
                if status != "ok":
                    raise WorkerDied(f"a worker process (pid {process.pid}) failed: {payload}")
                process.join()
                results[i] = payload
        return results
    finally:
        for conn, (_, process) in running.items():
            process.kill()
            process.join()
            conn.close()


__all__ = ["WorkerDied", "die_with_parent", "run_in_workers"]
