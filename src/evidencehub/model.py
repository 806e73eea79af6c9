"""The hub's domain: what every stage reads and writes.

Plain, validated value objects (pydantic v2, frozen) with no knowledge of SQL, files or the web:

* :class:`Record` — a bibliographic record (article, preprint, book chapter) with its ids;
* :class:`Trial` — a registered trial in any registry (NCT, UMIN, jRCT, ISRCTN, ChiCTR, EudraCT…);
* :class:`Study` — the unit of evidence, linking records and trials, with its design and model;
* :class:`Actor` — who writes; :class:`ImportEvent` — one import and what it did;
* :class:`Outcome`, :class:`Arm`, :class:`Comparison` — what is measured, in which groups, and
  which groups an analysis sets against each other;
* :class:`OutcomeData` — one arm's result at one time point, and how each number was obtained
  (:class:`StoredOutcomeData`: a stored version of it, with its id, version and writer);
* :class:`Analysis` — a meta-analysis specification, and :class:`AnalysisRun` one fit of it;
* :class:`Page`, :class:`Claim`, :class:`EvidenceLabel` — what the hub publishes;
* :class:`Review` — a systematic review (question, criteria, reviewers), its :class:`Search`
  es, and the :class:`ScreeningDecision` s and :class:`FullTextStatus` es recorded in it.

Closed vocabularies are ``StrEnum`` registries, read by the store, the CLI and the pages alike;
those shared with the statistics live in :mod:`evidencehub.vocab`.
:func:`validate` turns pydantic's errors into one :class:`~evidencehub.errors.InputError` that
names the source, the place and the field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from enum import StrEnum
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evidencehub.errors import InputError
from evidencehub.vocab import (
    Certainty,
    DataKind,
    DecisionBasis,
    ExtractionBasis,
    ExtractionLevel,
    FieldKind,
    Measure,
    Method,
    ModelRule,
    OtherMethod,
    OutcomeDirection,
    RetrievalStatus,
    ReviewerRole,
    ScreeningLabel,
    ScreeningStage,
    SearchKind,
    StudyDesign,
    Test,
)

__all__ = [
    "AbstractSection",
    "Actor",
    "ActorKind",
    "Analysis",
    "AnalysisRun",
    "Arm",
    "Author",
    "Claim",
    "Comparison",
    "Criterion",
    "CrossRef",
    "Derivation",
    "DuplicateVerdict",
    "EvidenceKind",
    "EvidenceLabel",
    "EvidenceTag",
    "ExtractedValue",
    "ExtractionField",
    "Footnote",
    "FullTextStatus",
    "ImportEvent",
    "ImportKind",
    "ImportOutcome",
    "OUTCOME_NUMBERS",
    "OpenAccess",
    "Outcome",
    "OutcomeData",
    "Page",
    "PageKind",
    "PageStatus",
    "Pico",
    "Record",
    "RecordLink",
    "Registry",
    "Review",
    "ReviewMember",
    "ScreeningDecision",
    "Search",
    "StoredOutcomeData",
    "Study",
    "StudyDesign",
    "Trial",
    "TrialPhase",
    "ValueDerivation",
    "ValueKind",
    "finite_json",
    "normalize_doi",
    "parse_registry_id",
    "study_key",
    "validate",
]


class _Value(BaseModel):
    """Base of every domain object: immutable, unknown fields rejected, strings stripped."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- identifiers

_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|info:doi/)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def normalize_doi(value: str) -> str:
    """Return the DOI in canonical form: no URL or ``doi:`` prefix, lower case.

    DOIs are case-insensitive (DOI Handbook §2.4), so lower case is the canonical comparison key.
    Raises :class:`ValueError` when what remains is not shaped like a DOI (``10.<registrant>/<suffix>``).
    """
    doi = _DOI_PREFIXES.sub("", value.strip()).strip().rstrip(".")
    doi = doi.lower()
    if not _DOI_SHAPE.match(doi):
        raise ValueError(f"not a DOI: {value!r} (expected 10.<registrant>/<suffix>)")
    return doi


