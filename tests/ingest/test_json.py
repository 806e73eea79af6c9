"""Per-item conversion shared by the JSON readers (ingest._json.convert_items)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evidencehub.ingest._json import convert_items
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.model import Record


def _fields(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"title": item["title"].strip(), "pmid": item.get("pmid"), "year": None}


def _label(item: Mapping[str, Any]) -> str | None:
    return item.get("id")


def test_each_item_parsed_or_rejected_with_its_place() -> None:
    items = enumerate(
        [
            {"id": "W1", "title": " A work "},
            ["not", "an", "object"],
            {"id": "W3", "title": "Bad id", "pmid": "abc"},
            {"title": 42},
        ],
        start=1,
    )
    out = list(convert_items(items, source="s.json", model=Record, to_fields=_fields,
                             item_id=_label))
    assert isinstance(out[0], Parsed) and out[0].where == "item 1 (W1)"
    assert out[0].item.title == "A work"  # None values dropped, the rest validated
    assert out[1] == Rejected("s.json", "item 2", "expected a work object, got a JSON list")
    assert isinstance(out[2], Rejected) and out[2].where == "item 3 (W3)"
    assert "pmid" in out[2].problem
    assert isinstance(out[3], Rejected) and out[3].where == "item 4"
    assert out[3].problem.startswith("unexpected value in the work: ")


def test_unit_and_noun_name_the_place() -> None:
    out = list(convert_items([(1, "x")], source="s.json", model=Record, to_fields=_fields,
                             item_id=_label, unit="study", noun="study"))
    assert out == [Rejected("s.json", "study 1", "expected a study object, got a JSON str")]
