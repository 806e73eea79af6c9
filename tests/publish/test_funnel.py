"""Funnel plots on analysis pages (publish/analysis_context.py, site.py): the points are the
run's pooled studies' effects and standard errors, checked against the mean differences and
their standard errors computed here from the studies' arms (Cochrane Handbook v6.4 §6.5.1.1:
MD = m1 − m2, SE = sqrt(sd1²/n1 + sd2²/n2)), and the SVG draws one marker per study."""

from __future__ import annotations

import json
import math
import re

from evidencehub.publish.snapshot import HubSnapshot

PAGE = "pages/hba1c-glucose-lowering-drugs"
SLUG = "hba1c-thiazolidinediones-vs-placebo"


def _analysis(files: dict[str, bytes], slug: str) -> dict[str, object]:
    context = json.loads(files[f"{PAGE}.json"])
    return next(a for a in context["analyses"] if a["slug"] == slug)


def test_funnel_points_are_the_studies_md_and_se(demo_site_files: dict[str, bytes]) -> None:
    analysis = _analysis(demo_site_files, SLUG)
    points = {p["study_key"]: p for p in analysis["funnel_points"]}  # type: ignore[index]
    rows = analysis["pooled_rows"]
    assert len(points) == len(rows) == 7  # type: ignore[arg-type]
    for row in rows:  # type: ignore[union-attr]
        i = row["inputs"]
        md = i["m1i"] - i["m2i"]
        se = math.sqrt(i["sd1i"] ** 2 / i["n1i"] + i["sd2i"] ** 2 / i["n2i"])
        point = points[row["study_key"]]
        assert math.isclose(point["yi"], md, rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(point["sei"], se, rel_tol=1e-12)


def test_the_funnel_svg_draws_one_point_per_study(demo_site_files: dict[str, bytes]) -> None:
    svg = demo_site_files[f"plots/{SLUG}.funnel.svg"].decode()
    studies = svg.split('<g id="studies">')[1].split("</g>")[0]
    assert len(re.findall(r"<use ", studies)) == 7
    assert "Standard error" in svg and "viewBox" in svg
    page = demo_site_files[f"{PAGE}.html"].decode()
    assert f'href="../plots/{SLUG}.funnel.svg"' in page


def test_no_funnel_with_fewer_than_three_studies(demo_site_files: dict[str, bytes],
                                                 demo_snapshot: HubSnapshot) -> None:
    analysis = _analysis(demo_site_files, "hba1c-dpp4-inhibitors-vs-placebo")
    assert analysis["funnel_plot"] is None and analysis["funnel_points"] == []
    assert "plots/hba1c-dpp4-inhibitors-vs-placebo.funnel.svg" not in demo_site_files
    assert "hba1c-dpp4-inhibitors-vs-placebo" in demo_snapshot.runs
