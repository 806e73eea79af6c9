"""Tests for the shared text helpers of the readers (``evidencehub.ingest._text``)."""

from __future__ import annotations

import gc
import gzip
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from evidencehub.errors import InputError
from evidencehub.ingest._text import (
    clean_text,
    decode_bytes,
    element_text,
    iter_text_lines,
    open_binary,
    strip_markup,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  a  b\n\tc ", "a b c"),
        ("no\u00a0break\u2009thin\u202fnarrow", "no break thin narrow"),
        ("soft\u00adhyphen zero\u200bwidth", "softhyphen zerowidth"),
        ("   ", None),
        ("", None),
        (None, None),
    ],
)
def test_clean_text(raw: str | None, expected: str | None) -> None:
    assert clean_text(raw) == expected


_ODD_CHARACTERS = ["\t", "\n", "\r", "  ", "\u00a0", "\u2009", "\u3000", "\x85", "\u200b", "\u00ad", "\ufeff", "é"]


@given(
    st.lists(
        st.one_of(st.sampled_from(_ODD_CHARACTERS), st.text(alphabet="abc .", max_size=30)), max_size=30
    )
)
def test_clean_text_long_and_short_paths_agree_with_the_definition(pieces: list[str]) -> None:
    # The definition: drop invisible characters, split on str.isspace whitespace, join with spaces.
    value = "".join(pieces)
    visible = "".join(c for c in value if c not in "\u00ad\u200b\u200c\u200d\u2060\ufeff")
    assert clean_text(value) == (" ".join(visible.split()) or None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Effect of <i>in vivo</i> &amp; CD4<sup>+</sup> cells", "Effect of in vivo & CD4+ cells"),
        ("β<sub>2</sub>-agonist", "β2-agonist"),
        ("line<br>break", "linebreak"),  # not XML: tags dropped textually
        ("plain &lt;text&gt;", "plain <text>"),
        (
            'a <math xmlns="http://www.w3.org/1998/Math/MathML"><msup><mi>x</mi><mn>2</mn></msup></math> b',
            "a x2 b",
        ),
        (None, None),
    ],
)
def test_strip_markup(raw: str | None, expected: str | None) -> None:
    assert strip_markup(raw) == expected


def test_element_text_reads_mathml_prescripts_before_the_base() -> None:
    # The shape PubMed uses for isotopes (biopython_pubmed7.xml): 3He written as mmultiscripts.
    xml = (
        '<AbstractText>inhaled <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">\n'
        "  <mml:mrow><mml:mmultiscripts><mml:mrow><mml:mi>He</mml:mi></mml:mrow><mml:mprescripts/>"
        "<mml:none/><mml:mrow><mml:mn>3</mml:mn></mml:mrow></mml:mmultiscripts>\n"
        "  <mml:mtext>\u00a0</mml:mtext><mml:mi>MRI</mml:mi></mml:mrow>\n</mml:math> ventilation</AbstractText>"
    )
    assert element_text(etree.fromstring(xml)) == "inhaled 3He MRI ventilation"


def test_element_text_of_nothing_is_none() -> None:
    assert element_text(None) is None
    assert element_text(etree.fromstring("<a>  </a>")) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Müller".encode(), "Müller"),
        (b"\xef\xbb\xbf" + "Müller".encode(), "Müller"),
        ("Müller".encode("latin-1"), "Müller"),
        (b"\x93quoted\x94", "\u201cquoted\u201d"),  # Windows-1252 curly quotes
        ("Müller".encode("utf-16"), "Müller"),
    ],
)
def test_decode_bytes(data: bytes, expected: str) -> None:
    assert decode_bytes(data) == expected


def test_decode_bytes_rejects_binary_naming_the_line() -> None:
    with pytest.raises(InputError) as exc:
        decode_bytes(b"TY  - JOUR\n\x00\x01\x02", source="x.ris")
    assert str(exc.value) == "x.ris, line 2: binary data (a NUL byte), expected a text file"


