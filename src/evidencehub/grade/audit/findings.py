"""What the audit reports: one finding per statement whose numbers cannot all be true.

The JSON layout is the ``evidencehub audit`` contract::

    {"checked": N, "findings": [{"id"?, "line", "kind", "quote", "reported",
                                 "recomputed", "verdict", "message"}]}

``quote`` is the verbatim span of the input and ``line`` is 1-based (``None`` for a table row,
which has an ``id`` instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["AuditReport", "Finding", "FindingKind", "Verdict"]


class Verdict(StrEnum):
    """``inconsistent``: no values that round to the printed ones agree; ``warning``: suspicious
    but possible (a one-tailed test, an undetectable rounding convention, a missing number)."""

    INCONSISTENT = "inconsistent"
    WARNING = "warning"


class FindingKind(StrEnum):
    """What was checked (one value per check family)."""

    CI_P = "ci-p"  # estimate, CI and P against each other (Altman & Bland 2011)
    ESTIMATE_OUTSIDE_CI = "estimate-outside-ci"
    INVERTED_CI = "inverted-ci"
    CI_ASYMMETRY = "ci-asymmetry"  # CI not symmetric about the estimate on its (log) scale
    WORDING = "wording"  # "no significant difference" / "significantly" against P or the CI
    TEST_P = "test-p"  # test statistic and df against P, as statcheck
    DECISION_ERROR = "decision-error"  # TEST_P where the recomputed P crosses alpha
    PERCENT = "percent"  # percentage against n/N
    GRIM = "grim"  # mean of integer data impossible for n (Brown & Heathers 2017)
    GRIMMER = "grimmer"  # SD of integer data impossible for n and mean (Anaya 2016)
    PRISMA_FLOW = "prisma-flow"  # a flow's boxes do not add up
    SUBGROUP_TOTAL = "subgroup-total"  # parts do not add up to the stated whole
    UNREADABLE = "unreadable"  # a statement was recognised but a number in it is impossible


@dataclass(frozen=True, slots=True)
class Finding:
    """One inconsistency or warning, with the printed numbers and what they should have been.

    ``reported`` maps each number's name (``estimate``, ``p``, ``t``, ``df1`` …) to its printed
    text; ``recomputed`` maps names to recomputed values (floats, or a ``[low, high]`` range
    of values compatible with the other numbers).
    """

    kind: FindingKind
    verdict: Verdict
    message: str
    quote: str
    line: int | None = None
    id: str | None = None
    reported: Mapping[str, str] = field(default_factory=dict)
    recomputed: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The contract's finding object (``id`` only when the statement has one)."""
        data: dict[str, Any] = {} if self.id is None else {"id": self.id}
        data.update(line=self.line, kind=self.kind.value, quote=self.quote,
                    reported=dict(self.reported), recomputed=dict(self.recomputed),
                    verdict=self.verdict.value, message=self.message)
        return data


@dataclass(frozen=True, slots=True)
class AuditReport:
    """All findings of one audit and how many statements were checked."""

    checked: int
    findings: Sequence[Finding] = ()
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"checked": N, "findings": [...]}`` (plus ``source`` when known)."""
        data: dict[str, Any] = {"checked": self.checked,
                                "findings": [f.to_dict() for f in self.findings]}
        if self.source is not None:
            data["source"] = self.source
        return data
