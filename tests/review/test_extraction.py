"""Extraction, the pure part (review/extraction.py): values checked against their fields, the
discrepancy report, consensus, conversions with their inputs, and outcome-data rows."""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist

import pytest

from evidencehub.errors import InputError
from evidencehub.model import ExtractedValue, ValueDerivation
from evidencehub.review.extraction import (
    DEFAULT_FORM,
    Agreed,
    Item,
    ItemStatus,
    compare,
    convert,
    field_of,
    outcome_rows,
    parse_value,
    same_value,
    settle,
)
from evidencehub.vocab import ExtractionBasis

_AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _v(
    who: str,
    key: str,
    value: str | None,
    *,
    arm: str | None = None,
    locator: str | None = None,
    study: str = "smith2020",
) -> ExtractedValue:
    outcome = "hba1c" if arm else None
    return ExtractedValue(
        study_key=study,
        basis=ExtractionBasis.EXTRACTION,
        outcome=outcome,
        arm=arm,
        timepoint="12 months" if arm else None,
        field=key,
        value=value,
        locator=locator,
        actor=who,
        recorded_at=_AT,
    )


def test_values_are_checked_against_their_field() -> None:
    assert parse_value(field_of(DEFAULT_FORM, "sd"), " 1.5 ") == "1.5"
    assert parse_value(field_of(DEFAULT_FORM, "n"), "30") == "30"
    assert parse_value(field_of(DEFAULT_FORM, "value_kind"), "Change") == "change"
    assert parse_value(field_of(DEFAULT_FORM, "country"), "  ") is None
    with pytest.raises(InputError, match=r"^field 'sd': expected a number, got 'n/a'$"):
        parse_value(field_of(DEFAULT_FORM, "sd"), "n/a")
    with pytest.raises(InputError, match=r"^field 'n': expected a whole number, got '30.5'$"):
        parse_value(field_of(DEFAULT_FORM, "n"), "30.5")
    with pytest.raises(InputError, match=r"^field 'value_kind': expected one of final, change"):
        parse_value(field_of(DEFAULT_FORM, "value_kind"), "baseline")
    with pytest.raises(InputError, match=r"^unknown field 'hba1c'; the form's fields are design"):
        field_of(DEFAULT_FORM, "hba1c")


def test_numbers_compare_as_numbers_and_text_without_case_or_spacing() -> None:
    assert same_value(field_of(DEFAULT_FORM, "mean"), "12", "12.0")
    assert not same_value(field_of(DEFAULT_FORM, "mean"), "12", "12.01")
    assert same_value(field_of(DEFAULT_FORM, "country"), "United  Kingdom", "united kingdom ")
    assert not same_value(field_of(DEFAULT_FORM, "country"), "UK", "United Kingdom")
    assert not same_value(field_of(DEFAULT_FORM, "country"), "UK", None)


def test_discrepancy_report_field_by_field() -> None:
    values = [
        _v("ana", "country", "Canada", locator="p. 2"),
        _v("ben", "country", " canada"),
        _v("ana", "n_randomised", "40"),
        _v("ben", "n_randomised", "42"),
        _v("ana", "funding", "industry"),
        _v("ana", "mean", "7.1", arm="islets"),
        _v("ben", "mean", "7.10", arm="islets"),
        _v("ana", "sd", "1.2", arm="islets"),
        _v("ben", "sd", "1.3", arm="islets"),
        _v("ben", "sd", "1.2", arm="islets"),  # ben corrects himself: the newest entry holds
        _v("ana", "setting", "two centres"),
        _v("ana", "setting", None),  # cleared
    ]
    report = {c.item[4]: c for c in compare(DEFAULT_FORM, values)}
    assert report["country"].status is ItemStatus.AGREE
    assert report["country"].locators == {"ana": "p. 2", "ben": None}
    assert report["n_randomised"].status is ItemStatus.DIFFER
    assert report["n_randomised"].values == {"ana": "40", "ben": "42"}
    assert report["funding"].status is ItemStatus.INCOMPLETE
    assert report["mean"].status is ItemStatus.AGREE and report["sd"].status is ItemStatus.AGREE
    assert "setting" not in report
    # form order: study characteristics first, then arms
    assert [c.item[4] for c in compare(DEFAULT_FORM, values)][:3] == [
        "country",
        "n_randomised",
        "funding",
    ]


