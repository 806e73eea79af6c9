"""Analyses by time point (e.g. 3, 6 and 12 months) from one extraction table.

Reviews of cell therapies report outcomes such as HbA1c or C-peptide at several follow-up
times; each time point is a separate meta-analysis of the studies that report it (pooling
across time points would count participants twice). :func:`by_timepoint` groups the rows of
an extraction table by a time column, computes the effect sizes with :func:`escalc` and fits
each group with :func:`rma` (or with the heterogeneity rule of
:func:`evidencehub.stats.selection.choose_model`).

A table has a handful of time points, so each gets its own full :class:`MetaResult` (one
:func:`rma` call each); refitting thousands of analyses at once is the job of
``evidencehub.stats.batch``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.effects import escalc
from evidencehub.stats.models import rma
from evidencehub.stats.results import MetaResult
from evidencehub.stats.selection import ModelChoice, choose_model

__all__ = ["TimepointAnalyses", "TimepointFit", "by_timepoint"]

#: escalc's data arguments, the column names of an extraction table (DESIGN.md contract).
ESCALC_COLUMNS = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "xi",
                  "mi", "sdi", "ni", "ri", "yi", "vi", "sei")


@dataclass(frozen=True, slots=True)
class TimepointFit:
    """The meta-analysis of one time point.

    Attributes
    ----------
    timepoint
        The time point's value as it appears in the table.
    fit
        The fitted model.
    choice
        The heterogeneity rule's decision when ``choose=True``, else None.
    """

    timepoint: Any
    fit: MetaResult
    choice: ModelChoice | None

    def to_dict(self) -> dict[str, Any]:
        """``{"timepoint": ..., **fit keys}``, plus ``model_choice`` when the rule was used."""
        body = self.choice.to_dict() if self.choice is not None else self.fit.to_dict()
        return {"timepoint": self.timepoint, **body}


@dataclass(frozen=True, slots=True)
class TimepointAnalyses:
    """One analysis per time point, in time order.

    Attributes
    ----------
    column
        The time column.
    measure
        The effect-size measure.
    fits
        The analyses, ordered by time point (numerically when every value is a number).
    skipped
        ``(timepoint, reason)`` for time points with too few studies to pool.
    """

    column: str
    measure: str
    fits: tuple[TimepointFit, ...]
    skipped: tuple[tuple[Any, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"by", "measure", "analyses": [...], "skipped": [...]}``."""
        return {"by": self.column, "measure": self.measure,
                "analyses": [f.to_dict() for f in self.fits],
                "skipped": [{"timepoint": t, "reason": r} for t, r in self.skipped]}

    def summary(self) -> str:
        """One line per time point: k, pooled estimate with CI, tau², I²."""
        lines = [f"Analyses by {self.column} ({self.measure})", ""]
        for f in self.fits:
            r = f.fit
            model = "random" if r.method != "EE" else "fixed"
            lines.append(
                f"{self.column} {f.timepoint}: k = {r.k}, estimate = {r.estimate:.4f} "
                f"({r.level:g}% CI {r.ci_lb:.4f} to {r.ci_ub:.4f}), p = "
                f"{'<.0001' if r.pval < 1e-4 else f'{r.pval:.4f}'}, tau^2 = {r.tau2:.4f}, "
                f"I^2 = {r.I2:.1f}% [{model}, {r.method}]")
        for t, reason in self.skipped:
            lines.append(f"{self.column} {t}: not pooled ({reason})")
        return "\n".join(lines)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def _number(value: Any, row: int, column: str, source: str | None) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"expected a number, got {value!r}", source=source,
                         where=f"row {row}, column '{column}'") from None


def _time_key(values: list[Any]) -> Any:
    try:
        numeric = {v: float(v) for v in values}
    except (TypeError, ValueError):
        return lambda v: str(v)
    return lambda v: numeric[v]


