"""Name splitting shared by the RIS, CSV and OpenAlex readers (``ingest/_names.py``)."""

from __future__ import annotations

import pytest

from evidencehub.ingest._names import (
    display_name_fields,
    inverted_name_fields,
    name_fields,
    split_author_list,
)


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("Marx, Karl", {"family": "Marx", "given": "Karl"}),
        ("Smith, J., Jr.", {"family": "Smith", "given": "J., Jr."}),
        ("Liu R.", {"family": "Liu", "given": "R."}),
        ("Adler DG", {"family": "Adler", "given": "DG"}),
        ("van der Berg AB", {"family": "van der Berg", "given": "AB"}),
        ("Pinto-Gouveia, Jose", {"family": "Pinto-Gouveia", "given": "Jose"}),
        ("METRIC Study Group", {"collective": "METRIC Study Group"}),
        ("  Marx,   Karl ;", {"family": "Marx", "given": "Karl"}),
    ],
)
def test_inverted_names(name: str, fields: dict[str, str]) -> None:
    assert inverted_name_fields(name) == fields


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("Johannes Oldenburg", {"family": "Oldenburg", "given": "Johannes"}),
        ("I. E. M. Den Uijl", {"family": "Den Uijl", "given": "I. E. M."}),
        ("Ludwig van Beethoven", {"family": "van Beethoven", "given": "Ludwig"}),
        ("Juan de la Cruz", {"family": "de la Cruz", "given": "Juan"}),
        ("Madonna", {"family": "Madonna"}),
    ],
)
def test_display_names(name: str, fields: dict[str, str]) -> None:
    assert display_name_fields(name) == fields


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("E J Reimer", {"family": "Reimer", "given": "E J"}),
        ("Tamara Berman", {"family": "Berman", "given": "Tamara"}),
        ("Adler D.G.", {"family": "Adler", "given": "D.G."}),
        ("Berman, Tamara", {"family": "Berman", "given": "Tamara"}),
    ],
)
def test_names_of_unknown_order(name: str, fields: dict[str, str]) -> None:
    assert name_fields(name) == fields


@pytest.mark.parametrize(
    ("value", "separator", "names"),
    [
        ("E J Reimer; G S Dunn", None, ["E J Reimer", "G S Dunn"]),
        ("D. Pavlinac, R. Langer, L. Lenhard and L. Deftos", None,
         ["D. Pavlinac", "R. Langer", "L. Lenhard", "L. Deftos"]),
        ("Liu R., Adler D.G.", None, ["Liu R.", "Adler D.G."]),
        ("Smith, John and Jones, K.", None, ["Smith, John", "Jones, K."]),
        ("Smith, John", None, ["Smith, John"]),
        ("R. L. Whistler and W. C. Lake", None, ["R. L. Whistler", "W. C. Lake"]),
        ("A|B", "|", ["A", "B"]),
    ],
)
def test_split_author_list(value: str, separator: str | None, names: list[str]) -> None:
    assert split_author_list(value, separator) == names
