"""Identifiers: DOIs, PMIDs, PMCIDs and trial registry ids, in canonical form and found in text.

Canonical forms come from :mod:`evidencehub.model` (:func:`~evidencehub.model.normalize_doi`,
:func:`~evidencehub.model.parse_registry_id`); this module adds what a reader or the
deduplication needs on top of them:

* pulling a DOI out of free text or a URL (``https://doi.org/10.1016/S0140-6736(17)30000-1.``),
  where the trailing full stop or bracket belongs to the sentence, not to the DOI — a closing
  bracket is kept only when it closes one opened inside the DOI, which is how DOIs such as
  Lancet's ``(17)`` segments are written (Crossref's advice on DOI matching in text, "DOIs and
  matching regular expressions", 2015, uses the same shape ``10.\\d{4,9}/[-._;()/:A-Z0-9]+``);
* PMIDs and PMCIDs given as numbers, ``PMID: 123``, or PubMed/PMC URLs;
* every trial registry id in a text (:func:`find_registry_ids`) — candidates are found with one
  pattern per registry and each is validated by :func:`~evidencehub.model.parse_registry_id`,
  so the registry shapes live in one place. A bare EudraCT/EU CT number (``2004-000232-28``)
  has the shape of many other dashed numbers, so in free text it counts only when the word
  ``EudraCT`` or ``EU CT`` stands just before it.

The patterns are hand-written: no maintained library covers trial registry ids, and the DOI
rule above is a single regular expression plus bracket balancing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from evidencehub.model import Record, normalize_doi, parse_registry_id

__all__ = [
    "extract_doi",
    "find_dois",
    "find_registry_ids",
    "normalize_doi",
    "normalize_pmcid",
    "normalize_pmid",
    "normalize_registry_id",
    "record_registry_ids",
]

_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"<>{}|\\^`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\u2019\u201d*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _trim_doi(candidate: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end of ``candidate``.

    The bracket counts are kept as characters are dropped (counting again for each one would
    take quadratic time on a candidate ending in thousands of brackets).
    """
    closing = {closer: candidate.count(closer) for closer in _CLOSERS}
    opening = {closer: candidate.count(opener) for closer, opener in _CLOSERS.items()}
    end = len(candidate)
    while end:
        last = candidate[end - 1]
        if last in _CLOSERS and closing[last] > opening[last]:
            closing[last] -= 1
        elif last not in _TRAILING:
            break
        end -= 1
    return candidate[:end]


def find_dois(text: str) -> list[str]:
    """Return every DOI in ``text`` (URLs, ``doi:`` prefixes, percent-encoding), canonical, in order.

    >>> find_dois("See https://doi.org/10.1016/S0140-6736(17)30000-1. and doi:10.1056/NEJMoa1203421)")
    ['10.1016/s0140-6736(17)30000-1', '10.1056/nejmoa1203421']
    """
    found: list[str] = []
    for match in _DOI_IN_TEXT.finditer(unquote(text)):
        candidate = _trim_doi(match.group(0))
        try:
            doi = normalize_doi(candidate)
        except ValueError:
            continue
        if doi not in found:
            found.append(doi)
    return found


def extract_doi(value: str | None) -> str | None:
    """Return the first DOI in ``value`` (a DOI, a DOI URL, or text holding one), else None."""
    if not value:
        return None
    dois = find_dois(value)
    return dois[0] if dois else None


_PMID = re.compile(
    r"^(?:pmid:?\s*|https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/)?"
    r"0*(\d{1,9})/?$",
    re.IGNORECASE,
)
_PMCID = re.compile(
    r"^(?:pmcid:?\s*|https?://(?:www\.)?(?:ncbi\.nlm\.nih\.gov/pmc/articles|pmc\.ncbi\.nlm\.nih\.gov/articles)/)?"
    r"(?:pmc)?0*(\d{1,9})/?$",
    re.IGNORECASE,
)


def normalize_pmid(value: str) -> str:
    """Return a PMID as digits without leading zeros (``"PMID: 0123"`` → ``"123"``).

    Accepts ``PMID:`` prefixes and PubMed URLs; raises :class:`ValueError` for anything else.
    """
    match = _PMID.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not a PMID: {value!r} (expected digits, e.g. 22663011)")
    return str(int(match.group(1)))


def normalize_pmcid(value: str) -> str:
    """Return a PMCID as ``PMC`` + digits (``"pmc12345"``, a PMC URL or ``12345`` → ``"PMC12345"``)."""
    match = _PMCID.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not a PMCID: {value!r} (expected PMC and digits, e.g. PMC3531190)")
    return f"PMC{int(match.group(1))}"


