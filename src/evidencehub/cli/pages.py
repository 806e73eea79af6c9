"""``evidencehub pages import FILE.md…`` and ``evidencehub pages export [--out DIR]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidencehub.cli._common import ActorOption, DbOption, JsonOption, console, print_json
from evidencehub.cli._paths import check_output_dir
from evidencehub.cli._store import actor_of, store_engine

__all__ = ["register"]


def import_command(
    files: Annotated[list[Path], typer.Argument(help="Page files: TOML front matter between "
                                                "'+++' lines, then the page in Markdown.")],
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import pages (articles, interventions, analyses) from files; all in one transaction.

    Every file is checked before anything is written; a bad file (or a page citing a study the store does not hold) stops the import with one line naming the file. Each page's claims and evidence label are derived from its text. A page that changed gets a new version (who, when) in its history; importing the same files again changes nothing.

    Example:  evidencehub pages import pages/*.md --actor alice
    """
    from evidencehub.publish.page_files import import_pages

    who = actor_of(actor)
    engine = store_engine(db)
    try:
        saved = import_pages(engine, files, actor=who)
    finally:
        engine.dispose()
    if as_json:
        print_json([s.to_dict() for s in saved])
        return
    for save in saved:
        version = f" (version {save.version})" if save.version else ""
        console.print(f"{save.slug}: {save.outcome.value}{version}", markup=False,
                      highlight=False)


def export_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write <slug>.md files into "
                                      "(created if missing).")] = Path("pages"),
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write every stored page to DIR/<slug>.md, in the format `pages import` reads.

    Importing an export changes nothing.

    Example:  evidencehub pages export --out pages/
    """
    from evidencehub.publish.page_files import export_pages

    check_output_dir(out, "--out")
    engine = store_engine(db)
    try:
        written = export_pages(engine, out)
    finally:
        engine.dispose()
    if as_json:
        print_json({"out": str(out), "files": [str(p) for p in written]})
        return
    console.print(f"Wrote {len(written)} page(s) to {out}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``pages import`` and ``pages export`` to the command line."""
    pages_app = typer.Typer(help="Pages as files: import and export (TOML front matter + "
                            "Markdown).", no_args_is_help=True)
    pages_app.command("import")(import_command)
    pages_app.command("export")(export_command)
    app.add_typer(pages_app, name="pages")
