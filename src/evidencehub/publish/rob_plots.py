"""Risk-of-bias plots in robvis's two layouts, as SVG or PNG (matplotlib, Agg).

robvis (McGuinness & Higgins 2021, Res Synth Methods 12:55; R package ``robvis``, functions
``rob_traffic_light`` and ``rob_summary``) draws the figures Cochrane reviews print; these
follow its layouts and colours for RoB 2 and ROBINS-I:

* :func:`traffic_light_plot` — a grid of studies (rows, labels on the left under "Study") by
  domains (columns "D1"… and "Overall" under "Risk of bias domains", the overall column shaded
  grey); each cell a circle in its judgement's colour with the judgement's symbol (low ``+``,
  some concerns / moderate ``−``, high / serious ``×``, critical ``!``, no information ``?``);
  below, the domains' names ("D1: Bias arising from the randomization process.") on the left
  and the legend of the judgements present on the right.
* :func:`summary_plot` — one horizontal bar per domain (the tool's domain names, "Overall risk
  of bias" in bold at the bottom), split by judgement into the share of studies (0-100 %),
  optionally weighted by a weight per study (e.g. each study's weight in the analysis); low on
  the left, then increasing severity, no information on the right; legend below.

Colours (robvis ``get_colour``): ``"cochrane"`` (default) low #02C100, some concerns and
moderate #E2DF07, high and serious #BF0000, critical #820000, no information #4EA1F7;
``"colourblind"`` low #FED98E, some concerns and moderate #FE9929, high and serious #D95F0E,
critical #993404, no information #FFFFFF.

The plots take :class:`~evidencehub.grade.rob.assessment.Assessment` objects (one per study,
all of one tool) and draw their chosen judgements. Output is reproducible and text stays text
(:func:`~evidencehub.publish.plots.figure_style`); each circle, symbol and bar is a group whose
id names its study or domain and its judgement (``cell-<row>-D2``, ``bar-D2-some-concerns``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evidencehub.errors import InputError
from evidencehub.grade.rob.assessment import Assessment
from evidencehub.grade.rob.terms import Judgement, Rob2Judgement, RobinsJudgement, RobTool
from evidencehub.publish.plots import figure_style, save_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["COLOURS", "summary_plot", "summary_shares", "traffic_light_plot"]

_FORMATS = ("svg", "png")
_OVERALL_SHADE = "#d3d3d3"  # robvis: the overall column's background
_STRIP = "#a9a9a9"  # robvis: facet strip background
_BORDER = "#808080"  # "grey" panel border

#: robvis's colour schemes by judgement value.
COLOURS: Mapping[str, Mapping[str, str]] = {
    "cochrane": {"low": "#02C100", "some concerns": "#E2DF07", "moderate": "#E2DF07",
                 "high": "#BF0000", "serious": "#BF0000", "critical": "#820000",
                 "no information": "#4EA1F7"},
    "colourblind": {"low": "#FED98E", "some concerns": "#FE9929", "moderate": "#FE9929",
                    "high": "#D95F0E", "serious": "#D95F0E", "critical": "#993404",
                    "no information": "#FFFFFF"},
}

_SYMBOLS = {"low": "+", "some concerns": "−", "moderate": "−", "high": "×", "serious": "×",
            "critical": "!", "no information": "?"}

# robvis's legend words (traffic light, summary).
_TRAFFIC_WORDS = {"low": "Low", "some concerns": "Some concerns", "high": "High",
                  "moderate": "Moderate", "serious": "Serious", "critical": "Critical",
                  "no information": "No information"}
_SUMMARY_WORDS = {"low": "Low risk", "some concerns": "Some concerns", "high": "High risk",
                  "moderate": "Moderate risk", "serious": "Serious risk",
                  "critical": "Critical risk", "no information": "No information"}


def _slug(judgement: Judgement) -> str:
    return judgement.value.replace(" ", "-")


def _checked(assessments: Sequence[Assessment], colour: str, path: str | Path | None,
             fmt: str | None) -> tuple[RobTool, str]:
    """The assessments' tool and the output format, or an :class:`InputError`."""
    if colour not in COLOURS:
        raise InputError(f"risk-of-bias plot colour must be one of {', '.join(COLOURS)}; got "
                         f"{colour!r}")
    if fmt is None:
        suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
        fmt = suffix or "svg"
    fmt = fmt.lower()
    if fmt not in _FORMATS:
        raise InputError(f"plot format must be one of {', '.join(_FORMATS)}; got {fmt!r}",
                         where=None if path is None else str(path))
    if not assessments:
        raise InputError("a risk-of-bias plot needs at least one assessment")
    tools = {a.tool for a in assessments}
    if len(tools) > 1:
        raise InputError("a risk-of-bias plot shows one tool; got "
                         f"{', '.join(sorted(t.label for t in tools))}")
    seen: set[str] = set()
    for a in assessments:
        if a.study in seen:
            raise InputError(f"study {a.study!r} appears twice; plot one assessment per study "
                             "(one outcome at a time)")
        seen.add(a.study)
    return tools.pop(), fmt


