"""Egger, Begg, trim-and-fill and fail-safe N against metafor 3.8.

References: the ``regtest``, ``regtest_lm``, ``ranktest``, ``trimfill``, ``fsn`` and
``tight`` blocks of every reference data set, and ``fsn_orwin``, ``fsn_rosenberg``,
``trimfill_R0_tight``, ``trimfill_EE`` in ``tests/reference/metafor_extra/sensitivity/``.
Tolerances: 1e-8 relative for closed forms (``regtest_lm``, ``ranktest``, ``fsn``, EE
trim-and-fill); 1e-6 for iterative fits against tight or reproduced default control.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import METAFOR_DEFAULT_CONTROL, MetaResult, rma
from evidencehub.stats.bias import fsn, ranktest, regtest, trimfill
from tests.stats.reference import load_reference, reference_names

SENSITIVITY = Path(__file__).parent.parent / "reference" / "metafor_extra" / "sensitivity"
NAMES = [n for n in reference_names() if "regtest" in load_reference(n)[1]]


def _quiet(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        result = call(*args, **kwargs)
    return result, [str(w.message) for w in caught if issubclass(w.category, StatsWarning)]


def _data(name: str) -> tuple[list[float], list[float], dict[str, Any]]:
    _, ref = load_reference(name)
    return [e["yi"] for e in ref["escalc"]], [e["vi"] for e in ref["escalc"]], ref


def _fit(name: str, method: str = "REML", default: bool = False) -> MetaResult:
    yi, vi, _ = _data(name)
    control = METAFOR_DEFAULT_CONTROL if default else None
    return _quiet(rma, yi, vi, method=method, control=control)[0]


def _compare(got: dict[str, Any], expected: dict[str, Any], rel: float) -> None:
    checked = 0
    for key, value in expected.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        assert got[key] == pytest.approx(value, rel=rel, abs=1e-12), key
        checked += 1
    assert checked >= 2
    for key in ("side", "estimator", "model", "predictor"):
        if key in expected:
            assert got[key] == expected[key]
    if "filled" in expected:
        want = sorted((f["yi"], f["vi"]) for f in expected["filled"])
        have = sorted((f["yi"], f["vi"]) for f in got["filled"])
        assert len(have) == len(want)
        for (gy, gv), (wy, wv) in zip(have, want, strict=True):
            assert gy == pytest.approx(wy, rel=rel, abs=1e-12)
            assert gv == pytest.approx(wv, rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_regtest_rma_tight(name: str) -> None:
    _compare(_quiet(regtest, _fit(name))[0].to_dict(), _data(name)[2]["tight"]["regtest"], 1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_regtest_rma_metafor_default_precision(name: str) -> None:
    res, _ = _quiet(regtest, _fit(name, default=True), control=METAFOR_DEFAULT_CONTROL)
    _compare(res.to_dict(), _data(name)[2]["regtest"], 1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_regtest_lm_classical_egger(name: str) -> None:
    res = regtest(_fit(name), model="lm")
    _compare(res.to_dict(), _data(name)[2]["regtest_lm"], 1e-8)
    assert res.df == res.to_dict()["df"]


@pytest.mark.parametrize("name", NAMES)
def test_ranktest(name: str) -> None:
    expected = _data(name)[2]["ranktest"]
    res, caught = _quiet(ranktest, _fit(name))
    _compare(res.to_dict(), expected, 1e-8)
    assert list(res.warnings) == expected.get("warnings", [])
    assert bool(caught) == (not res.exact)


@pytest.mark.parametrize("name", NAMES)
def test_trimfill_l0_tight(name: str) -> None:
    res, _ = _quiet(trimfill, _fit(name))
    _compare(res.to_dict(), _data(name)[2]["tight"]["trimfill"], 1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_trimfill_l0_metafor_default_precision(name: str) -> None:
    res, _ = _quiet(trimfill, _fit(name, default=True), control=METAFOR_DEFAULT_CONTROL)
    _compare(res.to_dict(), _data(name)[2]["trimfill"], 1e-6)


def _extra(name: str) -> dict[str, Any]:
    return json.loads((SENSITIVITY / f"{name}.json").read_text(encoding="utf-8"))


EXTRA = sorted(p.stem for p in SENSITIVITY.glob("*.json"))


@pytest.mark.parametrize("name", EXTRA)
def test_trimfill_r0(name: str) -> None:
    # metafor refits with its default control (see the sensitivity README)
    res, _ = _quiet(trimfill, _fit(name), estimator="R0", control=METAFOR_DEFAULT_CONTROL)
    _compare(res.to_dict(), _extra(name)["trimfill_R0_tight"], 1e-5)


@pytest.mark.parametrize("name", EXTRA)
def test_trimfill_equal_effects(name: str) -> None:
    res, _ = _quiet(trimfill, _fit(name, method="EE"))
    _compare(res.to_dict(), _extra(name)["trimfill_EE"], 1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_fsn_rosenthal(name: str) -> None:
    yi, vi, ref = _data(name)
    _compare(fsn(yi, vi).to_dict(), ref["fsn"], 1e-8)


@pytest.mark.parametrize("name", EXTRA)
@pytest.mark.parametrize("kind", ["Orwin", "Rosenberg"])
def test_fsn_orwin_rosenberg(name: str, kind: str) -> None:
    yi, vi, _ = _data(name)
    _compare(fsn(yi, vi, type=kind).to_dict(),  # type: ignore[arg-type]
             _extra(name)[f"fsn_{kind.lower()}"], 1e-8)


def test_trimfill_fills_the_side_metafor_chose() -> None:
    res, _ = _quiet(trimfill, _fit("bcg_RR"))
    assert res.side == "right" and res.k0 == 1 and res.fit.k == 14
    forced, _ = _quiet(trimfill, _fit("bcg_RR"), side="left")
    assert forced.side == "left"
    assert "missing studies on the right side: 1" in res.summary()


def test_summaries_are_deterministic() -> None:
    fit = _fit("michael2013_SMD")
    for call in (lambda: regtest(fit), lambda: regtest(fit, model="lm"), lambda: ranktest(fit),
                 lambda: _quiet(trimfill, fit)[0], lambda: fsn(fit.yi, fit.vi)):
        assert call().summary() == call().summary()
    assert "Test for Funnel Plot Asymmetry: z = " in regtest(fit).summary()
    assert "Fail-safe N: 21" in fsn(fit.yi, fit.vi).summary()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: regtest(f), "regtest: needs at least 3 studies; got k = 2"),
        (lambda f: ranktest(f), "ranktest: needs at least 3 studies; got k = 2"),
        (lambda f: trimfill(f), "trimfill: needs at least 3 studies; got k = 2"),
        (lambda f: fsn([0.1], [0.01]), "fsn: needs at least 2 studies; got k = 1"),
        (lambda f: fsn([0.1, 0.2], [0.01, -0.01]),
         "study 2: fsn: every 'yi' must be finite and every 'vi' positive"),
        (lambda f: fsn([0.1, 0.2], [0.01, 0.02], type="Fisher"),
         "fsn: 'type' must be one of 'Rosenthal', 'Orwin', 'Rosenberg'; got 'Fisher'"),
    ],
)
def test_bad_input(call: Any, message: str) -> None:
    fit = rma([0.1, 0.3], [0.01, 0.02], method="DL", study=["A", "B"])
    with pytest.raises(InputError) as exc:
        call(fit)
    assert str(exc.value) == message


def test_regtest_predictor_needs_sample_sizes() -> None:
    with pytest.raises(InputError, match="predictor 'ni' needs sample sizes"):
        regtest(_fit("bcg_RR"), predictor="ni")


@pytest.mark.parametrize("name", EXTRA)
@pytest.mark.parametrize(
    ("key", "test", "options"),
    [
        ("regtest_knha_tight", "knha", {}),
        ("regtest_vi_tight", "z", {"predictor": "vi"}),
        ("regtest_lm_vi", "z", {"model": "lm", "predictor": "vi"}),
    ],
)
def test_regtest_variants(name: str, key: str, test: str, options: dict[str, Any]) -> None:
    yi, vi, _ = _data(name)
    fit, _ = _quiet(rma, yi, vi, method="REML", test=test)
    res, _ = _quiet(regtest, fit, **options)
    _compare(res.to_dict(), _extra(name)[key], 1e-6)
