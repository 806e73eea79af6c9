"""Fill and refresh the bibliographic fields of a page's footnotes from OpenAlex and Crossref.

A footnote is generated from the records of the study it cites (authors, journal, year, DOI,
open-access status, citation count and percentile: :func:`evidencehub.publish.context.page_context`),
never typed. When a record lacks one of those fields, or when an editor asks for fresh
citation counts, :func:`refresh_footnotes` asks OpenAlex for the works by DOI through the
hub's own client and importer (:func:`evidencehub.ingest.online.fetch.fetch_into`: one import
event, merged into the stored records like any import), then Crossref for the DOIs still
lacking a field Crossref has. Records without a DOI are listed, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evidencehub.errors import EvidenceHubError, NotFoundError
from evidencehub.grade.claims import cited_keys
from evidencehub.ingest.online.fetch import fetch_into
from evidencehub.model import Actor, Record
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.session import transaction

__all__ = ["FOOTNOTE_FIELDS", "FootnoteRefresh", "cited_records", "missing_fields",
           "refresh_footnotes"]

#: Record fields a footnote shows that an online source can fill.
FOOTNOTE_FIELDS = ("authors", "journal", "year", "open_access", "citation_count",
                   "citation_percentile")
#: Those Crossref also gives (it has no open-access status or citation percentile).
_CROSSREF_FIELDS = ("authors", "journal", "year", "citation_count")


@dataclass(frozen=True, slots=True)
class FootnoteRefresh:
    """What a refresh did: the DOIs asked for, the records whose footnote fields changed, those
    still lacking a field, those without a DOI, and what went wrong with a source."""

    slug: str
    asked: tuple[str, ...]
    updated: tuple[str, ...]
    still_missing: tuple[str, ...]
    without_doi: tuple[str, ...]
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The refresh as plain lists."""
        return {"slug": self.slug, "asked": list(self.asked), "updated": list(self.updated),
                "still_missing": list(self.still_missing),
                "without_doi": list(self.without_doi), "problems": list(self.problems)}


def missing_fields(record: Record, fields: tuple[str, ...] = FOOTNOTE_FIELDS) -> list[str]:
    """The footnote fields (of ``fields``) ``record`` lacks."""
    return [name for name in fields if getattr(record, name) in (None, (), "")]


def cited_records(session: Session, slug: str) -> list[Record]:
    """The records of the studies page ``slug`` cites, in footnote order."""
    page = pages_repo.get_page(session, slug)
    records: dict[str, Record] = {}
    for key in cited_keys(page.body):
        try:
            study = studies_repo.get_study(session, key)
        except NotFoundError:
            continue
        for record_key in study.record_keys:
            if record_key not in records:
                records[record_key] = records_repo.get_record(session, record_key)
    return list(records.values())


def _footnote_view(record: Record) -> tuple[Any, ...]:
    return tuple(getattr(record, name) for name in FOOTNOTE_FIELDS)


def refresh_footnotes(engine: Engine, slug: str, *, actor: Actor, only_missing: bool = True,
                      client: httpx.Client | None = None,
                      email: str | None = None) -> FootnoteRefresh:
    """Ask OpenAlex (then Crossref) for the cited records that lack a footnote field (all
    cited records with a DOI when not ``only_missing``), and import the answers."""
    with transaction(engine) as session:
        before = cited_records(session, slug)
    wanted = [r for r in before if r.doi and (not only_missing or missing_fields(r))]
    dois = tuple(dict.fromkeys(r.doi for r in wanted if r.doi))
    problems = []
    if dois:
        for source, asked in (("openalex", dois), ("crossref", None)):
            if asked is None:
                with transaction(engine) as session:
                    now = {r.key: r for r in cited_records(session, slug)}
                asked = tuple(r.doi for r in wanted
                              if r.doi and missing_fields(now[r.key], _CROSSREF_FIELDS))
                if not asked:
                    break
            try:
                fetch_into(engine, source, ids=list(asked), client=client, email=email,
                           actor=actor)
            except EvidenceHubError as err:
                problems.append(f"{source}: {err}")
    with transaction(engine) as session:
        after = {r.key: r for r in cited_records(session, slug)}
    old = {r.key: r for r in before}
    return FootnoteRefresh(
        slug=slug,
        asked=dois,
        updated=tuple(k for k, r in after.items()
                      if k in old and _footnote_view(r) != _footnote_view(old[k])),
        still_missing=tuple(k for k, r in after.items() if missing_fields(r)),
        without_doi=tuple(k for k, r in after.items() if not r.doi),
        problems=tuple(problems),
    )
