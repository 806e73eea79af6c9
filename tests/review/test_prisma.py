"""The PRISMA 2020 flow (review/prisma.py): seed 004's numbers, every box of a mixed review,
boxes that add up for any decision history (hypothesis), and errors that name the box or the
record.

Expected numbers are counted by hand from the case descriptions in prisma_cases.py (seed 004:
DESIGN.md's "2270 identified → 2230 excluded on title/abstract → 40 full texts → 30 excluded →
10 included").
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencehub.errors import InputError
from evidencehub.review.prisma import (
    ExclusionReason,
    PrismaFlow,
    ReasonCount,
    RecordState,
    RemovedBeforeScreening,
    Search,
    SourceCount,
    check_flow,
    prisma_flow,
)
from evidencehub.vocab import OtherMethod, RetrievalStatus, ScreeningLabel, SearchKind
from tests.review.prisma_cases import CASES

INC, EXC, MAY = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE, ScreeningLabel.MAYBE
DB, REG, OTHER = SearchKind.DATABASE, SearchKind.REGISTER, SearchKind.OTHER


def test_seed004_flow() -> None:
    flow = CASES["seed004"].flow()
    assert flow.database_results == 2270
    assert len(flow.database_specific_results) == 8
    assert flow.database_specific_results[0] == SourceCount("PubMed", 612)
    assert flow.register_results is None
    assert (flow.duplicates, flow.excluded_automatic, flow.excluded_other) == (0, 0, 0)
    assert flow.records_screened == 2270
    assert flow.records_excluded == 2230
    assert flow.dbr_sought_reports == 40
    assert flow.dbr_notretrieved_reports == 0
    assert flow.dbr_assessed == 40
    assert flow.dbr_excluded_total == 30
    assert [(r.criterion_id, r.n) for r in flow.dbr_excluded] == [("E1", 14), ("E2", 10),
                                                                  ("E3", 6)]
    assert (flow.new_studies, flow.new_reports) == (10, 10)
    assert (flow.total_studies, flow.total_reports) == (10, 10)
    assert not flow.in_progress
    assert not flow.has_other_methods
    assert flow.other_sought_reports is None and flow.other_excluded is None


def test_mixed_flow_every_box() -> None:
    d = CASES["mixed"].flow().to_dict()
    assert d == {
        "database_results": 50,
        "database_specific_results": [{"source": "MEDLINE (Ovid)", "n": 36},
                                      {"source": "Embase", "n": 14}],
        "register_results": 5,
        "register_specific_results": [{"source": "ClinicalTrials.gov", "n": 5}],
        "website_results": 3, "organisation_results": None, "citations_results": 6,
        "duplicates": 12, "excluded_automatic": 3, "excluded_other": 2,
        "records_screened": 34, "records_excluded": 20, "records_awaiting_screening": 4,
        "dbr_sought_reports": 14, "dbr_notretrieved_reports": 2,
        "dbr_awaiting_retrieval": 2,  # w1 (no mark), w2 (sought)
        "dbr_awaiting_assessment": 2,  # q1 (retrieved), q2 (full-text maybe)
        "dbr_assessed": 8,
        "dbr_excluded": [
            {"criterion_id": "C1", "reason": "Wrong population; adults with type 2 diabetes",
             "n": 2},
            {"criterion_id": "C2", "reason": "Not a controlled trial", "n": 1},
            {"criterion_id": None, "reason": "reason not recorded", "n": 1},
        ],
        "dbr_included_reports": 4,
        "other_records_screened": 5, "other_records_excluded": 1,
        "other_records_awaiting_screening": 1,
        "other_sought_reports": 4, "other_notretrieved_reports": 1,
        "other_awaiting_retrieval": 0, "other_awaiting_assessment": 0, "other_assessed": 3,
        "other_excluded": [{"criterion_id": "C2", "reason": "Not a controlled trial", "n": 1}],
        "other_included_reports": 2,
        "new_studies": 4,  # S1 (2 reports), S2 (one report per column), s3, S4
        "new_reports": 6, "total_studies": 4, "total_reports": 6,
        "in_progress": True,
    }
    json.dumps(d)


def test_to_dict_has_the_prisma2020_field_names() -> None:
    d = CASES["mixed"].flow().to_dict()
    names = ("database_results", "register_results", "duplicates", "excluded_automatic",
             "excluded_other", "records_screened", "records_excluded", "dbr_sought_reports",
             "dbr_notretrieved_reports", "dbr_assessed", "dbr_excluded", "website_results",
             "organisation_results", "citations_results", "other_sought_reports",
             "other_notretrieved_reports", "other_assessed", "other_excluded", "new_studies",
             "new_reports", "total_studies", "total_reports", "database_specific_results",
             "register_specific_results")
    assert set(names) <= set(d)


def test_summary_is_deterministic_and_reads_the_flow() -> None:
    flow = CASES["seed004"].flow()
    text = flow.summary()
    assert text == CASES["seed004"].flow().summary()
    assert "records screened 2270, excluded 2230" in text
    assert "reports sought 40, not retrieved 0" in text
    assert "reports assessed 40, excluded 30: Not type 1 diabetes, or mixed populations (14)" in text
    assert "studies 10, reports of included studies 10" in text
    assert "In progress" not in text
    assert "In progress: 4 records await screening, 2 reports await retrieval" in (
        CASES["mixed"].flow().summary())


def test_sections_are_the_flow_in_words_that_summary_prints() -> None:
    sections = CASES["seed004"].flow().sections()
    assert [s.heading for s in sections] == ["Identification",
                                             "Screening (databases and registers)", "Included"]
    assert sections[1].lines[0] == "records screened 2270, excluded 2230"
    assert sections[2].to_dict() == {"heading": "Included",
                                     "lines": ["studies 10, reports of included studies 10"]}
    mixed = CASES["mixed"].flow()
    headings = [s.heading for s in mixed.sections()]
    assert headings == ["Identification", "Screening (databases and registers)",
                        "Screening (other methods)", "Included", "In progress"]
    assert mixed.sections()[-1].lines[:2] == ("4 records await screening",
                                              "2 reports await retrieval")
    for flow in (CASES["seed004"].flow(), mixed):  # summary() is the sections, indented
        for section in flow.sections()[:4]:
            assert "\n".join([section.heading, *(f"  {x}" for x in section.lines)]) in (
                flow.summary())


def test_records_identified_by_both_a_database_and_other_methods_go_the_database_route() -> None:
    # the caller gives the route; the other-methods search still counts what it returned
    searches = [Search("PubMed", DB, 3), Search("Citations", OTHER, 2,
                                                OtherMethod.CITATION_SEARCHING)]
    records = [RecordState("a", DB, INC, None, INC), RecordState("b", DB, EXC),
               RecordState("c", DB, EXC), RecordState("d", OTHER, INC, None, INC)]
    flow = prisma_flow(searches, RemovedBeforeScreening(), records)
    assert flow.citations_results == 2 and flow.other_sought_reports == 1
    assert (flow.new_reports, flow.new_studies) == (2, 2)


# -- any decision history adds up ---------------------------------------------------------------
_REASONS = [ExclusionReason("C1", "Wrong population"), ExclusionReason("C2", "Wrong design"),
            None]


@st.composite
def _state(draw: st.DrawFn, rid: str, route: SearchKind) -> RecordState:
    ta = draw(st.sampled_from([None, INC, EXC, MAY]))
    if ta in (None, EXC):
        return RecordState(rid, route, ta)
    retrieval = draw(st.sampled_from([None, *RetrievalStatus]))
    if retrieval is RetrievalStatus.NOT_RETRIEVED:
        return RecordState(rid, route, ta, retrieval)
    ft = draw(st.sampled_from([None, INC, EXC, MAY]))
    reason = draw(st.sampled_from(_REASONS)) if ft is EXC else None
    study = draw(st.sampled_from([None, "S1", "S2", "S3"])) if ft is INC else None
    return RecordState(rid, route, ta, retrieval, ft, reason, study)


@st.composite
def _history(draw: st.DrawFn) -> tuple[list[Search], RemovedBeforeScreening, list[RecordState]]:
    n_dbr = draw(st.integers(0, 40))
    n_other = draw(st.integers(0, 8))
    records = [draw(_state(f"d{i}", draw(st.sampled_from([DB, REG])))) for i in range(n_dbr)]
    records += [draw(_state(f"o{i}", OTHER)) for i in range(n_other)]
    removed = RemovedBeforeScreening(*(draw(st.integers(0, 15)) for _ in range(3)))
    # split the database-and-register total over 1-4 searches (a record count per search)
    total = n_dbr + removed.duplicates + removed.automation + removed.other
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=0, max_size=3)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    searches = [Search(f"source {i % 3}", draw(st.sampled_from([DB, REG])), n)
                for i, n in enumerate(parts)]
    if n_other or draw(st.booleans()):
        extra = draw(st.integers(0, 5))
        method = draw(st.sampled_from(list(OtherMethod)))
        searches.append(Search("other", OTHER, n_other + extra, method))
    return searches, removed, records


@settings(max_examples=300, deadline=None)
@given(_history())
def test_any_decision_history_gives_a_flow_whose_boxes_add_up(
        history: tuple[list[Search], RemovedBeforeScreening, list[RecordState]]) -> None:
    searches, removed, records = history
    flow = prisma_flow(searches, removed, records)
    check_flow(flow)  # also run inside prisma_flow; explicit here
    # independent tallies of the same records
    dbr = [r for r in records if r.identified_via is not OTHER]
    assert flow.records_screened + flow.records_awaiting_screening == len(dbr)
    assert flow.records_excluded == sum(r.title_abstract is EXC for r in dbr)
    included = [r for r in records if r.full_text is INC]
    assert flow.new_reports == len(included)
    keys = {r.study_id or f"record {r.record_id}" for r in included}
    assert flow.new_studies == len(keys)
    ended = (flow.records_excluded + flow.dbr_notretrieved_reports + flow.dbr_awaiting_retrieval
             + flow.dbr_awaiting_assessment + flow.dbr_excluded_total + flow.dbr_included_reports
             + flow.records_awaiting_screening)
    assert ended == len(dbr)  # every record ends in exactly one place
    assert flow.in_progress == any(
        r.title_abstract is None or (r.title_abstract is not EXC and r.retrieval
                                     is not RetrievalStatus.NOT_RETRIEVED
                                     and r.full_text not in (INC, EXC)) for r in records)


@settings(max_examples=100, deadline=None)
@given(_history(), st.sampled_from(["searches", "removed"]), st.integers(1, 5))
def test_inconsistent_searches_name_the_records_screened_box(
        history: tuple[list[Search], RemovedBeforeScreening, list[RecordState]],
        what: str, delta: int) -> None:
    searches, removed, records = history
    if what == "searches":
        searches = [*searches, Search("one more", DB, delta)]
    else:
        removed = dataclasses.replace(removed, duplicates=removed.duplicates + delta)
    with pytest.raises(InputError, match=r"^PRISMA flow, box 'records_screened': "):
        prisma_flow(searches, removed, records)


# -- check_flow names the box that does not add up ----------------------------------------------
@pytest.mark.parametrize(("change", "box"), [
    ({"database_specific_results": (SourceCount("PubMed", 1),)}, "database_specific_results"),
    ({"records_screened": 33}, "records_screened"),
    ({"records_excluded": 19}, "dbr_sought_reports"),
    ({"dbr_notretrieved_reports": 3}, "dbr_assessed"),
    ({"dbr_excluded": (ReasonCount("C1", "x", 5),)}, "dbr_excluded"),
    ({"other_records_screened": 12}, "website_results + organisation_results + citations_results"),
    ({"other_sought_reports": 5}, "other_sought_reports"),
    ({"other_awaiting_retrieval": 1}, "other_assessed"),
    ({"other_included_reports": 1}, "other_excluded"),
    ({"new_reports": 7, "total_reports": 7}, "new_reports"),
    ({"new_studies": 7, "total_studies": 7}, "new_studies"),
    ({"total_studies": 5}, "total_studies"),
    ({"duplicates": -1}, "duplicates"),
])
def test_check_flow_names_the_box(change: dict[str, Any], box: str) -> None:
    flow = CASES["mixed"].flow()
    check_flow(flow)
    broken: PrismaFlow = dataclasses.replace(flow, **change)
    with pytest.raises(InputError) as err:
        check_flow(broken)
    assert str(err.value).startswith(f"PRISMA flow, box '{box}': ")


def test_records_screened_message_gives_the_numbers() -> None:
    flow = dataclasses.replace(CASES["seed004"].flow(), records_screened=2258)
    with pytest.raises(InputError) as err:
        check_flow(flow)
    assert str(err.value) == (
        "PRISMA flow, box 'records_screened': 2270 records identified from databases and "
        "registers, less 0 duplicates, 0 marked by automation tools and 0 removed for other "
        "reasons, leave 2270; but 2258 were screened and 0 await screening")


# -- bad input names the search or the record ---------------------------------------------------
_PUBMED = Search("PubMed", DB, 1)


@pytest.mark.parametrize(("searches", "records", "message"), [
    ([_PUBMED], [RecordState("r1", DB, INC), RecordState("r1", DB, EXC)],
     "PRISMA flow, record 'r1': the record is listed twice; give one entry per unique record"),
    ([_PUBMED], [RecordState("r1", DB, None, RetrievalStatus.SOUGHT)],
     "PRISMA flow, record 'r1': it has a full-text state but no final title-abstract decision"),
    ([_PUBMED], [RecordState("r1", DB, EXC, None, EXC)],
     "PRISMA flow, record 'r1': it was excluded on title and abstract but has a full-text "
     "state"),
    ([_PUBMED], [RecordState("r1", DB, INC, RetrievalStatus.NOT_RETRIEVED, INC)],
     "PRISMA flow, record 'r1': it is marked not retrieved but has a full-text decision"),
    ([_PUBMED], [RecordState("r1", DB, INC, None, INC, ExclusionReason("C1", "x"))],
     "PRISMA flow, record 'r1': an exclusion reason is given but the full-text decision is "
     "not exclude"),
    ([Search("PubMed", DB, 2)], [RecordState("r1", DB, INC, None, EXC, ExclusionReason("C1", "x")),
                                 RecordState("r2", DB, INC, None, EXC, ExclusionReason("C1", "y"))],
     "PRISMA flow, record 'r2': criterion 'C1' has two texts: 'x' and 'y'"),
    ([_PUBMED], [RecordState("r1", DB, "yes")],  # type: ignore[arg-type]
     "PRISMA flow, record 'r1': title_abstract must be one of include, exclude, maybe; got "
     "'yes'"),
    ([Search("Citations", OTHER, 1)], [],
     "PRISMA flow, search 1 ('Citations'): an other-methods search needs its method (website, "
     "organisation or citation-searching)"),
    ([Search("PubMed", DB, 1, OtherMethod.WEBSITE)], [],
     "PRISMA flow, search 1 ('PubMed'): a database search takes no other-methods method"),
    ([Search("PubMed", DB, -1)], [],
     "PRISMA flow, search 1 ('PubMed'): records must be a whole number >= 0; got -1"),
    ([Search("PubMed", "library", 1)], [],  # type: ignore[arg-type]
     "PRISMA flow, search 1 ('PubMed'): kind must be one of database, register, other; got "
     "'library'"),
    ([_PUBMED, Search("Citations", OTHER, 0, OtherMethod.CITATION_SEARCHING)],
     [RecordState("r1", DB, EXC), RecordState("r2", OTHER, EXC)],
     "PRISMA flow, box 'website_results + organisation_results + citations_results': 1 records "
     "came by other methods, but the other-methods searches returned 0"),
    ([_PUBMED], [RecordState("r1", DB, EXC), RecordState("r2", OTHER, EXC)],
     "PRISMA flow, box 'website_results + organisation_results + citations_results': 1 records "
     "came by other methods, but the other-methods searches returned 0"),
])
def test_bad_input_names_the_search_or_the_record(searches: list[Search],
                                                  records: list[RecordState],
                                                  message: str) -> None:
    with pytest.raises(InputError) as err:
        prisma_flow(searches, RemovedBeforeScreening(), records)
    assert str(err.value) == message


def test_negative_removals_are_refused() -> None:
    with pytest.raises(InputError) as err:
        prisma_flow([_PUBMED], RemovedBeforeScreening(duplicates=-1), [])
    assert str(err.value) == ("PRISMA flow, records removed before screening, 'duplicates': "
                              "must be a whole number >= 0; got -1")


def test_labels_given_as_strings_are_read_as_the_vocabulary() -> None:
    records = [RecordState("r1", "database", "include", "retrieved", "include")]  # type: ignore[arg-type]
    flow = prisma_flow([_PUBMED], RemovedBeforeScreening(), records)
    assert flow.new_reports == 1
