"""``evidencehub user add|list`` (accounts of the web app) and ``evidencehub routes`` (its routes)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from evidencehub.cli._common import DbOption, JsonOption, console, print_json
from evidencehub.config import database_url
from evidencehub.errors import InputError
from evidencehub.vocab import AccountRole

__all__ = ["register"]


def _read_password(password_file: Path | None) -> str:
    """The new password: the first line of ``password_file``, else asked twice on a terminal,
    else the first line of standard input."""
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read the password: {err}", source=str(password_file)) \
                from None
        return text.splitlines()[0] if text else ""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise InputError("the two passwords differ; nothing was written")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def add(
    name: Annotated[str, typer.Argument(help="The account's name (also its actor's name).")],
    role: Annotated[
        AccountRole, typer.Option("--role", help="admin, editor or reviewer (each includes the next).")
    ],
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from the first line of this "
                     "file (else it is asked for, or read from standard input)."),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Create an account of the web app (the first one: --role admin).

    The password (8 to 1024 characters) is stored only as its argon2id hash. The account's writes in the browser are signed with the actor of the same name. The store must exist (evidencehub import or demo creates it).

    Example:  evidencehub user add alice --role admin --password-file alice.txt
    """
    from evidencehub.store import open_existing
    from evidencehub.store.repo import users as users_repo
    from evidencehub.store.session import transaction
    from evidencehub.web.passwords import hash_password

    if not name.strip() or name != name.strip():
        raise InputError(f"an account name has no surrounding spaces and is not empty: {name!r}")
    password_hash = hash_password(_read_password(password_file))
    engine = open_existing(database_url(db))
    try:
        with transaction(engine) as session:
            user = users_repo.add_user(session, name, role, password_hash)
    finally:
        engine.dispose()
    if json:
        print_json(user.to_dict())
    else:
        console.print(f"Account {user.name!r} created ({user.role.value}).", markup=False)


def list_command(db: DbOption = None, json: JsonOption = False) -> None:
    """List the accounts of the web app and their roles.

    Example:  evidencehub user list --json
    """
    from evidencehub.store import open_existing
    from evidencehub.store.repo import users as users_repo
    from evidencehub.store.session import transaction

    engine = open_existing(database_url(db))
    try:
        with transaction(engine) as session:
            users = users_repo.list_users(session)
    finally:
        engine.dispose()
    if json:
        print_json([u.to_dict() for u in users])
        return
    if not users:
        console.print("No accounts yet: evidencehub user add NAME --role admin")
    for user in users:
        console.print(f"{user.name}\t{user.role.value}\t{user.created_at:%Y-%m-%d}", markup=False)


def routes(json: JsonOption = False) -> None:
    """List every route of the web app, its methods and the role it requires (none: public).

    Example:  evidencehub routes --json
    """
    from evidencehub.web.app import ROUTES

    table = [r.to_dict() for r in ROUTES]
    if json:
        print_json(table)
        return
    for row in table:
        console.print(f"{','.join(row['methods']):<10} {row['path']:<40} {row['role'] or 'public'}",
                      markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``user add|list`` and ``routes`` to the command line."""
    user_app = typer.Typer(help="Accounts of the web app (evidencehub serve).",
                           no_args_is_help=True)
    user_app.command("add")(add)
    user_app.command("list")(list_command)
    app.add_typer(user_app, name="user")
    app.command("routes")(routes)
