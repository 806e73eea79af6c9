"""Benchmark: the hub's web app under load, side by side with datasette on the same store.

Builds the demo hub in a temporary SQLite store, then serves it twice at once on loopback:

* ``evidencehub serve --db hub.db`` (uvicorn): every HTML page of the site (home, library,
  pages, studies, trials, traces), rendered from the store;
* ``datasette serve hub.db``: one row as JSON (``/hub/<table>/<id>.json``) for every row of
  the tables behind those pages (``pages``, ``studies``, ``trials``, ``records``);

and drives both from one asyncio load generator in this process (HTTP/1.1 keep-alive on
asyncio streams: one connection per reader, each reader sends a request as soon as it has
read the previous answer, targets taken round-robin). Reported:

1. **throughput**, in alternating rounds (hub, datasette, hub, …) at the same number of
   concurrent readers (``--concurrency``, 10): requests/s of each, the ratio, and p50/p95
   latency per server (the issue's bars: the hub at least as fast as datasette; p95 < 50 ms
   at 10 readers);
2. **soak**: 100 concurrent readers of the hub for ``--duration`` seconds (60): requests,
   errors (anything but a 200, a timeout or a broken connection; the bar is 0), latency.

``--profile N`` instead profiles the app in process (cProfile, N page requests straight
through the ASGI interface, no network) and prints the top functions. Writes
``bench/results/web.md`` (``--out``), headed by the command. Needs datasette (the ``bench``
extra: ``.venv/bin/pip install -e '.[bench]'``).

    .venv/bin/python bench/bench_web.py                     # about 2.5 min
    .venv/bin/python bench/bench_web.py --duration 10 --rounds 1 --out /tmp/web.md
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import itertools
import os
import pstats
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROW_TABLES = ("pages", "studies", "trials", "records")
TIMEOUT = 10.0


# --------------------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(command: Sequence[str], probe: str, port: int) -> Iterator[str]:
    process = subprocess.Popen(list(command), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + probe, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"{command[0]} did not start: {' '.join(command)}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def hub_server(db: Path) -> tuple[list[str], int]:
    """The command serving the hub of ``db`` (as a user runs it) and its port."""
    port = _free_port()
    return [sys.executable, "-m", "evidencehub", "serve", "--db", str(db), "--port",
            str(port)], port


def datasette_server(db: Path) -> tuple[list[str], int]:
    """The command serving ``db`` with datasette (its defaults) and its port."""
    port = _free_port()
    binary = Path(sys.executable).with_name("datasette")
    if not binary.exists():
        raise SystemExit("datasette is missing: .venv/bin/pip install -e '.[bench]'")
    return [str(binary), "serve", str(db), "--host", "127.0.0.1", "--port", str(port)], port


def hub_targets(site: Path) -> list[str]:
    """Every HTML page of the built demo site, as request paths."""
    return sorted("/" + p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def datasette_targets(db: Path) -> list[str]:
    """``/hub/<table>/<id>.json`` for every row of :data:`ROW_TABLES`."""
    connection = sqlite3.connect(db)
    try:
        return [f"/{db.stem}/{table}/{row_id}.json" for table in ROW_TABLES
                for (row_id,) in connection.execute(f"SELECT id FROM {table} ORDER BY id")]
    finally:
        connection.close()


# --------------------------------------------------------------------------- load generator


@dataclass(slots=True)
class Tally:
    """What the readers of one run saw."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    bytes: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of the latencies, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """Status, body length and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        return status, len(body), keep
    if headers.get("transfer-encoding", "").lower() == "chunked":
        size = 0
        while True:
            chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if chunk == 0:
                await reader.readuntil(b"\r\n")
                return status, size, keep
            size += len(await reader.readexactly(chunk))
            await reader.readexactly(2)
    return status, len(await reader.read()), False


async def _reader(port: int, targets: Iterator[str], stop: float, tally: Tally) -> None:
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.perf_counter() < stop:
        path = next(targets)
        request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   "Accept: */*\r\nUser-Agent: bench_web\r\n\r\n").encode()
        start = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), TIMEOUT)
            reader, writer = connection
            writer.write(request)
            status, size, keep = await asyncio.wait_for(_read_response(reader), TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                TimeoutError) as err:
            tally.error(type(err).__name__)
            if connection is not None:
                connection[1].close()
            connection = None
            continue
        elapsed = time.perf_counter() - start
        if status != 200:
            tally.error(f"HTTP {status}")
        else:
            tally.latencies.append(elapsed)
            tally.bytes += size
        if not keep:
            writer.close()
            connection = None
    if connection is not None:
        connection[1].close()


async def _load(port: int, paths: Sequence[str], readers: int, seconds: float) -> Tally:
    tally = Tally()
    targets = itertools.cycle(paths)
    start = time.perf_counter()
    stop = start + seconds
    await asyncio.gather(*(_reader(port, targets, stop, tally) for _ in range(readers)))
    tally.seconds = time.perf_counter() - start
    return tally


def load(base: str, paths: Sequence[str], readers: int, seconds: float) -> Tally:
    """``readers`` concurrent keep-alive readers of ``paths`` at ``base`` for ``seconds``."""
    return asyncio.run(_load(int(base.rsplit(":", 1)[1]), paths, readers, seconds))


# --------------------------------------------------------------------------- profile


