"""subgroup_analysis against the ``subgroup`` blocks of the metafor reference fixtures.

Tolerances: equal-effects pieces (closed form) 1e-8 relative against ``subgroup``;
REML pieces 1e-6 relative against ``tight.subgroup`` (full-precision REML).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.subgroups import subgroup_analysis
from tests.stats.reference import TOL, assert_close, effect_sizes, load_reference, reference_names

NAMES = [n for n in reference_names() if "subgroup" in load_reference(n)[1]]
PER_GROUP = ("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "QE",
             "QEp")
MODEL = ("QM", "QMp", "QE", "QEdf", "QEp", "tau2", "se_tau2", "I2", "H2", "R2")


def run(name: str, method: str) -> Any:
    rows, _ = load_reference(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        return subgroup_analysis(effect_sizes(name), groups=[r.get("group") for r in rows],
                                 method=method)


def expected_block(name: str, method: str) -> tuple[dict[str, Any], float]:
    _, ref = load_reference(name)
    if method == "EE":
        return ref["subgroup"], TOL["closed_form"]
    return ref["tight"]["subgroup"], TOL["iterative"]


@pytest.mark.parametrize("method", ["EE", "REML"])
@pytest.mark.parametrize("name", NAMES)
def test_per_group_and_difference_match(name: str, method: str) -> None:
    expected, rtol = expected_block(name, method)
    res = run(name, method)
    assert list(res.levels) == expected["levels"]
    assert res.k_used == expected["k_used"]
    ours = res.to_dict()["groups"]
    for got, want in zip(ours, expected[f"per_group_{method}"], strict=True):
        assert got["group"] == want["group"]
        for field in PER_GROUP:
            assert_close(got[field], want[field], rtol, f"{name} {got['group']} {field}")
    diff = expected[f"subgroup_differences_{method}"]
    for field in ("Q", "df", "pval", "I2", "pooled"):
        assert_close(res.difference.to_dict()[field], diff[field], rtol, f"{name} diff {field}")


@pytest.mark.parametrize("method", ["EE", "REML"])
@pytest.mark.parametrize("name", NAMES)
def test_moderator_model_matches(name: str, method: str) -> None:
    expected, rtol = expected_block(name, method)
    want = expected["fixed_effects_model" if method == "EE" else "mixed_effects_model"]
    model = run(name, method).moderator_model
    assert model.QMdf == tuple(want["QMdf"])
    got = {"QM": model.QM, "QMp": model.QMp, "QE": model.QE, "QEdf": model.QEdf,
           "QEp": model.QEp, "tau2": model.tau2, "se_tau2": model.se_tau2, "I2": model.I2,
           "H2": model.H2, "R2": model.R2}
    for field in MODEL:
        assert_close(got[field], want[field], rtol, f"{name} {method} {field}")
    for coef, ref_coef in zip(model.coefficients, want["coefficients"], strict=True):
        assert coef.term == ref_coef["term"]
        for field, value in coef.to_dict().items():
            if field != "term":
                assert_close(value, ref_coef[field], rtol, f"{name} {coef.term} {field}")


def test_summary_reports_both_tests() -> None:
    text = run("bcg_RR", "REML").summary()
    assert "Test for subgroup differences (RevMan): Chi^2 = 1.86, df = 2 (P = 0.3943)" in text
    assert "QM(df = 2) = 1.7675" in text


def test_missing_subgroups_are_left_out_and_recorded() -> None:
    with pytest.warns(StatsWarning, match="1 studies without a subgroup were left out"):
        res = subgroup_analysis([0.1, 0.9, 0.3, -0.5, 0.4], [0.01, 0.01, 0.02, 0.01, 0.03],
                                groups=["a", "a", None, "b", "b"], method="DL")
    assert res.k_used == 4 and res.levels == ("a", "b")


def test_one_subgroup_is_refused() -> None:
    with pytest.raises(InputError, match="at least 2 subgroups; got 1"):
        subgroup_analysis([0.1, 0.2], [0.1, 0.1], groups=["a", "a"])
