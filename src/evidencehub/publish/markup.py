"""Render a page body (Markdown + evidence markup) to HTML with numbered footnotes.

The markup is defined in :mod:`evidencehub.grade.claims`. Rendering adds three inline rules to
markdown-it-py's parser (before its ``link`` rule, since ``[@`` and ``[[`` open with a bracket):

* a citation ``[@a; @b]`` becomes superscript footnote numbers, each with an id so that the
  footnote can link back to every place that cites it (``cite-3-2`` is the second citation of
  footnote 3);
* a tag ``{long-term-unknown}`` becomes a labelled badge whose title explains the tag;
* a wiki link ``[[slug]]`` becomes a link to the page when it exists, or the slug with its
  status when it does not;
* a quoted result ``{=analysis-slug.field}`` becomes the number from the run the page shows
  (:class:`ResultValue`), linked to where it comes from, or a marked gap when there is none;
* a trial registry id in running text (``NCT04802733``, ``UMIN000033564``…) becomes a link to
  the trial's page when the hub has that trial.

Footnotes are numbered by first citation; headings get ids for the table of contents. Raw HTML
in a body is not passed through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from evidencehub.grade.claims import (
    CITATION_RE,
    RESULT_RE,
    TAG_RE,
    WIKILINK_RE,
    citation_keys,
    markdown_parser,
    parse_tag,
)
from evidencehub.grade.tags import TAG_DESCRIPTIONS

__all__ = ["REGISTRY_ID_RE", "LinkTarget", "RenderedBody", "ResultValue", "render_body",
           "slugify"]

#: Registry ids as they appear in prose (the shapes of :data:`evidencehub.model.Registry` ids
#: that are single words); a match is linked only if the hub has the trial.
REGISTRY_ID_RE = re.compile(
    r"\b(NCT\d{8}|UMIN\d{9}|jRCT[a-z]?\d{10}|ISRCTN\d{8}|ChiCTR(?:-[A-Z]{2,5}-)?\d{8,10}"
    r"|ACTRN\d{14}|DRKS\d{8}|KCT\d{7})\b"
)


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Where a wiki link points: ``href`` (``None`` if the page does not exist), title, status."""

    href: str | None
    title: str
    status: str | None


@dataclass(frozen=True, slots=True)
class ResultValue:
    """A quoted result as rendered: its text, where it comes from (``href``, None when the
    analysis has no run to quote) and a title for the link."""

    text: str
    href: str | None
    title: str


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """The body's HTML, its headings (``id``, ``title``, ``level``) and each footnote's back-refs."""

    html: str
    toc: tuple[dict[str, Any], ...]
    backrefs: dict[int, tuple[str, ...]]


