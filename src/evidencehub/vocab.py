"""The hub's closed vocabularies, and the words people read for each of their terms.

One registry per vocabulary, shared by the model, the statistics, the store, the command line
and the pages: a template or a plot never spells "MD", "placebo" or "95% CI" itself, it asks
this module (:func:`measure_terms`, :attr:`Method.label`, :func:`interval_label`…).

* :class:`Measure` — effect-size codes as metafor's ``escalc`` spells them, with
  :class:`Family` (which data a measure is computed from) and :class:`Scale` (the scale it is
  analysed on); :data:`MEASURE_TERMS` gives each its reader's name ("Risk ratio"), what its
  analysis-scale value is ("log risk ratio"), whether it is a ratio and its null value.
* :class:`Method` — pooling methods: metafor's ``rma(method=…)`` τ² estimators plus
  Mantel-Haenszel (``rma.mh``) and Peto (``rma.peto``).
* :class:`Test` — the test of the pooled estimate (z, or Knapp-Hartung t).
* :class:`ModelRule` — a rule that chooses between a common-effect and a random-effects model.
* :class:`Certainty` — GRADE certainty of a body of evidence (Balshem et al. 2011, J Clin
  Epidemiol 64:401).
* :class:`StudyDesign` — study designs, from the furthest from a patient to the closest.
* :class:`OutcomeDirection` and :class:`DataKind` — what an outcome measures and how.
* :class:`ArmRole` — the side of a comparison an arm is on.
* Systematic reviews: :class:`ScreeningStage`, :class:`ScreeningLabel`, :class:`ReviewerRole`,
  :class:`DecisionBasis`, :class:`SearchKind`, :class:`RetrievalStatus` and
  :class:`PriorityModel` (how the records to screen next are ordered), named as the PRISMA
  2020 statement names the steps (Page et al. 2021, BMJ 372:n71) and as Covidence and Rayyan
  name the choices.
* Extraction: :class:`ExtractionLevel` (a study characteristic or a number per arm),
  :class:`FieldKind` (how a field's value is read) and :class:`ExtractionBasis` (a reviewer's
  entry, the consensus, or a sheet import), as ``docs/extraction.md`` describes.
* The web application: :class:`AccountRole` (what an account may change; readers need none).

This module is a leaf (standard library only): the command line reads it without loading
numpy or the store.

Sources: metafor 3.8 ``escalc``/``rma`` documentation (Viechtbauer 2010, J Stat Softw 36(3));
Cochrane Handbook v6.4 §6 and §10 (names of effect measures, common-effect and random-effects
models); RevMan's data types ("dichotomous", "continuous").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "MEASURE_TERMS",
    "AccountRole",
    "ArmRole",
    "Certainty",
    "DataKind",
    "DecisionBasis",
    "ExtractionBasis",
    "ExtractionLevel",
    "Family",
    "FieldKind",
    "Measure",
    "MeasureTerms",
    "Method",
    "ModelRule",
    "OtherMethod",
    "OutcomeDirection",
    "PriorityModel",
    "RetrievalStatus",
    "ReviewerRole",
    "Scale",
    "ScreeningLabel",
    "ScreeningStage",
    "SearchKind",
    "StudyDesign",
    "Test",
    "interval_label",
    "measure_terms",
]


# --------------------------------------------------------------------------- effect measures


class Measure(StrEnum):
    """Effect-size codes, spelled as in metafor's ``escalc(measure=...)``."""

    OR = "OR"
    RR = "RR"
    RD = "RD"
    PETO = "PETO"
    MD = "MD"
    SMD = "SMD"
    SMDH = "SMDH"
    ROM = "ROM"
    PR = "PR"
    PLO = "PLO"
    PAS = "PAS"
    PFT = "PFT"
    MN = "MN"
    MC = "MC"
    SMCR = "SMCR"
    SMCC = "SMCC"
    COR = "COR"
    ZCOR = "ZCOR"
    GEN = "GEN"


class Family(StrEnum):
    """Which kind of data a measure is computed from."""

    TWO_BY_TWO = "two-group binary (2x2 table)"
    TWO_GROUP_CONTINUOUS = "two-group continuous"
    PROPORTION = "single-group proportion"
    MEAN = "single-group mean"
    MEAN_CHANGE = "paired mean change"
    CORRELATION = "correlation"
    GENERIC = "generic (precomputed yi with vi or sei)"


class Scale(StrEnum):
    """The scale on which ``yi`` is analysed."""

    LOG = "log"
    RAW = "raw"
    LOGIT = "logit"
    ARCSINE = "arcsine square root"
    FREEMAN_TUKEY = "Freeman-Tukey double arcsine"
    FISHER_Z = "Fisher's z"