class Registry(StrEnum):
    """Trial registries, with the shape of their identifiers in :data:`_REGISTRY_PATTERNS`."""

    NCT = "NCT"  # ClinicalTrials.gov
    UMIN = "UMIN"  # UMIN Clinical Trials Registry (Japan)
    JRCT = "jRCT"  # Japan Registry of Clinical Trials
    ISRCTN = "ISRCTN"
    CHICTR = "ChiCTR"  # Chinese Clinical Trial Registry
    EUDRACT = "EudraCT"  # EU Clinical Trials Register
    EUCT = "EUCT"  # EU CTIS (EU CT number, 2023-)
    ACTRN = "ACTRN"  # ANZCTR
    DRKS = "DRKS"  # German Clinical Trials Register
    CTRI = "CTRI"  # Clinical Trials Registry - India
    IRCT = "IRCT"  # Iranian Registry
    NTR = "NTR"  # Netherlands Trial Register (historic)
    KCT = "KCT"  # CRIS (Korea)


_REGISTRY_PATTERNS: dict[Registry, re.Pattern[str]] = {
    Registry.NCT: re.compile(r"^NCT\d{8}$"),
    Registry.UMIN: re.compile(r"^UMIN\d{9}$"),
    Registry.JRCT: re.compile(r"^jRCT(?:\d{10}|[a-z]\d{9})$"),
    Registry.ISRCTN: re.compile(r"^ISRCTN\d{8}$"),
    Registry.CHICTR: re.compile(r"^ChiCTR(?:-[A-Z]{2,5}-)?\d{8,10}$"),
    Registry.EUDRACT: re.compile(r"^\d{4}-\d{6}-\d{2}$"),
    Registry.EUCT: re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$"),
    Registry.ACTRN: re.compile(r"^ACTRN\d{14}$"),
    Registry.DRKS: re.compile(r"^DRKS\d{8}$"),
    Registry.CTRI: re.compile(r"^CTRI/\d{4}/\d{2,3}/\d{6}$"),
    Registry.IRCT: re.compile(r"^IRCT\d{8,}N\d+$"),
    Registry.NTR: re.compile(r"^NTR\d{3,5}$"),
    Registry.KCT: re.compile(r"^KCT\d{7}$"),
}


def parse_registry_id(value: str) -> tuple[Registry, str]:
    """Return ``(registry, canonical id)`` for a trial registry identifier.

    Accepts the usual spellings (``nct01234567``, ``EudraCT 2004-000232-28``, ``jRCT2090220384``)
    and returns the registry's own canonical form. Raises :class:`ValueError` for anything else.
    """
    raw = re.sub(r"\s+", "", value.strip())
    raw = re.sub(r"^(?:EudraCT(?:No\.?|Number)?:?|EUCT(?:No\.?|Number)?:?)", "", raw, flags=re.I)
    candidates = [raw, raw.upper()]
    if raw[:4].lower() == "jrct":
        candidates.append("jRCT" + raw[4:])
    if raw[:6].lower() == "chictr":
        candidates.append("ChiCTR" + raw[6:].upper())
    for candidate in candidates:
        for registry, pattern in _REGISTRY_PATTERNS.items():
            if pattern.match(candidate):
                return registry, candidate
    raise ValueError(
        f"not a trial registry id: {value!r} (expected e.g. NCT01234567, UMIN000033564, "
        "jRCT2090220384, ISRCTN12345678, ChiCTR2000012345, EudraCT 2004-000232-28)"
    )


# --------------------------------------------------------------------------- vocabularies


class OpenAccess(StrEnum):
    """Open-access status as OpenAlex/Unpaywall name it (``closed`` is not open access)."""

    GOLD = "gold"
    DIAMOND = "diamond"
    GREEN = "green"
    HYBRID = "hybrid"
    BRONZE = "bronze"
    CLOSED = "closed"


class TrialPhase(StrEnum):
    """Trial phase, in ClinicalTrials.gov's vocabulary (``NA`` for device/behavioural trials)."""

    EARLY_PHASE1 = "EARLY_PHASE1"
    PHASE1 = "PHASE1"
    PHASE1_2 = "PHASE1/PHASE2"
    PHASE2 = "PHASE2"
    PHASE2_3 = "PHASE2/PHASE3"
    PHASE3 = "PHASE3"
    PHASE4 = "PHASE4"
    NA = "NA"


class ValueKind(StrEnum):
    """Whether an arm's number is the value at follow-up or its change from baseline.

    The two are not interchangeable: pooling one with the other needs a decision (Cochrane
    Handbook §10.5.2), so each number carries its kind.
    """

    FINAL = "final"
    CHANGE = "change"


