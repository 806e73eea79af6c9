"""Data extraction in the browser (web/extraction.py): double entry, blinding, the discrepancy
view and the consensus, each write stored through the extraction service with the signed-in
account as its actor; roles, CSRF and bad ids answered with pages, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evidencehub.review import extraction_service as service
from evidencehub.store.repo.outcomes import list_outcome_data
from evidencehub.store.session import make_engine, transaction
from tests.web.appraisal_hub import SLUG, STUDIES, review_hub, signed_in_clients  # noqa: F401
from tests.web.conftest import WebClient

STUDY = STUDIES[0]
FORM = f"/reviews/{SLUG}/extraction/{STUDY}"
ARM = {"outcome": "HbA1c", "timepoint": "24 weeks"}


def _entries(client: WebClient, *, mean: str, country: str = "Canada",
             n: str = "24") -> dict[str, Any]:
    data = {"csrf_token": client.csrf_from(FORM), "study:country": country,
            "study:_locator": "p. 2", "arms": "2"}
    for i, (arm, arm_mean) in enumerate((("acarbose", "7.1"), ("placebo", mean))):
        data |= {f"arm{i}:_outcome": ARM["outcome"], f"arm{i}:_arm": arm,
                 f"arm{i}:_timepoint": ARM["timepoint"], f"arm{i}:_locator": "Table 2",
                 f"arm{i}:mean": arm_mean, f"arm{i}:sd": "1.2", f"arm{i}:n": n}
    return data


def _state(hub: str) -> Any:
    engine = make_engine(hub)
    try:
        with transaction(engine) as session:
            state = service.load(session, SLUG)
            return (state, {who: service.latest_of(session, state, who) for who in ("ana", "ben")},
                    service.latest_consensus(session, state, STUDY),
                    list_outcome_data(session))
    finally:
        engine.dispose()


def test_a_reviewer_enters_a_study_and_the_store_names_them(
        hub: str, signed_in: Callable[[str | None], WebClient]) -> None:
    ana = signed_in("ana")
    form = ana.get(FORM)
    assert form.status_code == 200 and 'name="study:country"' in form.text
    saved = ana.post(FORM, data=_entries(ana, mean="7.9"))
    assert saved.status_code == 303 and "saved=7" in saved.headers["location"]
    latest = _state(hub)[1]
    mine = {(v.arm, v.field): (v.value, v.locator, v.actor) for v in latest["ana"]}
    assert mine[(None, "country")] == ("Canada", "p. 2", "ana")
    assert mine[("placebo", "mean")] == ("7.9", "Table 2", "ana")
    assert all(v.recorded_at is not None and v.basis.value == "extraction" for v in latest["ana"])
    again = ana.get(saved.headers["location"])
    assert 'value="7.9"' in again.text and "Saved: 7 value(s) written" in again.text
    # the same form again writes nothing
    resent = ana.post(FORM, data=_entries(ana, mean="7.9"))
    assert "saved=0&unchanged=" in resent.headers["location"]


def test_a_value_the_form_refuses_is_one_line_and_nothing_is_stored(
        hub: str, signed_in: Callable[[str | None], WebClient]) -> None:
    ana = signed_in("ana")
    refused = ana.post(FORM, data=_entries(ana, mean="7.9", n="many"))
    assert refused.status_code == 400
    assert "field &#39;n&#39;: expected a number, got &#39;many&#39;" in refused.text
    assert 'value="many"' in refused.text  # the form comes back as it was sent
    assert _state(hub)[1]["ana"] == []


def test_blinding_hides_the_other_entries_until_both_have_entered(
        signed_in: Callable[[str | None], WebClient]) -> None:
    ana, ben, cy = signed_in("ana"), signed_in("ben"), signed_in("cy")
    ana.post(FORM, data=_entries(ana, mean="7.9"))
    for client in (ana, ben, cy):
        page = client.get(FORM + "/compare")
        assert page.status_code == 200 and 'id="blinded"' in page.text
        assert "7.9" not in page.text
    assert "7.9" not in ben.get(FORM).text
    assert "hidden until two reviewers have entered it" in ben.get(
        f"/reviews/{SLUG}/extraction").text
    refused = cy.post(FORM + "/consensus", data={"csrf_token": cy.csrf_from(FORM)})
    assert refused.status_code == 409

    ben.post(FORM, data=_entries(ben, mean="8.0"))
    for client in (ana, ben, cy):
        page = client.get(FORM + "/compare")
        assert 'id="blinded"' not in page.text and "7.9" in page.text and "8.0" in page.text


def test_the_discrepancy_view_and_a_consensus_recorded_by_the_resolver(
        hub: str, signed_in: Callable[[str | None], WebClient]) -> None:
    ana, ben, cy = signed_in("ana"), signed_in("ben"), signed_in("cy")
    ana.post(FORM, data=_entries(ana, mean="7.9"))
    ben.post(FORM, data=_entries(ben, mean="8.0", country="canada"))
    page = cy.get(FORM + "/compare")
    assert "1 differ, 0 entered by one only, 6 agree" in page.text
    differ = page.text.split('class="item-differ"')[1].split("</tr>")[0]
    assert 'data-arm="placebo"' in differ and "7.9" in differ and "8.0" in differ

    index = next(i for i in range(7) if f'name="i{i}:field"' in differ)
    recorded = cy.post(FORM + "/consensus", data={
        "csrf_token": cy.csrf_from(FORM + "/compare"), "items": "7",
        f"i{index}:field": "mean", f"i{index}:outcome": ARM["outcome"],
        f"i{index}:arm": "placebo", f"i{index}:timepoint": ARM["timepoint"],
        f"i{index}:pick": "8.0"})
    assert recorded.status_code == 200, recorded.text
    assert "Consensus recorded" in recorded.text and "(created)" in recorded.text
    _s, _latest, consensus, data = _state(hub)
    agreed = {(item[2], item[4]): v for item, v in consensus.items()}
    assert agreed[("placebo", "mean")].value == "8.0"
    assert agreed[("placebo", "mean")].actor == "cy"
    assert agreed[(None, "country")].value == "Canada"
    rows = {d.data.arm: d for d in data if d.data.outcome == ARM["outcome"]
            and d.data.timepoint == ARM["timepoint"] and d.data.study_key == STUDY}
    assert rows["placebo"].data.mean == 8.0 and rows["acarbose"].data.sd == 1.2
    assert rows["placebo"].actor == "cy"
    assert agreed[("placebo", "mean")].outcome_data_id == rows["placebo"].id


def test_a_consensus_value_the_form_refuses_comes_back_with_its_message(
        signed_in: Callable[[str | None], WebClient]) -> None:
    ana, ben, cy = signed_in("ana"), signed_in("ben"), signed_in("cy")
    ana.post(FORM, data=_entries(ana, mean="7.9"))
    ben.post(FORM, data=_entries(ben, mean="8.0"))
    refused = cy.post(FORM + "/consensus", data={
        "csrf_token": cy.csrf_from(FORM + "/compare"), "items": "1", "i0:field": "mean",
        "i0:outcome": ARM["outcome"], "i0:arm": "placebo", "i0:timepoint": ARM["timepoint"],
        "i0:typed": "eight"})
    assert refused.status_code == 400
    assert "field &#39;mean&#39;: expected a number, got &#39;eight&#39;" in refused.text
    bad = cy.post(FORM + "/consensus", data={
        "csrf_token": cy.csrf_from(FORM + "/compare"), "convert": "sd-from-nothing"})
    assert bad.status_code == 400 and "conversion &#39;sd-from-nothing&#39;" in bad.text


def test_who_may_reach_the_pages(signed_in: Callable[[str | None], WebClient]) -> None:
    visitor = signed_in(None)
    assert visitor.get(FORM).status_code == 303
    assert visitor.get(FORM).headers["location"].startswith("/login?next=")
    assert visitor.post(FORM, data={"study:country": "x"}).status_code == 401
    outsider = signed_in("reviewer")  # an account, but not a member of the review
    page = outsider.get(FORM)
    assert page.status_code == 403 and "reviewer is not a member of review" in page.text
    ana = signed_in("ana")
    no_token = ana.post(FORM, data={"study:country": "Canada", "arms": "0"})
    assert no_token.status_code == 403


def test_the_list_and_bad_ids(signed_in: Callable[[str | None], WebClient]) -> None:
    ana = signed_in("ana")
    listing = ana.get(f"/reviews/{SLUG}/extraction")
    assert listing.status_code == 200
    assert all(f'id="study-{key}"' in listing.text for key in STUDIES)
    token = ana.csrf_from(FORM)
    for path in ("/reviews/none/extraction", f"/reviews/{SLUG}/extraction/none",
                 f"/reviews/{SLUG}/extraction/none/compare", "/reviews/none/extraction/x"):
        assert ana.get(path).status_code == 404, path
    for path in (f"/reviews/{SLUG}/extraction/none", f"/reviews/{SLUG}/extraction/none/consensus",
                 "/reviews/none/extraction/x/consensus"):
        response = ana.post(path, data={"csrf_token": token, "arms": "x", "items": "-1"})
        assert response.status_code == 404, path
    assert "not included in review" in ana.get(f"/reviews/{SLUG}/extraction/none").text
