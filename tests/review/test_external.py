"""The types the readers return, and the public names and examples of the interop modules."""

from __future__ import annotations

import ast
import doctest
import types
from pathlib import Path

import pytest

from evidencehub.ingest.base import Rejected
from evidencehub.model import Record
from evidencehub.review import (
    asreview_lab,
    covidence,
    exports,
    external,
    hub_files,
    interop,
    matching,
    rayyan,
)
from evidencehub.review.external import (
    ExternalDecision,
    ExternalImport,
    ExternalRecord,
    ExternalTool,
)
from evidencehub.vocab import ScreeningLabel, ScreeningStage

MODULES = [asreview_lab, covidence, exports, external, hub_files, interop, matching, rayyan]


def test_import_counts_and_summary() -> None:
    decided = ExternalRecord(Record(title="A"), "row 1 (line 2)", external_id="k1")
    undecided = ExternalRecord(Record(title="B"), "row 2 (line 3)")
    result = ExternalImport(
        tool=ExternalTool.RAYYAN, source="a.csv", records=(decided, undecided),
        decisions=(ExternalDecision(decided, "Ann", ScreeningStage.TITLE_ABSTRACT,
                                    ScreeningLabel.EXCLUDE, reason="wrong population"),),
        rejected=(Rejected("a.csv", "row 3 (line 4)", "field 'title': Field required"),))
    assert result.n_undecided == 1
    assert result.summary() == ("rayyan export a.csv: 2 records, 1 decisions, 1 undecided, "
                                "1 unreadable")
    assert result.to_dict()["rejected"] == ["a.csv, row 3 (line 4): field 'title': Field required"]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_and_complete(module: types.ModuleType) -> None:
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert module.__all__ == sorted(module.__all__, key=isort_key)
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    defined: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    assert set(module.__all__) == {name for name in defined if not name.startswith("_")}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_examples_run(module: types.ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0
