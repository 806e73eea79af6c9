"""The ``evidencehub`` command line.

Each command lives in a module of its own (``cli/meta.py``, ``cli/ingest.py``…) that only parses
its options, calls one library function and prints the result; this module assembles them.
Deliberate failures (:class:`~evidencehub.errors.EvidenceHubError`) print one line to stderr and
exit with status 1; anything else is a bug and keeps its traceback.

Startup rule for command modules
--------------------------------
A command imports only the module that registers it (:data:`COMMANDS`, :func:`build_app`),
but ``evidencehub --help`` imports *every* public module of this package, so a module's top
level decides how fast help and its own commands start (budget: 0.3 s; ``bench/bench_startup.py``
measures it). Hence, in a command module:

1. At module level import only the standard library, ``typer``, the consoles and options of
   :mod:`evidencehub.cli._common` (its Rich consoles are made on first use, so a command that
   prints JSON never loads ``rich.console``; ``tests/cli/test_common.py``), the private
   ``cli._*`` helpers, :mod:`evidencehub.config`, :mod:`evidencehub.errors`, and modules that
   themselves import nothing beyond these.
2. Import everything else inside the command function that uses it: numpy, scipy,
   matplotlib, pandas, lxml, rapidfuzz, scikit-learn, SQLAlchemy, Alembic, pydantic, httpx,
   Starlette, uvicorn, Jinja2, the heavier parts of Rich (``rich.table``, ``rich.progress``),
   and every evidencehub package that uses them (``model``, ``stats``, ``store``, ``ingest``,
   ``grade``, ``publish``, ``demo``, ``data``).
3. Names needed only in annotations go under ``if TYPE_CHECKING:`` (the module starts with
   ``from __future__ import annotations``). A command function's own parameters are read by
   typer at import time, so they may use only names imported at runtime (``Path``, the
   ``Annotated`` options of ``cli._common``…).
4. Choices, defaults and help text needed when the command is defined come from a module that
   follows rule 1 (e.g. a vocabulary module of plain ``StrEnum`` classes), or are written out.

``tests/cli/test_startup.py`` enforces rules 1-2: building the app and printing every
command's ``--help`` must load none of those libraries, and its failure names the line that
imported one.

Inside the function, a command that needs only the store side of :mod:`evidencehub.analysis`
(``run``, ``contrasts``, ``service``) imports those modules: the package loads its numerical
modules on first use of their names, so ``analyses`` and ``trace`` run without numpy and scipy
(``tests/analysis/test_init.py``). Short commands (``meta`` and the ones that read the store)
run with the cyclic collector paused (:func:`evidencehub.cli._common.no_cyclic_gc`); and
:func:`main`, run as the console script, freezes the heap before returning so that the
interpreter's exit skips collecting it.

Commands that only read the store open it with :func:`evidencehub.store.open_existing`, which
refuses a missing store instead of creating an empty one; only commands that write (``import``,
``fetch``, ``demo``) create one, with :func:`evidencehub.store.init_db`. A path the command
will write at the end (a report, a plot, a site) is checked with :mod:`evidencehub.cli._paths`
before any work is done.
"""

from __future__ import annotations

import gc
import os
import sys
from importlib import import_module

import typer

from evidencehub import __version__
from evidencehub.errors import EvidenceHubError

__all__ = ["COMMANDS", "app", "build_app", "main"]

#: Every public module of this package defines ``register(app)`` for its commands (listed
#: with ``os.scandir``: ``pkgutil`` costs 10 ms to import).
COMMAND_MODULES = tuple(sorted(
    entry.name.removesuffix(".py") for entry in os.scandir(__path__[0])
    if entry.name.endswith(".py") and not entry.name.startswith("_")
))

#: The module that registers each top-level command or group, so that running one command
#: imports and builds only that one (typer turns every registered command into a click command,
#: reading its signature and type hints, before it runs any: for all 56 of them that took longer
#: than the ``records`` command itself). ``tests/cli/test_main.py`` checks it against what the
#: modules register.
COMMANDS: dict[str, str] = {
    "analyses": "analysis", "analysis": "analysis", "analyze": "analysis", "data": "analysis",
    "audit": "audit",
    "demo": "demo",
    "extract": "extract",
    "grade": "grade",
    "duplicates": "ingest", "fetch": "ingest", "import": "ingest", "imports": "ingest",
    "records": "ingest", "trials": "ingest",
    "meta": "meta",
    "pages": "pages",
    "review": "review",
    "rob": "rob",
    "build": "site", "serve": "site",
    "tags": "tags",
    "trace": "trace",
    "routes": "web", "user": "web",
}  # fmt: skip

_HELP = (
    "Research-intelligence hub for cures of type 1 diabetes and stem-cell therapies: "
    "import studies and trial records, pool their results, grade them, publish pages.\n\n"
    "Start with:  evidencehub demo"
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evidencehub {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Research-intelligence hub for type 1 diabetes and stem-cell therapies."""


def build_app(command: str | None = None) -> typer.Typer:
    """The command line: every command, or only ``command`` (a key of :data:`COMMANDS`) under
    the same root (its options, help and usage line are the same either way)."""
    app = typer.Typer(
        name="evidencehub",
        help=_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name in COMMAND_MODULES if command is None else (COMMANDS[command],):
        import_module(f"evidencehub.cli.{name}").register(app)
    if command is not None:
        app.registered_commands = [c for c in app.registered_commands if c.name == command]
        app.registered_groups = [g for g in app.registered_groups if _group_name(g) == command]
    return app


def _group_name(group: typer.models.TyperInfo) -> str | None:
    """The name a group is invoked by: given to ``add_typer`` or else to its ``Typer``."""
    for name in (group.name, group.typer_instance.info.name if group.typer_instance else None):
        if isinstance(name, str):
            return name
    return None


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``args``: only the command they name (the root takes no option with a
    value, so that is the first argument not starting with ``-``), or every command when they
    name none (root help, ``--version``) or an unknown one (the usage error lists them)."""
    command = next((arg for arg in args if not arg.startswith("-")), None)
    if command in COMMANDS:
        return build_app(command)
    return __getattr__("app")


def __getattr__(name: str) -> typer.Typer:
    """``app``, the command line with every command, built on first use (PEP 562)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = globals().get("_app")
    if app is None:
        app = globals()["_app"] = build_app()
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status (used by the console script and the tests).

    As the console script (``argv`` None: the command line is ``sys.argv``), the heap is frozen
    before returning (:func:`gc.freeze`), so that the garbage collection the interpreter runs
    as it exits skips the objects the command leaves behind (numpy, scipy, pydantic and the
    command's own data: hundreds of thousands); that pass took about 50 ms of every command
    (``bench/bench_startup.py``). Tests pass ``argv`` and freeze nothing.
    """
    status = _run(argv)
    if argv is None:
        gc.freeze()
    return status


def _run(argv: list[str] | None) -> int:
    try:
        # Outside standalone mode, typer returns the exit status of typer.Exit and of Ctrl-C
        # (130) instead of raising, and a command's own return value otherwise.
        args = sys.argv[1:] if argv is None else argv
        status = _app_for(args)(args=args, prog_name="evidencehub", standalone_mode=False)
    except EvidenceHubError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        return int(getattr(exc, "exit_code", 1))
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 130
    except typer.TyperException as exc:  # usage errors: shown as click shows them
        exc.show()  # type: ignore[attr-defined]
        return int(exc.exit_code)
    if status == 130:
        typer.echo("Interrupted.", err=True)
    return status if isinstance(status, int) else 0
