"""Repository functions: the only code that reads or writes the store's tables.

Each takes a :class:`sqlalchemy.orm.Session` (one unit of work, see
:func:`evidencehub.store.session.transaction`) and takes and returns the domain objects of
:mod:`evidencehub.model`, never ORM rows. Upserts are idempotent: the same input twice leaves
the store identical and reports :attr:`UpsertOutcome.UNCHANGED`.

Modules: :mod:`.records`, :mod:`.trials`, :mod:`.studies`, :mod:`.analyses`, :mod:`.pages`,
:mod:`.imports` (import events), :mod:`.duplicates` (candidate pairs, decisions, merging).
"""

from evidencehub.store.repo._common import UpsertOutcome

__all__ = ["UpsertOutcome"]
