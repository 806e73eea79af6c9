"""Priority: which of a review's unscreened records a screener should see next.

An active-learning ranker in the sense of ASReview LAB (van de Schoot et al. 2021, Nat Mach
Intell 3:125): the titles and abstracts of a review's records become TF-IDF features, built
once per review (:func:`build_features`); on the final decisions so far a linear classifier is
fitted and the unscreened records are ranked by its score, the likeliest inclusion first (the
"maximum" query strategy of certainty-based active learning, Miwa et al. 2014, J Biomed Inform
51:242), :func:`rank`.

Models (:class:`evidencehub.vocab.PriorityModel`):

* ``svm`` (the default) — text: the title twice, then the abstract (:func:`record_text`);
  features: word uni- and bigrams in at least 2 records and at most 95 % of them, TF-IDF with
  sublinear term frequency, rows L2-normalised; classifier: a linear support vector machine
  (squared hinge, L2 penalty, ``C`` = 0.1) fitted with sample weights that give the included
  records together :data:`BALANCE_RATIO` times the weight of the excluded ones, so that the rare
  inclusions are not swamped; records ranked by decision value.
* ``random`` — a random order drawn from the seed; ``import-order`` — the records' own order.

Until both an inclusion and an exclusion are known no classifier can be fitted: the records
most similar (cosine of TF-IDF) to the known inclusions come first, or, with no inclusion yet,
the order is random from the seed (:attr:`Ranking.trained` is then false).

How the model was chosen: by simulation (:mod:`evidencehub.review.simulate`) on the two public
SYNERGY sets (Bannach-Brown 2019, 1993 records, 280 included; Cohen 2006 ADHD, 851 records, 20
included), one included and one excluded prior per seed, medians over seeds 1-5, then checked on
seeds 6-15 (``docs/priority.md``, "Choosing the model", has the table). Starting from
ASReview LAB 3's default (linear SVM, ``C`` ≈ 0.1, inclusion weight ≈ 10, bigram TF-IDF), which
we match when we copy its settings, two changes helped on both sets and on the held-out seeds:
dropping terms found in one record only (they cannot carry what was learnt to another record,
and they dilute the L2 norm of the record they are in) and counting the title twice (it states
the topic in few words). On seeds 6-15: Bannach-Brown WSS@95 0.417 → 0.466 and ATD 262.5 →
258.4 records, Cohen WSS@95 0.511 → 0.531 and ATD 91.7 → 89.9, recall@10 % equal or higher.
Unigrams alone, English stop words removed, ``C`` of 0.3 or 1 and inclusion weights of 1, 3,
20 or 30 each lost on one set or the other.

Retraining: after every label until :data:`EVERY_LABEL_UNTIL` records are labelled, then each
time the new labels reach 2 % of all labels (:func:`retrain_due`); on the five seeds this gave
the same medians as a retrain after every label (ATD within 0.4 records) at a tenth of the fits.

Latency (``bench/bench_review_next.py``): a service builds the features once, refits after
new decisions (well under a second at 10,000 records), keeps the :class:`Ranking` and answers
``next`` from it (:meth:`Ranking.next`, skipping records decided since).

scikit-learn is imported by the functions that build features and fit (about 0.5 s), not by
this module, so that the web app and the review commands that never rank start without it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from evidencehub.errors import InputError
from evidencehub.vocab import PriorityModel

__all__ = [
    "BALANCE_RATIO",
    "C",
    "DEFAULT_MODEL",
    "EVERY_LABEL_UNTIL",
    "PriorityFeatures",
    "Ranking",
    "build_features",
    "rank",
    "rank_arrays",
    "record_text",
    "retrain_due",
]

#: The model :func:`rank` uses unless told otherwise.
DEFAULT_MODEL = PriorityModel.SVM
#: Total weight of the included records over that of the excluded ones when fitting.
BALANCE_RATIO = 10.0
#: Retrain after every label until this many records are labelled, then in batches of 2 %.
EVERY_LABEL_UNTIL = 100
_BATCH_FRACTION = 0.02

#: Inverse regularisation strength of the linear SVM.
C = 0.1


# -- features ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PriorityFeatures:
    """The TF-IDF features of a review's records, in the order of the texts given.

    Attributes
    ----------
    matrix
        ``n_records × n_terms`` sparse CSR matrix, each row L2-normalised.
    """

    matrix: sp.csr_matrix

    @property
    def n_records(self) -> int:
        """How many records (rows) the features describe."""
        return int(self.matrix.shape[0])


def record_text(title: str | None, abstract: str | None) -> str:
    """The text a record is ranked on: its title twice, then its abstract (missing parts are
    empty); counting the title twice weighs it more (see the module's notes)."""
    title = (title or "").strip()
    return f"{title} {title} {abstract or ''}".strip()


def build_features(texts: Sequence[str]) -> PriorityFeatures:
    """Build the TF-IDF features of a review's record texts (from :func:`record_text`).

    Build them once per review and keep them: the vocabulary is that of these texts, so a
    record added to the review means a rebuild. Records are indexed by their position here.
    Terms must be in at least 2 records and at most 95 % of them; in a review too small for
    any such term, every term is kept.

    Raises
    ------
    InputError
        No texts, or no words at all in them.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) == 0:
        raise InputError("no records to rank", source="priority")
    for min_df, max_df in ((2, 0.95), (1, 1.0)):
        vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df,
                                     max_df=max_df, dtype=np.float64)
        try:
            return PriorityFeatures(sp.csr_matrix(vectoriser.fit_transform(texts)))
        except ValueError:  # no term left after pruning, or no term at all
            continue
    raise InputError("no words in any title or abstract", source="priority")


# -- ranking -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ranking:
    """The order in which the unscreened records should be screened.

    Attributes
    ----------
    order
        Indices (into the features' rows) of every unlabelled record, the one to screen next
        first.
    model
        The model that ranked them.
    trained
        Whether a classifier was fitted (false for ``random`` and ``import-order``, and while
        the labels do not yet hold both an inclusion and an exclusion).
    n_labelled, n_included
        How many labels the ranking learnt from, and how many of them were inclusions.
    trained_on
        A fingerprint (SHA-256) of the model, the number of records and the labels: a cached
        ranking whose fingerprint differs from that of the current labels is stale.
    """

    order: NDArray[np.intp]
    model: PriorityModel
    trained: bool
    n_labelled: int
    n_included: int
    trained_on: str

    def next(self, n: int = 1, *, decided: frozenset[int] | set[int] = frozenset()) -> list[int]:
        """The first ``n`` records of the order that are not in ``decided`` (the records
        labelled since this ranking was made), for a service answering ``next`` from cache."""
        if not decided:
            return [int(i) for i in self.order[:n]]
        picked: list[int] = []
        for i in self.order:
            if int(i) not in decided:
                picked.append(int(i))
                if len(picked) == n:
                    break
        return picked

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form: ``order`` as a list of indices, the rest as they are."""
        return {"order": self.order.tolist(), "model": self.model.value, "trained": self.trained,
                "n_labelled": self.n_labelled, "n_included": self.n_included,
                "trained_on": self.trained_on}


def retrain_due(n_labelled: int, n_since_retrain: int) -> bool:
    """Whether a ranker with ``n_labelled`` labels, ``n_since_retrain`` of them new since its
    last fit, should be refitted now: after every label while ``n_labelled`` is at most
    :data:`EVERY_LABEL_UNTIL`, then once the new labels reach 2 % of all labels."""
    if n_since_retrain <= 0:
        return False
    if n_labelled <= EVERY_LABEL_UNTIL:
        return True
    return n_since_retrain >= max(1, int(_BATCH_FRACTION * n_labelled))


def rank(features: PriorityFeatures, labels: Mapping[int, bool], *,
         model: PriorityModel | str = DEFAULT_MODEL, seed: int = 0) -> Ranking:
    """Rank the unlabelled records of a review for screening.

    Parameters
    ----------
    features
        From :func:`build_features` on the review's record texts.
    labels
        The final title-and-abstract decisions so far: record index → included (``maybe``
        counts as included: it goes on to the full text).
    model
        A :class:`~evidencehub.vocab.PriorityModel` or its name.
    seed
        Seeds the random order and the classifier: the same inputs give the same ranking.

    Raises
    ------
    InputError
        An unknown model, or a label whose index is not a record of the features.
    """
    chosen = _model(model)
    n = features.n_records
    idx = np.fromiter(labels.keys(), dtype=np.intp, count=len(labels))
    y = np.fromiter((bool(v) for v in labels.values()), dtype=bool, count=len(labels))
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise InputError(f"label for record index {int(bad[0])}, but the features have {n} "
                         "records", source="priority")
    order, trained = rank_arrays(features, idx, y, model=chosen, seed=seed)
    return Ranking(order, chosen, trained, len(idx), int(y.sum()),
                   _fingerprint(chosen, n, idx, y))


def rank_arrays(features: PriorityFeatures, labelled: NDArray[np.intp], included: NDArray[np.bool_],
                *, model: PriorityModel, seed: int) -> tuple[NDArray[np.intp], bool]:
    """:func:`rank` on arrays, for loops that rank many times (the simulation).

    ``labelled`` holds the indices of the labelled records (distinct, in range: not checked),
    ``included`` their labels. Returns the order of the unlabelled indices and whether a
    classifier was fitted.
    """
    n = features.n_records
    pool = np.ones(n, dtype=bool)
    pool[labelled] = False
    candidates = np.flatnonzero(pool)
    if model is PriorityModel.IMPORT_ORDER or candidates.size == 0:
        return candidates, False
    rng = np.random.default_rng(seed)
    if model is PriorityModel.RANDOM:
        return rng.permutation(candidates), False
    n_in = int(included.sum())
    if n_in == 0 or n_in == len(included):
        return _cold_start(features, labelled[included], candidates, rng), False
    scores = _fit_scores(features.matrix, labelled, included, candidates, seed)
    # Highest score first; ties keep the records' own order (stable sort).
    return candidates[np.argsort(-scores, kind="stable")], True


def _cold_start(features: PriorityFeatures, inclusions: NDArray[np.intp],
                candidates: NDArray[np.intp], rng: np.random.Generator) -> NDArray[np.intp]:
    if inclusions.size == 0:
        return rng.permutation(candidates)
    centroid = np.asarray(features.matrix[inclusions].mean(axis=0)).ravel()
    similarity = features.matrix[candidates] @ centroid
    return candidates[np.argsort(-similarity, kind="stable")]


def _fit_scores(matrix: sp.csr_matrix, labelled: NDArray[np.intp], included: NDArray[np.bool_],
                candidates: NDArray[np.intp], seed: int) -> NDArray[np.float64]:
    from sklearn.svm import LinearSVC

    n_in = int(included.sum())
    n_out = len(included) - n_in
    # Exclusions share 1/BALANCE_RATIO of the inclusions' total weight; mean weight 1.
    weight = np.where(included, 1.0, n_in / (BALANCE_RATIO * n_out))
    weight *= len(weight) / weight.sum()
    clf = LinearSVC(C=C, random_state=seed)
    clf.fit(matrix[labelled], included.astype(np.int8), sample_weight=weight)
    return np.asarray(clf.decision_function(matrix[candidates]), dtype=np.float64)


def _model(model: PriorityModel | str) -> PriorityModel:
    try:
        return PriorityModel(model)
    except ValueError:
        known = ", ".join(m.value for m in PriorityModel)
        raise InputError(f"unknown priority model {model!r}; expected one of {known}",
                         source="priority") from None


def _fingerprint(model: PriorityModel, n: int, idx: NDArray[np.intp],
                 y: NDArray[np.bool_]) -> str:
    order = np.argsort(idx, kind="stable")
    pairs = [[int(i), bool(v)] for i, v in zip(idx[order], y[order], strict=True)]
    text = json.dumps({"model": model.value, "n": n, "labels": pairs}, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
