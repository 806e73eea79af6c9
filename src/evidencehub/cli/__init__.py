"""The ``evidencehub`` command line.

Each command lives in a module of its own (``cli/meta.py``, ``cli/ingest.py``…) that only parses
its options, calls one library function and prints the result; this module assembles them.
Deliberate failures (:class:`~evidencehub.errors.EvidenceHubError`) print one line to stderr and
exit with status 1; anything else is a bug and keeps its traceback.

Startup rule for command modules
--------------------------------
Every command, ``evidencehub --help`` included, imports *every* public module of this package
(to register its commands), so a module's top level decides how fast all commands start
(budget: 0.3 s for ``--help``; ``bench/bench_startup.py`` measures it). Hence, in a command
module:

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
from importlib import import_module

import typer

from evidencehub import __version__
from evidencehub.errors import EvidenceHubError

__all__ = ["app", "main"]

#: Every public module of this package defines ``register(app)`` for its commands (listed
#: with ``os.scandir``: ``pkgutil`` costs 10 ms to import).
COMMAND_MODULES = tuple(sorted(
    entry.name.removesuffix(".py") for entry in os.scandir(__path__[0])
    if entry.name.endswith(".py") and not entry.name.startswith("_")
))

app = typer.Typer(
    name="evidencehub",
    help=(
        "Research-intelligence hub for cures of type 1 diabetes and stem-cell therapies: "
        "import studies and trial records, pool their results, grade them, publish pages.\n\n"
        "Start with:  evidencehub demo"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evidencehub {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Research-intelligence hub for type 1 diabetes and stem-cell therapies."""


for _name in COMMAND_MODULES:
    import_module(f"evidencehub.cli.{_name}").register(app)


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
        status = app(args=argv, prog_name="evidencehub", standalone_mode=False)
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
