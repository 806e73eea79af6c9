"""``evidencehub audit``: reported statistics that cannot all be true, in texts or a table.

Exit status: 0 when no statement is inconsistent (warnings alone do not fail), 3 when at least
one is, 1 for an error (a file that cannot be read) and 2 for a usage error, so that a script
or CI job can tell "the text has errors" from "the audit could not run".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidencehub.cli._common import DbOption, JsonOption, console, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidencehub.grade.audit.findings import AuditReport

__all__ = ["FINDINGS_EXIT", "register"]

#: The exit status when at least one finding is inconsistent.
FINDINGS_EXIT = 3


def audit(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Texts to audit: .txt, .md, .html, .htm or .pdf.", show_default=False)] = None,
    table: Annotated[Path | None, typer.Option(
        "--table", help="A CHECKS.csv of structured numbers (columns id, estimate, ci_lb, ci_ub, "
        "p, ratio, mean, sd, n, items, events, total, percent, t, F, df1, df2, r, chi2, z; "
        "each optional) instead of texts.", show_default=False)] = None,
    extracted: Annotated[str | None, typer.Option(
        "--extracted", help="A review: check its extracted numbers (the consensus, or "
        "--reviewer's entries) instead of texts.", show_default=False)] = None,
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help="With --extracted: this reviewer's entries.", show_default=False)]
    = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> int:
    """Check reported statistics against each other: test statistics against P (as statcheck), estimates against their CI and P, the words "significant" and "no significant difference" against both, percentages against counts, GRIM/GRIMMER for means of integer data, PRISMA flows and subgroup totals.

    A finding is inconsistent only if no values that round to the printed ones agree; a warning is suspicious but possible. --json prints {"checked": N, "findings": [...]} (with several PATHs, one such object whose findings carry their "source").

    Exit status: 0 when nothing is inconsistent, 3 when something is, 1 on an error.

    --extracted REVIEW runs the same checks on every arm of a review's extraction (each arm's
    mean against its CI; a comparison's t against its P with the arms' n), each finding with the
    item's id study/outcome/arm/timepoint.

    Example:  evidencehub audit paper.pdf results.html --json
    """
    if sum((table is not None, bool(paths), extracted is not None)) != 1:
        raise typer.BadParameter("give one of PATH…, --table CHECKS.csv or --extracted REVIEW",
                                 param_hint="PATH")
    if reviewer is not None and extracted is None:
        raise typer.BadParameter("--reviewer goes with --extracted", param_hint="--reviewer")
    if extracted is not None:
        reports = [("", _audit_extracted(db, extracted, reviewer))]
    elif table is not None:
        from evidencehub.grade.audit.table import audit_table, read_checks

        reports = [("", audit_table(read_checks(table)))]
    else:
        from evidencehub.grade.audit.document import audit_file

        reports = [(str(path), audit_file(path)) for path in paths or ()]
    if json:
        print_json(_json(reports))
    else:
        _print(reports, by_id=table is not None or extracted is not None)
    inconsistent = any(f.verdict == "inconsistent" for _, r in reports for f in r.findings)
    return FINDINGS_EXIT if inconsistent else 0


def _audit_extracted(db: str | None, review: str, reviewer: str | None) -> AuditReport:
    """The checks on every arm of a review's extraction (consensus, or one reviewer's)."""
    from evidencehub.cli._store import in_store
    from evidencehub.grade.audit.extracted import audit_extracted
    from evidencehub.review.extraction_service import consensus_of, latest_of, load

    def work(session: Session) -> AuditReport:
        state = load(session, review)
        values = consensus_of(session, state) if reviewer is None else latest_of(
            session, state, reviewer)
        return audit_extracted(values)

    return in_store(db, work)


def _json(reports: list[tuple[str, AuditReport]]) -> dict[str, Any]:
    """The contract's object; with several sources each finding names its own."""
    several = len(reports) > 1
    findings = []
    for source, report in reports:
        for finding in report.findings:
            data = finding.to_dict()
            if several:
                data["source"] = source
            findings.append(data)
    return {"checked": sum(r.checked for _, r in reports), "findings": findings}


def _print(reports: list[tuple[str, AuditReport]], *, by_id: bool) -> None:
    from rich.table import Table

    several = len(reports) > 1
    rows = [(source, f) for source, r in reports for f in r.findings]
    if rows:
        grid = Table(show_lines=False)
        if several:
            grid.add_column("source")
        grid.add_column("id" if by_id else "line", justify="right", no_wrap=True)
        grid.add_column("kind", no_wrap=True)
        grid.add_column("verdict", no_wrap=True)
        grid.add_column("quote", overflow="fold", ratio=1)
        grid.add_column("message", overflow="fold", ratio=2)
        for source, f in rows:
            where = (f.id or "") if by_id else str(f.line or "")
            cells = [where, f.kind.value, f.verdict.value, " ".join(f.quote.split()), f.message]
            grid.add_row(*([source] if several else []), *cells)
        console.print(grid)
    checked = sum(r.checked for _, r in reports)
    bad = sum(f.verdict == "inconsistent" for _, f in rows)
    files = f" in {len(reports)} files" if several else ""
    console.print(f"{checked} statement{'s' * (checked != 1)} checked{files}: "
                  f"{bad} inconsistent, {len(rows) - bad} warning{'s' * (len(rows) - bad != 1)}",
                  highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add ``audit`` to the command line."""
    app.command("audit")(audit)
