"""Forest and funnel plots of pooled results, as SVG or PNG (matplotlib, Agg).

* :func:`forest_plot` draws the layout RevMan and R's ``meta::forest`` users know: one row
  per study with its weight (%) and effect [CI] as text, squares sized by weight, the pooled
  diamond, the prediction interval, optional subgroup blocks (each with its own diamond and
  heterogeneity line) and the test for subgroup differences, and the heterogeneity and
  overall-effect lines. Ratio measures are drawn on their natural scale with a log axis;
  proportions and correlations analysed on a transformed scale are back-transformed
  (:func:`evidencehub.stats.back_transform`).
* :func:`funnel_plot` draws effect against standard error (Sterne & Egger 2001, J Clin
  Epidemiol 54:1046) with pseudo confidence limits around the pooled estimate, the studies
  imputed by trim-and-fill as hollow points (Duval & Tweedie 2000), and optionally the
  contour-enhanced shading of Peters et al. (2008, J Clin Epidemiol 61:991): regions where a
  study's two-sided p-value against the null would be < .01, .01-.05 and .05-.10.

Output is reproducible: figures are built on a private :class:`~matplotlib.figure.Figure`
(no pyplot state), text stays text in SVG (``svg.fonttype = "none"``, so labels are
searchable), ids are derived from a fixed ``svg.hashsalt`` and no date is written, so the
same result gives the same bytes. matplotlib is imported only when a plot is drawn.

Plots take result objects and compute nothing statistical themselves: every number shown
comes from :class:`~evidencehub.stats.MetaResult` (and the subgroup / trim-and-fill results).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evidencehub.stats.distributions import norm_isf
from evidencehub.stats.measures import Family, Scale, back_transform, measure_info

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evidencehub.stats.bias import TrimFill
    from evidencehub.stats.results import MetaResult
    from evidencehub.stats.subgroups import SubgroupResult

__all__ = ["figure_style", "forest_plot", "funnel_plot", "save_figure", "study_intervals"]

_SALT = "evidencehub"
_SQUARE = "#1f4e79"
_PI_COLOUR = "#b2182b"
_FORMATS = ("svg", "png")


@dataclass(frozen=True, slots=True)
class _Row:
    """One row of the forest layout."""

    kind: str  # header, group, study, pooled, pi, text, blank
    label: str = ""
    est: float = math.nan
    lb: float = math.nan
    ub: float = math.nan
    weight: float | None = None
    bold: bool = False
    subtotal: bool = False


# -- shared helpers ---------------------------------------------------------------------------
def figure_style(fontsize: float) -> Any:
    """The matplotlib settings every figure of the hub is drawn with (``rc_context``): one
    font, fixed SVG ids (the same figure gives the same bytes), thin lines."""
    return {
        "svg.hashsalt": _SALT,
        "svg.fonttype": "none",
        "font.family": "DejaVu Sans",
        "font.size": fontsize,
        "axes.linewidth": 0.8,
        "xtick.labelsize": fontsize,
        "xtick.major.width": 0.8,
        "lines.linewidth": 0.9,
    }


def save_figure(fig: Figure, path: str | Path | None, fmt: str | None, dpi: float) -> bytes | Path:
    """Render ``fig`` to bytes or to ``path`` (SVG or PNG); the format comes from ``fmt`` or the
    suffix."""
    if fmt is None:
        suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
        fmt = suffix or "svg"
    fmt = fmt.lower()
    if fmt not in _FORMATS:
        raise ValueError(f"plot format must be one of {', '.join(_FORMATS)}; got {fmt!r}")
    buf = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    data = buf.getvalue()
    if path is None:
        return data
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def _display(result: MetaResult, transform: bool | None, forest: bool) -> tuple[bool, bool]:
    """(back-transform values?, log x axis?) for this result's measure."""
    info = measure_info(result.measure)
    if transform is None:
        transform = info.scale is not Scale.RAW if forest else info.scale is Scale.LOG
        if info.scale is Scale.FREEMAN_TUKEY and result.ni is None:
            transform = False
    return transform, transform and info.scale is Scale.LOG


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return "P = NA"
    return "P < 0.001" if p < 0.001 else f"P = {p:.3f}"


def _fmt(x: float, digits: int) -> str:
    if not np.isfinite(x):
        return "NA"
    return f"{x:.{digits}f}"


