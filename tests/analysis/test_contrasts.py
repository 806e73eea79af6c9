"""From stored arm rows to an analysis's rows (analysis/contrasts.py); no store needed."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

import pytest

from evidencehub.analysis.contrasts import analysis_rows
from evidencehub.errors import InputError
from evidencehub.model import (
    Analysis,
    Comparison,
    OutcomeData,
    StoredOutcomeData,
    ValueKind,
)
from evidencehub.vocab import Measure

_IDS = count(1)
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _arm(study: str, arm: str, *, outcome: str = "HbA1c", version: int = 1,
         **values: Any) -> StoredOutcomeData:
    if not {"events", "mean"} & values.keys():
        values = {"n": 20, "mean": 1.0, "sd": 2.0, **values}
    data = OutcomeData(study_key=study, arm=arm, outcome=outcome, **values)
    return StoredOutcomeData(id=next(_IDS), version=version, data=data, actor="Ada",
                             recorded_at=T0)


def _analysis(measure: Measure = Measure.MD, experimental: tuple[str, ...] = ("drug",),
              control: tuple[str, ...] = ("placebo",), **settings: Any) -> Analysis:
    return Analysis(slug="a", title="A", outcome="HbA1c", measure=measure,
                    comparison=Comparison(experimental=experimental, control=control),
                    **settings)


def test_two_group_continuous_rows_take_escalc_columns_by_side() -> None:
    drug = _arm("smith2019", "drug", n=50, mean=-1.0, sd=1.2, version=3)
    placebo = _arm("smith2019", "placebo", n=48, mean=0.1, sd=1.1)
    (row,) = analysis_rows(_analysis(), [placebo, drug])
    assert row.inputs == {"m1i": -1.0, "sd1i": 1.2, "n1i": 50.0,
                          "m2i": 0.1, "sd2i": 1.1, "n2i": 48.0}
    assert row.data == ((drug.id, 3), (placebo.id, 1))
    assert (row.study_key, row.experimental, row.control) == ("smith2019", "drug", "placebo")
    assert (row.value_kind, row.pooled, row.note, row.subgroup) == ("final", True, None, None)


def test_two_by_two_rows_take_events_and_totals() -> None:
    rows = analysis_rows(_analysis(Measure.RR), [
        _arm("b", "drug", events=3, total=10), _arm("b", "placebo", events=1, total=12),
    ])
    assert rows[0].inputs == {"ai": 3.0, "n1i": 10.0, "ci": 1.0, "n2i": 12.0}


@pytest.mark.parametrize(("measure", "values", "inputs"), [
    (Measure.PLO, {"events": 4, "total": 9}, {"xi": 4.0, "ni": 9.0}),
    (Measure.PR, {"events": 0, "total": 9}, {"xi": 0.0, "ni": 9.0}),
    (Measure.MN, {"n": 15, "mean": 7.5, "sd": 0.5}, {"mi": 7.5, "sdi": 0.5, "ni": 15.0}),
])
def test_single_group_rows_take_the_experimental_arm(
        measure: Measure, values: dict[str, Any], inputs: dict[str, float]) -> None:
    arm = _arm("s", "islets", **values)
    (row,) = analysis_rows(_analysis(measure, ("islets",), ()), [arm, _arm("s", "other")])
    assert row.inputs == inputs and row.control is None and row.data == ((arm.id, 1),)


def test_rows_are_ordered_by_study_and_filtered_by_outcome_and_time_point() -> None:
    stored = [
        _arm("zeta", "drug", timepoint="6 months"), _arm("zeta", "placebo", timepoint="6 months"),
        _arm("alpha", "drug", timepoint="6 months"),
        _arm("alpha", "placebo", timepoint="6 months"),
        _arm("alpha", "drug", timepoint="12 months"),
        _arm("alpha", "placebo", timepoint="12 months"),
        _arm("mid", "drug", outcome="weight", timepoint="6 months"),
        _arm("mid", "placebo", outcome="weight", timepoint="6 months"),
    ]
    rows = analysis_rows(_analysis(timepoint="6 months"), stored)
    assert [r.study_key for r in rows] == ["alpha", "zeta"]
    assert rows[0].data == ((stored[2].id, 1), (stored[3].id, 1))


def test_a_study_without_an_arm_of_a_side_is_left_out() -> None:
    rows = analysis_rows(_analysis(), [_arm("a", "drug"), _arm("b", "placebo"),
                                       _arm("c", "other"), _arm("c", "placebo")])
    assert rows == []


def test_one_arm_label_per_study_from_a_side_of_several() -> None:
    comparison = ("acarbose", "miglitol")
    rows = analysis_rows(_analysis(experimental=comparison), [
        _arm("a", "acarbose"), _arm("a", "placebo"), _arm("b", "miglitol"), _arm("b", "placebo"),
    ])
    assert [(r.study_key, r.experimental) for r in rows] == [("a", "acarbose"), ("b", "miglitol")]


def test_two_arms_on_one_side_in_one_study_are_refused() -> None:
    with pytest.raises(InputError) as err:
        analysis_rows(_analysis(experimental=("acarbose", "miglitol")), [
            _arm("a", "acarbose"), _arm("a", "miglitol"), _arm("a", "placebo")])
    assert str(err.value) == (
        "analysis 'a': study 'a' has 2 experimental arms (acarbose, miglitol) in one "
        "comparison; a shared arm would be counted twice (Cochrane Handbook 23.3.4): split the "
        "comparison or combine the arms first")


def test_two_experimental_arms_without_a_control_arm_are_left_out() -> None:
    # release 0.1.0's demo: Derosa 2004 compares pioglitazone with rosiglitazone, no placebo
    rows = analysis_rows(_analysis(experimental=("pioglitazone", "rosiglitazone")), [
        _arm("derosa2004", "pioglitazone"), _arm("derosa2004", "rosiglitazone"),
        _arm("zhu2003", "rosiglitazone"), _arm("zhu2003", "placebo")])
    assert [r.study_key for r in rows] == ["zhu2003"]


def test_several_time_points_need_a_timepoint() -> None:
    with pytest.raises(InputError) as err:
        analysis_rows(_analysis(), [_arm("a", "drug", timepoint="3 months"),
                                    _arm("a", "drug", timepoint="6 months"),
                                    _arm("a", "placebo")])
    assert str(err.value) == ("analysis 'a': study 'a' has arm 'drug' at several time points; "
                              "give the analysis a --timepoint")


def test_both_kinds_of_value_need_a_value_kind() -> None:
    with pytest.raises(InputError) as err:
        analysis_rows(_analysis(), [_arm("a", "drug", value_kind=ValueKind.FINAL),
                                    _arm("a", "drug", value_kind=ValueKind.CHANGE),
                                    _arm("a", "placebo")])
    assert str(err.value) == ("analysis 'a': study 'a' reports both final and change values "
                              "for arm 'drug'; give the analysis a --value-kind")


def test_a_study_reporting_both_kinds_contributes_the_analysis_kind() -> None:
    change = [_arm("a", "drug", value_kind=ValueKind.CHANGE),
              _arm("a", "placebo", value_kind=ValueKind.CHANGE)]
    final = [_arm("a", "drug"), _arm("a", "placebo")]
    (row,) = analysis_rows(_analysis(value_kind=ValueKind.CHANGE), [*final, *change])
    assert row.data == ((change[0].id, 1), (change[1].id, 1)) and row.pooled


def test_rows_of_the_other_kind_are_listed_not_pooled() -> None:
    rows = analysis_rows(_analysis(value_kind=ValueKind.CHANGE), [
        _arm("a", "drug", value_kind=ValueKind.CHANGE),
        _arm("a", "placebo", value_kind=ValueKind.CHANGE),
        _arm("b", "drug"), _arm("b", "placebo"),
    ])
    assert [(r.study_key, r.value_kind, r.pooled) for r in rows] == [
        ("a", "change", True), ("b", "final", False)]
    assert rows[1].note == "final value; not pooled with change values"


def test_arms_of_a_contrast_must_report_the_same_kind() -> None:
    with pytest.raises(InputError) as err:
        analysis_rows(_analysis(), [_arm("a", "drug", value_kind=ValueKind.CHANGE),
                                    _arm("a", "placebo")])
    assert str(err.value) == ("analysis 'a', study 'a': arm 'drug' reports a change value but "
                              "arm 'placebo' a final value")


def test_an_arm_without_the_measure_numbers_is_named() -> None:
    placebo = _arm("a", "placebo", events=1, total=10)
    with pytest.raises(InputError) as err:
        analysis_rows(_analysis(), [_arm("a", "drug"), placebo])
    assert str(err.value) == (f"analysis 'a', study 'a': arm 'placebo' has no 'mean' "
                              f"(outcome data {placebo.id})")


def test_subgroup_comes_from_the_experimental_arm() -> None:
    rows = analysis_rows(_analysis(subgroup="class"), [
        _arm("a", "drug", attributes={"class": "SGLT2"}), _arm("a", "placebo"),
        _arm("b", "drug"), _arm("b", "placebo", attributes={"class": "DPP-4"}),
    ])
    assert [r.subgroup for r in rows] == ["SGLT2", None]


@pytest.mark.parametrize(("measure", "control", "message"), [
    (Measure.OR, (), "analysis 'a': OR compares two groups; give the control arm (--control)"),
    (Measure.PFT, ("placebo",),
     "analysis 'a': PFT describes one group; give only --experimental arms"),
    (Measure.SMCC, (), "analysis 'a': the SMCC measure (paired mean change) is not computed "
     "from arm-level rows; use OR, RR, RD, PETO, MD, SMD, SMDH, ROM (two groups) or PR, PLO, "
     "PAS, PFT, MN (one group)"),
    (Measure.GEN, (), "analysis 'a': the GEN measure (generic (precomputed yi with vi or sei)) "
     "is not computed from arm-level rows"),
])
def test_measures_and_sides_that_do_not_fit(measure: Measure, control: tuple[str, ...],
                                            message: str) -> None:
    with pytest.raises(InputError) as err:
        analysis_rows(_analysis(measure, control=control), [])
    assert str(err.value).startswith(message)
