"""Agreement statistics (review/agreement.py) against independent implementations.

References, none of them this module's own numbers:

* statsmodels ``cohens_kappa`` (Fleiss-Cohen-Everitt SE, Wald interval) for kappa, run live
  (a test dependency), on the tables below and on random tables (hypothesis);
* irrCAC ``table.CAC`` (Gwet's own package, ported to Python) for AC1 with its SE and t
  interval, and for PABAK, which is its Brennan-Prediger coefficient. irrCAC 0.4.4 pins
  scipy 1.12 (numpy < 2), so it cannot share the hub's environment: its values for the same
  tables and 80 random ones are in tests/reference/agreement/irrcac.json, made by
  generate_irrcac.py beside it in an environment of its own;
* published worked examples (printed precision);
* real decisions: two reviewers' independent title-abstract and full-text screening of a
  published systematic review (tests/data/review/barrett2024_snhl_dual_screening.csv, MIT;
  see tests/data/SOURCES.md), whose authors report kappa 0.8215 and 0.88.

Tolerances: 1e-10 against statsmodels and irrCAC (closed forms; irrCAC's values are rounded to
12 digits), 1e-8 for irrCAC's t intervals (its scipy's t quantiles), half a unit of the last
printed digit against published numbers.
"""

from __future__ import annotations

import csv
import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa

from evidencehub.errors import InputError
from evidencehub.review.agreement import (
    BINARY_CATEGORIES,
    LABEL_CATEGORIES,
    Agreement,
    agreement_from_table,
    cross_table,
    screening_agreement,
)
from evidencehub.vocab import ScreeningLabel

DATA = Path(__file__).parent.parent / "data" / "review"
IRRCAC = Path(__file__).parent.parent / "reference" / "agreement" / "irrcac.json"
TOL = 1e-10
#: irrCAC's AC1 limits use scipy 1.12's t quantiles, which differ from today's in the 10th digit
#: (t.isf(0.025, 7): 2.3646242510 against 2.3646242516).
TOL_T = 1e-8


