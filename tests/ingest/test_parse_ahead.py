"""Parsing in a child process (ingest.parse_ahead): same items, same errors, nothing left behind."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from sqlalchemy import Engine, select

from evidencehub.errors import InputError
from evidencehub.ingest import parse_ahead
from evidencehub.ingest.base import Item, Parsed, Rejected
from evidencehub.ingest.formats import open_source
from evidencehub.ingest.importer import import_paths
from evidencehub.ingest.medline import MedlineReader
from evidencehub.ingest.pubmed_xml import PubmedXmlReader
from evidencehub.model import Record
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo.imports import event_records, get_event
from tests.ingest.progress import InterruptAfter

DATA = Path(__file__).resolve().parents[1] / "data"
PUBMED = DATA / "pubmed_xml" / "biopython_pubmed2.xml"
NBIB = DATA / "medline" / "nbib_single.nbib"


def snapshot(engine: Engine, *, events: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: 'the store exactly as it was' (without
    the import events, which every import adds: 'the data as it was')."""
    with transaction(engine) as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in t.Base.metadata.sorted_tables
            if events or table.name not in ("actors", "import_events", "import_records")
        }


def _events(engine: Engine, import_ids: list[int]) -> list[tuple[Any, ...]]:
    """The stored import events (what they read and did, not when) and their records."""
    with transaction(engine) as session:
        return [
            (
                get_event(session, i).model_dump(exclude={"id", "started_at", "finished_at"}),
                event_records(session, i),
            )
            for i in import_ids
        ]


def _in_process(reader: PubmedXmlReader | MedlineReader, path: Path) -> list[Item]:
    with open_source(path) as stream:
        return list(reader.read(stream, source=str(path)))


def _many_medline(path: Path, n: int) -> Path:
    """``n`` copies of a real MEDLINE record, each with its own PMID and no DOI."""
    lines = [
        ln for ln in NBIB.read_text(encoding="utf-8").strip().splitlines() if "[doi]" not in ln
    ]
    pmid = lines[0].split("- ")[1]
    record = "\n".join(lines)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(record.replace(pmid, str(30_000_000 + i), 1) + "\n\n")
    return path


def test_items_are_those_of_the_reader_in_order(tmp_path: Path) -> None:
    many = _many_medline(tmp_path / "many.nbib", parse_ahead.BATCH_SIZE * 2 + 3)
    for reader, path in ((PubmedXmlReader(), PUBMED), (MedlineReader(), many)):
        read: list[int] = []
        ahead = list(parse_ahead.read_ahead(reader, path, label=str(path), on_read=read.append))
        assert ahead == _in_process(reader, path)
        assert sum(read) == path.stat().st_size
    assert multiprocessing.active_children() == []


def test_a_record_that_does_not_validate_is_rejected_as_in_process(tmp_path: Path) -> None:
    # The PubMed reader validates records in the parent (read_fields in the child, build here).
    text = PUBMED.read_text(encoding="utf-8")
    pmid = text.split('<PMID Version="1">', 1)[1].split("<", 1)[0]
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace(f">{pmid}</PMID>", ">12ab</PMID>", 1), encoding="utf-8")
    ahead = list(parse_ahead.read_ahead(PubmedXmlReader(), bad, label=str(bad)))
    assert ahead == _in_process(PubmedXmlReader(), bad)
    assert [type(item) for item in ahead] == [Rejected, Parsed]
    assert "PMID" in ahead[0].where and "digits" in ahead[0].problem  # type: ignore[union-attr]


def test_a_reader_error_is_raised_with_its_file_place_and_problem(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes(PUBMED.read_bytes()[:3000])
    with pytest.raises(InputError) as in_process:
        _in_process(PubmedXmlReader(), truncated)
    with pytest.raises(InputError) as ahead:
        list(parse_ahead.read_ahead(PubmedXmlReader(), truncated, label=str(truncated)))
    assert (ahead.value.problem, ahead.value.source, ahead.value.where) == (
        in_process.value.problem,
        in_process.value.source,
        in_process.value.where,
    )
    assert ahead.value.source == str(truncated)
    assert multiprocessing.active_children() == []


class _DyingReader:
    """A reader whose process dies after two records (a crash, an out-of-memory kill)."""

    name = "medline"

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        for number in (1, 2):
            yield Parsed(
                Record(pmid=str(number), title=f"Record {number}"), source, f"record {number}"
            )
        os._exit(3)


class _FailingReader:
    """A reader with a bug: not an InputError."""

    name = "medline"

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        yield Parsed(Record(pmid="1", title="Record 1"), source, "record 1")
        raise ZeroDivisionError("division by zero")


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        (_DyingReader(), "the parser process stopped without a result (exit code 3)"),
        (_FailingReader(), "the parser failed: ZeroDivisionError: division by zero"),
    ],
)
def test_a_child_that_fails_otherwise_aborts_naming_the_file(reader: object, message: str) -> None:
    with pytest.raises(InputError) as failed:
        list(parse_ahead.read_ahead(reader, NBIB, label=str(NBIB)))  # type: ignore[arg-type]
    assert (failed.value.problem, failed.value.source) == (message, str(NBIB))
    assert multiprocessing.active_children() == []


