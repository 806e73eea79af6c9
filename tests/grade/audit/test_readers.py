"""Text of plain, HTML and PDF files as the audit reads them; every failure a clean error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencehub.errors import InputError
from evidencehub.grade.audit.readers import FORMATS, read_text


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica, one text line per item), written out by hand: objects,
    cross-reference table and trailer as in the PDF 1.7 reference, section 7.5."""
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    content = "BT /F1 11 Tf 14 TL 72 720 Td " + " ".join(f"({s}) Tj T*" for s in escaped) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_pdf_text_with_words_rejoined_across_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(make_pdf(["The difference was signifi-", "cant, t(28) = 2.20, p = .03.",
                               "Mortality: OR 1.50 (95% CI 0.90 to 2.10)."]))
    text = read_text(path)
    assert "significant, t(28) = 2.20, p = .03." in text
    assert "OR 1.50 (95% CI 0.90 to 2.10)" in text
    assert text.count("\n") >= 1


def test_html_blocks_and_table_rows_become_lines_and_scripts_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<h1>Results</h1><p>The effect was\n  significant,\n<i>t</i>(28)&nbsp;=&nbsp;2.20, "
        "<i>p</i> &lt; .05.</p><script>var t = '(28) = 1';</script>"
        "<ul><li>one</li><li>two<br>three</li></ul><table><tr><th>a</th> <td>b\n c</td></tr>"
        "<tr><td>d</td></tr></table>"
        "<p>&chi;<sup>2</sup>(1) = 3.2</p></body></html>", encoding="utf-8")
    lines = read_text(path).splitlines()
    assert lines == ["Results", "The effect was significant, t(28) = 2.20, p < .05.", "one", "two",
                     "three", "a\tb c", "d", "\u03c72(1) = 3.2"]


@pytest.mark.parametrize(("data", "text"), [
    (b"Line one\r\nline two\r\n", "Line one\nline two\n"),
    (b"\xef\xbb\xbfBOM first", "BOM first"),
    ("caf\u00e9 p = .03".encode("cp1252"), "caf\u00e9 p = .03"),
    ("e\ufb00ect of the \ufb01rst".encode(), "effect of the first"),
    (b"", ""),
])
def test_plain_text(tmp_path: Path, data: bytes, text: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    assert read_text(path) == text


def test_markdown_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "page.MD"
    path.write_text("## Results\n\n*t*(28) = 2.20\n", encoding="utf-8")
    assert read_text(path) == "## Results\n\n*t*(28) = 2.20\n"


def test_empty_html_has_no_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.htm"
    path.write_bytes(b"  \n")
    assert read_text(path) == ""


@pytest.mark.parametrize(("name", "data", "message"), [
    ("paper.pdf", b"\x00\x01garbage\xff" * 50, "not a readable PDF"),
    ("paper.pdf", b"", "not a readable PDF"),
    ("paper.pdf", make_pdf(["t(28) = 2.20"])[:120], "not a readable PDF"),
    ("paper.docx", b"PK", r"cannot audit a \.docx file; known formats: \.txt, \.md, \.html"),
    ("paper", b"x", "cannot audit a file without an extension"),
])
def test_bad_files_are_one_clear_error_naming_the_file(tmp_path: Path, name: str, data: bytes,
                                                        message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as raised:
        read_text(path)
    assert str(raised.value).startswith(str(path))


def test_a_missing_file_or_a_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.txt: cannot read the file"):
        read_text(tmp_path / "missing.txt")
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(InputError, match=r"folder\.md: cannot read the file"):
        read_text(tmp_path / "folder.md")


def test_formats() -> None:
    assert FORMATS == (".txt", ".md", ".html", ".htm", ".pdf")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from(FORMATS))
def test_any_bytes_are_text_or_an_input_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        assert isinstance(read_text(path), str)
    except InputError as exc:
        assert str(exc).startswith(str(path))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=600), flip=st.integers(min_value=0, max_value=255))
def test_a_damaged_pdf_is_text_or_an_input_error(tmp_path: Path, cut: int, flip: int) -> None:
    data = bytearray(make_pdf(["t(28) = 2.20, p = .03"]))
    if cut < len(data):
        data[cut] = flip
    path = tmp_path / "damaged.pdf"
    path.write_bytes(bytes(data))
    try:
        read_text(path)
    except InputError as exc:
        assert str(exc).startswith(str(path))
