"""Checks of the files and directories a command will write, made before it does any work.

A command that writes at the end of a long run (``import --report``, ``build --site``, ``demo
--site``) checks first that it can, so that a typo, a file in the way or a read-only directory
costs one line on stderr instead of the run and a traceback. Writability is tried (a temporary
file is created and removed), not guessed from permission bits, which do not bind root.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from evidencehub.errors import ConfigError

__all__ = ["check_output_dir", "check_output_file"]


def _nearest_existing(path: Path) -> Path:
    return next(p for p in (path, *path.parents) if p.exists())


def _check_can_create_in(directory: Path, option: str, path: Path) -> None:
    """``path`` will be created in ``directory`` (created too if missing): can it be?"""
    existing = _nearest_existing(directory)
    if not existing.is_dir():
        raise ConfigError(f"{option} {path}: {existing} is a file, not a directory")
    try:
        tempfile.TemporaryFile(dir=existing).close()  # created and removed: a probe
    except OSError:
        raise ConfigError(f"{option} {path}: directory {existing} is not writable") from None


def check_output_file(path: Path, option: str, suffixes: tuple[str, ...]) -> None:
    """Refuse ``path`` unless it ends in one of ``suffixes`` and can be written.

    ``option`` names the command-line option in the message (``"--report"``). Raises
    :class:`ConfigError`, for example ``--report bad.txt: unknown extension '.txt'; give a
    .csv or .json file``. Writes nothing (an existing file is opened for appending and closed).
    """
    wanted = " or ".join(suffixes)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        problem = f"unknown extension {path.suffix!r}" if suffix else "no extension"
        raise ConfigError(f"{option} {path}: {problem}; give a {wanted} file")
    if path.is_dir():
        raise ConfigError(f"{option} {path}: is a directory; give a {wanted} file")
    if path.exists():
        try:
            path.open("ab").close()  # opened for appending, nothing written: a probe
        except OSError:
            raise ConfigError(f"{option} {path}: the file is not writable") from None
        return
    _check_can_create_in(path.parent, option, path)


def check_output_dir(path: Path, option: str) -> None:
    """Refuse a directory ``path`` that cannot be created or replaced (a file in the way, a
    read-only parent). ``option`` names the option in the message (``"--site"``)."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path}: is a file, not a directory")
    _check_can_create_in(path.resolve().parent, option, path)
    if path.is_dir():
        _check_can_create_in(path, option, path)
