"""ClinicalTrials.gov API v2 reader on recorded responses and on malformed input. Expected values
were read off the JSON files themselves."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.ctgov import CtgovReader, partial_date
from evidencehub.model import Registry, Trial, TrialPhase

DATA = Path(__file__).parent.parent / "data" / "ctgov_v2_json"
WHAT = 'ClinicalTrials.gov API v2 study JSON (a study, a list of studies, or a {"studies": [...]} page)'


def read(name: str) -> list[Parsed | Rejected]:
    with (DATA / name).open("rb") as stream:
        return list(CtgovReader().read(stream, source=name))


def read_json(data: Any) -> list[Parsed | Rejected]:
    return read_bytes(json.dumps(data).encode())


def read_bytes(data: bytes) -> list[Parsed | Rejected]:
    return list(CtgovReader().read(io.BytesIO(data), source="x.json"))


def trials(items: list[Parsed | Rejected]) -> list[Trial]:
    assert all(isinstance(i, Parsed) for i in items), [str(i) for i in items if isinstance(i, Rejected)]
    return [i.item for i in items]  # type: ignore[misc]


def test_single_study_field_by_field() -> None:
    items = read("ctgov_study_NCT00184067.json")
    assert items[0].where == "study 1 (NCT00184067)"  # type: ignore[union-attr]
    (trial,) = trials(items)
    assert (trial.registry_id, trial.registry, trial.secondary_ids) == ("NCT00184067", Registry.NCT, ())
    assert trial.title.startswith("Continuation Booster Trial After a Vaccine Combining Tyrosinase/GP100/MART-1")
    assert trial.phase is TrialPhase.PHASE2 and trial.status == "TERMINATED"
    assert trial.enrollment == 23 and trial.conditions == ("Melanoma",)
    assert trial.interventions == ("Biological: Montanide ISA 51",)
    assert trial.arms == ("Peptide vaccine with Montanide ISA 51 + GM-CSF (Experimental)",
                          "Peptide vaccine with Montanide ISA 51 (Active comparator)")
    assert trial.sponsor == "University of Southern California"
    assert trial.start_date == dt.date(2004, 5, 1)  # "2004-05": first of the month
    assert trial.completion_date == dt.date(2009, 9, 1)  # "2009-09"
    assert trial.last_updated == dt.date(2014, 5, 21)
    assert trial.has_results is False and trial.study_type == "INTERVENTIONAL"
    assert trial.locations == ("USC/Norris Comprehensive Cancer Center, Los Angeles, California, United States",)
    assert trial.summary is not None and trial.summary.startswith("This is a study of a melanoma vaccine.")
    assert trial.summary.endswith("the FDA is permitting the vaccine and the assistants to be tested in this study.")


def test_search_page() -> None:
    found = trials(read("ctgov_search_phelan_limit5.json"))
    assert [t.registry_id for t in found] == ["NCT02710084", "NCT05105685", "NCT01525901", "NCT03493607", "NCT07119606"]
    assert found[1].phase is TrialPhase.PHASE1_2  # ["PHASE1", "PHASE2"]
    assert found[4].phase is TrialPhase.NA and found[4].status == "NOT_YET_RECRUITING"
    assert found[2].start_date == dt.date(2012, 2, 1)  # "2012-02"
    assert found[0].interventions == ("Oxytocin", "Saline")  # no type in this field subset
    assert found[0].enrollment == 18 and found[0].sponsor == "Alexander Kolevzon"
    assert found[0].has_results is None  # hasResults not requested in that search


STUDY: dict[str, Any] = {
    "protocolSection": {
        "identificationModule": {
            "nctId": "NCT03163511",
            "secondaryIdInfos": [
                {"id": "2016-004534-20", "type": "EUDRACT_NUMBER"},
                {"id": "UMIN000033564", "type": "OTHER", "domain": "UMIN-CTR"},
                {"id": "jRCT2090220384", "type": "REGISTRY"},
                {"id": "CIRM-CLIN2-09672", "type": "OTHER_GRANT"},
                {"id": "VC02-101", "type": "OTHER"},
            ],
            "officialTitle": "A Study of VC-02 Combination Product in Subjects With Type 1 Diabetes",
        },
        "statusModule": {"overallStatus": "ACTIVE_NOT_RECRUITING", "startDateStruct": {"date": "2017"}},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE1", "PHASE2"]},
        "armsInterventionsModule": {"interventions": [{"type": "COMBINATION_PRODUCT", "name": "VC-02"}]},
    },
    "hasResults": False,
}


def test_secondary_registry_ids_kept_others_dropped() -> None:
    (trial,) = trials(read_json([STUDY]))
    assert trial.secondary_ids == ("2016-004534-20", "UMIN000033564", "jRCT2090220384")
    assert trial.title == "A Study of VC-02 Combination Product in Subjects With Type 1 Diabetes"  # officialTitle
    assert trial.interventions == ("Combination product: VC-02",)
    assert trial.start_date == dt.date(2017, 1, 1) and trial.phase is TrialPhase.PHASE1_2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"phases": ["PHASE1", "PHASE3"]}, "field 'phase': Input should be 'EARLY_PHASE1', 'PHASE1', "),
        ({"enrollmentInfo": {"count": -4}}, "field 'enrollment': Input should be greater than or equal to 0, got -4"),
    ],
)
def test_invalid_study_is_rejected_with_its_nct_id(change: dict[str, Any], problem: str) -> None:
    study = copy.deepcopy(STUDY)
    study["protocolSection"]["designModule"].update(change)
    (item,) = read_json({"studies": [study], "nextPageToken": "abc"})
    assert isinstance(item, Rejected) and item.where == "study 1 (NCT03163511)"
    assert item.problem.startswith(problem)


def test_dates_out_of_order_and_malformed() -> None:
    study = copy.deepcopy(STUDY)
    study["protocolSection"]["statusModule"]["completionDateStruct"] = {"date": "2016-12"}
    (item,) = read_json(study)
    assert str(item) == "x.json, study 1 (NCT03163511): completion date 2016-12-01 is before start date 2017-01-01"
    study["protocolSection"]["statusModule"]["completionDateStruct"] = {"date": "December 2019"}
    (item,) = read_json(study)
    assert isinstance(item, Rejected) and item.problem.startswith("field 'completion_date': Input should be a valid date")


def test_missing_nct_id_and_non_object() -> None:
    study = copy.deepcopy(STUDY)
    del study["protocolSection"]["identificationModule"]["nctId"]
    items = read_json([study, None])
    assert str(items[0]) == "x.json, study 1: field 'registry_id': Field required"
    assert str(items[1]) == "x.json, study 2: expected a study object, got a JSON NoneType"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2019-05-17", dt.date(2019, 5, 17)), ("2019-05", dt.date(2019, 5, 1)), ("2019", dt.date(2019, 1, 1)),
     ("2019-13", "2019-13"), (None, None)],
)
def test_partial_date(value: str | None, expected: object) -> None:
    assert partial_date(value) == expected


def test_sniff() -> None:
    reader = CtgovReader()
    assert reader.sniff((DATA / "ctgov_study_NCT00184067.json").read_bytes()[:8192])
    assert reader.sniff((DATA / "ctgov_search_phelan_limit5.json").read_bytes()[:8192])
    assert not reader.sniff(b'{"message-type": "work"}')


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"  ", "x.json: empty file, expected " + WHAT),
        (b"\x00\x00\x00\x01", "x.json: binary data (NUL bytes), expected " + WHAT),
        (b'{"studies": [{"protocolSection": {', "x.json, line 1, column 35: not valid JSON "
                                                "(Expecting property name enclosed in double quotes), expected " + WHAT),
        (b'{"totalCount": 0}', "x.json: expected " + WHAT + ", got an object with keys totalCount"),
    ],
)
def test_unreadable_sources(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        read_bytes(data)
    assert str(info.value) == message
