"""``evidencehub import``, ``fetch``, ``records``, ``trials``, ``duplicates`` and ``imports``:
bring literature in, look at it, and at what each import did.

Each command parses its options, calls one library function and prints the result — a table
(and a progress bar on a terminal) for people, ``--json`` for programs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidencehub.cli._common import (
    ActorOption,
    DbOption,
    JsonOption,
    console,
    err_console,
    no_cyclic_gc,
    print_json,
)
from evidencehub.cli._paths import check_output_file
from evidencehub.cli._store import actor_of, in_store, store_engine
from evidencehub.errors import InputError, Interrupted

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy import Engine

    from evidencehub.ingest.importer import ImportReport
    from evidencehub.model import Actor, ImportEvent, Record, Trial
    from evidencehub.store.repo.duplicates import Decision, DuplicatePair

__all__ = ["register"]



def _import_and_report(
    db: str | None, as_json: bool, run: Callable[[Engine], ImportReport]
) -> None:
    """``run(engine)`` an import into the store ``db`` (created if need be) and print its
    report (Ctrl-C: rolled back)."""

    def work() -> ImportReport:
        engine = store_engine(db, create=True)
        try:
            return run(engine)
        finally:
            engine.dispose()

    _report(as_json, work)


def _report(as_json: bool, work: Callable[[], ImportReport]) -> None:
    """Print the report of the import ``work()`` makes (Ctrl-C: rolled back)."""
    try:
        result = work()
    except KeyboardInterrupt:
        # typer turns Ctrl-C into a silent exit code; say what happened to the store
        raise Interrupted("interrupted; the import was rolled back, the store is as it was") from None
    if as_json:
        print_json(result.to_dict())
        return
    console.print(result.summary(), highlight=False)


class _RichProgress:
    """Bytes read per file, as a Rich bar on stderr (only drawn on a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None

    def start_file(self, path: Path, total_bytes: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(path.name, total=total_bytes)

    def advance(self, n_bytes: int) -> None:
        self._progress.advance(self._task, n_bytes)


def _record_json(record: Record) -> dict[str, Any]:
    return {"key": record.key, **record.model_dump(mode="json")}


def _first_author(record: Record) -> str:
    if not record.authors:
        return ""
    more = " et al." if len(record.authors) > 1 else ""
    return record.authors[0].display + more


def import_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Files to import (PubMed XML may be gzipped).", show_default=False)
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="auto (detect from content, then suffix) or one of: "
            "pubmed-xml, medline, ris, bibtex, csv, crossref, openalex, ctgov.",
        ),
    ] = "auto",
    skip_bad: Annotated[
        bool,
        typer.Option("--skip-bad", help="Import the good records; list the bad ones (see --report)."),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Where --skip-bad writes the bad records: .csv or .json."),
    ] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import literature and trial records; one import is one transaction.

    A bad record stops the import and nothing is written (the error names the file, the record and the problem) unless --skip-bad is given. Duplicates are merged with the stored records; uncertain ones are kept apart and listed by 'evidencehub duplicates'. Importing the same file again changes no record. Each file is stored as an import event (its SHA-256, who ran it, when, what happened to every record): see 'evidencehub imports'.

    Examples:

      evidencehub import pubmed_result.xml scopus.ris

      evidencehub import baseline/pubmed25n0001.xml.gz --db postgresql+psycopg://localhost/hub

      evidencehub import export.txt --format ris --skip-bad --report bad.csv --json
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from evidencehub.ingest.formats import known_formats
    from evidencehub.ingest.import_files import import_files

    if fmt != "auto" and fmt not in known_formats():
        raise InputError(f"unknown format {fmt!r}; known formats: auto, {', '.join(known_formats())}")
    if report is not None:
        check_output_file(report, "--report", (".csv", ".json"))
    who = actor_of(actor)
    show_bar = err_console.is_terminal and not as_json

    def work() -> ImportReport:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=not show_bar,
        ) as bar:
            # the first file is parsed from before the store is opened (import_files)
            return import_files(
                lambda: store_engine(db, create=True),
                paths,
                fmt=fmt,
                skip_bad=skip_bad,
                report_path=report,
                progress=_RichProgress(bar),
                actor=who,
            )

    _report(as_json, work)


