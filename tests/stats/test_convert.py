"""Conversions checked against the worked examples of their sources.

Cochrane Handbook numbers are printed to 2-3 decimals, so those checks use the printed
precision; formula checks are exact (1e-12 relative).
"""

from __future__ import annotations

import numpy as np
import pytest

from evidencehub.errors import InputError
from evidencehub.model import ValueDerivation
from evidencehub.stats.convert import (
    Converted,
    combine_groups,
    correlation_from_sds,
    mean_sd_from_median,
    sd_change,
    sd_from_ci,
    sd_from_ci_difference,
    sd_from_p,
    sd_from_se,
    sd_from_t,
)


def test_sd_from_se() -> None:
    out = sd_from_se(1.2, 25)
    assert out.value == pytest.approx(6.0, rel=1e-12)
    assert out.derivation is ValueDerivation.SD_FROM_SE


def test_sd_from_ci_handbook_small_sample_divisor() -> None:
    # Handbook 6.5.2.2: for n = 25 the divisor 3.92 becomes 2 x 2.0639 = 4.128.
    out = sd_from_ci(30.0, 34.2, 25)
    assert out.derivation is ValueDerivation.SD_FROM_CI_T
    assert np.sqrt(25) * 4.2 / out.value == pytest.approx(4.128, abs=5e-4)


def test_sd_from_ci_large_sample_uses_3_92() -> None:
    # Handbook 6.5.2.2: for large samples the 95% CI is 3.92 standard errors wide.
    out = sd_from_ci(10.0, 13.92, 100)
    assert out.derivation is ValueDerivation.SD_FROM_CI_Z
    assert out.value == pytest.approx(10.0 * 3.92 / (2 * 1.95996398454005361), rel=1e-12)


def test_sd_from_ci_other_levels() -> None:
    # Handbook: for 90% CIs replace 3.92 with 3.29, for 99% with 5.15.
    assert sd_from_ci(0, 3.29, 400, level=0.90).value == pytest.approx(20.0, rel=1e-3)
    assert sd_from_ci(0, 5.15, 400, level=0.99).value == pytest.approx(20.0, rel=1e-3)


def test_sd_from_ci_vectorised_mixed_derivations() -> None:
    out = sd_from_ci([1, 2], [3, 4], [30, 100])
    assert isinstance(out.value, np.ndarray) and out.value.shape == (2,)
    assert out.derivation == (ValueDerivation.SD_FROM_CI_T, ValueDerivation.SD_FROM_CI_Z)
    assert out.to_dict()["derivation"] == ["sd-from-ci-t", "sd-from-ci-z"]


@pytest.mark.parametrize("dist", ["t", "z"])
def test_sd_from_ci_forced_distribution(dist: str) -> None:
    out = sd_from_ci(1, 3, 200, dist=dist)  # type: ignore[arg-type]
    assert out.derivation.value == f"sd-from-ci-{dist}"  # type: ignore[union-attr]


def test_sd_from_p_handbook_example() -> None:
    # Handbook 6.5.2.3: MD 3.8, n 25 and 22, P = 0.008 -> t = 2.78 (45 df) -> SE = 1.37;
    # SD = SE / sqrt(1/25 + 1/22) = 4.69 with the Handbook's rounded SE.
    out = sd_from_p(0.008, 3.8, 25, 22)
    assert out.derivation is ValueDerivation.SD_FROM_P
    se = out.value * np.sqrt(1 / 25 + 1 / 22)
    assert 3.8 / se == pytest.approx(2.78, abs=5e-3)
    assert se == pytest.approx(1.37, abs=5e-3)
    assert out.value == pytest.approx(4.69, abs=0.01)


def test_sd_from_t_matches_p_route() -> None:
    t = 2.77554536949735198  # R: qt(1 - 0.008/2, 45)
    out = sd_from_t(t, 3.8, 25, 22)
    assert out.derivation is ValueDerivation.SD_FROM_T
    assert out.value == pytest.approx(3.8 / t / np.sqrt(1 / 25 + 1 / 22), rel=1e-12)
    assert out.value == pytest.approx(sd_from_p(0.008, 3.8, 25, 22).value, rel=1e-12)


def test_sd_from_ci_difference_handbook_t_value() -> None:
    # Handbook 6.5.2.3: t for a 95% CI comparing 25 with 22 participants is tinv(0.05, 45)
    # = 2.0141, so the CI is 2 x 2.0141 standard errors wide.
    out = sd_from_ci_difference(1.2, 6.4, 25, 22)
    se = out.value * np.sqrt(1 / 25 + 1 / 22)
    assert 5.2 / se == pytest.approx(2 * 2.0141, abs=2e-4)
    assert out.derivation is ValueDerivation.SD_FROM_CI_T
    large = sd_from_ci_difference(1.2, 6.4, 250, 220)
    assert large.derivation is ValueDerivation.SD_FROM_CI_Z