@cache
def _irrcac() -> dict[str, dict[str, Any]]:
    return json.loads(IRRCAC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _screening(stage: str) -> tuple[list[str], list[str]]:
    """The two reviewers' labels on the records both decided at ``stage``."""
    with (DATA / "barrett2024_snhl_dual_screening.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r[f"lb_{stage}"]]
    return [r[f"lb_{stage}"] for r in rows], [r[f"ld_{stage}"] for r in rows]


def _statsmodels(table: Any) -> tuple[float, float, float, float]:
    with warnings.catch_warnings():  # its z test divides by a zero SE on degenerate tables
        warnings.simplefilter("ignore", RuntimeWarning)
        r = cohens_kappa(np.asarray(table, dtype=float))
    return float(r.kappa), float(r.std_kappa), float(r.kappa_low), float(r.kappa_upp)


def _assert_kappa_matches_statsmodels(res: Agreement) -> None:
    kappa, se, lb, ub = _statsmodels(res.table)
    assert res.kappa == pytest.approx(kappa, abs=TOL)
    assert res.kappa_se == pytest.approx(se, abs=TOL)
    assert res.kappa_ci_lb == pytest.approx(max(lb, -1.0), abs=TOL)
    assert res.kappa_ci_ub == pytest.approx(min(ub, 1.0), abs=TOL)


def _assert_ac1_matches_irrcac(res: Agreement, name: str) -> None:
    ref = _irrcac()[name]
    assert [list(row) for row in res.table] == ref["table"]
    assert res.ac1 == pytest.approx(ref["ac1"], abs=TOL)
    assert res.ac1_se == pytest.approx(ref["ac1_se"], abs=TOL)
    if ref["ac1_se"] > 0:  # with a zero SE irrCAC's limits are NaN (its upper 1 is min(1, NaN))
        assert res.ac1_ci_lb == pytest.approx(max(ref["ac1_ci_lb"], -1.0), abs=TOL_T)
        assert res.ac1_ci_ub == pytest.approx(ref["ac1_ci_ub"], abs=TOL_T)
    assert res.pabak == pytest.approx(ref["pabak"], abs=TOL)
    assert res.percent_agreement == pytest.approx(100 * ref["pa"], abs=TOL)


# -- real decisions -----------------------------------------------------------------------------
def test_real_title_abstract_screening_matches_statsmodels_irrcac_and_the_authors() -> None:
    lb, ld = _screening("title_abstract")
    res = screening_agreement(lb, ld)
    assert res.labels.n == 1498
    assert res.labels.table == ((14, 3, 0), (3, 1478, 0), (0, 0, 0))
    assert res.binary.table == ((14, 3), (3, 1478))
    assert res.labels.agreements == 1492
    for analysis, name in ((res.labels, "labels"), (res.binary, "binary")):
        _assert_kappa_matches_statsmodels(analysis)
        _assert_ac1_matches_irrcac(analysis, f"barrett2024_title_abstract_{name}")
    # the authors' notebook: sklearn cohen_kappa_score = 0.8215037534257457
    assert res.binary.kappa == pytest.approx(0.8215037534257457, abs=TOL)
    # the kappa paradox the AC1 answers: 17 includes in 1498 records
    assert res.binary.kappa < 0.83 < 0.99 < res.binary.ac1  # type: ignore[operator]


def test_real_full_text_screening_matches_statsmodels_irrcac_and_the_authors() -> None:
    lb, ld = _screening("full_text")
    res = screening_agreement(lb, ld)
    assert res.binary.n == 18
    for analysis, name in ((res.labels, "labels"), (res.binary, "binary")):
        _assert_kappa_matches_statsmodels(analysis)
        _assert_ac1_matches_irrcac(analysis, f"barrett2024_full_text_{name}")
    assert res.binary.kappa == pytest.approx(0.88, abs=TOL)  # the authors' notebook
    # the Wald interval passes 1 here (statsmodels: upper limit 1.107), so it is cut
    assert res.binary.kappa_ci_ub == 1.0
    assert res.binary.kappa_note == "the kappa interval reached past [-1, 1] and was cut to that range"


# -- published worked examples ------------------------------------------------------------------
def test_example_fleiss_paik2003_two_by_two_via_statpsych() -> None:
    # statpsych::ci.kappa(.05, 31, 12, 4, 58) documentation (Bonett; formulas of Fleiss, Levin
    # & Paik 2003): Cohen kappa 0.6756757, SE 0.07344761, CI 0.5317210 to 0.8196303.
    res = agreement_from_table([[31, 12], [4, 58]], ["0", "1"])
    assert res.kappa == pytest.approx(0.6756757, abs=5e-8)
    assert res.kappa_se == pytest.approx(0.07344761, abs=5e-9)
    assert res.kappa_ci_lb == pytest.approx(0.5317210, abs=5e-8)
    assert res.kappa_ci_ub == pytest.approx(0.8196303, abs=5e-8)


def test_example_sas_proc_freq_three_categories() -> None:
    # SAS PROC FREQ "Simple Kappa Coefficient" output quoted in statsmodels'
    # stats/tests/test_inter_rater.py (TestUnweightedCohens): kappa 0.4842, ASE 0.1380,
    # 95% limits 0.2137 and 0.7547.
    res = agreement_from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]], ["a", "b", "c"])
    assert res.kappa == pytest.approx(0.4842, abs=5e-5)
    assert res.kappa_se == pytest.approx(0.1380, abs=5e-5)
    assert res.kappa_ci_lb == pytest.approx(0.2137, abs=5e-5)
    assert res.kappa_ci_ub == pytest.approx(0.7547, abs=5e-5)


