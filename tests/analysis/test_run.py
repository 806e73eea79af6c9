"""The typed run result and the fingerprint (analysis/run.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evidencehub.analysis.contrasts import AnalysisRow
from evidencehub.analysis.run import SCHEMA_VERSION, RunResult, RunRow, fingerprint, settings_of
from evidencehub.analysis.service import fit_rows
from evidencehub.model import Analysis, Comparison, ValueKind
from evidencehub.stats import MetaResult, rma
from evidencehub.vocab import Measure, Method, ModelRule, Test
from tests.stats.reference import effect_sizes, load_reference

ANALYSIS = Analysis(slug="bcg", title="BCG", outcome="tuberculosis", measure=Measure.RR,
                    comparison=Comparison(experimental=("vaccine",), control=("none",)))


def _bcg_rows() -> list[AnalysisRow]:
    rows, _ = load_reference("bcg_RR")
    return [AnalysisRow(f"s{i:02d}", "vaccine", "none", "final",
                        {"ai": r["ai"], "n1i": r["n1i"], "ci": r["ci"], "n2i": r["n2i"]},
                        ((2 * i + 1, 1), (2 * i + 2, 1)), r["group"], True, None)
            for i, r in enumerate(rows)]


def _bcg_labels() -> dict[str, str]:
    rows, _ = load_reference("bcg_RR")
    return {f"s{i:02d}": r["study"] for i, r in enumerate(rows)}


def test_to_dict_from_dict_round_trip_through_json() -> None:
    analysis = ANALYSIS.model_copy(update={"subgroup": "alloc",
                                           "model_rule": ModelRule.I2_Q})
    result = fit_rows(analysis, _bcg_rows(), _bcg_labels())
    data = json.loads(json.dumps(result.to_dict()))
    assert next(iter(data)) == "schema_version" and data["schema_version"] == SCHEMA_VERSION
    assert RunResult.from_dict(data) == result
    assert RunRow.from_dict(data["rows"][0]) == result.rows[0]
    assert data["rows"][0]["data"] == [[1, 1], [2, 1]]
    assert result.model_rule is not None and result.subgroups is not None


def test_another_schema_version_is_refused_not_misread() -> None:
    data = fit_rows(ANALYSIS, _bcg_rows(), {}).to_dict()
    for version in (0, SCHEMA_VERSION + 1, None):
        with pytest.raises(ValueError, match="run `evidencehub analyze` to refit it"):
            RunResult.from_dict({**data, "schema_version": version})


def test_meta_result_is_rebuilt_from_the_stored_numbers() -> None:
    result = fit_rows(ANALYSIS, _bcg_rows(), _bcg_labels())
    stored = RunResult.from_dict(json.loads(json.dumps(result.to_dict())))
    rebuilt = stored.meta_result()
    assert isinstance(rebuilt, MetaResult)
    refit = rma(effect_sizes("bcg_RR"), method="REML")
    assert rebuilt.summary() == refit.summary()  # same labels and numbers, in file order
    assert rebuilt.estimate == pytest.approx(refit.estimate, rel=1e-12)
    assert rebuilt.confint() == pytest.approx(refit.confint())


def test_meta_result_is_none_without_an_inverse_variance_fit() -> None:
    mh = ANALYSIS.model_copy(update={"method": Method.MH})
    assert fit_rows(mh, _bcg_rows(), {}).meta_result() is None
    assert fit_rows(ANALYSIS, _bcg_rows()[:1], {}).meta_result() is None


def test_settings_leave_out_words_and_sort_the_comparison() -> None:
    analysis = ANALYSIS.model_copy(update={
        "comparison": Comparison(experimental=("b", "a"), control=("c",)),
        "description": "words", "test": Test.KNHA, "value_kind": ValueKind.CHANGE})
    settings = settings_of(analysis)
    assert "title" not in settings and "description" not in settings
    assert settings["comparison"] == {"experimental": ["a", "b"], "control": ["c"]}
    assert (settings["test"], settings["value_kind"], settings["level"]) == ("knha", "change",
                                                                             95.0)
    assert settings_of(analysis.model_copy(update={"title": "other"})) == settings


SETTINGS = settings_of(ANALYSIS)
INPUTS = [(1, 1), (2, 3)]
LABELS = {"a": "A 2001"}


@pytest.mark.parametrize(("settings", "inputs", "labels"), [
    ({**SETTINGS, "method": "DL"}, INPUTS, LABELS),
    ({**SETTINGS, "level": 90.0}, INPUTS, LABELS),
    (SETTINGS, [(1, 1), (2, 4)], LABELS),
    (SETTINGS, [(1, 1)], LABELS),
    (SETTINGS, INPUTS, {"a": "A et al. 2001"}),
])
def test_fingerprint_changes_with_settings_inputs_and_labels(
        settings: dict[str, Any], inputs: list[tuple[int, int]], labels: dict[str, str]) -> None:
    assert fingerprint(settings, inputs, labels) != fingerprint(SETTINGS, INPUTS, LABELS)


def test_fingerprint_is_a_stable_hash_of_canonical_json() -> None:
    import hashlib

    value = fingerprint(SETTINGS, INPUTS, LABELS)
    assert value == fingerprint(dict(reversed(SETTINGS.items())), INPUTS[::-1], LABELS)
    canonical = json.dumps({"settings": SETTINGS, "inputs": [[1, 1], [2, 3]], "labels": LABELS,
                            "schema": SCHEMA_VERSION}, sort_keys=True, separators=(",", ":"))
    assert value == hashlib.sha256(canonical.encode()).hexdigest()
