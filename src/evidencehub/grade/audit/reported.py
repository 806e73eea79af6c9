"""What a statement reports, number by number, as printed.

A printed number keeps its text: ``0.030`` and ``0.03`` are the same value but not the same
claim, because the true value of ``0.03`` may be anything that rounds to it (0.025 ≤ x < 0.035).
The audit calls a statement inconsistent only if no values that round to the printed ones
agree (Altman & Bland 2011; statcheck's rounding rule, Nuijten et al. 2016).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from evidencehub.errors import InputError

__all__ = ["Printed", "Relation", "Reported", "TestStatistic"]

Relation = Literal["=", "<", ">", "<=", ">="]
TestStatistic = Literal["t", "F", "r", "chi2", "z", "Q"]

_NUMBER = re.compile(r"^(?P<sign>[-+]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[-+]?\d+))?$")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2010": "-", "\u2011": "-", "\u00b7": "."})
_RELATIONS: dict[str, Relation] = {"<": "<", ">": ">", "<=": "<=", ">=": ">=", "\u2264": "<=",
                                   "\u2265": ">=", "=": "="}


@dataclass(frozen=True, slots=True)
class Printed:
    """A number as printed: its text, value, decimals shown and relation (``P < 0.001``).

    ``decimals`` is the count of digits after the decimal point (0 for ``12``); with an
    exponent (``1.2e-5``) it counts the significant decimals of the mantissa shifted by the
    exponent, so :attr:`half_width` is still half a unit in the last printed place.
    """

    text: str
    value: float
    decimals: int
    relation: Relation = "="

    @classmethod
    def parse(cls, text: str, *, where: str | None = None) -> Printed:
        """Read ``"0.03"``, ``"−1.5"``, ``".049"``, ``"< 0.001"``, ``"≥ 2"``, ``"1.2e-5"``.

        Raises :class:`InputError` naming ``where`` for anything else (empty text, words,
        infinities, NaN).
        """
        raw = text.strip().translate(_MINUS)
        relation: Relation = "="
        for symbol in ("<=", ">=", "\u2264", "\u2265", "<", ">", "="):
            if raw.startswith(symbol):
                relation = _RELATIONS[symbol]
                raw = raw[len(symbol):].strip()
                break
        match = _NUMBER.match(raw.replace(",", "") if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", raw) else raw)
        if match is None or not (match["int"] or match["frac"]):
            raise InputError(f"expected a number, got {text.strip()!r}", where=where)
        value = float(match.group(0))
        if not math.isfinite(value):
            raise InputError(f"expected a finite number, got {text.strip()!r}", where=where)
        decimals = len(match["frac"] or "") - int(match["exp"] or 0)
        return cls(text=text.strip(), value=value, decimals=decimals, relation=relation)

    @property
    def half_width(self) -> float:
        """Half a unit in the last printed place: ``0.005`` for ``0.03``."""
        return 0.5 * 10.0 ** (-self.decimals)

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval of true values compatible with the printed text and its relation.

        ``= 0.03`` → [0.025, 0.035]; ``< 0.001`` → [-inf, 0.001]; ``> 0.05`` → [0.05, inf].
        Bounds are closed: rounding half up or half to even may both have printed the text.
        """
        if self.relation in ("<", "<="):
            return (-math.inf, self.value)
        if self.relation in (">", ">="):
            return (self.value, math.inf)
        return (self.value - self.half_width, self.value + self.half_width)


@dataclass(frozen=True, slots=True)
class Reported:
    """One statement's numbers: whatever a sentence or a CHECKS.csv row gives (all optional).

    Attributes
    ----------
    quote : str
        The verbatim span of the input the numbers come from.
    line, id : int or str or None
        1-based line of ``quote`` in a text; the row's ``id`` in a table.
    estimate, ci_lb, ci_ub, p : Printed or None
        An effect estimate with its confidence interval and P value.
    ratio : bool
        The estimate is a ratio (OR, RR, HR): checks work on the log scale.
    level : float
        Confidence level of the interval, in percent.
    mean, sd : Printed or None; n, items : int or None
        A mean and SD of ``n`` participants answering ``items`` integer items (GRIM/GRIMMER).
    events, total : int or None; percent : Printed or None
        A percentage and the count it should be (``events`` of ``total``); ``percent`` alone
        with ``total`` checks that some whole count gives it.
    statistic, value, df1, df2 : test statistic name, its printed value and degrees of freedom
        ``t(df1)``, ``F(df1, df2)``, ``r(df1)``, ``chi2(df1)``, ``Q(df1)``, ``z``.
    tails : 1 or 2
        A one-tailed test (statcheck accepts it when the P halves to agree and the text says so).
    claim : "significant" or "not significant" or None
        What the words around the numbers say about significance.
    alpha : float
        The significance level the text uses.
    measure : str or None
        What the estimate is, as the text names it (``"OR"``, ``"mean difference"``), for
        messages only.
    """

    quote: str
    line: int | None = None
    id: str | None = None
    estimate: Printed | None = None
    ci_lb: Printed | None = None
    ci_ub: Printed | None = None
    p: Printed | None = None
    ratio: bool = False
    level: float = 95.0
    mean: Printed | None = None
    sd: Printed | None = None
    n: int | None = None
    items: int | None = None
    events: int | None = None
    total: int | None = None
    percent: Printed | None = None
    statistic: TestStatistic | None = None
    value: Printed | None = None
    df1: Printed | None = None
    df2: Printed | None = None
    tails: Literal[1, 2] = 2
    claim: Literal["significant", "not significant"] | None = None
    alpha: float = 0.05
    measure: str | None = None
