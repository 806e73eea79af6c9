"""The context of one analysis on a page: its stored run, in the words of the vocabulary.

Pure: a stored :class:`~evidencehub.model.AnalysisRun` (read back as a
:class:`~evidencehub.analysis.run.RunResult`, never refitted) and the analysis's settings in, a
plain dict out. Numbers are on the scale people read (odds ratios, not log odds ratios); the
measure's name, the model, the confidence level and the arms' labels come from
:mod:`evidencehub.vocab` and the stored analysis, never from the template. Each row carries the
(outcome-data id, version) pairs it was built from and a link to where its numbers come from
(the run's trace page).

An analysis that names the systematic review its studies came from gets a PRISMA section: the
review's flow diagram (:func:`prisma_svg`, a plot file like the forest and funnel plots) and
its counts box by box in words (:meth:`evidencehub.review.prisma.PrismaFlow.sections`). Only
counts, the sources searched and the criteria of exclusions are shown: never a record's title
or a reviewer's name.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from evidencehub.analysis.run import RunResult, RunRow
from evidencehub.model import Analysis, AnalysisRun, Outcome
from evidencehub.vocab import Family, OutcomeDirection, interval_label, measure_terms

if TYPE_CHECKING:
    from pathlib import Path

    from evidencehub.publish.snapshot import ReviewFlow
    from evidencehub.review.prisma import PrismaFlow

__all__ = ["FUNNEL_MIN_K", "analysis_context", "forest_svg", "funnel_key", "funnel_svg",
           "prisma_context", "prisma_key", "prisma_svg", "trace_path"]

#: Fewest pooled studies a funnel plot is drawn for (with fewer there is no funnel to see).
FUNNEL_MIN_K = 3


def trace_path(run_id: int) -> str:
    """Site-relative path of a run's trace page ("where these numbers come from")."""
    return f"trace/run-{run_id}.html"


def _reported(analysis: Analysis, values: list[float | None], ni: Any = None) -> list[float | None]:
    """Values on the reported scale (exp for ratios, inverse logit…); None stays None."""
    from evidencehub.stats.measures import back_transform

    if measure_terms(analysis.measure).scale.value == "raw":
        return values
    present = [v for v in values if v is not None]
    if not present:
        return values
    try:
        out = iter(back_transform(analysis.measure, present, ni).tolist())
    except ValueError:  # PFT without sample sizes: stay on the analysis scale
        return values
    return [None if v is None else next(out) for v in values]


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _row(analysis: Analysis, row: RunRow, run_id: int, study_path: str | None) -> dict[str, Any]:
    est, lb, ub = _reported(analysis, [row.yi, row.ci_lb, row.ci_ub])
    return {
        "study_key": row.study_key, "label": row.study_label, "path": study_path,
        "experimental": row.experimental, "control": row.control,
        "value_kind": row.value_kind, "inputs": dict(row.inputs),
        "estimate": est, "ci_lb": lb, "ci_ub": ub, "weight": row.weight,
        "pooled": row.pooled, "note": row.note, "subgroup": row.subgroup,
        "data": [list(pair) for pair in row.data],
        "trace": f"{trace_path(run_id)}#study-{row.study_key}",
    }


