"""The page editor (role editor): pages with their status, a form per page with a live
preview and citation autocomplete, workflow status, version history with diffs, footnote refresh.

Routes (all need the editor role; admins pass too):

* ``GET /editor`` — every stored page, published or not, with status and version;
* ``GET|POST /editor/new`` — a new article, intervention or analysis page;
* ``GET|POST /editor/pages/{slug}`` — edit a page; the form carries the version it was loaded
  at, and a save based on an older version answers 409 with the edit kept in the form
  (:class:`~evidencehub.errors.EditConflict`);
* ``POST /editor/pages/{slug}/status`` — move along stub → draft → verified → published;
* ``GET /editor/pages/{slug}/history`` — every version: who, when, and the diff;
* ``POST /editor/pages/{slug}/footnotes`` — fill missing footnote fields (or refresh all)
  from OpenAlex and Crossref (:mod:`evidencehub.publish.footnote_refresh`);
* ``POST /editor/preview`` — the live preview (``static/editor.js`` sends the form with the
  ``X-CSRF-Token`` header): JSON ``{"html", "problems"}`` rendered by the public page's
  template (:mod:`evidencehub.publish.preview`);
* ``GET /editor/cite?q=&limit=`` — JSON list of citable studies
  (:mod:`evidencehub.publish.citations`), what the body's citation autocomplete
  (``static/cite_complete.js``) shows while an editor types ``[@…``.

Every write goes through :mod:`evidencehub.publish.page_edits`, signed with the signed-in
account's actor, and then invalidates the reader's view so the change shows at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from evidencehub.counts import is_count
from evidencehub.data.pages import PageSource
from evidencehub.errors import EditConflict, InputError, NotFoundError, StoreError
from evidencehub.model import Page, PageStatus
from evidencehub.publish.citations import find_citations
from evidencehub.publish.page_edits import (
    create_page,
    diff_lines,
    save_page,
    set_status,
    stored_source,
)
from evidencehub.publish.page_status import WORKFLOW, is_public, next_statuses
from evidencehub.publish.preview import preview_page
from evidencehub.store.repo import page_versions as versions_repo
from evidencehub.store.session import transaction
from evidencehub.vocab import AccountRole
from evidencehub.web.appraisal import in_store
from evidencehub.web.editor_forms import (
    EDITABLE_KINDS,
    FormValues,
    form_values,
    source_from_form,
)
from evidencehub.web.errors import error_response
from evidencehub.web.guard import actor_of
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

if TYPE_CHECKING:
    from evidencehub.publish.footnote_refresh import FootnoteRefresh

__all__ = ["ROUTES"]

_EDITOR = AccountRole.EDITOR


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _base_version(form: Mapping[str, str]) -> int:
    try:
        return int(form.get("base_version", ""))
    except ValueError:
        raise InputError("the form has no valid base_version; reload the page") from None


# --------------------------------------------------------------------------- pages


def editor_home(request: Request) -> Response:
    """Every stored page with its status and version."""
    pages = in_store(request, versions_repo.page_summaries)
    return page(request, "editor_list.html", "Editor", pages=pages, workflow=WORKFLOW)


def new_form(request: Request) -> Response:
    """The form of a new page."""
    return _editor_form(request, None, form_values(None))


def _editor_form(request: Request, slug: str | None, values: FormValues, *,
                 status: int = 200, error: str | None = None, notice: str | None = None,
                 conflict: list[Any] | None = None) -> Response:
    """The editor's form for page ``slug`` (None: a new page) filled with ``values``."""
    info: dict[str, Any] = {"version": 0, "versions": [], "moves": [], "current": None,
                            "public": False}
    if slug is not None:
        def load(session: Session) -> dict[str, Any]:
            source = stored_source(session, slug)
            newest = versions_repo.current_version(session, slug)
            return {"version": newest,
                    "versions": [versions_repo.get_version(session, slug, newest)] if newest else [],
                    "moves": [s.value for s in next_statuses(source.page.status)],
                    "current": source.page.status.value,
                    "public": is_public(source.page.status)}
        info = in_store(request, load)
    base = values.get("base_version") or str(info["version"])
    title = f"Edit: {values.get('title') or slug}" if slug else "New page"
    return page(request, "editor_page.html", title, status=status, slug=slug, values=values,
                base_version=base, kinds=[k.value for k in EDITABLE_KINDS], error=error,
                notice=notice, conflict=conflict or [], **info)


