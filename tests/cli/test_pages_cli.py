"""``evidencehub pages import`` and ``evidencehub pages export``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evidencehub.cli import main
from evidencehub.data import DEMO_DIR
from evidencehub.store.repo import page_versions as versions_repo
from evidencehub.store.session import make_engine, transaction
from tests.publish.conftest import demo_store  # noqa: F401 - fixture


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def db(demo_store: str, tmp_path: Path) -> str:  # noqa: F811 - the imported fixture
    """A copy of the demo store of this test's own (a path)."""
    target = tmp_path / "hub.db"
    shutil.copyfile(demo_store.removeprefix("sqlite:///"), target)
    return str(target)


def _versions(db: str, slug: str) -> list[versions_repo.PageVersion]:
    engine = make_engine(db)
    try:
        with transaction(engine) as session:
            return versions_repo.list_versions(session, slug)
    finally:
        engine.dispose()


def test_export_then_import_changes_nothing(db: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pages"
    status, stdout, err = run(capsys, "pages", "export", "--db", db, "--out", str(out), "--json")
    assert status == 0, err
    files = json.loads(stdout)["files"]
    assert sorted(Path(f).name for f in files) == sorted(
        p.name for p in (DEMO_DIR / "pages").glob("*.md"))
    status, stdout, err = run(capsys, "pages", "import", *files, "--db", db, "--json")
    assert status == 0, err
    assert {row["outcome"] for row in json.loads(stdout)} == {"unchanged"}
    again = tmp_path / "again"
    run(capsys, "pages", "export", "--db", db, "--out", str(again))
    for file in files:
        assert (again / Path(file).name).read_bytes() == Path(file).read_bytes()


def test_the_demo_files_import_unchanged_into_the_demo_store(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (DEMO_DIR / "pages").glob("*.md"))
    status, stdout, err = run(capsys, "pages", "import", *files, "--db", db, "--json")
    assert status == 0, err
    assert [row["outcome"] for row in json.loads(stdout)] == ["unchanged"] * len(files)
    assert _versions(db, "ipsc-derived-cell-therapy") == []


def test_a_changed_page_gets_a_new_version_with_actor_and_time(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pages"
    run(capsys, "pages", "export", "--db", db, "--out", str(out))
    page = out / "stem-cell-derived-insulin.md"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "only cells that make insulin", "only cells that make insulin in the body"),
        encoding="utf-8")
    status, stdout, err = run(capsys, "pages", "import", str(page), "--db", db,
                              "--actor", "alice")
    assert status == 0, err
    assert stdout == "stem-cell-derived-insulin: updated (version 2)\n"
    versions = _versions(db, "stem-cell-derived-insulin")
    assert [(v.version, v.actor) for v in versions] == [(2, "alice"), (1, "evidencehub demo")]
    assert versions[0].note == "imported from stem-cell-derived-insulin.md"
    assert "in the body" in versions[0].source.page.body
    assert "in the body" not in versions[1].source.page.body
    assert versions[0].recorded_at >= versions[1].recorded_at
    status, stdout, _ = run(capsys, "pages", "import", str(page), "--db", db, "--actor", "bob")
    assert stdout == "stem-cell-derived-insulin: unchanged (version 2)\n"


def _write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return str(tmp_path / name)


GOOD = '+++\nslug = "good"\nkind = "article"\ntitle = "Good"\n+++\nFine [@mandai2017].\n'


@pytest.mark.parametrize(("text", "message"), [
    ('+++\nslug = "x"\n', "the front matter is not closed by a '+++' line"),
    ("no front matter\n", "line 1: a page starts with a '+++' line opening its front matter"),
    ('+++\nslug = "x"\nkind = "article"\ntitle = "T"\n+++\nSee [@nosuch].\n',
     "page 'x' cites study 'nosuch', which is not in the store; import the study first "
     "(or correct the key)"),
    ('+++\nslug = "x"\nkind = "article"\ntitle = "T"\n+++\nA claim {made-up}.\n',
     "unknown evidence tag {made-up}"),
    ('+++\nslug = "Bad Slug"\nkind = "article"\ntitle = "T"\n+++\n', "field 'slug'"),
    ('+++\nslug = "x"\nkind = "article"\ntitle = "T"\nanalysis_slugs = ["nope"]\n+++\n',
     "no analysis 'nope' in the store"),
])
def test_a_bad_file_is_one_line_naming_it_and_nothing_is_written(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
        message: str) -> None:
    good = _write(tmp_path, "good.md", GOOD)
    bad = _write(tmp_path, "bad.md", text)
    status, stdout, err = run(capsys, "pages", "import", good, bad, "--db", db)
    assert status == 1 and stdout == ""
    assert err.startswith(f"error: {bad}") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    status, stdout, _ = run(capsys, "pages", "export", "--db", db, "--out",
                            str(tmp_path / "out"), "--json")
    assert "good.md" not in stdout  # one transaction: the good file was not kept either


def test_unreadable_and_duplicate_files(db: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "pages", "import", str(tmp_path / "missing.md"), "--db", db)
    assert status == 1 and err.startswith(f"error: {tmp_path / 'missing.md'}: cannot read")
    (tmp_path / "binary.md").write_bytes(b"\xff\xfe\x00")
    status, _, err = run(capsys, "pages", "import", str(tmp_path / "binary.md"), "--db", db)
    assert status == 1 and err.strip() == f"error: {tmp_path / 'binary.md'}: not UTF-8 text"
    one, two = _write(tmp_path, "one.md", GOOD), _write(tmp_path, "two.md", GOOD)
    status, _, err = run(capsys, "pages", "import", one, two, "--db", db)
    assert status == 1 and err.strip() == f"error: {two}: page 'good' is also in {one}"


def test_export_refuses_a_file_in_the_way(db: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    status, _, err = run(capsys, "pages", "export", "--db", db, "--out", str(tmp_path / "file"))
    assert status == 1 and "is a file, not a directory" in err