def test_stopping_early_terminates_the_child(tmp_path: Path) -> None:
    many = _many_medline(tmp_path / "many.nbib", parse_ahead.BATCH_SIZE * 12)
    items = parse_ahead.read_ahead(MedlineReader(), many, label=str(many))
    assert isinstance(next(items), Parsed)
    assert len(multiprocessing.active_children()) == 1
    items.close()
    assert multiprocessing.active_children() == []


#: A process that starts reading a file ahead, prints its parser child's pid and waits (its
#: child parses on until the queue is full, then waits to put): the import a user kills.
_KILLED_IMPORT = """
import multiprocessing, sys, time
from pathlib import Path
from evidencehub.ingest.medline import MedlineReader
from evidencehub.ingest.parse_ahead import read_ahead
items = read_ahead(MedlineReader(), Path(sys.argv[1]), label="many")
next(items)
print(multiprocessing.active_children()[0].pid, flush=True)
time.sleep(60)
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process: not gone, nor a zombie waiting to be reaped (which
    the parent's death hands to init, whose reaping this process does not control)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods(),
    reason="the child dies with its parent through Linux's prctl(PR_SET_PDEATHSIG)",
)
@pytest.mark.parametrize("pause", [0.0, 0.5], ids=["parsing", "waiting-to-put"])
def test_the_child_dies_with_a_killed_parent(tmp_path: Path, pause: float) -> None:
    many = _many_medline(tmp_path / "many.nbib", parse_ahead.BATCH_SIZE * (parse_ahead.AHEAD + 12))
    parent = subprocess.Popen(
        [sys.executable, "-c", _KILLED_IMPORT, str(many)], stdout=subprocess.PIPE, text=True
    )
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(pause)
        assert _running(child)  # the file is too large to be read ahead whole
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 1.0
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not _running(child)
    finally:
        parent.kill()
        parent.wait()
        if child and _running(child):
            os.kill(child, signal.SIGKILL)
        if parent.stdout is not None:
            parent.stdout.close()


def test_worth_reading_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not parse_ahead.worth_reading_ahead(NBIB)
    monkeypatch.setattr(parse_ahead, "MIN_BYTES", 1)
    assert parse_ahead.worth_reading_ahead(NBIB) is (len(os.sched_getaffinity(0)) > 1)
    assert not parse_ahead.worth_reading_ahead(tmp_path)  # a directory: the readers refuse it


# --------------------------------------------------------------------------- whole imports


def test_import_reading_ahead_matches_reading_in_process(engine: Engine, tmp_path: Path) -> None:
    many = _many_medline(tmp_path / "many.nbib", parse_ahead.BATCH_SIZE + 7)
    first = import_paths(engine, [PUBMED, many], parse_ahead=True)
    assert (first.read, first.created, first.unchanged) == (parse_ahead.BATCH_SIZE + 9,) * 2 + (0,)
    before = snapshot(engine, events=False)
    again = import_paths(engine, [PUBMED, many], parse_ahead=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.read)
    assert snapshot(engine, events=False) == before
    in_process = import_paths(engine, [PUBMED, many], parse_ahead=False)
    assert again.to_dict() | {"import_ids": []} == in_process.to_dict() | {"import_ids": []}
    # the same events, the files' SHA-256 computed by the parser child or by this process
    assert _events(engine, again.import_ids) == _events(engine, in_process.import_ids)
    assert _events(engine, again.import_ids)[1][0]["sha256"] == hashlib.sha256(
        many.read_bytes()
    ).hexdigest()


def test_import_reading_ahead_rolls_back_a_bad_file(engine: Engine, tmp_path: Path) -> None:
    import_paths(engine, [PUBMED], parse_ahead=True)
    before = snapshot(engine)
    many = _many_medline(tmp_path / "many.nbib", parse_ahead.BATCH_SIZE * 3)
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes(PUBMED.read_bytes()[:3000])
    with pytest.raises(InputError) as failed:
        import_paths(engine, [many, truncated], parse_ahead=True)
    assert failed.value.source == str(truncated)
    assert snapshot(engine) == before
    skipped = import_paths(engine, [truncated], parse_ahead=True, skip_bad=True)
    assert [r.source for r in skipped.rejected] == [str(truncated)]
    assert multiprocessing.active_children() == []


def test_ctrl_c_reading_ahead_leaves_the_store_and_no_child(engine: Engine, tmp_path: Path) -> None:
    import_paths(engine, [PUBMED])
    before = snapshot(engine)
    many = _many_medline(tmp_path / "many.nbib", parse_ahead.BATCH_SIZE * 4)
    with pytest.raises(KeyboardInterrupt):
        import_paths(engine, [many], progress=InterruptAfter(2), parse_ahead=True)
    assert snapshot(engine) == before
    assert multiprocessing.active_children() == []
