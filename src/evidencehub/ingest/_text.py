"""Text and byte-stream helpers shared by every reader.

* :func:`clean_text` — whitespace normalisation (no-break, thin and other Unicode spaces, runs of
  whitespace, soft hyphens and zero-width characters) for any field read from a file;
* :func:`strip_markup` — HTML / MathML tags in a *string* (Crossref and OpenAlex titles such as
  ``"<i>In vivo</i> β<sub>2</sub>"``) flattened to plain text, entities decoded;
* :func:`element_text` — the same for an lxml *element* (PubMed ``ArticleTitle`` with ``<i>``,
  ``<sup>`` or ``<mml:math>`` children);
* :func:`decode_bytes` and :func:`iter_text_lines` — bytes to text: UTF-8 with or without BOM
  (UTF-16 when it has a BOM), else Latin-1, and a clear :class:`~evidencehub.errors.InputError`
  for binary data;
* :func:`open_binary` — a binary stream, transparently gunzipped when it starts with the gzip
  magic number; :func:`gunzip` — the gunzipped stream itself. Truncated or corrupt gzip data
  (``EOFError``, ``zlib.error``, ``gzip.BadGzipFile``, raised by the decompressor wherever a
  reader happens to be reading) is converted to an :class:`~evidencehub.errors.InputError` at
  this one place, so no reader has to expect decompressor errors.

MathML is flattened by hand rather than with a library because no maintained Python library turns
presentation MathML into linear text; the rule used is the one the MathML 3 specification gives
for reading order (§3.4.7: ``mmultiscripts`` prescripts precede the base), and whitespace between
MathML elements is insignificant (§2.1.7), so only token elements contribute text.
"""

from __future__ import annotations

import codecs
import gzip
import html
import io
import itertools
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from lxml import etree

from evidencehub.errors import InputError

__all__ = [
    "clean_text",
    "decode_bytes",
    "element_text",
    "gunzip",
    "iter_text_lines",
    "open_binary",
    "strip_markup",
]