def _order(tool: RobTool) -> tuple[Judgement, ...]:
    """Judgements from the left of a summary bar (low) to its right (no information)."""
    if tool is RobTool.ROB2:
        return tuple(Rob2Judgement)
    return tuple(RobinsJudgement)


def _legend_order(tool: RobTool) -> tuple[Judgement, ...]:
    """The traffic light's legend order (robvis): most severe first, no information last."""
    ranked = sorted((j for j in _order(tool) if j.severity >= 0), key=lambda j: -j.severity)
    return (*ranked, *(j for j in _order(tool) if j.severity < 0))


def summary_shares(assessments: Sequence[Assessment], weights: Mapping[str, float] | None = None,
                   *, overall: bool = True) -> dict[str, dict[Judgement, float]]:
    """Each domain's (and overall) share of studies per judgement, as drawn by
    :func:`summary_plot`: ``{"D1": {low: 0.6, some concerns: 0.4, …}, …, "overall": …}``, every
    judgement of the tool present (0 when no study has it), shares adding to 1.

    ``weights`` maps each study key to a non-negative weight (robvis's ``weighted = TRUE``);
    without it every study counts once.
    """
    if not assessments:
        raise InputError("a risk-of-bias summary needs at least one assessment")
    if weights is not None:
        for a in assessments:
            w = weights.get(a.study)
            if w is None:
                raise InputError(f"study {a.study!r} has no weight")
            if not w >= 0 or w == float("inf"):
                raise InputError(f"study {a.study!r}: a weight must be a non-negative number; "
                                 f"got {w!r}")
    w_of = {a.study: 1.0 if weights is None else float(weights[a.study]) for a in assessments}
    total = sum(w_of.values())
    if total <= 0:
        raise InputError("the studies' weights add up to 0")
    tool = assessments[0].tool
    codes = [d.code for d in tool.domains()] + (["overall"] if overall else [])
    out: dict[str, dict[Judgement, float]] = {}
    for code in codes:
        shares = dict.fromkeys(_order(tool), 0.0)
        for a in assessments:
            shares[a.domain(code).chosen] += w_of[a.study] / total
        out[code] = shares
    return out


# -- traffic light ------------------------------------------------------------------------------
def traffic_light_plot(
    assessments: Sequence[Assessment],
    *,
    labels: Mapping[str, str] | None = None,
    colour: str = "cochrane",
    overall: bool = True,
    fontsize: float = 9.0,
    dpi: float = 200.0,
    path: str | Path | None = None,
    fmt: str | None = None,
) -> bytes | Path:
    """Draw robvis's traffic-light plot of one tool's assessments, one row per study.

    Parameters
    ----------
    assessments : sequence of Assessment
        One per study, all RoB 2 or all ROBINS-I; rows in this order.
    labels : mapping of study key to label, optional
        The row labels (default: the study keys).
    colour : {"cochrane", "colourblind"}
        robvis's colour scheme.
    overall : bool
        Draw the "Overall" column.
    fontsize, dpi : float
        Font size in points; PNG resolution.
    path : str or Path, optional
        Write the plot there and return the path; otherwise return the bytes.
    fmt : {"svg", "png"}, optional
        Output format (default: from the suffix of ``path``, else SVG).

    Returns
    -------
    bytes or Path
    """
    from matplotlib import rc_context

    tool, fmt = _checked(assessments, colour, path, fmt)
    with rc_context(figure_style(fontsize)):
        fig = _traffic_figure(assessments, tool, labels or {}, COLOURS[colour], overall,
                              fontsize)
        return save_figure(fig, path, fmt, dpi)


