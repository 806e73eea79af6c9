"""The measure registry: one contract check per measure, and the back-transformations.

Back-transformation references printed by metafor 3.8-1 (``digits = 15``), R call above
each value; tolerance 1e-12 relative.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evidencehub.stats import REGISTRY, Measure, back_transform, escalc, measure_info, rma
from evidencehub.stats.measures import Family, Scale, ft_double_arcsine

EXAMPLE_INPUT: dict[Family, dict[str, list[float]]] = {
    Family.TWO_BY_TWO: {"ai": [4, 6, 3], "bi": [119, 300, 30], "ci": [11, 29, 5],
                        "di": [128, 274, 31]},
    Family.TWO_GROUP_CONTINUOUS: {"m1i": [10.2, 5.1, 7.7], "m2i": [9.1, 6.0, 7.0],
                                  "sd1i": [2.1, 1.5, 3.3], "sd2i": [1.9, 1.2, 2.8],
                                  "n1i": [12, 30, 8], "n2i": [14, 25, 9]},
    Family.PROPORTION: {"xi": [4, 10, 25], "ni": [30, 12, 40]},
    Family.MEAN: {"mi": [1.2, 3.4, 2.2], "sdi": [0.5, 2, 1], "ni": [10, 40, 20]},
    Family.MEAN_CHANGE: {"m1i": [10.2, 5.1, 7.7], "m2i": [9.1, 6.0, 7.0],
                         "sd1i": [2.1, 1.5, 3.3], "sd2i": [1.9, 1.2, 2.8], "ni": [12, 30, 8],
                         "ri": [0.5, 0.3, 0.8]},
    Family.CORRELATION: {"ri": [0.2, -0.5, 0.7], "ni": [30, 50, 12]},
    Family.GENERIC: {"yi": [0.1, 0.4, 0.3], "vi": [0.02, 0.03, 0.05]},
}


@pytest.mark.parametrize("measure", list(Measure))
def test_every_measure_is_registered_and_fits(measure: Measure) -> None:
    """Contract: metadata present, escalc accepts the family's columns, rma pools it, and the
    back-transformation of the pooled estimate is finite."""
    info = measure_info(measure)
    assert info is REGISTRY[measure] and info.measure is measure
    data = EXAMPLE_INPUT[info.family]
    assert all(any(c in data for c in alternatives) for alternatives in info.required)
    kwargs: dict[str, Any] = {c: data[c] for c in info.columns if c in data}
    es = escalc(measure, **kwargs)
    assert es.k == 3 and np.all(np.isfinite(es.yi)) and np.all(es.vi > 0)
    res = rma(es, method="EE")
    shown = info.back_transform([res.estimate], es.ni)
    assert shown == back_transform(measure, [res.estimate], es.ni)
    assert np.isfinite(shown).all()
    assert info.is_ratio == (info.scale is Scale.LOG)


def test_lookup_is_case_insensitive() -> None:
    assert measure_info("smd").measure is Measure.SMD


def test_pft_back_transformation_matches_metafor() -> None:
    # transf.ipft.hm(c(0.1, 0.5, 1.2, 1.5, 0.02), targs=list(ni=c(20, 30, 10, 40)))
    got = back_transform("PFT", [0.1, 0.5, 1.2, 1.5, 0.02], ni=[20, 30, 10, 40])
    np.testing.assert_allclose(got, [0.0, 0.216270765881745, 0.886856618435328, 1.0, 0.0],
                               rtol=1e-12, atol=1e-15)


def test_pft_needs_sample_sizes() -> None:
    with pytest.raises(ValueError, match="needs the study sample sizes"):
        back_transform("PFT", [0.5])


def test_arcsine_back_transformation_matches_metafor() -> None:
    # transf.iarcsin(c(-0.1, 0.5, 1.2, 1.7))
    np.testing.assert_allclose(back_transform("PAS", [-0.1, 0.5, 1.2, 1.7]),
                               [0.0, 0.229848847065930, 0.868696857770623, 1.0], rtol=1e-12)


@pytest.mark.parametrize(
    ("measure", "value", "expected"),
    [("OR", np.log(2.0), 2.0), ("PLO", 0.0, 0.5), ("ZCOR", np.arctanh(0.3), 0.3),
     ("MD", 1.7, 1.7)],
)
def test_simple_back_transformations(measure: str, value: float, expected: float) -> None:
    assert back_transform(measure, [value])[0] == pytest.approx(expected, rel=1e-14)


def test_freeman_tukey_round_trip() -> None:
    """Miller (1978): the inverse recovers p from the double arcsine at the same n."""
    p = np.array([0.05, 0.3, 0.5, 0.8])
    t = ft_double_arcsine(p, 25.0)
    np.testing.assert_allclose(back_transform("PFT", t, ni=[25.0]), p, rtol=1e-10)


def test_every_measure_is_documented() -> None:
    """``docs/stats.md`` has a row for every measure code."""
    docs = (Path(__file__).parents[2] / "docs" / "stats.md").read_text(encoding="utf-8")
    for measure in Measure:
        assert f"| `{measure.value}` |" in docs, measure
