"""Highlighting a review's keywords in a record's title and abstract, safely.

The keywords are the content words of the review's question (PICO) and of its eligibility
criteria (:func:`review_keywords`): words of three letters or more that are not English stop
words (scikit-learn's ``ENGLISH_STOP_WORDS``, the list the priority model's vectoriser
knows). A keyword matches the start of a word, case-insensitively, so ``islet`` marks
"islets" and "Islet-derived" (Rayyan highlights its keywords the same way, by word stem).

:func:`highlight` never trusts the text: it splits the raw text at the matches and escapes
every piece (:func:`markupsafe.escape`) before wrapping the matched ones in ``<mark>``, so a
record whose abstract holds markup shows that markup as text; the result is
:class:`markupsafe.Markup` only because every piece of it was escaped here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from evidencehub.model import Review

__all__ = ["highlight", "review_keywords"]

_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]|[^\W\d_]", re.UNICODE)
_MIN_LENGTH = 3


def review_keywords(review: Review) -> tuple[str, ...]:
    """The words to highlight for ``review``: content words of its PICO question and criteria,
    lower-cased, in the order they first appear."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # 0.5 s: not at app start

    texts = [*(v for v in review.question.model_dump().values() if isinstance(v, str)),
             *(c.text for c in review.criteria)]
    found: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if len(word) >= _MIN_LENGTH and word not in ENGLISH_STOP_WORDS:
                found.setdefault(word, None)
    return tuple(found)


@lru_cache(maxsize=64)
def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keywords:
        return None
    longest_first = sorted(keywords, key=len, reverse=True)
    alternatives = "|".join(re.escape(k) for k in longest_first)
    return re.compile(rf"(?<!\w)(?:{alternatives})[\w'-]*", re.IGNORECASE)


def highlight(text: str | None, keywords: tuple[str, ...]) -> Markup:
    """``text`` escaped, with each word starting with a keyword in ``<mark>``."""
    if not text:
        return Markup("")
    pattern = _pattern(keywords)
    if pattern is None:
        return escape(text)
    pieces: list[Markup] = []
    end = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[end:match.start()]))
        pieces.append(Markup("<mark>{}</mark>").format(match.group(0)))
        end = match.end()
    pieces.append(escape(text[end:]))
    return Markup("").join(pieces)
