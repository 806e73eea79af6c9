"""The public API of ``evidencehub.grade.certainty``: every module's ``__all__`` sorted and
real, the package re-exporting names from their home modules; the doctests run."""

from __future__ import annotations

import doctest
from importlib import import_module

import pytest

from evidencehub.grade import certainty

MODULES = ("domains", "profile", "rating", "sof", "statements")


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


@pytest.mark.parametrize("name", [None, *MODULES])
def test_all_is_sorted_and_defined(name):
    module = certainty if name is None else import_module(f"evidencehub.grade.certainty.{name}")
    assert module.__all__ == sorted(module.__all__, key=_isort_key)
    for item in module.__all__:
        assert hasattr(module, item), item


def test_package_names_come_from_their_modules():
    homes = {item: m for m in MODULES
             for item in import_module(f"evidencehub.grade.certainty.{m}").__all__}
    for item in certainty.__all__:
        home = import_module(f"evidencehub.grade.certainty.{homes[item]}")
        assert getattr(certainty, item) is getattr(home, item)


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name):
    result = doctest.testmod(import_module(f"evidencehub.grade.certainty.{name}"))
    assert result.failed == 0
