"""GRADE certainty of the evidence for one analysis run, and how it is reported.

* :mod:`~evidencehub.grade.certainty.profile` — :func:`profile_from_run` gathers what GRADE's
  rules need from a stored run (:class:`~evidencehub.analysis.run.RunResult`) and from the
  reviewers (designs, risk-of-bias judgements, PICO-mismatch flags, dose-response).
* :mod:`~evidencehub.grade.certainty.domains` — one explicit rule per GRADE domain, each a
  :class:`Proposal` with its reason and the numbers it used.
* :mod:`~evidencehub.grade.certainty.rating` — the starting level, reviewers' overrides (a
  reason is required) and the final :class:`~evidencehub.vocab.Certainty`.
* :mod:`~evidencehub.grade.certainty.sof` — summary-of-findings rows (JSON, CSV, HTML) with
  anticipated absolute effects per 1,000.
* :mod:`~evidencehub.grade.certainty.statements` — GRADE's informative statements.

Pure: no store, no I/O. The rules, thresholds and sources are in ``docs/grade.md``.
"""

from evidencehub.grade.certainty.domains import Domain, Proposal, propose
from evidencehub.grade.certainty.profile import (
    EvidenceProfile,
    PicoElement,
    RobJudgement,
    StudyEvidence,
    Thresholds,
    profile_from_run,
)
from evidencehub.grade.certainty.rating import DomainRating, Override, Rating, rate
from evidencehub.grade.certainty.sof import (
    AbsoluteEffect,
    SofRow,
    absolute_risk,
    sof_csv,
    sof_html,
    sof_row,
    sof_table,
)
from evidencehub.grade.certainty.statements import EffectSize, effect_size, statement

__all__ = [
    "AbsoluteEffect",
    "Domain",
    "DomainRating",
    "EffectSize",
    "EvidenceProfile",
    "Override",
    "PicoElement",
    "Proposal",
    "Rating",
    "RobJudgement",
    "SofRow",
    "StudyEvidence",
    "Thresholds",
    "absolute_risk",
    "effect_size",
    "profile_from_run",
    "propose",
    "rate",
    "sof_csv",
    "sof_html",
    "sof_row",
    "sof_table",
    "statement",
]
