"""The numeric checks, against published worked examples and hand-made inconsistencies."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencehub.grade.audit import effect
from evidencehub.grade.audit.checks import check, check_total
from evidencehub.grade.audit.findings import Finding, FindingKind, Verdict
from evidencehub.grade.audit.reported import Printed, Reported

_PRINTED = {"estimate", "ci_lb", "ci_ub", "p", "mean", "sd", "percent", "value", "df1", "df2"}


def run(**fields: Any) -> list[Finding]:
    """``check`` on a statement given as printed texts (``p="< 0.001"``)."""
    values = {k: Printed.parse(v) if k in _PRINTED else v for k, v in fields.items()}
    return check(Reported(quote="the sentence", line=3, **values))


def kinds(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.kind.value, f.verdict.value) for f in findings]


# --- estimate, CI and P (Altman & Bland 2011) -------------------------------------------------

def test_example_altman_bland2011_difference() -> None:
    """BMJ 2011;343:d2090 (a): 17 percentage points, P = 0.032 gives 95% CI 1.4 to 32.6."""
    assert effect.z_from_p(0.032) == pytest.approx(2.141, abs=0.005)  # their z, approximated
    assert 17 / effect.z_from_p(0.032) == pytest.approx(7.940, abs=0.02)  # their SE
    assert run(estimate="17", ci_lb="1.4", ci_ub="32.6", p="0.032") == []
    [finding] = run(estimate="17", ci_lb="1.4", ci_ub="32.6", p="0.32")
    assert kinds([finding]) == [("ci-p", "inconsistent")]
    low, high = finding.recomputed["p"]
    assert low < 0.032 < high
    assert finding.reported == {"estimate": "17", "ci_lb": "1.4", "ci_ub": "32.6", "p": "0.32"}
    assert finding.message.startswith("P = 0.32 does not fit estimate 17 (95% CI 1.4 to 32.6)")


def test_example_altman_bland2011_ratio_on_log_scale() -> None:
    """d2090 (b): relative risk 0.30, P = 0.034 gives 95% CI 0.10 to 0.90 on the log scale."""
    assert run(estimate="0.30", ci_lb="0.10", ci_ub="0.90", p="0.034", ratio=True) == []
    # read as a difference, the interval is lopsided about 0.30, and P = 0.034 fits neither
    # the estimate (P = 0.14) nor the centre 0.5 (P = 0.014): the log scale matters
    assert kinds(run(estimate="0.30", ci_lb="0.10", ci_ub="0.90", p="0.034")) == [
        ("ci-p", "inconsistent"), ("ci-asymmetry", "warning")]
    # and the P of the estimate's own z (0.14) does not fit a much smaller P
    assert kinds(run(estimate="0.30", ci_lb="0.10", ci_ub="0.90", p="0.034", ratio=True,
                     level=99.0)) == [("ci-p", "inconsistent")]


@pytest.mark.parametrize("z", [0.5, 1.0, 1.5, 1.96, 2.5, 3.0])
def test_p_from_z_matches_altman_bland_approximation(z: float) -> None:
    """d2304: P = exp(-0.717 z - 0.416 z^2) approximates the normal tail used here."""
    assert effect.p_from_z(z) == pytest.approx(math.exp(-0.717 * z - 0.416 * z * z), rel=0.03)


def test_rounding_of_every_number_is_allowed() -> None:
    """0.5 (0.0 to 1.0) gives P = 0.05 from the printed values, but 0.55 (0.05 to 0.95) has
    P = 0.016: the printed P = 0.04 is possible. P = 0.001 is not; P = 0.01 nearly fits."""
    assert run(estimate="0.5", ci_lb="0.0", ci_ub="1.0", p="0.04") == []
    assert kinds(run(estimate="0.5", ci_lb="0.0", ci_ub="1.0", p="0.001")) == [
        ("ci-p", "inconsistent")]
    assert kinds(run(estimate="0.5", ci_lb="0.0", ci_ub="1.0", p="0.01")) == [
        ("ci-p", "warning")]


def test_level_of_the_interval_is_respected() -> None:
    """17 with SE 7.94 has a 99% CI of 17 ± 2.576 × 7.94 = -3.5 to 37.5 (P = 0.032)."""
    assert run(estimate="17", ci_lb="-3.5", ci_ub="37.5", p="0.032", level=99.0) == []
    assert kinds(run(estimate="17", ci_lb="-3.5", ci_ub="37.5", p="0.032")) == [
        ("ci-p", "inconsistent")]


def test_p_given_as_a_bound() -> None:
    assert run(estimate="2.0", ci_lb="1.5", ci_ub="2.5", p="< 0.001") == []
    assert run(estimate="0.2", ci_lb="-0.5", ci_ub="0.9", p="> 0.05") == []
    [finding] = run(estimate="0.2", ci_lb="-0.5", ci_ub="0.9", p="< 0.001")
    assert finding.kind is FindingKind.CI_P
    assert finding.message.startswith("P < 0.001 does not fit")


def test_example_message_names_the_measure() -> None:
    """By hand (R): z over the rounding boxes runs from 2.504 to 2.603 (P 0.0092 to 0.012),
    and from 2.525 to 2.596 with the CI's centre as the estimate."""
    [finding] = run(estimate="1.50", ci_lb="1.10", ci_ub="2.05", p="0.20", ratio=True,
                    measure="OR")
    assert finding.message == ("P = 0.20 does not fit OR 1.50 (95% CI 1.10 to 2.05): the CI "
                               "gives P between 0.0092 and 0.012 (P between 0.0094 and 0.012 if the "
                               "CI's centre is the estimate)")
    assert finding.recomputed["p"] == [pytest.approx(0.009234381, rel=1e-5),
                                       pytest.approx(0.012280687, rel=1e-5)]