@dataclass(frozen=True, slots=True)
class MeasureTerms:
    """The words and reference values of one measure.

    Attributes
    ----------
    measure : Measure
        The code.
    name : str
        What a reader calls the effect, capitalised ("Risk ratio", "Mean difference").
    analysed_as : str
        What ``yi`` is on the analysis scale ("log risk ratio").
    reported_as : str
        What the back-transformed value is ("risk ratio"); ``analysed_as`` on the raw scale.
    family : Family
        Which data it is computed from.
    scale : Scale
        The analysis scale.
    null : float or None
        The value of "no difference" on the reported scale (1 for ratios, 0 for differences
        and correlations); None for single-group measures (a proportion or a mean has no null).
    """

    measure: Measure
    name: str
    analysed_as: str
    reported_as: str
    family: Family
    scale: Scale
    null: float | None

    @property
    def is_ratio(self) -> bool:
        """True for ratio measures, analysed on the log scale (OR, RR, PETO, ROM)."""
        return self.scale is Scale.LOG

    @property
    def is_contrast(self) -> bool:
        """True when the measure compares two groups (or a correlation, whose null is 0)."""
        return self.null is not None


def _terms(
    measure: Measure, name: str, analysed_as: str, reported_as: str | None, family: Family,
    scale: Scale, null: float | None,
) -> MeasureTerms:
    return MeasureTerms(measure, name, analysed_as, reported_as or analysed_as, family, scale, null)


_M, _F, _S = Measure, Family, Scale
#: Every measure's terms (see :class:`MeasureTerms`).
MEASURE_TERMS: Mapping[Measure, MeasureTerms] = MappingProxyType({
    t.measure: t
    for t in (
        _terms(_M.OR, "Odds ratio", "log odds ratio", "odds ratio", _F.TWO_BY_TWO, _S.LOG, 1.0),
        _terms(_M.RR, "Risk ratio", "log risk ratio", "risk ratio", _F.TWO_BY_TWO, _S.LOG, 1.0),
        _terms(_M.RD, "Risk difference", "risk difference", None, _F.TWO_BY_TWO, _S.RAW, 0.0),
        _terms(_M.PETO, "Peto odds ratio", "log Peto odds ratio", "Peto odds ratio",
               _F.TWO_BY_TWO, _S.LOG, 1.0),
        _terms(_M.MD, "Mean difference", "mean difference", None, _F.TWO_GROUP_CONTINUOUS,
               _S.RAW, 0.0),
        _terms(_M.SMD, "Standardised mean difference", "standardized mean difference "
               "(Hedges' g)", None, _F.TWO_GROUP_CONTINUOUS, _S.RAW, 0.0),
        _terms(_M.SMDH, "Standardised mean difference (heteroscedastic)",
               "standardized mean difference, heteroscedastic (Bonett)", None,
               _F.TWO_GROUP_CONTINUOUS, _S.RAW, 0.0),
        _terms(_M.ROM, "Ratio of means", "log ratio of means", "ratio of means",
               _F.TWO_GROUP_CONTINUOUS, _S.LOG, 1.0),
        _terms(_M.PR, "Proportion", "proportion", None, _F.PROPORTION, _S.RAW, None),
        _terms(_M.PLO, "Proportion", "logit proportion", "proportion", _F.PROPORTION,
               _S.LOGIT, None),
        _terms(_M.PAS, "Proportion", "arcsine square root proportion", "proportion",
               _F.PROPORTION, _S.ARCSINE, None),
        _terms(_M.PFT, "Proportion", "Freeman-Tukey double arcsine proportion", "proportion",
               _F.PROPORTION, _S.FREEMAN_TUKEY, None),
        _terms(_M.MN, "Mean", "mean", None, _F.MEAN, _S.RAW, None),
        _terms(_M.MC, "Mean change", "mean change", None, _F.MEAN_CHANGE, _S.RAW, 0.0),
        _terms(_M.SMCR, "Standardised mean change", "standardized mean change (raw-score "
               "standardization)", None, _F.MEAN_CHANGE, _S.RAW, 0.0),
        _terms(_M.SMCC, "Standardised mean change", "standardized mean change (change-score "
               "standardization)", None, _F.MEAN_CHANGE, _S.RAW, 0.0),
        _terms(_M.COR, "Correlation", "correlation", None, _F.CORRELATION, _S.RAW, 0.0),
        _terms(_M.ZCOR, "Correlation", "Fisher's z-transformed correlation", "correlation",
               _F.CORRELATION, _S.FISHER_Z, 0.0),
        _terms(_M.GEN, "Effect size", "generic effect size", None, _F.GENERIC, _S.RAW, 0.0),
    )
})


def measure_terms(measure: str | Measure) -> MeasureTerms:
    """The terms of a measure code; :class:`ValueError` naming the known codes if unknown."""
    try:
        return MEASURE_TERMS[Measure(str(measure).upper())]
    except ValueError:
        known = ", ".join(m.value for m in Measure)
        raise ValueError(f"unknown measure {measure!r}; known measures: {known}") from None