class ValueDerivation(StrEnum):
    """How a number in an extraction was obtained (its provenance)."""

    REPORTED = "reported"
    SD_FROM_SE = "sd-from-se"
    SD_FROM_CI_Z = "sd-from-ci-z"
    SD_FROM_CI_T = "sd-from-ci-t"
    SD_FROM_P = "sd-from-p"
    SD_FROM_T = "sd-from-t"
    MEAN_SD_FROM_MEDIAN_IQR = "mean-sd-from-median-iqr"
    MEAN_SD_FROM_MEDIAN_RANGE = "mean-sd-from-median-range"
    MEAN_SD_FROM_MEDIAN_IQR_RANGE = "mean-sd-from-median-iqr-range"
    SD_CHANGE_FROM_CORRELATION = "sd-change-from-correlation"
    CORRELATION_IMPUTED = "correlation-imputed"
    COMBINED_SUBGROUPS = "combined-subgroups"
    COMPUTED = "computed"
    DIGITISED = "digitised-from-figure"


class EvidenceTag(StrEnum):
    """Inline caveats a page attaches to a claim."""

    NEEDS_REPLICATION = "needs-replication"
    NEEDS_HUMAN_REPLICATION = "needs-human-replication"
    LONG_TERM_UNKNOWN = "long-term-unknown"
    UNSOURCED = "unsourced"
    NO_MECHANISM = "no-mechanism"


class EvidenceKind(StrEnum):
    """What kind of evidence a finding rests on, as the evidence label states it."""

    IN_VITRO = "Laboratory (in-vitro) studies"
    ANIMAL = "Animal models and experimental medicine"
    EARLY_HUMAN = "Early human trials"
    OBSERVATIONAL = "Observational human studies"
    CONTROLLED_HUMAN = "Controlled human trials"
    POOLED = "Pooled randomised evidence (meta-analysis)"


class PageKind(StrEnum):
    ARTICLE = "article"
    INTERVENTION = "intervention"
    ANALYSIS = "analysis"
    CONDITION = "condition"
    CONCEPT = "concept"
    INDEX = "index"


class PageStatus(StrEnum):
    """Editorial status of a page, as cross-references show it.

    An editor moves a page along stub → draft → verified → published
    (:mod:`evidencehub.publish.page_status`); readers see published pages only.
    ``implicit-stub``, ``exists`` and ``verified-partial`` describe pages elsewhere, as a
    cross-reference names them.
    """

    STUB = "stub"
    IMPLICIT_STUB = "implicit-stub"
    DRAFT = "draft"
    EXISTS = "exists"
    VERIFIED_PARTIAL = "verified-partial"
    VERIFIED = "verified"
    PUBLISHED = "published"


# --------------------------------------------------------------------------- records and trials


class Author(_Value):
    """One author: a person (family + given names) or a collective (``collective``)."""

    family: str | None = None
    given: str | None = None
    collective: str | None = None
    orcid: str | None = None
    affiliations: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _has_a_name(self) -> Self:
        if not (self.family or self.collective):
            raise ValueError("an author needs a family name or a collective name")
        return self

    @property
    def display(self) -> str:
        """``Takahashi K`` style (family name and initials), or the collective name."""
        if self.collective:
            return self.collective
        initials = "".join(part[0] for part in re.split(r"[\s\-.]+", self.given or "") if part)
        return f"{self.family} {initials}".strip()


class AbstractSection(_Value):
    """One labelled part of a structured abstract (``BACKGROUND``, ``METHODS``…)."""

    label: str | None = None
    text: str


class RecordLink(_Value):
    """A link from a record to another: a retraction, an erratum, a comment, an update."""

    kind: str  # e.g. "retraction-of", "retracted-in", "erratum-in", "erratum-for", "comment-on"
    target: str  # "pmid:123", "doi:10.…", or a free citation


