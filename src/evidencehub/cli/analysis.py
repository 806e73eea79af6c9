"""``data import``, ``analysis add``, ``analysis link``, ``analyze`` and ``analyses``: the
evidence spine by hand.

Arm-level outcome data go in with ``data import``; an analysis names an outcome, a comparison
of arms, a measure and model settings, and optionally the systematic review its studies came
from (``analysis add``; ``analysis link`` sets or clears that review alone); ``analyze`` fits
the analyses whose inputs or settings changed and stores one immutable run each; ``analyses``
lists them and says which are stale. Each command parses its options, calls one library function and prints.
Heavy modules (the statistics, the store) are imported inside the commands, so ``--help``
stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidencehub.cli._common import (
    ActorOption,
    DbOption,
    JsonOption,
    console,
    no_cyclic_gc,
    print_json,
)
from evidencehub.cli._store import actor_of, choice, store_engine

__all__ = ["register"]

data_app = typer.Typer(
    name="data", no_args_is_help=True,
    help="Arm-level outcome data: import tables of results.\n\n"
    "Example:  evidencehub data import arms.csv --design randomised-controlled-trial")
analysis_app = typer.Typer(
    name="analysis", no_args_is_help=True,
    help="Define meta-analyses on the stored outcome data.\n\n"
    "Example:  evidencehub analysis add hba1c --outcome HbA1c --measure MD "
    "--experimental metformin --control placebo")


def data_import(
    path: Annotated[Path, typer.Argument(help="CSV table: one row per study × arm × outcome × "
                                              "time point.", show_default=False)],
    design: Annotated[str | None, typer.Option(
        "--design", help="Design of studies the table introduces (e.g. "
        "randomised-controlled-trial), unless a 'design' column gives it.",
        show_default=False)] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Import arm-level outcome data; one transaction, re-importing changes nothing.

    Columns: study, arm, outcome, timepoint, n, mean, sd, events, total, median, q1, q3, min, max, se, ci_lb, ci_ub, value_kind (change|final), source (doi:…|pmid:…), locator, design; only study, arm and outcome are required. Missing SDs are derived from the SE or CI, means and SDs from medians with quartiles or ranges, and the derivation is stored with its inputs. A changed value becomes a new version of its row. Other columns are kept as attributes (for --subgroup). Docs: docs/spine.md.

    Example:  evidencehub data import arms.csv --design randomised-controlled-trial --json
    """
    from evidencehub.ingest.arm_import import import_arm_data
    from evidencehub.vocab import StudyDesign

    chosen = None if design is None else choice(design, StudyDesign, "--design")
    engine = store_engine(db, create=True)
    try:
        report = import_arm_data(engine, path, actor=actor_of(actor), design=chosen)
    finally:
        engine.dispose()
    if json:
        print_json(report.to_dict())
    else:
        console.print(report.summary(), highlight=False)


