"""Text of the documents the audit reads: plain text and Markdown, HTML, PDF.

Lines matter: a finding names the 1-based line of its statement in the text read here. Plain
text is read as it is. HTML gives its visible text with every block element (paragraph, list
item, table row, heading, ``<br>``) on a line of its own, a row's cells separated by tabs; scripts, styles and templates are
dropped. PDF gives each page's text in reading order (pypdf's extraction), with words hyphenated
across a line end joined again and ligatures (``ﬁ``) spelled out; like statcheck's PDF reader
(Nuijten et al. 2016, ``R/file-to-txt.R``) it maps the private glyphs some journals' fonts use
for ``=``, ``<``, ``−`` and ``χ`` back to those characters.

Every failure is an :class:`~evidencehub.errors.InputError` naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from evidencehub.errors import InputError

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["FORMATS", "read_text"]

_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
# Glyphs APA journals' PDF fonts use for =, <, − and χ (statcheck's getPDF, R/file-to-txt.R).
_PDF_GLYPHS = str.maketrans({"\u2afd": "=", "\u2b0d": "<", "\u2afa": "-", "\u2439": "\u03c7"})
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-z])[-\u00ad\u2010][ \t]*\n[ \t]*(?=[a-z])")
_SPACES = re.compile(r"[ \r\f\v\u00a0\u2009\u202f\u200b]+")
_TABS = re.compile(r" ?\t[\t ]*")

_DROPPED = frozenset({"script", "style", "noscript", "template", "head", "title", "svg"})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
})
_CELLS = frozenset({"td", "th"})


def read_text(path: Path) -> str:
    """The text of ``path`` as the audit scans it, chosen by its extension.

    Parameters
    ----------
    path : Path
        A ``.txt``, ``.md``, ``.html``, ``.htm`` or ``.pdf`` file.

    Raises
    ------
    InputError
        For an unknown extension (listing the known ones), a file that cannot be read, and a
        PDF that cannot be parsed or is encrypted.
    """
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        kind = f"a {path.suffix} file" if path.suffix else "a file without an extension"
        raise InputError(f"cannot audit {kind}; known formats: {', '.join(FORMATS)}",
                         source=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", source=str(path)) from exc
    return reader(data, str(path)).translate(_LIGATURES)


def _plain(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _html(data: bytes, source: str) -> str:
    import lxml.etree
    import lxml.html

    if not data.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(data)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(f"not readable as HTML ({exc})", source=source) from exc
    chunks: list[str] = []
    _visible(root, chunks)
    lines = (_TABS.sub("\t", _SPACES.sub(" ", line)).strip()
             for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


def _visible(element: HtmlElement, chunks: list[str]) -> None:
    """Append the visible text under ``element``, a line break around each block."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.lower() in _DROPPED or not tag:
        if element.tail:
            chunks.append(element.tail.replace("\n", " "))
        return
    block = tag.lower() in _BLOCKS
    if block:
        chunks.append("\n")
    elif tag.lower() in _CELLS:
        chunks.append("\t")
    if tag.lower() == "pre" and element.text:
        chunks.append(element.text)
    elif element.text:
        chunks.append(element.text.replace("\n", " "))
    for child in element:
        _visible(child, chunks)
    if block:
        chunks.append("\n")
    if element.tail:
        chunks.append(element.tail.replace("\n", " "))


def _pdf(data: bytes, source: str) -> str:
    import logging
    from io import BytesIO

    from pypdf import PdfReader

    # pypdf logs what it repairs in a damaged file; the audit reports only what it cannot read.
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError("the PDF is encrypted", source=source)
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on malformed files
        raise InputError(f"not a readable PDF ({type(exc).__name__}: {exc})",
                         source=source) from exc
    finally:
        pypdf_log.setLevel(level)
    text = "\n".join(pages).translate(_PDF_GLYPHS).replace("\r\n", "\n")
    return _HYPHEN_BREAK.sub("", text)


_READERS: dict[str, Callable[[bytes, str], str]] = {
    ".txt": _plain, ".md": _plain, ".html": _html, ".htm": _html, ".pdf": _pdf,
}
#: The extensions :func:`read_text` knows.
FORMATS = tuple(_READERS)
