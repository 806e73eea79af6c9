"""The analysis service: staleness by fingerprint, runs stored once and never changed
(analysis/service.py), on SQLite and PostgreSQL.

The quality bar tested here: changing one outcome value makes exactly the affected analyses
stale, ``analyze`` refits only those, and no stored run or outcome-data version is ever
changed (each is read back byte for byte before and after). The fitted numbers themselves are
checked against metafor in tests/cli/test_analysis.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from evidencehub.analysis.contrasts import AnalysisRow
from evidencehub.analysis.run import SCHEMA_VERSION, RunResult
from evidencehub.analysis.service import SOFTWARE, analysis_states, analyze, fit_rows
from evidencehub.errors import InputError, NotFoundError
from evidencehub.ingest.arm_import import import_arm_data
from evidencehub.model import Actor, Analysis, Comparison, Study, ValueKind
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo.actors import actor_id
from evidencehub.vocab import Measure, Method, StudyDesign

ADA = Actor(name="Ada")
HEADER = "study,arm,outcome,n,mean,sd,events,total,value_kind,design\n"
RCT = "randomised-controlled-trial"
#: Two outcomes: HbA1c (continuous) in three studies, remission (binary) in two of them.
ROWS = {
    ("Alpha 2001", "drug", "HbA1c"): "40,-0.9,1.1,,,change",
    ("Alpha 2001", "placebo", "HbA1c"): "41,-0.1,1.0,,,change",
    ("Beta 2004", "drug", "HbA1c"): "60,-1.2,1.3,,,change",
    ("Beta 2004", "placebo", "HbA1c"): "58,0.1,1.2,,,change",
    ("Gamma 2010", "drug", "HbA1c"): "25,-0.4,0.9,,,change",
    ("Gamma 2010", "placebo", "HbA1c"): "27,0.0,1.0,,,change",
    ("Alpha 2001", "drug", "remission"): ",,,12,40,final",
    ("Alpha 2001", "placebo", "remission"): ",,,5,41,final",
    ("Beta 2004", "drug", "remission"): ",,,20,60,final",
    ("Beta 2004", "placebo", "remission"): ",,,9,58,final",
}


def _table(path: Path, rows: dict[tuple[str, str, str], str] = ROWS) -> Path:
    path.write_text(HEADER + "".join(f"{s},{a},{o},{v},{RCT}\n" for (s, a, o), v in rows.items()),
                    encoding="utf-8")
    return path


def _analysis(slug: str, outcome: str, measure: Measure, **settings: Any) -> Analysis:
    return Analysis(slug=slug, title=slug, outcome=outcome, measure=measure,
                    comparison=Comparison(experimental=("drug",), control=("placebo",)),
                    **settings)


ANALYSES = (
    _analysis("hba1c-reml", "HbA1c", Measure.MD),
    _analysis("hba1c-dl", "HbA1c", Measure.MD, method=Method.DL),
    _analysis("remission-rr", "remission", Measure.RR),
)


def _define(engine: Engine, analyses: Sequence[Analysis] = ANALYSES) -> None:
    with transaction(engine) as session:
        writer = actor_id(session, ADA)
        for analysis in analyses:
            analyses_repo.put_analysis(session, analysis, actor_id=writer)


@pytest.fixture
def hub(engine: Engine, tmp_path: Path) -> Engine:
    """A store with the table of :data:`ROWS` imported and :data:`ANALYSES` defined, not run."""
    import_arm_data(engine, _table(tmp_path / "arms.csv"), actor=ADA)
    _define(engine)
    return engine


def _stale(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return [s.analysis.slug for s in analysis_states(session) if s.stale]


_IMMUTABLE = ("analysis_runs", "run_inputs", "outcome_data_versions")


def _rows(engine: Engine) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """Every row of the append-only tables, as the database returns it, by primary key."""
    out = {}
    with engine.connect() as connection:
        for name in _IMMUTABLE:
            table = t.Base.metadata.tables[name]
            key = [c.name for c in table.primary_key.columns]
            rows = connection.execute(text(f"SELECT * FROM {name}")).mappings().all()
            out[name] = {tuple(r[k] for k in key): tuple(r.values()) for r in rows}
    return out


def _unchanged(before: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]],
               after: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]) -> None:
    for name in _IMMUTABLE:
        for key, row in before[name].items():
            assert after[name][key] == row, f"{name} {key} changed"


# --------------------------------------------------------------------------- staleness


def test_new_analyses_are_stale_and_analyze_fits_each_once(hub: Engine) -> None:
    assert _stale(hub) == ["hba1c-dl", "hba1c-reml", "remission-rr"]
    fitted = analyze(hub, actor=ADA)
    assert [(f.slug, f.status) for f in fitted] == [
        ("hba1c-dl", "fitted"), ("hba1c-reml", "fitted"), ("remission-rr", "fitted")]
    assert _stale(hub) == []
    assert analyze(hub, actor=ADA) == []
    named = analyze(hub, ["remission-rr"], actor=ADA)
    assert [(f.slug, f.status, f.run_id) for f in named] == [
        ("remission-rr", "current", fitted[2].run_id)]
    assert named[0].result == fitted[2].result


def test_one_changed_value_makes_exactly_its_analyses_stale(hub: Engine, tmp_path: Path) -> None:
    first = {f.slug: f for f in analyze(hub, actor=ADA)}
    before = _rows(hub)

    changed = dict(ROWS)
    changed[("Beta 2004", "drug", "HbA1c")] = "60,-1.3,1.3,,,change"
    report = import_arm_data(hub, _table(tmp_path / "corrected.csv", changed), actor=ADA)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 9)
    (row,) = [r for r in report.rows if r["status"] == "updated"]
    assert row["version"] == 2

    assert _stale(hub) == ["hba1c-dl", "hba1c-reml"]
    refitted = analyze(hub, actor=ADA)
    assert [f.slug for f in refitted] == ["hba1c-dl", "hba1c-reml"]
    after = _rows(hub)
    _unchanged(before, after)
    new_versions = set(after["outcome_data_versions"]) - set(before["outcome_data_versions"])
    assert len(new_versions) == 1
    assert len(after["analysis_runs"]) == len(before["analysis_runs"]) + 2

    for fit in refitted:
        old = first[fit.slug].result
        assert fit.run_id > first[fit.slug].run_id
        assert fit.result.fit is not None and old.fit is not None
        assert fit.result.fit["estimate"] != old.fit["estimate"]
        inputs = {pair for r in fit.result.rows for pair in r.data}
        assert (row["id"], 2) in inputs and (row["id"], 1) not in inputs
    with transaction(hub) as session:
        runs = analyses_repo.list_runs(session, "hba1c-reml")
        assert [r.id for r in runs] == [first["hba1c-reml"].run_id,
                                        refitted[1].run_id]
        assert (row["id"], 1) in runs[0].inputs and (row["id"], 2) in runs[1].inputs
        assert analyses_repo.runs_using(session, row["id"]) == [
            first["hba1c-dl"].run_id, first["hba1c-reml"].run_id,
            refitted[0].run_id, refitted[1].run_id]
    assert _stale(hub) == []


def test_reimporting_the_same_file_changes_no_version(hub: Engine, tmp_path: Path) -> None:
    analyze(hub, actor=ADA)
    before = _rows(hub)
    report = import_arm_data(hub, _table(tmp_path / "again.csv"), actor=ADA)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 10)
    assert _rows(hub) == before
    assert _stale(hub) == []


def test_a_new_study_makes_its_outcome_stale(hub: Engine, tmp_path: Path) -> None:
    analyze(hub, actor=ADA)
    rows = {**ROWS, ("Delta 2015", "drug", "remission"): ",,,8,30,final",
            ("Delta 2015", "placebo", "remission"): ",,,4,31,final"}
    import_arm_data(hub, _table(tmp_path / "more.csv", rows), actor=ADA)
    assert _stale(hub) == ["remission-rr"]


def test_a_changed_setting_makes_only_that_analysis_stale(hub: Engine) -> None:
    analyze(hub, actor=ADA)
    before = _rows(hub)
    _define(hub, [ANALYSES[1].model_copy(update={"title": "renamed only"})])
    assert _stale(hub) == []  # the title is not a setting of the fit
    _define(hub, [ANALYSES[1].model_copy(update={"method": Method.PM})])
    assert _stale(hub) == ["hba1c-dl"]
    (fit,) = analyze(hub, actor=ADA)
    assert fit.slug == "hba1c-dl" and fit.result.method == "PM"
    _unchanged(before, _rows(hub))


def test_a_renamed_study_makes_its_analyses_stale(hub: Engine) -> None:
    analyze(hub, actor=ADA)
    with transaction(hub) as session:
        studies_repo.upsert_study(session, Study(key="gamma2010", label="Gamma et al. 2010",
                                                 design=StudyDesign.RANDOMISED_CONTROLLED))
    assert _stale(hub) == ["hba1c-dl", "hba1c-reml"]
    fitted = analyze(hub, actor=ADA)
    labels = [r.study_label for r in fitted[0].result.rows]
    assert labels == ["Alpha 2001", "Beta 2004", "Gamma et al. 2010"]


def test_all_refits_every_analysis_and_the_runs_say_what_they_used(hub: Engine) -> None:
    analyze(hub, actor=ADA)
    refitted = analyze(hub, everything=True, actor=Actor(name="Bob"))
    assert len(refitted) == 3
    with transaction(hub) as session:
        run = analyses_repo.latest_run(session, "remission-rr")
        state = next(s for s in analysis_states(session) if s.analysis.slug == "remission-rr")
    assert run is not None
    assert run.actor == "Bob" and run.software == SOFTWARE
    assert run.schema_version == SCHEMA_VERSION and run.fingerprint == state.fingerprint
    assert len(run.inputs) == 4 and run.settings["method"] == "REML"
    assert RunResult.from_dict(run.result) == refitted[2].result


def test_analyze_named_unknown_slug_writes_nothing(hub: Engine) -> None:
    with pytest.raises(NotFoundError, match="no analysis 'nope' in the store"):
        analyze(hub, ["hba1c-dl", "nope"], actor=ADA)
    assert _rows(hub)["analysis_runs"] == {}


def test_a_failing_analysis_rolls_back_the_whole_batch(hub: Engine) -> None:
    _define(hub, [_analysis("bad", "HbA1c", Measure.MD, method=Method.MH)])
    with pytest.raises(InputError, match=r"method MH \(Mantel-Haenszel\) pools 2x2 tables as OR, RR or RD; got measure MD"):
        analyze(hub, actor=ADA)
    assert _rows(hub)["analysis_runs"] == {}


def test_progress_is_reported_per_analysis(hub: Engine) -> None:
    seen: list[tuple[int, int]] = []
    analyze(hub, actor=ADA, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


# --------------------------------------------------------------------------- fit_rows (no store)


def _row(study: str, mean: float, *, pooled: bool = True, kind: str = "final",
         note: str | None = None, subgroup: str | None = None) -> AnalysisRow:
    inputs = {"m1i": mean, "sd1i": 1.0, "n1i": 20.0, "m2i": 0.0, "sd2i": 1.0, "n2i": 20.0}
    return AnalysisRow(study, "drug", "placebo", kind, inputs, ((1, 1), (2, 1)), subgroup,
                       pooled, note)


MD = _analysis("md", "HbA1c", Measure.MD)


def test_fit_rows_with_one_study_shows_it_without_pooling() -> None:
    result = fit_rows(MD, [_row("a", 1.0)], {"a": "A 2000"})
    assert result.fit is None
    assert result.not_pooled_reason == "only one comparison (A 2000); a single study is shown, not pooled"
    (row,) = result.rows
    # escalc MD: yi = m1 - m2, vi = sd1²/n1 + sd2²/n2; 95% CI yi ± 1.959964 √vi
    assert (row.yi, row.vi) == (1.0, pytest.approx(0.1, rel=1e-15))
    assert row.ci_lb == pytest.approx(1.0 - 1.959963984540054 * 0.1**0.5, rel=1e-12)
    assert row.weight is None and row.pooled is False
    assert row.note == "single study; not pooled"


def test_fit_rows_without_rows() -> None:
    result = fit_rows(MD, [], {})
    assert (result.fit, result.rows, result.not_pooled_reason) == (
        None, (), "no study has rows for this comparison")


def test_fit_rows_keeps_rows_of_the_other_kind_out_of_the_fit() -> None:
    change = MD.model_copy(update={"value_kind": ValueKind.CHANGE})
    note = "final value; not pooled with change values"
    rows = [_row("a", 1.0, kind="change"), _row("b", 2.0, kind="change"),
            _row("c", 3.0, pooled=False, note=note)]
    result = fit_rows(change, rows, {})
    assert result.fit is not None and result.fit["k"] == 2
    assert [r.pooled for r in result.rows] == [True, True, False]
    assert result.rows[2].note == note and result.rows[2].weight is None
    assert result.rows[2].yi == 3.0  # shown with its effect size
    assert sum(r.weight for r in result.pooled_rows) == pytest.approx(100.0)
    assert [r.study_label for r in result.rows] == ["a", "b", "c"]  # key when no label


def test_fit_rows_records_edge_cases_as_notes() -> None:
    result = fit_rows(MD, [_row("a", 1.0), _row("b", 1.0)], {})
    assert result.fit is not None and result.fit["tau2"] == 0.0
    assert any("set to 0" in note for note in result.notes)


def test_fit_rows_subgroups() -> None:
    sub = MD.model_copy(update={"subgroup": "class", "method": Method.EE})
    rows = [_row("a", 1.0, subgroup="x"), _row("b", 1.2, subgroup="x"),
            _row("c", 2.0, subgroup="y"), _row("d", 2.4, subgroup="y")]
    result = fit_rows(sub, rows, {})
    assert result.subgroups is not None
    assert [g["group"] for g in result.subgroups["groups"]] == ["x", "y"]
    # common-effect pooling of equal variances is the plain mean within each group
    assert [g["estimate"] for g in result.subgroups["groups"]] == [
        pytest.approx(1.1, rel=1e-12), pytest.approx(2.2, rel=1e-12)]


def test_fit_rows_subgroups_the_rows_do_not_have() -> None:
    sub = MD.model_copy(update={"subgroup": "class"})
    with pytest.raises(InputError) as err:
        fit_rows(sub, [_row("a", 1.0), _row("b", 1.2)], {})
    assert str(err.value) == ("analysis 'md': no pooled row has a value in the column 'class' "
                              "given with --subgroup")
    with pytest.raises(InputError) as err:
        fit_rows(sub, [_row("a", 1.0, subgroup="x"), _row("b", 1.2, subgroup="x")], {})
    assert str(err.value) == ("analysis 'md': a subgroup analysis needs "
                              "at least 2 subgroups; got 1")


def test_analysis_states_list_rows_and_labels(hub: Engine) -> None:
    with transaction(hub) as session:
        states = {s.analysis.slug: s for s in analysis_states(session)}
        assert list(states) == ["hba1c-dl", "hba1c-reml", "remission-rr"]
        state = states["remission-rr"]
        assert state.latest is None and state.stale
        assert [r.study_key for r in state.rows] == ["alpha2001", "beta2004"]
        assert state.labels == {"alpha2001": "Alpha 2001", "beta2004": "Beta 2004"}
        assert state.rows[0].inputs == {"ai": 12.0, "n1i": 40.0, "ci": 5.0, "n2i": 41.0}
        assert states["hba1c-reml"].fingerprint != states["hba1c-dl"].fingerprint
        only = analysis_states(session, ["remission-rr"])
        assert [s.analysis.slug for s in only] == ["remission-rr"]
        assert only[0].fingerprint == state.fingerprint
        count = session.scalar(select(t.AnalysisRun.id).limit(1))
    assert count is None