def test_example_gwet2014_pregnancy_abstractors() -> None:
    # Gwet, Handbook of Inter-Rater Reliability (4th ed., 2014): two abstractors classify 100
    # pregnancies as ectopic, AIU or NIU; AC1 0.84933, SE 0.04322, 95% CI 0.76358 to 0.93508,
    # pa 0.89, pe 0.26992 (as printed in irrCAC's table module documentation).
    res = agreement_from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], ["Ectopic", "AIU", "NIU"])
    assert res.percent_agreement == pytest.approx(89.0, abs=1e-12)
    assert res.ac1 == pytest.approx(0.84933, abs=5e-6)
    assert res.ac1_se == pytest.approx(0.04322, abs=5e-6)
    assert res.ac1_ci_lb == pytest.approx(0.76358, abs=5e-6)
    assert res.ac1_ci_ub == pytest.approx(0.93508, abs=5e-6)


@pytest.mark.parametrize("name", sorted(_irrcac()))
def test_tables_match_irrcac_and_statsmodels(name: str) -> None:
    table = _irrcac()[name]["table"]
    res = agreement_from_table(table, [f"c{i}" for i in range(len(table))])
    _assert_ac1_matches_irrcac(res, name)
    if res.kappa is not None:
        _assert_kappa_matches_statsmodels(res)


@settings(max_examples=60, deadline=None)
@given(q=st.integers(2, 4), data=st.data())
def test_random_tables_match_statsmodels(q: int, data: st.DataObject) -> None:
    cells = data.draw(st.lists(st.integers(0, 40), min_size=q * q, max_size=q * q))
    table = np.array(cells).reshape(q, q)
    res = agreement_from_table(table, [f"c{i}" for i in range(q)])
    if res.n < 2 or res.kappa is None:
        return  # the edge cases have their own tests below
    _assert_kappa_matches_statsmodels(res)


# -- how maybe is treated -----------------------------------------------------------------------
def test_maybe_is_its_own_category_and_counts_as_include_in_the_binary_analysis() -> None:
    first = ["include", "maybe", "exclude", "exclude", "include"]
    second = [ScreeningLabel.MAYBE, "include", "exclude", "maybe", "include"]
    res = screening_agreement(first, second)
    assert res.labels.categories == LABEL_CATEGORIES == ("include", "exclude", "maybe")
    assert res.binary.categories == BINARY_CATEGORIES
    assert res.labels.agreements == 2  # exclude/exclude, include/include
    assert res.binary.agreements == 4  # include-or-maybe pairs agree; exclude/maybe does not
    assert res.labels.table == ((1, 0, 1), (0, 1, 1), (1, 0, 0))
    assert res.binary.table == ((3, 0), (1, 1))
    # PABAK counts the categories of the scale: (3 po - 1) / 2 and 2 po - 1
    assert res.labels.pabak == pytest.approx((3 * 0.4 - 1) / 2, abs=1e-15)
    assert res.binary.pabak == pytest.approx(2 * 0.8 - 1, abs=1e-15)


def test_to_dict_keys_contain_kappa_and_nest_the_binary_analysis() -> None:
    out = screening_agreement(["include", "exclude"] * 3, ["include", "exclude", "exclude"] * 2)
    d = out.to_dict()
    for key in ("n", "percent_agreement", "kappa", "kappa_se", "kappa_ci_lb", "kappa_ci_ub",
                "pabak", "ac1", "ac1_se", "ac1_ci_lb", "ac1_ci_ub", "binary", "table"):
        assert key in d
    assert d["binary"]["categories"] == list(BINARY_CATEGORIES)
    assert d["table"]["include"] == {"include": 1, "exclude": 2, "maybe": 0}
    assert d["n"] == 6


def test_summary_is_deterministic_and_names_each_statistic() -> None:
    res = agreement_from_table([[31, 12], [4, 58]], ["include", "exclude"])
    text = res.summary()
    assert text == res.summary()
    assert "percent agreement  84.8% (89 of 105)" in text
    assert "Cohen's kappa      0.676 (95% CI 0.532 to 0.820; SE 0.073)" in text
    assert "PABAK              0.695" in text
    assert "Gwet's AC1" in text


