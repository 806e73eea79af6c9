"""``evidencehub grade …``: GRADE certainty of an analysis's evidence, by rule and by reviewers.

``flag`` records what the rules cannot read from the data (a study's PICO mismatch, a
dose-response gradient); ``show`` gives the rules' proposal for the newest run without storing
it; ``rate`` stores a reviewer's rating (overrides need a reason, kept beside the rule);
``list`` shows each analysis's rating and whether a newer run awaits re-review; ``sof`` writes
the summary-of-findings table (HTML, CSV or JSON). Docs: docs/grade.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidencehub.cli._common import ActorOption, DbOption, JsonOption, console, print_json
from evidencehub.cli._paths import check_output_file
from evidencehub.cli._store import actor_of, in_store
from evidencehub.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidencehub.grade.certainty import Override, Thresholds
    from evidencehub.grade.certainty_service import Judged
    from evidencehub.store.repo.grade import StoredRating

__all__ = ["grade_app", "register"]

grade_app = typer.Typer(
    name="grade", no_args_is_help=True,
    help="GRADE certainty per analysis: rules per domain, reviewers' flags and overrides, "
    "summary-of-findings tables.\n\nExample:  evidencehub grade rate islets-hba1c --override "
    "'publication bias=-1: only small industry-funded trials'")  # fmt: skip

SlugArg = Annotated[str, typer.Argument(help="The analysis's slug.", show_default=False)]
MidOption = Annotated[float | None, typer.Option(
    "--mid", help="Minimally important difference on the reported scale: a ratio (0.75 = a "
    "25 % relative change) or a difference in the outcome's units. Default: none (the null "
    "is the only threshold).", show_default=False)]
OverrideOption = Annotated[list[str] | None, typer.Option(
    "--override", help="A domain's change with its reason: 'imprecision=-2: one small trial'; "
    "domains: risk of bias, inconsistency, indirectness, imprecision, publication bias, large "
    "effect, dose-response. Repeatable.", show_default=False)]


def _overrides(values: Sequence[str] | None, reviewer: str) -> list[Override]:
    from evidencehub.grade.certainty import Domain, Override

    parsed = []
    for item in values or ():
        head, _, reason = item.partition(":")
        domain, sep, change = head.partition("=")
        try:
            parsed.append(Override(Domain(domain.strip()), int(change), reason.strip(), reviewer))
        except InputError:
            raise
        except ValueError:
            if not sep:
                raise InputError(f"--override: expected 'DOMAIN=CHANGE: reason', got {item!r}") \
                    from None
            known = ", ".join(d.value for d in Domain)
            raise InputError(f"--override {item!r}: the domain is one of {known} and the change "
                             "an integer such as -1") from None
    return parsed


def _thresholds(mid: float | None) -> Thresholds:
    from evidencehub.grade.certainty import Thresholds

    return Thresholds(mid=mid)


def _judged_json(judged: Judged, stored: StoredRating | None = None) -> dict[str, Any]:
    from evidencehub.grade.certainty_service import statement_of

    data: dict[str, Any] = {"analysis": judged.analysis.slug, "run_id": judged.run.id,
                            "certainty": judged.rating.certainty.value,
                            "rating": judged.rating.to_dict(),
                            "statement": statement_of(judged), "inputs": dict(judged.inputs)}
    if stored is not None:
        data |= {"rating_id": stored.id, "rater": stored.rater,
                 "recorded_at": stored.recorded_at.isoformat(), "stale": stored.stale,
                 "latest_run_id": stored.latest_run_id}
    return data


def _print_judged(judged: Judged, stored: StoredRating | None = None) -> None:
    from rich.table import Table

    from evidencehub.grade.certainty_service import statement_of

    rating = judged.rating
    head = f"{judged.analysis.slug}, run {judged.run.id}: {rating.certainty.symbols} " \
           f"{rating.certainty.value} (starts {rating.start.value})"
    if stored is not None:
        head += f"; rated by {stored.rater}" + (
            f", due for re-review: run {stored.latest_run_id} is newer" if stored.stale else "")
    console.print(head, highlight=False)
    table = Table("domain", "rule proposes", "override", "counted", "reason")
    for d in rating.domains:
        override = "" if d.override is None else f"{d.override.change:+d} ({d.override.reviewer})"
        table.add_row(d.domain.value, f"{d.proposal.change:+d}", override, f"{d.counted:+d}",
                      d.reason)
    console.print(table)
    if rating.upgrade_note:
        console.print(f"Upgrades {rating.upgrade_note}.", highlight=False)
    console.print(statement_of(judged), highlight=False)


def flag(
    slug: SlugArg,
    name: Annotated[str, typer.Argument(help="population, intervention, comparator, outcome "
                                        "(with --study) or dose-response.", show_default=False)],
    study: Annotated[str | None, typer.Option("--study", help="The study that does not match "
                                              "the question.", show_default=False)] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why (kept with the flag).",
                                             show_default=False)] = None,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Withdraw the flag.")] = False,
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    """Record a reviewer's judgement the data cannot give: a study's indirectness, or a
    dose-response gradient.

    Example:  evidencehub grade flag islets-hba1c population --study alpha2019 --note 'adults
    with type 2 diabetes'
    """
    from evidencehub.grade.certainty_service import DOSE_RESPONSE, FLAGS
    from evidencehub.store.repo.grade import set_flag

    if name not in FLAGS:
        raise InputError(f"unknown flag {name!r}; choose one of: {', '.join(FLAGS)}")
    if (name == DOSE_RESPONSE) == (study is not None):
        raise InputError("dose-response concerns the whole body of evidence (no --study); "
                         "a PICO mismatch names its --study")
    who = actor_of(actor).name
    in_store(db, lambda s: set_flag(s, slug, name, reviewer=who, study_key=study,
                                    present=not withdraw, note=note), writes=True)
    what = "withdrew" if withdraw else "recorded"
    console.print(f"{who} {what} {name}" + (f" for {study}" if study else "") + f" on {slug}",
                  highlight=False)


def show(slug: SlugArg, mid: MidOption = None, db: DbOption = None,
         json_out: JsonOption = False) -> None:
    """The rules' rating of the analysis's newest run, domain by domain (nothing is stored).

    Example:  evidencehub grade show islets-hba1c --mid 0.3
    """
    from evidencehub.grade.certainty_service import judge

    judged = in_store(db, lambda s: judge(s, slug, thresholds=_thresholds(mid)))
    if json_out:
        print_json(_judged_json(judged))
    else:
        _print_judged(judged)


def rate_command(slug: SlugArg, override: OverrideOption = None, mid: MidOption = None,
                 actor: ActorOption = None, db: DbOption = None,
                 json_out: JsonOption = False) -> None:
    """Store a rating of the analysis's newest run: the rules' proposals with your overrides.

    Example:  evidencehub grade rate islets-hba1c --override 'indirectness=-1: adults only'
    """
    from evidencehub.grade.certainty_service import judge, rated, record

    who = actor_of(actor).name

    def work(session: Session) -> tuple[Judged, StoredRating]:
        judged = judge(session, slug, overrides=_overrides(override, who),
                       thresholds=_thresholds(mid))
        record(session, judged, rater=who)
        stored = rated(session, slug)
        assert stored is not None
        return stored

    judged, stored = in_store(db, work, writes=True)
    if json_out:
        print_json(_judged_json(judged, stored))
    else:
        _print_judged(judged, stored)


def list_command(
    stale: Annotated[bool, typer.Option("--stale", help="Only ratings due for re-review.")]
    = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every analysis with its newest rating, and whether a newer run awaits re-review.

    Example:  evidencehub grade list --stale --json
    """
    from evidencehub.store.repo.analyses import list_analyses
    from evidencehub.store.repo.grade import latest_ratings

    def work(session: Session) -> list[dict[str, Any]]:
        ratings = latest_ratings(session)
        rows = []
        for analysis in list_analyses(session):
            r = ratings.get(analysis.slug)
            rows.append({"analysis": analysis.slug,
                         "certainty": r.certainty if r else None,
                         "run_id": r.run_id if r else None,
                         "latest_run_id": r.latest_run_id if r else None,
                         "rater": r.rater if r else None,
                         "recorded_at": r.recorded_at.isoformat() if r else None,
                         "stale": r.stale if r else None})
        return rows

    rows = in_store(db, work)
    if stale:
        rows = [row for row in rows if row["stale"]]
    if json_out:
        print_json(rows)
        return
    from rich.table import Table

    table = Table("analysis", "certainty", "run", "rater", "re-review")
    for row in rows:
        table.add_row(row["analysis"], row["certainty"] or "not rated",
                      str(row["run_id"] or ""), row["rater"] or "",
                      f"yes (run {row['latest_run_id']})" if row["stale"] else "")
    console.print(table)


