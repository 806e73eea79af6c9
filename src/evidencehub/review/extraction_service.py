"""The extraction service: the one path from ``evidencehub extract …`` (and later the web app)
to a review's extraction in the store.

Each function takes an open session (the caller's transaction: one command, one transaction),
checks the request against the review (:mod:`evidencehub.review.extraction` does the pure
work) and appends rows through :mod:`evidencehub.store.repo.extraction`.

Rules (``docs/extraction.md``):

* extractors are members of the review who screen (``screener`` or ``lead``); a consensus is
  recorded by any member;
* a study is one the review includes (``review studies``), by its key;
* the form is stored with the first write (the default form, :data:`DEFAULT_FORM`), so every
  value names a stored field;
* a value equal to the reviewer's newest entry of the item (same value as the field reads it,
  same locator and derivation) writes nothing, so importing a sheet again is harmless;
* a consensus writes the outcome-data row of every arm whose numbers are all settled through
  :func:`~evidencehub.store.repo.outcomes.put_outcome_data` (source: the study's first record;
  locators and derivations kept; actor: the one who records the consensus) and names that row
  on its values; run again with nothing changed, it writes nothing;
* the agreed design, participants randomised, population and follow-up become the study's own
  (:data:`STUDY_FIELDS`), which evidence labels, GRADE and the tag rules read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    Actor,
    ActorKind,
    ExtractedValue,
    ExtractionField,
    Outcome,
    Review,
    ValueDerivation,
)
from evidencehub.review.extraction import (
    DEFAULT_FORM,
    Agreed,
    Entry,
    Item,
    ItemComparison,
    ItemStatus,
    compare,
    convert,
    field_of,
    latest_entries,
    outcome_rows,
    parse_value,
    same_value,
    settle,
)
from evidencehub.store.repo import extraction as repo
from evidencehub.store.repo import outcomes as outcomes_repo
from evidencehub.store.repo import reviews as reviews_repo
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.studies import get_study, upsert_study
from evidencehub.vocab import ExtractionBasis, ExtractionLevel, ReviewerRole, StudyDesign

__all__ = [
    "ConsensusResult",
    "ExtractionState",
    "Recorded",
    "StudyStanding",
    "add_field",
    "consensus",
    "consensus_of",
    "discrepancies",
    "latest_consensus",
    "latest_of",
    "load",
    "may_see",
    "record",
    "standings",
    "study_view",
    "value_json",
]

_EXTRACTS = frozenset({ReviewerRole.SCREENER, ReviewerRole.LEAD})


@dataclass(frozen=True)
class ExtractionState:
    """A review as extraction needs it: its row id, settings and members, its form (the
    default one until the review stores its own) and the keys of the studies it includes."""

    id: int
    review: Review
    form: tuple[ExtractionField, ...]
    stored_form: bool
    studies: tuple[str, ...]

    def role(self, name: str) -> ReviewerRole | None:
        """The member's role, None for someone who is not a member."""
        return next((m.role for m in self.review.members if m.name == name), None)

    def study(self, key: str) -> str:
        """``key`` when the review includes that study; else an error naming its studies."""
        if key not in self.studies:
            known = ", ".join(self.studies) or "none yet (run 'review studies')"
            raise NotFoundError(f"study {key!r} is not included in review "
                                f"{self.review.slug!r} (its studies: {known})")
        return key


def load(session: Session, slug: str) -> ExtractionState:
    """Everything extraction needs about review ``slug``."""
    review_id, review = reviews_repo.get_review(session, slug)
    stored = repo.form_fields(session, review_id)
    return ExtractionState(id=review_id, review=review, form=tuple(stored or DEFAULT_FORM),
                           stored_form=bool(stored),
                           studies=reviews_repo.review_study_keys(session, review_id))


