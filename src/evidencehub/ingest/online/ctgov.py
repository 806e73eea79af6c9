"""ClinicalTrials.gov API v2: studies by NCT id, and searches paged with ``pageToken``.

From the ClinicalTrials.gov data API documentation (clinicaltrials.gov/data-api/api):
``/api/v2/studies/{nctId}`` answers one study; ``/api/v2/studies?query.term=…&pageSize=N``
answers ``{"studies": […], "nextPageToken": …}``, the last page having no token; ``pageSize``
is at most 1000. The service asks clients to stay near 50 requests per minute, so the client
waits 1.2 s between requests. Bodies are read by the ClinicalTrials.gov reader (``ctgov``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from evidencehub.errors import InputError
from evidencehub.ingest.online._http import DEFAULT_RETRY, PoliteClient, RetryPolicy, SourceError
from evidencehub.model import Registry, parse_registry_id

__all__ = ["CTGOV_API", "ClinicalTrialsClient"]

CTGOV_API = "https://clinicaltrials.gov/api/v2/"


class ClinicalTrialsClient:
    """Studies by NCT id and paged searches; ``client`` may be an injected :class:`httpx.Client`."""

    reader_name = "ctgov"

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        page_size: int = 100,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= page_size <= 1000:
            raise InputError(f"page_size must be between 1 and 1000, got {page_size}")
        self.page_size = page_size
        self.http = PoliteClient(
            "ClinicalTrials.gov", client, min_interval=1.2, retry=retry, sleep=sleep, clock=clock
        )

    def study(self, nct_id: str) -> bytes:
        """The body of ``/studies/{nctId}`` (one study)."""
        try:
            registry, canonical = parse_registry_id(nct_id)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if registry is not Registry.NCT:
            raise InputError(f"ClinicalTrials.gov serves NCT ids only, got {canonical}")
        return self.http.get(CTGOV_API + "studies/" + canonical, {"format": "json"}).content

    def studies(
        self,
        *,
        term: str | None = None,
        condition: str | None = None,
        intervention: str | None = None,
        max_records: int | None = None,
    ) -> Iterator[bytes]:
        """Yield search pages (``pageToken`` paging) until the last page or ``max_records``."""
        if not (term or condition or intervention):
            raise InputError("give a search term, a condition or an intervention")
        token: str | None = None
        seen = 0
        while max_records is None or seen < max_records:
            size = self.page_size if max_records is None else min(self.page_size, max_records - seen)
            params: dict[str, Any] = {"format": "json", "pageSize": size}
            for key, value in (("query.term", term), ("query.cond", condition), ("query.intr", intervention)):
                if value:
                    params[key] = value
            if token:
                params["pageToken"] = token
            else:
                params["countTotal"] = "true"
            body = self.http.get(CTGOV_API + "studies", params).content
            try:
                data = json.loads(body)
                studies, token = data["studies"], data.get("nextPageToken")
            except (ValueError, KeyError, TypeError) as exc:
                raise SourceError(f"ClinicalTrials.gov: unexpected answer to a search ({exc!r})") from None
            if not studies:
                return
            yield body
            seen += len(studies)
            if not token:
                return

    def close(self) -> None:
        self.http.close()
