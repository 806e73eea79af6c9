"""How well a screening order finds the included records: recall@x %, WSS@r, ATD.

The definitions are those of ASReview's ``asreview metrics`` (package ``asreview-insights``,
whose functions ``_recall_values``, ``_wss_values`` and ``_time_to_discovery`` generate the
reference values of ``tests/reference/asreview``) and of Ferdinands et al. 2023, "Performance of
active learning models for screening prioritization in systematic reviews: a simulation study
into the Average Time to Discover relevant records", Systematic Reviews 12:100
(doi:10.1186/s13643-023-02257-7). Prior records are not screened records: ``labels`` is the
sequence of labels of the records *after* the priors, in the order they were presented, and the
inclusions among the priors count neither as found nor as to be found.

With ``n`` records screened and ``n_pos`` of them included:

* recall@p — the share of the ``n_pos`` found among the first ``⌊p·n⌋`` records (the last
  ``i`` with ``i/n ≤ p``), 0 when that is none;
* WSS@r (work saved over sampling; Cohen et al. 2006, JAMIA 13:206, in ASReview's form) —
  ``(t_random(k) − t(k)) / n`` for the largest ``k`` with ``k/n_pos ≤ r`` (at least 1), where
  ``t(k)`` is the 0-based position at which the ``k``-th inclusion is found and ``t_random(k)``
  the same on the straight line ``round(linspace(0, n_pos, n))`` of screening in random order;
* TD and ATD (time to discovery) — the 1-based position among the screened records at which
  each inclusion is found; ATD is their mean, in records screened (as ``asreview metrics``
  reports it); ``atd_fraction`` is ATD over ``n``, the proportion Ferdinands et al. report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evidencehub.errors import InputError

__all__ = ["Labels", "ScreeningMetrics", "atd", "recall_at", "screening_metrics", "time_to_discovery",
           "wss_at"]


#: Labels in screening order: true (or 1) for an included record.
Labels = Sequence[bool] | Sequence[int] | NDArray[np.bool_] | NDArray[np.int64]


def _labels(labels: Labels) -> NDArray[np.int64]:
    arr = np.asarray(labels, dtype=np.int64)
    if arr.ndim != 1 or arr.size == 0:
        raise InputError("expected a non-empty sequence of labels", source="screening metrics")
    if int(arr.sum()) == 0:
        raise InputError("no included record among the screened records (priors aside): "
                         "recall, WSS and ATD are undefined", source="screening metrics")
    return arr


def recall_at(labels: Labels, share: float) -> float:
    """Recall after screening the share ``share`` (0-1) of the records (ASReview's recall)."""
    y = _labels(labels)
    n = y.size
    x = np.arange(1, n + 1) / n
    i = int(np.searchsorted(x, share, side="right"))
    return 0.0 if i == 0 else float(np.cumsum(y)[i - 1] / y.sum())


def wss_at(labels: Labels, level: float) -> float:
    """Work saved over sampling at recall ``level`` (0-1), in ASReview's form."""
    y = _labels(labels)
    n, n_pos = y.size, int(y.sum())
    k = np.arange(1, n_pos + 1)
    found = np.searchsorted(np.cumsum(y), k)
    found_random = np.searchsorted(np.round(np.linspace(0, n_pos, n)), k)
    i = max(1, int(np.searchsorted(k / n_pos, level, side="right")))
    return float((found_random[i - 1] - found[i - 1]) / n)


def time_to_discovery(labels: Labels) -> NDArray[np.int64]:
    """The 1-based position, among the screened records, of each included record."""
    y = _labels(labels)
    return np.flatnonzero(y) + 1


def atd(labels: Labels) -> float:
    """Average time to discovery, in records screened (Ferdinands et al. 2023)."""
    return float(time_to_discovery(labels).mean())


@dataclass(frozen=True, slots=True)
class ScreeningMetrics:
    """The metrics of one screening order (priors excluded).

    Attributes
    ----------
    n_screened, n_included
        Records screened after the priors, and how many of them are included.
    recall_10
        Recall after screening 10 % of them.
    wss_95
        Work saved over sampling at 95 % recall.
    atd
        Average time to discovery, in records screened.
    atd_fraction
        ``atd / n_screened``.
    """

    n_screened: int
    n_included: int
    recall_10: float
    wss_95: float
    atd: float
    atd_fraction: float

    def to_dict(self) -> dict[str, Any]:
        """The keys of the ``review simulate`` contract (``wss@95``, ``recall@10%``, ``atd``)
        and the counts."""
        return {"wss@95": self.wss_95, "recall@10%": self.recall_10, "atd": self.atd,
                "atd_fraction": self.atd_fraction, "n_screened": self.n_screened,
                "n_included": self.n_included}


def screening_metrics(labels: Labels) -> ScreeningMetrics:
    """All metrics of the labels of the records screened after the priors, in order.

    Raises
    ------
    InputError
        No labels, or no inclusion among them.
    """
    y = _labels(labels)
    mean_td = atd(y)
    return ScreeningMetrics(int(y.size), int(y.sum()), recall_at(y, 0.10), wss_at(y, 0.95),
                            mean_td, mean_td / y.size)