class Record(_Value):
    """A bibliographic record, identified by DOI, PMID or PMCID (at least one, or a title).

    ``abstract`` is the whole abstract as plain text; ``abstract_sections`` keeps the labels of a
    structured abstract. ``record_type`` uses Crossref's work types (``journal-article``,
    ``book-chapter``, ``posted-content``…).
    """

    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    pii: str | None = None
    title: str
    abstract: str | None = None
    abstract_sections: tuple[AbstractSection, ...] = ()
    authors: tuple[Author, ...] = ()
    journal: str | None = None
    journal_abbrev: str | None = None
    issn: str | None = None
    publisher: str | None = None
    record_type: str | None = None
    year: int | None = Field(default=None, ge=1600, le=2100)
    published: dt.date | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    url: str | None = None
    publication_types: tuple[str, ...] = ()
    grants: tuple[str, ...] = ()
    links: tuple[RecordLink, ...] = ()
    keywords: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    language: str | None = None
    open_access: OpenAccess | None = None
    citation_count: int | None = Field(default=None, ge=0)
    citation_percentile: float | None = Field(default=None, ge=0, le=100)
    registry_ids: tuple[str, ...] = ()
    retracted: bool = False  # PubMed publication type "Retracted Publication" or a retraction link

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        return normalize_doi(value) if value else None

    @field_validator("pmid")
    @classmethod
    def _pmid(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.isdigit():
            raise ValueError(f"a PMID is digits only, got {value!r}")
        return str(int(value))

    @field_validator("pmcid")
    @classmethod
    def _pmcid(cls, value: str | None) -> str | None:
        if not value:
            return None
        digits = value.upper().removeprefix("PMC")
        if not digits.isdigit():
            raise ValueError(f"a PMCID is 'PMC' and digits, got {value!r}")
        return f"PMC{digits}"

    @field_validator("registry_ids")
    @classmethod
    def _registry_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(parse_registry_id(v)[1] for v in value))

    @property
    def key(self) -> str:
        """The record's identity: ``doi:…``, else ``pmid:…``, else ``pmcid:…``, else the title."""
        if self.doi:
            return f"doi:{self.doi}"
        if self.pmid:
            return f"pmid:{self.pmid}"
        if self.pmcid:
            return f"pmcid:{self.pmcid}"
        return "title:" + re.sub(r"\W+", "-", self.title.lower()).strip("-")[:120]


class Trial(_Value):
    """A registered trial; ``registry_id`` is its primary id, ``secondary_ids`` any others."""

    registry_id: str
    registry: Registry | None = None
    secondary_ids: tuple[str, ...] = ()
    title: str
    phase: TrialPhase | None = None
    status: str | None = None
    enrollment: int | None = Field(default=None, ge=0)
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    sponsor: str | None = None
    start_date: dt.date | None = None
    completion_date: dt.date | None = None
    has_results: bool | None = None
    study_type: str | None = None
    summary: str | None = None
    arms: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    last_updated: dt.date | None = None

    @model_validator(mode="after")
    def _canonical_ids(self) -> Self:
        registry, canonical = parse_registry_id(self.registry_id)
        if self.registry is not None and self.registry is not registry:
            raise ValueError(f"registry {self.registry.value} does not match id {self.registry_id!r}")
        object.__setattr__(self, "registry_id", canonical)
        object.__setattr__(self, "registry", registry)
        secondary = tuple(dict.fromkeys(parse_registry_id(v)[1] for v in self.secondary_ids))
        object.__setattr__(self, "secondary_ids", tuple(s for s in secondary if s != canonical))
        if self.start_date and self.completion_date and self.completion_date < self.start_date:
            raise ValueError(
                f"completion date {self.completion_date} is before start date {self.start_date}"
            )
        return self


# --------------------------------------------------------------------------- studies and outcomes


def study_key(label: str) -> str:
    """Citation key of a study label: ``"De Fronzo (1995)"`` → ``"defronzo1995"``."""
    key = re.sub(r"[^a-z0-9\-]+", "", label.lower().replace(" ", ""))
    if not key or not key[0].isalnum():
        raise ValueError(f"cannot make a citation key from study label {label!r}")
    return key


class Study(_Value):
    """The unit of evidence: one experiment or trial report, linking records and trials.

    ``key`` is a short citation key (``mandai2017``) used in page bodies as ``[@mandai2017]``.
    """

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    label: str
    design: StudyDesign
    record_keys: tuple[str, ...] = ()
    trial_ids: tuple[str, ...] = ()
    species: str | None = None
    model: str | None = None
    population: str | None = None
    n: int | None = Field(default=None, ge=0)
    follow_up: str | None = None
    phase: TrialPhase | None = None
    cell_source: str | None = None
    encapsulation: str | None = None
    immunosuppression: str | None = None
    findings: str | None = None

    @field_validator("trial_ids")
    @classmethod
    def _trial_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(parse_registry_id(v)[1] for v in value))


class ActorKind(StrEnum):
    """Who writes: a person, or a tool (an importer, the demo, a store upgrade)."""

    PERSON = "person"
    TOOL = "tool"


