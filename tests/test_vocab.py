"""The closed vocabularies (vocab.py): one registry each, words for every term, a leaf module."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evidencehub import vocab
from evidencehub.stats.measures import REGISTRY
from evidencehub.vocab import (
    MEASURE_TERMS,
    Certainty,
    Family,
    Measure,
    Method,
    ModelRule,
    Scale,
    StudyDesign,
    Test,
    interval_label,
    measure_terms,
)


def test_every_measure_has_its_terms_and_the_statistics_read_the_same_registry() -> None:
    assert set(MEASURE_TERMS) == set(Measure) == set(REGISTRY)
    for measure, terms in MEASURE_TERMS.items():
        assert terms.measure is measure
        assert terms.name and terms.analysed_as and terms.reported_as
        info = REGISTRY[measure]
        assert (info.label, info.reported_as, info.family, info.scale) == (
            terms.analysed_as, terms.reported_as, terms.family, terms.scale)


def test_ratios_are_analysed_on_the_log_scale_with_null_1() -> None:
    ratios = {m for m, terms in MEASURE_TERMS.items() if terms.is_ratio}
    assert ratios == {Measure.OR, Measure.RR, Measure.PETO, Measure.ROM}
    assert {MEASURE_TERMS[m].null for m in ratios} == {1.0}


@pytest.mark.parametrize(("measure", "null"), [
    (Measure.RD, 0.0), (Measure.MD, 0.0), (Measure.SMD, 0.0), (Measure.MC, 0.0),
    (Measure.COR, 0.0), (Measure.ZCOR, 0.0), (Measure.GEN, 0.0),
    (Measure.PR, None), (Measure.PLO, None), (Measure.PFT, None), (Measure.MN, None),
])
def test_null_values(measure: Measure, null: float | None) -> None:
    terms = MEASURE_TERMS[measure]
    assert terms.null == null
    assert terms.is_contrast is (null is not None)


def test_single_group_families() -> None:
    single = {m for m, terms in MEASURE_TERMS.items()
              if terms.family in (Family.PROPORTION, Family.MEAN)}
    assert single == {Measure.PR, Measure.PLO, Measure.PAS, Measure.PFT, Measure.MN}
    assert MEASURE_TERMS[Measure.PLO].scale is Scale.LOGIT
    assert MEASURE_TERMS[Measure.ZCOR].scale is Scale.FISHER_Z


def test_words_people_read() -> None:
    rr = measure_terms("rr")
    assert (rr.name, rr.analysed_as, rr.reported_as) == ("Risk ratio", "log risk ratio",
                                                         "risk ratio")
    md = measure_terms(Measure.MD)
    assert (md.name, md.analysed_as, md.reported_as) == ("Mean difference", "mean difference",
                                                         "mean difference")


def test_an_unknown_measure_lists_the_known_ones() -> None:
    with pytest.raises(ValueError) as err:
        measure_terms("XYZ")
    assert str(err.value) == ("unknown measure 'XYZ'; known measures: " +
                              ", ".join(m.value for m in Measure))


@pytest.mark.parametrize(("level", "kind", "label"), [
    (95, "CI", "95% CI"), (90.0, "CI", "90% CI"), (99.5, "CI", "99.5% CI"), (95, "PI", "95% PI"),
])
def test_interval_label(level: float, kind: str, label: str) -> None:
    assert interval_label(level, kind) == label


def test_methods() -> None:
    # metafor 3.8 rma(method=): "EE", "FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"
    assert {m.value for m in Method if m.is_tau2_estimator} == {
        "EE", "FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"}
    assert {m for m in Method if m.is_fixed} == {Method.EE, Method.FE, Method.MH, Method.PETO}
    assert {m for m in Method if m.is_iterative} == {Method.ML, Method.REML, Method.EB,
                                                     Method.PM}
    assert Method.REML.label == "Random effects (REML)"
    assert Method.MH.label == "Common effect (Mantel-Haenszel)"
    assert all(m.label for m in Method)


def test_tests_rules_and_certainty() -> None:
    assert [t.value for t in Test] == ["z", "knha"]
    assert (Test.Z.label, Test.KNHA.label) == ("z test", "Knapp-Hartung t test")
    assert [r.value for r in ModelRule] == ["i2-q"]
    assert [c.symbols for c in Certainty] == ["⊕⊕⊕⊕", "⊕⊕⊕◯", "⊕⊕◯◯", "⊕◯◯◯"]


def test_designs_are_ordered_from_the_bench_to_the_patient() -> None:
    ranks = [d.rank for d in StudyDesign]
    assert ranks == sorted(ranks) == list(range(len(StudyDesign)))
    assert StudyDesign.ANIMAL.rank < StudyDesign.CASE_SERIES.rank
    assert StudyDesign.COHORT.rank < StudyDesign.RANDOMISED_CONTROLLED.rank
    assert not StudyDesign.IN_VITRO.in_humans and not StudyDesign.ANIMAL.in_humans
    assert StudyDesign.CASE_REPORT.in_humans
    assert [d for d in StudyDesign if d.randomised] == [StudyDesign.RANDOMISED_CONTROLLED]


def test_all_lists_every_public_name() -> None:
    public = {name for name, value in vars(vocab).items()
              if not name.startswith("_") and getattr(value, "__module__", None) == vocab.__name__}
    assert public | {"MEASURE_TERMS"} == set(vocab.__all__)
    assert all(hasattr(vocab, name) for name in vocab.__all__)


def test_the_module_is_a_leaf() -> None:
    code = ("import sys, evidencehub.vocab; "
            "print(sorted(m.split('.')[0] for m in sys.modules "
            "if m.split('.')[0] in ('numpy', 'pydantic', 'sqlalchemy', 'scipy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