# Characters that carry no text: soft hyphen, zero-width space/joiners, word joiner, BOM.
_INVISIBLE_CHARS = ("\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_INVISIBLE = re.compile("[" + "".join(_INVISIBLE_CHARS) + "]")
# What makes a text need rewriting by clean_text: a whitespace character other than the space,
# or two spaces in a row (checked only for texts longer than _LONG; shorter ones are rewritten).
_ASCII_WHITESPACE = ("  ", *(chr(c) for c in range(128) if chr(c).isspace() and c != 32))
_UNICODE_WHITESPACE = tuple(chr(c) for c in range(128, 0x3001) if chr(c).isspace())  # U+3000 is the last
_LONG = 80
_TAG = re.compile(r"<[^<>]*>")

_MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_MATHML_TOKENS = frozenset({"mi", "mn", "mo", "mtext", "ms"})


def clean_text(value: str | None) -> str | None:
    """Collapse every kind of whitespace to single spaces and strip; ``None`` when nothing is left.

    Whitespace is what :meth:`str.isspace` says it is (no-break, thin, ideographic spaces, line and
    paragraph separators included); soft hyphens and zero-width characters are dropped.

    >>> clean_text("  Thin\u2009space and\u00a0no-break\n  space ")
    'Thin space and no-break space'
    """
    if not value:
        return None
    if value.isalnum():
        return value  # letters and digits only: no whitespace, no invisible character (most names)
    ascii_only = value.isascii()
    if not ascii_only and any(char in value for char in _INVISIBLE_CHARS):
        value = _INVISIBLE.sub("", value)
        if not value:
            return None
    # Abstracts and affiliations are usually clean already: a few substring tests (microseconds)
    # instead of splitting a 2,000-character text into words (tens of microseconds).
    if (
        len(value) > _LONG
        and value[0] != " "
        and value[-1] != " "
        and not any(ws in value for ws in _ASCII_WHITESPACE)
        and (ascii_only or not any(ws in value for ws in _UNICODE_WHITESPACE))
    ):
        return value
    return " ".join(value.split()) or None


def strip_markup(value: str | None) -> str | None:
    """Flatten HTML/MathML markup in a string to plain text, decode entities, clean whitespace.

    >>> strip_markup("Effect of <i>in vivo</i> &amp; CD4<sup>+</sup> cells")
    'Effect of in vivo & CD4+ cells'
    """
    if value is None:
        return None
    if "<" in value and ">" in value:
        try:
            fragment = etree.fromstring(
                f"<x>{value}</x>".encode(), etree.XMLParser(recover=False, resolve_entities=False)
            )
        except etree.XMLSyntaxError:
            # Not well-formed (HTML such as "<br>", undeclared prefixes): drop tags textually.
            value = _TAG.sub("", value)
        else:
            value = element_text(fragment) or ""
    return clean_text(html.unescape(value))


def _local(tag: object) -> str:
    """Local name of an lxml tag (``{namespace}name`` or a ``prefix:name`` left by recovery)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _math_text(math: etree._Element) -> str:
    """Linear text of a MathML subtree: token text only, prescripts before their base."""
    if next(math.iter("{*}mprescripts", "mprescripts"), None) is None:
        # No prescripts: document order is reading order; one C-level pass over the tokens.
        return "".join(
            _token_text(node) for node in math.iter() if _local(node.tag) in _MATHML_TOKENS
        )
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        name = _local(node.tag)
        if name in _MATHML_TOKENS:
            parts.append(_token_text(node))
            return
        children = [c for c in node if isinstance(c.tag, str)]
        if name == "mmultiscripts":
            names = [_local(c.tag) for c in children]
            if "mprescripts" in names:
                cut = names.index("mprescripts")
                children = children[cut + 1 :] + children[:cut]
        for child in children:
            walk(child)

    walk(math)
    return "".join(parts)


def _token_text(node: etree._Element) -> str:
    """Text of a MathML token element; a space-only token (``<mtext> </mtext>``) is one space."""
    return "".join(node.itertext()).strip() or (" " if node.text else "")


def element_text(element: etree._Element | None) -> str | None:
    """Plain text of an element and everything inside it, markup flattened, whitespace cleaned."""
    if element is None:
        return None
    if len(element) == 0:
        return clean_text(element.text)
    parts: list[str] = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # comment or processing instruction
            parts.append(child.tail or "")
            continue
        if _local(child.tag) == "math" or (child.tag.startswith("{") and _MATHML_NS in child.tag):
            parts.append(_math_text(child))
        else:
            parts.append(element_text(child) or "")
        parts.append(child.tail or "")
    # Inline markup (<i>, <sup>) joins words without spaces; element_text of a child is already
    # cleaned, so the join only needs a final clean.
    return clean_text("".join(parts))


# --------------------------------------------------------------------------- bytes to text

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_bytes(data: bytes, *, source: str | None = None) -> str:
    """Decode a whole file: UTF-8 (BOM dropped), UTF-16 with BOM, else Latin-1.

    Latin-1 is the fallback for old tools (EndNote, Reference Manager RIS). Bytes 0x80–0x9F are
    C1 control characters in Latin-1 and never text, so they are read as Windows-1252, Latin-1's
    superset that old Windows tools actually wrote (curly quotes, dashes). Raises
    :class:`InputError` for NUL bytes (a binary file) or bytes that are neither.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})",
                source=source,
                where=f"byte {exc.start}",
            ) from exc
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            "binary data (a NUL byte), expected a text file",
            source=source,
            where=f"line {_line_of(data, nul)}",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"neither UTF-8 (invalid byte 0x{data[first_bad]:02x}) nor Latin-1/Windows-1252 "
            f"(byte 0x{data[exc.start]:02x} is not a character); re-save the file as UTF-8",
            source=source,
            where=f"line {_line_of(data, first_bad)}",
        ) from exc


