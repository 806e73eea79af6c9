"""Keywords of a review marked in record text (web/highlight.py): escaped first, always."""

from __future__ import annotations

from markupsafe import Markup

from evidencehub.model import Criterion, Pico, Review
from evidencehub.web.highlight import highlight, review_keywords

REVIEW = Review(slug="islets", title="Islets",
                question=Pico(population="people with type 1 diabetes",
                              intervention="islet transplantation"),
                criteria=(Criterion(code="P1", text="Not type 1 diabetes"),
                          Criterion(code="S1", text="Not a clinical study")))


def test_keywords_are_the_content_words_of_the_question_and_criteria() -> None:
    assert review_keywords(REVIEW) == ("people", "type", "diabetes", "islet", "transplantation",
                                       "clinical", "study")


def test_matches_start_words_whatever_their_case() -> None:
    marked = highlight("Islets after transplantation in diabetic people", ("islet", "diabet"))
    assert marked == ("<mark>Islets</mark> after transplantation in "
                      "<mark>diabetic</mark> people")
    assert highlight("Sislet", ("islet",)) == "Sislet"  # not inside a word


def test_record_text_is_escaped_and_never_trusted() -> None:
    payloads = ['<script>alert("islet")</script>', "<img src=x onerror=alert(1)> islet",
                "islet&amp;<b>", '"><svg/onload=alert(1)>']
    for text in payloads:
        marked = highlight(text, ("islet", "script", "amp", "img"))
        assert isinstance(marked, Markup)
        assert "<" not in str(marked).replace("<mark>", "").replace("</mark>", ""), text
    assert highlight("a & b <i>", ()) == "a &amp; b &lt;i&gt;"
    # the raw text is matched, then escaped: an entity is never cut by a mark
    assert highlight("Tom&amp;", ("amp",)) == "Tom&amp;<mark>amp</mark>;"
    assert highlight(None, ("x",)) == ""
