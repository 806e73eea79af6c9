"""Tests of grade.certainty.profile: what a profile takes from a run and from reviewers."""

from __future__ import annotations

import dataclasses
import json
import math
import statistics

import pytest

from evidencehub.analysis.contrasts import AnalysisRow
from evidencehub.analysis.service import fit_rows
from evidencehub.errors import InputError
from evidencehub.grade.certainty.profile import (
    PicoElement,
    RobJudgement,
    Thresholds,
    profile_from_run,
)
from evidencehub.model import Analysis, Comparison
from evidencehub.vocab import Measure, Method, StudyDesign
from tests.grade.certainty.runs import REFERENCE, reference_rows, run_from_inputs

RCT = StudyDesign.RANDOMISED_CONTROLLED


def _bcg():
    rows = reference_rows("bcg_RR")
    inputs = [{c: float(r[c]) for c in ("ai", "n1i", "ci", "n2i")} for r in rows]
    return run_from_inputs("RR", inputs, [r["study"] for r in rows]), rows


def _all(run, value):
    return {r.study_key: value for r in run.rows}


def test_profile_takes_the_numbers_of_the_run():
    run, rows = _bcg()
    p = profile_from_run(run, designs=_all(run, RCT), risk_of_bias=_all(run, "low"), run_id=7)
    assert (p.analysis, p.run_id, p.k, p.terms.measure.value) == ("a", 7, 13, "RR")
    assert p.estimate == run.fit["estimate"] and p.I2 == run.fit["I2"]
    assert p.pi_lb == run.fit["pi_lb"] and p.tau2 == run.fit["tau2"]
    assert p.participants == sum(int(r["n1i"]) + int(r["n2i"]) for r in rows)
    # median of ci / n2i over the 13 trials, by hand from the data set
    assert p.control_risk == pytest.approx(statistics.median(
        int(r["ci"]) / int(r["n2i"]) for r in rows), abs=1e-15)
    assert p.randomised and sum(s.weight for s in p.studies) == pytest.approx(100)
    data = json.loads(json.dumps(p.to_dict()))
    assert (data["measure"], data["k"], data["run_id"], data["thresholds"]["mid"]) == (
        "RR", 13, 7, None)
    assert data["studies"][0] == {
        "study_key": "s0", "study_label": "Aronson 1948", "design": RCT.value,
        "risk_of_bias": "low", "indirectness": [], "weight": p.studies[0].weight,
        "participants": 262, "control_risk": 11 / 139, "sd": None, "yi": p.studies[0].yi,
        "vi": p.studies[0].vi}


def test_egger_test_is_metafors_regtest_on_the_runs_model():
    # metafor 3.8: regtest(rma(yi, vi, data=dat.bcg RR, method="REML")), tests/reference/metafor
    reference = json.loads((REFERENCE / "bcg_RR.json").read_text())["regtest"]
    run, _ = _bcg()
    p = profile_from_run(run, designs=_all(run, RCT), risk_of_bias={})
    assert p.egger_pval == pytest.approx(reference["pval"], abs=1e-6)
    assert p.egger_note == "regtest on REML"


def test_egger_test_of_a_mantel_haenszel_run_uses_a_common_effect_fit():
    # tests/reference/grade/regtest_ee.R: regtest on rma(method="EE") of dat.bcg's log RR
    reference = json.loads((REFERENCE.parent / "grade" / "regtest_ee.json").read_text())
    run, _ = _bcg()
    fit = {k: v for k, v in run.fit.items() if k != "fit_stats"}  # as MH records are stored
    p = profile_from_run(dataclasses.replace(run, fit=fit, method="MH"),
                         designs=_all(run, RCT), risk_of_bias={})
    assert p.egger_pval == pytest.approx(reference["pval"], rel=1e-5)


def test_small_study_test_needs_ten_studies():
    rows = reference_rows("hine1989_RD")
    inputs = [{c: float(r[c]) for c in ("ai", "n1i", "ci", "n2i")} for r in rows]
    run = run_from_inputs("RD", inputs, [r["study"] for r in rows])
    p = profile_from_run(run, designs=_all(run, RCT), risk_of_bias={})
    assert p.egger_pval is None
    assert p.egger_note == ("not assessable by a small-study test: 6 studies (the test needs "
                            "at least 10)")


def test_reviewers_judgements_and_flags_are_read_and_normalised():
    run, _ = _bcg()
    keys = [r.study_key for r in run.rows]
    p = profile_from_run(
        run, designs=_all(run, RCT),
        risk_of_bias={keys[0]: "Some-Concerns", keys[1]: "HIGH", keys[2]: "no_information"},
        indirectness={keys[0]: ["Population", "outcome", "population"]})
    s = p.studies
    assert [s[0].risk_of_bias, s[1].risk_of_bias, s[2].risk_of_bias, s[3].risk_of_bias] == [
        RobJudgement.SOME_CONCERNS, RobJudgement.HIGH, RobJudgement.NO_INFORMATION,
        RobJudgement.NOT_ASSESSED]
    assert s[0].indirectness == (PicoElement.POPULATION, PicoElement.OUTCOME)


@pytest.mark.parametrize(("judgement", "tier"), [
    ("low", "low"), ("some concerns", "concerns"), ("high", "high"),  # RoB 2
    ("moderate", "low"), ("serious", "concerns"), ("critical", "high"),  # ROBINS-I
    ("no information", "concerns"), ("not assessed", "concerns"),
])
def test_judgement_tiers(judgement, tier):
    assert RobJudgement(judgement).tier == tier