# -- forest plot ------------------------------------------------------------------------------
def _model_label(res: MetaResult, subtotal: bool) -> str:
    if subtotal:
        return "Subtotal (common effect)" if res.is_fixed else f"Subtotal ({res.method})"
    if res.is_fixed:
        return "Common-effect model"
    test = ", Knapp-Hartung" if res.test == "knha" else ""
    return f"Random-effects model ({res.method}{test})"


def _heterogeneity_text(res: MetaResult) -> str:
    parts = []
    if not res.is_fixed:
        parts.append(f"τ² = {res.tau2:.4g}")
    parts.append(f"I² = {res.I2:.0f}%")
    parts.append(f"Q = {res.QE:.2f}, df = {res.QEdf} ({_p_text(res.QEp)})")
    return "Heterogeneity: " + "; ".join(parts)


def _overall_test_text(res: MetaResult) -> str:
    stat = f"t({res.df}) = {res.tval:.2f}" if res.test == "knha" else f"z = {res.zval:.2f}"
    return f"Test for overall effect: {stat} ({_p_text(res.pval)})"


def study_intervals(res: MetaResult, transform: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-study estimates and normal-theory CIs (``yi +- z sqrt(vi)``) at the result's level.

    With ``transform`` the three values are back-transformed study by study
    (:func:`evidencehub.stats.back_transform`; PFT with the study's own ``ni``, as metafor's
    ``forest`` does), which is what forest plots and the command line show.
    """
    crit = float(norm_isf((1 - res.level / 100) / 2))
    se = np.sqrt(res.vi)
    lo, hi = res.yi - crit * se, res.yi + crit * se
    if not transform:
        return res.yi.copy(), lo, hi
    out = []
    for j in range(res.k):
        ni = None if res.ni is None else res.ni[j : j + 1]
        out.append(back_transform(res.measure, [res.yi[j], lo[j], hi[j]], ni))
    arr = np.array(out).reshape(res.k, 3)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def _pooled(res: MetaResult, transform: bool) -> tuple[float, float, float, float | None, float | None]:
    pred = res.predict(transf=transform)
    return pred.pred, pred.ci_lb, pred.ci_ub, pred.pi_lb, pred.pi_ub


def _subgroup_parts(subgroups: SubgroupResult) -> tuple[list[tuple[str, MetaResult]], str]:
    """(level, result) per subgroup and the 'test for subgroup differences' line."""
    diff = subgroups.difference
    line = (f"Test for subgroup differences: Q = {diff.Q:.2f}, df = {diff.df} "
            f"({_p_text(diff.pval)})")
    return list(zip(subgroups.levels, subgroups.groups, strict=True)), line


def _forest_rows(
    result: MetaResult, subgroups: SubgroupResult | None, labels: Sequence[str] | None,
    transform: bool, show_pi: bool,
) -> tuple[list[_Row], list[str]]:
    """The rows of the forest (top to bottom) and the footer lines."""
    rows: list[_Row] = []
    footer: list[str] = []
    names = list(labels) if labels is not None else list(result.study)
    if len(names) != result.k:
        raise ValueError(f"labels has {len(names)} entries for {result.k} studies")

    def add_studies(res: MetaResult, shown: Sequence[str], weights: Sequence[float]) -> None:
        est, lb, ub = study_intervals(res, transform)
        for j in range(res.k):
            rows.append(_Row("study", shown[j], est[j], lb[j], ub[j], weights[j]))

    def add_pooled(res: MetaResult, subtotal: bool, weight: float | None) -> None:
        est, lb, ub, pi_lb, pi_ub = _pooled(res, transform)
        rows.append(_Row("pooled", _model_label(res, subtotal), est, lb, ub, weight, bold=True,
                         subtotal=subtotal))
        if show_pi and not subtotal and pi_lb is not None and pi_ub is not None:
            rows.append(_Row("pi", "Prediction interval", math.nan, pi_lb, pi_ub))

    rows.append(_Row("header"))
    if subgroups is None:
        add_studies(result, names, list(result.weights))
        add_pooled(result, False, 100.0)
    else:
        pairs, test_line = _subgroup_parts(subgroups)
        overall_weight = dict(zip(result.study, result.weights, strict=True))
        use_overall = len(overall_weight) == result.k
        for name, res in pairs:
            rows.append(_Row("group", name, bold=True))
            if use_overall and all(s in overall_weight for s in res.study):
                w = [float(overall_weight[s]) for s in res.study]
            else:
                w = list(res.weights)
            add_studies(res, list(res.study), w)
            add_pooled(res, True, float(sum(w)))
            rows.append(_Row("text", _heterogeneity_text(res)))
            rows.append(_Row("blank"))
        add_pooled(result, False, 100.0)
        footer.append(test_line)
    footer[:0] = [_heterogeneity_text(result), _overall_test_text(result)]
    return rows, footer


def _effect_text(r: _Row, digits: int) -> str:
    """``est [lb, ub]`` (just ``[lb, ub]`` for the prediction interval)."""
    interval = f"[{_fmt(r.lb, digits)}, {_fmt(r.ub, digits)}]"
    return interval if r.kind == "pi" else f"{_fmt(r.est, digits)} {interval}"


def _log_ticks(ax: Axes, lims: tuple[float, float]) -> None:
    """Ticks at 1-2-5 steps within two decades, at powers of ten beyond (no crowding)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    decades = math.log10(lims[1] / lims[0])
    subs = (1.0, 2.0, 5.0) if decades <= 2.2 else (1.0, 3.0) if decades <= 3.2 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _limits(rows: list[_Row], log: bool, xlim: tuple[float, float] | None,
            with_null: bool) -> tuple[float, float]:
    if xlim is not None:
        return xlim
    f = np.log if log else (lambda v: v)
    core = [r.est for r in rows if r.kind in ("study", "pooled")]
    core += [v for r in rows if r.kind in ("pooled", "pi") for v in (r.lb, r.ub)]
    ends = [v for r in rows if r.kind in ("study", "pooled", "pi") for v in (r.lb, r.ub)]
    core_u = f(np.array([v for v in core if np.isfinite(v) and (v > 0 or not log)]))
    ends_u = f(np.array([v for v in ends if np.isfinite(v) and (v > 0 or not log)]))
    lo, hi = float(core_u.min()), float(core_u.max())
    span = max(hi - lo, 1e-6)
    lo = max(lo - 0.75 * span, float(ends_u.min()))
    hi = min(hi + 0.75 * span, float(ends_u.max()))
    if with_null:  # the line of no effect stays in view (0 on the axis-linear scale)
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = 0.04 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    return (math.exp(lo), math.exp(hi)) if log else (lo, hi)


def _spans(rows: list[_Row], first: int, last: int) -> list[tuple[float, float]]:
    """Vertical extents (row units) from row ``first`` to ``last`` that skip text lines."""
    spans: list[tuple[float, float]] = []
    start: float | None = None
    for i in range(first, last + 1):
        if rows[i].kind in ("text", "blank"):
            if start is not None:
                spans.append((start, i - 0.5))
                start = None
        elif start is None:
            start = i - 0.5
    if start is not None:
        spans.append((start, last + 0.5))
    return spans


def _interval(ax: Axes, y: float, lb: float, ub: float, xlim: tuple[float, float],
              colour: str, lw: float) -> None:
    """A horizontal CI line, with an arrowhead where it runs past the axis."""
    lo, hi = max(lb, xlim[0]), min(ub, xlim[1])
    if hi <= lo:
        return
    ax.plot([lo, hi], [y, y], color=colour, lw=lw, solid_capstyle="butt", zorder=2)
    if lb < xlim[0]:
        ax.plot([lo], [y], marker="<", ms=4, color=colour, zorder=2)
    if ub > xlim[1]:
        ax.plot([hi], [y], marker=">", ms=4, color=colour, zorder=2)


def forest_plot(
    result: MetaResult,
    *,
    subgroups: SubgroupResult | None = None,
    labels: Sequence[str] | None = None,
    transform: bool | None = None,
    favours: tuple[str, str] | None = None,
    xlabel: str | None = None,
    xlim: tuple[float, float] | None = None,
    title: str | None = None,
    show_prediction: bool = True,
    digits: int = 2,
    width: float = 7.0,
    fontsize: float = 9.0,
    dpi: float = 200.0,
    path: str | Path | None = None,
    fmt: str | None = None,
) -> bytes | Path:
    """Draw a forest plot of a pooled result.

    Parameters
    ----------
    result : MetaResult
        The overall fit (intercept-only). Its study rows are drawn unless ``subgroups`` is
        given.
    subgroups : SubgroupResult, optional
        From :func:`evidencehub.stats.subgroups.subgroup_analysis`: its per-subgroup fits
        are drawn as blocks, each with its diamond and heterogeneity line, and its test for
        subgroup differences (RevMan's) is printed under the plot. Pass its ``overall`` fit
        as ``result``.
    labels : sequence of str, optional
        Study labels to show instead of ``result.study`` (without ``subgroups``; subgroup
        blocks use the labels of their fits).
    transform : bool, optional
        Draw on the reported scale (odds ratio, proportion, correlation). Default: yes for
        measures analysed on a transformed scale; ratio measures then get a log axis.
    favours : (str, str), optional
        Captions under the axis, left and right of the null line ("Favours treatment",
        "Favours control").
    xlabel, title : str, optional
        Axis label (default: the measure's name) and a title.
    xlim : (float, float), optional
        Axis limits on the display scale; CIs running past them end in arrowheads.
    show_prediction : bool
        Draw the prediction interval row for random-effects models.
    digits : int
        Decimals of the effect [CI] column.
    width, fontsize, dpi : float
        Figure width in inches, font size in points, PNG resolution.
    path : str or Path, optional
        Write the plot there and return the path; otherwise return the bytes.
    fmt : {"svg", "png"}, optional
        Output format (default: from the suffix of ``path``, else SVG).

    Returns
    -------
    bytes or Path
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon

    if result.p > 1:
        raise ValueError("forest_plot needs a model without moderators (its pooled estimate "
                         "is the intercept otherwise)")
    do_transform, log = _display(result, transform, forest=True)
    info = measure_info(result.measure)
    rows, footer = _forest_rows(result, subgroups, labels, do_transform, show_prediction)
    # single-group measures (proportions, means) have no line of no effect
    has_null = info.family not in (Family.PROPORTION, Family.MEAN)
    lims = _limits(rows, log, xlim, has_null)
    null = 1.0 if log else 0.0

    row_h = fontsize * 1.75 / 72
    n = len(rows)
    top = 0.12 + (row_h if title else 0.0)
    axis_h = fontsize * 3.4 / 72
    fav_h = row_h if favours else 0.0
    foot_h = len(footer) * row_h + 0.12
    height = top + n * row_h + axis_h + fav_h + foot_h

    reported = info.reported_as if do_transform else info.label
    effect_head = reported if len(reported) <= 24 else info.measure.value
    effect_head = f"{effect_head[0].upper()}{effect_head[1:]} [{result.level:g}% CI]"
    longest = max(len(r.label) for r in rows if r.kind in ("study", "group", "pooled", "pi"))
    # Column layout from the text widths (DejaVu Sans: about 0.6 em per character).
    char = fontsize * 0.6 / 72 / width  # one character, as a fraction of the width
    effect_chars = max([len(effect_head), *(len(_effect_text(r, digits)) for r in rows
                                            if r.kind in ("study", "pooled", "pi"))])
    x_effect = 1.0 - effect_chars * char * 1.05 - 0.01
    x_weight = x_effect - 0.03
    x_plot1 = x_weight - 7 * char - 0.03
    x_plot0 = min(max(longest * char * 0.95 + 0.03, 0.2), x_plot1 - 0.25)

    with rc_context(figure_style(fontsize)):
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((x_plot0, (foot_h + fav_h + axis_h) / height, x_plot1 - x_plot0,
                           n * row_h / height))
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xscale("log" if log else "linear")
        ax.set_xlim(*lims)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_yticks([])
        ax.patch.set_alpha(0.0)
        if log:
            _log_ticks(ax, lims)
        ax.set_xlabel(xlabel or (f"{reported[0].upper()}{reported[1:]}"
                                 + (" (log scale)" if log else "")), fontsize=fontsize)
        from matplotlib.transforms import blended_transform_factory, offset_copy

        tx = blended_transform_factory(fig.transFigure, ax.transData)
        weights = [r.weight for r in rows if r.kind == "study" and r.weight is not None]
        wmax = max(weights) if weights else 1.0
        row_pt = row_h * 72
        first = next(i for i, r in enumerate(rows) if r.kind in ("study", "group"))
        last = max(i for i, r in enumerate(rows) if r.kind == "pooled")
        spans = _spans(rows, first, last)
        for a, b in spans if has_null else []:
            ax.plot([null, null], [a, b], color="#555555", lw=0.8, zorder=1)

        for i, r in enumerate(rows):
            font_weight = "bold" if r.bold else "normal"
            if r.kind == "header":
                ax.text(0.01, i, "Study", transform=tx, va="center", fontweight="bold")
                ax.text(x_weight, i, "Weight", transform=tx, va="center", ha="right",
                        fontweight="bold")
                ax.text(x_effect, i, effect_head, transform=tx, va="center", fontweight="bold")
                continue
            if r.kind in ("group", "text"):
                ax.text(0.01, i, r.label, transform=tx, va="center",
                        fontweight="bold" if r.bold else "normal",
                        fontsize=fontsize if r.kind == "group" else fontsize * 0.9,
                        color="black" if r.kind == "group" else "#333333")
                continue
            if r.kind == "blank":
                continue
            ax.text(0.01, i, r.label, transform=tx, va="center", fontweight=font_weight)
            if r.kind == "study":
                _interval(ax, i, r.lb, r.ub, lims, "black", 0.9)
                if np.isfinite(r.est) and lims[0] <= r.est <= lims[1]:
                    edge = max(row_pt * 0.62 * math.sqrt((r.weight or 0.0) / wmax), 2.5)
                    ax.scatter([r.est], [i], s=edge**2, marker="s", color=_SQUARE, zorder=3,
                               linewidths=0)
            elif r.kind == "pooled":
                h = 0.34
                diamond = Polygon([(r.lb, i), (r.est, i - h), (r.ub, i), (r.est, i + h)],
                                  closed=True, facecolor="#4d4d4d" if r.subtotal else "black",
                                  edgecolor="black", lw=0.6, zorder=3)
                diamond.set_gid("subtotal-diamond" if r.subtotal else "pooled-diamond")
                ax.add_patch(diamond)
                if not r.subtotal:
                    for a, b in spans:
                        ax.plot([r.est, r.est], [a, min(b, i - h)], color="#777777", lw=0.6,
                                ls=(0, (3, 3)), zorder=1)
            elif r.kind == "pi":
                bar = ax.fill_between([max(r.lb, lims[0]), min(r.ub, lims[1])], i - 0.12,
                                      i + 0.12, color=_PI_COLOUR, alpha=0.85, lw=0, zorder=3)
                bar.set_gid("prediction-interval")
            if r.weight is not None:
                ax.text(x_weight, i, f"{r.weight:.1f}%", transform=tx, va="center", ha="right",
                        fontweight=font_weight)
            ax.text(x_effect, i, _effect_text(r, digits), transform=tx, va="center",
                    fontweight=font_weight)

        if favours:
            fy = (foot_h + fav_h * 0.5) / height
            fav = blended_transform_factory(ax.transData, fig.transFigure)
            anchor = null if has_null else (lims[0] + lims[1]) / 2
            # A gap of a few points each side of the null line, not spaces: SVG viewers
            # collapse white space, which ran the two captions together.
            gap = fontsize * 0.6
            ax.text(anchor, fy, f"← {favours[0]}", ha="right", va="center",
                    transform=offset_copy(fav, fig=fig, x=-gap, units="points"),
                    fontsize=fontsize * 0.9)
            ax.text(anchor, fy, f"{favours[1]} →", ha="left", va="center",
                    transform=offset_copy(fav, fig=fig, x=gap, units="points"),
                    fontsize=fontsize * 0.9)
        for j, line in enumerate(footer):
            y = (foot_h - 0.06 - (j + 0.5) * row_h) / height
            fig.text(0.01, y, line, va="center", fontsize=fontsize * 0.9)
        if title:
            fig.text(0.01, 1 - 0.06 / height, title, va="top", fontweight="bold",
                     fontsize=fontsize * 1.1)
        return save_figure(fig, path, fmt, dpi)


# -- funnel plot ------------------------------------------------------------------------------
def funnel_plot(
    result: MetaResult,
    *,
    trimfill: TrimFill | None = None,
    contours: bool = False,
    transform: bool | None = None,
    level: float | None = None,
    xlabel: str | None = None,
    title: str | None = None,
    width: float = 5.0,
    height: float = 4.2,
    fontsize: float = 9.0,
    dpi: float = 200.0,
    path: str | Path | None = None,
    fmt: str | None = None,
) -> bytes | Path:
    """Draw a funnel plot: effect sizes against their standard errors.

    Parameters
    ----------
    result : MetaResult
        The fit whose studies are drawn (intercept-only).
    trimfill : TrimFill, optional
        From :func:`evidencehub.stats.bias.trimfill`: the imputed studies are drawn hollow
        and the funnel is centred on the estimate of the model with them.
    contours : bool
        Shade the regions where a study would be significant against the null at
        p < .01, .01-.05 and .05-.10 (Peters et al. 2008); the unshaded region is p > .10.
    transform : bool, optional
        Exponentiate ratio measures and use a log axis (default for OR, RR, ROM...).
    level : float, optional
        Level of the pseudo confidence limits (default: the result's level).
    xlabel, title : str, optional
        Axis label and title.
    width, height, fontsize, dpi : float
        Figure size in inches, font size in points, PNG resolution.
    path, fmt
        As for :func:`forest_plot`.

    Returns
    -------
    bytes or Path
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    info = measure_info(result.measure)
    do_transform, log = _display(result, transform, forest=False)
    fwd = np.exp if log else (lambda v: np.asarray(v, dtype=float))
    se = np.sqrt(result.vi)
    centre = result.estimate
    fill_y = fill_v = np.empty(0)
    if trimfill is not None:
        fill_y = np.asarray(trimfill.filled_yi, dtype=np.float64)
        fill_v = np.asarray(trimfill.filled_vi, dtype=np.float64)
        centre = trimfill.fit.estimate
    fill_se = np.sqrt(fill_v)
    se_max = float(max(se.max(), fill_se.max() if fill_se.size else 0.0)) * 1.08
    crit = float(norm_isf((1 - (level or result.level) / 100) / 2))
    grid = np.linspace(0.0, se_max, 200)

    all_y = np.concatenate([result.yi, fill_y, [centre - crit * se_max, centre + crit * se_max]])
    if contours:
        all_y = np.concatenate([all_y, [-2.576 * se_max, 2.576 * se_max]])
    lo, hi = float(all_y.min()), float(all_y.max())
    pad = 0.05 * (hi - lo)
    lims = (lo - pad, hi + pad)

    has_legend = contours or fill_y.size > 0
    bottom = 0.2 if has_legend else 0.13
    with rc_context(figure_style(fontsize)):
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((0.13, bottom, 0.83, 0.95 - bottom - (0.05 if title else 0.0)))
        ax.set_xscale("log" if log else "linear")
        ax.set_xlim(float(fwd(lims[0])), float(fwd(lims[1])))
        ax.set_ylim(se_max, 0.0)
        handles: list[Any] = []
        if contours:
            shades = (("p < 0.01", "#8c8c8c", None), ("0.01 < p < 0.05", "#bdbdbd", 2.576),
                      ("0.05 < p < 0.10", "#e3e3e3", 1.960), ("p > 0.10", "white", 1.645))
            ax.set_facecolor(shades[0][1])
            for _, colour, z in shades[1:]:
                ax.fill_betweenx(grid, fwd(-z * grid), fwd(z * grid), color=colour, lw=0,
                                 zorder=0)
            handles += [Patch(facecolor=c, edgecolor="#666666", lw=0.5, label=lab)
                        for lab, c, _ in shades]
            ax.axvline(float(fwd(0.0)), color="#555555", lw=0.7, zorder=1)
        ax.plot(fwd(centre - crit * grid), grid, color="black", lw=0.7, ls=(0, (4, 3)), zorder=2)
        ax.plot(fwd(centre + crit * grid), grid, color="black", lw=0.7, ls=(0, (4, 3)), zorder=2)
        ax.plot([float(fwd(centre))] * 2, [0.0, se_max], color="black", lw=0.8, zorder=2)
        pts = ax.scatter(fwd(result.yi), se, s=22, color="black", zorder=4, linewidths=0)
        pts.set_gid("studies")
        if fill_y.size:
            hollow = ax.scatter(fwd(fill_y), fill_se, s=22, facecolors="white",
                                edgecolors="black", linewidths=0.8, zorder=4)
            hollow.set_gid("filled-studies")
            handles += [Line2D([], [], ls="", marker="o", ms=4.5, color="black",
                               label="observed studies"),
                        Line2D([], [], ls="", marker="o", ms=4.5, mfc="white", mec="black",
                               label="imputed (trim-and-fill)")]
        if log:
            _log_ticks(ax, (float(fwd(lims[0])), float(fwd(lims[1]))))
        shown = info.reported_as if do_transform else info.label
        ax.set_xlabel(xlabel or (f"{shown[0].upper()}{shown[1:]}" + (" (log scale)" if log else "")))
        ax.set_ylabel("Standard error")
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        if handles:
            fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4),
                       frameon=False, fontsize=fontsize * 0.85, handlelength=1.2,
                       columnspacing=1.2)
        if title:
            fig.text(0.5, 0.97, title, ha="center", va="top", fontweight="bold")
        return save_figure(fig, path, fmt, dpi)
