"""The one registry of effect-size measures (metafor's ``escalc`` codes).

Everything that needs to know about a measure — :func:`~evidencehub.stats.escalc`, the
summaries, the CLI choices, plots, page labels — reads :data:`REGISTRY`. A measure has a
family (which input columns it reads), an analysis scale and the back-transformation from
that scale to the scale people read (exp for ratios, inverse logit, Miller's inverse of the
Freeman-Tukey transformation, tanh for Fisher's z).

Sources: metafor 3.8 ``escalc`` documentation and source (Viechtbauer 2010, JSS 36(3));
Miller (1978), "The inverse of the Freeman-Tukey double arcsine transformation",
*The American Statistician* 32(4):138.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "REGISTRY",
    "Family",
    "Measure",
    "MeasureInfo",
    "Scale",
    "back_transform",
    "ft_double_arcsine",
    "measure_info",
]


class Measure(StrEnum):
    """Effect-size codes, spelled as in metafor's ``escalc(measure=...)``."""

    OR = "OR"
    RR = "RR"
    RD = "RD"
    PETO = "PETO"
    MD = "MD"
    SMD = "SMD"
    SMDH = "SMDH"
    ROM = "ROM"
    PR = "PR"
    PLO = "PLO"
    PAS = "PAS"
    PFT = "PFT"
    MN = "MN"
    MC = "MC"
    SMCR = "SMCR"
    SMCC = "SMCC"
    COR = "COR"
    ZCOR = "ZCOR"
    GEN = "GEN"


class Family(StrEnum):
    """Which kind of data a measure is computed from."""

    TWO_BY_TWO = "two-group binary (2x2 table)"
    TWO_GROUP_CONTINUOUS = "two-group continuous"
    PROPORTION = "single-group proportion"
    MEAN = "single-group mean"
    MEAN_CHANGE = "paired mean change"
    CORRELATION = "correlation"
    GENERIC = "generic (precomputed yi with vi or sei)"


class Scale(StrEnum):
    """The scale on which ``yi`` is analysed."""

    LOG = "log"
    RAW = "raw"
    LOGIT = "logit"
    ARCSINE = "arcsine square root"
    FREEMAN_TUKEY = "Freeman-Tukey double arcsine"
    FISHER_Z = "Fisher's z"


