"""A small mutation fuzzer for the readers, driven through their public path.

:func:`mutate` changes a real sample the ways broken exporters and hostile files do: flipped
bits and bytes, cut, repeated and swapped chunks, pieces spliced in from other samples, long
runs of one character (the input that makes a backtracking regular expression quadratic),
deep nesting, huge and out-of-range numbers, values of the wrong JSON type, UTF-16 with an odd
byte count or a lone surrogate, and gzip, whole or corrupt. :func:`read_through_public_path`
reads one input the way other tools and ``evidencehub import`` do (``detect_format`` or
``get_reader``, ``open_source``, ``reader.read``) with a limit on the CPU time it may use, and
says how it ended.

Used by ``test_fuzz.py``: a fixed, seeded, small number of inputs per format in every run, and
the long run (``slow``, sized by ``EVIDENCEHUB_FUZZ_INPUTS``).
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from evidencehub.errors import EvidenceHubError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.formats import detect_format, get_reader, open_source

DATA = Path(__file__).parents[1] / "data"

#: Format name → the folder of its real samples in tests/data.
SAMPLE_DIRS = {
    "pubmed-xml": "pubmed_xml",
    "medline": "medline",
    "ris": "ris",
    "bibtex": "bibtex",
    "ctgov": "ctgov_v2_json",
    "crossref": "crossref_json",
    "openalex": "openalex_json",
    "csv": "csv",
}
#: Seeds are cut to about this size (whole records or items kept) so that one input reads fast;
#: BibTeX smaller, since decoding its LaTeX costs about 10 µs a character.
SEED_BYTES = 64 * 1024
_SEED_BYTES = {"bibtex": 16 * 1024}


def _cut_json(data: bytes) -> bytes:
    """A large JSON sample with only its first three items (in a list or an envelope's list)."""
    document = json.loads(data)
    if isinstance(document, list):
        return json.dumps(document[:3]).encode()
    for key in ("results", "items", "studies", "message"):
        inner = document.get(key)
        if isinstance(inner, list):
            document[key] = inner[:3]
            return json.dumps(document).encode()
        if isinstance(inner, dict) and isinstance(inner.get("items"), list):
            inner["items"] = inner["items"][:3]
            return json.dumps(document).encode()
    return data


def _cut_lines(data: bytes, size: int) -> bytes:
    """A large line-based sample cut at the last line break before ``size``."""
    end = data.rfind(b"\n", 0, size)
    return data[: end + 1] if end > 0 else data[:size]


def seeds(fmt: str) -> list[tuple[str, bytes]]:
    """Every real sample of ``fmt`` as ``(file name, bytes)``, large ones cut (see above)."""
    found = []
    for path in sorted((DATA / SAMPLE_DIRS[fmt]).iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        size = _SEED_BYTES.get(fmt, SEED_BYTES)
        if len(data) > size:
            data = _cut_json(data) if fmt in ("ctgov", "crossref", "openalex") else _cut_lines(data, size)
        found.append((path.name.removesuffix(".gz"), data))
    return found


# --------------------------------------------------------------------------- mutations

_BYTES = b"\x00\xff\x80\xc3\xed\r\n\t \"'{}[]<>,;:\\@-=#$%&09aZ\xe2"
_TOKENS = (
    b"1e999", b"-1e999", b"-1", b"0", b"9" * 5000, b"99999999999999999999", b"1.5", b"null",
    b"true", b'""', b"[]", b"{}", b"NaN", b"Infinity", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
    b"\xed\xa0\x80", b"&#0;", b"&amp;", b"&undefined;", b"<![CDATA[", b"]]>", b"<!--", b"-->",
    b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaa'>]>", b"\\\\", b"$", b"%", b'{\\"o}', b"\\begin{x}",
    b"ER  - ", b"TY  - JOUR", b"PMID- 1", b"AU  - ", b"@string{a = a # a}", b"@comment{",
    b'"date-parts": [[99999999999, 13, 32]]', b'"publication_year": 1e999', b"\r", b"\r\n",
    b"\n\n", b"\"\"\"", b"\xc0\x80", b"0000-00-00", b"9999-99-99", b"PMC0", b"10.1/\xff",
    b"NCT" + b"0" * 8, b"<PubmedArticle>", b"</PubmedArticleSet>", b"<mml:math>", b"@@@",
)
_RUN_CHARS = b" ,;\t{}[]()<>\"'\\-9a.&/:_"
_RUN_LENGTHS = (64, 1_000, 20_000, 200_000)


def _span(data: bytes, rng: random.Random) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.choice((1, 4, 16, 64, 512, 4096)))


def _flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buffer[rng.randrange(len(buffer))] ^= 1 << rng.randrange(8)
    return bytes(buffer)


def _set_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buffer[rng.randrange(len(buffer))] = rng.choice(_BYTES)
    return bytes(buffer)


def _delete(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    return data[:start] + data[end:]


def _repeat(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    return data[:end] + data[start:end] * rng.choice((1, 2, 50)) + data[end:]


def _swap(data: bytes, rng: random.Random) -> bytes:
    (a, b), (c, d) = sorted((_span(data, rng), _span(data, rng)))
    if b > c:
        return data
    return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _insert(data: bytes, piece: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def _token(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng.choice(_TOKENS), rng)


def _run(data: bytes, rng: random.Random) -> bytes:
    char = bytes([rng.choice(_RUN_CHARS)])
    length = rng.choice(_RUN_LENGTHS) if rng.random() > 0.01 else 2_000_000
    return _insert(data, char * length, rng)


def _nest(data: bytes, rng: random.Random) -> bytes:
    opening = rng.choice((b"[", b"{", b"{\\x", b"<a>", b"(", b'{"a":', b"\\begin{a}"))
    return _insert(data, opening * rng.choice((50, 300, 3_000, 30_000)), rng)


def _splice(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    other = rng.choice(pool)
    start, end = _span(other, rng)
    return _insert(data, other[start:end], rng)


def _lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    action = rng.randrange(3)
    if action == 0:
        del lines[i]
    elif action == 1:
        lines.insert(j, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _wrong_value(rng: random.Random) -> Any:
    return rng.choice((
        None, True, -1, 0, 10**30, 1e308, float("inf"), float("-inf"), "", "x" * 100_000,
        "2019-13-45", "NCT12345678", [], {}, [[]], {"a": {}}, [None], 3.5, "99999999999", ["x"],
        {"date-parts": [[10**12, 1, 1]]}, {"date-parts": "x"},
    ))


def _json_value(data: bytes, rng: random.Random) -> bytes:
    """Replace one value of a JSON document with a value of another type (if it is JSON and
    not nested too deeply for the json module and the walk below)."""
    try:
        return _replace_json_values(data, rng)
    except (ValueError, RecursionError):
        return data


def _replace_json_values(data: bytes, rng: random.Random) -> bytes:
    document = json.loads(data)
    nodes: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                nodes.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                nodes.append((node, index))
                walk(value)

    walk(document)
    if not nodes:
        return data
    for _ in range(rng.randint(1, 4)):
        parent, key = rng.choice(nodes)
        parent[key] = _wrong_value(rng)
    text = json.dumps(document)  # infinities are written as Infinity, which Python's json reads
    return text.encode()


_XML_TEXTS = ("", " ", "0", "-1", "13", "99999999999999999999", "9" * 5000, "1e999", "Feb", "31",
              "x" * 100_000, "NCT12345678", "10.1000/x", "PMC0", "\u00a0", "&", "Spring", "0000")


def _xml_value(data: bytes, rng: random.Random) -> bytes:
    """Change the text of, drop, or repeat a few elements of an XML document (if it is XML)."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return data
    elements = list(root.iter())
    for _ in range(rng.randint(1, 6)):
        element = rng.choice(elements)
        action = rng.randrange(4)
        parent = element.getparent()
        if action < 2:
            element.text = rng.choice(_XML_TEXTS)
        elif action == 2 and parent is not None:
            parent.remove(element)
            elements = list(root.iter())
        elif parent is not None:
            parent.append(copy.deepcopy(element))
            elements = list(root.iter())
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _structured(data: bytes, rng: random.Random) -> bytes:
    """A mutation that keeps the document well-formed: a JSON or XML value changed."""
    stripped = data.lstrip()
    if stripped.startswith((b"{", b"[")):
        return _json_value(data, rng)
    if stripped.startswith(b"<"):
        return _xml_value(data, rng)
    return _lines(data, rng)


def _utf16(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    encoded = text.encode(rng.choice(("utf-16", "utf-16-le", "utf-16-be")))
    if not encoded.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoded = rng.choice((b"\xff\xfe", b"\xfe\xff")) + encoded
    choice = rng.randrange(3)
    if choice == 0:
        encoded = encoded[:-1]  # an odd number of bytes
    elif choice == 1:
        encoded = _insert(encoded[:2], b"", rng) + _insert(encoded[2:], b"\x00\xd8", rng)  # lone surrogate
    return encoded


def _gzip(data: bytes, rng: random.Random) -> bytes:
    packed = gzip.compress(data)
    choice = rng.randrange(4)
    if choice == 0:
        return packed[: rng.randrange(2, len(packed) + 1)]  # truncated
    if choice == 1:
        return _set_bytes(packed[:10], rng) + packed[10:] if rng.random() < 0.3 else packed[:10] + _flip_bits(packed[10:], rng)
    if choice == 2:
        return packed + rng.choice((b"{}", b"\x1f\x8b", b"junk", packed))  # trailing data
    return packed


_MUTATORS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    _flip_bits, _set_bytes, _set_bytes, _delete, _repeat, _swap, _truncate, _token, _token,
    _token, _run, _run, _nest, _lines, _lines, _json_value, _json_value,
)


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    """One to four mutations of ``data``; now and then re-encoded as UTF-16 or gzipped last.

    Half the time the first mutations keep the document well-formed (a JSON or XML value, a
    line), so that the input reaches the conversion of records and not only the parser.
    """
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            data = _structured(data, rng)
        if rng.random() < 0.5:
            return data
    for _ in range(rng.randint(1, 4)):
        data = _splice(data, rng, pool) if rng.random() < 0.1 else rng.choice(_MUTATORS)(data, rng)
    last = rng.random()
    if last < 0.05:
        data = _utf16(data, rng)
    elif last < 0.12:
        data = _gzip(data, rng)
    return data


# --------------------------------------------------------------------------- reading


class _TimeLimit(BaseException):
    """Raised by the alarm inside a reader; a BaseException so no reader's handler catches it."""


@contextmanager
def _cpu_alarm(seconds: float) -> Iterator[None]:
    """Raise :class:`_TimeLimit` once this process has used ``seconds`` of CPU time (user and
    system): the limit means the same on a quiet machine and on a busy shared one."""

    def ring(signum: int, frame: Any) -> None:
        raise _TimeLimit

    previous = signal.signal(signal.SIGPROF, ring)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@dataclass(frozen=True)
class Outcome:
    """How one input ended: ``"items"``, ``"input-error"``, ``"crash"`` or ``"timeout"``;
    ``seconds`` is CPU time, ``wall_seconds`` elapsed time."""

    kind: str
    seconds: float
    wall_seconds: float
    detail: str = ""


def read_through_public_path(path: Path, fmt: str | None, *, limit: float) -> Outcome:
    """Read ``path`` as other tools do: ``detect_format`` (``fmt`` None) or ``get_reader(fmt)``,
    ``open_source``, every item of ``reader.read``; within ``limit`` seconds of CPU time."""
    cpu, wall = time.process_time(), time.perf_counter()

    def outcome(kind: str, detail: str = "") -> Outcome:
        return Outcome(kind, time.process_time() - cpu, time.perf_counter() - wall, detail)

    try:
        with _cpu_alarm(limit):
            reader = detect_format(path) if fmt is None else get_reader(fmt)
            with open_source(path) as stream:
                for item in reader.read(stream, source=str(path)):
                    if not isinstance(item, (Parsed, Rejected)):
                        raise TypeError(f"a reader yielded {item!r}")
    except _TimeLimit:
        return outcome("timeout", f"over {limit} s of CPU time")
    except EvidenceHubError as exc:
        return outcome("input-error", str(exc)[:200])
    except Exception:  # noqa: BLE001 (what the fuzzer looks for: any other exception is a finding)
        return outcome("crash", traceback.format_exc(limit=-6))
    return outcome("items")
