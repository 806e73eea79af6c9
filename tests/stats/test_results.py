"""Result objects: immutability, the JSON contract with moderators, predictions, summaries."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pytest

from evidencehub.errors import StatsWarning
from evidencehub.stats import (
    Coefficient,
    EffectSizes,
    FitStats,
    MetaResult,
    Prediction,
    Tau2Interval,
    rma,
)
from evidencehub.stats.batch import BatchResult
from evidencehub.stats.heterogeneity import Heterogeneity, QProfile
from evidencehub.stats.measures import MeasureInfo
from evidencehub.stats.models import StackFit
from evidencehub.stats.regression import Design
from evidencehub.stats.subgroups import SubgroupDifference, SubgroupResult
from evidencehub.stats.tau2 import Projection, Tau2Fit
from tests.stats.reference import effect_sizes, load_reference


def bcg_metareg(test: str = "z") -> MetaResult:
    rows, _ = load_reference("bcg_RR")
    return rma(effect_sizes("bcg_RR"), mods={"ablat": [r["x"] for r in rows]}, test=test)


def test_results_are_frozen_and_slotted() -> None:
    res = rma(effect_sizes("bcg_RR"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.tau2 = 1.0  # type: ignore[misc]
    assert not hasattr(res, "__dict__")
    assert {f.name for f in dataclasses.fields(MetaResult)} >= {"estimate", "tau2", "warnings"}


RESULT_TYPES = [MetaResult, FitStats, Prediction, Tau2Interval, Coefficient, EffectSizes,
                BatchResult, SubgroupResult, SubgroupDifference, StackFit, Tau2Fit,
                Heterogeneity, QProfile, MeasureInfo, Design, Projection]


@pytest.mark.parametrize("cls", RESULT_TYPES, ids=lambda c: c.__name__)
def test_every_field_is_declared_and_documented(cls: type) -> None:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen and "__slots__" in vars(cls)
    doc = cls.__doc__ or ""
    for field in dataclasses.fields(cls):
        assert field.name in doc, f"{cls.__name__}.{field.name}"


def test_to_dict_is_json_serialisable_with_moderators() -> None:
    out = bcg_metareg("knha").to_dict()
    text = json.dumps(out)
    assert "NaN" not in text
    assert [c["term"] for c in out["coefficients"]] == ["intrcpt", "ablat"]
    assert set(out["coefficients"][1]) == {"term", "estimate", "se", "tval", "pval", "ci_lb",
                                           "ci_ub"}
    assert out["QMdf"] == [1, 11]
    assert out["pi_lb"] is None


def test_predict_with_moderator_values() -> None:
    """metafor: predict(res, newmods = 40) = b0 + 40 b1 with se sqrt(x' V x)."""
    res = bcg_metareg()
    pred = res.predict([40.0])
    x = np.array([1.0, 40.0])
    assert pred.pred == pytest.approx(float(x @ res.beta), rel=1e-14)
    assert pred.se == pytest.approx(float(np.sqrt(x @ res.vb @ x)), rel=1e-14)
    assert pred.pi_lb is not None and pred.pi_lb < pred.ci_lb
    shown = res.predict([40.0], transf=True)
    assert shown.pred == pytest.approx(np.exp(pred.pred), rel=1e-14) and shown.transformed
    with pytest.raises(ValueError, match="newmods needs 1 values, got 2"):
        res.predict([1.0, 2.0])


def test_equal_effects_prediction_has_no_interval() -> None:
    pred = rma(effect_sizes("bcg_RR"), method="EE").predict()
    assert pred.pi_lb is None and pred.pi_ub is None


def test_summary_with_moderators_and_knha() -> None:
    text = bcg_metareg("knha").summary()
    assert text.startswith("Mixed-Effects Model (k = 13; tau^2 estimator: REML)")
    assert "Test of Moderators (coefficient 2):" in text
    assert "F(df1 = 1, df2 = 11) = 12.59" in text
    assert "ablat" in text and "tval" in text
    assert "R^2 (amount of heterogeneity accounted for):" in text


def test_summary_of_proportions_back_transforms_with_ni() -> None:
    rows, _ = load_reference("hannum2020_PLO")
    res = rma(effect_sizes("hannum2020_PLO"))
    assert "Back-transformed (proportion): " in res.summary()
    pred = res.predict(transf=True)
    assert pred.pred == pytest.approx(1 / (1 + np.exp(-res.estimate)), rel=1e-14)
    assert len(rows) == res.k


def test_warnings_appear_in_summary() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        res = rma([0.2, 0.2, 0.2], [0.1, 0.1, 0.1])
    assert "Note: the tau^2 estimate was negative" in res.summary()


def test_fit_stats_dict() -> None:
    stats = rma(effect_sizes("bcg_RR")).fit_stats
    assert list(stats.to_dict()) == ["logLik", "deviance", "AIC", "BIC", "AICc"]
    assert stats.likelihood == "REML"


@pytest.mark.parametrize(("name", "method", "test"), [
    ("bcg_RR", "REML", "z"), ("bcg_RR", "DL", "knha"), ("normand1999_MD", "EE", "z"),
    ("pritz1997_PFT", "REML", "z"), ("woods2010_OR", "PM", "knha"),
])
def test_from_record_rebuilds_every_field_through_json(name: str, method: str, test: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)  # woods2010 PM: tau^2 truncated at 0
        fit = rma(effect_sizes(name), method=method, test=test)
    back = MetaResult.from_record(json.loads(json.dumps(fit.to_record())))
    for field in dataclasses.fields(MetaResult):
        ours, theirs = getattr(back, field.name), getattr(fit, field.name)
        if isinstance(theirs, np.ndarray):
            np.testing.assert_allclose(ours, theirs, rtol=1e-15, err_msg=field.name)
            assert ours.shape == theirs.shape, field.name
        elif isinstance(theirs, float) and np.isnan(theirs):
            assert np.isnan(ours), field.name
        else:
            assert ours == theirs, field.name
    assert back.summary() == fit.summary()
    assert back.predict() == fit.predict()
    if not fit.is_fixed:
        assert back.confint() == fit.confint()


def test_from_record_refuses_a_model_with_moderators() -> None:
    with pytest.raises(ValueError, match="intercept-only"):
        MetaResult.from_record(bcg_metareg().to_record())


def test_from_record_reads_null_as_nan() -> None:
    out = rma(effect_sizes("bcg_RR")).to_record()
    out["studies"][0]["yi"] = None
    out["QEp"] = None
    back = MetaResult.from_record(out)
    assert np.isnan(back.yi[0]) and np.isnan(back.QEp)