def profile(db: Path, paths: Sequence[str], n: int) -> str:
    """cProfile of ``n`` page requests through the app's ASGI interface, in process."""
    from evidencehub.web.app import create_app

    app = create_app(str(db))

    async def one(path: str) -> int:
        status = 0

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])  # type: ignore[call-overload]

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "root_path": "", "headers": [(b"host", b"127.0.0.1")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        await app(scope, receive, send)
        return status

    async def run(count: int) -> None:
        for path in itertools.islice(itertools.cycle(paths), count):
            assert await one(path) == 200, path

    asyncio.run(run(len(paths)))  # warm: every page rendered once, then served from the cache
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    asyncio.run(run(n))
    profiler.disable()
    took = time.perf_counter() - start
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return f"{n} requests in {took:.2f} s ({n / took:.0f}/s in process)\n{out.getvalue()}"


# --------------------------------------------------------------------------- report


def _row(name: str, tallies: Sequence[Tally]) -> str:
    rates = [t.rate for t in tallies]
    merged = Tally(latencies=[x for t in tallies for x in t.latencies])
    errors = sum(t.n_errors for t in tallies)
    return (f"| {name} | {statistics.median(rates):.0f} | {min(rates):.0f}–{max(rates):.0f} | "
            f"{merged.quantile(0.5):.1f} | {merged.quantile(0.95):.1f} | {errors} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=10,
                        help="Concurrent readers in the side-by-side rounds.")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of each server.")
    parser.add_argument("--round-seconds", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=60.0,
                        help="Seconds of the 100-reader soak of the hub.")
    parser.add_argument("--soak-readers", type=int, default=100)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="Only profile N requests to the app in process, print, exit.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "web.md")
    args = parser.parse_args(argv)

    from evidencehub.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        db, site = Path(tmp) / "hub.db", Path(tmp) / "site"
        run_demo(f"sqlite:///{db}", site)
        pages = hub_targets(site)
        shutil.rmtree(site)
        if args.profile:
            sys.stdout.write(profile(db, pages, args.profile))
            return 0
        rows = datasette_targets(db)
        hub_command, hub_port = hub_server(db)
        ds_command, ds_port = datasette_server(db)
        with _server(hub_command, "/", hub_port) as hub, \
                _server(ds_command, rows[0], ds_port) as ds:
            for base, paths in ((hub, pages), (ds, rows)):  # warm: every target once
                warm = load(base, paths, args.concurrency, 3.0)
                if warm.n_errors:
                    raise SystemExit(f"{base}: errors while warming up: {warm.errors}")
            hub_runs: list[Tally] = []
            ds_runs: list[Tally] = []
            for _ in range(args.rounds):
                hub_runs.append(load(hub, pages, args.concurrency, args.round_seconds))
                ds_runs.append(load(ds, rows, args.concurrency, args.round_seconds))
            soak = load(hub, pages, args.soak_readers, args.duration)

    hub_rate = statistics.median(t.rate for t in hub_runs)
    ds_rate = statistics.median(t.rate for t in ds_runs)
    hub_p95 = Tally(latencies=[x for t in hub_runs for x in t.latencies]).quantile(0.95)
    command = "bench/bench_web.py" + "".join(
        f" {flag} {value}" for flag, value, default in (
            ("--concurrency", args.concurrency, 10), ("--rounds", args.rounds, 3),
            ("--round-seconds", args.round_seconds, 10.0), ("--duration", args.duration, 60.0),
            ("--soak-readers", args.soak_readers, 100)) if value != default)
    verdict = lambda ok: "**met**" if ok else "**not met**"  # noqa: E731
    lines = [
        "# The web app under load, side by side with datasette",
        "",
        "Produced by:",
        "",
        "```sh",
        f".venv/bin/python {command}",
        "```",
        "",
        f"Demo hub, SQLite, loopback, one load generator (asyncio, keep-alive) in the benchmark's "
        f"process; {os.cpu_count()} cores shared by the two servers and the generator. "
        f"Hub: `evidencehub serve`, {len(pages)} HTML pages round-robin. datasette "
        f"{_datasette_version()}: `datasette serve hub.db`, {len(rows)} rows of "
        f"{', '.join(ROW_TABLES)} as JSON round-robin.",
        "",
        f"## Side by side: {args.concurrency} concurrent readers, {args.rounds} alternating "
        f"rounds of {args.round_seconds:g} s",
        "",
        "| server | requests/s (median) | range | p50 ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
        _row("hub: HTML page from the store", hub_runs),
        _row("datasette: row as JSON", ds_runs),
        "",
        f"* Ratio hub / datasette: **{hub_rate / ds_rate:.2f}** "
        f"(bar: at least 1.00: {verdict(hub_rate >= ds_rate)}).",
        f"* Hub p95 at {args.concurrency} readers: **{hub_p95:.1f} ms** "
        f"(bar: < 50 ms at 10: {verdict(hub_p95 < 50)}).",
        f"* Mean page size: hub {_mean_size(hub_runs):,.0f} bytes, "
        f"datasette {_mean_size(ds_runs):,.0f} bytes.",
        "",
        f"## Soak: {args.soak_readers} concurrent readers of the hub for {args.duration:g} s",
        "",
        "| requests | requests/s | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(soak.latencies):,} | {soak.rate:.0f} | {soak.n_errors} | "
        f"{soak.quantile(0.5):.1f} | {soak.quantile(0.95):.1f} | {soak.quantile(0.99):.1f} | "
        f"{max(soak.latencies) * 1000:.1f} |",
        "",
        f"* Errors: {soak.n_errors} (bar: 0: {verdict(soak.n_errors == 0)})"
        + (f"; {soak.errors}" if soak.errors else "") + ".",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    sys.stdout.write("\n".join(lines))
    return 0


def _mean_size(tallies: Sequence[Tally]) -> float:
    return sum(t.bytes for t in tallies) / max(1, sum(len(t.latencies) for t in tallies))


def _datasette_version() -> str:
    from importlib.metadata import version

    return version("datasette")


if __name__ == "__main__":
    raise SystemExit(main())
