"""The closed vocabularies of risk-of-bias assessment: tools, domains, judgements, answers.

* :class:`RobTool` — ``rob2`` (Sterne et al. 2019, BMJ 366:l4898) and ``robins-i`` (Sterne et
  al. 2016, BMJ 355:i4919), each with its :class:`Domain` list (:meth:`RobTool.domains`) and its
  judgements from least to most severe (:meth:`RobTool.judgements`).
* :class:`Rob2Judgement` — low / some concerns / high (RoB 2, Table 1 of the BMJ paper).
* :class:`RobinsJudgement` — low / moderate / serious / critical / no information (ROBINS-I,
  Table 2 of the BMJ paper).
* :class:`Answer` — the signalling-question answers both tools use: Y, PY, PN, N, NI, and NA for
  a question that does not apply.
* :class:`Effect` — the effect RoB 2's domain 2 is assessed for: of assignment to the
  intervention (intention to treat) or of adhering to it (per protocol).

Domain names are the tools' own ("Bias arising from the randomization process"); the short
labels are what plots and tables print beside the domain code ("D1").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from evidencehub.errors import InputError

__all__ = [
    "Answer",
    "Domain",
    "Effect",
    "Judgement",
    "Rob2Judgement",
    "RobTool",
    "RobinsJudgement",
]


class Answer(StrEnum):
    """An answer to a signalling question."""

    Y = "Y"
    PY = "PY"
    PN = "PN"
    N = "N"
    NI = "NI"
    NA = "NA"

    @property
    def label(self) -> str:
        """The answer in words ("Probably yes")."""
        return _ANSWER_LABELS[self.value]

    @classmethod
    def parse(cls, text: str, *, where: str | None = None) -> Answer:
        """The answer spelled ``text`` (code or words, any case), or an :class:`InputError`."""
        key = " ".join(str(text).split()).lower()
        for answer in cls:
            if key in (answer.value.lower(), answer.label.lower()):
                return answer
        known = ", ".join(a.value for a in cls)
        raise InputError(f"expected an answer ({known}); got {text!r}", where=where)


_ANSWER_LABELS = {"Y": "Yes", "PY": "Probably yes", "PN": "Probably no", "N": "No",
                  "NI": "No information", "NA": "Not applicable"}


class Effect(StrEnum):
    """The effect of interest that RoB 2's domain 2 is assessed for."""

    ASSIGNMENT = "assignment"  # effect of assignment to intervention (intention to treat)
    ADHERENCE = "adherence"  # effect of adhering to intervention (per protocol)


class Rob2Judgement(StrEnum):
    """A RoB 2 judgement of a domain or of the result overall."""

    LOW = "low"
    SOME_CONCERNS = "some concerns"
    HIGH = "high"

    @property
    def label(self) -> str:
        """As RoB 2 prints it ("Low risk of bias")."""
        return {"low": "Low risk of bias", "some concerns": "Some concerns",
                "high": "High risk of bias"}[self.value]

    @property
    def severity(self) -> int:
        """0 for low, up to 2 for high."""
        return list(Rob2Judgement).index(self)


class RobinsJudgement(StrEnum):
    """A ROBINS-I judgement of a domain or of the result overall."""

    LOW = "low"
    MODERATE = "moderate"
    SERIOUS = "serious"
    CRITICAL = "critical"
    NO_INFORMATION = "no information"

    @property
    def label(self) -> str:
        """As ROBINS-I prints it ("Serious risk of bias", "No information")."""
        if self is RobinsJudgement.NO_INFORMATION:
            return "No information"
        return f"{self.value.capitalize()} risk of bias"

    @property
    def severity(self) -> int:
        """0 for low, up to 3 for critical; -1 for no information (it is not a level of risk)."""
        return -1 if self is RobinsJudgement.NO_INFORMATION else list(RobinsJudgement).index(self)


Judgement = Rob2Judgement | RobinsJudgement


@dataclass(frozen=True, slots=True)
class Domain:
    """A bias domain of a tool.

    Attributes
    ----------
    code : str
        ``D1``, ``D2``…, as robvis and the tools' summary tables number them.
    name : str
        The tool's name of the domain ("Bias arising from the randomization process").
    short : str
        A short label ("randomisation process").
    """

    code: str
    name: str
    short: str


_ROB2_DOMAINS = (
    Domain("D1", "Bias arising from the randomization process", "randomisation process"),
    Domain("D2", "Bias due to deviations from intended interventions",
           "deviations from intended interventions"),
    Domain("D3", "Bias due to missing outcome data", "missing outcome data"),
    Domain("D4", "Bias in measurement of the outcome", "measurement of the outcome"),
    Domain("D5", "Bias in selection of the reported result", "selection of the reported result"),
)

_ROBINS_I_DOMAINS = (
    Domain("D1", "Bias due to confounding", "confounding"),
    Domain("D2", "Bias in selection of participants into the study",
           "selection of participants"),
    Domain("D3", "Bias in classification of interventions", "classification of interventions"),
    Domain("D4", "Bias due to deviations from intended interventions",
           "deviations from intended interventions"),
    Domain("D5", "Bias due to missing data", "missing data"),
    Domain("D6", "Bias in measurement of outcomes", "measurement of outcomes"),
    Domain("D7", "Bias in selection of the reported result", "selection of the reported result"),
)


class RobTool(StrEnum):
    """A risk-of-bias tool."""

    ROB2 = "rob2"
    ROBINS_I = "robins-i"

    @property
    def label(self) -> str:
        """The tool's name as its authors print it."""
        return "RoB 2" if self is RobTool.ROB2 else "ROBINS-I"

    def domains(self) -> tuple[Domain, ...]:
        """The tool's domains in order."""
        return _ROB2_DOMAINS if self is RobTool.ROB2 else _ROBINS_I_DOMAINS

    def domain(self, code: str) -> Domain:
        """The domain with this code, or an :class:`InputError` listing the tool's codes."""
        for domain in self.domains():
            if domain.code == code:
                return domain
        known = ", ".join(d.code for d in self.domains())
        raise InputError(f"{self.label} has no domain {code!r} (known: {known})")

    def judgements(self) -> tuple[Judgement, ...]:
        """The tool's judgements, from least to most severe (ROBINS-I's "no information" last)."""
        return tuple(Rob2Judgement) if self is RobTool.ROB2 else tuple(RobinsJudgement)

    def judgement(self, text: str, *, where: str | None = None) -> Judgement:
        """The judgement spelled ``text`` ("some concerns", "Some concerns", "High risk of
        bias"…), or an :class:`InputError` naming ``where`` and the tool's judgements."""
        key = " ".join(str(text).split()).lower()
        for judgement in self.judgements():
            if key in (judgement.value, judgement.label.lower()):
                return judgement
        known = ", ".join(j.value for j in self.judgements())
        raise InputError(f"expected a {self.label} judgement ({known}); got {text!r}",
                         where=where)
