"""Data extraction, the pure part: the form, typed entries, the discrepancy report, consensus and
conversions (no SQL; :mod:`evidencehub.review.extraction_service` reads and writes the store).

The form
    A review's form is a list of :class:`~evidencehub.model.ExtractionField`: study
    characteristics (level ``study``: design, country, setting, population, number randomised,
    intervention, comparator, follow-up, funding) and the numbers of an arm's result for an
    outcome at a time point (level ``arm``: the numbers of
    :data:`~evidencehub.model.OUTCOME_NUMBERS`, ``value_kind``, and the inputs conversions
    read). :data:`DEFAULT_FORM` is every review's form until fields are added.

Entries
    :func:`parse_value` checks a value against its field (a number, a whole number, one of the
    choices) and keeps the text as entered; :func:`same_value` compares two entries as the
    field reads them: numbers as numbers (``12`` and ``12.0`` agree), text with case and runs
    of whitespace ignored, choices exactly.

The discrepancy report
    :func:`compare` puts each item (a study's field, or an arm's number for an outcome at a
    time point) side by side for the reviewers who extracted the study, each reviewer's newest
    entry holding: ``agree``, ``differ``, or ``incomplete`` (some entered it, others did not;
    with two extractors, only one did).

Consensus
    :func:`settle` takes agreed items as they are and needs a value for every other one (a
    resolver's ``take``, or one reviewer's entries with ``from_reviewer``); :func:`convert`
    applies conversions on request (:mod:`evidencehub.stats.derive`), each derived number kept
    with its method and inputs; :func:`outcome_rows` turns an arm's agreed numbers into the
    :class:`~evidencehub.model.OutcomeData` that analyses pool.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from evidencehub.errors import InputError
from evidencehub.model import (
    OUTCOME_NUMBERS,
    Derivation,
    ExtractedValue,
    ExtractionField,
    OutcomeData,
    ValueDerivation,
    ValueKind,
)
from evidencehub.vocab import ExtractionBasis, ExtractionLevel, FieldKind, StudyDesign

__all__ = [
    "CONVERSION_INPUTS",
    "DEFAULT_FORM",
    "Agreed",
    "Entry",
    "Item",
    "ItemComparison",
    "ItemStatus",
    "Settled",
    "compare",
    "convert",
    "field_of",
    "latest_entries",
    "outcome_rows",
    "parse_value",
    "same_value",
    "settle",
]

#: An item: (study key, outcome, arm, time point, field); outcome, arm and time point are None
#: for a study characteristic.
Item = tuple[str, str | None, str | None, str | None, str]


def _field(
    key: str,
    label: str,
    level: ExtractionLevel,
    kind: FieldKind,
    choices: Iterable[str] = (),
    unit: str | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "level": level,
        "kind": kind,
        "choices": tuple(choices),
        "unit": unit,
    }


_STUDY, _ARM = ExtractionLevel.STUDY, ExtractionLevel.ARM
_TEXT, _NUMBER, _INTEGER = FieldKind.TEXT, FieldKind.NUMBER, FieldKind.INTEGER
_NUMBER_LABELS = {
    "n": "Participants analysed", "mean": "Mean", "sd": "Standard deviation",
    "events": "Participants with the event", "total": "Participants in the arm (events of)",
    "median": "Median", "q1": "First quartile", "q3": "Third quartile",
    "minimum": "Minimum", "maximum": "Maximum", "se": "Standard error of the mean",
    "ci_lb": "Lower bound of the 95% CI of the mean", "ci_ub": "Upper bound of the 95% CI of the mean",
}  # fmt: skip

#: Arm-level inputs of conversions that are not numbers of an outcome-data row (Cochrane
#: Handbook v6.4 §6.5.2.3 and §6.5.2.8): the difference statistics are those of the
#: outcome's two arms at that time point, entered on either arm.
CONVERSION_INPUTS = ("sd_baseline", "sd_final", "corr", "mean_difference", "p", "t")

_DEFAULT_SPECS = [
    _field("design", "Study design", _STUDY, FieldKind.CHOICE, (d.value for d in StudyDesign)),
    _field("country", "Country or countries", _STUDY, _TEXT),
    _field("setting", "Setting (centres, care level)", _STUDY, _TEXT),
    _field("population", "Population (inclusion criteria, diabetes type)", _STUDY, _TEXT),
    _field("n_randomised", "Participants randomised or enrolled", _STUDY, _INTEGER),
    _field("intervention", "Intervention", _STUDY, _TEXT),
    _field("comparator", "Comparator", _STUDY, _TEXT),
    _field("follow_up", "Length of follow-up", _STUDY, _TEXT),
    _field("funding", "Funding and conflicts of interest", _STUDY, _TEXT),
    _field(
        "value_kind",
        "Value at follow-up (final) or change from baseline",
        _ARM,
        FieldKind.CHOICE,
        (k.value for k in ValueKind),
    ),
    *(
        _field(
            name,
            _NUMBER_LABELS[name],
            _ARM,
            _INTEGER if name in ("n", "events", "total") else _NUMBER,
        )
        for name in OUTCOME_NUMBERS
    ),
    _field("sd_baseline", "SD at baseline (for the SD of a change)", _ARM, _NUMBER),
    _field("sd_final", "SD at follow-up (for the SD of a change)", _ARM, _NUMBER),
    _field("corr", "Correlation of baseline and follow-up", _ARM, _NUMBER),
    _field("mean_difference", "Mean difference between the two arms", _ARM, _NUMBER),
    _field("p", "Two-sided P value of the difference between the two arms", _ARM, _NUMBER),
    _field("t", "t statistic of the difference between the two arms", _ARM, _NUMBER),
]

#: The form of a review that has added no fields.
DEFAULT_FORM: tuple[ExtractionField, ...] = tuple(
    ExtractionField(**spec, position=i) for i, spec in enumerate(_DEFAULT_SPECS)
)


def field_of(form: Sequence[ExtractionField], key: str) -> ExtractionField:
    """The form's field ``key``; an :class:`InputError` listing the keys if it has none."""
    for item in form:
        if item.key == key:
            return item
    keys = ", ".join(f.key for f in form)
    raise InputError(f"unknown field {key!r}; the form's fields are {keys}")


