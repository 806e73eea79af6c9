"""The audit on real text: statements quoted from published papers, and the hub's own pages.

Target (issue 10): every error found, with at most one false alarm per 20 consistent
statistics. The quotes are those statcheck's authors extracted by hand from eight papers
(``tests/data/audit/README.md``); the reference verdicts are statcheck's own (R package 1.4.0,
``tests/reference/audit/statcheck_raw_results.R``), computed on each quote cleaned of what
stops statcheck's extractor but not its rules, so that every quote has a verdict. The audit
reads the quotes as they are.

Run ``python -m tests.grade.audit.test_real_text`` to print the numbers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from evidencehub.grade.audit.document import audit_file, audit_text
from evidencehub.grade.audit.findings import FindingKind, Verdict

ROOT = Path(__file__).parents[3]
QUOTES = ROOT / "tests" / "data" / "audit" / "statcheck_manual_results.csv"
REFERENCE = ROOT / "tests" / "reference" / "audit" / "statcheck_raw_results.csv"
PAGES = ROOT / "src" / "evidencehub" / "data" / "demo" / "pages"


@dataclass(frozen=True)
class Evaluation:
    """Counts over the quotes statcheck reads (``reference``)."""

    quotes: int
    reference: int  # quotes statcheck extracts (cleaned)
    extracted: int  # of those, quotes the audit extracts as they are
    errors: int  # statcheck errors among them
    found: int  # of those, found by the audit (a test-p or decision-error finding)
    consistent: int  # statcheck-consistent quotes the audit extracts
    false_alarms: int  # of those, with an inconsistent finding of any kind


def evaluate() -> Evaluation:
    with QUOTES.open(encoding="utf-8", newline="") as f:
        quotes = list(csv.DictReader(f))
    with REFERENCE.open(encoding="utf-8", newline="") as f:
        reference = list(csv.DictReader(f))
    counts = dict.fromkeys(("reference", "extracted", "errors", "found", "consistent",
                            "false_alarms"), 0)
    for quote, ref in zip(quotes, reference, strict=True):
        if int(ref["extracted_clean"]) == 0:
            continue
        counts["reference"] += 1
        report = audit_text(quote["raw_result"])
        if report.checked == 0:
            continue
        counts["extracted"] += 1
        inconsistent = [f for f in report.findings if f.verdict is Verdict.INCONSISTENT]
        if ref["error_clean"] == "TRUE":
            counts["errors"] += 1
            counts["found"] += any(f.kind in (FindingKind.TEST_P, FindingKind.DECISION_ERROR)
                                   for f in inconsistent)
        else:
            counts["consistent"] += 1
            counts["false_alarms"] += bool(inconsistent)
    return Evaluation(quotes=len(quotes), **counts)


def test_every_error_found_with_few_false_alarms() -> None:
    result = evaluate()
    assert result.errors >= 7 and result.found == result.errors
    assert result.false_alarms * 20 <= result.consistent
    assert result.extracted >= 0.9 * result.reference


def test_the_hubs_own_pages_pass() -> None:
    for page in sorted(PAGES.glob("*.md")):
        report = audit_file(page)
        assert [f for f in report.findings if f.verdict is Verdict.INCONSISTENT] == [], page


if __name__ == "__main__":
    r = evaluate()
    print(f"{r.quotes} quotes; statcheck reads {r.reference}, the audit {r.extracted} of them; "
          f"errors found {r.found}/{r.errors} (recall {r.found / max(r.errors, 1):.0%}); "
          f"false alarms {r.false_alarms}/{r.consistent} consistent "
          f"({r.false_alarms / max(r.consistent, 1):.1%})")