def test_near_miss_is_a_warning() -> None:
    """2.0 (0.0 to 4.0) gives z = 1.96; P = 0.04 (z = 2.05) is within 10 % in z."""
    assert kinds(run(estimate="2.00", ci_lb="0.00", ci_ub="4.00", p="0.040")) == [
        ("ci-p", "warning")]


def test_estimate_outside_and_inverted_ci() -> None:
    assert kinds(run(estimate="2.5", ci_lb="2.9", ci_ub="3.1", p="0.01")) == [
        ("estimate-outside-ci", "inconsistent")]
    assert kinds(run(estimate="2.0", ci_lb="2.9", ci_ub="1.1")) == [
        ("inverted-ci", "inconsistent")]
    # a limit printed with fewer decimals may round past the estimate
    assert run(estimate="1.2", ci_lb="1.24", ci_ub="1.26") == []


def test_asymmetric_ci_is_a_warning() -> None:
    [finding] = run(estimate="2.0", ci_lb="1.0", ci_ub="9.0")
    assert (finding.kind, finding.verdict) == (FindingKind.CI_ASYMMETRY, Verdict.WARNING)
    assert finding.recomputed["asymmetry"] == pytest.approx(5.8 / 8.1, abs=1e-5)
    # symmetric on the log scale: no warning for a ratio
    assert run(estimate="2.0", ci_lb="1.0", ci_ub="4.0", ratio=True) == []


def test_degenerate_interval() -> None:
    """A CI of width 0 (as printed) means a tiny SE: only a P near 0 fits an estimate of 1."""
    assert kinds(run(estimate="1.0", ci_lb="1.0", ci_ub="1.0", p="0.5")) == [
        ("ci-p", "inconsistent")]
    assert run(estimate="1.0", ci_lb="1.0", ci_ub="1.0", p="< 0.001") == []
    assert run(estimate="0.0", ci_lb="0.0", ci_ub="0.0", p="1.0") == []


# --- wording -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("claim", "p", "wrong"), [
    ("significant", "0.12", True), ("significant", "0.05", False),
    ("significant", "0.051", True), ("not significant", "0.01", True),
    ("not significant", "< 0.05", True), ("not significant", "0.06", False),
    ("not significant", "0.05", False), ("significant", "> 0.05", True),
    ("significant", ">= 0.05", False),
])
def test_wording_against_p(claim: str, p: str, wrong: bool) -> None:
    findings = run(claim=claim, p=p)
    assert kinds(findings) == ([("wording", "inconsistent")] if wrong else [])


