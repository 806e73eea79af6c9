"""``evidencehub demo``: build the demo hub from the bundled corpus and serve it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidencehub.cli._common import DbOption, JsonOption, console, print_json
from evidencehub.cli._paths import check_output_dir
from evidencehub.cli.site import HostOption, PortOption, SiteOption, serve_site
from evidencehub.config import DEFAULT_PORT, DEFAULT_SITE_DIR

__all__ = ["demo", "register"]


def demo(
    db: DbOption = None,
    site: SiteOption = Path(DEFAULT_SITE_DIR),
    port: PortOption = DEFAULT_PORT,
    host: HostOption = "127.0.0.1",
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build the store and the site, then stop.")
    ] = False,
    json: JsonOption = False,
) -> None:
    """Build the demo hub from the bundled corpus and serve it.

    Creates the store (./evidencehub.db unless --db), imports the corpus (studies, trials, pages, HbA1c arm data), pools the meta-analyses, attaches evidence labels, builds the site into ./site and serves it on http://127.0.0.1:8000. Running it again changes nothing.

    Example:  evidencehub demo --db hub.db --site public --port 8080
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from evidencehub.demo import STAGES, run_demo

    check_output_dir(site, "--site")
    descriptions = dict(STAGES)
    with Progress(
        SpinnerColumn(finished_text="[green]✓[/green]"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        disable=json,
        transient=False,
    ) as progress:
        tasks = {name: progress.add_task(text, total=1, start=False) for name, text in STAGES}

        def update(stage: str, event: str) -> None:
            if event == "start":
                progress.start_task(tasks[stage])
            else:
                progress.update(tasks[stage], completed=1, description=descriptions[stage])

        report = run_demo(db, site, progress=update)
    if json:
        print_json(
            {
                "database_url": report.database_url,
                "site_dir": str(report.site_dir),
                "counts": report.counts,
            }
        )
    else:
        table = Table(title="Demo hub", show_header=False, box=None)
        for name, count in report.counts.items():
            table.add_row(name, str(count))
        console.print(table)
        # paths whole on one line each, so that they can be copied
        console.print(f"Store: {report.database_url}\nSite:  {report.site_dir}", soft_wrap=True)
    if not no_serve:
        serve_site(db, site, host, port)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the command line."""
    app.command("demo")(demo)
