"""The model rule ``i2-q``: random effects when I² > 50 % and the Q test's P < 0.10.

Many reviews pre-specify this rule (it is how the authors of seed 004 chose their model, and
how RevMan users often report the choice), though methodologists advise choosing the model
from the question rather than from the data (Cochrane Handbook v6.4, §10.10.4.1; Borenstein
et al. 2010, Res Synth Methods 1:97-111). It is therefore only ever an explicit option, and
every result that used it says which model it chose and from which numbers.

The numbers are those RevMan prints for the common-effect (inverse-variance) analysis:
Cochran's Q about the common-effect estimate with ``k - 1`` df, its upper-tail chi-square P,
and Higgins & Thompson's ``I² = max(0, 100 (Q - df)/Q)`` (Higgins JPT, Thompson SG, Deeks JJ,
Altman DG 2003, BMJ 327:557-560), which is also the I² metafor reports for an equal-effects
model. Both thresholds are strict, as the rule is worded: I² of exactly 50 % or P of exactly
0.10 keep the common-effect model. The same statistics and thresholds are used by
:func:`evidencehub.stats.selection.choose_model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["I2_THRESHOLD", "P_THRESHOLD", "RuleDecision", "decide", "goes_random"]

I2_THRESHOLD = 50.0
P_THRESHOLD = 0.10


def goes_random(i2: NDArray[np.float64], qp: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether the rule picks random effects, for arrays of common-effect I² (%) and Q P values."""
    return (np.asarray(i2) > I2_THRESHOLD) & (np.asarray(qp) < P_THRESHOLD)


@dataclass(frozen=True, slots=True)
class RuleDecision:
    """What the model rule saw and chose.

    Attributes
    ----------
    rule : str
        ``"i2-q"``.
    I2, QE, QEdf, QEp : float, float, int, float
        I² (%), Q, its df and P value of the common-effect fit.
    chosen : {"random", "common"}
        The model the rule chose.
    method : str
        The method of the chosen model (``"EE"`` for the common-effect model).
    """

    rule: str
    I2: float
    QE: float
    QEdf: int
    QEp: float
    chosen: str
    method: str

    @property
    def reason(self) -> str:
        """The rule applied to these numbers, in words."""
        high = self.I2 > I2_THRESHOLD
        low = self.QEp < P_THRESHOLD
        model = (f"random-effects model ({self.method})" if self.chosen == "random"
                 else "common-effect model")
        verdict = "both criteria met" if high and low else "not both criteria met"
        return (f"I^2 = {self.I2:.1f}% {'>' if high else '<='} {I2_THRESHOLD:g}%; "
                f"Q test P = {self.QEp:.4g} {'<' if low else '>='} {P_THRESHOLD:g} "
                f"(common-effect fit, Q = {self.QE:.4g}, df = {self.QEdf}); {verdict}: {model} "
                f"[rule {self.rule}: random effects when I^2 > {I2_THRESHOLD:g}% and Q test "
                f"P < {P_THRESHOLD:g}]")

    def to_dict(self) -> dict[str, Any]:
        """``{rule, I2, QE, QEdf, QEp, chosen, method, reason}``."""
        return {"rule": self.rule, "I2": self.I2, "QE": self.QE, "QEdf": self.QEdf,
                "QEp": self.QEp, "chosen": self.chosen, "method": self.method,
                "reason": self.reason}


def decide(rule: str, i2: float, qe: float, qedf: int, qp: float,
           random_method: str) -> RuleDecision:
    """The decision for one analysis from its common-effect I², Q, df and P value."""
    random = bool(goes_random(np.array(i2), np.array(qp)))
    return RuleDecision(rule, float(i2), float(qe), int(qedf), float(qp),
                        "random" if random else "common", random_method if random else "EE")