@dataclass(frozen=True, slots=True)
class MeasureInfo:
    """Metadata of one measure.

    Attributes
    ----------
    measure : Measure
        The code.
    label : str
        What ``yi`` is, on the analysis scale ("log odds ratio").
    reported_as : str
        What the back-transformed value is ("odds ratio"); equal to ``label`` on the raw scale.
    family : Family
        Which input columns it reads.
    required : tuple of tuple of str
        Input columns, each entry a tuple of alternatives of which one must be given
        (``("bi", "n1i")``: either the non-events or the group size).
    optional : tuple of str
        Columns that are read if given.
    scale : Scale
        Analysis scale of ``yi``.
    default_add : float
        metafor's default ``add`` for zero cells (1/2; 0 for PAS and PFT).
    """

    measure: Measure
    label: str
    reported_as: str
    family: Family
    required: tuple[tuple[str, ...], ...]
    optional: tuple[str, ...]
    scale: Scale
    default_add: float

    @property
    def is_ratio(self) -> bool:
        """True for measures analysed on the log scale (OR, RR, PETO, ROM)."""
        return self.scale is Scale.LOG

    def back_transform(
        self, values: ArrayLike, ni: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """Values on the reported scale (see :func:`back_transform`)."""
        return back_transform(self.measure, values, ni)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every input column the measure can read, required ones first."""
        names = [name for group in self.required for name in group]
        return tuple(dict.fromkeys([*names, *self.optional]))


_BIN = (("ai",), ("bi", "n1i"), ("ci",), ("di", "n2i"))
_CONT = (("m1i",), ("sd1i",), ("n1i",), ("m2i",), ("sd2i",), ("n2i",))
_PROP = (("xi",), ("ni", "mi"))
_CHANGE = (("m1i",), ("m2i",), ("sd1i",), ("sd2i",), ("ni",), ("ri",))


def _info(
    m: Measure, label: str, reported: str, family: Family,
    required: tuple[tuple[str, ...], ...], scale: Scale,
    optional: tuple[str, ...] = (), default_add: float = 0.5,
) -> MeasureInfo:
    return MeasureInfo(m, label, reported, family, required, optional, scale, default_add)


_F = Family
_S = Scale
REGISTRY: Mapping[Measure, MeasureInfo] = MappingProxyType({
    info.measure: info
    for info in (
        _info(Measure.OR, "log odds ratio", "odds ratio", _F.TWO_BY_TWO, _BIN, _S.LOG),
        _info(Measure.RR, "log risk ratio", "risk ratio", _F.TWO_BY_TWO, _BIN, _S.LOG),
        _info(Measure.RD, "risk difference", "risk difference", _F.TWO_BY_TWO, _BIN, _S.RAW),
        _info(Measure.PETO, "log Peto odds ratio", "Peto odds ratio", _F.TWO_BY_TWO, _BIN,
              _S.LOG),
        _info(Measure.MD, "mean difference", "mean difference", _F.TWO_GROUP_CONTINUOUS,
              _CONT, _S.RAW),
        _info(Measure.SMD, "standardized mean difference (Hedges' g)",
              "standardized mean difference (Hedges' g)", _F.TWO_GROUP_CONTINUOUS, _CONT,
              _S.RAW),
        _info(Measure.SMDH, "standardized mean difference, heteroscedastic (Bonett)",
              "standardized mean difference, heteroscedastic (Bonett)",
              _F.TWO_GROUP_CONTINUOUS, _CONT, _S.RAW),
        _info(Measure.ROM, "log ratio of means", "ratio of means", _F.TWO_GROUP_CONTINUOUS,
              _CONT, _S.LOG),
        _info(Measure.PR, "proportion", "proportion", _F.PROPORTION, _PROP, _S.RAW),
        _info(Measure.PLO, "logit proportion", "proportion", _F.PROPORTION, _PROP, _S.LOGIT),
        _info(Measure.PAS, "arcsine square root proportion", "proportion", _F.PROPORTION,
              _PROP, _S.ARCSINE, default_add=0.0),
        _info(Measure.PFT, "Freeman-Tukey double arcsine proportion", "proportion",
              _F.PROPORTION, _PROP, _S.FREEMAN_TUKEY, default_add=0.0),
        _info(Measure.MN, "mean", "mean", _F.MEAN, (("mi",), ("sdi",), ("ni",)), _S.RAW),
        _info(Measure.MC, "mean change", "mean change", _F.MEAN_CHANGE, _CHANGE, _S.RAW),
        _info(Measure.SMCR, "standardized mean change (raw-score standardization)",
              "standardized mean change (raw-score standardization)", _F.MEAN_CHANGE,
              (("m1i",), ("m2i",), ("sd1i",), ("ni",), ("ri",)), _S.RAW),
        _info(Measure.SMCC, "standardized mean change (change-score standardization)",
              "standardized mean change (change-score standardization)", _F.MEAN_CHANGE,
              _CHANGE, _S.RAW),
        _info(Measure.COR, "correlation", "correlation", _F.CORRELATION,
              (("ri",), ("ni",)), _S.RAW),
        _info(Measure.ZCOR, "Fisher's z-transformed correlation", "correlation",
              _F.CORRELATION, (("ri",), ("ni",)), _S.FISHER_Z),
        _info(Measure.GEN, "generic effect size", "generic effect size", _F.GENERIC,
              (("yi",), ("vi", "sei")), _S.RAW),
    )
})


def measure_info(measure: str | Measure) -> MeasureInfo:
    """Look up a measure by code; an unknown code lists the known ones."""
    from evidencehub.errors import InputError

    try:
        return REGISTRY[Measure(str(measure).upper())]
    except ValueError:
        known = ", ".join(m.value for m in Measure)
        raise InputError(
            f"unknown measure {measure!r}; known measures: {known}", source="escalc"
        ) from None


def ft_double_arcsine(p: ArrayLike, n: ArrayLike) -> NDArray[np.float64]:
    """Freeman-Tukey double arcsine of a proportion ``p`` with sample size ``n``.

    ``t = (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))))/2`` with ``x = p n``
    (metafor ``transf.pft``).
    """
    p_arr = np.asarray(p, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    x = p_arr * n_arr
    return 0.5 * (np.arcsin(np.sqrt(x / (n_arr + 1))) + np.arcsin(np.sqrt((x + 1) / (n_arr + 1))))


def _inverse_ft(t: NDArray[np.float64], n: float) -> NDArray[np.float64]:
    """Miller (1978) inverse of the double arcsine at sample size ``n`` (clipped to [0, 1])."""
    s = np.sin(2 * t)
    with np.errstate(invalid="ignore", divide="ignore"):
        inner = 1 - (s + (s - 1 / s) / n) ** 2
        p = 0.5 * (1 - np.sign(np.cos(2 * t)) * np.sqrt(inner))
    p = np.where(np.isnan(p), np.nan, p)
    p = np.where(t > ft_double_arcsine(1.0, n), 1.0, p)
    return np.where(t < ft_double_arcsine(0.0, n), 0.0, p)


def back_transform(
    measure: str | Measure, values: ArrayLike, ni: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Map values on the analysis scale back to the reported scale.

    Parameters
    ----------
    measure : str or Measure
        The measure of the analysis.
    values : array-like
        Estimates or CI limits on the analysis scale.
    ni : array-like, optional
        Study sample sizes; required for PFT, whose inverse (Miller 1978) uses their
        harmonic mean (metafor ``transf.ipft.hm``).

    Returns
    -------
    ndarray
        ``exp`` for log-scale measures, inverse logit for PLO, ``sin^2`` for PAS (clipped as
        metafor ``transf.iarcsin``), Miller's inverse for PFT, ``tanh`` for ZCOR, and the
        values unchanged on the raw scale.
    """
    info = measure_info(measure)
    y = np.asarray(values, dtype=np.float64)
    if info.scale is Scale.LOG:
        return np.exp(y)
    if info.scale is Scale.LOGIT:
        return 1.0 / (1.0 + np.exp(-y))
    if info.scale is Scale.ARCSINE:
        return np.where(y < 0, 0.0, np.where(y > np.pi / 2, 1.0, np.sin(y) ** 2))
    if info.scale is Scale.FISHER_Z:
        return np.tanh(y)
    if info.scale is Scale.FREEMAN_TUKEY:
        if ni is None:
            raise ValueError("the PFT back-transformation needs the study sample sizes 'ni'")
        n = np.asarray(ni, dtype=np.float64)
        harmonic_mean = 1.0 / np.mean(1.0 / n)
        return _inverse_ft(y, float(harmonic_mean))
    return y
