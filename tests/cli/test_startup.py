"""Startup: building the command line and printing ``--help`` load no heavy library, and
listing the web app's routes loads none of the statistics, plotting and online libraries.

Every command imports every module of ``evidencehub.cli`` (see the rule in its docstring), so
this checks the whole app at once, in a fresh interpreter: the app is built, the root help and
every command's help are printed, and then none of :data:`HEAVY` may be in ``sys.modules``.
A failure names the line of evidencehub's code that first imported each one. Not a timed test:
``bench/bench_startup.py`` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

#: Libraries no command module may import at module level (each costs 30-600 ms to import).
#: pydantic is not among them: typer itself uses it to convert option values.
HEAVY = (
    "numpy",
    "scipy",
    "matplotlib",
    "pandas",
    "lxml",
    "rapidfuzz",
    "sklearn",
    "sqlalchemy",
    "alembic",
    "httpx",
    "starlette",
    "uvicorn",
    "jinja2",
)

# Runs in the child: records, for each heavy library, the line of a command module and the
# innermost line of evidencehub's code on the stack when the library was first imported; then
# builds the app and prints every help.
_CHILD = textwrap.dedent(
    """
    import contextlib, io, json, sys, traceback

    HEAVY = set(json.loads(sys.argv[1]))
    culprits = {}

    class Recorder:
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            if top in HEAVY and top not in culprits:
                stack = traceback.extract_stack()
                ours = [f for f in stack if "/evidencehub/" in f.filename]
                cli = [f for f in ours if "/evidencehub/cli/" in f.filename]
                lines = [
                    f"{f.filename.rpartition('/evidencehub/')[2]}:{f.lineno}: {f.line}"
                    for f in cli[-1:] + ours[-1:]
                ]
                culprits[top] = " -> ".join(dict.fromkeys(lines)) or "outside evidencehub"
            return None

    sys.meta_path.insert(0, Recorder())
    import typer
    from evidencehub.cli import app, main

    names = sorted(typer.main.get_command(app).commands)
    with contextlib.redirect_stdout(io.StringIO()):
        statuses = [main(["--help"])] + [main([name, "--help"]) for name in names]
    loaded = sorted(top for top in HEAVY if top in sys.modules)
    print(json.dumps({"commands": names, "statuses": statuses, "loaded": loaded,
                      "culprits": culprits}))
    """
)


def test_help_of_every_command_imports_no_heavy_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["commands"]) >= 7 and set(result["statuses"]) == {0}
    culprits = "\n".join(
        f"  {name}: {result['culprits'].get(name, '?')}" for name in result["loaded"]
    )
    assert result["loaded"] == [], (
        "`evidencehub --help` imported heavy libraries; import them inside the command "
        f"function instead (rule in evidencehub/cli/__init__.py):\n{culprits}"
    )


#: Libraries the web app may not import to start (``evidencehub routes``, ``serve``): its
#: endpoints import them when a request needs them (scikit-learn alone costs about 0.5 s;
#: httpx only the editor's footnote refresh uses).
ON_USE = ("sklearn", "scipy.stats", "scipy.special", "matplotlib", "pandas", "httpx")

_ROUTES_CHILD = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from evidencehub.cli import main

    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["routes", "--json"])
    print(json.dumps({"status": status, "routes": len(json.loads(out.getvalue())),
                      "loaded": sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)}))
    """
)


def test_routes_import_no_library_their_endpoints_load_on_use() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _ROUTES_CHILD, json.dumps(ON_USE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == 0 and result["routes"] > 20
    assert result["loaded"] == [], "the web app imported these to start; import them on use"
