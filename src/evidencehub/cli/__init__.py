"""The ``evidencehub`` command line.

Each command lives in a module of its own (``cli/meta.py``, ``cli/ingest.py``…) that only parses
its options, calls one library function and prints the result; this module assembles them.
Deliberate failures (:class:`~evidencehub.errors.EvidenceHubError`) print one line to stderr and
exit with status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

import typer

from evidencehub import __version__
from evidencehub.errors import EvidenceHubError

__all__ = ["app", "main"]

#: Every public module of this package defines ``register(app)`` for its commands.
COMMAND_MODULES = tuple(
    sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
)

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
    """Run the CLI; return the exit status (used by the console script and the tests)."""
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
