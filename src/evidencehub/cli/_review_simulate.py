"""``evidencehub review simulate``: replay a fully labelled screening with the priority model.

Thin: parse the options, read the CSV, call :func:`evidencehub.review.simulate.simulate`, print
its JSON or a table of the metrics (with a progress bar on a terminal). numpy, scikit-learn and
the review package are imported only when the command runs (rule in :mod:`evidencehub.cli`).
The ``review`` sub-app itself lives in :mod:`evidencehub.cli.review`, which calls
:func:`add_simulate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidencehub.cli._common import JsonOption, console, print_json
from evidencehub.errors import InputError
from evidencehub.vocab import PriorityModel

if TYPE_CHECKING:
    from evidencehub.review.simulate import LabelledRecords, SimulationResult

__all__ = ["add_simulate"]

_MODELS = ", ".join(m.value for m in PriorityModel)


def _prior_ids(text: str | None) -> list[str] | None:
    if text is None:
        return None
    ids = [part.strip() for part in text.split(",")]
    if not all(ids):
        raise InputError(f"expected record ids separated by commas, got {text!r}",
                         source="--prior-ids")
    return ids


def _run(data: LabelledRecords, *, prior_ids: list[str] | None, prior_included: int,
         prior_excluded: int, seed: int, model: str, progress: bool) -> SimulationResult:
    from evidencehub.review.simulate import simulate

    options = {"prior_ids": prior_ids, "prior_included": prior_included,
               "prior_excluded": prior_excluded, "seed": seed, "model": model}
    if not progress:
        return simulate(data, **options)  # type: ignore[arg-type]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(f"screening {data.source}", total=len(data))
        return simulate(data, progress=lambda done, total: bar.update(task, completed=done),
                        **options)  # type: ignore[arg-type]


def _print_human(result: SimulationResult, source: str) -> None:
    from rich.table import Table

    m = result.metrics
    table = Table(title=f"{source}: {result.n_records} records, {result.n_included} included; "
                  f"model {result.model.value}, seed {result.seed}", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("recall@10%", f"{m.recall_10:.3f}")
    table.add_row("WSS@95", f"{m.wss_95:.3f}")
    table.add_row("ATD (records)", f"{m.atd:.1f}")
    table.add_row("ATD (share of records)", f"{m.atd_fraction:.3f}")
    console.print(table)
    priors = ", ".join(str(r) for r in result.prior_record_ids) or "none"
    console.print(f"priors: {priors}; metrics count the {m.n_screened} records after them "
                  f"({m.n_included} included); the model was fitted {result.n_fits} times.",
                  highlight=False, markup=False, soft_wrap=True)


def add_simulate(review_app: typer.Typer) -> None:
    """Define ``simulate`` on the ``review`` sub-app."""

    @review_app.command("simulate")
    def simulate_command(
        data: Annotated[Path, typer.Argument(
            help="SYNERGY-style CSV: record_id, title, abstract, label_included (1/0); other "
            "columns are ignored.", show_default=False)],
        prior_ids: Annotated[str | None, typer.Option(
            "--prior-ids", help="Prior records by record_id, comma-separated (screened first, "
            "in this order).", show_default=False)] = None,
        prior_included: Annotated[int, typer.Option(
            "--prior-included", help="Draw this many included records as priors (with "
            "--seed).")] = 0,
        prior_excluded: Annotated[int, typer.Option(
            "--prior-excluded", help="Draw this many excluded records as priors (with "
            "--seed).")] = 0,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the priors drawn and the "
                                          "model: the same seed gives the same order.")] = 0,
        model: Annotated[str, typer.Option(
            "--model", help=f"Priority model: {_MODELS}.")] = PriorityModel.SVM.value,
        json_out: JsonOption = False,
    ) -> None:
        """Replay a fully labelled screening as a screener working with the priority model would (priors first, each label learnt once its record is shown) and report recall@10%, WSS@95 and ATD (ASReview's definitions; priors not counted).

        Example:  evidencehub review simulate Cohen_2006_ADHD.csv --prior-included 1 --prior-excluded 1 --seed 1 --json
        """
        from evidencehub.review.simulate import read_labelled_csv

        if model not in {m.value for m in PriorityModel}:
            raise InputError(f"unknown model {model!r}; expected one of {_MODELS}",
                             source="--model")
        ids = _prior_ids(prior_ids)
        if ids is not None and (prior_included or prior_excluded):
            raise InputError("give --prior-ids or --prior-included/--prior-excluded, not both",
                             source="--prior-ids")
        records = read_labelled_csv(data)
        result = _run(records, prior_ids=ids, prior_included=prior_included,
                      prior_excluded=prior_excluded, seed=seed, model=model,
                      progress=not json_out and console.is_terminal)
        if json_out:
            print_json(result.to_dict())
        else:
            _print_human(result, records.source)