def _store_form(session: Session, state: ExtractionState, actor: Actor) -> ExtractionState:
    if state.stored_form:
        return state
    repo.add_fields(session, state.id, state.form, actor)
    return ExtractionState(state.id, state.review, state.form, True, state.studies)


def add_field(session: Session, state: ExtractionState, spec: ExtractionField,
              actor: Actor) -> ExtractionState:
    """Add ``spec`` at the end of the review's form (the default form is stored first)."""
    if any(f.key == spec.key for f in state.form):
        raise InputError(f"the extraction form of {state.review.slug!r} already has a field "
                         f"{spec.key!r}")
    state = _store_form(session, state, actor)
    spec = spec.model_copy(update={"position": max((f.position for f in state.form),
                                                   default=-1) + 1})
    repo.add_fields(session, state.id, [spec], actor)
    return ExtractionState(state.id, state.review, (*state.form, spec), True, state.studies)


def _member(state: ExtractionState, name: str, *, extracts: bool) -> None:
    role = state.role(name)
    slug = state.review.slug
    if role is None:
        raise InputError(f"{name!r} is not a member of review {slug!r}; add them with "
                         f"'review member {slug} {name} --role screener'")
    if extracts and role not in _EXTRACTS:
        raise InputError(f"{name!r} is a {role.value} of review {slug!r}; screeners and leads "
                         "extract (a resolver records the consensus)")


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class Recorded:
    """What :func:`record` did: the values it stored, and how many equalled the newest entry."""

    written: list[ExtractedValue]
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        return {"written": [value_json(v) for v in self.written], "unchanged": self.unchanged}


def _checked(state: ExtractionState, entry: Entry) -> tuple[ExtractionField, str | None]:
    """The entry's field and value, checked; errors name where the entry came from."""
    try:
        state.study(entry.study)
        spec = field_of(state.form, entry.field)
        arm_level = spec.level is ExtractionLevel.ARM
        if arm_level and (entry.outcome is None or entry.arm is None):
            raise InputError(f"field {spec.key!r} is filled per arm: give its outcome and arm")
        if not arm_level and (entry.outcome, entry.arm, entry.timepoint) != (None, None, None):
            raise InputError(f"field {spec.key!r} is a study characteristic: it takes no "
                             "outcome, arm or time point")
        return spec, parse_value(spec, entry.value)
    except (InputError, NotFoundError) as err:
        if entry.where is None:
            raise
        raise type(err)(f"{entry.where}: {err}") from None


def _same(spec: ExtractionField, stored: ExtractedValue | None, value: str | None,
          entry: Entry) -> bool:
    return (stored is not None and same_value(spec, stored.value, value)
            and stored.locator == entry.locator and stored.derivation == entry.derivation)


def record(session: Session, state: ExtractionState, reviewer: str, entries: Sequence[Entry],
           *, basis: ExtractionBasis = ExtractionBasis.EXTRACTION) -> Recorded:
    """Store ``reviewer``'s ``entries`` (module docstring: who may, what is skipped); every
    entry is checked before anything is written."""
    _member(state, reviewer, extracts=True)
    checked = [(entry, *_checked(state, entry)) for entry in entries]
    state = _store_form(session, state, Actor(name=reviewer, kind=ActorKind.PERSON))
    studies = {entry.study for entry in entries}
    newest = latest_entries(repo.list_values(session, state.id, study_keys=studies))
    now, out, unchanged = utc_now(), [], 0
    for entry, spec, value in checked:
        item: Item = (entry.study, entry.outcome, entry.arm, entry.timepoint, spec.key)
        stored = newest.get((reviewer, item))
        if _same(spec, stored, value, entry) or (value is None and (
                stored is None or stored.value is None)):  # nothing to clear
            unchanged += 1
            continue
        made = ExtractedValue(
            study_key=entry.study, basis=basis, outcome=entry.outcome, arm=entry.arm,
            timepoint=entry.timepoint, field=spec.key, value=value, locator=entry.locator,
            derivation=entry.derivation, actor=reviewer, recorded_at=now,
        )  # fmt: skip
        newest[(reviewer, item)] = made
        out.append(made)
    return Recorded(repo.add_values(session, state.id, out), unchanged)


