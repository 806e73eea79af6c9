"""Screening decisions in Rayyan's exports (CSV and RIS).

Rayyan writes its records with its own exporters (``rayyan-formats-core``, CSV columns ``key,
title, year, month, day, journal, issn, volume, issue, pages, authors, url, language, publisher,
location, abstract, notes, pubmed_id, pmc_id`` — exports since 2024 add ``doi`` and
``keywords``; RIS with the key in ``AN``) and puts everything its users did in the record's
notes (the CSV ``notes`` column, RIS ``N1``), after any notes the record had when imported, as
``|``-separated parts (Rayyan help centre, "Understanding your Rayyan export files")::

    RAYYAN-INCLUSION: {"Zbys"=>"Excluded", "m.el-gohary"=>"Included"} | RAYYAN-LABELS: need
    to see full text | RAYYAN-EXCLUSION-REASONS: wrong population,background article |
    USER-NOTES: {"Zbys"=>["check the dose"]}

* ``RAYYAN-INCLUSION``: each member's decision, ``Included``, ``Excluded`` or ``Maybe``, as a
  Ruby hash literal (``{"name"=>"value", …}``; Ruby 3.4 writes ``"name" => "value"``, also read);
  a record nobody decided on has no such part;
* ``RAYYAN-LABELS`` and ``RAYYAN-EXCLUSION-REASONS``: comma-separated (so a label or reason never
  holds a comma), for the record as a whole — Rayyan does not say which member gave a reason, so
  the reasons go with every member who excluded the record;
* ``USER-NOTES``: each member's notes, a Ruby hash of lists of strings.

The file does not say which stage it comes from (screening and full-text screening exports
look alike): the caller says, title and abstract by default. Each member's decision becomes
one :class:`~evidencehub.review.external.ExternalDecision` under the member's Rayyan name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from evidencehub.ingest.base import Item
from evidencehub.review._sources import Collector, cell, csv_rows, is_ris, ris_records
from evidencehub.review.external import ExternalDecision, ExternalImport, ExternalTool
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = ["RAYYAN_LABELS", "RayyanNotes", "parse_rayyan_notes", "read_rayyan"]

#: Rayyan's words for a member's decision.
RAYYAN_LABELS = {
    "Included": ScreeningLabel.INCLUDE,
    "Excluded": ScreeningLabel.EXCLUDE,
    "Maybe": ScreeningLabel.MAYBE,
}
_PART = re.compile(r"(RAYYAN-INCLUSION|RAYYAN-LABELS|RAYYAN-EXCLUSION-REASONS|USER-NOTES):[ \t]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "e": "\x1b", "s": " ", "0": "\0"}


@dataclass(frozen=True, slots=True)
class RayyanNotes:
    """The Rayyan parts of one record's notes.

    Attributes
    ----------
    inclusion : dict of str to str
        Each member's decision as Rayyan writes it (``{"Zbys": "Excluded"}``).
    labels : tuple of str
        The record's labels.
    reasons : tuple of str
        The record's exclusion reasons.
    user_notes : dict of str to tuple of str
        Each member's notes.
    """

    inclusion: dict[str, str]
    labels: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    user_notes: dict[str, tuple[str, ...]] | None = None


class _RubyLiteral:
    """A reader of the Ruby hash literals Rayyan writes (``Hash#inspect``): string keys,
    values that are strings or lists of strings."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def fail(self, expected: str) -> ValueError:
        got = self.text[self.at:self.at + 20] or "the end"
        return ValueError(f"expected {expected} at character {self.at + 1}, got {got!r}")

    def skip(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t\r\n":
            self.at += 1

    def take(self, token: str) -> bool:
        self.skip()
        if self.text.startswith(token, self.at):
            self.at += len(token)
            return True
        return False

    def string(self) -> str:
        if not self.take('"'):
            raise self.fail("a quoted string")
        out: list[str] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            self.at += 1
            if char == '"':
                return "".join(out)
            if char != "\\" or self.at >= len(self.text):
                out.append(char)
                continue
            code = self.text[self.at]
            self.at += 1
            if code == "u":
                braced = re.match(r"\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4})", self.text[self.at:])
                if not braced:
                    raise self.fail("a \\u escape")
                out.append(chr(int(braced.group(1) or braced.group(2), 16)))
                self.at += braced.end()
            else:
                out.append(_ESCAPES.get(code, code))
        raise self.fail('a closing "')

    def value(self) -> str | tuple[str, ...]:
        if not self.take("["):
            return self.string()
        items: list[str] = []
        while not self.take("]"):
            if items and not self.take(","):
                raise self.fail("',' or ']'")
            items.append(self.string())
        return tuple(items)

    def hash(self) -> dict[str, str | tuple[str, ...]]:
        if not self.take("{"):
            raise self.fail("'{'")
        pairs: dict[str, str | tuple[str, ...]] = {}
        while not self.take("}"):
            if pairs and not self.take(","):
                raise self.fail("',' or '}'")
            key = self.string()
            if not self.take("=>"):
                raise self.fail("'=>'")
            pairs[key] = self.value()
        return pairs


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_rayyan_notes(notes: str | None) -> RayyanNotes | None:
    """Read the Rayyan parts of a record's notes; None when there are none.

    Notes written before the record came to Rayyan, and anything before the first part, are
    left alone. When a part appears twice (a note copied from an earlier Rayyan review), the
    last one is Rayyan's. Raises :class:`ValueError` naming the part and the character for a
    part that does not parse.

    >>> parse_rayyan_notes('RAYYAN-INCLUSION: {"Ann"=>"Maybe"} | RAYYAN-LABELS: RCT,adults')
    RayyanNotes(inclusion={'Ann': 'Maybe'}, labels=('RCT', 'adults'), reasons=(), user_notes=None)
    """
    if not notes:
        return None
    matches = list(_PART.finditer(notes))
    if not matches:
        return None
    parts: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(notes)
        parts[match.group(1)] = notes[match.end():end].strip().rstrip("|").strip()
    hashes: dict[str, dict[str, str | tuple[str, ...]]] = {}
    for name in ("RAYYAN-INCLUSION", "USER-NOTES"):
        if name in parts:
            try:
                hashes[name] = _RubyLiteral(parts[name]).hash()
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
    inclusion: dict[str, str] = {}
    for member, decision in hashes.get("RAYYAN-INCLUSION", {}).items():
        if not isinstance(decision, str):
            raise ValueError(f"RAYYAN-INCLUSION: the decision of {member!r} is a list, "
                             "expected a string")
        inclusion[member.strip()] = decision
    user_notes = {member.strip(): (texts,) if isinstance(texts, str) else texts
                  for member, texts in hashes.get("USER-NOTES", {}).items()}
    return RayyanNotes(
        inclusion=inclusion,
        labels=_split_list(parts.get("RAYYAN-LABELS", "")),
        reasons=_split_list(parts.get("RAYYAN-EXCLUSION-REASONS", "")),
        user_notes=user_notes or None,
    )


def read_rayyan(path: Path, *, source: str | None = None,
                stage: ScreeningStage = ScreeningStage.TITLE_ABSTRACT) -> ExternalImport:
    """Read the decisions of a Rayyan export (CSV, or RIS when the file holds RIS records).

    Parameters
    ----------
    path : Path
        The ``articles.csv`` (or ``.ris``) of a Rayyan export.
    source : str, optional
        How messages name the file; the path by default.
    stage : ScreeningStage
        The stage the export comes from; Rayyan's files do not say.
    """
    source = source or str(path)
    collector = Collector(ExternalTool.RAYYAN, source)
    with path.open("rb") as stream:
        ris = is_ris(stream.read(8192))
    if ris:
        for item, tags in ris_records(path, source):
            notes = " | ".join(tags.get("N1", ()))
            key = next(iter(tags.get("AN", ())), None)
            _add(collector, item, notes, key, stage)
    else:
        for item, cells in csv_rows(path, source):
            _add(collector, item, cell(cells, "notes"), cell(cells, "key"), stage)
    return collector.result()


def _add(collector: Collector, item: Item, notes_text: str | None, key: str | None,
         stage: ScreeningStage) -> None:
    """Keep one record and its members' decisions."""
    try:
        notes = parse_rayyan_notes(notes_text)
    except ValueError as exc:
        collector.reject(item.where, f"Rayyan notes: {exc}")
        return
    labels = notes.labels if notes else ()
    found = collector.record(item, external_id=key.strip() if key else None, labels=labels)
    if found is None or notes is None:
        return
    for member, decision in notes.inclusion.items():
        label = RAYYAN_LABELS.get(decision.strip())
        if label is None:
            collector.reject(item.where, f"Rayyan notes: {member!r} decided {decision!r}; "
                             f"expected one of {', '.join(RAYYAN_LABELS)}")
            continue
        excluded = label is ScreeningLabel.EXCLUDE
        reason = "; ".join(notes.reasons) if excluded and notes.reasons else None
        member_notes = (notes.user_notes or {}).get(member, ())
        collector.decisions.append(ExternalDecision(
            item=found, reviewer=member, stage=stage, label=label, reason=reason,
            note="; ".join(member_notes) or None))
