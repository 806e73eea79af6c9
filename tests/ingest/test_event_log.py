"""An import event's bookkeeping (ingest.event_log): strongest outcome, keys that change."""

from __future__ import annotations

import pytest

from evidencehub.ingest.event_log import EventLog
from evidencehub.ingest.import_report import ImportReport
from evidencehub.model import ImportOutcome

C, M, U, N = (ImportOutcome.CREATED, ImportOutcome.MERGED, ImportOutcome.UPDATED,
              ImportOutcome.UNCHANGED)  # fmt: skip


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(C, M, C), (M, C, C), (M, U, M), (U, M, M), (U, N, U), (N, U, U), (N, N, N), (N, None, N)],
)
def test_the_stronger_outcome(
    a: ImportOutcome, b: ImportOutcome | None, expected: ImportOutcome
) -> None:
    assert a.stronger(b) is expected


def test_a_record_met_twice_keeps_the_strongest_and_every_item_counts() -> None:
    log = EventLog(ImportReport())
    log.note("pmid:1", C)
    log.note("pmid:1", N)  # a second copy in the same file
    log.note("doi:10.1/x", N)
    log.note("doi:10.1/x", M)
    log.count(U)  # a trial
    assert log.outcomes == {"pmid:1": C, "doi:10.1/x": M}
    assert log.counts == {C: 1, N: 2, M: 1, U: 1}


def test_a_renamed_record_carries_its_outcome_and_pairs() -> None:
    log = EventLog(ImportReport())
    log.note("title:islets", C)
    log.candidate("title:other", "title:islets", "first-author", 97.0)
    log.candidate("title:islets", "pmid:5", "title", 85.0)
    log.rename("title:islets", "doi:10.1/islets")
    log.note("doi:10.1/islets", M)
    assert log.outcomes == {"doi:10.1/islets": C}
    assert log.candidates == [
        ("title:other", "doi:10.1/islets", "first-author", 97.0),
        ("doi:10.1/islets", "pmid:5", "title", 85.0),
    ]
    log.rename("doi:10.1/islets", "doi:10.1/islets")  # no change
    log.rename("pmid:5", "doi:10.1/five")  # a key noted only in a pair
    log.rename("doi:10.1/islets", "doi:10.1/islets-v2")
    assert log.outcomes == {"doi:10.1/islets-v2": C}
    assert log.candidates == [
        ("title:other", "doi:10.1/islets-v2", "first-author", 97.0),
        ("doi:10.1/islets-v2", "doi:10.1/five", "title", 85.0),
    ]
    # a new record under the old key is a record of its own
    log.note("title:islets", C)
    log.candidate("title:islets", "doi:10.1/five", "title", 90.0)
    assert log.candidates[-1] == ("title:islets", "doi:10.1/five", "title", 90.0)
    assert log.outcomes["title:islets"] is C
