"""Benchmark: a whole ``evidencehub import`` of PubMed XML against Biopython's parse of the same file.

Run on demand (never as a timed test)::

    .venv/bin/python bench/bench_import.py                       # 5,000 records, 3 rounds; writes bench/results/import.md
    .venv/bin/python bench/bench_import.py --rounds 5 --quick    # the command, Biopython and lxml only
    .venv/bin/python bench/bench_import.py --sizes 5000 30000    # 30,000 once, without Biopython
    .venv/bin/python bench/bench_import.py --db postgresql+psycopg://…   # in-process imports into PostgreSQL

The input is built by :func:`pubmed_corpus.build_pubmed_xml`: every PubMed sample of the project's
and the shared fixtures (journal articles and a book), copied with fresh PMIDs, DOIs and titles,
no PMCID or PII, MathML left out so that Biopython can read it. The kinds of record it holds and
their counts head the report.

Each round runs, each in a fresh subprocess and on the same file:

* ``biopython`` — Biopython 1.88's ``Entrez.read`` of the file (``Entrez.parse`` refuses a
  ``PubmedArticleSet``: "The XML file does not represent a list"), timed around the call (the
  parse alone, without starting Python and importing Biopython) — the reference of issue 4 and 12;
* ``command`` — the whole ``evidencehub import FILE --db NEW.db --json`` process, timed from
  outside: interpreter start, imports, creating the fresh SQLite store, the import (parsing ahead
  in a child process, as the command chooses for a file this size) and the JSON report;
* ``bare-tag`` / ``bare`` — an lxml ``iterparse`` pass that builds every article's tree and
  visits only the articles / every element (the floor for any lxml reader);
* unless ``--quick``: ``import_paths`` in process, three imports into one fresh store (``first``
  into an empty store; ``again``, the same file, nothing changes; ``update``, the same records
  with other titles), in one process and parsing ahead.

Rounds alternate so that a slower spell of a shared machine falls on every side. The report gives
each round's ratio (Biopython's parse time / the command's time, wall) and the range over rounds,
then the fastest run of each measurement. CPU time counts every process a measurement ran (the
parser child included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from pubmed_corpus import build_pubmed_xml, kinds  # noqa: E402 - the sibling module

UPDATE_SEED = 20260202
RESULTS = ROOT / "bench" / "results" / "import.md"
#: Biopython holds the whole file in memory (about 1.3 GB at 5,000 of these records): larger files
#: are measured without it.
BIO_UP_TO = 10_000


def _usage() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


# --------------------------------------------------------------------------- subprocess sides


def measure(path: Path, update: Path, db: str | None, ahead: bool) -> list[dict[str, Any]]:
    """Three timed imports into one fresh store, in this process (and its parser child)."""
    from evidencehub.ingest.importer import import_paths
    from evidencehub.store.session import init_db

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = init_db(db or str(Path(tmp) / "bench.db"))
        try:
            for kind, file in (("first", path), ("again", path), ("update", update)):
                own, children = _usage()
                wall = time.perf_counter()
                report = import_paths(engine, [file], fmt="pubmed-xml", parse_ahead=ahead)
                wall = time.perf_counter() - wall
                own_after, children_after = _usage()
                results.append({
                    "kind": kind, "mode": "parse ahead" if ahead else "one process", "records": report.read,
                    "wall_s": wall, "cpu_s": own_after - own + children_after - children,
                    "cpu_child_s": children_after - children,
                    "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                })  # fmt: skip
        finally:
            engine.dispose()
    return results


def measure_biopython(path: Path) -> dict[str, Any]:
    from Bio import Entrez

    own, _ = _usage()
    wall = time.perf_counter()
    with path.open("rb") as stream:
        result = Entrez.read(stream)
    wall = time.perf_counter() - wall
    records = len(result["PubmedArticle"]) + len(result["PubmedBookArticle"])
    return {
        "kind": "biopython", "mode": "Entrez.read, the parse", "records": records, "wall_s": wall,
        "cpu_s": _usage()[0] - own, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def measure_bare(path: Path, every: bool) -> dict[str, Any]:
    """lxml ``iterparse`` building each article's tree; ``every``: visiting every element from Python."""
    from lxml import etree

    tags = ("PubmedArticle", "PubmedBookArticle")
    own, _ = _usage()
    wall = time.perf_counter()
    records = 0
    options: dict[str, Any] = {"events": ("end",), "no_network": True, "load_dtd": False}
    if not every:
        options["tag"] = tags
    for _, element in etree.iterparse(str(path), **options):
        if element.tag in tags:
            records += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]  # type: ignore[union-attr]
    wall = time.perf_counter() - wall
    return {
        "kind": "bare" if every else "bare-tag", "mode": "lxml iterparse", "records": records,
        "wall_s": wall, "cpu_s": _usage()[0] - own,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


# --------------------------------------------------------------------------- runner side


def _subprocess(*args: str) -> Any:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_command(path: Path, workdir: Path) -> dict[str, Any]:
    """The whole ``evidencehub import`` process into a fresh SQLite store, timed from outside."""
    db = workdir / "command.db"
    db.unlink(missing_ok=True)
    command = [
        str(Path(sys.executable).parent / "evidencehub"),
        "import",
        str(path),
        "--db",
        str(db),
        "--json",
    ]
    _, children = _usage()
    wall = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=workdir)
    wall = time.perf_counter() - wall
    report = json.loads(done.stdout)
    db.unlink()
    return {
        "kind": "command", "mode": "evidencehub import (whole process)", "records": report["read"],
        "created": report["created"], "wall_s": wall, "cpu_s": _usage()[1] - children,
    }  # fmt: skip


