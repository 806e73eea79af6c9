"""From stored arm rows to the rows of an analysis: one per study, in escalc's columns.

For a two-group measure each study that has an arm on each side of the comparison gives one
contrast — the experimental arm as escalc's group 1 (``ai``/``n1i``, ``m1i``/``sd1i``/``n1i``)
and the control arm as group 2; for a single-group measure (a proportion, a mean) each study's
experimental arm gives one row (``xi``/``ni``, ``mi``/``sdi``/``ni``).

Rules, each with its reason:

* Only rows of the analysis's outcome, time point and kind of value are used. Rows of the other
  kind (final values when the analysis pools changes from baseline) are listed, not pooled:
  they measure different things (Cochrane Handbook §10.5.2).
* A study with more than one arm on one side of a comparison would count a shared arm twice
  (Handbook §23.3.4): it is refused with a message that says how to split or combine them.
  A study without an arm on each side gives no contrast and is left out (two active arms and
  no control share nothing).
* A study with several time points for the analysis's rows needs ``--timepoint``: the results
  at different times of one study are not independent.
* Both arms of a contrast must report the same kind of value.

Every row keeps the (outcome-data id, version) pairs it was built from, so a run names its
inputs exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from evidencehub.errors import InputError
from evidencehub.model import Analysis, StoredOutcomeData
from evidencehub.vocab import Family, measure_terms

__all__ = ["AnalysisRow", "analysis_rows"]

#: escalc columns of each family, taken from the experimental (1) and control (2) arm.
_TWO_GROUP = {
    Family.TWO_BY_TWO: (("ai", "events"), ("n1i", "total")),
    Family.TWO_GROUP_CONTINUOUS: (("m1i", "mean"), ("sd1i", "sd"), ("n1i", "n")),
}
_CONTROL = {
    Family.TWO_BY_TWO: (("ci", "events"), ("n2i", "total")),
    Family.TWO_GROUP_CONTINUOUS: (("m2i", "mean"), ("sd2i", "sd"), ("n2i", "n")),
}
_SINGLE = {
    Family.PROPORTION: (("xi", "events"), ("ni", "total")),
    Family.MEAN: (("mi", "mean"), ("sdi", "sd"), ("ni", "n")),
}


@dataclass(frozen=True, slots=True)
class AnalysisRow:
    """One study's row of an analysis.

    Attributes
    ----------
    study_key : str
        The study.
    experimental, control : str or None
        Arm labels (``control`` is None for single-group measures).
    value_kind : str
        ``final`` or ``change``.
    inputs : dict of str to float
        escalc's columns (``ai``, ``n1i``… or ``m1i``, ``sd1i``…).
    data : tuple of (int, int)
        The (outcome-data id, version) pairs the row was built from.
    subgroup : str or None
        The row's value of the analysis's subgroup variable.
    pooled : bool
        Whether the row enters the pooled estimate.
    note : str or None
        Why it does not, when it does not.
    """

    study_key: str
    experimental: str
    control: str | None
    value_kind: str
    inputs: dict[str, float]
    data: tuple[tuple[int, int], ...]
    subgroup: str | None
    pooled: bool
    note: str | None


def _numbers(item: StoredOutcomeData, columns: tuple[tuple[str, str], ...], where: str
             ) -> dict[str, float]:
    out = {}
    for column, field in columns:
        value = getattr(item.data, field)
        if value is None:
            raise InputError(f"{where}: arm {item.data.arm!r} has no {field!r} "
                             f"(outcome data {item.id})")
        out[column] = float(value)
    return out


def _pick(rows: list[StoredOutcomeData], side: Sequence[str], study: str, role: str,
          analysis: Analysis) -> StoredOutcomeData | None:
    found = [r for r in rows if r.data.arm in side]
    if len(found) > 1:
        arms = ", ".join(sorted({r.data.arm for r in found}))
        if len({r.data.arm for r in found}) == 1:
            if len({r.data.timepoint for r in found}) == 1:
                raise InputError(
                    f"analysis {analysis.slug!r}: study {study!r} reports both final and "
                    f"change values for arm {found[0].data.arm!r}; give the analysis a "
                    "--value-kind"
                )
            raise InputError(
                f"analysis {analysis.slug!r}: study {study!r} has arm {found[0].data.arm!r} at "
                f"several time points; give the analysis a --timepoint"
            )
        raise InputError(
            f"analysis {analysis.slug!r}: study {study!r} has {len(found)} {role} arms ({arms}) "
            "in one comparison; a shared arm would be counted twice (Cochrane Handbook 23.3.4): "
            "split the comparison or combine the arms first"
        )
    return found[0] if found else None


def analysis_rows(analysis: Analysis, stored: Sequence[StoredOutcomeData]) -> list[AnalysisRow]:
    """The rows of ``analysis`` from the current outcome data ``stored`` (module docstring),
    ordered by study key."""
    terms = measure_terms(analysis.measure)
    single = terms.family in _SINGLE
    if not single and terms.family not in _TWO_GROUP:
        raise InputError(
            f"analysis {analysis.slug!r}: the {analysis.measure.value} measure "
            f"({terms.family.value}) is not computed from arm-level rows; use "
            "OR, RR, RD, PETO, MD, SMD, SMDH, ROM (two groups) or PR, PLO, PAS, PFT, MN (one group)"
        )
    if not single and not analysis.comparison.control:
        raise InputError(f"analysis {analysis.slug!r}: {analysis.measure.value} compares two "
                         "groups; give the control arm (--control)")
    if single and analysis.comparison.control:
        raise InputError(f"analysis {analysis.slug!r}: {analysis.measure.value} describes one "
                         "group; give only --experimental arms")
    by_study: dict[str, list[StoredOutcomeData]] = defaultdict(list)
    for item in stored:
        data = item.data
        if data.outcome != analysis.outcome:
            continue
        if analysis.timepoint is not None and data.timepoint != analysis.timepoint:
            continue
        by_study[data.study_key].append(item)
    rows = []
    for study in sorted(by_study):
        items = by_study[study]
        wanted = [i for i in items if i.data.value_kind is analysis.value_kind]
        if wanted:  # a study reporting both kinds contributes the analysis's kind
            items = wanted
        arms = {i.data.arm for i in items}
        if not arms & set(analysis.comparison.experimental) or not (
                single or arms & set(analysis.comparison.control)):
            continue  # no contrast in this study (e.g. head-to-head), nor an arm counted twice
        ctl = None if single else _pick(items, analysis.comparison.control, study, "control",
                                        analysis)
        exp = _pick(items, analysis.comparison.experimental, study, "experimental", analysis)
        if exp is None:
            continue
        where = f"analysis {analysis.slug!r}, study {study!r}"
        if ctl is None:
            inputs = _numbers(exp, _SINGLE[terms.family], where)
            pairs: tuple[tuple[int, int], ...] = ((exp.id, exp.version),)
            control_label = None
        else:
            if ctl.data.value_kind is not exp.data.value_kind:
                raise InputError(
                    f"{where}: arm {exp.data.arm!r} reports a {exp.data.value_kind.value} value "
                    f"but arm {ctl.data.arm!r} a {ctl.data.value_kind.value} value"
                )
            inputs = {**_numbers(exp, _TWO_GROUP[terms.family], where),
                      **_numbers(ctl, _CONTROL[terms.family], where)}
            pairs = ((exp.id, exp.version), (ctl.id, ctl.version))
            control_label = ctl.data.arm
        kind = exp.data.value_kind
        pooled = analysis.value_kind is None or kind is analysis.value_kind
        note = None
        if analysis.value_kind is not None and not pooled:
            note = f"{kind.value} value; not pooled with {analysis.value_kind.value} values"
        subgroup = None
        if analysis.subgroup is not None:
            subgroup = exp.data.attributes.get(analysis.subgroup)
        rows.append(AnalysisRow(study, exp.data.arm, control_label, kind.value, inputs, pairs,
                                subgroup, pooled, note))
    return rows
