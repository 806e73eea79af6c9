"""Tests of grade.certainty.statements: GRADE 26's wording by certainty and effect size.

Santesso et al., GRADE guidelines 26, J Clin Epidemiol 2020;119:126–135 (Table: statements by
certainty and size of effect).
"""

from __future__ import annotations

import math

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.certainty.domains import Domain
from evidencehub.grade.certainty.rating import Override, rate
from evidencehub.grade.certainty.statements import EffectSize, effect_size, statement
from evidencehub.vocab import Certainty
from tests.grade.certainty.runs import profile, study

_DOWN = {Certainty.HIGH: [], Certainty.MODERATE: [-1], Certainty.LOW: [-2],
         Certainty.VERY_LOW: [-2, -1]}
_DOMAINS = (Domain.RISK_OF_BIAS, Domain.INDIRECTNESS)


def _rated(certainty, estimate, ci, **kw):
    """A precise, consistent profile and a rating overridden down to ``certainty``."""
    studies = [study(math.log(estimate) if kw.get("measure", "RR") == "RR" else estimate,
                     participants=5000) for _ in range(3)]
    p = profile(studies, estimate=estimate, ci=ci, I2=0.0, QEp=0.9, **kw)
    overrides = [Override(d, c, "reviewers' judgement")
                 for d, c in zip(_DOMAINS, _DOWN[certainty], strict=False)]
    r = rate(p, [Override(Domain.IMPRECISION, 0, "precise"), *overrides])
    assert r.certainty is certainty
    return p, r


@pytest.mark.parametrize(("certainty", "expected"), [
    (Certainty.HIGH, "Islet transplantation reduces severe hypoglycaemia."),
    (Certainty.MODERATE, "Islet transplantation probably reduces severe hypoglycaemia."),
    (Certainty.LOW, "Islet transplantation may reduce severe hypoglycaemia."),
    (Certainty.VERY_LOW, "The evidence is very uncertain about the effect of islet "
                         "transplantation on severe hypoglycaemia."),
])
def test_important_effect_santesso_2020(certainty, expected):
    p, r = _rated(certainty, 0.5, (0.4, 0.62))
    intervention = ("islet transplantation" if certainty is Certainty.VERY_LOW
                    else "Islet transplantation")
    assert statement(intervention, "severe hypoglycaemia", r, p) == expected


@pytest.mark.parametrize(("certainty", "expected"), [
    (Certainty.HIGH, "Insulin pump therapy results in little to no difference in weight."),
    (Certainty.MODERATE, "Insulin pump therapy probably results in little to no difference in "
                         "weight."),
    (Certainty.LOW, "Insulin pump therapy may result in little to no difference in weight."),
])
def test_trivial_effect_santesso_2020(certainty, expected):
    p, r = _rated(certainty, 0.97, (0.9, 1.05))
    assert statement("insulin pump therapy", "weight", r, p) == expected


@pytest.mark.parametrize(("certainty", "expected"), [
    (Certainty.HIGH, "Closed-loop control reduces HbA1c slightly."),
    (Certainty.MODERATE, "Closed-loop control probably reduces HbA1c slightly."),
    (Certainty.LOW, "Closed-loop control may reduce HbA1c slightly."),
])
def test_small_effect_santesso_2020(certainty, expected):
    # MD −0.3 % with a MID of 0.2 % and a moderate effect from 0.5 %: small but important
    p, r = _rated(certainty, -0.3, (-0.4, -0.2), measure="MD", mid=0.2, moderate_effect=0.5)
    assert statement("closed-loop control", "HbA1c", r, p) == expected


def test_increase_wording():
    p, r = _rated(Certainty.MODERATE, 1.8, (1.5, 2.2))
    assert statement("Teplizumab", "C-peptide response", r, p) == (
        "Teplizumab probably increases C-peptide response.")


@pytest.mark.parametrize(("kw", "estimate", "ci", "size"), [
    # ratio without a MID: GRADE 6's 25 % relative change (log 0.75 on either side)
    ({}, 0.80, (0.7, 0.9), (EffectSize.TRIVIAL, 0)),
    ({}, 0.74, (0.7, 0.9), (EffectSize.IMPORTANT, -1)),
    ({}, 1.40, (1.1, 1.8), (EffectSize.IMPORTANT, 1)),
    ({}, 1.30, (1.1, 1.5), (EffectSize.TRIVIAL, 0)),  # 1.30 < 1/0.75 = 1.333
    # the point estimate decides, not the CI: OR 0.45 (0.18 to 1.13) is important
    ({"measure": "OR"}, 0.45, (0.18, 1.13), (EffectSize.IMPORTANT, -1)),
    # MD without a MID: the null decides
    ({"measure": "MD"}, -4.72, (-4.91, -4.52), (EffectSize.IMPORTANT, -1)),
    ({"measure": "MD"}, -0.5, (-1.2, 0.2), (EffectSize.TRIVIAL, 0)),
    # an explicit MID and moderate threshold
    ({"mid": 0.9, "moderate_effect": 0.7}, 0.8, (0.75, 0.85), (EffectSize.SMALL, -1)),
    ({"mid": 0.9, "moderate_effect": 0.7}, 0.6, (0.5, 0.7), (EffectSize.IMPORTANT, -1)),
])
def test_effect_size_rule(kw, estimate, ci, size):
    studies = [study(0.0)]
    assert effect_size(profile(studies, estimate=estimate, ci=ci, **kw)) == size


def test_compression_stockings_statements():
    # Clarke et al. 2006 (CD004002): stockings reduced symptomless DVT (high certainty), and
    # superficial vein thrombosis (moderate): GRADE 26 wording from our rules.
    studies = [study(math.log(0.45), participants=226, control_risk=0.013) for _ in range(8)]
    p = profile(studies, measure="OR", estimate=0.45, ci=(0.18, 1.13), I2=0.0, QEp=0.9)
    r = rate(p)
    assert r.certainty is Certainty.MODERATE
    assert statement("Wearing compression stockings", "superficial vein thrombosis", r, p) == (
        "Wearing compression stockings probably reduces superficial vein thrombosis.")


def test_statement_errors():
    p, r = _rated(Certainty.HIGH, 0.5, (0.4, 0.62))
    with pytest.raises(InputError) as info:
        statement(" ", "death", r, p)
    assert str(info.value) == "grade: 'intervention' must not be empty"
    bad = profile(list(p.studies), estimate=0.8, ci=(0.7, 0.9), mid=0.9, moderate_effect=0.95)
    with pytest.raises(InputError) as info:
        effect_size(bad)
    assert str(info.value) == ("grade: 'moderate_effect' (0.95) must lie further from the null "
                               "than 'mid' (0.9)")