# -- edge cases ---------------------------------------------------------------------------------
def test_no_records_gives_none_with_a_reason() -> None:
    res = screening_agreement([], [])
    for a in (res.labels, res.binary):
        assert a.n == 0
        assert a.percent_agreement is a.kappa is a.pabak is a.ac1 is None
        assert a.kappa_note == a.ac1_note == "no records decided by both reviewers"
    assert "no records decided by both reviewers" in res.summary()


def test_one_category_only_leaves_kappa_undefined_and_ac1_at_one() -> None:
    res = screening_agreement(["exclude"] * 12, ["exclude"] * 12)
    a = res.labels
    assert a.kappa is None and a.kappa_se is None and a.kappa_ci_lb is None
    assert a.kappa_note == ("kappa is undefined: both reviewers chose 'exclude' for every "
                            "record, so chance agreement is 1")
    assert a.percent_agreement == 100.0
    assert a.ac1 == 1.0 and a.ac1_se == 0.0
    assert a.pabak == 1.0
    assert "Cohen's kappa      undefined" in a.summary()


def test_perfect_agreement_has_a_zero_se_and_a_point_interval_with_a_note() -> None:
    res = agreement_from_table([[3, 0, 0], [0, 7, 0], [0, 0, 2]], ["a", "b", "c"])
    assert res.kappa == 1.0 and res.kappa_se == 0.0
    assert (res.kappa_ci_lb, res.kappa_ci_ub) == (1.0, 1.0)
    assert res.kappa_note is not None and "single point" in res.kappa_note
    assert (res.ac1, res.ac1_se, res.ac1_ci_lb, res.ac1_ci_ub) == (1.0, 0.0, 1.0, 1.0)


def test_one_record_has_no_ac1_interval() -> None:
    res = agreement_from_table([[0, 1], [0, 0]], ["a", "b"])
    assert res.ac1 == -1.0
    assert res.ac1_ci_lb is None and res.ac1_ci_ub is None
    assert res.ac1_note == "the AC1 interval needs at least two records (t with n − 1 df)"


def test_level_changes_the_interval() -> None:
    r95 = agreement_from_table([[31, 12], [4, 58]], ["a", "b"])
    r90 = agreement_from_table([[31, 12], [4, 58]], ["a", "b"], level=90)
    assert r90.kappa_ci_ub < r95.kappa_ci_ub  # type: ignore[operator]
    assert "90% CI" in r90.summary()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: screening_agreement(["include"], ["include", "exclude"]),
     "agreement: the two reviewers' labels differ in length (1 and 2); give both reviewers' "
     "labels on the same records"),
    (lambda: screening_agreement(["include"], ["yes"]),
     "agreement: expected a screening label (include, exclude, maybe); got 'yes'"),
    (lambda: cross_table(["a"], ["z"], ["a", "b"]),
     "agreement, record 0, second reviewer: expected one of a, b; got 'z'"),
    (lambda: agreement_from_table([[1, 2], [3, 4]], ["a"]),
     "agreement: need at least two distinct categories; got ['a']"),
    (lambda: agreement_from_table([[1, 2, 3], [3, 4, 5]], ["a", "b"]),
     "agreement: the table must be 2x2 (one row and column per category); got shape (2, 3)"),
    (lambda: agreement_from_table([[1, -2], [3, 4]], ["a", "b"]),
     "agreement: the table must hold non-negative whole counts"),
    (lambda: agreement_from_table([[1, 2], [3, 4]], ["a", "b"], level=0.95 * 0),
     "agreement: level must be a percentage in (0, 100); got 0.0"),
])
def test_bad_input_names_the_problem(call: Any, message: str) -> None:
    with pytest.raises(InputError) as err:
        call()
    assert str(err.value) == message
