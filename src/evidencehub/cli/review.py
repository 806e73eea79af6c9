"""``evidencehub review …``: systematic reviews from search to included studies.

``create`` a review (``list``, ``member``), bring records in with ``search`` (files, through
the importer) or ``add`` (a query of the store), screen them with ``next`` and ``decide``
(``undo`` to step back), settle disagreements with ``conflicts`` and ``resolve``, follow full
texts with ``fulltext``, read the state with ``status``, ``history`` and ``prisma``, turn the
included reports into ``studies``, and exchange decisions with other tools (``import``,
``export``); ``simulate`` replays a labelled screening (:mod:`._review_simulate`). Every
command is one transaction and names its actor. Docs: docs/review.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidencehub.cli._common import ActorOption, DbOption, JsonOption, console, print_json
from evidencehub.cli._paths import check_output_file
from evidencehub.cli._review_simulate import add_simulate
from evidencehub.cli._store import actor_of, choice, in_store, store_engine
from evidencehub.errors import InputError
from evidencehub.vocab import (
    OtherMethod,
    RetrievalStatus,
    ReviewerRole,
    ScreeningLabel,
    ScreeningStage,
    SearchKind,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidencehub.model import Record, ScreeningDecision
    from evidencehub.review.screening import RecordStage
    from evidencehub.review.service import ReviewState

__all__ = ["register", "review_app"]

review_app = typer.Typer(
    name="review", no_args_is_help=True,
    help="Systematic reviews: searches, dual blinded screening with priority, conflicts, "
    "PRISMA 2020.\n\nExample:  evidencehub review create t1d-islets --title 'Islet "
    "transplantation in type 1 diabetes' --criterion P1='Not type 1 diabetes'")  # fmt: skip

SlugArg = Annotated[str, typer.Argument(help="The review's short name.", show_default=False)]
RecordArg = Annotated[
    str,
    typer.Argument(
        help="The record: the id 'review next' shows, or doi:… / pmid:….", show_default=False
    ),
]
ReviewerOption = Annotated[
    str, typer.Option("--reviewer", help="Who decides (an actor name).", show_default=False)
]
StageOption = Annotated[str, typer.Option("--stage", help="title-abstract or full-text.")]
ReasonOption = Annotated[
    str | None,
    typer.Option(
        "--reason", help="Exclusion reason: a criterion id of the review.", show_default=False
    ),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="A note kept with the decision.",
                                                show_default=False)]  # fmt: skip

def _stage(value: str) -> ScreeningStage:
    return choice(value, ScreeningStage, "--stage")


def _record_json(record_id: int, record: Record | None) -> dict[str, Any]:
    if record is None:
        return {"id": record_id}
    return {
        "id": record_id, "key": record.key, "title": record.title, "abstract": record.abstract,
        "authors": [a.display for a in record.authors], "year": record.year,
        "journal": record.journal, "doi": record.doi, "pmid": record.pmid,
    }  # fmt: skip


def _standing_json(standing: RecordStage, viewer: str, state: ReviewState) -> dict[str, Any]:
    from evidencehub.review.service import votes_json

    return {
        "record": standing.record_id, "stage": standing.stage.value,
        "standing": standing.standing.value,
        "outcome": standing.outcome.value if standing.outcome else None,
        "reason": standing.reason,
        "votes": votes_json(standing, viewer, blinded=state.review.blinded),
    }  # fmt: skip


# --------------------------------------------------------------------------- create, member


def _criterion(text: str) -> dict[str, str]:
    code, sep, words = text.partition("=")
    if not sep or not code.strip() or not words.strip():
        raise InputError(f"--criterion: expected ID=TEXT, got {text!r}")
    return {"code": code.strip(), "text": words.strip()}


def _member(text: str) -> dict[str, str]:
    name, sep, role = text.rpartition("=")
    if not sep or not name.strip():
        raise InputError(f"--reviewer: expected NAME=ROLE, got {text!r}")
    return {"name": name.strip(), "role": choice(role.strip(), ReviewerRole, "--reviewer").value}


def create(
    slug: SlugArg,
    title: Annotated[str, typer.Option("--title", help="The review's title.", show_default=False)],
    screeners: Annotated[
        int, typer.Option("--screeners", help="Independent screeners each record needs: 1 or 2.")
    ] = 2,
    criterion: Annotated[
        list[str] | None,
        typer.Option(
            "--criterion",
            help="An eligibility criterion as ID=TEXT (repeat); exclusion reasons name these ids.",
            show_default=False,
        ),
    ] = None,
    reviewer: Annotated[
        list[str] | None,
        typer.Option(
            "--reviewer",
            help="A reviewer as NAME=ROLE, ROLE screener, resolver or lead "
            "(repeat). Screeners may also join by deciding.",
            show_default=False,
        ),
    ] = None,
    population: Annotated[
        str | None,
        typer.Option("--population", show_default=False, help="P of the question (PICO)."),
    ] = None,
    intervention: Annotated[
        str | None, typer.Option("--intervention", show_default=False, help="I of the question.")
    ] = None,
    comparator: Annotated[
        str | None, typer.Option("--comparator", show_default=False, help="C of the question.")
    ] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", show_default=False, help="O of the question.")
    ] = None,
    title_abstract_only: Annotated[
        bool,
        typer.Option(
            "--title-abstract-only", help="Screen titles and abstracts only (no full-text stage)."
        ),
    ] = False,
    unblinded: Annotated[
        bool,
        typer.Option(
            "--unblinded",
            help="Let screeners see each other's votes before both have "
            "decided (blinded by default).",
        ),
    ] = False,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Create a review: its question, eligibility criteria, reviewers and screening rules.

    Example:  evidencehub review create t1d-islets --title "Islet transplantation in type 1 diabetes" --screeners 2 --criterion P1="Not type 1 diabetes" --criterion S1="Not a clinical study" --reviewer ana=screener --reviewer ben=screener --reviewer cy=resolver
    """
    from evidencehub.model import Review, validate
    from evidencehub.review.service import create as create_review

    stages = [ScreeningStage.TITLE_ABSTRACT.value]
    if not title_abstract_only:
        stages.append(ScreeningStage.FULL_TEXT.value)
    review = validate(Review, {
        "slug": slug, "title": title, "screeners": screeners, "blinded": not unblinded,
        "question": {"population": population, "intervention": intervention,
                     "comparator": comparator, "outcome": outcome},
        "criteria": [_criterion(c) for c in criterion or ()],
        "members": [_member(m) for m in reviewer or ()], "stages": stages,
    }, source="review create")  # fmt: skip
    in_store(db, lambda session: create_review(session, review, actor_of(actor)), create=True)
    if json:
        print_json(review.model_dump(mode="json"))
    else:
        console.print(
            f"review {slug!r} created: {screeners} screener(s) per record, "
            f"{'blinded' if review.blinded else 'unblinded'}",
            highlight=False,
        )


