"""The extraction service (review/extraction_service.py) on SQLite and PostgreSQL: two
extractors, the discrepancy report, a consensus that writes outcome data with its derivations,
analyses that pool it, a trace that reaches the study and its record, and nothing written
twice."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Engine, func, select

from evidencehub.analysis.service import analyze
from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    Actor,
    Analysis,
    Comparison,
    Record,
    Review,
    ReviewMember,
    Study,
    ValueDerivation,
)
from evidencehub.review import extraction_service as service
from evidencehub.review.extraction import Entry, ItemStatus
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo._lookup import study_row
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.analyses import put_analysis
from evidencehub.store.repo.outcomes import list_outcome_data
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.reviews import add_review_study, create_review
from evidencehub.store.repo.studies import get_study, upsert_study
from evidencehub.trace import trace
from evidencehub.vocab import Measure, Method, ReviewerRole, StudyDesign

LEA = Actor(name="lea")
STUDIES = {"smith2020": "10.1000/smith", "jones2021": "10.1000/jones"}
OUTCOME = {"outcome": "hba1c", "timepoint": "12 months"}


@pytest.fixture
def hub(engine: Engine) -> Engine:
    with transaction(engine) as session:
        members = tuple(
            ReviewMember(name=n, role=r)
            for n, r in (
                ("ana", ReviewerRole.SCREENER),
                ("ben", ReviewerRole.SCREENER),
                ("cy", ReviewerRole.RESOLVER),
            )
        )
        review_id = create_review(
            session, Review(slug="islets", title="Islets", members=members), LEA
        )
        for key, doi in STUDIES.items():
            upsert_record(session, Record(doi=doi, title=f"Trial {key}"), source="s")
            upsert_study(
                session,
                Study(
                    key=key,
                    label=key.capitalize(),
                    design=StudyDesign.RANDOMISED_CONTROLLED,
                    record_keys=(f"doi:{doi}",),
                ),
            )
            add_review_study(session, review_id, study_row(session, key).id, LEA)
    return engine


def _arm(study: str, arm: str, locator: str, **numbers: str) -> list[Entry]:
    return [
        Entry(study=study, field=k, value=v, arm=arm, locator=locator, **OUTCOME)
        for k, v in numbers.items()
    ]


def _extract(engine: Engine, who: str, control_mean: str) -> service.Recorded:
    entries = [Entry(study="smith2020", field="country", value="Canada", locator="p. 2")]
    for study in STUDIES:
        entries += _arm(study, "islets", "Table 2", mean="7.1", se="0.3", n="25")
        entries += _arm(
            study,
            "insulin",
            "Table 2",
            mean=control_mean if study == "smith2020" else "8.0",
            sd="1.4",
            n="24",
        )
    with transaction(engine) as session:
        return service.record(session, service.load(session, "islets"), who, entries)


def test_two_extractors_consensus_and_pooling(hub: Engine) -> None:
    _extract(hub, "ana", "7.9")
    _extract(hub, "ben", "8.0")
    with transaction(hub) as session:
        report = service.discrepancies(session, service.load(session, "islets"), "smith2020")
    differ = [c for c in report if c.status is ItemStatus.DIFFER]
    assert [(c.item[2], c.item[4], c.values) for c in differ] == [
        ("insulin", "mean", {"ana": "7.9", "ben": "8.0"})
    ]

    with transaction(hub) as session:
        state = service.load(session, "islets")
        first = service.consensus(
            session, state, "smith2020", "cy", methods=[ValueDerivation.SD_FROM_SE]
        )
        assert [c.item[4] for c in first.unresolved] == ["mean"]
        assert first.not_written == [
            {
                "outcome": "hba1c",
                "arm": "insulin",
                "timepoint": "12 months",
                "reason": "unresolved: mean",
            }
        ]
        (islets,) = first.outcome_data
        assert islets["arm"] == "islets" and islets["status"] == "created"
        second = service.consensus(
            session,
            state,
            "smith2020",
            "cy",
            take=[Entry(study="smith2020", field="mean", value="8.0", arm="insulin", **OUTCOME)],
        )
        assert [d["status"] for d in second.outcome_data] == ["created", "unchanged"]
        assert not second.unresolved
        service.consensus(session, state, "jones2021", "cy", methods=[ValueDerivation.SD_FROM_SE])

    with transaction(hub) as session:  # nothing changed: nothing written
        again = service.consensus(
            session,
            service.load(session, "islets"),
            "smith2020",
            "cy",
            methods=[ValueDerivation.SD_FROM_SE],
        )
        assert again.written == []
        assert {d["status"] for d in again.outcome_data} == {"unchanged"}
        rows = {(d.data.study_key, d.data.arm): d for d in list_outcome_data(session, "hba1c")}
        count = session.scalar(select(func.count()).select_from(t.ExtractionValue))
    islets = rows[("smith2020", "islets")]
    # SD = SE × sqrt(n) (Cochrane Handbook v6.4 §6.5.2.2): 0.3 × 5
    assert islets.data.sd is not None and math.isclose(islets.data.sd, 1.5)
    (derivation,) = islets.data.derivations
    assert derivation.method is ValueDerivation.SD_FROM_SE
    assert derivation.inputs == {"se": 0.3, "n": 25.0}
    assert islets.data.source == "doi:10.1000/smith" and islets.data.locator == "Table 2"
    assert islets.actor == "cy" and rows[("smith2020", "insulin")].data.mean == 8.0

    with transaction(hub) as session:
        put_analysis(session, Analysis(
            slug="hba1c-md", title="HbA1c", outcome="hba1c", measure=Measure.MD,
            method=Method.FE, comparison=Comparison(experimental=("islets",),
                                                    control=("insulin",)),
        ), actor_id=actor_id(session, LEA))  # fmt: skip
    (fitted,) = analyze(hub, actor=LEA)
    assert fitted.result.fit is not None and fitted.result.fit["k"] == 2
    # both studies' MD is 7.1 - 8.0 = -0.9, so the common-effect estimate is -0.9
    assert math.isclose(fitted.result.fit["estimate"], -0.9, abs_tol=1e-9)
    with transaction(hub) as session:
        chain = trace(session, "analysis:hba1c-md")
        consensus = service.latest_consensus(session, service.load(session, "islets"), "smith2020")
        assert session.scalar(select(func.count()).select_from(t.ExtractionValue)) == count
    text = repr(chain)
    assert "doi:10.1000/smith" in text and "'derivations'" in text
    sd = consensus[("smith2020", "hba1c", "islets", "12 months", "sd")]
    assert sd.derivation == derivation and sd.outcome_data_id == islets.id


def test_a_sheet_entered_twice_writes_once(hub: Engine) -> None:
    assert len(_extract(hub, "ana", "7.9").written) == 13
    again = _extract(hub, "ana", "7.90")  # the same number
    assert again.written == [] and again.unchanged == 13


@pytest.mark.parametrize(
    ("who", "entry", "message"),
    [
        (
            "ana",
            Entry(study="nobody2000", field="country", value="x"),
            "study 'nobody2000' is not included in review 'islets' (its studies: smith2020, jones2021)",
        ),
        ("ana", Entry(study="smith2020", field="colour", value="x"), "unknown field 'colour'; "),
        (
            "ana",
            Entry(study="smith2020", field="n_randomised", value="forty"),
            "field 'n_randomised': expected a number, got 'forty'",
        ),
        (
            "ana",
            Entry(study="smith2020", field="sd", value="1"),
            "field 'sd' is filled per arm: give its outcome and arm",
        ),
        (
            "zoe",
            Entry(study="smith2020", field="country", value="x"),
            "'zoe' is not a member of review 'islets'; add them with 'review member islets zoe "
            "--role screener'",
        ),
        (
            "cy",
            Entry(study="smith2020", field="country", value="x"),
            "'cy' is a resolver of review 'islets'; screeners and leads extract",
        ),
    ],
)
def test_bad_entries_are_refused_whole(hub: Engine, who: str, entry: Entry, message: str) -> None:
    with transaction(hub) as session, pytest.raises((InputError, NotFoundError)) as caught:
        state = service.load(session, "islets")
        good = Entry(study="smith2020", field="country", value="Canada")
        service.record(session, state, who, [good, entry])
    assert str(caught.value).startswith(message)
    with transaction(hub) as session:
        assert session.scalar(select(func.count()).select_from(t.ExtractionValue)) == 0


def test_agreed_study_characteristics_become_the_studys_own(hub: Engine) -> None:
    characteristics = {"design": "non-randomised-controlled-trial", "n_randomised": "48",
                       "follow_up": "24 months", "country": "Canada"}
    for who in ("ana", "ben"):
        with transaction(hub) as session:
            state = service.load(session, "islets")
            service.record(session, state, who, [
                Entry(study="jones2021", field=key, value=value, locator="Methods")
                for key, value in characteristics.items()])
    with transaction(hub) as session:
        done = service.consensus(session, service.load(session, "islets"), "jones2021", "cy")
        assert done.study_fields == {"design": "non-randomised-controlled-trial", "n": 48,
                                     "follow_up": "24 months"}
        study = get_study(session, "jones2021")
        assert (study.design, study.n, study.follow_up) == (
            StudyDesign.NON_RANDOMISED_CONTROLLED, 48, "24 months")
        assert study.record_keys == ("doi:10.1000/jones",)  # the rest of the study is kept
        again = service.consensus(session, service.load(session, "islets"), "jones2021", "cy")
        assert again.study_fields == {} and again.written == []