def test_errors_name_the_study_and_the_problem():
    run, _ = _bcg()
    first = run.rows[0].study_key
    with pytest.raises(InputError) as info:
        profile_from_run(run, designs={}, risk_of_bias={})
    assert str(info.value) == f"grade, analysis 'a', study '{first}': no study design given"
    with pytest.raises(InputError) as info:
        profile_from_run(run, designs=_all(run, RCT), risk_of_bias={first: "unclear"})
    assert str(info.value) == (
        f"grade, study '{first}': unknown risk-of-bias judgement 'unclear'; known: low, some "
        "concerns, high, moderate, serious, critical, no information, not assessed")
    with pytest.raises(InputError) as info:
        profile_from_run(run, designs=_all(run, RCT), risk_of_bias={},
                         indirectness={first: ["setting"]})
    assert str(info.value) == (f"grade, study '{first}': unknown indirectness flag 'setting'; "
                               "known: population, intervention, comparator, outcome")


def test_a_run_with_nothing_to_rate_is_refused():
    run, _ = _bcg()
    empty = dataclasses.replace(run, fit=None, rows=(),
                                not_pooled_reason="no study has rows for this comparison")
    with pytest.raises(InputError) as info:
        profile_from_run(empty, designs={}, risk_of_bias={})
    assert str(info.value) == ("grade, analysis 'a': no estimate to rate: no study has rows for "
                               "this comparison")
    single = dataclasses.replace(run, measure="PLO")
    with pytest.raises(InputError, match="measure PLO does not compare two groups"):
        profile_from_run(single, designs={}, risk_of_bias={})


def test_a_single_unpooled_study_is_rated_alone():
    run, _ = _bcg()
    row = dataclasses.replace(run.rows[0], weight=None, pooled=False,
                              note="single study; not pooled")
    single = dataclasses.replace(run, fit=None, rows=(row,))
    p = profile_from_run(single, designs={row.study_key: "randomised-controlled-trial"},
                         risk_of_bias={})
    assert (p.k, p.studies[0].weight, p.estimate, p.ci_lb) == (1, 100.0, row.yi, row.ci_lb)
    assert p.I2 is None and p.egger_pval is None


def test_mid_of_a_ratio_gives_symmetric_thresholds_on_the_log_scale():
    run, _ = _bcg()
    p = profile_from_run(run, designs=_all(run, RCT), risk_of_bias={},
                         thresholds=Thresholds(mid=0.75))
    assert p.mid_thresholds == (pytest.approx(math.log(0.75)), pytest.approx(-math.log(0.75)))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("rob_serious", 120, "'rob_serious' must be a percentage from 0 to 100; got 120"),
    ("egger_pval", 1.5, "'egger_pval' must be between 0 and 1; got 1.5"),
    ("mid", -1.0, "'mid' must be a positive number; got -1.0"),
    ("egger_min_k", 2, "'egger_min_k' must be at least 3; got 2"),
    ("moderate_effect", 0.5, "'moderate_effect' needs 'mid'"),
])
def test_thresholds_are_validated(field, value, message):
    with pytest.raises(InputError) as info:
        Thresholds(**{field: value})
    assert str(info.value) == f"grade: {message}"


def test_thresholds_round_trip():
    t = Thresholds(mid=0.8, ois_rrr=0.2)
    assert Thresholds.from_dict(t.to_dict()) == t
    assert Thresholds.from_dict({"mid": 0.8}) == Thresholds(mid=0.8)
    with pytest.raises(InputError, match=r"^grade: unknown threshold 'i2'; known: egger_min_k, "):
        Thresholds.from_dict({"i2": 50})


def _analysis(measure, **kw):
    return Analysis(slug="a", title="A", outcome="o",
                    comparison=Comparison(experimental=("drug",), control=("placebo",)),
                    measure=measure, **kw)


def test_profile_of_a_mantel_haenszel_run_made_by_the_analysis_service():
    # the stored MH record (no inverse-variance model) -> Egger's test on an EE fit, which
    # metafor gives as P = 1.5713e-06 for dat.bcg (tests/reference/grade/regtest_ee.R)
    reference = json.loads((REFERENCE.parent / "grade" / "regtest_ee.json").read_text())
    rows = [AnalysisRow(r["study"], "drug", "placebo", "final",
                        {c: float(r[c]) for c in ("ai", "n1i", "ci", "n2i")}, ((i, 1),), None,
                        True, None)
            for i, r in enumerate(reference_rows("bcg_RR"))]
    run = fit_rows(_analysis(Measure.RR, method=Method.MH), rows, {})
    p = profile_from_run(run, designs=_all(run, RCT), risk_of_bias={})
    assert p.egger_pval == pytest.approx(reference["pval"], rel=1e-5)
    assert p.estimate == run.fit["estimate"] and p.pi_lb is None and p.tau2 == 0.0


def test_profile_reads_the_subgroup_analysis_of_a_run():
    def row(key, mean, group):
        inputs = {"m1i": mean, "sd1i": 1.0, "n1i": 20.0, "m2i": 0.0, "sd2i": 1.0, "n2i": 20.0}
        return AnalysisRow(key, "drug", "placebo", "final", inputs, ((1, 1),), group, True, None)

    rows = [row("a", 1.0, "x"), row("b", 1.2, "x"), row("c", 2.0, "y"), row("d", 2.4, "y")]
    run = fit_rows(_analysis(Measure.MD, subgroup="class", method=Method.EE), rows, {})
    p = profile_from_run(run, designs=_all(run, RCT), risk_of_bias={})
    assert p.subgroup_pval == run.subgroups["difference"]["pval"]
    assert p.subgroup_max_I2 == max(g["I2"] for g in run.subgroups["groups"])
    assert [s.sd for s in p.studies] == [1.0] * 4 and p.participants == 160
