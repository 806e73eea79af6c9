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
    find_record_keys,
    get_record,
    list_records,
    record_history,
    record_provenance,
    records_by_year,
    records_with_provenance,
    upsert_record,
    upsert_records,
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


# --------------------------------------------------------------------------- batches

#: A batch with new, unchanged and changed records, two versions of one work (by PMID, then
#: reached by DOI once the first gave it), and a title-only record updated twice.
BATCH = (
    Record(pmid="1", title="One", year=2020),
    Record(pmid="2", title="Two", year=2020),  # stored as is: unchanged
    Record(pmid="3", title="Three, corrected", year=2021),  # stored with another title
    Record(pmid="1", doi="10.1000/one", title="One", abstract="First abstract."),
    Record(doi="10.1000/ONE", title="One", abstract="Second abstract."),
    Record(title="A Letter"),
    Record(title="A letter", year=1999),
    Record(pmcid="PMC3", title="Three, corrected", year=2021),  # no shared id: another record
    Record(doi="10.1000/four", title="Four", year=2022),  # these two share no identifier but
    Record(pmid="4", title="Four", abstract="Abstract."),  # meet the same stored record
)


def _stored_before(session: Session) -> None:
    upsert_record(session, Record(pmid="2", title="Two", year=2020), source="old.xml")
    upsert_record(session, Record(pmid="3", title="Three", year=2021), source="old.xml")
    upsert_record(session, Record(pmid="4", doi="10.1000/four", title="Four"), source="old.xml")


def _state(session: Session) -> list[tuple[object, ...]]:
    """Every record with its history, provenance and trial links (row ids and times left out)."""
    return [
        (
            record,
            [
                (v.version, v.record, v.source, v.superseded_by)
                for v in record_history(session, record.key)
            ],
            record_provenance(session, record.key),
            trial_ids_for_record(session, record.key),
        )
        for record in list_records(session)
    ]


def test_a_batch_does_what_one_record_at_a_time_does(engine: Engine) -> None:
    """Outcomes, records, history and provenance equal those of upsert_record in a loop."""
    with transaction(engine) as session:
        _stored_before(session)
        one_by_one = [upsert_record(session, r, source="new.xml") for r in BATCH]
        expected = _state(session)
        session.rollback()
    assert one_by_one == [
        "created", "unchanged", "updated", "updated", "updated", "created", "updated", "created",
        "updated", "updated",
    ]  # fmt: skip
    with transaction(engine) as session:
        _stored_before(session)
        assert upsert_records(session, BATCH, source="new.xml") == one_by_one
        assert _state(session) == expected
        assert get_record(session, "pmid:1").abstract == "Second abstract."
        assert [v.version for v in record_history(session, "pmid:1")] == [1, 2, 3]
        four = get_record(session, "pmid:4")
        assert (four.year, four.abstract) == (2022, "Abstract.")


def test_a_batch_of_new_records_links_registry_ids(session: Session) -> None:
    batch = [
        Record(pmid=str(n), title=f"Trial report {n}", registry_ids=(f"NCT0000000{n}",))
        for n in range(1, 4)
    ]
    assert upsert_records(session, batch, source="s") == ["created"] * 3
    assert [trial_ids_for_record(session, f"pmid:{n}") for n in range(1, 4)] == [
        [f"NCT0000000{n}"] for n in range(1, 4)
    ]
    assert upsert_records(session, [], source="s") == []


def test_a_title_only_record_is_updated_in_place_when_named(engine: Engine) -> None:
    letter = Record(title="Islet transplantation in type 1 diabetes: a letter", year=2019)
    with transaction(engine) as session:
        upsert_record(session, letter, source="ris:refs.ris")
    found = letter.model_copy(update={"pmid": "31000001", "doi": "10.1000/letter"})
    with transaction(engine) as session:
        outcome = upsert_record(session, found, source="pubmed-xml:p.xml", into=letter.key)
        assert outcome is UpsertOutcome.UPDATED
        assert count_records(session) == 1
        (stored,) = list_records(session)
        assert (stored.key, stored.pmid) == ("doi:10.1000/letter", "31000001")
        history = record_history(session, "pmid:31000001")
        assert [(v.record.key, v.source) for v in history] == [
            (letter.key, "ris:refs.ris"),
            ("doi:10.1000/letter", "pubmed-xml:p.xml"),
        ]
        assert record_provenance(session, "doi:10.1000/letter")["pmid"] == "pubmed-xml:p.xml"
        assert upsert_record(session, found, source="pubmed-xml:p.xml") is UpsertOutcome.UNCHANGED


def test_into_a_missing_or_taken_target_is_refused(session: Session) -> None:
    with pytest.raises(NotFoundError, match="no record 'title:nothing' in the store to merge"):
        upsert_record(session, Record(pmid="1", title="Nothing"), source="s", into="title:nothing")
    upsert_record(session, Record(title="A letter"), source="s")
    upsert_record(session, Record(pmid="2", title="Another work"), source="s")
    with pytest.raises(
        StoreError, match="would get PMID 2, which already belongs to record 'pmid:2'"
    ):
        upsert_record(
            session, Record(pmid="2", title="A letter"), source="t", into="title:a-letter"
        )
    with pytest.raises(InputError, match="into= names 1 targets for 2 records"):
        upsert_records(session, [Record(title="x"), Record(title="y")], source="s", into=[None])


def test_batched_lookups_agree_with_the_single_ones(session: Session) -> None:
    _stored_before(session)
    upsert_record(session, FULL, source="pubmed.xml")
    upsert_record(session, Record(title="A letter"), source="ris")
    upsert_record(session, FULL.model_copy(update={"citation_count": 7}), source="openalex")
    asked = [
        Record(pmid="2", title="x"),
        Record(doi=FULL.doi, pmid="3", title="x"),
        Record(pmcid="PMC1", title="x"),
        Record(title="x"),
    ]
    assert find_record_keys(session, asked) == [
        find_record_ids(session, doi=r.doi, pmid=r.pmid, pmcid=r.pmcid) for r in asked
    ]
    assert find_record_keys(session, asked)[1] == [FULL.key, "pmid:3"]
    keys = ["pmid:2", "pmid:3", FULL.key, "pmid:35123456", "title:a-letter", "pmid:404"]
    found = records_with_provenance(session, keys)
    assert sorted(found) == sorted(keys[:-1])
    for key in keys[:-1]:
        assert found[key] == (get_record(session, key), record_provenance(session, key))
    assert found[FULL.key][1]["citation_count"] == "openalex"
