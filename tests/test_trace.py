"""``trace``: every number of the demo hub followed by ids down to a record and an import
(evidencehub.trace, and the ``evidencehub trace`` command)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from evidencehub.cli import main
from evidencehub.demo import run_demo
from evidencehub.errors import InputError, NotFoundError
from evidencehub.store import transaction
from evidencehub.store.repo.analyses import latest_runs
from evidencehub.store.repo.pages import list_claims, list_pages, pinned_runs
from evidencehub.store.session import make_engine
from evidencehub.trace import trace


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("trace")
    url = f"sqlite:///{root / 'hub.db'}"
    run_demo(url, root / "site")
    return url


@pytest.fixture
def engine(demo_db: str) -> Iterator[Engine]:
    engine = make_engine(demo_db)
    yield engine
    engine.dispose()


def _check_run(run: dict[str, Any]) -> int:
    """Every outcome-data version of a run reaches a record with a DOI or PMID that an import
    brought in, and names the data import that brought the numbers; the number checked."""
    assert run["schema_version"] == 1 and run["fingerprint"]
    checked = 0
    for row in run["rows"]:
        assert row["study"]["records"], row["study"]["key"]
        for data in row["outcome_data"]:
            source = data["source"]
            assert source is not None and (source["doi"] or source["pmid"]), data["id"]
            assert source["imports"], source["key"]
            assert data["data_import"] is not None and data["data_import"]["kind"] == "data"
            assert data["locator"] and data["actor"] and data["version"] >= 1
            assert {"n", "mean", "sd"} <= set(data["values"])
            checked += 1
    return checked


def test_every_run_traces_to_records_and_imports(engine: Engine) -> None:
    with transaction(engine) as session:
        runs = latest_runs(session)
        assert len(runs) == 5
        checked = sum(_check_run(trace(session, f"run:{run.id}")["run"]) for run in runs.values())
    # 4 + 5 + 7 + 2 pooled contrasts and 2 listed (Benfluorex), two arms each
    assert checked == 2 * (4 + 5 + 7 + 2 + 2)


def test_every_page_traces_through_the_runs_it_shows(engine: Engine) -> None:
    with transaction(engine) as session:
        for page in list_pages(session):
            chain = trace(session, f"page:{page.slug}")["page"]
            shown = set(pinned_runs(session, page.slug))
            assert len(shown) == len([a for a in chain["analyses"] if a["run"]])
            for analysis in chain["analyses"]:
                assert analysis["run"]["id"] in shown
                _check_run(analysis["run"])
            for claim in chain["claims"]:
                assert claim["id"] is not None
                for study in claim["studies"]:
                    assert all(r["imports"] for r in study["records"]), study["key"]
                for analysis in claim["analyses"]:
                    assert analysis["run"]["id"] in shown
                    _check_run(analysis["run"])


def test_a_claim_quoting_an_analysis_traces_to_its_run(engine: Engine) -> None:
    with transaction(engine) as session:
        claim = next(c for c in list_claims(session, "hba1c-glucose-lowering-drugs")
                     if "hba1c-biguanides-vs-placebo" in c.analysis_slugs)
        chain = trace(session, f"claim:{claim.id}")["claim"]
    assert chain["page"] == "hba1c-glucose-lowering-drugs" and chain["history"] == []
    (analysis,) = chain["analyses"]
    assert analysis["slug"] == "hba1c-biguanides-vs-placebo"
    assert analysis["run"]["result"]["k"] == 4


@pytest.mark.parametrize(("target", "error", "message"), [
    ("page", InputError, "a target looks like page:…, claim:…, analysis:…, run:…; got 'page'"),
    ("study:x", InputError, "a target looks like"),
    ("run:x", InputError, "a run id is a number; got 'x'"),
    ("run:999", NotFoundError, "no run 999 in the store"),
    ("claim:999", NotFoundError, "no claim 999 in the store"),
    ("page:nope", NotFoundError, "no page 'nope' in the store"),
    ("analysis:nope", NotFoundError, "no analysis 'nope' in the store"),
])
def test_bad_targets(engine: Engine, target: str, error: type[Exception], message: str) -> None:
    with transaction(engine) as session, pytest.raises(error, match=message.replace("(", r"\(")):
        trace(session, target)


def test_trace_command(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo_db.removeprefix("sqlite:///")
    assert main(["trace", "analysis:hba1c-dpp4-inhibitors-vs-placebo", "--db", db, "--json"]) == 0
    chain = json.loads(capsys.readouterr().out)
    assert chain["target"] == "analysis:hba1c-dpp4-inhibitors-vs-placebo"
    assert set(chain["analysis"]) == {"slug", "title", "settings", "review", "run"}
    assert chain["analysis"]["review"] is None  # the demo names no review
    assert set(chain["analysis"]["run"]["rows"][0]["outcome_data"][0]) == {
        "id", "version", "study_key", "arm", "outcome", "timepoint", "value_kind", "values",
        "derivations", "locator", "actor", "recorded_at", "data_import", "source"}
    assert main(["trace", "run:1", "--db", db]) == 0
    assert "outcome data" in capsys.readouterr().out
    assert main(["trace", "run:99", "--db", db]) == 1
    assert capsys.readouterr().err == "error: no run 99 in the store\n"
    assert main(["trace", "run:1", "--db", str(Path(db).with_name("missing.db"))]) == 1
    assert capsys.readouterr().err.startswith("error: no store at ")
