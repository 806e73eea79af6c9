"""Tests for evidencehub.config.database_url."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencehub.config import DATABASE_ENV, database_url
from evidencehub.errors import ConfigError


def test_default_is_sqlite_file_in_working_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / 'evidencehub.db'}"


def test_option_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATABASE_ENV, "postgresql://u@localhost/hub")
    assert database_url() == "postgresql+psycopg://u@localhost/hub"
    assert database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
        (":memory:", "sqlite://"),
    ],
)
def test_urls(given: str, expected: str) -> None:
    assert database_url(given) == expected


def test_blank_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    with pytest.raises(ConfigError, match="database location is empty"):
        database_url("   ")
