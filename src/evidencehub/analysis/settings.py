"""What to pool and how: :class:`PoolSettings`, checked once, with one clear line per refusal.

The settings name metafor's vocabulary: an ``escalc`` measure, a pooling method (a tau²
estimator of ``rma``, or the Mantel-Haenszel and Peto poolers of ``rma.mh`` and ``rma.peto``),
the test, the confidence level, a convention preset (metafor's defaults or RevMan's), and an
optional model rule that chooses between a common-effect and a random-effects model from the
heterogeneity of the data (see :mod:`evidencehub.analysis.rule`).

Combinations that cannot be fitted are refused here, before any data are read: Mantel-Haenszel
pools 2x2 tables as OR, RR or RD; Peto's method gives an odds ratio; both are common-effect
models, so Knapp-Hartung tests and the model rule do not apply to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidencehub.errors import InputError
from evidencehub.stats.measures import Measure, measure_info
from evidencehub.vocab import ModelRule

__all__ = ["MH_MEASURES", "PETO_MEASURES", "POOLERS", "TAU2_METHODS", "ModelRule",
           "PoolSettings"]

_SOURCE = "pool"

#: tau² estimators of :func:`evidencehub.stats.rma` (``EE`` is the common-effect model).
TAU2_METHODS = ("EE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS")
#: Poolers of 2x2 tables: metafor's ``rma.mh`` and ``rma.peto``.
POOLERS = ("MH", "PETO")
#: Measures Mantel-Haenszel pools (metafor ``rma.mh``).
MH_MEASURES = (Measure.OR, Measure.RR, Measure.RD)
#: Measures Peto's method accepts: the odds ratio, or the Peto odds ratio itself.
PETO_MEASURES = (Measure.OR, Measure.PETO)
_CONVENTIONS = ("metafor", "revman")
_TESTS = ("z", "knha")


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """How to pool one analysis.

    Attributes
    ----------
    measure : Measure
        Effect measure (metafor's ``escalc`` code); text is accepted and normalised.
    method : str or None
        ``EE`` (common effect), a tau² estimator (``DL``, ``REML``, ``ML``, ``PM``, ``HE``,
        ``SJ``, ``EB``, ``HS``), ``MH`` (Mantel-Haenszel, OR/RR/RD) or ``PETO`` (Peto's odds
        ratio). None: the convention's default (REML; DL with ``convention="revman"``).
    test : {"z", "knha"}
        Normal tests, or Knapp-Hartung t tests.
    level : float
        Confidence level in percent.
    convention : {None, "metafor", "revman"}
        metafor's defaults, or RevMan's (DerSimonian-Laird, Q-based I², prediction interval
        with k - 2 df, and Greenland-Robins' variance of the Mantel-Haenszel risk difference).
    model_rule : {None, "i2-q"}
        Choose between the common-effect and the random-effects model from the data
        (:mod:`evidencehub.analysis.rule`); the choice is reported with the result.

    Raises
    ------
    InputError
        An unknown measure, method, test, convention or rule, a level outside (0, 100), or a
        combination that cannot be fitted, in one line.
    """

    measure: Measure
    method: str | None = None
    test: str = "z"
    level: float = 95.0
    convention: str | None = None
    model_rule: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "measure", measure_info(self.measure).measure)
        if self.method is not None:
            method = str(self.method).upper()
            if method == "FE":
                method = "EE"
            known = (*TAU2_METHODS, *POOLERS)
            if method not in known:
                raise InputError(f"unknown method {self.method!r}; known methods: "
                                 f"{', '.join(known)}", source=_SOURCE)
            object.__setattr__(self, "method", method)
        _choice(self.test, "test", _TESTS)
        _choice(self.convention, "convention", _CONVENTIONS, optional=True)
        _choice(self.model_rule, "model rule", tuple(r.value for r in ModelRule), optional=True)
        if not 0 < float(self.level) < 100:
            raise InputError(f"the confidence level must be a percentage between 0 and 100; "
                             f"got {self.level!r}", source=_SOURCE)
        object.__setattr__(self, "level", float(self.level))
        self._check_combination()

    @property
    def pooler(self) -> str | None:
        """``"MH"`` or ``"PETO"`` when a 2x2-table pooler is asked for, else None."""
        return self.method if self.method in POOLERS else None

    @property
    def effects_measure(self) -> Measure:
        """The measure of the study-level effect sizes: PETO for Peto's method, else ``measure``."""
        return Measure.PETO if self.method == "PETO" else self.measure

    def _check_combination(self) -> None:
        measure = self.measure.value
        if self.method == "MH" and self.measure not in MH_MEASURES:
            raise InputError(f"method MH (Mantel-Haenszel) pools 2x2 tables as OR, RR or RD; "
                             f"got measure {measure}", source=_SOURCE)
        if self.method == "PETO" and self.measure not in PETO_MEASURES:
            raise InputError(f"method PETO (Peto's method) gives an odds ratio: use measure OR; "
                             f"got measure {measure}", source=_SOURCE)
        if self.pooler is not None and self.test == "knha":
            raise InputError(f"method {self.method} is a common-effect model; Knapp-Hartung "
                             "tests (test knha) need a random-effects model", source=_SOURCE)
        if self.model_rule is not None and self.pooler is not None:
            raise InputError(f"the model rule {self.model_rule} chooses between inverse-variance "
                             f"models; method {self.method} is always a common-effect model",
                             source=_SOURCE)
        if self.model_rule is not None and self.method == "EE":
            raise InputError(f"the model rule {self.model_rule} chooses between the common-"
                             "effect and a random-effects model; give a tau² estimator "
                             "(DL, REML...) as the method, or none", source=_SOURCE)


def _choice(value: str | None, what: str, allowed: tuple[str, ...], *,
            optional: bool = False) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise InputError(f"unknown {what} {value!r}; known: {', '.join(allowed)}",
                         source=_SOURCE)
