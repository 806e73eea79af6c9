"""People's decisions on possible duplicates, and a rescan of the whole store for them.

An import keeps apart the records it is unsure about and stores each pair
(:func:`~evidencehub.store.repo.duplicates.add_candidates`); ``evidencehub duplicates`` lists
the pairs still pending, and a person decides each with :func:`decide`:

* ``different`` — both records stay; the pair is never proposed again, by this store's
  listing or by a later import or rescan.
* ``same`` — the two records become one, in one transaction. The record kept is the one with
  more identifiers (DOI, PMID, PMCID), then the one with more fields, then the first one named.
  The other's fields are merged into it with the import's rules
  (:func:`~evidencehub.ingest.dedup.merge_into`): each field goes to the most trusted source
  that has it, comparing the source of each of the other's fields with the source of the kept
  one's, ties to the kept record; registry ids and links are united. The other record's data
  and history stay in the kept record's history, and everything that referred to it (studies,
  imports, trial links, outcome data, other pairs) refers to the kept record
  (:func:`~evidencehub.store.repo.duplicates.merge_records`). Two records whose DOIs, PMIDs or
  PMCIDs differ cannot be one record and are refused.

:func:`rescan` runs the import's comparison over every stored record once and stores the pairs
it finds (for stores imported before pairs were stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from evidencehub.errors import InputError
from evidencehub.ingest.dedup import DEFAULT_THRESHOLDS, Thresholds, candidate_pairs, merge_into
from evidencehub.model import Actor, DuplicateVerdict, Record
from evidencehub.store.repo.duplicates import add_candidates, add_decision, merge_records
from evidencehub.store.repo.records import list_records, records_with_provenance
from evidencehub.store.session import transaction

__all__ = ["Decided", "decide", "merged_version", "rescan"]

_IDENTIFIERS = {"doi": "DOIs", "pmid": "PMIDs", "pmcid": "PMCIDs"}


@dataclass(frozen=True, slots=True)
class Decided:
    """What :func:`decide` did: the two records' keys as they were, the verdict, and for
    ``same`` the key of the one record they became (``kept``)."""

    keys: tuple[str, str]
    verdict: DuplicateVerdict
    kept: str | None


def _weight(record: Record) -> tuple[int, int]:
    """How much a record knows: its identifiers, then the fields it gives (not at the default)."""
    given = sum(
        getattr(record, name) not in (None, "", (), info.default)
        for name, info in Record.model_fields.items()
    )
    return sum(bool(getattr(record, name)) for name in _IDENTIFIERS), given


def merged_version(
    kept: Record, kept_sources: Mapping[str, str], other: Record, other_sources: Mapping[str, str]
) -> tuple[Record, dict[str, str]]:
    """``other`` merged into ``kept`` with source priority, field by field (module docstring).

    ``kept_sources`` and ``other_sources`` name the source of each field of the two records
    (:func:`~evidencehub.store.repo.records.record_provenance`). Returns the merged record and,
    for each field whose value changed, the source of its new value.
    """
    fields_by_source: dict[str, list[str]] = {}
    for name, source in other_sources.items():
        fields_by_source.setdefault(source, []).append(name)
    merged, sources, changed = kept, dict(kept_sources), {}
    for source, names in fields_by_source.items():
        part = merged.model_copy(update={name: getattr(other, name) for name in names})
        result, _ = merge_into(merged, sources, part, source, incoming_wins_ties=False)
        for name in type(kept).model_fields:
            if getattr(result, name) != getattr(merged, name):
                sources[name] = changed[name] = source
        merged = result
    return merged, changed


def _refuse_conflicting_ids(a: Record, b: Record, keys: tuple[str, str]) -> None:
    for name, label in _IDENTIFIERS.items():
        left, right = getattr(a, name), getattr(b, name)
        if left and right and left != right:
            raise InputError(
                f"{keys[0]} and {keys[1]} have different {label} ({left}, {right}); one record "
                "cannot hold both, so they cannot be merged"
            )


def decide(
    engine: Engine,
    a: str,
    b: str,
    verdict: DuplicateVerdict | str,
    *,
    actor: Actor,
    note: str | None = None,
) -> Decided:
    """Record ``actor``'s decision that the records ``a`` and ``b`` (keys such as ``doi:…``,
    ``pmid:…``, ``title:…``) are the ``same`` work or ``different`` works; ``same`` merges
    them (module docstring). One transaction; an unknown key, two keys of one record or
    conflicting identifiers are refused and change nothing.
    """
    try:
        verdict = DuplicateVerdict(verdict)
    except ValueError:
        raise InputError(f"a decision is 'same' or 'different', not {verdict!r}") from None
    with transaction(engine) as session:
        add_decision(session, a, b, verdict, actor, note=note)
        stored = records_with_provenance(session, [a, b])
        (record_a, sources_a), (record_b, sources_b) = stored[a], stored[b]
        keys = (record_a.key, record_b.key)
        if verdict is DuplicateVerdict.DIFFERENT:
            return Decided(keys, verdict, None)
        _refuse_conflicting_ids(record_a, record_b, keys)
        if _weight(record_b) > _weight(record_a):
            record_a, sources_a, record_b, sources_b = record_b, sources_b, record_a, sources_a
        merged, changed = merged_version(record_a, sources_a, record_b, sources_b)
        merge_records(session, record_a.key, record_b.key, merged, changed)
        return Decided(keys, verdict, merged.key)


def rescan(engine: Engine, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> int:
    """Compare every stored record with the import's rules and store the pairs that may be
    one work (:func:`~evidencehub.ingest.dedup.candidate_pairs`); return how many were new.

    Pairs already stored or decided are left as they are.
    """
    with transaction(engine) as session:
        records = list_records(session)
        pairs = candidate_pairs(((record.key, record) for record in records), thresholds)
        return add_candidates(
            session,
            [(a, b, match.reason, match.score) for a, b, match in pairs],
            import_id=None,
        )