def slugify(text: str) -> str:
    """A heading's anchor id: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _inline_rule(
    pattern: re.Pattern[str], token_type: str, opener: str
) -> Callable[[StateInline, bool], bool]:
    def rule(state: StateInline, silent: bool) -> bool:
        if not state.src.startswith(opener, state.pos):
            return False
        match = pattern.match(state.src, state.pos)
        if match is None:
            return False
        if not silent:
            token = state.push(token_type, "", 0)
            token.meta = {"value": match.group(1)}
        state.pos = match.end()
        return True

    return rule


def _result_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("{=", state.pos):
        return False
    match = RESULT_RE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("eh_result", "", 0)
        token.meta = {"slug": match.group(1), "field": match.group(2)}
    state.pos = match.end()
    return True


def _render_result(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    meta = tokens[idx].meta
    value: ResultValue = env["result_value"](meta["slug"], meta["field"])
    if value.href is None:
        return f'<span class="result result-missing" title="{escape(value.title)}">{escape(value.text)}</span>'
    return (f'<a class="result" href="{escape(value.href)}" title="{escape(value.title)}">'
            f"{escape(value.text)}</a>")


def _parser() -> MarkdownIt:
    md = markdown_parser()
    md.inline.ruler.before("link", "eh_result", _result_rule)
    md.inline.ruler.before("link", "eh_wikilink", _inline_rule(WIKILINK_RE, "eh_wikilink", "[["))
    md.inline.ruler.before("link", "eh_citation", _inline_rule(CITATION_RE, "eh_citation", "[@"))
    md.inline.ruler.before("link", "eh_tag", _inline_rule(TAG_RE, "eh_tag", "{"))
    md.add_render_rule("eh_citation", _render_citation)
    md.add_render_rule("eh_tag", _render_tag)
    md.add_render_rule("eh_wikilink", _render_wikilink)
    md.add_render_rule("eh_result", _render_result)
    return md


def _render_citation(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    numbers: Mapping[str, int] = env["footnote_numbers"]
    backrefs: dict[int, list[str]] = env["backrefs"]
    links = []
    for key in citation_keys(tokens[idx].meta["value"]):
        number = numbers[key]
        refs = backrefs.setdefault(number, [])
        anchor = f"cite-{number}-{len(refs) + 1}"
        refs.append(anchor)
        links.append(
            f'<a id="{anchor}" class="fn-ref" href="#fn-{number}" '
            f'aria-label="Footnote {number}">{number}</a>'
        )
    return '<sup class="cite">' + '<span class="fn-sep">,</span>'.join(links) + "</sup>"


def _render_tag(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    tag = parse_tag(tokens[idx].meta["value"], source=env.get("source"))
    description = escape(TAG_DESCRIPTIONS[tag])
    return (
        f'<span class="tag tag-{tag.value}" title="{description}">'
        f'<span class="visually-hidden">Evidence tag: </span>{tag.value}</span>'
    )


def _render_wikilink(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    slug = tokens[idx].meta["value"]
    target: LinkTarget = env["link_for"](slug)
    if target.href is None:
        status = escape(target.status or "missing")
        return f'<span class="xref xref-missing">{escape(target.title)} <span class="status">{status}</span></span>'
    return f'<a class="xref" href="{escape(target.href)}">{escape(target.title)}</a>'


def _render_trial(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    registry_id, href = tokens[idx].meta["value"], tokens[idx].meta["href"]
    return f'<a class="trial-id" href="{escape(href)}">{escape(registry_id)}</a>'


def _link_registry_ids(tokens: list[Token], trial_href: Callable[[str], str | None]) -> None:
    """Split text tokens around registry ids of known trials into link tokens."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        children: list[Token] = []
        for child in token.children:
            if child.type != "text" or not REGISTRY_ID_RE.search(child.content):
                children.append(child)
                continue
            position = 0
            for match in REGISTRY_ID_RE.finditer(child.content):
                href = trial_href(match.group(1))
                if href is None:
                    continue
                if match.start() > position:
                    children.append(
                        Token("text", "", 0, content=child.content[position : match.start()])
                    )
                children.append(
                    Token("eh_trial", "", 0, meta={"value": match.group(1), "href": href})
                )
                position = match.end()
            if position < len(child.content):
                children.append(Token("text", "", 0, content=child.content[position:]))
        token.children = children


def _no_results(slug: str, field: str | None) -> ResultValue:
    return ResultValue("[no result]", None, f"analysis {slug!r} is not shown here")


def render_body(
    body: str,
    *,
    footnote_numbers: Mapping[str, int],
    link_for: Callable[[str], LinkTarget],
    trial_href: Callable[[str], str | None] = lambda registry_id: None,
    result_value: Callable[[str, str | None], ResultValue] | None = None,
    source: str | None = None,
) -> RenderedBody:
    """Render ``body``; ``footnote_numbers`` maps every cited key to its footnote number.

    ``link_for(slug)`` resolves wiki links and ``trial_href(registry_id)`` registry ids (``None``:
    leave as text); ``result_value(slug, field)`` fills in quoted results. Headings of level 2
    and 3 get unique ids and make up the table of contents.
    """
    md = _parser()
    md.add_render_rule("eh_trial", _render_trial)
    env: dict[str, Any] = {
        "footnote_numbers": footnote_numbers,
        "backrefs": {},
        "link_for": link_for,
        "source": source,
        "result_value": result_value or _no_results,
    }
    tokens = md.parse(body, env)
    _link_registry_ids(tokens, trial_href)
    toc: list[dict[str, Any]] = []
    used: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            title = "".join(
                child.content for child in tokens[i + 1].children or () if child.type == "text"
            )
            anchor = base = slugify(title)
            n = 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            used.add(anchor)
            token.attrSet("id", anchor)
            toc.append({"id": anchor, "title": title, "level": int(token.tag[1])})
    html = md.renderer.render(tokens, md.options, env)
    backrefs = {number: tuple(refs) for number, refs in sorted(env["backrefs"].items())}
    return RenderedBody(html=html, toc=tuple(toc), backrefs=backrefs)
