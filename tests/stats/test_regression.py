"""Meta-regression against the ``metareg`` blocks of the metafor reference fixtures, and the
design-matrix rules.

Tolerances: 1e-6 relative against ``tight.metareg`` (full-precision REML); 1e-7 against the
default ``metareg`` block with ``METAFOR_DEFAULT_CONTROL`` (metafor's own stopping rule).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import METAFOR_DEFAULT_CONTROL, rma
from evidencehub.stats.regression import design_matrix, ee_r2, pseudo_r2
from tests.stats.reference import TOL, assert_close, effect_sizes, load_reference, reference_names

NAMES = [n for n in reference_names() if "metareg" in load_reference(n)[1]]
FIELDS = ("k", "QM", "QMp", "QE", "QEdf", "QEp", "tau2", "se_tau2", "I2", "H2", "R2")


def fit(name: str, key: str, **kwargs: Any) -> Any:
    rows, _ = load_reference(name)
    es = effect_sizes(name)
    keep = np.array([r["x"] is not None for r in rows])
    x = [r["x"] for r in rows if r["x"] is not None]
    return rma(es.yi[keep], es.vi[keep], mods={"x": x}, method="REML", test=key.split("_")[1],
               study=[s for s, k in zip(es.study, keep, strict=True) if k], **kwargs)


def compare(res: Any, want: dict[str, Any], rtol: float, label: str) -> None:
    got = res.to_dict()
    for field in FIELDS:
        assert_close(got[field], want[field], rtol, f"{label} {field}")
    assert res.p == want["p"]
    assert list(res.QMdf) == want["QMdf"]
    if "df" in want:
        assert res.df == want["df"]
    for ours, ref in zip(got["coefficients"], want["coefficients"], strict=True):
        assert ours["term"] == ref["term"]
        for field in ref:
            if field != "term":
                assert_close(ours[field], ref[field], rtol, f"{label} {ref['term']} {field}")


@pytest.mark.parametrize("key", ["REML_z", "REML_knha"])
@pytest.mark.parametrize("name", NAMES)
def test_metareg_matches_metafor_tight(name: str, key: str) -> None:
    _, ref = load_reference(name)
    compare(fit(name, key), ref["tight"]["metareg"][key], TOL["iterative"], f"{name} {key}")


@pytest.mark.parametrize("key", ["REML_z", "REML_knha"])
@pytest.mark.parametrize("name", NAMES)
def test_metareg_matches_metafor_default(name: str, key: str) -> None:
    _, ref = load_reference(name)
    res = fit(name, key, control=METAFOR_DEFAULT_CONTROL)
    compare(res, ref["metareg"][key], TOL["metafor_default"], f"{name} {key}")
    assert res.k == ref["metareg"]["k_used"]


def test_categorical_moderator_is_dummy_coded_in_byte_order() -> None:
    design = design_matrix({"arm": ["b", "B", "a", "b"]}, 4, ["1", "2", "3", "4"])
    assert design.terms == ("intrcpt", "factor(arm)a", "factor(arm)b")
    assert design.X.tolist() == [[1, 0, 1], [1, 0, 0], [1, 1, 0], [1, 0, 1]]


def test_bare_array_moderators_get_metafors_names() -> None:
    assert design_matrix([1.0, 2.0, 3.5], 3, ["a", "b", "c"]).terms == ("intrcpt", "mods")
    two = design_matrix(np.array([[1, 0], [2, 1], [3, 0], [5, 1]]), 4, list("abcd"))
    assert two.terms == ("intrcpt", "mods1", "mods2")


@pytest.mark.parametrize(
    ("mods", "message"),
    [
        ({"x": [1.0, None, 3.0, 4.0]},
         "rma, study 'S2': moderator 'x' is missing; leave the study out or give a value"),
        ({"x": [1.0, 2.0, 3.0]}, "rma: moderator 'x' has 3 values but there are 4 studies"),
        ({"x": [1.0, 2.0, 3.0, 4.0], "z": [1.0, 0.0, 2.0, 5.0], "u": [0.0, 1.0, 1.0, 3.0]},
         "rma: 4 coefficients need more than 4 studies"),
        ({"x": [1.0, 2.0, 3.0, 4.0], "z": [2.0, 4.0, 6.0, 8.0]},
         "rma: the moderators are collinear (terms intrcpt, x, z); drop a redundant one"),
    ],
)
def test_bad_moderators_are_named(mods: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        rma([0.1, 0.2, 0.4, 0.3], [0.1, 0.1, 0.1, 0.1], mods=mods,
            study=["S1", "S2", "S3", "S4"])
    assert str(exc.value) == message


def test_pseudo_r2_rules() -> None:
    """metafor: max(0, 100 (tau2_0 - tau2)/tau2_0), and 0 when tau2_0 = 0."""
    assert pseudo_r2(0.4, 0.1) == pytest.approx(75.0)
    assert pseudo_r2(0.1, 0.4) == 0.0
    assert pseudo_r2(0.0, 0.0) == 0.0


def test_ee_r2_is_adjusted_r2_of_weighted_least_squares() -> None:
    """Hand-computed: y exactly linear in x gives adj. R^2 = 1."""
    x = np.array([1.0, 2.0, 3.0, 4.0])
    X = np.column_stack([np.ones(4), x])
    assert ee_r2(2 + 0.5 * x, np.array([0.1, 0.2, 0.1, 0.3]), X) == pytest.approx(100.0)


MODS_REFERENCE = json.loads(
    (Path(__file__).parent / "bcg_mods_metafor.json").read_text(encoding="utf-8"))["fits"]


@pytest.mark.parametrize("key", list(MODS_REFERENCE))
def test_mixed_moderators_every_estimator_matches_metafor(key: str) -> None:
    """``mods = ~ x + factor(group)`` on the BCG data for every estimator and test, against
    metafor at tight control (``bcg_mods_metafor.json``), 1e-6 relative."""
    rows, _ = load_reference("bcg_RR")
    method, test = key.split("_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        res = rma(effect_sizes("bcg_RR"), method=method, test=test,
                  mods={"x": [r["x"] for r in rows], "group": [r["group"] for r in rows]})
    assert res.terms == ("intrcpt", "x", "factor(group)random", "factor(group)systematic")
    want = MODS_REFERENCE[key]
    got = {"beta": res.beta, "se": [c.se for c in res.coefficients], "tau2": res.tau2,
           "se_tau2": res.se_tau2, "QM": res.QM, "QMp": res.QMp, "QE": res.QE, "I2": res.I2,
           "H2": res.H2, "R2": res.R2, "ll": res.fit_stats.logLik}
    for field, value in want.items():
        assert_close(got[field], value, TOL["iterative"], f"{key} {field}")
