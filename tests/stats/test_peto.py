"""rma_peto against metafor 3.8 ``rma.peto`` (the ``peto`` blocks of the reference fixtures)."""

from __future__ import annotations

from typing import Any

import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.peto import rma_peto
from tests.stats.reference import load_reference, reference_names

NAMES = [name for name in reference_names() if "peto" in load_reference(name)[1]]


def _load(name: str) -> tuple[dict[str, list[float]], list[str], dict[str, Any]]:
    rows, ref = load_reference(name)
    cells = {c: [float(r[c]) for r in rows] for c in ("ai", "bi", "ci", "di")}
    return cells, [r["study"] for r in rows], ref


@pytest.mark.parametrize("name", NAMES)
def test_matches_metafor_rma_peto(name: str) -> None:
    cells, study, ref = _load(name)
    if "warnings" in ref["peto"]:
        with pytest.warns(StatsWarning, match="carry no information"):
            got = rma_peto(**cells, study=study).to_dict()  # type: ignore[arg-type]
    else:
        got = rma_peto(**cells, study=study).to_dict()  # type: ignore[arg-type]
    numeric = {k: v for k, v in ref["peto"].items() if isinstance(v, (int, float))}
    assert len(numeric) >= 13
    for key, expected in numeric.items():
        assert got[key] == pytest.approx(expected, rel=1e-8, abs=1e-300), key


def test_summary_is_deterministic() -> None:
    cells, study, _ = _load("woods2010_OR")
    text = rma_peto(**cells, study=study).summary()  # type: ignore[arg-type]
    assert text == rma_peto(**cells, study=study).summary()  # type: ignore[arg-type]
    assert "Pooled Peto Odds Ratio: 0.4258" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ai": [0, 0], "bi": [3, 3], "ci": [0, 0], "di": [2, 2]},
         "rma_peto: no table has both events and non-events; the Peto odds ratio is undefined"),
        ({"ai": [1, 2], "bi": [3, 3], "ci": [1], "di": [2, 2]},
         "rma_peto: 'ai', 'bi', 'ci' and 'di' must have the same length; 'ci' has 1, 'ai' has 2"),
        ({"ai": [1.0, float("nan")], "bi": [3, 3], "ci": [1, 1], "di": [2, 2]},
         "table 2: rma_peto: 'ai' must be a non-negative count; got nan"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        rma_peto(**kwargs)
    assert str(exc.value) == message
