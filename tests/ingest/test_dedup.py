"""Deduplication: the pair rules, the index, merging, and the threshold check on real samples.

Run this file as a script to print the precision/recall table quoted in ``docs/import.md``::

    .venv/bin/python tests/ingest/test_dedup.py
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from evidencehub.ingest.dedup import (
    DEFAULT_THRESHOLDS,
    DuplicateIndex,
    Match,
    Thresholds,
    Verdict,
    author_key,
    candidate_pairs,
    compare,
    merge_into,
    merge_records,
    source_kind,
    title_key,
    title_score,
)
from evidencehub.model import Author, OpenAccess, Record, RecordLink

# Two real SYNERGY screening sets (sources in tests/data/SOURCES.md).
SCREENING = Path(__file__).parent.parent / "data" / "csv"


def rec(title: str, year: int | None = 2020, family: str | None = "Shapiro", **kw: object) -> Record:
    authors = (Author(family=family, given="A"),) if family else ()
    return Record(title=title, year=year, authors=authors, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- keys and pair rules


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Islet Transplantation in Type 1 Diabetes.", "islet transplantation in type 1 diabetes"),
        ("<i>In vivo</i> β-cell &amp; islet", "in vivo beta cell islet"),
        ("5-HT<inf>2A</inf> receptor", "5 ht 2a receptor"),
        ("5-HT(2A) receptor", "5 ht 2a receptor"),
        ("[Transplantation des îlots]. ", "transplantation des ilots"),
        ("TNF-α and IL‐6", "tnf alpha and il 6"),
    ],
)
def test_title_key(title: str, key: str) -> None:
    assert title_key(title) == key


def test_author_key() -> None:
    assert author_key(rec("x", family="Lüscher")) == "luscher"
    assert author_key(rec("x", family="Gross-Tsur")) == "grosstsur"
    assert author_key(rec("x", family=None)) is None
    assert author_key(Record(title="x", authors=(Author(collective="METRIC Study Group"),))) is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (rec("A", doi="10.1000/x"), rec("B", doi="10.1000/X"), Match(Verdict.SAME, "doi")),
        (rec("A", pmid="1"), rec("B", pmid="1"), Match(Verdict.SAME, "pmid")),
        (rec("A", pmcid="PMC1"), rec("B", pmcid="pmc1"), Match(Verdict.SAME, "pmcid")),
        # same title, but the identifiers say two publications
        (rec("Same title here, long enough", doi="10.1000/a"), rec("Same title here, long enough", doi="10.1000/b"),
         Match(Verdict.DIFFERENT, "doi-conflict")),
        (rec("Same title here, long enough", pmid="1"), rec("Same title here, long enough", pmid="2"),
         Match(Verdict.DIFFERENT, "pmid-conflict")),
    ],
)  # fmt: skip
def test_compare_by_identifier(a: Record, b: Record, expected: Match) -> None:
    assert compare(a, b) == expected
    assert compare(b, a) == expected


LONG = "Stem cell-derived fully differentiated islets for type 1 diabetes"


@pytest.mark.parametrize(
    ("b", "verdict", "reason"),
    [
        (rec(LONG.upper() + ".", doi="10.1000/x"), Verdict.SAME, "title"),
        (rec(LONG, year=2021), Verdict.SAME, "title"),  # epub/print year
        (rec(LONG, year=2022), Verdict.DIFFERENT, "year"),
        (rec(LONG, year=None), Verdict.CANDIDATE, "title"),  # evidence missing: a person decides
        (rec(LONG, family=None), Verdict.CANDIDATE, "title"),
        (rec(LONG, family="Melton"), Verdict.CANDIDATE, "first-author"),  # same title, other author
        (rec("Stem cell-derived fully differentiated islets in type 2 diabetic mice", family="Melton"), Verdict.DIFFERENT, "first-author"),
        (rec("Autologous hematopoietic stem cell transplantation"), Verdict.DIFFERENT, "title"),
    ],
)  # fmt: skip
def test_compare_fuzzy(b: Record, verdict: Verdict, reason: str) -> None:
    match = compare(rec(LONG), b)
    assert (match.verdict, match.reason) == (verdict, reason)
    assert compare(b, rec(LONG)).verdict is verdict


def test_short_titles_are_never_certain() -> None:
    assert compare(rec("Editorial"), rec("Editorial")).verdict is Verdict.CANDIDATE


def test_author_particles_agree() -> None:
    assert compare(rec(LONG, family="van der Meere"), rec(LONG, family="Meere")).verdict is Verdict.SAME


# --------------------------------------------------------------------------- index


def test_index_finds_by_identifier_and_title() -> None:
    index: DuplicateIndex[str] = DuplicateIndex()
    index.add("a", rec(LONG, pmid="111"))
    index.add("b", rec("Encapsulated islet grafts without immunosuppression", doi="10.1000/b"))
    assert index.find(rec("anything", pmid="111")) == ("a", Match(Verdict.SAME, "pmid"))
    found = index.find(rec(LONG + ".", doi="10.1000/new"))
    assert found is not None and found[0] == "a" and found[1].verdict is Verdict.SAME
    # a record with its own PMID never matches another PMID's record on title alone
    assert index.find(rec(LONG, pmid="222")) is None
    assert index.find(rec("Encapsulated islet grafts without immunosuppression", doi="10.1000/c")) is None
    assert len(index) == 2 and "a" in index


def test_index_replace_and_remove() -> None:
    index: DuplicateIndex[int] = DuplicateIndex()
    index.add(1, rec(LONG, pmid="1"))
    index.add(1, rec("Another title of reasonable length", pmid="2"))
    assert index.find(rec("x", pmid="1")) is None
    assert index.find(rec("x", pmid="2")) == (1, Match(Verdict.SAME, "pmid"))
    index.remove(1)
    assert len(index) == 0 and index.find(rec("Another title of reasonable length")) is None


@pytest.mark.parametrize(
    "other",
    [rec(LONG + "."), rec(LONG, year=None), rec(LONG, family="Melton"), rec(LONG, pmid="9"),
     rec("Autologous hematopoietic stem cell transplantation")],
)  # fmt: skip
def test_index_compare_to_agrees_with_compare(other: Record) -> None:
    index: DuplicateIndex[str] = DuplicateIndex()
    stored = rec(LONG, pmid="1")
    index.add("a", stored)
    assert index.compare_to("a", other) == compare(stored, other)


def test_index_prefers_certain_over_candidate() -> None:
    index: DuplicateIndex[str] = DuplicateIndex()
    index.add("no-year", rec(LONG, year=None))
    index.add("full", rec(LONG))
    assert index.find(rec(LONG)) == ("full", Match(Verdict.SAME, "title", 100.0))


# --------------------------------------------------------------------------- merging


def test_merge_takes_each_field_from_the_most_trusted_source() -> None:
    pubmed = rec("Islet title (PubMed)", pmid="1", journal="Lancet", citation_count=None,
                 abstract="Trial NCT01234567.")
    crossref = rec("Islet title (Crossref)", doi="10.1000/x", publisher="Elsevier", citation_count=5)
    openalex = rec("Islet title (OpenAlex)", doi="10.1000/x", citation_count=42,
                   open_access=OpenAccess.GREEN, registry_ids=("UMIN000012345",),
                   links=(RecordLink(kind="retracted-in", target="pmid:2"),))
    merged = merge_records([(openalex, "openalex"), (crossref, "crossref"), (pubmed, "pubmed-xml")])
    record = merged.record
    assert record.title == "Islet title (PubMed)" and record.pmid == "1" and record.doi == "10.1000/x"
    assert record.publisher == "Elsevier" and record.citation_count == 42
    assert record.open_access is OpenAccess.GREEN
    assert record.registry_ids == ("UMIN000012345", "NCT01234567")
    assert record.links == (RecordLink(kind="retracted-in", target="pmid:2"),)
    assert merged.provenance["title"] == "pubmed-xml"
    assert merged.provenance["doi"] == "crossref"
    assert merged.provenance["publisher"] == "crossref"
    assert merged.provenance["citation_count"] == "openalex"
    assert merged.provenance["registry_ids"] == "openalex"
    assert "volume" not in merged.provenance


def test_merge_unknown_sources_rank_last_and_keep_order() -> None:
    merged = merge_records([(rec("first"), "other"), (rec("second"), "other"), (rec("ris one"), "ris")])
    assert merged.record.title == "ris one"
    with pytest.raises(ValueError, match="at least one"):
        merge_records([])


def test_merge_into_respects_the_stored_sources() -> None:
    stored = rec("PubMed title", pmid="1", journal="Lancet", volume="3")
    sources = {"title": "pubmed-xml:a.xml", "journal": "pubmed-xml:a.xml", "volume": "pubmed-xml:a.xml"}
    incoming = rec("CROSSREF TITLE", pmid="1", doi="10.1000/x", journal="The Lancet", issue="7", citation_count=3)
    merged, conflicts = merge_into(stored, sources, incoming, "crossref:works.json")
    assert (merged.title, merged.journal, merged.volume) == ("PubMed title", "Lancet", "3")
    assert (merged.doi, merged.issue, merged.citation_count) == ("10.1000/x", "7", 3)
    assert conflicts == []


def test_merge_into_lets_a_newer_export_of_the_same_source_win_ties() -> None:
    stored = rec("Old title", pmid="1")
    newer = rec("Corrected title", pmid="1")
    merged, _ = merge_into(stored, {"title": "pubmed-xml:2024.xml"}, newer, "pubmed-xml:2025.xml")
    assert merged.title == "Corrected title"
    kept, _ = merge_into(stored, {"title": "pubmed-xml:2024.xml"}, newer, "pubmed-xml:2025.xml",
                         incoming_wins_ties=False)  # fmt: skip
    assert kept.title == "Old title"


def test_merge_into_never_overwrites_identifiers_and_unions_registry_ids() -> None:
    stored = rec("T", pmid="1", doi="10.1000/a", registry_ids=("NCT00000001",))
    incoming = rec("T", pmid="1", doi="10.1000/b", abstract="See UMIN000012345.")
    merged, conflicts = merge_into(stored, {}, incoming, "pubmed-xml:x.xml")
    assert merged.doi == "10.1000/a"
    assert conflicts == ["doi 10.1000/a (stored) vs 10.1000/b (pubmed-xml:x.xml)"]
    assert merged.registry_ids == ("NCT00000001", "UMIN000012345")


def test_merge_into_can_trust_registry_ids_found_already() -> None:
    """The importer has searched the incoming text already: merge_into need not search again."""
    stored = rec("T", pmid="1", registry_ids=("NCT00000001",))
    found = rec("T", pmid="1", abstract="See UMIN000012345.", registry_ids=("UMIN000012345",))
    merged, _ = merge_into(stored, {}, found, "pubmed-xml:x.xml", scan_incoming=False)
    assert merged.registry_ids == ("NCT00000001", "UMIN000012345")
    unscanned = rec("T", pmid="1", abstract="See UMIN000012345.")
    merged, _ = merge_into(stored, {}, unscanned, "pubmed-xml:x.xml", scan_incoming=False)
    assert merged.registry_ids == ("NCT00000001",)


def test_source_kind() -> None:
    assert source_kind("pubmed-xml:baseline.xml.gz") == "pubmed-xml"
    assert source_kind("ris") == "ris"


def test_candidate_pairs_over_stored_records() -> None:
    records = [
        ("title:a", rec(LONG, family="Melton")),
        ("doi:10.1000/b", rec(LONG, doi="10.1000/b")),
        ("pmid:3", rec("Something else entirely about insulin", pmid="3")),
        ("title:d", rec(LONG + ".", year=None, family="Pagliuca")),
    ]
    pairs = candidate_pairs(records)
    assert [(a, b, m.verdict, m.reason) for a, b, m in pairs] == [
        ("title:a", "doi:10.1000/b", Verdict.CANDIDATE, "first-author"),
        ("title:a", "title:d", Verdict.CANDIDATE, "first-author"),
    ]


# --------------------------------------------------------------------------- threshold evidence


@dataclass(frozen=True)
class Sample:
    record: Record
    dataset: str


def _first_family(authors: str, separator: str) -> str | None:
    first = re.split(separator, authors)[0].strip() if authors.strip() else ""
    return first.split()[-1] if first else None


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a SYNERGY CSV, whose abstracts exceed the csv module's field-size limit; the
    limit is the process's, so it is restored for the tests that check it."""
    limit = csv.field_size_limit(1 << 30)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    finally:
        csv.field_size_limit(limit)


