"""A systematic review behind one of the demo's analyses, on a copy of the demo hub: the
review ``metformin-t2d`` searched PubMed (8 records, imported through the importer as
``evidencehub review search`` does), screened them (one screener), and included the four
reports of the studies that ``hba1c-biguanides-vs-placebo`` pools; ``review studies``
(:func:`evidencehub.review.studies.include_studies`) made those studies the review's, and
the analysis names the review (:func:`evidencehub.store.repo.analyses.link_review`, as
``evidencehub analysis link`` does).

The flow: 8 records identified, none removed, 8 screened, 3 excluded on title and abstract,
5 reports sought and assessed, 1 excluded at full text (S1), 4 studies in 4 reports.

Each report is a record of its study before screening (as a study's paper is), so the review's
included reports group into the analysis's studies, as :mod:`evidencehub.review.studies`
groups reports that belong to a stored study.
"""

from __future__ import annotations

import csv
from pathlib import Path

from evidencehub.ingest.importer import import_paths
from evidencehub.model import Actor, Criterion, Pico, Review, Search
from evidencehub.review import service
from evidencehub.review.studies import include_studies
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.analyses import link_review
from evidencehub.store.repo.records import records_by_id
from evidencehub.store.repo.studies import get_study, upsert_study
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import ScreeningLabel, ScreeningStage, SearchKind, StudyDesign

SLUG = "metformin-t2d"
ANALYSIS = "hba1c-biguanides-vs-placebo"
PAGE = "pages/hba1c-glucose-lowering-drugs.html"
#: The studies the analysis pools, each with the report the search finds.
STUDIES = ("defronzo1995", "gonzalez-ortiz2004", "lewin2007", "willms1999")
#: Records the search finds that the review leaves out: (title, stage, criterion).
OTHERS = (("Inhaled corticosteroids in childhood asthma", ScreeningStage.TITLE_ABSTRACT, "P1"),
          ("Knee arthroplasty outcomes after ten years", ScreeningStage.TITLE_ABSTRACT, "P1"),
          ("Metformin in polycystic ovary syndrome", ScreeningStage.TITLE_ABSTRACT, "P1"),
          ("Metformin and glycaemic control: a narrative review", ScreeningStage.FULL_TEXT, "S1"))
REVIEWER = "ana"
LEAD = Actor(name="lea")

REVIEW = Review(
    slug=SLUG,
    title="Metformin for type 2 diabetes",
    question=Pico(population="adults with type 2 diabetes", intervention="metformin",
                  comparator="placebo", outcome="HbA1c"),
    screeners=1,
    criteria=(Criterion(code="P1", text="Not type 2 diabetes"),
              Criterion(code="S1", text="Not a randomised trial")),
)


def _records_file(folder: Path) -> Path:
    rows = [{"title": f"Metformin versus placebo in type 2 diabetes: the trial of {key}",
             "doi": f"10.5555/metformin-t2d.{key}", "year": "2000"} for key in STUDIES]
    rows += [{"title": title, "doi": f"10.5555/metformin-t2d.other{i}", "year": "2010"}
             for i, (title, _, _) in enumerate(OTHERS)]
    target = folder / "metformin-search.csv"
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, ["title", "doi", "year"])
        writer.writeheader()
        writer.writerows(rows)
    return target


def add_review(url: str, folder: Path) -> None:
    """Add the review, its search, its decisions and its studies to the store at ``url``, and
    make analysis :data:`ANALYSIS` name it."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            service.create(session, REVIEW, LEAD)
        spec = Search(source="PubMed", kind=SearchKind.DATABASE, query="metformin placebo",
                      n_returned=0, actor=LEAD.name, recorded_at=utc_now())
        import_paths(engine, [_records_file(folder)], actor=LEAD,
                     then=lambda session, report: service.record_import_search(
                         session, SLUG, report.import_ids, spec)[0] and None)
        with transaction(engine) as session:
            ids = list(service.load(session, SLUG).records)
            records = records_by_id(session, ids)
            reports, others = ids[:len(STUDIES)], ids[len(STUDIES):]
            for key, record_id in zip(STUDIES, reports, strict=True):
                study = get_study(session, key)
                upsert_study(session, study.model_copy(update={
                    "record_keys": (*study.record_keys, records[record_id].key)}))
        votes = [(r, ScreeningStage.TITLE_ABSTRACT, ScreeningLabel.INCLUDE, None)
                 for r in reports]
        votes += [(r, ScreeningStage.FULL_TEXT, ScreeningLabel.INCLUDE, None) for r in reports]
        for record_id, (_, stage, reason) in zip(others, OTHERS, strict=True):
            if stage is ScreeningStage.FULL_TEXT:
                votes.append((record_id, ScreeningStage.TITLE_ABSTRACT, ScreeningLabel.INCLUDE,
                              None))
            votes.append((record_id, stage, ScreeningLabel.EXCLUDE, reason))
        for record_id, stage, label, reason in votes:
            with transaction(engine) as session:
                service.decide(session, service.load(session, SLUG), record_id, label, REVIEWER,
                               stage=stage, reason=reason)
        with transaction(engine) as session:
            include_studies(session, service.load(session, SLUG), LEAD,
                            design=StudyDesign.RANDOMISED_CONTROLLED)
            link_review(session, ANALYSIS, SLUG, actor_id=actor_id(session, LEAD))
    finally:
        engine.dispose()
