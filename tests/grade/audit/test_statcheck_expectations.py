"""statcheck's own testthat expectations for the computation, reproduced as data.

Each case is one ``statcheck(txt)`` call from statcheck's repository
(MicheleNuijten/statcheck, tests/testthat/), with the text already split into the numbers the
text scanner would give. Values built in R with ``paste0`` (``qt(.04/2, 28, lower.tail =
FALSE)`` and the like) are written here as R prints them (15 significant digits), so they keep
their decimals. Not reproduced: ``OneTailedTests = TRUE`` (every test forced one-tailed), an
option the audit does not offer; extraction tests (test-extract-*.R) belong to the scanner.
"""

from __future__ import annotations

from typing import Any

import pytest

from evidencehub.grade.audit.reported import Printed
from evidencehub.grade.audit.teststat import compute_p, statcheck

# qt(.04/2, 28, lower.tail = FALSE) and neighbours, as.character() in R 4
T04, T05, T06 = "2.15393486769497", "2.04840714179524", "1.9601364678398"
T04_M, T04_P = "2.15293486769497", "2.15493486769497"  # t.04 - .001, t.04 + .001
T05_P, T05_M = "2.04850714179525", "2.04830714179524"  # t.05 + .0001, t.05 - .0001
T05_PP, T05_MM = "2.04940714179524", "2.04740714179525"  # t.05 + .001, t.05 - .001
T06_P, T06_M = "1.9611364678398", "1.9591364678398"  # t.06 + .001, t.06 - .001
LOWP, UPP = "0.0324934361512091", "0.0403381832647296"  # 2 * pt(2.25 / 2.15, 28, upper)


def _case(text: str, error: bool | None, decision: bool | None = None, *, source: str,
          xfail: str | None = None, **options: Any) -> Any:
    marks = () if xfail is None else (pytest.mark.xfail(strict=True, reason=xfail),)
    return pytest.param(text, error, decision, options, marks=marks,
                        id=f"{source}: {text} {options or ''}")


def _parse(text: str) -> tuple[str, Printed, Printed | None, Printed | None, Printed]:
    """``"t(28) = 2.20; p = .03"`` → statistic, value, df1, df2, p (a minimal scanner)."""
    left, p_text = (part.strip() for part in text.split(";"))
    head, _, rest = left.partition(")") if "(" in left else ("", "", left[1:])
    stat, dfs = [*head.split("("), ""][:2] if head else [left[0], ""]
    df_texts = [d.strip() for d in dfs.split(",") if d.strip()]
    value = Printed.parse(rest.strip())
    p = Printed.parse(p_text.removeprefix("p").strip())
    df1 = Printed.parse(df_texts[0]) if df_texts else None
    df2 = Printed.parse(df_texts[1]) if len(df_texts) > 1 else None
    return stat.strip(), value, df1, df2, p


ERROR = "test-error.R"
DECISION = "test-decisionerror.R"

