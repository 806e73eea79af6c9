"""Which reader reads a file: the registry of formats and auto-detection.

Every public module of :mod:`evidencehub.ingest` that defines a reader class (a class with the
:class:`~evidencehub.ingest.base.Reader` attributes ``name``, ``suffixes``, ``sniff`` and
``read``) is registered under its ``name`` — the ``--format`` value — the way the CLI discovers
its command modules, so adding a format is adding a module.

Detection (:func:`detect_format`) looks at content before names, because exports are often
misnamed (a ``.txt`` that is RIS, an ``.xml`` that is not PubMed): the first
:data:`HEAD_BYTES` bytes, gunzipped when the file is gzip data, are offered to each reader's
``sniff`` in :data:`SNIFF_ORDER` (the most specific formats first, CSV last since almost any
text parses as CSV); only when no reader claims the content does the file suffix decide.
A directory, an empty file, a binary file or an unknown format is an
:class:`~evidencehub.errors.InputError` that says which, and lists the known formats.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, cast

import evidencehub.ingest as _package
from evidencehub.errors import InputError
from evidencehub.ingest._text import gunzip
from evidencehub.ingest.base import Reader

__all__ = [
    "HEAD_BYTES",
    "SNIFF_ORDER",
    "detect_format",
    "get_reader",
    "known_formats",
    "open_source",
    "reader_classes",
]

#: How much of a file (decompressed) the sniffers see.
HEAD_BYTES = 8192
#: Formats offered the head first; formats not listed here come after, CSV always last.
SNIFF_ORDER: tuple[str, ...] = (
    "pubmed-xml",
    "medline",
    "ris",
    "bibtex",
    "ctgov",
    "crossref",
    "openalex",
)
_LAST = ("csv",)
_GZIP_MAGIC = b"\x1f\x8b"
#: Magic numbers of binary files people drop on an importer by mistake.
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an Office document); unzip it first",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3\x00": "an SQLite database",
}


def _is_reader_class(value: Any) -> bool:
    return (
        inspect.isclass(value)
        and isinstance(getattr(value, "name", None), str)
        and isinstance(getattr(value, "suffixes", None), tuple)
        and callable(getattr(value, "sniff", None))
        and callable(getattr(value, "read", None))
    )


@cache
def reader_classes() -> dict[str, type[Reader]]:
    """Return every reader class by format name, in sniffing order."""
    found: dict[str, type[Reader]] = {}
    for module_info in pkgutil.iter_modules(_package.__path__):
        if module_info.name.startswith("_") or module_info.ispkg:
            continue
        module = importlib.import_module(f"{_package.__name__}.{module_info.name}")
        for _, value in inspect.getmembers(module, _is_reader_class):
            if value.__module__ == module.__name__:
                found[value.name] = value

    def rank(name: str) -> tuple[int, int, str]:
        if name in _LAST:
            return (2, _LAST.index(name), name)
        if name in SNIFF_ORDER:
            return (0, SNIFF_ORDER.index(name), name)
        return (1, 0, name)

    return {name: found[name] for name in sorted(found, key=rank)}


def known_formats() -> tuple[str, ...]:
    """The ``--format`` values, in sniffing order."""
    return tuple(reader_classes())


def _known() -> str:
    return ", ".join(known_formats())


def get_reader(name: str) -> Reader:
    """Return a reader for the format ``name``; an unknown name lists the known ones."""
    try:
        return reader_classes()[name]()
    except KeyError:
        raise InputError(f"unknown format {name!r}; known formats: auto, {_known()}") from None


def _cannot_read(path: Path, error: OSError) -> InputError:
    return InputError(f"cannot be read: {error.strerror or error}", source=str(path))


def _open(path: Path) -> io.FileIO:
    """``path`` opened for reading; the system's refusal (no permission, a name too long) is an
    :class:`InputError`."""
    try:
        return io.FileIO(path, "rb")
    except OSError as exc:
        raise _cannot_read(path, exc) from exc


def _head(path: Path) -> bytes:
    """The first :data:`HEAD_BYTES` bytes of ``path``, decompressed when it is gzip data."""
    with io.BufferedReader(_open(path)) as raw:
        start = raw.read(HEAD_BYTES)
        if not start.startswith(_GZIP_MAGIC):
            return start
        raw.seek(0)
        with gunzip(raw, source=str(path)) as unzipped:
            return unzipped.read(HEAD_BYTES)


def _check_readable(path: Path) -> None:
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except OSError as exc:  # what is_dir() and exists() do not swallow: a name too long
        raise _cannot_read(path, exc) from exc
    if is_dir:
        raise InputError(
            "is a directory; give the files in it (e.g. 'evidencehub import dir/*.xml')",
            source=str(path),
        )
    if not exists:
        raise InputError("no such file", source=str(path))


def detect_format(path: Path) -> Reader:
    """Return the reader for ``path``: by content first, then by suffix (see module docstring)."""
    _check_readable(path)
    head = _head(path)
    if not head.strip():
        raise InputError(f"empty file; nothing to import (known formats: {_known()})", source=str(path))
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"this is {what}, not a bibliographic export", source=str(path))
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"binary data, not a text or XML export (known formats: {_known()})", source=str(path)
        )
    for name, cls in reader_classes().items():
        if cls().sniff(head):
            return reader_classes()[name]()
    suffixes = "".join(path.suffixes).lower().removesuffix(".gz") or path.suffix.lower()
    for cls in reader_classes().values():
        if any(suffixes.endswith(s.removesuffix(".gz")) for s in cls.suffixes):
            return cls()
    raise InputError(
        f"cannot tell the format from the content or the name; give --format "
        f"(known formats: {_known()})",
        source=str(path),
    )


class _Tap(io.RawIOBase):
    """A raw stream over a file that reports what is read from it: the number of bytes
    (``on_read``) and the bytes themselves (``digest``, a hash being computed)."""

    def __init__(
        self, raw: io.FileIO, on_read: Callable[[int], None] | None, digest: Any | None
    ) -> None:
        self._raw = raw
        self._on_read = on_read
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0
        if n:
            if self._digest is not None:
                self._digest.update(buffer[:n])
            if self._on_read is not None:
                self._on_read(n)
        return n


#: Bytes per read when hashing the rest of a file that a reader did not read to its end.
_DRAIN = 1 << 20


@contextmanager
def _unzipped(stream: io.BufferedReader[Any], source: str) -> Iterator[BinaryIO]:
    """``stream``, gunzipped when it is gzip data (corrupt gzip data is an :class:`InputError`)."""
    if stream.peek(2)[:2] == _GZIP_MAGIC:
        with gunzip(cast(BinaryIO, stream), source=source) as unzipped:
            yield cast(BinaryIO, unzipped)
    else:
        yield cast(BinaryIO, stream)


@contextmanager
def open_source(
    path: Path,
    on_read: Callable[[int], None] | None = None,
    *,
    on_sha256: Callable[[str], None] | None = None,
) -> Iterator[BinaryIO]:
    """Open ``path`` for a reader: buffered, gunzipped when gzip, streaming (never read whole).

    ``on_read(n)`` is called with the number of *file* bytes consumed, for a progress bar.
    ``on_sha256(hex)`` is called, when the reader is done without an error, with the SHA-256 of
    the file's bytes as stored (compressed, for a gzip file), computed from the very bytes the
    reader consumed (what it left unread is hashed then): the file is read once.
    """
    _check_readable(path)
    if on_read is None and on_sha256 is None:
        with io.BufferedReader(_open(path)) as plain, _unzipped(plain, str(path)) as stream:
            yield stream
        return
    digest = hashlib.sha256() if on_sha256 is not None else None
    with _open(path) as raw:
        with _unzipped(io.BufferedReader(_Tap(raw, on_read, digest), 1 << 16), str(path)) as stream:
            yield stream
        if digest is not None and on_sha256 is not None:
            rest = bytearray(_DRAIN)
            while n := raw.readinto(rest) or 0:
                digest.update(memoryview(rest)[:n])
            on_sha256(digest.hexdigest())