# --------------------------------------------------------------------------- entries


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_value(item: ExtractionField, raw: str | None) -> str | None:
    """``raw`` checked against the field and stripped (``None`` or empty clears the entry).

    A number field takes a finite number, an integer field a whole number, a choice field one
    of its choices (any case; the choice is kept as the form spells it).
    """
    text = (raw or "").strip()
    if not text:
        return None
    if item.kind in (FieldKind.NUMBER, FieldKind.INTEGER):
        value = _number(text)
        if value is None:
            raise InputError(f"field {item.key!r}: expected a number, got {text!r}")
        if item.kind is FieldKind.INTEGER and not value.is_integer():
            raise InputError(f"field {item.key!r}: expected a whole number, got {text!r}")
        return text
    if item.kind is FieldKind.CHOICE:
        for choice in item.choices:
            if choice.casefold() == text.casefold():
                return choice
        raise InputError(
            f"field {item.key!r}: expected one of {', '.join(item.choices)}, got {text!r}"
        )
    return text


def _canonical(item: ExtractionField, text: str) -> float | str:
    if item.kind in (FieldKind.NUMBER, FieldKind.INTEGER):
        value = _number(text)
        if value is not None:
            return value
    if item.kind is FieldKind.TEXT:
        return re.sub(r"\s+", " ", text).strip().casefold()
    return text


def same_value(item: ExtractionField, a: str | None, b: str | None) -> bool:
    """Whether two entries say the same as the field reads them (module docstring)."""
    if a is None or b is None:
        return a is b
    return _canonical(item, a) == _canonical(item, b)


@dataclass(frozen=True, slots=True)
class Entry:
    """A value as a reviewer gives it (``extract set``, a row of a sheet), before it is
    checked: the study, the field, the text, the arm's outcome, label and time point (arm-level
    fields), where it was found, how it was derived, and ``where`` the request came from
    (``"sheet.csv, row 4"``) for error messages."""

    study: str
    field: str
    value: str | None
    outcome: str | None = None
    arm: str | None = None
    timepoint: str | None = None
    locator: str | None = None
    derivation: Derivation | None = None
    where: str | None = None


