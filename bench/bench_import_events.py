"""Benchmark: what recording an import as an import event costs inside a whole import.

Run on demand (never as a timed test)::

    .venv/bin/python bench/bench_import_events.py                 # 5,000 records
    .venv/bin/python bench/bench_import_events.py --size 20000

Builds a PubMed XML file as ``bench_import.py`` does, imports it three times into a fresh SQLite
store in this process (``first``, ``again``, ``update``, as there) and times, by wrapping them,
the importer's event bookkeeping (:class:`evidencehub.ingest.event_log.EventLog`'s ``note``,
``count``, ``candidate`` and ``rename``) and the storing of the event at its end
(``EventLog.store``: the records' ids by key and every ``import_records`` row, plus the pairs),
each against the import's wall time. The SHA-256 of the file, computed while the reader streams
it, is timed apart (``hashlib`` over the file's bytes).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_ingest import build_pubmed_xml  # noqa: E402 - the sibling script's builder

UPDATE_SEED = 20260202


def _timed(function: Callable[..., Any], spent: dict[str, float], bucket: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[bucket] += time.perf_counter() - start

    return wrapper


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5_000)
    args = parser.parse_args(argv)

    from evidencehub.ingest import event_log, importer
    from evidencehub.store.session import init_db

    spent = {"bookkeeping": 0.0, "store": 0.0}
    for name in ("note", "count", "candidate", "rename"):
        setattr(event_log.EventLog, name, _timed(getattr(event_log.EventLog, name), spent, "bookkeeping"))
    event_log.EventLog.store = _timed(event_log.EventLog.store, spent, "store")  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = build_pubmed_xml(workdir / "import.xml", args.size)
        update = build_pubmed_xml(workdir / "update.xml", args.size, seed=UPDATE_SEED)
        data = path.read_bytes()
        start = time.perf_counter()
        hashlib.sha256(data).hexdigest()
        sha = time.perf_counter() - start
        print(f"{args.size:,} records, {len(data) / 2**20:.0f} MiB; SHA-256 of the file: {sha * 1000:.0f} ms")
        engine = init_db(str(workdir / "bench.db"))
        try:
            for kind, file in (("first", path), ("again", path), ("update", update)):
                for bucket in spent:
                    spent[bucket] = 0.0
                start = time.perf_counter()
                report = importer.import_paths(engine, [file], fmt="pubmed-xml", parse_ahead=False)
                wall = time.perf_counter() - start
                share = (spent["bookkeeping"] + spent["store"]) / wall * 100
                print(
                    f"{kind}: {wall:.2f} s; bookkeeping {spent['bookkeeping'] * 1000:.0f} ms, "
                    f"storing the event and its {report.read:,} records {spent['store'] * 1000:.0f} ms "
                    f"({share:.1f} % of the import)"
                )
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
