"""``evidencehub import`` on malformed files: one ``error:`` line and exit 1, never a traceback,
never the exit 130 of an interruption (issue 12)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidencehub.cli import main

MALFORMED = Path(__file__).resolve().parents[1] / "data" / "malformed"
FIXTURES = sorted(p for p in MALFORMED.iterdir() if p.name != "README.md")
#: Fixtures whose only fault is a date part out of range (a year of 20 digits, 1e999): readers
#: drop an invalid date as they drop any unreadable date, so these import.
IMPORTABLE = {"crossref_010.json", "pubmed-xml_003.xml"}


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_import_of_a_malformed_file_prints_one_error_line(
    path: Path, tmp_path: Path, _sqlite_migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store.db"
    shutil.copyfile(_sqlite_migrated, store)  # a migrated store: no migration per test
    for options in ([], ["--format", path.name.rsplit("_", 1)[0]]):  # detected, and as told
        status = main(["import", str(path), "--db", f"sqlite:///{store}", *options])
        _, err = capsys.readouterr()
        if path.name in IMPORTABLE:
            assert (status, err) == (0, "")
            continue
        assert status == 1
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith(f"error: {path}")


def test_corrupt_gzip_with_its_format_is_an_error_not_an_interruption(tmp_path: Path) -> None:
    # click turns an EOFError escaping a command into "Aborted." and exit 130, as for Ctrl-C.
    done = subprocess.run(
        [sys.executable, "-m", "evidencehub", "import", str(MALFORMED / "pubmed-xml_001.xml"),
         "--format", "pubmed-xml", "--db", f"sqlite:///{tmp_path / 'store.db'}"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: {MALFORMED / 'pubmed-xml_001.xml'}: truncated or corrupt gzip data: Compressed file "
        "ended before the end-of-stream marker was reached"
    ]