def latest_of(session: Session, state: ExtractionState, reviewer: str) -> list[ExtractedValue]:
    """``reviewer``'s newest entry of every item they have entered, in form order."""
    newest = latest_entries(repo.list_values(session, state.id))
    return _in_form_order(state, [v for (who, _), v in newest.items()
                                  if who == reviewer and v.value is not None])


def consensus_of(session: Session, state: ExtractionState) -> list[ExtractedValue]:
    """The newest consensus value of every item of the review, in form order."""
    return _in_form_order(state, latest_consensus(session, state).values())


def latest_consensus(session: Session, state: ExtractionState,
                     study: str | None = None) -> dict[Item, ExtractedValue]:
    """The newest consensus value of every item (of one study, or all), cleared ones left out."""
    found: dict[Item, ExtractedValue] = {}
    for value in repo.list_values(session, state.id, basis=ExtractionBasis.CONSENSUS,
                                  study_keys=None if study is None else [study]):
        found[value.item] = value
    return {item: v for item, v in found.items() if v.value is not None}


def _in_form_order(state: ExtractionState, values: Iterable[ExtractedValue]
                   ) -> list[ExtractedValue]:
    position = {f.key: f.position for f in state.form}
    return sorted(values, key=lambda v: (v.study_key, v.outcome is not None, v.outcome or "",
                                         v.timepoint or "", v.arm or "",
                                         position.get(v.field, len(position))))


def discrepancies(session: Session, state: ExtractionState,
                  study: str | None = None) -> list[ItemComparison]:
    """The discrepancy report of the review (or one study), item by item."""
    keys = None if study is None else [state.study(study)]
    return compare(state.form, repo.list_values(session, state.id, study_keys=keys))


# --------------------------------------------------------------------------- blinding


def may_see(state: ExtractionState, extractors: Sequence[str], viewer: str) -> bool:
    """Whether ``viewer`` may see the other reviewers' entries of a study that ``extractors``
    (the reviewers with an entry on it) have extracted.

    Blinding as in screening (``docs/review.md``): in a blinded review nobody sees another
    reviewer's entries of a study while it awaits them — an extractor (screener or lead) sees
    them once two reviewers have entered the study and they are one of the two, any other
    member (a resolver) once two have entered it; a reviewer who has not entered the study yet
    could still be its second extractor, so sees nothing of it. An unblinded review shows
    every entry as it comes.
    """
    if not state.review.blinded:
        return True
    if len(extractors) < 2:
        return False
    return viewer in extractors or state.role(viewer) not in _EXTRACTS


@dataclass(frozen=True, slots=True)
class StudyStanding:
    """Where a study's extraction stands, as one viewer may see it: who extracted it, whether
    the viewer did, whether blinding lets them see the others' entries, the items per status
    of the discrepancy report (empty while blinded) and how many consensus values it has."""

    study: str
    extractors: tuple[str, ...]
    entered: bool
    visible: bool
    counts: dict[str, int]
    consensus: int


def _standing(state: ExtractionState, study: str, values: Sequence[ExtractedValue],
              viewer: str) -> tuple[StudyStanding, list[ItemComparison]]:
    mine = [v for v in values if v.study_key == study]
    entries = latest_entries(mine)
    extractors = tuple(sorted({who for who, _item in entries}))
    visible = may_see(state, extractors, viewer)
    items = compare(state.form, mine) if visible else []
    counts = {status.value: sum(c.status is status for c in items) for status in ItemStatus}
    agreed = {v.item: v for v in mine if v.basis is ExtractionBasis.CONSENSUS}
    done = sum(1 for v in agreed.values() if v.value is not None)
    return StudyStanding(study, extractors, viewer in extractors, visible,
                         counts if visible else {}, done), items


