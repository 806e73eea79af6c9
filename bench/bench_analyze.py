"""Benchmark: ``evidencehub analyze`` of 1,000 stored analyses against a metafor loop.

Simulates ``--n`` (default 1,000) meta-analyses of a continuous outcome with k uniform on
3..30 studies (seeded), each study an experimental and a control arm (n, mean, SD), and
stores them the way a user would: one ``data import`` table
(:func:`evidencehub.ingest.arm_import.import_arm_data`) and one analysis per outcome (MD,
REML, z test; :func:`evidencehub.store.repo.analyses.put_analysis`) in a SQLite store. Then,
in alternating rounds on the same data:

1. the whole command ``evidencehub analyze --all --json --db STORE`` as a subprocess (Python
   start-up, imports, reading the store, fitting, writing 1,000 runs, printing the JSON);
2. the service call it makes, :func:`evidencehub.analysis.service.analyze` with
   ``everything=True``, in this process (reading, fitting, storing; no start-up, no printing);
3. metafor: ``escalc(measure = "MD")`` and ``rma(method = "REML")`` once per analysis in an R
   loop over the same arm numbers (``bench/metafor_analyze_loop.R``), timed inside R (the
   loop only) and as the whole ``Rscript`` process (R start-up, ``library(metafor)``, reading
   the CSV, the loop, writing the fits).

``--all`` makes every round refit every analysis (each round stores 1,000 new runs). Reports
the times (best of ``--repeats`` rounds, every round listed), the ratios, the largest
differences of the pooled estimates, SEs and tau² from metafor's, and — with ``--profile`` —
where the service call spends its time (cProfile). Writes ``bench/results/analyze.md``.

Run on demand (not a test)::

    .venv/bin/python bench/bench_analyze.py                  # needs Rscript with metafor
    .venv/bin/python bench/bench_analyze.py --n 200 --repeats 1 --out /tmp/analyze.md
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import platform
import pstats
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
RCT = "randomised-controlled-trial"


@dataclass(frozen=True)
class Simulated:
    """Arm-level data of ``n`` analyses: per analysis, per study, both arms' n, mean and SD."""

    k: np.ndarray
    n1: list[np.ndarray]
    m1: list[np.ndarray]
    sd1: list[np.ndarray]
    n2: list[np.ndarray]
    m2: list[np.ndarray]
    sd2: list[np.ndarray]

    @property
    def studies(self) -> int:
        return int(self.k.sum())


def simulate(n: int, seed: int) -> Simulated:
    """Random-effects data: per analysis mu ~ N(0, 0.5^2), tau^2 = 0 for a fifth else
    U(0, 0.5); per study arm sizes U{10..200}, SDs U(0.5, 2), control mean N(7, 1), true
    difference N(mu, tau^2), each arm mean drawn with its sampling error; numbers rounded as a
    paper reports them (sizes whole, means and SDs to 3 decimals)."""
    rng = np.random.default_rng(seed)
    k = rng.integers(3, 31, size=n)
    mu = rng.normal(0.0, 0.5, size=n)
    tau2 = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.0, 0.5, size=n))
    out: dict[str, list[np.ndarray]] = {name: [] for name in ("n1", "m1", "sd1", "n2", "m2",
                                                               "sd2")}
    for i in range(n):
        n1, n2 = rng.integers(10, 201, size=k[i]), rng.integers(10, 201, size=k[i])
        sd1, sd2 = rng.uniform(0.5, 2.0, size=k[i]), rng.uniform(0.5, 2.0, size=k[i])
        theta = rng.normal(mu[i], np.sqrt(tau2[i]), size=k[i])
        base = rng.normal(7.0, 1.0, size=k[i])
        m2 = base + rng.normal(0.0, sd2 / np.sqrt(n2))
        m1 = base + theta + rng.normal(0.0, sd1 / np.sqrt(n1))
        for name, value in (("n1", n1), ("m1", m1.round(3)), ("sd1", sd1.round(3)),
                            ("n2", n2), ("m2", m2.round(3)), ("sd2", sd2.round(3))):
            out[name].append(value)
    return Simulated(k=k, **out)


def _slug(i: int) -> str:
    return f"a{i:04d}"


