"""Page markup for evidence, and the claims a page body makes.

A page body is Markdown (CommonMark with tables) plus three inline forms:

* ``[@key]`` or ``[@key1; @key2]`` cites studies by their citation keys;
* ``{needs-replication}`` attaches an evidence tag (:class:`~evidencehub.model.EvidenceTag`);
* ``[[page-slug]]`` links another page of the hub;
* ``{=analysis-slug.field}`` quotes a number of an analysis's result (``estimate``, ``ci``,
  ``ci_lb``, ``ci_ub``, ``pi``, ``pval``, ``I2``, ``tau2``, ``k``, ``n``), filled in from the
  run the page shows when it is rendered — a number is never typed into a page; ``{=slug}``
  alone names the analysis (its measure and comparison).

Each block of text (paragraph, list item, table cell) that cites a study, quotes an analysis or
carries a tag is one :class:`~evidencehub.model.Claim`: its plain text, the studies it cites,
the analyses it quotes and its tags. Blocks are
found with markdown-it-py's parser, so code spans and headings are not mistaken for claims.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from evidencehub.errors import InputError
from evidencehub.model import Claim, EvidenceTag, Page, validate

__all__ = [
    "CITATION_RE",
    "RESULT_FIELDS",
    "RESULT_RE",
    "TAG_RE",
    "WIKILINK_RE",
    "citation_keys",
    "cited_keys",
    "extract_claims",
    "markdown_parser",
    "parse_tag",
    "quoted_analyses",
]

#: ``[@a]`` or ``[@a; @b]``; group 1 is the inside, split by :func:`citation_keys`.
CITATION_RE = re.compile(r"\[(@[a-z0-9][a-z0-9_\-]*(?:\s*;\s*@[a-z0-9][a-z0-9_\-]*)*)\]")
#: ``{word-word}``; group 1 must be a known tag (checked by :func:`parse_tag`).
TAG_RE = re.compile(r"\{([a-z][a-z\-]*)\}")
#: ``[[page-slug]]``.
WIKILINK_RE = re.compile(r"\[\[([a-z0-9][a-z0-9\-]*)\]\]")
#: ``{=analysis-slug.field}`` or ``{=analysis-slug}``; group 1 the slug, group 2 the field.
RESULT_RE = re.compile(r"\{=([a-z0-9][a-z0-9\-]*)(?:\.([A-Za-z0-9_]+))?\}")
#: The fields a page may quote from a run.
RESULT_FIELDS = ("estimate", "ci", "ci_lb", "ci_ub", "pi", "pval", "I2", "tau2", "k", "n")

_SPACES = re.compile(r"\s+")


def markdown_parser() -> MarkdownIt:
    """The Markdown dialect of page bodies: CommonMark plus GFM tables, raw HTML disabled."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def citation_keys(inside: str) -> list[str]:
    """``"@a; @b"`` (group 1 of :data:`CITATION_RE`) → ``["a", "b"]``."""
    return [part.strip().removeprefix("@") for part in inside.split(";")]


def parse_tag(name: str, *, source: str | None = None) -> EvidenceTag:
    """The :class:`EvidenceTag` called ``name``; an unknown name is an :class:`InputError`."""
    try:
        return EvidenceTag(name)
    except ValueError:
        known = ", ".join("{" + t.value + "}" for t in EvidenceTag)
        raise InputError(
            f"unknown evidence tag {{{name}}}; known tags: {known}", source=source
        ) from None


def _blocks(body: str) -> list[tuple[str, bool, str | None]]:
    """Each text block of ``body`` as ``(text, is_heading, "body line N")``; the text keeps the
    evidence markup but not code spans or emphasis markers."""
    blocks = []
    in_heading = False
    for token in markdown_parser().parse(body):
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
        if token.type != "inline":
            continue
        parts = []
        for child in token.children or ():
            if child.type == "text":
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        line = f"body line {token.map[0] + 1}" if token.map else None
        blocks.append(("".join(parts), in_heading, line))
    return blocks


def cited_keys(body: str) -> list[str]:
    """Study keys cited in ``body`` (outside code), in order of first citation, each once."""
    keys: dict[str, None] = {}
    for text, _, _ in _blocks(body):
        for match in CITATION_RE.finditer(text):
            keys.update(dict.fromkeys(citation_keys(match.group(1))))
    return list(keys)


def quoted_analyses(text: str, *, source: str | None = None) -> list[str]:
    """Slugs of the analyses ``text`` quotes, in order, each once; an unknown field is an
    :class:`InputError` naming the ones a page may quote."""
    slugs: dict[str, None] = {}
    for match in RESULT_RE.finditer(text):
        if match.group(2) is not None and match.group(2) not in RESULT_FIELDS:
            raise InputError(
                f"{{={match.group(1)}.{match.group(2)}}}: unknown result field "
                f"{match.group(2)!r}; a page may quote {', '.join(RESULT_FIELDS)}",
                source=source,
            )
        slugs[match.group(1)] = None
    return list(slugs)


def _plain(text: str) -> str:
    text = CITATION_RE.sub("", text)
    text = TAG_RE.sub("", text)
    text = WIKILINK_RE.sub(lambda m: m.group(1), text)
    text = _SPACES.sub(" ", text).strip()
    return re.sub(r"\s+([.,;:])", r"\1", text)


def extract_claims(page: Page) -> tuple[Claim, ...]:
    """The claims of ``page``: every text block with a citation, a quoted analysis or a tag, in
    reading order (headings and code are not claims)."""
    claims = []
    for content, is_heading, line in _blocks(page.body):
        if is_heading:
            continue
        keys = [k for m in CITATION_RE.finditer(content) for k in citation_keys(m.group(1))]
        tags = [
            parse_tag(m.group(1), source=f"page {page.slug!r}") for m in TAG_RE.finditer(content)
        ]
        analyses = quoted_analyses(content, source=f"page {page.slug!r}")
        if not keys and not tags and not analyses:
            continue
        fields = {
            "page_slug": page.slug,
            "text": _plain(content),
            "study_keys": tuple(dict.fromkeys(keys)),
            "analysis_slugs": tuple(analyses),
            "tags": tuple(dict.fromkeys(tags)),
        }
        claims.append(validate(Claim, fields, source=f"page {page.slug!r}", where=line))
    return tuple(claims)
