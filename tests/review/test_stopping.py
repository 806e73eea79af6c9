"""The stopping test against R's phyper (tests/reference/stopping/generate.R writes the
Callaghan & Müller-Hansen 2020 formulas out in R). Tolerances: p-values 1e-9 relative (both
are the same CDF in double precision), counts exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evidencehub.errors import InputError
from evidencehub.review.stopping import k_target, stopping_test

REFERENCE = json.loads((Path(__file__).parents[1] / "reference" / "stopping" / "stopping.json")
                       .read_text(encoding="utf-8"))
RANDOM = [c for c in REFERENCE if c["kind"] == "random"]
RANKED = [c for c in REFERENCE if c["kind"] == "ranked"]


def _check(result: object, case: dict[str, object]) -> None:
    got = result.to_dict()  # type: ignore[attr-defined]
    assert got["urn_size"] == case["urn"]
    assert got["n_sampled"] == case["n"] and got["n_included_sampled"] == case["k"]
    assert got["k_target"] == case["k_target"]
    assert got["p_value"] == pytest.approx(case["p"], rel=1e-9, abs=1e-300)
    assert got["recommendation"] == ("stop" if case["stop"] else "continue")
    if case["recall_lower_bound"] is None:
        assert got["recall_lower_bound"] is None
    else:
        assert got["recall_lower_bound"] == pytest.approx(case["recall_lower_bound"], rel=1e-12)
        # The bound and the recommendation agree (module docstring).
        assert (got["recall_lower_bound"] >= case["tau"]) == case["stop"]


@pytest.mark.parametrize("case", RANDOM, ids=[f"random-{i}" for i in range(len(RANDOM))])
def test_random_sample_matches_r(case: dict[str, int | float]) -> None:
    before = int(case["screened_before"])
    r_al, n, k = int(case["r_al"]), int(case["n"]), int(case["k"])
    # Whatever the order inside the two parts, only the counts matter.
    labels = [True] * r_al + [False] * (before - r_al) + [False] * (n - k) + [True] * k
    result = stopping_test(labels, int(case["n_records"]), sampled_from=before,
                           target_recall=case["tau"], confidence=case["confidence"])
    assert result.method == "random-sample"
    _check(result, case)
    if r_al + k and n:
        expected = (r_al + k) / (r_al + k + k / n * (case["urn"] - n))
        assert result.estimated_recall == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("case", RANKED, ids=[c["name"] for c in RANKED])
def test_ranked_quasi_sample_matches_r(case: dict[str, object]) -> None:
    labels = [bool(v) for v in case["labels"]]  # type: ignore[attr-defined]
    result = stopping_test(labels, int(case["n_records"]),  # type: ignore[call-overload]
                           target_recall=case["tau"], confidence=case["confidence"])
    assert result.method == "ranked-quasi-sample"
    _check(result, case)
    assert "quasi" in result.criterion and "Callaghan" in result.criterion


def test_k_target_formula() -> None:
    # floor(r_seen / tau - r_AL + 1): 95 seen, 90 before sampling, tau 0.95 -> 100 - 90 + 1.
    assert k_target(95, 90, 0.95) == 11
    assert k_target(0, 0, 0.95) == 1
    assert k_target(480 + 6, 480, 0.95) == 32


def test_everything_screened_means_stop_and_nothing_screened_continue() -> None:
    done = stopping_test([True, False, True] + [False] * 97, 100)
    assert done.recommendation == "stop" and done.p_value == 0.0
    assert done.estimated_recall == pytest.approx(1.0)
    fresh = stopping_test([], 100)
    assert fresh.recommendation == "continue" and fresh.p_value == 1.0
    assert fresh.estimated_recall is None and fresh.recall_lower_bound is None
    assert "continue" in fresh.summary()


def test_to_dict_has_the_documented_keys() -> None:
    got = stopping_test(np.array([True] * 5 + [False] * 50), 1000).to_dict()
    for key in ("estimated_recall", "recall_lower_bound", "p_value", "target_recall",
                "confidence", "recommendation", "criterion", "summary"):
        assert key in got
    json.dumps(got)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"target_recall": 1.0}, "target recall must be between 0 and 1"),
    ({"confidence": 0.0}, "confidence must be between 0 and 1"),
    ({"sampled_from": 5}, "random sampling began at record 5"),
])
def test_bad_settings(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        stopping_test([True, False], 10, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="3 records screened, but the review has 2"):
        stopping_test([True, False, False], 2)
