"""Benchmark: ``review next`` on a stored review of 10,000 records, as a screener uses it.

Builds a SQLite store with ``--n`` (default 10,000) records — the titles and abstracts of the
two public SYNERGY sets in ``shared/fixtures/formats/screening``, repeated with a numbered
suffix until there are enough, imported through ``review search`` as a CSV file — and a review
with one screener. Then a screener works through it the way the service serves a web page
(one process, the store on disk, one transaction per call):

1. seed the model with one included and one excluded record (their SYNERGY labels);
2. ``--decisions`` times: ask :class:`evidencehub.review.queue.ScreeningQueue` for the next
   record, then record its SYNERGY label through the same queue.

Each ``next`` is timed: the queue answers from the stored ranking and retrains in a background
process when the ranking is due (after every label for the first 100 labels, then after every
2 % more: :func:`evidencehub.review.priority.retrain_due`), so the time is what a screener
waits (the queue keeps the review in memory while a version query says nobody else changed
it). Reported: p50, p95 and max of ``next``, of ``decide``, and how long the background
retrain costs (the first builds the TF-IDF features). The command-line ``review next``,
one process per call, retrains before answering instead. Writes
``bench/results/review_queue.md``.

Run on demand (not a test)::

    .venv/bin/python bench/bench_review_queue.py
    .venv/bin/python bench/bench_review_queue.py --n 2000 --decisions 60 --out /tmp/q.md
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import tempfile
import time
from pathlib import Path

from evidencehub.ingest.importer import import_paths
from evidencehub.model import Actor, Review, Search
from evidencehub.review import service
from evidencehub.review.queue import ScreeningQueue, compute_ranking
from evidencehub.store import init_db, transaction
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo.records import records_by_id
from evidencehub.vocab import ScreeningLabel, ScreeningStage, SearchKind

HERE = Path(__file__).resolve().parent
SETS = HERE.parents[1] / "shared" / "fixtures" / "formats" / "screening"
TA = ScreeningStage.TITLE_ABSTRACT


def _corpus(n: int, path: Path) -> dict[str, bool]:
    """Write ``n`` records as a CSV (title, abstract); return title → included."""
    rows = []
    for name in ("Bannach-Brown_2019.csv", "Cohen_2006_ADHD.csv"):
        with (SETS / name).open(encoding="utf-8") as f:
            rows += [r for r in csv.DictReader(f) if (r.get("title") or "").strip()]
    labels: dict[str, bool] = {}
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "abstract"])
        copy = 0
        while len(labels) < n:
            for row in rows:
                if len(labels) == n:
                    break
                title = row["title"].strip() + (f" (copy {copy})" if copy else "")
                if title in labels:
                    continue
                labels[title] = row["label_included"] == "1"
                writer.writerow([title, row.get("abstract") or ""])
            copy += 1
    return labels


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=150)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "review_queue.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "records.csv"
        truth = _corpus(args.n, corpus)
        engine = init_db(f"sqlite:///{Path(tmp) / 'hub.db'}")
        with transaction(engine) as session:
            service.create(session, Review(slug="bench", title="Bench", screeners=1),
                           Actor(name="lead"))
        spec = Search(source="SYNERGY", kind=SearchKind.DATABASE, n_returned=0, actor="ana",
                      recorded_at=utc_now())
        started = time.perf_counter()
        import_paths(engine, [corpus], fmt="csv", actor=Actor(name="ana"),
                     then=lambda s, r: service.record_import_search(s, "bench", r.import_ids,
                                                                    spec))  # fmt: skip
        import_seconds = time.perf_counter() - started
        with transaction(engine) as session:
            state = service.load(session, "bench")
            titles = {i: r.title for i, r in records_by_id(session, state.records).items()}
        included = next(i for i, t in titles.items() if truth[t])
        excluded = next(i for i, t in titles.items() if not truth[t])

        queue = ScreeningQueue(engine)

        def label_of(record_id: int) -> ScreeningLabel:
            return ScreeningLabel.INCLUDE if truth[titles[record_id]] else ScreeningLabel.EXCLUDE

        queue.decide("bench", included, label_of(included), "ana")
        queue.decide("bench", excluded, label_of(excluded), "ana")
        queue.wait()
        with transaction(engine) as session:  # what one retrain costs, cold and warm
            state = service.load(session, "bench")
            started = time.perf_counter()
            compute_ranking(session, state, "ana", TA)
            first_seconds = time.perf_counter() - started
            started = time.perf_counter()
            compute_ranking(session, state, "ana", TA)
            retrain_seconds = time.perf_counter() - started
        waits, decides = [], []
        for _ in range(args.decisions):
            started = time.perf_counter()
            batch = queue.next("bench", "ana", TA)
            waits.append(time.perf_counter() - started)
            started = time.perf_counter()
            queue.decide("bench", batch.record_ids[0], label_of(batch.record_ids[0]), "ana")
            decides.append(time.perf_counter() - started)
        queue.close()
        engine.dispose()

    def line(name: str, values: list[float]) -> str:
        if not values:
            return f"| {name} | 0 | – | – | – |"
        return (f"| {name} | {len(values)} | {1000 * statistics.median(values):.0f} | "
                f"{1000 * _percentile(values, 0.95):.0f} | {1000 * max(values):.0f} |")

    report = "\n".join([
        "# `review next` on a stored review (bench/bench_review_queue.py)",
        "",
        f"{args.n:,} records (SYNERGY titles and abstracts, repeated), SQLite store on disk, "
        f"one screener; {args.decisions} `next` calls, each followed by the record's label. "
        f"Importing the records through `review search`: {import_seconds:.1f} s.",
        f"Machine: {platform.platform()}, Python {platform.python_version()}.",
        "",
        "| call | n | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
        line("`next` (what the screener waits)", waits),
        line("`decide`", decides),
        "",
        f"One retrain on all {args.n:,} records: {1000 * first_seconds:.0f} ms the first time "
        f"(building the TF-IDF features), then {1000 * retrain_seconds:.0f} ms; in the queue's "
        "worker process, never waited for.",
        "",
        "Run: `.venv/bin/python bench/bench_review_queue.py`"
        + (f" --n {args.n}" if args.n != 10_000 else "")
        + (f" --decisions {args.decisions}" if args.decisions != 150 else ""),
        "",
    ])  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
