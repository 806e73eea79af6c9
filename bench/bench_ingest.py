"""Benchmark: PubMed XML ingest — our streaming reader vs Biopython vs a bare lxml pass.

Run on demand (never as a timed test)::

    .venv/bin/python bench/bench_ingest.py            # sizes 5k, 20k, 100k; Biopython at 2k and 5k
    .venv/bin/python bench/bench_ingest.py --write    # also rewrite bench/results/ingest.md
    .venv/bin/python bench/bench_ingest.py --sizes 5000 --bio-sizes 1000 --import-sizes 2000
    .venv/bin/python bench/bench_ingest.py --measure import FILE.xml   # one whole import

The input is built by ``pubmed_corpus.build_pubmed_xml``: every PubMed sample of the fixtures
(11 journal articles and a book article), copied round-robin with fresh identifiers: each copy
gets a new PMID, a new DOI (``10.5555/…``), no PMCID or PII, MathML left out, and a title of words
drawn from the samples' abstracts (seeded), so that a whole import stores every copy as its own
record instead of merging copies as duplicates.

Each measurement runs in its own subprocess and reports CPU time (user + system, so that other
processes on a shared machine do not inflate it), wall time and peak RSS (``ru_maxrss``):

* ``ours`` — :class:`evidencehub.ingest.pubmed_xml.PubmedXmlReader`, every record built and
  validated as a :class:`~evidencehub.model.Record`;
* ``biopython`` — ``Bio.Entrez.read`` (Biopython 1.88: ``Entrez.parse`` refuses a
  ``PubmedArticleSet``), which builds the whole file in memory, so it runs on a smaller file;
* ``bare`` — ``lxml.etree.iterparse`` over every element, counting them and clearing each
  finished ``PubmedArticle`` (the practical floor for any lxml-based reader); ``bare-tag`` is the
  same restricted to ``PubmedArticle`` end events, for reference;
* ``import`` — :func:`measure_import`: ``evidencehub import`` minus the CLI (read, deduplicate,
  store into a fresh SQLite file in one transaction).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "ingest.md"
NOTES_HEADING = "## Notes"


# --------------------------------------------------------------------------- building the input

sys.path.insert(0, str(ROOT / "bench"))
from pubmed_corpus import build_pubmed_xml  # noqa: E402 - every PubMed sample of the fixtures

# --------------------------------------------------------------------------- measurements (one per subprocess)


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_ours(path: Path) -> int:
    from evidencehub.ingest.base import Parsed
    from evidencehub.ingest.pubmed_xml import PubmedXmlReader

    count = 0
    with path.open("rb") as stream:
        for item in PubmedXmlReader().read(stream, source=str(path)):
            assert isinstance(item, Parsed), item
            count += 1
    return count


def measure_biopython(path: Path) -> int:
    from Bio import Entrez

    with path.open("rb") as stream:
        result = Entrez.read(stream)
    return len(result["PubmedArticle"]) + len(result["PubmedBookArticle"])


def measure_bare(path: Path) -> int:
    """Visit every element with iterparse, clearing each finished article (the floor).

    Counting the elements is the work; the articles among them are what is returned.
    """
    articles = 0
    for _, element in etree.iterparse(str(path), events=("end",), no_network=True):
        if element.tag in ("PubmedArticle", "PubmedBookArticle"):
            articles += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]  # type: ignore[union-attr]
    return articles


def measure_bare_tag(path: Path) -> int:
    articles = 0
    for _, element in etree.iterparse(str(path), events=("end",), tag=("PubmedArticle", "PubmedBookArticle"), no_network=True):
        articles += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]  # type: ignore[union-attr]
    return articles


def measure_import(path: Path) -> int:
    """A whole ``evidencehub import`` of ``path`` (read, dedup, store) into a fresh SQLite file.

    Returns the number of records the import stored; the lead can run it alone with
    ``bench/bench_ingest.py --measure import FILE``.
    """
    from evidencehub.ingest.importer import import_paths
    from evidencehub.store.session import init_db

    with tempfile.TemporaryDirectory() as tmp:
        engine = init_db(str(Path(tmp) / "bench.db"))
        try:
            report = import_paths(engine, [path], fmt="pubmed-xml")
        finally:
            engine.dispose()
    return int(report.read)


MEASURES: dict[str, Callable[[Path], int]] = {
    "ours": measure_ours,
    "biopython": measure_biopython,
    "bare": measure_bare,
    "bare-tag": measure_bare_tag,
    "import": measure_import,
}


_PRELOAD = {
    "ours": ("evidencehub.ingest.pubmed_xml",),
    "import": ("evidencehub.ingest.pubmed_xml", "evidencehub.ingest.importer", "evidencehub.store.session"),
    "biopython": ("Bio.Entrez",),
}


def _run_measure(kind: str, path: Path) -> None:
    """Subprocess side: import what the measure needs, then time it alone."""
    function = MEASURES[kind]
    for module in _PRELOAD.get(kind, ()):
        importlib.import_module(module)
    rss_before = _rss_kib()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    records = function(path)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of every process the measure ran: the import parses files of 4 MiB or more in a child
    # process (ingest.parse_ahead), whose CPU RUSAGE_SELF would leave out.
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    cpu += (children_after.ru_utime - children.ru_utime) + (children_after.ru_stime - children.ru_stime)
    print(json.dumps({
        "kind": kind, "records": records, "cpu_s": cpu, "wall_s": wall,
        "peak_rss_mib": after.ru_maxrss / 1024, "rss_before_mib": rss_before / 1024,
    }))


def run(kind: str, path: Path, repeat: int = 1) -> dict[str, Any]:
    """Run one measurement ``repeat`` times, each in a fresh interpreter; keep the fastest.

    The minimum over repeats is the least disturbed by other processes (as :mod:`timeit` advises);
    peak RSS is the largest seen.
    """
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--measure", kind, str(path)],
            check=True, capture_output=True, text=True, cwd=ROOT,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    result: dict[str, Any] = min(runs, key=lambda r: r["cpu_s"])
    result["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    result["repeat"] = repeat
    result["rate"] = result["records"] / result["cpu_s"]
    result["file_mib"] = path.stat().st_size / 2**20
    print(f"  {kind:<9} {result['records']:>7} records  {result['cpu_s']:8.2f} s CPU  "
          f"{result['wall_s']:8.2f} s wall  {result['rate']:8.0f} rec/s  "
          f"peak RSS {result['peak_rss_mib']:7.1f} MiB  (best of {repeat})", flush=True)
    return result


# --------------------------------------------------------------------------- report


def _row(r: dict[str, Any]) -> str:
    return (f"| {r['kind']} | {r['records']:,} | {r['file_mib']:.0f} | {r['cpu_s']:.2f} | {r['wall_s']:.2f} | "
            f"{r['rate']:,.0f} | {r['peak_rss_mib']:.0f} | {r['repeat']} |")


def report(results: list[dict[str, Any]], bios: list[dict[str, Any]], imports: list[dict[str, Any]]) -> str:
    """The Markdown report: every measurement, then each target with the figures it compares."""
    ours = {r["records"]: r for r in results if r["kind"] == "ours"}
    bare = {r["records"]: r for r in results if r["kind"] == "bare"}
    streamed = sorted(size for size in ours if size in bare)
    lines = [
        "# Ingest benchmark: PubMed XML",
        "",
        "Produced by `bench/bench_ingest.py --write`: input built from every PubMed sample",
        "of the fixtures (`bench/pubmed_corpus.py`: 11 journal articles and a book, copied round-robin with",
        "fresh PMIDs, DOIs and titles). Each figure comes from its own subprocess; rates use the",
        "CPU time (user + system) of that subprocess, best of the given repeats, because the machine",
        f"(2 cores shared with other jobs) is loaded. Python {sys.version.split()[0]}, lxml {etree.__version__}.",
        "Peak RSS is the whole subprocess (interpreter and imports included).",
        "",
        "| measure | records | file MiB | CPU s | wall s | records/s (CPU) | peak RSS MiB | runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(_row(r) for r in [*results, *bios, *imports]),
        "",
        "## Targets",
        "",
    ]
    for bio in bios:
        mine = ours[bio["records"]]
        lines.append(
            f"- ours vs Biopython 1.88 `Entrez.read` at {bio['records']:,} records: {mine['rate']:,.0f} vs "
            f"{bio['rate']:,.0f} records/s = **{mine['rate'] / bio['rate']:.1f}×** (target ≥ 3×); peak RSS "
            f"{mine['peak_rss_mib']:.0f} vs {bio['peak_rss_mib']:.0f} MiB"
        )
    for size in streamed:
        ratio = ours[size]["cpu_s"] / bare[size]["cpu_s"]
        lines.append(f"- ours vs the bare lxml pass at {size:,} records: **{ratio:.2f}×** the floor's time (target ≤ 2×)")
    if streamed:
        low, high = ours[streamed[0]], ours[streamed[-1]]
        lines.append(
            f"- peak RSS, ours: {low['peak_rss_mib']:.0f} MiB at {streamed[0]:,} records, "
            f"{high['peak_rss_mib']:.0f} MiB at {streamed[-1]:,} (target: flat; the bare pass: "
            f"{bare[streamed[0]]['peak_rss_mib']:.0f} and {bare[streamed[-1]]['peak_rss_mib']:.0f} MiB)"
        )
    slowest_bio = min((b["rate"] for b in bios), default=None)
    for result in imports:
        if slowest_bio is None:
            break
        best_bio = max(b["rate"] for b in bios)
        best_bio_wall = max(b["records"] / b["wall_s"] for b in bios)
        wall_rate = result["records"] / result["wall_s"]
        lines.append(
            f"- whole import (read, deduplicate, store in SQLite, one transaction) of {result['records']:,} records: "
            f"{wall_rate:,.0f} records per wall second = **{wall_rate / best_bio_wall:.1f}×** Biopython's parse "
            f"alone at its fastest ({best_bio_wall:,.0f}) (target ≥ 3×); per CPU second of all its processes "
            f"(the parser child included) {result['rate']:,.0f} = {result['rate'] / best_bio:.1f}× ({best_bio:,.0f})"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000, 100_000])
    parser.add_argument("--bio-sizes", type=int, nargs="+", default=[2_000, 5_000])
    parser.add_argument("--import-sizes", type=int, nargs="*", default=[5_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement up to 20,000 records")
    parser.add_argument("--workdir", type=Path, default=None, help="where the XML files go (default: a temp dir)")
    parser.add_argument("--write", action="store_true", help=f"write the report to {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.measure:
        _run_measure(args.measure, args.path)
        return
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        workdir = Path(tmp)
        results: list[dict[str, Any]] = []
        for size in sorted(args.sizes):
            path = build_pubmed_xml(workdir / f"pubmed_{size}.xml", size)
            print(f"{size:,} records ({path.stat().st_size / 2**20:.0f} MiB)", flush=True)
            repeat = args.repeat if size <= 20_000 else 1
            for kind in ("ours", "bare", "bare-tag"):
                results.append(run(kind, path, repeat))
            path.unlink()
        bios = []
        for size in sorted(args.bio_sizes):
            path = build_pubmed_xml(workdir / f"pubmed_bio_{size}.xml", size)
            print(f"{size:,} records for Biopython", flush=True)
            bios.append(run("biopython", path, args.repeat))
            if size not in args.sizes:
                results.append(run("ours", path, args.repeat))
            path.unlink()
        imports = []
        for size in args.import_sizes:
            path = build_pubmed_xml(workdir / f"import_{size}.xml", size)
            print(f"{size:,} records for a whole import", flush=True)
            imports.append(run("import", path))
    text = report(results, bios, imports)
    print(text)
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        # Hand-written notes below NOTES_HEADING survive a rewrite of the measured part.
        previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        notes = previous[previous.find(NOTES_HEADING) :] if NOTES_HEADING in previous else ""
        RESULTS.write_text(text + ("\n" + notes if notes else ""), encoding="utf-8")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
