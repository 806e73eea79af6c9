"""rma_mh against metafor 3.8 ``rma.mh`` (the ``mh`` blocks of every reference data set:
zero cells, tables with no events in both arms, k = 2)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.mh import rma_mh
from tests.stats.reference import load_reference, reference_names

CASES = [(name, load_reference(name)[1]["measure"]) for name in reference_names()
         if "mh" in load_reference(name)[1]]


def _load(name: str) -> tuple[dict[str, list[float]], list[str], dict[str, Any]]:
    rows, ref = load_reference(name)
    cells = {c: [float(r[c]) for r in rows] for c in ("ai", "bi", "ci", "di")}
    return cells, [r["study"] for r in rows], ref


def _fit(name: str, measure: str) -> tuple[dict[str, Any], dict[str, Any]]:
    cells, study, ref = _load(name)
    if "warnings" in ref["mh"]:
        with pytest.warns(StatsWarning, match="left out of the heterogeneity test"):
            res = rma_mh(**cells, measure=measure, study=study)  # type: ignore[arg-type]
    else:
        res = rma_mh(**cells, measure=measure, study=study)  # type: ignore[arg-type]
    return res.to_dict(), ref["mh"]


@pytest.mark.parametrize(("name", "measure"), CASES)
def test_matches_metafor_rma_mh(name: str, measure: str) -> None:
    got, ref = _fit(name, measure)
    numeric = {k: v for k, v in ref.items() if isinstance(v, (int, float)) and k != "warnings"}
    assert len(numeric) >= 11
    for key, expected in numeric.items():
        assert got[key] == pytest.approx(expected, rel=1e-8, abs=1e-300), key
    assert got["scale"] == ref["scale"]


def test_double_zero_table_left_out_of_q() -> None:
    got, _ = _fit("nielweise2007_OR", "OR")
    assert got["k"] == 18 and got["k_yi"] == 17
    yucel = next(s for s in got["studies"] if s["study"] == "Yucel 2004")
    assert yucel["yi"] is None and yucel["vi"] is None


def test_summary_is_deterministic_and_readable() -> None:
    cells, study, _ = _load("woods2010_OR")
    res = rma_mh(**cells, measure="OR", study=study)  # type: ignore[arg-type]
    text = res.summary()
    assert text == rma_mh(**cells, measure="OR", study=study).summary()  # type: ignore[arg-type]
    assert "Mantel-Haenszel" in text and "Pooled Odds Ratio: 0.4230" in text
    assert "Cochran-Mantel-Haenszel Test:    CMH = 1.8587" in text


def test_without_continuity_correction_cmh_is_larger() -> None:
    cells, _, ref = _load("woods2010_OR")
    res = rma_mh(**cells, measure="OR", correct=False)  # type: ignore[arg-type]
    assert res.CMH is not None and res.CMH > ref["mh"]["CMH"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ai": [1, 2], "bi": [3], "ci": [1, 1], "di": [2, 2]},
         "rma_mh: 'ai', 'bi', 'ci' and 'di' must have the same length; got 2, 1, 2, 2"),
        ({"ai": [1, -2], "bi": [3, 3], "ci": [1, 1], "di": [2, 2]},
         "table 2: rma_mh: 'ai' must be a non-negative count; got -2"),
        ({"ai": [0, 0], "bi": [3, 3], "ci": [0, 0], "di": [2, 2]},
         "rma_mh: the Mantel-Haenszel odds ratio is 0 or infinite (no table has both a*d > 0 "
         "and b*c > 0 in the needed direction); use Peto's method or a continuity correction"),
        ({"ai": [1], "bi": [3], "ci": [1], "di": [2], "measure": "HR"},
         "rma_mh: 'measure' must be one of 'OR', 'RR', 'RD'; got 'HR'"),
        ({"ai": [0, 0], "bi": [5, 3], "ci": [0, 0], "di": [4, 2], "measure": "RD"},
         "rma_mh: the Mantel-Haenszel RD has no sampling variance (every table has no events, "
         "or only events, in both groups)"),
        ({"ai": [0, 1], "bi": [0, 3], "ci": [1, 1], "di": [2, 2]},
         "table 1: rma_mh: each arm needs at least one participant (ai + bi > 0 and ci + di > 0)"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        rma_mh(**kwargs)
    assert str(exc.value) == message


def test_single_table_has_no_heterogeneity_test() -> None:
    res = rma_mh([3], [10], [6], [8], measure="OR")
    assert res.k == 1 and res.QEdf == 0 and res.QEp is None and res.H2 is None
    assert res.BD is None and res.k_pos == 1
    assert math.isclose(res.estimate, math.log(3 * 8 / (10 * 6)), rel_tol=1e-12)


def test_rd_variance_greenland_robins_single_table_is_binomial() -> None:
    # For one table the Greenland-Robins (RevMan) variance is p1 q1/n1 + p2 q2/n2.
    res = rma_mh([7], [93], [3], [97], measure="RD", rd_variance="greenland-robins")
    p1, p2 = 0.07, 0.03
    assert res.se**2 == pytest.approx(p1 * (1 - p1) / 100 + p2 * (1 - p2) / 100, rel=1e-12)


def test_rd_variances_agree_for_large_strata() -> None:
    cells, _, ref = _load("hine1989_RD")
    big = {k: [v * 1000 for v in vals] for k, vals in cells.items()}
    sato = rma_mh(**big, measure="RD")  # type: ignore[arg-type]
    gr = rma_mh(**big, measure="RD", rd_variance="greenland-robins")  # type: ignore[arg-type]
    assert sato.estimate == gr.estimate == pytest.approx(ref["mh"]["estimate"], rel=1e-12)
    assert gr.se == pytest.approx(sato.se, rel=5e-3)
    small = rma_mh(**cells, measure="RD", rd_variance="greenland-robins")  # type: ignore[arg-type]
    assert small.se != pytest.approx(ref["mh"]["se"], rel=1e-6)
