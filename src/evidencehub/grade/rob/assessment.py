"""One reviewer's risk-of-bias assessment of one study's outcome, two reviewers' discrepancies,
and their consensus.

* :func:`assess` builds an :class:`Assessment`: for RoB 2 the answers are checked and each
  domain's judgement is proposed by the guidance's algorithm (:mod:`.rob2`); for ROBINS-I the
  domains' judgements are entered (:mod:`.robins_i` has no algorithm). The overall judgement is
  proposed from the chosen domain judgements. Reviewers may choose another judgement than the
  proposal for any domain or overall, with a required reason, kept beside the proposal
  (:class:`DomainJudgement`) — e.g. RoB 2's "some concerns in multiple domains in a way that
  substantially lowers confidence" raised to high.
* :func:`compare` lists the discrepancies between two reviewers' assessments of the same study
  and outcome, question by question and domain by domain (dual assessment: two reviewers
  assess each result independently, as the Cochrane Handbook recommends).
* :func:`consensus` builds the agreed assessment from the two and the resolutions of their
  discrepancies.

:meth:`Assessment.to_dict` and :meth:`Assessment.from_dict` round-trip (layout version
:data:`SCHEMA_VERSION`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evidencehub.errors import InputError
from evidencehub.grade.rob import rob2, robins_i
from evidencehub.grade.rob.terms import Answer, Effect, Judgement, RobTool

__all__ = [
    "SCHEMA_VERSION",
    "Assessment",
    "Choice",
    "Discrepancy",
    "DomainJudgement",
    "assess",
    "compare",
    "consensus",
]

#: Version of :meth:`Assessment.to_dict`'s layout.
SCHEMA_VERSION = 1
OVERALL = "overall"
_ROBINS_QUESTION = re.compile(r"[1-7]\.\d+[a-z]?")


@dataclass(frozen=True, slots=True)
class Choice:
    """A reviewer's judgement of a domain (or overall), with the reason when it differs from the
    proposal."""

    judgement: Judgement | str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DomainJudgement:
    """The judgement of one domain (or of the result overall).

    Attributes
    ----------
    domain : str
        The domain's code ("D1"…) or ``"overall"``.
    proposed : Judgement or None
        What the tool's algorithm or rule proposes; None for a ROBINS-I domain (entered).
    chosen : Judgement
        The reviewer's judgement.
    reason : str
        Why the chosen judgement differs from the proposal (required then); may be empty
        otherwise.
    """

    domain: str
    proposed: Judgement | None
    chosen: Judgement
    reason: str = ""

    @property
    def overridden(self) -> bool:
        """The reviewer chose another judgement than the proposal."""
        return self.proposed is not None and self.chosen != self.proposed

    def to_dict(self) -> dict[str, Any]:
        return {"domain": self.domain,
                "proposed": None if self.proposed is None else self.proposed.value,
                "chosen": self.chosen.value, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Assessment:
    """A reviewer's risk-of-bias assessment of one study's result for one outcome.

    Attributes
    ----------
    tool : RobTool
    study : str
        The study's key.
    outcome : str
        The outcome (and time point) assessed, as the review names it.
    assessor : str
        Who assessed (a reviewer's name or id; "consensus" for an agreed assessment).
    effect : Effect or None
        RoB 2: the effect domain 2 was assessed for; None for ROBINS-I.
    answers : mapping of str to Answer
        Signalling-question answers by question id; for RoB 2 every question (NA where not
        asked); for ROBINS-I whatever the reviewer recorded.
    support : mapping of str to str
        Support for judgement (text, quotes with their locators) by question id, domain code or
        ``"overall"``.
    domains : tuple of DomainJudgement
        One per domain of the tool, in order.
    overall : DomainJudgement
        The overall judgement, proposed from the chosen domain judgements.
    """

    tool: RobTool
    study: str
    outcome: str
    assessor: str
    effect: Effect | None
    answers: Mapping[str, Answer]
    support: Mapping[str, str]
    domains: tuple[DomainJudgement, ...]
    overall: DomainJudgement

    def domain(self, code: str) -> DomainJudgement:
        """The judgement of domain ``code`` ("D1"…) or of ``"overall"``."""
        if code == OVERALL:
            return self.overall
        for judged in self.domains:
            if judged.domain == code:
                return judged
        self.tool.domain(code)  # raises, naming the tool's domains
        raise AssertionError(code)

    def judgements(self) -> dict[str, Judgement]:
        """The chosen judgements by domain code, then ``"overall"``."""
        return {d.domain: d.chosen for d in (*self.domains, self.overall)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION, "tool": self.tool.value, "study": self.study,
            "outcome": self.outcome, "assessor": self.assessor,
            "effect": None if self.effect is None else self.effect.value,
            "answers": {k: v.value for k, v in self.answers.items()},
            "support": dict(self.support),
            "domains": [d.to_dict() for d in self.domains], "overall": self.overall.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        """The assessment whose :meth:`to_dict` is ``data`` (checked: a dict of another layout
        version, an unknown term or an override without its reason is an :class:`InputError`)."""
        if data.get("schema_version") != SCHEMA_VERSION:
            raise InputError(f"risk-of-bias assessment layout version "
                             f"{data.get('schema_version')!r} is not {SCHEMA_VERSION}")
        tool = RobTool(data["tool"])
        where = f"{data['study']}, {data['outcome']}, {data['assessor']}"

        def judged(item: Mapping[str, Any]) -> DomainJudgement:
            code = item["domain"]
            proposed = item["proposed"]
            out = DomainJudgement(
                code, None if proposed is None else tool.judgement(proposed, where=where),
                tool.judgement(item["chosen"], where=where), item.get("reason") or "")
            _check_reason(tool, out, where)
            return out

        domains = tuple(judged(d) for d in data["domains"])
        if [d.domain for d in domains] != [d.code for d in tool.domains()]:
            raise InputError(f"the domains of a {tool.label} assessment are "
                             f"{', '.join(d.code for d in tool.domains())}", where=where)
        return cls(
            tool=tool, study=data["study"], outcome=data["outcome"], assessor=data["assessor"],
            effect=None if data.get("effect") is None else Effect(data["effect"]),
            answers={k: Answer.parse(v, where=f"{where}, question {k}")
                     for k, v in data["answers"].items()},
            support=dict(data.get("support") or {}), domains=domains,
            overall=judged(data["overall"]),
        )

    def summary(self) -> str:
        """The assessment in a few lines (deterministic)."""
        effect = f", effect of {self.effect.value}" if self.effect is not None else ""
        lines = [f"{self.tool.label}: {self.study}, {self.outcome} ({self.assessor}{effect})"]
        for judged in (*self.domains, self.overall):
            name = ("Overall" if judged.domain == OVERALL
                    else f"{judged.domain} {self.tool.domain(judged.domain).short}")
            note = (f" (proposed {judged.proposed.value}: {judged.reason})"
                    if judged.overridden and judged.proposed is not None else "")
            lines.append(f"  {name}: {judged.chosen.value}{note}")
        return "\n".join(lines)


def _check_reason(tool: RobTool, judged: DomainJudgement, where: str) -> None:
    if judged.overridden and not judged.reason.strip():
        assert judged.proposed is not None
        raise InputError(f"{judged.domain}: chose {judged.chosen.value!r} against the proposed "
                         f"{judged.proposed.value!r}; a reason is required",
                         source=tool.label, where=where)


def _choice(tool: RobTool, value: Choice | Judgement | str, where: str) -> Choice:
    if not isinstance(value, Choice):
        value = Choice(value)
    return Choice(tool.judgement(value.judgement, where=where), value.reason.strip())


def assess(
    tool: RobTool | str,
    *,
    study: str,
    outcome: str,
    assessor: str,
    answers: Mapping[str, Answer | str] | None = None,
    effect: Effect | str | None = None,
    chosen: Mapping[str, Choice | Judgement | str] | None = None,
    support: Mapping[str, str] | None = None,
) -> Assessment:
    """Build and check one reviewer's assessment.

    Parameters
    ----------
    tool : RobTool or str
        ``"rob2"`` or ``"robins-i"``.
    study, outcome, assessor : str
        The study's key, the outcome assessed, who assessed.
    answers : mapping of question id to Answer, optional
        RoB 2: the signalling-question answers (required; checked by
        :func:`~evidencehub.grade.rob.rob2.check_answers`). ROBINS-I: optional answers to record
        (ids "1.1"…"7.3").
    effect : Effect, optional
        RoB 2's domain-2 effect (default: assignment). Not used by ROBINS-I.
    chosen : mapping of domain code (or "overall") to Choice or judgement, optional
        The reviewer's judgements. RoB 2: a domain left out takes the algorithm's proposal; one
        that differs from it needs ``Choice(judgement, reason)``. ROBINS-I: every domain D1-D7 is
        required. ``"overall"`` overrides the proposed overall judgement (with a reason).
    support : mapping of str to str, optional
        Support for judgement by question id, domain code or ``"overall"``.

    Returns
    -------
    Assessment

    Raises
    ------
    InputError
        Naming the question or domain: an answer set the tool's rules refuse, an unknown domain
        or judgement, a missing ROBINS-I domain, or a choice against the proposal without a
        reason.
    """
    tool = RobTool(tool)
    where = f"{study}, {outcome}, {assessor}"
    picks = {code: _choice(tool, value, f"{where}, {code}")
             for code, value in (chosen or {}).items()}
    codes = [d.code for d in tool.domains()]
    for code in picks:
        if code != OVERALL:
            tool.domain(code)
    if tool is RobTool.ROB2:
        effect = Effect(effect or Effect.ASSIGNMENT)
        if answers is None:
            raise InputError("RoB 2 needs the signalling questions' answers", where=where)
        try:
            checked: dict[str, Answer] = rob2.check_answers(answers, effect)
        except InputError as err:  # the same message, naming the assessment too
            raise InputError(err.problem, source=err.source,
                             where=", ".join(p for p in (where, err.where) if p)) from None
        proposals: dict[str, Judgement | None] = dict(rob2.judge(checked, effect))
    else:
        if effect is not None:
            raise InputError("ROBINS-I has no effect of interest to choose (that is RoB 2's "
                             "domain 2)", where=where)
        checked = _robins_answers(answers or {}, where)
        missing = [code for code in codes if code not in picks]
        if missing:
            raise InputError(f"ROBINS-I domains are judged by the reviewer; missing "
                             f"{', '.join(missing)}", where=where)
        proposals = dict.fromkeys(codes)
    domains = tuple(_judged(tool, code, proposals[code], picks.get(code), where)
                    for code in codes)
    chosen_domains = [d.chosen for d in domains]
    proposed_overall: Judgement = (rob2.overall(chosen_domains) if tool is RobTool.ROB2
                                   else robins_i.overall(chosen_domains))
    overall = _judged(tool, OVERALL, proposed_overall, picks.get(OVERALL), where)
    notes = dict(support or {})
    known = {*checked, *codes, OVERALL} | (
        {q.id for q in rob2.questions(effect or Effect.ASSIGNMENT)} if tool is RobTool.ROB2
        else set())
    for key in notes:
        if key not in known and not (tool is RobTool.ROBINS_I and _ROBINS_QUESTION.fullmatch(key)):
            raise InputError(f"support for {key!r}: not a question, a domain or 'overall' of "
                             f"{tool.label}", where=where)
    return Assessment(tool=tool, study=study, outcome=outcome, assessor=assessor,
                      effect=effect if tool is RobTool.ROB2 else None, answers=checked,
                      support=notes, domains=domains, overall=overall)


def _robins_answers(answers: Mapping[str, Answer | str], where: str) -> dict[str, Answer]:
    out = {}
    for qid, value in answers.items():
        if not _ROBINS_QUESTION.fullmatch(qid):
            raise InputError(f"ROBINS-I signalling questions are numbered 1.1 to 7.x; got "
                             f"{qid!r}", where=where)
        out[qid] = value if isinstance(value, Answer) else Answer.parse(
            value, where=f"{where}, question {qid}")
    return out


def _judged(tool: RobTool, code: str, proposed: Judgement | None, pick: Choice | None,
            where: str) -> DomainJudgement:
    if pick is None:
        assert proposed is not None  # ROBINS-I domains are all picked
        return DomainJudgement(code, proposed, proposed)
    out = DomainJudgement(code, proposed, tool.judgement(pick.judgement), pick.reason)
    _check_reason(tool, out, where)
    return out


# -- dual assessment --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A point where two reviewers' assessments differ.

    Attributes
    ----------
    kind : str
        ``"answer"`` (a signalling question) or ``"judgement"`` (a domain or overall).
    item : str
        The question id ("2.3"), domain code ("D2") or ``"overall"``.
    a, b : str
        The two reviewers' answers or chosen judgements (``"NA"`` for a question one of them
        left unanswered).
    """

    kind: str
    item: str
    a: str
    b: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "item": self.item, "a": self.a, "b": self.b}


