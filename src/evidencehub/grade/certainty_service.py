"""GRADE ratings in the store: propose a rating for an analysis's newest run from the rules,
record a reviewer's rating with its overrides, and rebuild exactly what a rating judged.

What a rating reads: the run (its pooled rows and fit), each study's design, the risk-of-bias
assessment that counts for the analysis's outcome (:mod:`evidencehub.grade.rob_service`), the
reviewers' flags (indirectness per study and PICO element, a dose-response gradient;
:mod:`evidencehub.store.repo.grade`) and the thresholds. A stored rating keeps all of these
inputs beside the rating itself (:class:`Judged`), so its summary of findings is rebuilt from
the run it judged even after new assessments; a newer run of the analysis marks the rating for
re-review (``StoredRating.stale``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from evidencehub.analysis.run import RunResult
from evidencehub.errors import InputError
from evidencehub.grade import rob_service
from evidencehub.grade.certainty import (
    EvidenceProfile,
    Override,
    Rating,
    SofRow,
    Thresholds,
    profile_from_run,
    rate,
    sof_row,
    statement,
)
from evidencehub.grade.certainty.profile import PicoElement
from evidencehub.model import Analysis, AnalysisRun
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import grade as grade_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo.grade import StoredRating
from evidencehub.vocab import StudyDesign

__all__ = ["DOSE_RESPONSE", "FLAGS", "Judged", "judge", "rated", "rebuilt", "record", "sof_of",
           "statement_of"]

DOSE_RESPONSE = "dose-response"
#: The flags a reviewer may record: a PICO element a study does not match, or a gradient.
FLAGS = (*(e.value for e in PicoElement), DOSE_RESPONSE)


@dataclass(frozen=True, slots=True)
class Judged:
    """A rating with everything it judged: the analysis, the run, the inputs and the profile."""

    analysis: Analysis
    run: AnalysisRun
    inputs: Mapping[str, Any]
    profile: EvidenceProfile
    rating: Rating

    def to_dict(self) -> dict[str, Any]:
        """What the store keeps: the inputs beside the rating, and the informative statement
        pages print (so that rendering a page never recomputes a profile)."""
        return {"inputs": dict(self.inputs), "rating": self.rating.to_dict(),
                "statement": statement_of(self)}


def _run(session: Session, slug: str, run_id: int | None = None) -> AnalysisRun:
    run = (analyses_repo.get_run(session, run_id) if run_id is not None
           else analyses_repo.latest_run(session, slug))
    if run is None or run.schema_version == 0:
        raise InputError(f"analysis {slug!r} has no run to rate yet; run 'analyze {slug}'")
    return run


def _inputs(session: Session, analysis: Analysis, result: RunResult,
            thresholds: Thresholds) -> dict[str, Any]:
    keys = sorted({row.study_key for row in result.rows})
    designs = {k: studies_repo.get_study(session, k).design.value for k in keys}
    counted = rob_service.counted(session, analysis.outcome, keys)
    indirect: dict[str, list[str]] = {}
    dose_response = False
    for flag in grade_repo.current_flags(session, analysis.slug):
        if flag.flag == DOSE_RESPONSE:
            dose_response = True
        elif flag.study_key is not None:
            indirect.setdefault(flag.study_key, []).append(flag.flag)
    return {"designs": designs,
            "risk_of_bias": {k: a.overall.chosen.value for k, a in counted.items()},
            "indirectness": indirect, "dose_response": dose_response,
            "thresholds": thresholds.to_dict()}


def _profile(result: RunResult, run_id: int | None, inputs: Mapping[str, Any]) -> EvidenceProfile:
    return profile_from_run(
        result, designs={k: StudyDesign(v) for k, v in inputs["designs"].items()},
        risk_of_bias=inputs["risk_of_bias"], indirectness=inputs["indirectness"],
        dose_response=inputs["dose_response"],
        thresholds=Thresholds.from_dict(inputs["thresholds"]), run_id=run_id)


def judge(session: Session, slug: str, *, overrides: Sequence[Override] = (),
          thresholds: Thresholds | None = None) -> Judged:
    """The rules' rating of the newest run of ``slug`` (with ``overrides``), not stored."""
    analysis = analyses_repo.get_analysis(session, slug)
    run = _run(session, slug)
    result = RunResult.from_dict(run.result)
    inputs = _inputs(session, analysis, result, thresholds or Thresholds())
    profile = _profile(result, run.id, inputs)
    return Judged(analysis, run, inputs, profile, rate(profile, overrides))


def record(session: Session, judged: Judged, *, rater: str) -> int:
    """Store ``judged`` as ``rater``'s rating of its run; return the rating's id."""
    if judged.run.id is None:
        raise InputError("only a stored run can be rated")
    return grade_repo.add_rating(session, judged.analysis.slug, judged.run.id,
                                 certainty=judged.rating.certainty.value,
                                 payload=judged.to_dict(), rater=rater)


def rated(session: Session, slug: str) -> tuple[Judged, StoredRating] | None:
    """The newest stored rating of ``slug`` rebuilt as it was judged, or None if unrated."""
    stored = grade_repo.latest_ratings(session, [slug]).get(slug)
    if stored is None:
        return None
    analysis = analyses_repo.get_analysis(session, slug)
    return rebuilt(analysis, _run(session, slug, stored.run_id), stored.payload), stored


def rebuilt(analysis: Analysis, run: AnalysisRun, payload: Mapping[str, Any]) -> Judged:
    """A stored rating (``payload``: :meth:`Judged.to_dict`) rebuilt on the run it judged,
    from the inputs it kept (pure: what a page's summary of findings is drawn from)."""
    inputs = payload["inputs"]
    profile = _profile(RunResult.from_dict(run.result), run.id, inputs)
    return Judged(analysis, run, inputs, profile, Rating.from_dict(payload["rating"]))


def sof_of(judged: Judged, *, outcome_label: str | None = None,
           baseline_risk: float | None = None, unit: str | None = None) -> SofRow:
    """The summary-of-findings row of a rating."""
    return sof_row(outcome_label or judged.analysis.outcome, judged.profile, judged.rating,
                   baseline_risk=baseline_risk, unit=unit)


def statement_of(judged: Judged) -> str:
    """GRADE's informative statement of a rating (Santesso et al. 2020)."""
    comparison = judged.analysis.comparison
    intervention = " or ".join(comparison.experimental)
    return statement(intervention, judged.analysis.outcome, judged.rating, judged.profile)
