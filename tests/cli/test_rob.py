"""``evidencehub rob …`` (cli/rob.py): dual assessment, consensus and plots through the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencehub.cli import main

LOW = "1.1=Y 1.2=Y 1.3=N 2.1=N 2.2=N 2.6=Y 3.1=Y 4.1=N 4.2=N 4.3=N 5.1=Y 5.2=N 5.3=N"
ROWS = """study,arm,outcome,events,total,design
alpha2019,islets,insulin independence,12,20,randomised-controlled-trial
alpha2019,control,insulin independence,4,20,randomised-controlled-trial
beta2020,islets,insulin independence,9,30,randomised-controlled-trial
beta2020,control,insulin independence,5,30,randomised-controlled-trial
gamma2021,islets,insulin independence,20,60,randomised-controlled-trial
gamma2021,control,insulin independence,10,60,randomised-controlled-trial
"""
OUTCOME = "insulin independence"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "hub.db")
    arms = tmp_path / "arms.csv"
    arms.write_text(ROWS)
    for args in (["data", "import", str(arms)],
                 ["analysis", "add", "islets-independence", "--outcome", OUTCOME, "--measure",
                  "RR", "--experimental", "islets", "--control", "control"],
                 ["analyze", "--all"]):
        code, _, err = _run(capsys, *args, "--db", path)
        assert code == 0, err
    return path


def _assess(capsys: pytest.CaptureFixture[str], db: str, study: str, who: str, answers: str,
            *extra: str) -> tuple[int, str, str]:
    return _run(capsys, "rob", "assess", study, "--outcome", OUTCOME, "--answers", answers,
                "--actor", who, "--db", db, "--json", *extra)


def test_two_reviewers_a_consensus_and_the_plots(db: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _assess(capsys, db, "alpha2019", "ana", LOW)
    assert code == 0, err
    assert json.loads(out)["overall"]["chosen"] == "low"
    code, out, err = _assess(capsys, db, "alpha2019", "ben", LOW.replace("1.2=Y", "1.2=NI"))
    assert code == 0, err
    assert json.loads(out)["overall"]["proposed"] == "some concerns"

    code, out, _ = _run(capsys, "rob", "compare", "alpha2019", "--outcome", OUTCOME, "--db", db,
                        "--json")
    differences = json.loads(out)["discrepancies"]
    assert {"kind": "answer", "item": "1.2", "a": "Y", "b": "NI"} in differences
    assert any(d["kind"] == "judgement" and d["item"] == "D1" for d in differences)

    # a study assessed twice without consensus cannot be plotted or listed yet
    code, _, err = _run(capsys, "rob", "list", "--outcome", OUTCOME, "--study", "alpha2019",
                        "--db", db)
    assert code == 1 and "no consensus yet" in err and "Traceback" not in err
    code, _, err = _run(capsys, "rob", "consensus", "alpha2019", "--outcome", OUTCOME,
                        "--actor", "cy", "--db", db)
    assert code == 1 and "1.2 (Y vs NI)" in err
    code, out, err = _run(capsys, "rob", "consensus", "alpha2019", "--outcome", OUTCOME,
                          "--answers", "1.2=PY", "--actor", "cy", "--db", db, "--json")
    assert code == 0, err
    agreed = json.loads(out)
    assert (agreed["assessor"], agreed["overall"]["chosen"]) == ("cy", "low")

    code, _, err = _assess(capsys, db, "beta2020", "ana", LOW.replace("3.1=Y", "3.1=N 3.2=N 3.3=Y 3.4=Y"))
    assert code == 0, err
    code, out, _ = _run(capsys, "rob", "list", "--outcome", OUTCOME, "--analysis",
                        "islets-independence", "--db", db, "--json")
    listed = {item["study"]: item["assessment"] for item in json.loads(out)}
    assert listed["alpha2019"]["assessor"] == "cy"
    assert listed["beta2020"]["overall"]["chosen"] == "high"
    assert listed["gamma2021"] is None

    for kind in ("traffic-light", "summary"):
        target = tmp_path / "plots" / f"{kind}.svg"  # a missing directory is created
        code, _, err = _run(capsys, "rob", "plot", str(target), "--outcome", OUTCOME, "--kind",
                            kind, "--analysis", "islets-independence", "--db", db)
        assert code == 0, err
        svg = target.read_text()
        assert "<svg" in svg and "D5" in svg
    assert "alpha2019" in (tmp_path / "plots" / "traffic-light.svg").read_text()


def test_bad_assessments_are_one_line_each(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["rob", "assess", "alpha2019", "--outcome", OUTCOME, "--answers", LOW, "--judge",
          "D1=high"], "reason"),
        (["rob", "assess", "alpha2019", "--outcome", OUTCOME, "--answers", "1.1=Y"], "question"),
        (["rob", "assess", "alpha2019", "--outcome", OUTCOME, "--tool", "robins-i", "--judge",
          "D1=serious"], "missing D2"),
        (["rob", "assess", "nobody", "--outcome", OUTCOME, "--answers", LOW], "no study 'nobody'"),
        (["rob", "assess", "alpha2019", "--outcome", OUTCOME, "--answers", "1.1"], "QID=ANSWER"),
        (["rob", "assess", "alpha2019", "--outcome", OUTCOME, "--answers", LOW, "--review",
          "none"], "no review 'none'"),
        (["rob", "compare", "alpha2019", "--outcome", OUTCOME], "two reviewers"),
        (["rob", "plot", "out.txt", "--outcome", OUTCOME, "--study", "alpha2019"], ".svg or .png"),
    ]
    for args, expected in cases:
        code, _, err = _run(capsys, *args, "--db", db)
        assert code == 1, args
        assert expected in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err


def test_robins_i_is_judged_domain_by_domain(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    judged = [f"--judge=D{i}=low" for i in range(1, 8)]
    judged[0] = "--judge=D1=serious"
    code, out, err = _run(capsys, "rob", "assess", "gamma2021", "--outcome", OUTCOME, "--tool",
                          "robins-i", *judged, "--db", db, "--json", "--actor", "ana")
    assert code == 0, err
    assert json.loads(out)["overall"]["chosen"] == "serious"
    code, out, _ = _run(capsys, "rob", "questions", "--json")
    assert len(json.loads(out)) == 22
