"""Evidence labels: what kind of evidence a page rests on, derived from the studies it cites.

Each study design maps to one :class:`~evidencehub.model.EvidenceKind`:

=========================================================  ==============================
design                                                     evidence kind
=========================================================  ==============================
in-vitro                                                   laboratory (in-vitro) studies
animal                                                     animal models
case report, case series, single-arm trial                 early human trials
non-randomised controlled trial, randomised trial          controlled human trials
systematic review, or a page that pools trials itself      pooled evidence (meta-analysis)
cohort, case-control                                       observational human studies
=========================================================  ==============================

A study in humans without a comparison group counts as an early human trial whatever its
phase; a comparison group makes it controlled. Cohort and case-control studies compare groups
that were not assigned by the investigators, so they get a kind of their own, between early
trials and controlled trials, rather than being passed off as trials. The label lists kinds from the strongest down, and its
rationale counts designs and the claims that cite nothing, so a reader sees both what the page
rests on and where it rests on nothing. The ordering follows the usual hierarchy of evidence
(e.g. the Oxford CEBM levels of evidence, 2011).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from evidencehub.model import (
    AnalysisRun,
    Claim,
    EvidenceKind,
    EvidenceLabel,
    EvidenceTag,
    Page,
    PageKind,
    Study,
    StudyDesign,
)

__all__ = ["KIND_STRENGTH", "design_kind", "design_name", "evidence_label", "label_for_claims",
           "label_page", "pooled_keys"]

_DESIGN_KIND: dict[StudyDesign, EvidenceKind] = {
    StudyDesign.IN_VITRO: EvidenceKind.IN_VITRO,
    StudyDesign.ANIMAL: EvidenceKind.ANIMAL,
    StudyDesign.CASE_REPORT: EvidenceKind.EARLY_HUMAN,
    StudyDesign.CASE_SERIES: EvidenceKind.EARLY_HUMAN,
    StudyDesign.SINGLE_ARM_TRIAL: EvidenceKind.EARLY_HUMAN,
    StudyDesign.COHORT: EvidenceKind.OBSERVATIONAL,
    StudyDesign.CASE_CONTROL: EvidenceKind.OBSERVATIONAL,
    StudyDesign.NON_RANDOMISED_CONTROLLED: EvidenceKind.CONTROLLED_HUMAN,
    StudyDesign.RANDOMISED_CONTROLLED: EvidenceKind.CONTROLLED_HUMAN,
    StudyDesign.SYSTEMATIC_REVIEW: EvidenceKind.POOLED,
}

#: Evidence kinds from the weakest to the strongest.
KIND_STRENGTH: tuple[EvidenceKind, ...] = (
    EvidenceKind.IN_VITRO,
    EvidenceKind.ANIMAL,
    EvidenceKind.EARLY_HUMAN,
    EvidenceKind.OBSERVATIONAL,
    EvidenceKind.CONTROLLED_HUMAN,
    EvidenceKind.POOLED,
)

_DESIGN_WORDS: dict[StudyDesign, tuple[str, str]] = {
    StudyDesign.IN_VITRO: ("laboratory (in-vitro) study", "laboratory (in-vitro) studies"),
    StudyDesign.ANIMAL: ("animal study", "animal studies"),
    StudyDesign.CASE_REPORT: ("case report", "case reports"),
    StudyDesign.CASE_SERIES: ("case series", "case series"),
    StudyDesign.SINGLE_ARM_TRIAL: ("single-arm trial", "single-arm trials"),
    StudyDesign.COHORT: ("cohort study (observational)", "cohort studies (observational)"),
    StudyDesign.CASE_CONTROL: (
        "case-control study (observational)",
        "case-control studies (observational)",
    ),
    StudyDesign.NON_RANDOMISED_CONTROLLED: (
        "non-randomised controlled trial",
        "non-randomised controlled trials",
    ),
    StudyDesign.RANDOMISED_CONTROLLED: (
        "randomised controlled trial",
        "randomised controlled trials",
    ),
    StudyDesign.SYSTEMATIC_REVIEW: ("systematic review", "systematic reviews"),
}


def design_kind(design: StudyDesign) -> EvidenceKind:
    """The evidence kind a study of this design provides."""
    return _DESIGN_KIND[design]


def design_name(design: StudyDesign) -> str:
    """The design in words, without observational qualifiers: ``"randomised controlled trial"``."""
    return _DESIGN_WORDS[design][0].removesuffix(" (observational)")


def _count_phrase(count: int, design: StudyDesign) -> str:
    singular, plural = _DESIGN_WORDS[design]
    return f"{count} {singular if count == 1 else plural}"


def evidence_label(
    studies: Iterable[Study],
    *,
    pooled: bool = False,
    source: str = "PubMed-indexed literature",
    unsourced_claims: int = 0,
    total_claims: int | None = None,
) -> EvidenceLabel:
    """The label of a page that cites ``studies`` (each counted once, by key).

    ``pooled`` says the page itself pools trials (an analysis page), which adds the pooled kind.
    ``unsourced_claims`` of ``total_claims`` are claims without a citation; they are reported in
    the rationale because they add no kind.
    """
    unique = {s.key: s for s in studies}
    designs = Counter(s.design for s in unique.values())
    kinds = {design_kind(d) for d in designs}
    if pooled:
        kinds.add(EvidenceKind.POOLED)
    ordered = tuple(sorted(kinds, key=KIND_STRENGTH.index, reverse=True))
    parts = []
    if unique:
        by_design = ", ".join(_count_phrase(designs[d], d) for d in StudyDesign if designs[d])
        noun = "study" if len(unique) == 1 else "studies"
        parts.append(f"Rests on {len(unique)} {noun}: {by_design}.")
    else:
        parts.append("Rests on no study in the library.")
    if pooled:
        parts.append("The page pools the trials' results in a meta-analysis.")
    if ordered:
        parts.append(f"Strongest kind: {ordered[0].value.lower()}.")
    if unsourced_claims:
        of = f" of {total_claims}" if total_claims is not None else ""
        verb = "has" if unsourced_claims == 1 else "have"
        parts.append(f"{unsourced_claims}{of} claims {verb} no citation in the library yet.")
    return EvidenceLabel(kinds=ordered, source=source, rationale=" ".join(parts))


def label_for_claims(
    claims: Sequence[Claim],
    studies: dict[str, Study],
    *,
    pooled: bool = False,
    extra_studies: Iterable[Study] = (),
    source: str = "PubMed-indexed literature",
) -> EvidenceLabel:
    """The label of a page from its claims (their cited studies) and ``extra_studies``.

    ``extra_studies`` are studies the page rests on without citing them in prose, such as the
    trials an analysis page pools. A key missing from ``studies`` is a :class:`KeyError`: claims
    are checked against the library before labels are made.
    """
    cited = [studies[key] for claim in claims for key in claim.study_keys]
    unsourced = sum(1 for claim in claims if EvidenceTag.UNSOURCED in claim.tags)
    return evidence_label(
        [*cited, *extra_studies],
        pooled=pooled,
        source=source,
        unsourced_claims=unsourced,
        total_claims=len(claims),
    )


def pooled_keys(runs: Mapping[str, AnalysisRun]) -> dict[str, list[str]]:
    """The studies each run pooled, by analysis slug, in the run's order: what
    :func:`label_page` takes as ``pooled_keys``. Runs stored before results had a schema
    (``schema_version`` 0) pooled nothing that can be read, so they are left out."""
    from evidencehub.analysis.run import RunResult

    return {slug: [r.study_key for r in RunResult.from_dict(run.result).pooled_rows]
            for slug, run in runs.items() if run.schema_version > 0}


def label_page(page: Page, claims: Sequence[Claim], studies: dict[str, Study],
               pooled_keys: dict[str, list[str]], *, source: str) -> EvidenceLabel:
    """A page's evidence label: its claims' studies, plus for an analysis page the studies its
    analyses pool (``pooled_keys`` by analysis slug; the pooled kind when any pools two)."""
    keys = [k for slug in page.analysis_slugs for k in pooled_keys.get(slug, [])]
    fitted = any(len(pooled_keys.get(slug, [])) >= 2 for slug in page.analysis_slugs)
    return label_for_claims(
        claims,
        studies,
        pooled=page.kind is PageKind.ANALYSIS and fitted,
        extra_studies=[studies[k] for k in dict.fromkeys(keys) if k in studies],
        source=source,
    )
