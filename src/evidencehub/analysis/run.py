"""The typed result of a run, as stored: every number a page, a plot or a trace needs.

A :class:`RunResult` is written once (``analysis_runs.result`` holds its :meth:`~RunResult.to_dict`)
and read back with :meth:`RunResult.from_dict`; nobody refits to draw a plot
(:meth:`RunResult.meta_result` rebuilds the fitted model from the stored numbers).
:data:`SCHEMA_VERSION` is stored beside it; a stored dict of another version is refused by
``from_dict`` rather than misread, and its analysis is refitted by ``analyze``.

The fingerprint (:func:`fingerprint`) is the SHA-256 of the canonical JSON of the analysis's
settings and the (outcome-data id, version) pairs it would pool: an analysis is stale exactly
when its newest run's fingerprint differs from the one it would have now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidencehub.model import Analysis

if TYPE_CHECKING:
    from evidencehub.stats import MetaResult

__all__ = ["SCHEMA_VERSION", "RunResult", "RunRow", "fingerprint", "settings_of"]

#: Version of :meth:`RunResult.to_dict`'s layout.
SCHEMA_VERSION = 1


def settings_of(analysis: Analysis) -> dict[str, Any]:
    """What decides a fit: every setting of ``analysis`` but its title, description and the
    review its studies came from."""
    data = analysis.model_dump(mode="json", exclude={"title", "description", "review"})
    data["comparison"] = {"experimental": sorted(analysis.comparison.experimental),
                          "control": sorted(analysis.comparison.control)}
    return data


def fingerprint(settings: Mapping[str, Any], inputs: Sequence[tuple[int, int]],
                labels: Mapping[str, str]) -> str:
    """SHA-256 (hex) of the settings, the inputs and the study labels shown in the result."""
    text = json.dumps({"settings": settings, "inputs": sorted(inputs), "labels": labels,
                       "schema": SCHEMA_VERSION}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RunRow:
    """One study's row of a run.

    Attributes
    ----------
    study_key, study_label : str
        The study and how pages name it.
    experimental, control : str or None
        Arm labels (``control`` None for single-group measures).
    value_kind : str
        ``final`` or ``change``.
    inputs : dict of str to float
        escalc's columns.
    data : tuple of (int, int)
        The (outcome-data id, version) pairs the row was built from.
    subgroup : str or None
        The row's subgroup.
    yi, vi, ci_lb, ci_ub : float or None
        Effect size, its variance and confidence limits on the analysis scale (None where the
        measure is undefined, e.g. a table with no events in either arm under MH).
    weight : float or None
        Percent weight in the pooled estimate (None when not pooled).
    pooled : bool
        Whether the row entered the pooled estimate.
    note : str or None
        Why not, when not.
    """

    study_key: str
    study_label: str
    experimental: str
    control: str | None
    value_kind: str
    inputs: dict[str, float]
    data: tuple[tuple[int, int], ...]
    subgroup: str | None
    yi: float | None
    vi: float | None
    ci_lb: float | None
    ci_ub: float | None
    weight: float | None
    pooled: bool
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        """Every field; ``data`` as ``[[id, version], …]``."""
        return {
            "study_key": self.study_key, "study_label": self.study_label,
            "experimental": self.experimental, "control": self.control,
            "value_kind": self.value_kind, "inputs": dict(self.inputs),
            "data": [list(pair) for pair in self.data], "subgroup": self.subgroup,
            "yi": self.yi, "vi": self.vi, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
            "weight": self.weight, "pooled": self.pooled, "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRow:
        """The row whose :meth:`to_dict` is ``data``."""
        return cls(
            study_key=data["study_key"], study_label=data["study_label"],
            experimental=data["experimental"], control=data["control"],
            value_kind=data["value_kind"], inputs=dict(data["inputs"]),
            data=tuple((int(i), int(v)) for i, v in data["data"]), subgroup=data["subgroup"],
            yi=data["yi"], vi=data["vi"], ci_lb=data["ci_lb"], ci_ub=data["ci_ub"],
            weight=data["weight"], pooled=bool(data["pooled"]), note=data["note"],
        )


@dataclass(frozen=True, slots=True)
class RunResult:
    """A run's result.

    Attributes
    ----------
    analysis : str
        The analysis's slug.
    measure, method, test : str
        As fitted (``method`` is the model actually used: the model rule may have chosen it).
    level : float
        Confidence level in percent.
    fit : dict or None
        The pooled fit in the JSON contract of ``evidencehub meta`` (metafor's names; ratio
        measures on the log scale), or None when nothing was pooled.
    model_rule : dict or None
        The model rule's decision: ``rule``, the ``I2`` and ``QEp`` it saw, ``chosen``
        (``"random"`` or ``"common"``) and ``method``.
    subgroups : dict or None
        The subgroup analysis (``SubgroupResult.to_dict()``), when the analysis has one.
    rows : tuple of RunRow
        One per study, pooled or not.
    not_pooled_reason : str or None
        Why nothing was pooled.
    notes : tuple of str
        Edge cases met (zero cells, k = 1, τ² truncated…).
    """

    analysis: str
    measure: str
    method: str
    test: str
    level: float
    fit: dict[str, Any] | None
    model_rule: dict[str, Any] | None
    subgroups: dict[str, Any] | None
    rows: tuple[RunRow, ...]
    not_pooled_reason: str | None
    notes: tuple[str, ...]

    @property
    def pooled_rows(self) -> tuple[RunRow, ...]:
        """The rows in the pooled estimate, in the fit's order."""
        return tuple(r for r in self.rows if r.pooled and r.weight is not None)

    def to_dict(self) -> dict[str, Any]:
        """Every field, with ``schema_version`` first."""
        return {
            "schema_version": SCHEMA_VERSION, "analysis": self.analysis,
            "measure": self.measure, "method": self.method, "test": self.test,
            "level": self.level, "fit": self.fit, "model_rule": self.model_rule,
            "subgroups": self.subgroups, "rows": [r.to_dict() for r in self.rows],
            "not_pooled_reason": self.not_pooled_reason, "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        """The result whose :meth:`to_dict` is ``data``; ValueError for another schema."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"a run result of schema version {version!r} cannot be read by "
                             f"this version of evidencehub (reads {SCHEMA_VERSION}); run "
                             "`evidencehub analyze` to refit it")
        return cls(
            analysis=data["analysis"], measure=data["measure"], method=data["method"],
            test=data["test"], level=float(data["level"]), fit=data["fit"],
            model_rule=data["model_rule"], subgroups=data["subgroups"],
            rows=tuple(RunRow.from_dict(r) for r in data["rows"]),
            not_pooled_reason=data["not_pooled_reason"], notes=tuple(data["notes"]),
        )

    def meta_result(self) -> MetaResult | None:
        """The fitted inverse-variance model, rebuilt from the stored numbers (for plots);
        None when nothing was pooled or the model was Mantel-Haenszel or Peto."""
        if self.fit is None or "fit_stats" not in self.fit:  # MH and Peto records have none
            return None
        from evidencehub.stats import MetaResult

        return MetaResult.from_record(self.fit)
