"""What a reviewer screens next: the records they can vote on, in priority order.

Orders
    ``priority`` (the default) ranks the records by a model trained on what the review has
    learnt so far (:mod:`evidencehub.review.priority`); ``random`` shuffles them with a seed
    fixed per review, reviewer and stage (the same order every time it is asked); ``import``
    keeps the order they entered the review.

What the model learns from
    At each stage: the settled outcomes of the review's records (include and maybe count as
    relevant, exclude as not; a full-text exclusion overrides a title-abstract inclusion) and
    the reviewer's own current votes. Another reviewer's vote on a record still awaiting votes
    is never used, so the order cannot leak it: blinding holds for the ranking too. Until the
    labels hold at least one relevant and one irrelevant record no classifier can be fitted:
    the records most like the relevant ones come first (``similarity``), or, with none known
    yet, the order is ``random`` (ASReview asks for such prior knowledge for the same reason).

The ranking cache
    A ranking is stored per review, reviewer and stage (``review_rankings``) with a fingerprint
    of the records and labels it was trained on and how many labels that was. ``next`` reuses
    it while the fingerprint holds, and while :func:`evidencehub.review.priority.retrain_due`
    says the labels added since are too few to refit (after every label for the first 100,
    then every 2 %: measured to give the same order quality); records decided since are
    skipped. A record added to the review changes the fingerprint and forces a retrain.
    A command (one process per call) retrains before answering when the ranking is stale; a
    long-running process uses :class:`ScreeningQueue`, which answers from the stored ranking at
    once and retrains in a worker process, so a screener never waits for the model. The
    TF-IDF features, the costly part, are kept in the process per review and set of records.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import Record, ScreeningDecision
from evidencehub.review.priority import (
    DEFAULT_MODEL,
    PriorityFeatures,
    build_features,
    rank,
    record_text,
    retrain_due,
)
from evidencehub.review.screening import Standing
from evidencehub.review.service import (
    ReviewState,
    decide,
    load,
    to_screen,
    with_decision,
)
from evidencehub.store import transaction
from evidencehub.store.repo import reviews as repo
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo.records import records_by_id
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = [
    "ORDERS",
    "NextBatch",
    "ScreeningQueue",
    "compute_ranking",
    "learnt_labels",
    "next_for",
    "refresh_ranking",
]

ORDERS = ("priority", "random", "import")


@dataclass(frozen=True)
class NextBatch:
    """The next records for a reviewer: the order used (``priority`` is reported as ``random``
    while the model cannot learn yet), the model, how many records are left for them, the ids
    to show, and the records; ``stale`` when the order came from a ranking that is due for a
    retrain (only without ``retrain``, see :func:`next_for`)."""

    order: str
    model: str | None
    remaining: int
    record_ids: list[int]
    records: dict[int, Record]
    stale: bool = False


def learnt_labels(state: ReviewState, reviewer: str, stage: ScreeningStage) -> dict[int, bool]:
    """What a ranking for ``reviewer`` at ``stage`` may learn from (module docstring): record
    id → relevant."""
    labels: dict[int, bool] = {}
    order = list(ScreeningStage)
    decided = sorted(
        (key for key in state.standings
         if order.index(key[1]) <= order.index(stage) and key[0] in state.records),
        key=lambda key: order.index(key[1]),
    )  # only records with decisions: a later stage's word overrides an earlier one
    for key in decided:
        standing = state.standings[key]
        if standing.standing is Standing.SETTLED and standing.outcome is not None:
            labels[key[0]] = standing.outcome is not ScreeningLabel.EXCLUDE
        elif reviewer in standing.votes:
            labels[key[0]] = standing.votes[reviewer].label is not ScreeningLabel.EXCLUDE
    return labels


def _shuffled(
    state: ReviewState, reviewer: str, stage: ScreeningStage, ids: list[int]
) -> list[int]:
    seed = hashlib.sha256(f"{state.review.slug}\0{reviewer}\0{stage.value}".encode()).digest()
    shuffled = list(ids)
    random.Random(seed).shuffle(shuffled)
    return shuffled


def _fingerprint(state: ReviewState, labels: dict[int, bool]) -> str:
    text = repr((DEFAULT_MODEL.value, list(state.records), sorted(labels.items())))
    return hashlib.sha256(text.encode()).hexdigest()


#: TF-IDF features of the reviews this process ranked lately, by review id and record ids: the
#: costly part of a retrain (seconds at 10,000 records), so a long-running process (the web
#: app, a benchmark) builds them once per set of records, and a retrain only refits the model.
_FEATURES: OrderedDict[tuple[int, str], PriorityFeatures] = OrderedDict()
_FEATURES_KEPT = 4
_FEATURES_LOCK = threading.Lock()


def _features(session: Session, state: ReviewState) -> PriorityFeatures:
    ids = list(state.records)
    key = (state.id, hashlib.sha256(repr(ids).encode()).hexdigest())
    with _FEATURES_LOCK:
        if key in _FEATURES:
            _FEATURES.move_to_end(key)
            return _FEATURES[key]
    records = records_by_id(session, ids)
    texts = [record_text(records[i].title, records[i].abstract) if i in records else ""
             for i in ids]  # fmt: skip
    features = build_features(texts)
    with _FEATURES_LOCK:
        _FEATURES[key] = features
        while len(_FEATURES) > _FEATURES_KEPT:
            _FEATURES.popitem(last=False)
    return features


def compute_ranking(session: Session, state: ReviewState, reviewer: str,
                    stage: ScreeningStage) -> repo.Ranking:
    """Retrain the reviewer's model on what it may learn now; the new order (not stored)."""
    labels = learnt_labels(state, reviewer, stage)
    ids = list(state.records)
    position = {record_id: i for i, record_id in enumerate(ids)}
    seed = int.from_bytes(hashlib.sha256(state.review.slug.encode()).digest()[:4], "big")
    ranking = rank(_features(session, state), {position[r]: v for r, v in labels.items()},
                   model=DEFAULT_MODEL, seed=seed)
    return repo.Ranking(
        model=ranking.model.value, trained=ranking.trained, n_labelled=len(labels),
        trained_on=_fingerprint(state, labels), record_ids=tuple(ids[i] for i in ranking.order),
        ranked_at=utc_now(),
    )  # fmt: skip


