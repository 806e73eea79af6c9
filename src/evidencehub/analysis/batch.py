"""Pool many analyses that share their settings at once: :func:`pool_batch`.

The analyses come as one set of input columns with a group code per row (the ``--by`` column
of ``evidencehub meta``, or the analyses a store holds). Effect sizes are computed for all
rows in one :func:`~evidencehub.stats.escalc` call and split by analysis; every analysis is
fitted in one :func:`~evidencehub.stats.batch.rma_batch` call (two with the model rule: the
common-effect fit of all analyses, then the random-effects fit of those the rule sends to
it). :meth:`PooledBatch.to_dicts` writes the JSON of every analysis straight from the batch
arrays, with the same content as :meth:`~evidencehub.analysis.pooling.Pooled.to_dict` of each
analysis fitted alone (tested), and :meth:`PooledBatch.pooled` builds those objects when they
are needed (summaries, plots).

Only where the effect sizes need per-analysis bookkeeping is there a loop over analyses:
when ``escalc`` records notes (zero cells, which name the studies of each analysis), the
effect sizes are recomputed analysis by analysis; the Mantel-Haenszel and Peto poolers, which
have no batch form in :mod:`evidencehub.stats`, run :func:`~evidencehub.analysis.pool` per
analysis.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, pairwise
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.analysis.pooling import Pooled, pool, random_method
from evidencehub.analysis.rule import RuleDecision, decide, goes_random
from evidencehub.analysis.settings import PoolSettings
from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import EffectSizes, escalc
from evidencehub.stats.batch import BatchResult, rma_batch

__all__ = ["PooledBatch", "pool_batch"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class _Fitted:
    """One ``rma_batch`` call and the positions (in the batch) of the analyses it fitted."""

    result: BatchResult
    analyses: IntArray


@dataclass(frozen=True, slots=True, eq=False)
class PooledBatch:
    """Many pooled analyses with the same settings.

    Attributes
    ----------
    settings : PoolSettings
        The settings of every analysis.
    names : tuple of str
        Analysis names (the ``--by`` values), in order.
    effects : EffectSizes
        Effect sizes of every row, analysis after analysis (:meth:`effect_sizes` gives one
        analysis' own, with its notes).
    bounds : tuple of int
        Analysis ``a`` holds the rows ``bounds[a]:bounds[a + 1]`` of ``effects``.
    notes : tuple of tuple of str
        What ``escalc`` did to each analysis' data (zero-cell additions...).
    fitted : tuple
        The ``rma_batch`` results and which analyses each holds (empty for MH and PETO).
    singles : tuple of Pooled
        The analyses pooled one by one (MH and PETO), else empty.
    rules : tuple of RuleDecision or None
        The model rule's decision per analysis (None without a rule).
    """

    settings: PoolSettings
    names: tuple[str, ...]
    effects: EffectSizes
    bounds: tuple[int, ...]
    notes: tuple[tuple[str, ...], ...]
    fitted: tuple[_Fitted, ...]
    singles: tuple[Pooled, ...]
    rules: tuple[RuleDecision | None, ...]

    def __len__(self) -> int:
        return len(self.names)

    def effect_sizes(self, a: int) -> EffectSizes:
        """The effect sizes of analysis ``a`` (views of :attr:`effects`) and its notes."""
        lo, hi, e = self.bounds[a], self.bounds[a + 1], self.effects
        return EffectSizes(e.yi[lo:hi], e.vi[lo:hi], e.measure, e.study[lo:hi],
                           None if e.ni is None else e.ni[lo:hi], self.notes[a])

    def pooled(self) -> list[Pooled]:
        """One :class:`Pooled` per analysis (no refitting; the numbers are the batch's)."""
        if self.singles:
            return list(self.singles)
        out: list[Pooled | None] = [None] * len(self)
        for part in self.fitted:
            for a, fit in zip(part.analyses.tolist(), part.result.results(), strict=True):
                es = self.effect_sizes(a)
                # rma_batch takes no sample sizes; the PFT back-transformation needs them
                fit = replace(fit, ni=es.ni)
                out[a] = Pooled(self.settings, es, fit, fit.study, fit.yi, fit.vi, fit.weights,
                                None, self.rules[a], es.notes)
        return [p for p in out if p is not None]

    def to_dicts(self, name_key: str | None = None) -> list[dict[str, Any]]:
        """The JSON of every analysis, as :meth:`Pooled.to_dict` gives it, built from arrays;
        with ``name_key`` each dict starts with the analysis name under that key."""
        if self.singles:
            return [({name_key: name} if name_key else {}) | p.to_dict()
                    for name, p in zip(self.names, self.singles, strict=True)]
        out: list[dict[str, Any]] = [{} for _ in range(len(self))]
        for part in self.fitted:
            rows = part.analyses.tolist()
            first = None if name_key is None else (name_key, [self.names[a] for a in rows])
            for a, row in zip(rows, _result_dicts(part.result, first), strict=True):
                out[a] = row
        for a, row in enumerate(out):
            rule = self.rules[a]
            if rule is not None:
                row["model_rule"] = rule.to_dict()
            row["notes"] = list(self.notes[a])
        return out


def pool_batch(
    inputs: Mapping[str, ArrayLike],
    study: Sequence[str] | None,
    groups: ArrayLike,
    names: Sequence[str],
    settings: PoolSettings,
) -> PooledBatch:
    """Pool every analysis of a stacked table at once.

    Parameters
    ----------
    inputs : mapping of str to array-like
        Input columns (metafor's ``escalc`` names) of all rows.
    study : sequence of str, optional
        Study label of each row (``"Study 1"``, ... within each analysis if omitted).
    groups : array-like of int
        Analysis of each row: an index into ``names``. Rows keep their order within an
        analysis.
    names : sequence of str
        Analysis names; every analysis needs at least one row.
    settings : PoolSettings
        Shared by all analyses.

    Returns
    -------
    PooledBatch

    Raises
    ------
    InputError
        Bad input data (naming the study and the column), or an analysis without rows.
    """
    codes = np.asarray(groups, dtype=np.int64)
    m = len(names)
    if m == 0:
        raise InputError("no analyses to pool", source="pool_batch")
    sizes = np.bincount(codes, minlength=m) if codes.size else np.zeros(m, dtype=np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= m):
        raise InputError("every row needs an analysis index between 0 and "
                         f"{m - 1}", source="pool_batch")
    empty = np.flatnonzero(sizes == 0)
    if empty.size:
        raise InputError(f"analysis '{names[int(empty[0])]}' has no rows", source="pool_batch")
    grouped = bool(np.all(codes[1:] >= codes[:-1]))  # rows already in analysis order
    order = None if grouped else np.argsort(codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    columns = {name: np.asarray(value, dtype=np.float64) for name, value in inputs.items()}
    if order is not None:
        columns = {name: value[order] for name, value in columns.items()}
    if study is None:
        labels = [f"Study {j + 1}" for size in sizes.tolist() for j in range(size)]
    else:
        labels = list(map(str, study))
        if order is not None:
            labels = [labels[i] for i in order.tolist()]
    parts = [(bounds[a], bounds[a + 1]) for a in range(m)]
    names = tuple(str(n) for n in names)
    if settings.pooler is not None:
        singles = tuple(pool({c: v[lo:hi] for c, v in columns.items()}, labels[lo:hi],
                             settings) for lo, hi in parts)
        whole, kept, notes = _joined([p.effects for p in singles])
        return PooledBatch(settings, names, whole, kept, notes, (), singles, (None,) * m)
    whole, kept, notes = _effect_sizes(columns, labels, parts, settings)
    fitted, rules = _fit(whole, kept, names, settings)
    return PooledBatch(settings, names, whole, kept, notes, fitted, (), rules)


_Split = tuple[EffectSizes, tuple[int, ...], tuple[tuple[str, ...], ...]]


def _effect_sizes(columns: Mapping[str, FloatArray], labels: list[str],
                  parts: list[tuple[int, int]], settings: PoolSettings) -> _Split:
    """escalc of all rows at once (no object per analysis); per analysis when escalc records
    notes (they name the studies of one analysis). Returns the effect sizes of every row, the
    bounds of each analysis and its notes."""
    measure = settings.measure
    whole = escalc(measure, study=labels, **columns)  # type: ignore[arg-type]
    if whole.notes:
        return _joined([escalc(measure, study=labels[lo:hi],
                               **{c: v[lo:hi] for c, v in columns.items()})  # type: ignore[arg-type]
                        for lo, hi in parts])
    return whole, (*(lo for lo, _ in parts), parts[-1][1]), ((),) * len(parts)


def _joined(each: Sequence[EffectSizes]) -> _Split:
    """Effect sizes of several analyses as one (rows in order), their bounds and notes."""
    sizes = [e.k for e in each]
    ni = [e.ni for e in each]
    whole = EffectSizes(
        np.concatenate([e.yi for e in each]), np.concatenate([e.vi for e in each]),
        each[0].measure, tuple(s for e in each for s in e.study),
        None if any(n is None for n in ni) else np.concatenate(ni), ())  # type: ignore[arg-type]
    return whole, (0, *accumulate(sizes)), tuple(e.notes for e in each)


def _fit(effects: EffectSizes, bounds: tuple[int, ...], names: tuple[str, ...],
         settings: PoolSettings) -> tuple[tuple[_Fitted, ...], tuple[RuleDecision | None, ...]]:
    options: dict[str, Any] = {"test": settings.test, "level": settings.level,
                               "convention": settings.convention,
                               "measure": settings.measure}
    m = len(names)
    everyone = np.arange(m, dtype=np.int64)
    spans = list(pairwise(bounds))
    yi = [effects.yi[lo:hi] for lo, hi in spans]
    vi = [effects.vi[lo:hi] for lo, hi in spans]
    study = [effects.study[lo:hi] for lo, hi in spans]

    def batch(rows: IntArray, method: str | None) -> _Fitted:
        chosen = rows.tolist()
        result = rma_batch([yi[a] for a in chosen], [vi[a] for a in chosen], method=method,
                           names=[names[a] for a in chosen], studies=[study[a] for a in chosen],
                           **options)
        return _Fitted(result, rows)

    if settings.model_rule is None:
        return (batch(everyone, settings.method),), (None,) * m
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        common = batch(everyone, "EE")
    method = random_method(settings)
    res = common.result
    go = goes_random(res.I2, res.QEp)
    rules = tuple(decide(settings.model_rule, float(res.I2[a]), float(res.QE[a]),
                         int(res.QEdf[a]), float(res.QEp[a]), method) for a in range(m))
    if not go.any():
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=3)
        return (common,), rules
    parts = [batch(everyone[go], method)]
    if not go.all():  # the common-effect fits the rule keeps (closed form: refitting is cheap)
        parts.append(batch(everyone[~go], "EE"))
    return tuple(parts), rules


def _none(values: list[float]) -> list[float | None]:
    return [None if v != v else v for v in values]  # NaN is the only value unequal to itself


def _result_dicts(b: BatchResult, first: tuple[str, list[str]] | None = None,
                  ) -> list[dict[str, Any]]:
    """``MetaResult.to_dict()`` of every analysis of ``b``, from its arrays (no objects);
    ``first = (key, values)`` puts ``key: value`` at the head of each dict.

    Each dict is made in one call from lists of plain numbers (one ``tolist()`` per field);
    the keys are ``MetaResult.to_dict()``'s, in its order."""
    fixed = b.method in ("EE", "FE")
    m = len(b)
    k = b.k.tolist()
    knha = ((b.test == "knha") & np.isfinite(b.df)).tolist()
    df = np.where(np.isfinite(b.df), b.df, 0).astype(np.int64).tolist()
    se_tau2 = [None] * m if fixed else _none(b.se_tau2.tolist())
    no_ci = [True] * m if fixed else (b.k < 2).tolist()  # no Q-profile interval
    t_lb = [None if c else x for x, c in zip(b.tau2_ci_lb.tolist(), no_ci, strict=True)]
    t_ub = [None if c else x for x, c in zip(b.tau2_ci_ub.tolist(), no_ci, strict=True)]
    notes = _warnings(b)
    mask = b.mask
    study = ([s for row in b.studies for s in row] if b.studies is not None else
             [f"Study {j + 1}" for kk in k for j in range(kk)])
    rows = [{"study": s, "yi": y, "vi": v, "weight": w} for s, y, v, w in zip(
        study, b.y[mask].tolist(), b.v[mask].tolist(), b.fit.weights[mask].tolist(),
        strict=True)]
    bounds = np.concatenate([[0], np.cumsum(b.k)]).tolist()
    measure, method = b.measure.value, b.method
    fields = zip(range(m), k, knha, df, b.estimate.tolist(), b.se.tolist(), b.stat.tolist(),
                 b.pval.tolist(), b.ci_lb.tolist(), b.ci_ub.tolist(), b.tau2.tolist(), se_tau2,
                 t_lb, t_ub, b.I2.tolist(), b.H2.tolist(), b.QE.tolist(),
                 b.QEdf.astype(np.int64).tolist(), b.QEp.tolist(), _none(b.pi_lb.tolist()),
                 _none(b.pi_ub.tolist()), strict=True)
    lead, names = ((), [()] * m) if first is None else ((first[0],), [(v,) for v in first[1]])
    tail = ("pval", "ci_lb", "ci_ub", "tau2", "se_tau2", "tau2_ci_lb", "tau2_ci_ub", "I2", "H2",
            "QE", "QEdf", "QEp", "pi_lb", "pi_ub", "studies", "warnings")
    keys = {False: (*lead, "k", "measure", "method", "test", "estimate", "se", "zval", *tail),
            True: (*lead, "k", "measure", "method", "test", "estimate", "se", "tval", "df",
                   *tail)}
    out: list[dict[str, Any]] = []
    for (i, ki, t, dfi, est, se, stat, pval, lb, ub, tau2, set2, tlb, tub, i2, h2, qe, qedf,
         qep, plb, pub) in fields:
        test = ("knha", est, se, stat, dfi) if t else ("z", est, se, stat)
        out.append(dict(zip(keys[t], (
            *names[i], ki, measure, method, *test, pval, lb, ub, tau2, set2, tlb, tub, i2, h2,
            qe, qedf, qep, plb, pub, rows[bounds[i]:bounds[i + 1]], notes[i]), strict=True)))
    return out


def _warnings(b: BatchResult) -> list[list[str]]:
    """The ``warnings`` of each analysis' :class:`~evidencehub.stats.MetaResult`, as
    :meth:`BatchResult.results` records them (k = 1, Knapp-Hartung with EE, tau² truncated,
    no convergence); checked against ``results()`` in the tests."""
    fixed = b.method in ("EE", "FE")
    single = b.k == 1
    flagged = single.copy()
    if b.test == "knha" and fixed:
        flagged[:] = True
    if not fixed:
        flagged |= (b.k > 1) & (b.tau2_truncated | ~b.converged)
    out: list[list[str]] = [[] for _ in range(len(b))]
    for i in np.flatnonzero(flagged).tolist():
        notes = []
        if single[i]:
            notes.append("k = 1: tau^2 cannot be estimated and is set to 0")
        if b.test == "knha" and fixed:
            notes.append("the Knapp-Hartung method is not meant for the equal-effects model")
        if not fixed and b.k[i] > 1:
            if b.tau2_truncated[i]:
                notes.append("the tau^2 estimate was negative (or the likelihood is highest "
                             "at 0) and is set to 0")
            if not b.converged[i]:
                notes.append(f"the {b.method} estimator did not converge")
        out[i] = notes
    return out
