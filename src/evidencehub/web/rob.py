"""Risk of bias in the browser: RoB 2 and ROBINS-I forms per study and outcome, the two
reviewers' discrepancies and their consensus, through :mod:`evidencehub.grade.rob_service` and
:mod:`evidencehub.grade.rob.assessment` (docs/risk-of-bias.md, docs/web-appraisal.md).

* ``GET /reviews/{slug}/rob`` — the review's included studies with the assessments tied to the
  review (another reviewer's judgements hidden while blinding holds, as for extraction:
  :func:`evidencehub.review.extraction_service.may_see`), and a form to open one;
* ``GET|POST /reviews/{slug}/rob/{study}?outcome=…&tool=rob2|robins-i&effect=…`` — the signed-in
  reviewer's assessment: RoB 2's signalling questions domain by domain (the algorithm proposes
  each domain's judgement and the overall one; a judgement against the proposal needs a
  reason), or ROBINS-I's seven domain judgements; saved with the reviewer as assessor;
* ``GET /reviews/{slug}/rob/{study}/compare?outcome=…`` and ``POST …/consensus`` — the two
  reviewers' answers and judgements where they differ, and the agreed assessment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from evidencehub.errors import InputError, NotFoundError
from evidencehub.grade import rob_service
from evidencehub.grade.rob import rob2
from evidencehub.grade.rob.assessment import Assessment, Choice, assess
from evidencehub.grade.rob.terms import Answer, Effect, RobTool
from evidencehub.review import extraction_service
from evidencehub.store.repo.rob import StoredAssessment
from evidencehub.vocab import AccountRole
from evidencehub.web.appraisal import (
    NotMember,
    form_text,
    in_store,
    member_state,
    problem,
    refused,
    reviewer,
)
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["ROUTES"]

_OVERALL = "overall"


def _target(request: Request) -> tuple[str, RobTool, Effect | None]:
    """The outcome, tool and RoB 2 effect a request names (InputError when malformed)."""
    outcome = (request.query_params.get("outcome") or "").strip()
    if not outcome:
        raise InputError("name the outcome assessed (?outcome=…)")
    try:
        tool = RobTool(request.query_params.get("tool") or RobTool.ROB2.value)
        effect = (Effect(request.query_params.get("effect") or Effect.ASSIGNMENT.value)
                  if tool is RobTool.ROB2 else None)
    except ValueError:
        raise InputError("tool is rob2 or robins-i; effect is assignment or adherence") from None
    return outcome, tool, effect


def _judgement_json(item: Assessment) -> dict[str, Any]:
    return {"domains": [{"code": d.domain, "name": item.tool.domain(d.domain).name,
                         "proposed": None if d.proposed is None else d.proposed.value,
                         "chosen": d.chosen.value, "reason": d.reason}
                        for d in item.domains],
            "overall": {"proposed": None if item.overall.proposed is None
                        else item.overall.proposed.value,
                        "chosen": item.overall.chosen.value, "reason": item.overall.reason}}


# --------------------------------------------------------------------------- list


def _groups(state: extraction_service.ExtractionState, stored: list[StoredAssessment],
            who: str) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in stored:
        group = groups.setdefault((item.study_key, item.outcome, item.tool), {
            "study": item.study_key, "outcome": item.outcome, "tool": item.tool,
            "tool_label": RobTool(item.tool).label, "assessors": {}, "consensus": None})
        if item.basis == rob_service.CONSENSUS:
            group["consensus"] = item.overall
        else:
            group["assessors"][item.assessor] = item.overall
    out = []
    for group in groups.values():
        names = sorted(group["assessors"])
        visible = extraction_service.may_see(state, names, who)
        out.append({**group, "names": names, "mine": group["assessors"].get(who),
                    "visible": visible,
                    "others": {n: j for n, j in group["assessors"].items() if n != who}
                    if visible else {}})
    return sorted(out, key=lambda g: (g["study"], g["outcome"], g["tool"]))


def studies(request: Request) -> Response:
    """The review's studies, the assessments tied to it, and a form to open one."""
    slug, who = request.path_params["slug"], reviewer(request)

    def work(session: Session) -> dict[str, Any]:
        state = member_state(session, slug, who)
        return {"review": state.review, "studies": sorted(state.studies),
                "groups": _groups(state, rob_service.of_review(session, state.id), who)}

    try:
        context = in_store(request, work)
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    return page(request, "rob_list.html", f"Risk of bias: {context['review'].title}",
                slug=slug, tools=list(RobTool), effects=[e.value for e in Effect],
                **context)


# --------------------------------------------------------------------------- one assessment