def test_wording_against_ci() -> None:
    [finding] = run(claim="significant", estimate="1.4", ci_lb="0.9", ci_ub="2.1", ratio=True)
    assert finding.kind is FindingKind.WORDING
    assert "includes the null value 1" in finding.message
    [finding] = run(claim="not significant", estimate="0.8", ci_lb="0.2", ci_ub="1.4")
    assert "excludes the null value 0" in finding.message
    # a limit that rounds to the null value is not a contradiction
    assert run(claim="significant", estimate="1.5", ci_lb="1.00", ci_ub="2.25", ratio=True) == []
    # a 90% CI says nothing about significance at alpha 0.05
    assert run(claim="significant", estimate="1.4", ci_lb="0.9", ci_ub="2.1", ratio=True,
               level=90.0) == [] or all(f.kind is not FindingKind.WORDING for f in run(
                   claim="significant", estimate="1.4", ci_lb="0.9", ci_ub="2.1", ratio=True,
                   level=90.0))


# --- test statistics (statcheck) ------------------------------------------------------------

def test_statistic_error_and_decision_error() -> None:
    [finding] = run(statistic="t", value="2.20", df1="28", p="0.03")
    assert (finding.kind, finding.verdict) == (FindingKind.TEST_P, Verdict.INCONSISTENT)
    assert finding.reported == {"t": "2.20", "df1": "28", "p": "0.03"}
    assert finding.recomputed["p"] == pytest.approx(0.0362, abs=1e-4)
    assert finding.message == ("P = 0.03 does not fit t(28) = 2.20: it gives P between 0.036 "
                               "and 0.037")
    [finding] = run(statistic="F", value="2.20", df1="2", df2="28", p="0.03")
    assert finding.kind is FindingKind.DECISION_ERROR
    assert "other side of alpha = 0.05" in finding.message
    assert run(statistic="z", value="2.20", p="0.028") == []
    assert run(statistic="t", value="2.20", df1="28", p="0.018", tails=1) == []
    # a missing df skips the check
    assert run(statistic="t", value="2.20", p="0.5") == []


# --- percentages, GRIM, GRIMMER -------------------------------------------------------------

def test_percent() -> None:
    assert run(percent="33.3", events=1, total=3) == []
    [finding] = run(percent="34", events=1, total=3)
    assert finding.kind is FindingKind.PERCENT
    assert finding.message == "34% is not 1 of 3, which is 33.3%"
    assert run(percent="42.9", total=7) == []  # 3 of 7
    assert kinds(run(percent="51", total=7)) == [("percent", "inconsistent")]


def test_example_grim_brown_heathers2017() -> None:
    """The GRIM paper's illustration (The Economist, 18 June 2016): 49 participants on an
    integer scale cannot have a mean of 5.93 (5.93 × 49 = 290.57)."""
    [finding] = run(mean="5.93", n=49, items=1)
    assert finding.kind is FindingKind.GRIM
    assert finding.recomputed["mean"] == [pytest.approx(290 / 49, abs=1e-5),
                                          pytest.approx(291 / 49, abs=1e-5)]
    assert run(mean="5.92", n=49, items=1) == []  # 290 / 49 = 5.918
    # 20 rolls of a die cannot average 3.48 (every mean is X.X0 or X.X5)
    assert kinds(run(mean="3.48", n=20, items=1)) == [("grim", "inconsistent")]


def test_grim_needs_items_and_power() -> None:
    assert run(mean="5.93", n=49) == []  # not declared integer data
    assert run(mean="5.93", n=150, items=1) == []  # n above 10**decimals: no power


def test_grimmer_in_check() -> None:
    [finding] = run(mean="5.23", sd="2.55", n=35, items=1)
    assert finding.kind is FindingKind.GRIMMER
    assert finding.recomputed == {"test": "parity"}
    assert run(mean="3.10", sd="1.37", n=10, items=1) == []  # from 1,1,2,3,3,4,4,4,4,5


# --- numbers that cannot be -----------------------------------------------------------------

