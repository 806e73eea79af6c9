"""``evidencehub extract …``: data extraction of a review's included studies.

Show or extend the ``form``; two reviewers enter values independently (``set``, or a sheet
with ``import``) and take sheets out (``export``); ``compare`` reports their discrepancies field
by field; ``consensus`` records the agreed values (conversions on request) and writes the
outcome data that analyses pool; ``revman`` writes an analysis's data for RevMan 5. Every
command is one transaction. Docs: docs/extraction.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidencehub.cli._common import DbOption, JsonOption, console, print_json
from evidencehub.cli._paths import check_output_file
from evidencehub.cli._store import actor_of, choice, in_store
from evidencehub.errors import InputError
from evidencehub.vocab import ExtractionBasis, ExtractionLevel, FieldKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidencehub.review.extraction import Entry, ItemComparison
    from evidencehub.review.extraction_service import ExtractionState

__all__ = ["extract_app", "register"]

extract_app = typer.Typer(
    name="extract", no_args_is_help=True,
    help="Data extraction: a form per review, two extractors, discrepancies, consensus into "
    "outcome data, sheets, RevMan 5.\n\nExample:  evidencehub extract set t1d-islets "
    "shapiro2006 mean=7.1 sd=1.2 n=25 --outcome hba1c --arm islets --as ana")  # fmt: skip

ReviewArg = Annotated[str, typer.Argument(help="The review's short name.", show_default=False)]
StudyArg = Annotated[str, typer.Argument(help="The study's key ('review studies' lists them).",
                                         show_default=False)]  # fmt: skip
AsOption = Annotated[str, typer.Option("--as", help="Who is writing (a member of the review).",
                                       show_default=False)]  # fmt: skip
OutcomeOption = Annotated[str | None, typer.Option(
    "--outcome", help="The outcome of arm-level fields.", show_default=False)]
ArmOption = Annotated[str | None, typer.Option(
    "--arm", help="The arm of arm-level fields (its label).", show_default=False)]
TimepointOption = Annotated[str | None, typer.Option(
    "--timepoint", help="The time point of arm-level fields ('12 months').", show_default=False)]


def _assignments(pairs: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for text in pairs:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{option}: expected FIELD=VALUE, got {text!r}")
        out.append((key.strip(), value))
    return out


def _entries(study: str, pairs: list[tuple[str, str]], outcome: str | None, arm: str | None,
             timepoint: str | None, locator: str | None) -> list[Entry]:
    from evidencehub.review.extraction import Entry

    return [Entry(study=study, field=key, value=value, outcome=outcome, arm=arm,
                  timepoint=timepoint, locator=locator) for key, value in pairs]


def _load(session: Session, review: str) -> ExtractionState:
    from evidencehub.review.extraction_service import load

    return load(session, review)


# --------------------------------------------------------------------------- form


def form(
    review: ReviewArg,
    add: Annotated[str | None, typer.Option(
        "--add", help="Add a field with this key (lower case, digits, _).",
        show_default=False)] = None,
    label: Annotated[str | None, typer.Option(
        "--label", help="The new field's label (default: its key).", show_default=False)] = None,
    kind: Annotated[str, typer.Option("--kind", help="text, number, integer or choice.")] = "text",
    level: Annotated[str, typer.Option(
        "--level", help="study (once per study) or arm (per arm, outcome, time point).")] = "study",
    choices: Annotated[str | None, typer.Option(
        "--choices", help="A choice field's choices, comma-separated.", show_default=False)] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="The new field's unit.",
                                             show_default=False)] = None,
    who: Annotated[str | None, typer.Option(
        "--as", help="Who adds the field. Default: your login name.", show_default=False)] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show the review's extraction form, or add a field to it (--add).

    The default form has the study characteristics (design, country, setting, population, n randomised, intervention, comparator, follow-up, funding) and an arm's numbers per outcome and time point (value_kind, n, mean, sd, events, total, median, q1, q3, minimum, maximum, se, ci_lb, ci_ub, and the inputs of conversions).

    Example:  evidencehub extract form t1d-islets --add cell_source --kind choice --choices "deceased donor,stem cell"
    """
    from evidencehub.model import ExtractionField, validate
    from evidencehub.review.extraction_service import add_field

    spec = None
    if add is not None:
        spec = validate(ExtractionField, {
            "key": add, "label": label or add, "unit": unit,
            "level": choice(level, ExtractionLevel, "--level"),
            "kind": choice(kind, FieldKind, "--kind"),
            "choices": tuple(c.strip() for c in (choices or "").split(",") if c.strip()),
        }, source="--add")  # fmt: skip

    def work(session: Session) -> ExtractionState:
        state = _load(session, review)
        return state if spec is None else add_field(session, state, spec, actor_of(who))

    state = in_store(db, work, writes=spec is not None)
    if json:
        print_json({"review": review, "fields": [f.model_dump(mode="json") for f in state.form]})
        return
    for item in state.form:
        extra = f" ({', '.join(item.choices)})" if item.choices else ""
        console.print(f"{item.key:<16} {item.level.value:<5} {item.kind.value:<7} "
                      f"{item.label}{extra}", highlight=False)


