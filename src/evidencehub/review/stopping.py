"""Stopping: how much of the relevant literature screening has found, and whether to stop.

The criterion is the hypergeometric test of Callaghan & Müller-Hansen 2020, "Statistical
stopping criteria for automated screening in systematic reviews", Systematic Reviews 9:273
(doi:10.1186/s13643-020-01521-4). Screening stops when the null hypothesis "recall is below the
target τ" is rejected at level α = 1 − confidence:

* ``N`` records in the urn: those not yet screened when sampling began; ``n`` of them drawn
  so far, ``k`` of those relevant; ``r_AL`` relevant records found before sampling began and
  ``r_seen = r_AL + k`` found in all;
* if recall were below τ, the urn would have held at least ``K_tar = ⌊r_seen/τ − r_AL + 1⌋``
  relevant records (their eq. for the smallest number compatible with H0);
* ``p = P(X ≤ k)`` for ``X ~ Hypergeometric(N, K_tar, n)``: the chance of finding so few
  relevant records in the sample if H0 held. Stop when ``p < α``.

Two ways to get the sample (:func:`stopping_test`):

``random-sample``
    From some point (``sampled_from``) the screener is shown records drawn at random from the
    unscreened ones, as the paper prescribes; the test is exact.
``ranked-quasi-sample``
    No random sample yet: as in the authors' ``buscar`` package ("ranked quasi-sampling"), the
    last ``n`` records screened in priority order are treated as if drawn at random from the
    records unscreened before them, for every ``n``, and the smallest p is taken. This is
    conservative as long as the ranker puts relevant records ahead of a random order (then the
    last records screened hold more relevant ones than a random draw would, and p is larger
    than a random sample's); it is a heuristic, not an exact test, and says so in ``criterion``.

Recall so far: the point estimate assumes the unsampled rest of the urn is as rich in relevant
records as the sample, ``r_seen / (r_seen + k/n·(N − n))``; its lower confidence bound is
``r_seen / (r_AL + K_ub)``, with ``K_ub`` the largest number of relevant records in the urn
that the sample does not reject (``P(X ≤ k) ≥ α``). The test rejects H0 exactly when this bound
reaches τ, so the bound and the recommendation always agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from evidencehub.errors import InputError

__all__ = ["StoppingResult", "k_target", "stopping_test"]

Method = Literal["random-sample", "ranked-quasi-sample"]


def k_target(r_seen: int, r_al: int, target_recall: float) -> int:
    """The smallest number of relevant records the urn must have held for recall to be below
    ``target_recall``: ``⌊r_seen/τ − r_AL + 1⌋`` (Callaghan & Müller-Hansen 2020)."""
    # A tolerance keeps exact ratios (r_seen/τ an integer) from falling below by rounding.
    return math.floor(r_seen / target_recall - r_al + 1 + 1e-9)


@dataclass(frozen=True, slots=True)
class StoppingResult:
    """The recall estimate and the stopping recommendation.

    Attributes
    ----------
    method
        ``random-sample`` or ``ranked-quasi-sample`` (module docstring).
    n_records, n_screened
        Records in the review and records screened so far.
    n_included_seen
        Relevant records found so far (``r_seen``).
    urn_size, n_sampled, n_included_sampled
        ``N``, ``n`` and ``k`` of the test (for the quasi-sample: those of the smallest p).
    k_target
        ``K_tar``: relevant records the urn must have held under H0.
    p_value
        ``P(X ≤ k)`` under H0.
    target_recall, confidence
        τ and 1 − α.
    estimated_recall
        Point estimate of recall so far; ``None`` while nothing relevant has been found.
    recall_lower_bound
        The one-sided lower confidence bound of recall at ``confidence``; ``None`` while nothing
        relevant has been found.
    recommendation
        ``stop`` when H0 is rejected (``p_value < 1 − confidence``), else ``continue``.
    criterion
        The rule in words, with the numbers.
    """

    method: Method
    n_records: int
    n_screened: int
    n_included_seen: int
    urn_size: int
    n_sampled: int
    n_included_sampled: int
    k_target: int
    p_value: float
    target_recall: float
    confidence: float
    estimated_recall: float | None
    recall_lower_bound: float | None
    recommendation: Literal["stop", "continue"]
    criterion: str

    def to_dict(self) -> dict[str, Any]:
        """Every field under its own name, and ``summary`` (:meth:`summary`)."""
        return {**{name: getattr(self, name) for name in self.__slots__},
                "summary": self.summary()}

    def summary(self) -> str:
        """One line for people."""
        recall = ("no relevant record found yet" if self.estimated_recall is None else
                  f"estimated recall {self.estimated_recall:.1%} (at least "
                  f"{self.recall_lower_bound:.1%} with {self.confidence:.0%} confidence)")
        return f"{recall}; {self.recommendation}: {self.criterion}"


def stopping_test(included: Sequence[bool] | NDArray[np.bool_], n_records: int, *,
                  sampled_from: int | None = None, target_recall: float = 0.95,
                  confidence: float = 0.95) -> StoppingResult:
    """Test whether screening has reached ``target_recall``.

    Parameters
    ----------
    included
        The final decisions of the screened records, in the order they were screened (true:
        relevant; ``maybe`` counts as relevant).
    n_records
        Records in the review, screened or not.
    sampled_from
        The position in ``included`` from which records were drawn at random from the
        unscreened ones (``random-sample``); ``None`` when screening followed the priority order
        throughout (``ranked-quasi-sample``).
    target_recall, confidence
        τ and 1 − α, both strictly between 0 and 1.

    Raises
    ------
    InputError
        A target or confidence outside (0, 1), more screened records than records, or
        ``sampled_from`` outside the screened records.
    """
    y = np.asarray(included, dtype=bool)
    screened = int(y.size)
    if not 0 < target_recall < 1:
        raise InputError(f"target recall must be between 0 and 1, got {target_recall}",
                         source="stopping")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1, got {confidence}",
                         source="stopping")
    if screened > n_records:
        raise InputError(f"{screened} records screened, but the review has {n_records}",
                         source="stopping")
    if sampled_from is not None and not 0 <= sampled_from <= screened:
        raise InputError(f"random sampling began at record {sampled_from}, but only {screened} "
                         "are screened", source="stopping")
    r_seen = int(y.sum())
    if sampled_from is not None:
        n = np.array([screened - sampled_from])
        method: Method = "random-sample"
    else:
        n = np.arange(1, screened + 1)  # every tail of the screened sequence
        method = "ranked-quasi-sample"
    if n.size == 0 or n[-1] == 0:  # nothing sampled: nothing to test with
        n = np.array([0])
    k = np.cumsum(y[::-1])[n - 1] if n[-1] > 0 else np.zeros(1, dtype=np.int64)
    k = np.where(n == 0, 0, k)
    urn = n_records - screened + n
    r_al = r_seen - k
    k_tar = np.floor(r_seen / target_recall - r_al + 1 + 1e-9).astype(np.int64)
    p = _hypergeom_cdf(k, urn, k_tar, n)
    best = int(np.argmin(p))
    alpha = 1.0 - confidence
    n_b, k_b, urn_b, r_al_b = int(n[best]), int(k[best]), int(urn[best]), int(r_al[best])
    p_b = float(p[best])
    stop = p_b < alpha
    k_ub = _k_upper(k_b, urn_b, n_b, alpha)
    bound = None if r_seen == 0 else r_seen / (r_al_b + k_ub)
    estimate = None if r_seen == 0 or n_b == 0 else r_seen / (r_seen + k_b / n_b * (urn_b - n_b))
    criterion = (
        "hypergeometric test of Callaghan & Müller-Hansen 2020 on "
        + ("a random sample" if method == "random-sample" else
           "the last records screened in priority order, taken as a random sample (ranked "
           "quasi-sampling: conservative if the ranking beats random order)")
        + f": H0 'recall < {target_recall:g}' means at least {int(k_tar[best])} relevant among "
        f"the {urn_b} records unscreened before the sample; {k_b} in a sample of {n_b} gives "
        f"p = {p_b:.3g}, {'below' if stop else 'not below'} {alpha:.3g}")
    return StoppingResult(
        method=method, n_records=n_records, n_screened=screened, n_included_seen=r_seen,
        urn_size=urn_b, n_sampled=n_b, n_included_sampled=k_b, k_target=int(k_tar[best]),
        p_value=p_b, target_recall=target_recall, confidence=confidence,
        estimated_recall=estimate, recall_lower_bound=bound,
        recommendation="stop" if stop else "continue", criterion=criterion)


def _hypergeom_cdf(k: NDArray[np.int64], urn: NDArray[np.int64], successes: NDArray[np.int64],
                   n: NDArray[np.int64]) -> NDArray[np.float64]:
    """``P(X ≤ k)`` for ``X ~ Hypergeometric(urn, successes, n)`` (successes capped at urn)."""
    # scipy.stats costs 0.3 s to import; only a status or simulation that tests needs it.
    from scipy.stats import hypergeom

    return np.asarray(hypergeom.cdf(k, urn, np.minimum(successes, urn), n), dtype=np.float64)


def _k_upper(k: int, urn: int, n: int, alpha: float) -> int:
    """The largest number of relevant records in the urn with ``P(X ≤ k) ≥ alpha``: relevant
    records the sample cannot rule out (at least the ``k`` seen, at most ``urn − (n − k)``)."""
    candidates = np.arange(k, urn - (n - k) + 1, dtype=np.int64)
    p = _hypergeom_cdf(np.full_like(candidates, k), np.full_like(candidates, urn), candidates,
                       np.full_like(candidates, n))
    return int(candidates[p >= alpha].max())