def member(
    slug: SlugArg,
    name: Annotated[str, typer.Argument(help="The reviewer (an actor name).", show_default=False)],
    role: Annotated[str, typer.Option("--role", help="screener, resolver or lead.")] = "screener",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Add a reviewer to a review, or change their role.

    Example:  evidencehub review member t1d-islets cy --role resolver
    """
    from evidencehub.model import ReviewMember
    from evidencehub.store.repo.reviews import get_review, set_member

    who = ReviewMember(name=name, role=choice(role, ReviewerRole, "--role"))

    def work(session: Session) -> None:
        review_id, _ = get_review(session, slug)
        set_member(session, review_id, who)

    in_store(db, work, writes=True)
    if json:
        print_json({"review": slug, **who.model_dump(mode="json")})
    else:
        console.print(f"{name} is a {who.role.value} of {slug!r}", highlight=False)


# --------------------------------------------------------------------------- searches


def _search_json(search: Any, new: bool) -> dict[str, Any]:
    return {"new": new, **search.model_dump(mode="json")}


def search(
    slug: SlugArg,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files the search returned (any format 'evidencehub import' reads).",
            show_default=False,
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="What was searched: PubMed, Embase, CENTRAL, ClinicalTrials.gov…",
            show_default=False,
        ),
    ],
    kind: Annotated[
        str, typer.Option("--kind", help="database, register or other (PRISMA 2020's columns).")
    ] = "database",
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="For --kind other: website, organisation or citation-searching.",
            show_default=False,
        ),
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", help="The search string as run.", show_default=False)
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="When it was run: YYYY-MM-DD.", show_default=False)
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="auto or a format of 'evidencehub import'.")
    ] = "auto",
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Import the files of one search and add their records to the review.

    The files go through the normal importer (deduplicated against the store, stored as import events) and the search records its source, query, date and how many records it returned, in the same transaction. Running the same search on the same files again records nothing new.

    Example:  evidencehub review search t1d-islets pubmed.xml --source PubMed --query "islet transplantation AND type 1 diabetes" --date 2026-11-30
    """
    from evidencehub.ingest.importer import import_paths
    from evidencehub.model import Search, validate
    from evidencehub.review.service import record_import_search
    from evidencehub.store.repo._common import utc_now

    who = actor_of(actor)
    spec = validate(Search, {
        "source": source, "kind": choice(kind, SearchKind, "--kind").value, "query": query,
        "method": None if method is None else choice(method, OtherMethod, "--method").value,
        "run_on": _date(date), "n_returned": 0, "actor": who.name, "recorded_at": utc_now(),
    }, source="review search")  # fmt: skip
    recorded: list[tuple[Search, bool]] = []

    def then(session: Session, report: Any) -> None:
        recorded.append(record_import_search(session, slug, report.import_ids, spec))

    engine = store_engine(db)
    try:
        report = import_paths(engine, paths, fmt=fmt, actor=who, then=then)
    finally:
        engine.dispose()
    found, new = recorded[0]
    if json:
        print_json({"review": slug, "search": _search_json(found, new), "import": report.to_dict()})
    else:
        what = "recorded" if new else "already recorded (nothing new)"
        console.print(
            f"search {found.id} of {source}: {found.n_returned} record(s) returned, {what}",
            highlight=False,
        )


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date: expected YYYY-MM-DD, got {text!r}") from None


def add(
    slug: SlugArg,
    query: Annotated[
        str,
        typer.Option(
            "--query",
            help="Words to find in stored titles and abstracts (full-text search).",
            show_default=False,
        ),
    ],
    source: Annotated[
        str, typer.Option("--source", help="Name of this search in the PRISMA flow.")
    ] = "evidencehub library",
    kind: Annotated[str, typer.Option("--kind", help="database, register or other.")] = "database",
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="For --kind other: website, organisation or citation-searching.",
            show_default=False,
        ),
    ] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Add records already in the store that match a query, as one search of the review (a search of the hub's library, counted as a database search unless --kind says otherwise).

    Example:  evidencehub review add t1d-islets --query "islet transplantation"
    """
    from evidencehub.model import Search, validate
    from evidencehub.review.service import add_query_search
    from evidencehub.store.repo._common import utc_now

    spec = validate(Search, {
        "source": source, "kind": choice(kind, SearchKind, "--kind").value, "query": query,
        "method": None if method is None else choice(method, OtherMethod, "--method").value,
        "run_on": dt.date.today(), "n_returned": 0, "actor": actor_of(actor).name,
        "recorded_at": utc_now(),
    }, source="review add")  # fmt: skip
    found, new = in_store(db, lambda session: add_query_search(session, slug, query, spec))
    if json:
        print_json({"review": slug, "search": _search_json(found, new)})
    else:
        what = "recorded" if new else "already recorded (nothing new)"
        console.print(
            f"search {found.id}: {found.n_returned} record(s) matched, {what}", highlight=False
        )


# --------------------------------------------------------------------------- screening


def next_records(
    slug: SlugArg,
    reviewer: ReviewerOption,
    n: Annotated[int, typer.Option("--n", help="How many records.", min=1)] = 1,
    stage: StageOption = "title-abstract",
    order: Annotated[
        str | None,
        typer.Option(
            "--order",
            help="priority (the default: a model learns from the decisions so far), "
            "random, or import (the order records entered the review).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The records this reviewer should screen next, most likely relevant first.

    Records the reviewer has decided, and records that already have the votes they need, are left out. Blinded reviews never show another reviewer's vote here.

    Example:  evidencehub review next t1d-islets --reviewer ana --n 5 --json
    """
    from evidencehub.review.queue import next_for

    chosen = _stage(stage)
    batch = in_store(
        db, lambda session: next_for(session, slug, reviewer, chosen, n=n, order=order),
        writes=True,  # the ranking a retrain makes is stored for the next call
    )
    if json:
        print_json({
            "review": slug, "reviewer": reviewer, "stage": chosen.value, "order": batch.order,
            "model": batch.model,
            "remaining": batch.remaining,
            "records": [_record_json(i, batch.records.get(i)) for i in batch.record_ids],
        })  # fmt: skip
        return
    if not batch.record_ids:
        console.print(f"Nothing left for {reviewer} to screen at {chosen.value}.", highlight=False)
        return
    for record_id in batch.record_ids:
        record = batch.records.get(record_id)
        console.print(f"[bold]{record_id}[/bold]  {record.title if record else ''}")
        if record is not None and record.abstract:
            console.print(record.abstract, highlight=False)
        console.print()
    console.print(
        f"{batch.remaining} record(s) left for {reviewer} ({batch.order} order)", highlight=False
    )


def _print_decision(decision: Any, standing: RecordStage, state: ReviewState, json: bool) -> None:
    from evidencehub.review.service import decision_json

    if json:
        print_json(
            {
                "review": state.review.slug,
                "decision": decision_json(decision),
                "record": _standing_json(standing, decision.reviewer, state),
            }
        )
        return
    what = decision.label.value if decision.label else f"undo of decision {decision.undoes}"
    console.print(
        f"decision {decision.id}: {decision.reviewer} {what} record "
        f"{decision.record_id} ({decision.stage.value}); the record is "
        f"{standing.standing.value}",
        highlight=False,
    )


def _record_decision(db: str | None, slug: str, record: str, json: bool,
                     make: Callable[[Session, ReviewState, int], ScreeningDecision]) -> None:
    """Load the review, let ``make`` store one decision on ``record`` (the service checks
    who may), and print it with where the record stands after it; one transaction."""
    from evidencehub.review.service import load, record_id_of, with_decision

    def work(session: Session) -> tuple[ScreeningDecision, ReviewState]:
        state = load(session, slug)
        made = make(session, state, record_id_of(session, state, record))
        return made, with_decision(state, made)

    made, state = in_store(db, work, writes=True)
    _print_decision(made, state.standing(made.record_id, made.stage), state, json)


def decide(
    slug: SlugArg,
    record: RecordArg,
    label: Annotated[str, typer.Argument(help="include, exclude or maybe.", show_default=False)],
    reviewer: ReviewerOption,
    stage: StageOption = "title-abstract",
    reason: ReasonOption = None,
    note: NoteOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Record a reviewer's decision on a record (append-only: deciding again is a new decision, the old one stays in the history).

    Example:  evidencehub review decide t1d-islets 42 exclude --reviewer ana --reason P1
    """
    from evidencehub.review.service import decide as record_decision

    chosen, at = choice(label, ScreeningLabel, "LABEL"), _stage(stage)
    _record_decision(db, slug, record, json, lambda session, state, record_id: record_decision(
        session, state, record_id, chosen, reviewer, stage=at, reason=reason, note=note))


def undo(
    slug: SlugArg,
    record: RecordArg,
    reviewer: ReviewerOption,
    stage: StageOption = "title-abstract",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Withdraw the reviewer's newest decision on a record (kept in the history as undone).

    Example:  evidencehub review undo t1d-islets 42 --reviewer ana
    """
    from evidencehub.review.service import undo as undo_decision

    at = _stage(stage)
    _record_decision(db, slug, record, json, lambda session, state, record_id: undo_decision(
        session, state, record_id, reviewer, stage=at))


def conflicts(
    slug: SlugArg,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Only this stage.", show_default=False)
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Records whose screeners disagree and that nobody has resolved yet, with the votes.

    Example:  evidencehub review conflicts t1d-islets --json
    """
    from evidencehub.review.service import conflicts as list_conflicts
    from evidencehub.review.service import decision_json, load
    from evidencehub.store.repo.records import records_by_id

    chosen = None if stage is None else _stage(stage)

    def work(session: Session) -> tuple[list[RecordStage], dict[int, Record]]:
        found = list_conflicts(load(session, slug), chosen)
        return found, records_by_id(session, [c.record_id for c in found])

    found, records = in_store(db, work)
    if json:
        print_json([{
            "record": _record_json(c.record_id, records.get(c.record_id)),
            "stage": c.stage.value,
            "votes": [decision_json(v) for v in c.votes.values()],
        } for c in found])  # fmt: skip
        return
    if not found:
        console.print("No conflicts.", highlight=False)
    for c in found:
        record = records.get(c.record_id)
        votes = ", ".join(
            f"{v.reviewer}: {v.label.value if v.label else '-'}"
            + (f" ({v.reason})" if v.reason else "")
            for v in c.votes.values()
        )
        console.print(
            f"{c.record_id} [{c.stage.value}] {record.title if record else ''}\n    {votes}",
            highlight=False,
        )


def resolve(
    slug: SlugArg,
    record: RecordArg,
    label: Annotated[str, typer.Argument(help="include or exclude.", show_default=False)],
    reviewer: ReviewerOption,
    stage: StageOption = "title-abstract",
    reason: ReasonOption = None,
    note: NoteOption = None,
    consensus: Annotated[
        bool,
        typer.Option(
            "--consensus",
            help="Record the screeners' agreed decision after discussion (any "
            "member), instead of a resolver's.",
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Settle a conflict: a resolver's decision (or the screeners' consensus) is recorded as its own decision; the votes stay as they were.

    Example:  evidencehub review resolve t1d-islets 42 include --reviewer cy
    """
    from evidencehub.review.service import resolve as resolve_conflict

    chosen, at = choice(label, ScreeningLabel, "LABEL"), _stage(stage)
    _record_decision(db, slug, record, json, lambda session, state, record_id: resolve_conflict(
        session, state, record_id, chosen, reviewer, stage=at, reason=reason, note=note,
        consensus=consensus))


def history(
    slug: SlugArg,
    record: RecordArg,
    reviewer: ReviewerOption,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Every decision on a record that this reviewer may see, oldest first (with blinding, another reviewer's votes appear once the record has all its votes).

    Example:  evidencehub review history t1d-islets 42 --reviewer ana --json
    """
    from evidencehub.review.screening import Standing
    from evidencehub.review.service import decision_json, load, record_id_of

    def work(session: Session) -> list[Any]:
        state = load(session, slug)
        record_id = record_id_of(session, state, record)
        shown = []
        for decision in state.decisions:
            if decision.record_id != record_id:
                continue
            standing = state.standing(record_id, decision.stage)
            if (
                decision.reviewer == reviewer
                or not state.review.blinded
                or standing.standing is not Standing.AWAITING
            ):
                shown.append(decision)
        return shown

    shown = in_store(db, work)
    if json:
        print_json([decision_json(d) for d in shown])
        return
    for d in shown:
        what = d.label.value if d.label else f"undo of {d.undoes}"
        console.print(
            f"{d.decided_at:%Y-%m-%d %H:%M} {d.stage.value} {d.reviewer}: {what}"
            + (f" ({d.reason})" if d.reason else "")
            + (f" — {d.note}" if d.note else ""),
            highlight=False,
        )


def fulltext(
    slug: SlugArg,
    record: RecordArg,
    status: Annotated[
        str, typer.Argument(help="sought, retrieved or not-retrieved.", show_default=False)
    ],
    link: Annotated[
        str | None,
        typer.Option(
            "--link", help="Where the full text is: a URL or a file path.", show_default=False
        ),
    ] = None,
    note: NoteOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Record where a report's full text stands (sought, retrieved with a link or file, or not retrieved); the PRISMA flow counts reports sought and not retrieved from these.

    Example:  evidencehub review fulltext t1d-islets 42 retrieved --link https://doi.org/10.1056/NEJMoa061267
    """
    from evidencehub.review.service import load, record_full_text, record_id_of

    chosen = choice(status, RetrievalStatus, "STATUS")
    who = actor_of(actor).name

    def work(session: Session) -> Any:
        state = load(session, slug)
        return record_full_text(
            session, state, record_id_of(session, state, record), chosen, who, link=link, note=note
        )

    entry = in_store(db, work, writes=True)
    if json:
        print_json({"review": slug, **entry.model_dump(mode="json")})
    else:
        console.print(f"record {entry.record_id}: full text {entry.status.value}", highlight=False)


def studies(
    slug: SlugArg,
    design: Annotated[
        str | None,
        typer.Option(
            "--design",
            help="Design of new studies whose reports state none in their publication "
            "types (e.g. cohort).",
            show_default=False,
        ),
    ] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Make studies of the included reports: reports sharing a trial registration are one study; a report already in a study joins it. Running it again changes nothing.

    Example:  evidencehub review studies t1d-islets --design cohort --json
    """
    from evidencehub.review.service import load
    from evidencehub.review.studies import include_studies
    from evidencehub.vocab import StudyDesign

    chosen = None if design is None else choice(design, StudyDesign, "--design")
    who = actor_of(actor)
    found = in_store(
        db,
        lambda session: include_studies(session, load(session, slug), who, design=chosen),
        writes=True,
    )
    if json:
        print_json(
            [
                {
                    "study": s.key,
                    "records": list(s.record_ids),
                    "trial_ids": list(s.trial_ids),
                    "created": s.created,
                }
                for s in found
            ]
        )
        return
    for s in found:
        console.print(
            f"{s.key}: {len(s.record_ids)} report(s)"
            + (f", {', '.join(s.trial_ids)}" if s.trial_ids else "")
            + (" (new)" if s.created else ""),
            highlight=False,
        )
    console.print(f"{len(found)} included stud{'y' if len(found) == 1 else 'ies'}", highlight=False)


def status(
    slug: SlugArg,
    target_recall: Annotated[float, typer.Option(
        "--target-recall", help="Recall the stopping test asks for.", min=0.01, max=0.99)] = 0.95,
    confidence: Annotated[float, typer.Option(
        "--confidence", help="Confidence of the stopping test.", min=0.5, max=0.999)] = 0.95,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Where the review stands: records per stage (awaiting, in conflict, included, excluded), each reviewer's progress, agreement per pair of reviewers (percent agreement, Cohen's kappa with its 95% CI, PABAK, Gwet's AC1), and at title and abstract the estimated recall with a stopping recommendation.

    Example:  evidencehub review status t1d-islets --json
    """
    from evidencehub.review.service import load
    from evidencehub.review.status import review_status

    found = in_store(db, lambda session: review_status(
        load(session, slug), target_recall=target_recall, confidence=confidence))
    if json:
        print_json(found.to_dict())
        return
    console.print(found.summary(), highlight=False)


def prisma(
    slug: SlugArg,
    svg: Annotated[
        Path | None,
        typer.Option("--svg", help="Write the flow diagram as SVG.", show_default=False),
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option("--png", help="Write the flow diagram as PNG.", show_default=False),
    ] = None,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Write the counts in the CSV layout the PRISMA2020 R package and Shiny app read.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The PRISMA 2020 flow of the review, derived from its searches, merges, decisions and full-text marks (never typed); every box is checked to add up.

    JSON keys are the PRISMA2020 R package's (database_results, register_results, duplicates, records_screened, records_excluded, dbr_sought_reports, dbr_notretrieved_reports, dbr_assessed, dbr_excluded, new_studies, new_reports…), plus counts of records still waiting.

    Example:  evidencehub review prisma t1d-islets --svg prisma.svg --csv prisma.csv
    """
    from evidencehub.review.flow import review_flow
    from evidencehub.review.service import load

    for path, option, suffix in ((svg, "--svg", ".svg"), (png, "--png", ".png"),
                                 (csv, "--csv", ".csv")):  # fmt: skip
        if path is not None:
            check_output_file(path, option, (suffix,))
    flow = in_store(db, lambda session: review_flow(session, load(session, slug)))
    for path in (svg, png, csv):  # a missing directory is created, as the check allows
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    if svg is not None or png is not None:
        from evidencehub.publish.prisma_plot import prisma_plot

        for path in (svg, png):
            if path is not None:
                prisma_plot(flow, path=path)
    if csv is not None:
        from evidencehub.review.prisma_csv import prisma_csv

        csv.write_text(prisma_csv(flow), encoding="utf-8")
    if json:
        print_json(flow.to_dict())
    else:
        console.print(flow.summary(), highlight=False)


def export(
    slug: SlugArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv (one row per record, every "
                                     "reviewer's decision), ris (decisions in N1 notes) or "
                                     "asreview (ASReview LAB reads its labels).")] = "csv",
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.",
                                         show_default=False)] = Path("review.csv"),
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Export the review's records with their decisions, for people, spreadsheets, reference managers or ASReview LAB.

    Example:  evidencehub review export t1d-islets --format asreview -o t1d-islets.csv
    """
    from evidencehub.review.exchange import export_rows
    from evidencehub.review.exports import ExportFormat, write_export
    from evidencehub.review.service import load

    chosen = choice(fmt, ExportFormat, "--format")
    check_output_file(output, "--output", (".ris",) if chosen is ExportFormat.RIS
                      else (".csv",))  # fmt: skip
    rows = in_store(db, lambda session: export_rows(session, load(session, slug)))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as stream:
        written = write_export(chosen, rows, stream)
    if json:
        print_json({"review": slug, "format": chosen.value, "path": str(output),
                    "records": written})
    else:
        console.print(f"{written} record(s) written to {output}", highlight=False)


def import_decisions(
    slug: SlugArg,
    path: Annotated[Path, typer.Argument(help="An export of Rayyan, Covidence, ASReview LAB "
                                         "or evidencehub (CSV, TSV or RIS).",
                                         show_default=False)],
    tool: Annotated[str | None, typer.Option(
        "--tool", help="rayyan, covidence, asreview or evidencehub (detected when not given).",
        show_default=False)] = None,
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help="Whose decisions these are, for exports that name nobody "
        "(Covidence; ASReview LAB without accounts).", show_default=False)] = None,
    stage: Annotated[str | None, typer.Option(
        "--stage", help="title-abstract or full-text, for Rayyan and ASReview exports "
        "(title-abstract by default).", show_default=False)] = None,
    covidence_list: Annotated[str | None, typer.Option(
        "--covidence-list", help="The Covidence list the file holds (screen, irrelevant, "
        "select, included, excluded) when its name does not say.", show_default=False)] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the rows that can be "
                                           "read; list the others.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Import screening decisions from another tool's export into the review.

    Each exported record is matched to the review's records as the importer matches duplicates; only sure matches carry decisions in (others are listed). Votes are recorded as imported decisions under the tool's reviewer names; Covidence's lists, which hold the review's outcome, settle the records. Importing the same file again records nothing. Formats: docs/review.md.

    Example:  evidencehub review import t1d-islets articles.csv --tool rayyan
    """
    from evidencehub.review.exchange import import_decisions as record_decisions
    from evidencehub.review.interop import read_decisions
    from evidencehub.review.service import load

    found = read_decisions(path, tool=tool, reviewer=reviewer,
                           stage=None if stage is None else _stage(stage),
                           covidence_list=covidence_list)
    report = in_store(db, lambda session: record_decisions(session, load(session, slug), found,
                                                           skip_bad=skip_bad), writes=True)
    if json:
        print_json({"review": slug, **report.to_dict()})
    else:
        console.print(report.summary(), highlight=False)


def list_command(
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """List the reviews in the store: slug, title, screening rules, criteria and reviewers.

    Example:  evidencehub review list --json
    """
    from evidencehub.store.repo.reviews import list_reviews

    found = in_store(db, list_reviews)
    if json:
        print_json([review.model_dump(mode="json") for review in found])
        return
    if not found:
        console.print("No reviews yet: evidencehub review create SLUG --title T", highlight=False)
    for review in found:
        people = ", ".join(f"{m.name} ({m.role.value})" for m in review.members) or "no reviewers yet"
        console.print(f"{review.slug}: {review.title} — {review.screeners} screener(s), "
                      f"{'blinded' if review.blinded else 'unblinded'}, "
                      f"{len(review.criteria)} criteria; {people}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``review`` command group."""
    review_app.command("create")(create)
    review_app.command("list")(list_command)
    review_app.command("member")(member)
    review_app.command("search")(search)
    review_app.command("add")(add)
    review_app.command("next")(next_records)
    review_app.command("decide")(decide)
    review_app.command("undo")(undo)
    review_app.command("conflicts")(conflicts)
    review_app.command("resolve")(resolve)
    review_app.command("history")(history)
    review_app.command("fulltext")(fulltext)
    review_app.command("studies")(studies)
    review_app.command("status")(status)
    review_app.command("prisma")(prisma)
    review_app.command("export")(export)
    review_app.command("import")(import_decisions)
    add_simulate(review_app)
    app.add_typer(review_app)
