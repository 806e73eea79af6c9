"""Deciding possible duplicates and rescanning the store (ingest.duplicates), on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from evidencehub.errors import InputError, NotFoundError
from evidencehub.ingest.duplicates import Decided, decide, merged_version, rescan
from evidencehub.ingest.importer import import_paths
from evidencehub.model import Actor, Author, DuplicateVerdict, Record
from evidencehub.store import transaction
from evidencehub.store.repo.duplicates import PairStatus, list_pairs
from evidencehub.store.repo.imports import event_records, events_of_record
from evidencehub.store.repo.records import (
    get_record,
    list_records,
    record_history,
    record_provenance,
    upsert_records,
)
from tests.ingest.test_importer import snapshot

CAROL = Actor(name="carol")
TITLE_ONLY = ("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
              "AU  - Shapiro, A.M.J.\nN1  - Registered as NCT00000102\nER  - \n")  # fmt: skip
WITH_DOI = ("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
            "AU  - Hering, B.J.\nDO  - 10.1000/islets.2019\nJO  - Diabetes\nER  - \n")  # fmt: skip
TITLE_KEY = "title:islet-transplantation-outcomes-in-type-1-diabetes"


def two_files(tmp_path: Path) -> list[Path]:
    a, b = tmp_path / "a.ris", tmp_path / "b.ris"
    a.write_text(TITLE_ONLY, encoding="utf-8")
    b.write_text(WITH_DOI, encoding="utf-8")
    return [a, b]


def pending(engine: Engine) -> list[tuple[str, str]]:
    with transaction(engine) as session:
        return [pair.keys for pair in list_pairs(session)]


def test_the_import_stores_the_pair_and_same_merges_it(engine: Engine, tmp_path: Path) -> None:
    report = import_paths(engine, two_files(tmp_path))
    assert pending(engine) == [(TITLE_KEY, "doi:10.1000/islets.2019")]
    decided = decide(engine, TITLE_KEY, "doi:10.1000/islets.2019", "same", actor=CAROL,
                     note="one paper")  # fmt: skip
    # the record with the DOI is kept, whichever is named first
    assert decided == Decided((TITLE_KEY, "doi:10.1000/islets.2019"), DuplicateVerdict.SAME,
                              "doi:10.1000/islets.2019")  # fmt: skip
    assert pending(engine) == []
    with transaction(engine) as session:
        (record,) = list_records(session)
        # the title-only record's registry id joins; its author ranks as the DOI record's (both
        # RIS), so the kept record's stays
        assert (record.key, record.authors[0].family) == ("doi:10.1000/islets.2019", "Hering")
        assert record.registry_ids == ("NCT00000102",)
        assert record_provenance(session, record.key)["registry_ids"] == "ris:a.ris"
        assert [v.record.key for v in record_history(session, record.key)] == [
            TITLE_KEY, "doi:10.1000/islets.2019", "doi:10.1000/islets.2019",
        ]  # fmt: skip
        # both files' imports now name the one record
        assert [e.id for e in events_of_record(session, record.key)] == report.import_ids
        assert [r.key for r in event_records(session, report.import_ids[0])] == [record.key]
        (merge,) = list_pairs(session, decided=True)
        assert (merge.keys, merge.status) == ((TITLE_KEY, "doi:10.1000/islets.2019"),
                                              PairStatus.SAME)  # fmt: skip
        assert merge.decision is not None and merge.decision.note == "one paper"
    # importing the files again finds the one record, changes nothing and proposes nothing
    before = snapshot(engine, events=False)
    again = import_paths(engine, two_files(tmp_path))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(engine, events=False) == before
    with transaction(engine) as session:
        assert [(r.key, r.outcome.value) for i in again.import_ids
                for r in event_records(session, i)] == [
            ("doi:10.1000/islets.2019", "unchanged"), ("doi:10.1000/islets.2019", "unchanged"),
        ]  # fmt: skip


def test_different_keeps_both_and_is_never_proposed_again(engine: Engine, tmp_path: Path) -> None:
    import_paths(engine, two_files(tmp_path))
    before = snapshot(engine)
    decided = decide(engine, "doi:10.1000/islets.2019", TITLE_KEY, DuplicateVerdict.DIFFERENT,
                     actor=CAROL)  # fmt: skip
    assert decided == Decided(("doi:10.1000/islets.2019", TITLE_KEY), DuplicateVerdict.DIFFERENT,
                              None)  # fmt: skip
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k not in ("duplicate_decisions", "actors")} == {
        k: v for k, v in before.items() if k not in ("duplicate_decisions", "actors")
    }
    assert pending(engine) == []
    assert rescan(engine) == 0
    assert pending(engine) == []
    with transaction(engine) as session:
        (pair,) = list_pairs(session, decided=True)
        assert pair.status is PairStatus.DIFFERENT and len(list_records(session)) == 2


@pytest.mark.parametrize(
    ("a", "b", "verdict", "error", "message"),
    [
        (TITLE_KEY, TITLE_KEY, "same", InputError, "are one stored record"),
        ("doi:10.1000/islets.2019", "doi:10.1000/ISLETS.2019", "different", InputError,
         "are one stored record"),
        (TITLE_KEY, "pmid:1", "same", NotFoundError, "no record 'pmid:1' in the store"),
        ("doi:10.1000/islets.2019", TITLE_KEY, "maybe", InputError,
         "a decision is 'same' or 'different', not 'maybe'"),
        ("doi:10.1000/islets.2019", "doi:10.1000/other", "same", InputError,
         "doi:10.1000/islets.2019 and doi:10.1000/other have different DOIs "
         "(10.1000/islets.2019, 10.1000/other); one record cannot hold both, so they cannot be "
         "merged"),
    ],
)  # fmt: skip
def test_refusals_change_nothing(
    engine: Engine, tmp_path: Path, a: str, b: str, verdict: str, error: type[Exception],
    message: str,
) -> None:  # fmt: skip
    import_paths(engine, two_files(tmp_path))
    with transaction(engine) as session:
        upsert_records(session, [Record(doi="10.1000/other", title="Another paper")], source="csv:x")
    before = snapshot(engine)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        decide(engine, a, b, verdict, actor=CAROL)
    assert snapshot(engine) == before


def test_merged_version_takes_each_field_from_the_better_source() -> None:
    ris = Record(title="Islet outcomes", year=2019, journal="Diabetes (RIS)",
                 authors=(Author(family="Hering"),))  # fmt: skip
    pubmed = Record(pmid="123", title="Islet outcomes.", journal="Diabetes",
                    abstract="Thirty-six patients.", keywords=("islets",))  # fmt: skip
    kept_sources = {"title": "ris:a.ris", "year": "ris:a.ris", "journal": "ris:a.ris",
                    "authors": "ris:a.ris"}  # fmt: skip
    other_sources: dict[str, Any] = {
        "pmid": "pubmed-xml:p.xml", "title": "pubmed-xml:p.xml", "journal": "medline:m.nbib",
        "abstract": "pubmed-xml:p.xml", "keywords": "bibtex:b.bib",
    }  # fmt: skip
    merged, changed = merged_version(ris, kept_sources, pubmed, other_sources)
    assert merged == Record(pmid="123", title="Islet outcomes.", year=2019, journal="Diabetes",
                            authors=(Author(family="Hering"),), abstract="Thirty-six patients.",
                            keywords=("islets",))  # fmt: skip
    assert changed == {"pmid": "pubmed-xml:p.xml", "title": "pubmed-xml:p.xml",
                       "journal": "medline:m.nbib", "abstract": "pubmed-xml:p.xml",
                       "keywords": "bibtex:b.bib"}  # fmt: skip
    # the other way round, the kept PubMed fields outrank the RIS ones: only gaps are filled
    back, changed_back = merged_version(pubmed, other_sources, ris, kept_sources)
    assert (back.title, back.journal, back.year) == ("Islet outcomes.", "Diabetes", 2019)
    assert changed_back == {"year": "ris:a.ris", "authors": "ris:a.ris"}


def test_rescan_stores_the_pairs_of_an_older_store(engine: Engine) -> None:
    """A store imported before pairs were stored has none; a rescan finds them once."""
    records = [
        Record(title="Islet transplantation outcomes in type 1 diabetes", year=2019,
               authors=(Author(family="Shapiro"),)),
        Record(doi="10.1000/islets.2019", title="Islet transplantation outcomes in type 1 diabetes",
               year=2019, authors=(Author(family="Hering"),)),
        Record(pmid="9", title="Something else entirely", year=2019),
    ]  # fmt: skip
    with transaction(engine) as session:
        upsert_records(session, records, source="ris:old.ris")
    assert pending(engine) == []
    assert rescan(engine) == 1
    assert rescan(engine) == 0
    assert pending(engine) == [(TITLE_KEY, "doi:10.1000/islets.2019")]
    with transaction(engine) as session:
        (pair,) = list_pairs(session)
        assert (pair.reason, pair.score, pair.import_id) == ("first-author", 100.0, None)
        assert get_record(session, TITLE_KEY).authors[0].family == "Shapiro"
