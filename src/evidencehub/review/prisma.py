"""The PRISMA 2020 flow of a systematic review, derived from its searches and final decisions.

:func:`prisma_flow` counts the boxes of the PRISMA 2020 flow diagram for new systematic reviews
"which included searches of databases, registers and other sources" (Page et al. 2021, BMJ
372:n71, figure 1) from typed inputs — never from typed-in counts:

* :class:`Search` — each search with its kind (database, register or other method) and the
  number of records it returned;
* :class:`RemovedBeforeScreening` — records removed before screening: duplicates (derived by
  the caller from the importer's merges and the stored duplicate decisions), records marked
  ineligible by automation tools, records removed for other reasons;
* :class:`RecordState` — one per unique record in the review, with the route it was identified
  by, its final title-abstract word, the retrieval of its full text, its final full-text word
  (with the criterion of an exclusion) and the study it reports.

The result, :class:`PrismaFlow`, names its fields as the PRISMA2020 R package (Haddaway et al.
2022, Campbell Syst Rev 18:e1230) names the data of its template CSV (``database_results``,
``records_screened``, ``dbr_excluded``, ``new_studies``…), plus per-source counts and the
counts of a review still in progress. :func:`check_flow` checks that every box adds up and
raises an :class:`~evidencehub.errors.InputError` naming the box that does not.

How each record is counted
--------------------------
A record's *title-abstract* word decides whether its report is sought: ``exclude`` ends it
("records excluded"); ``include`` or ``maybe`` sends it to full text — a ``maybe`` that is the
final word goes on, as in Covidence, because nobody ruled it out; no final word yet (None) means
it awaits screening. Every record, whatever its route, is screened on title and abstract in the
hub, so a record with no title-abstract word cannot have a full-text state (an error).

Of the reports sought, ``RetrievalStatus.NOT_RETRIEVED`` counts as "reports not retrieved". A
full-text word (include, exclude or maybe) means the full text was read, so the report counts as
retrieved even when nobody marked it so (a mark of "not retrieved" next to a full-text word is
a contradiction, and an error). A full-text ``include`` or ``exclude`` makes the report
"assessed for eligibility"; at full text ``maybe`` is not an eligibility decision, so the report
awaits assessment. A sought report with neither a retrieval mark nor a full-text word awaits
retrieval.

Included reports are grouped into studies by ``study_id`` (reports of one study share it); an
included report without one is a study of its own. ``study_id`` is read only for included
reports.

A review in progress
--------------------
The PRISMA 2020 template has no box for records still waiting, so a review in progress gets
three extra counts per column, which the arithmetic includes and the diagram shows next to the
step they wait at: records awaiting screening (``records_awaiting_screening``: identified and
not removed, no final title-abstract word), reports awaiting retrieval and reports awaiting
assessment (``dbr_awaiting_retrieval``, ``dbr_awaiting_assessment`` and their ``other_``
twins). The flow of a finished review has them all at 0 (:attr:`PrismaFlow.in_progress`).

Routes and columns
------------------
Records identified by database or register searches form the left column ("dbr_" fields);
records identified by other methods the right one ("other_" fields), which exists only when
there is at least one other-methods search. A record returned by both a database search and an
other method belongs to the database route (the caller decides the route; it should prefer
database and register searches, as the template's two columns imply). ``duplicates`` and the
other removals are records of the database and register searches, as in the template: the
database-and-register records identified, less those removed, must equal the records on that
route (screened or awaiting screening). The other-methods column has no removal box, so its
records must only not outnumber what its searches returned; PRISMA 2020 shows no title-abstract
step there, so those records' screening counts (``other_records_screened``,
``other_records_excluded``, ``other_records_awaiting_screening``) are reported beside the flow.

The previous-studies column of the template (updated reviews) is not derived: ``total_studies``
and ``total_reports`` equal the new ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from evidencehub.errors import InputError
from evidencehub.vocab import OtherMethod, RetrievalStatus, ScreeningLabel, SearchKind

__all__ = [
    "ExclusionReason",
    "FlowSection",
    "PrismaFlow",
    "ReasonCount",
    "RecordState",
    "RemovedBeforeScreening",
    "Search",
    "SourceCount",
    "check_flow",
    "prisma_flow",
]

_SOURCE = "PRISMA flow"
_E = TypeVar("_E", bound=StrEnum)
#: The reason shown for a full-text exclusion that names no criterion.
NO_REASON = "reason not recorded"


# -- inputs -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Search:
    """One search of the review.

    Attributes
    ----------
    source : str
        The database, register or other source, as the flow diagram should name it
        ("MEDLINE (Ovid)", "ClinicalTrials.gov", "Reference lists of included studies").
    kind : SearchKind
        Database, register or other method.
    records : int
        Records the search returned (before any deduplication).
    method : OtherMethod, optional
        Which other method (website, organisation, citation searching); required when
        ``kind`` is :attr:`SearchKind.OTHER`, not allowed otherwise.
    """

    source: str
    kind: SearchKind
    records: int
    method: OtherMethod | None = None


@dataclass(frozen=True, slots=True)
class RemovedBeforeScreening:
    """Records of the database and register searches removed before screening.

    Attributes
    ----------
    duplicates : int
        Duplicate records removed (the importer's merges and the stored duplicate decisions).
    automation : int
        Records marked as ineligible by automation tools (``excluded_automatic``).
    other : int
        Records removed for other reasons (``excluded_other``).
    """

    duplicates: int = 0
    automation: int = 0
    other: int = 0


@dataclass(frozen=True, slots=True)
class ExclusionReason:
    """The eligibility criterion a full-text exclusion gives as its reason."""

    criterion_id: str
    text: str


@dataclass(frozen=True, slots=True)
class RecordState:
    """The final state of one unique record of the review.

    Attributes
    ----------
    record_id : str
        The record's id (unique within the review).
    identified_via : SearchKind
        The route that identified it: DATABASE or REGISTER (the databases-and-registers column)
        or OTHER (the other-methods column).
    title_abstract : ScreeningLabel, optional
        The final word at title and abstract (after any resolution); None while awaited.
    retrieval : RetrievalStatus, optional
        Where its full text stands; None when never marked.
    full_text : ScreeningLabel, optional
        The final word at full text; None (or ``maybe``) while awaited.
    reason : ExclusionReason, optional
        The criterion of a full-text exclusion; only with ``full_text = exclude``.
    study_id : str, optional
        The study an included report belongs to (reports of one study share it).
    """

    record_id: str
    identified_via: SearchKind
    title_abstract: ScreeningLabel | None = None
    retrieval: RetrievalStatus | None = None
    full_text: ScreeningLabel | None = None
    reason: ExclusionReason | None = None
    study_id: str | None = None


# -- outputs ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SourceCount:
    """Records returned by the searches of one source."""

    source: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "n": self.n}


@dataclass(frozen=True, slots=True)
class ReasonCount:
    """Reports excluded at full text for one reason (``criterion_id`` None: no reason given)."""

    criterion_id: str | None
    reason: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"criterion_id": self.criterion_id, "reason": self.reason, "n": self.n}


@dataclass(frozen=True, slots=True)
class FlowSection:
    """One phase (or column) of the flow in words: its heading and one line per box."""

    heading: str
    lines: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "lines": list(self.lines)}


@dataclass(frozen=True, slots=True)
class PrismaFlow:
    """The boxes of the PRISMA 2020 flow diagram, named as the PRISMA2020 R package names them.

    Identification: ``database_results``, ``register_results`` (None: no such search), with
    ``database_specific_results`` and ``register_specific_results`` per source;
    ``website_results``, ``organisation_results``, ``citations_results`` (None: no such
    search); ``duplicates``, ``excluded_automatic``, ``excluded_other`` (removed before
    screening).

    Databases and registers: ``records_screened``, ``records_excluded``,
    ``dbr_sought_reports``, ``dbr_notretrieved_reports``, ``dbr_assessed``, ``dbr_excluded``
    (per reason).

    Other methods (all None without an other-methods search): ``other_sought_reports``,
    ``other_notretrieved_reports``, ``other_assessed``, ``other_excluded`` (per reason).

    Included: ``new_studies``, ``new_reports``, ``total_studies``, ``total_reports``.

    Not in the R package (a review in progress, and the counts that make each column add up):
    ``records_awaiting_screening``, ``dbr_awaiting_retrieval``, ``dbr_awaiting_assessment``,
    ``dbr_included_reports``; ``other_records_screened``, ``other_records_excluded``,
    ``other_records_awaiting_screening``, ``other_awaiting_retrieval``,
    ``other_awaiting_assessment``, ``other_included_reports``.
    """

    database_results: int | None
    database_specific_results: tuple[SourceCount, ...]
    register_results: int | None
    register_specific_results: tuple[SourceCount, ...]
    website_results: int | None
    organisation_results: int | None
    citations_results: int | None
    duplicates: int
    excluded_automatic: int
    excluded_other: int
    records_screened: int
    records_excluded: int
    records_awaiting_screening: int
    dbr_sought_reports: int
    dbr_notretrieved_reports: int
    dbr_awaiting_retrieval: int
    dbr_awaiting_assessment: int
    dbr_assessed: int
    dbr_excluded: tuple[ReasonCount, ...]
    dbr_included_reports: int
    other_records_screened: int | None
    other_records_excluded: int | None
    other_records_awaiting_screening: int | None
    other_sought_reports: int | None
    other_notretrieved_reports: int | None
    other_awaiting_retrieval: int | None
    other_awaiting_assessment: int | None
    other_assessed: int | None
    other_excluded: tuple[ReasonCount, ...] | None
    other_included_reports: int | None
    new_studies: int
    new_reports: int
    total_studies: int
    total_reports: int

    @property
    def has_other_methods(self) -> bool:
        """True when the review searched other methods (the template's right-hand column)."""
        return self.other_sought_reports is not None

    @property
    def records_identified(self) -> int:
        """Records identified from databases and registers."""
        return (self.database_results or 0) + (self.register_results or 0)

    @property
    def other_identified(self) -> int:
        """Records identified by other methods."""
        return sum(n or 0 for n in (self.website_results, self.organisation_results,
                                    self.citations_results))

    @property
    def dbr_excluded_total(self) -> int:
        """Reports excluded at full text (databases and registers), over all reasons."""
        return sum(r.n for r in self.dbr_excluded)

    @property
    def other_excluded_total(self) -> int | None:
        """Reports excluded at full text (other methods); None without that column."""
        return None if self.other_excluded is None else sum(r.n for r in self.other_excluded)

    @property
    def in_progress(self) -> bool:
        """True while any record awaits screening, retrieval or assessment."""
        return any(n for n in (self.records_awaiting_screening, self.dbr_awaiting_retrieval,
                               self.dbr_awaiting_assessment, self.other_records_awaiting_screening,
                               self.other_awaiting_retrieval, self.other_awaiting_assessment))

    def to_dict(self) -> dict[str, Any]:
        """Every field under its name; per-source and per-reason counts as lists of dicts;
        plus ``in_progress``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = [item.to_dict() for item in value]
            out[f.name] = value
        out["in_progress"] = self.in_progress
        return out

    def sections(self) -> tuple[FlowSection, ...]:
        """The flow in words, box by box, one section per phase (and column) of the diagram:
        what :meth:`summary` prints and pages show beside the diagram (deterministic)."""
        identification = []
        for label, total, per in (("databases", self.database_results,
                                   self.database_specific_results),
                                  ("registers", self.register_results,
                                   self.register_specific_results)):
            if total is not None:
                detail = "; ".join(f"{s.source} {s.n}" for s in per)
                identification.append(f"records identified from {label}: {total} ({detail})")
        identification.append(f"removed before screening: {self.duplicates} duplicates, "
                              f"{self.excluded_automatic} by automation tools, "
                              f"{self.excluded_other} for other reasons")
        if self.has_other_methods:
            identification.append(f"records identified by other methods: "
                                  f"{self.other_identified}")
        out = [
            FlowSection("Identification", tuple(identification)),
            FlowSection("Screening (databases and registers)", (
                f"records screened {self.records_screened}, excluded {self.records_excluded}",
                f"reports sought {self.dbr_sought_reports}, not retrieved "
                f"{self.dbr_notretrieved_reports}",
                f"reports assessed {self.dbr_assessed}, excluded {self.dbr_excluded_total}"
                + _reasons_text(self.dbr_excluded),
            )),
        ]
        if self.has_other_methods:
            out.append(FlowSection("Screening (other methods)", (
                f"reports sought {self.other_sought_reports}, not retrieved "
                f"{self.other_notretrieved_reports}",
                f"reports assessed {self.other_assessed}, excluded {self.other_excluded_total}"
                + _reasons_text(self.other_excluded or ()),
            )))
        out.append(FlowSection("Included", (
            f"studies {self.new_studies}, reports of included studies {self.new_reports}",)))
        if self.in_progress:
            waiting = [(self.records_awaiting_screening, "records await screening"),
                       (self.dbr_awaiting_retrieval, "reports await retrieval"),
                       (self.dbr_awaiting_assessment, "reports await assessment"),
                       (self.other_records_awaiting_screening, "other-methods records await "
                        "screening"),
                       (self.other_awaiting_retrieval, "other-methods reports await retrieval"),
                       (self.other_awaiting_assessment, "other-methods reports await "
                        "assessment")]
            out.append(FlowSection("In progress",
                                   tuple(f"{n} {what}" for n, what in waiting if n)))
        return tuple(out)

    def summary(self) -> str:
        """The flow as indented text, box by box (deterministic): :meth:`sections`, each line
        indented under its heading; the waiting counts of a review in progress on one line."""
        lines = ["PRISMA 2020 flow (new review)"]
        for section in self.sections():
            if section.heading == "In progress":
                lines.append("In progress: " + ", ".join(section.lines))
            else:
                lines += [section.heading, *(f"  {line}" for line in section.lines)]
        return "\n".join(lines)


# -- derivation ---------------------------------------------------------------------------------
@dataclass
class _Column:
    """Running counts of one column of the diagram."""

    screened: int = 0
    excluded: int = 0
    awaiting_screening: int = 0
    sought: int = 0
    not_retrieved: int = 0
    awaiting_retrieval: int = 0
    awaiting_assessment: int = 0
    assessed: int = 0
    included: int = 0
    reasons: Counter[tuple[str | None, str]] = field(default_factory=Counter)

    def reason_counts(self) -> tuple[ReasonCount, ...]:
        """Reasons by count (most first), then by text; "reason not recorded" last."""
        ranked = sorted(self.reasons.items(), key=lambda kv: (kv[0][0] is None, -kv[1], kv[0][1]))
        return tuple(ReasonCount(cid, text, n) for (cid, text), n in ranked)


def prisma_flow(searches: Sequence[Search], removed: RemovedBeforeScreening,
                records: Iterable[RecordState]) -> PrismaFlow:
    """Derive the PRISMA 2020 flow of a review and check that every box adds up.

    Parameters
    ----------
    searches : sequence of Search
        Every search of the review.
    removed : RemovedBeforeScreening
        Records of the database and register searches removed before screening.
    records : iterable of RecordState
        One entry per unique record in the review (not removed before screening).

    Returns
    -------
    PrismaFlow

    Raises
    ------
    InputError
        When an input is malformed or contradicts itself (the message names the search or the
        record), or when the searches, removals and records do not add up (it names the box).
    """
    _check_searches(searches, removed)
    columns = {False: _Column(), True: _Column()}
    studies: set[str] = set()
    seen: set[str] = set()
    criteria: dict[str, str] = {}
    for state in records:
        if state.record_id in seen:
            raise InputError("the record is listed twice; give one entry per unique record",
                             source=_SOURCE, where=f"record {state.record_id!r}")
        seen.add(state.record_id)
        state = _check_record(state, criteria)
        col = columns[state.identified_via is SearchKind.OTHER]
        if _count(state, col):
            studies.add(f"study:{state.study_id}" if state.study_id is not None
                        else f"record:{state.record_id}")
    other = columns[True]
    has_other = (other.screened + other.awaiting_screening > 0
                 or any(SearchKind(s.kind) is SearchKind.OTHER for s in searches))
    flow = _assemble(searches, removed, columns[False], other if has_other else None,
                     len(studies))
    check_flow(flow)
    return flow


def _count(state: RecordState, col: _Column) -> bool:
    """Add one record to its column; True when its report is included."""
    ta = state.title_abstract
    if ta is None:
        col.awaiting_screening += 1
        return False
    col.screened += 1
    if ta is ScreeningLabel.EXCLUDE:
        col.excluded += 1
        return False
    col.sought += 1
    ft = state.full_text
    if state.retrieval is RetrievalStatus.NOT_RETRIEVED:
        col.not_retrieved += 1
    elif ft in (ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE):
        col.assessed += 1
        if ft is ScreeningLabel.INCLUDE:
            col.included += 1
            return True
        key = (None, NO_REASON) if state.reason is None else (state.reason.criterion_id,
                                                               state.reason.text)
        col.reasons[key] += 1
    elif ft is ScreeningLabel.MAYBE or state.retrieval is RetrievalStatus.RETRIEVED:
        col.awaiting_assessment += 1
    else:
        col.awaiting_retrieval += 1
    return False


def _assemble(searches: Sequence[Search], removed: RemovedBeforeScreening, dbr: _Column,
              other: _Column | None, n_studies: int) -> PrismaFlow:
    """The flow's fields from the two columns' counts (``other`` None: no such column)."""
    def total(kind: SearchKind, method: OtherMethod | None = None) -> int | None:
        chosen = [s.records for s in searches
                  if SearchKind(s.kind) is kind and (method is None or s.method is method)]
        return sum(chosen) if chosen else None

    def per_source(kind: SearchKind) -> tuple[SourceCount, ...]:
        counts: dict[str, int] = {}
        for s in searches:
            if SearchKind(s.kind) is kind:
                counts[s.source] = counts.get(s.source, 0) + s.records
        return tuple(SourceCount(name, n) for name, n in counts.items())

    def o(value: int) -> int | None:
        return None if other is None else value

    col = other or _Column()
    reports = dbr.included + col.included
    return PrismaFlow(
        database_results=total(SearchKind.DATABASE),
        database_specific_results=per_source(SearchKind.DATABASE),
        register_results=total(SearchKind.REGISTER),
        register_specific_results=per_source(SearchKind.REGISTER),
        website_results=total(SearchKind.OTHER, OtherMethod.WEBSITE),
        organisation_results=total(SearchKind.OTHER, OtherMethod.ORGANISATION),
        citations_results=total(SearchKind.OTHER, OtherMethod.CITATION_SEARCHING),
        duplicates=removed.duplicates,
        excluded_automatic=removed.automation,
        excluded_other=removed.other,
        records_screened=dbr.screened,
        records_excluded=dbr.excluded,
        records_awaiting_screening=dbr.awaiting_screening,
        dbr_sought_reports=dbr.sought,
        dbr_notretrieved_reports=dbr.not_retrieved,
        dbr_awaiting_retrieval=dbr.awaiting_retrieval,
        dbr_awaiting_assessment=dbr.awaiting_assessment,
        dbr_assessed=dbr.assessed,
        dbr_excluded=dbr.reason_counts(),
        dbr_included_reports=dbr.included,
        other_records_screened=o(col.screened),
        other_records_excluded=o(col.excluded),
        other_records_awaiting_screening=o(col.awaiting_screening),
        other_sought_reports=o(col.sought),
        other_notretrieved_reports=o(col.not_retrieved),
        other_awaiting_retrieval=o(col.awaiting_retrieval),
        other_awaiting_assessment=o(col.awaiting_assessment),
        other_assessed=o(col.assessed),
        other_excluded=None if other is None else col.reason_counts(),
        other_included_reports=o(col.included),
        new_studies=n_studies,
        new_reports=reports,
        total_studies=n_studies,
        total_reports=reports,
    )


# -- checks -------------------------------------------------------------------------------------
def check_flow(flow: PrismaFlow) -> None:
    """Check that every box of ``flow`` adds up.

    The relations, column by column (PRISMA 2020 figure 1, top to bottom):

    * per-source counts sum to ``database_results`` and ``register_results``;
    * identified − duplicates − automation − other removals = ``records_screened`` +
      ``records_awaiting_screening``;
    * ``records_screened`` − ``records_excluded`` = ``dbr_sought_reports``;
    * sought − not retrieved − awaiting retrieval − awaiting assessment = ``dbr_assessed``;
    * ``dbr_assessed`` − excluded (all reasons) = ``dbr_included_reports``;
    * the same for the other-methods column, whose records must not outnumber what its
      searches returned;
    * ``new_reports`` = the included reports of both columns; ``new_studies`` is at least 1
      and at most ``new_reports`` when reports are included, else 0; the totals equal them;
    * no count is negative.

    Raises
    ------
    InputError
        ``"PRISMA flow, box '<name>': …"`` for the first box that does not add up.
    """
    for f in fields(flow):
        value = getattr(flow, f.name)
        items = value if isinstance(value, tuple) else ()
        if (isinstance(value, int) and value < 0) or any(item.n < 0 for item in items):
            _fail(f.name, f"a count cannot be negative; got {value!r}")
    for name, total, per in (("database_specific_results", flow.database_results,
                              flow.database_specific_results),
                             ("register_specific_results", flow.register_results,
                              flow.register_specific_results)):
        if sum(s.n for s in per) != (total or 0):
            _fail(name, f"the per-source counts sum to {sum(s.n for s in per)}, not {total or 0}")
    left = (flow.records_identified - flow.duplicates - flow.excluded_automatic
            - flow.excluded_other)
    if left != flow.records_screened + flow.records_awaiting_screening:
        _fail("records_screened",
              f"{flow.records_identified} records identified from databases and registers, "
              f"less {flow.duplicates} duplicates, {flow.excluded_automatic} marked by "
              f"automation tools and {flow.excluded_other} removed for other reasons, leave "
              f"{left}; but {flow.records_screened} were screened and "
              f"{flow.records_awaiting_screening} await screening")
    _check_column("dbr", flow.records_screened, flow.records_excluded, flow.dbr_sought_reports,
                  flow.dbr_notretrieved_reports, flow.dbr_awaiting_retrieval,
                  flow.dbr_awaiting_assessment, flow.dbr_assessed, flow.dbr_excluded_total,
                  flow.dbr_included_reports)
    other_included = 0
    if flow.has_other_methods:
        records = (flow.other_records_screened or 0) + (flow.other_records_awaiting_screening or 0)
        if records > flow.other_identified:
            _fail("website_results + organisation_results + citations_results",
                  f"{records} records came by other methods, but the other-methods searches "
                  f"returned {flow.other_identified}")
        _check_column("other", flow.other_records_screened or 0, flow.other_records_excluded or 0,
                      flow.other_sought_reports or 0, flow.other_notretrieved_reports or 0,
                      flow.other_awaiting_retrieval or 0, flow.other_awaiting_assessment or 0,
                      flow.other_assessed or 0, flow.other_excluded_total or 0,
                      flow.other_included_reports or 0)
        other_included = flow.other_included_reports or 0
    if flow.new_reports != flow.dbr_included_reports + other_included:
        _fail("new_reports", f"{flow.new_reports} reports of new included studies, but the "
                             f"columns include {flow.dbr_included_reports} + {other_included}")
    if not (flow.new_studies == 0 if flow.new_reports == 0
            else 1 <= flow.new_studies <= flow.new_reports):
        _fail("new_studies", f"{flow.new_studies} studies cannot hold {flow.new_reports} "
                             f"included reports")
    if (flow.total_studies, flow.total_reports) != (flow.new_studies, flow.new_reports):
        _fail("total_studies", "a new review's totals must equal its new studies and reports")


def _check_column(prefix: str, screened: int, excluded: int, sought: int, not_retrieved: int,
                  awaiting_retrieval: int, awaiting_assessment: int, assessed: int,
                  excluded_reports: int, included: int) -> None:
    screened_box = "records_screened" if prefix == "dbr" else "other_records_screened"
    if screened - excluded != sought:
        _fail(f"{prefix}_sought_reports", f"{screened} screened ({screened_box}) less "
                                          f"{excluded} excluded leave {screened - excluded}, "
                                          f"but {sought} reports were sought")
    left = sought - not_retrieved - awaiting_retrieval - awaiting_assessment
    if left != assessed:
        _fail(f"{prefix}_assessed", f"{sought} sought less {not_retrieved} not retrieved, "
                                    f"{awaiting_retrieval} awaiting retrieval and "
                                    f"{awaiting_assessment} awaiting assessment leave {left}, "
                                    f"but {assessed} were assessed")
    if assessed - excluded_reports != included:
        _fail(f"{prefix}_excluded", f"{assessed} assessed less {excluded_reports} excluded "
                                    f"leave {assessed - excluded_reports}, but {included} "
                                    f"reports were included")


def _fail(box: str, problem: str) -> NoReturn:
    raise InputError(problem, source=_SOURCE, where=f"box '{box}'")


def _check_searches(searches: Sequence[Search], removed: RemovedBeforeScreening) -> None:
    for i, s in enumerate(searches):
        where = f"search {i + 1} ({s.source!r})"
        kind = _enum(SearchKind, s.kind, "kind", where)
        method = _enum(OtherMethod, s.method, "method", where)
        if not s.source.strip():
            raise InputError("the source needs a name", source=_SOURCE, where=where)
        if isinstance(s.records, bool) or not isinstance(s.records, int) or s.records < 0:
            raise InputError(f"records must be a whole number >= 0; got {s.records!r}",
                             source=_SOURCE, where=where)
        if (kind is SearchKind.OTHER) != (method is not None):
            problem = ("an other-methods search needs its method (website, organisation or "
                       "citation-searching)" if kind is SearchKind.OTHER
                       else f"a {kind.value} search takes no other-methods method")
            raise InputError(problem, source=_SOURCE, where=where)
    for name in ("duplicates", "automation", "other"):
        value = getattr(removed, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"must be a whole number >= 0; got {value!r}", source=_SOURCE,
                             where=f"records removed before screening, {name!r}")


def _check_record(state: RecordState, criteria: dict[str, str]) -> RecordState:
    """``state`` with its vocabularies as enums, after checking that it does not contradict
    itself (and that each criterion keeps one text)."""
    where = f"record {state.record_id!r}"

    def fail(problem: str) -> NoReturn:
        raise InputError(problem, source=_SOURCE, where=where)

    state = replace(
        state, identified_via=_enum(SearchKind, state.identified_via, "identified_via", where),
        title_abstract=_enum(ScreeningLabel, state.title_abstract, "title_abstract", where),
        retrieval=_enum(RetrievalStatus, state.retrieval, "retrieval", where),
        full_text=_enum(ScreeningLabel, state.full_text, "full_text", where))
    decided = state.retrieval is not None or state.full_text is not None
    if state.title_abstract is None and decided:
        fail("it has a full-text state but no final title-abstract decision")
    if state.title_abstract is ScreeningLabel.EXCLUDE and decided:
        fail("it was excluded on title and abstract but has a full-text state")
    if state.retrieval is RetrievalStatus.NOT_RETRIEVED and state.full_text is not None:
        fail("it is marked not retrieved but has a full-text decision")
    if state.reason is not None:
        if state.full_text is not ScreeningLabel.EXCLUDE:
            fail("an exclusion reason is given but the full-text decision is not exclude")
        known = criteria.setdefault(state.reason.criterion_id, state.reason.text)
        if known != state.reason.text:
            fail(f"criterion {state.reason.criterion_id!r} has two texts: {known!r} and "
                 f"{state.reason.text!r}")
    return state


def _enum(enum: type[_E], value: object, name: str, where: str) -> Any:
    """``value`` as a member of ``enum`` (None stays None), or an error naming the field."""
    if value is None:
        return None
    try:
        return enum(str(value))
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise InputError(f"{name} must be one of {known}; got {value!r}", source=_SOURCE,
                         where=where) from None


def _reasons_text(reasons: Sequence[ReasonCount]) -> str:
    return (": " + "; ".join(f"{r.reason} ({r.n})" for r in reasons)) if reasons else ""
