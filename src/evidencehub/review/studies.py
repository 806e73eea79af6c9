"""Included records become studies: the reports of one study grouped, ready for extraction.

PRISMA 2020 counts studies and reports apart ("studies included in review", "reports of
included studies"): one trial often has several reports (the main paper, a follow-up, a
conference abstract). Here the review's included reports are grouped into studies:

* reports that share a trial registry id (``NCT…``, ``ISRCTN…``…) are one study, transitively
  (a report naming two registrations joins both groups);
* a report that already belongs to a stored study brings its group into that study (a study is
  never split or re-keyed by a review);
* every other report is a study of its own.

A new study gets the key and label of its earliest report (first author's family name and
year: ``shapiro2006``, "Shapiro (2006)"; a taken key gets ``b``, ``c``…), the registry ids of
its reports, and a design from their PubMed publication types (the closest to a patient that
any report states: a randomised trial's report says "Randomized Controlled Trial"), or the
design the reviewer gives for reports that state none. Reports are included when their last
stage settled them as included (:mod:`evidencehub.review.screening`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import Actor, Record, Study, study_key
from evidencehub.review.screening import Standing
from evidencehub.review.service import ReviewState
from evidencehub.store import tables as t
from evidencehub.store.repo import reviews as repo
from evidencehub.store.repo.records import records_by_id
from evidencehub.store.repo.studies import get_study, upsert_study
from evidencehub.vocab import ScreeningLabel, StudyDesign

__all__ = [
    "IncludedStudy",
    "design_of",
    "group_reports",
    "include_studies",
    "included_reports",
    "stored_studies",
]

#: PubMed publication types (MEDLINE's list) that state a design, closest to a patient first.
_DESIGNS: tuple[tuple[str, StudyDesign], ...] = (
    ("systematic review", StudyDesign.SYSTEMATIC_REVIEW),
    ("meta-analysis", StudyDesign.SYSTEMATIC_REVIEW),
    ("randomized controlled trial", StudyDesign.RANDOMISED_CONTROLLED),
    ("pragmatic clinical trial", StudyDesign.RANDOMISED_CONTROLLED),
    ("equivalence trial", StudyDesign.RANDOMISED_CONTROLLED),
    ("controlled clinical trial", StudyDesign.NON_RANDOMISED_CONTROLLED),
    ("observational study", StudyDesign.COHORT),
    ("case reports", StudyDesign.CASE_REPORT),
)


@dataclass(frozen=True, slots=True)
class IncludedStudy:
    """A study the review includes: its key, its reports (record ids, oldest first), its
    registry ids, and whether this call created it."""

    key: str
    record_ids: tuple[int, ...]
    trial_ids: tuple[str, ...]
    created: bool


def included_reports(state: ReviewState) -> list[int]:
    """The review's records settled as included at its last stage, in review order."""
    last = state.review.stages[-1]
    return [
        record_id for record_id in state.records
        if (s := state.standing(record_id, last)).standing is Standing.SETTLED
        and s.outcome is ScreeningLabel.INCLUDE
    ]  # fmt: skip


def design_of(records: Iterable[Record]) -> StudyDesign | None:
    """The design the reports' publication types state (module docstring), if any."""
    types = {p.lower() for record in records for p in record.publication_types}
    return next((design for name, design in _DESIGNS if name in types), None)


def group_reports(records: dict[int, Record], existing: dict[int, str]) -> list[list[int]]:
    """Group report ids into studies: shared registry ids, or a shared stored study
    (``existing``: record id → study key). Groups keep the order of ``records``."""
    parent = {r: r for r in records}

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    first_with: dict[str, int] = {}
    for record_id, record in records.items():
        tokens = [f"trial:{i}" for i in record.registry_ids]
        if record_id in existing:
            tokens.append(f"study:{existing[record_id]}")
        for token in tokens:
            if token in first_with:
                parent[root(record_id)] = root(first_with[token])
            else:
                first_with[token] = record_id
    groups: dict[int, list[int]] = {}
    for record_id in records:
        groups.setdefault(root(record_id), []).append(record_id)
    return list(groups.values())


def _label(record: Record) -> str:
    author = record.authors[0] if record.authors else None
    name = (author.family or author.collective) if author else None
    return f"{name or record.title.split()[0]} ({record.year or 'n.d.'})"


def _free_key(session: Session, label: str, taken: set[str]) -> str:
    base = study_key(label)
    for suffix in ["", *"bcdefghijklmnopqrstuvwxyz"]:
        key = f"{base}{suffix}"
        stored = session.scalar(select(t.Study.id).where(t.Study.key == key))
        if stored is None and key not in taken:
            return key
    raise InputError(f"no free study key for {label!r}")


def stored_studies(session: Session, record_ids: Sequence[int]) -> dict[int, str]:
    """The key of the stored study each of these records reports (the oldest, if several)."""
    rows = session.execute(
        select(t.StudyRecord.record_id, t.Study.key)
        .join(t.Study, t.Study.id == t.StudyRecord.study_id)
        .where(t.StudyRecord.record_id.in_(list(record_ids)))
        .order_by(t.Study.id)
    )
    found: dict[int, str] = {}
    for record_id, key in rows:
        found.setdefault(record_id, key)
    return found


def include_studies(
    session: Session, state: ReviewState, actor: Actor, *, design: StudyDesign | None = None
) -> list[IncludedStudy]:
    """Make studies of the review's included reports (module docstring) and record them as the
    review's studies; running it again changes nothing."""
    ids = included_reports(state)
    records = records_by_id(session, ids)
    ordered = {i: records[i] for i in ids if i in records}
    existing = stored_studies(session, ids)
    result: list[IncludedStudy] = []
    taken: set[str] = set()
    for grouped in group_reports(ordered, existing):
        group = sorted(grouped, key=lambda i: (ordered[i].year or 9999, i))
        reports = [ordered[i] for i in group]
        trial_ids = tuple(dict.fromkeys(i for r in reports for i in r.registry_ids))
        known = next((existing[i] for i in group if i in existing), None)
        if known is not None:
            study = get_study(session, known)
            keys = tuple(dict.fromkeys([*study.record_keys, *(r.key for r in reports)]))
            trials = tuple(dict.fromkeys([*study.trial_ids, *trial_ids]))
            upsert_study(
                session, study.model_copy(update={"record_keys": keys, "trial_ids": trials})
            )
            key, created = known, False
        else:
            chosen = design_of(reports) or design
            if chosen is None:
                raise InputError(
                    f"the reports {', '.join(r.key for r in reports)} state no design: give "
                    "--design for studies whose reports do not say"
                )
            label = _label(reports[0])
            key = _free_key(session, label, taken)
            upsert_study(
                session,
                Study(
                    key=key,
                    label=label,
                    design=chosen,
                    record_keys=tuple(r.key for r in reports),
                    trial_ids=trial_ids,
                ),
            )
            created = True
        taken.add(key)
        study_id = session.execute(select(t.Study.id).where(t.Study.key == key)).scalar_one()
        repo.add_review_study(session, state.id, study_id, actor)
        result.append(
            IncludedStudy(key=key, record_ids=tuple(group), trial_ids=trial_ids, created=created)
        )
    return result