def analysis_add(
    slug: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, '-'.",
                                        show_default=False)],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome name, as imported.",
                                         show_default=False)],
    measure: Annotated[str, typer.Option("--measure", "-m", help="Effect measure (escalc "
                                         "code): OR, RR, RD, PETO, MD, SMD, SMDH, ROM, PR, PLO, "
                                         "PAS, PFT, MN.", show_default=False)],
    experimental: Annotated[list[str], typer.Option(
        "--experimental", help="Arm label of the experimental side (repeat for several).",
        show_default=False)],
    control: Annotated[list[str] | None, typer.Option(
        "--control", help="Arm label of the control side (repeat for several; none for "
        "single-group measures).", show_default=False)] = None,
    method: Annotated[str, typer.Option(
        "--method", help="EE, DL, REML, ML, PM, HE, SJ, EB, HS (inverse variance), MH "
        "(Mantel-Haenszel: OR, RR, RD) or PETO (OR).")] = "REML",
    test: Annotated[str, typer.Option("--test", help="z, or knha (Knapp-Hartung).")] = "z",
    level: Annotated[float, typer.Option("--level", help="Confidence level in percent.")] = 95.0,
    subgroup: Annotated[str | None, typer.Option(
        "--subgroup", help="Column of the imported table to form subgroups by.",
        show_default=False)] = None,
    timepoint: Annotated[str | None, typer.Option(
        "--timepoint", help="Use only rows of this time point.", show_default=False)] = None,
    value_kind: Annotated[str | None, typer.Option(
        "--value-kind", help="Pool only 'change' or only 'final' values (others are listed, "
        "not pooled).", show_default=False)] = None,
    model_rule: Annotated[str | None, typer.Option(
        "--model-rule", help="i2-q: random effects (--method) when I² > 50 % and P(Q) < 0.10, "
        "else a common-effect model; the choice is reported.", show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title shown on pages.",
                                              show_default=False)] = None,
    review: Annotated[str | None, typer.Option(
        "--review", help="Slug of the systematic review the studies came from: pages of the "
        "analysis show its PRISMA 2020 flow.", show_default=False)] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Define (or change) a meta-analysis: outcome, comparison, measure and model settings.

    Changing a setting keeps the earlier runs and makes the analysis stale: 'evidencehub analyze' refits it. Every option is the analysis's new definition, --review too (left out, the analysis names no review); 'evidencehub analysis link' changes the review alone. The review is not a setting of the fit: naming another one never makes the analysis stale.

    Example:  evidencehub analysis add hba1c-metformin --outcome HbA1c --measure MD --experimental metformin --control placebo --value-kind change
    """
    from evidencehub.model import Analysis, Comparison, validate
    from evidencehub.store.repo.actors import actor_id
    from evidencehub.store.repo.analyses import put_analysis
    from evidencehub.store.session import transaction
    from evidencehub.vocab import Measure, Method, ModelRule, Test, measure_terms

    measure_code = choice(measure.upper(), Measure, "--measure")
    comparison = validate(Comparison, {"experimental": tuple(experimental),
                                       "control": tuple(control or ())}, source="analysis add")
    analysis = validate(Analysis, {
        "slug": slug,
        "title": title or f"{outcome}: {comparison.label} ({measure_terms(measure_code).name})",
        "outcome": outcome, "comparison": comparison, "measure": measure_code,
        "method": choice(method.upper(), Method, "--method"),
        "test": choice(test, Test, "--test"), "level": level,
        "model_rule": None if model_rule is None else choice(model_rule, ModelRule,
                                                              "--model-rule"), "subgroup": subgroup,
        "timepoint": timepoint, "value_kind": value_kind, "review": review,
    }, source="analysis add")
    engine = store_engine(db)
    try:
        with transaction(engine) as session:
            status = put_analysis(session, analysis, actor_id=actor_id(session, actor_of(actor)))
    finally:
        engine.dispose()
    if json:
        print_json({"slug": slug, "status": status.value,
                    **analysis.model_dump(mode="json", exclude={"slug"})})
    else:
        console.print(f"analysis {slug!r}: {status.value}", highlight=False)


def analysis_link(
    slug: Annotated[str, typer.Argument(help="The analysis.", show_default=False)],
    review: Annotated[str | None, typer.Option(
        "--review", help="Slug of the systematic review its studies came from.",
        show_default=False)] = None,
    no_review: Annotated[bool, typer.Option(
        "--no-review", help="The analysis names no review (its pages show no PRISMA flow)."
    )] = False,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Name the systematic review an analysis's studies came from (or none), with the actor and the time; the analysis stays current (the review is not a setting of the fit).

    Its pages then show the review's PRISMA 2020 flow: the diagram and each box in words.

    Example:  evidencehub analysis link hba1c-metformin --review metformin-t2d
    """
    from evidencehub.errors import InputError
    from evidencehub.store.repo.actors import actor_id
    from evidencehub.store.repo.analyses import link_review
    from evidencehub.store.session import transaction

    if (review is None) == (not no_review):
        raise InputError("analysis link: give --review SLUG or --no-review (one of them)")
    engine = store_engine(db)
    try:
        with transaction(engine) as session:
            status = link_review(session, slug, review,
                                 actor_id=actor_id(session, actor_of(actor)))
    finally:
        engine.dispose()
    if json:
        print_json({"slug": slug, "review": review, "status": status.value})
    else:
        what = f"review {review!r}" if review else "no review"
        console.print(f"analysis {slug!r}: {what} ({status.value})", highlight=False)


