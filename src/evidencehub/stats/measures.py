"""The statistics of effect-size measures (metafor's ``escalc`` codes): inputs and scales.

The codes, families, scales and words of the measures are the hub's vocabulary
(:mod:`evidencehub.vocab`, :data:`~evidencehub.vocab.MEASURE_TERMS`); this module adds what
the statistics need, in one registry. Everything that needs to know about a measure — :func:`~evidencehub.stats.escalc`, the
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
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.vocab import MEASURE_TERMS, Family, Measure, Scale

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
    m: Measure, required: tuple[tuple[str, ...], ...], optional: tuple[str, ...] = (),
    default_add: float = 0.5,
) -> MeasureInfo:
    terms = MEASURE_TERMS[m]
    return MeasureInfo(m, terms.analysed_as, terms.reported_as, terms.family, required, optional,
                       terms.scale, default_add)


REGISTRY: Mapping[Measure, MeasureInfo] = MappingProxyType({
    info.measure: info
    for info in (
        _info(Measure.OR, _BIN),
        _info(Measure.RR, _BIN),
        _info(Measure.RD, _BIN),
        _info(Measure.PETO, _BIN),
        _info(Measure.MD, _CONT),
        _info(Measure.SMD, _CONT),
        _info(Measure.SMDH, _CONT),
        _info(Measure.ROM, _CONT),
        _info(Measure.PR, _PROP),
        _info(Measure.PLO, _PROP),
        _info(Measure.PAS, _PROP, default_add=0.0),
        _info(Measure.PFT, _PROP, default_add=0.0),
        _info(Measure.MN, (("mi",), ("sdi",), ("ni",))),
        _info(Measure.MC, _CHANGE),
        _info(Measure.SMCR, (("m1i",), ("m2i",), ("sd1i",), ("ni",), ("ri",))),
        _info(Measure.SMCC, _CHANGE),
        _info(Measure.COR, (("ri",), ("ni",))),
        _info(Measure.ZCOR, (("ri",), ("ni",))),
        _info(Measure.GEN, (("yi",), ("vi", "sei"))),
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
