"""rma against metafor 3.8 ``rma.uni`` (the ``fits`` and ``fits_tight`` blocks of every
reference data set), plus the published BCG example and the input checks.

Tolerances (relative, ``|ours - ref| <= rtol |ref| + ATOL``):

==========================  =======  ==========================================================
``closed_form``             1e-8     EE, DL, HE, HS, SJ against ``fits``
``iterative``               1e-6     REML, ML, EB, PM solved to full precision, ``fits_tight``
``metafor_default``         1e-7     REML, ML, EB with metafor's stopping rule, against ``fits``
``metafor_default_pm``      2e-3     PM against ``fits`` (metafor's ``uniroot`` tolerance
                                     ``1.2e-4`` in tau^2; see the reference README)
``qprofile_default``        see      Q-profile limits of ``fits`` (metafor's ``uniroot`` tol),
                                     compared in tau^2 units at 1e-4 absolute
==========================  =======  ==========================================================
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import METAFOR_DEFAULT_CONTROL, rma
from tests.stats.reference import (
    TOL,
    assert_close,
    effect_sizes,
    load_reference,
    reference_blocks,
)

CLOSED_FORM = ("EE", "DL", "HE", "HS", "SJ")
SCALARS = ("k", "estimate", "se", "zval", "tval", "df", "pval", "ci_lb", "ci_ub", "tau2",
           "se_tau2", "I2", "H2", "QE", "QEdf", "QEp", "pi_lb", "pi_ub", "tau2_ci_lb",
           "tau2_ci_ub")
TAU2_CI = ("tau2_ci_lb", "tau2_ci_ub", "tau_ci_lb", "tau_ci_ub", "I2_ci_lb", "I2_ci_ub",
           "H2_ci_lb", "H2_ci_ub")


def fit(name: str, key: str, **kwargs: Any) -> Any:
    method, test = key.split("_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        return rma(effect_sizes(name), method=method, test=test, **kwargs)


def compare_fit(res: Any, expected: dict[str, Any], rtol: float, label: str) -> None:
    ours = res.to_dict()
    for field in SCALARS:
        if field in expected:
            assert_close(ours.get(field), expected[field], rtol, f"{label} {field}")
    assert_close(res.vt, expected["vt"], rtol, f"{label} vt")
    assert_close(res.weights, expected["weights"], rtol, f"{label} weights")
    if "s2w" in expected:
        assert_close(res.s2w, expected["s2w"], rtol, f"{label} s2w")
    if "fit_stats" in expected:
        assert_close(list(res.fit_stats.to_dict().values()), list(expected["fit_stats"].values()),
                     rtol, f"{label} fit_stats")


@pytest.mark.parametrize("name", sorted({n for n, _ in reference_blocks("fits")}))
def test_escalc_matches_metafor(name: str) -> None:
    _, ref = load_reference(name)
    es = effect_sizes(name)
    assert list(es.study) == [e["study"] for e in ref["escalc"]]
    assert_close(es.yi, [e["yi"] for e in ref["escalc"]], TOL["closed_form"], f"{name} yi")
    assert_close(es.vi, [e["vi"] for e in ref["escalc"]], TOL["closed_form"], f"{name} vi")


@pytest.mark.parametrize(("name", "key"), reference_blocks("fits"))
def test_fit_matches_metafor(name: str, key: str) -> None:
    """Closed-form fits against ``fits``; iterative ones (full precision) against ``fits_tight``."""
    _, ref = load_reference(name)
    method = key.split("_")[0]
    if method in CLOSED_FORM:
        expected, rtol = ref["fits"][key], TOL["closed_form"]
    else:
        expected, rtol = ref["fits_tight"][key], TOL["iterative"]
    res = fit(name, key)
    compare_fit(res, expected, rtol, f"{name} {key}")
    if "tau2_ci_lb" in expected:
        ci = res.confint()
        for field in TAU2_CI:
            assert_close(getattr(ci, field), expected[field], rtol, f"{name} {key} {field}")
        assert (ci.ci_lb_sign, ci.ci_ub_sign) == (expected["ci_lb_sign"], expected["ci_ub_sign"])


@pytest.mark.parametrize(
    ("name", "key"),
    [(n, k) for n, k in reference_blocks("fits") if k.split("_")[0] not in CLOSED_FORM],
)
def test_metafor_default_precision(name: str, key: str) -> None:
    """``control=METAFOR_DEFAULT_CONTROL`` reproduces metafor's printed (default) output."""
    _, ref = load_reference(name)
    expected = ref["fits"][key]
    res = fit(name, key, control=METAFOR_DEFAULT_CONTROL)
    pm = key.startswith("PM")
    rtol = TOL["metafor_default_pm"] if pm else TOL["metafor_default"]
    expected_no_ci = {k: v for k, v in expected.items() if k not in ("tau2_ci_lb", "tau2_ci_ub")}
    if pm:
        assert abs(res.tau2 - expected["tau2"]) <= 1.5e-4
        expected_no_ci.pop("I2")
        expected_no_ci.pop("H2")
    compare_fit(res, expected_no_ci, rtol, f"{name} {key}")
    if "tau2_ci_lb" in expected:
        tol = TOL["qprofile_default_abs"]
        assert abs(res.tau2_ci_lb - expected["tau2_ci_lb"]) <= tol
        assert abs(res.tau2_ci_ub - expected["tau2_ci_ub"]) <= tol * max(1, expected["tau2_ci_ub"])