def _same_target(a: Assessment, b: Assessment) -> None:
    for field in ("tool", "study", "outcome", "effect"):
        if getattr(a, field) != getattr(b, field):
            raise InputError(f"two assessments cannot be compared: their {field} differs "
                             f"({getattr(a, field)!r} and {getattr(b, field)!r})")


def _question_order(qid: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else ord(part[-1])
                 for part in re.findall(r"\d+|[a-z]", qid))


def compare(a: Assessment, b: Assessment) -> tuple[Discrepancy, ...]:
    """The discrepancies between two reviewers' assessments of the same study, outcome, tool
    (and RoB 2 effect): every signalling question answered differently, in the tool's order,
    then every domain and the overall judgement chosen differently.

    Raises
    ------
    InputError
        If the two assessments are not of the same tool, study, outcome and effect.
    """
    _same_target(a, b)
    out = []
    for qid in sorted({*a.answers, *b.answers}, key=_question_order):
        left, right = a.answers.get(qid, Answer.NA), b.answers.get(qid, Answer.NA)
        if left != right:
            out.append(Discrepancy("answer", qid, left.value, right.value))
    for left_j, right_j in zip((*a.domains, a.overall), (*b.domains, b.overall), strict=True):
        if left_j.chosen != right_j.chosen:
            out.append(Discrepancy("judgement", left_j.domain, left_j.chosen.value,
                                   right_j.chosen.value))
    return tuple(out)


