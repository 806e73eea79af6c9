"""Cells of a plain CSV file as spans of its text, and their numbers parsed in numpy.

The fast path of :func:`evidencehub.analysis.table.read_csv`, written by hand because the
general one costs most of an ``evidencehub meta --by`` run on a large file: splitting 166,000
rows into 1.3 million Python strings and parsing each numeric cell with ``float()`` took about
0.4 s of a 1.7 s run (10,000 analyses, ``bench/bench_meta_cli.py``), where finding the
separators and parsing the numbers with numpy on the file's bytes takes about 0.1 s.

:func:`split_plain` takes only *regular* files: ASCII text without quote characters or NUL
bytes, every line after the header with exactly as many cells as the header and none blank.
Those are cut at commas and line breaks, as :mod:`csv` cuts them. Anything else (a blank or
short line, quoting, non-ASCII text) returns None and is read by the general path, which owns
every error message; so this module raises nothing.

:meth:`Spans.decimals` parses cells written as plain decimals (an optional sign, digits, at
most one point: ``-0.25``, ``120``, ``.5``) with the fast path of correctly rounded decimal
conversion (Clinger 1990, "How to read floating point numbers accurately", PLDI): an integer
mantissa ``M < 2**53`` and a power of ten ``10**f`` with ``f <= 22`` are both exact doubles,
so the one IEEE division ``M / 10**f`` is correctly rounded, the double ``float()`` returns.
Cells in any other form (exponents, blanks, ``NA``, ``inf``, more digits) are reported as not
parsed, and the caller converts the column the general way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

__all__ = ["Spans", "split_plain"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

_COMMA, _NEWLINE, _MINUS, _ZERO = (ord(c) for c in ",\n-0")
_MAX_DIGITS = 18  # a mantissa of 18 digits fits int64; it must also stay below 2**53
_POW10 = 10.0 ** np.arange(_MAX_DIGITS + 1)  # exact doubles up to 1e22
#: What each byte is in a plain decimal (0 past the end of a cell).
_END, _DIGIT, _POINT, _SIGN, _OTHER = range(5)
_KIND = np.full(256, _OTHER, dtype=np.uint8)
_KIND[0] = _END
_KIND[_ZERO:_ZERO + 10] = _DIGIT
_KIND[ord(".")] = _POINT
_KIND[[ord("+"), _MINUS]] = _SIGN
#: Bytes that str.strip() removes (ASCII whitespace) and the comma: a line of only these is
#: a blank row.
_BLANK_OR_COMMA = np.zeros(256, dtype=bool)
_BLANK_OR_COMMA[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, _COMMA]] = True
_WHITESPACE = _BLANK_OR_COMMA.copy()
_WHITESPACE[_COMMA] = False


@dataclass(frozen=True, slots=True, eq=False)
class Spans(Sequence[str]):
    """One column's cells as spans ``text[start[i]:end[i]]`` of an ASCII text.

    A read-only sequence of the cell texts (each made on demand), plus the column-wide
    operations that avoid making them: :meth:`decimals`, :meth:`clean`, :meth:`take`.

    Attributes
    ----------
    text : str
        The whole (ASCII) text.
    raw : ndarray of uint8
        Its bytes.
    start, end : ndarray of int
        Where each cell starts and ends (exclusive).
    """

    text: str
    raw: NDArray[np.uint8]
    start: IntArray
    end: IntArray

    def __len__(self) -> int:
        return int(self.start.shape[0])

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[str, ...]: ...

    def __getitem__(self, i: int | slice) -> str | tuple[str, ...]:
        if isinstance(i, slice):
            return self.cells()[i]
        return self.text[int(self.start[i]):int(self.end[i])]

    def __iter__(self) -> Iterator[str]:
        return iter(self.cells())

    def cells(self) -> tuple[str, ...]:
        """Every cell's text, as read (not stripped): the cells' bytes are gathered into one
        buffer, each followed by a line break, which one ``str.split`` cuts (a cell holds no
        line break); about half the time of slicing the text cell by cell."""
        if not len(self):
            return ()
        index = _index_type(self.raw)
        lengths = (self.end - self.start + 1).astype(index)
        stops = np.cumsum(lengths)
        at = (np.repeat((self.start - (stops - lengths)).astype(index), lengths)
              + np.arange(int(stops[-1]), dtype=index))
        np.minimum(at, self.raw.shape[0] - 1, out=at)  # the last cell of a file may end it
        buffer = self.raw[at]
        buffer[stops - 1] = _NEWLINE
        return tuple(buffer.tobytes().decode("ascii").split("\n")[:-1])

    def take(self, rows: IntArray) -> Spans:
        """The cells at the given positions."""
        return Spans(self.text, self.raw, self.start[rows], self.end[rows])

    def clean(self) -> bool:
        """True when no cell is empty, ``NA`` or has blanks around it (so the stripped texts
        are the cells themselves, none missing)."""
        if not len(self):
            return True
        length = self.end - self.start
        if not (length > 0).all():
            return False
        raw = self.raw
        if _WHITESPACE[raw[self.start]].any() or _WHITESPACE[raw[self.end - 1]].any():
            return False
        two = length == 2
        return not ((raw[self.start[two]] == ord("N")) & (raw[self.start[two] + 1] == ord("A"))
                    ).any()

    def runs(self) -> tuple[tuple[str, ...], IntArray] | None:
        """When equal cells come in consecutive rows only (a file sorted or grouped by this
        column): the distinct cells in order and each row's index into them, found by
        comparing each cell's bytes with the previous one's; else None."""
        n = len(self)
        if n == 0:
            return (), np.empty(0, dtype=np.int64)
        length = self.end - self.start
        position = np.arange(int(length.max()), dtype=_index_type(self.raw))[:, None]
        at = self.start.astype(position.dtype) + position
        np.minimum(at, self.raw.shape[0] - 1, out=at)
        chars = self.raw[at]
        chars[position >= length] = 0  # past the end of a cell (a cell holds no NUL byte)
        new = np.ones(n, dtype=bool)
        new[1:] = (chars[:, 1:] != chars[:, :-1]).any(axis=0)
        heads = np.flatnonzero(new)
        values = tuple(self.text[a:b] for a, b in zip(self.start[heads].tolist(),
                                                       self.end[heads].tolist(), strict=True))
        if len(set(values)) != len(values):
            return None  # a value comes back after another: not one block each
        return values, np.cumsum(new, dtype=np.int64) - 1

    def decimals(self) -> FloatArray | None:
        """The cells as floats, equal to ``float(cell)``, when every cell is a plain decimal
        that converts exactly by the fast path (see the module docstring); else None."""
        n = len(self)
        length = self.end - self.start
        if n == 0 or int(length.min()) < 1 or int(length.max()) > _MAX_DIGITS + 2:
            return None if n else np.empty(0)
        # characters position by position: row j holds the j-th character of every cell
        position = np.arange(int(length.max()), dtype=_index_type(self.raw))[:, None]
        at = self.start.astype(position.dtype) + position
        np.minimum(at, self.raw.shape[0] - 1, out=at)
        chars = self.raw[at]
        chars[position >= length] = 0  # past the end of a cell
        kind = _KIND[chars]
        if (kind == _OTHER).any() or (kind[1:] == _SIGN).any():
            return None
        digit, dot = kind == _DIGIT, kind == _POINT
        n_digits = digit.sum(axis=0)
        if ((dot.sum(axis=0) > 1).any() or int(n_digits.min()) < 1
                or int(n_digits.max()) > _MAX_DIGITS):
            return None
        values = chars - np.uint8(_ZERO)
        mantissa = np.zeros(n, dtype=np.int64)
        places = np.zeros(n, dtype=np.int64)  # digits after the point
        after_point = np.zeros(n, dtype=bool)
        for j in range(chars.shape[0]):  # Horner's scheme over the positions
            mantissa = np.where(digit[j], mantissa * 10 + values[j], mantissa)
            places += after_point & digit[j]
            after_point |= dot[j]
        if int(mantissa.max()) > 2**53:
            return None
        value: FloatArray = mantissa / _POW10[places]
        return np.where(chars[0] == _MINUS, -value, value)


def _index_type(raw: NDArray[np.uint8]) -> type[np.signedinteger[Any]]:
    """32-bit positions when they fit (half the memory to walk), else 64-bit."""
    return np.int32 if raw.shape[0] < 2**31 - 1 else np.int64


def split_plain(text: str) -> tuple[str, list[Spans]] | None:
    """Cut a regular plain file into its header line and one :class:`Spans` per column.

    Returns ``(header_line, columns)``, or None when the file is not regular (see the module
    docstring); ``text`` has ``\\n`` line breaks. The columns are the cells of the header
    line; the caller checks their names.
    """
    if '"' in text or not text.isascii() or "\x00" in text:
        return None
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    stop = raw.shape[0] - 1 if text.endswith("\n") else raw.shape[0]  # the final newline
    newlines = np.flatnonzero(raw[:stop] == _NEWLINE)
    if newlines.size == 0:
        return None  # a header and no rows
    first = int(newlines[0])
    header = text[:first]
    width = header.count(",") + 1
    line_end = np.append(newlines[1:], stop)
    body = raw[first + 1:stop]
    separators = np.flatnonzero((body == _COMMA) | (body == _NEWLINE)) + (first + 1)
    if not header or separators.size + 1 != line_end.size * width:
        return None
    ends = np.append(separators, stop).reshape(-1, width)
    if not np.array_equal(ends[:, -1], line_end):
        return None  # some line has more cells than the header, another fewer
    starts = np.empty_like(ends)
    starts[:, 1:] = ends[:, :-1] + 1
    starts[:, 0] = newlines + 1
    # a blank row (only blanks and commas) starts with a blank or a comma: look at those
    maybe = np.flatnonzero(_BLANK_OR_COMMA[raw[np.minimum(starts[:, 0], raw.shape[0] - 1)]])
    for a, b in zip(starts[maybe, 0].tolist(), line_end[maybe].tolist(), strict=True):
        if not text[a:b].replace(",", "").strip():
            return None  # the general path skips it
    return header, [Spans(text, raw, starts[:, j], ends[:, j]) for j in range(width)]
