"""Forest and funnel plots: content, scale, determinism, formats (publish/plots.py).

Plots are drawn from fits of the metafor reference data sets; the pooled numbers that must
appear on them are formatted from metafor's own results in the reference JSON.
"""

from __future__ import annotations

import csv
import html
import json
import math
import struct
import warnings
from pathlib import Path
from typing import Any

import pytest

from evidencehub.errors import StatsWarning
from evidencehub.publish.plots import forest_plot, funnel_plot
from evidencehub.stats import MetaResult, escalc, rma
from evidencehub.stats.bias import trimfill
from evidencehub.stats.subgroups import subgroup_analysis

REFERENCE = Path(__file__).parent.parent / "reference"


def _reference(name: str) -> dict[str, Any]:
    for folder in ("metafor", "metafor_extra"):
        path = REFERENCE / folder / f"{name}.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(name)


def _fit(name: str, method: str = "REML") -> tuple[MetaResult, dict[str, Any]]:
    ref = _reference(name)
    es = ref["escalc"]
    with warnings.catch_warnings():  # tau^2 = 0 notes (woods2010) are not under test here
        warnings.simplefilter("ignore", StatsWarning)
        res = rma([s["yi"] for s in es], [s["vi"] for s in es], method=method,
                  study=[s["study"] for s in es], measure=ref["measure"])
    return res, ref


def _rows(folder: str, name: str) -> list[dict[str, str]]:
    with (REFERENCE / folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("name", ["bcg_RR", "normand1999_MD", "woods2010_OR", "hannum2020_PLO"])
def test_forest_svg_shows_every_study_and_the_pooled_result(name: str) -> None:
    res, ref = _fit(name)
    svg = forest_plot(res).decode("utf-8")
    for row in ref["escalc"]:
        assert html.escape(row["study"], quote=False) in svg
    fit = ref["fits_tight"]["REML_z"]
    back = math.exp if ref["measure"] in ("OR", "RR") else (
        (lambda v: 1 / (1 + math.exp(-v))) if ref["measure"] == "PLO" else (lambda v: v))
    pooled = f"{back(fit['estimate']):.2f} [{back(fit['ci_lb']):.2f}, {back(fit['ci_ub']):.2f}]"
    assert pooled in svg
    assert 'id="pooled-diamond"' in svg
    assert f"I² = {fit['I2']:.0f}%" in svg
    assert f"Q = {fit['QE']:.2f}, df = {fit['QEdf']}" in svg


def test_forest_ratio_measure_uses_log_axis_and_back_transformed_labels() -> None:
    res, ref = _fit("bcg_RR")
    svg = forest_plot(res).decode("utf-8")
    assert "Risk ratio (log scale)" in svg
    assert "Risk ratio [95% CI]" in svg
    fit = ref["fits_tight"]["REML_z"]
    assert f"[{math.exp(fit['pi_lb']):.2f}, {math.exp(fit['pi_ub']):.2f}]" in svg
    assert 'id="prediction-interval"' in svg


def test_forest_on_the_analysis_scale_when_asked() -> None:
    res, ref = _fit("bcg_RR")
    svg = forest_plot(res, transform=False).decode("utf-8")
    fit = ref["fits_tight"]["REML_z"]
    assert f"{fit['estimate']:.2f} [{fit['ci_lb']:.2f}, {fit['ci_ub']:.2f}]" in svg
    assert "Log risk ratio [95% CI]" in svg


def test_forest_weights_are_printed_per_study() -> None:
    res, ref = _fit("normand1999_MD")
    svg = forest_plot(res).decode("utf-8")
    for weight in ref["fits_tight"]["REML_z"]["weights"]:
        assert f"{weight:.1f}%" in svg


def test_forest_favours_caption_and_title() -> None:
    res, _ = _fit("bcg_RR")
    svg = forest_plot(res, favours=("Favours BCG", "Favours control"), title="BCG vaccine")
    text = svg.decode("utf-8")
    assert "Favours BCG" in text and "Favours control" in text and "BCG vaccine" in text


def test_forest_freeman_tukey_proportions_are_back_transformed() -> None:
    rows = _rows("metafor_extra", "pritz1997_PFT")
    es = escalc("PFT", xi=[float(r["xi"]) for r in rows], ni=[float(r["ni"]) for r in rows],
                study=[r["study"] for r in rows])
    svg = forest_plot(rma(es, method="REML")).decode("utf-8")
    assert "Proportion [95% CI]" in svg
    # Giannotta et al.: 16/17; the back-transformed study estimate is the observed proportion
    assert f"{16 / 17:.2f} [" in svg


def test_forest_with_subgroups_draws_blocks_with_their_own_diamonds() -> None:
    ref = _reference("bcg_RR")
    groups = [r["group"] for r in _rows("metafor", "bcg_RR")]
    es = ref["escalc"]
    sub = subgroup_analysis([s["yi"] for s in es], [s["vi"] for s in es], groups=groups,
                            study=[s["study"] for s in es], measure="RR")
    svg = forest_plot(sub.overall, subgroups=sub).decode("utf-8")
    for level in ref["subgroup"]["levels"]:
        assert f">{level}<" in svg
    assert svg.count('id="subtotal-diamond') == 3
    assert 'id="pooled-diamond"' in svg
    diff = ref["subgroup"]["subgroup_differences_REML"]
    assert (f"Test for subgroup differences: Q = {diff['Q']:.2f}, df = {diff['df']} "
            f"(P = {diff['pval']:.3f})") in svg
    for g in ref["subgroup"]["per_group_REML"]:
        assert (f"{math.exp(g['estimate']):.2f} [{math.exp(g['ci_lb']):.2f}, "
                f"{math.exp(g['ci_ub']):.2f}]") in svg
        assert f"I² = {g['I2']:.0f}%; Q = {g['QE']:.2f}, df = {g['k'] - 1}" in svg


@pytest.mark.parametrize("plot", [forest_plot, funnel_plot])
def test_same_result_gives_identical_bytes(plot: Any) -> None:
    res, _ = _fit("bcg_RR")
    assert plot(res) == plot(res)
    assert plot(res, fmt="png") == plot(res, fmt="png")


def test_svg_has_no_date() -> None:
    res, _ = _fit("bcg_RR")
    svg = forest_plot(res).decode("utf-8")
    assert "<dc:date>" not in svg


def test_png_size_follows_width_and_dpi(tmp_path: Path) -> None:
    res, _ = _fit("bcg_RR")
    out = forest_plot(res, path=tmp_path / "forest.png", dpi=100, width=7.0)
    assert out == tmp_path / "forest.png"
    width, height = _png_size(out.read_bytes())
    assert width == 700
    assert 300 < height < 1000
    fw, fh = _png_size(funnel_plot(res, fmt="png", width=5.0, height=4.2, dpi=100))  # type: ignore[arg-type]
    assert (fw, fh) == (500, 420)


def test_format_from_suffix_and_bad_format(tmp_path: Path) -> None:
    res, _ = _fit("bcg_RR")
    assert forest_plot(res, path=tmp_path / "f.svg").read_bytes().startswith(b"<?xml")  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="plot format must be one of svg, png; got 'pdf'"):
        forest_plot(res, fmt="pdf")


