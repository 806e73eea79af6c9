"""A review's PRISMA 2020 flow diagram in the browser, derived from what is stored.

* ``GET /reviews/{slug}/prisma`` — the diagram and the flow box by box in words;
* ``GET /reviews/{slug}/prisma.svg`` — the diagram (:func:`evidencehub.publish.prisma_plot.
  prisma_plot` of :func:`evidencehub.review.flow.review_flow`, the drawing ``review prisma
  --svg`` writes), shown on the page as an image, so no text of it is inlined in the page;
* ``GET /reviews/{slug}/prisma.csv`` — the counts in the PRISMA2020 R package's template CSV
  (:func:`evidencehub.review.prisma_csv.prisma_csv`, as ``review prisma --csv``).

Every count comes from the review's searches, merges, decisions and full-text marks; a flow
that does not add up is the service's error, never a typed number.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from evidencehub.review.flow import review_flow
from evidencehub.review.prisma import PrismaFlow
from evidencehub.store.session import transaction
from evidencehub.vocab import AccountRole
from evidencehub.web.review_seat import ReviewSeat, reviewer_page, seat_in
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["ROUTES"]


def _flow(request: Request) -> tuple[ReviewSeat, PrismaFlow]:
    with transaction(hub_of(request).engine) as session:
        seat = seat_in(session, request)
        return seat, review_flow(session, seat.state)


@reviewer_page
async def prisma_page(request: Request) -> Response:
    """The PRISMA 2020 flow of the review: diagram and text."""

    def work() -> Response:
        seat, flow = _flow(request)
        return page(request, "prisma.html", f"PRISMA 2020 flow · {seat.state.review.title}",
                    seat=seat, review=seat.state.review, flow=flow,
                    sections=flow.sections())

    return await run_in_threadpool(work)


@reviewer_page
async def prisma_svg(request: Request) -> Response:
    """The PRISMA 2020 flow diagram as SVG."""

    def work() -> Response:
        from evidencehub.publish.prisma_plot import prisma_plot

        _, flow = _flow(request)
        drawn = prisma_plot(flow, fmt="svg")
        assert isinstance(drawn, bytes)
        return Response(drawn, media_type="image/svg+xml")

    return await run_in_threadpool(work)


@reviewer_page
async def prisma_csv_file(request: Request) -> Response:
    """The flow's counts as the PRISMA2020 R package's template CSV."""

    def work() -> Response:
        from evidencehub.review.prisma_csv import prisma_csv

        seat, flow = _flow(request)
        return Response(prisma_csv(flow), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{seat.slug}-prisma.csv"'})

    return await run_in_threadpool(work)


ROUTES = (
    WebRoute("/reviews/{slug}/prisma", prisma_page, ("GET",), role=AccountRole.REVIEWER),
    WebRoute("/reviews/{slug}/prisma.svg", prisma_svg, ("GET",), role=AccountRole.REVIEWER),
    WebRoute("/reviews/{slug}/prisma.csv", prisma_csv_file, ("GET",), role=AccountRole.REVIEWER),
)