@cache
def screening_samples() -> tuple[Sample, ...]:
    """Real records of two SYNERGY screening sets (title, first author, year, PMID where given)."""
    layouts = {"Bannach-Brown_2019.csv": r",| and ", "Cohen_2006_ADHD.csv": ";"}
    samples = []
    for name, separator in layouts.items():
        for row in _rows(SCREENING / name):
            if not row["title"].strip():
                continue
            family = _first_family(row["authors"], separator)
            record = Record(
                title=row["title"],
                year=int(float(row["year"])) if row["year"] else None,
                pmid=row.get("pubmedID") or None,
                authors=(Author(family=family),) if family else (),
            )
            samples.append(Sample(record, name))
    return tuple(samples)


def _drop_char(title: str, rng: random.Random) -> str:
    words = [i for i, w in enumerate(title.split(" ")) if len(w) >= 6]
    parts = title.split(" ")
    if words:
        i = rng.choice(words)
        j = rng.randrange(1, len(parts[i]) - 1)
        parts[i] = parts[i][:j] + parts[i][j + 1 :]
    return " ".join(parts)


def _markup(title: str, rng: random.Random) -> str:
    parts = title.split(" ")
    i = rng.randrange(len(parts))
    parts[i] = f"<i>{parts[i]}</i>"
    return " ".join(parts).replace(" and ", " &amp; ", 1)


