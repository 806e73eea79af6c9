"""``data import``, ``analysis add``, ``analyze`` and ``analyses`` (cli/analysis.py).

The quality bar of the evidence spine: the metafor reference data sets, converted to arm rows
(``tests/analysis/arm_fixtures.py``), go through ``data import`` → ``analysis add`` →
``analyze --json`` and agree with metafor as ``evidencehub meta`` does (tests/cli/test_meta.py).

Tolerances, as in tests/cli/test_meta.py (tests/reference/metafor/README.md, "Precision"):
1e-8 relative for the closed-form fits (EE, DL) and for ``rma.mh``/``rma.peto``, 1e-6 for the
iterative estimators (REML, PM) against metafor's ``fits_tight`` values, 1e-5 for the
Q-profile limits of tau², 1e-10 for the per-study yi and vi.
"""

from __future__ import annotations

import json
import math
import sqlite3
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from evidencehub.cli import main
from evidencehub.store import init_db
from tests.analysis.arm_fixtures import ARM_DATASETS, OUTCOME, write_arm_table
from tests.stats.reference import load_reference

SCALAR_KEYS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "QE", "QEp",
               "pi_lb", "pi_ub")
FITS = ("REML_z", "DL_knha", "EE_z", "PM_knha")
RCT = "randomised-controlled-trial"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _quiet(args: list[str]) -> str:
    """Run a command outside a test's capture (for the shared stores below); its stdout."""
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    assert code == 0, err.getvalue()
    return out.getvalue()


def _slug(fit: str) -> str:
    return fit.lower().replace("_", "-")


def _sides(name: str) -> list[str]:
    two_groups = ARM_DATASETS[name] in ("binary", "continuous")
    return ["--experimental", "experimental", *(["--control", "control"] if two_groups else [])]


# --------------------------------------------------------------------------- metafor, via the store


