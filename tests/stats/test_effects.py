"""escalc: measures and options not covered by the reference fixtures, against metafor 3.8.

The reference values below were printed by metafor 3.8-1 (R 4.2.2) with ``digits = 15``;
the R call sits above each block. Tolerance: 1e-12 relative (closed-form formulas; the
printed values have 15 significant digits). The fixture data sets (every measure's default
options) are checked in ``test_models.py::test_escalc_matches_metafor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from evidencehub.errors import InputError
from evidencehub.stats import Measure, escalc
from evidencehub.stats.effects import hedges_correction

RTOL = 1e-12

# ai <- c(0, 3, 5, 0); bi <- c(10, 7, 20, 12); ci <- c(2, 0, 6, 0); di <- c(9, 12, 18, 11)
TABLES = {"ai": [0, 3, 5, 0], "bi": [10, 7, 20, 12], "ci": [2, 0, 6, 0], "di": [9, 12, 18, 11]}
# xi <- c(0, 4, 10, 25); ni <- c(20, 30, 10, 40)
PROPORTIONS = {"xi": [0, 4, 10, 25], "ni": [20, 30, 10, 40]}
# m1 <- c(10.2, 5.1, 7.7); m2 <- c(9.1, 6.0, 7.0); s1 <- c(2.1, 1.5, 3.3); s2 <- c(1.9, 1.2, 2.8)
# n1 <- c(12, 30, 8); n2 <- c(14, 25, 9)
MEANS = {"m1i": [10.2, 5.1, 7.7], "m2i": [9.1, 6.0, 7.0], "sd1i": [2.1, 1.5, 3.3],
         "sd2i": [1.9, 1.2, 2.8], "n1i": [12, 30, 8], "n2i": [14, 25, 9]}
CHANGE = {"m1i": MEANS["m1i"], "m2i": MEANS["m2i"], "sd1i": MEANS["sd1i"],
          "sd2i": MEANS["sd2i"], "ni": MEANS["n1i"], "ri": [0.5, 0.3, 0.8]}

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], list[float] | None, list[float]]] = [
    # escalc("PETO", ai=ai, bi=bi, ci=ci, di=di)
    ("peto", "PETO", TABLES, {},
     [-1.3736111111111111, 1.9300699300699304, -0.2813397129186604, -0.0801282051282052],
     [1.469444444444445, 1.158041958041958, 0.459521531100478, 4.006410256410256]),
    # escalc("OR", ..., to="all")
    ("or-all", "OR", TABLES, {"to": "all"},
     [-1.7095213709910830, 2.4567357728213040, -0.2697082387232497, -0.0833816089390509],
     [2.600501253132832, 2.499047619047619, 0.438498877523268, 4.166956521739131]),
    # escalc("OR", ..., to="if0all", add=0.25)
    ("or-if0all", "OR", TABLES, {"to": "if0all", "add": 0.25},
     [-2.2998787313963032, 3.0894738255856891, -0.2783431006688255, -0.0851578083403064],
     [4.650113528162309, 4.527255995236291, 0.454653427073518, 8.170521541950112]),
    # escalc("RD", ..., to="none")
    ("rd-none", "RD", TABLES, {"to": "none"},
     [-0.181818181818182, 0.3, -0.05, 0.0],
     [0.0135236664162284, 0.021, 0.0142125, 0.0]),
    # escalc("RD", ..., vtype="UB")
    ("rd-ub", "RD", TABLES, {"vtype": "UB"}, None,
     [0.01933252984389348, 0.02477606891942557, 0.01481884057971015, 0.00671190454844301]),
    # escalc("PLO", xi=xi, ni=ni)
    ("plo", "PLO", PROPORTIONS, {},
     [-3.713572066704308, -1.871802176901592, 3.044522437723424, 0.510825623765991],
     [2.048780487804878, 0.288461538461538, 2.095238095238095, 0.106666666666667]),
    # escalc("PAS", xi=xi, ni=ni)
    ("pas", "PAS", PROPORTIONS, {},
     [0.0, 0.373792174834510, 1.570796326794897, 0.911738290968488],
     [0.0125, 0.00833333333333333, 0.025, 0.00625]),
    # escalc("PR", xi=xi, ni=ni, vtype="UB")
    ("pr-ub", "PR", PROPORTIONS, {"vtype": "UB"}, None,
     [0.00116213151927438, 0.00398467432950192, 0.00433884297520661, 0.00600961538461538]),
    # escalc("SMD", ..., vtype="UB")
    ("smd-ub", "SMD", MEANS, {"vtype": "UB"},
     [0.534161127040670, -0.646501188880289, 0.218264989326274],
     [0.1611713220310928, 0.0774107364271139, 0.2379068879613445]),
    # escalc("SMD", ..., vtype="LS2")
    ("smd-ls2", "SMD", MEANS, {"vtype": "LS2"}, None,
     [0.1506121496214845, 0.0750608900849201, 0.2140464677546462]),
    # escalc("SMD", ..., vtype="AV")
    ("smd-av", "SMD", MEANS, {"vtype": "AV"}, None,
     [0.1554077115114521, 0.0736386237967557, 0.2370988155515952]),
    # escalc("MD", ..., vtype="HO")
    ("md-ho", "MD", MEANS, {"vtype": "HO"}, [1.1, -0.9, 0.7],
     [0.615436507936508, 0.138101886792453, 2.187175925925926]),
    # escalc("ROM", ...)
    ("rom", "ROM", MEANS, {},
     [0.1141133067674211, -0.1625189294977749, 0.0953101798043249],
     [0.00664613590451346, 0.00448350634371396, 0.04073696145124715]),
    # escalc("SMDH", ...)
    ("smdh", "SMDH", MEANS, {},
     [0.531936372986643, -0.653160985456993, 0.217077011345119],
     [0.1644041473109731, 0.0764381584610034, 0.2453446208799286]),
    # escalc("COR", ri=c(0.2, -0.5, 0.7), ni=c(30, 50, 12))
    ("cor", "COR", {"ri": [0.2, -0.5, 0.7], "ni": [30, 50, 12]}, {}, [0.2, -0.5, 0.7],
     [0.0317793103448276, 0.0114795918367347, 0.0236454545454545]),
    # escalc("ZCOR", ri=c(0.2, -0.5, 0.7), ni=c(30, 50, 12))
    ("zcor", "ZCOR", {"ri": [0.2, -0.5, 0.7], "ni": [30, 50, 12]}, {},
     [0.202732554054082, -0.549306144334055, 0.867300527694053],
     [0.037037037037037, 0.0212765957446809, 0.1111111111111111]),
    # escalc("MN", mi=c(1.2, 3.4), sdi=c(0.5, 2), ni=c(10, 40))
    ("mn", "MN", {"mi": [1.2, 3.4], "sdi": [0.5, 2], "ni": [10, 40]}, {}, [1.2, 3.4],
     [0.025, 0.1]),
    # escalc("SMCC", m1i=m1, m2i=m2, sd1i=s1, sd2i=s2, ni=n1, ri=c(0.5, 0.3, 0.8), vtype="LS2")
    ("smcc-ls2", "SMCC", CHANGE, {"vtype": "LS2"},
     [0.509570575373844, -0.542532133820581, 0.312990885022621],
     [0.0828880278178001, 0.0365201014579076, 0.1047357565314939]),
    # escalc("SMCR", m1i=m1, m2i=m2, sd1i=s1, ni=n1, ri=c(0.5, 0.3, 0.8), vtype="LS2")
    ("smcr-ls2", "SMCR", {k: v for k, v in CHANGE.items() if k != "sd2i"}, {"vtype": "LS2"},
     None, [0.081955756227768, 0.049950777576159, 0.041663787515123]),
]


@pytest.mark.parametrize(("label", "measure", "data", "options", "yi", "vi"), CASES,
                         ids=[c[0] for c in CASES])
def test_escalc_matches_metafor(label: str, measure: str, data: dict[str, Any],
                                options: dict[str, Any], yi: list[float] | None,
                                vi: list[float]) -> None:
    es = escalc(measure, **data, **options)
    if yi is not None:
        np.testing.assert_allclose(es.yi, yi, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(es.vi, vi, rtol=RTOL, atol=1e-15)
    assert es.measure is Measure(measure)


def test_drop00_removes_double_zero_tables_and_says_so() -> None:
    # escalc("RR", ai=ai, bi=bi, ci=ci, di=di, drop00=TRUE): the 4th table gets NA
    es = escalc("RR", **TABLES, drop00=True, study=["A", "B", "C", "D"])
    assert es.study == ("A", "B", "C")
    np.testing.assert_allclose(es.yi, [-1.52242653544447, 2.11296423371848, -0.22314355131421],
                               rtol=1e-13)
    np.testing.assert_allclose(es.vi, [2.22575757575758, 2.11788211788212, 0.285], rtol=1e-13)
    assert any("left out 'D'" in note for note in es.notes)


def test_zero_cell_addition_is_recorded() -> None:
    es = escalc("OR", **TABLES, study=["A", "B", "C", "D"])
    assert es.notes == (
        ("'D': no events (or no non-events) in either group; kept as metafor does "
        "(drop00=True leaves such tables out)"),
        "added 0.5 to every cell of 'A', 'B', 'D' (to='only0')",
    )


def test_approximate_hedges_correction() -> None:
    """``correction="approx"``: c(m) = 1 - 3/(4m - 1) (Hedges 1981, eq. 6e)."""
    exact = escalc("SMD", **MEANS)
    approx = escalc("SMD", **MEANS, correction="approx")
    m = np.array(MEANS["n1i"]) + np.array(MEANS["n2i"]) - 2
    np.testing.assert_allclose(approx.yi / exact.yi,
                               (1 - 3 / (4 * m - 1)) / hedges_correction(m), rtol=1e-13)


def test_exact_hedges_correction_value() -> None:
    """c(10) = Gamma(5)/(sqrt(5) Gamma(4.5)) = 0.922...: Hedges (1981), Table 2 gives .9227."""
    assert round(float(hedges_correction(10)), 4) == 0.9227
    assert np.isnan(hedges_correction(1))


def test_generic_with_standard_errors() -> None:
    es = escalc("GEN", yi=[0.1, 0.2], sei=[0.3, 0.4])
    np.testing.assert_allclose(es.vi, [0.09, 0.16])
    assert es.to_dict()["studies"][1] == {"study": "Study 2", "yi": 0.2, "vi": pytest.approx(0.16)}


def test_group_sizes_may_replace_non_events() -> None:
    a = escalc("OR", ai=[3, 5], n1i=[10, 25], ci=[2, 6], n2i=[14, 24])
    b = escalc("OR", ai=[3, 5], bi=[7, 20], ci=[2, 6], di=[12, 18])
    np.testing.assert_array_equal(a.yi, b.yi)


@pytest.mark.parametrize(
    ("measure", "kwargs", "message"),
    [
        ("OR", {"ai": [1, 2], "bi": [3, 4], "ci": [1, 1]},
         "escalc: measure OR needs column 'di' or 'n2i', which was not given"),
        ("OR", {"ai": [1, 2], "bi": [3, 4], "ci": [1, 1], "di": [5]},
         "escalc: columns differ in length: 'ai' has 2, 'bi' has 2, 'ci' has 2, 'di' has 1"),
        ("OR", {"ai": [1, 12], "n1i": [10, 10], "ci": [1, 1], "n2i": [5, 5]},
         "escalc, study 'Smith 2019', column 'ai': 12 events exceed the group size 'n1i' = 10"),
        ("RR", {"ai": [1, -2], "bi": [3, 4], "ci": [1, 1], "di": [5, 5]},
         "escalc, study 'Smith 2019', column 'ai': expected a non-negative number, got -2"),
        ("MD", {"m1i": [1, 2], "m2i": [1, 1], "sd1i": [1, -3], "sd2i": [1, 1], "n1i": [5, 5],
                "n2i": [5, 5]},
         "escalc, study 'Smith 2019', column 'sd1i': expected a non-negative number, got -3"),
        ("MD", {"m1i": [1, 2], "m2i": [1, 1], "sd1i": [1, 3], "sd2i": [1, 1], "n1i": [5, -1],
                "n2i": [5, 5]},
         "escalc, study 'Smith 2019', column 'n1i': expected a number greater than 0, got -1"),
        ("SMD", {"m1i": [1, 2], "m2i": [1, 1], "sd1i": [1, 3], "sd2i": [1, 1], "n1i": [5, 2],
                 "n2i": [5, 1]},
         ("escalc, study 'Smith 2019', column 'n1i': the SMD needs n1i + n2i > 3 (Hedges' "
         "correction uses n1i + n2i - 2 > 1 df); got n1i + n2i = 3")),
        ("PLO", {"xi": [3, 30], "ni": [10, 20]},
         "escalc, study 'Smith 2019', column 'xi': 30 events exceed the group size 'ni' = 20"),
        ("COR", {"ri": [0.3, 1.2], "ni": [10, 20]},
         ("escalc, study 'Smith 2019', column 'ri': expected a correlation between -1 and 1, "
         "got 1.2")),
        ("ZCOR", {"ri": [0.3, 0.2], "ni": [10, 3]},
         "escalc, study 'Smith 2019', column 'ni': expected a number greater than 3, got 3"),
        ("MN", {"mi": [1, "n/a"], "sdi": [1, 1], "ni": [5, 5]},
         "escalc, study 'Smith 2019': 'mi' must be a number; got 'n/a'"),
        ("XYZ", {"yi": [1]}, ("escalc: unknown measure 'XYZ'; known measures: OR, RR, RD, PETO, "
         "MD, SMD, SMDH, ROM, PR, PLO, PAS, PFT, MN, MC, SMCR, SMCC, COR, ZCOR, GEN")),
        ("OR", {"ai": [0, 2], "bi": [3, 4], "ci": [1, 1], "di": [5, 5], "to": "none"},
         ("escalc, study 'Jones 2001', column 'ai': the log odds ratio and its variance cannot "
         "be computed from these values (yi = -inf, vi = inf); for zero cells use add > 0 "
         "with to='only0', or leave the study out")),
        ("SMD", {**MEANS, "vtype": "XX"},
         "escalc: 'vtype' for measure SMD must be one of: 'LS', 'UB', 'LS2', 'AV'; got 'XX'"),
        ("OR", {"ai": [1, 2], "bi": [3, 4], "ci": [1, 1], "di": [5, 5], "to": "some"},
         "escalc: 'to' must be one of: 'only0', 'all', 'if0all', 'none'; got 'some'"),
    ],
)
def test_bad_input_names_study_and_column(measure: str, kwargs: dict[str, Any],
                                          message: str) -> None:
    k = len(next(v for v in kwargs.values() if isinstance(v, list)))
    study = ["Jones 2001", "Smith 2019", "Third"][:k]
    with pytest.raises(InputError) as exc:
        escalc(measure, **kwargs, study=study)
    assert str(exc.value) == message
