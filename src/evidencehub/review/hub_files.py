"""The hub's own review exports read back: the CSV of :func:`~evidencehub.review.exports.write_csv`
and the RIS of :func:`~evidencehub.review.exports.write_ris`, so that a review's decisions move
from one hub to another (and the exports are checked by reading them).

Every reviewer's decision comes back as an :class:`~evidencehub.review.external.ExternalDecision`
under the reviewer's name; the final decisions are not read, since the store derives them from
the reviewers' decisions (a resolver's or a consensus decision is a reviewer's decision too).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from evidencehub.review._sources import Collector, cell, csv_rows, is_ris, ris_records
from evidencehub.review.exports import RIS_NOTE_PREFIXES
from evidencehub.review.external import (
    ExternalDecision,
    ExternalImport,
    ExternalRecord,
    ExternalTool,
)
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = ["read_hub_export"]

_STAGES = "|".join(re.escape(stage.value) for stage in ScreeningStage)
_COLUMN = re.compile(rf"^({_STAGES}) (decision|reason|note) \((.+)\)$", re.DOTALL)


def _decision(collector: Collector, found: ExternalRecord, where: str, stage: str, label: str,
              reviewer: str, reason: str | None, note: str | None) -> None:
    try:
        decision = ExternalDecision(item=found, reviewer=reviewer, stage=ScreeningStage(stage),
                                    label=ScreeningLabel(label), reason=reason or None,
                                    note=note or None)
    except ValueError:
        collector.reject(where, f"{reviewer!r} at {stage!r}: expected a decision of "
                         f"{', '.join(label.value for label in ScreeningLabel)}, got {label!r}")
        return
    collector.decisions.append(decision)


def _read_csv(collector: Collector, path: Path) -> None:
    for item, cells in csv_rows(path, collector.source):
        found = collector.record(item, external_id=cell(cells, "id"), study=cell(cells, "study"))
        if found is None:
            continue
        parts: dict[tuple[str, str], dict[str, str]] = {}
        for header, value in cells.items():
            if match := _COLUMN.match(header.strip()):
                stage, part, reviewer = match.groups()
                parts.setdefault((stage, reviewer), {})[part] = value.strip()
        for (stage, reviewer), values in parts.items():
            if values.get("decision"):
                _decision(collector, found, item.where, stage, values["decision"], reviewer,
                          values.get("reason"), values.get("note"))


def _read_ris(collector: Collector, path: Path) -> None:
    for item, tags in ris_records(path, collector.source):
        notes = [note.strip() for note in tags.get("N1", ())]
        study = next((note.removeprefix(RIS_NOTE_PREFIXES["study"]) for note in notes
                      if note.startswith(RIS_NOTE_PREFIXES["study"])), None)
        found = collector.record(item, external_id=next(iter(tags.get("ID", ())), None),
                                 study=study)
        if found is None:
            continue
        for note in notes:
            if not note.startswith(RIS_NOTE_PREFIXES["decision"]):
                continue
            try:
                value = json.loads(note.removeprefix(RIS_NOTE_PREFIXES["decision"]))
                stage, label, reviewer = value["stage"], value["label"], value["reviewer"]
            except (json.JSONDecodeError, KeyError, TypeError):
                collector.reject(item.where, f"N1 {note[:60]!r}: expected JSON with stage, "
                                 "reviewer and label")
                continue
            _decision(collector, found, item.where, str(stage), str(label), str(reviewer),
                      value.get("reason"), value.get("note"))


def read_hub_export(path: Path, *, source: str | None = None) -> ExternalImport:
    """Read the reviewers' decisions of a review exported by the hub (CSV or RIS)."""
    source = source or str(path)
    collector = Collector(ExternalTool.EVIDENCEHUB, source)
    with path.open("rb") as stream:
        ris = is_ris(stream.read(8192))
    (_read_ris if ris else _read_csv)(collector, path)
    return collector.result()