def refresh_ranking(session: Session, state: ReviewState, reviewer: str,
                    stage: ScreeningStage) -> repo.Ranking:
    """Retrain the reviewer's model on what it may learn now and store the new order."""
    stored = compute_ranking(session, state, reviewer, stage)
    repo.put_ranking(session, state.id, reviewer, stage, stored)
    return stored


def _prioritised(session: Session, state: ReviewState, reviewer: str, stage: ScreeningStage,
                 labels: dict[int, bool], *, retrain: bool) -> tuple[list[int], bool, bool]:
    """The review's records in priority order for ``reviewer`` (module docstring), whether a
    classifier made it, and whether the order is stale (only when not ``retrain``: then a
    missing ranking gives the random order, stale, and nothing is written). ``labels`` are
    what the reviewer's model may learn (:func:`learnt_labels`)."""
    cached = repo.get_ranking(session, state.id, reviewer, stage)
    fresh = cached is not None and set(cached.record_ids) | set(labels) >= set(state.records) \
        and (cached.trained_on == _fingerprint(state, labels)
             or not retrain_due(len(labels), len(labels) - cached.n_labelled))  # fmt: skip
    if cached is not None and (fresh or not retrain):
        return list(cached.record_ids), cached.trained, not fresh
    if not retrain:
        return _shuffled(state, reviewer, stage, list(state.records)), False, True
    stored = refresh_ranking(session, state, reviewer, stage)
    return list(stored.record_ids), stored.trained, False


def next_for(
    session: Session,
    slug: str,
    reviewer: str,
    stage: ScreeningStage,
    *,
    n: int = 1,
    order: str | None = None,
    retrain: bool = True,
    state: ReviewState | None = None,
) -> NextBatch:
    """The next ``n`` records ``reviewer`` should screen at ``stage`` in review ``slug``.

    With ``retrain`` (a command: one process per call) a stale ranking is retrained first;
    without (a long-running service, :class:`ScreeningQueue`) the stored ranking answers at
    once and :attr:`NextBatch.stale` asks the caller to retrain it in the background.
    ``state`` is the review as the caller holds it, if current (else it is read).
    """
    chosen = order or "priority"
    if chosen not in ORDERS:
        raise InputError(f"--order: unknown value {chosen!r}; choose one of: {', '.join(ORDERS)}")
    if n < 1:
        raise InputError(f"--n must be 1 or more, got {n}")
    if state is None:
        state = load(session, slug)
    if stage not in state.review.stages:
        raise InputError(f"review {slug!r} has no {stage.value} stage")
    candidates = to_screen(state, reviewer, stage)
    model = None
    stale = False
    if chosen == "import":
        ranked = candidates
    elif chosen == "random" or not candidates:
        ranked = _shuffled(state, reviewer, stage, candidates)
    else:
        labels = learnt_labels(state, reviewer, stage)
        order_of, trained, stale = _prioritised(session, state, reviewer, stage, labels,
                                                retrain=retrain)
        wanted = set(candidates)
        ranked = [r for r in order_of if r in wanted]
        model = DEFAULT_MODEL.value
        if not trained:
            chosen = "similarity" if any(labels.values()) else "random"
    shown = ranked[:n]
    return NextBatch(order=chosen, model=model, remaining=len(candidates), record_ids=shown,
                     records=records_by_id(session, shown), stale=stale)


