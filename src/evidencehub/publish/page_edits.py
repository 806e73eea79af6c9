"""Saving pages: the one path by which a page's text reaches the store (``evidencehub pages
import``, the editor in the browser), its workflow status, and its version history.

:func:`save_page` stores a page as its author wrote it (a
:class:`~evidencehub.data.pages.PageSource`) together with everything generated from it, never
typed by hand: its claims (:func:`evidencehub.grade.claims.extract_claims`, which also checks
its evidence tags) and its evidence label (:func:`evidencehub.grade.labels.label_page`, from
the studies the claims cite and the analyses the page shows). A save that changes the page
appends a version (:mod:`evidencehub.store.repo.page_versions`) signed with its actor and time;
a save that changes nothing writes nothing. An edit names the version it was based on, and is
refused with :class:`~evidencehub.errors.EditConflict` when someone saved a newer one meanwhile
(optimistic concurrency: nothing is lost silently).

:func:`diff_lines` compares two versions as their source files (:mod:`difflib`).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from evidencehub.data.pages import PageSource, format_page
from evidencehub.errors import EditConflict, InputError, NotFoundError
from evidencehub.grade.claims import cited_keys, extract_claims
from evidencehub.grade.labels import label_page, pooled_keys
from evidencehub.model import Actor, Claim, EvidenceLabel, Page, PageStatus, Study
from evidencehub.publish.page_status import check_transition
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import page_versions as versions_repo
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo._common import UpsertOutcome, utc_now
from evidencehub.store.repo.actors import actor_id

__all__ = [
    "DEFAULT_LABEL_SOURCE",
    "DiffLine",
    "PageSave",
    "create_page",
    "derive_label",
    "diff_lines",
    "save_page",
    "set_status",
    "stored_source",
]

#: Provenance line of an evidence label when the page names none.
DEFAULT_LABEL_SOURCE: str = EvidenceLabel.model_fields["source"].default


@dataclass(frozen=True, slots=True)
class PageSave:
    """What a save did: the page, whether it was created, updated or unchanged, and its
    version number afterwards (0: saved before the history began and unchanged since)."""

    slug: str
    outcome: UpsertOutcome
    version: int

    def to_dict(self) -> dict[str, Any]:
        """``{"slug", "outcome", "version"}`` as ``pages import --json`` prints it."""
        return {"slug": self.slug, "outcome": self.outcome.value, "version": self.version}


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a unified diff: ``kind`` is ``"add"``, ``"remove"``, ``"context"`` or
    ``"hunk"`` (a ``@@`` header), ``text`` the line without its marker."""

    kind: str
    text: str


def stored_source(session: Session, slug: str) -> PageSource:
    """The stored page as its source file holds it (the label's provenance line as
    ``source``; the label itself is derived, so it is left out)."""
    page = pages_repo.get_page(session, slug)
    return PageSource(page=page.model_copy(update={"label": None}),
                      label_source=page.label.source if page.label else None)


def derive_label(session: Session, page: Page, claims: Sequence[Claim], *,
                 source: str) -> EvidenceLabel:
    """The evidence label of ``page`` (whose claims are ``claims``:
    :func:`~evidencehub.grade.claims.extract_claims`) from the store's studies and the newest
    runs of the analyses it shows (:func:`evidencehub.grade.labels.label_page`);
    :class:`InputError` if it cites a study the store does not hold."""
    pooled = pooled_keys(analyses_repo.latest_runs(session, page.analysis_slugs))
    studies: dict[str, Study] = {}
    for key in dict.fromkeys([*cited_keys(page.body), *(k for keys in pooled.values()
                                                         for k in keys)]):
        try:
            studies[key] = studies_repo.get_study(session, key)
        except NotFoundError:
            raise InputError(f"page {page.slug!r} cites study {key!r}, which is not in the "
                             "store; import the study first (or correct the key)") from None
    return label_page(page, claims, studies, pooled, source=source)


def _check_analyses(session: Session, page: Page) -> None:
    known = {a.slug for a in analyses_repo.list_analyses(session, page.analysis_slugs)}
    missing = [slug for slug in page.analysis_slugs if slug not in known]
    if missing:
        raise InputError(f"page {page.slug!r} shows analysis {missing[0]!r}, which is not in "
                         "the store; add the analysis first")