def standings(session: Session, state: ExtractionState, viewer: str) -> list[StudyStanding]:
    """Every included study's standing for ``viewer`` (:func:`may_see`), in key order."""
    values = repo.list_values(session, state.id)
    return [_standing(state, key, values, viewer)[0] for key in sorted(state.studies)]


def study_view(session: Session, state: ExtractionState, study: str,
               viewer: str) -> tuple[StudyStanding, list[ItemComparison]]:
    """The standing of ``study`` for ``viewer`` and its discrepancy report, item by item
    (empty while blinding hides the others' entries from the viewer)."""
    values = repo.list_values(session, state.id, study_keys=[state.study(study)])
    return _standing(state, study, values, viewer)


# --------------------------------------------------------------------------- consensus


@dataclass(frozen=True, slots=True)
class ConsensusResult:
    """What :func:`consensus` did for a study: the consensus values it stored, the items still
    unresolved, each arm's outcome-data row (id, version, created/updated/unchanged) and the
    arms it could not write, with why."""

    study: str
    written: list[ExtractedValue]
    unresolved: list[ItemComparison]
    outcome_data: list[dict[str, Any]] = field(default_factory=list)
    not_written: list[dict[str, Any]] = field(default_factory=list)
    study_fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``extract consensus``."""
        return {"study": self.study, "written": [value_json(v) for v in self.written],
                "unresolved": [c.to_dict() for c in self.unresolved],
                "outcome_data": list(self.outcome_data), "not_written": list(self.not_written),
                "study_fields": dict(self.study_fields)}


def _takes(state: ExtractionState, study: str,
           take: Sequence[Entry]) -> dict[Item, str]:
    out: dict[Item, str] = {}
    for entry in take:
        spec, value = _checked(state, entry)
        if value is None:
            raise InputError(f"--take {spec.key}: give a value")
        out[(study, entry.outcome, entry.arm, entry.timepoint, spec.key)] = value
    return out


#: Study characteristics of the form that the study itself holds (form key → Study field):
#: GRADE, evidence labels and tag rules read them from the study.
STUDY_FIELDS = {"design": "design", "n_randomised": "n", "population": "population",
                "follow_up": "follow_up"}


def _update_study(session: Session, study: str, agreed: Mapping[Item, Agreed]) -> dict[str, Any]:
    """Set the study's own characteristics to their agreed values; return those it changed."""
    stored = get_study(session, study)
    changes: dict[str, Any] = {}
    for (_s, outcome, _arm, _tp, key), value in agreed.items():
        name = STUDY_FIELDS.get(key)
        if outcome is None and name is not None and value.value:
            wanted: Any = (StudyDesign(value.value) if name == "design"
                           else int(value.value) if name == "n" else value.value)
            if getattr(stored, name) != wanted:
                changes[name] = wanted
    if changes:
        upsert_study(session, stored.model_copy(update=changes))
    return {name: getattr(v, "value", v) for name, v in changes.items()}


def _source(session: Session, study: str) -> str | None:
    keys = get_study(session, study).record_keys
    return keys[0] if keys else None