class Actor(_Value):
    """A person or a tool that changes the store; every write names one."""

    name: str = Field(min_length=1)
    kind: ActorKind = ActorKind.PERSON
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")


class ImportKind(StrEnum):
    """What an import read: a file, an online query, a table of outcome data, a bundled corpus."""

    FILE = "file"
    QUERY = "query"
    DATA = "data"
    CORPUS = "corpus"


class ImportEvent(_Value):
    """One run of ``import``, ``fetch`` or ``data import``: what it read, who ran it, when, and
    what happened to the records it returned (counts; the records are listed in the store)."""

    id: int | None = None
    kind: ImportKind
    reader: str
    label: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    query: str | None = None
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime
    n_read: int = Field(default=0, ge=0)
    n_created: int = Field(default=0, ge=0)
    n_updated: int = Field(default=0, ge=0)
    n_unchanged: int = Field(default=0, ge=0)
    n_merged: int = Field(default=0, ge=0)
    n_rejected: int = Field(default=0, ge=0)


class ImportOutcome(StrEnum):
    """What an import did to a stored record it returned (``import_records.outcome``).

    ``created``: the import added it; ``merged``: it changed it with a version of the work known
    under another key (another identifier, the title, or a second copy in the same import);
    ``updated``: it changed it with a version under its own key; ``unchanged``: nothing to
    change. Members are listed strongest first: a record an import met twice keeps the strongest.
    """

    CREATED = "created"
    MERGED = "merged"
    UPDATED = "updated"
    UNCHANGED = "unchanged"

    def stronger(self, other: ImportOutcome | None) -> ImportOutcome:
        """The stronger of this outcome and ``other`` (this one when ``other`` is None)."""
        if other is None:
            return self
        order = list(ImportOutcome)
        return self if order.index(self) <= order.index(other) else other


class DuplicateVerdict(StrEnum):
    """A person's decision on two records: one work (``same``) or two (``different``)."""

    SAME = "same"
    DIFFERENT = "different"


class Outcome(_Value):
    """An outcome measured across studies: its name, how it is measured, which way is better."""

    name: str = Field(min_length=1)
    data_kind: DataKind
    unit: str | None = None
    direction: OutcomeDirection | None = None
    description: str | None = None


class Arm(_Value):
    """An arm of a study: the label the study gives it (usually the treatment), its size and
    what it received."""

    study_key: str
    label: str = Field(min_length=1)
    n: int | None = Field(default=None, ge=0)
    intervention: str | None = None


class Comparison(_Value):
    """Experimental arms against control arms, matched by arm label within each study.

    A single-group measure (a proportion, a mean) has experimental arms only.
    """

    experimental: tuple[str, ...] = Field(min_length=1)
    control: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        both = set(self.experimental) & set(self.control)
        if both:
            raise ValueError(f"arm {sorted(both)[0]!r} is on both sides of the comparison")
        for side in (self.experimental, self.control):
            if len(set(side)) != len(side):
                raise ValueError("an arm is listed twice on one side of the comparison")
        return self

    @property
    def key(self) -> str:
        """Canonical form, one per comparison: ``"acarbose,miglitol|placebo"``."""
        return ",".join(sorted(self.experimental)) + "|" + ",".join(sorted(self.control))

    @property
    def label(self) -> str:
        """For people: ``"acarbose or miglitol vs placebo"``."""
        text = " or ".join(self.experimental)
        return f"{text} vs {' or '.join(self.control)}" if self.control else text


class Derivation(_Value):
    """How numbers of an outcome-data row that were not reported were obtained.

    ``fields`` are the numbers it produced (``("sd",)``), ``method`` the conversion
    (:mod:`evidencehub.stats.convert`), ``inputs`` the reported numbers it used.
    """

    method: ValueDerivation
    fields: tuple[str, ...] = ()
    inputs: dict[str, float] = Field(default_factory=dict)
    note: str | None = None


#: Numbers of an outcome-data row, in the order the ``data import`` table gives them.
OUTCOME_NUMBERS = ("n", "mean", "sd", "events", "total", "median", "q1", "q3", "minimum",
                   "maximum", "se", "ci_lb", "ci_ub")


