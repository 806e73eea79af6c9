"""Records: upsert, identity, merging, history, provenance and lookups (store.repo.records)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import AbstractSection, Author, OpenAccess, Record, RecordLink
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo.records import (
    UpsertOutcome,
    count_records,
    find_record_ids,
    get_record,
    list_records,
    record_history,
    record_provenance,
    records_by_year,
    upsert_record,
)
from evidencehub.store.repo.trials import trial_ids_for_record

FULL = Record(
    doi="https://doi.org/10.1016/J.STEM.2022.01.001",
    pmid="35123456",
    pmcid="pmc9000001",
    pii="S1934-5909(22)00001-1",
    title="Stem-cell-derived islets restore insulin secretion in a patient with type 1 diabetes",
    abstract="Autologous chemically induced pluripotent stem-cell-derived islets were implanted.",
    abstract_sections=(AbstractSection(label="RESULTS", text="Insulin independence at 1 year."),),
    authors=(
        Author(
            family="Wang", given="Shusen", orcid="0000-0001-2345-6789", affiliations=("Tianjin",)
        ),
        Author(collective="The CiPSC Islet Group"),
    ),
    journal="Cell",
    journal_abbrev="Cell",
    issn="0092-8674",
    publisher="Elsevier",
    record_type="journal-article",
    year=2024,
    published=dt.date(2024, 9, 25),
    volume="187",
    issue="22",
    pages="6152-6164.e18",
    url="https://www.cell.com/cell/fulltext/S0092-8674(24)01023-8",
    publication_types=("Journal Article", "Case Reports"),
    grants=("2022YFA1104800",),
    links=(RecordLink(kind="comment-on", target="pmid:123"),),
    keywords=("type 1 diabetes", "islet transplantation"),
    mesh_terms=("Diabetes Mellitus, Type 1/therapy",),
    language="eng",
    open_access=OpenAccess.HYBRID,
    citation_count=120,
    citation_percentile=99.5,
    registry_ids=("ChiCTR2300072200",),
    retracted=False,
)


def _stored_rows(session: Session) -> list[tuple[object, ...]]:
    """Every row of the record tables, as plain tuples (to compare whole store states)."""
    rows: list[tuple[object, ...]] = []
    for table in (t.Record, t.RecordVersion, t.RecordFieldSource, t.RecordTrialLink):
        for row in session.scalars(select(table)):
            rows.append(tuple(getattr(row, c.key) for c in table.__mapper__.column_attrs))
    return sorted(rows, key=repr)


def test_every_field_round_trips(session: Session) -> None:
    assert upsert_record(session, FULL, source="pubmed.xml") is UpsertOutcome.CREATED
    assert get_record(session, "doi:10.1016/j.stem.2022.01.001") == FULL
    assert get_record(session, "pmid:35123456") == FULL
    assert get_record(session, "pmcid:PMC9000001") == FULL
    assert get_record(session, "doi:https://doi.org/10.1016/J.STEM.2022.01.001") == FULL


def test_same_record_twice_changes_nothing_not_even_timestamps(engine: Engine) -> None:
    with transaction(engine) as session:
        upsert_record(session, FULL, source="a.xml")
    with transaction(engine) as session:
        before = _stored_rows(session)
        assert upsert_record(session, FULL, source="b.xml") is UpsertOutcome.UNCHANGED
        assert upsert_record(session, FULL, source="a.xml") is UpsertOutcome.UNCHANGED
    with transaction(engine) as session:
        assert _stored_rows(session) == before
        assert len(record_history(session, FULL.key)) == 1


def test_update_keeps_the_previous_version_with_source_and_time(engine: Engine) -> None:
    first = Record(pmid="111", title="Encapsulated islets", year=2019)
    second = Record(
        pmid="111", title="Encapsulated islets in mice", year=2019, abstract="Mice were cured."
    )
    with transaction(engine) as session:
        upsert_record(session, first, source="2019.xml")
    with transaction(engine) as session:
        assert upsert_record(session, second, source="2020.xml") is UpsertOutcome.UPDATED
    with transaction(engine) as session:
        history = record_history(session, "pmid:111")
    assert [v.version for v in history] == [1, 2]
    old, current = history
    assert old.record == first and old.source == "2019.xml"
    assert old.superseded_by == "2020.xml" and old.superseded_at is not None
    assert old.recorded_at <= old.superseded_at
    assert old.superseded_at.tzinfo is dt.UTC
    assert current.record == second and current.source == "2020.xml"
    assert current.superseded_at is None and current.superseded_by is None
    assert current.recorded_at == old.superseded_at


def test_merge_keeps_fields_the_new_source_does_not_give(session: Session) -> None:
    upsert_record(session, FULL, source="pubmed.xml")
    sparse = Record(doi=FULL.doi, title=FULL.title, citation_count=130)
    assert upsert_record(session, sparse, source="openalex.json") is UpsertOutcome.UPDATED
    merged = get_record(session, FULL.key)
    assert merged == FULL.model_copy(update={"citation_count": 130})


def test_provenance_names_the_source_of_each_field(session: Session) -> None:
    upsert_record(session, Record(pmid="7", title="Islets", year=2020), source="pubmed.xml")
    upsert_record(
        session,
        Record(pmid="7", doi="10.1000/x", title="Islets", citation_count=5),
        source="openalex.json",
    )
    assert record_provenance(session, "pmid:7") == {
        "citation_count": "openalex.json",
        "doi": "openalex.json",
        "pmid": "pubmed.xml",
        "title": "pubmed.xml",
        "year": "pubmed.xml",
    }


def test_identity_prefers_doi_then_pmid_then_pmcid(session: Session) -> None:
    upsert_record(session, Record(pmcid="PMC5", title="By PMCID"), source="s")
    upsert_record(session, Record(pmid="5", pmcid="PMC5", title="By PMCID"), source="s")
    upsert_record(session, Record(doi="10.1000/five", pmid="5", title="By PMCID"), source="s")
    assert count_records(session) == 1
    record = get_record(session, "pmcid:PMC5")
    assert (record.doi, record.pmid, record.pmcid) == ("10.1000/five", "5", "PMC5")
    assert record.key == "doi:10.1000/five"
    assert find_record_ids(session, pmid="5") == ["doi:10.1000/five"]


def test_records_without_identifiers_are_matched_on_title(session: Session) -> None:
    assert (
        upsert_record(session, Record(title="A Conference Abstract"), source="s")
        is UpsertOutcome.CREATED
    )
    assert upsert_record(session, Record(title="A conference abstract", year=2001), source="s") is (
        UpsertOutcome.UPDATED
    )
    assert get_record(session, "title:a-conference-abstract").year == 2001


def test_conflicting_identifier_is_refused_with_both_values(session: Session) -> None:
    upsert_record(session, Record(pmid="9", doi="10.1000/nine", title="Nine"), source="s")
    with pytest.raises(
        StoreError, match=r"'doi:10.1000/nine' has DOI 10.1000/nine, but .* says 10.1000/other"
    ):
        upsert_record(session, Record(pmid="9", doi="10.1000/other", title="Nine"), source="t")


def test_two_stored_works_are_not_silently_merged(session: Session) -> None:
    upsert_record(session, Record(doi="10.1000/a", title="A"), source="s")
    upsert_record(session, Record(pmid="10", title="A again"), source="s")
    with pytest.raises(StoreError, match="PMID 10, which already belongs to record 'pmid:10'"):
        upsert_record(session, Record(doi="10.1000/a", pmid="10", title="A"), source="t")


def test_find_record_ids_reports_every_matching_work(session: Session) -> None:
    upsert_record(session, Record(doi="10.1000/a", title="A"), source="s")
    upsert_record(session, Record(pmid="10", title="B"), source="s")
    assert find_record_ids(session, doi="DOI:10.1000/A", pmid="10") == ["doi:10.1000/a", "pmid:10"]
    assert find_record_ids(session, pmcid="PMC1") == []
    assert find_record_ids(session) == []


def test_records_by_year(session: Session) -> None:
    for year, pmid in ((2019, "1"), (2020, "2"), (2021, "3"), (2020, "4")):
        upsert_record(session, Record(pmid=pmid, title=f"Paper {pmid}", year=year), source="s")
    upsert_record(session, Record(pmid="5", title="Undated"), source="s")
    assert [r.pmid for r in records_by_year(session, [2020, 2021])] == ["2", "4", "3"]
    assert records_by_year(session, []) == []


def test_list_and_count_in_storage_order(session: Session) -> None:
    keys = [f"pmid:{i}" for i in (30, 10, 20)]
    for key in keys:
        upsert_record(session, Record(pmid=key.removeprefix("pmid:"), title=key), source="s")
    assert [r.key for r in list_records(session)] == keys
    assert [r.key for r in list_records(session, limit=2)] == keys[:2]
    assert [r.key for r in list_records(session, limit=2, offset=2)] == keys[2:]
    assert list_records(session, limit=0) == []
    with pytest.raises(InputError, match="offset must be zero or more, got -1"):
        list_records(session, offset=-1)
    assert count_records(session) == 3


def test_registry_ids_in_a_record_become_trial_links(session: Session) -> None:
    upsert_record(session, FULL, source="s")
    upsert_record(session, FULL.model_copy(update={"registry_ids": ("NCT01234567",)}), source="t")
    assert trial_ids_for_record(session, FULL.key) == ["ChiCTR2300072200", "NCT01234567"]


@pytest.mark.parametrize(
    ("key", "error", "message"),
    [
        ("pmid:404", NotFoundError, "no record 'pmid:404' in the store"),
        ("404", InputError, "a record key looks like doi:…, pmid:…, pmcid:… or title:…; got '404'"),
        ("isbn:123", InputError, "got 'isbn:123'"),
        ("pmid:abc", InputError, "field 'pmid': a PMID is digits only, got 'abc'"),
    ],
)
def test_unknown_or_malformed_keys(
    session: Session, key: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        get_record(session, key)


def test_an_empty_source_name_is_refused(session: Session) -> None:
    with pytest.raises(InputError, match="non-empty source"):
        upsert_record(session, FULL, source=" ")
