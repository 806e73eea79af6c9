"""An arm's missing numbers from what it reports, by a named conversion that keeps its inputs.

:func:`derive` applies one conversion of :mod:`evidencehub.stats.convert`, named by its
:class:`~evidencehub.model.ValueDerivation`, to named numbers (``se``, ``n``, ``median``…) and
returns the numbers it produced with a :class:`~evidencehub.model.Derivation` recording the
method, the fields it produced, exactly the inputs it used and the method's note. ``data
import`` (:mod:`evidencehub.ingest.arm_data`) and extraction consensus
(:mod:`evidencehub.review.extraction`) both derive through here, so a number is derived one
way whoever asks.

Sources are those of :mod:`evidencehub.stats.convert`: Cochrane Handbook v6.4 §6.5.2.2 (SD from
the SE or CI of a mean; t with n - 1 df for ``sd-from-ci-t``, normal for ``sd-from-ci-z``),
§6.5.2.3 (SD from the P value or t statistic of a difference between two means, the same SD
for both groups), §6.5.2.8 (SD of a change from baseline via a correlation); Wan et al. (2014)
and Luo et al. (2018) (mean and SD from the median with quartiles and/or range).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from evidencehub.errors import InputError
from evidencehub.model import Derivation, ValueDerivation
from evidencehub.stats import convert

__all__ = ["CONVERSIONS", "Conversion", "Derived", "derive"]


@dataclass(frozen=True, slots=True)
class Conversion:
    """What a conversion needs (``inputs``, by the names of outcome-data numbers plus
    ``sd_baseline``, ``sd_final``, ``corr``, ``p``, ``t``, ``mean_difference``, ``n1``, ``n2``)
    and what it produces (``fields``)."""

    inputs: tuple[str, ...]
    fields: tuple[str, ...]


_SD = ("sd",)
_MEAN_SD = ("mean", "sd")

#: Every conversion :func:`derive` applies, by method.
CONVERSIONS: Mapping[ValueDerivation, Conversion] = MappingProxyType({
    ValueDerivation.SD_FROM_SE: Conversion(("se", "n"), _SD),
    ValueDerivation.SD_FROM_CI_Z: Conversion(("ci_lb", "ci_ub", "n"), _SD),
    ValueDerivation.SD_FROM_CI_T: Conversion(("ci_lb", "ci_ub", "n"), _SD),
    ValueDerivation.SD_FROM_P: Conversion(("p", "mean_difference", "n1", "n2"), _SD),
    ValueDerivation.SD_FROM_T: Conversion(("t", "mean_difference", "n1", "n2"), _SD),
    ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR: Conversion(("median", "q1", "q3", "n"), _MEAN_SD),
    ValueDerivation.MEAN_SD_FROM_MEDIAN_RANGE: Conversion(("median", "minimum", "maximum", "n"),
                                                          _MEAN_SD),
    ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR_RANGE: Conversion(
        ("median", "q1", "q3", "minimum", "maximum", "n"), _MEAN_SD),
    ValueDerivation.SD_CHANGE_FROM_CORRELATION: Conversion(("sd_baseline", "sd_final", "corr"),
                                                           _SD),
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Derived:
    """The numbers a conversion produced (by field) and how (method, inputs, note)."""

    values: dict[str, float]
    derivation: Derivation


def _convert(method: ValueDerivation, x: Mapping[str, float]) -> convert.Converted:
    if method is ValueDerivation.SD_FROM_SE:
        return convert.sd_from_se(x["se"], x["n"])
    if method in (ValueDerivation.SD_FROM_CI_Z, ValueDerivation.SD_FROM_CI_T):
        dist: convert.Distribution = "t" if method is ValueDerivation.SD_FROM_CI_T else "z"
        return convert.sd_from_ci(x["ci_lb"], x["ci_ub"], x["n"], dist=dist)
    if method is ValueDerivation.SD_FROM_P:
        return convert.sd_from_p(x["p"], x["mean_difference"], x["n1"], x["n2"])
    if method is ValueDerivation.SD_FROM_T:
        return convert.sd_from_t(x["t"], x["mean_difference"], x["n1"], x["n2"])
    if method is ValueDerivation.SD_CHANGE_FROM_CORRELATION:
        return convert.sd_change(x["sd_baseline"], x["sd_final"], x["corr"])
    return convert.mean_sd_from_median(
        x["median"],
        x["n"],
        q1=x.get("q1"),
        q3=x.get("q3"),
        minimum=x.get("minimum"),
        maximum=x.get("maximum"),
    )


def derive(method: ValueDerivation, numbers: Mapping[str, float | None]) -> Derived:
    """Apply ``method`` to ``numbers`` (module docstring); only its inputs are read and kept.

    Raises
    ------
    InputError
        A conversion ``derive`` does not apply, an input missing, or inputs the conversion
        refuses (its own message, e.g. "sd_from_se: 'se' must not be negative").
    """
    conversion = CONVERSIONS.get(method)
    if conversion is None:
        known = ", ".join(m.value for m in CONVERSIONS)
        raise InputError(f"{method.value!r} is not a conversion; the conversions are {known}")
    missing = [name for name in conversion.inputs if numbers.get(name) is None]
    if missing:
        raise InputError(
            f"{method.value} needs {', '.join(conversion.inputs)}; missing {', '.join(missing)}"
        )
    inputs = {name: float(numbers[name] or 0.0) for name in conversion.inputs}
    result = _convert(method, inputs)
    values = {"sd": float(result.value)}  # scalar input gives float output
    if "mean" in conversion.fields:
        values["mean"] = float(result.mean or 0.0)
    return Derived(
        values=values,
        derivation=Derivation(
            method=method, fields=conversion.fields, inputs=inputs, note=result.note
        ),
    )