def write_tables(data: Simulated, arm_table: Path, r_table: Path) -> None:
    """The ``data import`` table (one row per study × arm) and the R loop's table (one row per
    study), with the same numbers."""
    with arm_table.open("w", newline="", encoding="utf-8") as arms, \
            r_table.open("w", newline="", encoding="utf-8") as flat:
        a = csv.writer(arms)
        r = csv.writer(flat)
        a.writerow(["study", "arm", "outcome", "n", "mean", "sd"])
        r.writerow(["analysis", "study", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"])
        for i in range(len(data.k)):
            outcome = f"outcome {i:04d}"
            for j in range(data.k[i]):
                study = f"A{i:04d} S{j:02d}"
                n1, n2 = int(data.n1[i][j]), int(data.n2[i][j])
                m1, sd1 = repr(float(data.m1[i][j])), repr(float(data.sd1[i][j]))
                m2, sd2 = repr(float(data.m2[i][j])), repr(float(data.sd2[i][j]))
                a.writerow([study, "experimental", outcome, n1, m1, sd1])
                a.writerow([study, "control", outcome, n2, m2, sd2])
                r.writerow([_slug(i), study, m1, sd1, n1, m2, sd2, n2])


def build_store(data: Simulated, arm_table: Path, db: Path) -> tuple[float, float]:
    """Import the table and define one analysis per outcome; (import s, define s)."""
    from evidencehub.ingest.arm_import import import_arm_data
    from evidencehub.model import Actor, Analysis, Comparison
    from evidencehub.store import init_db, transaction
    from evidencehub.store.repo.actors import actor_id
    from evidencehub.store.repo.analyses import put_analysis
    from evidencehub.vocab import Measure, StudyDesign

    engine = init_db(str(db))
    actor = Actor(name="bench")
    start = time.perf_counter()
    import_arm_data(engine, arm_table, actor=actor, design=StudyDesign(RCT))
    imported = time.perf_counter() - start
    comparison = Comparison(experimental=("experimental",), control=("control",))
    start = time.perf_counter()
    with transaction(engine) as session:
        writer = actor_id(session, actor)
        for i in range(len(data.k)):
            put_analysis(session, Analysis(slug=_slug(i), title=f"Analysis {i}",
                                           outcome=f"outcome {i:04d}", measure=Measure.MD,
                                           comparison=comparison), actor_id=writer)
    defined = time.perf_counter() - start
    engine.dispose()
    return imported, defined


def analyze_command(db: Path, out: Path) -> tuple[float, list[str]]:
    """The whole ``evidencehub analyze --all --json`` process; (wall s, command)."""
    command = [sys.executable, "-m", "evidencehub", "analyze", "--all", "--json", "--db",
               str(db), "--actor", "bench"]
    start = time.perf_counter()
    with out.open("w", encoding="utf-8") as handle:
        subprocess.run(command, stdout=handle, check=True)
    return time.perf_counter() - start, command


def analyze_service(db: Path, profile: cProfile.Profile | None = None) -> float:
    """The service call of the command, in this process (engine opened beforehand)."""
    from evidencehub.analysis.service import analyze
    from evidencehub.model import Actor
    from evidencehub.store import init_db

    engine = init_db(str(db))
    try:
        start = time.perf_counter()
        if profile is not None:
            profile.enable()
        analyze(engine, everything=True, actor=Actor(name="bench"))
        if profile is not None:
            profile.disable()
        return time.perf_counter() - start
    finally:
        engine.dispose()


@dataclass(frozen=True)
class RRun:
    loop: float
    process: float
    fits: dict[str, tuple[float, float, float]]
    versions: str


def metafor(r_table: Path, workdir: Path) -> RRun:
    prefix = workdir / "metafor"
    start = time.perf_counter()
    subprocess.run(["Rscript", str(HERE / "metafor_analyze_loop.R"), str(r_table), str(prefix)],
                   check=True)
    process = time.perf_counter() - start
    with Path(f"{prefix}_timing.csv").open(encoding="utf-8") as handle:
        timing = next(csv.DictReader(handle))
    with Path(f"{prefix}_fits.csv").open(encoding="utf-8") as handle:
        fits = {row["analysis"]: (float(row["estimate"]), float(row["se"]), float(row["tau2"]))
                for row in csv.DictReader(handle) if row["ok"] == "TRUE"}
    return RRun(float(timing["seconds"]), process, fits,
                f"R {timing['R']}, metafor {timing['metafor']}")


def differences(ours_json: Path, r: RRun) -> tuple[dict[str, float], int]:
    """Largest |ours − metafor| of estimate, SE and tau² over the analyses both fitted."""
    ours = {item["slug"]: item for item in json.loads(ours_json.read_text(encoding="utf-8"))}
    worst = {"estimate": 0.0, "se": 0.0, "tau2": 0.0}
    both = 0
    for slug, (estimate, se, tau2) in r.fits.items():
        item = ours.get(slug)
        if item is None:
            continue
        both += 1
        for key, theirs in (("estimate", estimate), ("se", se), ("tau2", tau2)):
            worst[key] = max(worst[key], abs(item[key] - theirs))
    return worst, both


def profile_text(profile: cProfile.Profile, lines: int = 25) -> str:
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(lines)
    text = stream.getvalue()
    return text[text.index("   ncalls"):].rstrip() if "   ncalls" in text else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="analyses (default 1000)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds")
    parser.add_argument("--profile", action="store_true",
                        help="profile one more service call and report where the time goes")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "analyze.md")
    args = parser.parse_args(argv)

    data = simulate(args.n, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        arm_table, r_table, db = work / "arms.csv", work / "flat.csv", work / "hub.db"
        write_tables(data, arm_table, r_table)
        imported, defined = build_store(data, arm_table, db)
        print(f"stored {args.n} analyses ({data.studies} studies): import {imported:.1f} s, "
              f"analyses {defined:.1f} s", file=sys.stderr)
        rounds: dict[str, list[float]] = {"command": [], "service": [], "loop": [],
                                          "rscript": []}
        out_json = work / "analyze.json"
        command: list[str] = []
        r_run: RRun | None = None
        for number in range(args.repeats):
            r_run = metafor(r_table, work)
            rounds["loop"].append(r_run.loop)
            rounds["rscript"].append(r_run.process)
            seconds, command = analyze_command(db, out_json)
            rounds["command"].append(seconds)
            rounds["service"].append(analyze_service(db))
            print(f"round {number + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s"
                                                      for k, v in rounds.items()),
                  file=sys.stderr)
        assert r_run is not None
        worst, both = differences(out_json, r_run)
        profiled = None
        if args.profile:
            profile = cProfile.Profile()
            analyze_service(db, profile)
            profiled = profile_text(profile)
    best = {k: min(v) for k, v in rounds.items()}
    report = render(args, data, imported, defined, rounds, best, worst, both, command,
                    r_run.versions, profiled)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


