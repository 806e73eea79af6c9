"""The PRISMA 2020 flow diagram of a review, as SVG or PNG (matplotlib, Agg).

:func:`prisma_plot` draws a :class:`~evidencehub.review.prisma.PrismaFlow` in the layout of the
PRISMA 2020 flow diagram for new systematic reviews which included searches of databases,
registers and other sources (Page et al. 2021, BMJ 372:n71, figure 1):

* the phases down the left (Identification, Screening, Included) as blue bars;
* the databases-and-registers column under its yellow title, each step's box with the box of
  what left the flow at that step on its right, joined by arrows: records identified (per
  database and register) → records removed before screening; records screened → records
  excluded; reports sought for retrieval → reports not retrieved; reports assessed for
  eligibility → reports excluded, with reasons; studies and reports included;
* the other-methods column under its grey title, only when the review searched other methods
  (records identified from websites, organisations and citation searching → reports sought →
  not retrieved; assessed → excluded with reasons), its arrow joining the included box;
* no previous-studies column: the flow is that of a new review.

A review still in progress gets the waiting counts in the box on the right of the step they
wait at (records awaiting screening beside the removals, reports awaiting retrieval or
assessment beside "reports not retrieved"), so every column still adds up on the page.
Counts are written as the PRISMA2020 R package writes them (``(n = 2,270)``).

Why matplotlib: the project already draws its forest and funnel plots with it (publish/plots.py;
its settings are reused here), it writes both SVG and PNG from one drawing without another
dependency (a hand-built SVG would need cairosvg or a browser for PNG), and its text-to-path
metrics let the boxes be sized to their wrapped text. SVG output keeps text as text (searchable
and checkable), each box's text is a group whose id is the R package's name for the box
(``records_screened``, ``dbr_excluded``…; the frame is ``<name>-box``), and the same flow gives
the same bytes. matplotlib is imported only when a diagram is drawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from evidencehub.publish.plots import figure_style, save_figure
from evidencehub.review.prisma import PrismaFlow, ReasonCount, SourceCount

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

__all__ = ["prisma_plot"]

_PHASE = "#b4cde6"  # blue phase bars
_TITLE_DBR = "#ffc125"  # "goldenrod1", the R package's title colour
_TITLE_OTHER = "#dcdcdc"  # "gainsboro", its grey
_BOX_W = 2.6  # inches
_GAP_X = 0.35  # between a step and its exclusion box
_GAP_COLS = 0.5  # between the two columns
_GAP_Y = 0.32  # between rows (room for the arrows)
_PHASE_W = 0.3
_MARGIN = 0.15
_PAD = 0.08  # inside a box


@dataclass(frozen=True, slots=True)
class _Box:
    """A box to draw: its id (R's field name), lines of text and alignment."""

    name: str
    lines: tuple[str, ...]
    left: bool = False  # left-aligned lists; centred otherwise


def _n(value: int | None) -> str:
    return f"(n = {value or 0:,})"


def _items(items: tuple[SourceCount, ...] | tuple[ReasonCount, ...]) -> list[str]:
    return [f"{item.source if isinstance(item, SourceCount) else item.reason} {_n(item.n)}"
            for item in items]


def _boxes(flow: PrismaFlow) -> dict[str, _Box]:
    """Every box's text, keyed by its position name."""
    identified = ["Records identified from:"]
    for label, total, per in (("Databases", flow.database_results, flow.database_specific_results),
                              ("Registers", flow.register_results, flow.register_specific_results)):
        if total is not None:
            identified += [f"{label} {_n(total)}:", *_items(per)]
    removed = ["Records removed before screening:", f"Duplicate records {_n(flow.duplicates)}",
               f"Records marked as ineligible by automation tools {_n(flow.excluded_automatic)}",
               f"Records removed for other reasons {_n(flow.excluded_other)}"]
    if flow.records_awaiting_screening:
        removed.append(f"Records awaiting screening {_n(flow.records_awaiting_screening)}")
    boxes = {
        "A1": _Box("records_identified", tuple(identified), left=True),
        "B1": _Box("records_removed", tuple(removed), left=True),
        "A2": _Box("records_screened", ("Records screened", _n(flow.records_screened))),
        "B2": _Box("records_excluded", ("Records excluded", _n(flow.records_excluded))),
        "A3": _Box("dbr_sought_reports", ("Reports sought for retrieval",
                                          _n(flow.dbr_sought_reports))),
        "B3": _Box("dbr_notretrieved_reports", _not_retrieved(
            flow.dbr_notretrieved_reports, flow.dbr_awaiting_retrieval,
            flow.dbr_awaiting_assessment)),
        "A4": _Box("dbr_assessed", ("Reports assessed for eligibility", _n(flow.dbr_assessed))),
        "B4": _Box("dbr_excluded", _excluded(flow.dbr_excluded), left=bool(flow.dbr_excluded)),
        "A5": _Box("new_studies", ("Studies included in review", _n(flow.new_studies),
                                   "Reports of included studies", _n(flow.new_reports))),
    }
    if flow.has_other_methods:
        other = ["Records identified from:"]
        for label, value in (("Websites", flow.website_results),
                             ("Organisations", flow.organisation_results),
                             ("Citation searching", flow.citations_results)):
            if value is not None:
                other.append(f"{label} {_n(value)}")
        if flow.other_records_awaiting_screening:
            other.append(f"Records awaiting screening {_n(flow.other_records_awaiting_screening)}")
        boxes |= {
            "C1": _Box("other_identified", tuple(other), left=True),
            "C3": _Box("other_sought_reports", ("Reports sought for retrieval",
                                                _n(flow.other_sought_reports))),
            "D3": _Box("other_notretrieved_reports", _not_retrieved(
                flow.other_notretrieved_reports or 0, flow.other_awaiting_retrieval or 0,
                flow.other_awaiting_assessment or 0)),
            "C4": _Box("other_assessed", ("Reports assessed for eligibility",
                                          _n(flow.other_assessed))),
            "D4": _Box("other_excluded", _excluded(flow.other_excluded or ()),
                       left=bool(flow.other_excluded)),
        }
    return boxes


def _not_retrieved(n: int, awaiting_retrieval: int, awaiting_assessment: int) -> tuple[str, ...]:
    lines = ["Reports not retrieved", _n(n)]
    if awaiting_retrieval:
        lines.append(f"Reports awaiting retrieval {_n(awaiting_retrieval)}")
    if awaiting_assessment:
        lines.append(f"Reports awaiting assessment {_n(awaiting_assessment)}")
    return tuple(lines)


def _excluded(reasons: tuple[ReasonCount, ...]) -> tuple[str, ...]:
    if not reasons:
        return ("Reports excluded", _n(0))
    return ("Reports excluded:", *_items(reasons))


def _wrap(line: str, width: float, prop: FontProperties) -> list[str]:
    """Greedy word wrap of ``line`` to ``width`` inches, measured with the font's metrics."""
    from matplotlib.textpath import TextToPath

    measure = TextToPath()

    def fits(text: str) -> bool:
        w, _, _ = measure.get_text_width_height_descent(text, prop, ismath=False)
        return bool(w / 72 <= width)

    out: list[str] = []
    current = ""
    for word in re.findall(r"\(n = [\d,]+\)\S*|\S+", line):  # "(n = 14)" stays on one line
        trial = f"{current} {word}" if current else word
        if fits(trial) or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    return out


def prisma_plot(
    flow: PrismaFlow,
    *,
    fontsize: float = 7.5,
    dpi: float = 200.0,
    path: str | Path | None = None,
    fmt: str | None = None,
) -> bytes | Path:
    """Draw the PRISMA 2020 flow diagram of a review.

    Parameters
    ----------
    flow : PrismaFlow
        From :func:`evidencehub.review.prisma.prisma_flow`.
    fontsize, dpi : float
        Font size in points; PNG resolution.
    path : str or Path, optional
        Write the diagram there and return the path; otherwise return the bytes.
    fmt : {"svg", "png"}, optional
        Output format (default: from the suffix of ``path``, else SVG).

    Returns
    -------
    bytes or Path
    """
    from matplotlib import rc_context

    with rc_context(figure_style(fontsize)):
        fig = _figure(flow, fontsize)
        return save_figure(fig, path, fmt, dpi)


def _figure(flow: PrismaFlow, fontsize: float) -> Figure:
    """Lay out and draw the diagram (sizes in inches, y growing downwards)."""
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family="DejaVu Sans", size=fontsize)
    line_h = fontsize * 1.2 / 72
    boxes = _boxes(flow)
    text = {key: [part for line in box.lines for part in _wrap(line, _BOX_W - 2 * _PAD, prop)]
            for key, box in boxes.items()}
    height_of = {key: len(lines) * line_h + 2 * _PAD for key, lines in text.items()}

    other = flow.has_other_methods
    x_a = _MARGIN + _PHASE_W + 0.15
    x_b = x_a + _BOX_W + _GAP_X
    x_c = x_b + _BOX_W + _GAP_COLS
    x_d = x_c + _BOX_W + _GAP_X
    xs = {"A": x_a, "B": x_b, "C": x_c, "D": x_d}
    width = (x_d if other else x_b) + _BOX_W + _MARGIN

    title_h = 2 * line_h + 2 * _PAD
    rows = [max(height_of[k] for k in height_of if k[1] == str(r)) for r in range(1, 6)]
    tops = [_MARGIN + title_h + _GAP_Y]
    for h in rows[:-1]:
        tops.append(tops[-1] + h + _GAP_Y)
    height = tops[-1] + rows[-1] + _MARGIN

    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()

    def frame(x: float, y: float, w: float, h: float, gid: str, colour: str = "white") -> None:
        from matplotlib.patches import Rectangle

        ax.add_patch(Rectangle((x, y), w, h, facecolor=colour, edgecolor="black", lw=0.8,
                               gid=gid))

    # titles and phase bars
    span = 2 * _BOX_W + _GAP_X
    frame(x_a, _MARGIN, span, title_h, "newstud-box", _TITLE_DBR)
    ax.text(x_a + span / 2, _MARGIN + title_h / 2,
            "Identification of new studies via databases and registers", ha="center",
            va="center", fontweight="bold", fontsize=fontsize, gid="newstud")
    if other:
        frame(x_c, _MARGIN, span, title_h, "othstud-box", _TITLE_OTHER)
        ax.text(x_c + span / 2, _MARGIN + title_h / 2,
                "Identification of new studies via other methods", ha="center", va="center",
                fontweight="bold", fontsize=fontsize, gid="othstud")
    for name, first, last in (("Identification", 0, 0), ("Screening", 1, 3),
                              ("Included", 4, 4)):
        y0, y1 = tops[first], tops[last] + rows[last]
        frame(_MARGIN, y0, _PHASE_W, y1 - y0, f"{name.lower()}-box", _PHASE)
        ax.text(_MARGIN + _PHASE_W / 2, (y0 + y1) / 2, name, rotation=90, ha="center",
                va="center", fontweight="bold", fontsize=fontsize, gid=name.lower())

    # boxes: centred in their row, so the arrows between a step and its exclusions are level
    place: dict[str, tuple[float, float, float]] = {}  # key -> (x, top, bottom)
    for key, box in boxes.items():
        x = xs[key[0]]
        row = int(key[1]) - 1
        h = height_of[key]
        top = tops[row] + (rows[row] - h) / 2
        place[key] = (x, top, top + h)
        frame(x, top, _BOX_W, h, f"{box.name}-box")
        body = "\n".join(text[key])
        if box.left:
            ax.text(x + _PAD, top + h / 2, body, ha="left", va="center", multialignment="left",
                    fontsize=fontsize, gid=box.name)
        else:
            ax.text(x + _BOX_W / 2, top + h / 2, body, ha="center", va="center",
                    multialignment="center", fontsize=fontsize, gid=box.name)

    # arrows
    def arrow(points: list[tuple[float, float]]) -> None:
        for (x0, y0), (x1, y1) in pairwise(points[:-1]):
            ax.plot([x0, x1], [y0, y1], color="black", lw=0.8, solid_capstyle="butt")
        ax.annotate("", xy=points[-1], xytext=points[-2],
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.8,
                                "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8})

    def mid(key: str) -> float:
        return (place[key][1] + place[key][2]) / 2

    for col, right, chain in (("A", "B", ["A1", "A2", "A3", "A4", "A5"]),
                              ("C", "D", ["C1", "C3", "C4"])):
        if col == "C" and not other:
            continue
        cx = xs[col] + _BOX_W / 2
        for upper, lower in pairwise(chain):
            arrow([(cx, place[upper][2]), (cx, place[lower][1])])
        for key in chain:
            side = right + key[1]
            if side in place:
                arrow([(xs[col] + _BOX_W, mid(key)), (xs[right], mid(side))])
    if other:  # other methods' assessed reports join the included box
        cx = x_c + _BOX_W / 2
        arrow([(cx, place["C4"][2]), (cx, mid("A5")), (x_a + _BOX_W, mid("A5"))])
    return fig
