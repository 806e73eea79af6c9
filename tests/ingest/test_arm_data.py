"""Reading arm-level outcome tables (ingest/arm_data.py): derivations and errors.

Derived numbers are checked against the published worked examples that
tests/stats/test_convert.py uses for :mod:`evidencehub.stats.convert` (Cochrane Handbook
v6.4 §6.5.2; Wan et al. 2014, Table 1; Luo et al. 2018), at the precision they are printed
to; the formulas' own checks are exact (1e-12 relative).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.arm_data import ARM_DATA_COLUMNS, ArmDataRow, read_arm_data
from evidencehub.model import Derivation, ValueDerivation, ValueKind
from evidencehub.vocab import OutcomeDirection, StudyDesign


def _read(tmp_path: Path, text: str, name: str = "arms.csv") -> list[ArmDataRow]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_arm_data(path)


def _one(tmp_path: Path, header: str, values: str) -> ArmDataRow:
    (item,) = _read(tmp_path, f"study,arm,outcome,{header}\nSmith 2019,drug,HbA1c,{values}\n")
    return item


def test_reported_numbers_are_kept_as_given(tmp_path: Path) -> None:
    item = _one(tmp_path, "timepoint,n,mean,sd,se,value_kind,source,locator,design,unit,"
                "direction,class",
                "6 months,50,-0.8,1.2,0.17,change,pmid:123,Table 2,randomised-controlled-trial,"
                "%,lower-is-better,SGLT2")
    data = item.data
    assert (item.row, item.study_label, data.study_key) == (2, "Smith 2019", "smith2019")
    assert (data.arm, data.outcome, data.timepoint) == ("drug", "HbA1c", "6 months")
    assert (data.n, data.mean, data.sd, data.se) == (50, -0.8, 1.2, 0.17)
    assert data.value_kind is ValueKind.CHANGE and data.derivations == ()
    assert (data.source, data.locator) == ("pmid:123", "Table 2")
    assert data.attributes == {"class": "SGLT2"}
    assert item.design is StudyDesign.RANDOMISED_CONTROLLED
    assert (item.unit, item.direction) == ("%", OutcomeDirection.LOWER_IS_BETTER)


def test_events_of_a_total(tmp_path: Path) -> None:
    data = _one(tmp_path, "events,total", "3,15").data
    assert (data.events, data.total, data.value_kind) == (3, 15, ValueKind.FINAL)


def test_sd_from_se(tmp_path: Path) -> None:
    # Handbook 6.5.2.2: SD = SE x sqrt(n)
    data = _one(tmp_path, "n,mean,se", "25,7.1,1.2").data
    assert data.sd == pytest.approx(6.0, rel=1e-12)
    assert data.se == 1.2
    assert data.derivations == (Derivation(method=ValueDerivation.SD_FROM_SE, fields=("sd",),
                                           inputs={"se": 1.2, "n": 25.0},
                                           note=data.derivations[0].note),)


def test_sd_from_ci_small_sample_uses_t(tmp_path: Path) -> None:
    # Handbook 6.5.2.2: n = 25, CI 30.0 to 34.2: the divisor 3.92 becomes 2 x 2.0639 = 4.128
    data = _one(tmp_path, "n,mean,ci_lb,ci_ub", "25,32.1,30.0,34.2").data
    assert math.sqrt(25) * 4.2 / data.sd == pytest.approx(4.128, abs=5e-4)
    (derivation,) = data.derivations
    assert derivation.method is ValueDerivation.SD_FROM_CI_T
    assert derivation.inputs == {"ci_lb": 30.0, "ci_ub": 34.2, "n": 25.0}
    assert (data.ci_lb, data.ci_ub) == (30.0, 34.2)


def test_sd_from_ci_large_sample_uses_3_92(tmp_path: Path) -> None:
    # Handbook 6.5.2.2: a 95% CI is 3.92 standard errors wide in large samples
    data = _one(tmp_path, "n,mean,ci_lb,ci_ub", "100,11.96,10.0,13.92").data
    assert data.sd == pytest.approx(10.0, rel=1e-4)
    assert data.derivations[0].method is ValueDerivation.SD_FROM_CI_Z


def test_se_is_used_before_a_ci(tmp_path: Path) -> None:
    data = _one(tmp_path, "n,mean,se,ci_lb,ci_ub", "25,7.1,1.2,1,2").data
    assert data.derivations[0].method is ValueDerivation.SD_FROM_SE


def test_mean_and_sd_from_median_and_range(tmp_path: Path) -> None:
    # Luo 2018 eq. 7: w = 4/(4 + n^0.75) = 1/3 for n = 16; Wan 2014 Table 1: xi(16) = 3.532
    data = _one(tmp_path, "n,median,min,max", "16,12,4,30").data
    assert data.mean == pytest.approx(17 / 3 + 8, rel=1e-12)
    assert data.sd == pytest.approx(26 / 3.532, rel=2e-4)
    (derivation,) = data.derivations
    assert derivation.method is ValueDerivation.MEAN_SD_FROM_MEDIAN_RANGE
    assert derivation.fields == ("mean", "sd")
    assert derivation.inputs == {"median": 12.0, "n": 16.0, "minimum": 4.0, "maximum": 30.0}
    assert (data.median, data.minimum, data.maximum) == (12.0, 4.0, 30.0)


def test_mean_and_sd_from_median_and_quartiles(tmp_path: Path) -> None:
    # Luo 2018 eq. 11 (w = 0.7 + 0.39/n) and Wan 2014 eq. 13 (SD = IQR/eta(n)),
    # eta(100) = 2 qnorm((75 - 0.125)/100.25) from R
    data = _one(tmp_path, "n,median,q1,q3", "100,10,8,13").data
    assert data.mean == pytest.approx(0.7039 * 10.5 + 0.2961 * 10, rel=1e-12)
    assert data.sd == pytest.approx(5 / (2 * 0.66471247380129839), rel=1e-12)
    assert data.derivations[0].method is ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR
    assert data.derivations[0].inputs == {"median": 10.0, "n": 100.0, "q1": 8.0, "q3": 13.0}


def test_mean_and_sd_from_median_quartiles_and_range(tmp_path: Path) -> None:
    # Luo 2018 eq. 15 and Wan 2014 eq. 10 with n = 16 (Table 1: xi(16) = 3.532)
    data = _one(tmp_path, "n,median,q1,q3,min,max", "16,12,9,16,4,30").data
    w1, w2 = 2.2 / (2.2 + 8), 0.7 - 0.72 / 16**0.55
    assert data.mean == pytest.approx(w1 * 17 + w2 * 12.5 + (1 - w1 - w2) * 12, rel=1e-12)
    eta = 2 * 0.61514110459597338  # R: qnorm(11.875 / 16.25)
    assert data.sd == pytest.approx(26 / (2 * 3.532) + 7 / (2 * eta), rel=2e-4)
    assert data.derivations[0].method is ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR_RANGE


@pytest.mark.parametrize(("sds", "expected"), [(("4.2", "3.8", "0.78"), 2.68),
                                               (("4.0", "4.4", "0.82"), 2.55)])
def test_change_sd_from_the_correlation(tmp_path: Path, sds: tuple[str, str, str],
                                        expected: float) -> None:
    # Handbook v6.4 6.5.2.8 (Table 6.5.c): study 2 imputes the SDs of change with the
    # correlations of study 1: experimental 4.2, 3.8 and 0.78 -> 2.68; control 4.0, 4.4 and
    # 0.82 -> 2.55
    data = _one(tmp_path, "n,mean,value_kind,sd_baseline,sd_final,corr",
                f"30,-1.1,change,{','.join(sds)}").data
    assert data.sd == pytest.approx(expected, abs=5e-3)
    (derivation,) = data.derivations
    assert derivation.method is ValueDerivation.SD_CHANGE_FROM_CORRELATION
    assert derivation.inputs == dict(zip(("sd_baseline", "sd_final", "corr"),
                                         map(float, sds), strict=True))
    assert data.attributes == {}  # the SD columns are inputs, not subgroup attributes


def test_a_final_value_is_not_given_a_change_sd(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="a mean needs 'sd' and 'n'"):
        _one(tmp_path, "n,mean,sd_baseline,sd_final,corr", "30,7.0,4.2,3.8,0.78")


def test_missing_values_and_spaces(tmp_path: Path) -> None:
    (item,) = _read(tmp_path, "\ufeff study , arm ,outcome,n,mean,sd,se,locator\n"
                    " Smith 2019 ,drug,HbA1c,50, 7.1 ,1.2,NA, \n")
    assert item.data.study_key == "smith2019" and item.data.mean == 7.1
    assert item.data.se is None and item.data.locator is None


def test_every_contract_column_is_known() -> None:
    assert ARM_DATA_COLUMNS == (
        "study", "arm", "outcome", "timepoint", "n", "mean", "sd", "events", "total", "median",
        "q1", "q3", "min", "max", "se", "ci_lb", "ci_ub", "value_kind", "source", "locator",
        "design")


@pytest.mark.parametrize(("text", "message"), [
    ("study,arm,n\nA,x,1\n",
     "arms.csv, header: missing column(s) 'outcome'; the columns are study, arm, outcome,"),
    ("study,arm,outcome\n", "arms.csv: the table has no rows"),
    ("study,arm,outcome,n,mean,sd\nA 1,x,o,10,1,1\nA 2,x,o,10,abc,1\n",
     "arms.csv, row 3, column 'mean': expected a number, got 'abc'"),
    ("study,arm,outcome,n,mean,sd\nA 1,x,o,10.5,1,1\n",
     "arms.csv, row 2, column 'n': expected a whole number, got '10.5'"),
    ("study,arm,outcome,n,mean,sd\nA 1,x,o,10,inf,1\n",
     "arms.csv, row 2, column 'mean': expected a finite number, got 'inf'"),
    ("study,arm,outcome,n,mean,sd\nA 1,x,o,10,1,1\nA 1,y,o,10,1,1\nA 1,x,o,10,2,1\n",
     "arms.csv, row 4: study 'A 1', arm 'x', outcome 'o' (final values) is given twice "
     "(also row 2)"),
    ("study,arm,outcome,timepoint,n,mean,sd\nA 1,x,o,6 months,10,1,1\nA 1,x,o,6 months,10,2,1\n",
     "arms.csv, row 3: study 'A 1', arm 'x', outcome 'o', time point '6 months' (final values) "
     "is given twice (also row 2)"),
    ("study,arm,outcome,n,mean,sd,value_kind\nA 1,x,o,10,1,1,delta\n",
     "arms.csv, row 2, column 'value_kind': expected one of 'final', 'change', got 'delta'"),
    ("study,arm,outcome,n,mean,sd,design\nA 1,x,o,10,1,1,rct\n",
     "arms.csv, row 2, column 'design': expected one of 'in-vitro', 'animal',"),
    ("study,arm,outcome,n,mean,sd,direction\nA 1,x,o,10,1,1,up\n",
     "arms.csv, row 2, column 'direction': expected one of 'higher-is-better', "
     "'lower-is-better', got 'up'"),
    ("study,arm,outcome,n,mean,sd\nA 1,,o,10,1,1\n",
     "arms.csv, row 2, column 'arm': expected a value, got an empty cell"),
    ("study,arm,outcome,n,mean,sd\n!!!,x,o,10,1,1\n",
     "arms.csv, row 2, column 'study': cannot make a citation key from study label '!!!'"),
    ("study,arm,outcome,n,mean,sd\nA 1,x,o,10,1,1,7\n",
     "arms.csv, row 2: 6 columns in the header, more in this row"),
    ("study,arm,outcome,events,total\nA 1,x,o,5,3\n",
     "arms.csv, row 2: events (5) exceed total (3)"),
    ("study,arm,outcome,n,mean\nA 1,x,o,10,1\n",
     "arms.csv, row 2: a mean needs 'sd' and 'n' (or an SE or CI to derive the SD from)"),
    ("study,arm,outcome,n,mean,sd\nA 1,x,o,10,1,-1\n",
     "arms.csv, row 2: field 'sd': Input should be greater than or equal to 0, got -1.0"),
    ("study,arm,outcome,n,mean,se\nA 1,x,o,1,1,1\n",
     "arms.csv, row 2: sd_from_se: 'n' must be a sample size of at least 2; got 1"),
    ("study,arm,outcome,n,median,q1,q3\nA 1,x,o,10,5,6,8\n",
     "arms.csv, row 2: mean_sd_from_median: 'q1' (6) is above 'median' (5)"),
    ("study,arm,outcome,n,mean,ci_lb,ci_ub\nA 1,x,o,10,1,3,2\n",
     "arms.csv, row 2: sd_from_ci: 'lower' (3) is above 'upper' (2)"),
    ("study,arm,outcome,n,mean,value_kind,sd_baseline,sd_final,corr\nA 1,x,o,10,1,change,1,1,2\n",
     "arms.csv, row 2: sd_change: 'r' must be a correlation between -1 and 1; got 2"),
])
def test_errors_name_the_file_the_row_and_the_column(tmp_path: Path, text: str,
                                                     message: str) -> None:
    with pytest.raises(InputError) as err:
        _read(tmp_path, text)
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        read_arm_data(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a directory, expected a CSV file"):
        read_arm_data(tmp_path)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("study,arm,outcome\nM\xfcller,x,o\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"^latin\.csv: not UTF-8 text"):
        read_arm_data(latin)