def analyze(
    slugs: Annotated[list[str] | None, typer.Argument(
        help="Analyses to run (default: every stale analysis).", show_default=False)] = None,
    everything: Annotated[bool, typer.Option("--all", help="Refit every analysis (or every "
                                             "one named), stale or not.")] = False,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Fit the analyses whose data or settings changed; store one immutable run each.

    --json prints a list in the JSON contract of 'evidencehub meta' (metafor's names; ratio measures on the log scale), each result with slug, run_id and status (fitted, or current for a named analysis that was up to date).

    Example:  evidencehub analyze --json
    """
    from evidencehub.analysis.service import analyze as run_analyses

    engine = store_engine(db)
    try:
        fitted = run_analyses(engine, slugs or None, everything=everything, actor=actor_of(actor))
    finally:
        engine.dispose()
    if json:
        print_json([f.to_dict() for f in fitted])
        return
    if not fitted:
        console.print("Every analysis is up to date (use --all to refit).", highlight=False)
    for item in fitted:
        fit = item.result.fit
        what = item.result.not_pooled_reason if fit is None else (
            f"k = {fit['k']}, estimate {fit['estimate']:.4g} [{fit['ci_lb']:.4g}, "
            f"{fit['ci_ub']:.4g}]")
        console.print(f"{item.slug}: run {item.run_id} ({item.status}): {what}",
                      highlight=False, markup=False)


def analyses(
    stale: Annotated[bool, typer.Option("--stale", help="Only analyses that need a new run.")
                     ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """List the analyses, their newest runs, and whether each is stale.

    Example:  evidencehub analyses --stale --json
    """
    with no_cyclic_gc():
        from evidencehub.analysis.service import analysis_states
        from evidencehub.store.session import transaction

        engine = store_engine(db)
        try:
            with transaction(engine) as session:
                states = analysis_states(session)
        finally:
            engine.dispose()
    if stale:
        states = [s for s in states if s.stale]
    items = [{
        "slug": s.analysis.slug, "title": s.analysis.title, "outcome": s.analysis.outcome,
        "comparison": s.analysis.comparison.model_dump(mode="json"),
        **s.analysis.model_dump(mode="json", include={"measure", "method", "test", "level",
                                                      "model_rule", "subgroup", "timepoint",
                                                      "value_kind", "review"}),
        "k": sum(r.pooled for r in s.rows),
        "run_id": s.latest.id if s.latest else None,
        "fitted_at": s.latest.created_at.isoformat() if s.latest else None,
        "stale": s.stale,
    } for s in states]
    if json:
        print_json(items)
        return
    from rich.table import Table

    table = Table("slug", "outcome", "comparison", "measure", "k", "run", "stale",
                  title=f"{len(items)} analysis(es)")
    for s, item in zip(states, items, strict=True):
        table.add_row(item["slug"], item["outcome"], s.analysis.comparison.label,
                      item["measure"], str(item["k"]),
                      "" if item["run_id"] is None else str(item["run_id"]),
                      "yes" if item["stale"] else "no")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``data import``, ``analysis add``, ``analysis link``, ``analyze`` and ``analyses``."""
    data_app.command("import")(data_import)
    analysis_app.command("add")(analysis_add)
    analysis_app.command("link")(analysis_link)
    app.add_typer(data_app)
    app.add_typer(analysis_app)
    app.command("analyze")(analyze)
    app.command("analyses")(analyses)