#: How the same work differs between sources, each applied to a real title (and year/author).
PERTURBATIONS: dict[str, Callable[[Record, random.Random], Record | None]] = {
    "case and final stop": lambda r, _: r.model_copy(update={"title": r.title.upper().rstrip(".")}),
    "subtitle separator": lambda r, _: r.model_copy(update={"title": r.title.replace(": ", " - ")})
    if ": " in r.title else None,
    "markup and entities": lambda r, g: r.model_copy(update={"title": _markup(r.title, g)}),
    "bracketed translation": lambda r, _: r.model_copy(update={"title": f"[{r.title.rstrip('.')}]."}),
    "print year (+1)": lambda r, _: r.model_copy(update={"year": r.year + 1}) if r.year else None,
    "accented author": lambda r, _: r.model_copy(update={"authors": (Author(
        family=r.authors[0].family.replace("e", "é", 1)),)}) if r.authors and r.authors[0].family else None,
    "one typo": lambda r, g: r.model_copy(update={"title": _drop_char(r.title, g)}),
    "two typos": lambda r, g: r.model_copy(update={"title": _drop_char(_drop_char(r.title, g), g)}),
    "subtitle dropped": lambda r, _: r.model_copy(update={"title": r.title.split(": ")[0]})
    if ": " in r.title and len(r.title.split(": ")[0]) >= 25 else None,
}  # fmt: skip

