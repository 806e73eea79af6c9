"""Agreement of the tag rules with hand tags: seed 003's page and the demo corpus's pages.

Run from the repository root::

    .venv/bin/python tests/data/grade/tag_agreement.py            # seed 003, default thresholds
    .venv/bin/python tests/data/grade/tag_agreement.py --demo     # the demo pages
    .venv/bin/python tests/data/grade/tag_agreement.py --long-term-months 24 --json

It prints, per tag, the 2 x 2 counts (both, rules only, editor only, neither), the percent
agreement and Cohen's kappa with its SE; then every claim on which the rules and the editor
differ, with the rules' reasons; then the extrapolation rows the rules propose beside the
statuses of the tables the seed (or a demo page) has. docs/tags.md records its output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencehub.analysis.contrasts import analysis_rows
from evidencehub.data.corpus import Corpus, load_corpus, parse_author
from evidencehub.grade.proposals import (
    AnalysisFacts,
    ClaimTags,
    RuleSettings,
    StudyFacts,
    claims_tags,
    page_tags,
    propose_extrapolation,
    section_extrapolations,
    tag_agreement,
)
from evidencehub.model import Author, EvidenceTag, Record, StoredOutcomeData, Study, validate

SEED = Path(__file__).parent / "seed003_claims.toml"


@dataclass(frozen=True, slots=True)
class SeedClaim:
    """A claim of seed 003 with its hand tags (uncited ones need not carry ``unsourced``)."""

    page_slug: str
    text: str
    study_keys: tuple[str, ...]
    analysis_slugs: tuple[str, ...]
    tags: tuple[EvidenceTag, ...]
    section: str


@dataclass(frozen=True, slots=True)
class Seed:
    """Seed 003 as encoded: its studies' facts, its claims and its extrapolation tables."""

    studies: dict[str, StudyFacts]
    claims: tuple[SeedClaim, ...]
    tables: tuple[dict[str, Any], ...]


