"""What the tag rules read about a claim's evidence: the facts of each cited study and analysis.

The rules (:mod:`evidencehub.grade.proposals.rules`) never see a store. They read
:class:`ClaimEvidence`: the :class:`StudyFacts` of the studies a claim cites and the
:class:`AnalysisFacts` of the analyses it quotes, built from :class:`~evidencehub.model.Study`,
its :class:`~evidencehub.model.Record` s and an analysis run's ``k``.

Research groups
---------------
Replication means another group found the same thing. What the hub holds about who did a
study is its records' author lists and its trial registry ids, so two studies are taken to be
from the same group when they share

* a record (two study entries of one paper) or a trial registry id (two reports of one trial);
* the first author (the person who did the work), or
* the last author — in biomedicine the senior author who leads the laboratory (the ICMJE and
  most journals leave order to the authors, but last-author seniority is the dominant
  convention; Tscharntke et al. 2007, PLoS Biol 5:e18, describe it as "first-last-author
  emphasis").

Authors are compared by family name and initials (``Takahashi K``), case-folded, never by
family name alone: the seed page's three Takahashi groups (K., M. and J.) are different
laboratories. Groups are the connected components of "shares one of these" over the studies,
so A–B sharing a first author and B–C sharing a senior author puts all three in one group.

Limits: an author who signs with different initials, consortia named differently, and groups
whose members never co-author are not caught; a study without any author list is its own
group. A pooled analysis whose studies are not listed counts as ``k`` independent groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from evidencehub.errors import InputError
from evidencehub.grade.proposals.followup import follow_up_months
from evidencehub.model import EvidenceTag, Record, Study, StudyDesign, TrialPhase

__all__ = [
    "AnalysisFacts",
    "CitingClaim",
    "ClaimEvidence",
    "StudyFacts",
    "claim_evidence",
    "research_groups",
]


class CitingClaim(Protocol):
    """What the rules read of a claim: :class:`evidencehub.model.Claim` has it all.

    Hand-tagged claims from outside the hub (a source page whose uncited claims do not all
    carry ``unsourced``, which a hub :class:`~evidencehub.model.Claim` must) fit as well.
    """

    @property
    def page_slug(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def study_keys(self) -> tuple[str, ...]: ...

    @property
    def analysis_slugs(self) -> tuple[str, ...]: ...

    @property
    def tags(self) -> tuple[EvidenceTag, ...]: ...


def _person(display: str | None) -> str | None:
    """``"Takahashi K"`` → ``"takahashi k"``: case-folded, punctuation and spacing removed."""
    if not display:
        return None
    return re.sub(r"[\s.\-]+", " ", display).strip().casefold() or None


@dataclass(frozen=True, slots=True)
class StudyFacts:
    """What the rules read about one study.

    Attributes
    ----------
    key, label : str
        The study's citation key and label.
    design : StudyDesign
        Its design (:attr:`StudyDesign.in_humans` separates cells and animals from people).
    species, population, cell_source : str or None
        As the study states them.
    n : int or None
        Participants (or animals).
    follow_up : str or None
        The follow-up as written; ``follow_up_months`` is it in months (None when not stated
        or not understood, with ``follow_up_problem`` saying why).
    phase : TrialPhase or None
        Trial phase.
    record_keys, trial_ids : tuple of str
        The study's records and trial registry ids.
    first_author, senior_author : str or None
        First and last author of its first record with authors (``"Takahashi K"``).
    """

    key: str
    label: str
    design: StudyDesign
    species: str | None = None
    population: str | None = None
    cell_source: str | None = None
    n: int | None = None
    follow_up: str | None = None
    follow_up_months: float | None = None
    follow_up_problem: str | None = None
    phase: TrialPhase | None = None
    record_keys: tuple[str, ...] = ()
    trial_ids: tuple[str, ...] = ()
    first_author: str | None = None
    senior_author: str | None = None

    @classmethod
    def from_study(cls, study: Study, records: Mapping[str, Record] | None = None) -> StudyFacts:
        """The facts of ``study``; authors come from the first of its records (by key in
        ``records``) that lists any. A follow-up that states no duration is kept as a problem,
        not raised: the rules treat it as not reported and say so."""
        authors = next((records[k].authors for k in study.record_keys
                        if records and k in records and records[k].authors), ())
        months: float | None = None
        problem: str | None = None
        try:
            months = follow_up_months(study.follow_up, source=f"study {study.key!r}")
        except InputError as exc:
            problem = str(exc)
        return cls(
            key=study.key, label=study.label, design=study.design, species=study.species,
            population=study.population, cell_source=study.cell_source, n=study.n,
            follow_up=study.follow_up, follow_up_months=months, follow_up_problem=problem,
            phase=study.phase, record_keys=study.record_keys, trial_ids=study.trial_ids,
            first_author=authors[0].display if authors else None,
            senior_author=authors[-1].display if len(authors) > 1 else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "key": self.key, "label": self.label, "design": self.design.value,
            "species": self.species, "population": self.population,
            "cell_source": self.cell_source, "n": self.n, "follow_up": self.follow_up,
            "follow_up_months": self.follow_up_months,
            "follow_up_problem": self.follow_up_problem,
            "phase": self.phase.value if self.phase else None,
            "record_keys": list(self.record_keys), "trial_ids": list(self.trial_ids),
            "first_author": self.first_author, "senior_author": self.senior_author,
        }


@dataclass(frozen=True, slots=True)
class AnalysisFacts:
    """What the rules read about one analysis a claim quotes: its latest run.

    Attributes
    ----------
    slug : str
        The analysis.
    k : int
        Studies pooled by the run.
    designs : tuple of StudyDesign
        Designs of the pooled studies (one per study, or each distinct design once).
    study_keys : tuple of str
        The pooled studies, when known: they then join the claim's studies for grouping.
    follow_up_months : float or None
        The time point the analysis pools, in months, when it names one.
    """

    slug: str
    k: int
    designs: tuple[StudyDesign, ...]
    study_keys: tuple[str, ...] = ()
    follow_up_months: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"slug": self.slug, "k": self.k, "designs": [d.value for d in self.designs],
                "study_keys": list(self.study_keys), "follow_up_months": self.follow_up_months}


@dataclass(frozen=True, slots=True)
class ClaimEvidence:
    """A claim's cited studies and quoted analyses, as the rules read them."""

    studies: tuple[StudyFacts, ...] = ()
    analyses: tuple[AnalysisFacts, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the claim cites nothing."""
        return not self.studies and not self.analyses

    @property
    def designs(self) -> tuple[StudyDesign, ...]:
        """Designs of every cited study and every analysis's pooled studies."""
        return (*(s.design for s in self.studies),
                *(d for a in self.analyses for d in a.designs))


def claim_evidence(claim: CitingClaim, studies: Mapping[str, StudyFacts],
                   analyses: Mapping[str, AnalysisFacts] | None = None) -> ClaimEvidence:
    """The evidence ``claim`` cites, looked up by key and slug.

    A pooled analysis's ``study_keys`` found in ``studies`` are added to the claim's studies
    (once each), so that grouping sees them.

    Raises
    ------
    InputError
        When the claim cites a study or an analysis that is not given.
    """
    where = f"claim {claim.text[:40]!r}"
    source = f"page {claim.page_slug!r}"
    analyses = analyses or {}
    for slug in claim.analysis_slugs:
        if slug not in analyses:
            raise InputError(f"cites analysis {slug!r}, which has no run", source=source,
                             where=where)
    quoted = tuple(analyses[slug] for slug in claim.analysis_slugs)
    keys = dict.fromkeys([*claim.study_keys, *(k for a in quoted for k in a.study_keys
                                               if k in studies)])
    for key in claim.study_keys:
        if key not in studies:
            raise InputError(f"cites study {key!r}, which is not in the library",
                             source=source, where=where)
    return ClaimEvidence(studies=tuple(studies[k] for k in keys), analyses=quoted)


def research_groups(studies: Sequence[StudyFacts]) -> tuple[tuple[str, ...], ...]:
    """Study keys partitioned into research groups (see the module docstring), each group in
    the order of ``studies``, groups in the order of their first study."""
    parent = list(range(len(studies)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[tuple[str, str], int] = {}
    for i, study in enumerate(studies):
        for mark in _marks(study):
            if mark in first_seen:
                parent[find(i)] = find(first_seen[mark])
            else:
                first_seen[mark] = i
    groups: dict[int, list[str]] = {}
    for i, study in enumerate(studies):
        groups.setdefault(find(i), []).append(study.key)
    return tuple(tuple(dict.fromkeys(g)) for g in groups.values())


def _marks(study: StudyFacts) -> Iterable[tuple[str, str]]:
    """What ties a study to others of its group: records, trials, first and senior author."""
    yield ("study", study.key)
    yield from (("record", k) for k in study.record_keys)
    yield from (("trial", t) for t in study.trial_ids)
    for person in (_person(study.first_author), _person(study.senior_author)):
        if person:
            yield ("author", person)
