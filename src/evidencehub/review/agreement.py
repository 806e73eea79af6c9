"""Agreement between two reviewers who screened the same records at one stage.

:func:`screening_agreement` takes the two reviewers' labels on the same records (include,
exclude or maybe; :class:`~evidencehub.vocab.ScreeningLabel`) and returns a
:class:`ScreeningAgreement` with two analyses of the same decisions:

* ``labels`` — the three labels as three categories, so "include" against "maybe" counts as a
  disagreement;
* ``binary`` — "include or maybe" against "exclude": whether the record goes on to the next
  stage. Covidence computes its inter-rater reliability this way ("'maybe' votes are counted
  as 'yes' votes"), and it is the disagreement that changes the flow, since a final ``maybe``
  goes on to full text.

Each analysis (:class:`Agreement`, also available on any square table through
:func:`agreement_from_table`) reports:

* the percent agreement;
* Cohen's kappa (Cohen 1960, Educ Psychol Meas 20:37) with its large-sample standard error
  of Fleiss, Cohen & Everitt (1969, Psychol Bull 72:323), the non-null SE that Fleiss, Levin &
  Paik (2003, *Statistical Methods for Rates and Proportions*, 3rd ed., eq. 18.13) give and
  statsmodels' ``cohens_kappa`` computes, and the Wald interval ``kappa ± z·SE``;
* PABAK, the prevalence-adjusted bias-adjusted kappa of Byrt, Bishop & Carlin (1993, J Clin
  Epidemiol 46:423), ``(q·po − 1)/(q − 1)`` for ``q`` categories (``2·po − 1`` for two), which
  is Brennan & Prediger's (1981) coefficient;
* Gwet's AC1 (Gwet 2008, Br J Math Stat Psychol 61:29) with the variance of that paper for
  two raters (no finite-population correction) and the interval
  ``AC1 ± t(n − 1)·SE`` of Gwet's *Handbook of Inter-Rater Reliability* (4th ed., 2014), as
  the irrCAC package computes it (checked against irrCAC 0.4.4 in the tests).

Chance agreement for kappa and AC1 counts every category of the scale, used or not: the
label analysis always has three categories, the binary one two.

Edge cases, each reported with a reason in ``kappa_note`` / ``ac1_note``, never a silent NaN:

* no record decided by both reviewers (``n = 0``): every statistic is None;
* both reviewers used one and the same category for every record: kappa is 0/0, so None
  ("undefined"); AC1 is then 1, as Gwet intends (its chance agreement is 0);
* perfect agreement: kappa (or AC1) is 1 with an asymptotic SE of 0, so the interval is the
  single point [1, 1] (likewise AC1 = −1 when no record is agreed on); the note says so;
* fewer than two records: the AC1 interval needs ``t(n − 1)``, so it is None.

Interval limits are kept within [−1, 1], the range of both coefficients (irrCAC cuts the upper
limit at 1 in the same way); an interval that reached past either end says so in its note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.errors import InputError
from evidencehub.vocab import ScreeningLabel, interval_label

__all__ = [
    "BINARY_CATEGORIES",
    "LABEL_CATEGORIES",
    "Agreement",
    "ScreeningAgreement",
    "agreement_from_table",
    "cross_table",
    "screening_agreement",
]

#: The categories of the label analysis: the three screening labels.
LABEL_CATEGORIES: tuple[str, ...] = tuple(label.value for label in ScreeningLabel)
#: The categories of the binary analysis: goes on to the next stage, or not.
BINARY_CATEGORIES: tuple[str, ...] = ("include or maybe", "exclude")

_SOURCE = "agreement"


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement of two reviewers on one set of records, for one set of categories.

    Attributes
    ----------
    categories : tuple of str
        The categories, in the order of ``table``'s rows and columns.
    table : tuple of tuple of int
        ``table[i][j]``: records the first reviewer put in category ``i`` and the second in
        category ``j``.
    n : int
        Records decided by both reviewers.
    agreements : int
        Records on which they chose the same category (the diagonal of ``table``).
    level : float
        Confidence level of the intervals, in percent.
    percent_agreement : float or None
        ``100 · agreements / n``; None when ``n = 0``.
    expected_agreement : float or None
        Cohen's chance agreement ``pe = Σ p_i· p_·i`` (a proportion); None when ``n = 0``.
    kappa, kappa_se, kappa_ci_lb, kappa_ci_ub : float or None
        Cohen's kappa, its Fleiss-Cohen-Everitt standard error and Wald interval; None with a
        reason in ``kappa_note`` when undefined.
    kappa_note : str or None
        Why kappa or its interval is missing or degenerate; None when there is nothing to say.
    pabak : float or None
        Byrt, Bishop & Carlin's prevalence-adjusted bias-adjusted kappa.
    ac1, ac1_se, ac1_ci_lb, ac1_ci_ub : float or None
        Gwet's AC1, its standard error (Gwet 2008) and ``t(n − 1)`` interval.
    ac1_note : str or None
        Why AC1 or its interval is missing or degenerate.
    """

    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    n: int
    agreements: int
    level: float
    percent_agreement: float | None
    expected_agreement: float | None
    kappa: float | None
    kappa_se: float | None
    kappa_ci_lb: float | None
    kappa_ci_ub: float | None
    kappa_note: str | None
    pabak: float | None
    ac1: float | None
    ac1_se: float | None
    ac1_ci_lb: float | None
    ac1_ci_ub: float | None
    ac1_note: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; the table as ``{first: {second: count}}``."""
        return {
            "n": self.n,
            "agreements": self.agreements,
            "categories": list(self.categories),
            "table": {a: dict(zip(self.categories, row, strict=True))
                      for a, row in zip(self.categories, self.table, strict=True)},
            "level": self.level,
            "percent_agreement": self.percent_agreement,
            "expected_agreement": self.expected_agreement,
            "kappa": self.kappa,
            "kappa_se": self.kappa_se,
            "kappa_ci_lb": self.kappa_ci_lb,
            "kappa_ci_ub": self.kappa_ci_ub,
            "kappa_note": self.kappa_note,
            "pabak": self.pabak,
            "ac1": self.ac1,
            "ac1_se": self.ac1_se,
            "ac1_ci_lb": self.ac1_ci_lb,
            "ac1_ci_ub": self.ac1_ci_ub,
            "ac1_note": self.ac1_note,
        }

    def summary(self) -> str:
        """A few lines for people: agreement, kappa with its interval, PABAK, AC1."""
        head = f"{self.n} records, categories: {', '.join(self.categories)}"
        if self.n == 0 or self.percent_agreement is None:
            return f"{head}\n  no records decided by both reviewers"
        ci = interval_label(self.level)
        lines = [
            head,
            f"  percent agreement  {self.percent_agreement:.1f}% ({self.agreements} of {self.n})",
            "  Cohen's kappa      " + _estimate_text(self.kappa, self.kappa_se, self.kappa_ci_lb,
                                                     self.kappa_ci_ub, ci),
            f"  PABAK              {_num(self.pabak)}",
            "  Gwet's AC1         " + _estimate_text(self.ac1, self.ac1_se, self.ac1_ci_lb,
                                                     self.ac1_ci_ub, ci),
        ]
        lines += [f"  note: {note}" for note in (self.kappa_note, self.ac1_note) if note]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ScreeningAgreement:
    """Agreement of two reviewers at one screening stage, by label and by include-vs-exclude.

    Attributes
    ----------
    labels : Agreement
        Include, exclude and maybe as three categories (:data:`LABEL_CATEGORIES`).
    binary : Agreement
        "include or maybe" against "exclude" (:data:`BINARY_CATEGORIES`).
    """

    labels: Agreement
    binary: Agreement

    def to_dict(self) -> dict[str, Any]:
        """The label analysis's keys (``n``, ``percent_agreement``, ``kappa``, ``kappa_se``,
        ``kappa_ci_lb``, ``kappa_ci_ub``, ``pabak``, ``ac1``…), with the binary analysis
        under ``binary``."""
        return {**self.labels.to_dict(), "binary": self.binary.to_dict()}

    def summary(self) -> str:
        """Both analyses, labelled."""
        return (f"Include / exclude / maybe as three categories: {self.labels.summary()}\n"
                f"Include or maybe vs exclude: {self.binary.summary()}")


# -- public functions ---------------------------------------------------------------------------
def cross_table(first: Sequence[str], second: Sequence[str],
                categories: Sequence[str]) -> NDArray[np.int64]:
    """Cross-tabulate two reviewers' categories: ``table[i, j]`` counts records the first put
    in ``categories[i]`` and the second in ``categories[j]``.

    Raises
    ------
    InputError
        When the sequences differ in length or hold a value outside ``categories``.
    """
    if len(first) != len(second):
        raise InputError(f"the two reviewers' labels differ in length ({len(first)} and "
                         f"{len(second)}); give both reviewers' labels on the same records",
                         source=_SOURCE)
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)), dtype=np.int64)
    for pos, (a, b) in enumerate(zip(first, second, strict=True)):
        for who, value in (("first", a), ("second", b)):
            if value not in index:
                raise InputError(f"expected one of {', '.join(categories)}; got {value!r}",
                                 source=_SOURCE, where=f"record {pos}, {who} reviewer")
        table[index[a], index[b]] += 1
    return table


def screening_agreement(first: Sequence[ScreeningLabel | str],
                        second: Sequence[ScreeningLabel | str], *,
                        level: float = 95.0) -> ScreeningAgreement:
    """Agreement of two reviewers' labels on the same records (position ``i`` of each
    sequence is the same record).

    Parameters
    ----------
    first, second : sequence of ScreeningLabel or str
        Each reviewer's final label per record at the stage ("include", "exclude", "maybe").
        Give only records both reviewers decided.
    level : float
        Confidence level of the intervals, in percent (default 95).

    Returns
    -------
    ScreeningAgreement
        The three-label and the include-or-maybe-vs-exclude analyses.
    """
    a = [_label(v) for v in first]
    b = [_label(v) for v in second]
    labels = agreement_from_table(cross_table(a, b, LABEL_CATEGORIES), LABEL_CATEGORIES,
                                  level=level)
    exclude = ScreeningLabel.EXCLUDE.value
    a2 = [BINARY_CATEGORIES[1] if v == exclude else BINARY_CATEGORIES[0] for v in a]
    b2 = [BINARY_CATEGORIES[1] if v == exclude else BINARY_CATEGORIES[0] for v in b]
    binary = agreement_from_table(cross_table(a2, b2, BINARY_CATEGORIES), BINARY_CATEGORIES,
                                  level=level)
    return ScreeningAgreement(labels=labels, binary=binary)


def agreement_from_table(table: ArrayLike, categories: Sequence[str], *,
                         level: float = 95.0) -> Agreement:
    """Percent agreement, Cohen's kappa, PABAK and Gwet's AC1 from a square table of counts.

    Parameters
    ----------
    table : array-like of shape (q, q)
        Non-negative integer counts; rows are the first reviewer's categories, columns the
        second's.
    categories : sequence of str
        The ``q`` category names (``q >= 2``): every category of the scale, used or not.
    level : float
        Confidence level in percent, in (0, 100).

    Returns
    -------
    Agreement
    """
    counts = _check_table(table, categories, level)
    q = counts.shape[0]
    n = int(counts.sum())
    agreements = int(np.trace(counts))
    cats = tuple(categories)
    rows = tuple(tuple(int(x) for x in row) for row in counts)
    if n == 0:
        why = "no records decided by both reviewers"
        return Agreement(cats, rows, 0, 0, level, None, None, None, None, None, None, why,
                         None, None, None, None, None, why)
    p = counts / n
    po = agreements / n
    pabak = (q * po - 1) / (q - 1)
    kappa, pe = _kappa(p, po, n, level, cats)
    ac1 = _ac1(p, po, n, level)
    return Agreement(cats, rows, n, agreements, level, 100 * po, pe, *kappa, pabak, *ac1)


# -- the statistics -----------------------------------------------------------------------------
_Estimate = tuple[float | None, float | None, float | None, float | None, str | None]


def _kappa(p: NDArray[np.float64], po: float, n: int, level: float,
           categories: tuple[str, ...]) -> tuple[_Estimate, float]:
    """Cohen's kappa, its Fleiss-Cohen-Everitt SE and Wald interval; and Cohen's ``pe``.

    Fleiss, Levin & Paik (2003) eq. 18.13::

        var = [Σ_i p_ii (1 − (p_i· + p_·i)(1 − κ))²
               + (1 − κ)² Σ_{i≠j} p_ij (p_·i + p_j·)²
               − (κ − pe (1 − κ))²] / (n (1 − pe)²)
    """
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pe = float(rows @ cols)
    if math.isclose(pe, 1.0, rel_tol=0.0, abs_tol=1e-12):
        used = categories[int(np.flatnonzero(rows)[0])]
        why = (f"kappa is undefined: both reviewers chose {used!r} for every record, so "
               f"chance agreement is 1")
        return (None, None, None, None, why), pe
    kappa = (po - pe) / (1 - pe)
    diag = np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2
    off = p * (cols[:, None] + rows[None, :]) ** 2
    np.fill_diagonal(off, 0.0)
    var = (diag.sum() + (1 - kappa) ** 2 * off.sum() - (kappa - pe * (1 - kappa)) ** 2)
    var /= n * (1 - pe) ** 2
    se = _se(var, po)
    from evidencehub.stats.distributions import norm_isf  # scipy.special: on use only

    z = float(norm_isf((1 - level / 100) / 2))
    return _interval(kappa, se, z, "kappa"), pe


def _ac1(p: NDArray[np.float64], po: float, n: int, level: float) -> _Estimate:
    """Gwet's AC1 and its variance for two raters (Gwet 2008, with sampling fraction 0)::

        π_k = (p_k· + p_·k) / 2,   pe = Σ_k π_k (1 − π_k) / (q − 1)
        var = [Σ_kl p_kl (1[k = l] − 2 (1 − AC1)(1 − (π_k + π_l)/2)/(q − 1))²
               − (po − 2 (1 − AC1) pe)²] / (n (1 − pe)²)
    """
    q = p.shape[0]
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
    pe = float(pi @ (1 - pi)) / (q - 1)
    ac1 = (po - pe) / (1 - pe)  # pe <= 1 - 1/q < 1, so always defined
    term = np.eye(q) - 2 * (1 - ac1) * (1 - (pi[:, None] + pi[None, :]) / 2) / (q - 1)
    var = ((p * term**2).sum() - (po - 2 * (1 - ac1) * pe) ** 2) / (n * (1 - pe) ** 2)
    se = _se(var, po)
    if n < 2:
        return ac1, se, None, None, "the AC1 interval needs at least two records (t with n − 1 df)"
    from evidencehub.stats.distributions import t_isf

    t = float(t_isf((1 - level / 100) / 2, n - 1))
    return _interval(ac1, se, t, "AC1")


def _se(var: float, po: float) -> float:
    """The SE from a variance; exactly 0 under perfect agreement, where the formulas give 0 up
    to rounding (which could leave a tiny positive or negative variance)."""
    return 0.0 if po == 1.0 else math.sqrt(max(float(var), 0.0))


def _interval(est: float, se: float, crit: float, name: str) -> _Estimate:
    """``est ± crit·se`` kept within [−1, 1], with a note when degenerate or cut."""
    lb, ub = est - crit * se, est + crit * se
    note = None
    if se == 0.0:
        note = f"{name} = {est:.4g} with an asymptotic SE of 0: the interval is a single point"
    elif lb < -1 or ub > 1:
        note = f"the {name} interval reached past [-1, 1] and was cut to that range"
    return est, se, max(lb, -1.0), min(ub, 1.0), note


# -- validation and formatting ------------------------------------------------------------------
def _label(value: ScreeningLabel | str) -> str:
    try:
        return ScreeningLabel(value).value
    except ValueError:
        known = ", ".join(LABEL_CATEGORIES)
        raise InputError(f"expected a screening label ({known}); got {value!r}",
                         source=_SOURCE) from None


def _check_table(table: ArrayLike, categories: Sequence[str], level: float) -> NDArray[np.float64]:
    counts = np.asarray(table, dtype=float)
    q = len(categories)
    if q < 2 or len(set(categories)) != q:
        raise InputError(f"need at least two distinct categories; got {list(categories)!r}",
                         source=_SOURCE)
    if counts.shape != (q, q):
        raise InputError(f"the table must be {q}x{q} (one row and column per category); got "
                         f"shape {counts.shape}", source=_SOURCE)
    if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise InputError("the table must hold non-negative whole counts", source=_SOURCE)
    if not 0 < level < 100:
        raise InputError(f"level must be a percentage in (0, 100); got {level!r}",
                         source=_SOURCE)
    return counts


def _num(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.3f}"


def _estimate_text(est: float | None, se: float | None, lb: float | None, ub: float | None,
                   ci: str) -> str:
    if est is None:
        return "undefined"
    text = f"{est:.3f}"
    if lb is not None and ub is not None and se is not None:
        text += f" ({ci} {lb:.3f} to {ub:.3f}; SE {se:.3f})"
    elif se is not None:
        text += f" (SE {se:.3f})"
    return text
