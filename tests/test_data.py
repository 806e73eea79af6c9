"""The bundled demo corpus and its readers (``evidencehub.data``): facts, formats, errors.

(``tests/data/`` holds other tests' input files, so the data package's tests live here.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidencehub.data import DEMO_DIR
from evidencehub.data.corpus import load_corpus, parse_author
from evidencehub.data.pages import parse_page
from evidencehub.errors import InputError
from evidencehub.model import Comparison, PageKind, PageStatus, StudyDesign, ValueKind, study_key


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return load_corpus()


def test_corpus_contents(corpus) -> None:  # type: ignore[no-untyped-def]
    assert len(corpus.records) == 9
    assert {t.registry_id for t in corpus.trials} == {
        "NCT04339764",
        "UMIN000033564",
        "NCT04802733",
        "NCT06482268",
    }
    kyoto = next(t for t in corpus.trials if t.registry_id == "UMIN000033564")
    assert kyoto.secondary_ids == ("jRCT2090220384",)
    studies = {s.key: s for s in corpus.studies}
    assert len(studies) == 8  # eight cited papers; the 26 trials come with the arm table
    assert len({r.data.study_key for r in corpus.arm_rows}) == 26  # dat.senn2013's trials
    assert studies["mandai2017"].design is StudyDesign.CASE_REPORT
    assert studies["sawamoto2025"].n == 7 and studies["sawamoto2025"].trial_ids == (
        "UMIN000033564",
    )
    assert studies["tabar2025"].n == 12 and studies["tabar2025"].trial_ids == ("NCT04802733",)
    assert studies["reichman2025"].record_keys == ("doi:10.1056/nejmoa2506549",)
    records = {r.key: r for r in corpus.records}
    takahashi = records["doi:10.1016/j.cell.2006.07.024"]
    assert (takahashi.volume, takahashi.issue, takahashi.pages, takahashi.citation_count) == (
        "126",
        "4",
        "663-676",
        26108,
    )
    assert [a.display for a in records["doi:10.1126/science.1151526"].authors][-1] == "Thomson JA"
    assert len(corpus.arm_rows) == 53
    assert corpus.arm_table is not None and corpus.arm_table.name == "senn2013_hba1c.csv"
    first = corpus.arm_rows[0].data  # De Fronzo (1995), metformin: 213, -1.7 (1.459), change
    assert (first.study_key, first.arm, first.n, first.mean, first.sd, first.value_kind) == (
        "defronzo1995", "metformin", 213, -1.7, 1.459, ValueKind.CHANGE)
    assert (first.source, first.locator) == ("doi:10.1177/0962280211432220",
                                             "dat.senn2013, row 1")
    assert sorted(p.page.kind for p in corpus.pages) == sorted(
        [PageKind.ARTICLE, PageKind.INTERVENTION, PageKind.ANALYSIS]
    )


def test_analysis_plan(corpus) -> None:  # type: ignore[no-untyped-def]
    by_slug = {a.slug: a for a in corpus.analyses}
    agi = by_slug["hba1c-alpha-glucosidase-inhibitors-vs-placebo"]
    assert agi.comparison == Comparison(experimental=("acarbose", "miglitol"), control=("placebo",))
    assert (agi.measure, agi.method, agi.test, agi.value_kind) == (
        "MD",
        "REML",
        "z",
        ValueKind.CHANGE,
    )


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("De Fronzo (1995)", "defronzo1995"),
        ("Johnston (1998a)", "johnston1998a"),
        ("Gonzalez-Ortiz (2004)", "gonzalez-ortiz2004"),
    ],
)
def test_study_key(label: str, key: str) -> None:
    assert study_key(label) == key


@pytest.mark.parametrize(
    ("text", "author"),
    [
        ("Vodyanik MA", {"family": "Vodyanik", "given": "M. A."}),
        ("Smuga-Otto K", {"family": "Smuga-Otto", "given": "K."}),
        ("HPAP Consortium", {"collective": "HPAP Consortium"}),
    ],
)
def test_parse_author(text: str, author: dict[str, str]) -> None:
    assert parse_author(text) == author


def test_page_front_matter() -> None:
    source = parse_page(
        '+++\nslug = "x"\nkind = "article"\ntitle = "X"\nsource = "PubMed"\n+++\nBody.\n',
        source="x.md",
    )
    assert source.page.slug == "x" and source.page.status is PageStatus.DRAFT
    assert source.page.body == "Body."  # the model strips surrounding whitespace
    assert source.label_source == "PubMed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Body only\n", "x.md, line 1: a page starts with a '+++' line opening its front matter"),
        ('+++\nslug = "x"\n', "x.md: the front matter is not closed by a '+++' line"),
        ("+++\nslug = \n+++\n", "x.md: front matter is not valid TOML"),
        (
            '+++\nslug = "Bad Slug"\nkind = "article"\ntitle = "X"\n+++\n',
            "x.md, front matter: field 'slug': String should match pattern",
        ),
        (
            '+++\nslug = "x"\nkind = "poem"\ntitle = "X"\n+++\n',
            "x.md, front matter: field 'kind': Input should be",
        ),
        (
            '+++\nslug = "x"\nkind = "article"\ntitle = "X"\nlabel = "A"\n+++\n',
            "x.md, front matter: 'label' is not a front-matter field",
        ),
    ],
)
def test_page_errors(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_page(text, source="x.md")
    assert str(caught.value).startswith(message)


def copy_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(DEMO_DIR, root)
    return root


def test_corpus_errors_name_file_and_entry(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    studies = root / "studies.toml"
    studies.write_text(studies.read_text().replace("n = 12\n", "n = -12\n"), encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"^studies.toml, study 7 \('tabar2025'\): field 'n': Input should be greater than or equal to 0",
    ):
        load_corpus(root)


def test_corpus_cross_references_are_checked(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    page = root / "pages" / "stem-cell-derived-insulin.md"
    page.write_text(
        page.read_text().replace("[@reichman2025]", "[@nobody2099]", 1), encoding="utf-8"
    )
    with pytest.raises(
        InputError, match=r"^pages/stem-cell-derived-insulin.md: cites unknown study 'nobody2099'$"
    ):
        load_corpus(root)
    root = copy_corpus(tmp_path / "b")
    spec = root / "analyses.toml"
    spec.write_text(
        spec.read_text().replace(
            '"DPP-4 inhibitors" = ["sitagliptin", "vildagliptin"]',
            '"DPP-4 inhibitors" = ["saxagliptin"]',
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        InputError,
        match=r"arm\(s\) saxagliptin of class 'DPP-4 inhibitors' are not in senn2013_hba1c.csv",
    ):
        load_corpus(root)


@pytest.mark.parametrize("path", sorted((DEMO_DIR / "pages").glob("*.md")), ids=lambda p: p.name)
def test_format_page_is_the_inverse_of_parse_page(path: Path) -> None:
    from evidencehub.data.pages import format_page, parse_page, read_page

    source = read_page(path)
    text = format_page(source)
    assert parse_page(text, source="x") == source
    assert format_page(parse_page(text, source="x")) == text
    assert text.startswith('+++\nslug = "') and text.endswith("\n")
