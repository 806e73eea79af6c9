"""Find reported statistics in prose: each statement with its verbatim span and 1-based line.

:func:`scan` returns one :class:`~evidencehub.grade.audit.reported.Reported` per statement it
recognises, and :func:`scan_totals` one :class:`Total` per stated sum (a PRISMA flow's boxes,
subgroups against the whole). Recognised:

- APA test statistics with their P, covering what statcheck extracts (Nuijten et al. 2016;
  the regular expressions of its ``R/regex.R``, re-derived here): ``t(28) = 2.20, p = .03``,
  ``F(2, 56) = 1.20, p < .001``, ``r(46) = .34``, ``χ2(1, N = 81) = 3.25``, ``z = 1.54``,
  ``Q(1) = 6.9``, ``Qb(2)``, with ``ns`` for P. Beyond statcheck: ``;`` between the statistic
  and P, a space after a minus (``− 4.46``), ``≤``/``≥``, and ``P = 3 × 10−5``. As statcheck,
  a correlation outside [−1, 1] or a P above 1 is taken for a misreading (a decimal point lost
  in conversion) and skipped. A mention of a one-tailed test ("one-tailed", "one-sided",
  "directional") in the statement's sentence or the one before sets ``tails = 1``.
- Estimates with a confidence interval and optionally P, as medical papers print them:
  ``OR 1.50 (95% CI 0.90 to 2.10; P = 0.03)``, ``hazard ratio, 0.72; 95% CI, 0.55 to 0.94``,
  ``MD −0.46 % (95 % CI −0.61, −0.31), P < 0.001``, ``HR 0.72 [0.55, 0.94]``. A labelled
  estimate may give its bounds bare in brackets; an unlabelled number needs the words
  (``95% CI``, ``confidence interval``). OR, RR, HR, IRR and their spelled-out names are ratios;
  an unlabelled estimate is taken for a ratio only when estimate and bounds are positive and
  the interval is more symmetric on the log scale than on the linear one.
- Wording about significance in the statement's clause ("no significant difference", "did not
  differ significantly", "failed to reach significance" → ``not significant``; "significantly
  lower", "a significant …" → ``significant``).
- Percentages against their counts: ``12/40 (30%)``, ``12 of 40 patients (30.0 %)``,
  ``30% (12/40)``, and ``n = 12 (30%)`` when the sentence states exactly one ``N = 40``.
- Means and SDs for GRIM/GRIMMER only when the sentence says the data are integers: an item
  count (``5-item``, ``single-item``), one mean, and one ``n``.

Numbers may carry thousands separators (``2,270``), a middle dot for the decimal point
(``0·46``, as the Lancet prints) and unicode minus signs. Nothing here raises on any text.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from evidencehub.errors import InputError
from evidencehub.grade.audit.findings import FindingKind
from evidencehub.grade.audit.reported import Printed, Relation, Reported, TestStatistic

__all__ = ["Total", "scan", "scan_totals"]


@dataclass(frozen=True, slots=True)
class Total:
    """A stated sum: ``parts`` should add up to ``whole`` (``checks.check_total`` checks it).

    Attributes
    ----------
    parts : tuple of (str, Printed)
        The counts that make up the whole, each with its name for the message ("excluded",
        "full texts assessed", "T1D").
    whole : (str, Printed)
        The count they should add up to, with its name.
    kind : FindingKind
        ``PRISMA_FLOW`` or ``SUBGROUP_TOTAL``.
    quote : str
        The verbatim span of the text that states the numbers.
    line : int
        1-based line where ``quote`` starts.
    """

    parts: tuple[tuple[str, Printed], ...]
    whole: tuple[str, Printed]
    kind: FindingKind
    quote: str
    line: int


# -- pieces of the patterns ----------------------------------------------------------------

_SIGN = "[-\u2212\u2013\u2010\u2011\u2012\u2014]"
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:[.\u00b7]\d+)?|\d+(?:[.\u00b7]\d+)?|[.\u00b7]\d+)"
_SNUM = rf"(?:{_SIGN}|\+)?{_NUM}"
_DF = r"\d*[.\u00b7]?\d+"
_REL = r"[<>=\u2264\u2265]"  # statcheck skips "p >= .03"; the signs ≤ and ≥ are read
_SP = r"[ \t\u00a0\u2009\u202f]"  # a space within a line
_WS = r"[\s\u00a0\u2009\u202f]"  # any space, line breaks included (PDF and HTML lines)
_P_VALUE = (r"(?:\d?[.\u00b7]\d+(?:" + _WS + r"?[x\u00d7]" + _WS + r"?10" + _WS + r"?"
            + _SIGN + r"\d+|[eE]-?\d+)?|\d(?:[.\u00b7]\d+)?" + _WS + r"?[x\u00d7]" + _WS
            + r"?10" + _WS + r"?" + _SIGN + r"\d+|[01](?![\d.\u00b7]))")


def _p_pattern(tag: str = "") -> str:
    """A P value: ``p = .03``, ``P<0.001``, ``p-value = 0.2``, ``P = 3 × 10−5``."""
    return (rf"(?<![A-Za-z])[pP]{_WS}?(?:-?{_WS}?values?{_WS}?)?(?P<prel{tag}>{_REL}){_WS}?"
            rf"(?P<p{tag}>{_P_VALUE})")


_P = _p_pattern()
_NS = r"(?<![A-Za-z])(?P<ns>n\.?s\.?|NS|N\.S\.)(?![A-Za-z])"

# A statistic starts after a non-letter, or after a "B" that a PDF font made of a quote mark
# (statcheck's RGX_B_QUOTE: "BF(2, 56)" is '"F(2, 56)').
_START = r"(?:(?<![A-Za-z])|(?<=(?<![A-Za-z])B))"
# A minus a PDF font garbled ("t(68) = ?2.15"); statcheck reads up to three odd characters so.
_ODD_MINUS = "[?\ufffd]"

_TEST = re.compile(
    rf"""
    (?:
        {_START}(?P<tr>[tr]){_WS}?\({_WS}?(?P<df>{_DF}){_WS}?\)
      | {_START}(?P<q>Q{_WS}?-?{_WS}?(?:[Ww]ithin|[Bb]etween|[WwBb])?){_WS}?
            \({_WS}?(?P<qdf>{_DF}){_WS}?\)
      | {_START}F{_WS}?\({_WS}?(?P<fdf1>{_DF}|[Il]){_WS}?,{_WS}?(?P<fdf2>{_DF}){_WS}?\)
      | (?:(?<![A-Za-z])(?:chi|Chi|CHI|[Xx])|\u03c7|(?<![\w?\ufffd])[?\ufffd]{{1,2}}){_WS}?[_^]?{_WS}?
            [2\u00b2]{_WS}?\({_WS}?(?P<cdf>{_DF}){_WS}?(?:,{_WS}?[Nn]{_WS}?={_WS}?[\d,]+{_WS}?)?\)
      | (?<![A-Za-z\d])(?P<z>[zZ])
    )
    {_WS}?(?P<vrel>[<>=\u2264\u2265]){_WS}?(?P<value>(?:{_SIGN}|{_ODD_MINUS})?{_SP}?{_NUM})
    {_WS}?[,;]{_WS}?
    (?:{_P}|{_NS})
    """,
    re.VERBOSE,
)

_RATIO_LABELS = (r"odds{_S}ratios?|risk{_S}ratios?|relative{_S}risks?|hazard{_S}ratios?"
                 r"|(?:incidence{_S})?rate{_S}ratios?").replace("{_S}", r"[\s-]+")
_OTHER_LABELS = (r"(?:weighted{_S}|standardi[sz]ed{_S})?mean{_S}differences?"
                 r"|risk{_S}differences?|differences?").replace("{_S}", r"[\s-]+")
_RATIO_ABBR = r"a?OR|a?RR|a?HR|a?IRR"
_OTHER_ABBR = r"MD|WMD|SMD|RD|ARD|ARR|RRR"
_LEVEL = (rf"(?:(?P<level>\d{{2}}(?:[.\u00b7]\d+)?){_SP}?%{_SP}?(?:CI|C\.I\.|"
          rf"confidence{_WS}+intervals?)|CI\b|confidence{_WS}+intervals?)")
_UNIT = (r"(?:%|percentage" + _WS + r"+points?|mmol/mol|mmol/l|mg/dl|mm" + _SP
         + r"?Hg|kg|points?|units?)")
_TO = rf"(?:{_WS}*(?:to|--|[\u2013\u2014-]|\u2011|,|;){_WS}*)"
_BOUNDS = (rf"(?P<lo>{_SNUM})(?:{_SP}?{_UNIT})?{_TO}(?P<hi>{_SNUM})(?:{_SP}?{_UNIT})?")
_TAIL_P = (rf"(?:{_WS}?[;,]{_WS}?{_P})?{_WS}?(?P<close>[)\]])?"
           rf"(?:{_WS}?[;,]?{_WS}?{_p_pattern('2')})?")

_ESTIMATE = re.compile(
    rf"""
    (?:
        (?<![A-Za-z])(?P<label>(?i:{_RATIO_LABELS}|{_OTHER_LABELS})|{_RATIO_ABBR}|{_OTHER_ABBR})
        (?![A-Za-z])(?:{_SP}?\([A-Za-z]{{2,4}}\))?
        (?:{_WS}?[=:,]{_WS}?|{_WS}(?:of|was|were|is){_WS}|{_WS})
      | (?<![\w.\u00b7,])
    )
    (?P<est>{_SNUM})(?![\d/])(?!{_SP}?%{_SP}?(?:CI\b|C\.I\.|confidence))(?:{_SP}?{_UNIT})?
    {_WS}?(?P<open>[(\[]|[,;])?{_WS}?
    (?:{_LEVEL}(?:{_WS}?[,:=]{_WS}?|{_WS}(?:of|was|were){_WS}|{_WS})?)?
    {_BOUNDS}
    {_TAIL_P}
    """,
    re.VERBOSE,
)

_NEGATIVE = re.compile(
    r"\b(?:no|not|non|nor|without|neither)[\s-]*(?:statistically[\s-]+)?significant"
    r"|\bnonsignificant|\bnot\s+(?:statistically\s+)?significantly"
    r"|\bdid\s+not\s+(?:\w+\s+){0,2}significantly|\bdid\s+not\s+differ"
    r"|\b(?:failed|fail|fails)\s+to\s+reach\s+(?:statistical\s+)?significance"
    r"|\bdid\s+not\s+reach\s+(?:statistical\s+)?significance"
    r"|\bno\s+(?:statistically\s+)?significant",
    re.IGNORECASE,
)
_POSITIVE = re.compile(r"\b(?:statistically\s+)?significant(?:ly)?\b", re.IGNORECASE)
_HEDGED = re.compile(r"\b(?:marginally|borderline|nearly|approaching|clinically|trend)\b",
                     re.IGNORECASE)
_SIGNIFIC = re.compile(r"signific", re.IGNORECASE)
_ONE_TAILED = re.compile(r"one.?sided|one.?tailed|directional", re.IGNORECASE)
# A sentence also ends at ")." before a lower-case word ("… 1.14]). beta-blockers …"): an
# abbreviation ("e.g.", "et al.") does not end in a bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\s\u00a0]+(?=[A-Z\u0391-\u03a9])"
                           r"|(?<=[)\]]\.)[\s\u00a0]+(?=[a-z])|\n[ \t]*\n")
_CLAUSE_END = re.compile(r";|,?\s+(?:but|whereas|while|although|though)\s+")

_INT = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
_PCT = rf"(?P<pct>{_NUM}){_SP}?%"
_PERCENTS = (
    re.compile(rf"(?<![\w.,/])(?P<events>{_INT}){_SP}?/{_SP}?(?P<total>{_INT})"
               rf"{_WS}?\({_WS}?{_PCT}{_WS}?\)"),
    re.compile(rf"(?<![\w.,/])(?P<events>{_INT}){_WS}(?:out{_WS})?of{_WS}(?:the{_WS})?"
               rf"(?P<total>{_INT})(?:{_WS}[A-Za-z-]+){{0,3}}{_WS}?\({_WS}?{_PCT}{_WS}?\)"),
    re.compile(rf"(?<![\w.,])(?P<pct>{_NUM}){_SP}?%{_WS}?\({_WS}?(?P<events>{_INT}){_SP}?/"
               rf"{_SP}?(?P<total>{_INT}){_WS}?\)"),
)
_SMALL_N = re.compile(rf"(?<![A-Za-z])n{_SP}?={_SP}?(?P<events>{_INT}){_WS}?[(,]{_WS}?{_PCT}(?:{_WS}?\))?")
_BIG_N = re.compile(rf"(?<![A-Za-z])N{_SP}?={_SP}?(?P<n>{_INT})(?![\d.])")

_MEAN = re.compile(rf"(?<![A-Za-z])(?:M|[Mm]ean)(?:{_SP}?[=:]|{_SP}(?:of|was)){_SP}?(?P<mean>{_NUM})")
_SD = re.compile(rf"(?<![A-Za-z])(?:SD|s\.d\.)(?:{_SP}?[=:]|{_SP}(?:of|was))?{_SP}?(?P<sd>{_NUM})")
_ANY_N = re.compile(rf"(?<![A-Za-z])[nN]{_SP}?={_SP}?(?P<n>{_INT})(?![\d.])")
_ITEMS = re.compile(r"\b(?P<items>\d+|single|one)[\s-]items?\b", re.IGNORECASE)

_SEGMENT = re.compile(r"\n[ \t]*\n")
_STAGES = {
    "identified": re.compile(r"(?:identified|retrieved|found|yielded|records)\b", re.I),
    "duplicates": re.compile(r"duplicat", re.I),
    "excluded": re.compile(r"exclu|removed|discarded|ineligible", re.I),
    "screened": re.compile(r"screen", re.I),
    "assessed": re.compile(r"full[\s-]*texts?|assessed|eligibility", re.I),
    "included": re.compile(r"\bincluded|\bin\s+the\s+(?:review|meta-analysis)", re.I),
}
_FLOW_NAMES = {"identified": "records identified", "duplicates": "duplicates removed",
               "excluded": "records excluded", "screened": "records screened",
               "assessed": "full texts assessed", "included": "studies included"}
_COUNT = re.compile(rf"(?<![\w.,\u00b7/-])(?P<n>{_INT})(?![\w.\u00b7%/]|,\d)")
_SUBGROUPS = re.compile(
    rf"(?<![A-Za-z])n{_SP}?={_SP}?(?P<a>{_INT})(?:(?:{_WS}?,{_WS}?|{_WS}and{_WS})"
    rf"(?:[\w-]+{_WS}){{0,2}}n{_SP}?={_SP}?{_INT}){{1,7}}{_WS}(?:out{_WS})?of{_WS}(?:the{_WS}|all{_WS})?"
    rf"(?P<whole>{_INT})(?![\d.])"
)
_PART_N = re.compile(rf"(?<![A-Za-z])n{_SP}?={_SP}?(?P<n>{_INT})")


def scan(text: str) -> list[Reported]:
    """Every statement of ``text`` the audit can check, in the order they appear.

    Parameters
    ----------
    text : str
        Plain text (a reader's output for HTML and PDF); lines are counted from 1.

    Returns
    -------
    list of Reported
        One per statement, with ``quote`` (the verbatim span) and ``line``.
    """
    doc = _Document(text)
    found: list[tuple[int, Reported]] = []
    taken = _Spans()
    for statements in (_test_statistics(doc), _estimates(doc), _percents(doc)):
        for start, end, reported in statements:
            if taken.add(start, end):
                found.append((start, reported))
    found.extend((start, reported) for start, _, reported in _means(doc))
    found.sort(key=lambda item: item[0])
    return [reported for _, reported in found]


def scan_totals(text: str) -> list[Total]:
    """Every stated sum of ``text``: PRISMA flows and subgroups said to make up a whole.

    A flow is read from one paragraph as a chain of counts, each named by the words after it
    (records identified, duplicates, screened, excluded, full texts assessed, included): a
    stage, the records excluded from it, and the next stage give ``Total((excluded, next),
    stage)`` (PRISMA 2020, Page et al. 2021, figure 1). Subgroups are read only in the
    explicit form ``n = 20 … and … n = 25 of 50``.
    """
    doc = _Document(text)
    totals = list(_prisma_flows(doc)) + list(_subgroups(doc))
    return sorted(totals, key=lambda total: (total.line, total.quote))


# -- the document: lines, sentences, clauses -------------------------------------------------


class _Spans:
    """Non-overlapping spans of the text already taken by a statement."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, start: int, end: int) -> bool:
        """Take ``[start, end)`` unless it overlaps a span taken before; say whether taken."""
        index = bisect.bisect_left(self._starts, start)
        if index > 0 and self._ends[index - 1] > start:
            return False
        if index < len(self._starts) and self._starts[index] < end:
            return False
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        return True


#: How far around a statement its sentence is looked at, in characters.
_REACH = 400


class _Document:
    """The text with its line starts and sentence bounds, for spans and context."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._sentence_starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        self._significance = [m.start() for m in _SIGNIFIC.finditer(text)]
        self._one_tailed = [m.start() for m in _ONE_TAILED.finditer(text)]

    @staticmethod
    def _any(offsets: list[int], begin: int, stop: int) -> bool:
        index = bisect.bisect_left(offsets, begin)
        return index < len(offsets) and offsets[index] < stop

    def mentions_significance(self, begin: int, stop: int) -> bool:
        """Whether "signific…" occurs in ``[begin, stop)``."""
        return self._any(self._significance, begin, stop)

    def mentions_one_tailed(self, begin: int, stop: int) -> bool:
        """Whether "one-tailed", "one-sided" or "directional" occurs in ``[begin, stop)``."""
        return self._any(self._one_tailed, begin, stop)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset)

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The span of the sentence(s) around ``[start, end)``, at most :data:`_REACH`
        characters either side (a text without full stops is not one long sentence)."""
        first = bisect.bisect_right(self._sentence_starts, start) - 1
        last = bisect.bisect_left(self._sentence_starts, end)
        begin = self._sentence_starts[first]
        stop = self._sentence_starts[last] if last < len(self._sentence_starts) else len(self.text)
        return max(begin, start - _REACH), min(stop, end + _REACH)

    def previous_sentence_start(self, start: int) -> int:
        index = bisect.bisect_right(self._sentence_starts, start) - 1
        return max(self._sentence_starts[max(index - 1, 0)], start - 2 * _REACH)

    def clause(self, start: int, end: int) -> str:
        """The clause around a statement: its sentence cut at ``;`` and "but", "whereas"…
        outside brackets (a statement's own ``(95% CI …; P = …)`` keeps its semicolon)."""
        begin, stop = self.sentence(start, end)
        sentence = self.text[begin:stop]
        lo, hi = 0, len(sentence)
        for cut in _CLAUSE_END.finditer(sentence):
            if _depth(sentence, cut.start()) > 0:
                continue
            if begin + cut.end() <= start:
                lo = cut.end()
            elif begin + cut.start() >= end:
                hi = cut.start()
                break
        return sentence[lo:hi]


def _depth(text: str, offset: int) -> int:
    """The bracket depth of ``text`` at ``offset``."""
    before = text[:offset]
    return before.count("(") + before.count("[") - before.count(")") - before.count("]")


def _claim(doc: _Document, start: int, end: int) -> Literal["significant", "not significant"] | None:
    if not doc.mentions_significance(*doc.sentence(start, end)):
        return None
    clause = doc.clause(start, end)
    if _NEGATIVE.search(clause):
        return "not significant"
    if _HEDGED.search(clause):
        return None
    return "significant" if _POSITIVE.search(clause) else None


def _printed(text: str) -> Printed | None:
    """``Printed`` for a matched number; ``None`` if it cannot be one (never raises)."""
    compact = re.sub(r"[\s\u00a0\u2009\u202f]", "", text)
    power = re.fullmatch(r"(.*?)[x\u00d7]10" + _SIGN + r"(\d+)", compact)
    if power is not None:
        mantissa = power[1]
        if mantissa.startswith((".", "\u00b7")) or not mantissa:
            return None
        compact = f"{mantissa}e-{power[2]}"
    try:
        return Printed.parse(compact)
    except InputError:
        return None


# -- test statistics --------------------------------------------------------------------------


def _test_statistics(doc: _Document) -> Iterator[tuple[int, int, Reported]]:
    for match in _TEST.finditer(doc.text):
        statistic: TestStatistic
        df1 = df2 = None
        if match["tr"]:
            statistic = "t" if match["tr"] == "t" else "r"
            df1 = _printed(match["df"])
        elif match["q"]:
            statistic, df1 = "Q", _printed(match["qdf"])
        elif match["fdf2"]:
            statistic = "F"
            df1 = _printed("1" if match["fdf1"] in ("I", "l") else match["fdf1"])
            df2 = _printed(match["fdf2"])
        elif match["cdf"]:
            statistic, df1 = "chi2", _printed(match["cdf"])
        else:
            statistic = "z"
        value = _printed(re.sub(_ODD_MINUS, "-", match["value"]))
        if value is None or (statistic != "z" and df1 is None):
            continue
        value = replace(value, relation=_relation(match["vrel"]))
        if statistic == "r" and abs(value.value) > 1:
            continue
        if match["ns"]:
            p = Printed(text=match["ns"], value=0.05, decimals=2, relation=">=")
        else:
            parsed = _printed(match["p"])
            if parsed is None or parsed.value > 1:
                continue
            p = replace(parsed, relation=_relation(match["prel"]))
        start, end = match.start(), match.end()
        yield start, end, Reported(
            quote=match.group(0), line=doc.line(start), statistic=statistic, value=value,
            df1=df1, df2=df2, p=p, tails=1 if doc.mentions_one_tailed(doc.previous_sentence_start(start),
                                               doc.sentence(start, end)[1]) else 2,
            claim=_claim(doc, start, end),
        )


_RELATION_OF: dict[str, Relation] = {"<": "<", ">": ">", "=": "=", "\u2264": "<=", "\u2265": ">="}


def _relation(symbol: str) -> Relation:
    return _RELATION_OF.get(symbol, "=")


# -- estimates with confidence intervals ------------------------------------------------------


def _estimates(doc: _Document) -> Iterator[tuple[int, int, Reported]]:
    for match in _ESTIMATE.finditer(doc.text):
        label = match["label"]
        has_words = match["level"] is not None or _has_ci_words(match)
        if label is None and not has_words:
            continue
        if label is None and _NOT_AN_ESTIMATE.search(doc.text, max(0, match.start() - 12),
                                                     match.start()):
            continue
        if not has_words and match["open"] not in ("(", "["):
            continue
        if match["close"] is not None and match["open"] not in ("(", "[") and not has_words:
            continue
        estimate, lo, hi = _printed(match["est"]), _printed(match["lo"]), _printed(match["hi"])
        if estimate is None or lo is None or hi is None:
            continue
        level = 95.0 if match["level"] is None else float(match["level"].replace("\u00b7", "."))
        if not 50.0 <= level < 100.0:
            continue
        p_text, p_rel = (match["p"], match["prel"]) if match["p"] else (match["p2"], match["prel2"])
        p = None
        if p_text is not None:
            parsed = _printed(p_text)
            if parsed is not None and parsed.value <= 1:
                p = replace(parsed, relation=_relation(p_rel))
        end = match.end()
        if match["close"] is not None and match["open"] not in ("(", "["):
            end = match.start("close")  # a bracket closing an outer parenthesis
        quote = doc.text[match.start():end].rstrip()
        if label is None:
            ratio = _looks_like_ratio(estimate.value, lo.value, hi.value)
        else:
            ratio = re.fullmatch(rf"{_RATIO_ABBR}|(?i:{_RATIO_LABELS})", label) is not None
        start = match.start()
        yield start, start + len(quote), Reported(
            quote=quote, line=doc.line(start), estimate=estimate, ci_lb=lo, ci_ub=hi, p=p,
            ratio=ratio, level=level, claim=_claim(doc, start, start + len(quote)),
        )


#: What before an unlabelled number says it is not the estimate of the CI that follows: a P
#: value ("p = .011, 95% CI …") or the unit of a per-unit ratio ("RR 0.94 per 10 points, …").
_NOT_AN_ESTIMATE = re.compile(r"(?:\b[Pp]\s*[=<>\u2264\u2265]\s*|\bper\s+)$")


def _has_ci_words(match: re.Match[str]) -> bool:
    between = match.string[match.end("est"):match.start("lo")]
    return re.search(r"CI|C\.I\.|confidence", between) is not None


def _looks_like_ratio(estimate: float, lo: float, hi: float) -> bool:
    """An unlabelled interval is read as a ratio's when it is more symmetric in logs."""
    if min(estimate, lo, hi) <= 0 or not lo < estimate < hi:
        return False
    linear = abs((hi - estimate) - (estimate - lo)) / (hi - lo)
    logs = abs(math.log(hi / estimate) - math.log(estimate / lo)) / math.log(hi / lo)
    return logs < linear


# -- percentages -------------------------------------------------------------------------------


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _percents(doc: _Document) -> Iterator[tuple[int, int, Reported]]:
    seen = _Spans()
    for pattern in _PERCENTS:
        for match in pattern.finditer(doc.text):
            start, end = match.span()
            percent = _printed(match["pct"])
            if percent is None or not seen.add(start, end):
                continue
            yield start, end, Reported(
                quote=match.group(0), line=doc.line(start), events=_int(match["events"]),
                total=_int(match["total"]), percent=percent,
            )
    for match in _SMALL_N.finditer(doc.text):
        start, end = match.span()
        begin, stop = doc.sentence(start, end)
        wholes = {_int(m["n"]) for m in _BIG_N.finditer(doc.text, begin, stop)}
        percent = _printed(match["pct"])
        if len(wholes) != 1 or percent is None or not seen.add(start, end):
            continue
        yield start, end, Reported(
            quote=match.group(0), line=doc.line(start), events=_int(match["events"]),
            total=wholes.pop(), percent=percent,
        )


# -- means of integer data (GRIM, GRIMMER) ------------------------------------------------------


def _means(doc: _Document) -> Iterator[tuple[int, int, Reported]]:
    done: set[int] = set()
    for items_match in _ITEMS.finditer(doc.text):
        begin, stop = doc.sentence(*items_match.span())
        if begin in done:
            continue
        done.add(begin)
        means = list(_MEAN.finditer(doc.text, begin, stop))
        sds = list(_SD.finditer(doc.text, begin, stop))
        ns = {_int(m["n"]) for m in _ANY_N.finditer(doc.text, begin, stop)}
        item_counts = {m["items"].lower() for m in _ITEMS.finditer(doc.text, begin, stop)}
        if len(means) != 1 or len(sds) > 1 or len(ns) != 1 or len(item_counts) != 1:
            continue
        word = item_counts.pop()
        items = 1 if word in ("single", "one") else int(word)
        mean = _printed(means[0]["mean"])
        sd = _printed(sds[0]["sd"]) if sds else None
        n = ns.pop()
        if mean is None or items < 1 or n < 1:
            continue
        spans = [means[0].span()] + ([sds[0].span()] if sds else [])
        start, end = min(a for a, _ in spans), max(b for _, b in spans)
        yield start, end, Reported(
            quote=doc.text[start:end], line=doc.line(start), mean=mean, sd=sd, n=n, items=items,
        )


# -- sums: PRISMA flows and subgroups -------------------------------------------------------------


def _prisma_flows(doc: _Document) -> Iterator[Total]:
    offset = 0
    for segment in [*_SEGMENT.split(doc.text)]:
        start = doc.text.find(segment, offset)
        offset = start + len(segment)
        if not re.search(r"screen|full[\s-]*text|records", segment, re.IGNORECASE):
            continue
        chain = _flow_chain(segment)
        for i in range(len(chain) - 2):
            (a_role, a, a_span), (b_role, b, _), (c_role, c, c_span) = chain[i:i + 3]
            if a_role in ("excluded", "duplicates") or c_role in ("excluded", "duplicates"):
                continue
            if b_role not in ("excluded", "duplicates"):
                continue
            if b_role == "duplicates" and a_role != "identified":
                continue
            lo, hi = start + a_span[0], start + c_span[1]
            yield Total(parts=((_FLOW_NAMES[b_role], b), (_FLOW_NAMES[c_role], c)),
                        whole=(_FLOW_NAMES[a_role], a), kind=FindingKind.PRISMA_FLOW,
                        quote=doc.text[lo:hi], line=doc.line(lo))


def _flow_chain(segment: str) -> list[tuple[str, Printed, tuple[int, int]]]:
    """The counts of a paragraph named by the few words after each (a flow's boxes)."""
    chain: list[tuple[str, Printed, tuple[int, int]]] = []
    for match in _COUNT.finditer(segment):
        after = segment[match.end():match.end() + 45]
        after = re.split(r"[.;:()]|\d", after, maxsplit=1)[0]
        role = next((name for name in ("duplicates", "excluded", "screened", "assessed",
                                        "included", "identified")
                     if _STAGES[name].search(after)), None)
        if role is None:
            continue
        count = _printed(match["n"])
        if count is not None:
            chain.append((role, count, match.span()))
    return chain


def _subgroups(doc: _Document) -> Iterator[Total]:
    for match in _SUBGROUPS.finditer(doc.text):
        body = doc.text[match.start():match.start("whole")]
        parts = [(f"subgroup {i}", _printed(m["n"]))
                 for i, m in enumerate(_PART_N.finditer(body), start=1)]
        whole = _printed(match["whole"])
        if len(parts) < 2 or whole is None:
            continue
        yield Total(parts=tuple((name, n) for name, n in parts if n is not None),
                    whole=("total", whole), kind=FindingKind.SUBGROUP_TOTAL,
                    quote=match.group(0), line=doc.line(match.start()))
