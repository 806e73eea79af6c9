"""The evidence tag registry and counts."""

from __future__ import annotations

from evidencehub.grade.tags import TAG_DESCRIPTIONS, tag_counts
from evidencehub.model import Claim, EvidenceTag


def test_every_tag_is_described() -> None:
    assert set(TAG_DESCRIPTIONS) == set(EvidenceTag)
    assert all(text.endswith(".") for text in TAG_DESCRIPTIONS.values())


def test_tag_counts_in_registry_order() -> None:
    claims = [
        Claim(page_slug="p", text="a", tags=(EvidenceTag.UNSOURCED, EvidenceTag.NEEDS_REPLICATION)),
        Claim(page_slug="p", text="b", study_keys=("x",), tags=(EvidenceTag.NEEDS_REPLICATION,)),
        Claim(page_slug="p", text="c", study_keys=("x",)),
    ]
    counts = tag_counts(claims)
    assert counts == {EvidenceTag.NEEDS_REPLICATION: 2, EvidenceTag.UNSOURCED: 1}
    assert list(counts) == [EvidenceTag.NEEDS_REPLICATION, EvidenceTag.UNSOURCED]
