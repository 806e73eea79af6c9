"""Run every check that a statement's numbers allow and say what cannot all be true.

:func:`check` takes one :class:`~evidencehub.grade.audit.reported.Reported` and returns
:class:`~evidencehub.grade.audit.findings.Finding` objects; :func:`check_total` checks parts
against a whole (PRISMA flow boxes, subgroup totals). Neither raises on odd numbers: a number
that cannot be (a P above 1, a negative SD, zero df, a ratio of 0) is an ``unreadable``
finding and the checks that need it are skipped. The checks, their sources and tolerances are
described in ``docs/audit.md`` (section "Checks").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from evidencehub.grade.audit import effect
from evidencehub.grade.audit.findings import Finding, FindingKind, Verdict
from evidencehub.grade.audit.granularity import grim, grim_applies, grimmer, percent_fits
from evidencehub.grade.audit.reported import Printed, Reported
from evidencehub.grade.audit.teststat import statcheck

__all__ = ["ASYMMETRY_TOLERANCE", "METHOD_TOLERANCE", "check", "check_total"]

#: P fits the CI only within this relative difference in z: a warning, not an error (another
#: test, such as a t test with few df or an exact test, may explain it).
METHOD_TOLERANCE = 0.10
#: A CI whose estimate is off its centre (log scale for ratios) by more than this fraction of
#: the half-width, whatever the rounding, gets a warning.
ASYMMETRY_TOLERANCE = 0.20

_Emit = Callable[..., None]


def _fmt(x: float) -> str:
    """A recomputed number for a message: 2 significant digits (``1.2e-05`` below 0.0001)."""
    if math.isinf(x):
        return "infinity"
    if x == 0.0:
        return "0"
    return f"{x:.1e}" if abs(x) < 1e-4 else f"{x:.2g}"


def _num(x: float) -> float | None:
    """A recomputed value for JSON: 6 significant digits, ``None`` for infinity."""
    return None if not math.isfinite(x) else float(f"{x:.6g}")


def _bad_printed(name: str, printed: Printed | None) -> str | None:
    if printed is None:
        return None
    if not math.isfinite(printed.value):
        return f"{name} {printed.text!r} is not a finite number"
    if abs(printed.decimals) > 300:
        return f"{name} {printed.text!r} has {printed.decimals} decimals, beyond any printed number"
    return None


def _problems(r: Reported) -> dict[str, str]:
    """Numbers that cannot be, by field name (each becomes one ``unreadable`` finding)."""
    bad: dict[str, str] = {}
    for name in ("estimate", "ci_lb", "ci_ub", "p", "mean", "sd", "percent", "value", "df1",
                 "df2"):
        problem = _bad_printed(name, getattr(r, name))
        if problem:
            bad[name] = problem
    if "p" not in bad and r.p is not None and not 0.0 <= r.p.value <= 1.0:
        bad["p"] = f"P must lie between 0 and 1, got {r.p.text}"
    if r.ratio:
        for name in ("estimate", "ci_lb", "ci_ub"):
            printed: Printed | None = getattr(r, name)
            if name not in bad and printed is not None and printed.value <= 0.0:
                bad[name] = f"a ratio must be positive, got {name} {printed.text}"
    if not (math.isfinite(r.level) and 0.0 < r.level < 100.0):
        bad["level"] = f"the confidence level must lie between 0 and 100 %, got {r.level}"
    if not (math.isfinite(r.alpha) and 0.0 < r.alpha < 1.0):
        bad["alpha"] = f"alpha must lie between 0 and 1, got {r.alpha}"
    if "sd" not in bad and r.sd is not None and r.sd.value < 0.0:
        bad["sd"] = f"an SD cannot be negative, got {r.sd.text}"
    if r.n is not None and r.n < 1:
        bad["n"] = f"n must be at least 1, got {r.n}"
    if r.items is not None and r.items < 1:
        bad["items"] = f"items must be at least 1, got {r.items}"
    if r.total is not None and r.total < 1:
        bad["total"] = f"the total must be at least 1, got {r.total}"
    if r.events is not None and (r.events < 0 or (r.total is not None and r.events > r.total)):
        bad["events"] = f"events must lie between 0 and the total, got {r.events} of {r.total}"
    if "percent" not in bad and r.percent is not None and not 0.0 <= r.percent.value <= 100.0:
        bad["percent"] = f"a percentage must lie between 0 and 100, got {r.percent.text}"
    for name in ("df1", "df2"):
        df: Printed | None = getattr(r, name)
        if name not in bad and df is not None and df.value <= 0.0:
            bad[name] = f"degrees of freedom must be positive, got {name} {df.text}"
    if "value" not in bad and r.value is not None and r.statistic is not None:
        if r.statistic in ("F", "chi2", "Q") and r.value.value < 0.0:
            bad["value"] = f"{r.statistic} cannot be negative, got {r.value.text}"
        if r.statistic == "r" and abs(r.value.value) > 1.0:
            bad["value"] = f"a correlation lies between -1 and 1, got {r.value.text}"
    return bad


def check(reported: Reported) -> list[Finding]:
    """Every check the statement's numbers allow, as findings (empty if all is consistent).

    Parameters
    ----------
    reported : Reported
        One statement's numbers as printed.

    Returns
    -------
    list of Finding
        ``unreadable`` findings for impossible numbers first, then the findings of each check
        family in the order: interval (inverted CI, estimate outside its CI), CI and P,
        CI asymmetry, wording, test statistic, percentage, GRIM/GRIMMER.
    """
    r = reported
    findings: list[Finding] = []

    def emit(kind: FindingKind, verdict: Verdict, message: str, fields: Sequence[str],
             recomputed: dict[str, Any] | None = None) -> None:
        shown: dict[str, str] = {}
        for name in fields:
            value = getattr(r, name)
            if value is not None:
                shown[name] = value.text if isinstance(value, Printed) else str(value)
        if "value" in shown and r.statistic is not None:
            shown[r.statistic] = shown.pop("value")
        findings.append(Finding(kind=kind, verdict=verdict, message=message, quote=r.quote,
                                line=r.line, id=r.id, reported=shown,
                                recomputed=recomputed or {}))

    bad = _problems(r)
    for name, message in bad.items():
        emit(FindingKind.UNREADABLE, Verdict.INCONSISTENT, message, [name])
    _check_interval(r, bad, emit)
    _check_wording(r, bad, emit)
    _check_statistic(r, bad, emit)
    _check_percent(r, bad, emit)
    _check_granularity(r, bad, emit)
    return findings


def _exact(*printed: Printed | None) -> bool:
    return all(p is not None and p.relation == "=" for p in printed)


def _scale(r: Reported, printed: Printed) -> tuple[float, float]:
    """True values of a printed estimate or limit on the analysis scale (log for ratios)."""
    low, high = printed.bounds
    if r.ratio:
        tiny = 1e-300  # a ratio printed as 0.01 may be 0.005; its log is finite
        return math.log(max(low, tiny)), math.log(max(high, tiny))
    return low, high


def _ci_text(r: Reported) -> str:
    assert r.ci_lb is not None and r.ci_ub is not None
    level = f"{r.level:g}% CI"
    name = r.measure or "estimate"
    head = f"{name} {r.estimate.text} " if r.estimate is not None else ""
    return f"{head}({level} {r.ci_lb.text} to {r.ci_ub.text})"


def _check_interval(r: Reported, bad: dict[str, str], emit: _Emit) -> None:
    """Inverted CI, estimate outside its CI, CI against P, CI asymmetry."""
    if bad.keys() & {"ci_lb", "ci_ub", "level"} or not _exact(r.ci_lb, r.ci_ub):
        return
    assert r.ci_lb is not None and r.ci_ub is not None
    lb, ub = r.ci_lb.bounds, r.ci_ub.bounds
    if lb[0] > ub[1]:
        emit(FindingKind.INVERTED_CI, Verdict.INCONSISTENT,
             f"the lower limit {r.ci_lb.text} of the CI is above its upper limit {r.ci_ub.text}",
             ["ci_lb", "ci_ub"])
        return
    estimate_ok = r.estimate is not None and "estimate" not in bad and _exact(r.estimate)
    if estimate_ok:
        assert r.estimate is not None
        est = r.estimate.bounds
        if est[1] < lb[0] or est[0] > ub[1]:
            emit(FindingKind.ESTIMATE_OUTSIDE_CI, Verdict.INCONSISTENT,
                 f"the estimate {r.estimate.text} lies outside its CI "
                 f"({r.ci_lb.text} to {r.ci_ub.text})", ["estimate", "ci_lb", "ci_ub"])
            return
    z_crit = effect.z_critical(r.level)
    lower, upper = _scale(r, r.ci_lb), _scale(r, r.ci_ub)
    estimate = _scale(r, r.estimate) if estimate_ok and r.estimate is not None else None
    if r.p is not None and "p" not in bad:
        _check_ci_p(r, estimate, lower, upper, z_crit, emit)
    if estimate is not None:
        off = effect.asymmetry(estimate, lower, upper)
        if off > ASYMMETRY_TOLERANCE:
            scale = "on the log scale " if r.ratio else ""
            emit(FindingKind.CI_ASYMMETRY, Verdict.WARNING,
                 f"the CI is not symmetric about the estimate {scale}({_ci_text(r)}): the "
                 f"estimate is at least {_fmt(off)} half-widths off the CI's centre; it may come "
                 "from another model than the CI, or a number may be mistyped",
                 ["estimate", "ci_lb", "ci_ub"], {"asymmetry": _num(off)})


def _check_ci_p(r: Reported, estimate: effect.Interval | None, lower: effect.Interval,
                upper: effect.Interval, z_crit: float, emit: _Emit) -> None:
    """P against the z the CI gives (Altman & Bland 2011), from the estimate or the centre.

    The P fits if its z range meets either range (a true union: a P between the two does not
    fit). The message and ``recomputed["p"]`` give the estimate's range (the centre's when
    there is no estimate), and ``recomputed["p_centre"]`` the centre's when it differs.
    """
    assert r.p is not None
    centre = effect.z_range_centre(lower, upper, z_crit)
    own = None if estimate is None else effect.z_range_estimate(estimate, lower, upper, z_crit)
    ranges = [z for z in (own, centre) if z is not None]
    if not ranges:
        return
    p_low, p_high = r.p.bounds
    pz_low = effect.z_from_p(min(max(p_high, 0.0), 1.0))
    pz_high = effect.z_from_p(max(p_low, 0.0))

    def meets(z: effect.Interval, slack: float) -> bool:
        return pz_low <= z[1] * (1.0 + slack) and pz_high * (1.0 + slack) >= z[0]

    if any(meets(z, 1e-9) for z in ranges):
        return
    near = any(meets(z, METHOD_TOLERANCE) for z in ranges)
    main = ranges[0]
    other = centre if own is not None and centre is not None and centre != own else None
    message = (f"P {_relation_text(r.p)} does not fit {_ci_text(r)}: the CI gives "
               f"{_p_span(main)}")
    recomputed: dict[str, Any] = {"p": _p_list(main)}
    if other is not None and _p_span(other) != _p_span(main):
        message += f" ({_p_span(other)} if the CI's centre is the estimate)"
        recomputed["p_centre"] = _p_list(other)
    if near:
        message += (f"; within {METHOD_TOLERANCE:.0%} in z, so another test (a t test with few "
                    "df, an exact test) may explain it")
    fields = ["estimate", "ci_lb", "ci_ub", "p"] if estimate is not None else [
        "ci_lb", "ci_ub", "p"]
    emit(FindingKind.CI_P, Verdict.WARNING if near else Verdict.INCONSISTENT, message, fields,
         recomputed)


def _p_span(z: effect.Interval) -> str:
    """The two-sided P of a z range, for a message: ``P = 0.04`` or ``P between …``."""
    low, high = _fmt(effect.p_from_z(z[1])), _fmt(effect.p_from_z(z[0]))
    return f"P = {low}" if low == high else f"P between {low} and {high}"


def _p_list(z: effect.Interval) -> list[float | None]:
    return [_num(effect.p_from_z(z[1])), _num(effect.p_from_z(z[0]))]


def _check_wording(r: Reported, bad: dict[str, str], emit: _Emit) -> None:
    """``significant`` / ``not significant`` against P and against the CI and its null."""
    if r.claim is None or "alpha" in bad:
        return
    significant = r.claim == "significant"
    if r.p is not None and "p" not in bad:
        p_low, p_high = r.p.bounds
        above = p_low > r.alpha or (p_low == r.alpha and r.p.relation == ">")
        if above if significant else p_high <= r.alpha:
            emit(FindingKind.WORDING, Verdict.INCONSISTENT,
                 f"the text says {r.claim!r} but P {_relation_text(r.p)} "
                 f"({'above' if significant else 'at or below'} alpha = {r.alpha:g})",
                 ["p"], {"alpha": r.alpha})
            return
    if (r.ci_lb is None or r.ci_ub is None or bad.keys() & {"ci_lb", "ci_ub", "level"}
            or not _exact(r.ci_lb, r.ci_ub)
            or abs(r.level - 100.0 * (1.0 - r.alpha)) > 1e-9):
        return
    null = 1.0 if r.ratio else 0.0
    lb, ub = r.ci_lb.bounds, r.ci_ub.bounds
    if lb[0] > ub[1]:
        return
    contains = lb[1] < null < ub[0]
    excludes = lb[0] > null or ub[1] < null
    if (significant and contains) or (not significant and excludes):
        verb = "includes" if contains else "excludes"
        emit(FindingKind.WORDING, Verdict.INCONSISTENT,
             f"the text says {r.claim!r} but the {r.level:g}% CI {r.ci_lb.text} to "
             f"{r.ci_ub.text} {verb} the null value {null:g}", ["ci_lb", "ci_ub"],
             {"null": null})


def _relation_text(p: Printed) -> str:
    return p.text if p.relation != "=" else f"= {p.text.lstrip('=').strip()}"


def _check_statistic(r: Reported, bad: dict[str, str], emit: _Emit) -> None:
    """The test statistic with its df against P (statcheck)."""
    if r.statistic is None or r.value is None or r.p is None:
        return
    if bad.keys() & {"value", "p", "df1", "df2", "alpha"}:
        return
    needs = {"t": ("df1",), "r": ("df1",), "chi2": ("df1",), "Q": ("df1",), "F": ("df1", "df2"),
             "z": ()}[r.statistic]
    if any(getattr(r, name) is None for name in needs):
        return
    result = statcheck(r.statistic, r.value, r.df1, r.df2, r.p, tails=r.tails, alpha=r.alpha)
    if not result.error:
        return
    dfs = ", ".join(getattr(r, name).text for name in needs)
    stat = f"{r.statistic}({dfs}) {_relation_text(r.value)}" if dfs else (
        f"{r.statistic} {_relation_text(r.value)}")
    low, high = result.p_range
    span = (f"P = {_fmt(low)}" if _fmt(low) == _fmt(high)
            else f"P between {_fmt(low)} and {_fmt(high)}")
    message = f"P {_relation_text(r.p)} does not fit {stat}: it gives {span}"
    if result.decision_error:
        message += f", on the other side of alpha = {r.alpha:g}"
    kind = FindingKind.DECISION_ERROR if result.decision_error else FindingKind.TEST_P
    emit(kind, Verdict.INCONSISTENT, message, ["value", *needs, "p"],
         {"p": _num(result.computed_p), "p_range": [_num(low), _num(high)]})


def _check_percent(r: Reported, bad: dict[str, str], emit: _Emit) -> None:
    """A percentage against events/total, or against any whole count of the total."""
    if r.percent is None or r.total is None or not _exact(r.percent):
        return
    if bad.keys() & {"percent", "total", "events"}:
        return
    if percent_fits(r.percent, r.total, r.events):
        return
    if r.events is not None:
        share = 100.0 * r.events / r.total
        shown = f"{share:.{max(r.percent.decimals, 0) + 1}f}"
        emit(FindingKind.PERCENT, Verdict.INCONSISTENT,
             f"{r.percent.text}% is not {r.events} of {r.total}, which is {shown}%",
             ["percent", "events", "total"], {"percent": _num(share)})
        return
    emit(FindingKind.PERCENT, Verdict.INCONSISTENT,
         f"no whole count out of {r.total} gives {r.percent.text}%", ["percent", "total"],
         {"percent": _nearest_shares(r.percent, r.total)})


def _nearest_shares(percent: Printed, total: int) -> list[float | None]:
    k = percent.value * total / 100.0
    return [_num(100.0 * c / total) for c in (math.floor(k), math.ceil(k))]


def _check_granularity(r: Reported, bad: dict[str, str], emit: _Emit) -> None:
    """GRIM for the mean and GRIMMER for the SD of integer data (only when ``items`` is given)."""
    if r.mean is None or r.n is None or r.items is None or not _exact(r.mean):
        return
    if bad.keys() & {"mean", "n", "items"}:
        return
    n, items = r.n, r.items
    count = n * items
    with_sd = r.sd is not None and "sd" not in bad and _exact(r.sd) and n >= 2
    if not grim_applies(r.mean, n, items) and not with_sd:
        return
    if with_sd:
        assert r.sd is not None
        failure = grimmer(r.mean, r.sd, n, items)
    else:
        failure = None if grim(r.mean, n, items) else "grim"
    if failure is None:
        return
    items_text = f" x {items} items" if items != 1 else ""
    if failure == "grim":
        near = (math.floor(r.mean.value * count) / count, math.ceil(r.mean.value * count) / count)
        emit(FindingKind.GRIM, Verdict.INCONSISTENT,
             f"the mean {r.mean.text} is impossible for n = {n}{items_text} integer answers: "
             f"the nearest possible means are {near[0]:.{max(r.mean.decimals, 0) + 2}f} and "
             f"{near[1]:.{max(r.mean.decimals, 0) + 2}f}", ["mean", "n", "items"],
             {"mean": [_num(near[0]), _num(near[1])]})
        return
    assert r.sd is not None
    reason = ("no whole sum of squares gives it" if failure == "sum-of-squares"
              else "the sums of squares that give it have the wrong parity for the mean")
    emit(FindingKind.GRIMMER, Verdict.INCONSISTENT,
         f"the SD {r.sd.text} is impossible with mean {r.mean.text} for n = {n}{items_text} "
         f"integer answers: {reason}", ["mean", "sd", "n", "items"], {"test": failure})


def check_total(parts: Sequence[tuple[str, Printed]], whole: tuple[str, Printed], *,
                kind: FindingKind, quote: str, line: int | None = None,
                id: str | None = None) -> list[Finding]:
    """Parts that must add up to a whole: PRISMA flow boxes, subgroups against the total.

    Counts printed without decimals are exact; numbers with decimals may each be off by half
    a unit in their last place, so the whole must lie in the range of the parts' possible
    sums. Numbers printed with ``<`` or ``>`` are not checked.

    Parameters
    ----------
    parts : sequence of (name, Printed)
        The boxes or subgroups, with their names for the message.
    whole : (name, Printed)
        What they must add up to.
    kind : FindingKind
        ``PRISMA_FLOW`` or ``SUBGROUP_TOTAL``.
    quote, line, id
        Where the numbers come from, copied to the finding.

    Returns
    -------
    list of Finding
        One ``inconsistent`` finding if the parts cannot add up to the whole, one
        ``unreadable`` finding for a negative or non-finite number, else none.
    """
    named = [*parts, whole]
    reported = {name: printed.text for name, printed in named}
    for name, printed in named:
        if not math.isfinite(printed.value) or printed.value < 0.0:
            return [Finding(FindingKind.UNREADABLE, Verdict.INCONSISTENT,
                            f"{name} must be a non-negative number, got {printed.text}", quote,
                            line, id, reported)]
    if not parts or any(printed.relation != "=" for _, printed in named):
        return []

    def span(printed: Printed) -> tuple[float, float]:
        return (printed.value, printed.value) if printed.decimals <= 0 else printed.bounds

    low = sum(span(p)[0] for _, p in parts)  # exact for counts below 2**53
    high = sum(span(p)[1] for _, p in parts)
    w_low, w_high = span(whole[1])
    if not all(math.isfinite(x) for x in (low, high, w_low, w_high)):
        return []
    slack = 1e-9 * max(1.0, abs(high), abs(w_high))
    if w_low <= high + slack and w_high >= low - slack:
        return []
    total = sum(p.value for _, p in parts)
    names = " + ".join(name for name, _ in parts)
    message = (f"{names} = {total:g}, not {whole[0]} = {whole[1].text}" if low == high
               else f"{names} = {_fmt(low)} to {_fmt(high)}, not {whole[0]} = {whole[1].text}")
    return [Finding(kind, Verdict.INCONSISTENT, message, quote, line, id, reported,
                    {"sum": _num(total) if low == high else [_num(low), _num(high)]})]
