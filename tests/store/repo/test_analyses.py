"""Analyses and their stored results (evidencehub.store.repo.analyses)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Analysis, AnalysisResult, ValueKind
from evidencehub.store.repo.analyses import (
    UpsertOutcome,
    get_analysis,
    latest_result,
    list_analyses,
    list_results,
    save_result,
    upsert_analysis,
)

ANALYSIS = Analysis(
    slug="sglt2-vs-placebo-hba1c",
    title="SGLT2 inhibitors versus placebo: HbA1c",
    outcome="hba1c",
    measure="MD",
    method="REML",
    test="knha",
    comparison="placebo",
    subgroup="class",
    timepoint="24 weeks",
    value_kind=ValueKind.CHANGE,
    description="Senn et al. 2013 arms.",
)
T0 = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
RESULT = AnalysisResult(
    analysis_slug=ANALYSIS.slug,
    result={"k": 3, "estimate": -0.62, "tau2": 0.0, "studies": [{"study": "a", "yi": -0.5}]},
    fitted_at=T0,
    software="evidencehub 0.1.0",
)


@pytest.fixture
def stored(session: Session) -> Session:
    assert upsert_analysis(session, ANALYSIS) is UpsertOutcome.CREATED
    return session


def test_analysis_round_trips_and_upsert_is_idempotent(stored: Session) -> None:
    assert get_analysis(stored, ANALYSIS.slug) == ANALYSIS
    assert upsert_analysis(stored, ANALYSIS) is UpsertOutcome.UNCHANGED
    changed = ANALYSIS.model_copy(update={"method": "DL"})
    assert upsert_analysis(stored, changed) is UpsertOutcome.UPDATED
    assert list_analyses(stored) == [changed]


def test_results_are_kept_and_the_latest_is_the_newest_fit(stored: Session) -> None:
    assert latest_result(stored, ANALYSIS.slug) is None
    assert save_result(stored, RESULT) is UpsertOutcome.CREATED
    assert save_result(stored, RESULT) is UpsertOutcome.UNCHANGED
    later = RESULT.model_copy(update={"fitted_at": T0 + dt.timedelta(days=1), "result": {"k": 4}})
    save_result(stored, later)
    assert latest_result(stored, ANALYSIS.slug) == later
    assert list_results(stored, ANALYSIS.slug) == [RESULT, later]


def test_naive_and_other_zone_timestamps_are_read_back_as_utc(stored: Session) -> None:
    naive = RESULT.model_copy(update={"fitted_at": T0.replace(tzinfo=None)})
    save_result(stored, naive)
    assert save_result(stored, RESULT) is UpsertOutcome.UNCHANGED  # the same moment
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert save_result(
        stored, RESULT.model_copy(update={"fitted_at": T0.astimezone(plus_two)})
    ) is (UpsertOutcome.UNCHANGED)
    assert latest_result(stored, ANALYSIS.slug) == RESULT


def test_non_finite_and_numpy_values_become_strict_json(stored: Session) -> None:
    result = RESULT.model_copy(
        update={"result": {"tau2_ci_ub": math.inf, "QEp": np.float64("nan"), "k": np.int64(2),
                           "yi": np.array([0.5, 1.5]), "flag": np.bool_(True), "pair": (1, 2)}}
    )  # fmt: skip
    save_result(stored, result)
    latest = latest_result(stored, ANALYSIS.slug)
    assert latest is not None
    assert latest.result == {
        "tau2_ci_ub": None,
        "QEp": None,
        "k": 2,
        "yi": [0.5, 1.5],
        "flag": True,
        "pair": [1, 2],
    }


def test_unstorable_values_and_unknown_analyses(stored: Session) -> None:
    with pytest.raises(InputError, match=r"result\.studies\[0\]: cannot store a object as JSON"):
        save_result(stored, RESULT.model_copy(update={"result": {"studies": [object()]}}))
    with pytest.raises(NotFoundError, match="no analysis 'nope'"):
        save_result(stored, RESULT.model_copy(update={"analysis_slug": "nope"}))
    with pytest.raises(NotFoundError, match="no analysis 'nope'"):
        get_analysis(stored, "nope")


def test_result_keys_read_back_in_the_order_they_were_given(stored: Session) -> None:
    keys = ["k", "measure", "method", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2"]
    result = RESULT.model_copy(update={"result": dict.fromkeys(keys, 1)})
    save_result(stored, result)
    latest = latest_result(stored, ANALYSIS.slug)
    assert latest is not None
    assert list(latest.result) == keys
