"""OpenAlex's works API: by DOI or PMID in batches, or by filter/search with cursor paging.

From the OpenAlex API documentation (docs.openalex.org, "Paging", "Filter entity lists",
"Rate limits and authentication"): ``/works?filter=…&search=…&per-page=N&cursor=*`` answers
``{"meta": {…, "next_cursor": …}, "results": […]}``, the last page having no ``next_cursor``;
``per-page`` is at most 200; several values of one filter are OR-ed with ``|`` (at most 100 per
filter; batches here are 50); ``mailto`` joins the polite pool; the limit is 10 requests per
second. Bodies are read by :class:`~evidencehub.ingest.openalex.OpenAlexReader`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

import httpx

from evidencehub.errors import InputError
from evidencehub.ingest.identifiers import extract_doi, normalize_pmid
from evidencehub.ingest.online._http import (
    DEFAULT_RETRY,
    PoliteClient,
    RetryPolicy,
    SourceError,
    filter_param,
    polite_params,
)

__all__ = ["OPENALEX_API", "OpenAlexClient"]

OPENALEX_API = "https://api.openalex.org/"
_IDS_PER_REQUEST = 50


class OpenAlexClient:
    """Works by identifiers or by filter/search; ``client`` may be an injected :class:`httpx.Client`."""

    reader_name = "openalex"

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        mailto: str | None = None,
        per_page: int = 200,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= per_page <= 200:
            raise InputError(f"per_page must be between 1 and 200 (OpenAlex's maximum), got {per_page}")
        self.mailto = mailto
        self.per_page = per_page
        self.http = PoliteClient("OpenAlex", client, min_interval=0.1, retry=retry, sleep=sleep, clock=clock)

    def works(
        self,
        *,
        filter: Mapping[str, str] | str | None = None,
        search: str | None = None,
        max_records: int | None = None,
    ) -> Iterator[bytes]:
        """Yield result pages (cursor paging) until the last page or ``max_records``."""
        cursor, seen = "*", 0
        while max_records is None or seen < max_records:
            per_page = self.per_page if max_records is None else min(self.per_page, max_records - seen)
            params = polite_params(
                self.mailto, filter=filter_param(filter), search=search, cursor=cursor
            )
            params["per-page"] = per_page
            body = self.http.get(OPENALEX_API + "works", params).content
            try:
                data = json.loads(body)
                results, next_cursor = data["results"], data["meta"].get("next_cursor")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise SourceError(f"OpenAlex: unexpected answer to a works query ({exc!r})") from None
            if not results:
                return
            yield body
            seen += len(results)
            if not next_cursor:
                return
            cursor = next_cursor

    def works_by_doi(self, dois: Iterable[str]) -> Iterator[bytes]:
        """Yield pages for the given DOIs, :data:`_IDS_PER_REQUEST` per request."""
        canonical = []
        for doi in dois:
            found = extract_doi(doi)
            if found is None:
                raise InputError(f"not a DOI: {doi!r}")
            canonical.append(found)
        yield from self._by_ids("doi", list(dict.fromkeys(canonical)))

    def works_by_pmid(self, pmids: Iterable[str]) -> Iterator[bytes]:
        """Yield pages for the given PMIDs, :data:`_IDS_PER_REQUEST` per request."""
        yield from self._by_ids("pmid", list(dict.fromkeys(normalize_pmid(p) for p in pmids)))

    def _by_ids(self, kind: str, ids: list[str]) -> Iterator[bytes]:
        for start in range(0, len(ids), _IDS_PER_REQUEST):
            batch = ids[start : start + _IDS_PER_REQUEST]
            yield from self.works(filter={kind: "|".join(batch)}, max_records=len(batch))

    def close(self) -> None:
        self.http.close()
