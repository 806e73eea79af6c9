"""Options and printing shared by every command: ``--db``, ``--json``, the console.

Imported by every command module, so by ``evidencehub --help``: it imports nothing heavy (see
the rule in :mod:`evidencehub.cli`).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from evidencehub.config import ACTOR_ENV, DATABASE_ENV

__all__ = ["ActorOption", "DbOption", "JsonOption", "console", "err_console", "print_json"]

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

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Write ``data`` as strict JSON (no NaN) to stdout, one document, newline-terminated."""
    from evidencehub.model import finite_json

    sys.stdout.write(json.dumps(finite_json(data), indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
