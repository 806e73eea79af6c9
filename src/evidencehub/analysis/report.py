"""The workflow of ``evidencehub meta`` as one object: :func:`meta_report` → :class:`MetaReport`.

From a table of study rows and the command's options it runs one analysis, or one per value
of a ``by`` column, each with the optional subgroup analysis, meta-regression on one
moderator, small-study tests (Egger, Begg, trim-and-fill, fail-safe N) and leave-one-out
analysis, and keeps every object for printing and plotting. ``to_dict()`` and ``to_json()``
give the JSON of the command (a list with ``by``; metafor's names), ``summary()`` its text.

Plain ``by`` analyses (no subgroup, moderator, bias or leave-one-out) are pooled together by
:func:`evidencehub.analysis.batch.pool_batch`; the others one by one with
:func:`evidencehub.analysis.pool`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from evidencehub.analysis.batch import PooledBatch, pool_batch
from evidencehub.analysis.pooling import Pooled, pool
from evidencehub.analysis.settings import PoolSettings
from evidencehub.analysis.table import CsvTable
from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import MetaResult, rma

if TYPE_CHECKING:
    from evidencehub.stats.bias import FailSafeN, RankTest, RegTest, TrimFill
    from evidencehub.stats.sensitivity import LeaveOneOutResult

__all__ = ["Analysis", "BiasTests", "MetaOptions", "MetaReport", "meta_report"]

_SOURCE = "meta"


@dataclass(frozen=True, slots=True)
class MetaOptions:
    """What ``evidencehub meta`` runs besides the pooled analysis.

    Attributes
    ----------
    subgroup : str or None
        Column of subgroups: one model per subgroup and the tests of their difference.
    mods : str or None
        Column of a moderator for a meta-regression (numbers: continuous; text: categorical).
    by : str or None
        Column: one analysis per value, in order of first appearance.
    bias : bool
        Egger's regression test, Begg's rank test, trim-and-fill, fail-safe N.
    leave1out : bool
        Leave-one-out analysis.
    """

    subgroup: str | None = None
    mods: str | None = None
    by: str | None = None
    bias: bool = False
    leave1out: bool = False

    @property
    def plain(self) -> bool:
        """True when nothing but the pooled analysis is asked for (so ``by`` can batch)."""
        return (self.subgroup is None and self.mods is None and not self.bias
                and not self.leave1out)


@dataclass(frozen=True, slots=True)
class BiasTests:
    """Small-study tests of one analysis (metafor ``regtest``, ``ranktest``, ``trimfill``,
    ``fsn``; see :mod:`evidencehub.stats.bias`)."""

    regtest: RegTest
    ranktest: RankTest
    trimfill: TrimFill
    fsn: FailSafeN

    def to_dict(self) -> dict[str, Any]:
        """``{regtest, ranktest, trimfill, fsn}``."""
        return {"regtest": self.regtest.to_dict(), "ranktest": self.ranktest.to_dict(),
                "trimfill": self.trimfill.to_dict(), "fsn": self.fsn.to_dict()}

    def summary(self) -> str:
        """The four summaries, one block each."""
        return "\n".join(r.summary().rstrip("\n") + "\n" for r in
                         (self.regtest, self.ranktest, self.trimfill, self.fsn))


@dataclass(frozen=True, slots=True)
class Analysis:
    """One analysis of the report.

    Attributes
    ----------
    by : str or None
        The value of the ``by`` column (None without ``by``).
    pooled : Pooled
        The pooled analysis (with its subgroup analysis, when asked for).
    bias : BiasTests or None
        Small-study tests, when asked for.
    leave1out : LeaveOneOutResult or None
        Leave-one-out analysis, when asked for.
    intercept_only : MetaResult or None
        With moderators and small-study tests or leave-one-out: the fit without moderators,
        which those analyses use.
    """

    by: str | None
    pooled: Pooled
    bias: BiasTests | None
    leave1out: LeaveOneOutResult | None
    intercept_only: MetaResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON of the analysis: ``by``, the pooled result, ``bias``, ``leave1out``."""
        out: dict[str, Any] = {"by": self.by} if self.by is not None else {}
        out.update(self.pooled.to_dict())
        if self.bias is not None:
            out["bias"] = self.bias.to_dict()
        if self.leave1out is not None:
            out["leave1out"] = self.leave1out.to_dict()
        return out

    def funnel_fit(self) -> MetaResult:
        """The intercept-only fit a funnel plot shows: the pooled fit, or with moderators the
        fit without them (fitted here when no small-study test or leave-one-out needed it)."""
        fit = self.pooled.fit
        if not isinstance(fit, MetaResult):
            raise InputError("a funnel plot needs an inverse-variance fit", source="--funnel")
        if fit.p == 1:
            return fit
        if self.intercept_only is not None:
            return self.intercept_only
        s = self.pooled.settings
        return rma(self.pooled.effects, method=fit.method, test=s.test, level=s.level,
                   convention=s.convention)

    def summary(self) -> str:
        """The pooled summary, then the small-study tests, leave-one-out and notes."""
        parts = [self.pooled.summary()]
        if self.bias is not None:
            parts.append(self.bias.summary())
        if self.leave1out is not None:
            parts.append(self.leave1out.summary().rstrip("\n") + "\n")
        text = "\n".join(parts)
        if self.pooled.notes:
            text += "\n" + "".join(f"Note: {n}\n" for n in self.pooled.notes)
        return text