def _write_rows(session: Session, study: str, agreed: Mapping[Item, Agreed],
                unresolved: Sequence[ItemComparison], writer: int
                ) -> tuple[dict[tuple[str, str | None, str], int], list[dict[str, Any]],
                           list[dict[str, Any]]]:
    rows, problems = outcome_rows(study, agreed, _source(session, study))
    pending: dict[tuple[str, str | None, str], list[str]] = {}
    for c in unresolved:
        _s, outcome, arm, timepoint, key = c.item
        if outcome is not None and arm is not None:
            pending.setdefault((outcome, timepoint, arm), []).append(key)
    ids: dict[tuple[str, str | None, str], int] = {}
    written, skipped = [], []
    for arm_key in sorted({*rows, *problems, *pending}, key=lambda k: (k[0], k[1] or "", k[2])):
        outcome, timepoint, arm = arm_key
        where = {"outcome": outcome, "arm": arm, "timepoint": timepoint}
        if arm_key in pending:
            skipped.append({**where, "reason": "unresolved: " + ", ".join(pending[arm_key])})
            continue
        if arm_key in problems:
            skipped.append({**where, "reason": problems[arm_key]})
            continue
        data = rows[arm_key]
        outcomes_repo.outcome_id(session, Outcome(name=outcome, data_kind=data.data_kind),
                                 actor_id=writer)
        data_id, version, status = outcomes_repo.put_outcome_data(session, data, actor_id=writer)
        ids[arm_key] = data_id
        written.append({**where, "id": data_id, "version": version, "status": status.value})
    return ids, written, skipped


def consensus(
    session: Session,
    state: ExtractionState,
    study: str,
    resolver: str,
    *,
    take: Sequence[Entry] = (),
    from_reviewer: str | None = None,
    methods: Sequence[ValueDerivation] = (),
) -> ConsensusResult:
    """Record the consensus of ``study`` (module docstring) by ``resolver``: agreed items as
    they are, the others from ``take`` or ``from_reviewer``, conversions ``methods`` applied;
    earlier consensus values hold for items this one leaves alone."""
    _member(state, resolver, extracts=False)
    state.study(study)
    values = repo.list_values(session, state.id, study_keys=[study])
    if from_reviewer is not None and not any(
            v.actor == from_reviewer and v.basis is not ExtractionBasis.CONSENSUS for v in values):
        raise InputError(f"--from-reviewer: {from_reviewer!r} has extracted nothing of study "
                         f"{study!r}")
    settled = settle(state.form, compare(state.form, values), take=_takes(state, study, take),
                     from_reviewer=from_reviewer)
    before = latest_consensus(session, state, study)
    unresolved = [c for c in settled.unresolved if c.item not in before]
    agreed = {item: Agreed(v.value or "", v.locator, v.derivation) for item, v in before.items()}
    agreed.update(settled.values)
    agreed.update(convert(study, agreed, methods))
    writer = actor_id(session, Actor(name=resolver, kind=ActorKind.PERSON))
    ids, written, skipped = _write_rows(session, study, agreed, unresolved, writer)
    study_fields = _update_study(session, study, agreed)
    now, new = utc_now(), []
    for item in agreed:
        _s, outcome, arm, timepoint, key = item
        value = agreed[item]
        data_id = ids.get((outcome, timepoint, arm)) if outcome and arm else None
        old = before.get(item)
        if old is not None and (old.value, old.locator, old.derivation, old.outcome_data_id) == (
                value.value, value.locator, value.derivation, data_id):
            continue
        new.append(ExtractedValue(
            study_key=study, basis=ExtractionBasis.CONSENSUS, outcome=outcome, arm=arm,
            timepoint=timepoint, field=key, value=value.value, locator=value.locator,
            derivation=value.derivation, outcome_data_id=data_id, actor=resolver,
            recorded_at=now,
        ))  # fmt: skip
    stored = repo.add_values(session, state.id, _in_form_order(state, new)) if new else []
    return ConsensusResult(study, stored, unresolved, written, skipped, study_fields)


def value_json(value: ExtractedValue) -> dict[str, Any]:
    """A stored value as the JSON of the ``extract`` commands."""
    return {
        "id": value.id, "study": value.study_key, "basis": value.basis.value,
        "outcome": value.outcome, "arm": value.arm, "timepoint": value.timepoint,
        "field": value.field, "value": value.value, "locator": value.locator,
        "derivation": None if value.derivation is None else value.derivation.model_dump(
            mode="json"),
        "outcome_data_id": value.outcome_data_id, "actor": value.actor,
        "recorded_at": value.recorded_at.isoformat(),
    }  # fmt: skip
