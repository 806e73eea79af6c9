"""rma_batch: the same numbers as rma (and hence metafor), for many analyses at once."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import METAFOR_DEFAULT_CONTROL, rma
from evidencehub.stats.batch import pad, rma_batch
from tests.stats.reference import TOL, assert_close, effect_sizes, load_reference, reference_names

FIELDS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "se_tau2", "tau2_ci_lb",
          "tau2_ci_ub", "I2", "H2", "QE", "QEp", "pi_lb", "pi_ub")
METHODS = ("EE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")


def simulated(m: int, seed: int = 7) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``m`` random-effects data sets with k from 1 to 30 (fixed seed)."""
    rng = np.random.default_rng(seed)
    ys, vs = [], []
    for k in rng.integers(1, 31, m):
        v = rng.uniform(0.01, 0.5, k)
        tau2 = rng.choice([0.0, 0.05, 0.3])
        ys.append(rng.normal(0.2, np.sqrt(v + tau2)))
        vs.append(v)
    return ys, vs


def single(y: np.ndarray, v: np.ndarray, **kwargs: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        return rma(y, v, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", METHODS)
def test_batch_equals_rma_on_simulated_data(method: str, test: str) -> None:
    ys, vs = simulated(40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        batch = rma_batch(ys, vs, method=method, test=test)
    for i, (y, v) in enumerate(zip(ys, vs, strict=True)):
        one = single(y, v, method=method, test=test).to_dict()  # type: ignore[attr-defined]
        for field in FIELDS:
            ours = getattr(batch, field)[i]
            want = one[field]
            if want is None:
                assert np.isnan(ours), (i, field)
            else:
                assert ours == pytest.approx(want, rel=1e-9, abs=1e-12), (method, i, field)


@pytest.mark.parametrize("name", reference_names())
def test_batch_of_every_reference_set_matches_metafor(name: str) -> None:
    """All reference data sets fitted in one REML batch agree with ``fits_tight``."""
    _, ref = load_reference(name)
    es = effect_sizes(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)  # some sets have tau^2 = 0
        batch = rma_batch([es.yi, np.array([0.1, 0.9, -0.5])], [es.vi, np.full(3, 0.01)],
                          method="REML")
    want = ref["fits_tight"]["REML_z"]
    for field in ("estimate", "se", "tau2", "I2", "QE", "pi_lb", "pi_ub", "tau2_ci_lb",
                  "tau2_ci_ub"):
        assert_close(float(getattr(batch, field)[0]), want[field], TOL["iterative"],
                     f"{name} {field}")


def test_batch_reproduces_metafor_default_precision() -> None:
    names = reference_names()
    sets = [effect_sizes(n) for n in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        batch = rma_batch([e.yi for e in sets], [e.vi for e in sets], method="REML",
                          control=METAFOR_DEFAULT_CONTROL, qprofile=False)
    for i, name in enumerate(names):
        _, ref = load_reference(name)
        assert_close(float(batch.tau2[i]), ref["fits"]["REML_z"]["tau2"], TOL["metafor_default"],
                     f"{name} tau2")


def test_results_are_meta_results_with_the_batch_numbers() -> None:
    ys, vs = simulated(5, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        batch = rma_batch(ys, vs, names=["a", "b", "c", "d", "e"])
    results = batch.results()
    assert len(results) == len(batch) == 5
    for i, res in enumerate(results):
        assert res.estimate == batch.estimate[i]
        assert res.k == len(ys[i])
        assert res.weights.shape == (res.k,)
        assert res.weights.sum() == pytest.approx(100.0)
    assert [d["name"] for d in batch.to_dicts()] == ["a", "b", "c", "d", "e"]


def test_nan_padded_matrix_input() -> None:
    y = np.array([[0.1, 0.5, np.nan], [0.2, 0.4, 0.9]])
    v = np.array([[0.04, 0.05, np.nan], [0.03, 0.02, 0.05]])
    batch = rma_batch(y, v, method="DL")
    assert batch.k.tolist() == [2, 3]
    assert batch.estimate[0] == pytest.approx(single(y[0, :2], v[0, :2], method="DL").estimate)


def test_edge_cases_are_summarised_in_one_warning() -> None:
    with pytest.warns(StatsWarning, match=r"rma_batch: 2 analyses, 1 with k = 1"):
        batch = rma_batch([[0.3], [0.1, 0.5, 0.2]], [[0.04], [0.1, 0.1, 0.1]], test="knha")
    assert batch.estimate[0] == 0.3 and batch.tau2[0] == 0.0 and np.isnan(batch.df[0])


@pytest.mark.parametrize(
    ("y", "v", "message"),
    [
        ([[0.1, 0.2], []], [[0.1, 0.1], []], "rma_batch: analysis '2' has no studies (k = 0)"),
        ([[0.1, 0.2]], [[0.1, -0.1]],
         ("rma_batch, analysis '1', study '2': 'vi' must be a positive finite number; "
         "got np.float64(-0.1)")),
        ([[0.1, 0.2]], [[0.1]], "rma_batch: analysis 1: 'yi' has 2 values but 'vi' has 1"),
        ([], [], "rma_batch: no analyses to fit"),
    ],
)
def test_bad_batches_are_named(y: list[list[float]], v: list[list[float]], message: str) -> None:
    with pytest.raises(InputError) as exc:
        rma_batch(y, v)
    assert str(exc.value) == message


def test_pad_is_left_aligned() -> None:
    out, mask = pad([[1.0, 2.0], [3.0], []])
    assert out.tolist() == [[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]]
    assert mask.tolist() == [[True, True], [True, False], [False, False]]


@pytest.mark.slow
def test_ten_thousand_reml_analyses_are_fast() -> None:
    """10,000 REML analyses, k 3..30: about 0.1 s on a free core (see bench/). The bound is
    loose because the test machine is shared; it catches a fall-back to per-analysis loops
    or to slow linear convergence (minutes)."""
    rng = np.random.default_rng(11)
    ks = rng.integers(3, 31, 10_000)
    vs = [rng.uniform(0.01, 0.5, k) for k in ks]
    ys = [rng.normal(0.3, np.sqrt(v + 0.1)) for v in vs]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        batch = rma_batch(ys, vs, method="REML", qprofile=False)
    elapsed = time.perf_counter() - start
    assert batch.converged.all()
    assert elapsed < 20.0


RANDOM_SETS = Path(__file__).parent / "random_sets_metafor.json"
# Sets where metafor's ML answer (0) is a local maximum of the likelihood but not the global
# one; evidencehub returns the global maximum (the documented convention, stats.likelihood).
METAFOR_LOCAL_MAXIMUM = {"ML": {38, 48, 96, 97}}


def loglik(y: np.ndarray, v: np.ndarray, tau2: float, restricted: bool) -> float:
    """(Restricted) log-likelihood of the intercept-only model, up to a constant."""
    w = 1 / (v + tau2)
    r = y - np.sum(w * y) / np.sum(w)
    out = -0.5 * (np.sum(np.log(v + tau2)) + np.sum(w * r**2))
    return float(out - 0.5 * np.log(np.sum(w))) if restricted else float(out)


@pytest.mark.parametrize("method", ["REML", "ML", "PM", "EB"])
def test_random_data_sets_match_metafor_tight(method: str) -> None:
    """150 random data sets (some with outliers and bimodal likelihoods) against metafor's
    tight-control tau^2 and Q-profile limits, 1e-6 relative (``random_sets_metafor.json``).
    Where metafor stopped at a lower local maximum, ours must have the higher likelihood."""
    sets = json.loads(RANDOM_SETS.read_text(encoding="utf-8"))["sets"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        batch = rma_batch([s["yi"] for s in sets], [s["vi"] for s in sets], method=method)
    local = METAFOR_LOCAL_MAXIMUM.get(method, set())
    for i, s in enumerate(sets):
        if s[method] is None:  # metafor stopped with an error
            continue
        if i in local:
            y, v = np.array(s["yi"]), np.array(s["vi"])
            ours = loglik(y, v, float(batch.tau2[i]), method == "REML")
            assert ours > loglik(y, v, s[method], method == "REML") + 1e-3, (i, method)
            continue
        assert batch.tau2[i] == pytest.approx(s[method], rel=1e-6, abs=1e-9), (i, method)
        if method == "REML" and s["lb"] is not None:
            assert batch.tau2_ci_lb[i] == pytest.approx(s["lb"], rel=1e-6, abs=1e-9), i
            assert batch.tau2_ci_ub[i] == pytest.approx(s["ub"], rel=1e-6, abs=1e-9), i


def test_batch_equals_single_fit_on_a_bimodal_likelihood() -> None:
    """The global-maximum check gives the same answer in a batch (other analyses around it,
    padding) as in a single fit, for REML and ML."""
    from tests.stats.test_tau2 import BIMODAL_V, BIMODAL_Y

    ys, vs = simulated(30, seed=5)
    ys.insert(17, BIMODAL_Y)
    vs.insert(17, BIMODAL_V)
    for method in ("REML", "ML"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatsWarning)
            batch = rma_batch(ys, vs, method=method)
        alone = single(BIMODAL_Y, BIMODAL_V, method=method).to_dict()  # type: ignore[attr-defined]
        for field in FIELDS:
            assert getattr(batch, field)[17] == pytest.approx(alone[field], rel=1e-12), field
        if method == "REML":
            assert batch.tau2[17] == pytest.approx(0.017620, abs=5e-7)


@pytest.mark.parametrize(
    ("studies", "message"),
    [
        ([["A", "B"], ["C"]], "rma_batch: analysis '2': 1 study labels for 2 studies"),
        ([["A", "B"]], "rma_batch: 'studies' has 1 entries for 2 analyses"),
    ],
)
def test_study_labels_must_match_the_analyses(studies: list[list[str]], message: str) -> None:
    with pytest.raises(InputError) as exc:
        rma_batch([[0.1, 0.2], [0.3, 0.4]], [[0.1, 0.1], [0.1, 0.1]], studies=studies)
    assert str(exc.value) == message
