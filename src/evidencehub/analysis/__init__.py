"""The one analysis service: input rows → effect sizes → fit → result objects.

It sits beside :mod:`evidencehub.stats`, which stays pure (arrays in, result objects out), and
is the one path from data to a pooled result for the ``meta`` command, the demo, the site and
the store's analysis runs:

* :class:`PoolSettings` — measure, method (a tau² estimator, ``MH`` or ``PETO``), test, level,
  convention and model rule, checked once;
* :func:`pool` — one analysis from its input columns (metafor's ``escalc`` names) →
  :class:`Pooled` (effect sizes, fit, subgroups, the model rule's decision, notes);
* :func:`pool_batch` — many analyses with the same settings at once → :class:`PooledBatch`;
* :func:`meta_report` — the whole ``evidencehub meta`` workflow on a table →
  :class:`MetaReport`, with :func:`read_csv` to read the table;
* the store side: :mod:`.contrasts` builds an analysis's rows from stored arm rows,
  :mod:`.run` is the typed, versioned result of a run (and its fingerprint), and
  :mod:`.service` fits the stale analyses and stores one immutable run each.

>>> from evidencehub.analysis import PoolSettings, pool
>>> res = pool({"ai": [4, 6], "bi": [119, 300], "ci": [11, 29], "di": [128, 274]},
...            ["A", "B"], PoolSettings("OR", method="MH"))
>>> round(res.to_dict()["estimate"], 4)
-1.4215
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidencehub.analysis.batch import PooledBatch, pool_batch
    from evidencehub.analysis.pooling import Pooled, StudyRow, pool
    from evidencehub.analysis.report import (
        Analysis,
        BiasTests,
        MetaOptions,
        MetaReport,
        meta_report,
    )
    from evidencehub.analysis.rule import RuleDecision
    from evidencehub.analysis.settings import ModelRule, PoolSettings
    from evidencehub.analysis.table import CsvTable, Groups, read_csv

__all__ = [
    "Analysis",
    "BiasTests",
    "CsvTable",
    "Groups",
    "MetaOptions",
    "MetaReport",
    "ModelRule",
    "PoolSettings",
    "Pooled",
    "PooledBatch",
    "RuleDecision",
    "StudyRow",
    "meta_report",
    "pool",
    "pool_batch",
    "read_csv",
]

#: Where each public name lives. They are imported when first used (PEP 562), so that the
#: store side (``run``, ``contrasts``, ``service``), which commands such as ``analyses`` and
#: ``trace`` import, loads without numpy and scipy (0.2-0.3 s; ``tests/analysis/test_init.py``).
_HOMES = {
    "Analysis": "report", "BiasTests": "report", "CsvTable": "table", "Groups": "table",
    "MetaOptions": "report", "MetaReport": "report", "ModelRule": "settings",
    "PoolSettings": "settings", "Pooled": "pooling", "PooledBatch": "batch",
    "RuleDecision": "rule", "StudyRow": "pooling", "meta_report": "report", "pool": "pooling",
    "pool_batch": "batch", "read_csv": "table",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names and the submodules loaded so far."""
    loaded = {name for name, value in globals().items() if isinstance(value, ModuleType)}
    return sorted({*__all__, *loaded})
