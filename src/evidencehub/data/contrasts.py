"""Pair arms into two-group contrasts (active arm versus the same study's control arm).

An :class:`~evidencehub.model.Analysis` names its comparison as ``"arm1, arm2 vs control"``.
Every study that has the control arm contributes one contrast per active arm it has; arms of
other treatments are ignored. A study's control arm is shared by its active arms, so a
three-arm study with two arms of the same comparison would count its control twice: that is
refused here (Cochrane Handbook 23.3.4 discusses the ways out), and does not occur in the demo,
where each class has at most one arm per study.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from evidencehub.errors import InputError
from evidencehub.model import OutcomeData, ValueKind

__all__ = ["Contrast", "arm_contrasts", "parse_comparison"]


@dataclass(frozen=True, slots=True)
class Contrast:
    """One active arm and its control, with escalc's column names (1 = active, 2 = control)."""

    study_key: str
    arm: str
    control: str
    value_kind: ValueKind
    n1i: int
    m1i: float
    sd1i: float
    n2i: int
    m2i: float
    sd2i: float


def parse_comparison(text: str) -> tuple[tuple[str, ...], str]:
    """``"acarbose, miglitol vs placebo"`` → ``(("acarbose", "miglitol"), "placebo")``."""
    active, sep, control = text.partition(" vs ")
    arms = tuple(a.strip() for a in active.split(",") if a.strip())
    if not sep or not arms or not control.strip():
        raise InputError(f"expected a comparison like 'drug1, drug2 vs placebo', got {text!r}")
    return arms, control.strip()


def arm_contrasts(
    outcomes: Iterable[OutcomeData], comparison: str, *, outcome: str
) -> tuple[Contrast, ...]:
    """Contrasts of ``comparison`` for ``outcome``, ordered by study key then arm.

    Both arms of a contrast must report the same kind of value (both changes from baseline or
    both final values); a study mixing them is an :class:`InputError`.
    """
    arms, control = parse_comparison(comparison)
    by_study: dict[str, dict[str, OutcomeData]] = defaultdict(dict)
    for data in outcomes:
        if data.outcome == outcome and data.mean is not None:
            by_study[data.study_key][data.arm] = data
    contrasts = []
    for key in sorted(by_study):
        study_arms = by_study[key]
        if control not in study_arms:
            continue
        active = [study_arms[a] for a in arms if a in study_arms]
        if len(active) > 1:
            raise InputError(
                f"study {key!r} has {len(active)} arms of the comparison {comparison!r} sharing one "
                f"'{control}' arm; split the comparison or combine the arms first"
            )
        base = study_arms[control]
        for arm in active:
            if arm.value_kind is not base.value_kind:
                raise InputError(
                    f"study {key!r}: arm {arm.arm!r} reports a {arm.value_kind.value} value but "
                    f"arm {control!r} a {base.value_kind.value} value"
                )
            assert arm.n is not None and arm.sd is not None and arm.mean is not None
            assert base.n is not None and base.sd is not None and base.mean is not None
            contrasts.append(
                Contrast(
                    study_key=key,
                    arm=arm.arm,
                    control=control,
                    value_kind=arm.value_kind,
                    n1i=arm.n,
                    m1i=arm.mean,
                    sd1i=arm.sd,
                    n2i=base.n,
                    m2i=base.mean,
                    sd2i=base.sd,
                )
            )
    return tuple(contrasts)
