"""``evidencehub build`` and ``evidencehub serve``."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from evidencehub.cli import main
from evidencehub.demo import run_demo
from evidencehub.store import init_db
from tests.serving import serving


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-site")
    run_demo(str(root / "hub.db"), root / "site")
    return root / "hub.db"


def test_build_from_the_store(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys, "build", "--db", str(demo_db), "--site", str(tmp_path / "out"), "--json"
    )
    assert status == 0, err
    # the static files are the stylesheet and the icon (the web app's scripts stay out), one
    # funnel plot for each of the 3 analyses pooling 3 or more studies, and the trial tracker
    # (trials.html and its JSON twin)
    assert json.loads(out) == {"site_dir": str(tmp_path / "out"), "files": 108, "pages": 49}
    built = {
        p.relative_to(tmp_path / "out"): p.read_bytes()
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    }
    demo_site = demo_db.parent / "site"
    assert built == {
        p.relative_to(demo_site): p.read_bytes() for p in demo_site.rglob("*") if p.is_file()
    }


def test_build_an_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init_db(str(tmp_path / "empty.db")).dispose()
    status, out, _ = run(
        capsys, "build", "--db", str(tmp_path / "empty.db"), "--site", str(tmp_path / "s")
    )
    assert status == 0
    assert out.startswith("Built 3 pages")
    assert "0 pages · 0 studies" in (tmp_path / "s" / "index.html").read_text()


def test_serve_without_a_site_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(
        capsys, "serve", "--db", str(tmp_path / "x.db"), "--site", str(tmp_path / "none")
    )
    assert status == 1
    assert f"error: no site built in {tmp_path / 'none'}; run `evidencehub build --site" in err


@pytest.mark.parametrize("command", ["build", "serve"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert "Example:" in out and f"evidencehub {command}" in out


@pytest.mark.slow
def test_serve_answers_http(demo_db: Path) -> None:
    with serving(demo_db, demo_db.parent / "site") as base:
        with urllib.request.urlopen(base + "/index.json", timeout=5) as response:
            index = json.load(response)
        assert index["counts"]["studies"] == 34
        with urllib.request.urlopen(
            base + "/search.json?q=islets", timeout=5
        ) as response:
            found = json.load(response)
        assert [h["key"] for g in found["groups"] if g["kind"] == "record"
                for h in g["hits"]] == ["doi:10.1056/nejmoa2506549"]
