"""A PRISMA 2020 flow as the template CSV of the PRISMA2020 R package and Shiny app.

:func:`prisma_csv` writes a :class:`~evidencehub.review.prisma.PrismaFlow` in the layout of
the template the package ships (``inst/extdata/PRISMA.csv``, identical to the Shiny app's
``www/PRISMA.csv``; PRISMA2020 1.1.4, Haddaway et al. 2022, Campbell Syst Rev 18:e1230):
columns ``data, node, box, description, boxtext, tooltips, url, n``, one row per datum in the
template's order, with the template's box texts, tooltips and link placeholders, so that
``PRISMA_data(read.csv(file))`` and the app's "Upload csv" read it and draw the diagram.

The template's layout (its rows and texts) is reproduced under its MIT licence:
Copyright 2026 Neal R Haddaway; the full licence text is at
https://github.com/prisma-flowdiagram/PRISMA2020/blob/master/LICENSE.md.

How the ``n`` column is filled, following how ``PRISMA_data`` parses it:

* counts are plain integers (the package strips everything but digits and formats them);
* ``NA`` where the review has no such datum, which makes the package leave the line or box
  out: ``register_results`` without a register search, ``website_results``,
  ``organisation_results`` and ``citations_results`` without that method (all three ``NA``
  hide the other-methods column), ``previous_studies`` and ``previous_reports`` (a new
  review: no previous-studies column), ``total_studies_ma`` and ``total_reports_ma`` (no
  meta-analysis box);
* per-source and per-reason counts as ``"name, n; name, n"``: ``PRISMA_parse_reasons_`` splits
  items on ``;`` and reads the name up to the first comma and the count after it, so commas
  and semicolons inside a name are written as `` -`` (a name is never cut short or misread);
  an exclusion box with no excluded report holds the plain count ``0``;
* the title rows (``prevstud``, ``newstud``, ``othstud``, ``identification``, ``screening``,
  ``included``) keep the template's ``0``.

The template has no datum for records still awaiting screening, retrieval or assessment, so
the CSV of a review in progress carries only the PRISMA 2020 boxes; the JSON
(:meth:`PrismaFlow.to_dict`) and the hub's own diagram show the waiting counts.
"""

from __future__ import annotations

import csv
import io
import re
from typing import NamedTuple

from evidencehub.review.prisma import PrismaFlow, ReasonCount, SourceCount

__all__ = ["TEMPLATE_COLUMNS", "prisma_csv"]

#: The template's columns, in order.
TEMPLATE_COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")


class _Row(NamedTuple):
    data: str
    node: str
    box: str
    description: str
    boxtext: str
    tooltips: str
    url: str