def test_labels_must_match_the_studies() -> None:
    res, _ = _fit("woods2010_OR")
    with pytest.raises(ValueError, match="labels has 2 entries for 3 studies"):
        forest_plot(res, labels=["a", "b"])
    assert ">Trial C<" in forest_plot(res, labels=["Trial A", "Trial B", "Trial C"]).decode()


def test_funnel_contours_and_trimfill_points() -> None:
    res, ref = _fit("molloy2014_ZCOR")
    tf = trimfill(res)
    assert tf.k0 == ref["tight"]["trimfill"]["k0"] > 0
    svg = funnel_plot(res, trimfill=tf, contours=True).decode("utf-8")
    assert 'id="studies"' in svg and 'id="filled-studies"' in svg
    for label in ("p &lt; 0.01", "0.01 &lt; p &lt; 0.05", "0.05 &lt; p &lt; 0.10", "p &gt; 0.10",
                  "imputed (trim-and-fill)", "Standard error"):
        assert label in svg


def test_funnel_ratio_measure_on_log_axis() -> None:
    res, _ = _fit("bcg_RR")
    svg = funnel_plot(res).decode("utf-8")
    assert "Risk ratio (log scale)" in svg
    assert 'id="filled-studies"' not in svg


def test_forest_study_rows_show_each_study_ci_back_transformed() -> None:
    res, ref = _fit("bcg_RR")
    svg = forest_plot(res).decode("utf-8")
    z = 1.959963984540054
    for row in ref["escalc"]:
        yi, se = row["yi"], math.sqrt(row["vi"])
        text = f"{math.exp(yi):.2f} [{math.exp(yi - z * se):.2f}, {math.exp(yi + z * se):.2f}]"
        assert text in svg


def test_svg_bytes_are_the_same_in_a_fresh_process() -> None:
    import subprocess
    import sys

    script = (
        "import json, sys, warnings\n"
        "from evidencehub.stats import rma\n"
        "from evidencehub.publish.plots import forest_plot\n"
        f"ref = json.load(open({str(REFERENCE / 'metafor' / 'bcg_RR.json')!r}))\n"
        "es = ref['escalc']\n"
        "res = rma([s['yi'] for s in es], [s['vi'] for s in es], method='REML',\n"
        "          study=[s['study'] for s in es], measure='RR')\n"
        "sys.stdout.buffer.write(forest_plot(res))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    res, _ = _fit("bcg_RR")
    assert done.stdout == forest_plot(res)


def test_forest_refuses_a_meta_regression() -> None:
    ref = _reference("bcg_RR")
    es = ref["escalc"]
    res = rma([s["yi"] for s in es], [s["vi"] for s in es], mods=list(range(len(es))),
              measure="RR")
    with pytest.raises(ValueError, match="forest_plot needs a model without moderators"):
        forest_plot(res)