#: The same work twice in the samples themselves (Scopus-style markup vs PubMed's spelling).
REAL_DUPLICATE_TITLES = ("Design and synthesis of novel arylpiperazine derivatives containing the imidazole",)
#: One citation under two PMIDs (9003849, 9432523): identical title, authors, years 1997/1998.
#: With the PMIDs, the identifier rule keeps them apart; without, they merge. Counted in neither.
TWO_PMID_TITLES = ("Epilepsy and attention deficit hyperactivity disorder: is methylphenidate safe",)


@cache
def positive_pairs() -> tuple[tuple[str, Record, Record], ...]:
    rng = random.Random(20240521)
    samples = [s.record.model_copy(update={"pmid": None}) for s in screening_samples()]
    chosen = rng.sample(samples, 400)
    pairs = []
    for kind, perturb in PERTURBATIONS.items():
        for record in chosen:
            other = perturb(record, rng)
            if other is not None:
                pairs.append((kind, record, other))
    real = [s.record for s in screening_samples() if s.record.title.startswith(REAL_DUPLICATE_TITLES)]
    pairs.append(("real: markup in title", real[0], real[1]))
    return tuple(pairs)


@dataclass(frozen=True)
class Scores:
    positives: int
    same: int
    caught: int  # same or candidate
    false_same: int
    false_candidates: int

    @property
    def precision(self) -> float:
        return self.same / (self.same + self.false_same) if self.same + self.false_same else 1.0

    @property
    def recall(self) -> float:
        return self.same / self.positives

    @property
    def recall_with_candidates(self) -> float:
        return self.caught / self.positives


