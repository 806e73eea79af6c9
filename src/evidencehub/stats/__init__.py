"""Meta-analysis: effect sizes, pooling models, heterogeneity, subgroups, meta-regression.

Pure numpy/scipy, no I/O. The vocabulary is metafor's (``escalc``, ``rma``, ``yi``, ``vi``,
``tau2``, ``I2``, ``QE``...), and every number is checked against metafor 3.8 in the tests.

>>> from evidencehub.stats import escalc, rma
>>> es = escalc("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274])
>>> res = rma(es, method="DL")
"""

from evidencehub.stats.effects import EffectSizes, escalc
from evidencehub.stats.measures import REGISTRY, Measure, back_transform, measure_info
from evidencehub.stats.models import rma
from evidencehub.stats.regression import Coefficient
from evidencehub.stats.results import FitStats, MetaResult, Prediction, Tau2Interval
from evidencehub.stats.tau2 import METAFOR_DEFAULT_CONTROL, Method

__all__ = [
    "METAFOR_DEFAULT_CONTROL",
    "REGISTRY",
    "Coefficient",
    "EffectSizes",
    "FitStats",
    "Measure",
    "MetaResult",
    "Method",
    "Prediction",
    "Tau2Interval",
    "back_transform",
    "escalc",
    "measure_info",
    "rma",
]
