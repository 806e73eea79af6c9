"""Screening metrics against ASReview's own code (asreview-insights 1.6.1, values made by
tests/reference/asreview/generate.py) and against hand-computed examples. Tolerance: 1e-12."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.review.screening_metrics import (
    atd,
    recall_at,
    screening_metrics,
    time_to_discovery,
    wss_at,
)

REFERENCE = json.loads((Path(__file__).parents[1] / "reference" / "asreview" / "metrics.json")
                       .read_text(encoding="utf-8"))
CASES = REFERENCE["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_asreview_insights(case: dict[str, object]) -> None:
    labels = case["labels"]
    assert isinstance(labels, list)
    assert recall_at(labels, 0.10) == pytest.approx(case["recall@10%"], abs=1e-12)
    assert wss_at(labels, 0.95) == pytest.approx(case["wss@95"], abs=1e-12)
    assert atd(labels) == pytest.approx(case["atd"], abs=1e-12)


def test_by_hand_three_of_ten() -> None:
    # Inclusions at positions 1, 3 and 10 of 10 records.
    labels = [True, False, True, False, False, False, False, False, False, True]
    assert list(time_to_discovery(labels)) == [1, 3, 10]
    assert atd(labels) == pytest.approx(14 / 3)
    assert recall_at(labels, 0.10) == pytest.approx(1 / 3)  # after 1 record: 1 of 3
    assert recall_at(labels, 0.35) == pytest.approx(2 / 3)  # after 3 records
    # WSS@95: k = 2 (2/3 <= 0.95 < 3/3); found at index 2; the random line
    # round(linspace(0, 3, 10)) = 0,0,1,1,1,2,2,2,3,3 reaches 2 at index 5: (5 - 2)/10.
    assert wss_at(labels, 0.95) == pytest.approx(0.3)
    metrics = screening_metrics(labels).to_dict()
    assert metrics["wss@95"] == pytest.approx(0.3) and metrics["atd"] == pytest.approx(14 / 3)
    assert metrics["atd_fraction"] == pytest.approx(14 / 30)
    assert (metrics["n_screened"], metrics["n_included"]) == (10, 3)


def test_no_inclusion_is_refused() -> None:
    with pytest.raises(InputError, match="no included record"):
        screening_metrics([False, False])
    with pytest.raises(InputError, match="non-empty"):
        recall_at([], 0.1)
