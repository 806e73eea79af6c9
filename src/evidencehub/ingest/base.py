"""What every reader yields, and the shape of a reader.

A reader turns one source (a file, or an HTTP response body) into a stream of items. A record
that cannot be read does not stop the stream: the reader yields a :class:`Rejected` naming where
it was and what was wrong, and the import decides whether that aborts the whole transaction
(the default) or is reported and skipped (``--skip-bad``). A source that cannot be read at all
(not XML, truncated, wrong encoding) raises :class:`~evidencehub.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, ClassVar, Protocol

from evidencehub.model import Record, Trial

__all__ = ["Item", "Parsed", "Reader", "Rejected"]


@dataclass(frozen=True, slots=True)
class Parsed:
    """One record or trial read from ``source`` at ``where`` (``"record 3"``, ``"line 120"``)."""

    item: Record | Trial
    source: str
    where: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be read: where it was and what was wrong."""

    source: str
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.source}, {self.where}: {self.problem}"


Item = Parsed | Rejected


class Reader(Protocol):
    """A format reader. ``name`` is the ``--format`` value; ``sniff`` looks at the first bytes."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    def sniff(self, head: bytes) -> bool:
        """Return True when ``head`` (the first few KiB, decompressed) looks like this format."""
        ...

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        """Yield every item of ``stream``; ``source`` names it in messages (usually the path)."""
        ...

