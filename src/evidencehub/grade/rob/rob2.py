"""RoB 2 for individually randomised parallel-group trials: the signalling questions and the
algorithm that proposes each domain's judgement from their answers.

Sources: Sterne JAC et al. RoB 2: a revised tool for assessing risk of bias in randomised trials.
BMJ 2019;366:l4898 (Table 1: the overall judgement); Higgins JPT, Savović J, Page MJ, Sterne JAC
on behalf of the RoB2 Development Group, "Revised Cochrane risk-of-bias tool for randomized
trials (RoB 2)", full guidance document of 22 August 2019 (riskofbias.info): each domain's
signalling questions with their response options, and the figure "Algorithm for suggested
judgement of risk of bias …" under each domain. The question wording below is the guidance's,
unchanged (the tool is © its authors, CC BY-NC-ND 4.0).

Answers. Every question allows Y, PY, PN, N and NI except 3.2, which has no NI. A question
asked only "If …" an earlier answer (2.3, 2.4, 2.5, 2.7, 3.2-3.4, 4.3-4.5; in the adherence
variant 2.3 and 2.6) must be answered when its condition holds and is NA (or left out) when it
does not. In the adherence variant 2.3-2.5 are asked "[If applicable:]", so NA is also a
choice when they are asked. :func:`check_answers` enforces this and names the question at fault.

Algorithm (:func:`judge_domain`): each domain follows its flowchart in the guidance, branch by
branch; the test suite holds each flowchart as a decision table (one row per path) and checks
every answer combination. Domain 2 for the effect of assignment is judged in two parts
(2.1-2.5 and 2.6-2.7) and takes the more severe.

Overall (:func:`overall`): the BMJ paper's Table 1 says low if every domain is low; some
concerns if some concerns in at least one domain but no high; high if high in at least one
domain *or* some concerns in multiple domains "in a way that substantially lowers confidence in
the result". The last clause is the reviewers' judgement, so the proposal is high if any domain
is high, some concerns if any has some concerns, low otherwise; reviewers raise several some
concerns to high by overriding the proposal with a reason
(:func:`evidencehub.grade.rob.assessment.assess`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from evidencehub.errors import InputError
from evidencehub.grade.rob.terms import Answer, Effect, Rob2Judgement

__all__ = [
    "Question",
    "asked",
    "check_answers",
    "judge",
    "judge_domain",
    "overall",
    "questions",
]

_SOURCE = "RoB 2"
_Y, _PY, _PN, _N, _NI, _NA = Answer.Y, Answer.PY, Answer.PN, Answer.N, Answer.NI, Answer.NA
_YES = frozenset({_Y, _PY})
_NO = frozenset({_N, _PN})
_LOW, _SOME, _HIGH = Rob2Judgement.LOW, Rob2Judgement.SOME_CONCERNS, Rob2Judgement.HIGH
_FIVE = (_Y, _PY, _PN, _N, _NI)
_SIX = (*_FIVE, _NA)

Answers = Mapping[str, Answer]


@dataclass(frozen=True, slots=True)
class Question:
    """A signalling question.

    Attributes
    ----------
    id : str
        Its number in the tool ("1.1", "2.3"…).
    domain : str
        Its domain's code ("D1"…).
    text : str
        The question as the guidance words it.
    answers : tuple of Answer
        The answers the guidance allows (NA only for a question asked conditionally or "if
        applicable").
    condition : str
        When it is asked, as the guidance states it ("If Y/PY/NI to 2.1 or 2.2"); empty when it
        is always asked.
    if_applicable : bool
        Asked "[If applicable:]": NA is a choice even when the condition holds.
    """

    id: str
    domain: str
    text: str
    answers: tuple[Answer, ...]
    condition: str = ""
    if_applicable: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "domain": self.domain, "text": self.text,
                "answers": [a.value for a in self.answers], "condition": self.condition,
                "if_applicable": self.if_applicable}


def _q(qid: str, text: str, condition: str = "", *, answers: tuple[Answer, ...] | None = None,
       if_applicable: bool = False) -> Question:
    allowed = answers if answers is not None else (_SIX if condition or if_applicable else _FIVE)
    return Question(qid, f"D{qid[0]}", text, allowed, condition, if_applicable)


_AWARE_21 = _q("2.1", "Were participants aware of their assigned intervention during the trial?")
_AWARE_22 = _q("2.2", "Were carers and people delivering the interventions aware of participants' "
                      "assigned intervention during the trial?")

_D1 = (
    _q("1.1", "Was the allocation sequence random?"),
    _q("1.2", "Was the allocation sequence concealed until participants were enrolled and "
              "assigned to interventions?"),
    _q("1.3", "Did baseline differences between intervention groups suggest a problem with the "
              "randomization process?"),
)
_D2_ASSIGNMENT = (
    _AWARE_21, _AWARE_22,
    _q("2.3", "Were there deviations from the intended intervention that arose because of the "
              "trial context?", "If Y/PY/NI to 2.1 or 2.2"),
    _q("2.4", "Were these deviations likely to have affected the outcome?", "If Y/PY to 2.3"),
    _q("2.5", "Were these deviations from intended intervention balanced between groups?",
       "If Y/PY/NI to 2.4"),
    _q("2.6", "Was an appropriate analysis used to estimate the effect of assignment to "
              "intervention?"),
    _q("2.7", "Was there potential for a substantial impact (on the result) of the failure to "
              "analyse participants in the group to which they were randomized?",
       "If N/PN/NI to 2.6"),
)
_D2_ADHERENCE = (
    _AWARE_21, _AWARE_22,
    _q("2.3", "Were important non-protocol interventions balanced across intervention groups?",
       "If Y/PY/NI to 2.1 or 2.2", if_applicable=True),
    _q("2.4", "Were there failures in implementing the intervention that could have affected the "
              "outcome?", if_applicable=True),
    _q("2.5", "Was there non-adherence to the assigned intervention regimen that could have "
              "affected participants' outcomes?", if_applicable=True),
    _q("2.6", "Was an appropriate analysis used to estimate the effect of adhering to the "
              "intervention?", "If N/PN/NI to 2.3, or Y/PY/NI to 2.4 or 2.5"),
)
_D3 = (
    _q("3.1", "Were data for this outcome available for all, or nearly all, participants "
              "randomized?"),
    _q("3.2", "Is there evidence that the result was not biased by missing outcome data?",
       "If N/PN/NI to 3.1", answers=(_Y, _PY, _PN, _N, _NA)),
    _q("3.3", "Could missingness in the outcome depend on its true value?", "If N/PN to 3.2"),
    _q("3.4", "Is it likely that missingness in the outcome depended on its true value?",
       "If Y/PY/NI to 3.3"),
)
_D4 = (
    _q("4.1", "Was the method of measuring the outcome inappropriate?"),
    _q("4.2", "Could measurement or ascertainment of the outcome have differed between "
              "intervention groups?"),
    _q("4.3", "Were outcome assessors aware of the intervention received by study participants?",
       "If N/PN/NI to 4.1 and 4.2"),
    _q("4.4", "Could assessment of the outcome have been influenced by knowledge of intervention "
              "received?", "If Y/PY/NI to 4.3"),
    _q("4.5", "Is it likely that assessment of the outcome was influenced by knowledge of "
              "intervention received?", "If Y/PY/NI to 4.4"),
)
_D5 = (
    _q("5.1", "Were the data that produced this result analysed in accordance with a pre-specified "
              "analysis plan that was finalized before unblinded outcome data were available for "
              "analysis?"),
    _q("5.2", "Is the numerical result being assessed likely to have been selected, on the basis "
              "of the results, from multiple eligible outcome measurements (e.g. scales, "
              "definitions, time points) within the outcome domain?"),
    _q("5.3", "Is the numerical result being assessed likely to have been selected, on the basis "
              "of the results, from multiple eligible analyses of the data?"),
)

_NOT_YES = frozenset({_N, _PN, _NI})
_YES_NI = frozenset({_Y, _PY, _NI})

# When each conditional question is asked, given the answers before it (None: always asked).
_Condition = Callable[[Answers], bool]


def _either_aware(a: Answers) -> bool:
    return a.get("2.1") in _YES_NI or a.get("2.2") in _YES_NI


_ASKED: dict[tuple[Effect, str], _Condition] = {
    (Effect.ASSIGNMENT, "2.3"): _either_aware,
    (Effect.ASSIGNMENT, "2.4"): lambda a: a.get("2.3") in _YES,
    (Effect.ASSIGNMENT, "2.5"): lambda a: a.get("2.4") in _YES_NI,
    (Effect.ASSIGNMENT, "2.7"): lambda a: a.get("2.6") in _NOT_YES,
    (Effect.ADHERENCE, "2.3"): _either_aware,
    (Effect.ADHERENCE, "2.6"): lambda a: (a.get("2.3") in _NOT_YES
                                          or a.get("2.4") in _YES_NI or a.get("2.5") in _YES_NI),
}
for _effect in Effect:
    _ASKED |= {
        (_effect, "3.2"): lambda a: a.get("3.1") in _NOT_YES,
        (_effect, "3.3"): lambda a: a.get("3.2") in _NO,
        (_effect, "3.4"): lambda a: a.get("3.3") in _YES_NI,
        (_effect, "4.3"): lambda a: a.get("4.1") in _NOT_YES and a.get("4.2") in _NOT_YES,
        (_effect, "4.4"): lambda a: a.get("4.3") in _YES_NI,
        (_effect, "4.5"): lambda a: a.get("4.4") in _YES_NI,
    }


def questions(effect: Effect | str = Effect.ASSIGNMENT, domain: str | None = None,
              ) -> tuple[Question, ...]:
    """RoB 2's signalling questions in order, with domain 2's set for ``effect``; only those of
    ``domain`` ("D1"…) when it is given."""
    effect = Effect(effect)
    d2 = _D2_ASSIGNMENT if effect is Effect.ASSIGNMENT else _D2_ADHERENCE
    every = (*_D1, *d2, *_D3, *_D4, *_D5)
    if domain is None:
        return every
    chosen = tuple(q for q in every if q.domain == domain)
    if not chosen:
        raise InputError(f"RoB 2 has no domain {domain!r} (known: D1, D2, D3, D4, D5)",
                         source=_SOURCE)
    return chosen


def asked(question: str, answers: Mapping[str, Answer], effect: Effect | str = Effect.ASSIGNMENT,
          ) -> bool:
    """Whether ``question`` is asked given the answers to the questions before it (always, for
    a question without a condition)."""
    condition = _ASKED.get((Effect(effect), question))
    return condition is None or condition(answers)


def check_answers(answers: Mapping[str, Answer | str], effect: Effect | str = Effect.ASSIGNMENT,
                  domain: str | None = None) -> dict[str, Answer]:
    """The answers checked against the questions' conditions, every question present (NA where
    a question is not asked and was left out).

    Parameters
    ----------
    answers : mapping of question id to Answer or its code
        The answers of the whole tool, or of ``domain`` only.
    effect : Effect
        Which domain 2 the answers are for.
    domain : str, optional
        Check only this domain's questions ("D3"); answers to other domains are then ignored.

    Raises
    ------
    InputError
        Naming the question: an unknown question, an answer the question does not allow, a
        question that is asked but not answered, or an answer other than NA to a question that
        is not asked given the earlier answers.
    """
    effect = Effect(effect)
    asked_questions = questions(effect, domain)
    known = {q.id for q in questions(effect)}
    parsed: dict[str, Answer] = {}
    for qid, value in answers.items():
        if qid not in known:
            raise InputError(f"unknown signalling question {qid!r} (domain 2 is assessed for "
                             f"the effect of {effect.value})", source=_SOURCE)
        parsed[qid] = value if isinstance(value, Answer) else Answer.parse(
            value, where=f"question {qid}")
    out: dict[str, Answer] = {}
    for q in asked_questions:
        where = f"question {q.id}"
        answer = parsed.get(q.id)
        if not asked(q.id, out, effect):
            if answer not in (None, _NA):
                raise InputError(f"answered {answer.value} but the question applies only "
                                 f"{q.condition[0].lower()}{q.condition[1:]}; answer NA or "
                                 "leave it out", source=_SOURCE, where=where)
            out[q.id] = _NA
            continue
        allowed = tuple(a for a in q.answers if a is not _NA or q.if_applicable)
        if answer is None:
            raise InputError(f"an answer is required (one of {', '.join(allowed)})",
                             source=_SOURCE, where=where)
        if answer not in allowed:
            raise InputError(f"answer {answer.value} is not allowed here (one of "
                             f"{', '.join(allowed)})", source=_SOURCE, where=where)
        out[q.id] = answer
    return out


# -- the algorithms, one per domain flowchart --------------------------------------------------
def _worst(*judgements: Rob2Judgement) -> Rob2Judgement:
    return max(judgements, key=lambda j: j.severity)


def _d1(a: Answers) -> Rob2Judgement:
    """Randomization process: 1.2 concealment first, then 1.1 random sequence, 1.3 baseline."""
    if a["1.2"] in _NO:
        return _HIGH
    if a["1.2"] is _NI:
        return _HIGH if a["1.3"] in _YES else _SOME
    if a["1.1"] in _NO:
        return _SOME
    return _SOME if a["1.3"] in _YES else _LOW


def _d2_assignment(a: Answers) -> Rob2Judgement:
    """Deviations, effect of assignment: part 1 (2.1-2.5) and part 2 (2.6-2.7), the worse."""
    return _worst(_d2_part1(a), _d2_part2(a))


def _d2_part1(a: Answers) -> Rob2Judgement:
    """Awareness of the assigned intervention, and deviations that arose from the trial
    context: whether they affected the outcome and were balanced."""
    if a["2.1"] in _NO and a["2.2"] in _NO:
        return _LOW
    if a["2.3"] in _NO:
        return _LOW
    if a["2.3"] is _NI or a["2.4"] in _NO:
        return _SOME
    return _SOME if a["2.5"] in _YES else _HIGH


def _d2_part2(a: Answers) -> Rob2Judgement:
    """The analysis: appropriate for the effect of assignment, or the impact of its failure."""
    if a["2.6"] in _YES:
        return _LOW
    return _SOME if a["2.7"] in _NO else _HIGH


def _d2_adherence(a: Answers) -> Rob2Judgement:
    """Deviations, effect of adhering: awareness, non-protocol interventions, implementation and
    adherence, then the analysis (2.6)."""
    aware = not (a["2.1"] in _NO and a["2.2"] in _NO)
    if not (aware and a["2.3"] in _NOT_YES):
        fine = {_NA, _N, _PN}
        if a["2.4"] in fine and a["2.5"] in fine:
            return _LOW
    return _SOME if a["2.6"] in _YES else _HIGH


def _d3(a: Answers) -> Rob2Judgement:
    """Missing outcome data: 3.1 complete, 3.2 evidence of no bias, 3.3 could, 3.4 likely."""
    if a["3.1"] in _YES or a["3.2"] in _YES or a["3.3"] in _NO:
        return _LOW
    return _SOME if a["3.4"] in _NO else _HIGH


def _d4(a: Answers) -> Rob2Judgement:
    """Measurement of the outcome: 4.1 inappropriate or 4.2 differing measurement is high; with
    4.2 NI the best reachable judgement is some concerns."""
    if a["4.1"] in _YES or a["4.2"] in _YES:
        return _HIGH
    floor = _LOW if a["4.2"] in _NO else _SOME
    if a["4.3"] in _NO or a["4.4"] in _NO:
        return floor
    return _SOME if a["4.5"] in _NO else _HIGH


def _d5(a: Answers) -> Rob2Judgement:
    """Selection of the reported result: 5.2 or 5.3 Y/PY is high; both N/PN with 5.1 Y/PY is
    low; otherwise some concerns."""
    if a["5.2"] in _YES or a["5.3"] in _YES:
        return _HIGH
    if a["5.2"] in _NO and a["5.3"] in _NO and a["5.1"] in _YES:
        return _LOW
    return _SOME


def judge_domain(domain: str, answers: Mapping[str, Answer | str],
                 effect: Effect | str = Effect.ASSIGNMENT) -> Rob2Judgement:
    """The judgement RoB 2's algorithm proposes for ``domain`` ("D1"…"D5") from its answers.

    Answers to other domains are ignored; this domain's are checked first
    (:func:`check_answers`, which raises :class:`InputError` naming the question).
    """
    effect = Effect(effect)
    checked = check_answers(answers, effect, domain)
    rules = {"D1": _d1, "D3": _d3, "D4": _d4, "D5": _d5,
             "D2": _d2_assignment if effect is Effect.ASSIGNMENT else _d2_adherence}
    return rules[domain](checked)


def judge(answers: Mapping[str, Answer | str], effect: Effect | str = Effect.ASSIGNMENT,
          ) -> dict[str, Rob2Judgement]:
    """The proposed judgement of every domain, ``{"D1": …, …, "D5": …}``, from the answers to
    the whole tool (checked with :func:`check_answers`)."""
    checked = check_answers(answers, effect)
    return {code: judge_domain(code, checked, effect) for code in ("D1", "D2", "D3", "D4", "D5")}


def overall(judgements: Iterable[Rob2Judgement | str]) -> Rob2Judgement:
    """The proposed overall judgement: high if any domain is high, some concerns if any has some
    concerns, low if all are low (BMJ 2019, Table 1; "some concerns in multiple domains" raised
    to high is left to the reviewers' override)."""
    parsed = [Rob2Judgement(j) for j in judgements]
    if not parsed:
        raise InputError("the overall judgement needs the domains' judgements", source=_SOURCE)
    return _worst(*parsed)
