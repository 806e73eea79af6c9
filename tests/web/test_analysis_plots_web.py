"""The readers' analysis pages served by the app: the funnel plot beside the forest plot and,
once an analysis is rated, its GRADE summary of findings — the same bytes as the static build."""

from __future__ import annotations

import re

from evidencehub.publish.site import render_site
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot
from evidencehub.store.session import make_engine, transaction
from evidencehub.web.app import create_app
from tests.web.conftest import WebClient

SLUG = "hba1c-thiazolidinediones-vs-placebo"


def test_the_funnel_plot_is_served_as_built(web: WebClient, demo_snapshot: HubSnapshot) -> None:
    served = web.get(f"/plots/{SLUG}.funnel.svg")
    assert served.status_code == 200 and served.headers["content-type"] == "image/svg+xml"
    assert served.content == render_site(demo_snapshot)[f"plots/{SLUG}.funnel.svg"]
    assert web.get("/plots/hba1c-dpp4-inhibitors-vs-placebo.funnel.svg").status_code == 404
    page = web.get("/pages/hba1c-glucose-lowering-drugs").text
    assert page.count('<figure class="funnel">') == 3


def test_a_rated_analysis_shows_its_summary_of_findings(hub_copy: str) -> None:
    from evidencehub.grade import certainty_service

    engine = make_engine(hub_copy)
    try:
        with transaction(engine) as session:
            certainty_service.record(session, certainty_service.judge(session, SLUG),
                                     rater="editor")
        snap = load_snapshot(engine)
        client = WebClient(create_app(engine, probe_interval=0.0))
        try:
            served = client.get("/pages/hba1c-glucose-lowering-drugs.html").text
            data = client.get("/pages/hba1c-glucose-lowering-drugs.json").json()
        finally:
            client.close()
    finally:
        engine.dispose()
    built = render_site(snap)["pages/hba1c-glucose-lowering-drugs.html"].decode()
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(served).group(0) == main.search(built).group(0)  # type: ignore[union-attr]
    analysis = next(a for a in data["analyses"] if a["slug"] == SLUG)
    (row,) = analysis["sof"]["rows"]
    participants = sum(int(r["inputs"]["n1i"] + r["inputs"]["n2i"])
                       for r in analysis["pooled_rows"])
    assert row["participants"] == f"{participants:,} (7 RCTs)"
    assert analysis["sof"]["title"] == "rosiglitazone or pioglitazone compared with placebo"
    assert served.count('<table class="numbers sof">') == 1
    assert analysis["grade"]["certainty"] in row["certainty_label"].lower()
    others = [a for a in data["analyses"] if a["slug"] != SLUG]
    assert all(a["sof"] is None for a in others)
