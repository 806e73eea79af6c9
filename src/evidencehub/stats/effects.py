"""Effect sizes and their sampling variances: :func:`escalc` (metafor's ``escalc``).

Formulas and conventions follow metafor 3.8 ``escalc`` (Viechtbauer 2010, JSS 36(3)) so that
results agree with it to floating-point precision:

* zero cells (2x2 tables and proportions): ``add`` (1/2; 0 for PAS and PFT) is added to every
  cell of the tables with a zero cell (``to="only0"``), to all tables (``"all"``), to all
  tables if any has a zero cell (``"if0all"``) or never (``"none"``); the adjusted counts are
  used for both ``yi`` and ``vi``. ``drop00=True`` leaves out tables with no events (or no
  non-events) in both groups — here they are removed and the removal is recorded in
  ``notes`` rather than left as missing values.
* SMD is Hedges' g with the exact correction ``c(m) = Gamma(m/2)/(sqrt(m/2) Gamma((m-1)/2))``,
  ``m = n1 + n2 - 2`` (Hedges 1981); ``correction="approx"`` uses ``1 - 3/(4m - 1)``.
  ``vtype`` chooses the variance: ``"LS"`` (default, large sample), ``"UB"`` (unbiased),
  ``"LS2"`` (Borenstein 2009) or ``"AV"`` (using the sample-size weighted mean of ``yi``).
* SMDH: Bonett (2009); MC/SMCR/SMCC: Becker (1988), Gibbons et al. (1993), metafor's
  formulas; COR: Olkin & Pratt large-sample variance; ZCOR: Fisher (1921).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from evidencehub.errors import InputError
from evidencehub.stats._validate import as_float_array, check_choice, study_labels
from evidencehub.stats.measures import Family, Measure, MeasureInfo, ft_double_arcsine, measure_info

__all__ = ["EffectSizes", "escalc", "hedges_correction"]

FloatArray = NDArray[np.float64]
_FUNC = "escalc"
_ZERO_CELL_RULES = ("only0", "all", "if0all", "none")


@dataclass(frozen=True, slots=True, eq=False)
class EffectSizes:
    """Study-level effect sizes, the output of :func:`escalc`.

    Attributes
    ----------
    yi : ndarray of shape (k,)
        Effect sizes on the analysis scale (log scale for ratio measures).
    vi : ndarray of shape (k,)
        Their sampling variances.
    measure : Measure
        The measure code.
    study : tuple of str
        Study labels, in input order (after any ``drop00`` removals).
    ni : ndarray of shape (k,) or None
        Total sample size per study (unadjusted counts), when the measure has one.
    notes : tuple of str
        What was done to the data (zero-cell additions, dropped tables), one line each.
    """

    yi: FloatArray
    vi: FloatArray
    measure: Measure
    study: tuple[str, ...]
    ni: FloatArray | None
    notes: tuple[str, ...]

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.shape[0])

    @property
    def sei(self) -> FloatArray:
        """Standard errors ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def to_dict(self) -> dict[str, Any]:
        """Plain-number form: ``{"measure", "k", "studies": [{study, yi, vi}], "notes"}``."""
        return {
            "measure": self.measure.value,
            "k": self.k,
            "studies": [
                {"study": s, "yi": float(y), "vi": float(v)}
                for s, y, v in zip(self.study, self.yi, self.vi, strict=True)
            ],
            "notes": list(self.notes),
        }


def hedges_correction(m: ArrayLike, exact: bool = True) -> FloatArray:
    """Hedges' small-sample correction factor ``c(m)`` for ``m`` degrees of freedom.

    Exact: ``exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))`` (Hedges 1981; metafor
    ``.cmicalc``), undefined (NaN) for ``m <= 1``. Approximate: ``1 - 3/(4m - 1)``.
    """
    m_arr = np.asarray(m, dtype=np.float64)
    if not exact:
        return 1.0 - 3.0 / (4.0 * m_arr - 1.0)
    with np.errstate(invalid="ignore"):
        out = np.exp(gammaln(m_arr / 2) - np.log(np.sqrt(m_arr / 2)) - gammaln((m_arr - 1) / 2))
    return np.where(m_arr <= 1, np.nan, out)