def by_timepoint(
    rows: Sequence[Mapping[str, Any]],
    *,
    measure: str,
    timepoint: str = "timepoint",
    study: str = "study",
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    choose: bool = False,
    min_k: int = 2,
    control: Mapping[str, float | None] | None = None,
    source: str | None = None,
) -> TimepointAnalyses:
    """Fit one meta-analysis per time point of an extraction table.

    Parameters
    ----------
    rows
        The table: one mapping per row with a ``study`` label, the ``timepoint`` value and
        escalc's columns for ``measure`` (``m1i, sd1i, n1i, ...``; ``yi, vi`` for ``GEN``).
        Values may be numbers or numeric text (as read from CSV).
    measure
        escalc measure code.
    timepoint, study
        Column names of the time point and of the study label.
    method, test, level, control
        As in :func:`rma`; with ``choose=True`` ``method`` is the random-effects estimator.
    choose
        Choose fixed or random effects per time point by the heterogeneity rule.
    min_k
        Time points with fewer studies are not pooled; they are listed in ``skipped`` and a
        :class:`StatsWarning` names them.
    source
        File name for error messages.
    """
    if not rows:
        raise InputError("by_timepoint: the table has no rows", source=source)
    if min_k < 1:
        raise InputError(f"by_timepoint: 'min_k' must be at least 1; got {min_k!r}")
    columns = [c for c in ESCALC_COLUMNS if any(not _missing(r.get(c)) for r in rows)]
    if not columns:
        raise InputError("by_timepoint: the table has none of escalc's columns ("
                         + ", ".join(ESCALC_COLUMNS) + ")", source=source)
    groups: dict[Any, list[int]] = {}
    for i, row in enumerate(rows):
        value = row.get(timepoint)
        if _missing(value):
            raise InputError(f"missing time point in column '{timepoint}'", source=source,
                             where=f"row {i + 1}")
        groups.setdefault(value, []).append(i)
    fits: list[TimepointFit] = []
    skipped: list[tuple[Any, str]] = []
    for value in sorted(groups, key=_time_key(list(groups))):
        index = groups[value]
        if len(index) < min_k:
            skipped.append((value, f"{len(index)} stud{'y' if len(index) == 1 else 'ies'}, "
                                   f"fewer than {min_k}"))
            continue
        data: dict[str, Any] = {}
        for column in columns:
            cells = []
            for i in index:
                cell = rows[i].get(column)
                if _missing(cell):
                    raise InputError(f"missing value for '{column}' (other rows have it)",
                                     source=source, where=f"row {i + 1}")
                cells.append(_number(cell, i + 1, column, source))
            data[column] = np.asarray(cells)
        labels = [str(rows[i].get(study, f"row {i + 1}")) for i in index]
        try:
            if measure == "GEN":
                es_yi: Any = data.get("yi")
                es_vi: Any = data.get("vi")
                if es_yi is None or es_vi is None:
                    raise InputError("measure GEN needs the columns 'yi' and 'vi'")
                effects: Any = escalc("GEN", yi=es_yi, vi=es_vi, study=labels)
            else:
                effects = escalc(measure, study=labels, **data)
        except InputError as exc:
            raise InputError(f"{exc} (time point {value!r})", source=source) from exc
        if choose:
            choice = choose_model(effects, random_method=method, test=test, level=level,
                                  control=control)
            fits.append(TimepointFit(value, choice.fit, choice))
        else:
            fits.append(TimepointFit(value, rma(effects, method=method, test=test, level=level,
                                                control=control), None))
    if skipped:
        names = ", ".join(f"{t!r} ({reason})" for t, reason in skipped)
        warnings.warn(f"by_timepoint: time points not pooled: {names}", StatsWarning,
                      stacklevel=2)
    if not fits:
        raise InputError(f"by_timepoint: no time point has at least {min_k} studies",
                         source=source)
    return TimepointAnalyses(column=timepoint, measure=measure, fits=tuple(fits),
                             skipped=tuple(skipped))
