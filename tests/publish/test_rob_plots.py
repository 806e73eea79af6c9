"""Risk-of-bias plots (publish/rob_plots.py) in robvis's layouts: every study and domain label
in the SVG text, each cell and bar in its judgement's robvis colour, weights changing the bar
lengths by the hand-computed shares, SVG and PNG files, same input same bytes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from evidencehub.errors import InputError
from evidencehub.grade.rob.assessment import Assessment, assess
from evidencehub.grade.rob.terms import Rob2Judgement, RobTool
from evidencehub.publish.rob_plots import (
    COLOURS,
    summary_plot,
    summary_shares,
    traffic_light_plot,
)

SVG = "{http://www.w3.org/2000/svg}"
LOW = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y", "3.1": "Y",
       "4.1": "N", "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}
ROBINS = {"D1": "serious", "D2": "low", "D3": "low", "D4": "moderate", "D5": "no information",
          "D6": "low", "D7": "critical"}


def _rob2() -> list[Assessment]:
    changes = [{}, {"1.2": "NI"}, {"5.2": "Y"}, {"5.1": "NI"}]
    return [assess("rob2", study=f"s{i}", outcome="HbA1c", assessor="ana",
                   answers={**LOW, **c}) for i, c in enumerate(changes)]


def _robins() -> list[Assessment]:
    return [assess("robins-i", study=f"r{i}", outcome="o", assessor="ana",
                   chosen={**ROBINS, "D2": j}) for i, j in enumerate(("low", "moderate"))]


def _groups(svg: bytes | Path) -> dict[str, etree._Element]:
    assert isinstance(svg, bytes)
    return {g.get("id"): g for g in etree.fromstring(svg).iter(f"{SVG}g") if g.get("id")}


def _text(group: etree._Element) -> str:
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text"))


def _fill(group: etree._Element) -> str:
    style = next(group.iter(f"{SVG}path")).get("style") or ""
    found = re.search(r"fill: (#[0-9a-f]{6})", style)
    assert found, style
    return found.group(1)


def _width(group: etree._Element) -> float:
    xs = [float(x) for x in re.findall(r"([\d.]+) [\d.]+", next(group.iter(f"{SVG}path")).get("d"))]
    return max(xs) - min(xs)


def test_traffic_light_rob2_labels_colours_symbols() -> None:
    assessments = _rob2()
    labels = {"s0": "Shapiro 2006", "s1": "Hering 2016", "s2": "Ricordi 2016", "s3": "Pepper"}
    groups = _groups(traffic_light_plot(assessments, labels=labels))
    for r, a in enumerate(assessments):
        assert _text(groups[f"row-{r}"]) == labels[a.study]
        for code, judgement in a.judgements().items():
            cell = groups[f"cell-{r}-{code}"]
            assert _fill(cell) == COLOURS["cochrane"][judgement.value].lower()
            symbol = {"low": "+", "some concerns": "−", "high": "×"}[judgement.value]
            assert _text(groups[f"cell-{r}-{code}-symbol"]) == symbol
    assert [_text(groups[f"head-{c}"]) for c in ("D1", "D2", "D3", "D4", "D5", "overall")] == [
        "D1", "D2", "D3", "D4", "D5", "Overall"]
    captions = [_text(g) for k, g in groups.items() if k.startswith("caption-")]
    assert captions == [f"{d.code}: {d.name}." for d in RobTool.ROB2.domains()]
    assert _text(groups["legend-title"]) == "Judgement"
    assert [_text(groups[f"legend-{j}-label"]) for j in ("high", "some-concerns", "low")] == [
        "High", "Some concerns", "Low"]
    assert "legend-no-information" not in groups  # only judgements present
    assert _fill(groups["cell-2-overall-box"]) == "#d3d3d3"  # the overall column's shade


def test_traffic_light_robins_i_colourblind() -> None:
    groups = _groups(traffic_light_plot(_robins(), colour="colourblind"))
    scheme = COLOURS["colourblind"]
    assert _fill(groups["cell-0-D7"]) == scheme["critical"].lower() == "#993404"
    assert _text(groups["cell-0-D7-symbol"]) == "!"
    assert _fill(groups["cell-0-D5"]) == "#ffffff"
    assert _text(groups["cell-0-D5-symbol"]) == "?"
    assert _fill(groups["cell-1-D2"]) == scheme["moderate"].lower()
    captions = [_text(g) for k, g in groups.items() if k.startswith("caption-")]
    assert captions[1] == "D2: Bias in selection of participants into the study."
    assert _text(groups["legend-critical-label"]) == "Critical"


def test_summary_shares_by_hand() -> None:
    weights = {"s0": 1.0, "s1": 2.0, "s2": 3.0, "s3": 4.0}
    shares = summary_shares(_rob2(), weights)
    low, some, high = Rob2Judgement
    assert shares["D1"] == pytest.approx({low: 0.8, some: 0.2, high: 0.0})
    assert shares["D5"] == pytest.approx({low: 0.3, some: 0.4, high: 0.3})
    assert shares["overall"] == pytest.approx({low: 0.1, some: 0.6, high: 0.3})
    assert summary_shares(_rob2())["D5"] == pytest.approx({low: 0.5, some: 0.25, high: 0.25})
    assert list(summary_shares(_rob2(), overall=False)) == ["D1", "D2", "D3", "D4", "D5"]


def test_summary_plot_weights_change_bar_lengths() -> None:
    plain = _groups(summary_plot(_rob2()))
    weighted = _groups(summary_plot(
        _rob2(), weights={"s0": 1, "s1": 2, "s2": 3, "s3": 4}))
    full = _width(plain["bar-D2-low"])  # every study low in D2: the whole axis
    assert _width(plain["bar-D5-low"]) == pytest.approx(0.5 * full, rel=1e-4)
    assert _width(weighted["bar-D5-low"]) == pytest.approx(0.3 * full, rel=1e-4)
    assert _width(weighted["bar-D5-some-concerns"]) == pytest.approx(0.4 * full, rel=1e-4)
    assert _fill(weighted["bar-D5-high"]) == "#bf0000"
    labels = " ".join(_text(g) for g in plain.values())
    for domain in RobTool.ROB2.domains():
        assert domain.name in labels
    assert "Overall risk of bias" in labels
    assert "Low risk" in labels and "Some concerns" in labels and "High risk" in labels


def test_summary_plot_robins_i() -> None:
    groups = _groups(summary_plot(_robins(), overall=False))
    assert _fill(groups["bar-D7-critical"]) == "#820000"
    assert _fill(groups["bar-D5-no-information"]) == "#4ea1f7"
    assert _fill(groups["bar-D4-moderate"]) == "#e2df07"
    assert not any(k.startswith("bar-overall") for k in groups)


@pytest.mark.parametrize("draw", [traffic_light_plot, summary_plot])
def test_files_formats_and_determinism(draw: object, tmp_path: Path) -> None:
    assert callable(draw)
    svg_path, png_path = tmp_path / "rob.svg", tmp_path / "rob.PNG"
    assert draw(_rob2(), path=svg_path) == svg_path
    assert draw(_rob2(), path=png_path) == png_path
    assert svg_path.read_bytes().startswith(b"<?xml")
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert draw(_rob2()) == draw(_rob2())
    assert draw(_rob2(), fmt="png") == draw(_rob2(), fmt="png")
    with pytest.raises(InputError) as info:
        draw(_rob2(), path=tmp_path / "rob.pdf")
    assert str(info.value) == f"{tmp_path / 'rob.pdf'}: plot format must be one of svg, png; " \
                              "got 'pdf'"
    assert not (tmp_path / "rob.pdf").exists()


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="one tool; got ROBINS-I, RoB 2"):
        traffic_light_plot([*_rob2(), *_robins()])
    with pytest.raises(InputError, match="study 's0' appears twice"):
        summary_plot([*_rob2(), _rob2()[0]])
    with pytest.raises(InputError, match="needs at least one assessment"):
        traffic_light_plot([])
    with pytest.raises(InputError, match="study 's3' has no weight"):
        summary_plot(_rob2(), weights={"s0": 1, "s1": 1, "s2": 1})
    with pytest.raises(InputError, match="non-negative number; got -1"):
        summary_plot(_rob2(), weights={"s0": 1, "s1": 1, "s2": 1, "s3": -1})
    with pytest.raises(InputError, match="add up to 0"):
        summary_plot(_rob2(), weights=dict.fromkeys(("s0", "s1", "s2", "s3"), 0.0))
    with pytest.raises(InputError, match="colour must be one of cochrane, colourblind"):
        traffic_light_plot(_rob2(), colour="pastel")
