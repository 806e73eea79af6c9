"""Data extraction in the browser: double entry on the review's form, the discrepancy view and
the consensus, all through :mod:`evidencehub.review.extraction_service` (docs/extraction.md,
docs/web-appraisal.md).

* ``GET /reviews/{slug}/extraction`` — the review's included studies, each with who extracted
  it, whether the signed-in reviewer did, and (once blinding allows) its items per status;
* ``GET|POST /reviews/{slug}/extraction/{study}`` — the reviewer's own form for one study:
  the study characteristics, then one block per arm (outcome, arm, time point and the form's
  arm-level numbers), prefilled with the reviewer's newest entries; saving records them
  (append-only; an emptied field clears the earlier entry, an unchanged one writes nothing);
* ``GET /reviews/{slug}/extraction/{study}/compare`` — the discrepancy view: each item's entries
  side by side, hidden while blinding holds (:func:`~evidencehub.review.extraction_service.may_see`);
* ``POST /reviews/{slug}/extraction/{study}/consensus`` — the consensus: agreed items as they
  are, a picked or typed value for the others, conversions on request; outcome data written
  for every arm whose numbers are settled.

Every write is signed with the signed-in account (:func:`~evidencehub.web.guard.actor_of`),
who must be a member of the review; the readers' pages are refreshed after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import ExtractionField, ValueDerivation
from evidencehub.review import extraction_service as service
from evidencehub.review.extraction import Entry, ItemComparison, ItemStatus
from evidencehub.store.repo.studies import get_study, study_labels
from evidencehub.vocab import AccountRole, ExtractionLevel
from evidencehub.web.appraisal import (
    MAX_FORM_ITEMS,
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

_NEW_ARMS = 1  # empty arm blocks offered below the reviewer's arms


@dataclass(slots=True)
class _Arm:
    """One arm block of the form: which arm, where it was found, its numbers as text."""

    outcome: str = ""
    arm: str = ""
    timepoint: str = ""
    locator: str = ""
    values: dict[str, str] = field(default_factory=dict)
    fixed: bool = False  # an arm the reviewer has entered (its identity is not edited here)


@dataclass(slots=True)
class _Filled:
    """The reviewer's form as shown: study characteristics, their locator, the arm blocks."""

    study: dict[str, str] = field(default_factory=dict)
    locator: str = ""
    arms: list[_Arm] = field(default_factory=list)


def _study_label(session: Session, key: str) -> str:
    return get_study(session, key).label


def _split(form: Sequence[ExtractionField]) -> tuple[list[ExtractionField], list[ExtractionField]]:
    return ([f for f in form if f.level is ExtractionLevel.STUDY],
            [f for f in form if f.level is ExtractionLevel.ARM])


def _stored_form(session: Session, state: service.ExtractionState, study: str,
                 who: str) -> _Filled:
    filled = _Filled()
    arms: dict[tuple[str, str, str], _Arm] = {}
    for value in service.latest_of(session, state, who):
        if value.study_key != study or value.value is None:
            continue
        if value.outcome is None:
            filled.study[value.field] = value.value
            filled.locator = filled.locator or (value.locator or "")
            continue
        key = (value.outcome, value.arm or "", value.timepoint or "")
        block = arms.setdefault(key, _Arm(*key, fixed=True))
        block.values[value.field] = value.value
        block.locator = block.locator or (value.locator or "")
    filled.arms = [*arms.values(), *(_Arm() for _ in range(_NEW_ARMS))]
    return filled


def _posted_form(form: FormData) -> _Filled:
    filled = _Filled(locator=form_text(form, "study:_locator") or "")
    for name, value in form.multi_items():
        if name.startswith("study:") and not name.startswith("study:_") and isinstance(value, str):
            filled.study[name.removeprefix("study:")] = value.strip()
    try:
        count = min(int(form_text(form, "arms") or 0), MAX_FORM_ITEMS)
    except ValueError:
        count = 0
    for i in range(count):
        prefix = f"arm{i}:"
        block = _Arm(outcome=form_text(form, prefix + "_outcome") or "",
                     arm=form_text(form, prefix + "_arm") or "",
                     timepoint=form_text(form, prefix + "_timepoint") or "",
                     locator=form_text(form, prefix + "_locator") or "",
                     fixed=form_text(form, prefix + "_fixed") == "1")
        for name, value in form.multi_items():
            if name.startswith(prefix) and not name.startswith(prefix + "_") and isinstance(
                    value, str):
                block.values[name.removeprefix(prefix)] = value.strip()
        filled.arms.append(block)
    return filled