def consensus(
    a: Assessment,
    b: Assessment,
    *,
    assessor: str = "consensus",
    answers: Mapping[str, Answer | str] | None = None,
    chosen: Mapping[str, Choice | Judgement | str] | None = None,
    support: Mapping[str, str] | None = None,
) -> Assessment:
    """The consensus assessment of two reviewers' assessments.

    Answers both gave are kept; every question they answered differently must be resolved in
    ``answers`` (which may also revise agreed answers). RoB 2 domains are then proposed afresh
    from the resolved answers. A domain (or overall) takes, in order: the judgement given in
    ``chosen``; the judgement both reviewers chose, with the first reviewer's reason, when both
    overrode the proposal alike (ROBINS-I: when both chose it); otherwise the new proposal
    (RoB 2). Support texts both gave alike are kept; differing ones are joined, each prefixed
    with its assessor, unless ``support`` gives the agreed text.

    Raises
    ------
    InputError
        Naming each unresolved question or ROBINS-I domain, or if the two assessments are not
        of the same study, outcome, tool and effect.
    """
    _same_target(a, b)
    where = f"{a.study}, {a.outcome}, consensus"
    resolved = {qid: value if isinstance(value, Answer) else Answer.parse(
        value, where=f"{where}, question {qid}") for qid, value in (answers or {}).items()}
    merged: dict[str, Answer] = {}
    unresolved = []
    for item in compare(a, b):
        if item.kind == "answer" and item.item not in resolved:
            unresolved.append(f"{item.item} ({item.a} vs {item.b})")
    if unresolved:
        raise InputError(f"the assessors disagree on question(s) {', '.join(unresolved)}; give "
                         "the agreed answers", source=a.tool.label, where=where)
    for qid in sorted({*a.answers, *b.answers}, key=_question_order):
        merged[qid] = a.answers.get(qid, Answer.NA)
    merged |= resolved
    if a.tool is RobTool.ROB2:
        # agreed answers to questions the resolved answers no longer ask are dropped
        kept: dict[str, Answer] = {}
        for q in rob2.questions(a.effect or Effect.ASSIGNMENT):
            value = merged.get(q.id)
            if value is not None and value is not Answer.NA and (
                    q.id in resolved or rob2.asked(q.id, kept, a.effect or Effect.ASSIGNMENT)):
                kept[q.id] = value
        merged = kept
    picks: dict[str, Choice | Judgement | str] = {}
    given = dict(chosen or {})
    missing = []
    for left, right in zip((*a.domains, a.overall), (*b.domains, b.overall), strict=True):
        code = left.domain
        if code in given:
            picks[code] = given[code]
        elif left.chosen == right.chosen and (
                (left.overridden and right.overridden) or left.proposed is None):
            picks[code] = Choice(left.chosen, left.reason or right.reason)
        elif left.proposed is None and code != OVERALL:
            missing.append(f"{code} ({left.chosen.value} vs {right.chosen.value})")
    if missing:
        raise InputError(f"the assessors disagree on domain(s) {', '.join(missing)}; give the "
                         "agreed judgements", source=a.tool.label, where=where)
    notes = dict(support or {})
    for key in sorted({*a.support, *b.support}):
        if key in notes:
            continue
        left_text, right_text = a.support.get(key, ""), b.support.get(key, "")
        notes[key] = left_text if left_text == right_text else "\n".join(
            f"{who}: {text}" for who, text in ((a.assessor, left_text), (b.assessor, right_text))
            if text)
    return assess(a.tool, study=a.study, outcome=a.outcome, assessor=assessor, answers=merged,
                  effect=a.effect, chosen=picks, support=notes)
