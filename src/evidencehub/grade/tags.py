"""The inline evidence tags: what each means, in one registry the pages and the JSON share.

The vocabulary is :class:`evidencehub.model.EvidenceTag`; this module adds the reader-facing
explanation of each tag and counts tags over a page's claims.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from evidencehub.model import Claim, EvidenceTag

__all__ = ["TAG_DESCRIPTIONS", "tag_counts"]

#: One sentence per tag, shown as the tag's tooltip and in each page's tag legend.
TAG_DESCRIPTIONS: dict[EvidenceTag, str] = {
    EvidenceTag.NEEDS_REPLICATION: "Rests on a single study or group; an independent replication is still needed.",
    EvidenceTag.NEEDS_HUMAN_REPLICATION: "Shown in cells or animals only; not yet confirmed in people.",
    EvidenceTag.LONG_TERM_UNKNOWN: "Follow-up is too short to know the long-term benefit or harm.",
    EvidenceTag.UNSOURCED: "No study in the hub's library supports this statement yet.",
    EvidenceTag.NO_MECHANISM: "No mechanism explaining the effect (or risk) has been established.",
}


def tag_counts(claims: Iterable[Claim]) -> dict[EvidenceTag, int]:
    """How many claims carry each tag, in the registry's order, omitting unused tags."""
    counts = Counter(tag for claim in claims for tag in claim.tags)
    return {tag: counts[tag] for tag in EvidenceTag if counts[tag]}