_DBR = "databases and registers"
_SEPARATE = "[separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]"
_ROWS: tuple[_Row, ...] = (
    _Row("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies",
         "Grey title box; Previous studies", "prevstud.html"),
    _Row("previous_studies", "node5", "box1", "Studies included in previous version of review",
         "Studies included in previous version of review",
         "Studies included in previous version of review", "previous_studies.html"),
    _Row("previous_reports", "NA", "box1",
         "Reports of studies included in previous version of review",
         "Reports of studies included in previous version of review", "NA",
         "previous_reports.html"),
    _Row("NA", "node6", "newstud",
         f"Yellow title box; Identification of new studies via {_DBR}",
         f"Identification of new studies via {_DBR}",
         f"Yellow title box; Identification of new studies via {_DBR}", "newstud.html"),
    _Row("database_results", "node7", "box2", "Records identified from: Databases", "Databases",
         "Records identified from: Databases and Registers", "database_results.html"),
    _Row("database_specific_results", "NA", "box2",
         "Records identified from: specific databases", "Specific Databases", "NA",
         "database_results.html"),
    _Row("register_results", "NA", "box2", "Records identified from: Registers", "Registers",
         "NA", "NA"),
    _Row("register_specific_results", "NA", "box2",
         "Records identified from: specific registers", "Specific Registers", "NA",
         "database_results.html"),
    _Row("NA", "node16", "othstud",
         "Grey title box; Identification of new studies via other methods",
         "Identification of new studies via other methods",
         "Grey title box; Identification of new studies via other methods", "othstud.html"),
    _Row("website_results", "node17", "box11", "Records identified from: Websites", "Websites",
         "Records identified from: Websites, Organisations and Citation Searching",
         "website_results.html"),
    _Row("organisation_results", "", "box11", "Records identified from: Organisations",
         "Organisations", "NA", "NA"),
    _Row("citations_results", "NA", "box11", "Records identified from: Citation searching",
         "Citation searching", "NA", "NA"),
    _Row("duplicates", "node8", "box3", "Duplicate records", "Duplicate records",
         "Duplicate records", "duplicates.html"),
    _Row("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
         "Records marked as ineligible by automation tools", "NA", "NA"),
    _Row("excluded_other", "NA", "box3", "Records removed for other reasons",
         "Records removed for other reasons", "NA", "NA"),
    _Row("records_screened", "node9", "box4", f"Records screened ({_DBR})", "Records screened",
         f"Records screened ({_DBR})", "records_screened.html"),
    _Row("records_excluded", "node10", "box5", f"Records excluded ({_DBR})", "Records excluded",
         f"Records excluded ({_DBR})", "records_excluded.html"),
    _Row("dbr_sought_reports", "node11", "box6", f"Reports sought for retrieval ({_DBR})",
         "Reports sought for retrieval", f"Reports sought for retrieval ({_DBR})",
         "dbr_sought_reports.html"),
    _Row("dbr_notretrieved_reports", "node12", "box7", f"Reports not retrieved ({_DBR})",
         "Reports not retrieved", f"Reports not retrieved ({_DBR})",
         "dbr_notretrieved_reports.html"),
    _Row("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
         "Reports sought for retrieval", "Reports sought for retrieval (other)",
         "other_sought_reports.html"),
    _Row("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
         "Reports not retrieved", "Reports not retrieved (other)",
         "other_notretrieved_reports.html"),
    _Row("dbr_assessed", "node13", "box8", f"Reports assessed for eligibility ({_DBR})",
         "Reports assessed for eligibility", f"Reports assessed for eligibility ({_DBR})",
         "dbr_assessed.html"),
    _Row("dbr_excluded", "node14", "box9", f"Reports excluded ({_DBR}): {_SEPARATE}",
         "Reports excluded", f"Reports excluded ({_DBR})", "dbrexcludedrecords.html"),
    _Row("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
         "Reports assessed for eligibility", "Reports assessed for eligibility (other)",
         "other_assessed.html"),
    _Row("other_excluded", "node21", "box15", f"Reports excluded (other): {_SEPARATE}",
         "Reports excluded", "Reports excluded (other)", "other_excluded.html"),
    _Row("new_studies", "node15", "box10", "New studies included in review",
         "New studies included in review", "New studies included in review",
         "new_studies.html"),
    _Row("new_reports", "NA", "box10", "Reports of new included studies",
         "Reports of new included studies", "NA", "NA"),
    _Row("total_studies", "node22", "box16", "Total studies included in review",
         "Total studies included in review", "Total studies included in review",
         "total_studies.html"),
    _Row("total_reports", "NA", "box16", "Reports of total included studies",
         "Reports of total included studies", "NA", "NA"),
    _Row("identification", "node1", "identification", "Blue identification box",
         "Identification", "Blue identification box", "identification.html"),
    _Row("screening", "node2", "screening", "Blue screening box", "Screening",
         "Blue screening box", "screening.html"),
    _Row("included", "node3", "included", "Blue included box", "Included", "Blue included box",
         "included.html"),
    _Row("total_studies_ma", "node23", "box17", "Total studies included in meta-analysis",
         "Total studies included in meta-analysis", "Total studies included in meta-analysis",
         "total_studies_meta_analysis.html"),
    _Row("total_reports_ma", "NA", "box17", "Reports of total included studies in meta-analysis",
         "Reports of total included studies in meta-analysis", "NA", "NA"),
)

#: Rows whose ``n`` the template leaves at 0: title boxes, which hold no number.
_TITLE_BOXES = frozenset({"prevstud", "newstud", "othstud", "identification", "screening",
                          "included"})
#: Data a new review without a meta-analysis box does not have.
_ABSENT = frozenset({"previous_studies", "previous_reports", "total_studies_ma",
                     "total_reports_ma"})


def prisma_csv(flow: PrismaFlow) -> str:
    """The flow as the PRISMA2020 template CSV (text with ``\\n`` line ends).

    Parameters
    ----------
    flow : PrismaFlow
        From :func:`evidencehub.review.prisma.prisma_flow`.

    Returns
    -------
    str
        The CSV: the template's header and its 34 rows in its order, ``n`` from ``flow``.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for row in _ROWS:
        writer.writerow([*row, _n(row, flow)])
    return buf.getvalue()


def _n(row: _Row, flow: PrismaFlow) -> str:
    if row.box in _TITLE_BOXES:
        return "0"
    if row.data in _ABSENT:
        return "NA"
    value: int | tuple[SourceCount | ReasonCount, ...] | None = getattr(flow, row.data)
    if value is None:
        return "NA"
    if isinstance(value, int):
        return str(value)
    if not value:  # no source of that kind, or no report excluded
        return "NA" if row.data.endswith("_specific_results") else "0"
    return "; ".join(f"{_name(item)}, {item.n}" for item in value)


def _name(item: SourceCount | ReasonCount) -> str:
    """The item's name with no comma or semicolon (they would end it early in R)."""
    text = item.source if isinstance(item, SourceCount) else item.reason
    return re.sub(r"\s+", " ", re.sub(r"\s*[,;]\s*", " - ", text)).strip()