def evaluate(thresholds: Thresholds) -> Scores:
    """Score ``thresholds``: perturbed duplicates (positives) and every pair of distinct samples.

    Negatives come from the duplicate index itself: each sample, stripped of its PMID (as in a
    RIS or CSV export, so that titles alone decide), is looked up among the samples before it,
    so any hit other than the known real duplicate is a false match.
    """
    positives = positive_pairs()
    verdicts = [compare(a, b, thresholds).verdict for _, a, b in positives]
    same = sum(v is Verdict.SAME for v in verdicts)
    caught = sum(v is not Verdict.DIFFERENT for v in verdicts)
    index: DuplicateIndex[int] = DuplicateIndex(thresholds)
    false_same = false_candidates = 0
    for position, sample in enumerate(screening_samples()):
        record = sample.record.model_copy(update={"pmid": None})
        found = index.find(record)
        if found is not None and not record.title.startswith(REAL_DUPLICATE_TITLES + TWO_PMID_TITLES):
            false_same += found[1].verdict is Verdict.SAME
            false_candidates += found[1].verdict is Verdict.CANDIDATE
        index.add(position, record)
    return Scores(len(positives), same, caught, false_same, false_candidates)


@pytest.mark.slow
def test_default_thresholds_on_the_samples() -> None:
    """The figures quoted in docs/import.md: no false merge, most duplicates merged outright."""
    scores = evaluate(DEFAULT_THRESHOLDS)
    assert scores.false_same == 0
    assert scores.precision == 1.0
    assert scores.recall >= 0.85
    assert scores.recall_with_candidates >= 0.97
    assert scores.false_candidates <= 10


def test_a_lower_certain_threshold_would_merge_distinct_papers() -> None:
    """Why 'certain' is not lower: distinct papers by one author in one year score in the 80s."""
    a = rec("Dosing interval for prolongation of tetracaine spinal anesthesia by oral clonidine in humans.",
            year=1994, family="Ota")
    b = rec("Dose-related prolongation of tetracaine spinal anesthesia by oral clonidine in humans.",
            year=1994, family="Ota")  # fmt: skip
    assert 80 <= title_score(a.title, b.title) < DEFAULT_THRESHOLDS.certain
    assert compare(a, b).verdict is Verdict.CANDIDATE
    assert compare(a, b, Thresholds(certain=85)).verdict is Verdict.SAME


def _table() -> None:  # pragma: no cover - the docs table
    print("| certain | candidate | precision | recall (merged) | recall (merged or candidate) "
          "| false merges | false candidates |")
    print("|---|---|---|---|---|---|---|")
    for certain, candidate in [(80, 70), (85, 75), (88, 80), (90, 80), (93, 80), (95, 80), (97, 85), (100, 90)]:
        s = evaluate(Thresholds(certain=certain, candidate=candidate))
        print(f"| {certain} | {candidate} | {s.precision:.4f} | {s.recall:.3f} | "
              f"{s.recall_with_candidates:.3f} | {s.false_same} | {s.false_candidates} |")
    s = evaluate(DEFAULT_THRESHOLDS)
    print(f"\npositives: {s.positives}, samples: {len(screening_samples())}")
    for kind in [*PERTURBATIONS, "real: markup in title"]:
        pairs = [(a, b) for k, a, b in positive_pairs() if k == kind]
        verdicts = [compare(a, b).verdict for a, b in pairs]
        print(f"| {kind} | {len(pairs)} | {sum(v is Verdict.SAME for v in verdicts)} | "
              f"{sum(v is Verdict.CANDIDATE for v in verdicts)} |")


if __name__ == "__main__":  # pragma: no cover
    _table()
