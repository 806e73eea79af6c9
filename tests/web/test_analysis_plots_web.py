"""The readers' analysis pages served by the app: the funnel plot beside the forest plot, the
same bytes as the static build writes."""

from __future__ import annotations

from evidencehub.publish.site import render_site
from evidencehub.publish.snapshot import HubSnapshot
from tests.web.conftest import WebClient

SLUG = "hba1c-thiazolidinediones-vs-placebo"


def test_the_funnel_plot_is_served_as_built(web: WebClient, demo_snapshot: HubSnapshot) -> None:
    served = web.get(f"/plots/{SLUG}.funnel.svg")
    assert served.status_code == 200 and served.headers["content-type"] == "image/svg+xml"
    assert served.content == render_site(demo_snapshot)[f"plots/{SLUG}.funnel.svg"]
    assert web.get("/plots/hba1c-dpp4-inhibitors-vs-placebo.funnel.svg").status_code == 404
    page = web.get("/pages/hba1c-glucose-lowering-drugs").text
    assert page.count('<figure class="funnel">') == 3
