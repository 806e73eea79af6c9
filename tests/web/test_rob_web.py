"""Risk of bias in the browser (web/rob.py): a reviewer's RoB 2 answers stored through the rob
service with the account as assessor and the algorithm's judgements shown; ROBINS-I's entered
judgements; blinding; the two reviewers' discrepancies and their consensus; roles, CSRF and
bad ids answered with pages, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from evidencehub.grade import rob_service
from evidencehub.grade.rob.assessment import Assessment
from evidencehub.store.session import make_engine, transaction
from tests.web.appraisal_hub import SLUG, STUDIES, review_hub, signed_in_clients  # noqa: F401
from tests.web.conftest import WebClient

STUDY = STUDIES[0]
OUTCOME = "HbA1c at 24 weeks"
FORM = f"/reviews/{SLUG}/rob/{STUDY}?outcome={quote(OUTCOME)}&tool=rob2&effect=assignment"
COMPARE = f"/reviews/{SLUG}/rob/{STUDY}/compare?outcome={quote(OUTCOME)}"
#: Every domain low by the RoB 2 algorithm (docs/risk-of-bias.md's example).
LOW = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y", "3.1": "Y",
       "4.1": "N", "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}


def _answers(client: WebClient, url: str = FORM, **changes: str) -> dict[str, str]:
    answers = {**LOW, **changes}
    return {"csrf_token": client.csrf_from(url), **{f"q:{k}": v for k, v in answers.items()}}


def _stored(hub: str) -> list[Assessment]:
    engine = make_engine(hub)
    try:
        with transaction(engine) as session:
            return [Assessment.from_dict(a.payload)
                    for a in rob_service.of_study(session, STUDY, OUTCOME)]
    finally:
        engine.dispose()


def test_rob2_answers_are_judged_by_the_algorithm_and_stored_with_the_assessor(
        hub: str, signed_in: Callable[[str | None], WebClient]) -> None:
    ana = signed_in("ana")
    form = ana.get(FORM)
    assert form.status_code == 200
    assert 'name="q:1.1"' in form.text and 'name="q:5.3"' in form.text
    assert 'name="q:2.7"' in form.text  # asked only if 2.6 is N/PN/NI: its condition is shown
    saved = ana.post(FORM, data=_answers(ana, **{"1.2": "N"}))
    assert saved.status_code == 303, saved.text
    (item,) = _stored(hub)
    assert item.assessor == "ana" and item.outcome == OUTCOME
    assert item.domain("D1").proposed.value == "high"  # 1.2 not concealed: high (RoB 2, D1)
    assert item.overall.chosen.value == "high"
    shown = ana.get(saved.headers["location"]).text
    judged = shown.split('id="judged-D1"')[1].split("</tr>")[0]
    assert "<td>high</td>" in judged
    assert "<strong class=\"rob rob-high\">high</strong>" in shown


def test_an_answer_set_the_tool_refuses_comes_back_with_its_message(
        hub: str, signed_in: Callable[[str | None], WebClient]) -> None:
    ana = signed_in("ana")
    refused = ana.post(FORM, data=_answers(ana, **{"3.2": "Y"}))
    assert refused.status_code == 400
    assert "question 3.2: answered Y but the question applies only" in refused.text
    assert 'name="q:3.2" value="Y" checked' in refused.text
    override = ana.post(FORM, data={**_answers(ana), "judge:D3": "high"})
    assert override.status_code == 400
    assert "D3: chose &#39;high&#39; against the proposed &#39;low&#39;; a reason is required" \
        in override.text
    assert _stored(hub) == []
    with_reason = ana.post(FORM, data={**_answers(ana), "judge:D3": "high",
                                       "reason:D3": "30 % lost to follow-up"})
    assert with_reason.status_code == 303
    (item,) = _stored(hub)
    assert (item.domain("D3").proposed.value, item.domain("D3").chosen.value,
            item.domain("D3").reason) == ("low", "high", "30 % lost to follow-up")


def test_robins_i_domains_are_entered(hub: str,
                                      signed_in: Callable[[str | None], WebClient]) -> None:
    ben = signed_in("ben")
    url = f"/reviews/{SLUG}/rob/{STUDY}?outcome={quote(OUTCOME)}&tool=robins-i"
    judgements = {f"judge:D{i}": "low" for i in range(1, 8)} | {"judge:D1": "serious"}
    saved = ben.post(url, data={"csrf_token": ben.csrf_from(url), **judgements})
    assert saved.status_code == 303, saved.text
    (item,) = _stored(hub)
    assert item.tool.value == "robins-i" and item.overall.proposed.value == "serious"
    missing = ben.post(url, data={"csrf_token": ben.csrf_from(url), "judge:D1": "low"})
    assert missing.status_code == 400 and "missing D2, D3, D4, D5, D6, D7" in missing.text


def test_blinding_then_the_discrepancies_and_the_consensus(
        hub: str, signed_in: Callable[[str | None], WebClient]) -> None:
    ana, ben, cy = signed_in("ana"), signed_in("ben"), signed_in("cy")
    ana.post(FORM, data=_answers(ana, **{"1.2": "N"}))
    assert ben.get(COMPARE).status_code == 409
    listing = ben.get(f"/reviews/{SLUG}/rob").text
    assert "1 assessed; hidden" in listing and "rob-high" not in listing
    ben.post(FORM, data=_answers(ben))
    page = cy.get(COMPARE)
    assert page.status_code == 200
    assert "<th scope=\"row\">1.2</th><td>N</td><td>Y</td>" in page.text
    unresolved = cy.post(COMPARE.replace("/compare", "/consensus"),
                         data={"csrf_token": cy.csrf_from(COMPARE)})
    assert unresolved.status_code == 400
    assert "the assessors disagree on question(s) 1.2 (N vs Y)" in unresolved.text
    agreed = cy.post(COMPARE.replace("/compare", "/consensus"),
                     data={"csrf_token": cy.csrf_from(COMPARE), "q:1.2": "Y"})
    assert agreed.status_code == 303
    consensus = [a for a in _stored(hub) if a.assessor == "cy"]
    assert [a.overall.chosen.value for a in consensus] == ["low"]
    assert 'id="agreed-overall"><strong>low</strong>' in cy.get(COMPARE).text


def test_who_may_reach_the_pages_and_bad_ids(signed_in: Callable[[str | None], WebClient]) -> None:
    visitor = signed_in(None)
    assert visitor.get(FORM).status_code == 303
    assert visitor.post(FORM, data=LOW).status_code == 401
    outsider = signed_in("reviewer")
    assert outsider.get(FORM).status_code == 403
    assert outsider.get(f"/reviews/{SLUG}/rob").status_code == 403
    ana = signed_in("ana")
    assert ana.post(FORM, data={f"q:{k}": v for k, v in LOW.items()}).status_code == 403
    token = ana.csrf_from(FORM)
    for path in ("/reviews/none/rob", f"/reviews/{SLUG}/rob/none?outcome=x",
                 f"/reviews/{SLUG}/rob/none/compare?outcome=x"):
        assert ana.get(path).status_code == 404, path
    assert ana.get(f"/reviews/{SLUG}/rob/{STUDY}").status_code == 400  # no outcome
    assert ana.get(f"/reviews/{SLUG}/rob/{STUDY}?outcome=x&tool=robvis").status_code == 400
    assert ana.get(f"/reviews/{SLUG}/rob/{STUDY}/compare?outcome=x").status_code == 409
    for path in (f"/reviews/{SLUG}/rob/none?outcome=x", "/reviews/none/rob/x?outcome=x",
                 f"/reviews/{SLUG}/rob/none/consensus?outcome=x"):
        assert ana.post(path, data={"csrf_token": token}).status_code == 404, path
    opened = ana.get(f"/reviews/{SLUG}/rob/open?study={STUDY}&outcome=HbA1c&tool=rob2")
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/reviews/{SLUG}/rob/{STUDY}?outcome=HbA1c&tool=rob2"
