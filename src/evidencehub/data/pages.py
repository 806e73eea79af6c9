"""Read a page source: Markdown with a TOML front matter block between ``+++`` lines.

::

    +++
    slug = "ipsc-derived-cell-therapy"
    kind = "intervention"
    title = "iPSC-derived cell therapy"
    [[cross_refs]]
    slug = "type-1-diabetes"
    status = "implicit-stub"
    +++
    Body in Markdown; [@study_key] cites a study, {needs-replication} tags a claim,
    [[page-slug]] links another page.

TOML (Python's :mod:`tomllib`) rather than YAML front matter, so the corpus needs no extra
parser. The front matter holds the :class:`~evidencehub.model.Page` fields except ``body`` and
``label``; ``source`` is the provenance line of the page's evidence label, which is derived
later from the cited studies (:mod:`evidencehub.grade.labels`).

:func:`format_page` writes a page back in this format (``evidencehub pages export``), so that
``parse_page(format_page(source))`` gives ``source`` again.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencehub.errors import InputError
from evidencehub.model import Page, validate

__all__ = ["PageSource", "format_page", "parse_page", "read_page"]

_FENCE = "+++"


@dataclass(frozen=True, slots=True)
class PageSource:
    """A page as written in the corpus, and the provenance line for its evidence label."""

    page: Page
    label_source: str | None


def parse_page(text: str, *, source: str) -> PageSource:
    """Parse the text of a page source file (named ``source`` in error messages)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise InputError(
            f"a page starts with a '{_FENCE}' line opening its front matter",
            source=source,
            where="line 1",
        )
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == _FENCE)
    except StopIteration:
        raise InputError(
            f"the front matter is not closed by a '{_FENCE}' line", source=source
        ) from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"front matter is not valid TOML: {exc}", source=source) from None
    for field in ("body", "label"):
        if field in meta:
            raise InputError(
                f"'{field}' is not a front-matter field", source=source, where="front matter"
            )
    label_source = meta.pop("source", None)
    body = "\n".join(lines[end + 1 :]).strip()
    page = validate(Page, {**meta, "body": body}, source=source, where="front matter")
    return PageSource(page=page, label_source=label_source)


def read_page(path: Path) -> PageSource:
    """Read and parse one page source file."""
    return parse_page(path.read_text(encoding="utf-8"), source=path.name)


#: Front-matter keys in the order they are written (the order of the demo's page files).
_ORDER = ("slug", "kind", "title", "dek", "status", "category", "as_of", "source", "takeaways",
          "analysis_slugs")


def format_page(source: PageSource) -> str:
    """The text of a page source file: the inverse of :func:`parse_page`.

    Empty fields are left out (they are the defaults on reading); the body follows the closing
    fence after one blank line and ends with a newline.
    """
    import tomli_w

    page = source.page
    values: dict[str, Any] = {
        "slug": page.slug,
        "kind": page.kind.value,
        "title": page.title,
        "dek": page.dek,
        "status": page.status.value,
        "category": page.category,
        "as_of": page.as_of,
        "source": source.label_source,
        "takeaways": list(page.takeaways),
        "analysis_slugs": list(page.analysis_slugs),
    }
    meta: dict[str, Any] = {key: values[key] for key in _ORDER if values[key] not in (None, [])}
    if page.cross_refs:
        meta["cross_refs"] = [
            {key: value for key, value in (("slug", ref.slug), ("note", ref.note),
                                           ("status", ref.status.value if ref.status else None))
             if value is not None}
            for ref in page.cross_refs
        ]
    front = tomli_w.dumps(meta, multiline_strings=False)
    body = page.body.strip()
    return f"{_FENCE}\n{front}{_FENCE}\n" + (f"\n{body}\n" if body else "")
