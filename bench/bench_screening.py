"""Benchmark: ``evidencehub review simulate`` against ASReview LAB's ``asreview simulate``.

On each public SYNERGY set in ``../shared/fixtures/formats/screening/`` and for each seed, both
tools replay the screening from the same two priors (one included and one excluded record,
drawn from the seed), each with its default model (ASReview LAB 3.x: ``elas_u4``), one
simulation at a time. Each simulation is a subprocess timed from start to exit (interpreter
start, imports, reading the data and writing the result included). ASReview's order is read
from the ``results`` table of the project file it writes (``-o``); ASReview stops at the last
included record (its default), so the records it never presented are appended as excluded,
which changes none of the metrics. Both orders are judged by the same code,
:func:`evidencehub.review.screening_metrics.screening_metrics` (priors not counted).

ASReview is never a dependency of evidencehub: install it in a venv of its own and name its
``asreview`` with ``--asreview`` (or ``$ASREVIEW``)::

    python3 -m venv ../asr-venv && ../asr-venv/bin/pip install 'asreview==3.0.8'
    .venv/bin/python bench/bench_screening.py --asreview ../asr-venv/bin/asreview   # ~15 min
    .venv/bin/python bench/bench_screening.py --seeds 1 --out /tmp/screening.md     # a look

Writes ``bench/results/screening.md`` (the table) and ``bench/results/screening.json`` (every
simulation's metrics and time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evidencehub.review.screening_metrics import screening_metrics
from evidencehub.review.simulate import LabelledRecords, read_labelled_csv

HERE = Path(__file__).parent
ROOT = HERE.parent
#: The public sets: ``shared/`` beside the repository (or beside a worktree's parent folder).
DATA = next((p / "shared" / "fixtures" / "formats" / "screening" for p in ROOT.parents[:2]
             if (p / "shared").is_dir()), ROOT.parent / "shared" / "fixtures" / "formats" / "screening")
SETS = ("Bannach-Brown_2019.csv", "Cohen_2006_ADHD.csv")
EVIDENCEHUB = Path(sys.executable).with_name("evidencehub")


@dataclass(frozen=True)
class Run:
    """One simulation's metrics and wall time."""

    tool: str
    data: str
    seed: int
    wss_95: float
    recall_10: float
    atd: float
    seconds: float


def priors(data: LabelledRecords, seed: int) -> list[int]:
    """Row positions of one included and one excluded record, drawn from the seed."""
    rng = np.random.default_rng(seed)
    return [int(rng.choice(np.flatnonzero(data.included))),
            int(rng.choice(np.flatnonzero(~data.included)))]


def run_evidencehub(path: Path, data: LabelledRecords, rows: list[int], seed: int,
                    model: str | None) -> tuple[list[int], float]:
    """Row positions in the order ``evidencehub review simulate`` presents them, and its time."""
    ids = ",".join(str(data.record_ids[i]) for i in rows)
    cmd = [str(EVIDENCEHUB), "review", "simulate", str(path), "--prior-ids", ids,
           "--seed", str(seed), "--json"]
    if model is not None:
        cmd += ["--model", model]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    position = {r: i for i, r in enumerate(data.record_ids)}
    out = json.loads(done.stdout)
    assert out["prior_record_ids"] == [data.record_ids[i] for i in rows]
    return [position[r] for r in out["order"]], seconds


def run_asreview(asreview: str, path: Path, rows: list[int], seed: int,
                 tmp: Path) -> tuple[list[int], float]:
    """Row positions in the order ``asreview simulate`` presents them, and its time."""
    project = tmp / f"sim-{seed}.asreview"
    cmd = [asreview, "simulate", str(path), "--prior-idx", *map(str, rows), "--seed", str(seed),
           "-o", str(project)]
    start = time.perf_counter()
    # In the temporary folder: asreview leaves a dataset cache (synergy_cache.sqlite) behind.
    subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=tmp)
    seconds = time.perf_counter() - start
    with zipfile.ZipFile(project) as z:
        z.extract("results.db", tmp)
    db = sqlite3.connect(tmp / "results.db")
    try:
        order = [row for (row,) in db.execute(
            "SELECT r.dataset_row FROM results AS s JOIN record AS r ON r.record_id = s.record_id"
            " ORDER BY s.rowid")]
    finally:
        db.close()
    project.unlink()
    (tmp / "results.db").unlink()
    return order, seconds


