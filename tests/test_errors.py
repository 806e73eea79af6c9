"""Tests for evidencehub.errors and the package's public names."""

from __future__ import annotations

import evidencehub
from evidencehub.errors import InputError, NotFoundError


def test_input_error_message_shape() -> None:
    exc = InputError("expected a positive number, got '-3'", source="trials.csv", where="row 14, column 'sd1i'")
    assert str(exc) == "trials.csv, row 14, column 'sd1i': expected a positive number, got '-3'"
    assert isinstance(exc, ValueError)
    assert str(InputError("empty file", source="a.ris")) == "a.ris: empty file"
    assert str(InputError("no studies")) == "no studies"


def test_not_found_is_a_lookup_error() -> None:
    assert issubclass(NotFoundError, LookupError)


def test_public_names() -> None:
    assert evidencehub.__all__ == sorted(evidencehub.__all__)
    for name in evidencehub.__all__:
        assert hasattr(evidencehub, name)