CASES = [
    # test-error.R: simple errors are classified as such
    _case("t(28) = 2.20; p = .03", True, source=ERROR),
    _case("F(2, 28) = 2.20; p = .15", True, source=ERROR),
    _case("r(28) = .22; p = .26", True, source=ERROR),
    _case("chi2(28) = 22.20; p = .79", True, source=ERROR),
    _case("z = 2.20; p = .04", True, source=ERROR),
    _case("Q(28) = 22.20; p = .79", True, source=ERROR),
    # p-values of negative tests are correctly classified
    _case("z = -2.42; p = 0.016", False, source=ERROR),
    _case("t(28) = -2.20; p = .03", True, source=ERROR),
    # inexactly reported p-values ("ns" is read as p > alpha)
    _case("t(28) = 2.20; p > .05", True, source=ERROR),  # "t(28) = 2.20, ns"
    _case("t(28) = 2.20; p > .05", True, source=ERROR),
    _case("t(28) = 2.0; p < .05", False, source=ERROR),
    # decision errors are also classified as errors
    _case("t(28) = 1.20; p = .03", True, source=ERROR),
    _case("t(28) = 2.20; p = .30", True, source=ERROR),
    # correctly rounded p-values are not considered errors
    _case("t(28) = 2; p = .02", False, source=ERROR),
    _case("t(28) = 2; p = .14", False, source=ERROR),
    _case("t(28) = 2.2; p = .03", False, source=ERROR),
    _case("t(28) = 2.2; p = .04", False, source=ERROR),
    _case("t(28) = 2.20; p = .036", False, source=ERROR),
    _case("t(28) = 2.20; p = .037", False, source=ERROR),
    # automated one-tailed test detection (OneTailedTxt = TRUE; tails=1 = "one-tailed" in text)
    _case("t(28) = 2.20; p = .018", True, source=ERROR),
    _case("t(28) = 2.20; p = .01", True, source=ERROR, tails=1),
    _case("t(28) = 2.20; p = .018", False, source=ERROR, tails=1),
    # p = .000 counts as inconsistent unless pZeroError = FALSE; p < .000 always
    _case("t(28) = 22.20; p = .000", True, source=ERROR),
    _case("t(28) = 22.20; p = .000", False, source=ERROR, p_zero_error=False),
    _case("t(28) = 22.20; p < .000", True, source=ERROR),
    _case("t(28) = 22.20; p < .000", True, source=ERROR, p_zero_error=False),
    # cases where t = ... are correctly classified
    _case("t(28) = 2.2; p = .036", False, source=ERROR),
    _case("t(28) = 2.2; p < .08", False, source=ERROR),
    _case("t(28) = 2.2; p > .02", False, source=ERROR),
    _case(f"t(28) = 2.2; p > {UPP}", True, source=ERROR),
    # R's pt() gives 0.03249343615120915 and scipy's stdtr 0.032493436151209074 for the end
    # of the range; the printed 0.0324934361512091 lies between them, so this boundary case
    # turns on the 16th digit of the t distribution (statcheck's own result rests on R's).
    _case(f"t(28) = 2.2; p < {LOWP}", True, source=ERROR,
          xfail="the reported P equals the range's end to 15 digits; scipy and R differ after"),
    _case("t(28) = 2.2; p = .08", True, source=ERROR),
    _case("t(28) = 2.2; p = .02", True, source=ERROR),
    _case("t(28) = 2.2; p > .08", True, source=ERROR),
    _case("t(28) = 2.2; p < .02", True, source=ERROR),
    # cases where t < ... are correctly classified
    _case(f"t(28) < 2.20; p > {UPP}", False, source=ERROR),
    _case("t(28) < 2.2; p = .08", False, source=ERROR),
    _case("t(28) < 2.2; p > .08", False, source=ERROR),
    _case("t(28) < 2.2; p < .08", False, source=ERROR),
    _case("t(28) < 2.2; p > .02", False, source=ERROR),
    _case(f"t(28) < 2.2; p = {LOWP}", True, source=ERROR),
    _case(f"t(28) < 2.2; p < {LOWP}", True, source=ERROR),
    _case("t(28) < 2.2; p < .02", True, source=ERROR),
    _case("t(28) < 2.2; p = .02", True, source=ERROR),
    # cases where t > ... are correctly classified
    _case(f"t(28) > 2.20; p < {UPP}", False, source=ERROR),
    _case("t(28) > 2.2; p = .02", False, source=ERROR),
    _case("t(28) > 2.2; p > .02", False, source=ERROR),
    _case("t(28) > 2.2; p < .02", False, source=ERROR),
    _case("t(28) > 2.2; p < .08", False, source=ERROR),
    _case(f"t(28) > 2.2; p = {UPP}", True, source=ERROR),
    _case(f"t(28) > 2.2; p > {UPP}", True, source=ERROR),
    _case("t(28) > 2.2; p > .08", True, source=ERROR),
    _case("t(28) > 2.2; p = .08", True, source=ERROR),
    # test-decisionerror.R: simple decision errors are classified as such
    _case("t(28) = 2.20; p = .06", None, True, source=DECISION),
    _case("t(28) = 1.20; p = .03", None, True, source=DECISION),
    _case("F(2, 28) = 22.20; p = .06", None, True, source=DECISION),
    _case("F(2, 28) = 2.20; p = .03", None, True, source=DECISION),
    _case("r(28) = .22; p = .03", None, True, source=DECISION),
    _case("r(28) = .52; p = .06", None, True, source=DECISION),
    _case("chi2(28) = 2.20; p = .03", None, True, source=DECISION),
    _case("chi2(28) = 52.20; p = .06", None, True, source=DECISION),
    _case("z = 1.20; p = .03", None, True, source=DECISION),
    _case("z = 2.20; p = .06", None, True, source=DECISION),
    _case("Q(28) = 2.20; p = .03", None, True, source=DECISION),
    _case("Q(28) = 52.20; p = .06", None, True, source=DECISION),
    # decision errors are correctly classified when alpha levels are changed
    _case("t(28) = 2.20; p = .06", None, True, source=DECISION, alpha=.05),
    _case("t(28) = 1.20; p = .03", None, True, source=DECISION, alpha=.05),
    _case("t(28) = 2.20; p = .11", None, True, source=DECISION, alpha=.10),
    _case("t(28) = 1.20; p = .09", None, True, source=DECISION, alpha=.10),
    _case("t(28) = 5.20; p = .02", None, True, source=DECISION, alpha=.01),
    _case("t(28) = 1.20; p = .005", None, True, source=DECISION, alpha=.01),
    # ... when argument p = alpha is changed
    _case("t(28) = 2.20; p = .05", None, False, source=DECISION),
    _case("t(28) = 2.20; p = .05", None, True, source=DECISION, p_equal_alpha_significant=False),
    _case("t(28) = 2.20; p = .10", None, False, source=DECISION, alpha=.10),
    _case("t(28) = 2.20; p = .10", None, True, source=DECISION, alpha=.10,
          p_equal_alpha_significant=False),
]


