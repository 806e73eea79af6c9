"""A review's decisions to and from other tools, on the store: the rows the exports write
(:mod:`evidencehub.review.exports`), and decisions read from another tool's export
(:mod:`evidencehub.review.interop`) recorded in the review.

Importing decisions
    Each record of the export is matched to a record of the review as the importer matches
    duplicates (:mod:`evidencehub.review.matching`). Only ``same`` matches carry their decisions
    in; ``candidate`` and unmatched records are reported for a person to look at (import the
    records with ``review search`` first, or decide the candidates by hand). A decision is
    recorded as ``imported`` (a vote, under the reviewer name the tool gives), or, when the
    export states the review's outcome rather than one vote (Covidence's lists), as a
    ``consensus`` that settles the record. A tool's reason is kept as the criterion it names
    when its text is a criterion's id or text (case ignored), else in the decision's note.
    Decisions at title and abstract are recorded before those at full text. Importing the same
    file again records nothing: a decision equal to the reviewer's current one is skipped.
    Rows the reader refused stop the import unless ``skip_bad``; nothing is half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import Review, ReviewMember, ScreeningDecision
from evidencehub.review.exports import FinalDecision, ReviewerDecision, ReviewExportRow
from evidencehub.review.external import ExternalDecision, ExternalImport
from evidencehub.review.matching import RecordMatch, match_records
from evidencehub.review.screening import Standing
from evidencehub.review.service import ReviewState
from evidencehub.review.studies import stored_studies
from evidencehub.store.repo import reviews as repo
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo.records import records_by_id
from evidencehub.vocab import DecisionBasis, ReviewerRole, ScreeningStage

__all__ = ["DecisionImport", "export_rows", "import_decisions"]


def export_rows(session: Session, state: ReviewState) -> list[ReviewExportRow]:
    """Every record of the review with each reviewer's current vote and the review's settled
    decision per stage, and the study it reports, in review order."""
    records = records_by_id(session, state.records)
    studies = stored_studies(session, list(state.records))
    rows = []
    for record_id in state.records:
        if record_id not in records:
            continue
        decisions: list[ReviewerDecision] = []
        finals: list[FinalDecision] = []
        for stage in state.review.stages:
            standing = state.standing(record_id, stage)
            decisions.extend(
                ReviewerDecision(reviewer=name, stage=stage, label=vote.label, reason=vote.reason,
                                 note=vote.note)
                for name, vote in standing.votes.items() if vote.label is not None
            )  # fmt: skip
            if standing.standing is Standing.SETTLED and standing.outcome is not None:
                finals.append(FinalDecision(stage=stage, label=standing.outcome,
                                            reason=standing.reason))
        rows.append(ReviewExportRow(record_id=record_id, record=records[record_id],
                                    decisions=tuple(decisions), finals=tuple(finals),
                                    study=studies.get(record_id)))
    return rows


@dataclass
class DecisionImport:
    """What an import of decisions did: matches, decisions recorded and skipped."""

    tool: str
    source: str
    records: int = 0
    recorded: int = 0
    unchanged: int = 0
    not_matched: list[RecordMatch] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool, "source": self.source, "records": self.records,
            "decisions_recorded": self.recorded, "decisions_unchanged": self.unchanged,
            "not_matched": [m.to_dict() for m in self.not_matched], "rejected": self.rejected,
        }  # fmt: skip

    def summary(self) -> str:
        lines = [f"{self.source} ({self.tool}): {self.records} record(s), {self.recorded} "
                 f"decision(s) recorded, {self.unchanged} already recorded"]
        lines += [f"  not matched ({m.verdict}): {m.item.where} {m.item.record.title}"
                  for m in self.not_matched]
        lines += [f"  refused: {r}" for r in self.rejected]
        return "\n".join(lines)


def _reason(review: Review, text: str | None) -> tuple[str | None, str | None]:
    """The criterion a tool's reason names, or None and the text to keep in the note."""
    if not text:
        return None, None
    wanted = text.strip().casefold()
    for criterion in review.criteria:
        if wanted in (criterion.code.casefold(), criterion.text.casefold()):
            return criterion.code, None
    return None, text


def _same_as_current(state: ReviewState, record_id: int, decision: ScreeningDecision) -> bool:
    standing = state.standing(record_id, decision.stage)
    current = (standing.resolution if decision.basis is DecisionBasis.CONSENSUS
               else standing.votes.get(decision.reviewer))  # fmt: skip
    return current is not None and (current.label, current.reason, current.reviewer) == (
        decision.label, decision.reason, decision.reviewer)


def import_decisions(
    session: Session, state: ReviewState, found: ExternalImport, *, skip_bad: bool = False
) -> DecisionImport:
    """Record the decisions of another tool's export in the review (module docstring)."""
    if found.rejected and not skip_bad:
        raise InputError(f"{found.rejected[0]} ({len(found.rejected)} row(s) refused; "
                         "--skip-bad imports the rest)")
    report = DecisionImport(tool=found.tool.value, source=found.source,
                            records=len(found.records),
                            rejected=[str(r) for r in found.rejected])
    ours = records_by_id(session, state.records)
    matches = match_records(found.records, ours.items())
    matched = {id(m.item): m.record_id for m in matches
               if m.verdict == "same" and m.record_id is not None}
    report.not_matched = [m for m in matches if m.verdict != "same"]
    order = list(ScreeningStage)
    members = {m.name for m in state.review.members}
    decided: list[tuple[int, ExternalDecision]] = sorted(
        ((matched[id(d.item)], d) for d in found.decisions if id(d.item) in matched),
        key=lambda pair: order.index(pair[1].stage),
    )
    for record_id, external in decided:
        code, loose = _reason(state.review, external.reason)
        note = "; ".join(p for p in (external.note, f"reason: {loose}" if loose else None) if p)
        decision = ScreeningDecision(
            record_id=record_id, stage=external.stage, label=external.label,
            basis=DecisionBasis.CONSENSUS if external.final else DecisionBasis.IMPORTED,
            reviewer=external.reviewer, reason=code, note=note or None,
            decided_at=external.decided_at or utc_now(),
        )  # fmt: skip
        if _same_as_current(state, record_id, decision):
            report.unchanged += 1
            continue
        if external.reviewer not in members:
            repo.set_member(session, state.id, ReviewMember(name=external.reviewer,
                                                            role=ReviewerRole.SCREENER))
            members.add(external.reviewer)
        repo.add_decision(session, state.id, decision)
        report.recorded += 1
    return report
