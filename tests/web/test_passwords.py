"""Password hashing (argon2id through argon2-cffi)."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.web.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, verify_password


def test_a_hash_is_salted_argon2id_and_verifies_only_its_password() -> None:
    first, second = hash_password("a long passphrase"), hash_password("a long passphrase")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "a long passphrase")
    assert verify_password(second, "a long passphrase")
    assert not verify_password(first, "a long passphrasE")
    assert not verify_password(first, "")


@pytest.mark.parametrize("length", [0, MIN_LENGTH - 1, MAX_LENGTH + 1])
def test_too_short_or_too_long_a_password_is_refused(length: int) -> None:
    with pytest.raises(InputError, match="a password has at"):
        hash_password("p" * length)


def test_the_bounds_themselves_are_accepted() -> None:
    for length in (MIN_LENGTH, MAX_LENGTH):
        assert verify_password(hash_password("p" * length), "p" * length)


def test_no_account_and_a_broken_hash_never_verify() -> None:
    assert not verify_password(None, "not the password of any account")
    assert not verify_password("not a hash", "anything at all")
    assert not verify_password(hash_password("p" * MAX_LENGTH), "p" * (MAX_LENGTH + 1))