#: The engines of a retraining worker process, by URL.
_WORKER_ENGINES: dict[str, Engine] = {}


def _retrain_in_worker(url: str, slug: str, reviewer: str, stage: ScreeningStage) -> None:
    """Retrain one ranking in a worker process: fit while holding no write lock, then store."""
    from evidencehub.store import make_engine

    engine = _WORKER_ENGINES.get(url)
    if engine is None:
        engine = _WORKER_ENGINES[url] = make_engine(url)
    with transaction(engine) as session:
        state = load(session, slug)
        ranking = compute_ranking(session, state, reviewer, stage)
    with transaction(engine, immediate=True) as session:
        repo.put_ranking(session, state.id, reviewer, stage, ranking)


class ScreeningQueue:
    """``next`` and ``decide`` for a long-running process (the web app), which must answer a
    screener at once: ``next`` serves the stored ranking and, when it is stale, a worker
    process retrains it (one retrain at a time per reviewer and stage, each fit outside any
    write transaction; a decision made while one runs makes it run again), so a person never
    waits for a model, and the fit never competes with the answer for the interpreter lock.
    The worker keeps the TF-IDF features of the reviews it ranked."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._url = engine.url.render_as_string(hide_password=False)
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        self._running: set[tuple[str, str, ScreeningStage]] = set()
        self._again: set[tuple[str, str, ScreeningStage]] = set()
        # Re-entrant: a future that is already done runs its callback (which takes the lock)
        # inside add_done_callback, while _retrain_later holds it.
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._failed: list[Future[None]] = []
        self._states: dict[str, tuple[tuple[int, ...], ReviewState]] = {}
        self._ids: dict[str, int] = {}

    def state(self, session: Session, slug: str) -> ReviewState:
        """The review, from memory while :func:`~.reviews.review_version` says it is current
        (what the web app's review pages read, so that a vote does not load it twice)."""
        review_id = self._ids.get(slug) or repo.get_review(session, slug)[0]
        version = repo.review_version(session, review_id)
        held = self._states.get(slug)
        if held is not None and held[0] == version:
            return held[1]
        state = load(session, slug)
        self._states[slug] = (version, state)
        self._ids[slug] = state.id
        return state

    def next(self, slug: str, reviewer: str, stage: ScreeningStage, *, n: int = 1) -> NextBatch:
        """The next records, from the stored ranking (random until a first one is stored);
        reads only, so it never waits for a writer."""
        with transaction(self.engine) as session:
            batch = next_for(session, slug, reviewer, stage, n=n, retrain=False,
                             state=self.state(session, slug))
        if batch.stale:
            self._retrain_later(slug, reviewer, stage)
        return batch

    def decide(self, slug: str, record_id: int, label: ScreeningLabel, reviewer: str,
               **options: Any) -> ScreeningDecision:
        """Record a decision (:func:`evidencehub.review.service.decide`) and start a retrain."""
        with transaction(self.engine, immediate=True) as session:
            state = self.state(session, slug)
            made = decide(session, state, record_id, label, reviewer, **options)
            self._states[slug] = (repo.review_version(session, state.id),
                                  with_decision(state, made))
        self._retrain_later(slug, reviewer, made.stage)
        return made

    def _retrain_later(self, slug: str, reviewer: str, stage: ScreeningStage) -> None:
        key = (slug, reviewer, stage)
        with self._lock:
            if key in self._running:  # the retrain under way may predate this decision
                self._again.add(key)
                return
            self._running.add(key)
            self._submit(key)

    def _submit(self, key: tuple[str, str, ScreeningStage]) -> None:
        future = self._pool.submit(_retrain_in_worker, self._url, *key)
        future.add_done_callback(lambda done: self._finished(key, done))

    def _finished(self, key: tuple[str, str, ScreeningStage], done: Future[None]) -> None:
        with self._lock:
            if done.exception() is not None:
                self._failed.append(done)
            if key in self._again:
                self._again.discard(key)
                self._submit(key)
            else:
                self._running.discard(key)
                self._idle.notify_all()

    def wait(self, timeout: float | None = None) -> None:
        """Wait until no retrain is under way or due (tests, shutdown); a failed retrain
        raises here, and so does :class:`TimeoutError` after ``timeout`` seconds."""
        with self._idle:
            if not self._idle.wait_for(lambda: not self._running, timeout):
                raise TimeoutError(f"retrains still running after {timeout} s")
            failed, self._failed = self._failed, []
        for future in failed:
            future.result()

    def close(self) -> None:
        """Finish the retrains under way and stop the worker."""
        self.wait()
        self._pool.shutdown(wait=True)
