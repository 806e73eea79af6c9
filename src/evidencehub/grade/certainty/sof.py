"""Summary-of-findings rows in GRADE's format, as JSON, CSV and HTML.

One :class:`SofRow` per outcome: participants (studies), certainty with GRADE's symbols and
footnote letters for the reasons it was rated down or up, the relative effect with its CI,
and — for binary outcomes — the anticipated absolute effects per 1,000: the risk with the
control (the baseline), the risk with the intervention and their difference, each with its CI
(Guyatt et al., GRADE guidelines 12, J Clin Epidemiol 2013;66:158–172; Cochrane Handbook v6.4
§14.1.5 and §15.4.4). For continuous outcomes the difference is the mean difference in the
outcome's units (GRADE guidelines 13, J Clin Epidemiol 2013;66:173–183).

The risk with the intervention, from a control risk ``ACR0`` (Cochrane Handbook §15.4.4):

* risk ratio: ``ACR = RR × ACR0``;
* odds ratio (and Peto's): ``ACR = OR × ACR0 / (1 − ACR0 + OR × ACR0)``;
* risk difference: ``ACR = ACR0 + RD``;

applied to the estimate and to each confidence limit, and kept within 0 and 1. The baseline
is by default the median control-group risk of the studies in the analysis (as GRADEpro
proposes); an explicit one (e.g. from a cohort of the population of interest) may be given.
Numbers per 1,000 are rounded half away from zero when printed; the JSON keeps them unrounded.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidencehub.errors import InputError
from evidencehub.grade.certainty.domains import Domain
from evidencehub.grade.certainty.profile import EvidenceProfile
from evidencehub.grade.certainty.rating import Rating
from evidencehub.vocab import Certainty, Family, Measure, interval_label, measure_terms

__all__ = ["AbsoluteEffect", "SofRow", "absolute_risk", "round_half_away", "sof_csv", "sof_html",
           "sof_row", "sof_table"]

_MINUS = "\u2212"


def absolute_risk(measure: Measure | str, effect: float, baseline: float) -> float:
    """The risk with the intervention from an effect on the reported scale and a control risk.

    See the module docstring for the formulas (Cochrane Handbook v6.4 §15.4.4); the result is
    kept within [0, 1].

    >>> round(absolute_risk("OR", 0.10, 0.010) * 1000, 3)
    1.009
    """
    code = measure_terms(measure).measure
    if not 0 <= baseline <= 1:
        raise InputError(f"a baseline risk must be a proportion from 0 to 1; got {baseline!r}",
                         source="grade")
    if code is Measure.RR:
        risk = effect * baseline
    elif code in (Measure.OR, Measure.PETO):
        risk = effect * baseline / (1 - baseline + effect * baseline)
    elif code is Measure.RD:
        risk = baseline + effect
    else:
        raise InputError(f"no absolute effect for measure {code.value}; binary measures are "
                         "OR, RR, RD and PETO", source="grade")
    return min(max(risk, 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class AbsoluteEffect:
    """Anticipated absolute effects of a binary outcome (proportions; per 1,000 in to_dict).

    Attributes
    ----------
    baseline : float
        The risk with the control (assumed control risk).
    baseline_basis : str
        Where the baseline comes from ("median control-group risk of 9 studies", "given").
    risk, risk_lb, risk_ub : float
        The risk with the intervention and its confidence limits.
    """

    baseline: float
    baseline_basis: str
    risk: float
    risk_lb: float
    risk_ub: float

    @property
    def difference(self) -> tuple[float, float, float]:
        """Risk with the intervention minus the baseline: estimate and limits."""
        return (self.risk - self.baseline, self.risk_lb - self.baseline,
                self.risk_ub - self.baseline)

    def to_dict(self) -> dict[str, Any]:
        """Per 1,000, unrounded, with the baseline's basis."""
        diff = self.difference
        return {"baseline_per_1000": 1000 * self.baseline, "baseline_basis": self.baseline_basis,
                "risk_per_1000": 1000 * self.risk, "risk_ci_lb_per_1000": 1000 * self.risk_lb,
                "risk_ci_ub_per_1000": 1000 * self.risk_ub,
                "difference_per_1000": 1000 * diff[0],
                "difference_ci_lb_per_1000": 1000 * diff[1],
                "difference_ci_ub_per_1000": 1000 * diff[2]}


