"""The trial tracker (``trials.html``): every registered trial in the hub, filtered and sorted.

A pure function of a :class:`~evidencehub.publish.snapshot.HubSnapshot`, like every page
context, built from the same pieces as the trial and library pages (``_trial_dict``,
``_record_dict``, ``_page_link`` of :mod:`evidencehub.publish.context`). The static build
writes the unfiltered tracker; the web app serves the same page at ``/trials`` and applies
the reader's :class:`TrialFilters` (GET parameters of a plain form). For each trial: its
registry link (:func:`~evidencehub.publish.registries.registry_link`), start and completion
dates, enrolment, the publications linked to it (records naming it, and those of the studies
that report it: each to its study's page in the hub, else to its DOI or PubMed entry), the
hub's pages about it (citing a study of the trial, or naming its registry id) and the date
the registry last updated it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from evidencehub.model import Trial, TrialPhase
from evidencehub.publish.context import (
    DISCLAIMER,
    _base,
    _page_link,
    _record_dict,
    _trial_dict,
    study_path,
)
from evidencehub.publish.markup import REGISTRY_ID_RE
from evidencehub.publish.registries import registry_link
from evidencehub.publish.render import fmt_phase
from evidencehub.publish.snapshot import HubSnapshot

__all__ = ["NOT_STATED", "SORTS", "TRACKER_PATH", "TrialFilters", "tracker_context"]

TRACKER_PATH = "trials.html"
#: The filter value of a phase or status the registration does not state.
NOT_STATED = "not-stated"


def _newest_first(value: dt.date | None) -> tuple[bool, int]:
    return (value is None, -value.toordinal() if value else 0)


#: Orders a reader may choose: name → (label, key of a trial); missing values sort last.
SORTS: dict[str, tuple[str, Callable[[Trial], Any]]] = {
    "id": ("Registry id", lambda t: t.registry_id),
    "start": ("Start date, newest first", lambda t: _newest_first(t.start_date)),
    "completion": ("Completion date, newest first", lambda t: _newest_first(t.completion_date)),
    "enrollment": ("Enrolment, largest first",
                   lambda t: (t.enrollment is None, -(t.enrollment or 0))),
    "updated": ("Last updated, newest first", lambda t: _newest_first(t.last_updated)),
}


@dataclass(frozen=True, slots=True)
class TrialFilters:
    """What a reader filters the tracker by (each empty string: no filter).

    ``condition`` is one of the trials' conditions (any case); ``intervention`` is words an
    intervention contains; ``phase`` a :class:`~evidencehub.model.TrialPhase` value and
    ``status`` a registry status, each or :data:`NOT_STATED`; ``sort`` a key of :data:`SORTS`.
    """

    condition: str = ""
    intervention: str = ""
    phase: str = ""
    status: str = ""
    sort: str = "id"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> TrialFilters:
        """Filters from GET parameters (surrounding spaces dropped; unknown sort: by id)."""
        values = {f.name: params.get(f.name, "").strip()[:200] for f in fields(cls)}
        if values["sort"] not in SORTS:
            values["sort"] = "id"
        return cls(**values)

    def active(self) -> bool:
        """True when any filter (not the order) is set."""
        return any((self.condition, self.intervention, self.phase, self.status))

    def keeps(self, trial: Trial) -> bool:
        """True when ``trial`` passes every filter."""
        phase = trial.phase.value if trial.phase else NOT_STATED
        status = trial.status or NOT_STATED
        return (
            (not self.condition
             or self.condition.casefold() in {c.casefold() for c in trial.conditions})
            and (not self.intervention or any(self.intervention.casefold() in i.casefold()
                                              for i in trial.interventions))
            and (not self.phase or self.phase == phase)
            and (not self.status or self.status.casefold() == status.casefold())
        )


@dataclass(frozen=True, slots=True)
class _Index:
    """What every row looks up, built once per tracker: the study each record key belongs to
    (the first study listing it) and the registry ids each page's body names, by slug."""

    study_of: dict[str, str]
    page_registry_ids: dict[str, frozenset[str]]

    @classmethod
    def of(cls, snap: HubSnapshot) -> _Index:
        study_of: dict[str, str] = {}
        for study in snap.studies:
            for key in study.record_keys:
                study_of.setdefault(key, study.key)
        return cls(study_of, {p.slug: frozenset(REGISTRY_ID_RE.findall(p.body))
                              for p in snap.pages})


