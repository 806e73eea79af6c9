"""Tests of grade.certainty.rating: starting level, overrides, upgrades and the floor."""

from __future__ import annotations

import json
import math

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.certainty.domains import Domain
from evidencehub.grade.certainty.rating import Override, Rating, rate
from evidencehub.vocab import Certainty
from tests.grade.certainty.runs import profile, study


def _consistent(design="randomised", rob="low", ratio=0.7, n=1500, **kw):
    """Three consistent, precise studies (OIS for p0 0.2 is 1806; 3 × 1500 meets it)."""
    studies = [study(math.log(r), design=design, rob=rob, participants=n, weight=100 / 3)
               for r in (ratio * 0.9, ratio, ratio * 1.1)]
    return profile(studies, estimate=ratio, ci=(ratio * 0.85, ratio * 1.15), I2=0.0,
                   QEp=0.8, **kw)


def test_randomised_evidence_starts_high_balshem_2011():
    # Balshem et al., GRADE guidelines 3 (2011): randomised trials start at high certainty
    r = rate(_consistent())
    assert (r.start, r.certainty, r.reasons) == (Certainty.HIGH, Certainty.HIGH, ())
    assert r.to_dict()["symbols"] == "⊕⊕⊕⊕"


def test_observational_evidence_starts_low_balshem_2011():
    r = rate(_consistent(design="cohort", ratio=0.8))
    assert (r.start, r.certainty) == (Certainty.LOW, Certainty.LOW)


def test_domains_add_up_and_certainty_floors_at_very_low():
    studies = [study(math.log(r), rob="high", weight=50, participants=40) for r in (0.3, 1.6)]
    p = profile(studies, estimate=0.7, ci=(0.2, 2.5), I2=90.0, QEp=0.0001)
    r = rate(p)
    assert [d.counted for d in r.domains[:4]] == [-2, -2, 0, -1]  # RoB, inconsistency, imprecision
    assert r.certainty is Certainty.VERY_LOW
    assert [d for d, _ in r.reasons] == [Domain.RISK_OF_BIAS, Domain.INCONSISTENCY,
                                         Domain.IMPRECISION]


def test_override_needs_a_reason():
    with pytest.raises(InputError) as info:
        Override(Domain.IMPRECISION, 0, "   ")
    assert str(info.value) == "grade, override of 'imprecision': a reason is required"
    with pytest.raises(InputError) as info:
        Override.from_dict({"domain": "risk of bias", "change": -1, "reason": ""})
    assert str(info.value) == "grade, override of 'risk of bias': a reason is required"


@pytest.mark.parametrize(("domain", "change", "message"), [
    (Domain.LARGE_EFFECT, -1, "'change' must be an integer from 0 to 2; got -1"),
    (Domain.IMPRECISION, 1, "'change' must be an integer from -3 to 0; got 1"),
    (Domain.IMPRECISION, -4, "'change' must be an integer from -3 to 0; got -4"),
    (Domain.INCONSISTENCY, True, "'change' must be an integer from -3 to 0; got True"),
])
def test_override_change_must_fit_the_domain(domain, change, message):
    with pytest.raises(InputError) as info:
        Override(domain, change, "because")
    assert str(info.value) == f"grade, override of '{domain.value}': {message}"


def test_two_overrides_of_one_domain_are_refused():
    twice = [Override(Domain.IMPRECISION, 0, "a"), Override(Domain.IMPRECISION, -1, "b")]
    with pytest.raises(InputError) as info:
        rate(_consistent(), twice)
    assert str(info.value) == "grade, override of 'imprecision': two overrides of one domain"


def test_override_is_kept_beside_the_proposal_compression_stockings():
    # Clarke et al. 2006 (CD004002) SoF: symptomless DVT, OR 0.10 (0.04 to 0.25), 2637
    # participants in 9 RCTs, rated high. The OIS rule proposes rating down once (2637 <
    # 11,818, see test_domains); the reviewers' judgement, with its reason, gives the published
    # rating while the rule's proposal stays on record.
    studies = [study(math.log(0.10), participants=293, control_risk=0.036, weight=100 / 9)
               for _ in range(9)]
    p = profile(studies, measure="OR", estimate=0.10, ci=(0.04, 0.25), I2=0.0, QEp=0.9)
    assert rate(p).certainty is Certainty.MODERATE
    why = "very large effect with a narrow CI; 50 events are enough to exclude no effect"
    r = rate(p, [Override(Domain.IMPRECISION, 0, why, reviewer="mc")])
    assert r.certainty is Certainty.HIGH
    d = r.domain("imprecision")
    assert (d.proposal.change, d.change, d.reason, d.override.reviewer) == (-1, 0, why, "mc")


def test_override_can_rate_down_three_levels_for_imprecision_grade_34():
    r = rate(_consistent(), [Override(Domain.IMPRECISION, -3, "CI from RR 0.2 to 5")])
    assert r.certainty is Certainty.VERY_LOW


def test_upgrades_apply_to_observational_evidence_without_concerns_grade_9():
    # GRADE 9: a large effect (RR 0.3, at least two-fold) raises low to moderate; with a
    # dose-response gradient as well, to high.
    r = rate(_consistent(design="cohort", ratio=0.3))
    assert r.certainty is Certainty.MODERATE and r.upgrade_note is None
    r = rate(_consistent(design="cohort", ratio=0.3, dose_response=True))
    assert r.certainty is Certainty.HIGH
    assert [d for d, _ in r.reasons] == [Domain.LARGE_EFFECT, Domain.DOSE_RESPONSE]


def test_upgrades_are_not_applied_with_a_concern_or_to_randomised_evidence():
    r = rate(_consistent(design="cohort", ratio=0.3, rob="high"))
    assert r.certainty is Certainty.VERY_LOW  # low − 2 for risk of bias, floored
    assert r.upgrade_note == "not applied: certainty is rated down in another domain"
    assert r.domain(Domain.LARGE_EFFECT).proposal.change == 1
    assert r.domain(Domain.LARGE_EFFECT).counted == 0
    r = rate(_consistent(ratio=0.3))
    assert r.certainty is Certainty.HIGH
    assert r.upgrade_note == ("not applied: evidence from randomised trials starts at high "
                              "certainty")


def test_a_body_mixing_randomised_and_observational_studies_starts_low():
    studies = [study(-0.3, weight=50), study(-0.3, weight=50, design="cohort")]
    assert rate(profile(studies, estimate=0.74, ci=(0.7, 0.78))).start is Certainty.LOW


def test_rating_round_trips_through_json():
    r = rate(_consistent(design="cohort", ratio=0.3),
             [Override(Domain.PUBLICATION_BIAS, -1, "only small industry trials", "ab")])
    data = json.loads(json.dumps(r.to_dict()))
    assert data["schema_version"] == 1 and data["run_id"] == 1
    assert Rating.from_dict(data) == r
    with pytest.raises(InputError) as info:
        Rating.from_dict({**data, "schema_version": 0})
    assert str(info.value) == ("grade: a rating of schema version 0 cannot be read (this "
                               "version reads 1)")
