"""The public API of ``evidencehub.analysis``: exactly the names in ``__all__``, sorted, each
found in its home module; and the store side of the package loads without numpy or scipy."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from importlib import import_module

from evidencehub import analysis


def test_all_is_sorted_and_complete() -> None:
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert analysis.__all__ == sorted(analysis.__all__, key=isort_key)
    assert set(analysis.__all__) == set(analysis._HOMES)
    for name in analysis.__all__:
        home = import_module(f"evidencehub.analysis.{analysis._HOMES[name]}")
        assert getattr(analysis, name) is getattr(home, name), name
    public = {name for name in dir(analysis) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(analysis, name)).__name__ == "module"}
    assert set(analysis.__all__) == public - modules


def test_package_example_runs() -> None:
    result = doctest.testmod(analysis)
    assert result.attempted > 0 and result.failed == 0


def test_the_store_side_loads_no_numerical_library() -> None:
    code = ("import json, sys; import evidencehub.analysis.run, evidencehub.analysis.contrasts, "
            "evidencehub.analysis.service; "
            "print(json.dumps(sorted({'numpy', 'scipy'} & set(sys.modules))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == []
