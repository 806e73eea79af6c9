"""Small builders of runs and profiles for the GRADE tests (explicit numbers, no store)."""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evidencehub.analysis.run import RunResult, RunRow
from evidencehub.errors import StatsWarning
from evidencehub.grade.certainty.profile import (
    EvidenceProfile,
    PicoElement,
    RobJudgement,
    StudyEvidence,
    Thresholds,
)
from evidencehub.stats import escalc, rma
from evidencehub.vocab import StudyDesign, measure_terms

REFERENCE = Path(__file__).parents[2] / "reference" / "metafor"


def reference_rows(name: str) -> list[dict[str, str]]:
    """The rows of a metafor reference data set (tests/reference/metafor/NAME.csv)."""
    with (REFERENCE / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def run_from_inputs(measure: str, inputs: Sequence[Mapping[str, float]],
                    labels: Sequence[str], *, method: str = "REML",
                    analysis: str = "a") -> RunResult:
    """A run as ``fit_rows`` stores it: escalc and rma on ``inputs``, every row pooled."""
    columns = {c: [row[c] for row in inputs] for c in inputs[0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        es = escalc(measure, **columns)  # type: ignore[arg-type]
        fit = rma(es, method=method, study=list(labels))
    z = 1.959963984540054
    rows = tuple(
        RunRow(study_key=f"s{i}", study_label=label, experimental="e", control="c",
               value_kind="final", inputs=dict(row), data=((i, 1),), subgroup=None,
               yi=float(y), vi=float(v), ci_lb=float(y - z * math.sqrt(v)),
               ci_ub=float(y + z * math.sqrt(v)), weight=float(w), pooled=True, note=None)
        for i, (row, label, y, v, w) in enumerate(
            zip(inputs, labels, es.yi, es.vi, fit.weights, strict=True)))
    return RunResult(analysis=analysis, measure=measure, method=method, test="z", level=95.0,
                     fit=fit.to_record(), model_rule=None, subgroups=None, rows=rows,
                     not_pooled_reason=None, notes=())


def study(yi: float, vi: float = 0.04, *, weight: float = 10.0, design: str = "randomised",
          rob: str = "low", flags: Sequence[str] = (), participants: int | None = 200,
          control_risk: float | None = 0.2, sd: float | None = None,
          key: str | None = None) -> StudyEvidence:
    """One study of a hand-made profile."""
    chosen = (StudyDesign.RANDOMISED_CONTROLLED if design == "randomised"
              else StudyDesign(design))
    name = key or f"study {yi:+.2f}/{weight:g}"
    return StudyEvidence(study_key=name, study_label=name, design=chosen,
                         risk_of_bias=RobJudgement(rob),
                         indirectness=tuple(PicoElement(f) for f in flags), weight=weight,
                         participants=participants, control_risk=control_risk, sd=sd,
                         yi=yi, vi=vi)


def profile(studies: Sequence[StudyEvidence], *, estimate: float, measure: str = "RR",
            ci: tuple[float, float] = (0.6, 0.95), pi: tuple[float, float] | None = None,
            tau2: float | None = None, I2: float | None = None, QEp: float | None = None,
            subgroup: tuple[float, float] | None = None, egger: float | None = None,
            dose_response: bool = False, ratio_scale: bool = True,
            run_id: int | None = 1, **thresholds: Any) -> EvidenceProfile:
    """A hand-made profile; for ratio measures ``estimate``, ``ci`` and ``pi`` are given on
    the ratio scale (as a paper prints them) unless ``ratio_scale`` is False."""
    terms = measure_terms(measure)
    log = math.log if terms.is_ratio and ratio_scale else (lambda x: x)
    return EvidenceProfile(
        analysis="a", run_id=run_id, terms=terms, level=95.0, studies=tuple(studies),
        estimate=log(estimate), ci_lb=log(ci[0]), ci_ub=log(ci[1]),
        pi_lb=None if pi is None else log(pi[0]), pi_ub=None if pi is None else log(pi[1]),
        tau2=tau2, I2=I2, QEp=QEp, subgroup_pval=None if subgroup is None else subgroup[0],
        subgroup_max_I2=None if subgroup is None else subgroup[1], egger_pval=egger,
        egger_note=None if egger is not None else "not assessable: fewer than 10 studies",
        dose_response=dose_response, thresholds=Thresholds(**thresholds))
