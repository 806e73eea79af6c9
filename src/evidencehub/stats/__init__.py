"""Meta-analysis: effect sizes, pooling models, heterogeneity, subgroups, meta-regression.

Pure numpy/scipy, no I/O. The vocabulary is metafor's (``escalc``, ``rma``, ``yi``, ``vi``,
``tau2``, ``I2``, ``QE``...), and every number is checked against metafor 3.8 in the tests.

>>> from evidencehub.stats import escalc, rma
>>> es = escalc("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274])
>>> res = rma(es, method="DL")

The names below are loaded when first used (a module ``__getattr__``, PEP 562), so that a module
needing one light submodule (:mod:`.convert` for extraction, :mod:`.distributions` for screening
agreement) does not pay for :mod:`.effects` and :mod:`.models` — scipy's special functions and
the fitting code — at import. Written by hand rather than with ``lazy_loader`` (SPEC 1) because
that package needs a ``.pyi`` stub beside the module for type checkers; here the
``TYPE_CHECKING`` block is the stub.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidencehub.stats.effects import EffectSizes, escalc
    from evidencehub.stats.measures import REGISTRY, Measure, back_transform, measure_info
    from evidencehub.stats.models import rma
    from evidencehub.stats.regression import Coefficient
    from evidencehub.stats.results import FitStats, MetaResult, Prediction, Tau2Interval
    from evidencehub.stats.tau2 import METAFOR_DEFAULT_CONTROL, Method

#: Each public name and the submodule that defines it.
_SOURCES = {
    "EffectSizes": "effects", "escalc": "effects",
    "REGISTRY": "measures", "Measure": "measures", "back_transform": "measures",
    "measure_info": "measures",
    "rma": "models",
    "Coefficient": "regression",
    "FitStats": "results", "MetaResult": "results", "Prediction": "results",
    "Tau2Interval": "results",
    "METAFOR_DEFAULT_CONTROL": "tau2", "Method": "tau2",
}

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


def __getattr__(name: str) -> Any:
    """Load ``name`` from its submodule on first use and keep it (PEP 562)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SOURCES])