@pytest.mark.parametrize(("fields", "name"), [
    ({"p": "1.3", "estimate": "1", "ci_lb": "0", "ci_ub": "2"}, "p"),
    ({"mean": "2.5", "sd": "-1", "n": 10, "items": 1}, "sd"),
    ({"mean": "2.5", "n": 0, "items": 1}, "n"),
    ({"statistic": "t", "value": "2.0", "df1": "0", "p": "0.05"}, "df1"),
    ({"estimate": "0.00", "ci_lb": "0.5", "ci_ub": "2.0", "ratio": True}, "estimate"),
    ({"statistic": "r", "value": "1.2", "df1": "20", "p": "0.01"}, "r"),
    ({"statistic": "F", "value": "-2", "df1": "1", "df2": "20", "p": "0.01"}, "F"),
    ({"percent": "120", "total": 50}, "percent"),
    ({"events": 8, "total": 5, "percent": "50"}, "events"),
    ({"ci_lb": "1", "ci_ub": "2", "level": 100.0}, "level"),
])
def test_impossible_numbers_are_unreadable(fields: dict[str, Any], name: str) -> None:
    findings = run(**fields)
    assert [(f.kind, f.verdict) for f in findings] == [
        (FindingKind.UNREADABLE, Verdict.INCONSISTENT)]
    assert name in findings[0].reported


def test_finding_layout() -> None:
    [finding] = check(Reported(quote="t(28) = 2.20, p = .03", id="S1",
                               statistic="t", value=Printed.parse("2.20"),
                               df1=Printed.parse("28"), p=Printed.parse(".03")))
    data = finding.to_dict()
    assert list(data) == ["id", "line", "kind", "quote", "reported", "recomputed", "verdict",
                          "message"]
    assert data["quote"] == "t(28) = 2.20, p = .03" and data["line"] is None


# --- parts against a whole ------------------------------------------------------------------

def _counts(*texts: str) -> list[tuple[str, Printed]]:
    return [(f"box {i + 1}", Printed.parse(t)) for i, t in enumerate(texts)]


def test_check_total() -> None:
    whole = ("records screened", Printed.parse("150"))
    assert check_total(_counts("120", "30"), whole, kind=FindingKind.PRISMA_FLOW, quote="q") == []
    [finding] = check_total(_counts("120", "35"), whole, kind=FindingKind.PRISMA_FLOW,
                            quote="q", line=4)
    assert (finding.kind, finding.line) == (FindingKind.PRISMA_FLOW, 4)
    assert finding.message == "box 1 + box 2 = 155, not records screened = 150"
    assert finding.recomputed == {"sum": 155}
    # percentages printed with decimals add up within their rounding
    thirds = _counts("33.3", "33.3", "33.3")
    total = ("all", Printed.parse("100.0"))
    assert check_total(thirds, total, kind=FindingKind.SUBGROUP_TOTAL, quote="q") == []
    [bad] = check_total(_counts("-3", "5"), ("n", Printed.parse("2")),
                        kind=FindingKind.SUBGROUP_TOTAL, quote="q")
    assert bad.kind is FindingKind.UNREADABLE


# --- never raises -----------------------------------------------------------------------------

_values = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6).map(float)
_printed = st.builds(lambda v, d, rel: Printed(text=repr(v), value=v, decimals=d, relation=rel),
                     _values, st.integers(-400, 400),
                     st.sampled_from(["=", "<", ">", "<=", ">="])) | st.none()
_counts_st = st.integers(-5, 10**7) | st.none()


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({
    "estimate": _printed, "ci_lb": _printed, "ci_ub": _printed, "p": _printed,
    "ratio": st.booleans(), "level": st.floats(allow_nan=True), "mean": _printed,
    "sd": _printed, "n": _counts_st, "items": _counts_st, "events": _counts_st,
    "total": _counts_st, "percent": _printed,
    "statistic": st.sampled_from(["t", "F", "r", "chi2", "z", "Q"]) | st.none(),
    "value": _printed, "df1": _printed, "df2": _printed, "tails": st.sampled_from([1, 2]),
    "claim": st.sampled_from(["significant", "not significant"]) | st.none(),
    "alpha": st.floats(allow_nan=True),
}))
def test_check_never_raises(fields: dict[str, Any]) -> None:
    for finding in check(Reported(quote="q", **fields)):
        assert finding.to_dict()["verdict"] in ("inconsistent", "warning")


@settings(max_examples=200, deadline=None)
@given(st.lists(_printed.filter(lambda p: p is not None), max_size=5),
       _printed.filter(lambda p: p is not None))
def test_check_total_never_raises(parts: list[Printed], whole: Printed) -> None:
    named = [(f"box {i}", p) for i, p in enumerate(parts)]
    for finding in check_total(named, ("total", whole), kind=FindingKind.PRISMA_FLOW, quote="q"):
        assert finding.kind in (FindingKind.PRISMA_FLOW, FindingKind.UNREADABLE)