def test_sd_change_handbook_crossover_example() -> None:
    # Handbook v5.1 16.4.6.4: SDs 2.38 and 2.21, Corr 0.68, n = 10 -> SE of MD 0.583.
    out = sd_change(2.38, 2.21, 0.68)
    assert out.derivation is ValueDerivation.SD_CHANGE_FROM_CORRELATION
    assert out.value / np.sqrt(10) == pytest.approx(0.583, abs=5e-4)


def test_correlation_and_change_handbook_6_5_2_8() -> None:
    # Handbook v6.4 6.5.2.8 (Tables 6.5.b, 6.5.c): study 1 reports baseline, final and change
    # SDs: experimental 6.4, 7.1, 4.5 -> Corr 0.78; control 7.0, 6.9, 4.2 -> Corr 0.82.
    r = correlation_from_sds([6.4, 7.0], [7.1, 6.9], [4.5, 4.2])
    assert r.derivation is ValueDerivation.CORRELATION_IMPUTED
    np.testing.assert_allclose(np.round(r.value, 2), [0.78, 0.82])
    # Study 2 imputes them: experimental 4.2, 3.8 with 0.78 -> 2.68; control 4.0, 4.4 with
    # 0.82 -> 2.55.
    sd = sd_change([4.2, 4.0], [3.8, 4.4], [0.78, 0.82])
    np.testing.assert_allclose(sd.value, [2.68, 2.55], atol=5e-3)


def test_correlation_round_trip() -> None:
    r = correlation_from_sds(3.0, 4.0, sd_change(3.0, 4.0, 0.37).value)
    assert r.value == pytest.approx(0.37, rel=1e-12)


def test_combine_groups_equals_pooled_raw_data() -> None:
    rng = np.random.default_rng(20260101)
    x = rng.normal(5, 2, 17)
    y = rng.normal(8, 3, 23)
    out = combine_groups(17, x.mean(), x.std(ddof=1), 23, y.mean(), y.std(ddof=1))
    both = np.concatenate([x, y])
    assert out.derivation is ValueDerivation.COMBINED_SUBGROUPS
    assert out.n == 40
    assert out.mean == pytest.approx(both.mean(), rel=1e-12)
    assert out.value == pytest.approx(both.std(ddof=1), rel=1e-12)


def test_wan_luo_scenario_s3_formula() -> None:
    # Luo 2018 eq. 11: w = 0.7 + 0.39/n; Wan 2014 eq. 13: SD = IQR / eta(n).
    out = mean_sd_from_median(10, 100, q1=8, q3=13)
    assert out.derivation is ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR
    assert out.mean == pytest.approx(0.7039 * 10.5 + 0.2961 * 10, rel=1e-12)
    eta = 2 * 0.66471247380129839  # R: 2 * qnorm((75 - 0.125) / 100.25)
    assert out.value == pytest.approx(5 / eta, rel=1e-12)


# Wan et al. (2014), Table 1: xi(n), the expected range of n standard normal values.
WAN_TABLE_1 = [
    0, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,
    3.173, 3.259, 3.336, 3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735,
    3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027, 4.057, 4.086,
    4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322,
    4.341, 4.361, 4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498,
]


@pytest.mark.parametrize("n", range(2, 51))
def test_wan_range_divisor_is_table_1(n: int) -> None:
    # SD = range / xi(n); the table is printed to 3 decimals (n = 12: 3.2585 printed 3.259)
    out = mean_sd_from_median(0.0, n, minimum=-1.0, maximum=1.0)
    assert 2.0 / out.value == pytest.approx(WAN_TABLE_1[n - 1], abs=6e-4)


@pytest.mark.parametrize(("n", "expected_range"), [(2, 2 / np.sqrt(np.pi)),
                                                   (3, 3 / np.sqrt(np.pi))])
def test_wan_range_divisor_closed_forms(n: int, expected_range: float) -> None:
    # the expected range of 2 and 3 standard normal values is 2/sqrt(pi) and 3/sqrt(pi)
    out = mean_sd_from_median(0.0, n, minimum=-1.0, maximum=1.0)
    assert 2.0 / out.value == pytest.approx(expected_range, rel=1e-10)


def test_wan_range_divisor_beyond_table_uses_approximation() -> None:
    out = mean_sd_from_median(0.0, 400, minimum=-1.0, maximum=1.0)
    assert 2.0 / out.value == pytest.approx(2 * 2.955359596, rel=1e-9)  # R: qnorm(399.625/400.25)


def test_wan_iqr_divisor_tends_to_1_35() -> None:
    # Wan 2014 / Handbook 6.5.2.5: for large samples SD ~ IQR / 1.35.
    out = mean_sd_from_median(0, 1e7, q1=-0.6744898, q3=0.6744898)
    assert out.value == pytest.approx(1.0, rel=1e-5)
    assert out.mean == pytest.approx(0.0, abs=1e-12)


