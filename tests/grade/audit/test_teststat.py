"""P of test statistics at their edges, and the one place the audit departs from statcheck."""

from __future__ import annotations

from evidencehub.grade.audit.reported import Printed
from evidencehub.grade.audit.teststat import compute_p, statcheck


def test_compute_p_edges() -> None:
    assert compute_p("r", 1.0, 10, None) == 0.0  # a perfect correlation: t is infinite
    assert compute_p("r", 0.0, 10, None) == 1.0
    assert compute_p("F", 0.0, 1, 10) == 1.0
    assert compute_p("chi2", 0.0, 3, None) == 1.0
    assert compute_p("z", 0.0, None, None) == 1.0


def test_statistic_that_may_be_zero() -> None:
    """t(10) = 0.0 may be exactly 0, so P = 1.00 fits (statcheck takes |t| >= 0.05: P <= 0.96)."""
    result = statcheck("t", Printed.parse("0.0"), Printed.parse("10"), None, Printed.parse("1.00"))
    assert not result.error and result.p_range[1] == 1.0


def test_not_significant_reported_as_p_above_alpha() -> None:
    """statcheck reads "ns" as P > alpha: t(28) = 2.20 (P = 0.036) reported ns is a decision
    error."""
    result = statcheck("t", Printed.parse("2.20"), Printed.parse("28"), None,
                       Printed(text="ns", value=0.05, decimals=2, relation=">"))
    assert result.error and result.decision_error
