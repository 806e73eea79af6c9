"""Benchmark: how long ``evidencehub`` takes to start, per command.

Run on demand (never as a timed test)::

    .venv/bin/python bench/bench_startup.py                       # writes bench/results/startup.md
    .venv/bin/python bench/bench_startup.py --baseline e84d014    # and the same at that commit
    .venv/bin/python bench/bench_startup.py --repeat 5 --out /tmp/startup.md

Each command is run through the console script next to the interpreter (``.venv/bin/evidencehub``,
what a user types), as a fresh process, ``--repeat`` times; the table gives the median and the
fastest wall time (the machine is shared, so the fastest is the least disturbed run). Commands:
the help of the app and of two commands, ``records`` (table and ``--json``) on a small store
(two records imported from ``tests/data/ris/rispy_example_full.ris``) — the cheapest commands
that read the store — and ``analyses --json``, ``user list --json`` and ``trace analysis:SLUG
--json`` on the demo hub (``evidencehub demo --no-serve``; "—" where a tree lacks the command or
cannot build the hub), and ``routes --json``. Five reference rows give the floors: the
interpreter alone, importing SQLAlchemy's Core, and its ORM (which the store's tables use), and
the smallest store read (typer with its pydantic adapters, then one query of the records table)
through SQLAlchemy Core and through the standard library's ``sqlite3``.

``--baseline REV`` also times the source tree of git revision ``REV`` (``git archive`` into a
temporary directory, put first on ``PYTHONPATH``), run by run alternating with the working tree,
and reports both side by side. ``--tree LABEL=DIR`` (repeatable) times the ``src`` directory
``DIR`` the same way, e.g. a scratch copy with one module changed, to see what a change would
gain before it is made. Each tree reads a store its own code wrote.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RIS = ROOT / "tests" / "data" / "ris" / "rispy_example_full.ris"
#: The issue's budget for ``--help`` and commands that do no statistics.
BUDGET_S = 0.3


#: An analysis of the demo hub, for ``trace``.
DEMO_ANALYSIS = "hba1c-biguanides-vs-placebo"


def _commands(store: Path, demo: Path | None) -> list[tuple[str, list[str] | None]]:
    """The timed commands; None for one the tree cannot run (no demo hub)."""
    return [
        ("evidencehub --help", ["--help"]),
        ("evidencehub records --help", ["records", "--help"]),
        ("evidencehub import --help", ["import", "--help"]),
        ("evidencehub records --db STORE", ["records", "--db", str(store)]),
        ("evidencehub records --db STORE --json", ["records", "--db", str(store), "--json"]),
        ("evidencehub analyses --db DEMO --json",
         None if demo is None else ["analyses", "--db", str(demo), "--json"]),
        ("evidencehub user list --db DEMO --json",
         None if demo is None else ["user", "list", "--db", str(demo), "--json"]),
        ("evidencehub routes --json", ["routes", "--json"]),
        (f"evidencehub trace analysis:{DEMO_ANALYSIS} --db DEMO --json",
         None if demo is None else ["trace", f"analysis:{DEMO_ANALYSIS}", "--db", str(demo),
                                    "--json"]),
    ]


#: What the smallest store reads would cost: typer with the pydantic adapters it converts
#: options with (paid by every command that runs), then one query of the records table,
#: through SQLAlchemy Core (a Core-only read path, no ORM) or the standard library's sqlite3.
_CORE_READ = (
    "import typer, typer._adapters, json, sys, sqlalchemy as sa\n"
    "t = sa.Table('records', sa.MetaData(), sa.Column('id', sa.Integer, primary_key=True),"
    " sa.Column('title', sa.Text))\n"
    "with sa.create_engine('sqlite:///' + sys.argv[1]).connect() as c:\n"
    "    print(json.dumps([list(r) for r in c.execute(sa.select(t.c.id, t.c.title))]))\n"
)
_SQLITE_READ = (
    "import typer, typer._adapters, json, sqlite3, sys\n"
    "c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True)\n"
    "print(json.dumps([list(r) for r in c.execute('SELECT id, title FROM records')]))\n"
)


def _references(store: Path) -> list[tuple[str, list[str]]]:
    """The floors: the interpreter, SQLAlchemy Core and ORM, and a minimal store read."""
    return [
        ("python -c pass (interpreter alone)", ["-c", "pass"]),
        ("python -c 'import sqlalchemy' (SQLAlchemy Core)", ["-c", "import sqlalchemy"]),
        ("python -c 'import sqlalchemy.orm' (the ORM, which store/tables.py maps with)",
         ["-c", "import sqlalchemy.orm"]),
        ("typer + its pydantic adapters + one Core query (floor of a Core-only read path)",
         ["-c", _CORE_READ, str(store)]),
        ("typer + its pydantic adapters + one sqlite3 query (floor without SQLAlchemy)",
         ["-c", _SQLITE_READ, str(store)]),
    ]


def _demo(script: Path, env: dict[str, str], into: Path) -> Path | None:
    """The demo hub built by this tree's ``demo --no-serve``, or None if it cannot."""
    store = into / "demo.db"
    try:
        done = subprocess.run(
            [str(script), "demo", "--db", str(store), "--site", str(into / "site"), "--no-serve"],
            capture_output=True, env=env, cwd=into, timeout=600, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None
    return store if done.returncode == 0 else None


def _wall(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
    return elapsed


def _runs(argv: Sequence[str], env: dict[str, str]) -> bool:
    return subprocess.run(argv, env=env, capture_output=True, check=False).returncode == 0


def _export(revision: str, into: Path) -> Path:
    """The ``src`` tree of ``revision``, extracted into ``into``; returns its ``src`` path."""
    archive = into / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _env(pythonpath: Path | None) -> dict[str, str]:
    """The environment of an installed command: bytecode caches on, ``pythonpath`` first."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def _ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} / {min(times) * 1000:.0f}"


def main(argv: Sequence[str] | None = None) -> None:
    """Time the commands and write the report (module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs per command (default 10)")
    parser.add_argument("--baseline", help="git revision to compare with (e.g. main)")
    parser.add_argument(
        "--tree", action="append", default=[], metavar="LABEL=DIR", help="another src directory"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "startup.md")
    args = parser.parse_args(argv)
    script = Path(sys.executable).parent / "evidencehub"
    if not script.exists():
        raise SystemExit(f"no console script at {script}; pip install -e . first")

    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": _env(None)}
        if args.baseline:
            trees[f"at {args.baseline}"] = _env(_export(args.baseline, Path(tmp)))
        for spec in args.tree:
            label, _, directory = spec.partition("=")
            trees[label] = _env(Path(directory).resolve())
        # each tree reads a store written by its own code (their schemas may differ)
        commands: dict[str, list[tuple[str, list[str] | None]]] = {}
        for number, (tree, env) in enumerate(trees.items()):
            store = Path(tmp) / f"hub-{number}.db"
            subprocess.run([str(script), "import", str(RIS), "--db", str(store)], check=True,
                           capture_output=True, env=env)  # fmt: skip
            folder = Path(tmp) / f"demo-{number}"
            folder.mkdir()
            # warm-up (bytecode caches of every module); a command the tree lacks is left out
            commands[tree] = [
                (label, rest if rest is not None and _runs([str(script), *rest], env) else None)
                for label, rest in _commands(store, _demo(script, env, folder))
            ]
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):  # rounds: every variant meets the same spells of load
            for position in range(len(commands["this tree"])):
                for tree, env in trees.items():
                    label, rest = commands[tree][position]
                    if rest is not None:
                        times.setdefault((label, tree), []).append(
                            _wall([str(script), *rest], env))
            for label, rest in _references(Path(tmp) / "hub-0.db"):
                times.setdefault((label, "-"), []).append(
                    _wall([sys.executable, *rest], _env(None))
                )

    columns = list(trees)
    lines = [
        "# Startup time of `evidencehub` commands",
        "",
        "Produced by:",
        "",
        "```sh",
        shlex.join(["python", "bench/bench_startup.py", *(sys.argv[1:] if argv is None else argv)]),
        "```",
        "",
        f"Each command run {args.repeat} times as a fresh process through the console script; "
        "wall time in ms, **median / fastest**. "
        f"Budget for help and commands that do no statistics: {BUDGET_S * 1000:.0f} ms. "
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s) shared with other jobs; "
        f"Python {platform.python_version()}.",
        "",
        "| command | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for label, _ in commands["this tree"]:
        cells = " | ".join(_ms(times[(label, tree)]) if (label, tree) in times else "—"
                           for tree in columns)
        lines.append(f"| `{label}` | {cells} |")
    lines += ["", "| reference | ms |", "|---|---:|"]
    for label, _ in _references(Path("STORE")):
        lines.append(f"| `{label}` | {_ms(times[(label, '-')])} |")
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
