"""PubMed through NCBI's E-utilities: ESearch on the history server, then EFetch in batches.

Following NCBI's "A General Introduction to the E-utilities" and "The E-utilities In-Depth"
(Sayers, NCBI Bookshelf NBK25497/NBK25499):

* ``esearch.fcgi`` with ``usehistory=y`` and ``retmax=0`` stores the result set on the history
  server and answers with its size (``Count``), ``WebEnv`` and ``QueryKey``;
* ``efetch.fcgi`` with that ``WebEnv``/``query_key``, ``retstart`` and ``retmax`` returns the
  records as PubMed XML, :attr:`PubMedClient.batch_size` at a time (NCBI asks for at most
  10,000 per request; 200–500 keeps each response small);
* known PMIDs are fetched with ``id=`` in batches of the same size;
* every request carries ``tool`` and ``email`` (NCBI's registration of the software) and the
  ``api_key`` when one is given; without a key NCBI allows 3 requests per second, with one 10,
  which is the client's rate limit.

Each response body is PubMed XML, read by the same
:class:`~evidencehub.ingest.pubmed_xml.PubmedXmlReader` as files are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree

from evidencehub.errors import InputError
from evidencehub.ingest.identifiers import normalize_pmid
from evidencehub.ingest.online._http import DEFAULT_RETRY, PoliteClient, RetryPolicy, SourceError

__all__ = ["EUTILS", "PUBMED_SEARCH_LIMIT", "PubMedClient", "PubMedSearch"]

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: E-utilities return at most the first 10,000 records of a PubMed search, history server
#: included ("The E-utilities In-Depth", ESearch, note on PubMed).
PUBMED_SEARCH_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class PubMedSearch:
    """A result set stored on NCBI's history server."""

    term: str
    count: int
    webenv: str
    query_key: str


class PubMedClient:
    """ESearch/EFetch client; ``client`` is an :class:`httpx.Client` (tests inject a mock)."""

    reader_name = "pubmed-xml"

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        api_key: str | None = None,
        email: str | None = None,
        tool: str = "evidencehub",
        batch_size: int = 200,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= batch_size <= 10_000:
            raise InputError(f"batch_size must be between 1 and 10000, got {batch_size}")
        self.api_key = api_key
        self.email = email
        self.tool = tool
        self.batch_size = batch_size
        rate = 10.0 if api_key else 3.0
        self.http = PoliteClient(
            "PubMed E-utilities", client, min_interval=1.0 / rate, retry=retry, sleep=sleep, clock=clock
        )

    def _params(self, **extra: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"db": "pubmed", "tool": self.tool}
        if self.email:
            params["email"] = self.email
        if self.api_key:
            params["api_key"] = self.api_key
        params.update(extra)
        return params

    def search(self, term: str) -> PubMedSearch:
        """Run ``term`` on ESearch and keep the result set on the history server."""
        if not term.strip():
            raise InputError("an empty PubMed query")
        response = self.http.get(EUTILS + "esearch.fcgi", self._params(term=term, usehistory="y", retmax=0))
        try:
            root = etree.fromstring(response.content)
        except etree.XMLSyntaxError as exc:
            raise SourceError(f"PubMed E-utilities: ESearch answered with unreadable XML ({exc})") from None
        error = root.findtext("ERROR")
        if error:
            raise SourceError(f"PubMed E-utilities: ESearch refused {term!r}: {error}")
        count, webenv, query_key = root.findtext("Count"), root.findtext("WebEnv"), root.findtext("QueryKey")
        if count is None or not webenv or not query_key:
            raise SourceError("PubMed E-utilities: ESearch answer has no Count/WebEnv/QueryKey")
        return PubMedSearch(term, int(count), webenv, query_key)

    def fetch(self, search: PubMedSearch, *, max_records: int | None = None) -> Iterator[bytes]:
        """Yield PubMed XML bodies for the result set, ``batch_size`` records per request.

        A search with more than :data:`PUBMED_SEARCH_LIMIT` results is refused unless
        ``max_records`` stays within the limit: NCBI would serve only part of it.
        """
        total = search.count if max_records is None else min(search.count, max_records)
        if total > PUBMED_SEARCH_LIMIT:
            raise InputError(
                f"PubMed found {search.count} records for {search.term!r}, but E-utilities serve "
                f"only the first {PUBMED_SEARCH_LIMIT}; narrow the query (e.g. by publication "
                f"date) or ask for at most {PUBMED_SEARCH_LIMIT} records"
            )
        for start in range(0, total, self.batch_size):
            size = min(self.batch_size, total - start)
            params = self._params(
                WebEnv=search.webenv, query_key=search.query_key, retstart=start, retmax=size, retmode="xml"
            )
            yield self.http.get(EUTILS + "efetch.fcgi", params).content

    def fetch_pmids(self, pmids: Iterable[str]) -> Iterator[bytes]:
        """Yield PubMed XML bodies for known PMIDs, ``batch_size`` per request."""
        ids = list(dict.fromkeys(normalize_pmid(p) for p in pmids))
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            yield self.http.get(EUTILS + "efetch.fcgi", self._params(id=",".join(batch), retmode="xml")).content

    def search_and_fetch(self, term: str, *, max_records: int | None = None) -> Iterator[bytes]:
        """:meth:`search`, then :meth:`fetch` everything it found (or the first ``max_records``)."""
        yield from self.fetch(self.search(term), max_records=max_records)

    def close(self) -> None:
        self.http.close()