@dataclass(frozen=True, slots=True, eq=False)
class MetaReport:
    """Everything ``evidencehub meta`` computed.

    Attributes
    ----------
    settings : PoolSettings
        Measure, method, test, level, convention and model rule.
    options : MetaOptions
        Subgroup, moderator, ``by`` column, bias and leave-one-out.
    single : tuple of Analysis
        The analyses fitted one by one (empty when ``batch`` holds them).
    batch : PooledBatch or None
        Plain ``by`` analyses pooled together.
    left_out : tuple of int
        Row numbers without a value of the ``by`` column (not analysed).
    """

    settings: PoolSettings
    options: MetaOptions
    single: tuple[Analysis, ...]
    batch: PooledBatch | None
    left_out: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.batch) if self.batch is not None else len(self.single)

    def analyses(self) -> tuple[Analysis, ...]:
        """Every analysis as objects (those of a batch are built here, without refitting)."""
        if self.batch is None:
            return self.single
        return tuple(Analysis(name, pooled, None, None)
                     for name, pooled in zip(self.batch.names, self.batch.pooled(), strict=True))

    def to_dict(self) -> dict[str, Any] | list[dict[str, Any]]:
        """The command's JSON: one analysis as a dict, or a list with ``by``."""
        if self.batch is not None:
            return self.batch.to_dicts(name_key="by")
        docs = [a.to_dict() for a in self.single]
        return docs if self.options.by is not None else docs[0]

    def to_json(self) -> bytes:
        """:meth:`to_dict` as strict JSON (NaN and infinities as ``null``), indented, UTF-8,
        newline-terminated; the same document ``json.dumps(to_dict(), indent=2,
        default=str)`` describes, written by orjson (about 60x faster than ``json.dumps``
        and 3x faster than pydantic-core on 10,000 analyses; numpy numbers are written as
        numbers, any other unknown value as its ``str``)."""
        import orjson

        return orjson.dumps(self.to_dict(), default=str, option=orjson.OPT_INDENT_2
                            | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE)

    def summary(self) -> str:
        """Every analysis' summary, headed by its ``by`` value (deterministic)."""
        blocks = []
        for a in self.analyses():
            head = f"== {self.options.by} = {a.by} ==\n\n" if a.by is not None else ""
            blocks.append(head + a.summary())
        return "\n".join(blocks)


