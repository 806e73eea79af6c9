"""Input checks shared by :func:`escalc`, :func:`rma` and the other public entry points.

Every failure raises :class:`~evidencehub.errors.InputError` with one message shape:
``"<function>, study '<label>': '<column>' must be <what>; got <value>"`` — the function
that refused the data is the *source*, the study label is the *where*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.errors import InputError

if TYPE_CHECKING:
    from evidencehub.stats.results import MetaResult

__all__ = [
    "as_float_array",
    "check_choice",
    "check_fit",
    "check_level",
    "study_labels",
]

FloatArray = NDArray[np.float64]


def study_labels(study: Sequence[Any] | None, k: int, func: str) -> tuple[str, ...]:
    """Return ``k`` study labels as strings (``"Study 1"``, ... when none are given)."""
    if study is None:
        return tuple(f"Study {i + 1}" for i in range(k))
    labels = tuple(map(str, study))
    if len(labels) != k:
        raise InputError(
            f"'study' has {len(labels)} labels but the data have {k} studies", source=func
        )
    return labels


def as_float_array(
    values: ArrayLike,
    name: str,
    func: str,
    study: Sequence[str] | None = None,
    *,
    allow_nan: bool = False,
) -> FloatArray:
    """Convert ``values`` to a 1-D float array, naming the study of any non-number.

    Parameters
    ----------
    values : array-like of shape (k,)
        The column.
    name : str
        Column name used in messages (``'vi'``, ``'sd1i'``...).
    func : str
        Public function that is checking (``"escalc"``, ``"rma"``).
    study : sequence of str, optional
        Study labels, used to say *where* a bad value sits.
    allow_nan : bool
        Accept NaN (missing) entries; infinities are always refused.
    """
    try:
        fast = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        fast = None
    if fast is not None and not np.isinf(fast).any() and (allow_nan or not np.isnan(fast).any()):
        return fast
    raw = np.asarray(values, dtype=object).reshape(-1)
    out = np.empty(raw.shape[0], dtype=np.float64)
    for i, value in enumerate(raw):
        try:
            number = float(value) if value is not None else float("nan")
        except (TypeError, ValueError):
            raise InputError(
                f"'{name}' must be a number; got {value!r}",
                source=func,
                where=_where(study, i),
            ) from None
        if np.isinf(number) or (np.isnan(number) and not allow_nan):
            raise InputError(
                f"'{name}' must be a finite number; got {value!r}",
                source=func,
                where=_where(study, i),
            )
        out[i] = number
    return out


def check_choice(value: str, name: str, choices: Sequence[str], func: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming the options."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise InputError(f"'{name}' must be one of: {options}; got {value!r}", source=func)
    return value


def check_level(level: float, func: str) -> float:
    """Check a confidence level given in percent (metafor's ``level = 95``)."""
    level = float(level)
    if not 0.0 < level < 100.0:
        raise InputError(
            f"'level' must be a percentage between 0 and 100; got {level!r}", source=func
        )
    return level


def check_fit(fit: MetaResult, func: str, minimum: int) -> None:
    """Refuse a fit with moderators, or with fewer than ``minimum`` studies, for ``func``."""
    if fit.p != 1:
        raise InputError(f"{func}: needs a model without moderators; this one has "
                         f"{fit.p} coefficients")
    if fit.k < minimum:
        raise InputError(f"{func}: needs at least {minimum} studies; got k = {fit.k}")


def _where(study: Sequence[str] | None, i: int) -> str:
    if study is not None and i < len(study):
        return f"study '{study[i]}'"
    return f"study {i + 1}"