def edit_form(request: Request) -> Response:
    """The form of a stored page, at its newest version."""
    slug = request.path_params["slug"]
    try:
        source = in_store(request, lambda s: stored_source(s, slug))
    except NotFoundError:
        return error_response(request, 404, "Not found")
    saved = request.query_params.get("saved", "")
    notice = f"Saved as version {int(saved)}." if is_count(saved, max_digits=9) else None
    return _editor_form(request, slug, form_values(source), notice=notice)


async def create(request: Request) -> Response:
    """Save a new page; back to the form with the problem if it is refused."""
    form = await _form(request)
    actor = actor_of(request)

    def work() -> str:
        source = source_from_form(form)
        with transaction(hub_of(request).engine) as session:
            return create_page(session, source, actor=actor, note=form.get("note") or None).slug

    try:
        slug = await run_in_threadpool(work)
    except InputError as err:
        return _editor_form(request, None, {**form_values(None), **form}, status=400,
                            error=str(err))
    hub_of(request).view.invalidate()
    return RedirectResponse(f"/editor/pages/{slug}?saved=1", status_code=303)


async def save(request: Request) -> Response:
    """Save an edit of a stored page, refused if it was based on an older version."""
    slug = request.path_params["slug"]
    form = await _form(request)
    actor = actor_of(request)

    def work() -> int:
        base = _base_version(form)
        with transaction(hub_of(request).engine) as session:
            stored = stored_source(session, slug)
            source = source_from_form(form, slug=slug, status=stored.page.status,
                                      previous=stored.page)
            return save_page(session, source, actor=actor, base_version=base,
                             note=form.get("note") or None).version

    values = {**form_values(None), **form}
    try:
        version = await run_in_threadpool(work)
    except NotFoundError:
        return error_response(request, 404, "Not found")
    except EditConflict as err:
        conflict = await run_in_threadpool(_conflict_diff, request, slug, form)
        values["base_version"] = form.get("base_version", "0")
        return _editor_form(request, slug, values, status=409, error=str(err),
                            conflict=conflict)
    except InputError as err:
        return _editor_form(request, slug, values, status=400, error=str(err))
    hub_of(request).view.invalidate()
    return RedirectResponse(f"/editor/pages/{slug}?saved={version}", status_code=303)


def _conflict_diff(request: Request, slug: str, form: Mapping[str, str]) -> list[Any]:
    """How the newest stored version differs from the refused edit (to merge by hand)."""
    def work(session: Session) -> list[Any]:
        stored = stored_source(session, slug)
        try:
            mine = source_from_form(form, slug=slug, status=stored.page.status,
                                    previous=stored.page)
        except InputError:
            return []
        return diff_lines(stored, mine)
    return in_store(request, work)


async def change_status(request: Request) -> Response:
    """Move a page along the workflow (one step on, or back to draft)."""
    slug = request.path_params["slug"]
    form = await _form(request)
    actor = actor_of(request)

    def work() -> int:
        try:
            wanted = PageStatus(form.get("status", ""))
        except ValueError:
            raise InputError(f"unknown status {form.get('status', '')!r}") from None
        base = _base_version(form)
        with transaction(hub_of(request).engine) as session:
            return set_status(session, slug, wanted, actor=actor, base_version=base).version

    try:
        version = await run_in_threadpool(work)
    except NotFoundError:
        return error_response(request, 404, "Not found")
    except (EditConflict, InputError) as err:
        source = await run_in_threadpool(
            lambda: in_store(request, lambda s: stored_source(s, slug)))
        code = 409 if isinstance(err, EditConflict) else 400
        return _editor_form(request, slug, form_values(source), status=code, error=str(err))
    hub_of(request).view.invalidate()
    return RedirectResponse(f"/editor/pages/{slug}?saved={version}", status_code=303)


def history(request: Request) -> Response:
    """Every version of a page, newest first, each with its diff from the one before."""
    slug = request.path_params["slug"]

    def work(session: Session) -> tuple[PageSource, list[dict[str, Any]]]:
        source = stored_source(session, slug)
        versions = versions_repo.list_versions(session, slug)
        items = []
        for i, version in enumerate(versions):
            older = versions[i + 1].source if i + 1 < len(versions) else None
            items.append({"version": version, "diff": diff_lines(older, version.source)})
        return source, items

    try:
        source, items = in_store(request, work)
    except NotFoundError:
        return error_response(request, 404, "Not found")
    return page(request, "editor_history.html", f"History: {source.page.title}", slug=slug,
                page_title=source.page.title, items=items,
                as_of=source.page.as_of.isoformat() if source.page.as_of else None)