class OutcomeData(_Value):
    """One arm's result for one outcome at one time point, as a version of a stored row.

    The numbers that analyses use are ``n``/``mean``/``sd`` (continuous) or
    ``events``/``total`` (dichotomous); the others (median, quartiles, range, SE, CI) are kept
    as reported, and ``derivations`` says how any number that was not reported was obtained.
    ``source`` is the record the numbers come from (``doi:…``, ``pmid:…``) and ``locator``
    where in it (page, table, figure or quoted text). ``attributes`` holds the other columns
    of the row (subgroup variables such as a drug class or a population).
    """

    study_key: str
    outcome: str
    arm: str
    timepoint: str | None = None
    timepoint_months: float | None = Field(default=None, ge=0)
    value_kind: ValueKind = ValueKind.FINAL
    n: int | None = Field(default=None, ge=1)
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    events: int | None = Field(default=None, ge=0)
    total: int | None = Field(default=None, ge=1)
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    se: float | None = Field(default=None, ge=0)
    ci_lb: float | None = None
    ci_ub: float | None = None
    derivations: tuple[Derivation, ...] = ()
    attributes: dict[str, str] = Field(default_factory=dict)
    source: str | None = None
    locator: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.events is not None or self.total is not None:
            if self.events is None or self.total is None:
                raise ValueError("binary data needs both 'events' and 'total'")
            if self.events > self.total:
                raise ValueError(f"events ({self.events}) exceed total ({self.total})")
        elif self.mean is not None:
            if self.sd is None or self.n is None:
                raise ValueError("a mean needs 'sd' and 'n' (or an SE or CI to derive the SD from)")
        elif self.median is not None:
            if (self.q1 is None) != (self.q3 is None):
                raise ValueError("quartiles come in pairs: give both 'q1' and 'q3'")
            if (self.minimum is None) != (self.maximum is None):
                raise ValueError("a range needs both 'minimum' and 'maximum'")
            if self.q1 is None and self.minimum is None:
                raise ValueError("a median needs quartiles or a range")
            if self.n is None:
                raise ValueError("a median summary needs 'n'")
        else:
            raise ValueError("no result: give mean/sd/n, events/total, or median with quartiles or range")
        if self.q1 is not None and self.q3 is not None and self.median is not None and not (
            self.q1 <= self.median <= self.q3
        ):
            raise ValueError(f"median {self.median} is not between q1 {self.q1} and q3 {self.q3}")
        if self.minimum is not None and self.maximum is not None and self.median is not None and not (
            self.minimum <= self.median <= self.maximum
        ):
            raise ValueError(
                f"median {self.median} is not between minimum {self.minimum} and maximum {self.maximum}"
            )
        if self.ci_lb is not None and self.ci_ub is not None and self.ci_lb > self.ci_ub:
            raise ValueError(f"ci_lb {self.ci_lb} is above ci_ub {self.ci_ub}")
        return self

    @property
    def data_kind(self) -> DataKind:
        """Dichotomous when events are given, else continuous."""
        return DataKind.DICHOTOMOUS if self.events is not None else DataKind.CONTINUOUS


class StoredOutcomeData(_Value):
    """An outcome-data version as the store holds it: row id, version, who wrote it and when,
    and the ``data import`` that brought it (``None`` when it was entered otherwise)."""

    id: int
    version: int = Field(ge=1)
    data: OutcomeData
    actor: str
    recorded_at: dt.datetime
    import_id: int | None = None


# --------------------------------------------------------------------------- analyses


class Analysis(_Value):
    """A meta-analysis: which outcome data to pool (outcome, comparison, time point, kind of
    value) and how (metafor's measure, method and test; confidence level; model rule).

    ``review`` is the slug of the systematic review its studies came from, if any: its pages
    show that review's PRISMA 2020 flow. It is not a setting of the fit (changing it never
    makes the analysis stale).
    """

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    title: str
    outcome: str
    comparison: Comparison
    measure: Measure
    method: Method = Method.REML
    test: Test = Test.Z
    level: float = Field(default=95.0, gt=0, lt=100)
    model_rule: ModelRule | None = None
    subgroup: str | None = None
    timepoint: str | None = None
    value_kind: ValueKind | None = None
    description: str | None = None
    review: str | None = None


class AnalysisRun(_Value):
    """One fit of an analysis, never changed.

    ``result`` is the typed result's ``to_dict()`` at ``schema_version``
    (:class:`evidencehub.analysis.run.RunResult`); ``inputs`` the (outcome-data id, version)
    pairs it pooled; ``fingerprint`` hashes the settings and the inputs. Version 0 marks a
    result carried over from a store of release 0.1 (no inputs, no fingerprint).
    """

    id: int | None = None
    analysis_slug: str
    schema_version: int = Field(ge=0)
    fingerprint: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any]
    inputs: tuple[tuple[int, int], ...] = ()
    software: str
    actor: str | None = None
    created_at: dt.datetime


