"""Statements found in prose: statcheck's extraction expectations, medical forms, wording,
percentages, integer means, sums; verbatim quotes and lines; never raising on any text.

The statcheck cases are those of its testthat suite (``tests/testthat/test-extract-*.R``,
github.com/MicheleNuijten/statcheck): what it retrieves, and what it deliberately does not.
Two deliberate differences are tested as such: ``;`` between the statistic and P, and a
space after a minus (``− 4.46``), are read here (medical journals print both).
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencehub.grade.audit.findings import FindingKind
from evidencehub.grade.audit.scan import Total, scan, scan_totals


def _one(text: str):  # type: ignore[no-untyped-def]
    found = scan(text)
    assert len(found) == 1, found
    return found[0]


# -- statcheck: test-extract-*.R -------------------------------------------------------------


def test_statcheck_t_test_is_parsed() -> None:
    r = _one("t(28) = 2.20, p = .03")
    assert (r.statistic, r.df1.text, r.df2, r.value.value, r.value.relation) == ("t", "28", None, 2.2, "=")
    assert (r.p.value, r.p.relation, r.quote, r.line) == (0.03, "=", "t(28) = 2.20, p = .03", 1)


@pytest.mark.parametrize(("text", "count"), [
    ("The effect was very significant, t(28) = 2.20, p = .03.", 1),
    ("Both effects were very significant, t(28) = 2.20, p = .03, t(28) = 1.23, p = .04.", 2),
    (" t ( 28 ) = 2.20 , p = .03", 1),
    ("t(28)=2.20,p=.03", 1),
    ("t(28) = -2.20, p = .03", 1),
    ("t(28) = 2,000.20, p = .03", 1),
    ("t(28) < 2.20, p = .03", 1),
    ("t(28) > 2.20, p = .03", 1),
    ("t(28) = 2.20, p = 0.03", 1),
    ("t(28) = 2.20, p < .03", 1),
    ("t(28) = 2.20, p > .03", 1),
    ("t(28) = 2.20, ns", 1),
    ("t(28) = 2.20, p = .5e-3", 1),
    ("t(28.1) = 2.20, p = .03", 1),
    ("t[28] = 2.20, p = .03", 0),
    ("T(28) = 2.20, p = .03", 0),
    ("t(28) = 2.20, p = 1.03", 0),
    ("t(2,28) = 2.20, p = .03", 0),
    ("t(38) >= 2.25, p = .03", 0),
    ("t(38) = 2.25, p >= .03", 0),
    ("F(2, 28) = 2.20, p = .03", 1),
    ("Both effects were very significant, F(2, 28) = 2.20, p = .03, F(2, 28) = 1.23, p = .04.", 2),
    (" F ( 2 , 28 ) = 2.20 , p = .03", 1),
    ("F(2,28)=2.20,p=.03", 1),
    ("F(2.1, 28.1) = 2.20, p = .03", 1),
    ("chi2(28) = 2.20, p = .03", 1),
    ("X2(28) = 2.20, p = .03", 1),
    ("x2(28) = 2.20, p = .03", 1),
    ("chi_2(28) = 2.20, p = .03", 1),
    ("chi2(28, N = 129) = 2.2, p = .03", 1),
    ("chi2(1, N = 11,455) = 16.78, p <.001", 1),
    ("chi2(1, n = 81) = 3.25, p = 0.07", 1),
    (" chi2 ( 28 ) = 2.20 , p = .03", 1),
    ("r(28) = .20, p = .03", 1),
    (" r ( 28 ) = .20 , p = .03", 1),
    ("r(16) = 26.05, p = .10", 0),
    ("r(28) = \u221259, p = .0008", 0),
    (" z = 2.20, p = .03", 1),
    (" z=2.20,p=.03", 1),
    (" Z = 2.20 , p = .03", 1),
    (" z(28) = 2.20, p = .03", 0),
    (" Z(28) = 2.20, p = .03", 0),
    ("Q(2) = 2.20, p = .03", 1),
    (" Q ( 2 ) = 2.20 , p = .03", 1),
    ("Qw(2) = 2.20, p = .03", 1),
    ("Qwithin(2) = 2.20, p = .03", 1),
    ("Q-within(2) = 2.20, p = .03", 1),
    ("Qb(2) = 2.20, p = .03", 1),
    ("Qbetween(2) = 2.20, p = .03", 1),
    ("Q-between(2) = 2.20, p = .03", 1),
    ("Qs(2) = 2.2, p = .03", 0),
    ("Qb(2, N = 187) = 2.20, p = .03", 0),
    ("see p. 01", 0),
])
def test_statcheck_extraction_expectations(text: str, count: int) -> None:
    assert len(scan(text)) == count


@pytest.mark.parametrize(("text", "statistic", "df1", "df2"), [
    ("F(2, 28) = 2.20, p = .03", "F", 2.0, 28.0),
    ("F(l, 76) = 23.95, p <.001", "F", 1.0, 76.0),  # l typeset for 1
    ("F(2.1, 28.1) = 2.20, p = .03", "F", 2.1, 28.1),
    ("chi2(28, N = 129) = 2.2, p = .03", "chi2", 28.0, None),
    ("\u03c7\u00b2(1, N = 81) = 3.25, p = 0.07", "chi2", 1.0, None),
    ("Q(2) = 2.20, p = .03", "Q", 2.0, None),
    ("r(28) = .20, p = .03", "r", 28.0, None),
    (" z = 2.20, p = .03", "z", None, None),
])
def test_statcheck_degrees_of_freedom(text: str, statistic: str, df1: float | None,
                                      df2: float | None) -> None:
    r = _one(text)
    assert r.statistic == statistic
    assert (r.df1.value if r.df1 else None, r.df2.value if r.df2 else None) == (df1, df2)


def test_ns_is_p_at_least_alpha() -> None:
    r = _one("t(309) = 0.67, ns")
    assert (r.p.text, r.p.value, r.p.relation) == ("ns", 0.05, ">=")


def test_deliberate_differences_from_statcheck() -> None:
    assert _one("t(28) = 2.20; p = .03").p.value == 0.03
    assert _one(" t(553) = \u2212 4.46, p < .0001").value.value == -4.46


def test_one_tailed_mention_in_the_sentence_or_the_one_before() -> None:
    assert _one("We used one-tailed tests. The effect was t(28) = 1.80, p = .04.").tails == 1
    assert _one("The directional test gave t(28) = 1.80, p = .04.").tails == 1
    text = "We used one-sided tests. Then we ate. Then we slept. And t(28) = 1.80, p = .04."
    assert _one(text).tails == 2


# -- estimates with confidence intervals -------------------------------------------------------


@pytest.mark.parametrize(("text", "quote", "numbers", "p", "ratio", "level"), [
    ("OR 1.50 (95% CI 0.90 to 2.10; P = 0.03)", "OR 1.50 (95% CI 0.90 to 2.10; P = 0.03)",
     (1.5, 0.9, 2.1), 0.03, True, 95.0),
    ("The risk fell, RR = 0.8, 95% CI 0.6\u20131.1, p = .04.", "RR = 0.8, 95% CI 0.6\u20131.1, p = .04",
     (0.8, 0.6, 1.1), 0.04, True, 95.0),
    ("MD \u22120.46 % (95 % CI \u22120.61, \u22120.31), P < 0.001",
     "MD \u22120.46 % (95 % CI \u22120.61, \u22120.31), P < 0.001", (-0.46, -0.61, -0.31), 0.001, False, 95.0),
    ("HR 0.72 [0.55, 0.94]", "HR 0.72 [0.55, 0.94]", (0.72, 0.55, 0.94), None, True, 95.0),
    ("(hazard ratio, 0.72; 95% CI, 0.55 to 0.94; P = 0.01).",
     "hazard ratio, 0.72; 95% CI, 0.55 to 0.94; P = 0.01", (0.72, 0.55, 0.94), 0.01, True, 95.0),
    ("the odds ratio was 2.1 (95% confidence interval, 1.2 to 3.6)",
     "odds ratio was 2.1 (95% confidence interval, 1.2 to 3.6)", (2.1, 1.2, 3.6), None, True, 95.0),
    ("mean difference 3.2 mm Hg (90% CI 1.1 to 5.3)", "mean difference 3.2 mm Hg (90% CI 1.1 to 5.3)",
     (3.2, 1.1, 5.3), None, False, 90.0),
    ("HbA1c fell by 0.5 percentage points (95% CI 0.3 to 0.7).",
     "0.5 percentage points (95% CI 0.3 to 0.7)", (0.5, 0.3, 0.7), None, False, 95.0),
    ("Lancet style: OR 2\u00b75 (95% CI 1\u00b72\u20135\u00b71), p=0\u00b7012",
     "OR 2\u00b75 (95% CI 1\u00b72\u20135\u00b71), p=0\u00b7012", (2.5, 1.2, 5.1), 0.012, True, 95.0),
    ("HR 0.50 (0.31\u20130.80), P = 3.2 \u00d7 10\u22124", "HR 0.50 (0.31\u20130.80), P = 3.2 \u00d7 10\u22124",
     (0.5, 0.31, 0.8), 3.2e-4, True, 95.0),
])
def test_estimates_as_medical_papers_print_them(text: str, quote: str,
                                                numbers: tuple[float, float, float],
                                                p: float | None, ratio: bool, level: float) -> None:
    r = _one(text)
    assert r.quote == quote
    assert (r.estimate.value, r.ci_lb.value, r.ci_ub.value) == pytest.approx(numbers)
    assert (r.p.value if r.p else None) == (None if p is None else pytest.approx(p))
    assert (r.ratio, r.level) == (ratio, level)


def test_an_unlabelled_interval_symmetric_in_logs_is_a_ratio() -> None:
    assert _one("the effect was 2.0 (95% CI 1.0 to 4.0)").ratio is True
    assert _one("the effect was 2.5 (95% CI 1.0 to 4.0)").ratio is False


@pytest.mark.parametrize("text", [
    "The mean was 5.2 (3.1\u20137.0) in the range.",  # a range or IQR, not a CI
    "In 2019 (March to June) we enrolled",
    "scores of 12 (10, 14)",
])
def test_bare_brackets_without_a_label_are_not_intervals(text: str) -> None:
    assert scan(text) == []


# -- wording -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "claim"), [
    ("There was no significant difference between groups (OR 1.9, 95% CI 1.2 to 3.0, P = 0.01).",
     "not significant"),
    ("The groups did not differ significantly, t(40) = 2.50, p = .02.", "not significant"),
    ("Mortality failed to reach significance (RR 0.80, 95% CI 0.60 to 1.05).", "not significant"),
    ("The difference was not statistically significant (MD 1.2, 95% CI 0.1 to 2.3).",
     "not significant"),
    ("HbA1c was significantly lower with metformin (MD \u22120.9, 95% CI \u22121.2 to \u22120.6).",
     "significant"),
    ("We found a significant effect, F(1, 30) = 5.10, p = .03.", "significant"),
    ("The effect was marginally significant, t(30) = 1.90, p = .07.", None),
    ("The effect was t(30) = 1.90, p = .07.", None),
])
def test_wording_is_attached_to_the_statement_of_its_clause(text: str, claim: str | None) -> None:
    assert _one(text).claim == claim


def test_wording_stays_in_its_clause() -> None:
    text = ("Anxiety improved significantly, t(30) = 2.90, p = .007, but depression did not "
            "differ, t(30) = 0.40, p = .69.")
    first, second = scan(text)
    assert (first.claim, second.claim) == ("significant", "not significant")


# -- percentages, integer means --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "events", "total", "percent"), [
    ("Deaths: 12/40 (30%).", 12, 40, "30"),
    ("12 of 40 patients (30.0 %) relapsed", 12, 40, "30.0"),
    ("relapse in 30% (12/40)", 12, 40, "30"),
    ("Of N = 50 participants, n = 12 (24%) had type 1 diabetes.", 12, 50, "24"),
    ("1,234/2,000 (61.7%)", 1234, 2000, "61.7"),
])
def test_percentages_with_their_counts(text: str, events: int, total: int, percent: str) -> None:
    r = _one(text)
    assert (r.events, r.total, r.percent.text) == (events, total, percent)


@pytest.mark.parametrize("text", [
    "n = 12 (30%) had a relapse.",  # no stated whole
    "Of N = 50 and N = 60 enrolled, n = 12 (24%) relapsed.",  # two wholes: ambiguous
])
def test_a_count_without_one_stated_whole_is_not_checked(text: str) -> None:
    assert scan(text) == []


def test_means_are_read_for_grim_only_when_the_data_are_integers() -> None:
    r = _one("Participants (n = 28) rated a single-item measure, M = 5.19, SD = 1.23.")
    assert (r.mean.text, r.sd.text, r.n, r.items) == ("5.19", "1.23", 28, 1)
    assert _one("On the 5-item scale (N = 40) the mean was 3.47.").items == 5
    assert scan("Weight (n = 28) had M = 75.19, SD = 11.23.") == []


# -- sums ------------------------------------------------------------------------------------------


def _numbers(total: Total) -> tuple[tuple[float, ...], float]:
    return tuple(p.value for _, p in total.parts), total.whole[1].value


def test_prisma_flow_in_prose() -> None:
    text = ("The searches found 2,270 records; after screening titles and abstracts, 2230 "
            "records were excluded. 40 full texts were assessed for eligibility, 30 were "
            "excluded, and 10 studies were included in the review.")
    totals = scan_totals(text)
    assert [_numbers(t) for t in totals] == [((2230, 40), 2270), ((30, 10), 40)]
    assert all(t.kind is FindingKind.PRISMA_FLOW and t.quote in text for t in totals)
    assert totals[1].parts[0][0] == "records excluded"


def test_subgroups_against_the_whole_only_when_explicit() -> None:
    (total,) = scan_totals("We enrolled T1D n = 20 and T2D n = 25 of 50 participants.")
    assert _numbers(total) == ((20, 25), 50) and total.kind is FindingKind.SUBGROUP_TOTAL
    assert scan_totals("We enrolled 20 with T1D and 25 with T2D.") == []


def test_no_flow_in_a_text_about_something_else() -> None:
    assert scan_totals("In 2020, 12 patients were excluded and 30 included in 4 centres.") == []


# -- quotes and lines -------------------------------------------------------------------------------


def test_quotes_are_verbatim_and_lines_count_from_one() -> None:
    text = ("Results\n\nThe effect held,\nt(28) = 2.20,\np = .03, and the odds ratio was\n"
            "OR 1.5 (95% CI 1.1 to 2.0).\n")
    found = scan(text)
    assert [(r.quote, r.line) for r in found] == [
        ("t(28) = 2.20,\np = .03", 4), ("OR 1.5 (95% CI 1.1 to 2.0)", 6)]
    assert all(r.quote in text for r in found)


# -- never raises, in linear time ----------------------------------------------------------------

_STATISTIC_ALPHABET = "tFrQzZXx\u03c72\u00b2()[]=<>\u2264,;.\u00b7pPnsN0123456789 -\u2212\u2013%/CIORHMDSaoftl\n"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.text(alphabet=_STATISTIC_ALPHABET, max_size=300)))
def test_scan_never_raises_and_quotes_are_spans_of_the_text(text: str) -> None:
    for r in scan(text):
        assert r.quote in text and r.line is not None and 1 <= r.line <= text.count("\n") + 1
    for total in scan_totals(text):
        assert total.quote in text


@pytest.mark.parametrize("text", [
    "t(28) = 2.20, p = .03; " * 20000,
    "(" * 200000,
    "1" * 400000,
    "OR 1.5 (95% CI 1.1 to 2.0; P = .01) and " * 5000,
    "n = 1 and n = 2, " * 20000,
    "a significant; b, but c " * 20000,
    "12 records screened, 3 excluded, " * 10000,
])
def test_a_huge_line_is_scanned_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    scan(text)
    scan_totals(text)
    assert time.perf_counter() - started < 10.0


def test_p_printed_as_zero_keeps_its_decimals() -> None:
    r = _one("The groups differed, F(1, 98) = 45.20, P=.000.")
    assert (r.p.text, r.p.value, r.p.decimals) == (".000", 0.0, 3)


# Sentences from real abstracts (PubMed samples in tests/data and the shared fixtures) that the
# scanner once misread, each a false alarm of the audit.
@pytest.mark.parametrize(("text", "expected"), [
    # the level of a CI is not an estimate
    ("a prevalence of 95% CI 2.7-9.85 in all", []),
    ("the response rate (95% CI = 0% to 43%, p =.05)", []),
    # a double hyphen is a range, not a minus
    ("OR 2.5, 95% CI 0.6--10.3, p=0.2", [("2.5", "0.6", "10.3")]),
    # a per-unit ratio and a P value before the CI are not its estimate
    ("(RR 0.94 per 10 points, 95% CI 0.91 to 0.98)", []),
    ("(indirect effect -.024, p = .011, 95% CI = -.043, -.006.)", []),
])
def test_real_abstract_misreadings(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = [(r.estimate.text, r.ci_lb.text, r.ci_ub.text) for r in scan(text)
             if r.estimate is not None and r.ci_lb is not None and r.ci_ub is not None]
    assert found == expected


def test_a_sentence_ends_at_a_bracket_before_a_lower_case_word() -> None:
    text = ("The effect on infarction was not significant (OR 0.85 [95% CI, 0.62-1.14]). "
            "beta-blockers significantly decreased cardiac death (OR 0.25 [95% CI, 0.09-0.73]).")
    assert [r.claim for r in scan(text)] == ["not significant", "significant"]