def interval_label(level: float, kind: str = "CI") -> str:
    """``"95% CI"`` for ``level=95`` (``kind="PI"`` for a prediction interval)."""
    return f"{level:g}% {kind}"


# --------------------------------------------------------------------------- models


class Method(StrEnum):
    """Pooling methods: metafor's τ² estimators (``rma(method=…)``), Mantel-Haenszel and Peto."""

    EE = "EE"
    FE = "FE"
    DL = "DL"
    HE = "HE"
    HS = "HS"
    SJ = "SJ"
    ML = "ML"
    REML = "REML"
    EB = "EB"
    PM = "PM"
    MH = "MH"
    PETO = "PETO"

    @property
    def is_fixed(self) -> bool:
        """True for the common-effect ("fixed-effect") models: EE/FE, Mantel-Haenszel, Peto."""
        return self in (Method.EE, Method.FE, Method.MH, Method.PETO)

    @property
    def is_iterative(self) -> bool:
        """True for estimators found by iteration (ML, REML, EB, PM)."""
        return self in (Method.ML, Method.REML, Method.EB, Method.PM)

    @property
    def is_tau2_estimator(self) -> bool:
        """True for the methods of metafor's ``rma()`` (inverse variance), false for MH and Peto."""
        return self not in (Method.MH, Method.PETO)

    @property
    def label(self) -> str:
        """How a page names the model ("Random effects (REML)", "Mantel-Haenszel")."""
        return _METHOD_LABELS[self]


_METHOD_LABELS: Mapping[Method, str] = MappingProxyType({
    Method.EE: "Common effect (inverse variance)",
    Method.FE: "Common effect (inverse variance)",
    Method.DL: "Random effects (DerSimonian-Laird)",
    Method.HE: "Random effects (Hedges)",
    Method.HS: "Random effects (Hunter-Schmidt)",
    Method.SJ: "Random effects (Sidik-Jonkman)",
    Method.ML: "Random effects (maximum likelihood)",
    Method.REML: "Random effects (REML)",
    Method.EB: "Random effects (empirical Bayes)",
    Method.PM: "Random effects (Paule-Mandel)",
    Method.MH: "Common effect (Mantel-Haenszel)",
    Method.PETO: "Common effect (Peto)",
})


class Test(StrEnum):
    """The test of the pooled estimate, named as metafor's ``rma(test=…)``."""

    __test__ = False  # not a pytest test class

    Z = "z"
    KNHA = "knha"

    @property
    def label(self) -> str:
        """"z test" or "Knapp-Hartung t test"."""
        return "z test" if self is Test.Z else "Knapp-Hartung t test"


class ModelRule(StrEnum):
    """A rule that chooses the model from the heterogeneity of the data.

    ``i2-q``: random effects when I² > 50 % and the Q test's P < 0.10, else a common-effect
    model — the rule many systematic reviews state (seed 004's authors among them); it is
    reported with the result it chose, because the choice is itself a finding.
    """

    I2_Q = "i2-q"


class Certainty(StrEnum):
    """GRADE certainty of a body of evidence (Balshem et al. 2011)."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    VERY_LOW = "very low"

    @property
    def symbols(self) -> str:
        """GRADE's circles: ``⊕⊕⊕⊕`` for high down to ``⊕◯◯◯`` for very low."""
        filled = {"high": 4, "moderate": 3, "low": 2, "very low": 1}[self.value]
        return "⊕" * filled + "◯" * (4 - filled)


# --------------------------------------------------------------------------- studies and outcomes


class StudyDesign(StrEnum):
    """Study designs, ordered from the furthest from a patient to the closest.

    :attr:`rank` gives that order (used by evidence labels and certainty grading).
    """

    IN_VITRO = "in-vitro"
    ANIMAL = "animal"
    CASE_REPORT = "case-report"
    CASE_SERIES = "case-series"
    SINGLE_ARM_TRIAL = "single-arm-trial"
    COHORT = "cohort"
    CASE_CONTROL = "case-control"
    NON_RANDOMISED_CONTROLLED = "non-randomised-controlled-trial"
    RANDOMISED_CONTROLLED = "randomised-controlled-trial"
    SYSTEMATIC_REVIEW = "systematic-review"

    @property
    def rank(self) -> int:
        return list(StudyDesign).index(self)

    @property
    def in_humans(self) -> bool:
        return self not in (StudyDesign.IN_VITRO, StudyDesign.ANIMAL)

    @property
    def randomised(self) -> bool:
        """True for randomised trials (GRADE starts their evidence at high certainty)."""
        return self is StudyDesign.RANDOMISED_CONTROLLED


