"""``evidencehub grade …`` (cli/grade.py): flags, proposals, stored ratings, re-review, SoF."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from evidencehub.cli import main
from tests.cli.test_rob import LOW, OUTCOME, ROWS

SLUG = "islets-independence"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    return out


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "hub.db")
    arms = tmp_path / "arms.csv"
    arms.write_text(ROWS)
    _ok(capsys, "data", "import", str(arms), "--db", path)
    _ok(capsys, "analysis", "add", SLUG, "--outcome", OUTCOME, "--measure", "RR",
        "--experimental", "islets", "--control", "control", "--db", path)
    _ok(capsys, "analyze", "--all", "--db", path)
    return path


def _domain(data: dict[str, object], name: str) -> dict[str, object]:
    rating = data["rating"]
    assert isinstance(rating, dict)
    return next(d for d in rating["domains"] if d["proposal"]["domain"] == name)


def test_rules_use_the_assessments_and_flags_that_count(db: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    shown = json.loads(_ok(capsys, "grade", "show", SLUG, "--db", db, "--json"))
    assert shown["rating"]["start"] == "high"  # three randomised trials
    assert shown["inputs"]["risk_of_bias"] == {}  # nobody assessed yet
    assert _domain(shown, "indirectness")["proposal"]["change"] == 0
    for study in ("alpha2019", "beta2020", "gamma2021"):
        _ok(capsys, "rob", "assess", study, "--outcome", OUTCOME, "--answers", LOW, "--db", db)
        _ok(capsys, "grade", "flag", SLUG, "population", "--study", study, "--note",
            "adults with long-standing diabetes", "--db", db)
    shown = json.loads(_ok(capsys, "grade", "show", SLUG, "--db", db, "--json"))
    assert set(shown["inputs"]["risk_of_bias"].values()) == {"low"}
    assert _domain(shown, "risk of bias")["proposal"]["change"] == 0
    assert _domain(shown, "indirectness")["proposal"]["change"] == -1
    _ok(capsys, "grade", "flag", SLUG, "population", "--study", "gamma2021", "--withdraw",
        "--db", db)
    shown = json.loads(_ok(capsys, "grade", "show", SLUG, "--db", db, "--json"))
    assert sorted(shown["inputs"]["indirectness"]) == ["alpha2019", "beta2020"]
    assert shown["statement"]  # GRADE's informative statement for the outcome


def test_a_rating_keeps_overrides_and_awaits_re_review_after_a_new_run(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "grade", "rate", SLUG, "--override", "publication bias=-1",
                        "--db", db)
    assert code == 1 and "reason is required" in err and "Traceback" not in err
    rated = json.loads(_ok(capsys, "grade", "rate", SLUG, "--override",
                           "publication bias=-1: only small single-centre trials", "--actor",
                           "ben", "--db", db, "--json"))
    bias = _domain(rated, "publication bias")
    assert bias["override"]["reason"] == "only small single-centre trials"
    assert bias["counted"] == -1 and bias["proposal"]["change"] == 0  # the rule stays beside it
    assert (rated["rater"], rated["stale"]) == ("ben", False)

    traced = json.loads(_ok(capsys, "trace", f"analysis:{SLUG}", "--db", db, "--json"))
    assert [(r["rater"], r["certainty"]) for r in traced["analysis"]["run"]["ratings"]] == [
        ("ben", rated["certainty"])]
    listed = json.loads(_ok(capsys, "grade", "list", "--db", db, "--json"))
    assert listed == [{**listed[0], "analysis": SLUG, "certainty": rated["certainty"],
                       "stale": False}]
    changed = tmp_path / "changed.csv"
    changed.write_text(ROWS.replace("alpha2019,islets,insulin independence,12,20",
                                    "alpha2019,islets,insulin independence,13,20"))
    _ok(capsys, "data", "import", str(changed), "--db", db)
    _ok(capsys, "analyze", "--db", db)
    stale = json.loads(_ok(capsys, "grade", "list", "--stale", "--db", db, "--json"))
    assert [(r["analysis"], r["run_id"] < r["latest_run_id"]) for r in stale] == [(SLUG, True)]

    # the summary of findings is rebuilt from the run the rating judged
    table = tmp_path / "sof.csv"
    _ok(capsys, "grade", "sof", SLUG, "-o", str(table), "--baseline-risk", "0.2", "--db", db)
    rows = list(csv.reader(io.StringIO(table.read_text())))
    assert OUTCOME in rows[1][0] and "per 1,000" in " ".join(rows[0] + rows[1])
    page = tmp_path / "tables" / "sof.html"  # a missing directory is created
    _ok(capsys, "grade", "sof", SLUG, "-o", str(page), "--db", db)
    assert "<table" in page.read_text()
    data = json.loads(_ok(capsys, "grade", "sof", SLUG, "--db", db, "--json"))
    assert data["stale"] == [SLUG] and len(data["rows"]) == 1


def test_bad_grade_commands_are_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["grade", "show", "nope"], "no analysis 'nope'"),
        (["grade", "sof", SLUG], "no rating yet"),
        (["grade", "flag", SLUG, "colour"], "unknown flag"),
        (["grade", "flag", SLUG, "population"], "names its --study"),
        (["grade", "flag", SLUG, "population", "--study", "nope"], "no study 'nope'"),
        (["grade", "rate", SLUG, "--override", "luck=-1: x"], "the domain is one of"),
        (["grade", "sof", SLUG, "-o", "sof.txt"], ".html or .csv or .json"),
        (["grade", "sof", SLUG, "--baseline-risk", "2"], "between 0 and 1"),
    ]
    for args, expected in cases:
        code, _, err = _run(capsys, *args, "--db", db)
        assert code == 1, args
        assert expected in err and "Traceback" not in err, (args, err)
