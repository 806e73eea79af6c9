"""Simulation: reading SYNERGY-style CSVs, priors, learning only what was presented, seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import evidencehub.review.simulate as simulate_module
from evidencehub.errors import InputError
from evidencehub.review.screening_metrics import screening_metrics
from evidencehub.review.simulate import parse_labelled_csv, read_labelled_csv, simulate
from tests.review.synthetic import csv_text, records

ROWS = records()
DATA = parse_labelled_csv(csv_text(ROWS), source="synthetic.csv")
IDS = [r[0] for r in ROWS]
INCLUDED_IDS = [r[0] for r in ROWS if r[3]]
EXCLUDED_IDS = [r[0] for r in ROWS if not r[3]]


def test_reads_the_four_columns_and_ignores_others() -> None:
    assert DATA.record_ids == tuple(IDS) and len(DATA) == 200
    assert DATA.included.sum() == 12
    assert DATA.texts[0].startswith(ROWS[0][1] + " " + ROWS[0][1])


def test_multi_line_fields_and_string_ids(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('\ufeffrecord_id,title,abstract,label_included\nA1,"Two\nlines","abs",1\n'
                    "\nA2,t,,0\n", encoding="utf-8")
    data = read_labelled_csv(path)
    assert data.record_ids == ("A1", "A2") and data.included.tolist() == [True, False]


@pytest.mark.parametrize(("text", "message"), [
    ("", "x.csv: empty file; expected a header with columns record_id, title, abstract, "
         "label_included"),
    ("record_id,title,label_included\n1,a,1\n",
     "x.csv, line 1: missing column 'abstract'; the header has 'record_id', 'title', "
     "'label_included'"),
    ('record_id,title,abstract,label_included\n1,"a\nb",c,1\n2,a,b,yes\n',
     "x.csv, line 4: column 'label_included': expected 0 or 1, got 'yes'"),
    ("record_id,title,abstract,label_included\n1,a,b,1\n1,c,d,0\n",
     "x.csv, line 3: record_id '1' repeats line 2"),
    ("record_id,title,abstract,label_included\n,a,b,1\n", "x.csv, line 2: empty record_id"),
    ("record_id,title,abstract,label_included\n1,a\n",
     "x.csv, line 2: expected at least 4 cells, got 2"),
    ("record_id,title,abstract,label_included\n", "x.csv: no records after the header"),
])
def test_bad_files_name_the_line_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_labelled_csv(text, source="x.csv")
    assert str(caught.value) == message


def test_missing_file_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_labelled_csv(tmp_path / "none.csv")
    bad = tmp_path / "latin.csv"
    bad.write_bytes(b"record_id,title,abstract,label_included\n1,caf\xe9,b,1\n")
    with pytest.raises(InputError, match=r"latin\.csv: not UTF-8 text"):
        read_labelled_csv(bad)


def test_order_holds_every_record_once_priors_first() -> None:
    priors = [INCLUDED_IDS[3], EXCLUDED_IDS[7]]
    result = simulate(DATA, prior_ids=[str(p) for p in priors], seed=2)
    assert list(result.order[:2]) == priors == list(result.prior_record_ids)
    assert sorted(result.order) == sorted(IDS)
    labels = [ROWS[IDS.index(r)][3] for r in result.order[2:]]
    assert result.metrics == screening_metrics(labels)
    out = result.to_dict()
    assert set(out) >= {"order", "prior_record_ids", "metrics"}
    assert set(out["metrics"]) >= {"wss@95", "recall@10%", "atd"}


def test_deterministic_for_a_seed_and_priors_drawn_from_it() -> None:
    a = simulate(DATA, prior_included=1, prior_excluded=2, seed=7)
    b = simulate(DATA, prior_included=1, prior_excluded=2, seed=7)
    c = simulate(DATA, prior_included=1, prior_excluded=2, seed=8)
    assert a.order == b.order and a.metrics == b.metrics
    assert a.prior_record_ids != c.prior_record_ids
    first, second, third = a.prior_record_ids
    assert first in INCLUDED_IDS and second in EXCLUDED_IDS and third in EXCLUDED_IDS


def test_learns_each_label_only_after_presenting_its_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[list[int], list[bool]]] = []
    real = simulate_module.rank_arrays

    def spy(features, labelled, included, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((labelled.tolist(), included.tolist()))
        return real(features, labelled, included, **kwargs)

    monkeypatch.setattr(simulate_module, "rank_arrays", spy)
    result = simulate(DATA, prior_included=1, prior_excluded=1, seed=1)
    order = [IDS.index(r) for r in result.order]
    assert len(seen) == result.n_fits > 10
    for labelled, included in seen:
        assert labelled == order[:len(labelled)]  # exactly the records presented so far
        assert included == [bool(ROWS[i][3]) for i in labelled]


def test_the_model_beats_random_order() -> None:
    svm = simulate(DATA, prior_included=1, prior_excluded=1, seed=3)
    rnd = simulate(DATA, prior_included=1, prior_excluded=1, seed=3, model="random")
    assert svm.metrics.recall_10 > rnd.metrics.recall_10
    assert svm.metrics.atd < rnd.metrics.atd
    assert svm.metrics.wss_95 > rnd.metrics.wss_95


def test_retraining_after_every_label_is_an_option() -> None:
    every = simulate(DATA, prior_included=1, prior_excluded=1, seed=3,
                     retrain=lambda n, new: new > 0)
    assert every.n_fits == len(DATA) - 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"prior_ids": ["1000"], "prior_included": 1}, "--prior-ids: give the priors either by id"),
    ({"prior_ids": ["42"]}, "--prior-ids: record_id '42' is not in synthetic.csv"),
    ({"prior_ids": ["1000", "1000"]}, "--prior-ids: record_id '1000' is given twice"),
    ({"prior_included": 13}, "--prior-included: 13 included priors asked for, but "
                             "synthetic.csv has 12 included records"),
    ({"prior_included": 12}, "synthetic.csv: no included record outside the priors"),
    ({"prior_excluded": -1}, "--prior-excluded: expected a count of 0 or more, got -1"),
    ({"model": "bert"}, "--model: unknown priority model 'bert'"),
])
def test_bad_priors_and_models(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as caught:
        simulate(DATA, **kwargs)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_progress_is_reported_up_to_the_end() -> None:
    calls: list[tuple[int, int]] = []
    simulate(DATA, prior_included=1, prior_excluded=1, model="import-order",
             progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (200, 200) and np.all(np.diff([c[0] for c in calls]) > 0)
