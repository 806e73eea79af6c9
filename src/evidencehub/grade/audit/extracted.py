"""The audit's checks on extracted numbers: every arm and every pair of arms of an extraction.

Extraction keeps each number as the reviewer typed it (``ExtractedValue.value``), so the
rounding of the report is still there and the checks of :mod:`.checks` apply unchanged, as to
the rows of a CHECKS.csv (:func:`.table.audit_table`):

* an arm's mean with its confidence interval (the form's ``ci_lb``/``ci_ub``, 95 %): the mean
  inside its interval, the interval not inverted, and symmetric about the mean;
* a comparison's t statistic and P value (``t``, ``p`` entered on either arm) against each
  other, with df = n₁ + n₂ − 2 from the two arms' ``n`` (a two-sample t test; statcheck's
  rule, Nuijten et al. 2016).

Each statement's ``id`` names the item (``study/outcome/arm/timepoint``) and its ``quote`` the
values checked, so a finding leads back to the entries (and their locators) it came from.
Numbers that do not parse, and impossible counts (more events than participants), are left to
the form's and the outcome data's own validation, which refuse them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from evidencehub.errors import InputError
from evidencehub.grade.audit.findings import AuditReport
from evidencehub.grade.audit.reported import Printed, Reported
from evidencehub.grade.audit.table import audit_table
from evidencehub.model import ExtractedValue

__all__ = ["audit_extracted"]

_Arm = tuple[str, str, str, str | None]  # study, outcome, arm, timepoint


def _printed(values: dict[str, str], name: str, where: str) -> Printed | None:
    text = values.get(name)
    if text is None:
        return None
    try:
        return Printed.parse(text, where=where)
    except InputError:
        return None


def _integer(values: dict[str, str], name: str) -> int | None:
    text = values.get(name, "").strip()
    return int(text) if text.isdigit() else None


def _quote(values: dict[str, str], names: Sequence[str]) -> str:
    return ", ".join(f"{n}={values[n]}" for n in names if n in values)


def _arm_statements(key: _Arm, values: dict[str, str]) -> list[Reported]:
    ident = "/".join(part or "" for part in key)
    out = []
    mean = _printed(values, "mean", ident)
    lower, upper = _printed(values, "ci_lb", ident), _printed(values, "ci_ub", ident)
    if mean is not None and lower is not None and upper is not None:
        out.append(Reported(quote=_quote(values, ("mean", "ci_lb", "ci_ub")), id=ident,
                            estimate=mean, ci_lb=lower, ci_ub=upper))
    return out


def _pair_statement(study: str, outcome: str, timepoint: str | None,
                    arms: dict[str, dict[str, str]]) -> Reported | None:
    given: dict[str, str] = {name: values[name] for values in arms.values()
                             for name in ("t", "p") if name in values}
    ns = [_integer(values, "n") for values in arms.values()]
    if len(given) < 2 or len(arms) != 2 or None in ns:
        return None
    ident = "/".join((study, outcome, "", timepoint or ""))
    value, p = _printed(given, "t", ident), _printed(given, "p", ident)
    if value is None or p is None:
        return None
    df = sum(n for n in ns if n is not None) - 2
    quote = f"t={given['t']}, p={given['p']}, " + ", ".join(
        f"n({arm})={values['n']}" for arm, values in arms.items())
    return Reported(quote=quote, id=ident, statistic="t", value=value,
                    df1=Printed.parse(str(df)), p=p)


def audit_extracted(values: Sequence[ExtractedValue], *, source: str | None = None
                    ) -> AuditReport:
    """Check every arm (and pair of arms) among ``values``, one reviewer's or the consensus."""
    arms: dict[_Arm, dict[str, str]] = defaultdict(dict)
    for item in values:
        if item.arm is not None and item.outcome is not None and item.value is not None:
            arms[(item.study_key, item.outcome, item.arm, item.timepoint)][item.field] = item.value
    statements: list[Reported] = []
    groups: dict[tuple[str, str, str | None], dict[str, dict[str, str]]] = defaultdict(dict)
    for key, numbers in arms.items():
        statements.extend(_arm_statements(key, numbers))
        groups[(key[0], key[1], key[3])][key[2]] = numbers
    for (study, outcome, timepoint), pair in groups.items():
        statement = _pair_statement(study, outcome, timepoint, pair)
        if statement is not None:
            statements.append(statement)
    return audit_table(statements, source=source)