def test_consensus_takes_agreed_values_and_needs_a_value_for_the_rest() -> None:
    values = [
        _v("ana", "country", "Canada", locator="p. 2"),
        _v("ben", "country", "canada", locator="Table 1"),
        _v("ana", "n_randomised", "40"),
        _v("ben", "n_randomised", "42"),
        _v("ana", "funding", "industry"),
    ]
    report = compare(DEFAULT_FORM, values)
    settled = settle(DEFAULT_FORM, report)
    item = ("smith2020", None, None, None, "country")
    assert settled.values[item].value == "Canada"
    assert settled.values[item].locator == "p. 2; Table 1"
    assert {c.item[4] for c in settled.unresolved} == {"n_randomised", "funding"}
    taken = settle(
        DEFAULT_FORM,
        report,
        take={("smith2020", None, None, None, "n_randomised"): "42"},
        from_reviewer="ana",
    )
    assert taken.values[("smith2020", None, None, None, "n_randomised")].value == "42"
    assert taken.values[("smith2020", None, None, None, "funding")].value == "industry"
    assert not taken.unresolved


def _arm(label: str, **numbers: str) -> dict[Item, Agreed]:
    return {
        ("s", "hba1c", label, None, k): Agreed(v, locator="Table 2") for k, v in numbers.items()
    }


def test_sd_from_a_ci_by_the_handbook_example() -> None:
    # Cochrane Handbook v6.4 §6.5.2.2: n = 25, 95% CI 3.0 to 7.0 (width 4) → t(24) = 2.0639,
    # SD = sqrt(25) × 4 / 4.128 = 4.845.
    values = _arm("islets", mean="5", ci_lb="3.0", ci_ub="7.0", n="25")
    derived = convert("s", values, [ValueDerivation.SD_FROM_CI_T])
    (sd,) = derived.values()
    assert math.isclose(float(sd.value), 5 * 4 / (2 * 2.0638985616280205), rel_tol=1e-9)
    assert sd.derivation is not None
    assert sd.derivation.method is ValueDerivation.SD_FROM_CI_T
    assert sd.derivation.inputs == {"ci_lb": 3.0, "ci_ub": 7.0, "n": 25.0}
    assert sd.derivation.fields == ("sd",)


def test_sd_from_p_gives_both_arms_the_handbook_sd() -> None:
    # Cochrane Handbook v6.4 §6.5.2.3: MD 3.8, P = 0.008, n 25 and 22 → t = 2.78,
    # SE = 3.8/2.78 = 1.37, SD = 1.37 / sqrt(1/25 + 1/22) = 4.69 (the Handbook's rounding).
    values = {
        **_arm("a", mean="10", n="25", mean_difference="3.8", p="0.008"),
        **_arm("b", mean="6.2", n="22"),
    }
    derived = convert("s", values, [ValueDerivation.SD_FROM_P])
    assert {item[2] for item in derived} == {"a", "b"}
    for agreed in derived.values():
        assert abs(float(agreed.value) - 4.69) < 0.01


def test_a_reported_number_is_never_replaced_and_a_useless_conversion_says_why() -> None:
    values = _arm("islets", mean="5", sd="2", se="0.4", n="25")
    with pytest.raises(
        InputError,
        match=r"^--convert sd-from-se: study 's' has no arm that "
        r"reports se and n without a reported sd$",
    ):
        convert("s", values, [ValueDerivation.SD_FROM_SE])


def test_derived_numbers_reach_the_outcome_row_with_their_inputs() -> None:
    values = _arm("islets", median="7", q1="6", q3="9", n="30")
    derived = convert("s", values, [ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR])
    rows, problems = outcome_rows("s", {**values, **derived}, "doi:10.1/x")
    assert not problems
    row = rows[("hba1c", None, "islets")]
    # Wan et al. (2014) eq. 13 and Luo et al. (2018) eq. 11, by hand with the standard library
    eta = 2 * NormalDist().inv_cdf((0.75 * 30 - 0.125) / (30 + 0.25))
    w = 0.7 + 0.39 / 30
    assert row.sd is not None and math.isclose(row.sd, (9 - 6) / eta, rel_tol=1e-9)
    assert row.mean is not None and math.isclose(row.mean, w * 7.5 + (1 - w) * 7, rel_tol=1e-9)
    assert row.n == 30 and row.locator == "Table 2" and row.source == "doi:10.1/x"
    (derivation,) = row.derivations
    assert derivation.inputs == {"median": 7.0, "q1": 6.0, "q3": 9.0, "n": 30.0}
    assert row.sd == float(derived[("s", "hba1c", "islets", None, "sd")].value)


def test_an_arm_without_a_result_is_reported_not_written() -> None:
    rows, problems = outcome_rows("s", _arm("islets", mean="5", n="25"), None)
    assert not rows
    assert problems[("hba1c", None, "islets")].startswith("a mean needs 'sd' and 'n'")
