"""``evidencehub review simulate``: JSON contract, determinism, human output, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencehub.cli import main
from tests.review.synthetic import csv_text, records


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "synergy.csv"
    path.write_text(csv_text(records()), encoding="utf-8")
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["review", "simulate", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_contract_and_seed(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(data), "--prior-included", "1", "--prior-excluded", "1", "--seed", "4", "--json"]
    code, out, err = _run(args, capsys)
    assert code == 0, err
    got = json.loads(out)
    assert len(got["order"]) == 200 and len(set(got["order"])) == 200
    assert got["order"][:2] == got["prior_record_ids"]
    assert all(isinstance(r, int) for r in got["order"])
    assert set(got["metrics"]) >= {"wss@95", "recall@10%", "atd"}
    assert got["model"] == "svm" and got["seed"] == 4
    assert json.loads(_run(args, capsys)[1]) == got


def test_prior_ids_and_models(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run([str(data), "--prior-ids", "1005, 1006", "--model", "import-order",
                         "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    assert got["prior_record_ids"] == [1005, 1006]
    assert got["order"][2:5] == [1000, 1001, 1002]


def test_human_output_is_a_table_of_the_metrics(data: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run([str(data), "--prior-included", "1", "--prior-excluded", "1"], capsys)
    assert code == 0
    for word in ("recall@10%", "WSS@95", "ATD (records)", "priors:"):
        assert word in out


@pytest.mark.parametrize(("args", "message"), [
    (["--prior-ids", "1000", "--prior-included", "1"],
     "error: --prior-ids: give --prior-ids or --prior-included/--prior-excluded, not both"),
    (["--prior-ids", "1000,,1001"], "error: --prior-ids: expected record ids separated by "
                                    "commas, got '1000,,1001'"),
    (["--model", "bert"], "error: --model: unknown model 'bert'; expected one of svm, random, "
                          "import-order"),
    (["--prior-ids", "7"], "error: --prior-ids: record_id '7' is not in synergy.csv"),
])
def test_errors_are_one_line(data: Path, args: list[str], message: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run([str(data), *args, "--json"], capsys)
    assert code == 1 and out == ""
    assert err.strip() == message


def test_a_bad_file_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("record_id,title,abstract,label_included\n1,a,b,2\n", encoding="utf-8")
    code, _, err = _run([str(path), "--json"], capsys)
    assert code == 1
    assert err.strip() == ("error: bad.csv, line 2: column 'label_included': expected 0 or 1, "
                           "got '2'")
