"""``evidencehub tags PAGE`` (cli/tags.py) on the demo hub: proposals, agreement, decisions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from evidencehub.cli import main
from tests.publish.conftest import demo_store

__all__ = ["demo_store"]  # the demo hub fixture, shared with tests/publish

PAGE = "ipsc-derived-cell-therapy"


@pytest.fixture
def db(demo_store: str, tmp_path: Path) -> str:
    copy = tmp_path / "hub.db"
    shutil.copyfile(demo_store.removeprefix("sqlite:///"), copy)
    return str(copy)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_proposals_beside_the_editors_tags_and_recorded(db: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "tags", PAGE, "--db", db, "--json")
    assert code == 0, err
    data = json.loads(out)
    claims = data["claims"]
    assert claims and all(isinstance(c["id"], int) for c in claims)
    # the editor's choice is what the page carries
    hand = {c["id"]: set(c["chosen"]) for c in claims}
    assert any(hand.values())
    assert {a["tag"] for a in data["agreement"]} == {
        "needs-replication", "needs-human-replication", "long-term-unknown", "unsourced",
        "no-mechanism"}
    for item in data["agreement"]:  # the counts partition the claims
        assert item["both"] + item["proposed_only"] + item["chosen_only"] + item["neither"] == \
            len(claims)

    tables = data["extrapolation"]
    assert any(t["written"] for t in tables) and all(t["proposed"] for t in tables)

    first = claims[0]["id"]
    code, out, err = _run(capsys, "tags", PAGE, "--record", "--reason",
                          f"{first}:no-mechanism=the mechanism is known", "--actor", "eve",
                          "--db", db, "--json")
    assert code == 0, err
    written = json.loads(out)["recorded"]
    assert written == 5 * len(claims)
    with create_engine(f"sqlite:///{db}").connect() as connection:
        rows = connection.execute(text(
            "SELECT d.claim_id, d.tag, d.proposed, d.chosen, d.reason, a.name FROM tag_decisions d "
            "JOIN actors a ON a.id = d.actor_id")).all()
    assert len(rows) == written and {r.name for r in rows} == {"eve"}
    assert [r.reason for r in rows if r.reason] == ["the mechanism is known"]
    assert {(r.claim_id, r.tag) for r in rows if r.chosen} == {
        (c["id"], tag) for c in claims for tag in c["chosen"]}


def test_bad_tags_commands_are_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for args, expected in ((["tags", "no-such-page"], "no page"),
                           (["tags", PAGE, "--reason", "1:x=y"], "--reason goes with --record"),
                           (["tags", PAGE, "--record", "--reason", "oops"], "CLAIM_ID:TAG"),
                           (["tags", PAGE, "--record", "--reason", "999999:unsourced=x"],
                            "no such claim")):
        code, _, err = _run(capsys, *args, "--db", db)
        assert code == 1 and expected in err and "Traceback" not in err, (args, err)
