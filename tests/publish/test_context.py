"""Page contexts built from the demo corpus (no database)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evidencehub.publish.context import (
    context_for_path,
    index_context,
    library_context,
    page_context,
    site_paths,
    study_context,
    trial_context,
)
from evidencehub.publish.render import render_html, render_json
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot

INTERVENTION = "ipsc-derived-cell-therapy"
ANALYSIS = "hba1c-glucose-lowering-drugs"


def test_intervention_footnotes_numbered_by_first_citation(demo_snapshot: HubSnapshot) -> None:
    ctx = page_context(demo_snapshot, INTERVENTION)
    keys = [fn["study"]["key"] for fn in ctx["footnotes"]]
    # The same order as the source page's footnotes 1-8.
    assert keys == [
        "takahashi2006",
        "takahashi2007",
        "yu2007",
        "lapasset2011",
        "mandai2017",
        "sawamoto2025",
        "tabar2025",
        "reichman2025",
    ]
    mandai = ctx["footnotes"][4]
    assert mandai["number"] == 5
    assert mandai["anchor"] == "fn-5"
    assert mandai["backrefs"] == ["cite-5-1", "cite-5-2", "cite-5-3"]
    record = mandai["study"]["records"][0]
    assert record["doi"] == "10.1056/nejmoa1608368"
    assert record["locator"] == "376(11):1038–1046"
    assert record["author_line"] == "Mandai M, et al."
    tabar = ctx["footnotes"][6]["study"]
    assert tabar["trials"] == [{"registry_id": "NCT04802733", "path": "trials/NCT04802733.html"}]
    assert tabar["records"][0]["author_line"].endswith("Kalia SK, Yu KKH, et al.")
    assert tabar["records"][0]["pmid"] == "40240592"


def test_intervention_tags_claims_and_label(demo_snapshot: HubSnapshot) -> None:
    ctx = page_context(demo_snapshot, INTERVENTION)
    tags = {t["tag"]: t["count"] for t in ctx["tags"]}
    assert tags["needs-replication"] == 6
    assert tags["long-term-unknown"] == 6
    assert tags["unsourced"] == 8
    assert ctx["label"]["kinds"] == ["Early human trials", "Laboratory (in-vitro) studies"]
    assert ctx["page"]["as_of"] == "2026-05-01"
    assert ctx["page"]["status"] == "published"
    first = ctx["claims"][0]
    assert first["footnotes"] == [1, 2, 3]


def test_cross_refs_show_target_status(demo_snapshot: HubSnapshot) -> None:
    refs = {r["slug"]: r for r in page_context(demo_snapshot, INTERVENTION)["cross_refs"]}
    article = refs["stem-cell-derived-insulin"]
    assert (
        article["exists"]
        and article["status"] == "published"
        and article["path"] == "pages/stem-cell-derived-insulin.html"
    )
    assert refs["type-1-diabetes"] == {
        "slug": "type-1-diabetes",
        "title": "type-1-diabetes",
        "status": "implicit-stub",
        "exists": False,
        "note": "the beta-cell indication; type 2 diabetes is a different condition",
        "path": None,
    }
    assert refs["partial-reprogramming"]["status"] == "verified-partial"


def test_analysis_page_tables(demo_snapshot: HubSnapshot) -> None:
    ctx = page_context(demo_snapshot, ANALYSIS)
    by_class = {a["title"].split(" versus ")[0]: a for a in ctx["analyses"]}
    assert list(by_class) == [
        "Biguanides",
        "Alpha-glucosidase inhibitors",
        "Thiazolidinediones",
        "DPP-4 inhibitors",
        "Benfluorex",
    ]
    assert [len(a["pooled_rows"]) for a in ctx["analyses"]] == [4, 5, 7, 2, 0]
    benfluorex = by_class["Benfluorex"]
    assert benfluorex["fit"] is None and benfluorex["forest_plot"] is None
    assert (
        benfluorex["not_pooled_reason"]
        == "only one change comparison (Moulin (2006)); a single study is shown, not pooled"
    )
    notes = {r["study_key"]: r["note"] for r in benfluorex["other_rows"]}
    assert notes == {
        "moulin2006": "single study; not pooled",
        "stucci1996": "final value; not pooled with change values",
    }
    assert by_class["DPP-4 inhibitors"]["fit"][
        "warnings"
    ]  # tau^2 truncated at 0, shown on the page
    assert ctx["label"]["kinds"] == [
        "Pooled randomised evidence (meta-analysis)",
        "Controlled human trials",
    ]


def test_study_and_trial_contexts_link_both_ways(demo_snapshot: HubSnapshot) -> None:
    study = study_context(demo_snapshot, "sawamoto2025")
    assert [p["slug"] for p in study["cited_by"]] == [INTERVENTION]
    trial = trial_context(demo_snapshot, "UMIN000033564")
    assert trial["trial"]["secondary_ids"] == ["jRCT2090220384"]
    assert [s["key"] for s in trial["studies"]] == ["sawamoto2025"]
    willms = study_context(demo_snapshot, "willms1999")
    assert [a["slug"] for a in willms["analyses"]] == [
        "hba1c-alpha-glucosidase-inhibitors-vs-placebo",
        "hba1c-biguanides-vs-placebo",
    ]
    assert (
        willms["analyses"][0]["path"]
        == f"pages/{ANALYSIS}.html#analysis-hba1c-alpha-glucosidase-inhibitors-vs-placebo"
    )


def test_index_and_library(demo_snapshot: HubSnapshot) -> None:
    index = index_context(demo_snapshot)
    assert index["counts"] == {"records": 9, "trials": 4, "studies": 34, "analyses": 5, "pages": 3}
    assert [s["kind"] for s in index["sections"]] == ["article", "intervention", "analysis"]
    assert len(index["headlines"]) == 4
    library = library_context(demo_snapshot)
    assert library["design_counts"] == {
        "case-report": 1,
        "in-vitro": 4,
        "randomised-controlled-trial": 26,
        "single-arm-trial": 3,
    }


def test_every_path_has_a_context_and_a_json_twin(demo_snapshot: HubSnapshot) -> None:
    paths = site_paths(demo_snapshot)
    assert len(paths) == len(set(paths)) == 3 + 3 + 34 + 4 + 5  # + one trace page per run
    for path in paths:
        ctx = context_for_path(demo_snapshot, path)
        assert ctx["path"] == path
        assert json.loads(render_json(ctx)) == json.loads(json.dumps(ctx))


@pytest.mark.parametrize(
    "path",
    [
        "pages/nope.html",
        "studies/x.json",
        "trials/NCT00000000.html",
        "other/a.html",
        "pages/a/b.html",
    ],
)
def test_unknown_paths(demo_snapshot: HubSnapshot, path: str) -> None:
    with pytest.raises(KeyError):
        context_for_path(demo_snapshot, path)


def test_graded_analyses_give_the_label_its_certainty(demo_store: str, tmp_path: Path) -> None:
    """A stored GRADE rating shows on the analysis, in the label (the lowest of the page's rated
    results) and, as GRADE's informative statement, beside the claims that cite it."""
    from evidencehub.grade.certainty import Domain, Override
    from evidencehub.grade.certainty_service import judge, record
    from evidencehub.store.session import make_engine, transaction

    copy = tmp_path / "hub.db"
    shutil.copyfile(demo_store.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with transaction(engine) as session:
            for slug, change in (("hba1c-biguanides-vs-placebo", 0),
                                 ("hba1c-thiazolidinediones-vs-placebo", -2)):
                overrides = [Override(Domain.IMPRECISION, change, "a test of the label")]
                record(session, judge(session, slug, overrides=overrides), rater="tester")
        snap = load_snapshot(engine)
    finally:
        engine.dispose()
    ctx = page_context(snap, ANALYSIS)
    graded = {a["slug"]: a["grade"] for a in ctx["analyses"]}
    assert graded["hba1c-dpp4-inhibitors-vs-placebo"] is None
    tzd = graded["hba1c-thiazolidinediones-vs-placebo"]
    assert tzd is not None and tzd["reasons"][-1] == {
        "domain": "imprecision", "change": -2, "reason": "a test of the label"}
    assert tzd["statement"] and not tzd["stale"]
    levels = [g["certainty"] for g in ctx["label"]["graded"]]
    assert len(levels) == 2
    order = ["high", "moderate", "low", "very low"]
    assert ctx["label"]["certainty"] == max(levels, key=order.index)
    biguanides = graded["hba1c-biguanides-vs-placebo"]
    quoting = [c for c in ctx["claims"] if "hba1c-biguanides-vs-placebo" in c["analyses"]]
    assert quoting and all(biguanides["statement"] in c["statements"] for c in quoting)
    html = render_html(ctx, plots={})
    assert "Certainty of the evidence (GRADE)" in html and tzd["symbols"] in html