@dataclass(frozen=True, slots=True)
class SofRow:
    """One outcome of a summary-of-findings table.

    Attributes
    ----------
    outcome : str
        The outcome (with its time point, as the table should show it).
    participants : int or None
        Participants in the analysis.
    studies : int
        Studies in the analysis.
    randomised : bool
        Whether they are all randomised trials ("RCTs") or not ("non-randomised studies").
    certainty : Certainty
        The rating's certainty.
    footnotes : tuple of (Domain, str)
        The reasons certainty was rated down or up, in domain order.
    measure : Measure
        The effect measure.
    level : float
        Confidence level in percent.
    relative : tuple of float or None
        Ratio measures: the estimate and its limits on the ratio scale.
    absolute : AbsoluteEffect or None
        Binary measures: the anticipated absolute effects.
    difference : tuple of float or None
        Difference measures (MD, SMD, RD…): the estimate and its limits.
    unit : str or None
        The unit of a mean difference.
    comments : str
        Free text for the comments column.
    """

    outcome: str
    participants: int | None
    studies: int
    randomised: bool
    certainty: Certainty
    footnotes: tuple[tuple[Domain, str], ...]
    measure: Measure
    level: float
    relative: tuple[float, float, float] | None
    absolute: AbsoluteEffect | None
    difference: tuple[float, float, float] | None
    unit: str | None
    comments: str

    def cells(self, letters: Sequence[str] | None = None) -> dict[str, str]:
        """The printed cells: ``outcome, participants, certainty, relative, risk_control,
        risk_intervention, difference, comments``, plus ``certainty_label`` and ``marks``
        (the certainty without and its footnote letters alone; ``letters``: the marks to
        use, a, b… by default)."""
        marks = list(letters) if letters is not None else [
            _letter(i) for i in range(len(self.footnotes))]
        label = self.certainty.value.capitalize()
        design = (("RCT" if self.studies == 1 else "RCTs") if self.randomised else
                  ("non-randomised study" if self.studies == 1 else "non-randomised studies"))
        people = "—" if self.participants is None else f"{self.participants:,}"
        cells = {
            "outcome": self.outcome,
            "participants": f"{people} ({self.studies} {design})",
            "certainty": f"{self.certainty.symbols} {label}"
                         + (f" {','.join(marks)}" if marks else ""),
            "certainty_label": f"{self.certainty.symbols} {label}", "marks": ",".join(marks),
            "relative": "—", "risk_control": "—", "risk_intervention": "—", "difference": "—",
            "comments": self.comments,
        }
        code = self.measure.value
        if self.relative is not None:
            est, lb, ub = self.relative
            cells["relative"] = f"{code} {est:.2f} ({lb:.2f} to {ub:.2f})"
        if self.absolute is not None:
            a = self.absolute
            cells["risk_control"] = f"{_per_1000(a.baseline)} per 1,000"
            cells["risk_intervention"] = (f"{_per_1000(a.risk)} per 1,000 "
                                          f"({_per_1000(a.risk_lb)} to {_per_1000(a.risk_ub)})")
            d, d_lb, d_ub = (round_half_away(1000 * x) for x in a.difference)
            cells["difference"] = (f"{_more_fewer(d)} per 1,000 "
                                   f"(from {_more_fewer(d_lb)} to {_more_fewer(d_ub)})")
        elif self.difference is not None:
            est, lb, ub = self.difference
            cells["difference"] = (f"{code} {_higher_lower(est, self.unit)} "
                                   f"({_higher_lower(lb)} to {_higher_lower(ub)})")
        return cells

    def to_dict(self) -> dict[str, Any]:
        """Every field (numbers unrounded), footnotes lettered a, b…, and the printed cells."""
        return {
            "outcome": self.outcome, "participants": self.participants,
            "studies": self.studies, "randomised": self.randomised,
            "certainty": self.certainty.value, "symbols": self.certainty.symbols,
            "footnotes": [{"letter": _letter(i), "domain": d.value, "reason": r}
                          for i, (d, r) in enumerate(self.footnotes)],
            "measure": self.measure.value, "level": self.level,
            "relative": None if self.relative is None else dict(
                zip(("estimate", "ci_lb", "ci_ub"), self.relative, strict=True)),
            "absolute": None if self.absolute is None else self.absolute.to_dict(),
            "difference": None if self.difference is None else dict(
                zip(("estimate", "ci_lb", "ci_ub"), self.difference, strict=True)),
            "unit": self.unit, "comments": self.comments, "cells": self.cells(),
        }