def sof(
    slugs: Annotated[list[str], typer.Argument(help="The analyses, one row each.",
                                               show_default=False)],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write .html, .csv or "
                                                ".json.", show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="The table's title.",
                                              show_default=False)] = None,
    baseline_risk: Annotated[float | None, typer.Option(
        "--baseline-risk", help="Assumed control risk (0-1) for the absolute effects of binary "
        "outcomes. Default: the median control-group risk of the studies.",
        show_default=False)] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The summary-of-findings table of rated analyses, in GRADE's layout.

    Example:  evidencehub grade sof islets-hba1c islets-hypoglycaemia -o sof.html
    """
    if output is not None:
        check_output_file(output, "--output", (".html", ".csv", ".json"))
    if baseline_risk is not None and not 0 < baseline_risk < 1:
        raise InputError(f"--baseline-risk {baseline_risk}: give a proportion between 0 and 1")
    from evidencehub.grade.certainty import sof_csv, sof_html
    from evidencehub.grade.certainty_service import rated, sof_of

    def work(session: Session) -> list[tuple[Judged, StoredRating]]:
        found = []
        for slug in slugs:
            pair = rated(session, slug)
            if pair is None:
                raise InputError(f"analysis {slug!r} has no rating yet; rate it with "
                                 f"'grade rate {slug}'")
            found.append(pair)
        return found

    pairs = in_store(db, work)
    rows = [sof_of(judged, baseline_risk=baseline_risk) for judged, _ in pairs]
    first = pairs[0][0].analysis.comparison
    intervention, comparison = " or ".join(first.experimental), " or ".join(first.control)
    heading = title or f"{intervention} compared with {comparison or 'nothing'}"
    data = {"title": heading, "rows": [r.to_dict() for r in rows],
            "stale": [j.analysis.slug for j, s in pairs if s.stale]}
    if output is None:
        if json_out:
            print_json(data)
        else:
            console.print(sof_csv(rows, intervention=intervention, comparison=comparison),
                          highlight=False, markup=False)
        return
    suffix = output.suffix.lower()
    if suffix == ".json":
        import json

        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif suffix == ".csv":
        text = sof_csv(rows, intervention=intervention, comparison=comparison)
    else:
        text = sof_html(rows, title=heading, intervention=intervention, comparison=comparison)
    output.parent.mkdir(parents=True, exist_ok=True)  # a missing directory, as the check allows
    output.write_text(text, encoding="utf-8")
    for slug in data["stale"]:
        console.print(f"note: the rating of {slug} judged an older run; re-rate it",
                      highlight=False)
    console.print(f"wrote {output} ({len(rows)} outcomes)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``grade`` command group."""
    grade_app.command("flag")(flag)
    grade_app.command("show")(show)
    grade_app.command("rate")(rate_command)
    grade_app.command("list")(list_command)
    grade_app.command("sof")(sof)
    app.add_typer(grade_app)