def meta_report(table: CsvTable, settings: PoolSettings,
                options: MetaOptions | None = None) -> MetaReport:
    """Run the analyses of ``evidencehub meta`` on a table of study rows.

    Parameters
    ----------
    table : CsvTable
        The rows (columns named as ``escalc``'s arguments).
    settings : PoolSettings
        How to pool.
    options : MetaOptions, optional
        Subgroup, moderator, ``by`` column, bias and leave-one-out.

    Raises
    ------
    InputError
        Options that cannot be combined with the method, a missing column, or bad data
        (naming the row and the column).

    Warns
    -----
    StatsWarning
        Rows without a ``by`` value (left out), and the edge cases of the fits.
    """
    opts = options or MetaOptions()
    _check(settings, opts)
    if opts.by is None:
        return MetaReport(settings, opts, (_analyse(table, settings, opts, None),), None, ())
    groups = table.groups(opts.by, "given with --by")
    if not groups.values:
        raise InputError(f"every row has an empty cell in column '{opts.by}' given with --by",
                         source=table.source)
    rows, codes = table, groups.codes
    if groups.left_out:
        kept = (codes >= 0).nonzero()[0]
        rows, codes = table.take(kept), codes[kept]
    if opts.plain:
        batch = pool_batch(rows.effect_inputs(settings.effects_measure), rows.study(), codes,
                           groups.values, settings)
        report = MetaReport(settings, opts, (), batch, groups.left_out)
    else:
        analyses = tuple(_analyse(rows.take((codes == g).nonzero()[0]), settings, opts, value)
                         for g, value in enumerate(groups.values))
        report = MetaReport(settings, opts, analyses, None, groups.left_out)
    if groups.left_out:
        warnings.warn(f"rows {', '.join(map(str, groups.left_out))} have no value of "
                      f"'{opts.by}' and were left out", StatsWarning, stacklevel=2)
    return report


def _check(settings: PoolSettings, opts: MetaOptions) -> None:
    """Refuse options the method cannot have, in one line, before reading any data."""
    if settings.pooler is not None:
        for flag, given in (("--subgroup", opts.subgroup is not None),
                            ("--mods", opts.mods is not None), ("--bias", opts.bias),
                            ("--leave1out", opts.leave1out)):
            if given:
                raise InputError(f"--method {settings.pooler} cannot be combined with {flag}: "
                                 f"{flag} needs an inverse-variance model (--method EE, DL, "
                                 "REML...)", source=_SOURCE)
    if settings.model_rule is not None and opts.mods is not None:
        raise InputError(f"--model-rule {settings.model_rule} cannot be combined with --mods: "
                         "the rule chooses between models without moderators", source=_SOURCE)


def _moderator(table: CsvTable, column: str) -> list[float] | list[str]:
    """A moderator column: numbers when every cell is one (continuous), else text (factor)."""
    texts = [t for t in table.text(column) if t is not None]
    try:
        return [float(t) for t in texts]
    except ValueError:
        return texts


def _analyse(table: CsvTable, settings: PoolSettings, opts: MetaOptions,
             by: str | None) -> Analysis:
    notes: list[str] = []
    mods: Mapping[str, list[float] | list[str]] | None = None
    if opts.mods is not None:
        values = table.text(opts.mods, "given with --mods")
        missing = [n for v, n in zip(values, table.row_numbers.tolist(), strict=True)
                   if v is None]
        if missing:
            notes.append(f"rows {', '.join(map(str, missing))} have no value of '{opts.mods}' "
                         "and were left out (as metafor does)")
            table = table.take([i for i, v in enumerate(values) if v is not None])
        mods = {opts.mods: _moderator(table, opts.mods)}
    subgroup = None
    if opts.subgroup is not None:
        subgroup = table.text(opts.subgroup, "given with --subgroup")
    pooled = pool(table.effect_inputs(settings.effects_measure), table.study(), settings,
                  subgroup=subgroup, subgroup_name=opts.subgroup or "group", mods=mods)
    if notes:
        pooled = replace(pooled, notes=(*pooled.notes, *notes))
    plain = intercept_only = None
    if isinstance(pooled.fit, MetaResult):
        plain = pooled.fit
        if mods is not None and (opts.bias or opts.leave1out):
            plain = intercept_only = rma(pooled.effects, method=plain.method,
                                         test=settings.test, level=settings.level,
                                         convention=settings.convention)
    bias = _bias(plain) if opts.bias and plain is not None else None
    loo = None
    if opts.leave1out and plain is not None:
        from evidencehub.stats.sensitivity import leave1out

        loo = leave1out(plain)
    return Analysis(by, pooled, bias, loo, intercept_only)


def _bias(fit: MetaResult) -> BiasTests:
    """Egger's test, Begg's rank correlation, trim-and-fill and fail-safe N."""
    from evidencehub.stats.bias import fsn, ranktest, regtest, trimfill

    return BiasTests(regtest(fit), ranktest(fit), trimfill(fit), fsn(fit.yi, fit.vi))
