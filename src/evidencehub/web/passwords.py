"""Password hashing for the web application's accounts: argon2id, through argon2-cffi.

argon2id is the hash RFC 9106 recommends and OWASP's password storage cheat sheet lists
first; argon2-cffi's defaults are RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes).
A password is checked against its stored hash only; an unknown account is checked against a
fixed hash all the same, so that the time of a failed sign-in does not tell whether the
account exists.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from evidencehub.errors import InputError

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "check_password", "hash_password", "verify_password"]

#: Shortest password accepted (NIST SP 800-63B, 5.1.1.2: at least 8 characters).
MIN_LENGTH = 8
#: Longest password accepted: long enough for any passphrase, short enough to hash quickly.
MAX_LENGTH = 1024


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy() -> str:
    return _hasher().hash("not the password of any account")


def check_password(password: str) -> None:
    """Refuse a password that is too short or too long, with an :class:`InputError`."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InputError(f"a password has at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (after :func:`check_password`), salt included."""
    check_password(password)
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; ``None`` (no such account) is checked
    against a decoy hash so that it takes as long, and is always False."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher().verify(stored_hash or _decoy(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