def iter_text_lines(stream: BinaryIO, *, source: str | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, text)`` for each line of a binary stream, without the line ending.

    Streams line by line (memory stays flat). The encoding is decided as in :func:`decode_bytes`,
    line by line: UTF-8 until a line is not UTF-8; if no earlier line needed UTF-8 (all ASCII), the
    rest is read as Latin-1/Windows-1252; if earlier lines were non-ASCII UTF-8 the file mixes
    encodings and :class:`InputError` names the line. CRLF and CR-only endings are accepted.
    """
    yield from _iter_lines(open_binary(stream, source=source), source)


_NEWLINES = re.compile(r"\r\n|\r|\n")


def _iter_utf16_lines(binary: io.BufferedReader[Any], source: str | None) -> Iterator[tuple[int, str]]:
    """Lines of a stream that starts with a UTF-16 byte-order mark (universal newlines).

    The bytes are fed in order to one incremental decoder, in pieces cut after each ``0x0A``
    byte (a piece may end inside a code unit; the decoder keeps the rest), so an odd number of
    bytes or a lone surrogate is an :class:`InputError` naming the line it is on. Text is split
    only when a piece brings a line break: linear time whatever the line lengths.
    """
    decoder = codecs.getincrementaldecoder("utf-16")()
    number = 0
    parts: list[str] = []  # the current line so far
    held = ""  # a "\r" that ended the text so far: a line end, or the first half of a "\r\n"
    for raw in itertools.chain(binary, (b"",)):
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            # The piece decodes up to the bad code unit; count the line breaks before it.
            good = exc.object[: exc.start].decode(exc.encoding)
            bad_line = number + 1 + len(_NEWLINES.findall("".join(parts) + held + good))
            raise InputError(
                f"starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})",
                source=source,
                where=f"line {bad_line}",
            ) from exc
        if not held and "\n" not in text and "\r" not in text:
            parts.append(text)
            continue
        joined, held = "".join(parts) + held + text, ""
        if raw and joined.endswith("\r"):
            joined, held = joined[:-1], "\r"
        *lines, rest = _NEWLINES.split(joined)
        for line in lines:
            number += 1
            yield number, line
        parts = [rest]
    if last := "".join(parts):
        yield number + 1, last


def _iter_lines(binary: io.BufferedReader[Any], source: str | None) -> Iterator[tuple[int, str]]:
    if binary.peek(4)[:4].startswith(_UTF16_BOMS):
        yield from _iter_utf16_lines(binary, source)
        return
    encoding = "utf-8"
    saw_utf8 = False
    number = 0
    for raw in binary:
        number += 1
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        if b"\x00" in raw:
            raise InputError(
                "binary data (a NUL byte), expected a text file", source=source, where=f"line {number}"
            )
        raw = raw.rstrip(b"\r\n")
        if raw.isascii():
            text = raw.decode("ascii")
        elif encoding == "utf-8":
            try:
                text = raw.decode("utf-8")
                saw_utf8 = True
            except UnicodeDecodeError as exc:
                if saw_utf8:
                    raise InputError(
                        f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}) in a file whose earlier lines "
                        "are UTF-8: mixed encodings; re-save the file as UTF-8",
                        source=source,
                        where=f"line {number}",
                    ) from exc
                encoding = "cp1252"
                text = _decode_legacy(raw, source, number)
        else:
            text = _decode_legacy(raw, source, number)
        if "\r" in text:  # classic Mac OS line endings: several lines in one
            *first, text = text.split("\r")
            for piece in first:
                yield number, piece
                number += 1
        yield number, text


def _decode_legacy(raw: bytes, source: str | None, number: int) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"neither UTF-8 nor Latin-1/Windows-1252 (byte 0x{raw[exc.start]:02x}); "
            "re-save the file as UTF-8",
            source=source,
            where=f"line {number}",
        ) from exc


# --------------------------------------------------------------------------- streams

_GZIP_MAGIC = b"\x1f\x8b"


class _Gunzipped(io.RawIOBase):
    """The decompressed bytes of a gzip stream; decompressor errors become :class:`InputError`."""

    def __init__(self, compressed: BinaryIO, source: str | None) -> None:
        self._gzip = gzip.GzipFile(fileobj=compressed, mode="rb")
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._gzip.readinto(buffer)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(f"truncated or corrupt gzip data: {exc}", source=self._source) from exc

    def close(self) -> None:
        self._gzip.close()
        super().close()


def gunzip(compressed: BinaryIO, *, source: str | None = None) -> io.BufferedReader[Any]:
    """A buffered stream of the decompressed bytes of ``compressed`` (gzip data).

    Reading it raises :class:`InputError` naming ``source`` when the data is truncated or
    corrupt (including a bad CRC or trailing garbage after the last member), never the
    decompressor's own exceptions.
    """
    return io.BufferedReader(_Gunzipped(compressed, source), 1 << 16)


def open_binary(stream: BinaryIO, *, source: str | None = None) -> io.BufferedReader[Any]:
    """Return a peekable binary stream over ``stream``, gunzipping it if it is gzip data
    (see :func:`gunzip`; ``source`` names the file in its errors)."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[type-var]
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gunzip(buffered, source=source)
    return buffered
