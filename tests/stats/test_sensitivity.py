"""Leave-one-out, cumulative and influence analyses against metafor 3.8.

References: the ``leave1out`` blocks of the main fixtures (default and ``tight``) and
``tests/reference/metafor_extra/sensitivity/`` (``cumul``, ``influence``; see its README).
Tolerances: 1e-6 relative against tight control (and closed-form DL fits); 1e-6 against
metafor's default control too, since ``METAFOR_DEFAULT_CONTROL`` reproduces its iterations.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import METAFOR_DEFAULT_CONTROL, MetaResult, rma
from evidencehub.stats.sensitivity import cumulative, influence, leave1out
from tests.stats.reference import load_reference

SENSITIVITY = Path(__file__).parent.parent / "reference" / "metafor_extra" / "sensitivity"
NAMES = sorted(p.stem for p in SENSITIVITY.glob("*.json"))
ROW_KEYS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Qp", "tau2", "I2", "H2")
# Full precision, but giving up on an oscillating REML iteration after 500 steps (metafor's
# 10000 take long and fail just the same) keeps the suite fast.
TIGHT = {"threshold": 1e-12, "maxiter": 500, "tau2_max": None}
INFLUENCE_KEYS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat",
                  "weight", "dfbs")


def _extra(name: str) -> dict[str, Any]:
    return json.loads((SENSITIVITY / f"{name}.json").read_text(encoding="utf-8"))


def _quiet(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """Run ``call`` and return its result and the StatsWarnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        result = call(*args, **kwargs)
    return result, [str(w.message) for w in caught if issubclass(w.category, StatsWarning)]


def _fit(name: str, method: str = "REML", tight: bool = True, test: str = "z") -> MetaResult:
    _, ref = load_reference(name)
    control = TIGHT if tight else METAFOR_DEFAULT_CONTROL
    fit, _ = _quiet(rma, [e["yi"] for e in ref["escalc"]], [e["vi"] for e in ref["escalc"]],
                    method=method, control=control, study=[e["study"] for e in ref["escalc"]],
                    test=test)
    return fit


# absolute floors where metafor's tight iteration leaves tau2 a hair above 0 (I2 in percent)
FLOOR = {"I2": 1e-6, "tau2": 1e-9, "tau2_del": 1e-9, "H2": 1e-8}


def _compare(got: list[dict[str, Any]], expected: list[dict[str, Any]],
             keys: tuple[str, ...], rescued: dict[int, dict[str, Any]] | None = None) -> None:
    """Row-by-row comparison; ``rescued`` holds R's step-halving refits of rows where
    metafor's own iteration failed (NA): there we accept no result or that refit."""
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if e["estimate" if "estimate" in e else keys[0]] is None:
            if g["estimate"] is not None:
                assert rescued is not None and i in rescued, i
                for key in ("estimate", "se", "tau2"):
                    assert g[key] == pytest.approx(rescued[i][key], rel=1e-6, abs=1e-9)
            continue
        for key in keys:
            assert e[key] is not None, (i, key)
            assert g[key] == pytest.approx(e[key], rel=1e-6, abs=FLOOR.get(key, 1e-9)), (i, key)


@pytest.mark.parametrize("name", NAMES)
def test_leave1out_knapp_hartung(name: str) -> None:
    block = _extra(name)["leave1out_knha_tight"]
    fit = _fit(name, test="knha")
    res, _ = _quiet(leave1out, fit, control=TIGHT)
    got = res.to_dict()["studies"]
    assert all("tval" in row for row in got)
    _compare(got, block["studies"], (*ROW_KEYS[:2], "tval", *ROW_KEYS[3:]))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("tight", [True, False], ids=["tight", "default"])
def test_leave1out_matches_metafor(name: str, tight: bool) -> None:
    _, ref = load_reference(name)
    block = ref["tight"]["leave1out"] if tight else ref["leave1out"]
    fit = _fit(name, tight=tight)
    res, caught = _quiet(leave1out, fit, control=TIGHT if tight else METAFOR_DEFAULT_CONTROL)
    _compare(res.to_dict()["studies"], block["studies"], ROW_KEYS)
    assert [s["study"] for s in res.to_dict()["studies"]] == list(fit.study)
    assert len(caught) == len(res.warnings)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("tight", [True, False], ids=["tight", "default"])