def _publications(snap: HubSnapshot, index: _Index, trial: Trial) -> list[dict[str, Any]]:
    ids = {trial.registry_id, *trial.secondary_ids}
    keys = [r.key for r in snap.records if ids & set(r.registry_ids)]
    keys += [k for s in snap.studies if ids & set(s.trial_ids) for k in s.record_keys]
    publications = []
    for key in dict.fromkeys(keys):
        record = snap.record_by_key.get(key)
        if record is None:
            continue
        item = _record_dict(record)
        study_key = index.study_of.get(key)
        item["path"] = study_path(study_key) if study_key else None
        item["url"] = item["doi_url"] or item["pmid_url"]
        publications.append(item)
    return publications


def _pages(snap: HubSnapshot, index: _Index, trial: Trial) -> list[dict[str, Any]]:
    ids = {trial.registry_id, *trial.secondary_ids}
    studies = {s.key for s in snap.studies if ids & set(s.trial_ids)}
    return [_page_link(p) for p in snap.pages
            if studies & snap.cited_by_page[p.slug] or ids & index.page_registry_ids[p.slug]]


def _row(snap: HubSnapshot, index: _Index, trial: Trial) -> dict[str, Any]:
    link = registry_link(trial.registry, trial.registry_id)
    return {
        **_trial_dict(trial),
        "registry_url": link.url if link else None,
        "registry_site": link.site if link else None,
        "start_date": trial.start_date.isoformat() if trial.start_date else None,
        "completion_date": trial.completion_date.isoformat() if trial.completion_date else None,
        "last_updated": trial.last_updated.isoformat() if trial.last_updated else None,
        "publications": _publications(snap, index, trial),
        "pages": _pages(snap, index, trial),
    }


def _options(snap: HubSnapshot) -> dict[str, list[dict[str, str]]]:
    conditions = sorted({c for t in snap.trials for c in t.conditions}, key=str.casefold)
    phases = sorted({t.phase for t in snap.trials if t.phase}, key=list(TrialPhase).index)
    statuses = sorted({t.status for t in snap.trials if t.status})
    not_stated = {"value": NOT_STATED, "label": "Not stated"}
    return {
        "condition": [{"value": c, "label": c} for c in conditions],
        "phase": [{"value": p.value, "label": fmt_phase(p.value)} for p in phases] + [not_stated],
        "status": [{"value": s, "label": s.lower().replace("_", " ")} for s in statuses]
        + [not_stated],
        "sort": [{"value": name, "label": label} for name, (label, _) in SORTS.items()],
    }


def tracker_context(snap: HubSnapshot, filters: TrialFilters | None = None) -> dict[str, Any]:
    """Context of the trial tracker: the trials passing ``filters``, in their order."""
    filters = filters or TrialFilters()
    _, order = SORTS[filters.sort]
    trials = sorted((t for t in snap.trials if filters.keeps(t)), key=order)
    context = _base("trials", "Trial tracker", TRACKER_PATH)
    index = _Index.of(snap)
    if filters != TrialFilters():
        chosen = {f.name: getattr(filters, f.name) for f in fields(filters)
                  if getattr(filters, f.name) and (f.name != "sort" or filters.sort != "id")}
        context["json_path"] += "?" + urlencode(chosen)
    context.update({
        "filters": {f.name: getattr(filters, f.name) for f in fields(filters)},
        "filtered": filters.active(),
        "options": _options(snap),
        "total": len(snap.trials),
        "trials": [_row(snap, index, t) for t in trials],
        "disclaimer": DISCLAIMER,
    })
    return context