def _store(name: str, folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A store for reference data set ``name``: its table imported, one analysis per fit (and
    MH, Peto, the model rule and a subgroup analysis where metafor has them), analysed; then
    analysed again by name, which reads every run back. Both outputs, by slug."""
    _, ref = load_reference(name)
    db = str(folder / "store.db")
    table = write_arm_table(name, folder / f"{name}.csv")
    _quiet(["data", "import", str(table), "--design", RCT, "--db", db])
    common = ["--outcome", OUTCOME, "--measure", ref["measure"], *_sides(name), "--db", db]
    analyses = {_slug(fit): ["--method", fit.split("_")[0], "--test", fit.split("_")[1]]
                for fit in FITS}
    analyses["rule"] = ["--model-rule", "i2-q"]
    if "mh" in ref:
        analyses["mh"] = ["--method", "MH"]
    if "peto" in ref:
        analyses["peto"] = ["--method", "PETO"]
    if "subgroup" in ref:
        analyses["sub"] = ["--subgroup", "group"]
    for slug, options in analyses.items():
        _quiet(["analysis", "add", slug, *common, *options])
    fitted = {r["slug"]: r for r in json.loads(_quiet(["analyze", "--db", db, "--json"]))}
    again = {r["slug"]: r for r in json.loads(_quiet(["analyze", *analyses, "--db", db,
                                                      "--json"]))}
    return fitted, again


def _close(ours: float | None, theirs: float | None, rel: float, what: str) -> None:
    if theirs is None:
        assert ours is None, what
        return
    assert ours is not None, what
    assert ours == pytest.approx(theirs, rel=rel, abs=rel * 1e-2), what


def _check_fit(got: dict[str, Any], ref: dict[str, Any], expected: dict[str, Any], method: str,
               test: str, what: str) -> None:
    rel = 1e-8 if method in ("EE", "DL") else 1e-6
    assert got["k"] == ref["k"], what
    assert (got["measure"], got["method"], got["test"]) == (ref["measure"], method, test), what
    for key in SCALAR_KEYS:
        _close(got[key], expected[key], rel, f"{what} {key}")
    stat = "tval" if test == "knha" else "zval"
    _close(got[stat], expected[stat], rel, f"{what} {stat}")
    if method == "REML":
        _close(got["tau2_ci_lb"], expected["tau2_ci_lb"], 1e-5, f"{what} tau2_ci_lb")
        _close(got["tau2_ci_ub"], expected["tau2_ci_ub"], 1e-5, f"{what} tau2_ci_ub")
    # the store orders a run's studies by key; metafor keeps the file's order: match by label
    ours = {s["study"]: s for s in got["studies"]}
    assert len(ours) == len(ref["escalc"]), what
    for theirs, weight in zip(ref["escalc"], expected["weights"], strict=True):
        study = ours[theirs["study"]]
        assert study["yi"] == pytest.approx(theirs["yi"], rel=1e-10, abs=1e-12), what
        assert study["vi"] == pytest.approx(theirs["vi"], rel=1e-10), what
        assert study["weight"] == pytest.approx(weight, rel=rel), what


def _expected(ref: dict[str, Any], fit: str) -> dict[str, Any]:
    return dict((ref["fits_tight"] if fit in ref["fits_tight"] else ref["fits"])[fit])


def _rule_decision(ref: dict[str, Any]) -> tuple[float, float, bool]:
    """I² = (Q − df)/Q from metafor's common-effect fit, its P, and the rule's choice."""
    common = ref["fits"]["EE_z"]
    q, df = common["QE"], ref["k"] - 1
    i2 = max(0.0, (q - df) / q) * 100
    return i2, common["QEp"], i2 > 50 and common["QEp"] < 0.10


def _check_rule(got: dict[str, Any], ref: dict[str, Any], name: str) -> None:
    i2, qep, random = _rule_decision(ref)
    decision = got["model_rule"]
    assert decision["rule"] == "i2-q"
    assert decision["I2"] == pytest.approx(i2, rel=1e-8, abs=1e-10), name
    assert decision["QEp"] == pytest.approx(qep, rel=1e-8, abs=1e-300), name
    assert decision["chosen"] == ("random" if random else "common"), name
    fit = "REML_z" if random else "EE_z"
    assert decision["method"] == fit.split("_")[0]
    _check_fit(got, ref, _expected(ref, fit), fit.split("_")[0], "z", f"{name} rule")


def _check_mh_peto(got: dict[str, Any], ref: dict[str, Any], method: str, name: str) -> None:
    expected = ref[method]
    numeric = {k: v for k, v in expected.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    assert len(numeric) >= 11
    for key, value in numeric.items():
        # ratio measures stay on the log scale in the JSON contract; metafor's exp_* are exp()
        mine = math.exp(got[key.removeprefix("exp_")]) if key.startswith("exp_") else got[key]
        assert mine == pytest.approx(value, rel=1e-8, abs=1e-300), f"{name} {method} {key}"
    assert got["method"] == method.upper()
    # as `meta --method PETO` reports it: the Peto odds ratio (metafor rma.peto)
    assert got["measure"] == ("PETO" if method == "peto" else ref["measure"])


def _check_subgroups(sub: dict[str, Any], ref: dict[str, Any]) -> None:
    assert sub["levels"] == ref["levels"]
    for ours, theirs in zip(sub["groups"], ref["per_group_REML"], strict=True):
        assert ours["group"] == theirs["group"]
        for key in ("estimate", "se", "tau2", "QE"):
            assert ours[key] == pytest.approx(theirs[key], rel=1e-6, abs=1e-12), key
    diff = ref["subgroup_differences_REML"]
    assert sub["difference"]["Q"] == pytest.approx(diff["Q"], rel=1e-6)
    assert sub["difference"]["pval"] == pytest.approx(diff["pval"], rel=1e-6)


@pytest.mark.parametrize("name", list(ARM_DATASETS))
def test_arm_rows_through_the_store_agree_with_metafor(name: str, tmp_path: Path) -> None:
    """Every fit of a data set (one test per data set: one store, built once)."""
    _, ref = load_reference(name)
    fitted, again = _store(name, tmp_path)
    for fit in FITS:
        got = fitted[_slug(fit)]
        assert got["status"] == "fitted" and isinstance(got["run_id"], int)
        method, test = fit.split("_")
        _check_fit(got, ref, _expected(ref, fit), method, test, f"{name} {fit}")
    _check_rule(fitted["rule"], ref, name)
    for method in ("mh", "peto"):
        if method in ref:
            _check_mh_peto(fitted[method], ref, method, name)
    if "subgroup" in ref:
        _check_subgroups(fitted["sub"]["subgroup"], ref["tight"]["subgroup"])
    # the second analyze, naming every analysis, reads each run back from the store unchanged
    assert again.keys() == fitted.keys()
    for slug, result in fitted.items():
        assert again[slug]["status"] == "current"
        assert {**again[slug], "status": "fitted"} == result, slug


def test_the_fixtures_cover_every_family_and_both_model_rule_branches() -> None:
    assert set(ARM_DATASETS.values()) == {"binary", "continuous", "proportion", "mean"}
    refs = [load_reference(n)[1] for n in ARM_DATASETS]
    assert sum("mh" in r for r in refs) >= 6 and sum("peto" in r for r in refs) >= 4
    assert sum("subgroup" in r for r in refs) >= 3
    assert {_rule_decision(r)[2] for r in refs} == {True, False}


# --------------------------------------------------------------------------- the JSON contracts


@pytest.fixture
def arms(tmp_path: Path) -> Path:
    return write_arm_table("normand1999_MD", tmp_path / "arms.csv")


def _db(tmp_path: Path) -> str:
    return str(tmp_path / "hub.db")


def _add(db: str, slug: str, *options: str) -> list[str]:
    return ["analysis", "add", slug, "--outcome", OUTCOME, "--measure", "MD",
            "--experimental", "experimental", "--control", "control", *options, "--db", db]


def test_data_import_json(arms: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["data", "import", str(arms), "--design", RCT, "--db", _db(tmp_path),
                           "--actor", "Ada", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert list(report) == ["path", "import_id", "sha256", "read", "created", "updated",
                            "unchanged", "studies_created", "outcomes_created", "rows"]
    assert (report["read"], report["created"], report["updated"], report["unchanged"]) == (
        18, 18, 0, 0)
    assert len(report["studies_created"]) == 9 and report["outcomes_created"] == [OUTCOME]
    assert report["rows"][0] == {"row": 2, "id": report["rows"][0]["id"], "version": 1,
                                 "status": "created"}
    assert [r["row"] for r in report["rows"]] == list(range(2, 20))

    code, out, _ = _run(["data", "import", str(arms), "--db", _db(tmp_path), "--json"], capsys)
    again = json.loads(out)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 18)
    assert again["import_id"] == report["import_id"] + 1
    assert again["studies_created"] == [] and again["outcomes_created"] == []


def test_data_import_human_summary(arms: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["data", "import", str(arms), "--design", RCT, "--db", _db(tmp_path)],
                        capsys)
    assert code == 0
    text = " ".join(out.split())
    assert text.startswith("18 row(s) read from arms.csv: 18 new, 0 changed (a new version "
                           "each), 0 unchanged. New studies: edinburgh,")
    assert text.endswith(f"New outcomes: {OUTCOME}. Recorded as import 1.")


def test_analysis_add_json_and_statuses(arms: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    code, out, err = _run([*_add(db, "los", "--method", "dl", "--test", "knha",
                                 "--timepoint", "discharge", "--value-kind", "final",
                                 "--level", "90", "--subgroup", "region"), "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    assert got == {
        "slug": "los", "status": "created",
        "title": f"{OUTCOME}: experimental vs control (Mean difference)", "outcome": OUTCOME,
        "comparison": {"experimental": ["experimental"], "control": ["control"]},
        "measure": "MD", "method": "DL", "test": "knha", "level": 90.0, "model_rule": None,
        "subgroup": "region", "timepoint": "discharge", "value_kind": "final",
        "description": None, "review": None,
    }
    code, out, _ = _run([*_add(db, "los", "--method", "DL", "--test", "knha", "--timepoint",
                               "discharge", "--value-kind", "final", "--level", "90",
                               "--subgroup", "region"), "--json"], capsys)
    assert json.loads(out)["status"] == "unchanged"
    code, out, _ = _run(_add(db, "los"), capsys)
    assert code == 0 and out.strip() == "analysis 'los': updated"


def test_analyze_and_analyses_json(arms: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    _run(_add(db, "los"), capsys)
    _run(_add(db, "los-dl", "--method", "DL"), capsys)

    code, out, _ = _run(["analyses", "--db", db, "--json"], capsys)
    listed = json.loads(out)
    assert [a["slug"] for a in listed] == ["los", "los-dl"]
    assert list(listed[0]) == ["slug", "title", "outcome", "comparison", "measure", "method",
                               "test", "level", "model_rule", "subgroup", "timepoint",
                               "value_kind", "review", "k", "run_id", "fitted_at", "stale"]
    assert (listed[0]["k"], listed[0]["run_id"], listed[0]["fitted_at"], listed[0]["stale"]) == (
        9, None, None, True)

    code, out, _ = _run(["analyze", "los", "--db", db, "--json"], capsys)
    (result,) = json.loads(out)
    assert list(result)[:3] == ["slug", "run_id", "status"]
    for key in ("k", "measure", "method", "test", "estimate", "se", "zval", "pval", "ci_lb",
                "ci_ub", "tau2", "tau2_ci_lb", "tau2_ci_ub", "I2", "H2", "QE", "QEp", "pi_lb",
                "pi_ub", "studies", "notes"):
        assert key in result, key
    assert list(result["studies"][0]) == ["study", "yi", "vi", "weight"]

    code, out, _ = _run(["analyses", "--stale", "--db", db, "--json"], capsys)
    assert [a["slug"] for a in json.loads(out)] == ["los-dl"]
    code, out, _ = _run(["analyses", "--db", db, "--json"], capsys)
    los = json.loads(out)[0]
    assert los["run_id"] == result["run_id"] and los["stale"] is False
    assert los["fitted_at"].endswith("+00:00")

    code, out, _ = _run(["analyze", "--db", db, "--json"], capsys)
    assert [(r["slug"], r["status"]) for r in json.loads(out)] == [("los-dl", "fitted")]
    code, out, _ = _run(["analyze", "--db", db, "--json"], capsys)
    assert json.loads(out) == []
    code, out, _ = _run(["analyze", "--db", db], capsys)
    assert out.strip() == "Every analysis is up to date (use --all to refit)."
    code, out, _ = _run(["analyze", "--all", "--db", db, "--json"], capsys)
    again = json.loads(out)
    assert code == 0
    assert [(r["slug"], r["status"]) for r in again] == [("los", "fitted"), ("los-dl", "fitted")]
    assert again[0]["run_id"] > result["run_id"]
    assert again[0]["estimate"] == result["estimate"]


def test_analyze_human_output(arms: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    _run(_add(db, "los", "--method", "EE"), capsys)
    _run(["analysis", "add", "one-arm", "--outcome", OUTCOME, "--measure", "MN",
          "--experimental", "nobody", "--db", db], capsys)
    code, out, _ = _run(["analyze", "--db", db], capsys)
    assert code == 0
    fit = load_reference("normand1999_MD")[1]["fits"]["EE_z"]
    assert (f"los: run 1 (fitted): k = 9, estimate {fit['estimate']:.4g} "
            f"[{fit['ci_lb']:.4g}, {fit['ci_ub']:.4g}]") in out
    assert "one-arm: run 2 (fitted): no study has rows for this comparison" in out
    code, out, _ = _run(["analyses", "--db", db], capsys)
    assert "2 analysis(es)" in out and "los" in out and "one-arm" in out


def test_analyze_json_without_a_pooled_fit(arms: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    _run(["analysis", "add", "none", "--outcome", OUTCOME, "--measure", "MN",
          "--experimental", "nobody", "--db", db], capsys)
    code, out, _ = _run(["analyze", "--db", db, "--json"], capsys)
    assert code == 0
    assert json.loads(out) == [{"slug": "none", "run_id": 1, "status": "fitted", "k": 0,
                                "measure": "MN",
                                "not_pooled_reason": "no study has rows for this comparison",
                                "notes": []}]


# --------------------------------------------------------------------------- errors and help


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--measure", "XYZ"], "error: --measure: unknown value 'XYZ'; choose one of: OR, RR,"),
        (["--measure", "MD", "--method", "BOGUS"],
         "error: --method: unknown value 'BOGUS'; choose one of: EE, FE, DL,"),
        (["--measure", "MD", "--test", "t"],
         "error: --test: unknown value 't'; choose one of: z, knha"),
        (["--measure", "MD", "--model-rule", "i2"],
         "error: --model-rule: unknown value 'i2'; choose one of: i2-q"),
        (["--measure", "MD", "--value-kind", "delta"],
         "error: analysis add: field 'value_kind': Input should be 'final' or 'change'"),
        (["--measure", "MD", "--control", "experimental"],
         "error: analysis add: arm 'experimental' is on both sides of the comparison"),
        (["--measure", "MD", "--level", "120"],
         "error: analysis add: field 'level': Input should be less than 100"),
    ],
)
def test_analysis_add_refuses_bad_options(options: list[str], message: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["analysis", "add", "x", "--outcome", OUTCOME, "--experimental",
                           "experimental", *options, "--db", _db(tmp_path)], capsys)
    assert code == 1 and out == ""
    assert err.startswith(message), err
    assert err.count("\n") == 1


def test_analysis_add_bad_slug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["analysis", "add", "Bad Slug", "--outcome", OUTCOME, "--measure", "MD",
                         "--experimental", "a", "--db", _db(tmp_path)], capsys)
    assert code == 1
    assert err.startswith("error: analysis add: field 'slug': String should match pattern")
    assert err.count("\n") == 1


def test_analysis_add_unknown_outcome(arms: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    code, _, err = _run(["analysis", "add", "x", "--outcome", "HbA1c", "--measure", "MD",
                         "--experimental", "a", "--control", "b", "--db", db], capsys)
    assert code == 1
    assert err.startswith("error: no store at ")  # analysis add needs a store with data
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    code, _, err = _run(["analysis", "add", "x", "--outcome", "HbA2c", "--measure", "MD",
                         "--experimental", "a", "--control", "b", "--db", db], capsys)
    assert code == 1
    assert err.startswith("error: analysis 'x': no outcome 'HbA2c' in the store (known: ")
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    code, _, err = _run(["analysis", "add", "x", "--outcome", "HbA1c", "--measure", "MD",
                         "--experimental", "a", "--control", "b", "--db", db], capsys)
    assert err == f"error: analysis 'x': no outcome 'HbA1c' in the store (known: '{OUTCOME}')\n"


BINARY = "binary outcome"


@pytest.mark.parametrize(
    ("outcome", "measure", "sides", "method", "message"),
    [
        (OUTCOME, "MD", ["--experimental", "experimental"], "REML",
         "error: analysis 'bad': MD compares two groups; give the control arm (--control)"),
        (OUTCOME, "MN", ["--experimental", "experimental", "--control", "control"], "REML",
         "error: analysis 'bad': MN describes one group; give only --experimental arms"),
        (OUTCOME, "COR", ["--experimental", "experimental"], "REML",
         "error: analysis 'bad': the COR measure (correlation) is not computed from arm-level "
         "rows; use OR, RR, RD, PETO, MD, SMD, SMDH, ROM (two groups) or PR, PLO, PAS, PFT, MN "
         "(one group)"),
        (OUTCOME, "RR", ["--experimental", "experimental", "--control", "control"], "REML",
         "error: analysis 'bad', study 'edinburgh': arm 'experimental' has no 'events' "
         "(outcome data "),
        (OUTCOME, "SMD", ["--experimental", "experimental", "--control", "control"], "MH",
         "error: analysis 'bad': method MH (Mantel-Haenszel) pools 2x2 tables as OR, RR or RD; "
         "got measure SMD"),
        (BINARY, "PR", ["--experimental", "experimental"], "MH",
         "error: analysis 'bad': method MH (Mantel-Haenszel) pools 2x2 tables as OR, RR or RD; "
         "got measure PR"),
        (BINARY, "RR", ["--experimental", "experimental", "--control", "control"], "PETO",
         "error: analysis 'bad': method PETO (Peto's method) gives an odds ratio: use measure "
         "OR; got measure RR"),
        (OUTCOME, "MD", ["--experimental", "experimental", "--control", "control"], "PETO",
         "error: analysis 'bad': method PETO (Peto's method) gives an odds ratio: use measure "
         "OR; got measure MD"),
    ],
)
def test_analyze_refuses_what_cannot_be_pooled(
        outcome: str, measure: str, sides: list[str], method: str, message: str,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    for name in ("normand1999_MD", "bcg_RR"):
        table = write_arm_table(name, tmp_path / f"{name}.csv")
        if name == "bcg_RR":
            table.write_text(table.read_text(encoding="utf-8").replace(OUTCOME, BINARY),
                             encoding="utf-8")
        _run(["data", "import", str(table), "--design", RCT, "--db", db], capsys)
    code, _, err = _run(["analysis", "add", "bad", "--outcome", outcome, "--measure", measure,
                         "--method", method, *sides, "--db", db], capsys)
    assert code == 0, err
    code, out, err = _run(["analyze", "--db", db, "--json"], capsys)
    assert code == 1 and out == ""
    assert err.startswith(message), err
    assert err.count("\n") == 1


def test_analyze_unknown_slug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    code, _, err = _run(["analyze", "nope", "--db", db, "--json"], capsys)
    assert code == 1 and err.startswith("error: no store at ")
    init_db(db).dispose()
    code, _, err = _run(["analyze", "nope", "--db", db, "--json"], capsys)
    assert code == 1
    assert err == "error: no analysis 'nope' in the store\n"


def test_data_import_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["data", "import", str(tmp_path / "nope.csv"), "--db", _db(tmp_path)],
                        capsys)
    assert code == 1
    assert err == f"error: {tmp_path / 'nope.csv'}: no such file\n"


def test_data_import_unknown_design(arms: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["data", "import", str(arms), "--design", "rct", "--db", _db(tmp_path)],
                        capsys)
    assert code == 1
    assert err.startswith("error: --design: unknown value 'rct'; choose one of: in-vitro, animal")
    assert not Path(_db(tmp_path)).exists()


def _review(db: str, slug: str = "los-review") -> None:
    _quiet(["review", "create", slug, "--title", "Length of stay", "--db", db])


def test_an_analysis_names_its_review_and_stays_current_when_it_changes(
        arms: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    _review(db)
    code, out, err = _run([*_add(db, "los", "--review", "los-review"), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["review"] == "los-review"
    _run(["analyze", "--db", db], capsys)
    code, out, _ = _run(["trace", "analysis:los", "--db", db, "--json"], capsys)
    traced = json.loads(out)["analysis"]
    assert traced["review"] == "los-review" and "review" not in traced["settings"]
    code, out, _ = _run(["trace", "analysis:los", "--db", db], capsys)
    assert "(studies from review los-review)" in " ".join(out.split())

    _review(db, "other-review")
    for options, review in ((["--review", "other-review"], "other-review"),
                            (["--no-review"], None), (["--review", "los-review"], "los-review")):
        code, out, err = _run(["analysis", "link", "los", *options, "--db", db, "--actor", "Dee",
                               "--json"], capsys)
        assert code == 0, err
        assert json.loads(out) == {"slug": "los", "review": review, "status": "updated"}
        code, out, _ = _run(["analyses", "--db", db, "--json"], capsys)
        (listed,) = json.loads(out)
        assert (listed["review"], listed["stale"]) == (review, False)
    code, out, _ = _run(["analysis", "link", "los", "--review", "los-review", "--db", db], capsys)
    assert out.strip() == "analysis 'los': review 'los-review' (unchanged)"
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT a.name FROM analyses x JOIN actors a "
                                  "ON a.id = x.actor_id").fetchone() == ("Dee",)
    code, out, _ = _run(["analyze", "--db", db, "--json"], capsys)
    assert json.loads(out) == []  # nothing to refit


@pytest.mark.parametrize(("args", "message"), [
    (["analysis", "add", "los", "--outcome", OUTCOME, "--measure", "MD", "--experimental",
      "experimental", "--review", "nope"],
     "error: analysis 'los': no review 'nope' in the store (see 'evidencehub review list')\n"),
    (["analysis", "link", "los", "--review", "nope"],
     "error: analysis 'los': no review 'nope' in the store (see 'evidencehub review list')\n"),
    (["analysis", "link", "zzz", "--no-review"], "error: no analysis 'zzz' in the store\n"),
    (["analysis", "link", "los"],
     "error: analysis link: give --review SLUG or --no-review (one of them)\n"),
    (["analysis", "link", "los", "--review", "los-review", "--no-review"],
     "error: analysis link: give --review SLUG or --no-review (one of them)\n"),
])
def test_an_unknown_review_or_analysis_is_one_line(args: list[str], message: str, arms: Path,
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    _run(["data", "import", str(arms), "--design", RCT, "--db", db], capsys)
    _review(db)
    _run(_add(db, "los"), capsys)
    code, _, err = _run([*args, "--db", db], capsys)
    assert (code, err) == (1, message)


@pytest.mark.parametrize("command", [["data", "import"], ["analysis", "add"], ["analyze"],
                                     ["analyses"], ["data"], ["analysis"], ["analysis", "link"]])
def test_help_has_an_example(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out and "evidencehub " in out


def test_analysis_tables_are_written_by_the_cli(arms: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path)
    _run(["data", "import", str(arms), "--design", RCT, "--db", db, "--actor", "Ada"], capsys)
    _run([*_add(db, "los"), "--actor", "Bob"], capsys)
    _run(["analyze", "--db", db, "--actor", "Cy"], capsys)
    with sqlite3.connect(db) as connection:
        writers = dict(connection.execute(
            "SELECT 'versions', a.name FROM outcome_data_versions v JOIN actors a "
            "ON a.id = v.actor_id UNION SELECT 'analysis', a.name FROM analyses x JOIN actors a "
            "ON a.id = x.actor_id UNION SELECT 'run', a.name FROM analysis_runs r JOIN actors a "
            "ON a.id = r.actor_id UNION SELECT 'import', a.name FROM import_events e "
            "JOIN actors a ON a.id = e.actor_id").fetchall())
    assert writers == {"versions": "Ada", "import": "Ada", "analysis": "Bob", "run": "Cy"}
