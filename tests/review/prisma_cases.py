"""Decision histories for the PRISMA tests, written as the typed inputs of ``prisma_flow``.

Test modules import it as ``from tests.review.prisma_cases import CASES``. Run as a script it
writes each case's PRISMA2020 template CSV into a directory, the input of the R reference
generator (``tests/reference/prisma2020/generate.R``)::

    .venv/bin/python -m tests.review.prisma_cases tests/reference/prisma2020

* ``seed004`` — the flow of seed 004 (DESIGN.md): eight databases, 2270 records identified and
  screened, 2230 excluded on title and abstract, 40 full texts, 30 excluded, 10 included. The
  seed gives the total identified, not the split by database, and no reasons for the 30
  exclusions: the split and the three reasons here are made up (the reason texts include a
  comma, which the CSV must carry safely).
* ``mixed`` — every kind of box at once: two databases (one searched twice), a register,
  duplicates and other removals, website and citation searching, a review in progress
  (records awaiting screening, retrieval and assessment, a full-text ``maybe``), reports not
  retrieved, an exclusion without a reason, two reports of one study, and a study with reports
  from both columns.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from evidencehub.review.prisma import (
    ExclusionReason,
    PrismaFlow,
    RecordState,
    RemovedBeforeScreening,
    Search,
    prisma_flow,
)
from evidencehub.review.prisma_csv import prisma_csv
from evidencehub.vocab import OtherMethod, RetrievalStatus, ScreeningLabel, SearchKind

__all__ = ["CASES", "Case"]

INC, EXC, MAY = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE, ScreeningLabel.MAYBE
DB, REG, OTHER = SearchKind.DATABASE, SearchKind.REGISTER, SearchKind.OTHER
GOT, NOT_GOT, SOUGHT = (RetrievalStatus.RETRIEVED, RetrievalStatus.NOT_RETRIEVED,
                        RetrievalStatus.SOUGHT)


@dataclass(frozen=True)
class Case:
    """The typed inputs of one review."""

    searches: tuple[Search, ...]
    removed: RemovedBeforeScreening
    records: tuple[RecordState, ...]

    def flow(self) -> PrismaFlow:
        return prisma_flow(self.searches, self.removed, self.records)


def _seed004() -> Case:
    split = {"PubMed": 612, "Embase": 540, "Cochrane Library": 118, "Web of Science": 406,
             "Scopus": 371, "CNKI": 97, "Wanfang": 76, "VIP": 50}
    searches = tuple(Search(name, DB, n) for name, n in split.items())
    reasons = [ExclusionReason("E1", "Not type 1 diabetes, or mixed populations"),
               ExclusionReason("E2", "No stem-cell intervention"),
               ExclusionReason("E3", "Review; editorial; or conference abstract")]
    records: list[RecordState] = []
    for i in range(2270):
        rid = f"r{i:04d}"
        if i < 2230:
            records.append(RecordState(rid, DB, EXC))
        elif i < 2260:  # 30 excluded at full text: 14, 10 and 6 per reason
            j = i - 2230
            reason = reasons[0] if j < 14 else reasons[1] if j < 24 else reasons[2]
            records.append(RecordState(rid, DB, INC, GOT, EXC, reason))
        else:
            records.append(RecordState(rid, DB, INC if i % 3 else MAY, GOT, INC))
    return Case(searches, RemovedBeforeScreening(), tuple(records))


def _mixed() -> Case:
    searches = (
        Search("MEDLINE (Ovid)", DB, 30), Search("Embase", DB, 14),
        Search("MEDLINE (Ovid)", DB, 6),  # an update search of the same source
        Search("ClinicalTrials.gov", REG, 5),
        Search("Reference lists of included studies", OTHER, 6,
               OtherMethod.CITATION_SEARCHING),
        Search("Breakthrough T1D website", OTHER, 3, OtherMethod.WEBSITE),
    )
    # 55 from databases and registers - 12 duplicates - 3 automation - 2 other = 38 records
    removed = RemovedBeforeScreening(duplicates=12, automation=3, other=2)
    wrong = ExclusionReason("C1", "Wrong population; adults with type 2 diabetes")
    design = ExclusionReason("C2", "Not a controlled trial")
    dbr: list[RecordState] = (
        [RecordState(f"d{i}", DB, EXC) for i in range(20)]                     # excluded
        + [RecordState(f"a{i}", DB) for i in range(4)]                      # awaiting screening
        + [RecordState("n1", DB, INC, NOT_GOT), RecordState("n2", REG, MAY, NOT_GOT)]
        + [RecordState("w1", DB, INC), RecordState("w2", DB, MAY, SOUGHT)]      # awaiting retrieval
        + [RecordState("q1", DB, INC, GOT), RecordState("q2", REG, INC, None, MAY)]  # awaiting
        + [RecordState("x1", DB, INC, GOT, EXC, wrong), RecordState("x2", DB, INC, GOT, EXC, wrong),
           RecordState("x3", REG, MAY, GOT, EXC, design), RecordState("x4", DB, INC, None, EXC)]
        + [RecordState("s1a", DB, INC, GOT, INC, study_id="S1"),
           RecordState("s1b", REG, INC, GOT, INC, study_id="S1"),
           RecordState("s2", DB, MAY, GOT, INC, study_id="S2"),
           RecordState("s3", DB, INC, SOUGHT, INC)]
    )
    other = [
        RecordState("o-excl", OTHER, EXC), RecordState("o-wait", OTHER),
        RecordState("o-nr", OTHER, INC, NOT_GOT),
        RecordState("o-x", OTHER, INC, GOT, EXC, design),
        RecordState("o-s2", OTHER, INC, GOT, INC, study_id="S2"),  # another report of S2
        RecordState("o-s4", OTHER, INC, GOT, INC, study_id="S4"),
    ]
    return Case(searches, removed, tuple(dbr + other))


CASES: dict[str, Case] = {"seed004": _seed004(), "mixed": _mixed()}


def main(directory: str) -> None:
    """Write ``NAME.csv`` (the PRISMA2020 template CSV) for every case into ``directory``."""
    for name, case in CASES.items():
        (Path(directory) / f"{name}.csv").write_text(prisma_csv(case.flow()), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
