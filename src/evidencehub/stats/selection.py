"""Choosing fixed or random effects from heterogeneity, explicitly and with its reasons.

Many systematic reviews pre-specify: "a random-effects model was used when I² > 50% and
the P value of the Q test was < 0.10; otherwise a fixed-effect model". The rule is common
(it is how RevMan users often report their choice) though methodologists advise choosing the
model from the question rather than from the data (Cochrane Handbook v6.4, §10.10.4.1;
Borenstein et al. 2010, Res Synth Methods 1:97-111). :func:`choose_model` applies it as an
option that always says which model it chose and why.

The heterogeneity statistics are those of the equal-effects (inverse-variance) fit:
Cochran's Q with ``k - 1`` df and Higgins & Thompson's ``I² = max(0, (Q - df)/Q)`` (Higgins
JPT, Thompson SG, Deeks JJ, Altman DG 2003, BMJ 327:557-560), which is the I² RevMan prints
and metafor reports for an equal-effects model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.effects import EffectSizes
from evidencehub.stats.models import rma
from evidencehub.stats.results import MetaResult

__all__ = ["ModelChoice", "choose_model"]


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The outcome of the heterogeneity rule.

    Attributes
    ----------
    chosen
        ``"random"`` or ``"fixed"``.
    fit
        The chosen model's fit (``random_fit`` or ``fixed_fit``).
    reason
        The rule applied to these data, in words.
    I2, QE, QEdf, QEp
        The heterogeneity statistics the rule used (equal-effects fit).
    i2_threshold, p_threshold, combine
        The rule: random effects when ``I2 > i2_threshold`` and (or, with ``combine="or"``)
        ``QEp < p_threshold``.
    fixed_fit, random_fit
        Both fits, so a reader can see what the other choice would have given.
    """

    chosen: str
    fit: MetaResult
    reason: str
    I2: float
    QE: float
    QEdf: int
    QEp: float
    i2_threshold: float
    p_threshold: float
    combine: str
    fixed_fit: MetaResult
    random_fit: MetaResult

    def to_dict(self) -> dict[str, Any]:
        """``{"model_choice": {...}, **fit.to_dict()}`` with the chosen fit's metafor keys."""
        choice = {"chosen": self.chosen, "reason": self.reason, "I2": self.I2, "QE": self.QE,
                  "QEdf": self.QEdf, "QEp": self.QEp, "i2_threshold": self.i2_threshold,
                  "p_threshold": self.p_threshold, "combine": self.combine}
        return {"model_choice": choice, **self.fit.to_dict()}

    def summary(self) -> str:
        """The reason, then the chosen fit's summary."""
        label = "Random-effects" if self.chosen == "random" else "Fixed-effect"
        return (f"Model chosen from heterogeneity: {label} model\n{self.reason}\n\n"
                f"{self.fit.summary()}")


def _record(call: Any, *args: Any, **kwargs: Any) -> tuple[MetaResult, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        fit = call(*args, **kwargs)
    return fit, [str(w.message) for w in caught if issubclass(w.category, StatsWarning)]


def choose_model(
    yi: Sequence[float] | EffectSizes | Any,
    vi: Sequence[float] | Any | None = None,
    *,
    i2_threshold: float = 50.0,
    p_threshold: float = 0.10,
    combine: Literal["and", "or"] = "and",
    random_method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    study: Sequence[Any] | None = None,
    measure: str | None = None,
    control: Mapping[str, float | None] | None = None,
) -> ModelChoice:
    """Fit fixed- or random-effects by the heterogeneity rule, and say which and why.

    Random effects (``random_method``, REML by default; ``"DL"`` as RevMan) when
    ``I2 > i2_threshold`` and ``QEp < p_threshold`` (``combine="or"``: either one),
    otherwise the equal-effects (inverse-variance fixed-effect) model. Both fits are kept.
    Warnings of the chosen fit are emitted; those of the other fit are not.
    """
    func = "choose_model"
    if not 0 <= i2_threshold < 100:
        raise InputError(f"{func}: 'i2_threshold' must be a percentage in [0, 100); "
                         f"got {i2_threshold!r}")
    if not 0 < p_threshold < 1:
        raise InputError(f"{func}: 'p_threshold' must be between 0 and 1; got {p_threshold!r}")
    if combine not in ("and", "or"):
        raise InputError(f"{func}: 'combine' must be 'and' or 'or'; got {combine!r}")
    if random_method in ("EE", "FE"):
        raise InputError(f"{func}: 'random_method' must be a tau^2 estimator, not "
                         f"{random_method!r}")
    common: dict[str, Any] = {"test": test, "level": level, "study": study, "measure": measure}
    fixed, fixed_notes = _record(rma, yi, vi, method="EE", **common)
    if fixed.k < 2:
        raise InputError(f"{func}: needs at least 2 studies to assess heterogeneity; "
                         f"got k = {fixed.k}")
    random, random_notes = _record(rma, yi, vi, method=random_method, control=control,
                                   **common)
    i2, qp = fixed.I2, fixed.QEp
    high_i2 = i2 > i2_threshold
    low_p = qp < p_threshold
    go_random = (high_i2 and low_p) if combine == "and" else (high_i2 or low_p)
    i2_text = f"I^2 = {i2:.1f}% {'>' if high_i2 else '<='} {i2_threshold:g}%"
    p_text = f"Q test P = {qp:.4g} {'<' if low_p else '>='} {p_threshold:g}"
    rule = (f"rule: random effects when I^2 > {i2_threshold:g}% {combine} Q test "
            f"P < {p_threshold:g}")
    if combine == "and":
        verdict = "both criteria met" if go_random else "not both criteria met"
    else:
        verdict = "at least one criterion met" if go_random else "neither criterion met"
    model = (f"random-effects model ({random.method}, tau^2 = {random.tau2:.4g})" if go_random
             else "fixed-effect (equal-effects, inverse-variance) model")
    reason = f"{i2_text}; {p_text}; {verdict}: {model} [{rule}]"
    for note in random_notes if go_random else fixed_notes:
        warnings.warn(note, StatsWarning, stacklevel=2)
    return ModelChoice(
        chosen="random" if go_random else "fixed", fit=random if go_random else fixed,
        reason=reason, I2=i2, QE=fixed.QE, QEdf=fixed.QEdf, QEp=qp,
        i2_threshold=i2_threshold, p_threshold=p_threshold, combine=combine,
        fixed_fit=fixed, random_fit=random,
    )
