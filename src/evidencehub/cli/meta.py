"""``evidencehub meta``: pool the studies of a CSV file, as metafor's ``escalc`` + ``rma``
(or ``rma.mh`` / ``rma.peto``).

Thin: check the options and the plot paths, read the file, call
:func:`evidencehub.analysis.meta_report`, print its JSON or summaries, draw plots on request.
Imports of numpy, scipy and matplotlib wait until the command runs.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidencehub.cli._common import JsonOption, console, no_cyclic_gc
from evidencehub.errors import InputError, StatsWarning

if TYPE_CHECKING:
    from evidencehub.analysis import Analysis, CsvTable, MetaOptions, MetaReport, PoolSettings

__all__ = ["MEASURE_CODES", "register"]

#: The measures of :class:`evidencehub.stats.measures.Measure`, spelled out so that ``--help``
#: needs no numpy (a test checks that the two agree).
MEASURE_CODES = ("OR", "RR", "RD", "PETO", "MD", "SMD", "SMDH", "ROM", "PR", "PLO", "PAS", "PFT",
                 "MN", "MC", "SMCR", "SMCC", "COR", "ZCOR", "GEN")
_PLOT_SUFFIXES = (".svg", ".png")


# -- checks before any data are read -----------------------------------------------------------
def _check_plot_path(path: Path | None, option: str) -> None:
    """Refuse a plot path with an unknown extension or in a place that cannot be written."""
    if path is None:
        return
    if path.suffix.lower() not in _PLOT_SUFFIXES:
        shown = repr(path.suffix) if path.suffix else "none"
        raise InputError(f"unknown plot format ({shown}); the file name must end in .svg or "
                         ".png", source=option)
    parent = path.parent
    if not parent.is_dir():
        raise InputError(f"cannot write {path}: no such directory '{parent}'", source=option)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory", source=option)
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"cannot write {path}: permission denied", source=option)


def _check_plots(plot: Path | None, funnel: Path | None, settings: PoolSettings,
                 options: MetaOptions) -> None:
    for path, option in ((plot, "--plot"), (funnel, "--funnel")):
        if path is None:
            continue
        if settings.pooler is not None:
            raise InputError(f"plots of --method {settings.pooler} results are not available; "
                             f"drop {option}, or pool with --method EE to plot the "
                             "inverse-variance common-effect model", source=option)
        _check_plot_path(path, option)
    if plot is not None and options.mods is not None:
        raise InputError("a forest plot needs a model without moderators; drop --mods",
                         source="--plot")


def _open_table(data: Path) -> CsvTable:
    from evidencehub.analysis import read_csv

    try:
        text = data.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", source=str(data)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a CSV file", source=str(data)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                         source=data.name) from None
    return read_csv(text, source=data.name)


# -- human output -----------------------------------------------------------------------------
def _block(text: str) -> None:
    """Print a plain-text summary as it is (no markup, no wrapping), then a blank line."""
    console.print(text.rstrip("\n") + "\n", markup=False, highlight=False, soft_wrap=True)


def _number(x: float) -> str:
    return "NA" if x != x else f"{x:.3f}"


def _print_human(a: Analysis, by_column: str | None) -> None:
    from rich.table import Table

    pooled = a.pooled
    if a.by is not None:
        console.rule(f"[bold]{by_column} = {a.by}[/bold]")
    if not pooled.is_meta_result or pooled.fit.p == 1:  # type: ignore[union-attr]
        transform = pooled.transformable
        shown = pooled.scale_label(transform)
        table = Table(title=f"{shown[0].upper()}{shown[1:]} per study", title_justify="left")
        table.add_column("Study")
        table.add_column(f"Estimate [{pooled.level:g}% CI]", justify="right")
        table.add_column("Weight", justify="right")
        for row in pooled.study_rows(transform):
            table.add_row(row.study, f"{_number(row.estimate)} [{_number(row.ci_lb)}, "
                          f"{_number(row.ci_ub)}]", f"{row.weight:.1f}%")
        console.print(table)
    _block(a.summary())


def _write_json(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


# -- plots ------------------------------------------------------------------------------------
def _plot_path(path: Path, by: str | None) -> Path:
    if by is None:
        return path
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", by).strip("_") or "blank"
    return path.with_name(f"{path.stem}-{slug}{path.suffix}")


def _save(target: Path, option: str, draw: Callable[[], object]) -> Path:
    try:
        draw()
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}", source=option) from None
    return target


def _draw(report: MetaReport, forest: Path | None, funnel: Path | None) -> list[Path]:
    if forest is None and funnel is None:
        return []
    from evidencehub.publish.plots import forest_plot, funnel_plot
    from evidencehub.stats import MetaResult

    written = []
    for a in report.analyses():
        if forest is not None:
            target = _plot_path(forest, a.by)
            sub = a.pooled.subgroups
            fit = a.pooled.fit
            assert isinstance(fit, MetaResult)  # _check_plots refused MH and PETO
            draw = (partial(forest_plot, sub.overall, subgroups=sub, path=target)
                    if sub is not None else partial(forest_plot, fit, path=target))
            written.append(_save(target, "--plot", draw))
        if funnel is not None:
            target = _plot_path(funnel, a.by)
            trimfill = a.bias.trimfill if a.bias is not None else None
            written.append(_save(target, "--funnel", partial(
                funnel_plot, a.funnel_fit(), trimfill=trimfill, contours=True, path=target)))
    return written


# -- the command ------------------------------------------------------------------------------
def meta(
    data: Annotated[Path, typer.Argument(help="CSV file: one row per study, columns named as "
                                              "escalc's arguments (study, ai, bi, ci, di, n1i, "
                                              "n2i, m1i, m2i, sd1i, sd2i, xi, ni, mi, sdi, ri, "
                                              "yi, vi, sei).", show_default=False)],
    measure: Annotated[str, typer.Option(
        "--measure", "-m", help=f"Effect measure: {', '.join(MEASURE_CODES)}.",
        show_default=False)],
    method: Annotated[str | None, typer.Option(
        "--method", help="EE (common effect), a tau² estimator (DL, REML, ML, PM, HE, SJ, EB, "
        "HS), MH (Mantel-Haenszel; OR, RR, RD) or PETO (Peto's odds ratio; OR). Default REML "
        "(DL with --convention revman).", show_default=False)] = None,
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
    model_rule: Annotated[str | None, typer.Option(
        "--model-rule", help="i2-q: random effects when the common-effect I² > 50% and the Q "
        "test's P < 0.10, else the common-effect model; the choice is reported.",
        show_default=False)] = None,
    json: JsonOption = False,
) -> None:
    """Meta-analysis of a CSV file, with metafor's measures, estimators and names.

    JSON keys are metafor's (k, estimate, se, zval, pval, ci_lb, ci_ub, tau2, I2, H2, QE, QEp,
    pi_lb, pi_ub, studies...; CMH, BD and TA tests with --method MH); ratio measures stay on
    the log scale in JSON and are back-transformed in the printed summary. Docs:
    docs/meta-cli.md.

    Example:  evidencehub meta trials.csv --measure OR --method DL --subgroup region --plot forest.svg
    """
    with no_cyclic_gc():
        from evidencehub.analysis import MetaOptions, PoolSettings, meta_report

        settings = PoolSettings(measure, method=method, test=test,  # type: ignore[arg-type]
                                level=level, convention=convention, model_rule=model_rule)
        options = MetaOptions(subgroup=subgroup, mods=mods, by=by, bias=bias,
                              leave1out=leave1out)
        _check_plots(plot, funnel, settings, options)
        table = _open_table(data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatsWarning)
            report = meta_report(table, settings, options)
            written = _draw(report, plot, funnel)
        if json:
            _write_json(report.to_json())
        else:
            for a in report.analyses():
                _print_human(a, by)
    # plain lines (typer.echo): with --json nothing else needs rich's console
    for path in written:
        typer.echo(f"wrote {path}", err=True)
    for message in dict.fromkeys(str(w.message) for w in caught):
        typer.echo(f"note: {message}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``meta`` to the command line."""
    app.command("meta")(meta)
