"""Import files into the store: read, deduplicate, merge, upsert — all in one transaction.

:func:`import_paths` is what ``evidencehub import`` runs:

* **One transaction.** Every file of one call is read and written inside one
  :func:`~evidencehub.store.session.transaction`; a malformed record (by default), an error, a
  crash or Ctrl-C rolls all of it back, so the store is exactly as it was. The error names the
  file, the record (line or element) and what was wrong.
* **--skip-bad.** Records a reader rejects are collected instead (and so is the rest of a file
  that breaks off, e.g. truncated XML: the records before the break are kept); the good ones are
  imported and the bad ones are written to ``report_path`` (``.json`` → JSON, else CSV).
* **Deduplication** (:mod:`evidencehub.ingest.dedup`) against the store and within the import
  alike. A record is matched by DOI/PMID/PMCID, else by its title key, else by fuzzy title +
  year + first author; a certain match is merged with source priority
  (:func:`~.dedup.merge_into`) and the store keeps the previous version and the source of each
  field; an uncertain one is stored as its own record and listed in
  :attr:`ImportReport.candidates` for a person. A stored record without identifiers (a RIS
  export, ``title:…``) that is certainly the same work as an incoming one with a DOI/PMID is
  updated in place: it gains the identifiers (``upsert_records(into=…)``).
* **Batches.** Records are handled :data:`BATCH_SIZE` at a time: the store is asked about a
  whole batch at once (:func:`~evidencehub.store.repo.records.find_record_keys`,
  :func:`~evidencehub.store.repo.records.records_with_provenance`) and the batch is written with
  :func:`~evidencehub.store.repo.records.upsert_records`. The result is the one a record-by-record
  import gives: every record written by this import is in the duplicate index at once, and
  when a record meets one written earlier in the same batch, the pending writes are flushed and
  that record is looked up afresh (so two versions of one work in a batch merge as before).
* **Idempotent.** Importing the same file again merges every record into itself: nothing
  changes and the report counts them as unchanged.
* **Streaming.** Readers yield one record at a time from a buffered (and gunzipped) stream;
  memory holds the duplicate index (title keys of the years seen) and one batch of records
  (plus, when parsing ahead, the few batches the parser is ahead), never a whole file.
* **Parsing ahead.** A large file is parsed in a child process while this one deduplicates
  and writes (:mod:`evidencehub.ingest.parse_ahead`); the transaction, and every decision,
  stays here, and the child's errors are raised here with the same file, place and problem.
* **Import events.** Each file (and each call of :func:`import_bodies`) is stored, in the same
  transaction, as an import event: what was read (reader, file name and SHA-256 computed while
  the reader streams the file, or the query), by whom, when, the counts, and every record it
  returned with what happened to it (:mod:`.event_log`, :mod:`evidencehub.store.repo.imports`);
  the candidate pairs are stored with it (:mod:`evidencehub.store.repo.duplicates`). A record
  that a person merged into another (``evidencehub duplicates --decide … same``) is found by its
  old key, and merges into the record it became without overriding it.
* **Trials.** ClinicalTrials.gov studies are upserted as trials; records are linked to trials
  through every registry id found in them (:func:`~.identifiers.record_registry_ids`).
* **Garbage collection.** An import allocates millions of short-lived objects (fields, records,
  rows) that reference counting frees, yet Python's cyclic collector would run thousands of
  times, and as the duplicate index grows each full collection walks every live object
  (measured with ``gc.callbacks``: 2.0 s of a 30,000-record first import, 6.0 s of an update of
  those records). So for the length of an import (:func:`_collector_for_bulk_work`) what is
  alive at its start is frozen (``gc.freeze``; the parser child then does not copy those pages
  either, as Python's documentation says of ``fork``) and automatic collection is off. The import
  makes few reference cycles (about 1,200 objects for those 30,000 records, counted by one
  collection after an import run with the collector off; peak memory the same), and the
  collector, on again when the import ends however it ends, frees them.
"""