def _mine(session: Session, study: str, outcome: str, tool: RobTool,
          who: str) -> Assessment | None:
    found = [a for a in rob_service.of_study(session, study, outcome)
             if a.assessor == who and a.basis == rob_service.ASSESSMENT and a.tool == tool.value]
    return Assessment.from_dict(found[-1].payload) if found else None


def _form_context(session: Session, slug: str, study: str, who: str, outcome: str,
                  tool: RobTool, effect: Effect | None) -> dict[str, Any]:
    state = member_state(session, slug, who)
    state.study(study)
    mine = _mine(session, study, outcome, tool, who)
    if mine is not None and mine.effect is not None and effect is not None and (
            mine.effect is not effect):
        mine = None
    return {"review": state.review, "mine": mine,
            "judged": None if mine is None else _judgement_json(mine),
            "answers": {} if mine is None else {k: v.value for k, v in mine.answers.items()},
            "support": {} if mine is None else dict(mine.support),
            "picks": {} if mine is None else {
                d.domain: {"chosen": d.chosen.value, "reason": d.reason}
                for d in (*mine.domains, mine.overall)
                if d.proposed is None or d.overridden}}


def _form_page(request: Request, slug: str, study: str, outcome: str, tool: RobTool,
               effect: Effect | None, context: dict[str, Any], *, status: int = 200,
               error: str | None = None) -> Response:
    questions = rob2.questions(effect or Effect.ASSIGNMENT) if tool is RobTool.ROB2 else ()
    domains = [{"code": d.code, "name": d.name,
                "questions": [q for q in questions if q.domain == d.code]}
               for d in tool.domains()]
    return page(request, "rob_form.html", f"Risk of bias: {study}, {outcome}", status=status,
                slug=slug, study=study, outcome=outcome, tool=tool.value, tool_label=tool.label,
                effect=None if effect is None else effect.value, domains=domains,
                judgements=[j.value for j in tool.judgements()], error=error,
                answer_labels={a.value: a.label for a in Answer}, **context)


def assessment_form(request: Request) -> Response:
    """The signed-in reviewer's assessment of one study's outcome (prefilled when stored)."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    try:
        outcome, tool, effect = _target(request)
        context = in_store(request, lambda s: _form_context(s, slug, study, who, outcome, tool,
                                                            effect))
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    except InputError as err:
        return problem(request, 400, "Which assessment?", str(err))
    return _form_page(request, slug, study, outcome, tool, effect, context)


def _posted(form: FormData, tool: RobTool) -> tuple[dict[str, str], dict[str, Choice],
                                                    dict[str, str]]:
    answers = {name.removeprefix("q:"): str(value) for name, value in form.multi_items()
               if name.startswith("q:") and str(value).strip()}
    codes = [*(d.code for d in tool.domains()), _OVERALL]
    chosen = {}
    for code in codes:
        judgement = form_text(form, f"judge:{code}")
        if judgement:
            chosen[code] = Choice(judgement, form_text(form, f"reason:{code}") or "")
    support = {code: text for code in codes
               if (text := form_text(form, f"support:{code}")) is not None}
    return answers, chosen, support


async def save_assessment(request: Request) -> Response:
    """Check and store the reviewer's assessment (assessor: the signed-in account)."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    form = await request.form()
    try:
        outcome, tool, effect = _target(request)
    except InputError as err:
        return problem(request, 400, "Which assessment?", str(err))
    answers, chosen, support = _posted(form, tool)

    def work(session: Session) -> None:
        state = member_state(session, slug, who)
        state.study(study)
        item = assess(tool, study=study, outcome=outcome, assessor=who,
                      answers=answers if tool is RobTool.ROB2 else None, effect=effect,
                      chosen=chosen, support=support)
        rob_service.record(session, item, review=slug)

    try:
        await run_in_threadpool(in_store, request, work, immediate=True)
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    except InputError as err:
        context = await run_in_threadpool(in_store, request, lambda s: _form_context(
            s, slug, study, who, outcome, tool, effect))
        context.update(answers=answers, support=support,
                       picks={c: {"chosen": str(p.judgement), "reason": p.reason}
                              for c, p in chosen.items()})
        return _form_page(request, slug, study, outcome, tool, effect, context, status=400,
                          error=str(err))
    hub_of(request).view.invalidate()
    query = {"outcome": outcome, "tool": tool.value, **({"effect": effect.value} if effect else {})}
    return RedirectResponse(f"/reviews/{quote(slug)}/rob/{quote(study)}?{urlencode(query)}&saved=1",
                            status_code=303)


# --------------------------------------------------------------------------- dual assessment


class _Blinded(Exception):
    """The viewer may not see the other reviewer's assessment yet."""


