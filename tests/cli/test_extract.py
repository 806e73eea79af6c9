"""``evidencehub extract …`` (cli/extract.py): the whole extraction way on the command line —
form, two extractors (one by ``set``, one by a sheet), the discrepancy report, consensus with a
conversion, sheets round-tripped, RevMan 5 export — and one-line errors."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest

from evidencehub.cli import main
from evidencehub.model import Actor, ExtractionField, Record, Review, ReviewMember, Study
from evidencehub.review.extraction import DEFAULT_FORM
from evidencehub.review.extraction_sheet import SHEET_COLUMNS, read_sheet
from evidencehub.store import init_db, transaction
from evidencehub.store.repo._lookup import study_row
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.reviews import add_review_study, create_review
from evidencehub.store.repo.studies import upsert_study
from evidencehub.vocab import ReviewerRole, StudyDesign

#: The header of a RevMan 5 "Data and analyses" export, as in meta's example file
#: inst/extdata/Fleiss93_CR.csv (its first 16 columns, then the two group labels).
REVMAN_HEADER = (
    "Comparison Number,Outcome Number,Subgroup Number,Name,Data Type,Statistical Method,"
    "Effect Measure,Analysis Model,Events 1,Mean 1,SD 1,Total 1,Events 2,Mean 2,SD 2,Total 2,"
    "Group Label 1,Group Label 2"
)


def _ok(args: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _fails(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(args)
    _out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    path = tmp_path / "hub.db"
    engine = init_db(str(path))
    lea = Actor(name="lea")
    with transaction(engine) as session:
        members = (
            ReviewMember(name="ana", role=ReviewerRole.SCREENER),
            ReviewMember(name="ben", role=ReviewerRole.SCREENER),
            ReviewMember(name="cy", role=ReviewerRole.RESOLVER),
        )
        review_id = create_review(
            session, Review(slug="islets", title="Islets", members=members), lea
        )
        for key in ("smith2020", "jones2021"):
            upsert_record(session, Record(doi=f"10.1000/{key}", title=key), source="s")
            upsert_study(
                session,
                Study(
                    key=key,
                    label=key.capitalize(),
                    design=StudyDesign.RANDOMISED_CONTROLLED,
                    record_keys=(f"doi:10.1000/{key}",),
                ),
            )
            add_review_study(session, review_id, study_row(session, key).id, lea)
    engine.dispose()
    return ["--db", str(path)]


def _set(
    db: list[str], capsys: pytest.CaptureFixture[str], study: str, arm: str, who: str, *values: str
) -> Any:
    return _ok(
        [
            "extract",
            "set",
            "islets",
            study,
            *values,
            "--outcome",
            "hba1c",
            "--arm",
            arm,
            "--timepoint",
            "12 months",
            "--locator",
            "Table 2",
            "--as",
            who,
            *db,
        ],
        capsys,
    )


def test_two_extractors_to_pooled_outcome_data_and_revman(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _ok(["extract", "form", "islets", *db], capsys)
    assert [f["key"] for f in shown["fields"]] == [f.key for f in DEFAULT_FORM]
    added = _ok(
        [
            "extract",
            "form",
            "islets",
            "--add",
            "cell_source",
            "--kind",
            "choice",
            "--choices",
            "donor,stem cell",
            "--as",
            "lea",
            *db,
        ],
        capsys,
    )
    assert added["fields"][-1]["choices"] == ["donor", "stem cell"]

    _ok(
        [
            "extract",
            "set",
            "islets",
            "smith2020",
            "country=Canada",
            "cell_source=Donor",
            "--locator",
            "p. 2",
            "--as",
            "ana",
            *db,
        ],
        capsys,
    )
    for study in ("smith2020", "jones2021"):
        _set(db, capsys, study, "islets", "ana", "mean=7.1", "se=0.3", "n=25")
        _set(db, capsys, study, "insulin", "ana", "mean=8.0", "sd=1.4", "n=24")

    # ana's sheet out and back in: the same layout both ways, nothing new written
    ana = tmp_path / "ana.csv"
    out = _ok(["extract", "export", "islets", "--reviewer", "ana", "-o", str(ana), *db], capsys)
    assert out["rows"] == 14
    assert _ok(["extract", "import", "islets", str(ana), "--as", "ana", *db], capsys) == {
        "written": [],
        "unchanged": 14,
    }
    # ben extracts the same sheet but reads one number differently
    with ana.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == SHEET_COLUMNS
    for row in rows:
        if (row["study"], row["arm"], row["field"]) == ("smith2020", "insulin", "mean"):
            row["value"] = "7.9"
    ben = tmp_path / "ben.csv"
    with ben.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assert (
        len(_ok(["extract", "import", "islets", str(ben), "--as", "ben", *db], capsys)["written"])
        == 14
    )

    report = _ok(["extract", "compare", "islets", *db], capsys)
    assert report["counts"] == {"agree": 13, "differ": 1, "incomplete": 0}
    (differ,) = [i for i in report["items"] if i["status"] == "differ"]
    assert differ["values"] == {"ana": "8.0", "ben": "7.9"} and differ["arm"] == "insulin"

    agreed = _ok(
        [
            "extract",
            "consensus",
            "islets",
            "smith2020",
            "--take",
            "mean=8.0",
            "--outcome",
            "hba1c",
            "--arm",
            "insulin",
            "--timepoint",
            "12 months",
            "--convert",
            "sd-from-se",
            "--as",
            "cy",
            *db,
        ],
        capsys,
    )
    assert [d["status"] for d in agreed["outcome_data"]] == ["created", "created"]
    assert agreed["unresolved"] == [] and agreed["not_written"] == []
    again = _ok(
        [
            "extract",
            "consensus",
            "islets",
            "smith2020",
            "--convert",
            "sd-from-se",
            "--as",
            "cy",
            *db,
        ],
        capsys,
    )
    assert again["written"] == [] and {d["status"] for d in again["outcome_data"]} == {"unchanged"}
    _ok(
        [
            "extract",
            "consensus",
            "islets",
            "jones2021",
            "--convert",
            "sd-from-se",
            "--as",
            "cy",
            *db,
        ],
        capsys,
    )

    # the consensus sheet carries the derived SD with its method and inputs
    sheet = tmp_path / "consensus.csv"
    _ok(["extract", "export", "islets", "--consensus", "-o", str(sheet), *db], capsys)
    form = [ExtractionField.model_validate(f) for f in added["fields"]]
    back = [e for e in read_sheet(sheet, form) if e.derivation is not None]
    assert {(e.study, e.arm, e.field) for e in back} == {
        ("smith2020", "islets", "sd"),
        ("jones2021", "islets", "sd"),
    }
    assert back[0].derivation is not None and back[0].derivation.inputs == {"se": 0.3, "n": 25.0}
    assert math.isclose(float(back[0].value or "nan"), 0.3 * 5)  # SD = SE × sqrt(n)

    _ok(
        [
            "analysis",
            "add",
            "hba1c-md",
            "--outcome",
            "hba1c",
            "--measure",
            "MD",
            "--experimental",
            "islets",
            "--control",
            "insulin",
            "--method",
            "EE",
            "--title",
            "HbA1c at 12 months",
            *db,
        ],
        capsys,
    )
    (fit,) = _ok(["analyze", *db], capsys)
    assert fit["k"] == 2 and math.isclose(fit["estimate"], 7.1 - 8.0)
    chain = _ok(["trace", "analysis:hba1c-md", *db], capsys)
    assert "doi:10.1000/smith2020" in json.dumps(chain)

    revman = tmp_path / "revman.csv"
    assert _ok(["extract", "revman", "hba1c-md", "-o", str(revman), *db], capsys)["studies"] == 2
    lines = revman.read_text(encoding="utf-8").splitlines()
    assert lines[0] == REVMAN_HEADER
    table = list(csv.reader(lines))
    assert {len(row) for row in table} == {18}
    assert table[2][:8] == ["1", "1", "0", "HbA1c at 12 months", "CON", "IV", "MD", "Fixed"]
    smith = next(row for row in table if row[3] == "Smith2020")
    assert smith[9:12] == ["7.1", "1.5", "25"] and smith[13:16] == ["8", "1.4", "24"]


def test_user_errors_are_one_line(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["extract", "set", "islets"]
    assert _fails([*base, "nobody2000", "country=x", "--as", "ana", *db], capsys).endswith(
        "study 'nobody2000' is not included in review 'islets' (its studies: smith2020, jones2021)"
    )
    assert "unknown field 'colour'" in _fails(
        [*base, "smith2020", "colour=red", "--as", "ana", *db], capsys
    )
    assert _fails([*base, "smith2020", "n_randomised=forty", "--as", "ana", *db], capsys).endswith(
        "field 'n_randomised': expected a number, got 'forty'"
    )
    assert "'zoe' is not a member of review 'islets'" in _fails(
        [*base, "smith2020", "country=x", "--as", "zoe", *db], capsys
    )
    assert "expected FIELD=VALUE, got 'country'" in _fails(
        [*base, "smith2020", "country", "--as", "ana", *db], capsys
    )
    sheet = tmp_path / "bad.csv"
    sheet.write_text("study,field,value\nsmith2020,sd,abc\n", encoding="utf-8")
    assert "bad.csv, row 2: field 'sd' is filled per arm" in _fails(
        ["extract", "import", "islets", str(sheet), "--as", "ana", *db], capsys
    )
    sheet.write_text("study,field,value\nsmith2020,country,x\nnobody,country,y\n",
                     encoding="utf-8")
    assert "bad.csv, row 3: study 'nobody' is not included in review 'islets'" in _fails(
        ["extract", "import", "islets", str(sheet), "--as", "ana", *db], capsys)
    sheet.write_text("study,field,value\nsmith2020,n_randomised,abc\n", encoding="utf-8")
    assert "bad.csv, row 2: field 'n_randomised': expected a number, got 'abc'" in _fails(
        ["extract", "import", "islets", str(sheet), "--as", "ana", *db], capsys
    )
    assert "give --reviewer NAME or --consensus" in _fails(
        ["extract", "export", "islets", "-o", str(tmp_path / "x.csv"), *db], capsys
    )
    assert "--convert: unknown conversion 'sd-from-guess'; choose one of: sd-from-se" in _fails(
        [
            "extract",
            "consensus",
            "islets",
            "smith2020",
            "--convert",
            "sd-from-guess",
            "--as",
            "cy",
            *db,
        ],
        capsys,
    )
    assert "--convert sd-from-se: study 'smith2020' has no arm that reports se and n" in _fails(
        [
            "extract",
            "consensus",
            "islets",
            "smith2020",
            "--convert",
            "sd-from-se",
            "--as",
            "cy",
            *db,
        ],
        capsys,
    )
    assert "no analysis 'nothing'" in _fails(
        ["extract", "revman", "nothing", "-o", str(tmp_path / "r.csv"), *db], capsys
    )


def test_the_audit_checks_every_extracted_arm(db: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``audit --extracted``: a mean outside its own CI, and a t that does not give its P
    (t(48) = 2.10 gives P = 0.041, not 0.20), are found; consistent arms are not."""
    _set(db, capsys, "smith2020", "islets", "ana", "mean=7.1", "sd=1.2", "n=25",
         "ci_lb=6.6", "ci_ub=7.6", "t=2.10", "p=0.20")
    _set(db, capsys, "smith2020", "control", "ana", "mean=7.8", "sd=1.3", "n=25",
         "ci_lb=8.0", "ci_ub=8.6")
    _set(db, capsys, "jones2021", "islets", "ana", "mean=6.9", "sd=1.0", "n=30",
         "ci_lb=6.5", "ci_ub=7.3", "t=2.10", "p=0.04")
    _set(db, capsys, "jones2021", "control", "ana", "mean=7.5", "sd=1.1", "n=20")
    code = main(["audit", "--extracted", "islets", "--reviewer", "ana", "--json", *db])
    out, err = capsys.readouterr()
    assert code == 3, err
    report = json.loads(out)
    assert report["checked"] == 5  # three arms with a CI, two comparisons with t and P
    found = {(f["id"], f["kind"]) for f in report["findings"] if f["verdict"] == "inconsistent"}
    assert ("smith2020/hba1c/control/12 months", "estimate-outside-ci") in found
    assert any(i == "smith2020/hba1c//12 months" and k in ("test-p", "decision-error")
               for i, k in found)
    assert not any(i.startswith("jones2021") for i, _ in found)
    assert "--reviewer goes with --extracted" in _fails_usage(
        ["audit", "--reviewer", "ana", "x.txt", *db], capsys)


def _fails_usage(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(args)
    _out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err, err
    return err
