"""ROBINS-I's overall judgement (grade/rob/robins_i.py) against Table 2 of Sterne et al. 2016
(BMJ 355:i4919): low if low in all domains; moderate if low or moderate in all; serious if
serious in at least one but critical in none; critical if critical in at least one; no
information if no clear indication of serious or critical risk and a lack of information in a
domain."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.rob.robins_i import overall
from evidencehub.grade.rob.terms import RobinsJudgement, RobTool

L, M, S, C, NI = "low", "moderate", "serious", "critical", "no information"


@pytest.mark.parametrize(("domains", "expected"), [
    ((L, L, L, L, L, L, L), L),
    ((L, M, L, L, M, L, L), M),
    ((M, M, M, M, M, M, M), M),
    ((L, L, S, L, M, L, L), S),
    ((S, S, S, S, S, S, S), S),
    ((L, L, L, C, L, L, L), C),
    ((S, C, M, L, L, L, L), C),
    ((L, NI, L, L, L, L, L), NI),
    ((M, NI, L, NI, L, L, L), NI),
    ((NI, S, L, L, L, L, L), S),
    ((NI, L, C, L, L, L, L), C),
])
def test_overall_table2_sterne2016(domains: tuple[str, ...], expected: str) -> None:
    assert overall(domains) is RobinsJudgement(expected)


def test_overall_needs_seven_domains() -> None:
    with pytest.raises(InputError) as info:
        overall([L, L])
    assert str(info.value) == ("ROBINS-I: the overall judgement needs the 7 domains' judgements; "
                               "got 2")


def test_domains_are_the_seven_of_table1() -> None:
    assert [d.short for d in RobTool.ROBINS_I.domains()] == [
        "confounding", "selection of participants", "classification of interventions",
        "deviations from intended interventions", "missing data", "measurement of outcomes",
        "selection of the reported result"]
