"""Whether a text someone typed is a count: a page number, a store id, a version.

Written by hand because the standard tests are wrong for this: :meth:`str.isdigit` is true for
``"²"`` and other Unicode digits that :class:`int` refuses, and :class:`int` refuses more than
4,300 digits (CPython's limit on converting long strings, ``sys.get_int_max_str_digits``). A
count here is a short run of ASCII digits, so ``int(text)`` after :func:`is_count` never fails.
"""

from __future__ import annotations

__all__ = ["is_count"]


def is_count(text: str, *, max_digits: int = 18) -> bool:
    """Whether ``text`` is 1 to ``max_digits`` ASCII digits (18 by default: any store id)."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()