def escalc(
    measure: str | Measure,
    *,
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    m1i: ArrayLike | None = None,
    m2i: ArrayLike | None = None,
    sd1i: ArrayLike | None = None,
    sd2i: ArrayLike | None = None,
    xi: ArrayLike | None = None,
    mi: ArrayLike | None = None,
    sdi: ArrayLike | None = None,
    ni: ArrayLike | None = None,
    ri: ArrayLike | None = None,
    yi: ArrayLike | None = None,
    vi: ArrayLike | None = None,
    sei: ArrayLike | None = None,
    add: float | None = None,
    to: str = "only0",
    drop00: bool = False,
    vtype: str = "LS",
    correction: str = "exact",
    study: Sequence[Any] | None = None,
) -> EffectSizes:
    """Compute effect sizes and sampling variances, as metafor's ``escalc``.

    Parameters
    ----------
    measure : str or Measure
        One of the codes in :class:`~evidencehub.stats.measures.Measure`.
    ai, bi, ci, di : array-like, optional
        2x2 tables: events / non-events in group 1, events / non-events in group 2
        (``bi``/``di`` may be replaced by the group sizes ``n1i``/``n2i``).
    n1i, n2i, m1i, m2i, sd1i, sd2i : array-like, optional
        Group sizes, means and SDs (two-group continuous; ``m1i, m2i, sd1i, sd2i`` are the
        two time points for MC/SMCR/SMCC).
    xi, mi, ni : array-like, optional
        Events, non-events and sample size (proportions). For MN, ``mi`` is the mean.
    sdi : array-like, optional
        SD (MN).
    ri : array-like, optional
        Correlation (COR/ZCOR), or the pre-post correlation (MC/SMCR/SMCC).
    yi, vi, sei : array-like, optional
        Precomputed effect sizes with variances or standard errors (GEN).
    add : float, optional
        Amount added to zero cells; metafor's default 1/2 (0 for PAS, PFT).
    to : {"only0", "all", "if0all", "none"}
        Which tables get ``add``.
    drop00 : bool
        Leave out 2x2 tables with zero events (or zero non-events) in both groups.
    vtype : str
        Variance type for MD (``"LS"``, ``"HO"``), SMD (``"LS"``, ``"UB"``, ``"LS2"``,
        ``"AV"``), SMCR/SMCC (``"LS"``, ``"LS2"``), RD/PR/COR (``"LS"``, ``"UB"``).
    correction : {"exact", "approx"}
        Hedges' small-sample correction for SMD/SMDH/SMCR/SMCC.
    study : sequence, optional
        Study labels (``"Study 1"``, ... if omitted).

    Returns
    -------
    EffectSizes

    Raises
    ------
    InputError
        Unknown measure or option, missing or extra-length columns, impossible values
        (negative counts, events > n, negative SD, n too small, |r| > 1), naming the study
        and the column.
    """
    info = measure_info(measure)
    check_choice(to, "to", _ZERO_CELL_RULES, _FUNC)
    check_choice(correction, "correction", ("exact", "approx"), _FUNC)
    given = {
        name: value
        for name, value in {
            "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i, "m1i": m1i,
            "m2i": m2i, "sd1i": sd1i, "sd2i": sd2i, "xi": xi, "mi": mi, "sdi": sdi,
            "ni": ni, "ri": ri, "yi": yi, "vi": vi, "sei": sei,
        }.items()
        if value is not None
    }
    cols = _columns(info, given, study)
    labels = study_labels(study, _length(cols), _FUNC)
    add_value = info.default_add if add is None else float(add)
    calc = _Calc(info, cols, labels, add_value, to, drop00, vtype, correction == "exact")
    return calc.run()


