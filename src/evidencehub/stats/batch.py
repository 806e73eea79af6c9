"""Fit thousands of meta-analyses at once: :func:`rma_batch`.

A living hub refits every analysis when a study lands. The analyses are packed into padded
2-D arrays (one row per analysis, a mask for the studies that exist) and fitted by
:func:`evidencehub.stats.models.fit_stack`, the same code :func:`~evidencehub.stats.rma`
runs for one analysis: the tau^2 iterations (REML/ML/EB Fisher scoring, PM and Q-profile
root finding) update all analyses together, and no Python loop runs over analyses. The
result is a compact :class:`BatchResult` of arrays; :meth:`BatchResult.results` turns it into
one :class:`~evidencehub.stats.MetaResult` per analysis when objects are needed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, pairwise
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats._validate import check_choice, check_level
from evidencehub.stats.heterogeneity import q_profile
from evidencehub.stats.measures import Measure, measure_info
from evidencehub.stats.models import StackFit, _resolve, assemble_result, fit_stack
from evidencehub.stats.results import MetaResult

__all__ = ["BatchResult", "pad", "rma_batch"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_FUNC = "rma_batch"


@dataclass(frozen=True, slots=True, eq=False)
class BatchResult:
    """Results of ``m`` intercept-only meta-analyses, as arrays of shape (m,).

    Attributes
    ----------
    names : tuple of str
        Analysis names (``"1"``, ``"2"``... when none were given).
    measure : Measure
        Effect-size measure shared by the analyses.
    method, test : str
        Estimator and test.
    level : float
        Confidence level in percent.
    k : ndarray of int
        Studies per analysis.
    estimate, se, stat, pval, ci_lb, ci_ub : ndarray
        Pooled estimate and its test (``stat`` is z, or t for Knapp-Hartung).
    df : ndarray
        ``k - 1`` for Knapp-Hartung, NaN for z.
    tau2, se_tau2 : ndarray
        Between-study variance and its SE (NaN for EE).
    tau2_ci_lb, tau2_ci_ub : ndarray
        Q-profile limits (NaN for EE, k = 1, or when not requested).
    I2, H2, QE, QEdf, QEp : ndarray
        Heterogeneity statistics.
    pi_lb, pi_ub : ndarray
        Prediction interval (NaN for EE).
    converged, tau2_truncated : ndarray of bool
        Diagnostics of the tau^2 estimation.
    n_iter : ndarray of int
        Iterations used.
    y, v : ndarray of shape (m, k_max)
        The padded data (left-aligned), kept for :meth:`results`.
    mask : ndarray of bool, shape (m, k_max)
        True where a study exists.
    fit : StackFit
        The underlying stacked fit.
    i2_definition : str
        ``"metafor"`` or ``"Q"``.
    studies : tuple of tuple of str, or None
        Study labels per analysis, if given.
    """

    names: tuple[str, ...]
    measure: Measure
    method: str
    test: str
    level: float
    k: NDArray[np.int64]
    estimate: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    df: FloatArray
    tau2: FloatArray
    se_tau2: FloatArray
    tau2_ci_lb: FloatArray
    tau2_ci_ub: FloatArray
    I2: FloatArray
    H2: FloatArray
    QE: FloatArray
    QEdf: FloatArray
    QEp: FloatArray
    pi_lb: FloatArray
    pi_ub: FloatArray
    converged: BoolArray
    tau2_truncated: BoolArray
    n_iter: NDArray[np.int64]
    y: FloatArray
    v: FloatArray
    mask: BoolArray
    fit: StackFit
    i2_definition: str
    studies: tuple[tuple[str, ...], ...] | None

    def __len__(self) -> int:
        return int(self.k.shape[0])

    def results(self) -> list[MetaResult]:
        """One :class:`MetaResult` per analysis (no refitting; the numbers are the batch's)."""
        out = []
        fixed = self.method in ("EE", "FE")
        for i in range(len(self)):
            k = int(self.k[i])
            y = self.y[i, :k].copy()
            v = self.v[i, :k].copy()
            labels = (self.studies[i] if self.studies is not None
                      else tuple(f"Study {j + 1}" for j in range(k)))
            ci = None if fixed or k < 2 else (float(self.tau2_ci_lb[i]), float(self.tau2_ci_ub[i]))
            out.append(assemble_result(
                self.fit, i, np.ones((k, 1)), ("intrcpt",), y, v, None, labels, self.measure,
                self.i2_definition, list(_notes(self, i)), False, None, ci,
            ))
        return out

    def to_dicts(self) -> list[dict[str, Any]]:
        """One compact dict per analysis (analysis scale), with its ``name``."""
        stat = "tval" if self.test == "knha" else "zval"
        rows = []
        for i, name in enumerate(self.names):
            row: dict[str, Any] = {"name": name, "k": int(self.k[i]), "method": self.method,
                                   "test": self.test}
            for field in ("estimate", "se"):
                row[field] = _num(getattr(self, field)[i])
            row[stat] = _num(self.stat[i])
            if self.test == "knha":
                row["df"] = _num(self.df[i])
            for field in ("pval", "ci_lb", "ci_ub", "tau2", "tau2_ci_lb", "tau2_ci_ub", "I2",
                          "H2", "QE", "QEp", "pi_lb", "pi_ub"):
                row[field] = _num(getattr(self, field)[i])
            rows.append(row)
        return rows


def _num(x: Any) -> float | None:
    value = float(x)
    return None if np.isnan(value) else value


def _notes(res: BatchResult, i: int) -> tuple[str, ...]:
    notes = []
    if res.k[i] == 1:
        notes.append("k = 1: tau^2 cannot be estimated and is set to 0")
    if res.test == "knha" and res.method in ("EE", "FE"):
        notes.append("the Knapp-Hartung method is not meant for the equal-effects model")
    if res.method not in ("EE", "FE") and res.k[i] > 1:
        if res.tau2_truncated[i]:
            notes.append("the tau^2 estimate was negative (or the likelihood is highest at 0) "
                         "and is set to 0")
        if not res.converged[i]:
            notes.append(f"the {res.method} estimator did not converge")
    return tuple(notes)


def pad(columns: Sequence[ArrayLike]) -> tuple[FloatArray, BoolArray]:
    """Stack ragged 1-D arrays into a left-aligned (m, k_max) array and its mask."""
    arrays = [np.asarray(c, dtype=np.float64).reshape(-1) for c in columns]
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    k_max = int(lengths.max()) if lengths.size else 0
    mask = np.arange(k_max)[None, :] < lengths[:, None]
    out = np.zeros((len(arrays), k_max))
    if arrays:
        out[mask] = np.concatenate(arrays)  # row-major order matches the concatenation
    return out, mask


def rma_batch(
    yi: Sequence[ArrayLike] | ArrayLike,
    vi: Sequence[ArrayLike] | ArrayLike,
    *,
    method: str | None = None,
    test: str = "z",
    level: float = 95.0,
    control: Mapping[str, float | str | None] | None = None,
    i2: str | None = None,
    convention: str | None = None,
    prediction: str | None = None,
    names: Sequence[Any] | None = None,
    studies: Sequence[Sequence[Any]] | None = None,
    measure: str | Measure | None = None,
    qprofile: bool = True,
) -> BatchResult:
    """Fit many intercept-only meta-analyses at once (vectorised across analyses).

    Parameters
    ----------
    yi, vi : sequence of array-like, or 2-D array of shape (m, k_max)
        One sequence of effect sizes / variances per analysis. A 2-D array may use NaN for
        absent studies (in both ``yi`` and ``vi``).
    method, test, level, control, i2, convention, prediction
        As in :func:`~evidencehub.stats.rma`.
    names : sequence, optional
        Analysis names (the ``by`` values of the CLI).
    studies : sequence of sequences, optional
        Study labels per analysis.
    measure : str, optional
        Measure of the effect sizes (default ``"GEN"``).
    qprofile : bool
        Compute the Q-profile confidence interval of tau^2 (vectorised as well).

    Raises
    ------
    InputError
        No analyses, an analysis without studies, non-finite values, negative variances,
        naming the analysis and the study.

    Warns
    -----
    StatsWarning
        One warning summarising the analyses with k = 1, truncated tau^2 or no convergence
        (the details are on each result).
    """
    meth, i2_name, pi_name = _resolve(method, i2, convention, prediction)
    check_choice(test, "test", ("z", "knha"), _FUNC)
    level = check_level(level, _FUNC)
    y, v, mask = _pack(yi, vi)
    m = y.shape[0]
    label = tuple(map(str, names if names is not None else range(1, m + 1)))
    if len(label) != m:
        raise InputError(f"'names' has {len(label)} entries for {m} analyses", source=_FUNC)
    k = mask.sum(axis=1)
    study_labels = None
    if studies is not None:
        study_labels = _labels(studies)
        if len(study_labels) != m:
            raise InputError(f"'studies' has {len(study_labels)} entries for {m} analyses",
                             source=_FUNC)
        wrong = np.flatnonzero(np.fromiter(map(len, study_labels), np.int64, m) != k)
        if wrong.size:
            i = int(wrong[0])
            raise InputError(f"analysis '{label[i]}': {len(study_labels[i])} study labels for "
                             f"{int(k[i])} studies", source=_FUNC)
    _check(y, v, mask, label, study_labels)
    X = mask[:, :, None].astype(np.float64)
    fit = fit_stack(y, v, mask, X, method=meth.value, test=test, level=level,
                    control=control, i2=i2_name, prediction=pi_name)
    tau2_lb = np.full(m, np.nan)
    tau2_ub = np.full(m, np.nan)
    if qprofile and not meth.is_fixed:
        rows = k > 1
        if rows.any():
            qp = q_profile(y[rows], np.where(mask[rows], v[rows], 1.0), mask[rows], X[rows],
                           fit.tau2.tau2[rows], fit.het.vt[rows], level)
            tau2_lb[rows], tau2_ub[rows] = qp.tau2_lb, qp.tau2_ub
    result = BatchResult(
        names=label, measure=measure_info(measure or "GEN").measure, method=meth.value,
        test=test, level=level, k=k, estimate=fit.beta[:, 0], se=fit.se[:, 0],
        stat=fit.stat[:, 0], pval=fit.pval[:, 0], ci_lb=fit.ci_lb[:, 0], ci_ub=fit.ci_ub[:, 0],
        df=fit.df, tau2=fit.tau2.tau2, se_tau2=fit.tau2.se_tau2, tau2_ci_lb=tau2_lb,
        tau2_ci_ub=tau2_ub, I2=fit.het.I2, H2=fit.het.H2, QE=fit.het.QE, QEdf=fit.het.QEdf,
        QEp=fit.het.QEp, pi_lb=fit.pi_lb, pi_ub=fit.pi_ub, converged=fit.tau2.converged,
        tau2_truncated=fit.tau2.truncated & (k > 1), n_iter=fit.tau2.n_iter, y=y, v=v,
        mask=mask, fit=fit, i2_definition=i2_name, studies=study_labels,
    )
    _warn(result, meth.is_fixed)
    return result


def _labels(studies: Sequence[Sequence[Any]]) -> tuple[tuple[str, ...], ...]:
    """Study labels as strings, per analysis (tuples of strings are kept as they are; others
    are made in one pass over all labels)."""
    if set(map(type, studies)) <= {tuple} and set(map(type, chain.from_iterable(studies))) <= {
            str}:
        return tuple(studies)  # type: ignore[arg-type]
    flat = list(map(str, chain.from_iterable(studies)))
    stops = accumulate(map(len, studies))
    return tuple(tuple(flat[a:b]) for a, b in pairwise(chain((0,), stops)))


def _pack(
    yi: Sequence[ArrayLike] | ArrayLike, vi: Sequence[ArrayLike] | ArrayLike
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Left-aligned padded arrays from ragged sequences or NaN-padded 2-D arrays."""
    if isinstance(yi, np.ndarray) and yi.ndim == 2:
        y2 = np.asarray(yi, dtype=np.float64)
        v2 = np.asarray(vi, dtype=np.float64)
        if y2.shape != v2.shape:
            raise InputError(f"'yi' has shape {y2.shape} but 'vi' has {v2.shape}", source=_FUNC)
        present = ~(np.isnan(y2) & np.isnan(v2))
        y_rows = [row[keep] for row, keep in zip(y2, present, strict=True)]
        v_rows = [row[keep] for row, keep in zip(v2, present, strict=True)]
    elif (packed := _pack_flat(yi, vi)) is not None:
        return packed
    else:
        y_rows = [np.asarray(r, dtype=np.float64).reshape(-1)
                  for r in yi]  # type: ignore[union-attr]
        v_rows = [np.asarray(r, dtype=np.float64).reshape(-1)
                  for r in vi]  # type: ignore[union-attr]
    if len(y_rows) == 0:
        raise InputError("no analyses to fit", source=_FUNC)
    if len(y_rows) != len(v_rows):
        raise InputError(f"{len(y_rows)} analyses in 'yi' but {len(v_rows)} in 'vi'",
                         source=_FUNC)
    for i, (a, b) in enumerate(zip(y_rows, v_rows, strict=True)):
        if a.shape != b.shape:
            raise InputError(f"analysis {i + 1}: 'yi' has {a.shape[0]} values but 'vi' has "
                             f"{b.shape[0]}", source=_FUNC)
    y, mask = pad(y_rows)
    v, _ = pad(v_rows)
    return y, np.where(mask, v, 1.0), mask


def _pack_flat(
    yi: Sequence[ArrayLike] | ArrayLike, vi: Sequence[ArrayLike] | ArrayLike
) -> tuple[FloatArray, FloatArray, BoolArray] | None:
    """:func:`_pack` by one concatenation per argument (no copy per analysis) for sequences
    of 1-D rows; None when the rows are not all 1-D, for the general path to handle."""
    try:
        k_y = np.fromiter(map(len, yi), dtype=np.int64)  # type: ignore[arg-type]
        k_v = np.fromiter(map(len, vi), dtype=np.int64)  # type: ignore[arg-type]
        if k_y.size == 0 or k_y.shape != k_v.shape or np.any(k_y != k_v):
            return None
        flat_y = np.concatenate(yi, dtype=np.float64)  # type: ignore[arg-type]
        flat_v = np.concatenate(vi, dtype=np.float64)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if flat_y.shape != (int(k_y.sum()),) or flat_v.shape != flat_y.shape:
        return None
    mask = np.arange(int(k_y.max()))[None, :] < k_y[:, None]
    y = np.zeros(mask.shape)
    v = np.ones(mask.shape)
    y[mask] = flat_y  # row-major order matches the concatenation
    v[mask] = flat_v
    return y, v, mask


def _check(
    y: FloatArray, v: FloatArray, mask: BoolArray, names: tuple[str, ...],
    studies: tuple[tuple[str, ...], ...] | None,
) -> None:
    empty = np.flatnonzero(mask.sum(axis=1) == 0)
    if empty.size:
        raise InputError(f"analysis '{names[int(empty[0])]}' has no studies (k = 0)",
                         source=_FUNC)
    for name, arr, bad_rule in (("yi", y, ~np.isfinite(y)),
                                ("vi", v, ~np.isfinite(v) | (v <= 0))):
        bad = np.argwhere(bad_rule & mask)
        if bad.size:
            i, j = (int(x) for x in bad[0])
            study = studies[i][j] if studies is not None else f"{j + 1}"
            what = "a positive finite number" if name == "vi" else "a finite number"
            raise InputError(f"'{name}' must be {what}; got {arr[i, j]!r}", source=_FUNC,
                             where=f"analysis '{names[i]}', study '{study}'")


def _warn(result: BatchResult, fixed: bool) -> None:
    single = int(np.sum(result.k == 1))
    truncated = 0 if fixed else int(np.sum(result.tau2_truncated))
    failed = 0 if fixed else int(np.sum(~result.converged & (result.k > 1)))
    parts = []
    if single:
        parts.append(f"{single} with k = 1 (tau^2 set to 0, the study's own estimate)")
    if truncated:
        parts.append(f"{truncated} with tau^2 truncated at 0")
    if failed:
        parts.append(f"{failed} where the {result.method} estimator did not converge")
    if parts:
        warnings.warn(f"rma_batch: {len(result)} analyses, " + "; ".join(parts), StatsWarning,
                      stacklevel=3)