def test_example_viechtbauer2010_bcg() -> None:
    """BCG vaccine data, Viechtbauer (2010) JSS 36(3), section 4 (values as printed there).

    The paper prints metafor's default-precision output, hence ``METAFOR_DEFAULT_CONTROL``
    (the exact REML solution of the meta-regression has tau^2 = 0.07635, printed 0.0763).
    """
    es = effect_sizes("bcg_RR")
    res = rma(es, method="REML", control=METAFOR_DEFAULT_CONTROL)
    assert (round(res.tau2, 4), round(res.se_tau2 or 0, 4)) == (0.3132, 0.1664)
    assert (round(res.I2, 2), round(res.H2, 2)) == (92.22, 12.86)
    assert round(res.QE, 4) == 152.2330
    assert (round(res.estimate, 4), round(res.se, 4), round(res.zval or 0, 4)) == (
        -0.7145, 0.1798, -3.9744)
    assert (round(res.ci_lb, 4), round(res.ci_ub, 4)) == (-1.0669, -0.3622)
    pred = res.predict(transf=True)
    assert (round(pred.pred, 2), round(pred.ci_lb, 2), round(pred.ci_ub, 2)) == (0.49, 0.34, 0.70)
    assert (round(pred.pi_lb or 0, 2), round(pred.pi_ub or 0, 2)) == (0.15, 1.55)
    rows, _ = load_reference("bcg_RR")
    mr = rma(es, mods={"ablat": [r["x"] for r in rows]}, method="REML",
             control=METAFOR_DEFAULT_CONTROL)
    assert (round(mr.tau2, 4), round(mr.se_tau2 or 0, 4)) == (0.0764, 0.0591)
    assert [round(c.estimate, 4) for c in mr.coefficients] == [0.2515, -0.0291]
    assert [round(c.se, 4) for c in mr.coefficients] == [0.2491, 0.0072]
    assert (round(mr.QE, 4), mr.QEdf, round(mr.QM or 0, 4)) == (30.7331, 11, 16.3571)
    assert round(mr.R2 or 0, 2) == 75.62


