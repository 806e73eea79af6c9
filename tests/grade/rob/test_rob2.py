"""RoB 2's algorithm (grade/rob/rob2.py) against the guidance's decision flowcharts.

Each domain's flowchart in the RoB 2 full guidance (Higgins et al., version of 22 August 2019,
riskofbias.info; the figure "Algorithm for suggested judgement of risk of bias …" after each
domain's signalling questions) is written below as a decision table: one row per path from the
first question to a judgement, each cell the set of answers the branch takes ("Y/PY", "N/PN/NI";
"any" is every answer the question allows; "NA" a question the path does not ask). The tests
check every answer combination of every row, and that the rows together cover every valid
answer combination exactly once, so the table is the whole algorithm.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.rob.rob2 import check_answers, judge, judge_domain, overall, questions
from evidencehub.grade.rob.terms import Answer, Effect, Rob2Judgement

LOW, SOME, HIGH = "low", "some concerns", "high"
ASSIGN, ADHERE = Effect.ASSIGNMENT, Effect.ADHERENCE

Row = tuple[dict[str, str], str]

# Domain 1, "Algorithm for suggested judgement of risk of bias arising from the randomization
# process" (guidance, domain 1): 1.2 concealment, then 1.1 random sequence and 1.3 baseline.
D1: list[Row] = [
    ({"1.2": "Y/PY", "1.1": "Y/PY/NI", "1.3": "N/PN/NI"}, LOW),
    ({"1.2": "Y/PY", "1.1": "Y/PY/NI", "1.3": "Y/PY"}, SOME),
    ({"1.2": "Y/PY", "1.1": "N/PN", "1.3": "any"}, SOME),
    ({"1.2": "NI", "1.1": "any", "1.3": "N/PN/NI"}, SOME),
    ({"1.2": "NI", "1.1": "any", "1.3": "Y/PY"}, HIGH),
    ({"1.2": "N/PN", "1.1": "any", "1.3": "any"}, HIGH),
]

# Domain 2, effect of assignment to intervention: the flowchart's part 1 (questions 2.1-2.5)
# and part 2 (2.6-2.7); "Criteria for the domain": low if both parts are low, high if either is
# high, some concerns otherwise.
D2_PART1: list[Row] = [
    ({"2.1+2.2": "both N/PN", "2.3": "NA", "2.4": "NA", "2.5": "NA"}, LOW),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "N/PN", "2.4": "NA", "2.5": "NA"}, LOW),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "NI", "2.4": "NA", "2.5": "NA"}, SOME),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "Y/PY", "2.4": "N/PN", "2.5": "NA"}, SOME),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "Y/PY", "2.4": "Y/PY/NI", "2.5": "Y/PY"}, SOME),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "Y/PY", "2.4": "Y/PY/NI", "2.5": "N/PN/NI"}, HIGH),
]
D2_PART2: list[Row] = [
    ({"2.6": "Y/PY", "2.7": "NA"}, LOW),
    ({"2.6": "N/PN/NI", "2.7": "N/PN"}, SOME),
    ({"2.6": "N/PN/NI", "2.7": "Y/PY/NI"}, HIGH),
]


def _domain_2(part1: str, part2: str) -> str:
    if HIGH in (part1, part2):
        return HIGH
    return LOW if part1 == part2 == LOW else SOME


D2_ASSIGNMENT: list[Row] = [({**p1, **p2}, _domain_2(j1, j2))
                            for (p1, j1), (p2, j2) in itertools.product(D2_PART1, D2_PART2)]

# Domain 2, effect of adhering to intervention (guidance, domain 2 adherence flowchart).
D2_ADHERENCE: list[Row] = [
    ({"2.1+2.2": "both N/PN", "2.3": "NA", "2.4+2.5": "both NA/N/PN", "2.6": "NA"}, LOW),
    ({"2.1+2.2": "both N/PN", "2.3": "NA", "2.4+2.5": "either Y/PY/NI", "2.6": "Y/PY"}, SOME),
    ({"2.1+2.2": "both N/PN", "2.3": "NA", "2.4+2.5": "either Y/PY/NI", "2.6": "N/PN/NI"}, HIGH),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "NA/Y/PY", "2.4+2.5": "both NA/N/PN", "2.6": "NA"},
     LOW),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "NA/Y/PY", "2.4+2.5": "either Y/PY/NI",
      "2.6": "Y/PY"}, SOME),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "NA/Y/PY", "2.4+2.5": "either Y/PY/NI",
      "2.6": "N/PN/NI"}, HIGH),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "N/PN/NI", "2.4+2.5": "any", "2.6": "Y/PY"}, SOME),
    ({"2.1+2.2": "either Y/PY/NI", "2.3": "N/PN/NI", "2.4+2.5": "any", "2.6": "N/PN/NI"}, HIGH),
]

# Domain 3, "Algorithm for suggested judgement of risk of bias due to missing outcome data".
D3: list[Row] = [
    ({"3.1": "Y/PY", "3.2": "NA", "3.3": "NA", "3.4": "NA"}, LOW),
    ({"3.1": "N/PN/NI", "3.2": "Y/PY", "3.3": "NA", "3.4": "NA"}, LOW),
    ({"3.1": "N/PN/NI", "3.2": "N/PN", "3.3": "N/PN", "3.4": "NA"}, LOW),
    ({"3.1": "N/PN/NI", "3.2": "N/PN", "3.3": "Y/PY/NI", "3.4": "N/PN"}, SOME),
    ({"3.1": "N/PN/NI", "3.2": "N/PN", "3.3": "Y/PY/NI", "3.4": "Y/PY/NI"}, HIGH),
]

# Domain 4, "Algorithm for suggested judgement of risk of bias in measurement of the outcome":
# the branch taken on 4.2 = N/PN can reach low; the branch on 4.2 = NI cannot.
D4: list[Row] = [
    ({"4.1": "Y/PY", "4.2": "any", "4.3": "NA", "4.4": "NA", "4.5": "NA"}, HIGH),
    ({"4.1": "N/PN/NI", "4.2": "Y/PY", "4.3": "NA", "4.4": "NA", "4.5": "NA"}, HIGH),
    ({"4.1": "N/PN/NI", "4.2": "N/PN", "4.3": "N/PN", "4.4": "NA", "4.5": "NA"}, LOW),
    ({"4.1": "N/PN/NI", "4.2": "N/PN", "4.3": "Y/PY/NI", "4.4": "N/PN", "4.5": "NA"}, LOW),
    ({"4.1": "N/PN/NI", "4.2": "N/PN", "4.3": "Y/PY/NI", "4.4": "Y/PY/NI", "4.5": "N/PN"}, SOME),
    ({"4.1": "N/PN/NI", "4.2": "N/PN", "4.3": "Y/PY/NI", "4.4": "Y/PY/NI", "4.5": "Y/PY/NI"},
     HIGH),
    ({"4.1": "N/PN/NI", "4.2": "NI", "4.3": "N/PN", "4.4": "NA", "4.5": "NA"}, SOME),
    ({"4.1": "N/PN/NI", "4.2": "NI", "4.3": "Y/PY/NI", "4.4": "N/PN", "4.5": "NA"}, SOME),
    ({"4.1": "N/PN/NI", "4.2": "NI", "4.3": "Y/PY/NI", "4.4": "Y/PY/NI", "4.5": "N/PN"}, SOME),
    ({"4.1": "N/PN/NI", "4.2": "NI", "4.3": "Y/PY/NI", "4.4": "Y/PY/NI", "4.5": "Y/PY/NI"},
     HIGH),
]

# Domain 5, "Algorithm for suggested judgement of risk of bias in selection of the reported
# result": 5.2 and 5.3 together, then 5.1.
D5: list[Row] = [
    ({"5.1": "Y/PY", "5.2+5.3": "both N/PN"}, LOW),
    ({"5.1": "N/PN/NI", "5.2+5.3": "both N/PN"}, SOME),
    ({"5.1": "any", "5.2+5.3": "NI, neither Y/PY"}, SOME),
    ({"5.1": "any", "5.2+5.3": "either Y/PY"}, HIGH),
]

TABLES = [("D1", ASSIGN, D1), ("D2", ASSIGN, D2_ASSIGNMENT), ("D2", ADHERE, D2_ADHERENCE),
          ("D3", ASSIGN, D3), ("D4", ASSIGN, D4), ("D5", ASSIGN, D5)]


def _allowed(qid: str, effect: Effect) -> tuple[Answer, ...]:
    return next(q.answers for q in questions(effect) if q.id == qid)


def _set(spec: str, qid: str, effect: Effect) -> set[Answer]:
    if spec == "any":
        return set(_allowed(qid, effect))
    return {Answer(code) for code in spec.split("/")}


def _cells(key: str, spec: str, effect: Effect) -> list[dict[str, Answer]]:
    """Every answer assignment a table cell stands for."""
    if "+" not in key:
        return [{key: a} for a in sorted(_set(spec, key, effect))]
    q1, q2 = key.split("+")
    pairs = itertools.product(_allowed(q1, effect), _allowed(q2, effect))
    if spec == "any":
        chosen = list(pairs)
    elif spec.startswith("both "):
        allowed = _set(spec.removeprefix("both "), q1, effect)
        chosen = [(a, b) for a, b in pairs if a in allowed and b in allowed]
    elif spec.startswith("either "):
        allowed = _set(spec.removeprefix("either "), q1, effect)
        chosen = [(a, b) for a, b in pairs if a in allowed or b in allowed]
    else:  # "NI, neither Y/PY"
        chosen = [(a, b) for a, b in pairs if Answer.NI in (a, b)
                  and not {a, b} & {Answer.Y, Answer.PY}]
    return [{q1: a, q2: b} for a, b in chosen]


def _combinations(row: dict[str, str], effect: Effect) -> Iterator[dict[str, Answer]]:
    for parts in itertools.product(*(_cells(k, v, effect) for k, v in row.items())):
        combined: dict[str, Answer] = {}
        for part in parts:
            combined |= part
        yield combined


CASES = [pytest.param(domain, effect, row, expected, id=f"{domain}-{effect.value}-row{i + 1}")
         for domain, effect, table in TABLES for i, (row, expected) in enumerate(table)]


@pytest.mark.parametrize(("domain", "effect", "row", "expected"), CASES)
def test_decision_table_row(domain: str, effect: Effect, row: dict[str, str],
                            expected: str) -> None:
    combos = list(_combinations(row, effect))
    assert combos
    for answers in combos:
        assert judge_domain(domain, answers, effect) == Rob2Judgement(expected), answers


@pytest.mark.parametrize(("domain", "effect", "table"),
                         [pytest.param(d, e, t, id=f"{d}-{e.value}") for d, e, t in TABLES])
def test_tables_cover_every_valid_answer_set_once(domain: str, effect: Effect,
                                                  table: list[Row]) -> None:
    qs = questions(effect, domain)
    valid = set()
    for values in itertools.product(*(q.answers for q in qs)):
        answers = dict(zip((q.id for q in qs), values, strict=True))
        try:
            check_answers(answers, effect, domain)
        except InputError:
            continue
        valid.add(tuple(sorted(answers.items())))
    from_rows = [tuple(sorted(c.items())) for row, _ in table for c in _combinations(row, effect)]
    assert len(from_rows) == len(set(from_rows))  # rows do not overlap
    assert set(from_rows) == valid


def test_example_all_low() -> None:
    answers = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y",
               "3.1": "Y", "4.1": "N", "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N",
               "5.3": "N"}
    judged = judge(answers)
    assert judged == dict.fromkeys(("D1", "D2", "D3", "D4", "D5"), Rob2Judgement.LOW)
    assert overall(judged.values()) is Rob2Judgement.LOW


@pytest.mark.parametrize(("domains", "expected"), [
    ((LOW, LOW, LOW, LOW, LOW), LOW),
    ((LOW, SOME, LOW, LOW, LOW), SOME),
    ((SOME, SOME, SOME, LOW, SOME), SOME),  # raising several to high is the reviewers' override
    ((LOW, LOW, HIGH, LOW, LOW), HIGH),
    ((SOME, HIGH, SOME, LOW, LOW), HIGH),
])
def test_overall(domains: tuple[str, ...], expected: str) -> None:
    assert overall(domains) is Rob2Judgement(expected)


def test_questions_and_answers() -> None:
    assert [q.id for q in questions(ASSIGN, "D2")] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
                                                       "2.7"]
    assert [q.id for q in questions(ADHERE, "D2")] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    assert len(questions(ASSIGN)) == 22
    by_id = {q.id: q for q in questions(ASSIGN)}
    assert Answer.NI not in by_id["3.2"].answers
    assert Answer.NA not in by_id["1.1"].answers
    assert by_id["2.3"].condition == "If Y/PY/NI to 2.1 or 2.2"
    assert "hidden" in by_id["1.2"].text and by_id["1.2"].text.endswith("?")


@pytest.mark.parametrize(("domain", "effect", "answers", "message"), [
    ("D1", ASSIGN, {"1.1": "Y", "1.3": "N"},
     "RoB 2, question 1.2: an answer is required (one of Y, PY, PN, N, NI)"),
    ("D3", ASSIGN, {"3.1": "Y", "3.2": "Y"},
     "RoB 2, question 3.2: answered Y but the question applies only if N/PN/NI to 3.1; answer "
     "NA or leave it out"),
    ("D3", ASSIGN, {"3.1": "N", "3.2": "NI"},
     "RoB 2, question 3.2: answer NI is not allowed here (one of Y, PY, PN, N)"),
    ("D3", ASSIGN, {"3.1": "N"},
     "RoB 2, question 3.2: an answer is required (one of Y, PY, PN, N)"),
    ("D2", ASSIGN, {"2.1": "Y", "2.2": "N", "2.3": "NA", "2.6": "Y"},
     "RoB 2, question 2.3: answer NA is not allowed here (one of Y, PY, PN, N, NI)"),
    ("D2", ASSIGN, {"2.1": "N", "2.2": "N", "2.6": "Y", "2.7": "PN"},
     "RoB 2, question 2.7: answered PN but the question applies only if N/PN/NI to 2.6; answer "
     "NA or leave it out"),
    ("D2", ADHERE, {"2.1": "N", "2.2": "N", "2.4": "N", "2.5": "N", "2.7": "N"},
     "RoB 2: unknown signalling question '2.7' (domain 2 is assessed for the effect of "
     "adherence)"),
    ("D2", ADHERE, {"2.1": "N", "2.2": "N", "2.4": "N", "2.5": "Y"},
     "RoB 2, question 2.6: an answer is required (one of Y, PY, PN, N, NI)"),
    ("D4", ASSIGN, {"4.1": "Y", "4.2": "N", "4.3": "maybe"},
     "question 4.3: expected an answer (Y, PY, PN, N, NI, NA); got 'maybe'"),
])
def test_invalid_answers(domain: str, effect: Effect, answers: dict[str, str],
                         message: str) -> None:
    with pytest.raises(InputError) as info:
        judge_domain(domain, answers, effect)
    assert str(info.value) == message


def test_answers_in_words_and_missing_not_asked_filled_with_na() -> None:
    checked = check_answers({"3.1": "probably yes"}, ASSIGN, "D3")
    assert checked == {"3.1": Answer.PY, "3.2": Answer.NA, "3.3": Answer.NA, "3.4": Answer.NA}


def test_overall_needs_judgements() -> None:
    with pytest.raises(InputError, match="needs the domains"):
        overall([])
