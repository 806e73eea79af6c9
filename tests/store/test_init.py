"""The store's public surface: every name in each module's ``__all__`` exists and is documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "evidencehub.store",
    "evidencehub.store.session",
    "evidencehub.store.tables",
    "evidencehub.store.repo",
    "evidencehub.store.repo.records",
    "evidencehub.store.repo.trials",
    "evidencehub.store.repo.studies",
    "evidencehub.store.repo.analyses",
    "evidencehub.store.repo.pages",
    "evidencehub.store.repo.imports",
    "evidencehub.store.repo.duplicates",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_functions_are_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__
    assert sorted(module.__all__) == list(module.__all__), "keep __all__ sorted"
    for public in module.__all__:
        value = getattr(module, public)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"{name}.{public} has no docstring"


@pytest.mark.parametrize("name", MODULES[4:])
def test_repository_functions_take_a_session_first(name: str) -> None:
    module = importlib.import_module(name)
    functions = [
        getattr(module, n) for n in module.__all__ if inspect.isfunction(getattr(module, n))
    ]
    assert functions
    for function in functions:
        first = next(iter(inspect.signature(function).parameters))
        assert first == "session", f"{name}.{function.__name__} takes {first!r} first"
