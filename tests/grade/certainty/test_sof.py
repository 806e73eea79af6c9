"""Tests of grade.certainty.sof: absolute effects by hand formulas and a published SoF table."""

from __future__ import annotations

import csv
import io
import math

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.certainty.domains import Domain
from evidencehub.grade.certainty.rating import Override, rate
from evidencehub.grade.certainty.sof import (
    absolute_risk,
    round_half_away,
    sof_csv,
    sof_html,
    sof_row,
)
from evidencehub.vocab import Certainty, Measure
from tests.grade.certainty.runs import profile, study


@pytest.mark.parametrize(("measure", "effect", "baseline", "expected"), [
    # RR: ACR = RR × ACR0
    ("RR", 0.75, 0.20, 0.75 * 0.20),  # 0.15 -> 150 per 1,000
    ("RR", 1.50, 0.30, 0.45),
    ("RR", 2.00, 0.60, 1.0),  # 1.2 is not a risk: kept at 1
    # OR: ACR = OR × ACR0 / (1 − ACR0 + OR × ACR0)
    ("OR", 0.50, 0.20, 0.10 / (0.80 + 0.10)),  # 0.1111 -> 111 per 1,000
    ("OR", 2.00, 0.10, 0.20 / (0.90 + 0.20)),  # 0.1818 -> 182 per 1,000
    ("OR", 0.10, 0.010, 0.001 / (0.990 + 0.001)),  # 1.009 per 1,000
    ("PETO", 0.25, 0.40, 0.10 / (0.60 + 0.10)),
    # RD: ACR = ACR0 + RD
    ("RD", -0.05, 0.20, 0.15),
    ("RD", -0.30, 0.20, 0.0),
])
def test_absolute_risk_by_hand_cochrane_handbook_15_4_4(measure, effect, baseline, expected):
    assert absolute_risk(measure, effect, baseline) == pytest.approx(expected, abs=1e-15)


def test_absolute_risk_refuses_what_it_cannot_do():
    with pytest.raises(InputError) as info:
        absolute_risk("MD", 1.0, 0.2)
    assert str(info.value) == ("grade: no absolute effect for measure MD; binary measures are "
                               "OR, RR, RD and PETO")
    with pytest.raises(InputError) as info:
        absolute_risk("RR", 1.0, 20)
    assert str(info.value) == "grade: a baseline risk must be a proportion from 0 to 1; got 20"


@pytest.mark.parametrize(("value", "rounded"), [(2.5, 3), (-2.5, -3), (0.4, 0), (2.519, 3),
                                                (-9.6, -10), (0.0, 0)])
def test_round_half_away(value, rounded):
    assert round_half_away(value) == rounded


