"""Pages as files: ``evidencehub pages import FILE.md…`` and ``evidencehub pages export``.

The format is the demo corpus's (:mod:`evidencehub.data.pages`: TOML front matter between
``+++`` lines, then the hub's Markdown). An import reads and checks every file before it writes
anything, then saves all of them in one transaction through
:func:`evidencehub.publish.page_edits.save_page` (claims, label and a new version for each page
that changed); any bad file, or a page that cites a study or shows an analysis the store does
not hold, fails the whole import with one message naming the file. Importing the same files
again changes nothing. An export writes every stored page back in the same format, one
``<slug>.md`` per page, so that importing an export changes nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from evidencehub.data.pages import PageSource, format_page, parse_page
from evidencehub.errors import EvidenceHubError, InputError
from evidencehub.model import Actor
from evidencehub.publish.page_edits import PageSave, save_page, stored_source
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.session import transaction

__all__ = ["export_pages", "import_pages", "read_page_files"]


def read_page_files(paths: Sequence[Path]) -> list[tuple[Path, PageSource]]:
    """Read and parse every file; :class:`InputError` naming the first bad one (unreadable,
    not UTF-8, malformed, or a slug another file already has)."""
    read: list[tuple[Path, PageSource]] = []
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", source=str(path)) from None
        except OSError as err:
            raise InputError(f"cannot read the file: {err.strerror or err}",
                             source=str(path)) from None
        source = parse_page(text, source=str(path))
        slug = source.page.slug
        if slug in seen:
            raise InputError(f"page {slug!r} is also in {seen[slug]}", source=str(path))
        seen[slug] = path
        read.append((path, source))
    return read


def import_pages(engine: Engine, paths: Sequence[Path], *, actor: Actor) -> list[PageSave]:
    """Save the pages in ``paths`` in one transaction, signed by ``actor``; what each save did."""
    if not paths:
        raise InputError("give at least one page file (FILE.md)")
    sources = read_page_files(paths)
    saved = []
    with transaction(engine) as session:
        for path, source in sources:
            try:
                saved.append(save_page(session, source, actor=actor,
                                       note=f"imported from {path.name}"))
            except InputError as err:
                raise InputError(err.problem, source=str(path), where=err.where) from None
            except EvidenceHubError as err:
                raise InputError(str(err), source=str(path)) from None
    return saved


def export_pages(engine: Engine, out_dir: Path) -> list[Path]:
    """Write every stored page to ``out_dir/<slug>.md`` (the folder is created); the paths."""
    with transaction(engine) as session:
        sources = [stored_source(session, p.slug) for p in pages_repo.list_pages(session)]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = out_dir / f"{source.page.slug}.md"
        target.write_text(format_page(source), encoding="utf-8")
        written.append(target)
    return written
