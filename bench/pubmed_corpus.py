"""The PubMed XML benchmark corpus: every real PubMed sample, copied with fresh identifiers.

Used by ``bench_ingest.py`` and ``bench_import.py`` (run on demand, never as a test).

**Samples.** Every PubMed XML record found in the project's and the shared fixtures
(:data:`SAMPLE_DIRS`: ``tests/data/pubmed_xml`` with its gzipped baseline-style file,
``tests/data/recorded/pubmed`` (recorded efetch responses), ``../shared/fixtures/formats/pubmed_xml``
and, if present, a held-out directory ``../shared/fixtures/held_out``), read whatever their
root is (a ``PubmedArticleSet``, a book set, or one lone ``PubmedArticle`` or
``PubmedBookArticle``): journal articles and book articles alike, each once (a record met in
several files, e.g. a shared fixture copied into ``tests/data``, is kept once, by PMID). The
malformed fixtures are mutations, not samples, and are left out.

**Copies.** The samples are copied round-robin; each copy gets a fresh PMID, a fresh DOI
(``10.5555/…``), no PMCID and no PII, and a title of ten words drawn (seeded) from the samples'
abstracts, so that a whole import stores every copy as its own record instead of merging copies as
duplicates. A book article's title is its ``ArticleTitle`` when it has one, else its
``BookTitle``; whichever the reader takes is the one replaced. MathML (``mml:`` elements, in
two of the samples) is left out, its text with it, because Biopython's ``Entrez`` parser cannot
read it inside titles and abstracts; everything else of each sample is kept as it is.

The file is a ``PubmedArticleSet`` with the 2025 DTD's DOCTYPE (Biopython finds its bundled DTD
by it).
"""

from __future__ import annotations

import gzip
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent.parent / "shared" / "fixtures"
#: Where PubMed XML samples are looked for (a missing directory is skipped).
SAMPLE_DIRS = (
    ROOT / "tests" / "data" / "pubmed_xml",
    ROOT / "tests" / "data" / "recorded" / "pubmed",
    SHARED / "formats" / "pubmed_xml",
    SHARED / "held_out",
)
DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)
_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_PMID, _DOI, _TITLE = "@@PMID@@", "@@DOI@@", "@@TITLE@@"
_PARSER = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)


@dataclass(frozen=True)
class Sample:
    """One real record: where it came from, what kind it is, and its template."""

    path: Path
    pmid: str
    kind: str
    template: str
    words: frozenset[str]


def _documents() -> Iterator[tuple[Path, etree._Element]]:
    for directory in SAMPLE_DIRS:
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if not (path.name.endswith(".xml") or path.name.endswith(".xml.gz")):
                continue
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
            try:
                root = etree.fromstring(data, _PARSER)
            except etree.XMLSyntaxError:
                continue
            yield path, root


def _records(root: etree._Element) -> list[etree._Element]:
    if root.tag in _RECORD_TAGS:
        return [root]
    return [child for child in root if child.tag in _RECORD_TAGS]


def _kind(record: etree._Element) -> str:
    """A short description of what the record is: what a reader treats differently."""
    if record.tag == "PubmedBookArticle":
        document = record.find("BookDocument")
        chapter = document is not None and document.find("ArticleTitle") is not None
        return "PubmedBookArticle: book chapter" if chapter else "PubmedBookArticle: whole book"
    features = []
    body = record.find("MedlineCitation/Article")
    if body is not None:
        if body.find("Abstract/AbstractText[@Label]") is not None:
            features.append("structured abstract")
        if body.find("AuthorList/Author/CollectiveName") is not None:
            features.append("collective author")
        if body.find("DataBankList") is not None:
            features.append("data bank")
        if any(e.tag.startswith(_MATHML) for e in body.iter() if isinstance(e.tag, str)):
            features.append("MathML")
    if record.find("PubmedData/ReferenceList") is not None:
        features.append("reference list")
    if record.find("MedlineCitation/InvestigatorList") is not None:
        features.append("investigators")
    if record.find("MedlineCitation/CommentsCorrectionsList") is not None:
        features.append("comments/corrections")
    return "PubmedArticle: journal article" + (f" ({', '.join(features)})" if features else "")


