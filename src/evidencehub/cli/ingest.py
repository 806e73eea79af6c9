"""``evidencehub import``, ``records``, ``trials`` and ``duplicates``: bring literature in, look at it.

Each command parses its options, calls one library function and prints the result — a table
(and a progress bar on a terminal) for people, ``--json`` for programs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from evidencehub.cli._common import DbOption, JsonOption, console, err_console, print_json
from evidencehub.cli._paths import check_output_file
from evidencehub.config import database_url
from evidencehub.errors import InputError, Interrupted

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from evidencehub.ingest.importer import ImportReport
    from evidencehub.model import Record, Trial

__all__ = ["register"]


_T = TypeVar("_T")


def _read_store(db: str | None, read: Callable[[Session], _T]) -> _T:
    """``read(session)`` in one transaction on the store ``db``, which must exist."""
    from evidencehub.store import open_existing, transaction

    engine = open_existing(database_url(db))
    try:
        with transaction(engine) as session:
            return read(session)
    finally:
        engine.dispose()


def _import_and_report(
    db: str | None, as_json: bool, run: Callable[[Engine], ImportReport]
) -> None:
    """``run(engine)`` an import into the store ``db`` (created if need be) and print its
    report (Ctrl-C: rolled back)."""
    from evidencehub.store import init_db

    engine = init_db(database_url(db))
    try:
        result = run(engine)
    except KeyboardInterrupt:
        # typer turns Ctrl-C into a silent exit code; say what happened to the store
        raise Interrupted("interrupted; the import was rolled back, the store is as it was") from None
    finally:
        engine.dispose()
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
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import literature and trial records; one import is one transaction.

    A bad record stops the import and nothing is written (the error names the file, the record and the problem) unless --skip-bad is given. Duplicates are merged with the stored records; uncertain ones are kept apart and listed by 'evidencehub duplicates'. Importing the same file again changes nothing.

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
    from evidencehub.ingest.importer import import_paths

    if fmt != "auto" and fmt not in known_formats():
        raise InputError(f"unknown format {fmt!r}; known formats: auto, {', '.join(known_formats())}")
    if report is not None:
        check_output_file(report, "--report", (".csv", ".json"))
    show_bar = err_console.is_terminal and not as_json

    def run(engine: Engine) -> ImportReport:
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
            return import_paths(
                engine,
                paths,
                fmt=fmt,
                skip_bad=skip_bad,
                report_path=report,
                progress=_RichProgress(bar),
            )

    _import_and_report(db, as_json, run)


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
    from rich.table import Table

    from evidencehub.store.repo.records import list_records

    records = _read_store(db, lambda session: list_records(session, query=query, limit=limit))
    if as_json:
        print_json([_record_json(r) for r in records])
        return
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
    from rich.table import Table

    from evidencehub.store.repo.trials import list_trials

    trials = _read_store(db, lambda session: list_trials(session, limit=limit))
    if as_json:
        print_json([_trial_json(t) for t in trials])
        return
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


def duplicates_command(
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored records that may be one work twice, for a person to decide.

    Pairs are found with the import's rules (identifiers, then title, year and first author): 'same' means the rules are certain but the store holds both (e.g. a title-only record and its PubMed version), 'candidate' that the evidence is incomplete or mixed.

    Examples:

      evidencehub duplicates

      evidencehub duplicates --json
    """
    from rich.table import Table

    from evidencehub.ingest.dedup import candidate_pairs
    from evidencehub.store.repo.records import list_records

    records = _read_store(db, list_records)
    by_key = {record.key: record for record in records}
    pairs = candidate_pairs((record.key, record) for record in records)
    if as_json:
        print_json(
            [
                {
                    "verdict": match.verdict.value,
                    "reason": match.reason,
                    "score": match.score,
                    "records": [_record_json(by_key[a]), _record_json(by_key[b])],
                }
                for a, b, match in pairs
            ]
        )
        return
    table = Table("verdict", "score", title=f"{len(pairs)} possible duplicate pair(s)")
    table.add_column("record", overflow="fold", min_width=12)
    for name in ("title", "year", "first author"):
        table.add_column(name)
    for a, b, match in pairs:
        score = "" if match.score is None else f"{match.score:.0f}"
        for i, key in enumerate((a, b)):
            record = by_key[key]
            table.add_row(
                f"{match.verdict.value} ({match.reason})" if i == 0 else "",
                score if i == 0 else "",
                key,
                record.title,
                str(record.year or ""),
                _first_author(record),
                end_section=i == 1,
            )
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
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search an online source (or fetch ids) and import the results; one transaction.

    Responses go through the same readers, deduplication and store as files. Requests are rate-limited and retried with exponential backoff.

    Examples:

      evidencehub fetch pubmed "islet transplantation AND type 1 diabetes" --max 500 --email you@example.org

      evidencehub fetch ctgov "type 1 diabetes stem cell" --max 100

      evidencehub fetch crossref --id 10.1038/srep16696 --json
    """
    from evidencehub.ingest.online.fetch import SOURCES, fetch_into

    if source not in SOURCES:
        raise InputError(f"unknown online source {source!r}; known sources: {', '.join(SOURCES)}")
    _import_and_report(db, as_json, lambda engine: fetch_into(
        engine, source, query=query, ids=ids or (), max_records=max_records,
        email=email, api_key=api_key, skip_bad=skip_bad,
    ))  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ingest commands to ``app``."""
    app.command("import")(import_command)
    app.command("records")(records_command)
    app.command("trials")(trials_command)
    app.command("duplicates")(duplicates_command)
    app.command("fetch")(fetch_command)
