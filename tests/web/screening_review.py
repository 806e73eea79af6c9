"""A review to screen in the web tests: real records (the first with a title and an abstract
of Cohen et al. 2006's ADHD set, SYNERGY, tests/data/csv) brought in as a search through the
importer and the review service, as ``evidencehub review create`` and ``review search`` do,
with members named after the test accounts."""

from __future__ import annotations

import csv
from pathlib import Path

from evidencehub.ingest.importer import import_paths
from evidencehub.model import Actor, Criterion, Pico, Review, ReviewMember, Search
from evidencehub.review import service
from evidencehub.store.repo import users as users_repo
from evidencehub.store.repo._common import utc_now
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import AccountRole, ReviewerRole, SearchKind
from evidencehub.web.passwords import hash_password
from tests.web.conftest import PASSWORD

COHEN = Path(__file__).parents[1] / "data" / "csv" / "Cohen_2006_ADHD.csv"
SLUG = "adhd-drugs"
#: An account with the reviewer role that is no member of the review.
OUTSIDER = "ben"

REVIEW = Review(
    slug=SLUG,
    title="Drugs for attention deficit hyperactivity disorder",
    question=Pico(population="children and adults with ADHD",
                  intervention="stimulant medication", outcome="symptoms"),
    criteria=(Criterion(code="P1", text="Not people with ADHD"),
              Criterion(code="S1", text="Not a controlled trial")),
    members=(ReviewMember(name="reviewer", role=ReviewerRole.SCREENER),
             ReviewMember(name="admin", role=ReviewerRole.SCREENER),
             ReviewMember(name="ana", role=ReviewerRole.SCREENER),
             ReviewMember(name="cy", role=ReviewerRole.SCREENER),
             ReviewMember(name="editor", role=ReviewerRole.RESOLVER)),
)


def _records_file(folder: Path, n: int) -> Path:
    with COHEN.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = [row for row in reader if row["title"].strip() and row["abstract"].strip()][:n]
        fields = reader.fieldnames
    assert fields is not None and len(rows) == n
    target = folder / "adhd.csv"
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fields)
        writer.writeheader()
        writer.writerows(rows)
    return target


def add_review(url: str, folder: Path, *, n_records: int = 24) -> list[int]:
    """Add the review (and the account :data:`OUTSIDER`) to the store at ``url``; the ids of
    its records, in the order they entered the review."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            users_repo.add_user(session, OUTSIDER, AccountRole.REVIEWER, hash_password(PASSWORD))
            service.create(session, REVIEW, Actor(name="editor"))
        spec = Search(source="PubMed", kind=SearchKind.DATABASE, query="ADHD drug therapy",
                      n_returned=0, actor="editor", recorded_at=utc_now())
        import_paths(engine, [_records_file(folder, n_records)], actor=Actor(name="editor"),
                     then=lambda session, report: service.record_import_search(
                         session, SLUG, report.import_ids, spec)[0] and None)
        with transaction(engine) as session:
            return list(service.load(session, SLUG).records)
    finally:
        engine.dispose()