def records_command(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Full-text search in titles and abstracts.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=0, help="At most N records.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored records, or those matching --query (best match first).

    Examples:

      evidencehub records --limit 20

      evidencehub records --query "islet transplantation" --json
    """
    with no_cyclic_gc():
        from evidencehub.store.repo.records import list_records

        records = in_store(db, lambda session: list_records(session, query=query, limit=limit))
    if as_json:
        print_json([_record_json(r) for r in records])
        return
    from rich.table import Table

    table = Table(title=f"{len(records)} record(s)")
    table.add_column("key", overflow="fold", min_width=12)
    for name in ("year", "first author", "title", "journal"):
        table.add_column(name)
    for record in records:
        table.add_row(
            record.key,
            str(record.year or ""),
            _first_author(record),
            record.title,
            record.journal_abbrev or record.journal or "",
        )
    console.print(table)


def trials_command(
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=0, help="At most N trials.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored trials by registry id.

    Examples:

      evidencehub trials

      evidencehub trials --json
    """
    with no_cyclic_gc():
        from evidencehub.store.repo.trials import list_trials

        trials = in_store(db, lambda session: list_trials(session, limit=limit))
    if as_json:
        print_json([_trial_json(t) for t in trials])
        return
    from rich.table import Table

    table = Table("registry id", "phase", "status", "enrollment", "title", title=f"{len(trials)} trial(s)")
    for trial in trials:
        table.add_row(
            trial.registry_id,
            trial.phase.value if trial.phase else "",
            trial.status or "",
            "" if trial.enrollment is None else str(trial.enrollment),
            trial.title,
        )
    console.print(table)


def _trial_json(trial: Trial) -> dict[str, Any]:
    return trial.model_dump(mode="json")


def _decision_json(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "verdict": decision.verdict.value,
        "actor": decision.actor,
        "decided_at": decision.decided_at.isoformat(),
        "note": decision.note,
    }


def _pair_json(pair: DuplicatePair) -> dict[str, Any]:
    return {
        "pair": list(pair.keys),
        "status": pair.status.value,
        "reason": pair.reason,
        "score": pair.score,
        "import_id": pair.import_id,
        "records": [_record_json(record) for record in pair.records],
        "decision": _decision_json(pair.decision),
    }


def _print_pairs(pairs: list[DuplicatePair], title: str) -> None:
    from rich.table import Table

    table = Table("status", "score", "import", title=title)
    table.add_column("record", overflow="fold", min_width=12)
    for name in ("title", "year", "first author"):
        table.add_column(name)
    for pair in pairs:
        status = pair.status.value + (f" ({pair.reason})" if pair.reason else "")
        if pair.decision is not None:
            status += f"\nby {pair.decision.actor}"
        first = [
            status,
            "" if pair.score is None else f"{pair.score:.0f}",
            "" if pair.import_id is None else str(pair.import_id),
        ]
        records = pair.records if len(pair.records) == 2 else pair.records * 2
        for i, (key, record) in enumerate(zip(pair.keys, records, strict=True)):
            table.add_row(
                *(first if i == 0 else ["", "", ""]),
                key,
                record.title,
                str(record.year or ""),
                _first_author(record),
                end_section=i == 1,
            )
    console.print(table)


def duplicates_command(
    decide: Annotated[
        tuple[str, str, str] | None,
        typer.Option(
            "--decide",
            metavar="A B same|different",
            help="Decide a pair: record keys A and B (doi:…, pmid:…, title:…) are the same work "
            "(merged into one record) or different works (never proposed again).",
            show_default=False,
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Why (kept with the decision).", show_default=False)
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list decided pairs, with their decision.")
    ] = False,
    rescan: Annotated[
        bool,
        typer.Option(
            "--rescan",
            help="Compare every stored record once and store the pairs found (for stores "
            "imported before pairs were stored), then list.",
        ),
    ] = False,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored records that may be one work twice, and decide them.

    Imports store the pairs they are unsure about (same title, but the first author, the year or an identifier is missing or differs); this lists those still pending. --decide A B same merges the two records into one (the one with more identifiers and fields is kept; the other's data stays in its history, its studies and imports move to it); --decide A B different keeps both and the pair is never proposed again.

    Examples:

      evidencehub duplicates

      evidencehub duplicates --decide doi:10.1000/islets.2019 title:islet-transplantation-outcomes different --note "other first author"

      evidencehub duplicates --all --json
    """
    from evidencehub.store.repo.duplicates import list_pairs

    if decide is not None:
        if show_all or rescan:
            raise InputError("--decide records one decision; give --all or --rescan on their own")
        _decide(db, decide, note, actor_of(actor), as_json)
        return
    if note is not None:
        raise InputError("--note goes with --decide A B same|different")
    if rescan:
        from evidencehub.ingest.duplicates import rescan as rescan_store

        engine = store_engine(db)
        try:
            found = rescan_store(engine)
        finally:
            engine.dispose()
        if not as_json:
            console.print(f"Rescan: {found} new pair(s) stored.", highlight=False)
    pairs = in_store(db, lambda session: list_pairs(session, decided=show_all))
    if as_json:
        print_json([_pair_json(pair) for pair in pairs])
        return
    what = "pair(s)" if show_all else "pending pair(s)"
    _print_pairs(pairs, f"{len(pairs)} possible duplicate {what}")


def _decide(
    db: str | None, decide: tuple[str, str, str], note: str | None, actor: Actor, as_json: bool
) -> None:
    from evidencehub.ingest.duplicates import decide as decide_pair

    a, b, verdict = decide
    engine = store_engine(db)
    try:
        decided = decide_pair(engine, a, b, verdict, actor=actor, note=note)
    finally:
        engine.dispose()
    if as_json:
        print_json({
            "pair": list(decided.keys), "status": decided.verdict.value, "kept": decided.kept,
            "actor": actor.name, "note": note,
        })  # fmt: skip
        return
    first, second = decided.keys
    if decided.kept is not None:
        console.print(f"{first} and {second} are one work: merged into {decided.kept}.", highlight=False)
    else:
        console.print(f"{first} and {second} are different works; the pair will not be proposed again.",
                      highlight=False)  # fmt: skip


def _counts(event: ImportEvent) -> str:
    """``"12 read: 10 new, 2 unchanged"`` (counts that are zero left out)."""
    parts = [
        f"{n} {what}"
        for n, what in ((event.n_created, "new"), (event.n_updated, "updated"),
                        (event.n_merged, "merged"), (event.n_unchanged, "unchanged"),
                        (event.n_rejected, "rejected"))
        if n
    ]  # fmt: skip
    return f"{event.n_read} read" + (": " + ", ".join(parts) if parts else "")


def imports_command(
    import_id: Annotated[
        int | None, typer.Argument(help="Show this import and its records.", show_default=False)
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=0, help="At most N imports.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the stored imports (each file imported, each fetch), newest first, or show one.

    Each import says what it read (the file and its SHA-256, or the query), who ran it, when, how many records were read, new, updated, merged, unchanged or rejected, and, shown with its ID, every record it returned with what happened to it.

    Examples:

      evidencehub imports

      evidencehub imports 12 --json
    """
    from rich.table import Table

    from evidencehub.store.repo.imports import event_records, get_event, list_events

    if import_id is None:
        events = in_store(db, lambda session: list_events(session, limit=limit))
        if as_json:
            print_json([event.model_dump(mode="json") for event in events])
            return
        table = Table("id", "started (UTC)", "actor", title=f"{len(events)} import(s)")
        table.add_column("what was read", overflow="fold")
        table.add_column("counts")
        for event in events:
            table.add_row(
                str(event.id), f"{event.started_at:%Y-%m-%d %H:%M}", event.actor,
                f"{event.reader}: {event.query or event.label}", _counts(event),
            )  # fmt: skip
        console.print(table)
        return
    event, records = in_store(
        db, lambda session: (get_event(session, import_id), event_records(session, import_id))
    )
    if as_json:
        print_json({
            **event.model_dump(mode="json"),
            "records": [{"key": r.key, "outcome": r.outcome.value} for r in records],
        })  # fmt: skip
        return
    what = f"{event.label} (SHA-256 {event.sha256})" if event.sha256 else (event.query or event.label)
    console.print(
        f"Import {event.id}: {event.kind.value} {what}, read with {event.reader} by {event.actor}, "
        f"{event.started_at:%Y-%m-%d %H:%M:%S} to {event.finished_at:%H:%M:%S} UTC.\n"
        f"{_counts(event)}.",
        highlight=False,
    )
    table = Table("record", "outcome", title=f"{len(records)} record(s) returned")
    for record in records:
        table.add_row(record.key, record.outcome.value)
    console.print(table)


def fetch_command(
    source: Annotated[str, typer.Argument(help="pubmed, crossref, openalex or ctgov.", show_default=False)],
    query: Annotated[
        str | None, typer.Argument(help="Search query (PubMed syntax for pubmed).", show_default=False)
    ] = None,
    ids: Annotated[
        list[str] | None,
        typer.Option("--id", help="Fetch these instead of searching: PMIDs, DOIs or NCT ids (repeatable)."),
    ] = None,
    max_records: Annotated[int | None, typer.Option("--max", min=1, help="At most N records.")] = None,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            envvar="EVIDENCEHUB_CONTACT_EMAIL",
            help="Your e-mail: PubMed's 'email', Crossref's and OpenAlex's 'mailto' (polite pool).",
        ),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="NCBI_API_KEY", help="NCBI API key (10 requests/s).")
    ] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good records, skip bad ones.")] = False,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search an online source (or fetch ids) and import the results; one transaction.

    Responses go through the same readers, deduplication and store as files. Requests are rate-limited and retried with exponential backoff. The fetch is stored as an import event (the query, who ran it, when, every record it returned): see 'evidencehub imports'.

    Examples:

      evidencehub fetch pubmed "islet transplantation AND type 1 diabetes" --max 500 --email you@example.org

      evidencehub fetch ctgov "type 1 diabetes stem cell" --max 100

      evidencehub fetch crossref --id 10.1038/srep16696 --json
    """
    from evidencehub.ingest.online.fetch import SOURCES, fetch_into

    if source not in SOURCES:
        raise InputError(f"unknown online source {source!r}; known sources: {', '.join(SOURCES)}")
    who = actor_of(actor)
    _import_and_report(db, as_json, lambda engine: fetch_into(
        engine, source, query=query, ids=ids or (), max_records=max_records,
        email=email, api_key=api_key, skip_bad=skip_bad, actor=who,
    ))  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ingest commands to ``app``."""
    app.command("import")(import_command)
    app.command("records")(records_command)
    app.command("trials")(trials_command)
    app.command("duplicates")(duplicates_command)
    app.command("imports")(imports_command)
    app.command("fetch")(fetch_command)
