"""``evidencehub import``: start parsing the first file, then open the store and import.

A whole import of a large file spends its first moments on work that does not need the file:
importing SQLAlchemy and the store's tables, and opening the store (for a new store, creating its
schema with Alembic's migrations). :func:`import_files` starts the parser child of the first file
(:class:`~evidencehub.ingest.parse_ahead.ReadAhead`, where parsing ahead pays:
:func:`~evidencehub.ingest.parse_ahead.worth_reading_ahead`) before any of that, so the two
overlap; then it opens the store and runs :func:`~evidencehub.ingest.importer.import_paths`,
which reads that child's records. Nothing else changes: the same records, events and errors, one
transaction (tested against an import without parsing ahead).

The child is terminated and reaped whichever way the work around it ends: a store that cannot be
opened, an error, Ctrl-C. A ``kill -9`` of the importing process takes the child with it
(``PR_SET_PDEATHSIG``, :mod:`~evidencehub.ingest.parse_ahead`).

This module imports neither SQLAlchemy nor the store at module level: the importer and the store
are imported after the child has started.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evidencehub.errors import InputError
from evidencehub.ingest.formats import detect_format, get_reader
from evidencehub.ingest.parse_ahead import ReadAhead, worth_reading_ahead

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from evidencehub.ingest.import_report import ImportReport
    from evidencehub.ingest.importer import ImportProgress
    from evidencehub.model import Actor

__all__ = ["import_files"]


def import_files(
    open_store: Callable[[], Engine],
    paths: Sequence[Path | str],
    *,
    fmt: str = "auto",
    skip_bad: bool = False,
    report_path: Path | str | None = None,
    progress: ImportProgress | None = None,
    actor: Actor | None = None,
    parse_ahead: bool | None = None,
) -> ImportReport:
    """Import ``paths`` into the store ``open_store()`` opens, parsing the first file ahead from
    before the store is opened (module docstring).

    The arguments are :func:`~evidencehub.ingest.importer.import_paths`'; ``parse_ahead`` as
    there (None: where it pays). The engine is disposed of at the end. Raises what
    ``open_store`` raises, or :class:`InputError` as ``import_paths`` does.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("no files to import")
    first = files[0]
    reader = detect_format(first) if fmt == "auto" else get_reader(fmt)
    ahead = parse_ahead if parse_ahead is not None else worth_reading_ahead(first)
    started = ReadAhead(reader, first, label=str(first)) if ahead else None
    try:
        from evidencehub.ingest.importer import IMPORTER, import_paths

        engine = open_store()
        try:
            return import_paths(
                engine,
                files,
                fmt=fmt,
                skip_bad=skip_bad,
                report_path=report_path,
                progress=progress,
                actor=actor or IMPORTER,
                parse_ahead=parse_ahead,
                started=started,
            )
        finally:
            engine.dispose()
    finally:
        if started is not None:
            started.close()