def _fit(analysis: Analysis, fit: dict[str, Any] | None) -> dict[str, Any] | None:
    if fit is None:
        return None
    ni = fit.get("ni")
    est, lb, ub, pi_lb, pi_ub = _reported(
        analysis, [_finite(fit.get(k)) for k in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")],
        ni,
    )
    return {
        "k": fit["k"], "estimate": est, "ci_lb": lb, "ci_ub": ub, "pi_lb": pi_lb, "pi_ub": pi_ub,
        "pval": fit.get("pval"), "tau2": fit.get("tau2"), "I2": fit.get("I2"),
        "QE": fit.get("QE"), "QEp": fit.get("QEp"), "warnings": list(fit.get("warnings", [])),
        "analysis_scale": {k: fit.get(k) for k in ("estimate", "se", "ci_lb", "ci_ub")},
    }


def _favours(analysis: Analysis, outcome: Outcome | None) -> tuple[str, str] | None:
    """("Favours X", "Favours Y") captions left and right of the null line, when the outcome
    says which way is better (for events, fewer is better unless it says otherwise)."""
    if not analysis.comparison.control or outcome is None or outcome.direction is None:
        return None
    exp = " or ".join(analysis.comparison.experimental)
    ctl = " or ".join(analysis.comparison.control)
    lower_better = outcome.direction is OutcomeDirection.LOWER_IS_BETTER
    return (f"Favours {exp}", f"Favours {ctl}") if lower_better else (
        f"Favours {ctl}", f"Favours {exp}")


def analysis_context(
    analysis: Analysis,
    run: AnalysisRun | None,
    outcome: Outcome | None,
    study_paths: dict[str, str],
    *,
    page_path: str | None = None,
    review: ReviewFlow | None = None,
) -> dict[str, Any]:
    """The dict an analysis section of a page renders (module docstring); ``review`` is the
    review the analysis names, with its flow."""
    terms = measure_terms(analysis.measure)
    comparison = analysis.comparison
    result = RunResult.from_dict(run.result) if run is not None else None
    rows = [] if result is None or run is None or run.id is None else [
        _row(analysis, r, run.id, study_paths.get(r.study_key)) for r in result.rows
    ]
    fit = _fit(analysis, result.fit) if result is not None else None
    level = analysis.level
    funnel = _funnel(result)
    return {
        "slug": analysis.slug,
        "anchor": f"analysis-{analysis.slug}",
        "path": None if page_path is None else f"{page_path}#analysis-{analysis.slug}",
        "title": analysis.title,
        "description": analysis.description,
        "outcome": analysis.outcome,
        "unit": outcome.unit if outcome else None,
        "direction": outcome.direction.value if outcome and outcome.direction else None,
        "experimental": list(comparison.experimental),
        "control": list(comparison.control),
        "experimental_label": " or ".join(comparison.experimental),
        "control_label": " or ".join(comparison.control),
        "comparison_label": comparison.label,
        "family": "binary" if terms.family in (Family.TWO_BY_TWO, Family.PROPORTION)
        else "continuous",
        "two_groups": bool(comparison.control),
        "measure": analysis.measure.value,
        "measure_name": terms.name,
        "reported_as": terms.reported_as,
        "is_ratio": terms.is_ratio,
        "null": terms.null,
        "value_kind": analysis.value_kind.value if analysis.value_kind else None,
        "method": result.method if result else analysis.method.value,
        "method_label": _method_label(result.method if result else analysis.method.value),
        "test": analysis.test.value,
        "test_label": analysis.test.label,
        "level": level,
        "ci_label": interval_label(level),
        "pi_label": interval_label(level, "PI"),
        "fitted": result is not None,
        "run_id": run.id if run else None,
        "fitted_at": run.created_at.isoformat() if run else None,
        "software": run.software if run else None,
        "trace_path": trace_path(run.id) if run and run.id is not None else None,
        "fit": fit,
        "model_rule": result.model_rule if result else None,
        "not_pooled_reason": result.not_pooled_reason if result else "not run yet",
        "notes": list(result.notes) if result else [],
        "pooled_rows": [r for r in rows if r["pooled"]],
        "other_rows": [r for r in rows if not r["pooled"]],
        "forest_plot": f"plots/{analysis.slug}.svg" if result and result.meta_result() else None,
        "favours": list(_favours(analysis, outcome) or ()),
        "funnel_plot": f"plots/{funnel_key(analysis.slug)}.svg" if funnel else None,
        "funnel_key": funnel_key(analysis.slug),
        "funnel_points": funnel,
        "prisma": None if review is None else prisma_context(analysis.slug, review),
    }


def prisma_key(slug: str) -> str:
    """The name of the PRISMA flow diagram of an analysis's review among the site's plots
    (``plots/<key>.svg``); a slug has no dot, so it never clashes with another plot's."""
    return f"{slug}.prisma"


def prisma_context(slug: str, review: ReviewFlow) -> dict[str, Any]:
    """The PRISMA section of analysis ``slug``: the review, where its diagram is, every box's
    count (``counts``: :meth:`~evidencehub.review.prisma.PrismaFlow.to_dict`, the PRISMA2020 R
    package's names) and the flow in words (``sections``)."""
    return {
        "review": review.slug,
        "review_title": review.title,
        "plot": f"plots/{prisma_key(slug)}.svg",
        "plot_key": prisma_key(slug),
        "in_progress": review.flow.in_progress,
        "counts": review.flow.to_dict(),
        "sections": [section.to_dict() for section in review.flow.sections()],
    }


def _inline_svg(svg: bytes | Path) -> str:
    """A drawing made with ``fmt="svg"`` and no ``path`` (its bytes) as SVG text to inline in
    a page: from the ``<svg`` element on, without the XML declaration and doctype."""
    assert isinstance(svg, bytes)
    text = svg.decode("utf-8")
    return text[text.index("<svg"):]


def prisma_svg(flow: PrismaFlow) -> str:
    """The PRISMA 2020 flow diagram of a review as SVG text without the XML declaration
    (:func:`evidencehub.publish.prisma_plot.prisma_plot`: Page et al. 2021, BMJ 372:n71,
    figure 1)."""
    from evidencehub.publish import prisma_plot

    return _inline_svg(prisma_plot.prisma_plot(flow, fmt="svg"))


def funnel_key(slug: str) -> str:
    """The name of an analysis's funnel plot among the site's plots (``plots/<key>.svg``); a
    slug has no dot, so it never clashes with a forest plot's."""
    return f"{slug}.funnel"


def _funnel(result: RunResult | None) -> list[dict[str, Any]]:
    """The points of the funnel plot: each pooled study's effect and standard error on the
    analysis scale (``yi``, ``sei`` = sqrt(``vi``)), exactly the numbers the plot draws."""
    if result is None or result.meta_result() is None:
        return []
    points = [{"study_key": r.study_key, "yi": r.yi, "sei": math.sqrt(r.vi)}
              for r in result.rows if r.pooled and r.yi is not None and r.vi is not None]
    return points if len(points) >= FUNNEL_MIN_K else []


def funnel_svg(analysis: Analysis, run: AnalysisRun) -> str | None:
    """The funnel plot of a stored run as inline SVG (no XML declaration): pooled studies'
    effects against their standard errors with pseudo 95 % limits around the pooled estimate
    (Sterne & Egger 2001, :func:`evidencehub.publish.plots.funnel_plot`), drawn from the stored
    numbers; None when fewer than :data:`FUNNEL_MIN_K` studies were pooled by an
    inverse-variance fit."""
    from evidencehub.publish.plots import funnel_plot

    result = RunResult.from_dict(run.result)
    fit = result.meta_result()
    if fit is None or not _funnel(result):
        return None
    terms = measure_terms(analysis.measure)
    return _inline_svg(funnel_plot(fit, xlabel=f"{terms.name} in {analysis.outcome}",
                                   width=5.0, height=4.0, fontsize=10.0, fmt="svg"))


def _method_label(method: str) -> str:
    from evidencehub.vocab import Method

    return Method(method).label


def forest_svg(analysis: Analysis, run: AnalysisRun, outcome: Outcome | None) -> str | None:
    """The forest plot of a stored run as inline SVG (no XML declaration), drawn from the
    stored numbers; None when the run pooled nothing or is not an inverse-variance fit."""
    from evidencehub.publish.plots import forest_plot

    result = RunResult.from_dict(run.result)
    fit = result.meta_result()
    if fit is None:
        return None
    terms = measure_terms(analysis.measure)
    what = f"{terms.name} in {analysis.outcome}"
    if analysis.comparison.control:
        what += f" ({' or '.join(analysis.comparison.experimental)} − " \
                f"{' or '.join(analysis.comparison.control)})"
    favours = _favours(analysis, outcome)
    return _inline_svg(forest_plot(fit, xlabel=what, favours=favours, width=9.0, fmt="svg"))
