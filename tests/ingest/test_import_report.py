"""The import report (ingest.import_report): counts, summary, and the report of bad records."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evidencehub.ingest.base import Rejected
from evidencehub.ingest.import_report import CandidateDuplicate, ImportReport, write_bad_report
from evidencehub.store.repo._common import UpsertOutcome


def test_report_summary_and_dict() -> None:
    report = ImportReport(paths=["a.ris"], read=3, created=2, unchanged=1, trials_created=1)
    text = report.summary()
    assert text.startswith("3 read from 1 file(s): 2 new, 0 updated, 1 unchanged")
    assert "Trials: 1 new" in text
    assert report.to_dict()["created"] == 2 and report.to_dict()["rejected"] == []


def test_counts_and_what_the_summary_lists() -> None:
    report = ImportReport(paths=["a.ris", "b.xml"])
    for outcome in (UpsertOutcome.CREATED, UpsertOutcome.UPDATED, UpsertOutcome.UPDATED):
        report.count(outcome)
    report.count(UpsertOutcome.UNCHANGED, trial=True)
    report.rejected.append(Rejected("a.ris", "record 2", "no title"))
    report.candidates.append(
        CandidateDuplicate("doi:10.1/x", "title:x", "title", 85.0, "b.xml", "record 1")
    )
    report.report_path = "bad.csv"
    assert (report.created, report.updated, report.trials_unchanged) == (1, 2, 1)
    text = report.summary()
    assert "Trials: 0 new, 0 updated, 1 unchanged." in text
    assert "1 bad record(s) skipped; listed in bad.csv." in text
    assert "1 possible duplicate(s) kept apart for review" in text
    assert report.to_dict()["rejected"] == [
        {"source": "a.ris", "where": "record 2", "problem": "no title"}
    ]


@pytest.mark.parametrize("name", ["bad.csv", "sub/bad.json"])
def test_write_bad_report(tmp_path: Path, name: str) -> None:
    rejected = [
        Rejected("a.ris", "record 2 (line 9)", "no title, ok?"),
        Rejected("b.nbib", "line 1", "bad PMID"),
    ]
    path = tmp_path / name
    write_bad_report(path, rejected)
    if path.suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    assert rows == [{"source": r.source, "where": r.where, "problem": r.problem} for r in rejected]
