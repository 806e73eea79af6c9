"""Online sources that feed the file readers: PubMed E-utilities, Crossref, OpenAlex, ClinicalTrials.gov.

Each client returns response *bodies* (bytes) that go through the same reader as a downloaded
file would (:attr:`reader_name`), so online and file imports share parsing, deduplication and
the one-transaction import (:func:`evidencehub.ingest.importer.import_bodies`).
"""

from evidencehub.ingest.online._http import PoliteClient, RetryPolicy, SourceError
from evidencehub.ingest.online.crossref import CrossrefClient
from evidencehub.ingest.online.ctgov import ClinicalTrialsClient
from evidencehub.ingest.online.openalex import OpenAlexClient
from evidencehub.ingest.online.pubmed import PubMedClient, PubMedSearch

__all__ = [
    "ClinicalTrialsClient",
    "CrossrefClient",
    "OpenAlexClient",
    "PoliteClient",
    "PubMedClient",
    "PubMedSearch",
    "RetryPolicy",
    "SourceError",
]