def finite_json(value: Any) -> Any:
    """``value`` as strict JSON allows: NaN and infinities become ``None`` (JSON has neither),
    tuples become lists, through nested dicts and lists; everything else is kept as it is."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


# --------------------------------------------------------------------------- publishing


class EvidenceLabel(_Value):
    """What a page's evidence is and where it comes from, plus an optional GRADE certainty."""

    kinds: tuple[EvidenceKind, ...]
    source: str = "PubMed-indexed literature"
    certainty: Certainty | None = None
    rationale: str | None = None


class CrossRef(_Value):
    """A link from one page to another, with the target's status and why it is linked."""

    slug: str
    note: str | None = None
    status: PageStatus | None = None


class Claim(_Value):
    """A sentence a page asserts, what supports it (studies, analyses), and its evidence tags.

    ``id`` is the stored claim's stable id (``None`` before it is stored): an edit of the page
    that rewords a claim keeps its id (:func:`evidencehub.store.repo.pages.put_claims`).
    ``analysis_slugs`` are the analyses whose results the claim quotes (``{=slug.field}``).
    """

    id: int | None = None
    page_slug: str
    text: str
    study_keys: tuple[str, ...] = ()
    analysis_slugs: tuple[str, ...] = ()
    tags: tuple[EvidenceTag, ...] = ()

    @model_validator(mode="after")
    def _sourced(self) -> Self:
        if not self.study_keys and not self.analysis_slugs and EvidenceTag.UNSOURCED not in self.tags:
            raise ValueError("a claim without citations must carry the 'unsourced' tag")
        return self


class Footnote(_Value):
    """A numbered footnote as rendered: the study it cites and its position."""

    number: int = Field(ge=1)
    study_key: str


class Page(_Value):
    """A published page. ``body`` is Markdown; ``[@key]`` cites a study; ``{tag}`` marks a tag."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    kind: PageKind
    title: str
    dek: str | None = None
    status: PageStatus = PageStatus.DRAFT
    category: str | None = None
    body: str = ""
    takeaways: tuple[str, ...] = ()
    cross_refs: tuple[CrossRef, ...] = ()
    label: EvidenceLabel | None = None
    as_of: dt.date | None = None
    analysis_slugs: tuple[str, ...] = ()


# --------------------------------------------------------------------------- validation

_M = TypeVar("_M", bound=BaseModel)


def validate(model: type[_M], data: dict[str, Any], *, source: str | None = None, where: str | None = None) -> _M:
    """Build ``model`` from ``data``; on failure raise one :class:`InputError` naming each field.

    >>> validate(Record, {"title": "x", "pmid": "abc"}, source="a.csv", where="row 3")
    Traceback (most recent call last):
    ...
    evidencehub.errors.InputError: a.csv, row 3: field 'pmid': a PMID is digits only, got 'abc'
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            got = err.get("input")
            detail = err["msg"].removeprefix("Value error, ")
            if err["type"] not in ("value_error", "missing") and not isinstance(got, dict):
                detail += f", got {got!r}"
            problems.append(f"field '{field}': {detail}" if field else detail)
        raise InputError("; ".join(problems), source=source, where=where) from None


# --------------------------------------------------------------------------- systematic reviews

_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class Pico(_Value):
    """A review question as PICO: population, intervention, comparator, outcome."""

    population: str | None = None
    intervention: str | None = None
    comparator: str | None = None
    outcome: str | None = None


class Criterion(_Value):
    """An eligibility criterion; ``code`` is what an exclusion names as its reason."""

    code: str = Field(pattern=_CODE)
    text: str = Field(min_length=1)


class ReviewMember(_Value):
    """A reviewer (an actor, by name) and what they do in the review."""

    name: str = Field(min_length=1)
    role: ReviewerRole


