"""``evidencehub review …`` (cli/review.py): the whole screening way on the command line, its
JSON, and one-line errors for what a user can get wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evidencehub.cli import main

PUBMED = Path(__file__).parents[1] / "data" / "pubmed_xml"


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
    return err


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    db = ["--db", str(tmp_path / "hub.db")]
    _ok(
        [
            "review",
            "create",
            "islets",
            "--title",
            "Islets",
            "--criterion",
            "P1=Not T1D",
            "--reviewer",
            "cy=resolver",
            *db,
        ],
        capsys,
    )
    return db


def test_search_screen_conflict_resolve(
    store: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(p) for p in sorted(PUBMED.glob("biopython_pubmed*.xml"))]
    found = _ok(
        [
            "review",
            "search",
            "islets",
            *files,
            "--source",
            "PubMed",
            "--query",
            "islet",
            "--date",
            "2026-11-30",
            "--actor",
            "ana",
            *store,
        ],
        capsys,
    )
    assert found["search"]["new"] and found["search"]["n_returned"] > 1
    again = _ok(
        [
            "review",
            "search",
            "islets",
            *files,
            "--source",
            "PubMed",
            "--query",
            "islet",
            "--date",
            "2026-11-30",
            *store,
        ],
        capsys,
    )
    assert not again["search"]["new"]

    batch = _ok(["review", "next", "islets", "--reviewer", "ana", "--n", "2", *store], capsys)
    assert {"id", "title", "abstract", "doi", "pmid"} <= set(batch["records"][0])
    first = str(batch["records"][0]["id"])
    made = _ok(
        ["review", "decide", "islets", first, "include", "--reviewer", "ana", *store], capsys
    )
    assert made["record"]["standing"] == "awaiting"
    made = _ok(
        [
            "review",
            "decide",
            "islets",
            first,
            "exclude",
            "--reviewer",
            "ben",
            "--reason",
            "P1",
            *store,
        ],
        capsys,
    )
    assert made["record"]["standing"] == "conflict"
    assert [v["reviewer"] for v in made["record"]["votes"]] == ["ana", "ben"]
    (conflict,) = _ok(["review", "conflicts", "islets", *store], capsys)
    assert conflict["record"]["id"] == int(first)
    settled = _ok(
        ["review", "resolve", "islets", first, "include", "--reviewer", "cy", *store], capsys
    )
    assert (settled["record"]["standing"], settled["record"]["outcome"]) == ("settled", "include")
    assert _ok(["review", "conflicts", "islets", *store], capsys) == []
    shown = _ok(["review", "history", "islets", first, "--reviewer", "ana", *store], capsys)
    assert [d["reviewer"] for d in shown] == ["ana", "ben", "cy"]
    (listed,) = _ok(["review", "list", *store], capsys)
    assert listed["slug"] == "islets" and {m["name"] for m in listed["members"]} == {"cy", "ana",
                                                                                    "ben"}


def test_blinded_history_and_next_hide_anothers_pending_vote(
    store: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(
        [
            "review",
            "search",
            "islets",
            str(PUBMED / "biopython_pubmed2.xml"),
            "--source",
            "PubMed",
            *store,
        ],
        capsys,
    )
    record = str(
        _ok(["review", "next", "islets", "--reviewer", "ana", "--order", "import", *store], capsys)[
            "records"
        ][0]["id"]
    )
    _ok(
        [
            "review",
            "decide",
            "islets",
            record,
            "include",
            "--reviewer",
            "ana",
            "--note",
            "mentions islets",
            *store,
        ],
        capsys,
    )
    assert _ok(["review", "history", "islets", record, "--reviewer", "ben", *store], capsys) == []
    batch = _ok(
        ["review", "next", "islets", "--reviewer", "ben", "--order", "import", *store], capsys
    )
    assert record in [str(r["id"]) for r in batch["records"]]
    assert "votes" not in batch["records"][0]


def test_user_errors_are_one_line(
    store: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "no review 'nope'" in _fails(
        ["review", "next", "nope", "--reviewer", "a", *store], capsys
    )
    assert "already exists" in _fails(
        ["review", "create", "islets", "--title", "x", *store], capsys
    )
    assert "--criterion" in _fails(
        ["review", "create", "x", "--title", "x", "--criterion", "nothing", *store], capsys
    )
    assert "--stage" in _fails(
        ["review", "next", "islets", "--reviewer", "a", "--stage", "abstract", *store], capsys
    )
    assert "LABEL" in _fails(
        ["review", "decide", "islets", "1", "yes", "--reviewer", "a", *store], capsys
    )
    assert "not in review" in _fails(
        ["review", "decide", "islets", "99", "include", "--reviewer", "a", *store], capsys
    )
    assert "no store" in _fails(
        ["review", "next", "islets", "--reviewer", "a", "--db", str(tmp_path / "missing.db")],
        capsys,
    )
    assert "--date" in _fails(
        [
            "review",
            "search",
            "islets",
            str(PUBMED / "biopython_pubmed2.xml"),
            "--source",
            "PubMed",
            "--date",
            "yesterday",
            *store,
        ],
        capsys,
    )


def test_status_and_prisma_from_the_decisions(
    store: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    files = [str(p) for p in sorted(PUBMED.glob("biopython_pubmed*.xml"))]
    _ok(["review", "search", "islets", *files, "--source", "PubMed", *store], capsys)
    _ok(
        [
            "review",
            "search",
            "islets",
            files[0],
            "--source",
            "Reference lists",
            "--kind",
            "other",
            "--method",
            "citation-searching",
            *store,
        ],
        capsys,
    )
    ids = [
        r["id"]
        for r in _ok(
            [
                "review",
                "next",
                "islets",
                "--reviewer",
                "ana",
                "--n",
                "9",
                "--order",
                "import",
                *store,
            ],
            capsys,
        )["records"]
    ]
    for record, (a, b) in zip(
        ids, [("include", "include"), ("exclude", "exclude"), ("include", "exclude")], strict=False
    ):
        _ok(["review", "decide", "islets", str(record), a, "--reviewer", "ana", *store], capsys)
        _ok(["review", "decide", "islets", str(record), b, "--reviewer", "ben", *store], capsys)
    _ok(
        [
            "review",
            "decide",
            "islets",
            str(ids[0]),
            "exclude",
            "--reviewer",
            "ana",
            "--stage",
            "full-text",
            "--reason",
            "P1",
            *store,
        ],
        capsys,
    )
    _ok(
        [
            "review",
            "decide",
            "islets",
            str(ids[0]),
            "exclude",
            "--reviewer",
            "ben",
            "--stage",
            "full-text",
            "--reason",
            "P1",
            *store,
        ],
        capsys,
    )
    status = _ok(["review", "status", "islets", *store], capsys)
    ta = status["stages"]["title-abstract"]
    assert (ta["included"], ta["excluded"], ta["conflicts"]) == (1, 1, 1)
    (pair,) = [p for p in status["agreement"] if p["stage"] == "title-abstract"]
    assert pair["reviewers"] == ["ana", "ben"] and pair["n"] == 3
    assert {"kappa", "kappa_ci_lb", "kappa_ci_ub", "pabak", "ac1"} <= set(pair)
    stopping = status["stopping"]
    assert stopping["recommendation"] == "continue" and stopping["n_screened"] == 2
    assert stopping["method"] == "ranked-quasi-sample" and "Callaghan" in stopping["criterion"]
    svg, csv = tmp_path / "new" / "flow.svg", tmp_path / "flow.csv"  # a new directory too
    flow = _ok(["review", "prisma", "islets", "--svg", str(svg), "--csv", str(csv), *store], capsys)
    assert flow["database_results"] == len(ids)
    assert flow["citations_results"] == 2
    assert flow["records_excluded"] == 1 and flow["dbr_assessed"] == 1
    assert [r["n"] for r in flow["dbr_excluded"]] == [1]
    assert svg.read_text(encoding="utf-8").startswith("<?xml")
    assert "database_results" in csv.read_text(encoding="utf-8")
    assert "--png" in _fails(
        ["review", "prisma", "islets", "--png", str(tmp_path / "x.jpg"), *store], capsys
    )


REVIEW_DATA = Path(__file__).parents[1] / "data" / "review"


def test_decisions_from_rayyan_come_in_once_and_go_out_again(
    store: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rayyan = str(REVIEW_DATA / "rayyan_rayyanR_tinea_update.ris")
    _ok(["review", "search", "islets", rayyan, "--source", "Embase", *store], capsys)
    first = _ok(["review", "import", "islets", rayyan, *store], capsys)
    assert first["tool"] == "rayyan" and first["decisions_recorded"] > 0
    again = _ok(["review", "import", "islets", rayyan, *store], capsys)
    assert (again["decisions_recorded"], again["decisions_unchanged"]) == (
        0, first["decisions_recorded"])
    status = _ok(["review", "status", "islets", *store], capsys)
    assert {r["name"] for r in status["reviewers"]} >= {"Zbys", "m.el-gohary"}
    out = tmp_path / "exports" / "review.ris"
    written = _ok(["review", "export", "islets", "--format", "ris", "-o", str(out), *store],
                  capsys)
    assert written["records"] == status["records"]
    back = _ok(["review", "import", "islets", str(out), *store], capsys)
    assert back["tool"] == "evidencehub" and back["decisions_recorded"] == 0
    assert "--output" in _fails(["review", "export", "islets", "--format", "ris", "-o",
                                 str(tmp_path / "x.csv"), *store], capsys)