def save_page(session: Session, source: PageSource, *, actor: Actor,
              base_version: int | None = None, note: str | None = None) -> PageSave:
    """Store ``source`` with its claims and evidence label; append a version if it changed.

    ``base_version`` is the version the edit started from (None: no check, as for an import);
    if the stored page has a newer one, :class:`EditConflict` and nothing is written. The first
    change of a page stored before the history began also records the state it replaces (as
    written by the page's last writer), so every diff has both sides.
    """
    page = source.page
    slug = page.slug
    try:
        before: PageSource | None = stored_source(session, slug)
    except NotFoundError:
        before = None
    current = versions_repo.current_version(session, slug) if before is not None else 0
    if base_version is not None and base_version != current:
        if before is None:
            raise EditConflict(f"page {slug!r} no longer exists; nothing was saved")
        raise EditConflict(
            f"page {slug!r} was changed by someone else (version {current}) after you started "
            f"from version {base_version}; nothing was saved: reload the page, then make your "
            "change again"
        )
    _check_analyses(session, page)
    claims = extract_claims(page)
    label_source = source.label_source or (before.label_source if before else None) \
        or DEFAULT_LABEL_SOURCE
    label = derive_label(session, page, claims, source=label_source)
    writer = actor_id(session, actor)
    stamp = versions_repo.page_stamp(session, slug) if before is not None else (None, None)
    outcome = pages_repo.upsert_page(session, page.model_copy(update={"label": label}),
                                     actor_id=writer)
    claims_outcome = pages_repo.put_claims(session, slug, claims, actor_id=writer)
    if outcome is UpsertOutcome.UNCHANGED and claims_outcome is UpsertOutcome.UNCHANGED:
        return PageSave(slug, outcome, current)
    if outcome is UpsertOutcome.UNCHANGED:
        outcome = UpsertOutcome.UPDATED
    now = utc_now()
    if before is not None and current == 0:
        versions_repo.add_version(session, before, actor_id=stamp[0] or writer,
                                  recorded_at=stamp[1] or now,
                                  note="as stored before the history began")
    version = versions_repo.add_version(
        session, PageSource(page=page, label_source=label_source), actor_id=writer,
        recorded_at=now, note=note,
    )
    return PageSave(slug, outcome, version)


def create_page(session: Session, source: PageSource, *, actor: Actor,
                note: str | None = None) -> PageSave:
    """Save a new page; :class:`InputError` if a page with its slug exists already."""
    slug = source.page.slug
    try:
        pages_repo.get_page(session, slug)
    except NotFoundError:
        return save_page(session, source, actor=actor, base_version=0, note=note)
    raise InputError(f"a page {slug!r} exists already; edit it, or choose another slug")


def set_status(session: Session, slug: str, status: PageStatus, *, actor: Actor,
               base_version: int | None = None) -> PageSave:
    """Move page ``slug`` to ``status`` if the workflow allows it
    (:func:`~evidencehub.publish.page_status.check_transition`); publishing a page without an
    "as of" date dates it today."""
    source = stored_source(session, slug)
    check_transition(slug, source.page.status, status)
    update: dict[str, Any] = {"status": status}
    if status is PageStatus.PUBLISHED and source.page.as_of is None:
        update["as_of"] = utc_now().date()
    page = source.page.model_copy(update=update)
    return save_page(session, PageSource(page=page, label_source=source.label_source),
                     actor=actor, base_version=base_version,
                     note=f"status: {source.page.status.value} → {status.value}")


def diff_lines(older: PageSource | None, newer: PageSource) -> list[DiffLine]:
    """The unified diff of two versions' source files (``older`` None: all added)."""
    before = format_page(older).splitlines() if older is not None else []
    after = format_page(newer).splitlines()
    lines = []
    # The first two lines name the two files ("--- ", "+++ "); the rest are hunks.
    for line in list(difflib.unified_diff(before, after, lineterm="", n=2))[2:]:
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("remove", line[1:]))
        else:
            lines.append(DiffLine("context", line[1:]))
    return lines