def load_seed(path: Path = SEED) -> Seed:
    """Read the encoded seed page."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    studies: dict[str, StudyFacts] = {}
    for i, entry in enumerate(data["study"], start=1):
        fields = dict(entry)
        authors = tuple(Author.model_validate(parse_author(a)) for a in fields.pop("authors", ()))
        study = validate(Study, fields, source=path.name, where=f"study {i}")
        record = Record(title=study.label, doi=study.record_keys[0].removeprefix("doi:"),
                        authors=authors)
        studies[study.key] = StudyFacts.from_study(study, {record.key: record})
    claims = tuple(
        SeedClaim(page_slug="ipsc-derived-cell-therapy", text=c["text"],
                  study_keys=tuple(c["study_keys"]), analysis_slugs=(),
                  tags=tuple(EvidenceTag(t) for t in c["tags"]), section=c["section"])
        for c in data["claim"])
    return Seed(studies=studies, claims=claims, tables=tuple(data["table"]))


def seed_comparison(seed: Seed, settings: RuleSettings) -> tuple[ClaimTags, ...]:
    """The rules' proposals beside the seed's hand tags, claim by claim."""
    return claims_tags(seed.claims, seed.studies, settings=settings)


def _demo_facts() -> tuple[Corpus, dict[str, StudyFacts]]:
    corpus = load_corpus()
    records = {r.key: r for r in corpus.records}
    return corpus, {s.key: StudyFacts.from_study(s, records) for s in corpus.studies}


def demo_comparison(settings: RuleSettings) -> tuple[ClaimTags, ...]:
    """The rules' proposals beside the hand tags of every demo page, claim by claim.

    The demo's analyses are described by their pooled rows (``analysis_rows`` on the bundled
    arm table): ``k`` is the number of studies pooled, their designs those the table states.
    """
    corpus, studies = _demo_facts()
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    stored = [StoredOutcomeData(id=i, version=1, data=row.data, actor="demo", recorded_at=when)
              for i, row in enumerate(corpus.arm_rows, start=1)]
    design = {row.data.study_key: row.design for row in corpus.arm_rows if row.design}
    analyses = {}
    for analysis in corpus.analyses:
        pooled = sorted({r.study_key for r in analysis_rows(analysis, stored) if r.pooled})
        analyses[analysis.slug] = AnalysisFacts(
            slug=analysis.slug, k=len(pooled),
            designs=tuple(design[k] for k in pooled if k in design))
    out: list[ClaimTags] = []
    for source in corpus.pages:
        out.extend(page_tags(source.page, studies, analyses, settings=settings))
    return tuple(out)


def seed_extrapolation(seed: Seed, settings: RuleSettings) -> list[dict[str, Any]]:
    """Each seed table's proposed rows, with the seed's status beside each (``written``)."""
    return [
        {"section": t["section"],
         "rows": [{**row.to_dict(), "written": t["statuses"].get(row.dimension)}
                  for row in propose_extrapolation([seed.studies[k] for k in t["study_keys"]],
                                                   long_term_months=settings.long_term_months)]}
        for t in seed.tables]


def demo_extrapolation(settings: RuleSettings) -> list[dict[str, Any]]:
    """Each demo page section with a written extrapolation table: proposed rows beside it."""
    corpus, studies = _demo_facts()
    return [
        {"section": f"{source.page.slug}: {section.heading}",
         "rows": [{**row.to_dict(), "written": section.written.get(row.dimension)}
                  for row in section.proposed]}
        for source in corpus.pages
        for section in section_extrapolations(source.page, studies,
                                              long_term_months=settings.long_term_months)
        if section.written]


def _disagreements(claims: Sequence[ClaimTags]) -> list[dict[str, Any]]:
    rows = []
    for claim in claims:
        differ = [d for d in claim.decisions if not d.agrees]
        if not differ:
            continue
        reasons = {p.tag: "; ".join(p.reasons) for p in claim.proposals}
        rows.append({
            "page_slug": claim.page_slug, "text": claim.text,
            "study_keys": list(claim.study_keys),
            "rules_only": {d.tag.value: reasons[d.tag] for d in differ if d.proposed},
            "editor_only": [d.tag.value for d in differ if d.chosen],
        })
    return rows


def report(claims: Sequence[ClaimTags], settings: RuleSettings,
           extrapolation: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    return {
        "settings": settings.to_dict(),
        "claims": len(claims),
        "tags": [a.to_dict() for a in tag_agreement(claims)],
        "disagreements": _disagreements(claims),
        "extrapolation": list(extrapolation),
    }


def _print(result: dict[str, Any], claims: Sequence[ClaimTags]) -> None:
    print(f"{result['claims']} claims; thresholds: {result['settings']}")
    for agreement in tag_agreement(claims):
        print("  " + agreement.summary())
    print("\ndisagreements (rules only: reasons; editor only: tags):")
    for row in result["disagreements"]:
        print(f"- {row['text']} [{', '.join(row['study_keys']) or 'no citation'}]")
        for tag, why in row["rules_only"].items():
            print(f"    rules only   {tag}: {why}")
        for tag in row["editor_only"]:
            print(f"    editor only  {tag}")
    for table in result["extrapolation"]:
        print(f"\nextrapolation, {table['section']}:")
        for row in table["rows"]:
            written = f"  (written: {row['written']})" if row["written"] else ""
            print(f"  {row['dimension']:<38} {row['status']:<8} {row['text']}{written}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", action="store_true", help="the demo pages instead of seed 003")
    parser.add_argument("--long-term-months", type=float, default=RuleSettings().long_term_months)
    parser.add_argument("--min-groups", type=int, default=RuleSettings().min_groups)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    settings = RuleSettings(min_groups=args.min_groups, long_term_months=args.long_term_months)
    if args.demo:
        claims = demo_comparison(settings)
        result = report(claims, settings, demo_extrapolation(settings))
    else:
        seed = load_seed()
        claims = seed_comparison(seed, settings)
        result = report(claims, settings, seed_extrapolation(seed, settings))
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        _print(result, claims)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