def test_decode_bytes_rejects_undefined_bytes() -> None:
    with pytest.raises(InputError) as exc:
        decode_bytes(b"ok\nbad \x81 byte", source="x.ris")
    assert str(exc.value) == (
        "x.ris, line 2: neither UTF-8 (invalid byte 0x81) nor Latin-1/Windows-1252 "
        "(byte 0x81 is not a character); re-save the file as UTF-8"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\nb\n", [(1, "a"), (2, "b")]),
        (b"\xef\xbb\xbfa\r\nb\xc3\xa9\r\n", [(1, "a"), (2, "bé")]),
        (b"a\r\nb\xe9\r\n", [(1, "a"), (2, "bé")]),  # Latin-1 after ASCII lines
        (b"a\rb\rc", [(1, "a"), (2, "b"), (3, "c")]),  # classic Mac line endings
        (gzip.compress(b"x\ny", mtime=0), [(1, "x"), (2, "y")]),
        ("a\nb".encode("utf-16"), [(1, "a"), (2, "b")]),
    ],
)
def test_iter_text_lines(data: bytes, expected: list[tuple[int, str]]) -> None:
    assert list(iter_text_lines(io.BytesIO(data))) == expected


def test_iter_text_lines_leaves_a_utf16_file_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "u.tsv"
    path.write_text("a\tb\n", encoding="utf-16")
    with path.open("rb") as stream:
        assert list(iter_text_lines(stream)) == [(1, "a\tb")]
    gc.collect()  # a wrapper left open would warn here (pytest turns warnings into errors)


@given(st.text(alphabet="ab\r\n\u0a41\u0b0a\u0a0d\u0d0a\U0001f600", max_size=30),
       st.sampled_from(["utf-16-le", "utf-16-be"]))
def test_iter_text_lines_reads_utf16_as_python_does(text: str, encoding: str) -> None:
    # Characters whose code units hold the byte 0x0A (U+0A41, U+0B0A) cut the stream's pieces
    # inside a character or just after a "\r"; Python's universal-newline reader is the reference.
    bom = "\ufeff".encode(encoding)
    data = bom + text.encode(encoding)
    expected = io.TextIOWrapper(io.BytesIO(data), encoding="utf-16", newline=None).read().split("\n")
    if expected[-1] == "":
        expected.pop()
    assert list(iter_text_lines(io.BytesIO(data))) == list(enumerate(expected, start=1))


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ("a\nb\nc".encode("utf-16")[:-1], "line 3"),  # an odd number of bytes
        ("a\nb\n".encode("utf-16-le") + b"\x00\xd8x\x00", "line 3"),  # a lone surrogate
    ],
)
def test_iter_text_lines_names_the_line_of_broken_utf16(data: bytes, where: str) -> None:
    with pytest.raises(InputError) as exc:
        list(iter_text_lines(io.BytesIO(b"\xff\xfe" + data.removeprefix(b"\xff\xfe")), source="u.ris"))
    assert str(exc.value).startswith(f"u.ris, {where}: starts with a UTF-16 byte-order mark but is not valid")
    assert isinstance(exc.value.__cause__, UnicodeDecodeError)


def test_iter_text_lines_rejects_mixed_encodings() -> None:
    with pytest.raises(InputError) as exc:
        list(iter_text_lines(io.BytesIO(b"caf\xc3\xa9\nna\xefve\n"), source="m.nbib"))
    assert str(exc.value) == (
        "m.nbib, line 2: invalid UTF-8 (byte 0xef) in a file whose earlier lines are UTF-8: "
        "mixed encodings; re-save the file as UTF-8"
    )


def test_iter_text_lines_rejects_binary() -> None:
    with pytest.raises(InputError, match=r"^b.bin, line 3: binary data"):
        list(iter_text_lines(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), source="b.bin"))


def test_open_binary_passes_plain_data_through_and_gunzips() -> None:
    assert open_binary(io.BytesIO(b"plain")).read() == b"plain"
    assert open_binary(io.BytesIO(gzip.compress(b"zipped"))).read() == b"zipped"
