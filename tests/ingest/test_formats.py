"""Format registry and detection: content first, then suffix; clear errors for what is not an export."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed
from evidencehub.ingest.formats import (
    HEAD_BYTES,
    detect_format,
    get_reader,
    known_formats,
    open_source,
    reader_classes,
)
from evidencehub.model import Record

DATA = Path(__file__).resolve().parents[1] / "data"
#: Sample directory -> the format its files must be detected as.
EXPECTED = {
    "pubmed_xml": "pubmed-xml",
    "medline": "medline",
    "ris": "ris",
    "bibtex": "bibtex",
    "crossref_json": "crossref",
    "openalex_json": "openalex",
    "ctgov_v2_json": "ctgov",
    "csv": "csv",
}
SAMPLES = sorted(p for d in EXPECTED for p in (DATA / d).glob("*") if p.is_file())


def test_every_reader_follows_the_protocol() -> None:
    assert set(EXPECTED.values()) <= set(known_formats())
    assert known_formats()[-1] == "csv"  # the most permissive sniffer goes last
    for name, cls in reader_classes().items():
        assert cls.name == name
        assert all(s.startswith(".") for s in cls.suffixes)
        assert cls().sniff(b"") is False


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_detects_every_real_sample(path: Path) -> None:
    assert detect_format(path).name == EXPECTED[path.parent.name]


def test_gzipped_content_is_sniffed_after_decompression(tmp_path: Path) -> None:
    target = tmp_path / "export.bin.gz"  # a name that says nothing
    target.write_bytes(gzip.compress((DATA / "medline" / "nbib_single.nbib").read_bytes()))
    assert detect_format(target).name == "medline"


def _without_set(data: bytes) -> bytes:
    """A real PubMed sample saved as its lone record: no PubmedArticleSet wrapper, no DOCTYPE."""
    lines = data.splitlines(keepends=True)
    return b"".join(line.replace(b"<PubmedArticleSet>", b"").replace(b"</PubmedArticleSet>", b"")
                    for line in lines if not line.startswith(b"<!DOCTYPE"))


@pytest.mark.parametrize(
    ("sample", "pmid"),
    [("eutils_json_efetch.pubmedbook.xml", "20301295"), ("biomcp_efetch_citation_22663011.xml", "22663011")],
)
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_lone_pubmed_article_is_pubmed_xml(tmp_path: Path, sample: str, pmid: str, compressed: bool) -> None:
    data = _without_set((DATA / "pubmed_xml" / sample).read_bytes())
    assert b"PubmedArticleSet" not in data
    target = tmp_path / ("record.dat.gz" if compressed else "record.dat")  # the content decides
    target.write_bytes(gzip.compress(data) if compressed else data)
    reader = detect_format(target)
    assert reader.name == "pubmed-xml"
    with open_source(target) as stream:
        (item,) = list(get_reader("pubmed-xml").read(stream, source=str(target)))
    assert isinstance(item, Parsed) and isinstance(item.item, Record) and item.item.pmid == pmid


def test_suffix_decides_when_content_does_not(tmp_path: Path) -> None:
    # a MEDLINE file whose first line is not PMID- (a truncated download): the suffix decides
    target = tmp_path / "cut.nbib"
    target.write_text("TI  - A title\nAU  - Smith J\n", encoding="utf-8")
    assert detect_format(target).name == "medline"


def test_get_reader_by_name() -> None:
    assert get_reader("ris").name == "ris"
    with pytest.raises(InputError, match=r"unknown format 'endnote'; known formats: auto, pubmed-xml, medline"):
        get_reader("endnote")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file; nothing to import"),
        (b"  \n\n", "empty file; nothing to import"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "this is a PDF document, not a bibliographic export"),
        (b"PK\x03\x04\x14\x00", "this is a ZIP archive"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary data, not a text or XML export"),
        (b"Dear reviewer,\nplease find attached.\n", "cannot tell the format from the content or the name"),
        (b"\x1f\x8b\x08\x00garbage", "truncated or corrupt gzip data"),
    ],
)
def test_what_is_not_an_export(tmp_path: Path, content: bytes, message: str) -> None:
    target = tmp_path / "upload.dat"
    target.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        detect_format(target)
    assert caught.value.source == str(target)


def test_unknown_format_lists_the_known_ones(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("just some notes\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        detect_format(target)
    assert "known formats: " + ", ".join(known_formats()) in str(caught.value)


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory; give the files in it"):
        detect_format(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        detect_format(tmp_path / "missing.ris")


def test_open_source_streams_gzip_and_counts_file_bytes(tmp_path: Path) -> None:
    payload = b"PMID- 1\nTI  - x\n" * 50_000
    target = tmp_path / "big.nbib.gz"
    target.write_bytes(gzip.compress(payload))
    counted: list[int] = []
    with open_source(target, counted.append) as stream:
        first = stream.read(HEAD_BYTES)
        assert first == payload[:HEAD_BYTES]
        assert 0 < sum(counted) < target.stat().st_size or target.stat().st_size <= 1 << 16
        rest = stream.read()
    assert first + rest == payload
    assert sum(counted) == target.stat().st_size


def test_open_source_plain_file(tmp_path: Path) -> None:
    target = tmp_path / "a.ris"
    target.write_bytes(b"TY  - JOUR\nER  - \n")
    with open_source(target) as stream:
        assert stream.read() == b"TY  - JOUR\nER  - \n"


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("read_all", [True, False], ids=["read-all", "stop-early"])
@pytest.mark.parametrize("counting", [False, True], ids=["no-progress", "progress"])
def test_open_source_hashes_the_file_as_stored_while_it_is_read(
    tmp_path: Path, compressed: bool, read_all: bool, counting: bool
) -> None:
    """The SHA-256 is of the bytes on disk (compressed for gzip), whether or not the reader
    reads to the end (the rest is hashed when it stops), and comes only when it is done."""
    payload = bytes(range(256)) * 20_000  # 5 MB: several buffers
    target = tmp_path / ("data.gz" if compressed else "data.txt")
    target.write_bytes(gzip.compress(payload) if compressed else payload)
    digests: list[str] = []
    counted: list[int] = []
    with open_source(target, counted.append if counting else None, on_sha256=digests.append) as s:
        data = s.read() if read_all else s.read(1000)
        assert digests == []
    assert data == (payload if read_all else payload[:1000])
    assert digests == [hashlib.sha256(target.read_bytes()).hexdigest()]
    if counting and read_all:
        assert sum(counted) == target.stat().st_size


def test_open_source_gives_no_hash_when_the_reader_fails(tmp_path: Path) -> None:
    target = tmp_path / "a.ris"
    target.write_bytes(b"TY  - JOUR\nER  - \n")
    digests: list[str] = []
    with pytest.raises(InputError), open_source(target, on_sha256=digests.append):
        raise InputError("bad record")
    assert digests == []
