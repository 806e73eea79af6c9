"""``data import`` into the store (ingest/arm_import.py): one transaction, an import event,
studies and outcomes created, versions written only for changed values; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from evidencehub.errors import InputError
from evidencehub.ingest.arm_import import DATA_READER, import_arm_data
from evidencehub.model import Actor, Record, ValueDerivation
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo import outcomes as outcomes_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo.records import upsert_record
from evidencehub.vocab import DataKind, OutcomeDirection, StudyDesign

ADA = Actor(name="Ada")
RECORD = Record(doi="10.1056/nejmoa1608267", pmid="28273300", title="A trial")
TABLE = (
    "study,arm,outcome,n,mean,sd,se,events,total,source,locator,design,unit,direction\n"
    "Smith 2019,drug,HbA1c,50,-0.8,,0.17,,,doi:10.1056/NEJMoa1608267,Table 2,,%,"
    "lower-is-better\n"
    "Smith 2019,placebo,HbA1c,48,0.1,1.1,,,,pmid:28273300,Table 2,,,\n"
    "Jones 2020,drug,HbA1c,30,-0.6,1.0,,,,,,cohort,,\n"
    "Jones 2020,placebo,HbA1c,31,0.0,1.0,,,,,,,,\n"
    "Smith 2019,drug,remission,,,,,12,50,,,,,\n"
)


def _write(tmp_path: Path, text: str = TABLE, name: str = "arms.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def hub(engine: Engine) -> Engine:
    with transaction(engine) as session:
        upsert_record(session, RECORD, source="pubmed")
    return engine


def _counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in t.Base.metadata.sorted_tables}


def test_import_creates_studies_outcomes_arms_and_versions(hub: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path)
    report = import_arm_data(hub, path, actor=ADA, design=StudyDesign.RANDOMISED_CONTROLLED)
    assert (report.read, report.created, report.updated, report.unchanged) == (5, 5, 0, 0)
    assert report.studies_created == ["smith2019", "jones2020"]
    assert report.outcomes_created == ["HbA1c", "remission"]
    assert [r["row"] for r in report.rows] == [2, 3, 4, 5, 6]
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction(hub) as session:
        smith = studies_repo.get_study(session, "smith2019")
        assert (smith.label, smith.design) == ("Smith 2019", StudyDesign.RANDOMISED_CONTROLLED)
        assert smith.record_keys == ("doi:10.1056/nejmoa1608267",)
        assert studies_repo.get_study(session, "jones2020").design is StudyDesign.COHORT
        hba1c = outcomes_repo.get_outcome(session, "HbA1c")
        assert (hba1c.data_kind, hba1c.unit, hba1c.direction) == (
            DataKind.CONTINUOUS, "%", OutcomeDirection.LOWER_IS_BETTER)
        assert outcomes_repo.get_outcome(session, "remission").data_kind is DataKind.DICHOTOMOUS
        assert [a.label for a in outcomes_repo.list_arms(session, "smith2019")] == [
            "drug", "placebo"]
        stored = outcomes_repo.list_outcome_data(session, "HbA1c", study_key="smith2019")
    drug, placebo = stored
    assert (drug.version, drug.actor, drug.import_id) == (1, "Ada", report.import_id)
    # both spellings of the source resolve to the record, and its key is what is kept
    assert drug.data.source == placebo.data.source == "doi:10.1056/nejmoa1608267"
    assert drug.data.locator == "Table 2"
    assert drug.data.sd == pytest.approx(0.17 * 50**0.5, rel=1e-12)
    (derivation,) = drug.data.derivations
    assert derivation.method is ValueDerivation.SD_FROM_SE
    assert derivation.inputs == {"se": 0.17, "n": 50.0}


def test_the_import_is_recorded_as_an_event(hub: Engine, tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC)
    report = import_arm_data(hub, _write(tmp_path), actor=ADA,
                             design=StudyDesign.RANDOMISED_CONTROLLED)
    with transaction(hub) as session:
        event = session.get(t.ImportEvent, report.import_id)
        assert event is not None
        actor = session.get(t.Actor, event.actor_id)
        assert actor is not None and actor.name == "Ada"
        got: dict[str, Any] = {c: getattr(event, c) for c in (
            "kind", "reader", "label", "sha256", "query", "n_read", "n_created", "n_updated",
            "n_unchanged", "n_merged", "n_rejected")}
    assert got == {"kind": "data", "reader": DATA_READER, "label": "arms.csv",
                   "sha256": report.sha256, "query": None, "n_read": 5, "n_created": 5,
                   "n_updated": 0, "n_unchanged": 0, "n_merged": 0, "n_rejected": 0}
    assert before <= event.started_at <= event.finished_at <= dt.datetime.now(dt.UTC)


def test_reimport_changes_nothing_but_records_the_run(hub: Engine, tmp_path: Path) -> None:
    import_arm_data(hub, _write(tmp_path), actor=ADA, design=StudyDesign.RANDOMISED_CONTROLLED)
    before = _counts(hub)
    report = import_arm_data(hub, _write(tmp_path, name="again.csv"), actor=Actor(name="Bob"))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert report.studies_created == [] and report.outcomes_created == []
    after = _counts(hub)
    assert after.pop("import_events") == before.pop("import_events") + 1
    assert after.pop("actors") == before.pop("actors") + 1  # Bob, who ran it
    assert after == before


def test_a_changed_value_is_a_new_version_and_the_old_one_stays(hub: Engine,
                                                               tmp_path: Path) -> None:
    first = import_arm_data(hub, _write(tmp_path), actor=ADA,
                            design=StudyDesign.RANDOMISED_CONTROLLED)
    changed = TABLE.replace("Jones 2020,placebo,HbA1c,31,0.0,1.0",
                            "Jones 2020,placebo,HbA1c,31,0.2,1.0")
    second = import_arm_data(hub, _write(tmp_path, changed, "v2.csv"), actor=Actor(name="Bob"))
    assert (second.created, second.updated, second.unchanged) == (0, 1, 4)
    (row,) = [r for r in second.rows if r["status"] == "updated"]
    assert (row["row"], row["version"]) == (5, 2)
    with transaction(hub) as session:
        history = outcomes_repo.outcome_data_history(session, row["id"])
    assert [(h.version, h.data.mean, h.actor, h.import_id) for h in history] == [
        (1, 0.0, "Ada", first.import_id), (2, 0.2, "Bob", second.import_id)]


@pytest.mark.parametrize(("line", "message"), [
    ("Late 2021,drug,HbA1c,20,1,1,,,,pmid:999,,randomised-controlled-trial,,\n",
     "arms.csv, row 7, column 'source': source 'pmid:999' is not in the store; import the "
     "record first (evidencehub import or fetch)"),
    ("Smith 2019,extra,HbA1c,20,1,1,,,,pmid:999,,,,\n",
     "arms.csv, row 7, column 'source': source 'pmid:999' is not in the store"),
    ("Smith 2019,extra,HbA1c,20,1,1,,,,doi:nonsense,,,,\n",
     "arms.csv, row 7, column 'source': field 'doi': not a DOI: 'nonsense'"),
    ("Smith 2019,extra,HbA1c,20,1,1,,,,isbn:123,,,,\n",
     "arms.csv, row 7, column 'source': a record key looks like doi:…, pmid:…, pmcid:… or "
     "title:…; got 'isbn:123'"),
    ("Late 2021,drug,HbA1c,20,1,1,,,,,,,,\n",
     "arms.csv, row 7: study 'Late 2021' is new; give its design in a 'design' column or with "
     "--design"),
    ("Smith 2019,drug,weight,,,,,3,9,,,,,\nSmith 2019,other,HbA1c,,,,,1,9,,,,,\n",
     "arms.csv, row 8: outcome 'HbA1c' is continuous in the store; these numbers are "
     "dichotomous"),
])
def test_a_bad_row_late_in_the_file_writes_nothing(hub: Engine, tmp_path: Path, line: str,
                                                   message: str) -> None:
    before = _counts(hub)
    designed = TABLE.replace(",Table 2,,%,", ",Table 2,randomised-controlled-trial,%,", 1)
    with pytest.raises(InputError) as err:
        import_arm_data(hub, _write(tmp_path, designed + line), actor=ADA)
    assert str(err.value).startswith(message), str(err.value)
    assert _counts(hub) == before


def test_a_bad_row_in_a_later_import_leaves_the_earlier_data_as_it_was(
        hub: Engine, tmp_path: Path) -> None:
    import_arm_data(hub, _write(tmp_path), actor=ADA, design=StudyDesign.RANDOMISED_CONTROLLED)
    before = _counts(hub)
    changed = TABLE.replace("Jones 2020,placebo,HbA1c,31,0.0", "Jones 2020,placebo,HbA1c,31,9.9")
    with pytest.raises(InputError):
        import_arm_data(hub, _write(tmp_path, changed + "X 1,a,HbA1c,1,1,1,,,,,,,,\n"),
                        actor=ADA)
    assert _counts(hub) == before
    with transaction(hub) as session:
        means = [d.data.mean for d in outcomes_repo.list_outcome_data(session, "HbA1c")]
    assert 9.9 not in means


def test_a_design_column_wins_over_the_option(hub: Engine, tmp_path: Path) -> None:
    import_arm_data(hub, _write(tmp_path), actor=ADA, design=StudyDesign.ANIMAL)
    with transaction(hub) as session:
        designs = {s.key: s.design for s in studies_repo.list_studies(session)}
    assert designs == {"jones2020": StudyDesign.COHORT, "smith2019": StudyDesign.ANIMAL}


def test_a_stored_study_is_used_as_it_is(hub: Engine, tmp_path: Path) -> None:
    import_arm_data(hub, _write(tmp_path), actor=ADA, design=StudyDesign.RANDOMISED_CONTROLLED)
    more = "study,arm,outcome,n,mean,sd,design\nSmith 2019,other,HbA1c,10,1,1,animal\n"
    report = import_arm_data(hub, _write(tmp_path, more, "more.csv"), actor=ADA)
    assert report.studies_created == [] and report.created == 1
    with transaction(hub) as session:
        assert studies_repo.get_study(session, "smith2019").design is (
            StudyDesign.RANDOMISED_CONTROLLED)


def test_summary(hub: Engine, tmp_path: Path) -> None:
    report = import_arm_data(hub, _write(tmp_path), actor=ADA,
                             design=StudyDesign.RANDOMISED_CONTROLLED)
    assert report.summary() == (
        "5 row(s) read from arms.csv: 5 new, 0 changed (a new version each), 0 unchanged. "
        "New studies: smith2019, jones2020. New outcomes: HbA1c, remission. "
        f"Recorded as import {report.import_id}.")
    assert report.to_dict()["rows"] == report.rows
