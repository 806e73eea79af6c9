"""Ingest: read literature and trial records from files and online sources into domain objects.

One module per format (``pubmed_xml``, ``medline``, ``ris``, ``bibtex``, ``csv_records``, ``crossref``,
``openalex``, ``ctgov``), each a streaming reader that yields :class:`~evidencehub.ingest.base.Parsed`
items or :class:`~evidencehub.ingest.base.Rejected` ones; ``dedup`` matches records across
sources; ``online/`` holds the HTTP clients that feed the same readers.
"""