def test_cumulative_matches_metafor_cumul(name: str, tight: bool) -> None:
    extra = _extra(name)
    block = extra["cumul_tight" if tight else "cumul"]
    rescued = {r["row"]: r for r in extra["cumul_stepadj"]} if tight else None
    fit = _fit(name, tight=tight)
    res, caught = _quiet(cumulative, fit, control=TIGHT if tight else METAFOR_DEFAULT_CONTROL)
    _compare(res.to_dict()["studies"], block["studies"], ROW_KEYS, rescued)
    empty = [s for s in res.to_dict()["studies"] if s["estimate"] is None]
    assert bool(empty) == bool(res.warnings) == bool(caught)


def test_cumulative_non_convergence_is_reported() -> None:
    # A refit whose tau2 iteration does not converge is left empty and named in a warning
    # (metafor's cumul gives NA); here the iteration is cut short on purpose.
    short = {"threshold": 1e-12, "maxiter": 2, "tau2_max": None}
    res, caught = _quiet(cumulative, _fit("bcg_RR"), control=short)
    empty = [s["study"] for s in res.to_dict()["studies"] if s["estimate"] is None]
    assert empty, "two Fisher scoring steps should not reach 1e-12 on bcg"
    assert len(caught) == 1 and caught[0].startswith(
        "cumulative: the REML estimator did not converge up to ")
    assert caught[0].endswith("those rows are left empty (NaN), as metafor's NA")
    assert f"'{empty[0]}'" in caught[0]
    assert "(no convergence)" in res.summary()


def test_cumulative_orders_by_key() -> None:
    fit = _fit("normand1999_MD")
    years = [2001, 1999, 2005, 1999, 2010, 2003, 2002, 2008, 2000]
    res, _ = _quiet(cumulative, fit, years)
    assert list(res.order) == sorted(years)
    assert res.study[:2] == (fit.study[1], fit.study[3])  # stable among ties
    last, _ = _quiet(rma, fit.yi, fit.vi, method="REML")
    assert res.estimate[-1] == pytest.approx(last.estimate, rel=1e-12)
    assert res.to_dict()["studies"][0]["order"] == 1999


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "variant", ["influence_tight", "influence", "influence_DL", "influence_knha_tight"])
def test_influence_matches_metafor(name: str, variant: str) -> None:
    block = _extra(name)[variant]
    method = "DL" if variant == "influence_DL" else "REML"
    tight = variant != "influence"
    test = "knha" if variant == "influence_knha_tight" else "z"
    fit = _fit(name, method=method, tight=tight, test=test)
    res, _ = _quiet(influence, fit, control=TIGHT if tight else METAFOR_DEFAULT_CONTROL)
    got = res.to_dict()["studies"]
    _compare(got, block["studies"], INFLUENCE_KEYS)
    assert [g["inf"] for g in got] == [e["inf"] for e in block["studies"]]


def test_some_study_is_flagged_influential() -> None:
    flagged = [name for name in NAMES if any(s["inf"] for s in _extra(name)["influence"]
                                             ["studies"])]
    assert flagged, "the references should include at least one influential study"


def test_summaries_are_deterministic() -> None:
    fit = _fit("bcg_RR")
    for func in (leave1out, cumulative, influence):
        one, _ = _quiet(func, fit)
        two, _ = _quiet(func, fit)
        assert one.summary() == two.summary()
    text = _quiet(influence, fit)[0].summary()
    assert text.splitlines()[0].startswith("Influence diagnostics")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: influence(f), "influence: needs at least 3 studies; got k = 2"),
        (lambda f: cumulative(f, [1, 2, 3]), "cumulative: 'order' has 3 values for 2 studies"),
        (lambda f: cumulative(f, [1, None]),
         "study 'B': cumulative: 'order' has a missing value"),
    ],
)
def test_bad_input(call: Any, message: str) -> None:
    fit = rma([0.1, 0.3], [0.01, 0.02], method="DL", study=["A", "B"])
    with pytest.raises(InputError) as exc:
        call(fit)
    assert str(exc.value) == message


def test_moderators_are_refused() -> None:
    fit, _ = _quiet(rma, [0.1, 0.3, 0.2, 0.5], [0.01, 0.02, 0.03, 0.01], mods=[1, 2, 3, 4],
                    method="DL")
    with pytest.raises(InputError, match="needs a model without moderators"):
        leave1out(fit)