def judge(tool: str, data: LabelledRecords, name: str, seed: int, order: list[int],
          rows: list[int], seconds: float) -> Run:
    """Metrics of an order by our code, priors excluded; unpresented records appended."""
    assert order[:2] == rows, f"{tool} did not present the priors first"
    assert len(set(order)) == len(order)
    seen = set(order)
    unseen = [i for i in range(len(data)) if i not in seen]
    assert not data.included[unseen].any()
    m = screening_metrics(data.included[order[len(rows):] + unseen])
    return Run(tool, name, seed, m.wss_95, m.recall_10, m.atd, seconds)


def table(runs: list[Run]) -> str:
    """The Markdown table of medians per set and tool."""
    lines = ["| set | tool | median recall@10% | median WSS@95 | median ATD | median time per "
             "simulation (s) |", "|---|---|---:|---:|---:|---:|"]
    for name in dict.fromkeys(r.data for r in runs):
        for tool in dict.fromkeys(r.tool for r in runs):
            rs = [r for r in runs if r.data == name and r.tool == tool]
            lines.append(
                f"| {name} | {tool} | {statistics.median(r.recall_10 for r in rs):.3f} | "
                f"{statistics.median(r.wss_95 for r in rs):.3f} | "
                f"{statistics.median(r.atd for r in rs):.1f} | "
                f"{statistics.median(r.seconds for r in rs):.1f} |")
    return "\n".join(lines)


def verdict(runs: list[Run]) -> str:
    """The goal of issue 9, per set, judged on unrounded medians."""
    lines = []
    for name in dict.fromkeys(r.data for r in runs):
        ours = [r for r in runs if r.data == name and r.tool == "evidencehub"]
        theirs = [r for r in runs if r.data == name and r.tool != "evidencehub"]
        if not ours or not theirs:
            continue

        def med(rs: list[Run], key: str) -> float:
            return statistics.median(getattr(r, key) for r in rs)

        checks = [("recall@10% at least ASReview's", med(ours, "recall_10") >= med(theirs, "recall_10")),
                  ("WSS@95 at least ASReview's", med(ours, "wss_95") >= med(theirs, "wss_95")),
                  ("ATD at most ASReview's", med(ours, "atd") <= med(theirs, "atd")),
                  ("faster", med(ours, "seconds") < med(theirs, "seconds"))]
        lines.append(f"* {name}: " + "; ".join(f"{what}: {'yes' if ok else 'NO'}"
                                              for what, ok in checks)
                     + f" ({med(theirs, 'seconds') / med(ours, 'seconds'):.1f}x faster)")
    return "Goal (medians, unrounded):\n\n" + "\n".join(lines)


def per_seed(runs: list[Run]) -> str:
    """Every simulation, one line each."""
    lines = ["| set | seed | tool | recall@10% | WSS@95 | ATD | time (s) |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in sorted(runs, key=lambda r: (r.data, r.seed, r.tool)):
        lines.append(f"| {r.data} | {r.seed} | {r.tool} | {r.recall_10:.3f} | {r.wss_95:.3f} | "
                     f"{r.atd:.1f} | {r.seconds:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asreview", default=os.environ.get("ASREVIEW", "asreview"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--model", default=None, help="evidencehub's --model (default: its own)")
    parser.add_argument("--skip-asreview", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "screening.md")
    parser.add_argument("--report-from", type=Path, default=None,
                        help="only print the verdict of an earlier run's screening.json")
    args = parser.parse_args()
    if args.report_from is not None:
        runs = [Run(**r) for r in json.loads(args.report_from.read_text(encoding="utf-8"))]
        print(table(runs), verdict(runs), sep="\n\n")
        return
    version = "skipped" if args.skip_asreview else subprocess.run(
        [args.asreview, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            path = DATA / name
            data = read_labelled_csv(path)
            for seed in range(1, args.seeds + 1):
                rows = priors(data, seed)
                order, seconds = run_evidencehub(path, data, rows, seed, args.model)
                runs.append(judge("evidencehub", data, name, seed, order, rows, seconds))
                print(runs[-1], flush=True)
                if not args.skip_asreview:
                    order, seconds = run_asreview(args.asreview, path, rows, seed, Path(tmp))
                    runs.append(judge(version, data, name, seed, order, rows, seconds))
                    print(runs[-1], flush=True)
    command = "python bench/bench_screening.py " + shlex.join(sys.argv[1:])
    report = "\n\n".join([
        "# Screening simulation: evidencehub against ASReview LAB",
        f"Command: `{command}`  \nMachine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; ASReview: {version} (default model); "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Priors: one included and one excluded record per seed (the same for both tools); "
        "metrics without the priors, computed for both tools by "
        "`evidencehub.review.screening_metrics`; time: the whole command, start to exit.",
        table(runs), verdict(runs), "## Every simulation", per_seed(runs)])
    args.out.write_text(report + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(
        json.dumps([r.__dict__ for r in runs], indent=1) + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