def _block(test: str, texts: list[str], significant: str, not_significant: str) -> list[Any]:
    """One of test-decisionerror.R's nine-case blocks: ``texts`` are txt1, txt2a/txt2, txt2b…
    as ``(name, text)``; the flags list the expected decision errors as ``"FFT…"`` in the
    order of the ``expect_*`` calls for pEqualAlphaSig = TRUE and FALSE."""
    by_name = dict(item.split(":", 1) for item in texts)
    names_true = [n for n in by_name if not n.endswith("b")]
    names_false = [n for n in by_name if not n.endswith("a")]
    cases = [_case(by_name[n], None, flag == "T", source=f"{DECISION} ({test})")
             for n, flag in zip(names_true, significant, strict=True)]
    cases += [_case(by_name[n], None, flag == "T", source=f"{DECISION} ({test})",
                    p_equal_alpha_significant=False)
              for n, flag in zip(names_false, not_significant, strict=True)]
    return cases


CASES += _block("t = ..., p = ...", [
    f"1:t(28) = {T04}; p = .04", f"2a:t(28) = {T05_P}; p = .04", f"2b:t(28) = {T05_M}; p = .04",
    f"3:t(28) = {T06}; p = .04", f"4:t(28) = {T04}; p = .05", f"5:t(28) = {T05}; p = .05",
    f"6:t(28) = {T06}; p = .05", f"7:t(28) = {T04}; p = .06", f"8a:t(28) = {T05_P}; p = .06",
    f"8b:t(28) = {T05_M}; p = .06", f"9:t(28) = {T06}; p = .06"],
    "FFTFFTTTF", "FTTTFFTFF")
CASES += _block("t = ..., p < ...", [
    f"1:t(28) = {T04_M}; p < .04", f"2a:t(28) = {T05_P}; p < .04",
    f"2b:t(28) = {T05_M}; p < .04", f"3:t(28) = {T06}; p < .04", f"4:t(28) = {T04}; p < .05",
    f"5a:t(28) = {T05_P}; p < .0500", f"5b:t(28) = {T05_M}; p < .0500",
    f"6:t(28) = {T06}; p < .05", f"7:t(28) = {T04}; p < .06", f"8a:t(28) = {T05_P}; p < .06",
    f"8b:t(28) = {T05_M}; p < .06", f"9:t(28) = {T06}; p < .06"],
    "FFTFFTFFF", "FTTFTTFFF")
CASES += _block("t = ..., p > ...", [
    f"1:t(28) = {T04_P}; p > .04", f"2a:t(28) = {T05_P}; p > .04",
    f"2b:t(28) = {T05_M}; p > .04", f"3:t(28) = {T06}; p > .04", f"4:t(28) = {T04}; p > .05",
    f"5a:t(28) = {T05_P}; p > .05", f"5b:t(28) = {T05_M}; p > .05",
    f"6:t(28) = {T06}; p > .05", f"7:t(28) = {T04}; p > .06", f"8a:t(28) = {T05_P}; p > .06",
    f"8b:t(28) = {T05_M}; p > .06", f"9:t(28) = {T06}; p > .06"],
    "FFFTTFTTF", "FFFTFFTFF")
CASES += _block("t < ..., p = ...", [
    f"1:t(28) < {T04_M}; p = .0400", f"2:t(28) < {T05_M}; p = .04", f"3:t(28) < {T06}; p = .04",
    f"4:t(28) < {T04}; p = .05", f"5:t(28) < {T05_MM}; p = .0500", f"6:t(28) < {T06}; p = .05",
    f"7:t(28) < {T04}; p = .06", f"8:t(28) < {T05_M}; p = .0600",
    f"9:t(28) < {T06_M}; p = .0600"],
    "FTTFTTFFF", "FTTFFFFFF")
CASES += _block("t < ..., p < ...", [
    f"1:t(28) < {T04}; p < .04", f"2:t(28) < {T05_M}; p < .04", f"3:t(28) < {T06}; p < .04",
    f"4:t(28) < {T04}; p < .05", f"5:t(28) < {T05_M}; p < .05", f"6:t(28) < {T06}; p < .05",
    f"7:t(28) < {T04}; p < .06", f"8:t(28) < {T05_M}; p < .06", f"9:t(28) < {T06}; p < .06"],
    "FTTFTTFFF", "FTTFTTFFF")
