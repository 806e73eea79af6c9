"""Citation search over the library (the editor's autocomplete)."""

from __future__ import annotations

import dataclasses

import pytest

from evidencehub.publish.citations import citation_index, find_citations
from evidencehub.publish.snapshot import HubSnapshot


@pytest.mark.parametrize(("query", "key"), [
    ("Mandai", "mandai2017"),
    ("10.1056/NEJMoa1608368", "mandai2017"),
    ("mandai2017", "mandai2017"),
    ("yamanaka 2006", "takahashi2006"),
])
def test_finds_a_study_by_author_doi_key_or_label(demo_snapshot: HubSnapshot, query: str,
                                                  key: str) -> None:
    found = find_citations(demo_snapshot, query)
    assert key in [m.key for m in found]
    match = next(m for m in found if m.key == key)
    assert match.to_dict()["markup"] == f"[@{key}]"


def test_every_word_must_match_and_the_limit_holds(demo_snapshot: HubSnapshot) -> None:
    assert find_citations(demo_snapshot, "mandai zzzz") == []
    assert find_citations(demo_snapshot, "   ") == []
    assert len(find_citations(demo_snapshot, "e", limit=2)) == 2


def test_a_match_names_the_journal_and_the_year_finds_it(demo_snapshot: HubSnapshot) -> None:
    (match,) = find_citations(demo_snapshot, "40240592")
    assert (match.key, match.journal, match.year, match.pmid) == (
        "tabar2025", "Nature", 2025, "40240592")
    assert match.to_dict()["journal"] == "Nature"
    assert "reichman2025" in [m.key for m in find_citations(demo_snapshot, "reichman 2025")]
    assert find_citations(demo_snapshot, "reichman 1999") == []


@pytest.mark.parametrize("query", ['"stem', "stem* OR", "(a", "' OR 1=1 --", "%_\\"])
def test_a_query_is_words_never_syntax(demo_snapshot: HubSnapshot, query: str) -> None:
    assert find_citations(demo_snapshot, query) == []


def test_the_index_is_kept_per_snapshot_and_a_new_snapshot_gets_its_own(
        demo_snapshot: HubSnapshot) -> None:
    index = citation_index(demo_snapshot)
    assert citation_index(demo_snapshot) is index
    study = demo_snapshot.study_by_key["mandai2017"]
    newer = dataclasses.replace(demo_snapshot, studies=(
        *demo_snapshot.studies, study.model_copy(update={"key": "mandai2017b"})))
    assert [m.key for m in find_citations(newer, "mandai")] == ["mandai2017", "mandai2017b"]
    assert citation_index(newer) is not index
    assert [m.key for m in find_citations(demo_snapshot, "mandai")] == ["mandai2017"]


def test_studies_named_by_the_query_come_first_then_by_label(
        demo_snapshot: HubSnapshot) -> None:
    assert [m.key for m in find_citations(demo_snapshot, "yu")] == ["yu2007", "tabar2025"]
    found = find_citations(demo_snapshot, "al", limit=50)
    named = [m for m in found if "al" in f"{m.key} {m.label}".lower()]
    assert 0 < len(named) < len(found)
    assert found[:len(named)] == named
    assert named == sorted(named, key=lambda m: m.label)
    others = found[len(named):]
    assert others == sorted(others, key=lambda m: m.label)
    assert find_citations(demo_snapshot, "al", limit=3) == found[:3]
