"""Benchmark: how fast the priority ranker answers ``next`` in a review of 10,000 records.

Issue 9 asks for the next record in at most 100 ms (95th percentile) at 10,000 records. The
records are synthesised from the two public SYNERGY sets (``shared/fixtures/formats/
screening``): their 2,844 titles and abstracts are repeated, each copy with its abstract's
words shuffled and a tenth of them dropped (seeded), keeping each record's label, until there
are ``--n`` records. Measured, single process, one core:

1. building the TF-IDF features of all records (once per review);
2. a retrain (fit + ranking of the unscreened records) with 100 … 9,000 records labelled;
3. a screener's session as a service would serve it: ``next`` answered from the cached
   :class:`~evidencehub.review.priority.Ranking` (skipping the records decided since), with a
   synchronous retrain whenever :func:`~evidencehub.review.priority.retrain_due` says so; the
   time of each ``next`` includes that retrain. Two sessions: the first 600 decisions of a new
   review (2 priors), and 600 decisions from 5,000 labelled.

Run on demand (not a test)::

    .venv/bin/python bench/bench_review_next.py          # ~1 min; writes bench/results/review_next.md
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from evidencehub.review.priority import PriorityFeatures, build_features, rank, retrain_due
from evidencehub.review.simulate import read_labelled_csv

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_screening import DATA, SETS  # noqa: E402


def synthesise(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """``n`` texts and labels made from the public sets (module docstring)."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    labels: list[bool] = []
    for name in SETS:
        data = read_labelled_csv(DATA / name)
        texts += data.texts
        labels += data.included.tolist()
    base = len(texts)
    out, y = list(texts), list(labels)
    while len(out) < n:
        i = len(out) % base
        words = texts[i].split()
        keep = rng.random(len(words)) >= 0.1
        words = [w for w, k in zip(words, keep, strict=True) if k]
        rng.shuffle(words)
        out.append(" ".join(words))
        y.append(labels[i])
    return out[:n], np.array(y[:n], dtype=bool)


def labelled_subset(y: np.ndarray, count: int, rng: np.random.Generator) -> dict[int, bool]:
    """``count`` labelled records with both classes."""
    pos = rng.choice(np.flatnonzero(y), size=max(1, int(count * y.mean())), replace=False)
    neg = rng.choice(np.flatnonzero(~y), size=count - pos.size, replace=False)
    return {int(i): bool(y[i]) for i in np.concatenate([pos, neg])}


def session(features: PriorityFeatures, y: np.ndarray, labels: dict[int, bool],
            decisions: int) -> tuple[list[float], list[float]]:
    """Latencies of ``next`` (ms) over a session, and of the retrains in it."""
    ranking = rank(features, labels)
    decided: set[int] = set()
    latencies, retrains = [], []
    for _ in range(decisions):
        start = time.perf_counter()
        if retrain_due(len(labels), len(decided)):
            t = time.perf_counter()
            ranking = rank(features, labels)
            retrains.append((time.perf_counter() - t) * 1000)
            decided = set()
        (record,) = ranking.next(1, decided=decided)
        latencies.append((time.perf_counter() - start) * 1000)
        labels[record] = bool(y[record])
        decided.add(record)
    return latencies, retrains


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "review_next.md")
    args = parser.parse_args()
    texts, y = synthesise(args.n, seed=9)
    start = time.perf_counter()
    features = build_features(texts)
    build = time.perf_counter() - start
    rng = np.random.default_rng(1)
    rows = ["| records labelled | retrain + rank (ms), median of 5 |", "|---:|---:|"]
    for count in (100, 1000, 5000, 9000):
        times = []
        for _ in range(5):
            labels = labelled_subset(y, count, rng)
            t = time.perf_counter()
            rank(features, labels)
            times.append((time.perf_counter() - t) * 1000)
        rows.append(f"| {count:,} | {statistics.median(times):.0f} |")
    first = [int(rng.choice(np.flatnonzero(y))), int(rng.choice(np.flatnonzero(~y)))]
    fresh, fresh_retrains = session(features, y, {i: bool(y[i]) for i in first}, 600)
    later, later_retrains = session(features, y, labelled_subset(y, 5000, rng), 600)
    sessions = ["| session | next p50 (ms) | next p95 (ms) | next max (ms) | retrains | retrain "
                "median (ms) |", "|---|---:|---:|---:|---:|---:|"]
    for name, lat, ret in (("new review: 600 decisions from 2 priors", fresh, fresh_retrains),
                           ("600 decisions from 5,000 labelled", later, later_retrains)):
        sessions.append(f"| {name} | {pct(lat, 50):.2f} | {pct(lat, 95):.2f} | "
                        f"{max(lat):.0f} | {len(ret)} | {statistics.median(ret):.0f} |")
    command = "python bench/bench_review_next.py " + shlex.join(sys.argv[1:])
    report = "\n\n".join([
        f"# `next` at {args.n:,} records",
        f"Command: `{command}`  \nMachine: {platform.platform()}, {os.cpu_count()} cores "
        f"(shared), Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Features of {args.n:,} records ({features.matrix.shape[1]:,} terms): built once in "
        f"{build:.2f} s.",
        "\n".join(rows),
        "A screener's session (each `next` timed with the synchronous retrain it triggers):",
        "\n".join(sessions)])
    args.out.write_text(report + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
