"""``evidencehub meta``: pool the studies of a CSV file, as metafor's ``escalc`` + ``rma``.

Thin: read the table (:mod:`evidencehub.stats.table`), compute effect sizes
(:func:`~evidencehub.stats.escalc`), fit (:func:`~evidencehub.stats.rma`, subgroup analysis,
leave-one-out, small-study tests), print JSON or a summary, draw plots on request.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from evidencehub.cli._common import JsonOption, console, err_console, print_json
from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import EffectSizes, MetaResult, escalc, measure_info, rma
from evidencehub.stats.measures import Measure, Scale
from evidencehub.stats.table import StudyTable, read_table

if TYPE_CHECKING:
    from evidencehub.stats.sensitivity import LeaveOneOutResult
    from evidencehub.stats.subgroups import SubgroupResult

__all__ = ["MetaOptions", "register"]

_MEASURES = ", ".join(m.value for m in Measure)


@dataclass(frozen=True, slots=True)
class MetaOptions:
    """The analysis asked for on the command line."""

    measure: str
    method: str | None = None
    test: str = "z"
    level: float = 95.0
    convention: str | None = None
    subgroup: str | None = None
    mods: str | None = None
    bias: bool = False
    leave1out: bool = False


@dataclass(frozen=True, slots=True)
class _Analysis:
    """The objects of one analysis, kept for printing and plotting."""

    by: str | None
    effects: EffectSizes
    fit: MetaResult
    subgroups: SubgroupResult | None
    bias: dict[str, Any] | None
    leave1out: LeaveOneOutResult | None
    notes: tuple[str, ...]


def _fit_options(opts: MetaOptions) -> dict[str, Any]:
    return {"method": opts.method, "test": opts.test, "level": opts.level,
            "convention": opts.convention}


def _bias(fit: MetaResult) -> dict[str, Any]:
    """Egger's test, Begg's rank correlation, trim-and-fill and fail-safe N."""
    from evidencehub.stats.bias import fsn, ranktest, regtest, trimfill

    return {"regtest": regtest(fit), "ranktest": ranktest(fit), "trimfill": trimfill(fit),
            "fsn": fsn(fit.yi, fit.vi)}


def _moderator(table: StudyTable, column: str) -> list[float] | list[str]:
    """A moderator column: numbers when every cell is one (continuous), else text (factor)."""
    texts = [t for t in table.text(column) if t is not None]
    try:
        return [float(t) for t in texts]
    except ValueError:
        return texts


def _analyse(table: StudyTable, opts: MetaOptions, by: str | None) -> _Analysis:
    notes: list[str] = []
    if opts.mods is not None:
        values = table.text(opts.mods, "given with --mods")
        missing = [n for v, n in zip(values, table.row_numbers, strict=True) if v is None]
        if missing:
            rows = ", ".join(str(n) for n in missing)
            notes.append(f"rows {rows} have no value of '{opts.mods}' and were left out "
                         "(as metafor does)")
            table = table.subset(i for i, v in enumerate(values) if v is not None)
    inputs = table.effect_inputs(opts.measure)
    es = escalc(opts.measure, study=table.study(), **inputs)  # type: ignore[arg-type]
    mods: dict[str, Any] | None = None
    if opts.mods is not None:
        mods = {opts.mods: _moderator(table, opts.mods)}
    fit = rma(es, mods=mods, **_fit_options(opts))
    subgroups = None
    if opts.subgroup is not None:
        from evidencehub.stats.subgroups import subgroup_analysis

        groups = table.text(opts.subgroup, "given with --subgroup")
        subgroups = subgroup_analysis(es, groups=groups, group_name=opts.subgroup,
                                      **_fit_options(opts))
    plain = fit if mods is None else rma(es, **_fit_options(opts))
    bias = _bias(plain) if opts.bias else None
    loo = None
    if opts.leave1out:
        from evidencehub.stats.sensitivity import leave1out

        loo = leave1out(plain)
    return _Analysis(by, es, fit, subgroups, bias, loo, (*es.notes, *notes))


def _batch(parts: list[tuple[str, StudyTable]], opts: MetaOptions) -> list[_Analysis]:
    """Plain analyses per ``--by`` value, fitted in one vectorised call (``rma_batch``)."""
    from evidencehub.stats.batch import rma_batch

    effects = [escalc(opts.measure, study=part.study(),
                      **part.effect_inputs(opts.measure))  # type: ignore[arg-type]
               for _, part in parts]
    batch = rma_batch([e.yi for e in effects], [e.vi for e in effects],
                      names=[value for value, _ in parts], studies=[e.study for e in effects],
                      measure=opts.measure, **_fit_options(opts))
    # rma_batch takes no sample sizes; the PFT back-transformation needs each analysis' ni
    return [_Analysis(value, es, replace(fit, ni=es.ni), None, None, None, es.notes)
            for (value, _), es, fit in zip(parts, effects, batch.results(), strict=True)]


def _as_dict(a: _Analysis) -> dict[str, Any]:
    out: dict[str, Any] = {"by": a.by} if a.by is not None else {}
    out.update(a.fit.to_dict())
    out["notes"] = list(a.notes)
    if a.subgroups is not None:
        out["subgroup"] = a.subgroups.to_dict()
    if a.bias is not None:
        out["bias"] = {name: r.to_dict() for name, r in a.bias.items()}
    if a.leave1out is not None:
        out["leave1out"] = a.leave1out.to_dict()
    return out


def _run(table: StudyTable, opts: MetaOptions, by: str | None = None) -> list[_Analysis]:
    """Fit the analysis, or one analysis per value of column ``by`` (first-appearance order)."""
    measure_info(opts.measure)
    if by is None:
        return [_analyse(table, opts, None)]
    parts, left_out = table.split(by, "given with --by")
    if opts.subgroup is None and opts.mods is None and not opts.bias and not opts.leave1out:
        analyses = _batch(parts, opts)
    else:
        analyses = [_analyse(part, opts, value) for value, part in parts]
    if left_out:
        warnings.warn(f"rows {', '.join(map(str, left_out))} have no value of '{by}' and were "
                      "left out", StatsWarning, stacklevel=2)
    return analyses


# -- human output -----------------------------------------------------------------------------
def _block(text: str) -> None:
    """Print a plain-text summary as it is (no markup, no wrapping), then a blank line."""
    console.print(text.rstrip("\n") + "\n", markup=False, highlight=False, soft_wrap=True)


def _print_human(a: _Analysis, by_column: str | None) -> None:
    from evidencehub.publish.plots import study_intervals

    fit = a.fit
    info = measure_info(fit.measure)
    transform = info.scale is not Scale.RAW and (info.scale is not Scale.FREEMAN_TUKEY
                                                 or fit.ni is not None)
    shown = info.reported_as if transform else info.label
    if a.by is not None:
        console.rule(f"[bold]{by_column} = {a.by}[/bold]")
    if fit.p == 1:
        est, lb, ub = study_intervals(fit, transform)
        table = Table(title=f"{shown[0].upper()}{shown[1:]} per study", title_justify="left")
        table.add_column("Study")
        table.add_column(f"Estimate [{fit.level:g}% CI]", justify="right")
        table.add_column("Weight", justify="right")
        for j, label in enumerate(fit.study):
            table.add_row(label, f"{est[j]:.3f} [{lb[j]:.3f}, {ub[j]:.3f}]",
                          f"{fit.weights[j]:.1f}%")
        console.print(table)
    _block(fit.summary())
    if a.subgroups is not None:
        _block(a.subgroups.summary())
    for result in (a.bias or {}).values():
        _block(result.summary())
    if a.leave1out is not None:
        _block(a.leave1out.summary())
    for note in a.notes:
        console.print(f"Note: {note}", markup=False, highlight=False, soft_wrap=True)


# -- plots ------------------------------------------------------------------------------------
def _plot_path(path: Path, by: str | None) -> Path:
    if by is None:
        return path
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", by).strip("_") or "blank"
    return path.with_name(f"{path.stem}-{slug}{path.suffix}")


def _draw(a: _Analysis, forest: Path | None, funnel: Path | None) -> list[Path]:
    from evidencehub.publish.plots import forest_plot, funnel_plot

    written = []
    if forest is not None:
        if a.fit.p > 1:
            raise InputError("a forest plot needs a model without moderators; drop --mods",
                             source="--plot")
        target = _plot_path(forest, a.by)
        if a.subgroups is not None:
            forest_plot(a.subgroups.overall, subgroups=a.subgroups, path=target)
        else:
            forest_plot(a.fit, path=target)
        written.append(target)
    if funnel is not None:
        trimfill = a.bias["trimfill"] if a.bias is not None else None
        fit = a.fit if a.fit.p == 1 else rma(a.effects, method=a.fit.method, test=a.fit.test)
        target = _plot_path(funnel, a.by)
        funnel_plot(fit, trimfill=trimfill, contours=True, path=target)
        written.append(target)
    return written


# -- the command ------------------------------------------------------------------------------
def _open_table(data: Path) -> StudyTable:
    try:
        with data.open(encoding="utf-8-sig", newline="") as fh:
            return read_table(fh, source=data.name)
    except FileNotFoundError:
        raise InputError("no such file", source=str(data)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a CSV file", source=str(data)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                         source=data.name) from None


def meta(
    data: Annotated[Path, typer.Argument(help="CSV file: one row per study, columns named as "
                                              "escalc's arguments (study, ai, bi, ci, di, n1i, "
                                              "n2i, m1i, m2i, sd1i, sd2i, xi, ni, mi, sdi, ri, "
                                              "yi, vi, sei).", show_default=False)],
    measure: Annotated[str, typer.Option("--measure", "-m", help=f"Effect measure: {_MEASURES}.",
                                         show_default=False)],
    method: Annotated[str | None, typer.Option(
        "--method", help="tau² estimator: EE (common effect), DL, REML, ML, PM, HE, SJ, EB, HS. "
        "Default REML (DL with --convention revman).", show_default=False)] = None,
    test: Annotated[str, typer.Option("--test", help="z, or knha (Knapp-Hartung t tests).")] = "z",
    subgroup: Annotated[str | None, typer.Option(
        "--subgroup", help="Column of subgroups: one model per subgroup, the test for subgroup "
        "differences (RevMan) and the moderator model (metafor).", show_default=False)] = None,
    mods: Annotated[str | None, typer.Option(
        "--mods", help="Column of a moderator for a meta-regression (numbers: continuous; "
        "text: categorical).", show_default=False)] = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Column: fit one analysis per value (e.g. follow-up time).",
        show_default=False)] = None,
    bias: Annotated[bool, typer.Option(
        "--bias", help="Egger's regression test, Begg's rank test, trim-and-fill, fail-safe N."
    )] = False,
    leave1out: Annotated[bool, typer.Option("--leave1out", help="Leave-one-out analysis.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Write a forest plot (.svg or .png); with --by one file per value.",
        show_default=False)] = None,
    funnel: Annotated[Path | None, typer.Option(
        "--funnel", help="Write a contour-enhanced funnel plot (.svg or .png).",
        show_default=False)] = None,
    level: Annotated[float, typer.Option("--level", help="Confidence level in percent.")] = 95.0,
    convention: Annotated[str | None, typer.Option(
        "--convention", help="metafor (REML, metafor's I²) or revman (DerSimonian-Laird, "
        "Q-based I²); explicit --method wins.", show_default=False)] = None,
    json: JsonOption = False,
) -> None:
    """Meta-analysis of a CSV file, with metafor's measures, estimators and names.

    JSON keys are metafor's (k, estimate, se, zval, pval, ci_lb, ci_ub, tau2, I2, H2, QE, QEp,
    pi_lb, pi_ub, studies...); ratio measures stay on the log scale in JSON and are
    back-transformed in the printed summary. Docs: docs/meta-cli.md.

    Example:  evidencehub meta trials.csv --measure OR --method DL --subgroup region --plot forest.svg
    """
    opts = MetaOptions(measure=measure, method=method, test=test, level=level,
                       convention=convention, subgroup=subgroup, mods=mods, bias=bias,
                       leave1out=leave1out)
    table = _open_table(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        analyses = _run(table, opts, by)
        written = [p for a in analyses for p in _draw(a, plot, funnel)]
    if json:
        docs = [_as_dict(a) for a in analyses]
        print_json(docs if by is not None else docs[0])
    else:
        for a in analyses:
            _print_human(a, by)
    for path in written:
        err_console.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
    for message in dict.fromkeys(str(w.message) for w in caught):
        err_console.print(f"note: {message}", markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``meta`` to the command line."""
    app.command("meta")(meta)