def _entries(study: str, filled: _Filled, fields: tuple[list[ExtractionField],
             list[ExtractionField]]) -> list[Entry]:
    study_fields, arm_fields = fields
    entries = [Entry(study=study, field=f.key, value=filled.study.get(f.key) or None,
                     locator=filled.locator or None)
               for f in study_fields if f.key in filled.study]
    for block in filled.arms:
        given = {k: v for k, v in block.values.items() if v}
        if not given and not block.fixed:
            continue  # an empty new block
        if not block.outcome or not block.arm:
            raise InputError("an arm's numbers need its outcome and its arm label")
        entries += [Entry(study=study, field=f.key, value=block.values.get(f.key) or None,
                          outcome=block.outcome, arm=block.arm,
                          timepoint=block.timepoint or None, locator=block.locator or None)
                    for f in arm_fields if f.key in block.values]
    return entries


def _form_page(request: Request, slug: str, study: str, context: dict[str, Any],
               filled: _Filled, *, status: int = 200, error: str | None = None) -> Response:
    return page(request, "extraction_form.html", f"Extraction: {context['label']}",
                status=status, slug=slug, study=study, filled=filled, error=error,
                saved=request.query_params.get("saved"),
                unchanged=request.query_params.get("unchanged"), **context)


def _form_context(session: Session, slug: str, study: str, who: str
                  ) -> tuple[dict[str, Any], _Filled, service.StudyStanding]:
    state = member_state(session, slug, who)
    state.study(study)
    study_fields, arm_fields = _split(state.form)
    standing, _items = service.study_view(session, state, study, who)
    context = {"review": state.review, "label": _study_label(session, study),
               "study_fields": study_fields, "arm_fields": arm_fields, "standing": standing}
    return context, _stored_form(session, state, study, who), standing


# --------------------------------------------------------------------------- list


def studies(request: Request) -> Response:
    """The review's included studies and where each one's extraction stands."""
    slug, who = request.path_params["slug"], reviewer(request)

    def work(session: Session) -> dict[str, Any]:
        state = member_state(session, slug, who)
        labels = study_labels(session)
        rows = [{"standing": s, "label": labels[s.study]}
                for s in service.standings(session, state, who)]
        return {"review": state.review, "rows": rows, "role": state.role(who)}

    try:
        context = in_store(request, work)
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    return page(request, "extraction_list.html", f"Extraction: {context['review'].title}",
                slug=slug, **context)


# --------------------------------------------------------------------------- one reviewer's form


def study_form(request: Request) -> Response:
    """The signed-in reviewer's extraction form of one study, prefilled with their entries."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    try:
        context, filled, _standing = in_store(
            request, lambda s: _form_context(s, slug, study, who))
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    return _form_page(request, slug, study, context, filled)


async def save_form(request: Request) -> Response:
    """Record the reviewer's entries of one study (every entry checked before any is stored)."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    filled = _posted_form(await request.form())

    def work(session: Session) -> service.Recorded:
        state = member_state(session, slug, who)
        state.study(study)
        return service.record(session, state, who, _entries(study, filled, _split(state.form)))

    try:
        recorded = await run_in_threadpool(in_store, request, work, immediate=True)
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    except InputError as err:
        try:
            context, _stored, _standing = await run_in_threadpool(
                in_store, request, lambda s: _form_context(s, slug, study, who))
        except (NotFoundError, NotMember) as again:
            return refused(request, again)
        return _form_page(request, slug, study, context, filled, status=400, error=str(err))
    hub_of(request).view.invalidate()
    target = (f"/reviews/{quote(slug)}/extraction/{quote(study)}"
              f"?saved={len(recorded.written)}&unchanged={recorded.unchanged}")
    return RedirectResponse(target, status_code=303)


# --------------------------------------------------------------------------- discrepancies


