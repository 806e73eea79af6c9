"""``evidencehub build`` and ``evidencehub serve``: publish the store as a site, serve it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidencehub.cli._common import ActorOption, DbOption, JsonOption, console, print_json
from evidencehub.cli._paths import check_output_dir
from evidencehub.config import DEFAULT_PORT, DEFAULT_SITE_DIR, database_url

__all__ = ["HostOption", "PortOption", "SiteOption", "register", "serve_site"]

SiteOption = Annotated[
    Path, typer.Option("--site", help="Directory of the static site (replaced on each build).")
]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve on.")]
HostOption = Annotated[
    str, typer.Option("--host", help="Address to listen on (loopback by default).")
]


def serve_site(db: str | None, site: Path | None, host: str, port: int) -> None:
    """Serve the hub of the store ``db`` (which must exist) with uvicorn until interrupted;
    ``site`` is a built site whose other files are served as a fallback."""
    import uvicorn

    from evidencehub.web.app import create_app

    app = create_app(database_url(db), site)
    console.print(f"Serving the hub on [bold]http://{host}:{port}/[/bold] (Ctrl+C to stop)")
    # No access log: a line per request costs the server time and is not read (issue 11's
    # load figures, bench/bench_web.py); errors are still logged.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def build(
    db: DbOption = None,
    site: SiteOption = Path(DEFAULT_SITE_DIR),
    actor: ActorOption = None,
    json: JsonOption = False,
) -> None:
    """Build the static site from the store: pages, studies, trials, plots, traces, JSON twins.

    Each page shows the newest run of each of its analyses, and the store records which runs that is (evidencehub trace page:SLUG follows them). The site directory is replaced atomically; building twice from the same store gives the same bytes. The store must exist (evidencehub import, fetch or demo create one).

    Example:  evidencehub build --db hub.db --site public/
    """
    from evidencehub.config import actor_name
    from evidencehub.model import Actor
    from evidencehub.publish.site import publish_site
    from evidencehub.store import open_existing

    check_output_dir(site, "--site")
    engine = open_existing(database_url(db))
    try:
        report = publish_site(engine, site, actor=Actor(name=actor_name(actor)))
    finally:
        engine.dispose()
    if json:
        print_json({"site_dir": str(report.site_dir), "files": report.files, "pages": report.pages})
    else:
        console.print(
            f"Built {report.pages} pages ({report.files} files) into {report.site_dir}",
            soft_wrap=True,
        )


def serve(
    db: DbOption = None,
    site: Annotated[
        Path | None,
        typer.Option("--site", help="A site built by `evidencehub build`: files of it that the "
                     "app does not render itself are served too."),
    ] = None,
    port: PortOption = DEFAULT_PORT,
    host: HostOption = "127.0.0.1",
) -> None:
    """Serve the hub: pages rendered from the store, search, trial tracker, and sign-in for editors and reviewers.

    Pages are rendered from the store per request (the same pages `evidencehub build` writes), so what editors publish shows at once. The store must exist (evidencehub import, fetch or demo create one); create the first account with `evidencehub user add NAME --role admin`. Served beyond this machine, put it behind HTTPS: sign-in cookies are sent over HTTPS only (browsers treat localhost as secure).

    Example:  evidencehub serve --db hub.db --port 8080
    """
    serve_site(db, site, host, port)


def register(app: typer.Typer) -> None:
    """Add ``build`` and ``serve`` to the command line."""
    app.command("build")(build)
    app.command("serve")(serve)