class Review(_Value):
    """A systematic review project.

    ``screeners`` is how many independent screeners each record needs (1 or 2); with
    ``blinded`` (the default) a screener never sees another's decision on a record before both
    have decided. ``stages`` are screened in order, title and abstract first.
    """

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    title: str = Field(min_length=1)
    question: Pico = Pico()
    criteria: tuple[Criterion, ...] = ()
    stages: tuple[ScreeningStage, ...] = (ScreeningStage.TITLE_ABSTRACT, ScreeningStage.FULL_TEXT)
    screeners: int = Field(default=2, ge=1, le=2)
    blinded: bool = True
    members: tuple[ReviewMember, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise ValueError(f"criterion ids must be unique: {codes}")
        if not self.stages or list(self.stages) != sorted(
            set(self.stages), key=list(ScreeningStage).index
        ):
            raise ValueError("stages must be title-abstract and/or full-text, in that order")
        names = [m.name for m in self.members]
        if len(set(names)) != len(names):
            raise ValueError(f"a reviewer is listed twice: {names}")
        return self

    def criterion(self, code: str) -> Criterion | None:
        """The criterion with this code, if the review has it."""
        return next((c for c in self.criteria if c.code == code), None)


class Search(_Value):
    """One search of a review: where (``source``, of ``kind`` database, register or other,
    with the ``method`` of an other one), what (``query``), when it was run, how many records
    it returned (``n_returned``, of which ``n_rejected`` could not be read), and the imports
    that brought them."""

    id: int | None = None
    source: str = Field(min_length=1)
    kind: SearchKind
    method: OtherMethod | None = None
    query: str | None = None
    run_on: dt.date | None = None
    n_returned: int = Field(ge=0)
    n_rejected: int = Field(default=0, ge=0)
    import_ids: tuple[int, ...] = ()
    actor: str
    recorded_at: dt.datetime

    @model_validator(mode="after")
    def _method_of_other(self) -> Self:
        if (self.kind is SearchKind.OTHER) != (self.method is not None):
            raise ValueError("a search of kind 'other' names its method (website, organisation "
                             "or citation-searching); databases and registers have none")
        return self


class ScreeningDecision(_Value):
    """A decision on a record at a stage of a review; decisions are never changed, only
    followed by newer ones (an ``undo`` withdraws the decision named by ``undoes``)."""

    id: int | None = None
    record_id: int
    stage: ScreeningStage
    label: ScreeningLabel | None
    basis: DecisionBasis
    reviewer: str
    reason: str | None = None
    note: str | None = None
    undoes: int | None = None
    decided_at: dt.datetime

    @model_validator(mode="after")
    def _label_or_undo(self) -> Self:
        undo = self.basis is DecisionBasis.UNDO
        if undo != (self.label is None) or undo != (self.undoes is not None):
            raise ValueError("an undo has no label and names the decision it withdraws; "
                             "every other decision has a label")
        return self


class FullTextStatus(_Value):
    """Where a report's full text stands: sought, retrieved (with a link or file) or not."""

    record_id: int
    status: RetrievalStatus
    link: str | None = None
    note: str | None = None
    actor: str
    recorded_at: dt.datetime


class ExtractionField(_Value):
    """A field of a review's extraction form (:mod:`evidencehub.review.extraction`): its
    ``key`` (what sheets and ``extract set`` name it by), its ``label`` for people, whether it
    is filled per study or per arm, outcome and time point, how its value is read, the
    ``choices`` of a choice field, its ``unit`` and its ``position`` on the form."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    level: ExtractionLevel
    kind: FieldKind
    choices: tuple[str, ...] = ()
    unit: str | None = None
    position: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _choices(self) -> Self:
        if (self.kind is FieldKind.CHOICE) != bool(self.choices):
            raise ValueError(f"field {self.key!r}: a choice field lists its choices and "
                             "no other kind of field has any")
        return self


class ExtractedValue(_Value):
    """One extracted value of a review, as stored (append-only: the newest per reviewer,
    basis and item holds).

    An item is a study's field (``outcome``, ``arm`` and ``timepoint`` None) or an arm's number
    for an outcome at a time point. ``value`` is the text as entered (None clears an earlier
    entry); ``locator`` where in the report it was found; ``derivation`` how a derived number
    was obtained, with its inputs; ``outcome_data_id`` the outcome-data row a consensus wrote.
    """

    id: int | None = None
    study_key: str
    basis: ExtractionBasis
    outcome: str | None = None
    arm: str | None = None
    timepoint: str | None = None
    field: str
    value: str | None
    locator: str | None = None
    derivation: Derivation | None = None
    outcome_data_id: int | None = None
    actor: str
    recorded_at: dt.datetime

    @property
    def item(self) -> tuple[str, str | None, str | None, str | None, str]:
        """What the value is of: (study, outcome, arm, time point, field)."""
        return (self.study_key, self.outcome, self.arm, self.timepoint, self.field)
