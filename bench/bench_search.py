"""Latency of a search on the demo store: p50 and p95 over N queries through the app.

Builds the demo hub in a temporary directory (or uses ``--db``), then times ``GET /search?q=…``
in process (httpx over the ASGI transport: the endpoint, the store query of every kind and the
rendering, without a network), cycling through a list of readers' queries.

    .venv/bin/python bench/bench_search.py [--db URL] [-n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from evidencehub.demo import run_demo
from evidencehub.store.repo.search import SearchKind, query_words, search
from evidencehub.store.session import make_engine, transaction
from evidencehub.web.app import create_app

QUERIES = ["insulin", "metformin", "Yamanaka", "NCT04802733", "parkinson disease",
           "stem cells", "HbA1c", "islet transplantation", '"NEAR( x* )', "type 1 diabetes"]


async def _run(url: str, n: int) -> list[float]:
    app = create_app(url)
    times = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="https://bench") as client:
        await client.get("/search", params={"q": "warm up"})
        for i in range(n):
            started = time.perf_counter()
            response = await client.get("/search", params={"q": QUERIES[i % len(QUERIES)]})
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
    return times


def _store_only(url: str, n: int) -> list[float]:
    """The store's part alone: one search of every kind, in one transaction."""
    engine = make_engine(url)
    times = []
    try:
        for i in range(n):
            started = time.perf_counter()
            with transaction(engine) as session:
                for kind in SearchKind:
                    search(session, query_words(QUERIES[i % len(QUERIES)]), kind, limit=5)
            times.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return sorted(times)


def _report(label: str, times: list[float]) -> None:
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{label}: {len(times)} searches, p50 {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db")
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'hub.db'}"
            run_demo(url, Path(tmp) / "site")
        _report("GET /search (app, in process)", sorted(asyncio.run(_run(url, args.n))))
        _report("store only (4 kinds)", _store_only(url, args.n))


if __name__ == "__main__":
    main()
