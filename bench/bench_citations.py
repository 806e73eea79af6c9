"""Benchmark: the editor's citation autocomplete search on a large library.

Builds the demo hub in a temporary SQLite store, loads its published snapshot, and grows its
library to ``--n`` studies (default 20,000) by copying the demo's studies under new keys (each
keeps its records, so every study has a title, authors, a year and a DOI to search). Then
times, best of ``--repeats`` rounds:

1. building the :class:`~evidencehub.publish.citations.CitationIndex` (once per published
   snapshot, i.e. once per change of the store);
2. :func:`~evidencehub.publish.citations.find_citations` for queries as an editor types them
   after ``[@``: a title word, author and year, a DOI, a PMID, a word found nowhere, and a
   one-letter query that matches every study.

A query must answer well inside the autocomplete's 150 ms debounce. Writes
``bench/results/citations.md``.

Run on demand (not a test)::

    .venv/bin/python bench/bench_citations.py
    .venv/bin/python bench/bench_citations.py --n 2000 --repeats 3 --out /tmp/citations.md
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from evidencehub.demo import run_demo
from evidencehub.publish.citations import CitationIndex, find_citations
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot
from evidencehub.store.session import make_engine

QUERIES = ("reprogramming", "takahashi 2007", "10.1038/s41586-025-08845-y", "40240592",
           "zzzz", "e")


def _library(n: int) -> HubSnapshot:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'hub.db'}"
        run_demo(url, Path(folder) / "site")
        engine = make_engine(url)
        try:
            snap = load_snapshot(engine)
        finally:
            engine.dispose()
    copies = n // len(snap.studies) + 1
    studies = tuple(study.model_copy(update={"key": f"{study.key}-{i}"})
                    for i in range(copies) for study in snap.studies)[:n]
    return dataclasses.replace(snap, studies=studies)


def _best(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="studies in the library")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).parent / "results" / "citations.md")
    args = parser.parse_args(argv)
    snap = _library(args.n)
    build = _best(lambda: CitationIndex(snap), args.repeats)
    find_citations(snap, "warm")                     # the index the app keeps
    rows = []
    for query in QUERIES:
        found = find_citations(snap, query)
        seconds = _best(partial(find_citations, snap, query), args.repeats)
        rows.append(f"| `{query}` | {len(found)} | {seconds * 1000:.1f} |")
    command = " ".join(shlex.quote(a) for a in ["bench/bench_citations.py", *(argv or sys.argv[1:])])
    report = "\n".join([
        "# Citation autocomplete search", "",
        f"`{command}` — {len(snap.studies):,} studies; best of {args.repeats} rounds; "
        f"Python {platform.python_version()} on {platform.machine()}.", "",
        f"Building the index: **{build * 1000:.0f} ms** (once per change of the store).", "",
        "| query | answers | ms |", "|---|---:|---:|", *rows, "",
    ])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
