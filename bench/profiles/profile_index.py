#!/usr/bin/env python
"""Profile `search index` (one process) with py-spy and summarise where the time goes.

    python bench/profiles/profile_index.py --source PATH --out NAME [--writer current|codec] [--rate 50]

Runs the indexing of ``--source`` (the livedoor archive, a JSONL, ...) in a
child process under ``py-spy record --native`` with one process (procs=1,
so Whoosh's work and ours are in the sampled process), then reads the
collapsed stacks and writes ``bench/profiles/NAME.txt``:

* the share of samples per cost bucket (Sudachi's native code, this
  project's analysis Python, Whoosh's posting pool and sort, Positions /
  Characters value encoding, W3 posting blocks, the term dictionary, stored
  fields and columns, the merges), by the innermost frame that decides it;
* the same split inside the commit-time merges and the final optimize;
* the top functions by self time and by inclusive time.

``--writer codec`` profiles index.segment_writer (this project's codec and
array segment writer) instead of index.writer.index_paths.
Needs py-spy (``pip install py-spy``) and ptrace rights (root, or
kernel.yama.ptrace_scope=0).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(os.path.abspath(__file__)).parent  # not resolved: a checkout may link this folder
ROOT = HERE.parent.parent

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]*?)(?::(?P<line>\d+))?\)$")

# Innermost-frame rules, first match wins: (bucket, file substring, function names or None).
RULES = [
    ("Sudachi (native tokenizer)", "sudachipy", None),
    ("reading the input", "index/readers", None),
    ("analysis Python (index/analysis.py)", "index/analysis.py", None),
    ("entities (index/entities.py)", "index/entities.py", None),
    ("to_document (index/schema.py)", "index/schema.py", None),
    ("codec: array segment writer", "index/segment_writer.py", None),
    ("codec: encoding", "index/codec/", None),
    ("numpy", "numpy/", None),
    ("Whoosh Positions/Characters value encode+decode (pickle)", "whoosh/formats.py", None),
    ("W3 posting blocks (pickle + zlib, minify)", "whoosh/codec/whoosh3.py",
     {"_write_block", "_mini_ids", "_mini_weights", "_mini_values", "add_posting", "finish_postings",
      "start_postings", "_new_block", "add_block", "to_bytes", "set_inlined", "from_bytes", "_read_data",
      "_read_ids", "_read_values", "_read_weights", "_goto", "value", "id", "weight", "next", "is_active"}),
    ("W3 field writer / per-doc writer", "whoosh/codec/whoosh3.py", None),
    ("W3 field writer / per-doc writer", "whoosh/codec/base.py", None),
    ("term dictionary (filetables hash)", "whoosh/filedb/filetables.py", None),
    ("Whoosh posting pool + external sort", "whoosh/externalsort.py", None),
    ("Whoosh posting pool + external sort", "whoosh/writing.py", {"add", "save", "iter_postings", "_process_posts",
                                                                  "add_postings_to_pool"}),
    ("Whoosh add_document (per-field loop)", "whoosh/writing.py", {"add_document"}),
    ("Whoosh fields.index / analysis glue", "whoosh/fields.py", None),
    ("Whoosh fields.index / analysis glue", "whoosh/analysis", None),
    ("stored fields / columns", "whoosh/columns.py", None),
    ("file I/O (structfile, compound)", "whoosh/filedb/", None),
    ("Whoosh matchers/readers (merge reads)", "whoosh/matching", None),
    ("Whoosh matchers/readers (merge reads)", "whoosh/reading.py", None),
    ("Whoosh other", "whoosh/", None),
    ("multiprocessing", "multiprocessing/", None),
    ("pickle", "pickle.py", None),
]

PHASES = [
    ("final optimize (ix.optimize)", ("optimize",)),
    ("commit-time merges (MERGE_SMALL)", ("MERGE_SMALL",)),
    ("commit: flush segment (sorted pool -> postings)", ("_flush_segment", "_finalize_segment", "write_segment",
                                                         "_write_segment")),
]


def parse_frame(text):
    m = FRAME.match(text.strip())
    if not m:
        return text.strip(), "", None
    return m.group("func"), m.group("file") or "", m.group("line")


def bucket_of(frames):
    """The bucket of one stack (frames outermost first)."""
    # Native frames from sudachipy's extension anywhere inside the innermost Python frame.
    for func, file, _ in frames:
        if "sudachipy" in file:
            return "Sudachi (native tokenizer)"
    for func, file, _ in reversed(frames):
        if file.endswith(".so") or file.startswith("lib") or not file:
            continue  # native frames below a Python frame belong to it
        for name, part, funcs in RULES:
            if part in file and (funcs is None or func.rsplit(".", 1)[-1] in funcs):
                return name
        if file.endswith(".py"):
            return "other Python (" + file.rsplit("/", 1)[-1] + ")"
    return "native (interpreter, libz, malloc) / unattributed"


def phase_of(frames):
    funcs = {f.rsplit(".", 1)[-1] for f, _, _ in frames}
    for name, keys in PHASES:
        if any(k in funcs for k in keys):
            return name
    return "documents: analysis + adding to the writer"


def short(func, file):
    file = re.sub(r".*site-packages/", "", file)
    file = re.sub(r"^.*?/(index|search|bench)/", r"\1/", file)
    return f"{func} ({file})"


def summarise(raw_path: Path, title: str, wall: float | None) -> str:
    stacks = []
    for line in raw_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        frames = [parse_frame(f) for f in stack.split(";") if f]
        # py-spy puts "process N" / thread frames first.
        frames = [f for f in frames if not f[0].startswith(("process ", "thread "))]
        stacks.append((frames, n))
    total = sum(n for _, n in stacks) or 1

    buckets = collections.Counter()
    phases = collections.Counter()
    by_phase = collections.defaultdict(collections.Counter)
    self_time = collections.Counter()
    incl = collections.Counter()
    for frames, n in stacks:
        b = bucket_of(frames)
        p = phase_of(frames)
        buckets[b] += n
        phases[p] += n
        by_phase[p][b] += n
        py = [(f, fl) for f, fl, _ in frames if fl.endswith(".py")]
        if py:
            self_time[short(*py[-1])] += n
        for key in {short(f, fl) for f, fl in py}:
            incl[key] += n

    def pct(n):
        return f"{100 * n / total:5.1f}%"

    def secs(n):
        return f"{wall * n / total:6.1f} s" if wall else ""

    out = [title, "=" * len(title), f"samples: {total}" + (f", wall of the indexing call {wall:.1f} s" if wall else ""), ""]
    out.append("Where the time goes (bucket = innermost deciding frame; Sudachi = any sudachipy native frame)")
    for b, n in buckets.most_common():
        out.append(f"  {pct(n)} {secs(n)}  {b}")
    out.append("")
    out.append("By phase")
    for p, n in phases.most_common():
        out.append(f"  {pct(n)} {secs(n)}  {p}")
        for b, m in by_phase[p].most_common(8):
            out.append(f"        {pct(m)}  {b}")
    out.append("")
    out.append("Top 30 functions by self time (innermost Python frame; native callees included)")
    for k, n in self_time.most_common(30):
        out.append(f"  {pct(n)}  {k}")
    out.append("")
    out.append("Top 30 functions by inclusive time")
    for k, n in incl.most_common(30):
        out.append(f"  {pct(n)}  {k}")
    return "\n".join(out) + "\n"


TARGETS = {
    "current": (
        "import sys, time, json\n"
        "from index.writer import index_paths\n"
        "t = time.perf_counter()\n"
        "s = index_paths([sys.argv[1]], sys.argv[2], rebuild=True, procs=1)\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'line': s.line()}))\n"
    ),
    "codec": (
        "import sys, time, json\n"
        "sys.path.insert(0, 'bench')\n"  # run from the repository (cwd=ROOT)
        "from codec_bench import index_paths_codec\n"
        "t = time.perf_counter()\n"
        "s = index_paths_codec([sys.argv[1]], sys.argv[2], procs=1)\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'line': str(s)}))\n"
    ),
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True, help="what to index (the livedoor archive, a JSONL ...)")
    p.add_argument("--out", required=True, help="name of the summary in bench/profiles/ (no extension)")
    p.add_argument("--writer", choices=sorted(TARGETS), default="current")
    p.add_argument("--rate", type=int, default=50, help="py-spy samples per second (50)")
    p.add_argument("--keep-raw", action="store_true", help="also keep the collapsed stacks as NAME.raw")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="profile-index-"))
    raw = tmp / "stacks.raw"
    index_dir = tmp / "index"
    script = tmp / "target.py"
    script.write_text(TARGETS[args.writer], encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = ["py-spy", "record", "--native", "--format", "raw", "-r", str(args.rate), "-o", str(raw), "--",
            sys.executable, str(script), args.source, str(index_dir)]
    spy = Path(sys.executable).parent / "py-spy"
    if spy.exists():
        argv[0] = str(spy)
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=str(ROOT), env=env)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        return 1
    import json

    result = json.loads(next(l for l in reversed(proc.stdout.splitlines()) if l.startswith("{")))
    title = (f"py-spy profile of {args.writer} writer, one process, source {Path(args.source).name}: "
             f"{result['line']}")
    text = summarise(raw, title, result["seconds"])
    text += f"\n(py-spy --native at {args.rate} Hz slows the target; process wall under py-spy {elapsed:.1f} s)\n"
    out = HERE / f"{args.out}.txt"
    out.write_text(text, encoding="utf-8")
    if args.keep_raw:
        (HERE / f"{args.out}.raw").write_bytes(raw.read_bytes())
    print(text)
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
