"""Shared loading of the JSON sources (Crossref, OpenAlex, ClinicalTrials.gov).

The three APIs answer with one JSON document per response, and their bulk files are a JSON
array or an envelope of at most a few thousand works, so the document is parsed whole with the
standard library; what is streamed is the conversion, one item at a time. Every way a source can
be unreadable (empty, binary, not UTF-8, truncated, not JSON, wrong shape) becomes an
:class:`~evidencehub.errors.InputError` naming the source and, for JSON syntax errors, the line
and column.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from evidencehub.errors import InputError
from evidencehub.ingest.base import Item, Parsed, Rejected
from evidencehub.model import Record, Trial, validate

__all__ = ["convert_items", "load_json", "looks_like_json", "unwrap_items"]


def load_json(stream: BinaryIO, *, source: str, what: str) -> Any:
    """Parse the whole of ``stream`` as JSON; ``what`` names the expected content in messages."""
    data = stream.read()
    if not data.strip():
        raise InputError(f"empty file, expected {what}", source=source)
    if b"\x00" in data[:4096]:
        raise InputError(f"binary data (NUL bytes), expected {what}", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}), expected {what}",
            source=source,
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON ({exc.msg}), expected {what}",
            source=source,
            where=f"line {exc.lineno}, column {exc.colno}",
        ) from exc
    except RecursionError as exc:  # the decoder recurses once per level of nesting
        raise InputError(
            f"JSON nested too deeply (more than about {sys.getrecursionlimit():,} levels of arrays "
            f"and objects), expected {what}",
            source=source,
        ) from exc
    except ValueError as exc:  # int(): a number with more digits than Python converts
        reason = str(exc).split(";")[0]  # drop the advice to call sys.set_int_max_str_digits()
        raise InputError(f"not valid JSON ({reason}), expected {what}", source=source) from exc


def looks_like_json(head: bytes) -> str | None:
    """Return ``head`` decoded and stripped when it starts like a JSON object or array."""
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    return text if text[:1] in ("{", "[") else None


def unwrap_items(
    data: Any,
    *,
    source: str,
    what: str,
    envelope_keys: tuple[str, ...],
    is_item: Any,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(position, item)`` from a single item, a list of items, or an envelope.

    ``envelope_keys`` are the keys under which an envelope holds its list (``items``,
    ``results``, ``studies``); ``is_item(obj)`` tells an item from anything else. Positions
    count from 1. Raises :class:`InputError` when ``data`` has none of these shapes.
    """
    if isinstance(data, list):
        yield from enumerate(data, start=1)
        return
    if isinstance(data, Mapping):
        for key in envelope_keys:
            if isinstance(data.get(key), list):
                yield from enumerate(data[key], start=1)
                return
        if is_item(data):
            yield 1, data
            return
    if isinstance(data, Mapping):
        shape = "an object with keys " + ", ".join(sorted(map(str, data))[:8])
    else:
        shape = f"a JSON {type(data).__name__}"
    raise InputError(f"expected {what}, got {shape}", source=source)


def convert_items(
    items: Iterable[tuple[int, Any]],
    *,
    source: str,
    model: type[Record] | type[Trial],
    to_fields: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    item_id: Callable[[Mapping[str, Any]], str | None],
    unit: str = "item",
    noun: str = "work",
    wrong_type: tuple[type[Exception], ...] = (TypeError, ValueError, AttributeError, OverflowError),
) -> Iterator[Item]:
    """Turn each ``(position, item)`` into a :class:`Parsed` ``model`` or a :class:`Rejected`.

    ``to_fields(item)`` maps the JSON object to the model's fields (None values are dropped);
    the place is ``"<unit> <position> (<item_id(item)>)"`` (without the id when ``item_id``
    finds none or meets a value of the wrong type). A non-object item, a validation failure, or
    one of ``wrong_type`` raised while mapping (a value of the wrong JSON type, or a number out
    of range: ``OverflowError`` from ``int(1e999)`` or a date past year 9999) rejects that item
    only.
    """
    for position, item in items:
        if not isinstance(item, Mapping):
            yield Rejected(source, f"{unit} {position}",
                           f"expected a {noun} object, got a JSON {type(item).__name__}")
            continue
        try:
            ident = item_id(item)
        except wrong_type:
            ident = None
        where = f"{unit} {position} ({ident})" if ident else f"{unit} {position}"
        try:
            fields = {k: v for k, v in to_fields(item).items() if v is not None}
            parsed = validate(model, fields, source=source, where=where)
        except InputError as exc:
            yield Rejected(source, where, exc.problem)
            continue
        except wrong_type as exc:
            yield Rejected(source, where, f"unexpected value in the {noun}: {exc}")
            continue
        yield Parsed(parsed, source, where)
