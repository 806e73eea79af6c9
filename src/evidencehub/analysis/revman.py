"""An analysis's data in the CSV layout of RevMan 5, for ``evidencehub extract revman``.

RevMan 5 (Review Manager 5.3, The Cochrane Collaboration 2014) writes and reads a review's
study data as a CSV ("File > Export > Data and analyses"): one row per comparison, outcome,
subgroup and study, numbered by the first three columns. The layout written here is that file's,
as R's ``meta`` package documents and reads it (``meta::read.rm5``, Schwarzer; its example file
``inst/extdata/Fleiss93_CR.csv`` is a RevMan 5 export):

``Comparison Number, Outcome Number, Subgroup Number, Name, Data Type, Statistical Method,
Effect Measure, Analysis Model, Events 1, Mean 1, SD 1, Total 1, Events 2, Mean 2, SD 2,
Total 2, Group Label 1, Group Label 2``

* a comparison row (``1,0,0``, its name the comparison: "islets vs insulin");
* the outcome row (``1,1,0``, its name the analysis's title) with ``Data Type`` ``DIC``
  (dichotomous) or ``CON`` (continuous), ``Statistical Method`` ``MH``, ``IV`` or ``Peto``,
  ``Effect Measure`` ``OR``, ``RR``, ``RD``, ``MD`` or ``SMD``, ``Analysis Model`` ``Fixed`` or
  ``Random``, and the arms' labels;
* with a subgroup variable, a row per subgroup (``1,1,k``, its name the subgroup's value);
* one row per study: group 1 is the experimental arm, group 2 the control arm; events and
  totals for dichotomous data, means, SDs and totals for continuous data.

Every row has every column (``read.rm5`` refuses rows of unequal length). Only the rows the
analysis pools are written (a study's value of another kind is not).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from evidencehub.analysis.contrasts import AnalysisRow
from evidencehub.errors import InputError
from evidencehub.model import Analysis
from evidencehub.vocab import Measure, Method

__all__ = ["REVMAN_COLUMNS", "revman_export", "revman_table", "write_revman"]

#: The columns written, in RevMan 5's order.
REVMAN_COLUMNS = (
    "Comparison Number", "Outcome Number", "Subgroup Number", "Name", "Data Type",
    "Statistical Method", "Effect Measure", "Analysis Model", "Events 1", "Mean 1", "SD 1",
    "Total 1", "Events 2", "Mean 2", "SD 2", "Total 2", "Group Label 1", "Group Label 2",
)  # fmt: skip

_DICHOTOMOUS = {Measure.OR: "OR", Measure.RR: "RR", Measure.RD: "RD", Measure.PETO: "OR"}
_CONTINUOUS = {Measure.MD: "MD", Measure.SMD: "SMD"}
_FIXED = frozenset({Method.EE, Method.FE, Method.MH, Method.PETO})


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _method(analysis: Analysis) -> str:
    if analysis.method is Method.MH:
        return "MH"
    if analysis.method is Method.PETO or analysis.measure is Measure.PETO:
        return "Peto"
    return "IV"


def revman_table(analysis: Analysis, rows: Sequence[AnalysisRow],
                 labels: Mapping[str, str]) -> list[list[str]]:
    """The RevMan 5 rows of ``analysis`` (module docstring), header first; ``rows`` are the
    analysis's rows (:func:`~evidencehub.analysis.contrasts.analysis_rows`), ``labels`` the
    studies' labels by key."""
    dichotomous = analysis.measure in _DICHOTOMOUS
    if not dichotomous and analysis.measure not in _CONTINUOUS:
        raise InputError(f"analysis {analysis.slug!r}: RevMan 5 holds dichotomous (OR, RR, RD, "
                         f"Peto OR) and continuous (MD, SMD) data, not "
                         f"{analysis.measure.value}")
    comparison = analysis.comparison
    blank = [""] * 10
    table = [list(REVMAN_COLUMNS), ["1", "0", "0", comparison.label, *[""] * 14]]
    table.append(["1", "1", "0", analysis.title, "DIC" if dichotomous else "CON",
                  _method(analysis), {**_DICHOTOMOUS, **_CONTINUOUS}[analysis.measure],
                  "Fixed" if analysis.method in _FIXED else "Random", *[""] * 8,
                  " or ".join(comparison.experimental), " or ".join(comparison.control)])
    pooled = [r for r in rows if r.pooled]
    groups = sorted({r.subgroup or "" for r in pooled}) if analysis.subgroup else [""]
    for number, group in enumerate(groups, start=1 if analysis.subgroup else 0):
        if analysis.subgroup:
            table.append(["1", "1", str(number), group or "(not given)", *blank, *[""] * 4])
        for row in pooled:
            if analysis.subgroup and (row.subgroup or "") != group:
                continue
            x = row.inputs
            if dichotomous:
                numbers = [_number(x["ai"]), "", "", _number(x["n1i"]),
                           _number(x["ci"]), "", "", _number(x["n2i"])]
            else:
                numbers = ["", _number(x["m1i"]), _number(x["sd1i"]), _number(x["n1i"]),
                           "", _number(x["m2i"]), _number(x["sd2i"]), _number(x["n2i"])]
            table.append(["1", "1", str(number), labels.get(row.study_key, row.study_key),
                          "", "", "", "", *numbers, "", ""])
    return table


def revman_export(session: Session, slug: str) -> list[list[str]]:
    """The RevMan 5 rows of the stored analysis ``slug``, from the current outcome data."""
    from evidencehub.analysis.service import analysis_states
    from evidencehub.store.repo.analyses import get_analysis

    get_analysis(session, slug)  # one line naming the analyses when there is no such one
    (state,) = analysis_states(session, [slug])
    return revman_table(state.analysis, state.rows, state.labels)


def write_revman(path: Path, table: Sequence[Sequence[str]]) -> None:
    """Write ``table`` as RevMan 5 writes its CSV (comma-separated, fields quoted as needed)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)