class OutcomeDirection(StrEnum):
    """Which way an outcome is better: lower HbA1c is better, higher C-peptide is."""

    HIGHER_IS_BETTER = "higher-is-better"
    LOWER_IS_BETTER = "lower-is-better"


class DataKind(StrEnum):
    """How an outcome is measured per arm (RevMan's data types)."""

    CONTINUOUS = "continuous"  # mean, SD (or what converts to them) and n
    DICHOTOMOUS = "dichotomous"  # events of a total


class ArmRole(StrEnum):
    """The side of a comparison an arm is on (escalc's group 1 and group 2)."""

    EXPERIMENTAL = "experimental"
    CONTROL = "control"


# --------------------------------------------------------------------------- systematic reviews


class ScreeningStage(StrEnum):
    """The two screening stages of PRISMA 2020: records on title and abstract, then reports in
    full text."""

    TITLE_ABSTRACT = "title-abstract"
    FULL_TEXT = "full-text"


class ScreeningLabel(StrEnum):
    """A screener's choice on a record at one stage (``maybe`` goes on to the next stage when
    it is the final word, as in Covidence)."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"


class ReviewerRole(StrEnum):
    """What a reviewer does in a review: screens, resolves conflicts, or leads (both)."""

    SCREENER = "screener"
    RESOLVER = "resolver"
    LEAD = "lead"

    @property
    def screens(self) -> bool:
        """Whether this role votes on records (screeners and leads)."""
        return self in (ReviewerRole.SCREENER, ReviewerRole.LEAD)

    @property
    def resolves(self) -> bool:
        """Whether this role settles conflicts (resolvers and leads)."""
        return self in (ReviewerRole.RESOLVER, ReviewerRole.LEAD)


class DecisionBasis(StrEnum):
    """How a screening decision came about.

    ``screening``: one screener's independent judgement; ``resolution``: a resolver settling a
    conflict; ``consensus``: the screeners agreeing after discussion; ``imported``: read from
    another tool's export (Rayyan, Covidence, ASReview); ``undo``: withdraws the same
    reviewer's previous decision on the record at that stage.
    """

    SCREENING = "screening"
    RESOLUTION = "resolution"
    CONSENSUS = "consensus"
    IMPORTED = "imported"
    UNDO = "undo"


class SearchKind(StrEnum):
    """Where a search looked, as the PRISMA 2020 flow diagram splits identification:
    bibliographic databases, trial registers, or other methods (websites, organisations,
    citation searching)."""

    DATABASE = "database"
    REGISTER = "register"
    OTHER = "other"


class OtherMethod(StrEnum):
    """Which "other method" a search of kind :attr:`SearchKind.OTHER` used: the three sources
    the PRISMA 2020 flow diagram names in its other-methods column (and the PRISMA2020 R
    package's ``website_results``, ``organisation_results`` and ``citations_results``)."""

    WEBSITE = "website"
    ORGANISATION = "organisation"
    CITATION_SEARCHING = "citation-searching"


class RetrievalStatus(StrEnum):
    """Where the full text of a report stands (PRISMA 2020: "reports sought for retrieval",
    "reports not retrieved")."""

    SOUGHT = "sought"
    RETRIEVED = "retrieved"
    NOT_RETRIEVED = "not-retrieved"


class PriorityModel(StrEnum):
    """How the records a screener sees next are ordered (:mod:`evidencehub.review.priority`):
    an active-learning classifier retrained on the decisions so far (``svm``, the default), a
    random order, or the order the records entered the review."""

    SVM = "svm"
    RANDOM = "random"
    IMPORT_ORDER = "import-order"


class ExtractionLevel(StrEnum):
    """Where an extraction field is filled in: once per study, or per arm, outcome and time
    point (the numbers of an outcome-data row)."""

    STUDY = "study"
    ARM = "arm"


class FieldKind(StrEnum):
    """How an extraction field's value is read: free text, a number, a whole number, or one
    of the field's choices."""

    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    CHOICE = "choice"


class ExtractionBasis(StrEnum):
    """Where an extracted value comes from: a reviewer's own entry, the reviewers' agreed
    (consensus) value, or a reviewer's sheet read by ``extract import``."""

    EXTRACTION = "extraction"
    CONSENSUS = "consensus"
    IMPORTED = "imported"


# --------------------------------------------------------------------------- web accounts


class AccountRole(StrEnum):
    """What an account of the web application may change, from the most to the least.

    Each role includes the ones below it: an admin manages accounts and may do everything; an
    editor writes and publishes pages and may also review; a reviewer screens, extracts and
    assesses risk of bias. Reading needs no account.
    """

    ADMIN = "admin"
    EDITOR = "editor"
    REVIEWER = "reviewer"

    def allows(self, required: AccountRole) -> bool:
        """Whether an account of this role may use a route that requires ``required``."""
        order = list(AccountRole)
        return order.index(self) <= order.index(required)
