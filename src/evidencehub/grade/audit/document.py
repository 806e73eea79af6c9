"""Audit a document: read its text, find its statements, check each one.

The one path behind ``evidencehub audit PATH…``: :func:`audit_file` reads the file
(:mod:`.readers`), :func:`audit_text` scans the text (:mod:`.scan`) and runs
:func:`.checks.check` on every statement and :func:`.checks.check_total` on every stated sum.
"""

from __future__ import annotations

from pathlib import Path

from evidencehub.grade.audit.checks import check, check_total
from evidencehub.grade.audit.findings import AuditReport, Finding
from evidencehub.grade.audit.readers import read_text
from evidencehub.grade.audit.scan import scan, scan_totals

__all__ = ["audit_file", "audit_text"]


def audit_text(text: str, *, source: str | None = None) -> AuditReport:
    """Findings for every statement of ``text``, in the order of the text.

    ``checked`` counts the statements and sums that were checked, consistent or not.
    """
    statements = scan(text)
    totals = scan_totals(text)
    findings: list[Finding] = []
    for reported in statements:
        findings.extend(check(reported))
    for total in totals:
        findings.extend(check_total(total.parts, total.whole, kind=total.kind,
                                    quote=total.quote, line=total.line))
    findings.sort(key=lambda finding: finding.line or 0)
    return AuditReport(checked=len(statements) + len(totals), findings=findings, source=source)


def audit_file(path: Path) -> AuditReport:
    """:func:`audit_text` of the text of ``path`` (``.txt``, ``.md``, ``.html``, ``.htm``,
    ``.pdf``); raises :class:`~evidencehub.errors.InputError` naming the file it cannot read."""
    return audit_text(read_text(path), source=str(path))
