"""``evidencehub user add|list`` and ``evidencehub routes``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evidencehub.cli import main
from evidencehub.store import init_db
from evidencehub.store.repo import users as users_repo
from evidencehub.store.session import make_engine, transaction
from evidencehub.web.passwords import verify_password


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def db(tmp_path: Path) -> str:
    """An empty store (the path of its SQLite file)."""
    path = tmp_path / "hub.db"
    init_db(str(path)).dispose()
    return str(path)


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password.txt"
    path.write_text("a long enough passphrase\nignored second line\n", encoding="utf-8")
    return path


def test_user_add_stores_only_a_hash_of_the_first_line(
    db: str, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "user", "add", "alice", "--role", "admin",
                           "--password-file", str(password_file), "--db", db, "--json")
    assert status == 0, err
    shown = json.loads(out)
    assert shown["name"] == "alice" and shown["role"] == "admin"
    assert "password" not in out and "argon2" not in out
    engine = make_engine(f"sqlite:///{db}")
    try:
        with transaction(engine) as session:
            stored = users_repo.get_user(session, "alice")
    finally:
        engine.dispose()
    assert stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored.password_hash, "a long enough passphrase")
    assert not verify_password(stored.password_hash, "ignored second line")


def test_user_add_reads_the_password_from_standard_input(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("from standard input\n"))
    status, _, err = run(capsys, "user", "add", "bob", "--role", "reviewer", "--db", db)
    assert status == 0, err
    status, out, err = run(capsys, "user", "list", "--db", db, "--json")
    assert status == 0, err
    assert [(u["name"], u["role"]) for u in json.loads(out)] == [("bob", "reviewer")]


@pytest.mark.parametrize(
    ("password", "says"),
    [("short", "at least 8 characters"), ("x" * 1025, "at most 1024 characters"),
     ("", "at least 8 characters")],
)
def test_user_add_refuses_a_bad_password_in_one_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], password: str, says: str
) -> None:
    path = tmp_path / "pw.txt"
    path.write_text(password, encoding="utf-8")
    status, out, err = run(capsys, "user", "add", "carol", "--role", "editor",
                           "--password-file", str(path), "--db", db)
    assert status == 1 and out == ""
    assert says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_user_add_refuses_a_missing_password_file_and_a_duplicate_name(
    db: str, tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "user", "add", "dan", "--role", "editor",
                         "--password-file", str(tmp_path / "missing.txt"), "--db", db)
    assert status == 1 and "missing.txt" in err and "Traceback" not in err
    assert run(capsys, "user", "add", "dan", "--role", "editor",
               "--password-file", str(password_file), "--db", db)[0] == 0
    status, _, err = run(capsys, "user", "add", "dan", "--role", "admin",
                         "--password-file", str(password_file), "--db", db)
    assert status == 1 and "exists already" in err and "Traceback" not in err
    status, out, _ = run(capsys, "user", "list", "--db", db, "--json")
    assert [(u["name"], u["role"]) for u in json.loads(out)] == [("dan", "editor")]


def test_user_add_refuses_an_unknown_role_and_a_padded_name(
    db: str, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "user", "add", "eve", "--role", "owner",
                         "--password-file", str(password_file), "--db", db)
    assert status == 2 and "owner" in err
    status, _, err = run(capsys, "user", "add", " eve", "--role", "admin",
                         "--password-file", str(password_file), "--db", db)
    assert status == 1 and "surrounding spaces" in err


@pytest.mark.parametrize("command", [["list"], ["add", "fay", "--role", "admin"]])
def test_user_on_a_store_that_does_not_exist_says_so_and_creates_none(
    tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    if command[0] == "add":
        command += ["--password-file", str(password_file)]
    status, _, err = run(capsys, "user", *command, "--db", str(tmp_path / "none.db"))
    assert status == 1 and "no store" in err and "Traceback" not in err
    assert not (tmp_path / "none.db").exists()


def test_routes_json_is_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "routes", "--json")
    assert status == 0, err
    table = json.loads(out)
    assert all(set(row) == {"path", "methods", "role"} for row in table)
    assert all(":" not in row["path"] for row in table)  # {param}, never {param:converter}
    paths = {row["path"] for row in table}
    assert {"/", "/search", "/login", "/logout"} <= paths
    assert any("page" in path and "{" in path for path in paths)
    login = [row for row in table if row["path"] == "/login"]
    assert sorted(m for row in login for m in row["methods"]) == ["GET", "POST"]
    assert all(row["role"] in (None, "admin", "editor", "reviewer") for row in table)