def latest_entries(values: Iterable[ExtractedValue]) -> dict[tuple[str, Item], ExtractedValue]:
    """Each reviewer's newest entry per item (their own entries and sheets they imported;
    consensus values are not a reviewer's), by (reviewer, item), in the order given."""
    out: dict[tuple[str, Item], ExtractedValue] = {}
    for value in values:
        if value.basis is not ExtractionBasis.CONSENSUS:
            out[(value.actor, value.item)] = value
    return out


# --------------------------------------------------------------------------- discrepancy report


class ItemStatus(StrEnum):
    """How the extractors' entries of an item stand."""

    AGREE = "agree"
    DIFFER = "differ"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True, slots=True)
class ItemComparison:
    """One item side by side: each extractor's newest entry (None: not entered) and locator."""

    item: Item
    level: ExtractionLevel
    status: ItemStatus
    values: dict[str, str | None]
    locators: dict[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``extract compare``."""
        study, outcome, arm, timepoint, key = self.item
        return {
            "study": study,
            "level": self.level.value,
            "outcome": outcome,
            "arm": arm,
            "timepoint": timepoint,
            "field": key,
            "status": self.status.value,
            "values": dict(self.values),
            "locators": dict(self.locators),
        }


def _item_order(form: Sequence[ExtractionField]) -> Any:
    position = {f.key: f.position for f in form}

    def key(item: Item) -> tuple[Any, ...]:
        study, outcome, arm, timepoint, name = item
        return (
            study,
            outcome is not None,
            outcome or "",
            timepoint or "",
            arm or "",
            position.get(name, len(position)),
            name,
        )

    return key


def compare(
    form: Sequence[ExtractionField], values: Iterable[ExtractedValue]
) -> list[ItemComparison]:
    """The discrepancy report (module docstring) of ``values`` (every stored value of the
    studies to compare, oldest first), item by item in form order.

    The extractors of a study are the reviewers with an entry on it; an item every extractor
    left empty (or cleared) is not listed.
    """
    entries = latest_entries(values)
    extractors: dict[str, set[str]] = defaultdict(set)
    by_item: dict[Item, dict[str, ExtractedValue]] = defaultdict(dict)
    for (reviewer, item), value in entries.items():
        extractors[item[0]].add(reviewer)
        by_item[item][reviewer] = value
    keyed = {f.key: f for f in form}
    out = []
    for item in sorted(by_item, key=_item_order(form)):
        spec = keyed.get(item[4])
        if spec is None:
            continue
        people = sorted(extractors[item[0]])
        given = {r: by_item[item][r].value if r in by_item[item] else None for r in people}
        entered = [v for v in given.values() if v is not None]
        if not entered:
            continue
        if any(not same_value(spec, entered[0], v) for v in entered[1:]):
            status = ItemStatus.DIFFER
        elif len(entered) < len(people):
            status = ItemStatus.INCOMPLETE
        else:
            status = ItemStatus.AGREE
        locators = {r: by_item[item][r].locator if r in by_item[item] else None for r in people}
        out.append(ItemComparison(item, spec.level, status, given, locators))
    return out


# --------------------------------------------------------------------------- consensus


@dataclass(frozen=True, slots=True)
class Agreed:
    """An item's consensus value: the text, where it was found, how it was derived."""

    value: str
    locator: str | None = None
    derivation: Derivation | None = None


@dataclass(frozen=True, slots=True)
class Settled:
    """What :func:`settle` decided: the consensus value of every settled item, and the items
    that still need one (differing or incomplete, with no value given)."""

    values: dict[Item, Agreed]
    unresolved: list[ItemComparison] = field(default_factory=list)


def _locator_of(comparison: ItemComparison, spec: ExtractionField, value: str) -> str | None:
    found = [
        comparison.locators[r]
        for r, v in comparison.values.items()
        if v is not None and same_value(spec, v, value) and comparison.locators[r]
    ]
    return "; ".join(dict.fromkeys(x for x in found if x)) or None


def settle(
    form: Sequence[ExtractionField],
    comparisons: Sequence[ItemComparison],
    *,
    take: Mapping[Item, str] | None = None,
    from_reviewer: str | None = None,
) -> Settled:
    """Consensus values of ``comparisons``: an agreed item takes the agreed value (the first
    extractor's text, with the locators that gave it); any other item takes ``take[item]`` or
    ``from_reviewer``'s entry, else stays unresolved. ``take`` may also give items nobody
    entered, and overrides agreed ones (values already checked by :func:`parse_value`)."""
    keyed = {f.key: f for f in form}
    chosen = dict(take or {})
    values: dict[Item, Agreed] = {}
    unresolved = []
    for comparison in comparisons:
        spec = keyed[comparison.item[4]]
        if comparison.item in chosen:
            text = chosen.pop(comparison.item)
        elif comparison.status is ItemStatus.AGREE:
            text = next(v for v in comparison.values.values() if v is not None)
        elif from_reviewer is not None and comparison.values.get(from_reviewer) is not None:
            text = comparison.values[from_reviewer] or ""
        else:
            unresolved.append(comparison)
            continue
        values[comparison.item] = Agreed(text, _locator_of(comparison, spec, text))
    for item, text in chosen.items():
        values[item] = Agreed(text)
    return Settled(values, unresolved)


# --------------------------------------------------------------------------- conversions

_TWO_ARM = frozenset({ValueDerivation.SD_FROM_P, ValueDerivation.SD_FROM_T})
_Arm = tuple[str, str | None, str]  # (outcome, time point, arm)


def _arms(values: Mapping[Item, Agreed]) -> dict[_Arm, dict[str, Agreed]]:
    arms: dict[_Arm, dict[str, Agreed]] = defaultdict(dict)
    for (_study, outcome, arm, timepoint, key), agreed in values.items():
        if outcome is not None and arm is not None:
            arms[(outcome, timepoint, arm)][key] = agreed
    return arms


def _reported(numbers: Mapping[str, Agreed]) -> dict[str, float]:
    """The numbers an arm reports (derived ones left out)."""
    out = {}
    for key, agreed in numbers.items():
        if agreed.derivation is None and (value := _number(agreed.value)) is not None:
            out[key] = value
    return out


def _difference(
    study: str,
    outcome: str,
    timepoint: str | None,
    arms: Sequence[Mapping[str, float]],
    needs: Sequence[str],
) -> dict[str, float]:
    found: dict[str, float] = {}
    for name in needs:
        given = {arm[name] for arm in arms if name in arm}
        if len(given) > 1:
            raise InputError(
                f"study {study!r}, outcome {outcome!r}: the two arms give "
                f"different {name!r} values for their difference"
            )
        if given:
            found[name] = given.pop()
    return found


def convert(
    study: str, values: Mapping[Item, Agreed], methods: Sequence[ValueDerivation]
) -> dict[Item, Agreed]:
    """The numbers ``methods`` derive from a study's consensus ``values``, as consensus values
    carrying their derivation (method, inputs, note).

    A conversion applies to each arm that reports its inputs and none of the numbers it
    produces (a reported SD is never replaced; a number derived before is derived again).
    ``sd-from-p`` and ``sd-from-t`` apply to an outcome and time point with exactly two arms,
    reading ``mean_difference`` and ``p`` (or ``t``) from either arm and both arms' ``n``,
    and give both arms the same SD (Cochrane Handbook v6.4 §6.5.2.3). A conversion that
    applies to no arm is an :class:`InputError` saying what it needs.
    """
    from evidencehub.stats.derive import CONVERSIONS, derive  # numpy and scipy: on use only

    arms = _arms(values)
    derived: dict[Item, Agreed] = {}
    for method in methods:
        conversion = CONVERSIONS.get(method)
        if conversion is None:
            known = ", ".join(m.value for m in CONVERSIONS)
            raise InputError(
                f"--convert: {method.value!r} is not a conversion; choose one of {known}"
            )
        applied = 0
        if method in _TWO_ARM:
            groups: dict[tuple[str, str | None], list[str]] = defaultdict(list)
            for outcome, timepoint, arm in arms:
                groups[(outcome, timepoint)].append(arm)
            for (outcome, timepoint), labels in groups.items():
                reported = [_reported(arms[(outcome, timepoint, a)]) for a in labels]
                if len(labels) != 2 or any("sd" in r or "n" not in r for r in reported):
                    continue
                inputs = _difference(study, outcome, timepoint, reported, conversion.inputs[:2])
                inputs.update(n1=reported[0]["n"], n2=reported[1]["n"])
                if len(inputs) < len(conversion.inputs):
                    continue
                result = derive(method, inputs)
                for label in labels:
                    derived[(study, outcome, label, timepoint, "sd")] = Agreed(
                        repr(result.values["sd"]), derivation=result.derivation
                    )
                applied += 1
        else:
            for (outcome, timepoint, label), numbers in arms.items():
                given = _reported(numbers)
                if any(f in given for f in conversion.fields) or not all(
                    name in given for name in conversion.inputs
                ):
                    continue
                result = derive(method, given)
                for name, number in result.values.items():
                    derived[(study, outcome, label, timepoint, name)] = Agreed(
                        repr(number), derivation=result.derivation
                    )
                applied += 1
        if not applied:
            needs = " and ".join(n for n in conversion.inputs if n not in ("n1", "n2"))
            what = (
                f"no outcome with two arms that report n and no SD, and {needs} on either arm"
                if method in _TWO_ARM
                else f"no arm that reports {needs} without a reported "
                + " and ".join(conversion.fields)
            )
            raise InputError(f"--convert {method.value}: study {study!r} has {what}")
    return derived


# --------------------------------------------------------------------------- outcome data

_ROW_FIELDS = frozenset({*OUTCOME_NUMBERS, "value_kind", *CONVERSION_INPUTS})
_WHOLE = frozenset({"n", "events", "total"})


def outcome_rows(
    study: str, values: Mapping[Item, Agreed], source: str | None
) -> tuple[dict[_Arm, OutcomeData], dict[_Arm, str]]:
    """The outcome-data row of each arm of the study's consensus ``values`` (numbers of
    :data:`OUTCOME_NUMBERS`, ``value_kind``; other arm-level fields become attributes),
    citing ``source`` with the arm's locators joined and its numbers' derivations; and, for arms
    whose numbers do not make a result, why not."""
    rows: dict[_Arm, OutcomeData] = {}
    problems: dict[_Arm, str] = {}
    for (outcome, timepoint, arm), given in sorted(
        _arms(values).items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])
    ):
        numbers = dict(sorted(given.items()))  # the same row whatever order values came in
        data: dict[str, Any] = {}
        for name in OUTCOME_NUMBERS:
            number = _number(numbers[name].value) if name in numbers else None
            if number is not None:
                data[name] = int(number) if name in _WHOLE else number
        kind = numbers.get("value_kind")
        derivations: list[Derivation] = []
        for agreed in numbers.values():
            if agreed.derivation is not None and agreed.derivation not in derivations:
                derivations.append(agreed.derivation)
        locators = dict.fromkeys(a.locator for a in numbers.values() if a.locator)
        attributes = {k: a.value for k, a in numbers.items() if k not in _ROW_FIELDS}
        try:
            rows[(outcome, timepoint, arm)] = OutcomeData.model_validate(
                {
                    "study_key": study,
                    "outcome": outcome,
                    "arm": arm,
                    "timepoint": timepoint,
                    "value_kind": kind.value if kind else ValueKind.FINAL,
                    **data,
                    "derivations": derivations,
                    "attributes": attributes,
                    "source": source,
                    "locator": "; ".join(x for x in locators if x) or None,
                }
            )
        except ValidationError as err:
            problems[(outcome, timepoint, arm)] = "; ".join(
                str(e["msg"]).removeprefix("Value error, ") for e in err.errors()
            )
    return rows, problems