def _row(r: dict[str, Any]) -> str:
    rss = f"{r['peak_rss_mib']:.0f}" if "peak_rss_mib" in r else "—"
    return (
        f"| {r['kind']} | {r['mode']} | {r['records']:,} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
        f"{r['records'] / r['wall_s']:,.0f} | {rss} | {r.get('runs', 1)} |"
    )


def report(
    command_line: str,
    size_kinds: dict[int, Any],
    runs: dict[tuple[str, str, int], list[dict[str, Any]]],
    rounds: list[dict[str, float]],
    file_mib: dict[int, float],
) -> str:
    from Bio import __version__ as bio_version
    from lxml import etree

    lines = [
        "# Benchmark: a whole `evidencehub import` against Biopython's parse of the same PubMed XML",
        "",
        "Produced by:",
        "",
        "```sh",
        command_line,
        "```",
        "",
        f"Run of {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared with other jobs unless said otherwise); Python "
        f"{platform.python_version()}, lxml {etree.__version__}, Biopython {bio_version}.",
        "",
        "## The corpus",
        "",
        "Built by `bench/pubmed_corpus.py` from every PubMed XML sample of the project's and the shared",
        "fixtures (each record once), copied round-robin with fresh PMIDs, DOIs and titles, no PMCID or",
        "PII, MathML left out. Kinds of record:",
        "",
    ]
    for size, counted in size_kinds.items():
        lines += [f"| kind ({size:,} records, {file_mib[size]:.0f} MiB) | records |", "|---|---:|"]
        lines += [f"| {kind} | {n:,} |" for kind, n in sorted(counted.items())]
        lines.append("")
    if rounds:
        lines += [
            "## Each round (wall seconds)",
            "",
            "| round | Biopython `Entrez.read` wall s | `evidencehub import` (whole process) wall s "
            "| ratio (wall) | CPU s: Biopython / import, all processes | ratio (CPU) |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {n} | {r['bio']:.2f} | {r['command']:.2f} | **{r['bio'] / r['command']:.2f}×** | "
            f"{r['bio_cpu']:.2f} / {r['command_cpu']:.2f} | {r['bio_cpu'] / r['command_cpu']:.2f}× |"
            for n, r in enumerate(rounds, start=1)
        ]
        ratios = [r["bio"] / r["command"] for r in rounds]
        cpu_ratios = [r["bio_cpu"] / r["command_cpu"] for r in rounds]
        lines += [
            "",
            f"Ratio over {len(rounds)} rounds, wall: **{min(ratios):.2f}× to {max(ratios):.2f}×** "
            f"(target ≥ 3×); CPU time: {min(cpu_ratios):.2f}× to {max(cpu_ratios):.2f}× (the "
            "import's two processes counted together, so parsing ahead earns nothing here).",
            "",
        ]
    lines += [
        "## Fastest run of each",
        "",
        "| measure | mode | records | wall s | CPU s (all processes) | records/s (wall) | peak RSS MiB | runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    best = {
        key: {**min(found, key=lambda r: r["wall_s"]), "runs": len(found)}
        for key, found in runs.items()
    }
    lines += [_row(r) for r in best.values()]
    bios = {key[2]: r for key, r in best.items() if key[0] == "biopython"}
    lines.append("")
    for (kind, mode, size), r in best.items():
        if kind != "biopython" and size in bios:
            lines.append(
                f"- {kind} ({mode}), {size:,} records: Biopython's parse / this = "
                f"**{bios[size]['wall_s'] / r['wall_s']:.2f}×** (fastest against fastest)"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[5_000])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (sizes over 10,000: once)")
    parser.add_argument("--quick", action="store_true", help="the command, Biopython and lxml only")
    parser.add_argument(
        "--db", help="a database URL for the in-process imports (default: a fresh SQLite file)"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help=f"(default: {RESULTS.relative_to(ROOT)})"
    )
    parser.add_argument(
        "--measure", nargs=4, metavar=("FILE", "UPDATE", "DB", "AHEAD"), help=argparse.SUPPRESS
    )
    parser.add_argument("--measure-biopython", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument(
        "--measure-bare", nargs=2, metavar=("FILE", "EVERY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.measure:
        file, update, db, ahead = args.measure
        print(
            json.dumps(measure(Path(file), Path(update), db if db != "-" else None, ahead == "1"))
        )
        return
    if args.measure_biopython:
        print(json.dumps(measure_biopython(Path(args.measure_biopython))))
        return
    if args.measure_bare:
        print(json.dumps(measure_bare(Path(args.measure_bare[0]), args.measure_bare[1] == "1")))
        return
    runs: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    rounds: list[dict[str, float]] = []

    def note(size: int, result: dict[str, Any]) -> dict[str, Any]:
        runs[(result["kind"], result["mode"], size)].append(result)
        print(_row(result), flush=True)
        return result

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = {
            size: (
                build_pubmed_xml(workdir / f"import_{size}.xml", size),
                build_pubmed_xml(workdir / f"update_{size}.xml", size, seed=UPDATE_SEED),
            )
            for size in args.sizes
        }
        file_mib = {size: path.stat().st_size / 2**20 for size, (path, _) in files.items()}
        for round_number in range(args.rounds):
            for size, (path, update) in files.items():
                if round_number > 0 and size > BIO_UP_TO:
                    continue
                this_round: dict[str, float] = {}
                if size <= BIO_UP_TO:
                    bio = note(size, _subprocess("--measure-biopython", str(path)))
                    this_round["bio"], this_round["bio_cpu"] = bio["wall_s"], bio["cpu_s"]
                command = note(size, run_command(path, workdir))
                this_round["command"], this_round["command_cpu"] = (
                    command["wall_s"],
                    command["cpu_s"],
                )
                for every in ("0", "1"):
                    note(size, _subprocess("--measure-bare", str(path), every))
                if not args.quick:
                    for ahead in (False, True):
                        for result in _subprocess(
                            "--measure",
                            str(path),
                            str(update),
                            args.db or "-",
                            "1" if ahead else "0",
                        ):
                            note(size, result)
                if "bio" in this_round:
                    rounds.append(this_round)
                    print(
                        f"round {len(rounds)}: {this_round['bio'] / this_round['command']:.2f}×",
                        flush=True,
                    )
    command_line = "python bench/bench_import.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text = report(
        command_line.strip(), {size: kinds(size) for size in args.sizes}, runs, rounds, file_mib
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