def _strip_mathml(record: etree._Element) -> None:
    for element in list(record.iter(f"{_MATHML}*")):
        parent = element.getparent()
        if parent is None or parent.tag.startswith(_MATHML):
            continue  # removed with its outermost MathML ancestor
        tail = element.tail or ""
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(element)


def _set_title(record: etree._Element) -> None:
    if record.tag == "PubmedArticle":
        title = record.find("MedlineCitation/Article/ArticleTitle")
    else:
        title = record.find("BookDocument/ArticleTitle")
        if title is None:
            title = record.find("BookDocument/Book/BookTitle")
    if title is None:
        raise ValueError("a sample without a title")
    for child in list(title):
        title.remove(child)
    title.text = _TITLE


def _template(record: etree._Element) -> str:
    """The record serialised with placeholders for its PMID, DOI and title, no PMCID or PII."""
    _strip_mathml(record)
    _set_title(record)
    citation = (
        record.find("MedlineCitation")
        if record.tag == "PubmedArticle"
        else record.find("BookDocument")
    )
    assert citation is not None
    citation.find("PMID").text = _PMID  # type: ignore[union-attr]
    for location in record.iter("ELocationID"):
        if location.get("EIdType") == "doi":
            location.text = _DOI
        elif location.get("EIdType") == "pii":
            location.getparent().remove(location)  # type: ignore[union-attr]
    has_doi = False
    for id_list in record.iter("ArticleIdList"):
        if id_list.getparent().tag in ("ReferenceList", "Reference"):  # type: ignore[union-attr]
            continue  # a cited work's ids are not the record's
        for article_id in list(id_list):
            kind = article_id.get("IdType")
            if kind == "pubmed":
                article_id.text = _PMID
            elif kind == "doi":
                article_id.text = _DOI
                has_doi = True
            elif kind in ("pmc", "pii", "pmcid", "mid"):
                id_list.remove(article_id)
    if not has_doi:  # every copy gets a DOI, as most records have one
        id_lists = [
            i for i in record.iter("ArticleIdList") if i.getparent().tag not in ("Reference",)
        ]  # type: ignore[union-attr]
        if id_lists:
            doi = etree.SubElement(id_lists[0], "ArticleId", IdType="doi")
            doi.text = _DOI
    return etree.tostring(record, encoding="unicode")


def samples() -> list[Sample]:
    """Every distinct sample record (first file wins for a PMID met twice), in a fixed order."""
    found: dict[str, Sample] = {}
    for path, root in _documents():
        for record in _records(root):
            pmid = record.findtext("MedlineCitation/PMID") or record.findtext("BookDocument/PMID")
            if not pmid or pmid.strip() in found:
                continue
            kind = _kind(record)
            words = frozenset(
                w.lower()
                for text in record.iter("AbstractText")
                for w in re.findall(r"[A-Za-z]{4,}", "".join(text.itertext()))
            )
            found[pmid.strip()] = Sample(path, pmid.strip(), kind, _template(record), words)
    return list(found.values())


def kinds(count: int) -> Counter[str]:
    """How many records of each kind a corpus of ``count`` records holds."""
    found = samples()
    return Counter(found[number % len(found)].kind for number in range(count))


def build_pubmed_xml(path: Path, count: int, *, seed: int = 20260101) -> Path:
    """Write a ``PubmedArticleSet`` of ``count`` copies of the samples with fresh ids (docstring)."""
    found = samples()
    vocabulary = sorted(set().union(*(s.words for s in found)))
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" ?>\n{DOCTYPE}\n<PubmedArticleSet>\n')
        for number in range(count):
            template = found[number % len(found)].template
            title = " ".join(rng.sample(vocabulary, 10)).capitalize() + "."
            out.write(
                template.replace(_PMID, str(40_000_000 + number))
                .replace(_DOI, f"10.5555/evidencehub.bench.{number}")
                .replace(_TITLE, title)
            )
            out.write("\n")
        out.write("</PubmedArticleSet>\n")
    return path


if __name__ == "__main__":
    for sample in samples():
        print(
            f"{sample.pmid:>9}  {sample.path.relative_to(ROOT.parent.parent) if SHARED in sample.path.parents else sample.path.relative_to(ROOT)}  {sample.kind}"
        )
    for kind, n in sorted(kinds(5_000).items()):
        print(f"{n:>6}  {kind}")
