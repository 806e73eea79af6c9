"""Benchmark helper: where a whole ``evidencehub import``'s critical path lies, from CPU times.

On a machine busy with other work, wall times say little about two cooperating processes. This
runs ``evidencehub import FILE --db NEW.db --json`` in a fresh interpreter (one per source tree,
``PYTHONPATH``), notes the CPU time of the importing process when its parser child is forked and
when the child's last message arrives, and the child's CPU time, and estimates the wall time the
import would take with a core for each process:

    parent CPU until the fork + max(child CPU, parent CPU until the last message) + parent CPU after it

Run on demand (never as a test)::

    .venv/bin/python bench/import_critical_path.py FILE.xml --tree after=src --tree before=/tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_PROBE = r"""
import contextlib, io, json, resource, sys, time
import multiprocessing.process as process
marks = {}
start = process.BaseProcess.start
def timed_start(self):
    marks.setdefault("fork", time.process_time())
    return start(self)
process.BaseProcess.start = timed_start
import evidencehub.ingest.parse_ahead as parse_ahead
next_message = parse_ahead._next_message
def timed_next(*args):
    message = next_message(*args)
    if message[0] == "done":
        marks["done"] = time.process_time()
    return message
parse_ahead._next_message = timed_next
from evidencehub.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["import", sys.argv[1], "--db", sys.argv[2], "--json"]) == 0
marks["end"] = time.process_time()
child = resource.getrusage(resource.RUSAGE_CHILDREN)
marks["child"] = child.ru_utime + child.ru_stime
print(json.dumps(marks))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--tree", action="append", required=True, help="LABEL=SRC_DIR")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = dict(tree.split("=", 1) for tree in args.tree)
    for _ in range(args.rounds):
        for label, src in trees.items():
            with tempfile.TemporaryDirectory() as tmp:
                done = subprocess.run(
                    [sys.executable, "-c", _PROBE, str(args.file), str(Path(tmp) / "hub.db")],
                    env={**os.environ, "PYTHONPATH": str(Path(src).resolve())},
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
            m = json.loads(done.stdout.strip().splitlines()[-1])
            path = m["fork"] + max(m["child"], m["done"] - m["fork"]) + (m["end"] - m["done"])
            print(
                f"{label}: CPU s until the fork {m['fork']:.2f}, child {m['child']:.2f}, parent while "
                f"the child parses {m['done'] - m['fork']:.2f}, after it {m['end'] - m['done']:.2f}; "
                f"critical path {path:.2f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
