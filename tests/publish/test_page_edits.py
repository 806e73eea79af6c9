"""Saving pages with versions, conflicts and the workflow (evidencehub.publish.page_edits),
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from evidencehub.data.pages import PageSource
from evidencehub.errors import EditConflict, InputError
from evidencehub.model import Actor, ActorKind, Page, PageKind, PageStatus
from evidencehub.publish.page_edits import (
    DiffLine,
    create_page,
    diff_lines,
    save_page,
    set_status,
    stored_source,
)
from evidencehub.store.repo import page_versions as versions_repo
from evidencehub.store.repo._common import UpsertOutcome

ANA = Actor(name="ana", kind=ActorKind.PERSON)
BEN = Actor(name="ben", kind=ActorKind.PERSON)
PAGE = Page(slug="encapsulation", kind=PageKind.ARTICLE, title="Encapsulation",
            status=PageStatus.STUB, body="Devices may shield islets. {unsourced}")


def _source(**changes: object) -> PageSource:
    return PageSource(page=PAGE.model_copy(update=changes), label_source="Test corpus")


def test_a_save_appends_a_version_only_when_something_changed(session: Session) -> None:
    created = save_page(session, _source(), actor=ANA)
    assert (created.outcome, created.version) == (UpsertOutcome.CREATED, 1)
    same = save_page(session, _source(), actor=BEN, base_version=1)
    assert (same.outcome, same.version) == (UpsertOutcome.UNCHANGED, 1)
    edited = save_page(session, _source(title="Encapsulated islets"), actor=BEN,
                       base_version=1, note="clearer title")
    assert (edited.outcome, edited.version) == (UpsertOutcome.UPDATED, 2)
    versions = versions_repo.list_versions(session, PAGE.slug)
    assert [(v.version, v.actor, v.note) for v in versions] == [
        (2, "ben", "clearer title"), (1, "ana", None)]
    assert versions[1].source == _source()
    assert stored_source(session, PAGE.slug).page.title == "Encapsulated islets"
    assert stored_source(session, PAGE.slug).label_source == "Test corpus"


def test_an_edit_from_an_older_version_is_refused(session: Session) -> None:
    save_page(session, _source(), actor=ANA)
    save_page(session, _source(title="Ana's title"), actor=ANA, base_version=1)
    with pytest.raises(EditConflict) as raised:
        save_page(session, _source(title="Ben's title"), actor=BEN, base_version=1)
    assert str(raised.value) == (
        "page 'encapsulation' was changed by someone else (version 2) after you started from "
        "version 1; nothing was saved: reload the page, then make your change again")
    assert stored_source(session, PAGE.slug).page.title == "Ana's title"


def test_create_refuses_an_existing_slug(session: Session) -> None:
    create_page(session, _source(), actor=ANA)
    with pytest.raises(InputError, match="a page 'encapsulation' exists already"):
        create_page(session, _source(), actor=BEN)


def test_the_workflow_moves_one_step_and_dates_a_published_page(session: Session) -> None:
    save_page(session, _source(), actor=ANA)
    with pytest.raises(InputError, match="is stub; it can move to draft, not to verified"):
        set_status(session, PAGE.slug, PageStatus.VERIFIED, actor=ANA)
    for number, status in enumerate((PageStatus.DRAFT, PageStatus.VERIFIED,
                                     PageStatus.PUBLISHED), start=2):
        assert set_status(session, PAGE.slug, status, actor=ANA,
                          base_version=number - 1).version == number
    page = stored_source(session, PAGE.slug).page
    assert page.status is PageStatus.PUBLISHED and page.as_of is not None
    assert versions_repo.list_versions(session, PAGE.slug)[0].note == (
        "status: verified → published")
    summary = versions_repo.page_summaries(session)
    assert [(s.slug, s.status, s.version, s.changed_by) for s in summary] == [
        (PAGE.slug, "published", 4, "ana")]


def test_diff_lines_mark_added_and_removed_lines() -> None:
    diff = diff_lines(_source(), _source(title="New"))
    assert DiffLine("remove", 'title = "Encapsulation"') in diff
    assert DiffLine("add", 'title = "New"') in diff
    assert diff[0].kind == "hunk"
    assert all(line.kind == "add" for line in diff_lines(None, _source())[1:])
