"""``evidencehub meta`` on the metafor reference CSVs, compared with metafor's results.

Tolerances (tests/reference/metafor/README.md, "Precision"): 1e-8 relative for closed-form
fits (EE, DL), 1e-6 for the iterative estimators, compared with the ``fits_tight`` values
(metafor solved to full precision).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from evidencehub.cli import main
from tests.stats.reference import load_reference, reference_csv, reference_names

SCALAR_KEYS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "QE", "QEp",
               "pi_lb", "pi_ub")
DATASETS = reference_names()


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["meta", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _close(ours: float | None, theirs: float | None, rel: float, what: str) -> None:
    if theirs is None:
        assert ours is None, what
        return
    assert ours is not None, what
    assert ours == pytest.approx(theirs, rel=rel, abs=rel * 1e-2), what


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("fit", ["REML_z", "DL_knha", "EE_z", "PM_knha"])
def test_json_matches_metafor(name: str, fit: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, ref = load_reference(name)
    method, test = fit.split("_")
    expected = (ref["fits_tight"] if fit in ref["fits_tight"] else ref["fits"])[fit]
    rel = 1e-8 if method in ("EE", "DL") else 1e-6
    code, out, _ = _run([str(reference_csv(name)), "--measure", ref["measure"],
                         "--method", method, "--test", test, "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    assert got["k"] == ref["k"]
    assert got["measure"] == ref["measure"] and got["method"] == method and got["test"] == test
    for key in SCALAR_KEYS:
        _close(got[key], expected[key], rel, f"{name} {fit} {key}")
    stat = "tval" if test == "knha" else "zval"
    _close(got[stat], expected[stat], rel, f"{name} {fit} {stat}")
    if method == "REML":
        _close(got["tau2_ci_lb"], expected["tau2_ci_lb"], 1e-5, "tau2_ci_lb")
        _close(got["tau2_ci_ub"], expected["tau2_ci_ub"], 1e-5, "tau2_ci_ub")
    for ours, theirs, weight in zip(got["studies"], ref["escalc"], expected["weights"],
                                    strict=True):
        assert ours["study"] == theirs["study"]
        assert ours["yi"] == pytest.approx(theirs["yi"], rel=1e-10, abs=1e-12)
        assert ours["vi"] == pytest.approx(theirs["vi"], rel=1e-10)
        assert ours["weight"] == pytest.approx(weight, rel=rel)


def test_subgroup_matches_metafor(capsys: pytest.CaptureFixture[str]) -> None:
    ref = load_reference("bcg_RR")[1]["tight"]["subgroup"]
    code, out, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR",
                         "--subgroup", "group", "--json"], capsys)
    assert code == 0
    sub = json.loads(out)["subgroup"]
    assert sub["levels"] == ref["levels"]
    for ours, theirs in zip(sub["groups"], ref["per_group_REML"], strict=True):
        assert ours["group"] == theirs["group"]
        assert ours["estimate"] == pytest.approx(theirs["estimate"], rel=1e-6)
    diff = ref["subgroup_differences_REML"]
    assert sub["difference"]["Q"] == pytest.approx(diff["Q"], rel=1e-6)
    assert sub["difference"]["pval"] == pytest.approx(diff["pval"], rel=1e-6)
    assert sub["moderator_model"]["QM"] == pytest.approx(ref["mixed_effects_model"]["QM"],
                                                         rel=1e-6)


@pytest.mark.parametrize("test", ["z", "knha"])
def test_mods_matches_metafor_metareg(test: str, capsys: pytest.CaptureFixture[str]) -> None:
    ref = load_reference("bcg_RR")[1]["tight"]["metareg"][f"REML_{test}"]
    code, out, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--mods", "x",
                         "--test", test, "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    assert got["QM"] == pytest.approx(ref["QM"], rel=1e-6)
    assert got["tau2"] == pytest.approx(ref["tau2"], rel=1e-6)
    assert [c["term"] for c in got["coefficients"]] == ["intrcpt", "x"]
    for ours, theirs in zip(got["coefficients"], ref["coefficients"], strict=True):
        assert ours["estimate"] == pytest.approx(theirs["estimate"], rel=1e-6)
        assert ours["se"] == pytest.approx(theirs["se"], rel=1e-6)


@pytest.mark.parametrize("method", ["REML", "EE"])
def test_by_fits_one_analysis_per_value(method: str, capsys: pytest.CaptureFixture[str]) -> None:
    ref = load_reference("bcg_RR")[1]
    ref = (ref["tight"] if method == "REML" else ref)["subgroup"][f"per_group_{method}"]
    code, out, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--by", "group",
                         "--method", method, "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    assert isinstance(got, list)
    assert [g["by"] for g in got] == ["random", "alternate", "systematic"]  # file order
    by_level = {g["by"]: g for g in got}
    for theirs in ref:
        ours = by_level[theirs["group"]]
        assert ours["k"] == theirs["k"]
        for key in ("estimate", "se", "ci_lb", "ci_ub", "tau2", "QE", "I2"):
            assert ours[key] == pytest.approx(theirs[key], rel=1e-6, abs=1e-12), key


def test_by_with_more_analyses_per_value_matches_single_fits(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(reference_csv("bcg_RR")), "-m", "RR", "--by", "group", "--json"]
    code, out, _ = _run(args, capsys)
    assert code == 0
    code, out_l1o, _ = _run([*args, "--leave1out"], capsys)  # one fit per value, no batch
    assert code == 0
    for batch, single in zip(json.loads(out), json.loads(out_l1o), strict=True):
        single.pop("leave1out")
        assert batch.keys() == single.keys()
        assert batch["estimate"] == pytest.approx(single["estimate"], rel=1e-10)
        assert batch["tau2"] == pytest.approx(single["tau2"], rel=1e-9, abs=1e-14)


def test_leave1out_matches_metafor(capsys: pytest.CaptureFixture[str]) -> None:
    ref = load_reference("bcg_RR")[1]["tight"]["leave1out"]["studies"]
    code, out, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--leave1out",
                         "--json"], capsys)
    assert code == 0
    rows = json.loads(out)["leave1out"]["studies"]
    for ours, theirs in zip(rows, ref, strict=True):
        assert ours["study"] == theirs["study"]
        assert ours["estimate"] == pytest.approx(theirs["estimate"], rel=1e-6)
        assert ours["tau2"] == pytest.approx(theirs["tau2"], rel=1e-6)


@pytest.mark.parametrize("name", ["bcg_RR", "molloy2014_ZCOR"])
def test_bias_matches_metafor(name: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    ref = load_reference(name)[1]
    funnel = tmp_path / "funnel.svg"
    code, out, _ = _run([str(reference_csv(name)), "-m", ref["measure"],
                         "--bias", "--funnel", str(funnel), "--json"], capsys)
    assert code == 0
    bias = json.loads(out)["bias"]
    assert bias["regtest"]["zval"] == pytest.approx(ref["tight"]["regtest"]["zval"], rel=1e-6)
    assert bias["regtest"]["pval"] == pytest.approx(ref["tight"]["regtest"]["pval"], rel=1e-6)
    assert bias["ranktest"]["tau"] == pytest.approx(ref["ranktest"]["tau"], rel=1e-8)
    assert bias["ranktest"]["pval"] == pytest.approx(ref["ranktest"]["pval"], rel=1e-8)
    tf = ref["tight"]["trimfill"]
    assert bias["trimfill"]["k0"] == tf["k0"]
    assert bias["trimfill"]["side"] == tf["side"]
    assert bias["trimfill"]["estimate"] == pytest.approx(tf["estimate"], rel=1e-6)
    assert bias["fsn"]["fsnum"] == ref["fsn"]["fsnum"]
    svg = funnel.read_text(encoding="utf-8")
    assert ('id="filled-studies"' in svg) == (tf["k0"] > 0)


def test_revman_convention_is_dersimonian_laird(capsys: pytest.CaptureFixture[str]) -> None:
    ref = load_reference("bcg_RR")[1]["fits"]["DL_z"]
    code, out, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR",
                         "--convention", "revman", "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    assert got["method"] == "DL"
    assert got["tau2"] == pytest.approx(ref["tau2"], rel=1e-8)


def test_human_output_is_back_transformed(capsys: pytest.CaptureFixture[str]) -> None:
    fit = load_reference("bcg_RR")[1]["fits_tight"]["REML_z"]
    code, out, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR"], capsys)
    assert code == 0
    assert "Risk ratio per study" in out
    assert f"Back-transformed (risk ratio): {math.exp(fit['estimate']):.4f}" in out
    assert "Aronson 1948" in out


def test_plots_are_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forest, funnel = tmp_path / "forest.svg", tmp_path / "funnel.png"
    code, _, err = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--subgroup",
                         "group", "--plot", str(forest), "--funnel", str(funnel), "--json"],
                        capsys)
    assert code == 0
    assert "Test for subgroup differences" in forest.read_text(encoding="utf-8")
    assert funnel.read_bytes()[:4] == b"\x89PNG"
    assert f"wrote {forest}" in err


def test_plots_per_by_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--by", "group",
                       "--plot", str(tmp_path / "f.svg"), "--json"], capsys)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "f-alternate.svg", "f-random.svg", "f-systematic.svg"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("study,ai,bi,ci\nA,1,2,3\n", ["-m", "OR"],
         "error: data.csv: missing column 'di' or 'n2i' needed for measure OR"),
        ("study,ai,bi,ci,di\nA,1,2,3,4\nB,1,2,x,4\n", ["-m", "OR"],
         "error: data.csv, row 2, column 'ci': expected a number, got 'x'"),
        ("study,yi,vi\nA,1,1\nB,2,1\n", ["-m", "XYZ"], "error: escalc: unknown measure 'XYZ'"),
        ("study,yi,vi\nA,1,1\nB,2,1\n", ["-m", "GEN", "--subgroup", "region"],
         "error: data.csv: missing column 'region' given with --subgroup"),
        ("study,ai,bi,ci,di\nA,-1,2,3,4\n", ["-m", "OR"], "error: escalc"),
    ],
)
def test_bad_input_is_one_line_on_stderr(content: str, args: list[str], message: str,
                                         tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = _run([str(path), *args], capsys)
    assert code == 1
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([str(tmp_path / "nope.csv"), "-m", "OR"], capsys)
    assert code == 1
    assert err.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meta", "--help"]) == 0
    assert "Example" in capsys.readouterr().out


def test_by_keeps_sample_sizes_for_freeman_tukey(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    source = reference_csv("pritz1997_PFT")
    lines = source.read_text(encoding="utf-8").splitlines()
    data = tmp_path / "pft.csv"
    data.write_text("\n".join([lines[0] + ",wave"] + [line + ",1" for line in lines[1:]]) + "\n",
                    encoding="utf-8")
    fit = load_reference("pritz1997_PFT")[1]["fits_tight"]["REML_z"]
    code, out, _ = _run([str(data), "-m", "PFT", "--by", "wave", "--json"], capsys)
    assert code == 0
    assert json.loads(out)[0]["estimate"] == pytest.approx(fit["estimate"], rel=1e-6)
    code, out, _ = _run([str(data), "-m", "PFT", "--by", "wave"], capsys)
    assert code == 0
    assert "Back-transformed (proportion)" in out
    assert "Proportion per study" in out


# -- Mantel-Haenszel and Peto (metafor rma.mh / rma.peto) --------------------------------------
MH_PETO = json.loads((Path(__file__).parent.parent / "reference" / "mh_peto"
                      / "references.json").read_text(encoding="utf-8"))
"""metafor 3.8-1 results made by tests/reference/mh_peto/generate.R (calls recorded in it)."""
MH_REL = 1e-10  # closed forms; the references carry 15 significant digits
MH_ABS = 1e-13
MH_FIELDS = ("k", "k_yi", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp",
             "I2", "H2", "CMH", "CMHp", "CO", "COp", "BD", "BDp", "TA", "TAp", "k_pos")


def _check_pooler(got: dict, ref: dict, what: str) -> None:
    assert got["method"] == ref["method"] and got["measure"] == ref["measure"], what
    assert got["test"] == "z" and got["tau2"] == 0.0, what
    for key in MH_FIELDS:
        if key not in ref:
            assert key not in got, f"{what} {key}"
            continue
        _close(got[key], ref[key], MH_REL, f"{what} {key}")
    assert len(got["studies"]) == len(ref["studies"]), what
    for ours, theirs in zip(got["studies"], ref["studies"], strict=True):
        assert ours["study"] == theirs["study"], what
        for key in ("yi", "vi", "weight"):
            if theirs[key] is None:
                assert ours[key] is None, f"{what} {theirs['study']} {key}"
            else:
                assert ours[key] == pytest.approx(theirs[key], rel=MH_REL, abs=MH_ABS), (
                    f"{what} {theirs['study']} {key}")


@pytest.mark.parametrize("case", MH_PETO["cases"],
                         ids=lambda c: f"{c['name']}-{c['method']}-{c['measure']}-{c['level']}")
def test_mh_and_peto_json_match_metafor(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    measure = case["measure"] if case["method"] == "MH" else "OR"
    code, out, _ = _run([case["csv"], "-m", measure, "--method", case["method"],
                         "--level", str(case["level"]), "--json"], capsys)
    assert code == 0
    _check_pooler(json.loads(out), case, case["call"])


def test_peto_also_with_measure_peto(capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in MH_PETO["cases"]
                if c["name"] == "nielweise2007" and c["method"] == "PETO")
    code, out, err = _run([case["csv"], "-m", "PETO", "--method", "PETO", "--json"], capsys)
    assert code == 0
    _check_pooler(json.loads(out), case, case["call"])
    assert "note: rma_peto: 1 table(s) with no events" in err


@pytest.mark.parametrize("case", MH_PETO["by_cases"], ids=lambda c: c["measure"])
def test_mh_by_matches_metafor_per_group(case: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run([case["csv"], "-m", case["measure"], "--method", "MH", "--by", "group",
                         "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    assert [g["by"] for g in got] == [a["by"] for a in case["analyses"]]
    for ours, theirs in zip(got, case["analyses"], strict=True):
        _check_pooler(ours, theirs, f"by {theirs['by']}")


def test_mh_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run([str(reference_csv("bcg_RR")), "-m", "OR", "--method", "MH"], capsys)
    assert code == 0
    assert "Odds ratio per study" in out
    assert "Mantel-Haenszel method" in out
    assert "Cochran-Mantel-Haenszel Test" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "SMD", "--method", "MH"],
         "error: pool: method MH (Mantel-Haenszel) pools 2x2 tables as OR, RR or RD; got "
         "measure SMD"),
        (["-m", "RR", "--method", "PETO"],
         "error: pool: method PETO (Peto's method) gives an odds ratio: use measure OR; got "
         "measure RR"),
        (["-m", "PETO", "--method", "MH"],
         "error: pool: method MH (Mantel-Haenszel) pools 2x2 tables as OR, RR or RD; got "
         "measure PETO"),
        (["-m", "OR", "--method", "MH", "--test", "knha"],
         "error: pool: method MH is a common-effect model; Knapp-Hartung tests (test knha) "
         "need a random-effects model"),
        (["-m", "OR", "--method", "MH", "--mods", "x"],
         "error: meta: --method MH cannot be combined with --mods: --mods needs an "
         "inverse-variance model (--method EE, DL, REML...)"),
        (["-m", "OR", "--method", "PETO", "--subgroup", "group"],
         "error: meta: --method PETO cannot be combined with --subgroup"),
        (["-m", "OR", "--method", "MH", "--bias"],
         "error: meta: --method MH cannot be combined with --bias"),
        (["-m", "OR", "--method", "MH", "--leave1out"],
         "error: meta: --method MH cannot be combined with --leave1out"),
        (["-m", "OR", "--method", "MH", "--model-rule", "i2-q"],
         "error: pool: the model rule i2-q chooses between inverse-variance models; method MH "
         "is always a common-effect model"),
        (["-m", "OR", "--method", "EE", "--model-rule", "i2-q"],
         "error: pool: the model rule i2-q chooses between the common-effect and a "
         "random-effects model"),
        (["-m", "OR", "--model-rule", "i2-q", "--mods", "x"],
         "error: meta: --model-rule i2-q cannot be combined with --mods"),
        (["-m", "OR", "--method", "XX"],
         "error: pool: unknown method 'XX'; known methods: EE, DL, REML, ML, PM, HE, SJ, EB, "
         "HS, MH, PETO"),
        (["-m", "OR", "--method", "MH", "--plot", "f.svg"],
         "error: --plot: plots of --method MH results are not available; drop --plot"),
        (["-m", "OR", "--method", "PETO", "--funnel", "f.svg"],
         "error: --funnel: plots of --method PETO results are not available; drop --funnel"),
        (["-m", "OR", "--model-rule", "x"], "error: pool: unknown model rule 'x'; known: i2-q"),
    ],
)
def test_impossible_combinations_are_one_line(args: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run([str(reference_csv("bcg_RR")), *args], capsys)
    assert code == 1
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


# -- plot paths are checked before anything is read or fitted ---------------------------------
@pytest.mark.parametrize(
    ("option", "name", "message"),
    [
        ("--plot", "forest.pdf", "unknown plot format ('.pdf'); the file name must end in .svg "
                                 "or .png"),
        ("--funnel", "funnel", "unknown plot format (none); the file name must end in .svg or "
                               ".png"),
        ("--plot", "missing/forest.svg", "cannot write {path}: no such directory '{parent}'"),
        ("--funnel", "adir.svg", "cannot write {path}: it is a directory"),
    ],
)
def test_bad_plot_paths_are_refused_before_fitting(option: str, name: str, message: str,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "adir.svg").mkdir()
    bad_data = tmp_path / "data.csv"  # would fail if it were read: the path check comes first
    bad_data.write_text("study,ai,bi,ci,di\nA,x,2,3,4\n", encoding="utf-8")
    path = tmp_path / name
    code, out, err = _run([str(bad_data), "-m", "OR", option, str(path)], capsys)
    assert code == 1
    assert out == ""
    expected = message.format(path=path, parent=path.parent)
    assert err == f"error: {option}: {expected}\n"
    assert sorted(tmp_path.iterdir()) == sorted([tmp_path / "adir.svg", bad_data])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_directory_is_refused(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--plot",
                             str(folder / "f.svg")], capsys)
    finally:
        folder.chmod(0o700)
    assert code == 1
    assert err == f"error: --plot: cannot write {folder / 'f.svg'}: permission denied\n"


def test_forest_plot_with_mods_is_refused_before_fitting(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    code, _, err = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--mods", "x", "--plot",
                         str(tmp_path / "f.svg")], capsys)
    assert code == 1
    assert err == ("error: --plot: a forest plot needs a model without moderators; drop "
                   "--mods\n")
    assert not list(tmp_path.iterdir())


def test_upper_case_plot_suffix_is_accepted(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "forest.SVG"
    code, _, _ = _run([str(reference_csv("bcg_RR")), "-m", "RR", "--plot", str(target)], capsys)
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("<?xml")


# -- the model rule (i2-q) ---------------------------------------------------------------------
@pytest.mark.parametrize(("name", "chosen"), [("bcg_RR", "random"), ("yusuf1985_RR", "common")])
def test_model_rule_reports_metafor_common_effect_heterogeneity(
        name: str, chosen: str, capsys: pytest.CaptureFixture[str]) -> None:
    ref = load_reference(name)[1]
    code, out, _ = _run([str(reference_csv(name)), "-m", ref["measure"], "--model-rule", "i2-q",
                         "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    rule = got["model_rule"]
    ee = ref["fits"]["EE_z"]
    assert rule["rule"] == "i2-q" and rule["chosen"] == chosen
    for key in ("I2", "QE", "QEp"):
        _close(rule[key], ee[key], 1e-8, f"{name} EE {key}")
    assert rule["QEdf"] == ref["k"] - 1
    fit = ref["fits_tight"]["REML_z"] if chosen == "random" else ee
    assert got["method"] == ("REML" if chosen == "random" else "EE")
    _close(got["estimate"], fit["estimate"], 1e-6, f"{name} estimate")
    verdict = ("both criteria met: random-effects model (REML)" if chosen == "random"
               else "not both criteria met: common-effect model")
    assert verdict in rule["reason"]


def _stacked(tmp_path: Path, names: list[str]) -> Path:
    """The 2x2 tables of several reference data sets in one file, with a column 'set'."""
    lines = ["set,study,ai,bi,ci,di"]
    for name in names:
        rows, _ = load_reference(name)
        lines += [f"{name},{r['study']},{r['ai']:g},{r['bi']:g},{r['ci']:g},{r['di']:g}"
                  for r in rows]
    path = tmp_path / "stacked.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_model_rule_by_batches_as_single_fits(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = _stacked(tmp_path, ["bcg_RR", "yusuf1985_RR", "hine1989_RD", "woods2010_OR"])
    args = [str(data), "-m", "RR", "--by", "set", "--model-rule", "i2-q",
            "--convention", "revman", "--json"]
    code, out, _ = _run(args, capsys)
    assert code == 0
    code, single, _ = _run([*args, "--leave1out"], capsys)  # one pool() per value
    assert code == 0
    batch = json.loads(out)
    assert sorted({a["model_rule"]["chosen"] for a in batch}) == ["common", "random"]
    for b, s in zip(batch, json.loads(single), strict=True):
        s.pop("leave1out")
        for key, value in s["model_rule"].items():
            same = value if isinstance(value, str) else pytest.approx(value, rel=1e-12)
            assert b["model_rule"][key] == same, key
        assert b["method"] == s["method"] and b["estimate"] == pytest.approx(s["estimate"],
                                                                              rel=1e-10)


def test_measure_codes_of_the_help_are_the_registry() -> None:
    from evidencehub.cli.meta import MEASURE_CODES
    from evidencehub.stats.measures import Measure

    assert MEASURE_CODES == tuple(m.value for m in Measure)
