"""The priority ranker: features, ranking contract for every model, cold start, cache use."""

from __future__ import annotations

import numpy as np
import pytest

from evidencehub.errors import InputError
from evidencehub.review.priority import (
    EVERY_LABEL_UNTIL,
    Ranking,
    build_features,
    rank,
    record_text,
    retrain_due,
)
from evidencehub.vocab import PriorityModel
from tests.review.synthetic import records

ROWS = records()
FEATURES = build_features([record_text(t, a) for _, t, a, _ in ROWS])
INCLUDED = [i for i, row in enumerate(ROWS) if row[3]]
EXCLUDED = [i for i, row in enumerate(ROWS) if not row[3]]
LABELS = {INCLUDED[0]: True, INCLUDED[1]: True, EXCLUDED[0]: False, EXCLUDED[1]: False}


def test_features_are_normalised_rows_of_shared_terms() -> None:
    assert FEATURES.n_records == len(ROWS)
    norms = np.sqrt(np.asarray(FEATURES.matrix.multiply(FEATURES.matrix).sum(axis=1)).ravel())
    assert norms == pytest.approx(1.0)


def test_record_text_counts_the_title_twice() -> None:
    assert record_text("Islets", "An abstract.") == "Islets Islets An abstract."
    assert record_text(None, None) == ""
    assert record_text("", "only abstract") == "only abstract"


def test_tiny_reviews_keep_every_term_and_empty_ones_are_refused() -> None:
    assert build_features(["one record only"]).n_records == 1
    assert build_features(["apples", "pears"]).matrix.shape == (2, 2)
    with pytest.raises(InputError, match="no records to rank"):
        build_features([])
    with pytest.raises(InputError, match="no words in any title or abstract"):
        build_features(["", "  "])


@pytest.mark.parametrize("model", list(PriorityModel))
def test_every_model_ranks_each_unlabelled_record_once_and_repeats_itself(
        model: PriorityModel) -> None:
    ranking = rank(FEATURES, LABELS, model=model, seed=5)
    assert sorted(ranking.order.tolist()) == sorted(set(range(len(ROWS))) - set(LABELS))
    again = rank(FEATURES, dict(reversed(list(LABELS.items()))), model=model, seed=5)
    assert again.order.tolist() == ranking.order.tolist()
    assert again.trained_on == ranking.trained_on
    assert ranking.model is model and ranking.n_labelled == 4 and ranking.n_included == 2
    assert ranking.trained is (model is PriorityModel.SVM)


def test_svm_puts_the_inclusions_first() -> None:
    ranking = rank(FEATURES, LABELS)
    remaining = len(INCLUDED) - 2
    assert set(ranking.order[:remaining].tolist()) == set(INCLUDED[2:])


def test_random_depends_on_the_seed_and_import_order_on_nothing() -> None:
    a = rank(FEATURES, LABELS, model="random", seed=1).order.tolist()
    b = rank(FEATURES, LABELS, model="random", seed=2).order.tolist()
    assert a != b
    order = rank(FEATURES, LABELS, model="import-order").order.tolist()
    assert order == sorted(order)


def test_cold_start_without_both_classes() -> None:
    only_in = rank(FEATURES, {INCLUDED[0]: True})
    assert not only_in.trained
    top = set(only_in.order[:len(INCLUDED) - 1].tolist())  # most similar to the inclusion
    assert len(top & set(INCLUDED)) >= 0.8 * (len(INCLUDED) - 1)
    nothing = rank(FEATURES, {}, seed=4)
    assert not nothing.trained and len(nothing.order) == len(ROWS)
    assert nothing.order.tolist() != sorted(nothing.order.tolist())


def test_next_serves_from_the_cached_order_skipping_decided_records() -> None:
    ranking = rank(FEATURES, LABELS)
    first = ranking.next(3)
    assert first == ranking.order[:3].tolist()
    assert ranking.next(2, decided={first[0]}) == first[1:3]
    assert ranking.to_dict()["order"] == ranking.order.tolist()


def test_fingerprint_changes_with_the_labels() -> None:
    a = rank(FEATURES, LABELS).trained_on
    b = rank(FEATURES, {**LABELS, EXCLUDED[2]: False}).trained_on
    assert a != b and len(a) == 64


def test_bad_input() -> None:
    with pytest.raises(InputError, match="unknown priority model 'bert'"):
        rank(FEATURES, LABELS, model="bert")
    with pytest.raises(InputError, match="label for record index 999, but the features have 200"):
        rank(FEATURES, {999: True})


def test_retrain_schedule() -> None:
    assert not retrain_due(10, 0)
    assert all(retrain_due(n, 1) for n in range(1, EVERY_LABEL_UNTIL + 1))
    assert not retrain_due(1000, 19) and retrain_due(1000, 20)


def test_ranking_is_frozen() -> None:
    ranking = rank(FEATURES, LABELS)
    assert isinstance(ranking, Ranking)
    with pytest.raises(AttributeError):
        ranking.model = PriorityModel.RANDOM  # type: ignore[misc]


def test_nothing_left_to_rank() -> None:
    everything = {i: bool(row[3]) for i, row in enumerate(ROWS)}
    ranking = rank(FEATURES, everything)
    assert ranking.order.size == 0 and ranking.next(3) == []