from __future__ import annotations

import gc
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.ingest.base import Item, Parsed, Reader, Rejected
from evidencehub.ingest.dedup import (
    DEFAULT_THRESHOLDS,
    DuplicateIndex,
    Thresholds,
    Verdict,
    compare,
    merge_into,
)
from evidencehub.ingest.event_log import EventLog
from evidencehub.ingest.formats import detect_format, get_reader, open_source
from evidencehub.ingest.identifiers import record_registry_ids
from evidencehub.ingest.import_report import CandidateDuplicate, ImportReport, write_bad_report
from evidencehub.ingest.parse_ahead import ReadAhead, worth_reading_ahead
from evidencehub.model import Actor, ActorKind, ImportKind, ImportOutcome, Record, Trial
from evidencehub.store.repo._common import UpsertOutcome
from evidencehub.store.repo.duplicates import merged_keys
from evidencehub.store.repo.records import (
    count_records,
    find_record_ids,
    find_record_keys,
    get_record,
    record_provenance,
    records_by_year,
    records_with_provenance,
    upsert_records,
)
from evidencehub.store.repo.trials import upsert_trial
from evidencehub.store.session import transaction

__all__ = [
    "BATCH_SIZE",
    "IMPORTER",
    "CandidateDuplicate",
    "ImportProgress",
    "ImportReport",
    "RecordImporter",
    "import_bodies",
    "import_items",
    "import_paths",
    "write_bad_report",
]


#: Records looked up and written together (a few IN queries and one multi-row INSERT each).
BATCH_SIZE = 500
#: Who imports when the caller names nobody (the CLI names the person running it).
IMPORTER = Actor(name="evidencehub importer", kind=ActorKind.TOOL)
#: The event outcome of an upsert, by whether the item was merged into a record known under
#: another key (or one this import wrote already).
_OUTCOME = {
    (UpsertOutcome.CREATED, False): ImportOutcome.CREATED,
    (UpsertOutcome.CREATED, True): ImportOutcome.CREATED,
    (UpsertOutcome.UPDATED, False): ImportOutcome.UPDATED,
    (UpsertOutcome.UPDATED, True): ImportOutcome.MERGED,
    (UpsertOutcome.UNCHANGED, False): ImportOutcome.UNCHANGED,
    (UpsertOutcome.UNCHANGED, True): ImportOutcome.UNCHANGED,
}


class ImportProgress(Protocol):
    """What the importer tells a progress display (the CLI's Rich bar)."""

    def start_file(self, path: Path, total_bytes: int) -> None: ...

    def advance(self, n_bytes: int) -> None: ...


class _TitleClash(Exception):
    """A different work without identifiers has the same title key as a stored record."""


def _has_ids(record: Record) -> bool:
    return bool(record.doi or record.pmid or record.pmcid)


def _with_all_registry_ids(record: Record) -> Record:
    """``record`` with every registry id written anywhere in it (a copy only when it gains some)."""
    registry_ids = record_registry_ids(record)
    if registry_ids == record.registry_ids:
        return record
    return record.model_copy(update={"registry_ids": registry_ids})


class RecordImporter:
    """Deduplicating writer for one unit of work (a session inside one transaction).

    :meth:`add_records` takes a batch; writes wait in ``_pending`` until the batch ends or a
    record needs to read one of them back (:meth:`flush`). ``_stored`` holds the stored
    versions the batch's records may merge into, read with a few queries at its start;
    ``_touched`` the keys written since then, which must be read from the store instead.
    ``log`` notes what happened to each record for the current import event (a new
    :class:`~.event_log.EventLog` per file or query).
    """

    def __init__(
        self, session: Session, report: ImportReport, thresholds: Thresholds = DEFAULT_THRESHOLDS
    ) -> None:
        self.session = session
        self.report = report
        self.index: DuplicateIndex[str] = DuplicateIndex(thresholds)
        self._loaded_years: set[int] = set()
        self._written: set[str] = set()  # keys written by this import
        # An import into an empty store only meets records it wrote itself, all of them in the
        # index: it can skip the store lookups (a first import of a baseline file).
        self._store_was_empty = count_records(session) == 0
        self._pending: list[tuple[Record, str | None, bool]] = []  # (record, into, merged)
        self.log = EventLog(report)
        self._pending_source = ""
        self._stored: dict[str, tuple[Record, dict[str, str]]] = {}
        self._known: set[str] = set()  # keys asked for at the batch's start (found or not)
        self._touched: set[str] = set()
        # Keys of records a person decided were the same work as another and merged into it
        # (old key -> current key), and the reverse, kept up to date as keys change.
        self._merged_into = {} if self._store_was_empty else merged_keys(session)
        self._merged_from: dict[str, list[str]] = {}
        for old, current in self._merged_into.items():
            self._merged_from.setdefault(current, []).append(old)

    # ------------------------------------------------------------------ store access

    def flush(self) -> None:
        """Write the pending records (one :func:`upsert_records` call) and count the outcomes."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        records = [record for record, _, _ in pending]
        into = [target for _, target, _ in pending]
        outcomes = upsert_records(self.session, records, source=self._pending_source, into=into)
        for (record, _, merged), outcome in zip(pending, outcomes, strict=True):
            self.report.count(outcome)
            self.log.note(record.key, _OUTCOME[(outcome, merged)])

    def _prefetch(self, records: Sequence[Record]) -> list[list[str]] | None:
        """Ask the store about a whole batch: keys by identifier, and the versions to merge into."""
        self.flush()
        self._stored, self._known, self._touched = {}, set(), set()
        if self._store_was_empty:
            return None
        id_keys = find_record_keys(self.session, records)
        self._known = {key for keys in id_keys for key in keys}
        self._known |= {record.key for record in records if not _has_ids(record)}
        self._stored = records_with_provenance(self.session, self._known)
        return id_keys

    def _load(self, key: str) -> tuple[Record, dict[str, str]]:
        """The stored version of ``key`` and its provenance; NotFoundError if there is none."""
        if key in self._known and key not in self._touched:
            if key in self._stored:
                return self._stored[key]
            raise NotFoundError(f"no record {key!r} in the store")
        if key in self._touched:
            self.flush()
        return get_record(self.session, key), record_provenance(self.session, key)

    def _load_years(self, year: int | None) -> None:
        if year is None:
            return
        window = self.index.thresholds.year_window
        wanted = set(range(year - window, year + window + 1)) - self._loaded_years
        if not wanted:
            return
        self.flush()  # the index must not take pending rows' old versions from the store
        for stored in records_by_year(self.session, wanted):
            if stored.key not in self.index:
                self.index.add(stored.key, stored)
        self._loaded_years |= wanted

    # ------------------------------------------------------------------ matching

    def _identifier_keys(self, record: Record, prefetched: list[str] | None) -> list[str]:
        if self._store_was_empty:
            return self.index.identifier_keys(record)
        written = self.index.identifier_keys(record)
        if prefetched is not None and self._touched.isdisjoint((*written, *prefetched)):
            return prefetched
        self.flush()  # a record of this batch has (or took) one of these identifiers
        return find_record_ids(self.session, doi=record.doi, pmid=record.pmid, pmcid=record.pmcid)

    def _stored_match(
        self, record: Record, parsed: Parsed, prefetched: list[str] | None
    ) -> str | None:
        """The key of the stored record that is the same work, or None."""
        if record.key in self._merged_into:
            return self._merged_into[record.key]
        keys = self._identifier_keys(record, prefetched)
        if len(keys) > 1:
            raise InputError(
                f"its identifiers belong to different stored records ({', '.join(keys)}); "
                "merge those first",
                source=parsed.source,
                where=parsed.where,
            )
        if keys:
            return keys[0]
        if not _has_ids(record):
            if self._store_was_empty:
                if record.key in self.index:
                    if self.index.compare_to(record.key, record).verdict is Verdict.DIFFERENT:
                        raise _TitleClash(record.key)
                    return record.key
                return self._index_match(record, parsed)
            try:
                stored, _ = self._load(record.key)
            except NotFoundError:
                stored = None  # no stored record under this title key: look further
            if stored is not None:
                return self._title_key_match(stored, record)
        if not self._store_was_empty:
            self._load_years(record.year)
        return self._index_match(record, parsed)

    def _title_key_match(self, stored: Record, record: Record) -> str:
        if compare(stored, record, self.index.thresholds).verdict is Verdict.DIFFERENT:
            raise _TitleClash(stored.key)
        return stored.key

    def _index_match(self, record: Record, parsed: Parsed) -> str | None:
        found = self.index.find(record)
        if found is None:
            return None
        key, match = found
        if match.verdict is Verdict.SAME:
            return key
        self._candidate(record, key, match.reason, match.score, parsed)
        return None

    def _candidate(
        self, record: Record, other: str, reason: str, score: float | None, parsed: Parsed
    ) -> None:
        self.report.candidates.append(
            CandidateDuplicate(record.key, other, reason, score, parsed.source, parsed.where)
        )
        self.log.candidate(record.key, other, reason, score)

    # ------------------------------------------------------------------ adding

    def add_records(self, items: Sequence[Parsed], source: str, *, skip_bad: bool = False) -> None:
        """Deduplicate, merge and write a batch of parsed records (all written when it returns).

        A record refused for its identifiers raises :class:`InputError` naming it, or with
        ``skip_bad`` is listed in :attr:`ImportReport.rejected` instead.
        """
        if not items:
            return
        records = [_with_all_registry_ids(item.item) for item in items if isinstance(item.item, Record)]
        if len(records) != len(items):
            raise TypeError("add_records takes parsed records only (trials go to add_trial)")
        prefetched = self._prefetch(records)
        if source != self._pending_source:
            self.flush()
            self._pending_source = source
        for position, (record, item) in enumerate(zip(records, items, strict=True)):
            try:
                self._add(
                    record, item, source, None if prefetched is None else prefetched[position]
                )
            except InputError as err:
                if not skip_bad or err.where != item.where:
                    raise
                self.report.rejected.append(Rejected(item.source, item.where, err.problem))
        self.flush()

    def _add(
        self, record: Record, parsed: Parsed, source: str, prefetched: list[str] | None
    ) -> None:
        try:
            key = self._stored_match(record, parsed, prefetched)
        except _TitleClash as clash:
            # The store knows a record without identifiers by its title; it cannot hold two
            # works with the same title and no DOI/PMID/PMCID, so this one is not stored.
            self.report.conflicts.append(
                f"{parsed.source}, {parsed.where}: not stored: stored record {clash.args[0]!r} has "
                "the same title and no identifier, but its year or first author differs"
            )
            self.report.not_stored += 1
            return
        to_store, into, merged = record, None, False
        if key is not None:
            stored, provenance = self._load(key)
            conflicts: list[str] = []
            if record == stored:  # a re-import: merging would give the stored version back
                to_store = stored
            else:
                to_store, conflicts = merge_into(
                    stored,
                    provenance,
                    record,
                    source,
                    # a copy seen earlier in this import, or the version of a record that a
                    # person merged into another, does not override what is stored
                    incoming_wins_ties=key not in self._written
                    and record.key not in self._merged_into,
                    scan_incoming=False,
                )
            self.report.conflicts.extend(f"{parsed.source}, {parsed.where}: {c}" for c in conflicts)
            if key in self._written:
                self.report.batch_duplicates += 1
            elif key != record.key:
                self.report.merged_duplicates += 1
            merged = key in self._written or key != record.key
            if key != to_store.key:
                self.log.rename(key, to_store.key)
                self._renamed(key, to_store.key)
                if key in self.index:
                    self.index.remove(key)
            if to_store == stored:
                # Merging changes nothing, so there is nothing to write (a re-import).
                self.index.add(to_store.key, to_store)
                self._written.add(to_store.key)
                self.report.count(UpsertOutcome.UNCHANGED)
                self.log.note(to_store.key, ImportOutcome.UNCHANGED)
                return
            if key.startswith("title:") and _has_ids(record):
                into = key  # the id-less row takes the identifiers (module docstring)
            self._touched.add(key)
        self._pending.append((to_store, into, merged))
        self._touched.add(to_store.key)
        self.index.add(to_store.key, to_store)
        self._written.add(to_store.key)

    def _renamed(self, old: str, new: str) -> None:
        """The stored record ``old`` is now known as ``new``: so are the records merged into it."""
        for merged in self._merged_from.pop(old, ()):
            self._merged_into[merged] = new
            self._merged_from.setdefault(new, []).append(merged)

    def add_trial(self, trial: Trial, source: str) -> UpsertOutcome:
        outcome = upsert_trial(self.session, trial, source=source)
        self.report.count(outcome, trial=True)
        self.log.count(ImportOutcome(outcome.value))
        return outcome


def import_items(
    importer: RecordImporter, items: Iterable[Item], *, source: str, skip_bad: bool
) -> None:
    """Write every item of one source; a :class:`Rejected` aborts unless ``skip_bad``.

    Records go to :meth:`RecordImporter.add_records` :data:`BATCH_SIZE` at a time. When the
    source breaks off with an :class:`InputError` and ``skip_bad`` is set, the records read
    before the break are written before the error goes on to the caller.
    """
    report = importer.report
    batch: list[Parsed] = []
    try:
        for item in items:
            if isinstance(item, Rejected):
                if not skip_bad:
                    raise InputError(
                        f"{item.problem} (nothing was imported; --skip-bad imports the good records)",
                        source=item.source,
                        where=item.where,
                    )
                report.rejected.append(item)
                continue
            report.read += 1
            if isinstance(item.item, Trial):
                importer.add_trial(item.item, source)
                continue
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                full, batch = batch, []
                importer.add_records(full, source, skip_bad=skip_bad)
    except InputError:
        if skip_bad and batch:
            importer.add_records(batch, source, skip_bad=skip_bad)
        raise
    importer.add_records(batch, source, skip_bad=skip_bad)


@contextmanager
def _collector_for_bulk_work() -> Iterator[None]:
    """Freeze what is alive and pause automatic garbage collection for one import (docstring)."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _reader_for(path: Path, fmt: str) -> Reader:
    return detect_format(path) if fmt == "auto" else get_reader(fmt)


