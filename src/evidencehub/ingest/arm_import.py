"""``evidencehub data import``: arm-level outcome data into the store, in one transaction.

The table is read and checked whole first (:func:`~evidencehub.ingest.arm_data.read_arm_data`),
so a bad row writes nothing. Then, in one unit of work:

* the import is recorded as an event (kind ``data``: file name, SHA-256, actor, times,
  counts), and every version it writes names it;
* an unknown study is created from its label, with the row's ``design`` or ``--design`` (one
  of them is required for a new study) and ``population``, citing the row's source record; a
  known study is used as stored;
* an unknown outcome is created (continuous or dichotomous from the numbers, with the unit and
  direction given);
* each row is stored by :func:`~evidencehub.store.repo.outcomes.put_outcome_data`: equal to
  the stored version → unchanged, changed → a new version, new → version 1.

So re-importing a file changes no number (only a new event records that it was run), and a
corrected value becomes a new version that makes exactly the analyses using it stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.ingest.arm_data import ArmDataRow, read_arm_data
from evidencehub.model import Actor, ImportEvent, ImportKind, Outcome, Study
from evidencehub.store.repo import imports as import_events
from evidencehub.store.repo import outcomes as outcomes_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.session import transaction
from evidencehub.vocab import StudyDesign

__all__ = ["DATA_READER", "DataImportReport", "import_arm_data", "write_arm_data"]

#: The reader name recorded on data-import events.
DATA_READER = "arm-table"


@dataclass(slots=True)
class DataImportReport:
    """What a data import did: its event, counts, and each row's id, version and outcome."""

    path: str
    import_id: int = 0
    sha256: str = ""
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    studies_created: list[str] = field(default_factory=list)
    outcomes_created: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "import_id": self.import_id, "sha256": self.sha256,
            "read": self.read, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "studies_created": list(self.studies_created),
            "outcomes_created": list(self.outcomes_created), "rows": list(self.rows),
        }

    def summary(self) -> str:
        """One paragraph for people."""
        text = (f"{self.read} row(s) read from {Path(self.path).name}: {self.created} new, "
                f"{self.updated} changed (a new version each), {self.unchanged} unchanged.")
        if self.studies_created:
            text += f" New studies: {', '.join(self.studies_created)}."
        if self.outcomes_created:
            text += f" New outcomes: {', '.join(self.outcomes_created)}."
        return text + f" Recorded as import {self.import_id}."


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_key(session: Session, item: ArmDataRow, path: Path) -> str | None:
    """The stored key of the row's source record; an error naming the file, row and column
    when the source is malformed or not in the store."""
    if item.data.source is None:
        return None
    where = f"row {item.row}, column 'source'"
    try:
        return records_repo.get_record(session, item.data.source).key
    except NotFoundError:
        raise InputError(f"source {item.data.source!r} is not in the store; import the "
                         "record first (evidencehub import or fetch)",
                         source=path.name, where=where) from None
    except InputError as err:
        raise InputError(err.problem, source=path.name, where=where) from None


def _ensure_study(session: Session, item: ArmDataRow, source: str | None,
                  design: StudyDesign | None, path: Path, report: DataImportReport,
                  known: set[str]) -> None:
    """Create the row's study unless ``known`` (the keys of the stored studies) has it."""
    key = item.data.study_key
    if key in known:
        return
    chosen = item.design or design
    if chosen is None:
        raise InputError(f"study {item.study_label!r} is new; give its design in a 'design' "
                         "column or with --design", source=path.name, where=f"row {item.row}")
    records = () if source is None else (source,)
    studies_repo.upsert_study(session, Study(key=key, label=item.study_label, design=chosen,
                                             population=item.population, record_keys=records))
    report.studies_created.append(key)
    known.add(key)


def import_arm_data(engine: Engine, path: Path, *, actor: Actor,
                    design: StudyDesign | None = None) -> DataImportReport:
    """Import the arm table at ``path`` (module docstring); one transaction."""
    started = dt.datetime.now(dt.UTC)
    rows = read_arm_data(path)
    with transaction(engine) as session:
        return write_arm_data(session, path, rows, actor=actor, design=design, started=started)


def write_arm_data(session: Session, path: Path, rows: Sequence[ArmDataRow], *, actor: Actor,
                   design: StudyDesign | None = None, started: dt.datetime | None = None,
                   record_unchanged: bool = True) -> DataImportReport:
    """Write the rows read from ``path`` inside the caller's unit of work (the demo's import
    stage uses this; :func:`import_arm_data` is the one-transaction command).

    ``record_unchanged=False`` records the import only when it changed something (the demo:
    running it again leaves the store as it was); its report then has ``import_id`` 0.
    """
    started = started or dt.datetime.now(dt.UTC)
    report = DataImportReport(path=str(path), sha256=_sha256(path), read=len(rows))
    writer = actor_id(session, actor)
    event = ImportEvent(kind=ImportKind.DATA, reader=DATA_READER, label=path.name,
                        sha256=report.sha256, actor=actor.name, started_at=started,
                        finished_at=started, n_read=len(rows))
    report.import_id = import_events.record_event(session, event, actor, {})
    known_outcomes = {o.name for o in outcomes_repo.list_outcomes(session)}
    studies = set(studies_repo.study_labels(session))
    for item in rows:
        source = _source_key(session, item, path)
        _ensure_study(session, item, source, design, path, report, studies)
        outcome = Outcome(name=item.data.outcome, data_kind=item.data.data_kind,
                          unit=item.unit, direction=item.direction)
        try:
            outcomes_repo.outcome_id(session, outcome, actor_id=writer)
        except InputError as err:
            raise InputError(err.problem, source=path.name, where=f"row {item.row}") from None
        if outcome.name not in known_outcomes:
            known_outcomes.add(outcome.name)
            report.outcomes_created.append(outcome.name)
        data_id, version, status = outcomes_repo.put_outcome_data(
            session, item.data, actor_id=writer, import_id=report.import_id)
        report.rows.append({"row": item.row, "id": data_id, "version": version,
                            "status": status.value})
        setattr(report, status.value, getattr(report, status.value) + 1)
    if not record_unchanged and not (report.created or report.updated or report.studies_created):
        import_events.drop_event(session, report.import_id)
        report.import_id = 0
        return report
    import_events.complete_event(session, report.import_id, finished_at=dt.datetime.now(dt.UTC),
                               counts={"n_created": report.created, "n_updated": report.updated,
                                       "n_unchanged": report.unchanged})
    return report
