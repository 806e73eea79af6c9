"""The public API of ``evidencehub.analysis``: exactly the names in ``__all__``, sorted."""

from __future__ import annotations

import doctest

from evidencehub import analysis


def test_all_is_sorted_and_complete() -> None:
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert analysis.__all__ == sorted(analysis.__all__, key=isort_key)
    public = {name for name in vars(analysis) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(analysis, name)).__name__ == "module"}
    assert set(analysis.__all__) == public - modules


def test_package_example_runs() -> None:
    result = doctest.testmod(analysis)
    assert result.attempted > 0 and result.failed == 0
