"""The public API of ``evidencehub.stats``: exactly the names in ``__all__``, in isort order
(constants, classes, functions; as ruff's RUF022)."""

from __future__ import annotations

from evidencehub import stats


def test_all_is_sorted_and_complete() -> None:
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert stats.__all__ == sorted(stats.__all__, key=isort_key)
    public = {name for name in vars(stats) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(stats, name)).__name__ == "module"}
    assert set(stats.__all__) == public - modules


def test_names_the_other_stages_rely_on() -> None:
    for name in ("escalc", "rma", "EffectSizes", "MetaResult", "Measure", "Method"):
        assert name in stats.__all__