@contextmanager
def _items_of(
    path: Path,
    reader: Reader,
    on_read: Callable[[int], None] | None,
    on_sha256: Callable[[str], None],
    *,
    ahead: bool,
    started: ReadAhead | None = None,
) -> Iterator[Iterable[Item]]:
    """The items of one file: parsed here, or ahead in a child process (``ahead``, or the child
    ``started`` already); the file's SHA-256 goes to ``on_sha256`` once it has been read."""
    if started is None and ahead:
        started = ReadAhead(reader, path, label=str(path))  # an unreadable file fails here
    if started is not None:
        with started, closing(started.items(on_read, on_sha256)) as items:
            yield items
    else:
        with open_source(path, on_read, on_sha256=on_sha256) as stream:
            yield reader.read(stream, source=str(path))


def _sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read again: only for a file whose reading broke off part way."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_paths(
    engine: Engine,
    paths: Sequence[Path | str],
    *,
    fmt: str = "auto",
    skip_bad: bool = False,
    report_path: Path | str | None = None,
    progress: ImportProgress | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    parse_ahead: bool | None = None,
    actor: Actor = IMPORTER,
    then: Callable[[Session, ImportReport], None] | None = None,
    started: ReadAhead | None = None,
) -> ImportReport:
    """Import ``paths`` into the store behind ``engine`` as one transaction (module docstring).

    ``fmt`` is ``"auto"`` or a reader name (:func:`~.formats.known_formats`). ``parse_ahead``
    parses each file in a child process (True), never (False), or for files where it pays
    (None: :func:`~.parse_ahead.worth_reading_ahead`). Each file is stored as an import event
    (kind ``file``: the reader, the file name, its SHA-256, ``actor``, the times, the counts and
    every record it returned; :mod:`evidencehub.store.repo.imports`), in the same transaction;
    the report lists their ids. ``then`` is called with the session and the report after the
    last file, in the same transaction (a review's search records the imports it made this
    way). ``started`` is one of the files already being parsed ahead
    (:func:`~.import_files.import_files` starts it before the store is opened); it is read
    instead of starting another child, and closed when the import ends. Raises
    :class:`InputError` for an unreadable file or a bad record (without ``skip_bad``); the store
    is then unchanged.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("no files to import")
    readers = [(path, _reader_for(path, fmt)) for path in files]  # fail before writing anything
    report = ImportReport(paths=[str(p) for p in files])
    with _collector_for_bulk_work(), transaction(engine) as session:
        importer = RecordImporter(session, report, thresholds)
        for path, reader in readers:
            importer.log = EventLog(report)
            source = f"{reader.name}:{path.name}"
            if progress is not None:
                progress.start_file(path, path.stat().st_size)
            on_read = progress.advance if progress is not None else None
            ahead = worth_reading_ahead(path) if parse_ahead is None else parse_ahead
            sha256: list[str] = []
            mine = started if started is not None and started.path == path else None
            started = None if mine is not None else started
            with _items_of(path, reader, on_read, sha256.append, ahead=ahead, started=mine) as items:
                try:
                    import_items(importer, items, source=source, skip_bad=skip_bad)
                except InputError as err:
                    if not skip_bad or err.source != str(path):
                        raise
                    report.rejected.append(
                        Rejected(
                            str(path),
                            err.where or "file",
                            f"{err.problem} (rest of the file skipped)",
                        )
                    )
            importer.log.store(
                session, actor, kind=ImportKind.FILE, reader=reader.name, label=path.name,
                sha256=sha256[0] if sha256 else _sha256_of(path),
            )  # fmt: skip
        if then is not None:
            then(session, report)
    if report_path is not None and (skip_bad or report.rejected):
        write_bad_report(Path(report_path), report.rejected)
        report.report_path = str(report_path)
    return report


def import_bodies(
    engine: Engine,
    bodies: Iterable[bytes],
    reader_name: str,
    *,
    label: str,
    skip_bad: bool = False,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    origin: str | None = None,
    query: str | None = None,
    actor: Actor = IMPORTER,
) -> ImportReport:
    """Import response bodies of an online source (:mod:`evidencehub.ingest.online`).

    ``bodies`` are read by the reader ``reader_name`` one at a time as they arrive, all in one
    transaction, exactly like files; ``label`` names the request in messages and provenance
    (``"pubmed:islet transplantation"``). A network failure part way rolls everything back.
    The run is stored as one import event of kind ``query``: ``origin`` names the online source
    (``pubmed``; the reader's name when not given), ``query`` the search as given.
    """
    reader = get_reader(reader_name)
    report = ImportReport(paths=[label])
    source = f"{reader.name}:{label}"
    with _collector_for_bulk_work(), transaction(engine) as session:
        importer = RecordImporter(session, report, thresholds)
        for number, body in enumerate(bodies, start=1):
            where = f"{label} (response {number})"
            import_items(
                importer,
                reader.read(io.BytesIO(body), source=where),
                source=source,
                skip_bad=skip_bad,
            )
        importer.log.store(
            session, actor, kind=ImportKind.QUERY, reader=origin or reader.name, label=label,
            query=query,
        )  # fmt: skip
    return report
