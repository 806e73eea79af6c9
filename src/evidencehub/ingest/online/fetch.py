"""One call from a source name and a query (or ids) to an import: what ``evidencehub fetch`` runs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
from sqlalchemy import Engine

from evidencehub.errors import InputError
from evidencehub.ingest.importer import IMPORTER, ImportReport, import_bodies
from evidencehub.ingest.online.crossref import CrossrefClient
from evidencehub.ingest.online.ctgov import ClinicalTrialsClient
from evidencehub.ingest.online.openalex import OpenAlexClient
from evidencehub.ingest.online.pubmed import PubMedClient
from evidencehub.model import Actor

__all__ = ["SOURCES", "fetch_into"]

#: ``evidencehub fetch`` source names.
SOURCES = ("pubmed", "crossref", "openalex", "ctgov")


def _bodies(
    source: str,
    client: httpx.Client | None,
    query: str | None,
    ids: Sequence[str],
    max_records: int | None,
    email: str | None,
    api_key: str | None,
) -> tuple[Iterator[bytes], str]:
    if source == "pubmed":
        pubmed = PubMedClient(client, api_key=api_key, email=email)
        if ids:
            return pubmed.fetch_pmids(ids), pubmed.reader_name
        return pubmed.search_and_fetch(query or "", max_records=max_records), pubmed.reader_name
    if source == "crossref":
        crossref = CrossrefClient(client, mailto=email)
        if ids:
            return (crossref.work(doi) for doi in ids), crossref.reader_name
        return crossref.works(query=query, max_records=max_records), crossref.reader_name
    if source == "openalex":
        openalex = OpenAlexClient(client, mailto=email)
        if ids:
            return openalex.works_by_doi(ids), openalex.reader_name
        return openalex.works(search=query, max_records=max_records), openalex.reader_name
    if source == "ctgov":
        ctgov = ClinicalTrialsClient(client)
        if ids:
            return (ctgov.study(nct) for nct in ids), ctgov.reader_name
        return ctgov.studies(term=query, max_records=max_records), ctgov.reader_name
    raise InputError(f"unknown online source {source!r}; known sources: {', '.join(SOURCES)}")


def fetch_into(
    engine: Engine,
    source: str,
    *,
    query: str | None = None,
    ids: Sequence[str] = (),
    max_records: int | None = None,
    email: str | None = None,
    api_key: str | None = None,
    skip_bad: bool = False,
    client: httpx.Client | None = None,
    actor: Actor = IMPORTER,
) -> ImportReport:
    """Search ``source`` for ``query`` (or fetch ``ids``: PMIDs, DOIs or NCT ids) and import it.

    One transaction, as for files (:func:`~evidencehub.ingest.importer.import_bodies`), stored
    as one import event of kind ``query`` by ``actor``: its reader is ``source``, its query the
    search as given (for ``ids``, ``"ids: "`` and the ids). ``email`` is PubMed's ``email`` and
    Crossref's/OpenAlex's ``mailto``.
    """
    if bool(query) == bool(ids):
        raise InputError("give either a query or ids, not both and not neither")
    bodies, reader_name = _bodies(source, client, query, ids, max_records, email, api_key)
    label = f"{source} {query}" if query else f"{source} ids"
    return import_bodies(
        engine, bodies, reader_name, label=label, skip_bad=skip_bad, origin=source,
        query=query or "ids: " + ", ".join(ids), actor=actor,
    )  # fmt: skip