def _text_width(text: str, fontsize: float, bold: bool = False) -> float:
    """Width of ``text`` in inches."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family="DejaVu Sans", size=fontsize,
                          weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(width) / 72


def _traffic_figure(assessments: Sequence[Assessment], tool: RobTool, labels: Mapping[str, str],
                    colours: Mapping[str, str], overall: bool, fontsize: float) -> Figure:
    """Lay out and draw the grid (inches, y growing downwards)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, Rectangle

    domains = tool.domains()
    codes = [d.code for d in domains] + (["overall"] if overall else [])
    heads = [d.code for d in domains] + (["Overall"] if overall else [])
    rows = [labels.get(a.study, a.study) for a in assessments]
    line = fontsize * 1.35 / 72
    cell = max(0.42, 2.4 * line, _text_width("Overall", fontsize) + 0.12)
    margin, title_w = 0.12, line * 1.2
    label_w = max(_text_width(r, fontsize) for r in rows) + 0.16
    caption = ["Domains:", *(f"{d.code}: {d.name}." for d in domains)]
    present = [j for j in _legend_order(tool)
               if any(a.domain(c).chosen is j for a in assessments for c in codes)]
    legend = ["Judgement", *(_TRAFFIC_WORDS[j.value] for j in present)]
    caption_w = max(_text_width(t, fontsize) for t in caption)
    legend_w = 0.45 + max(_text_width(t, fontsize) for t in legend)
    grid_x = margin + title_w + label_w
    grid_w = cell * len(codes)
    width = max(grid_x + grid_w, margin + caption_w + 0.3 + legend_w) + margin
    grid_y = margin + 2 * line  # "Risk of bias domains" then the strip
    strip_h = line * 1.3
    rows_y = grid_y + strip_h
    foot_y = rows_y + cell * len(rows) + 0.15
    foot_h = max(len(caption), len(legend)) * line
    height = foot_y + foot_h + margin

    fig = Figure(figsize=(width, height))
    ax: Axes = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()

    def rect(x: float, y: float, w: float, h: float, fill: str, edge: str, gid: str) -> None:
        ax.add_patch(Rectangle((x, y), w, h, facecolor=fill, edgecolor=edge, lw=0.6, gid=gid))

    def light(x: float, y: float, judgement: Judgement, radius: float, gid: str) -> None:
        ax.add_patch(Circle((x, y), radius, facecolor=colours[judgement.value],
                            edgecolor="black", lw=0.7, gid=gid))
        ax.text(x, y, _SYMBOLS[judgement.value], ha="center", va="center_baseline",
                fontsize=fontsize * 1.3 * radius / (cell * 0.36), fontweight="bold",
                color="black", gid=f"{gid}-symbol")

    ax.text(grid_x + grid_w / 2, margin + line / 2, "Risk of bias domains", ha="center",
            va="center", fontsize=fontsize, gid="domains-title")
    ax.text(margin + title_w / 2, rows_y + cell * len(rows) / 2, "Study", rotation=90,
            ha="center", va="center", fontsize=fontsize, gid="study-title")
    for i, head in enumerate(heads):
        x = grid_x + i * cell
        rect(x, grid_y, cell, strip_h, _STRIP, _BORDER, f"head-{codes[i]}-box")
        ax.text(x + cell / 2, grid_y + strip_h / 2, head, ha="center", va="center",
                fontsize=fontsize, gid=f"head-{codes[i]}")
    for r, (a, label) in enumerate(zip(assessments, rows, strict=True)):
        y = rows_y + r * cell
        rect(margin + title_w, y, label_w, cell, _STRIP, _BORDER, f"row-{r}-box")
        ax.text(margin + title_w + label_w - 0.08, y + cell / 2, label, ha="right", va="center",
                fontsize=fontsize, gid=f"row-{r}")
        for i, code in enumerate(codes):
            x = grid_x + i * cell
            shade = _OVERALL_SHADE if code == "overall" else "white"
            rect(x, y, cell, cell, shade, _BORDER, f"cell-{r}-{code}-box")
            light(x + cell / 2, y + cell / 2, a.domain(code).chosen, cell * 0.36,
                  f"cell-{r}-{code}")
    for k, text in enumerate(caption):
        ax.text(margin, foot_y + (k + 0.5) * line, text, ha="left", va="center",
                fontsize=fontsize, gid="caption" if k == 0 else f"caption-{k}")
    legend_x = width - margin - legend_w
    ax.text(legend_x, foot_y + 0.5 * line, legend[0], ha="left", va="center", fontsize=fontsize,
            gid="legend-title")
    for k, judgement in enumerate(present, start=1):
        y = foot_y + (k + 0.5) * line
        light(legend_x + 0.15, y, judgement, line * 0.46, f"legend-{_slug(judgement)}")
        ax.text(legend_x + 0.35, y, legend[k], ha="left", va="center", fontsize=fontsize,
                gid=f"legend-{_slug(judgement)}-label")
    return fig