def test_wan_luo_scenario_s1_formula() -> None:
    # Luo 2018 eq. 7: w = 4 / (4 + n^0.75); Wan 2014 eq. 7: xi(n) = 2 Phi^-1((n-.375)/(n+.25)).
    out = mean_sd_from_median(12, 16, minimum=4, maximum=30)
    assert out.derivation is ValueDerivation.MEAN_SD_FROM_MEDIAN_RANGE
    w = 4 / (4 + 8)  # 16^0.75 = 8
    assert out.mean == pytest.approx(w * 17 + (1 - w) * 12, rel=1e-12)
    xi = 3.532  # Wan 2014, Table 1, n = 16
    assert out.value == pytest.approx(26 / xi, rel=2e-4)


def test_wan_luo_scenario_s2_formula() -> None:
    # Luo 2018 eq. 15 and Wan 2014 eq. 10 with n = 16.
    out = mean_sd_from_median(12, 16, q1=9, q3=16, minimum=4, maximum=30)
    assert out.derivation is ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR_RANGE
    w1 = 2.2 / (2.2 + 8)
    w2 = 0.7 - 0.72 / 16**0.55
    assert out.mean == pytest.approx(w1 * 17 + w2 * 12.5 + (1 - w1 - w2) * 12, rel=1e-12)
    xi = 3.532  # Wan 2014, Table 1, n = 16
    eta = 2 * 0.61514110459597338  # R: qnorm(11.875 / 16.25)
    assert out.value == pytest.approx(26 / (2 * xi) + 7 / (2 * eta), rel=2e-4)


@pytest.mark.parametrize(
    ("n", "mean", "sd"),
    [
        # Hozo 2005: n <= 15 -> exact-formula SD; n <= 25 -> (a + 2m + b)/4
        (10, (4 + 24 + 30) / 4, np.sqrt(((4 - 24 + 30) ** 2 / 4 + 26**2) / 12)),
        (20, (4 + 24 + 30) / 4, 26 / 4),
        (50, 12, 26 / 4),
        (100, 12, 26 / 6),
    ],
)
def test_hozo_rules(n: int, mean: float, sd: float) -> None:
    out = mean_sd_from_median(12, n, minimum=4, maximum=30, method="hozo")
    assert out.mean == pytest.approx(mean, rel=1e-12)
    assert out.value == pytest.approx(sd, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sd_from_se(1.0, 1), "sd_from_se: 'n' must be a sample size of at least 2; got 1"),
        (lambda: sd_from_se(-1.0, 10), "sd_from_se: 'se' must not be negative"),
        (lambda: sd_from_ci(5, 3, 10), "sd_from_ci: 'lower' (5) is above 'upper' (3)"),
        (lambda: sd_from_ci(1, 3, 10, level=95), "sd_from_ci: 'level' must be between 0 and 1 "
         "(e.g. 0.95); got 95"),
        (lambda: sd_from_ci([1, 5], [3, 3], [10, 10]),
         "element 1: sd_from_ci: 'lower' (5) is above 'upper' (3)"),
        (lambda: mean_sd_from_median(10, 20, q1=11, q3=13),
         "mean_sd_from_median: 'q1' (11) is above 'median' (10)"),
        (lambda: mean_sd_from_median(10, 20, q1=8), "mean_sd_from_median: give both 'q1' and "
         "'q3', or neither"),
        (lambda: mean_sd_from_median(10, 20), "mean_sd_from_median: give the quartiles ('q1', "
         "'q3'), the range ('minimum', 'maximum'), or both"),
        (lambda: mean_sd_from_median(10, 20, q1=8, q3=12, method="hozo"),
         "mean_sd_from_median: method 'hozo' uses the median and range only; leave out 'q1' "
         "and 'q3' or use method 'wan-luo'"),
        (lambda: sd_from_p(1.2, 3.8, 25, 22), "sd_from_p: 'p' must be strictly between 0 and 1; "
         "got 1.2"),
        (lambda: sd_from_t(0, 3.8, 25, 22), "sd_from_t: 't' must not be 0 (the SD cannot be "
         "recovered)"),
        (lambda: sd_change(2, 3, 1.5), "sd_change: 'r' must be a correlation between -1 and 1; "
         "got 1.5"),
        (lambda: correlation_from_sds(1, 1, 3), "correlation_from_sds: the SDs (baseline 1, "
         "final 1, change 3) imply a correlation of -3.5, outside [-1, 1]"),
        (lambda: combine_groups(1, 2, 3, 10, 2, 3), "combine_groups: 'n1' must be a sample size "
         "of at least 2; got 1"),
        (lambda: sd_from_se(float("nan"), 10), "sd_from_se: 'se' must be a finite number; got "
         "nan"),
    ],
)
def test_bad_input(call: object, message: str) -> None:
    with pytest.raises(InputError) as exc:
        call()  # type: ignore[operator]
    assert str(exc.value) == message


def test_to_dict_plain_numbers() -> None:
    out = combine_groups(10, 1.0, 1.0, 10, 1.0, 1.0)
    d = out.to_dict()
    # two identical groups: (9 + 9) / 19 of the variance remains, as in the pooled raw data
    assert d == {"value": float(np.sqrt(18 / 19)), "derivation": "combined-subgroups",
                 "note": out.note,
                 "mean": 1.0, "n": 20.0}
    assert isinstance(out, Converted)