def normalize_registry_id(value: str) -> str:
    """Return the registry's canonical spelling of a trial id (``nct 01234567`` → ``NCT01234567``)."""
    return parse_registry_id(value)[1]


_EU_PREFIX = r"(?:EudraCT|EU\s?CT)(?:\s*(?:No\.?|number|nr\.?|\#))?[\s:]*"
_EU_PREFIX_RE = re.compile("^" + _EU_PREFIX, re.IGNORECASE | re.VERBOSE)

#: Every candidate below starts with one of these (upper-cased) words; "EU" stands for EudraCT
#: and EU CT however they are spaced.
_PREFIXES = ("NCT", "UMIN", "JRCT", "ISRCTN", "CHICTR", "ACTRN", "DRKS", "CTRI", "IRCT", "NTR", "KCT",
             "EU")  # fmt: skip


_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _prefix_starts(upper: str) -> list[int]:
    """Where a registry prefix starts a word in ``upper``, in order (substring search, no regex).

    The one candidate pattern below, searched over a whole abstract, costs about a quarter of a
    millisecond (an alternation tried at every position); ``str.find`` for a dozen prefixes and
    the pattern anchored at the few places they start cost a small fraction of that.
    """
    starts = set()
    for prefix in _PREFIXES:
        start = upper.find(prefix)
        while start != -1:
            if start == 0 or upper[start - 1] not in _ID_CHARS:  # the pattern's lookbehind
                starts.add(start)
            start = upper.find(prefix, start + 1)
    return sorted(starts)


# One candidate pattern per registry; parse_registry_id decides what is valid.
_REGISTRY_IN_TEXT = re.compile(
    r"""(?<![A-Za-z0-9])(?:
        NCT\s?\d{8}
      | UMIN\s?\d{9}
      | jRCT[a-z]?\d{10}
      | ISRCTN\s?\d{8}
      | ChiCTR(?:-[A-Za-z]{2,5}-)?\d{8,10}
      | ACTRN\s?\d{14}
      | DRKS\s?\d{8}
      | CTRI/\d{4}/\d{2,3}/\d{6}
      | IRCT\d{8,}N\d+
      | NTR\s?\d{3,5}
      | KCT\s?\d{7}
      | """ + _EU_PREFIX + r"""\d{4}-\d{6}-\d{2}(?:-\d{2})?
    )(?![A-Za-z0-9])""",
    re.IGNORECASE | re.VERBOSE,
)


def find_registry_ids(text: str | None) -> tuple[str, ...]:
    """Return every trial registry id in ``text``, canonical, in order of first appearance.

    >>> find_registry_ids("Registered at ClinicalTrials.gov (nct01234567) and EudraCT 2004-000232-28.")
    ('NCT01234567', '2004-000232-28')
    """
    if not text:
        return ()
    upper = text.upper()
    starts = _prefix_starts(upper)
    if not starts:
        return ()  # the common case
    if len(upper) == len(text):  # no character changed length ("ß" → "SS"), so places agree
        found_at = (_REGISTRY_IN_TEXT.match(text, start) for start in starts)
        matches: Iterable[re.Match[str]] = [m for m in found_at if m is not None]
    else:
        matches = _REGISTRY_IN_TEXT.finditer(text)
    found: dict[str, None] = {}
    end = 0
    for match in matches:
        if match.start() < end:
            continue  # inside the id before (finditer's matches never overlap either)
        end = match.end()
        raw = _EU_PREFIX_RE.sub("", match.group(0))
        try:
            found[parse_registry_id(raw)[1]] = None
        except ValueError:
            continue
    return tuple(found)


def _record_texts(record: Record) -> Iterable[str]:
    yield record.title
    if record.abstract:
        yield record.abstract
    yield from (section.text for section in record.abstract_sections)
    yield from record.keywords
    yield from record.grants
    yield from (link.target for link in record.links)
    if record.url:
        yield record.url


def record_registry_ids(record: Record) -> tuple[str, ...]:
    """Return the registry ids a record declares plus those written anywhere in its text.

    The texts are searched as one string, joined by NUL (which no id pattern crosses): one
    search instead of a dozen per record.
    """
    found: dict[str, None] = dict.fromkeys(record.registry_ids)
    found.update(dict.fromkeys(find_registry_ids("\0".join(_record_texts(record)))))
    return tuple(found)
