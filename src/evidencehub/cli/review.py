"""``evidencehub review …``: systematic reviews (this branch defines ``simulate`` only; the
store-backed commands come with the integration, which keeps the :func:`add_simulate` call)."""

from __future__ import annotations

import typer

from evidencehub.cli._review_simulate import add_simulate

__all__ = ["register", "review_app"]

review_app = typer.Typer(
    name="review", no_args_is_help=True,
    help="Systematic reviews: screening with priority, simulation.\n\nExample:  evidencehub "
    "review simulate Cohen_2006_ADHD.csv --prior-included 1 --prior-excluded 1 --json")
add_simulate(review_app)


def register(app: typer.Typer) -> None:
    """Add the ``review`` command group."""
    app.add_typer(review_app)
