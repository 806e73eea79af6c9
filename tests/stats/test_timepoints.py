"""Analyses by time point: each group's fit equals metafor's fit of that group alone.

The table stacks two real RR data sets as two follow-up times (yusuf1985_RR as month 3,
bcg_RR as month 12) plus one lone study at month 24; the references are the data sets'
own metafor fits (``fits_tight``).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.timepoints import by_timepoint
from tests.stats.reference import load_reference


def _table() -> list[dict[str, Any]]:
    table = []
    for name, month in (("bcg_RR", "12"), ("yusuf1985_RR", "3")):
        rows, _ = load_reference(name)
        for r in rows:
            table.append({"study": r["study"], "timepoint": month,
                          **{c: f"{r[c]:g}" for c in ("ai", "bi", "ci", "di", "n1i", "n2i")}})
    table.append({"study": "Lone 2020", "timepoint": "24", "ai": "3", "bi": "7", "ci": "5",
                  "di": "5", "n1i": "10", "n2i": "10"})
    return table


def _run(**kwargs: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        res = by_timepoint(_table(), measure="RR", **kwargs)
    return res, [str(w.message) for w in caught if issubclass(w.category, StatsWarning)]


def test_each_time_point_matches_metafor() -> None:
    res, caught = _run()
    assert [f.timepoint for f in res.fits] == ["3", "12"]  # numeric order, not text order
    for fit, name in zip(res.fits, ("yusuf1985_RR", "bcg_RR"), strict=True):
        ref = load_reference(name)[1]["fits_tight"]["REML_z"]
        for key in ("k", "estimate", "se", "ci_lb", "ci_ub", "tau2", "I2", "QE"):
            assert getattr(fit.fit, key) == pytest.approx(ref[key], rel=1e-6, abs=1e-10), key
    assert res.skipped == (("24", "1 study, fewer than 2"),)
    assert any("time points not pooled: '24' (1 study, fewer than 2)" in w for w in caught)


def test_to_dict_and_summary() -> None:
    res, _ = _run()
    d = res.to_dict()
    assert d["by"] == "timepoint" and [a["timepoint"] for a in d["analyses"]] == ["3", "12"]
    assert d["analyses"][1]["k"] == 13 and d["skipped"][0]["timepoint"] == "24"
    text = res.summary()
    assert text.splitlines()[2].startswith("timepoint 3: k = 26, estimate = ")
    assert text.endswith("timepoint 24: not pooled (1 study, fewer than 2)")
    assert text == _run()[0].summary()


def test_choose_by_heterogeneity_per_time_point() -> None:
    res, _ = _run(choose=True, method="DL")
    month3, month12 = res.fits
    assert month12.choice is not None and month12.choice.chosen == "random"
    assert month12.fit.tau2 == pytest.approx(
        load_reference("bcg_RR")[1]["fits"]["DL_z"]["tau2"], rel=1e-8)
    assert month3.choice is not None and month3.to_dict()["model_choice"]["chosen"] in (
        "fixed", "random")


def test_single_study_time_point_can_be_kept() -> None:
    res, caught = _run(min_k=1)
    assert [f.timepoint for f in res.fits] == ["3", "12", "24"]
    assert any("k = 1" in w for w in caught)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"timepoint": ""}, "trial.csv, row 1: missing time point in column 'timepoint'"),
        ({"ai": "four"}, "trial.csv, row 1, column 'ai': expected a number, got 'four'"),
        ({"ai": None}, "trial.csv, row 1: missing value for 'ai' (other rows have it)"),
    ],
)
def test_bad_rows(edit: dict[str, Any], message: str) -> None:
    table = _table()
    table[0] |= edit
    with pytest.raises(InputError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)  # month 3 is fitted before row 1 fails
        by_timepoint(table, measure="RR", source="trial.csv")
    assert str(exc.value) == message


def test_empty_table() -> None:
    with pytest.raises(InputError, match="the table has no rows"):
        by_timepoint([], measure="RR")
