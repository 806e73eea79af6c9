"""Every error and warning the hub raises on purpose.

::

    EvidenceHubError                 base of all deliberate failures; the CLI prints it, exit 1
     +-- InputError(ValueError)      bad data: names the source, the place and what was expected
     +-- ConfigError                 bad settings (database URL, missing option)
     +-- StoreError                  the store refused a unit of work (integrity, migration)
     |    +-- EditConflict           an edit based on an older version; nothing written
     +-- NotFoundError(LookupError)  an id or slug that is not in the store
     +-- Interrupted                 Ctrl-C during a unit of work, which was rolled back; exit 130
    StatsWarning(UserWarning)        an edge case handled on principle (k = 1, tau2 truncated at 0,
                                     no convergence); recorded on the result as well

Real bugs are not wrapped: they still crash with a traceback.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "EditConflict",
    "EvidenceHubError",
    "InputError",
    "Interrupted",
    "NotFoundError",
    "StatsWarning",
    "StoreError",
]


class EvidenceHubError(Exception):
    """Base class of every error the hub raises on purpose."""


class InputError(EvidenceHubError, ValueError):
    """Bad input data, with where it came from and what was wrong.

    The message reads ``"<source>, <where>: <problem>"``, for example
    ``"trials.csv, row 14, column 'sd1i': expected a positive number, got '-3'"``.
    """

    def __init__(self, problem: str, *, source: str | None = None, where: str | None = None) -> None:
        self.problem = problem
        self.source = source
        self.where = where
        prefix = ", ".join(part for part in (source, where) if part)
        super().__init__(f"{prefix}: {problem}" if prefix else problem)


class ConfigError(EvidenceHubError):
    """A setting is missing or malformed (database URL, option combination)."""


class StoreError(EvidenceHubError):
    """The store refused a unit of work; nothing from it was written."""


class EditConflict(StoreError):
    """An edit was based on an older version of what it changes; nothing was written."""


class NotFoundError(EvidenceHubError, LookupError):
    """An identifier or slug that is not in the store."""


class Interrupted(EvidenceHubError):
    """The user interrupted a unit of work (Ctrl-C); it was rolled back. The CLI exits with 130."""

    exit_code = 130


class StatsWarning(UserWarning):
    """An edge case handled on a documented principle (k = 1, tau2 truncated, no convergence)."""