def _row(estimate, ci, baseline, k=9, participants=2637):
    studies = [study(math.log(estimate), participants=participants // k, control_risk=0.036)
               for _ in range(k)]
    studies[0] = study(math.log(estimate), participants=participants // k + participants % k,
                       control_risk=0.036)
    p = profile(studies, measure="OR", estimate=estimate, ci=ci, I2=0.0, QEp=0.9)
    r = rate(p, [Override(Domain.IMPRECISION, 0, "narrow CI")])
    return sof_row("Symptomless DVT", p, r, baseline_risk=baseline)


@pytest.mark.parametrize(("estimate", "ci", "baseline", "intervention", "difference"), [
    # Clarke et al. 2006, Cochrane CD004002, summary of findings (compression stockings on long
    # flights): symptomless DVT OR 0.10 (0.04 to 0.25), low-risk population 10 per 1,000 ->
    # 1 per 1,000 (0 to 3); high-risk population 30 per 1,000 -> 3 per 1,000 (1 to 8);
    # superficial vein thrombosis OR 0.45 (0.18 to 1.13), 13 per 1,000 -> 6 per 1,000 (2 to 15).
    # By hand at 30 per 1,000: 0.10 × 0.03 / (0.97 + 0.003) = 3.08; 0.04: 0.0012 / 0.9712 = 1.24;
    # 0.25: 0.0075 / 0.9775 = 7.67 (per 1,000).
    (0.10, (0.04, 0.25), 0.010, "1 per 1,000 (0 to 3)",
     "9 fewer per 1,000 (from 10 fewer to 7 fewer)"),
    (0.10, (0.04, 0.25), 0.030, "3 per 1,000 (1 to 8)",
     "27 fewer per 1,000 (from 29 fewer to 22 fewer)"),
    (0.45, (0.18, 1.13), 0.013, "6 per 1,000 (2 to 15)",
     "7 fewer per 1,000 (from 11 fewer to 2 more)"),
])
def test_sof_reproduces_the_compression_stockings_table(estimate, ci, baseline, intervention,
                                                        difference):
    cells = _row(estimate, ci, baseline).cells()
    assert cells["risk_control"] == f"{round(baseline * 1000)} per 1,000"
    assert cells["risk_intervention"] == intervention
    assert cells["difference"] == difference
    assert cells["relative"] == f"OR {estimate:.2f} ({ci[0]:.2f} to {ci[1]:.2f})"
    assert cells["participants"] == "2,637 (9 RCTs)"


def test_default_baseline_is_the_median_control_risk():
    studies = [study(math.log(0.8), control_risk=r, participants=1000) for r in (0.1, 0.3, 0.2)]
    p = profile(studies, estimate=0.8, ci=(0.7, 0.9), I2=0.0, QEp=0.9)
    row = sof_row("Death", p, rate(p))
    a = row.absolute
    # baseline 0.2 (median of 0.1, 0.2, 0.3); RR 0.8 (0.7 to 0.9) -> 160 (140 to 180)
    assert (a.baseline, a.baseline_basis) == (0.2, "median control-group risk of 3 studies")
    assert (a.risk, a.risk_lb, a.risk_ub) == pytest.approx((0.16, 0.14, 0.18), abs=1e-12)
    assert row.cells()["difference"] == "40 fewer per 1,000 (from 60 fewer to 20 fewer)"
    data = row.to_dict()
    assert data["absolute"]["difference_per_1000"] == pytest.approx(-40.0, abs=1e-9)
    assert data["certainty"] == "high" and data["symbols"] == "⊕⊕⊕⊕"


def test_continuous_row_gives_the_mean_difference():
    # Clarke et al. 2006 SoF, oedema (0-10 scale): MD 4.72 lower (4.91 lower to 4.52 lower)
    studies = [study(-4.72, participants=1246 // 6 + (i < 1246 % 6), control_risk=None, sd=1.0)
               for i in range(6)]
    p = profile(studies, measure="MD", estimate=-4.72, ci=(-4.91, -4.52), I2=0.0, QEp=0.5)
    row = sof_row("Oedema", p, rate(p), unit="points")
    cells = row.cells()
    assert cells["difference"] == "MD 4.72 points lower (4.91 lower to 4.52 lower)"
    assert (cells["relative"], cells["risk_control"]) == ("—", "—")
    assert cells["participants"] == "1,246 (6 RCTs)"
    assert row.absolute is None and row.relative is None


def _rated_down():
    studies = [study(math.log(r), rob="high", weight=50, participants=400, control_risk=0.1)
               for r in (0.6, 0.9)]
    p = profile(studies, estimate=0.75, ci=(0.55, 1.02), I2=0.0, QEp=0.6)
    return p, rate(p)


def test_certainty_cell_has_symbols_and_footnote_letters():
    p, r = _rated_down()
    row = sof_row("Hypoglycaemia <severe>", p, r, comments="a & b")
    assert r.certainty is Certainty.VERY_LOW
    cells = row.cells()
    assert cells["certainty"] == "⊕◯◯◯ Very low a,b"
    assert [f["domain"] for f in row.to_dict()["footnotes"]] == ["risk of bias", "imprecision"]


def test_csv_has_headers_rows_and_lettered_footnotes_running_through_the_table():
    p, r = _rated_down()
    rows = [sof_row("First", p, r), sof_row("Second", p, r, baseline_risk=0.05)]
    table = list(csv.reader(io.StringIO(sof_csv(rows, intervention="islets",
                                                comparison="insulin"))))
    assert table[0] == ["Outcome", "№ of participants (studies)",
                        "Certainty of the evidence (GRADE)", "Relative effect (95% CI)",
                        "Risk with insulin", "Risk with islets", "Difference (95% CI)",
                        "Comments"]
    assert table[1][2] == "⊕◯◯◯ Very low a,b" and table[2][2] == "⊕◯◯◯ Very low c,d"
    assert table[2][4] == "50 per 1,000"
    assert [t[0] for t in table[3:]] == ["footnote a", "footnote b", "footnote c", "footnote d"]
    assert table[3][1] == ("Risk of bias: 100% of the weight comes from studies at high risk of "
                           "bias.")


def test_html_is_escaped_and_uses_the_house_table_classes():
    p, r = _rated_down()
    html = sof_html([sof_row("Hypoglycaemia <severe>", p, r, comments="a & b")],
                    title="Islets compared with insulin")
    assert '<table class="numbers sof">' in html
    assert "<caption>Islets compared with insulin</caption>" in html
    assert "Hypoglycaemia &lt;severe&gt;" in html and "a &amp; b" in html
    assert "⊕◯◯◯ Very low <sup>a,b</sup>" in html
    assert '<ol class="sof-notes small muted" type="a">' in html
    assert "median control-group risk of 2 studies" in html


def test_sof_row_refuses_a_rating_of_another_run_and_a_missing_baseline():
    p, r = _rated_down()
    other = profile(list(p.studies), estimate=0.75, ci=(0.55, 1.02), run_id=2)
    with pytest.raises(InputError) as info:
        sof_row("Death", other, r)
    assert str(info.value) == "grade: the rating judged analysis 'a' run 1, not 'a' run 2"
    no_risk = profile([study(-0.3, control_risk=None)], estimate=0.74, ci=(0.6, 0.9))
    with pytest.raises(InputError) as info:
        sof_row("Death", no_risk, rate(no_risk))
    assert str(info.value) == ("grade, analysis 'a': no control-group risk in the studies; give "
                               "a baseline risk")


def test_sof_row_to_dict_keys():
    p, r = _rated_down()
    data = sof_row("Death", p, r).to_dict()
    assert list(data) == ["outcome", "participants", "studies", "randomised", "certainty",
                          "symbols", "footnotes", "measure", "level", "relative", "absolute",
                          "difference", "unit", "comments", "cells"]
    assert data["relative"] == pytest.approx({"estimate": 0.75, "ci_lb": 0.55, "ci_ub": 1.02})
    assert data["measure"] == Measure.RR.value
