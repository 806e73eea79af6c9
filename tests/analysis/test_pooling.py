"""pool(): effect sizes and the fit the settings ask for (analysis/pooling.py).

metafor references: tests/reference/metafor (escalc, rma) and tests/reference/mh_peto
(rma.mh, rma.peto, weights()); tolerances as in tests/cli/test_meta.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from evidencehub.analysis import PoolSettings, pool
from evidencehub.analysis.pooling import table_weights
from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import Measure, MetaResult
from tests.stats.reference import load_reference

MH_PETO = json.loads((Path(__file__).parent.parent / "reference" / "mh_peto"
                      / "references.json").read_text(encoding="utf-8"))


def _bcg(columns: tuple[str, ...] = ("ai", "bi", "ci", "di")) -> tuple[dict, list[str]]:
    rows, _ = load_reference("bcg_RR")
    return {c: [r[c] for r in rows] for c in columns}, [r["study"] for r in rows]


@pytest.mark.parametrize("columns", [("ai", "bi", "ci", "di"), ("ai", "n1i", "ci", "n2i")])
def test_mh_from_cells_or_group_sizes(columns: tuple[str, ...]) -> None:
    ref = next(c for c in MH_PETO["cases"] if c["name"] == "bcg" and c["method"] == "MH"
               and c["measure"] == "RR" and c["level"] == 95)
    inputs, study = _bcg(columns)
    res = pool(inputs, study, PoolSettings("RR", method="MH"))
    assert res.fit.estimate == pytest.approx(ref["estimate"], rel=1e-10)
    np.testing.assert_allclose(res.weights, [s["weight"] for s in ref["studies"]], rtol=1e-10)
    assert res.to_dict()["method"] == "MH"


def test_peto_study_effects_are_metafors_with_zero_cells() -> None:
    ref = next(c for c in MH_PETO["cases"] if c["name"] == "nielweise2007"
               and c["method"] == "PETO")
    rows, _ = load_reference("nielweise2007_OR")
    inputs = {c: [r[c] for r in rows] for c in ("ai", "bi", "ci", "di")}
    with pytest.warns(StatsWarning, match="1 table"):
        res = pool(inputs, [r["study"] for r in rows], PoolSettings("OR", method="PETO"))
    assert res.measure is Measure.PETO
    for y, s in zip(res.yi, ref["studies"], strict=True):
        assert (math.isnan(y) if s["yi"] is None else y == pytest.approx(s["yi"], rel=1e-10))
    assert any("drop00" in n for n in res.notes)


def test_table_weights_without_information_are_nan() -> None:
    zero = np.zeros(2)
    w = table_weights("PETO", Measure.OR, zero, np.array([5.0, 6.0]), zero, np.array([4.0, 7.0]))
    assert np.isnan(w).all()


def test_study_rows_are_back_transformed_intervals() -> None:
    inputs, study = _bcg()
    res = pool(inputs, study, PoolSettings("RR", level=90))
    rows = res.study_rows(transform=True)
    z = sps.norm.isf(0.05)
    _, ref = load_reference("bcg_RR")
    first = ref["escalc"][0]
    assert rows[0].study == "Aronson 1948"
    assert rows[0].estimate == pytest.approx(math.exp(first["yi"]), rel=1e-10)
    assert rows[0].ci_lb == pytest.approx(math.exp(first["yi"] - z * math.sqrt(first["vi"])),
                                          rel=1e-10)
    assert sum(r.weight for r in rows) == pytest.approx(100.0)
    assert res.scale_label(True) == "risk ratio" and res.scale_label(False) == "log risk ratio"


def test_model_rule_fits_subgroups_with_the_chosen_model() -> None:
    rows, ref = load_reference("bcg_RR")
    inputs, study = _bcg()
    res = pool(inputs, study, PoolSettings("RR", model_rule="i2-q", convention="revman"),
               subgroup=[r["group"] for r in rows])
    assert res.rule is not None and res.rule.chosen == "random" and res.rule.method == "DL"
    assert isinstance(res.fit, MetaResult) and res.fit.method == "DL"
    assert res.subgroups is not None and res.subgroups.method == "DL"
    assert res.fit.tau2 == pytest.approx(ref["fits"]["DL_z"]["tau2"], rel=1e-8)
    assert res.summary().startswith("Model rule i2-q: I^2 = ")
    assert list(res.to_dict())[-3:] == ["model_rule", "notes", "subgroup"]


def test_common_effect_rule_keeps_the_common_fit() -> None:
    rows, ref = load_reference("yusuf1985_RR")
    inputs = {c: [r[c] for r in rows] for c in ("ai", "bi", "ci", "di")}
    res = pool(inputs, None, PoolSettings("RR", model_rule="i2-q"))
    assert res.rule is not None and res.rule.chosen == "common"
    assert res.fit.estimate == pytest.approx(ref["fits"]["EE_z"]["estimate"], rel=1e-8)


@pytest.mark.parametrize("kwargs", [{"subgroup": ["a"] * 13}, {"mods": {"x": [1.0] * 13}}])
def test_poolers_refuse_subgroups_and_moderators(kwargs: dict) -> None:
    inputs, study = _bcg()
    with pytest.raises(InputError, match=r"^pool: method MH pools 2x2 tables with a common-effect "
                                         r"model; .* need an inverse-variance model$"):
        pool(inputs, study, PoolSettings("OR", method="MH"), **kwargs)