def round_half_away(value: float) -> int:
    """``value`` rounded to an integer, halves away from zero (2.5 → 3, −2.5 → −3)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _per_1000(risk: float) -> str:
    return str(round_half_away(1000 * risk))


def _more_fewer(n: int) -> str:
    return f"{abs(n)} more" if n > 0 else (f"{abs(n)} fewer" if n < 0 else "0 fewer")


def _higher_lower(x: float, unit: str | None = None) -> str:
    """``4.72 lower`` (``4.72 points lower`` with a unit), as GRADEpro words a difference."""
    text = f"{abs(x):.2f}" + (f" {unit}" if unit else "")
    if f"{abs(x):.2f}" == "0.00":
        return text
    return f"{text} higher" if x > 0 else f"{text} lower"


def _letter(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[i] if i < len(letters) else letters[i // 26 - 1] + letters[i % 26]


def sof_row(outcome: str, profile: EvidenceProfile, rating: Rating, *,
            baseline_risk: float | None = None, unit: str | None = None,
            comments: str = "") -> SofRow:
    """The summary-of-findings row of one analysis.

    Parameters
    ----------
    outcome : str
        The outcome's name as the table shows it.
    profile : EvidenceProfile
        The evidence rated.
    rating : Rating
        Its rating (the run judged must be the profile's).
    baseline_risk : float, optional
        The assumed control risk (a proportion) for binary outcomes; default the median
        control-group risk of the studies.
    unit : str, optional
        The unit of a mean difference.
    comments : str
        The comments column.
    """
    if not outcome.strip():
        raise InputError("an outcome name is required", source="grade")
    if rating.analysis != profile.analysis or rating.run_id != profile.run_id:
        raise InputError(f"the rating judged analysis '{rating.analysis}' run "
                         f"{rating.run_id}, not '{profile.analysis}' run {profile.run_id}",
                         source="grade")
    terms = profile.terms
    est, lb, ub = (profile.reported(x) for x in (profile.estimate, profile.ci_lb, profile.ci_ub))
    relative = (est, lb, ub) if terms.is_ratio else None
    difference = None if terms.is_ratio else (est, lb, ub)
    absolute = None
    if terms.family is Family.TWO_BY_TWO:
        if baseline_risk is not None:
            baseline, basis = baseline_risk, "given"
        else:
            risks = [s.control_risk for s in profile.studies if s.control_risk is not None]
            if not risks or profile.control_risk is None:
                raise InputError("no control-group risk in the studies; give a baseline risk",
                                 source="grade", where=f"analysis '{profile.analysis}'")
            baseline = profile.control_risk
            basis = f"median control-group risk of {len(risks)} " + (
                "study" if len(risks) == 1 else "studies")
        m = terms.measure
        absolute = AbsoluteEffect(
            baseline=baseline, baseline_basis=basis, risk=absolute_risk(m, est, baseline),
            risk_lb=absolute_risk(m, lb, baseline), risk_ub=absolute_risk(m, ub, baseline))
    return SofRow(
        outcome=outcome, participants=profile.participants, studies=profile.k,
        randomised=profile.randomised, certainty=rating.certainty, footnotes=rating.reasons,
        measure=terms.measure, level=profile.level, relative=relative, absolute=absolute,
        difference=difference, unit=unit, comments=comments,
    )


_COLUMNS = ("outcome", "participants", "certainty", "relative", "risk_control",
            "risk_intervention", "difference", "comments")


def _headers(rows: Sequence[SofRow], intervention: str, comparison: str) -> dict[str, str]:
    levels = {r.level for r in rows}
    ci = interval_label(levels.pop() if len(levels) == 1 else 95.0)
    return {"outcome": "Outcome", "participants": "№ of participants (studies)",
            "certainty": "Certainty of the evidence (GRADE)",
            "relative": f"Relative effect ({ci})", "risk_control": f"Risk with {comparison}",
            "risk_intervention": f"Risk with {intervention}",
            "difference": f"Difference ({ci})", "comments": "Comments"}


def _lettered(rows: Sequence[SofRow]) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """Cells per row with footnote letters running through the table, and the footnotes."""
    out: list[dict[str, str]] = []
    notes: list[tuple[str, str]] = []
    for row in rows:
        marks = []
        for domain, reason in row.footnotes:
            letter = _letter(len(notes))
            notes.append((letter, f"{domain.value.capitalize()}: {reason}."))
            marks.append(letter)
        out.append(row.cells(marks))
    return out, notes


def sof_csv(rows: Sequence[SofRow], *, intervention: str = "intervention",
            comparison: str = "control") -> str:
    """The table as CSV: a header row, one row per outcome, then one ``footnote`` row per
    footnote (its letter in the first column, its text in the second)."""
    headers = _headers(rows, intervention, comparison)
    cells, notes = _lettered(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([headers[c] for c in _COLUMNS])
    for row in cells:
        writer.writerow([row[c] for c in _COLUMNS])
    for letter, text in notes:
        writer.writerow([f"footnote {letter}", text])
    return buffer.getvalue()


def sof_html(rows: Sequence[SofRow], *, title: str, intervention: str = "intervention",
             comparison: str = "control") -> str:
    """The table as an HTML fragment (``publish/templates/_sof.html``, escaped by Jinja2)."""
    from evidencehub.publish.render import environment

    return environment().get_template("_sof.html").render(
        sof=sof_table(rows, title=title, intervention=intervention, comparison=comparison))


def sof_table(rows: Sequence[SofRow], *, title: str, intervention: str = "intervention",
              comparison: str = "control") -> dict[str, Any]:
    """What ``_sof.html`` renders (plain data, also a page's JSON): the title, the columns and
    their headers, each row's printed cells, the lettered footnotes and the baselines."""
    headers = _headers(rows, intervention, comparison)
    cells, notes = _lettered(rows)
    baselines = sorted({r.absolute.baseline_basis for r in rows if r.absolute is not None})
    return {"title": title, "columns": list(_COLUMNS), "headers": headers, "rows": cells,
            "footnotes": [list(note) for note in notes], "baselines": baselines}