# --------------------------------------------------------------------------- entering values


def _print_recorded(done: Any, json: bool) -> None:
    if json:
        print_json(done.to_dict())
    else:
        console.print(f"{len(done.written)} value(s) recorded, {done.unchanged} unchanged",
                      highlight=False)


def set_values(
    review: ReviewArg,
    study: StudyArg,
    values: Annotated[list[str], typer.Argument(
        help="FIELD=VALUE (repeat); an empty VALUE clears the entry.", show_default=False)],
    who: AsOption,
    outcome: OutcomeOption = None,
    arm: ArmOption = None,
    timepoint: TimepointOption = None,
    locator: Annotated[str | None, typer.Option(
        "--locator", help="Where in the report: page, table, figure or a quote.",
        show_default=False)] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Enter values of one study as a reviewer (append-only: entering again is a newer entry; an equal one writes nothing).

    Arm-level fields (numbers of an arm) need --outcome and --arm, and --timepoint when the study reports several.

    Example:  evidencehub extract set t1d-islets shapiro2006 mean=7.1 se=0.3 n=25 --outcome hba1c --arm islets --timepoint "12 months" --locator "Table 2" --as ana
    """
    from evidencehub.review.extraction_service import record

    entries = _entries(study, _assignments(values, "FIELD=VALUE"), outcome, arm, timepoint,
                       locator)
    done = in_store(db, lambda session: record(session, _load(session, review), who, entries),
                    writes=True)
    _print_recorded(done, json)


def import_sheet(
    review: ReviewArg,
    sheet: Annotated[Path, typer.Argument(help="The reviewer's sheet (CSV).", show_default=False)],
    who: AsOption,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Read a reviewer's extraction sheet (the layout 'extract export' writes); every row is checked before anything is stored, and values equal to the reviewer's newest entries are skipped, so importing a sheet again writes nothing.

    Example:  evidencehub extract import t1d-islets ana.csv --as ana
    """
    from evidencehub.review.extraction_service import record
    from evidencehub.review.extraction_sheet import read_sheet

    def work(session: Session) -> Any:
        state = _load(session, review)
        return record(session, state, who, read_sheet(sheet, state.form),
                      basis=ExtractionBasis.IMPORTED)

    _print_recorded(in_store(db, work, writes=True), json)


def export_sheet(
    review: ReviewArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The sheet to write (.csv).",
                                         show_default=False)],
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help="Whose newest entries.", show_default=False)] = None,
    consensus: Annotated[bool, typer.Option("--consensus", help="The consensus values.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write one reviewer's newest entries, or the consensus, as a sheet (one value a row: study, level, outcome, arm, timepoint, field, value, locator, derivation).

    Example:  evidencehub extract export t1d-islets --reviewer ana -o ana.csv
    """
    from evidencehub.review.extraction_service import consensus_of, latest_of
    from evidencehub.review.extraction_sheet import write_sheet

    if (reviewer is None) == (not consensus):
        raise InputError("give --reviewer NAME or --consensus (one of them)")
    check_output_file(output, "--output", (".csv",))

    def work(session: Session) -> tuple[ExtractionState, list[Any]]:
        state = _load(session, review)
        if reviewer is not None:
            return state, latest_of(session, state, reviewer)
        return state, consensus_of(session, state)

    state, values = in_store(db, work)
    output.parent.mkdir(parents=True, exist_ok=True)
    written = write_sheet(output, values, state.form)
    if json:
        print_json({"review": review, "output": str(output), "rows": written})
    else:
        console.print(f"{written} value(s) written to {output}", highlight=False)


# --------------------------------------------------------------------------- compare, consensus


def _comparison_line(c: ItemComparison) -> str:
    study, outcome, arm, timepoint, key = c.item
    where = f"{study}" + (f" {outcome}/{arm}" + (f"/{timepoint}" if timepoint else "")
                          if outcome else "")
    values = "; ".join(f"{who}: {value if value is not None else '—'}"
                       for who, value in c.values.items())
    return f"{c.status.value:<10} {where} {key}  ({values})"


def compare_command(
    review: ReviewArg,
    study: Annotated[str | None, typer.Option("--study", help="Only this study.",
                                              show_default=False)] = None,
    everything: Annotated[bool, typer.Option(
        "--all", help="List agreed items too (the default lists the others).")] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The discrepancy report: each item the extractors entered, agree, differ or incomplete (some entered it, others did not), with each reviewer's value and locator. Numbers compare as numbers, text without case or extra spaces.

    Example:  evidencehub extract compare t1d-islets --study shapiro2006 --json
    """
    from evidencehub.review.extraction import ItemStatus
    from evidencehub.review.extraction_service import discrepancies

    report = in_store(db, lambda session: discrepancies(session, _load(session, review), study))
    counts = {s.value: sum(c.status is s for c in report) for s in ItemStatus}
    if json:
        print_json({"review": review, "study": study, "counts": counts,
                    "items": [c.to_dict() for c in report]})
        return
    for c in report:
        if everything or c.status is not ItemStatus.AGREE:
            console.print(_comparison_line(c), highlight=False)
    console.print(", ".join(f"{n} {status}" for status, n in counts.items()), highlight=False)


def consensus_command(
    review: ReviewArg,
    study: StudyArg,
    who: AsOption,
    take: Annotated[list[str] | None, typer.Option(
        "--take", help="FIELD=VALUE: the agreed value of an item (repeat); arm-level fields "
        "with --outcome, --arm and --timepoint.", show_default=False)] = None,
    outcome: OutcomeOption = None,
    arm: ArmOption = None,
    timepoint: TimepointOption = None,
    from_reviewer: Annotated[str | None, typer.Option(
        "--from-reviewer", help="Take this reviewer's entry for every item not agreed.",
        show_default=False)] = None,
    convert: Annotated[list[str] | None, typer.Option(
        "--convert", help="A conversion to apply (repeat): sd-from-se, sd-from-ci-z, "
        "sd-from-ci-t, sd-from-p, sd-from-t, mean-sd-from-median-iqr, "
        "mean-sd-from-median-range, mean-sd-from-median-iqr-range, "
        "sd-change-from-correlation.", show_default=False)] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Record a study's consensus: agreed items as they are, the others from --take or --from-reviewer, conversions applied on request (each derived number kept with its method and inputs). Every arm whose numbers are settled becomes outcome data (a new version when changed) that 'analysis add' and 'analyze' pool and 'trace' follows to the study's record. Running it again with nothing changed writes nothing.

    Example:  evidencehub extract consensus t1d-islets shapiro2006 --take mean=8.0 --outcome hba1c --arm insulin --timepoint "12 months" --convert sd-from-se --as cy
    """
    from evidencehub.review.extraction_service import consensus
    from evidencehub.stats.derive import CONVERSIONS

    known = {m.value: m for m in CONVERSIONS}
    for name in convert or ():
        if name not in known:
            raise InputError(f"--convert: unknown conversion {name!r}; choose one of: "
                             f"{', '.join(known)}")
    methods = [known[name] for name in convert or ()]
    taken = _entries(study, _assignments(take or [], "--take"), outcome, arm, timepoint, None)
    done = in_store(db, lambda session: consensus(
        session, _load(session, review), study, who, take=taken, from_reviewer=from_reviewer,
        methods=methods), writes=True)
    if json:
        print_json(done.to_dict())
        return
    console.print(f"{len(done.written)} consensus value(s) recorded", highlight=False)
    for row in done.outcome_data:
        console.print(f"outcome data {row['id']} v{row['version']} ({row['status']}): "
                      f"{row['outcome']}/{row['arm']}", highlight=False)
    for row in done.not_written:
        console.print(f"not written: {row['outcome']}/{row['arm']}: {row['reason']}",
                      highlight=False)
    for c in done.unresolved:
        console.print("unresolved " + _comparison_line(c), highlight=False)


# --------------------------------------------------------------------------- RevMan


def revman(
    slug: Annotated[str, typer.Argument(help="The analysis's slug.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write (.csv).",
                                         show_default=False)],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write an analysis's study data in RevMan 5's CSV layout (its 'Data and analyses' file: events and totals, or means, SDs and totals, of the experimental and control arms).

    Example:  evidencehub extract revman hba1c-md -o hba1c-revman.csv
    """
    from evidencehub.analysis.revman import revman_export, write_revman

    check_output_file(output, "--output", (".csv",))
    table = in_store(db, lambda session: revman_export(session, slug))
    output.parent.mkdir(parents=True, exist_ok=True)
    write_revman(output, table)
    studies = sum(1 for row in table[1:] if row[4] == "" and row[8:16] != [""] * 8)
    if json:
        print_json({"analysis": slug, "output": str(output), "studies": studies})
    else:
        console.print(f"{studies} stud{'y' if studies == 1 else 'ies'} written to {output}",
                      highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``extract`` command group."""
    extract_app.command("form")(form)
    extract_app.command("set")(set_values)
    extract_app.command("import")(import_sheet)
    extract_app.command("export")(export_sheet)
    extract_app.command("compare")(compare_command)
    extract_app.command("consensus")(consensus_command)
    extract_app.command("revman")(revman)
    app.add_typer(extract_app)
