"""The heterogeneity rule, applied to metafor's own I² and Q P values for every data set."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.selection import choose_model
from tests.stats.reference import load_reference, reference_names

NAMES = [n for n in reference_names() if load_reference(n)[1]["k"] >= 2]


def _choose(name: str, **kwargs: Any) -> Any:
    _, ref = load_reference(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        return choose_model([e["yi"] for e in ref["escalc"]], [e["vi"] for e in ref["escalc"]],
                            **kwargs), ref


@pytest.mark.parametrize("name", NAMES)
def test_rule_on_metafor_statistics(name: str) -> None:
    res, ref = _choose(name)
    ee = ref["fits"]["EE_z"]
    expected = "random" if ee["I2"] > 50 and ee["QEp"] < 0.10 else "fixed"
    assert res.chosen == expected
    assert res.I2 == pytest.approx(ee["I2"], rel=1e-8, abs=1e-10)
    assert res.QEp == pytest.approx(ee["QEp"], rel=1e-8)
    reference_fit = ref["fits_tight"]["REML_z"] if expected == "random" else ee
    assert res.fit.estimate == pytest.approx(reference_fit["estimate"], rel=1e-6)
    assert res.fit.se == pytest.approx(reference_fit["se"], rel=1e-6)
    assert res.to_dict()["model_choice"]["chosen"] == expected
    assert res.to_dict()["estimate"] == res.fit.estimate


def test_both_criteria_reported_in_reason() -> None:
    res, _ = _choose("bcg_RR")
    assert res.chosen == "random"
    assert res.reason == ("I^2 = 92.1% > 50%; Q test P = 1.997e-26 < 0.1; both criteria met: "
                          "random-effects model (REML, tau^2 = 0.3132) [rule: random effects "
                          "when I^2 > 50% and Q test P < 0.1]")
    assert res.summary().startswith("Model chosen from heterogeneity: Random-effects model\n")


def test_fixed_when_heterogeneity_is_low() -> None:
    res, _ = _choose("woods2010_OR")
    assert res.chosen == "fixed" and res.fit.method == "EE"
    assert "not both criteria met: fixed-effect" in res.reason
    assert res.random_fit.method == "REML"


def test_thresholds_and_combination_are_parameters() -> None:
    strict, _ = _choose("bcg_RR", i2_threshold=95.0)
    assert strict.chosen == "fixed" and "I^2 = 92.1% <= 95%" in strict.reason
    either, _ = _choose("bcg_RR", i2_threshold=95.0, combine="or")
    assert either.chosen == "random" and "at least one criterion met" in either.reason
    dl, ref = _choose("bcg_RR", random_method="DL")
    assert dl.fit.tau2 == pytest.approx(ref["fits"]["DL_z"]["tau2"], rel=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"i2_threshold": 120}, "choose_model: 'i2_threshold' must be a percentage in [0, 100); "
         "got 120"),
        ({"p_threshold": 0}, "choose_model: 'p_threshold' must be between 0 and 1; got 0"),
        ({"combine": "xor"}, "choose_model: 'combine' must be 'and' or 'or'; got 'xor'"),
        ({"random_method": "EE"}, "choose_model: 'random_method' must be a tau^2 estimator, "
         "not 'EE'"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        choose_model([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], **kwargs)
    assert str(exc.value) == message


def test_single_study_cannot_be_assessed() -> None:
    with pytest.raises(InputError) as exc:
        choose_model([0.1], [0.01])
    assert str(exc.value) == ("choose_model: needs at least 2 studies to assess heterogeneity; "
                              "got k = 1")