def render(args: argparse.Namespace, data: Simulated, imported: float, defined: float,
           rounds: dict[str, list[float]], best: dict[str, float], worst: dict[str, float],
           both: int, command: list[str], versions: str, profiled: str | None) -> str:
    import numpy

    invocation = " ".join(["python bench/bench_analyze.py", *map(shlex.quote, sys.argv[1:])])
    loop = best["loop"]
    rows = [
        ("`evidencehub analyze --all --json` (whole process)", best["command"]),
        ("`analysis.service.analyze(everything=True)` (in process)", best["service"]),
        ("metafor `escalc` + `rma()` loop (timed inside R)", best["loop"]),
        ("whole `Rscript` process (start-up, read, loop, write)", best["rscript"]),
    ]
    table = "\n".join(
        f"| {name} | {seconds:.2f} | {args.n / seconds:,.0f} | {loop / seconds:.2f}x |"
        for name, seconds in rows)
    every = "\n".join(f"| {name} | " + ", ".join(f"{s:.2f}" for s in rounds[key]) + " |"
                      for name, key in (("command", "command"), ("service", "service"),
                                        ("R loop", "loop"), ("Rscript", "rscript")))
    text = f"""# Benchmark: `evidencehub analyze` of {args.n:,} stored analyses against metafor

Produced by:

```sh
{invocation}
```

Data: {args.n:,} simulated meta-analyses of a continuous outcome, k uniform on 3..30 (total
{data.studies:,} studies, {2 * data.studies:,} arm rows), seed {args.seed}; stored in a SQLite
store through `data import` (one table: {imported:.1f} s) and one analysis each (MD, REML, z
test; {defined:.1f} s). The R loop reads the same arm numbers.

Machine: {platform.machine()}, {os.cpu_count()} CPU(s) shared with other jobs; Python
{platform.python_version()}, numpy {numpy.__version__}, {versions}. Best of {args.repeats}
alternating rounds; every round refits every analysis (`--all`) and stores {args.n:,} new runs.

| what is timed | wall time (s) | analyses/s | metafor loop time / this |
|---------------|--------------:|-----------:|-------------------------:|
{table}

The whole `analyze` command is **{best['rscript'] / best['command']:.2f}x** the speed of the
whole Rscript process and **{loop / best['command']:.2f}x** that of metafor's loop alone; the
service call in process is **{loop / best['service']:.2f}x** metafor's loop.

Every round (s):

| | rounds |
|-|--------|
{every}

Largest differences from metafor over the {both:,} analyses both fitted (metafor's default
convergence control stops REML's Fisher scoring when tau² changes by less than 1e-5, so
differences of that order are expected; evidencehub solves to full precision):
estimate {worst['estimate']:.1e}, SE {worst['se']:.1e}, tau² {worst['tau2']:.1e}.

Command timed: `{' '.join(shlex.quote(c) for c in command)}` (stdout to a file).
"""
    if profiled is not None:
        text += ("\n## Where the service call spends its time (cProfile, cumulative, one more "
                 "call)\n\n```\n" + profiled + "\n```\n")
    return text


if __name__ == "__main__":
    raise SystemExit(main())
