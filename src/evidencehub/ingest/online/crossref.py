"""Crossref's REST API: works by DOI, and searches paged with a deep-paging cursor.

From Crossref's REST API documentation (api.crossref.org, "Deep paging with cursors" and
"Etiquette"): ``/works/{doi}`` answers one work; ``/works?query=…&filter=…&rows=N&cursor=*``
answers a page and a ``next-cursor`` to pass on, until a page comes back empty. A ``mailto``
parameter places the requests in the "polite" pool; the client keeps to 10 requests per second
there and 5 without (Crossref's published limits for the two pools). Bodies are read by
:class:`~evidencehub.ingest.crossref.CrossrefReader`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from urllib.parse import quote

import httpx

from evidencehub.errors import InputError
from evidencehub.ingest.identifiers import extract_doi
from evidencehub.ingest.online._http import (
    DEFAULT_RETRY,
    PoliteClient,
    RetryPolicy,
    SourceError,
    filter_param,
    polite_params,
)

__all__ = ["CROSSREF_API", "CrossrefClient"]

CROSSREF_API = "https://api.crossref.org/"


class CrossrefClient:
    """Works by DOI and cursor-paged searches; ``client`` may be an injected :class:`httpx.Client`."""

    reader_name = "crossref"

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        mailto: str | None = None,
        rows: int = 100,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= rows <= 1000:
            raise InputError(f"rows must be between 1 and 1000 (Crossref's maximum), got {rows}")
        self.mailto = mailto
        self.rows = rows
        rate = 10.0 if mailto else 5.0
        self.http = PoliteClient("Crossref", client, min_interval=1.0 / rate, retry=retry, sleep=sleep, clock=clock)

    def work(self, doi: str) -> bytes:
        """The body of ``/works/{doi}`` (a ``work`` message)."""
        canonical = extract_doi(doi)
        if canonical is None:
            raise InputError(f"not a DOI: {doi!r}")
        url = CROSSREF_API + "works/" + quote(canonical, safe="/()")
        return self.http.get(url, polite_params(self.mailto)).content

    def works(
        self,
        *,
        query: str | None = None,
        filter: Mapping[str, str] | str | None = None,
        max_records: int | None = None,
    ) -> Iterator[bytes]:
        """Yield ``work-list`` bodies page by page (cursor paging) until done or ``max_records``."""
        cursor, seen = "*", 0
        while max_records is None or seen < max_records:
            rows = self.rows if max_records is None else min(self.rows, max_records - seen)
            params = polite_params(
                self.mailto, query=query, filter=filter_param(filter), rows=rows, cursor=cursor
            )
            body = self.http.get(CROSSREF_API + "works", params).content
            try:
                message = json.loads(body)["message"]
                items, next_cursor = message["items"], message.get("next-cursor")
            except (ValueError, KeyError, TypeError) as exc:
                raise SourceError(f"Crossref: unexpected answer to a works query ({exc!r})") from None
            if not items:
                return
            yield body
            seen += len(items)
            total = message.get("total-results")
            if not next_cursor or (isinstance(total, int) and seen >= total):
                return
            cursor = next_cursor

    def close(self) -> None:
        self.http.close()
