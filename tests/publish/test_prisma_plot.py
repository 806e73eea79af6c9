"""The PRISMA 2020 flow diagram (publish/prisma_plot.py): every box with its count, the
template's columns, valid SVG and PNG, text inside its box, same flow same bytes.

The expected box texts are the PRISMA 2020 figure's (Page et al. 2021, BMJ 372:n71) with the
counts of the flows in tests/review/prisma_cases.py.
"""

from __future__ import annotations

import dataclasses
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from matplotlib.backends.backend_agg import FigureCanvasAgg

from evidencehub.publish.prisma_plot import _figure, prisma_plot
from evidencehub.review.prisma import ExclusionReason, PrismaFlow
from tests.review.prisma_cases import CASES

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: bytes) -> dict[str, str]:
    """The text of every group with an id, its lines joined by spaces."""
    root = etree.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        lines = [t.text or "" for t in g.findall(f"{SVG}text")]
        if lines and g.get("id"):
            out[g.get("id")] = " ".join(lines)
    return out


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_seed004_svg_has_every_box_with_its_count() -> None:
    svg = prisma_plot(CASES["seed004"].flow())
    assert isinstance(svg, bytes)
    text = _texts(svg)
    assert text["records_identified"].startswith("Records identified from: Databases "
                                                 "(n = 2,270): PubMed (n = 612) Embase (n = 540)")
    assert text["records_removed"] == (
        "Records removed before screening: Duplicate records (n = 0) Records marked as "
        "ineligible by automation tools (n = 0) Records removed for other reasons (n = 0)")
    assert text["records_screened"] == "Records screened (n = 2,270)"
    assert text["records_excluded"] == "Records excluded (n = 2,230)"
    assert text["dbr_sought_reports"] == "Reports sought for retrieval (n = 40)"
    assert text["dbr_notretrieved_reports"] == "Reports not retrieved (n = 0)"
    assert text["dbr_assessed"] == "Reports assessed for eligibility (n = 40)"
    assert text["dbr_excluded"] == (
        "Reports excluded: Not type 1 diabetes, or mixed populations (n = 14) No stem-cell "
        "intervention (n = 10) Review; editorial; or conference abstract (n = 6)")
    assert text["new_studies"] == ("Studies included in review (n = 10) Reports of included "
                                   "studies (n = 10)")
    assert text["newstud"] == "Identification of new studies via databases and registers"
    for phase in ("identification", "screening", "included"):
        assert text[phase] == phase.capitalize()
    # a new review without other methods: no previous-studies and no other-methods column
    assert "othstud" not in text and "other_sought_reports" not in text
    assert not any("previous" in t.lower() for t in text.values())
    root = etree.fromstring(svg)
    frames = {g.get("id") for g in root.iter(f"{SVG}g") if (g.get("id") or "").endswith("-box")}
    assert {f"{name}-box" for name in ("records_screened", "dbr_excluded", "new_studies")} <= frames


def test_other_methods_column_and_a_review_in_progress() -> None:
    text = _texts(prisma_plot(CASES["mixed"].flow(), fmt="svg"))
    assert text["othstud"] == "Identification of new studies via other methods"
    assert text["other_identified"] == ("Records identified from: Websites (n = 3) Citation "
                                        "searching (n = 6) Records awaiting screening (n = 1)")
    assert text["other_sought_reports"] == "Reports sought for retrieval (n = 4)"
    assert text["other_notretrieved_reports"] == "Reports not retrieved (n = 1)"
    assert text["other_assessed"] == "Reports assessed for eligibility (n = 3)"
    assert text["other_excluded"] == "Reports excluded: Not a controlled trial (n = 1)"
    assert text["records_identified"] == (
        "Records identified from: Databases (n = 50): MEDLINE (Ovid) (n = 36) Embase (n = 14) "
        "Registers (n = 5): ClinicalTrials.gov (n = 5)")
    # the waiting records sit beside the step they wait at, so the columns add up on the page
    assert text["records_removed"].endswith("Records awaiting screening (n = 4)")
    assert text["dbr_notretrieved_reports"] == (
        "Reports not retrieved (n = 2) Reports awaiting retrieval (n = 2) Reports awaiting "
        "assessment (n = 2)")
    assert text["new_studies"] == ("Studies included in review (n = 4) Reports of included "
                                   "studies (n = 6)")


@pytest.mark.parametrize("name", sorted(CASES))
def test_png_is_a_valid_image_of_sensible_size(name: str, tmp_path: Path) -> None:
    out = prisma_plot(CASES[name].flow(), path=tmp_path / "flow.png", dpi=150)
    assert out == tmp_path / "flow.png"
    width, height = _png_size(out.read_bytes())
    assert 900 <= width <= 2400 and 700 <= height <= 2400
    if CASES[name].flow().has_other_methods:  # the other-methods column makes it wide
        assert width > 1.5 * height


def test_same_flow_same_bytes() -> None:
    flow = CASES["mixed"].flow()
    assert prisma_plot(flow) == prisma_plot(flow)


def test_format_from_the_suffix_and_unknown_formats_refused(tmp_path: Path) -> None:
    out = prisma_plot(CASES["seed004"].flow(), path=tmp_path / "flow.svg")
    assert out.read_bytes().lstrip().startswith(b"<?xml")  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="plot format must be one of svg, png; got 'pdf'"):
        prisma_plot(CASES["seed004"].flow(), fmt="pdf")


def test_long_texts_wrap_inside_their_boxes() -> None:
    flow: PrismaFlow = CASES["mixed"].flow()
    long = ExclusionReason("C9", "Participants were not people with type 1 diabetes but a "
                                 "mixed population without separate results for them")
    reasons = (dataclasses.replace(flow.dbr_excluded[0], reason=long.text),
               *flow.dbr_excluded[1:])
    fig = _figure(dataclasses.replace(flow, dbr_excluded=reasons), 7.5)
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    frames = {p.get_gid(): p.get_window_extent(renderer) for p in ax.patches}
    checked = 0
    for t in ax.texts:
        box = frames.get(f"{t.get_gid()}-box")
        if box is None or t.get_rotation():
            continue
        inner = t.get_window_extent(renderer)
        assert box.x0 <= inner.x0 and inner.x1 <= box.x1, t.get_gid()
        assert box.y0 <= inner.y0 and inner.y1 <= box.y1, t.get_gid()
        checked += 1
    assert checked >= 15
    assert any("Participants were not people" in t.get_text() and t.get_text().count("\n") > 1
               for t in ax.texts)


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = ("import sys, evidencehub.publish.prisma_plot, evidencehub.review.prisma_csv; "
            "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
