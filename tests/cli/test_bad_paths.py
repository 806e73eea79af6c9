"""Every path a user can type that cannot be used gives one line on stderr and exit status 1.

Stores (``--db``): a file that is not a database, a directory, a missing or read-only
directory, another application's database, a malformed URL; a store that does not exist, for
the commands that only read (they never create one). Output paths: ``import --report`` with an
unknown extension or an unwritable location, ``build --site`` / ``demo --site`` that cannot be
written. Each is refused before anything is written.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from evidencehub.cli import main
from evidencehub.publish.site import MARKER
from evidencehub.store import init_db
from tests.readonly import read_only

DATA = Path(__file__).resolve().parents[1] / "data"
RIS = DATA / "ris" / "rispy_example_full.ris"

#: Commands that only read the store, with the arguments they need besides ``--db``.
READERS = {
    "records": ["records"],
    "trials": ["trials"],
    "duplicates": ["duplicates", "--json"],
    "build": ["build", "--site", "{tmp}/site"],
    "serve": ["serve", "--site", "{tmp}/built"],
}
#: Commands that write, creating the store if need be. fetch fails before going online.
WRITERS = {
    "import": ["import", str(RIS)],
    "fetch": ["fetch", "pubmed", "--id", "1"],
    "demo": ["demo", "--no-serve", "--json", "--site", "{tmp}/site"],
}
NO_STORE = "no store at {p}; run `evidencehub import` or `evidencehub demo` first"
NOT_SQLITE = "{p} is not an evidencehub store: the file is not a SQLite database"
A_DIRECTORY = "cannot open the store at {p}: it is a directory, not a database file"
FOREIGN = (
    "{p} is not an evidencehub store: it holds other tables (people) and no evidencehub "
    "schema; give another --db"
)
BAD_URL = (
    "not a database URL: '://hub'; give a file path or a URL such as "
    "postgresql+psycopg://user@host/database"
)
UNSUPPORTED = (
    "evidencehub stores its data in SQLite or PostgreSQL; 'mysql' is not supported "
    "(give a file path or postgresql+psycopg://user@host/database)"
)


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(status: int, out: str, err: str, message: str) -> None:
    assert "Traceback" not in out + err
    assert err == f"error: {message}\n"
    assert status == 1


def _place(kind: str, tmp: Path) -> str:
    """Make the bad ``--db`` of ``kind`` under ``tmp``; return what the user types."""
    path = tmp / "hub.db"
    if kind == "text file":
        path.write_text("title,year\nIslets,2019\n", encoding="utf-8")
    elif kind == "random bytes":
        path.write_bytes(random.Random(8).randbytes(8192))
    elif kind == "directory":
        path.mkdir()
    elif kind == "another application's database":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE people (name TEXT)")
        connection.close()
    elif kind == "empty file":
        path.touch()
    elif kind == "missing directory":
        path = tmp / "no" / "such" / "dir" / "hub.db"
    elif kind == "file in the way":
        (tmp / "notes").write_text("a file, not a directory\n", encoding="utf-8")
        path = tmp / "notes" / "hub.db"
    elif kind == "malformed URL":
        return "://hub"
    elif kind == "unsupported database":
        return "mysql://user@localhost/hub"
    return str(path)


def _argv(template: list[str], tmp: Path, db: str) -> list[str]:
    return [a.replace("{tmp}", str(tmp)) for a in template] + ["--db", db]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """``tmp_path`` with a built site (its marker) for ``serve``."""
    (tmp_path / "built").mkdir()
    (tmp_path / "built" / MARKER).write_text("built\n", encoding="utf-8")
    return tmp_path


READ_CASES = {
    "text file": NOT_SQLITE,
    "random bytes": NOT_SQLITE,
    "directory": A_DIRECTORY,
    "another application's database": FOREIGN,
    "empty file": NO_STORE,
    "missing file": NO_STORE,
    "missing directory": NO_STORE,
    "file in the way": NO_STORE,
    "malformed URL": BAD_URL,
    "unsupported database": UNSUPPORTED,
}


@pytest.mark.parametrize("kind", list(READ_CASES))
@pytest.mark.parametrize("command", list(READERS))
def test_reading_commands_refuse_a_bad_or_missing_store(
    command: str, kind: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _place(kind, tmp)
    before = sorted(p.relative_to(tmp) for p in tmp.rglob("*"))
    status, out, err = run(capsys, _argv(READERS[command], tmp, db))
    assert_one_error_line(status, out, err, READ_CASES[kind].format(p=db))
    assert sorted(p.relative_to(tmp) for p in tmp.rglob("*")) == before, "something was written"


WRITE_CASES = {
    "text file": NOT_SQLITE,
    "random bytes": NOT_SQLITE,
    "directory": A_DIRECTORY,
    "another application's database": FOREIGN,
    "missing directory": "cannot create a store at {p}: directory {parent} does not exist",
    "file in the way": "cannot create a store at {p}: {parent} is a file, not a directory",
    "malformed URL": BAD_URL,
    "unsupported database": UNSUPPORTED,
}


@pytest.mark.parametrize("kind", list(WRITE_CASES))
@pytest.mark.parametrize("command", list(WRITERS))
def test_writing_commands_refuse_a_location_that_cannot_hold_a_store(
    command: str, kind: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _place(kind, tmp)
    content = {p: p.read_bytes() for p in tmp.rglob("*") if p.is_file()}
    status, out, err = run(capsys, _argv(WRITERS[command], tmp, db))
    message = WRITE_CASES[kind].format(p=db, parent=Path(db).parent)
    assert_one_error_line(status, out, err, message)
    assert {p: p.read_bytes() for p in tmp.rglob("*") if p.is_file()} == content
    assert not (tmp / "site").exists()


@pytest.mark.parametrize("command", list(WRITERS))
def test_writing_commands_refuse_a_read_only_directory(
    command: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp / "read-only"
    folder.mkdir()
    db = folder / "hub.db"
    with read_only(folder):
        status, out, err = run(capsys, _argv(WRITERS[command], tmp, str(db)))
    message = f"cannot create a store at {db}: directory {folder} is not writable"
    assert_one_error_line(status, out, err, message)
    assert not db.exists()


@pytest.mark.parametrize("command", list(READERS))
def test_reading_commands_explain_a_store_in_a_read_only_directory(
    command: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp / "read-only"
    folder.mkdir()
    db = folder / "hub.db"
    init_db(str(db)).dispose()
    with read_only(folder):
        status, out, err = run(capsys, _argv(READERS[command], tmp, str(db)))
    message = (
        f"cannot open the store at {db}: its directory {folder} is not writable "
        "(SQLite writes its journal beside the file)"
    )
    assert_one_error_line(status, out, err, message)


# --------------------------------------------------------------------------- output paths


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        ("bad.txt", "unknown extension '.txt'; give a .csv or .json file"),
        ("bad.CSV.gz", "unknown extension '.gz'; give a .csv or .json file"),
        ("bad", "no extension; give a .csv or .json file"),
        ("folder.csv", "is a directory; give a .csv or .json file"),
        ("notes/bad.csv", "{tmp}/notes is a file, not a directory"),
        ("notes/deeper/bad.json", "{tmp}/notes is a file, not a directory"),
    ],
)
def test_import_refuses_a_report_path_before_importing(
    report: str, problem: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp / "folder.csv").mkdir()
    (tmp / "notes").write_text("a file\n", encoding="utf-8")
    db = tmp / "hub.db"
    status, out, err = run(
        capsys, ["import", str(RIS), "--skip-bad", "--report", str(tmp / report), "--db", str(db)]
    )
    message = f"--report {tmp / report}: {problem.format(tmp=tmp)}"
    assert_one_error_line(status, out, err, message)
    assert not db.exists(), "the store was created although the import was refused"


def test_import_refuses_a_report_in_a_read_only_directory(
    tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp / "read-only"
    folder.mkdir()
    db = tmp / "hub.db"
    with read_only(folder):
        status, out, err = run(
            capsys, ["import", str(RIS), "--report", str(folder / "bad.csv"), "--db", str(db)]
        )
    message = f"--report {folder / 'bad.csv'}: directory {folder} is not writable"
    assert_one_error_line(status, out, err, message)
    assert not db.exists()


def test_import_refuses_a_read_only_report_file(
    tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp / "bad.json"
    report.write_text("[]\n", encoding="utf-8")
    db = tmp / "hub.db"
    with read_only(report):
        status, out, err = run(
            capsys, ["import", str(RIS), "--report", str(report), "--db", str(db)]
        )
    assert_one_error_line(status, out, err, f"--report {report}: the file is not writable")
    assert not db.exists() and report.read_text(encoding="utf-8") == "[]\n"


@pytest.fixture
def store(tmp: Path) -> str:
    db = tmp / "hub.db"
    init_db(str(db)).dispose()
    return str(db)


SITE_CASES = {
    "a file": ("notes", "--site {site}: is a file, not a directory"),
    "under a file": ("notes/site", "--site {site}: {tmp}/notes is a file, not a directory"),
}


@pytest.mark.parametrize("case", list(SITE_CASES))
@pytest.mark.parametrize("command", ["build", "demo"])
def test_site_commands_refuse_a_site_path_with_a_file_in_the_way(
    command: str, case: str, tmp: Path, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp / "notes").write_text("a file\n", encoding="utf-8")
    where, problem = SITE_CASES[case]
    site = tmp / where
    argv = [command, "--site", str(site), "--db", store]
    argv += ["--no-serve", "--json"] if command == "demo" else []
    status, out, err = run(capsys, argv)
    assert_one_error_line(status, out, err, problem.format(site=site, tmp=tmp))
    assert (tmp / "notes").read_text(encoding="utf-8") == "a file\n"


@pytest.mark.parametrize("existing", [False, True], ids=["new site", "existing site"])
@pytest.mark.parametrize("command", ["build", "demo"])
def test_site_commands_refuse_a_read_only_location(
    command: str, existing: bool, tmp: Path, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = tmp / "read-only"
    site = parent / "site"
    parent.mkdir()
    if existing:
        site.mkdir()
        (site / MARKER).write_text("built\n", encoding="utf-8")
    locked = site if existing else parent
    argv = [command, "--site", str(site), "--db", store]
    argv += ["--no-serve", "--json"] if command == "demo" else []
    stored = Path(store).read_bytes()
    with read_only(locked):
        status, out, err = run(capsys, argv)
    assert_one_error_line(status, out, err, f"--site {site}: directory {locked} is not writable")
    assert sorted(p.name for p in parent.rglob("*")) == (
        sorted(["site", MARKER]) if existing else []
    )
    assert Path(store).read_bytes() == stored
