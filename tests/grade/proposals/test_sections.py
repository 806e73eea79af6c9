"""Extrapolation tables per page section, proposed and as written."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.proposals.evidence import StudyFacts
from evidencehub.grade.proposals.extrapolation import ExtrapolationStatus
from evidencehub.grade.proposals.sections import section_extrapolations
from evidencehub.model import Page, PageKind, StudyDesign

BODY = """\
Intro with no citation.

## 1. Eyes

One patient kept her sight [@case2020].

| Extrapolation dimension | Status |
|---|---|
| Pathway conserved in humans? | yes: human cells |
| Replicated in humans? | in progress — one patient |
| Phenotype conserved in humans? | unknown - not studied |

| Other table | Status |
|---|---|
| Not a dimension | ignored |

## 2. Mice

Mice did well `[@code]` [@mouse2019].
"""

STUDIES = {
    "case2020": StudyFacts(key="case2020", label="Case 2020", design=StudyDesign.CASE_REPORT,
                           n=1, population="macular degeneration"),
    "mouse2019": StudyFacts(key="mouse2019", label="Mouse 2019", design=StudyDesign.ANIMAL,
                            species="mouse"),
}


def _page(body: str = BODY) -> Page:
    return Page(slug="p", kind=PageKind.INTERVENTION, title="P", body=body)


def test_sections_with_citations_and_written_tables() -> None:
    eyes, mice = section_extrapolations(_page(), STUDIES)
    assert (eyes.heading, eyes.study_keys) == ("1. Eyes", ("case2020",))
    assert eyes.written == {"Pathway conserved in humans?": "yes",
                            "Replicated in humans?": "in progress",
                            "Phenotype conserved in humans?": "unknown"}
    assert [r.status for r in eyes.proposed][:3] == [
        ExtrapolationStatus.YES, ExtrapolationStatus.YES, ExtrapolationStatus.LIMITED]
    assert (mice.heading, mice.study_keys, mice.written) == ("2. Mice", ("mouse2019",), {})
    assert mice.proposed[1].status is ExtrapolationStatus.NO
    assert eyes.to_dict()["written"]["Replicated in humans?"] == "in progress"


def test_unknown_study_in_a_section() -> None:
    with pytest.raises(InputError) as info:
        section_extrapolations(_page("## A\n\nText [@nope]."), STUDIES)
    assert str(info.value) == ("page 'p', section 'A': cites study 'nope', which is not in the "
                               "library")
