"""``evidencehub rob …``: risk of bias with RoB 2 and ROBINS-I, per study and outcome.

``questions`` lists RoB 2's signalling questions; ``assess`` records one reviewer's answers and
judgements (RoB 2 proposes each domain from the answers; a judgement against the proposal needs
a reason); ``compare`` shows where two reviewers differ; ``consensus`` records the agreed
assessment; ``list`` shows what counts per study; ``plot`` draws robvis's traffic-light or
weighted summary plot. Docs: docs/risk-of-bias.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidencehub.cli._common import ActorOption, DbOption, JsonOption, console, print_json
from evidencehub.cli._paths import check_output_file
from evidencehub.cli._store import actor_of, in_store
from evidencehub.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidencehub.grade.rob.assessment import Assessment, Choice

__all__ = ["register", "rob_app"]

rob_app = typer.Typer(
    name="rob", no_args_is_help=True,
    help="Risk of bias: RoB 2 (randomised trials) and ROBINS-I (non-randomised studies), dual "
    "assessment with consensus, robvis plots.\n\nExample:  evidencehub rob assess shapiro2006 "
    "--outcome 'insulin independence' --answers '1.1=Y 1.2=PY 1.3=N 2.1=Y 2.2=Y 2.3=N 2.6=Y "
    "3.1=Y 4.1=N 4.2=N 4.3=N 5.1=Y 5.2=N 5.3=N'")  # fmt: skip

StudyArg = Annotated[str, typer.Argument(help="The study's key.", show_default=False)]
OutcomeOption = Annotated[str, typer.Option("--outcome", help="The outcome assessed.",
                                            show_default=False)]  # fmt: skip
AnswerOption = Annotated[
    list[str] | None,
    typer.Option("--answers", help="Answers as 'QID=ANSWER …' (Y, PY, PN, N, NI, NA), "
                 "space-separated; repeatable.", show_default=False),
]  # fmt: skip
JudgeOption = Annotated[
    list[str] | None,
    typer.Option("--judge", help="A domain's judgement 'D2=high: reason' (or 'overall=…'); "
                 "required for every ROBINS-I domain; a reason when it differs from RoB 2's "
                 "proposal. Repeatable.", show_default=False),
]  # fmt: skip
SupportOption = Annotated[
    list[str] | None,
    typer.Option("--support", help="Support for a judgement, 'ID=text' (a question, a domain or "
                 "overall; quote with its page). Repeatable.", show_default=False),
]  # fmt: skip
ReviewOption = Annotated[str | None, typer.Option(
    "--review", help="The review this assessment belongs to (the assessor must be a member).",
    show_default=False)]  # fmt: skip
ScopeReviewOption = Annotated[str | None, typer.Option(
    "--review", help="The review's included studies.", show_default=False)]
ScopeAnalysisOption = Annotated[str | None, typer.Option(
    "--analysis", help="The studies an analysis pools (a summary plot is weighted by their "
    "weights in its newest run).", show_default=False)]
ScopeStudyOption = Annotated[list[str] | None, typer.Option(
    "--study", help="A study (repeatable).", show_default=False)]
EffectOption = Annotated[str, typer.Option(
    "--effect", help="assignment (intention to treat) or adherence (per protocol).")]
BetweenOption = Annotated[list[str] | None, typer.Option(
    "--between", help="The two reviewers to compare, when more assessed (repeat twice).",
    show_default=False)]  # fmt: skip


def _answers(values: Sequence[str] | None) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in " ".join(values or ()).replace(",", " ").split():
        qid, sep, answer = item.partition("=")
        if not sep or not qid or not answer:
            raise InputError(f"--answers: expected QID=ANSWER, got {item!r}")
        pairs[qid] = answer
    return pairs


def _pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values or ():
        key, sep, text = item.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise InputError(f"{option}: expected ID=VALUE, got {item!r}")
        pairs[key.strip()] = text.strip()
    return pairs


def _choices(values: Sequence[str] | None) -> dict[str, Choice]:
    from evidencehub.grade.rob.assessment import Choice

    return {code: Choice(*(part.strip() for part in text.partition(":")[::2]))
            for code, text in _pairs(values, "--judge").items()}


def _print_assessment(item: Assessment) -> None:
    console.print(item.summary(), highlight=False)


def questions(
    effect: EffectOption = "assignment",
    json_out: JsonOption = False,
) -> None:
    """List RoB 2's signalling questions, with when each is asked.

    Example:  evidencehub rob questions --effect adherence
    """
    from rich.table import Table

    from evidencehub.cli._store import choice
    from evidencehub.grade.rob import rob2
    from evidencehub.grade.rob.terms import Effect

    listed = rob2.questions(choice(effect, Effect, "--effect"))
    if json_out:
        print_json([q.to_dict() for q in listed])
        return
    table = Table("id", "question", "asked", "answers")
    for q in listed:
        table.add_row(q.id, q.text, q.condition or "always", " ".join(a.value for a in q.answers))
    console.print(table)


def assess(
    study: StudyArg,
    outcome: OutcomeOption,
    tool: Annotated[str, typer.Option("--tool", help="rob2 or robins-i.")] = "rob2",
    effect: Annotated[str | None, typer.Option("--effect", help="RoB 2: assignment (default) "
                                               "or adherence.", show_default=False)] = None,
    answers: AnswerOption = None,
    judge: JudgeOption = None,
    support: SupportOption = None,
    review: ReviewOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record one reviewer's risk-of-bias assessment of a study's outcome.

    Example:  evidencehub rob assess cohort2019 --outcome HbA1c --tool robins-i --judge D1=serious
    --judge D2=low --judge D3=low --judge D4=low --judge D5=moderate --judge D6=low --judge D7=low
    """
    from evidencehub.grade import rob_service as service
    from evidencehub.grade.rob.assessment import assess as build

    who = actor_of(actor).name
    item = build(tool, study=study, outcome=outcome, assessor=who,
                 answers=_answers(answers) or None, effect=effect, chosen=_choices(judge),
                 support=_pairs(support, "--support"))

    def work(session: Session) -> int:
        return service.record(session, item, review=review)

    in_store(db, work, writes=True)
    if json_out:
        print_json(item.to_dict())
    else:
        _print_assessment(item)


