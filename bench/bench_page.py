"""Benchmark: rendering one page's context from the store (the issue's budget: 50 ms).

Builds the demo hub in a temporary SQLite store, then times, for the analysis page (five
analyses, their runs and traces) and the intervention page:

* ``load_snapshot`` — everything the publisher reads, in one unit of work (what a build and
  the web app read today);
* ``page_context`` — the page's context from that snapshot (pure);
* both together, the cost of one page rendered from the store.

Best of ``--repeat`` runs each. Writes ``bench/results/page.md``, headed by the command.

    .venv/bin/python bench/bench_page.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidencehub.demo import run_demo
from evidencehub.publish.context import page_context
from evidencehub.publish.snapshot import load_snapshot
from evidencehub.store.session import make_engine

PAGES = ("hba1c-glucose-lowering-drugs", "ipsc-derived-cell-therapy")


def best(run: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` wall times of ``run()``, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "page.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hub.db'}"
        run_demo(url, Path(tmp) / "site")
        engine = make_engine(url)
        try:
            snap = load_snapshot(engine)
            load = best(lambda: load_snapshot(engine), args.repeat)
            rows = []
            for slug in PAGES:
                context = best(lambda slug=slug: page_context(snap, slug), args.repeat)
                both = best(lambda slug=slug: page_context(load_snapshot(engine), slug),
                            args.repeat)
                rows.append((slug, load, context, both))
        finally:
            engine.dispose()
    lines = [
        "# One page's context from the store",
        "",
        "Produced by:",
        "",
        "```sh",
        f".venv/bin/python bench/bench_page.py --repeat {args.repeat}",
        "```",
        "",
        f"Demo hub, SQLite; best of {args.repeat} runs; milliseconds. Budget: 50 ms.",
        "",
        "| page | load_snapshot | page_context | both |",
        "|---|---:|---:|---:|",
        *(f"| {slug} | {load:.1f} | {context:.1f} | {both:.1f} |"
          for slug, load, context, both in rows),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    sys.stdout.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