def test_dl_hand_computed() -> None:
    """DerSimonian-Laird on three studies, computed by hand from the defining formulas."""
    yi, vi = np.array([0.1, 0.5, 0.9]), np.array([0.04, 0.09, 0.16])
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w)
    q = np.sum(w * (yi - mu) ** 2)
    tau2 = max(0.0, (q - 2) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    ws = 1 / (vi + tau2)
    est = np.sum(ws * yi) / np.sum(ws)
    res = rma(yi, vi, method="DL")
    assert res.tau2 == pytest.approx(tau2, rel=1e-12)
    assert res.estimate == pytest.approx(est, rel=1e-12)
    assert res.se == pytest.approx(np.sqrt(1 / np.sum(ws)), rel=1e-12)


def test_fixed_tau2_standard_errors_and_level() -> None:
    """tau2 given: W = 1/(v + tau2) without estimation; sei instead of vi; a 90% level."""
    yi, sei = np.array([0.1, 0.5, 0.9, 0.2]), np.array([0.2, 0.3, 0.4, 0.25])
    res = rma(yi, sei=sei, tau2=0.05, level=90)
    w = 1 / (sei**2 + 0.05)
    est = np.sum(w * yi) / np.sum(w)
    se = np.sqrt(1 / np.sum(w))
    assert (res.estimate, res.se, res.tau2) == pytest.approx((est, se, 0.05), rel=1e-13)
    assert res.ci_lb == pytest.approx(est - stats.norm.isf(0.05) * se, rel=1e-13)
    assert res.se_tau2 is None and res.tau2_ci_lb is None
    with pytest.raises(ValueError, match="tau2 given"):
        res.confint()
    assert res.fit_stats.AIC == pytest.approx(-2 * res.fit_stats.logLik + 2, rel=1e-13)


def test_revman_convention_uses_dl_and_q_based_i2() -> None:
    es = effect_sizes("bcg_RR")
    res = rma(es, convention="revman")
    assert res.method == "DL"
    assert res.I2 == pytest.approx(100 * (res.QE - 12) / res.QE, rel=1e-12)
    assert res.i2_definition == "Q"
    # with DL, metafor's vt-based I^2 is the same number (docs/stats.md)
    assert rma(es, method="DL").I2 == pytest.approx(res.I2, rel=1e-12)
    assert rma(es, method="REML", i2="Q").I2 == pytest.approx(res.I2, rel=1e-12)


def test_higgins_prediction_interval() -> None:
    """Higgins, Thompson & Spiegelhalter (2009), eq. 12: est +- t_{k-2} sqrt(se^2 + tau^2)."""
    es = effect_sizes("bcg_RR")
    res = rma(es, method="DL", prediction="higgins")
    half = stats.t.isf(0.025, 13 - 2) * np.sqrt(res.se**2 + res.tau2)
    assert (res.pi_lb, res.pi_ub) == pytest.approx((res.estimate - half, res.estimate + half),
                                                   rel=1e-13)
    assert rma(es, convention="revman").pi_lb == pytest.approx(res.pi_lb, rel=1e-13)
    assert "Prediction interval (95%, t with k-2 df)" in res.summary()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        assert rma([0.1, 0.5], [0.01, 0.02], prediction="higgins").pi_lb is None


def test_single_study_is_its_own_estimate() -> None:
    with pytest.warns(StatsWarning, match="k = 1"):
        res = rma([0.4], [0.04], test="knha", study=["Only 2020"])
    assert (res.k, res.tau2, res.estimate, res.test) == (1, 0.0, 0.4, "z")
    assert res.se == pytest.approx(0.2)
    assert res.ci_lb == pytest.approx(0.4 - 1.959963984540054 * 0.2)
    assert res.warnings and "k = 1" in res.warnings[0]


def test_truncation_is_recorded() -> None:
    with pytest.warns(StatsWarning, match="set to 0"):
        res = rma([0.1, 0.1, 0.1], [0.1, 0.2, 0.3], method="DL")
    assert res.tau2 == 0.0 and res.tau2_truncated


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yi": [], "vi": []}, "rma: no studies to pool (k = 0)"),
        ({"yi": [0.1, 0.2], "vi": [0.1, -0.2], "study": ["A", "Smith 2019"]},
         "rma, study 'Smith 2019': 'vi' must be non-negative; got -0.2"),
        ({"yi": [0.1, float("nan")], "vi": [0.1, 0.2], "study": ["A", "B"]},
         "rma, study 'B': 'yi' must be a finite number; got nan"),
        ({"yi": [0.1, 0.2], "vi": [0.1]}, "rma: 'yi' has 2 values but 'vi' has 1"),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "method": "XX"},
         ("rma: 'method' must be one of: 'EE', 'FE', 'DL', 'HE', 'HS', 'SJ', 'ML', 'REML', 'EB', "
         "'PM'; got 'XX'")),
        ({"yi": [0.1, 0.2], "vi": [0.1, 0.1], "test": "t"},
         "rma: 'test' must be one of: 'z', 'knha'; got 't'"),
        ({"yi": [0.1, 0.2], "vi": [0.0, 0.1], "method": "REML", "study": ["Z", "Y"]},
         ("rma, study 'Z': 'vi' must be positive: a zero sampling variance would give the "
         "study infinite weight")),
    ],
)
def test_bad_input_is_named(kwargs: dict[str, Any], message: str) -> None:
    yi = kwargs.pop("yi")
    with pytest.raises(InputError) as exc:
        rma(yi, **kwargs)
    assert str(exc.value) == message


def test_to_dict_has_the_json_contract_keys() -> None:
    res = rma(effect_sizes("bcg_RR"), test="knha")
    keys = set(res.to_dict())
    assert {"k", "measure", "method", "test", "estimate", "se", "tval", "df", "pval", "ci_lb",
            "ci_ub", "tau2", "tau2_ci_lb", "tau2_ci_ub", "I2", "H2", "QE", "QEp", "pi_lb",
            "pi_ub", "studies"} <= keys
    assert "zval" not in keys
    assert set(res.to_dict()["studies"][0]) == {"study", "yi", "vi", "weight"}
    assert res.to_dict()["measure"] == "RR"


def test_summary_is_deterministic_and_back_transforms() -> None:
    res = rma(effect_sizes("bcg_RR"))
    text = res.summary()
    assert text == rma(effect_sizes("bcg_RR")).summary()
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "Q(df = 12) = 152.2330, p-val < .0001" in text
    assert "Back-transformed (risk ratio): 0.4894, 95% CI [0.3441, 0.6962]" in text
    assert "considerable heterogeneity (75-100%)" in text


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.floats(-3, 3), st.floats(0.01, 2.0)), min_size=2, max_size=15),
    shift=st.floats(-5, 5),
    scale=st.floats(0.1, 10),
    method=st.sampled_from(["DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"]),
)
def test_location_scale_equivariance(data: list[tuple[float, float]], shift: float, scale: float,
                                     method: str) -> None:
    """Mathematical invariances of every estimator: y -> s y + c, v -> s^2 v gives
    estimate -> s estimate + c, tau^2 -> s^2 tau^2, and unchanged I^2, Q and p-values."""
    yi = np.array([d[0] for d in data])
    vi = np.array([d[1] for d in data])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        a = rma(yi, vi, method=method)
        b = rma(scale * yi + shift, scale**2 * vi, method=method)
    assert b.estimate == pytest.approx(scale * a.estimate + shift, rel=1e-7, abs=1e-7)
    assert b.tau2 == pytest.approx(scale**2 * a.tau2, rel=1e-6, abs=1e-9)
    assert b.QE == pytest.approx(a.QE, rel=1e-7, abs=1e-9)
    assert b.I2 == pytest.approx(a.I2, rel=1e-6, abs=1e-6)