def _length(cols: dict[str, FloatArray]) -> int:
    return int(next(iter(cols.values())).shape[0])


def _size(value: Any) -> int:
    """Number of values in a column (an array's own size: no copy to objects)."""
    if isinstance(value, np.ndarray):
        return int(value.size)
    return len(np.asarray(value, dtype=object).reshape(-1))


def _columns(
    info: MeasureInfo, given: dict[str, Any], study: Sequence[Any] | None
) -> dict[str, FloatArray]:
    """Check that the required columns are present and of equal length; convert them."""
    for alternatives in info.required:
        if not any(name in given for name in alternatives):
            wanted = " or ".join(f"'{a}'" for a in alternatives)
            raise InputError(
                f"measure {info.measure.value} needs column {wanted}, which was not given",
                source=_FUNC,
            )
    usable = set(info.columns)
    lengths = {name: _size(value) for name, value in given.items() if name in usable}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"'{n}' has {n_}" for n, n_ in lengths.items())
        raise InputError(f"columns differ in length: {detail}", source=_FUNC)
    labels = None if study is None else list(map(str, study))
    return {name: as_float_array(given[name], name, _FUNC, labels) for name in lengths}


class _Calc:
    """One escalc computation: the checks and formulas for the measure's family."""

    def __init__(
        self, info: MeasureInfo, cols: dict[str, FloatArray], study: tuple[str, ...],
        add: float, to: str, drop00: bool, vtype: str, exact: bool,
    ) -> None:
        self.info = info
        self.cols = cols
        self.study = study
        self.add = add
        self.to = to
        self.drop00 = drop00
        self.vtype = vtype
        self.exact = exact
        self.notes: list[str] = []

    # -- checks -----------------------------------------------------------------------------
    def _fail(self, column: str, i: int, problem: str) -> None:
        raise InputError(problem, source=_FUNC, where=f"study '{self.study[i]}', column '{column}'")

    def _nonnegative(self, column: str) -> None:
        bad = np.flatnonzero(self.cols[column] < 0)
        if bad.size:
            i = int(bad[0])
            self._fail(column, i, f"expected a non-negative number, got {self.cols[column][i]:g}")

    def _above(self, column: str, bound: float, values: FloatArray | None = None) -> None:
        vals = self.cols[column] if values is None else values
        bad = np.flatnonzero(vals <= bound)
        if bad.size:
            i = int(bad[0])
            self._fail(column, i, f"expected a number greater than {bound:g}, got {vals[i]:g}")

    def _counts_le(self, events: str, total: str, totals: FloatArray) -> None:
        bad = np.flatnonzero(self.cols[events] > totals)
        if bad.size:
            i = int(bad[0])
            self._fail(events, i, f"{self.cols[events][i]:g} events exceed the group size "
                       f"'{total}' = {totals[i]:g}")

    def _vtype(self, allowed: tuple[str, ...]) -> None:
        if self.vtype not in allowed:
            options = ", ".join(repr(v) for v in allowed)
            raise InputError(
                f"'vtype' for measure {self.info.measure.value} must be one of: {options}; "
                f"got {self.vtype!r}", source=_FUNC,
            )

    # -- zero cells ---------------------------------------------------------------------------
    def _zero_cells(self, cells: list[FloatArray]) -> list[FloatArray]:
        """Add ``self.add`` to the cells following metafor's ``to`` rule; record it."""
        if self.add == 0 or self.to == "none":
            return cells
        if self.to == "all":
            rows = np.ones(cells[0].shape[0], dtype=bool)
        else:
            rows = np.zeros(cells[0].shape[0], dtype=bool)
            for cell in cells:
                rows |= cell == 0
            if self.to == "if0all" and rows.any():
                rows[:] = True
        if rows.any():
            names = ", ".join(f"'{self.study[i]}'" for i in np.flatnonzero(rows))
            self.notes.append(f"added {self.add:g} to every cell of {names} (to='{self.to}')")
        return [cell + self.add * rows for cell in cells]

    # -- families -----------------------------------------------------------------------------
    def run(self) -> EffectSizes:
        family = self.info.family
        ni: FloatArray | None
        if family is Family.TWO_BY_TWO:
            yi, vi, ni = self._two_by_two()
        elif family is Family.TWO_GROUP_CONTINUOUS:
            yi, vi, ni = self._two_group()
        elif family is Family.PROPORTION:
            yi, vi, ni = self._proportion()
        elif family is Family.MEAN:
            yi, vi, ni = self._mean()
        elif family is Family.MEAN_CHANGE:
            yi, vi, ni = self._change()
        elif family is Family.CORRELATION:
            yi, vi, ni = self._correlation()
        else:
            yi, vi, ni = self._generic()
        return EffectSizes(yi, vi, self.info.measure, self.study, ni, tuple(self.notes))

    def _two_by_two(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.cols
        for name in ("ai", "ci", "bi", "di", "n1i", "n2i"):
            if name in c:
                self._nonnegative(name)
        if "bi" not in c:
            self._counts_le("ai", "n1i", c["n1i"])
        if "di" not in c:
            self._counts_le("ci", "n2i", c["n2i"])
        ai, ci = c["ai"], c["ci"]
        bi = c["bi"] if "bi" in c else c["n1i"] - ai
        di = c["di"] if "di" in c else c["n2i"] - ci
        for name, arm, given in (("n1i", ai + bi, "bi"), ("n2i", ci + di, "di")):
            if name in c and given in c:
                bad = np.flatnonzero(c[name] != arm)
                if bad.size:
                    i = int(bad[0])
                    self._fail(name, i, f"group size {c[name][i]:g} differs from the sum of the "
                               f"cells, {arm[i]:g}")
        for name, n in (("n1i", ai + bi), ("n2i", ci + di)):
            bad = np.flatnonzero(n <= 0)
            if bad.size:
                self._fail(name, int(bad[0]), "the group has no participants")
        keep = np.ones(ai.shape[0], dtype=bool)
        if self.drop00:
            both = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
            if both.any():
                names = ", ".join(f"'{self.study[i]}'" for i in np.flatnonzero(both))
                self.notes.append(
                    f"left out {names}: no events (or no non-events) in both groups (drop00)"
                )
                keep = ~both
                if not keep.any():
                    raise InputError(
                        "every table has zero events (or zero non-events) in both groups; "
                        "nothing is left after drop00", source=_FUNC,
                    )
                ai, bi, ci, di = ai[keep], bi[keep], ci[keep], di[keep]
                self.study = tuple(s for s, k in zip(self.study, keep, strict=True) if k)
        ni_u = ai + bi + ci + di
        double = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
        if double.any():
            names = ", ".join(f"'{self.study[i]}'" for i in np.flatnonzero(double))
            self.notes.append(f"{names}: no events (or no non-events) in either group; kept "
                              "as metafor does (drop00=True leaves such tables out)")
        a, b, cc, d = self._zero_cells([ai, bi, ci, di])
        n1, n2 = a + b, cc + d
        p1, p2 = a / n1, cc / n2
        m = self.info.measure
        with np.errstate(divide="ignore", invalid="ignore"):
            if m is Measure.OR:
                yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
                vi = 1 / a + 1 / b + 1 / cc + 1 / d
            elif m is Measure.RR:
                yi = np.log(p1) - np.log(p2)
                vi = 1 / a - 1 / n1 + 1 / cc - 1 / n2
            elif m is Measure.RD:
                self._vtype(("LS", "UB"))
                yi = p1 - p2
                if self.vtype == "UB":
                    vi = p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1)
                else:
                    vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
            else:  # PETO: one-step log odds ratio per study (Yusuf et al. 1985)
                n = n1 + n2
                events, nonevents = a + cc, b + d
                expected = events * n1 / n
                var = events * nonevents * (n1 / n) * (n2 / n) / (n - 1)
                yi = (a - expected) / var
                vi = 1 / var
        self._finite(yi, vi, "ai")
        return yi, vi, ni_u

    def _finite(self, yi: FloatArray, vi: FloatArray, column: str) -> None:
        bad = np.flatnonzero(~(np.isfinite(yi) & np.isfinite(vi)))
        if bad.size:
            i = int(bad[0])
            self._fail(column, i, f"the {self.info.label} and its variance cannot be computed "
                       f"from these values (yi = {yi[i]:g}, vi = {vi[i]:g}); for zero cells use "
                       "add > 0 with to='only0', or leave the study out")

    def _two_group(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.cols
        for name in ("sd1i", "sd2i"):
            self._nonnegative(name)
        for name in ("n1i", "n2i"):
            self._above(name, 0)
        m1, m2, s1, s2, n1, n2 = c["m1i"], c["m2i"], c["sd1i"], c["sd2i"], c["n1i"], c["n2i"]
        m = self.info.measure
        dof = n1 + n2 - 2
        if m is Measure.MD:
            self._vtype(("LS", "UB", "HO"))
            yi = m1 - m2
            if self.vtype == "HO":
                sp2 = ((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / dof
                vi = sp2 * (1 / n1 + 1 / n2)
            else:
                vi = s1**2 / n1 + s2**2 / n2
        elif m is Measure.SMD:
            self._vtype(("LS", "UB", "LS2", "AV"))
            bad = np.flatnonzero(dof <= 1)
            if bad.size:
                i = int(bad[0])
                self._fail("n1i", i, f"the SMD needs n1i + n2i > 3 (Hedges' correction uses "
                           f"n1i + n2i - 2 > 1 df); got n1i + n2i = {n1[i] + n2[i]:g}")
            sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / dof)
            self._above("sd1i", 0, sp)
            cm = hedges_correction(dof, self.exact)
            d = (m1 - m2) / sp
            yi = cm * d
            n = n1 + n2
            if self.vtype == "UB":
                vi = 1 / n1 + 1 / n2 + (1 - (dof - 2) / (dof * cm**2)) * yi**2
            elif self.vtype == "LS2":
                vi = cm**2 * (1 / n1 + 1 / n2 + d**2 / (2 * n))
            elif self.vtype == "AV":
                mean_yi = np.sum(n * yi) / np.sum(n)
                vi = 1 / n1 + 1 / n2 + mean_yi**2 / (2 * n)
            else:
                vi = 1 / n1 + 1 / n2 + yi**2 / (2 * n)
        elif m is Measure.SMDH:
            self._vtype(("LS",))
            self._above("n1i", 1)
            self._above("n2i", 1)
            cm = hedges_correction(dof, self.exact)
            si2 = (s1**2 + s2**2) / 2
            self._above("sd1i", 0, si2)
            yi = cm * (m1 - m2) / np.sqrt(si2)
            vi = cm**2 * (
                yi**2 * (s1**4 / (n1 - 1) + s2**4 / (n2 - 1)) / (2 * (s1**2 + s2**2) ** 2)
                + (s1**2 / (n1 - 1) + s2**2 / (n2 - 1)) / si2
            )
        else:  # ROM
            self._above("m1i", 0)
            self._above("m2i", 0)
            yi = np.log(m1 / m2)
            vi = s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)
        return yi, vi, n1 + n2

    def _proportion(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.cols
        xi = c["xi"]
        self._nonnegative("xi")
        if "ni" in c:
            self._above("ni", 0)
            self._counts_le("xi", "ni", c["ni"])
            if "mi" in c:
                bad = np.flatnonzero(c["ni"] != xi + c["mi"])
                if bad.size:
                    self._fail("ni", int(bad[0]), "'ni' differs from 'xi' + 'mi'")
            mi = c["ni"] - xi
        else:
            self._nonnegative("mi")
            mi = c["mi"]
            self._above("mi", 0, xi + mi)
        ni_u = xi + mi
        x, nonevents = self._zero_cells([xi, mi])
        n = x + nonevents
        p = x / n
        m = self.info.measure
        with np.errstate(divide="ignore", invalid="ignore"):
            if m is Measure.PR:
                self._vtype(("LS", "UB"))
                yi = p
                vi = p * (1 - p) / (n - 1) if self.vtype == "UB" else p * (1 - p) / n
            elif m is Measure.PLO:
                yi = np.log(p / (1 - p))
                vi = 1 / x + 1 / nonevents
            elif m is Measure.PAS:
                yi = np.arcsin(np.sqrt(p))
                vi = 1 / (4 * n)
            else:  # PFT (Freeman & Tukey 1950)
                yi = ft_double_arcsine(p, n)
                vi = 1 / (4 * n + 2)
        self._finite(yi, vi, "xi")
        return yi, vi, ni_u

    def _mean(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.cols
        self._nonnegative("sdi")
        self._above("ni", 0)
        return c["mi"].copy(), c["sdi"] ** 2 / c["ni"], c["ni"].copy()

    def _change(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.cols
        m = self.info.measure
        for name in ("sd1i", "sd2i"):
            if name in c:
                self._nonnegative(name)
        self._above("ni", 0)
        ri, ni = c["ri"], c["ni"]
        self._correlation_bounds()
        m1, m2, s1 = c["m1i"], c["m2i"], c["sd1i"]
        if m is Measure.SMCR:
            self._vtype(("LS", "LS2"))
            self._above("ni", 2)
            self._above("sd1i", 0)
            cm = hedges_correction(ni - 1, self.exact)
            d = (m1 - m2) / s1
            yi = cm * d
            if self.vtype == "LS2":
                vi = cm**2 * (2 * (1 - ri) / ni + d**2 / (2 * ni))
            else:
                vi = 2 * (1 - ri) / ni + yi**2 / (2 * ni)
            return yi, vi, ni.copy()
        s2 = c["sd2i"]
        var_change = s1**2 + s2**2 - 2 * ri * s1 * s2
        if m is Measure.MC:
            return m1 - m2, var_change / ni, ni.copy()
        self._vtype(("LS", "LS2"))
        self._above("ni", 2)
        self._above("sd1i", 0, var_change)
        cm = hedges_correction(ni - 1, self.exact)
        d = (m1 - m2) / np.sqrt(var_change)
        yi = cm * d
        if self.vtype == "LS2":
            vi = cm**2 * (1 / ni + d**2 / (2 * ni))
        else:
            vi = 1 / ni + yi**2 / (2 * ni)
        return yi, vi, ni.copy()

    def _correlation_bounds(self) -> None:
        ri = self.cols["ri"]
        bad = np.flatnonzero(np.abs(ri) > 1)
        if bad.size:
            i = int(bad[0])
            self._fail("ri", i, f"expected a correlation between -1 and 1, got {ri[i]:g}")

    def _correlation(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.cols
        self._correlation_bounds()
        ri, ni = c["ri"], c["ni"]
        if self.info.measure is Measure.ZCOR:
            self._above("ni", 3)
            return np.arctanh(ri), 1 / (ni - 3), ni.copy()
        self._vtype(("LS",))
        self._above("ni", 1)
        return ri.copy(), (1 - ri**2) ** 2 / (ni - 1), ni.copy()

    def _generic(self) -> tuple[FloatArray, FloatArray, None]:
        c = self.cols
        if "vi" in c:
            self._nonnegative("vi")
            vi = c["vi"].copy()
        else:
            self._nonnegative("sei")
            vi = c["sei"] ** 2
        return c["yi"].copy(), vi, None