def _compare_context(session: Session, slug: str, study: str, who: str,
                     outcome: str) -> dict[str, Any]:
    state = member_state(session, slug, who)
    state.study(study)
    stored = rob_service.of_study(session, study, outcome)
    assessors = sorted({a.assessor for a in stored if a.basis == rob_service.ASSESSMENT})
    if not extraction_service.may_see(state, assessors, who):
        raise _Blinded
    pair = rob_service.compare_two(session, study, outcome)
    tool = pair.first.tool
    consensus = [a for a in stored if a.basis == rob_service.CONSENSUS]
    agreed = Assessment.from_dict(consensus[-1].payload) if consensus else None
    return {"review": state.review, "first": pair.first.assessor,
            "second": pair.second.assessor, "tool_label": tool.label,
            "discrepancies": [d.to_dict() for d in pair.discrepancies],
            "judgements": [j.value for j in tool.judgements()],
            "judged": [(pair.first.assessor, _judgement_json(pair.first)),
                       (pair.second.assessor, _judgement_json(pair.second))],
            "agreed": None if agreed is None else _judgement_json(agreed),
            "agreed_by": None if agreed is None else agreed.assessor}


def _compare_page(request: Request, slug: str, study: str, outcome: str,
                  context: Mapping[str, Any], *, status: int = 200,
                  error: str | None = None) -> Response:
    return page(request, "rob_compare.html", f"Risk of bias: {study}, {outcome}", status=status,
                slug=slug, study=study, outcome=outcome, error=error, **context)


def _outcome(request: Request) -> str:
    outcome = (request.query_params.get("outcome") or "").strip()
    if not outcome:
        raise InputError("name the outcome assessed (?outcome=…)")
    return outcome


def compare(request: Request) -> Response:
    """Where the two reviewers' assessments of a study's outcome differ."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    try:
        outcome = _outcome(request)
        context = in_store(request, lambda s: _compare_context(s, slug, study, who, outcome))
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    except _Blinded:
        return problem(request, 409, "Not yet", "The assessments of this study stay hidden until "
                       "two reviewers have made theirs.")
    except InputError as err:
        return problem(request, 409, "Nothing to compare", str(err))
    return _compare_page(request, slug, study, outcome, context)


async def record_consensus(request: Request) -> Response:
    """Record the agreed assessment, settled by the signed-in member."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    try:
        outcome = _outcome(request)
    except InputError as err:
        return problem(request, 400, "Which assessment?", str(err))
    form = await request.form()
    answers = {name.removeprefix("q:"): str(value) for name, value in form.multi_items()
               if name.startswith("q:") and str(value).strip()}
    chosen = {name.removeprefix("judge:"): Choice(str(value),
                                                  form_text(form, "reason:" + name.removeprefix("judge:")) or "")
              for name, value in form.multi_items()
              if name.startswith("judge:") and str(value).strip()}

    def work(session: Session) -> None:
        _compare_context(session, slug, study, who, outcome)  # membership and blinding
        rob_service.agree(session, study, outcome, assessor=who, answers=answers,
                          chosen=chosen, review=slug)

    try:
        await run_in_threadpool(in_store, request, work, immediate=True)
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    except _Blinded:
        return problem(request, 409, "Not yet", "The assessments of this study stay hidden until "
                       "two reviewers have made theirs.")
    except InputError as err:
        try:
            context = await run_in_threadpool(in_store, request, lambda s: _compare_context(
                s, slug, study, who, outcome))
        except InputError:
            return problem(request, 409, "Nothing to compare", str(err))
        return _compare_page(request, slug, study, outcome, context, status=400, error=str(err))
    hub_of(request).view.invalidate()
    return RedirectResponse(f"/reviews/{quote(slug)}/rob/{quote(study)}/compare?"
                            f"{urlencode({'outcome': outcome})}",
                            status_code=303)


def open_form(request: Request) -> Response:
    """The list's "assess a study" form (a GET without script) leads to that study's form."""
    study = (request.query_params.get("study") or "").strip()
    query = {k: v for k in ("outcome", "tool", "effect")
             if (v := (request.query_params.get(k) or "").strip())}
    if not study:
        return problem(request, 400, "Which study?", "choose the study to assess")
    return RedirectResponse(f"/reviews/{quote(request.path_params['slug'])}/rob/"
                            f"{quote(study)}?{urlencode(query)}", status_code=303)


_BASE = "/reviews/{slug}/rob"

ROUTES = (
    WebRoute(_BASE, studies, role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/open", open_form, role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}", assessment_form, role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}", save_assessment, ("POST",), role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}/compare", compare, role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}/consensus", record_consensus, ("POST",),
             role=AccountRole.REVIEWER),
)
