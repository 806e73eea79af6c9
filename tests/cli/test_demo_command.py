"""``evidencehub demo``: options, JSON output, help, idempotence through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencehub.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_demo_builds_store_and_site_without_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, site = tmp_path / "hub.db", tmp_path / "public"
    status, out, err = run(
        capsys, "demo", "--db", str(db), "--site", str(site), "--no-serve", "--json"
    )
    assert status == 0, err
    report = json.loads(out)
    assert report["database_url"] == f"sqlite:///{db}"
    assert report["site_dir"] == str(site)
    assert report["counts"]["analyses fitted"] == 5  # Benfluorex is run too, and shown not pooled
    assert (site / "pages" / "hba1c-glucose-lowering-drugs.html").is_file()
    first = (site / "index.json").read_bytes()
    status, out, _ = run(
        capsys, "demo", "--db", str(db), "--site", str(site), "--no-serve", "--json"
    )
    again = json.loads(out)
    assert status == 0 and again["counts"].pop("new runs") == 0  # nothing was stale
    report["counts"].pop("new runs")
    assert again == report
    assert (site / "index.json").read_bytes() == first


def test_demo_human_output_lists_stages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "demo",
        "--db",
        str(tmp_path / "hub.db"),
        "--site",
        str(tmp_path / "site"),
        "--no-serve",
    )
    assert status == 0
    for line in (
        "Create the store",
        "Import the demo corpus",
        "Run the meta-analyses",
        "Attach evidence labels",
        "Build the site",
    ):
        assert line in out
    assert f"Site:  {tmp_path / 'site'}" in out


def test_demo_refuses_a_foreign_site_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    status, _, err = run(
        capsys,
        "demo",
        "--db",
        str(tmp_path / "hub.db"),
        "--site",
        str(tmp_path / "mine"),
        "--no-serve",
    )
    assert status == 1
    assert "was not built by evidencehub" in err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_demo_help_says_what_and_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "demo", "--help")
    assert status == 0
    assert "Build the demo hub from the bundled corpus and serve it." in out
    assert "Example:" in out and "evidencehub demo --db hub.db" in out
    for option in ("--db", "--site", "--port", "--no-serve"):
        assert option in out
