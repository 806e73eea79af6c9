"""ROBINS-I (2016): seven domains judged by the reviewers, and the overall judgement its
guidance proposes from them.

Source: Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of bias in
non-randomised studies of interventions. BMJ 2016;355:i4919 — Table 1 (the seven domains: two
pre-intervention, one at intervention, four post-intervention) and Table 2 (the judgements and
the overall judgement).

The 2016 tool has signalling questions that guide the reviewers' judgement of each domain but
no algorithm from their answers to the judgement: each domain's judgement is entered by the
reviewers. (ROBINS-I V2 adds such algorithms; it is
not implemented here.)

Overall, Table 2: low if low in all domains; moderate if low or moderate in all domains; serious
if serious in at least one domain but critical in none; critical if critical in at least one;
no information if there is "no clear indication that the study is at serious or critical risk
of bias and there is a lack of information in one or more key domains". The proposal reads the
last as: no domain serious or critical and at least one without information (any domain may be
the key one; reviewers who judge a domain without information not to be key override the
proposal with a reason).
"""

from __future__ import annotations

from collections.abc import Iterable

from evidencehub.errors import InputError
from evidencehub.grade.rob.terms import RobinsJudgement

__all__ = ["overall"]


def overall(judgements: Iterable[RobinsJudgement | str]) -> RobinsJudgement:
    """The overall judgement ROBINS-I's guidance proposes from the seven domains' judgements
    (BMJ 2016, Table 2): the most severe of them; no information when none is serious or
    critical and some domain lacks information."""
    parsed = [RobinsJudgement(j) for j in judgements]
    if len(parsed) != 7:
        raise InputError(f"the overall judgement needs the 7 domains' judgements; got "
                         f"{len(parsed)}", source="ROBINS-I")
    worst = max(parsed, key=lambda j: j.severity)
    if worst.severity < RobinsJudgement.SERIOUS.severity and (
            RobinsJudgement.NO_INFORMATION in parsed):
        return RobinsJudgement.NO_INFORMATION
    return worst