async def footnotes(request: Request) -> Response:
    """Fill the cited records' missing footnote fields (or refresh all) from online sources."""
    slug = request.path_params["slug"]
    form = await _form(request)
    actor = actor_of(request)
    client = getattr(request.app.state, "online_client", None)

    from evidencehub.publish.footnote_refresh import refresh_footnotes  # httpx: on use only

    def work() -> FootnoteRefresh:
        return refresh_footnotes(hub_of(request).engine, slug, actor=actor,
                                 only_missing=form.get("mode") != "all", client=client)

    try:
        report = await run_in_threadpool(work)
    except NotFoundError:
        return error_response(request, 404, "Not found")
    hub_of(request).view.invalidate()
    source = await run_in_threadpool(lambda: in_store(request, lambda s: stored_source(s, slug)))
    if report.asked:
        notice = (f"Asked OpenAlex/Crossref for {len(report.asked)} DOI(s); "
                  f"{len(report.updated)} record(s) updated.")
    else:
        notice = "Every cited record with a DOI already has its footnote fields."
    if report.still_missing:
        notice += f" Still incomplete: {', '.join(report.still_missing)}."
    if report.without_doi:
        notice += f" No DOI: {', '.join(report.without_doi)}."
    return _editor_form(request, slug, form_values(source), notice=notice,
                        error="; ".join(report.problems) or None)


# --------------------------------------------------------------------------- JSON helpers


async def preview(request: Request) -> Response:
    """The live preview of the form as JSON ``{"html", "problems"}``."""
    form = await _form(request)
    view = hub_of(request).view

    def work() -> dict[str, Any]:
        fields = dict(form)
        if not fields.get("slug"):
            fields["slug"] = "new-page"
        try:
            status = PageStatus(fields.get("status", ""))
        except ValueError:
            status = PageStatus.DRAFT
        try:
            with transaction(hub_of(request).engine) as session:
                previous: Page | None = stored_source(session, fields["slug"]).page
        except NotFoundError:
            previous = None
        try:
            source = source_from_form(fields, slug=fields["slug"], status=status,
                                      previous=previous)
        except InputError as err:
            return {"html": "", "problems": [str(err)]}
        published = view.published()
        return preview_page(published.snap, source, plots=published.plots).to_dict()

    try:
        answer = await run_in_threadpool(work)
    except StoreError:
        return error_response(request, 503, "The hub is unavailable", as_json=True)
    return JSONResponse(answer)


#: The longest query the citation route reads (the rest is ignored) and its largest ``limit``.
CITE_QUERY_CHARS = 200
CITE_LIMIT_MAX = 50


def cite(request: Request) -> Response:
    """Studies matching ``q`` (title, author, year, DOI, PMID, key), at most ``limit`` (1 to
    :data:`CITE_LIMIT_MAX`, default 10), as a JSON list; the autocomplete's source."""
    query = request.query_params.get("q", "")[:CITE_QUERY_CHARS]
    wanted = request.query_params.get("limit", "10")
    if not is_count(wanted, max_digits=9) or not 1 <= int(wanted) <= CITE_LIMIT_MAX:
        return error_response(request, 400, f"limit must be a whole number from 1 to "
                              f"{CITE_LIMIT_MAX}, got {wanted[:20]!r}", as_json=True)
    try:
        snap = hub_of(request).view.published().snap
    except StoreError:
        return error_response(request, 503, "The hub is unavailable", as_json=True)
    return JSONResponse([m.to_dict() for m in find_citations(snap, query, limit=int(wanted))])


ROUTES = (
    WebRoute("/editor", editor_home, role=_EDITOR),
    WebRoute("/editor/new", new_form, role=_EDITOR),
    WebRoute("/editor/new", create, ("POST",), role=_EDITOR),
    WebRoute("/editor/preview", preview, ("POST",), role=_EDITOR),
    WebRoute("/editor/cite", cite, role=_EDITOR),
    WebRoute("/editor/pages/{slug}", edit_form, role=_EDITOR),
    WebRoute("/editor/pages/{slug}", save, ("POST",), role=_EDITOR),
    WebRoute("/editor/pages/{slug}/status", change_status, ("POST",), role=_EDITOR),
    WebRoute("/editor/pages/{slug}/history", history, role=_EDITOR),
    WebRoute("/editor/pages/{slug}/footnotes", footnotes, ("POST",), role=_EDITOR),
)
