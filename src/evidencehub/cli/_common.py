"""Options and printing shared by every command: ``--db``, ``--json``, the console.

Imported by every command module, so by ``evidencehub --help``: it imports nothing heavy (see
the rule in :mod:`evidencehub.cli`). The consoles are made on first use (:class:`_LazyConsole`):
importing ``rich.console`` costs about 20 ms, which commands that print JSON never need.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from evidencehub.config import ACTOR_ENV, DATABASE_ENV

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "ActorOption",
    "DbOption",
    "JsonOption",
    "console",
    "err_console",
    "no_cyclic_gc",
    "print_json",
]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=DATABASE_ENV,
        help="Database: a SQLite file path or an SQLAlchemy URL (postgresql+psycopg://…). "
        "Default ./evidencehub.db.",
        show_default=False,
    ),
]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        envvar=ACTOR_ENV,
        help="Who is writing (recorded with every change). Default: your login name.",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of tables.")
]



class _LazyConsole:
    """A :class:`rich.console.Console` made when it is first used: attributes are the
    console's, and ``with`` works as on the console (rich's progress displays use it so)."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def _made(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._made(), name)

    def __enter__(self) -> Console:
        return self._made().__enter__()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._made().__exit__(kind, value, traceback)


console = cast("Console", _LazyConsole(stderr=False))
err_console = cast("Console", _LazyConsole(stderr=True))


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause automatic garbage collection for a short command (``meta``, and the commands that
    read the store): they import large libraries and make many objects, almost none in
    reference cycles, and the collector's passes over them cost 30-50 ms of a 0.4 s command
    (a fifth of ``meta --by`` on 10,000 analyses); the importer does the same. Not for
    commands that serve or draw many figures, whose cycles need the collector."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def print_json(data: Any) -> None:
    """Write ``data`` as strict JSON (no NaN) to stdout, one document, newline-terminated."""
    from evidencehub.model import finite_json

    sys.stdout.write(json.dumps(finite_json(data), indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