# -- weighted summary -------------------------------------------------------------------------
def summary_plot(
    assessments: Sequence[Assessment],
    *,
    weights: Mapping[str, float] | None = None,
    colour: str = "cochrane",
    overall: bool = True,
    fontsize: float = 9.0,
    dpi: float = 200.0,
    path: str | Path | None = None,
    fmt: str | None = None,
) -> bytes | Path:
    """Draw robvis's summary plot: per domain, the share of studies at each judgement.

    Parameters
    ----------
    assessments : sequence of Assessment
        One per study, all RoB 2 or all ROBINS-I.
    weights : mapping of study key to weight, optional
        Weight each study (e.g. its weight in the analysis); default: every study counts once.
    colour, overall, fontsize, dpi, path, fmt
        As for :func:`traffic_light_plot`.

    Returns
    -------
    bytes or Path
    """
    from matplotlib import rc_context

    tool, fmt = _checked(assessments, colour, path, fmt)
    shares = summary_shares(assessments, weights, overall=overall)
    with rc_context(figure_style(fontsize)):
        fig = _summary_figure(tool, shares, COLOURS[colour], fontsize)
        return save_figure(fig, path, fmt, dpi)


def _summary_figure(tool: RobTool, shares: Mapping[str, Mapping[Judgement, float]],
                    colours: Mapping[str, str], fontsize: float) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    codes = list(shares)
    names = {d.code: d.name for d in tool.domains()} | {"overall": "Overall risk of bias"}
    label_w = max(_text_width(names[c], fontsize, bold=c == "overall") for c in codes) + 0.25
    bar_w, row_h, margin = 4.2, 0.32, 0.15
    axis_h, legend_h = 0.3, 0.35  # the percent axis below the bars; the legend below it
    order = _order(tool)
    present = [j for j in order if any(s[j] > 0 for s in shares.values())]
    legend_w = sum(_text_width(_SUMMARY_WORDS[j.value], fontsize * 0.85) + 0.55 for j in present)
    width = max(margin + label_w + bar_w + 0.3, legend_w + 2 * margin)
    # the legend centred under the bars, moved left as far as it must to stay in the figure
    legend_x = min(margin + label_w + bar_w / 2, width - margin - legend_w / 2)
    height = margin + row_h * len(codes) + axis_h + legend_h + margin
    fig = Figure(figsize=(width, height))
    ax: Axes = fig.add_axes(((margin + label_w) / width, (margin + legend_h + axis_h) / height,
                             bar_w / width, row_h * len(codes) / height))
    ys = {code: len(codes) - 1 - i for i, code in enumerate(codes)}  # D1 at the top
    for code in codes:
        left = 0.0
        for judgement in order:
            share = shares[code][judgement]
            if share <= 0:
                continue
            ax.barh(ys[code], share, left=left, height=0.7, color=colours[judgement.value],
                    edgecolor="black", lw=0.6, gid=f"bar-{code}-{_slug(judgement)}")
            left += share
    ax.set_ylim(-0.5, len(codes) - 0.5)
    ax.set_xlim(0, 1)
    ax.set_yticks([ys[c] for c in codes], [names[c] for c in codes])
    for tick, code in zip(ax.get_yticklabels(), codes, strict=True):
        tick.set_fontweight("bold" if code == "overall" else "normal")
        tick.set_fontsize(fontsize)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=colours[j.value], edgecolor="black", lw=0.6,
                     label=_SUMMARY_WORDS[j.value]) for j in present]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=True,
               edgecolor="black", framealpha=1.0, fancybox=False, fontsize=fontsize * 0.85,
               bbox_to_anchor=(legend_x / width, margin / height))
    return fig
