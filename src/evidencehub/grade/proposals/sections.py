"""Extrapolation tables of a page, section by section, beside the ones the editor wrote.

A page section (the text under one heading, down to the next heading of any level) that cites
studies can carry an extrapolation table: a Markdown table whose first header cell is
``Extrapolation dimension``. :func:`section_extrapolations` returns, for every section that
cites a study or has such a table, the studies it cites, the rows
:func:`~evidencehub.grade.proposals.extrapolation.propose_extrapolation` proposes from them,
and the editor's status per dimension as written (the words before the first ``:`` or dash of
each status cell, lower case: ``"in progress: one patient"`` → ``"in progress"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from evidencehub.errors import InputError
from evidencehub.grade.claims import CITATION_RE, citation_keys, markdown_parser
from evidencehub.grade.proposals.evidence import StudyFacts
from evidencehub.grade.proposals.extrapolation import ExtrapolationRow, propose_extrapolation
from evidencehub.model import Page

__all__ = ["TABLE_HEADER", "SectionExtrapolation", "section_extrapolations"]

#: The first header cell that marks an extrapolation table.
TABLE_HEADER = "Extrapolation dimension"

_STATUS_END = re.compile(r"\s*(?::|—|–|\s-\s)")


@dataclass(frozen=True, slots=True)
class SectionExtrapolation:
    """One section's extrapolation table, proposed and (when the page has one) as written.

    Attributes
    ----------
    heading : str or None
        The section's heading (None before the first heading).
    study_keys : tuple of str
        Studies the section cites, in order of first citation.
    proposed : tuple of ExtrapolationRow
        The rows the rules propose from those studies.
    written : dict of str to str
        The editor's status word per dimension, from the page's table (empty without one).
    """

    heading: str | None
    study_keys: tuple[str, ...]
    proposed: tuple[ExtrapolationRow, ...]
    written: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"heading", "study_keys", "proposed", "written"}``."""
        return {"heading": self.heading, "study_keys": list(self.study_keys),
                "proposed": [row.to_dict() for row in self.proposed],
                "written": dict(self.written)}


def _text(token: Token) -> str:
    return "".join(c.content for c in token.children or () if c.type == "text").strip()


def _status_word(cell: str) -> str:
    return _STATUS_END.split(cell, maxsplit=1)[0].strip().lower()


@dataclass
class _Section:
    heading: str | None
    keys: dict[str, None] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)


def _sections(page: Page) -> list[_Section]:
    sections = [_Section(None)]
    tokens = markdown_parser().parse(page.body)
    in_heading = in_table = is_extrapolation = False
    row: list[str] = []
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
        elif token.type in ("table_open", "table_close"):
            in_table = token.type == "table_open"
            is_extrapolation = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and in_table:
            if row and row[0] == TABLE_HEADER:
                is_extrapolation = True
            elif is_extrapolation and len(row) >= 2:
                sections[-1].written[row[0]] = _status_word(row[1])
        elif token.type == "inline":
            text = _text(token)
            if in_heading:
                sections.append(_Section(text))
                continue
            if in_table:
                row.append(text)
            for match in CITATION_RE.finditer(text):
                sections[-1].keys.update(dict.fromkeys(citation_keys(match.group(1))))
    return sections


def section_extrapolations(page: Page, studies: Mapping[str, StudyFacts], *,
                           long_term_months: float = 60.0,
                           min_n_for_harms: int = 300) -> tuple[SectionExtrapolation, ...]:
    """Per section of ``page`` that cites a study or has an extrapolation table: the proposed
    table and the written one.

    Raises
    ------
    InputError
        When a section cites a study that is not in ``studies``.
    """
    out = []
    for section in _sections(page):
        if not section.keys and not section.written:
            continue
        missing = [k for k in section.keys if k not in studies]
        if missing:
            raise InputError(f"cites study {missing[0]!r}, which is not in the library",
                             source=f"page {page.slug!r}",
                             where=f"section {section.heading or '(top)'!r}")
        cited = [studies[k] for k in section.keys]
        rows = propose_extrapolation(cited, long_term_months=long_term_months,
                                     min_n_for_harms=min_n_for_harms)
        out.append(SectionExtrapolation(section.heading, tuple(section.keys), rows,
                                        section.written))
    return tuple(out)