def compare_command(
    study: StudyArg,
    outcome: OutcomeOption,
    between: BetweenOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show where two reviewers' assessments of a study's outcome differ.

    Example:  evidencehub rob compare shapiro2006 --outcome 'insulin independence'
    """
    from evidencehub.grade import rob_service as service

    pair = in_store(db, lambda s: service.compare_two(s, study, outcome, between or ()))
    if json_out:
        print_json({"study": study, "outcome": outcome,
                    "assessors": [pair.first.assessor, pair.second.assessor],
                    "discrepancies": [d.to_dict() for d in pair.discrepancies]})
        return
    if not pair.discrepancies:
        console.print(f"{pair.first.assessor} and {pair.second.assessor} agree on every answer "
                      "and judgement.", highlight=False)
        return
    from rich.table import Table

    table = Table("kind", "item", pair.first.assessor, pair.second.assessor)
    for d in pair.discrepancies:
        table.add_row(d.kind, d.item, d.a, d.b)
    console.print(table)


def consensus_command(
    study: StudyArg,
    outcome: OutcomeOption,
    answers: AnswerOption = None,
    judge: JudgeOption = None,
    support: SupportOption = None,
    between: BetweenOption = None,
    review: ReviewOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record the agreed assessment of two reviewers' (every answer they differ on resolved).

    Example:  evidencehub rob consensus shapiro2006 --outcome 'insulin independence'
    --answers '1.2=Y'
    """
    from evidencehub.grade import rob_service as service

    who = actor_of(actor).name
    agreed = in_store(db, lambda s: service.agree(
        s, study, outcome, assessor=who, answers=_answers(answers), chosen=_choices(judge),
        support=_pairs(support, "--support"), between=between or (), review=review),
        writes=True)
    if json_out:
        print_json(agreed.to_dict())
    else:
        _print_assessment(agreed)


def _studies(session: Session, review: str | None, analysis: str | None,
             studies: Sequence[str]) -> tuple[list[str], dict[str, float]]:
    """The studies a plot shows, and their weights when an analysis gives them."""
    from evidencehub.analysis.run import RunResult
    from evidencehub.store.repo import analyses as analyses_repo
    from evidencehub.store.repo import reviews as reviews_repo

    if analysis is not None:
        run = analyses_repo.latest_run(session, analysis)
        if run is None or run.schema_version == 0:
            raise InputError(f"analysis {analysis!r} has no run yet; run 'analyze {analysis}'")
        rows = RunResult.from_dict(run.result).pooled_rows
        return [r.study_key for r in rows], {r.study_key: r.weight or 0.0 for r in rows}
    if review is not None:
        review_id, _ = reviews_repo.get_review(session, review)
        return list(reviews_repo.review_study_keys(session, review_id)), {}
    if not studies:
        raise InputError("give --review, --analysis or --study")
    return list(studies), {}


def list_command(
    outcome: OutcomeOption,
    review: ScopeReviewOption = None,
    analysis: ScopeAnalysisOption = None,
    study: ScopeStudyOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show the assessment that counts for each study's outcome (consensus, else the only one).

    Example:  evidencehub rob list --outcome HbA1c --review t1d-islets
    """
    from evidencehub.grade import rob_service as service

    def work(session: Session) -> tuple[list[str], dict[str, Assessment]]:
        keys, _ = _studies(session, review, analysis, study or ())
        return keys, service.counted(session, outcome, keys)

    keys, counted = in_store(db, work)
    if json_out:
        print_json([{"study": key, "assessment": counted[key].to_dict() if key in counted
                     else None} for key in keys])
        return
    from rich.table import Table

    table = Table("study", "tool", "assessor", "domains", "overall")
    for key in keys:
        item = counted.get(key)
        if item is None:
            table.add_row(key, "", "", "not assessed", "")
            continue
        domains = " ".join(f"{d.domain}:{d.chosen.value}" for d in item.domains)
        table.add_row(key, item.tool.label, item.assessor, domains, item.overall.chosen.value)
    console.print(table)


def plot(
    output: Annotated[Path, typer.Argument(help="The plot file, .svg or .png.",
                                           show_default=False)],
    outcome: OutcomeOption,
    kind: Annotated[str, typer.Option("--kind", help="traffic-light or summary.")]
    = "traffic-light",
    review: ScopeReviewOption = None,
    analysis: ScopeAnalysisOption = None,
    study: ScopeStudyOption = None,
    colour: Annotated[str, typer.Option("--colour", help="cochrane or colourblind.")]
    = "cochrane",
    db: DbOption = None,
) -> None:
    """Draw robvis's traffic-light plot or (weighted) summary plot of the assessments that count.

    Example:  evidencehub rob plot rob.svg --outcome HbA1c --analysis islets-hba1c --kind summary
    """
    if kind not in ("traffic-light", "summary"):
        raise InputError(f"--kind: unknown value {kind!r}; choose one of: traffic-light, summary")
    check_output_file(output, "plot", (".svg", ".png"))
    from evidencehub.grade import rob_service as service
    from evidencehub.publish.rob_plots import summary_plot, traffic_light_plot

    def work(session: Session) -> tuple[list[Assessment], dict[str, float]]:
        keys, weights = _studies(session, review, analysis, study or ())
        counted = service.counted(session, outcome, keys)
        return [counted[k] for k in keys if k in counted], weights

    chosen, weights = in_store(db, work)
    if not chosen:
        raise InputError(f"no study has a risk-of-bias assessment of {outcome!r} to plot")
    if kind == "summary":
        summary_plot(chosen, weights=weights or None, colour=colour, path=output)
    else:
        traffic_light_plot(chosen, colour=colour, path=output)
    console.print(f"wrote {output} ({len(chosen)} studies)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``rob`` command group."""
    rob_app.command("questions")(questions)
    rob_app.command("assess")(assess)
    rob_app.command("compare")(compare_command)
    rob_app.command("consensus")(consensus_command)
    rob_app.command("list")(list_command)
    rob_app.command("plot")(plot)
    app.add_typer(rob_app)