CASES += _block("t < ..., p > ...", [
    f"1:t(28) < {T04}; p > .04", f"2:t(28) < {T05_M}; p > .04", f"3:t(28) < {T06}; p > .04",
    f"4:t(28) < {T04}; p > .05", f"5:t(28) < {T05_M}; p > .05", f"6:t(28) < {T06}; p > .05",
    f"7:t(28) < {T04}; p > .06", f"8:t(28) < {T05_M}; p > .06", f"9:t(28) < {T06}; p > .06"],
    "FFFFFFFFF", "FFFFFFFFF")
CASES += _block("t > ..., p = ...", [
    f"1:t(28) > {T04_P}; p = .0400", f"2:t(28) > {T05_P}; p = .04", f"3:t(28) > {T06}; p = .04",
    f"4:t(28) > {T04}; p = .05", f"5:t(28) > {T05_PP}; p = .0500", f"6:t(28) > {T06}; p = .05",
    f"7:t(28) > {T04}; p = .06", f"8:t(28) > {T05_PP}; p = .0600",
    f"9:t(28) > {T06_P}; p = .0600"],
    "FFFFFFTTF", "FFFTTFTTF")
CASES += _block("t > ..., p < ...", [
    f"1:t(28) > {T04_P}; p < .0400", f"2:t(28) > {T05_P}; p < .04", f"3:t(28) > {T06}; p < .04",
    f"4:t(28) > {T04}; p < .05", f"5:t(28) > {T05_PP}; p < .0500", f"6:t(28) > {T06}; p < .05",
    f"7:t(28) > {T04}; p < .06", f"8:t(28) > {T05_PP}; p < .0600",
    f"9:t(28) > {T06_P}; p < .0600"],
    "FFFFFFFFF", "FFFFFFFFF")
CASES += _block("t > ..., p > ...", [
    f"1:t(28) > {T04_P}; p > .0400", f"2:t(28) > {T05_P}; p > .04", f"3:t(28) > {T06}; p > .04",
    f"4:t(28) > {T04}; p > .05", f"5:t(28) > {T05_PP}; p > .0500", f"6:t(28) > {T06}; p > .05",
    f"7:t(28) > {T04}; p > .06", f"8:t(28) > {T05_PP}; p > .0600",
    f"9:t(28) > {T06_P}; p > .0600"],
    "FFFTTFTTF", "FFFTTFTTF")


@pytest.mark.parametrize(("text", "error", "decision", "options"), CASES)
def test_statcheck_testthat(text: str, error: bool | None, decision: bool | None,
                            options: dict[str, Any]) -> None:
    stat, value, df1, df2, p = _parse(text)
    result = statcheck(stat, value, df1, df2, p, **options)  # type: ignore[arg-type]
    if error is not None:
        assert result.error is error
    if decision is not None:
        assert result.decision_error is decision


# test-compute-pvalues.R and test-error.R ("check that p-values were corrected"): R's values
@pytest.mark.parametrize(("statistic", "value", "df1", "df2", "two_tailed", "expected"), [
    ("t", 2.20, 28, None, True, 0.036225484778837830),  # pt(-1 * abs(2.20), 28) * 2
    ("F", 2.20, 2, 28, True, 0.129593224474092938),  # pf(2.20, 2, 28, lower.tail = FALSE)
    ("r", 0.22, 28, None, True, 0.242738987912711590),  # pt(-abs(r2t(.22, 28)), 28) * 2
    ("z", 2.20, None, None, True, 0.027806895026997212),  # pnorm(2.20, lower.tail = FALSE) * 2
    ("chi2", 22.20, 28, None, True, 0.771948704032935806),  # pchisq(22.20, 28, upper)
    ("Q", 22.20, 28, None, True, 0.771948704032935806),
    ("t", 2.20, 28, None, False, 0.018112742389418915),  # pt(2.20, 28, lower.tail = FALSE)
])
def test_compute_p_matches_r(statistic: str, value: float, df1: float | None, df2: float | None,
                             two_tailed: bool, expected: float) -> None:
    got = compute_p(statistic, value, df1, df2, two_tailed=two_tailed)  # type: ignore[arg-type]
    assert got == pytest.approx(expected, rel=1e-10)


def test_one_tailed_p_replaces_the_computed_p() -> None:
    """test-error.R: with OneTailedTxt the computed P of "p = .018, one-tailed" is one-tailed."""
    stat, value, df1, df2, p = _parse("t(28) = 2.20; p = .018")
    result = statcheck(stat, value, df1, df2, p, tails=1)  # type: ignore[arg-type]
    assert result.one_tailed and not result.error
    assert result.computed_p == pytest.approx(0.018112742389418915, rel=1e-10)
