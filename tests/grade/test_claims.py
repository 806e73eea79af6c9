"""Claims and markup of page bodies."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.claims import cited_keys, extract_claims
from evidencehub.model import EvidenceTag, Page, PageKind


def page(body: str) -> Page:
    return Page(slug="p", kind=PageKind.ARTICLE, title="P", body=body)


def test_cited_keys_in_order_of_first_citation() -> None:
    assert cited_keys("a [@b] c [@a; @b] d [@c]") == ["b", "a", "c"]


def test_claims_one_per_block_with_citations_and_tags() -> None:
    body = (
        "## Heading with [@ignored]\n\n"
        "Plain paragraph without evidence.\n\n"
        "Cells became **pluripotent** [@takahashi2006; @yu2007]. {needs-replication}\n\n"
        "- An item with a tag only. {unsourced} {long-term-unknown}\n"
        "- See [[other-page]] for more [@mandai2017].\n"
    )
    claims = extract_claims(page(body))
    assert [c.text for c in claims] == [
        "Cells became pluripotent.",
        "An item with a tag only.",
        "See other-page for more.",
    ]
    assert claims[0].study_keys == ("takahashi2006", "yu2007")
    assert claims[0].tags == (EvidenceTag.NEEDS_REPLICATION,)
    assert claims[1].tags == (EvidenceTag.UNSOURCED, EvidenceTag.LONG_TERM_UNKNOWN)
    assert claims[2].study_keys == ("mandai2017",)


def test_citation_in_code_span_is_not_a_claim() -> None:
    assert extract_claims(page("Write `[@key]` to cite.\n")) == ()


def test_unknown_tag_is_named() -> None:
    with pytest.raises(
        InputError, match=r"unknown evidence tag \{made-up\}; known tags: \{needs-replication\}"
    ):
        extract_claims(page("A claim. {made-up}\n"))


def test_claim_with_tag_but_no_citation_must_be_unsourced() -> None:
    with pytest.raises(
        InputError,
        match=r"page 'p', body line 1: a claim without citations must carry the 'unsourced' tag",
    ):
        extract_claims(page("A claim. {needs-replication}\n"))
