"""The public API of ``evidencehub.stats``: exactly the names in ``__all__``, in isort order
(constants, classes, functions; as ruff's RUF022), each loaded from its submodule on first use
(PEP 562), so that a light submodule does not bring the fitting code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evidencehub import stats


def test_all_is_sorted_and_every_name_loads() -> None:
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert stats.__all__ == sorted(stats.__all__, key=isort_key)
    for name in stats.__all__:
        value = getattr(stats, name)
        assert getattr(value, "__module__", "evidencehub.stats").startswith("evidencehub.")
    assert set(stats.__all__) == set(stats._SOURCES)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'fit'"):
        stats.fit  # noqa: B018


def test_a_light_submodule_does_not_load_the_fitting_code() -> None:
    code = ("import sys, evidencehub.stats.convert; "
            "print(sorted(m for m in ('evidencehub.stats.effects', 'evidencehub.stats.models') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_names_the_other_stages_rely_on() -> None:
    for name in ("escalc", "rma", "EffectSizes", "MetaResult", "Measure", "Method"):
        assert name in stats.__all__