def _item_rows(items: Sequence[ItemComparison], consensus: dict[Any, Any],
               labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        _study, outcome, arm, timepoint, key = item.item
        agreed = consensus.get(item.item)
        rows.append({
            "outcome": outcome, "arm": arm, "timepoint": timepoint, "field": key,
            "label": labels.get(key, key), "status": item.status.value,
            "entries": [(who, value, item.locators.get(who)) for who, value in item.values.items()],
            "choices": list(dict.fromkeys(v for v in item.values.values() if v is not None)),
            "consensus": None if agreed is None else agreed.value,
            "open": item.status is not ItemStatus.AGREE,
        })  # fmt: skip
    return rows


def _compare_context(session: Session, slug: str, study: str, who: str) -> dict[str, Any]:
    state = member_state(session, slug, who)
    standing, items = service.study_view(session, state, study, who)
    consensus = service.latest_consensus(session, state, study) if standing.visible else {}
    labels = {f.key: f.label for f in state.form}
    return {"review": state.review, "label": _study_label(session, study), "standing": standing,
            "rows": _item_rows(items, consensus, labels),
            "conversions": _conversion_names(), "role": state.role(who)}


def _compare_page(request: Request, slug: str, study: str, context: dict[str, Any], *,
                  status: int = 200, error: str | None = None,
                  result: service.ConsensusResult | None = None) -> Response:
    return page(request, "extraction_compare.html", f"Discrepancies: {context['label']}",
                status=status, slug=slug, study=study, error=error,
                result=None if result is None else result.to_dict(), **context)


def compare(request: Request) -> Response:
    """The study's items side by side for its extractors (hidden while blinding holds)."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    try:
        context = in_store(request, lambda s: _compare_context(s, slug, study, who))
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    return _compare_page(request, slug, study, context)


def _takes(study: str, form: FormData) -> list[Entry]:
    try:
        count = min(int(form_text(form, "items") or 0), MAX_FORM_ITEMS)
    except ValueError:
        count = 0
    take = []
    for i in range(count):
        prefix = f"i{i}:"
        value = form_text(form, prefix + "typed") or form_text(form, prefix + "pick")
        key = form_text(form, prefix + "field")
        if value is None or key is None:
            continue
        take.append(Entry(study=study, field=key, value=value,
                          outcome=form_text(form, prefix + "outcome"),
                          arm=form_text(form, prefix + "arm"),
                          timepoint=form_text(form, prefix + "timepoint")))
    return take


def _conversion_names() -> list[str]:
    """The conversions extraction offers (imported on use: :mod:`evidencehub.stats.derive`
    brings numpy and scipy, which the app does not need to start)."""
    from evidencehub.stats.derive import CONVERSIONS

    return [m.value for m in CONVERSIONS]


def _methods(form: FormData) -> list[ValueDerivation]:
    out = []
    for value in form.getlist("convert"):
        try:
            method = ValueDerivation(str(value))
        except ValueError:
            raise InputError(f"conversion {value!r}: choose one of "
                             f"{', '.join(_conversion_names())}") from None
        out.append(method)
    return out


class _Blinded(Exception):
    """The viewer may not see the study's entries yet, so cannot settle them."""


async def record_consensus(request: Request) -> Response:
    """Record the study's consensus as the signed-in member (through the service)."""
    slug, study, who = (request.path_params["slug"], request.path_params["study"],
                        reviewer(request))
    form = await request.form()

    def work(session: Session) -> service.ConsensusResult:
        state = member_state(session, slug, who)
        standing, _items = service.study_view(session, state, study, who)
        if not standing.visible:
            raise _Blinded
        return service.consensus(session, state, study, who, take=_takes(study, form),
                                 methods=_methods(form))

    error: str | None = None
    result: service.ConsensusResult | None = None
    try:
        result = await run_in_threadpool(in_store, request, work, immediate=True)
    except (NotFoundError, NotMember) as err:
        return refused(request, err)
    except _Blinded:
        return problem(request, 409, "Not yet", "The entries of this study stay hidden until "
                       "two reviewers have entered it; the consensus waits for them.")
    except InputError as err:
        error = str(err)
    if result is not None:
        hub_of(request).view.invalidate()
    context = await run_in_threadpool(
        in_store, request, lambda s: _compare_context(s, slug, study, who))
    return _compare_page(request, slug, study, context, status=400 if error else 200,
                         error=error, result=result)


_BASE = "/reviews/{slug}/extraction"

ROUTES = (
    WebRoute(_BASE, studies, role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}", study_form, role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}", save_form, ("POST",), role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}/compare", compare, role=AccountRole.REVIEWER),
    WebRoute(_BASE + "/{study}/consensus", record_consensus, ("POST",),
             role=AccountRole.REVIEWER),
)
