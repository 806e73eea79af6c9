"""The static site: files, links that resolve, determinism, atomic replacement."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urldefrag

import pytest
from lxml import html as lxml_html

from evidencehub.errors import ConfigError
from evidencehub.publish import site as site_module
from evidencehub.publish.site import MARKER, build_site
from evidencehub.publish.snapshot import HubSnapshot


def test_site_has_every_page_and_twin(demo_site_files: dict[str, bytes]) -> None:
    for path in [
        "index.html",
        "index.json",
        "library.html",
        "library.json",
        "pages/stem-cell-derived-insulin.html",
        "pages/ipsc-derived-cell-therapy.html",
        "pages/hba1c-glucose-lowering-drugs.html",
        "pages/hba1c-glucose-lowering-drugs.json",
        "studies/mandai2017.html",
        "studies/defronzo1995.json",
        "trials/NCT04339764.html",
        "plots/hba1c-biguanides-vs-placebo.svg",
        "static/style.css",
        MARKER,
    ]:
        assert path in demo_site_files, path
    assert "plots/hba1c-benfluorex-vs-placebo.svg" not in demo_site_files  # k = 1: not pooled


def test_the_static_site_carries_no_script(demo_site_files: dict[str, bytes]) -> None:
    # the scripts are the web app's signed-in workflows; no static page runs one
    assert sorted(p for p in demo_site_files if p.startswith("static/")) == [
        "static/favicon.svg", "static/style.css"]
    assert not any(b"<script" in data for path, data in demo_site_files.items()
                   if path.endswith(".html"))


def test_forest_plots_are_inline_svg(demo_site_files: dict[str, bytes]) -> None:
    page = demo_site_files["pages/hba1c-glucose-lowering-drugs.html"].decode()
    # four forest plots, and a funnel plot for each of the three analyses pooling 3+ studies
    assert page.count('<figure class="forest">') == 4
    assert page.count('<figure class="funnel">') == 3
    assert page.count("<svg") == 7
    assert "<?xml" not in page
    assert "De Fronzo (1995)" in page


def _targets(files: dict[str, bytes]) -> list[tuple[str, str]]:
    links = []
    for path, data in files.items():
        if path.endswith(".html"):
            tree = lxml_html.fromstring(data)
            for element, _attribute, link, _ in tree.iterlinks():
                if element.tag in ("a", "link", "img", "script"):
                    links.append((path, link))
    return links


def test_every_internal_link_resolves(demo_site_files: dict[str, bytes]) -> None:
    ids: dict[str, set[str]] = {
        path: set(lxml_html.fromstring(data).xpath("//@id"))
        for path, data in demo_site_files.items()
        if path.endswith(".html")
    }
    checked = 0
    for source, link in _targets(demo_site_files):
        if link.startswith(("http://", "https://")) or link == "/search":
            continue  # /search: the header's search box and link point to the web app
        target, fragment = urldefrag(link)
        resolved = str(Path(source).parent / target) if target else source
        resolved = str(Path(resolved)).replace("\\", "/")
        parts: list[str] = []
        for part in resolved.split("/"):
            if part == "..":
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        resolved = "/".join(parts)
        assert resolved in demo_site_files, f"{source}: broken link {link}"
        if fragment:
            assert fragment in ids[resolved], f"{source}: no #{fragment} in {resolved}"
        checked += 1
    assert checked > 400  # guards against a parser that finds no links


def test_build_is_deterministic_and_replaces_the_site(
    tmp_path: Path, demo_snapshot: HubSnapshot
) -> None:
    site = tmp_path / "site"
    first = build_site(demo_snapshot, site)
    before = {p.relative_to(site): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    (site / "stale.html").write_text("left over")
    build_site(demo_snapshot, site)
    after = {p.relative_to(site): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    assert after == before
    assert first.files == len(before) and first.pages == 49
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging or old copies left


def test_refuses_to_replace_a_directory_it_did_not_build(
    tmp_path: Path, demo_snapshot: HubSnapshot
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious")
    with pytest.raises(
        ConfigError,
        match=r"docs is not empty and was not built by evidencehub \(no \.evidencehub-site\)",
    ):
        build_site(demo_snapshot, tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.tex").read_text() == "precious"


def test_failed_build_leaves_the_old_site(
    tmp_path: Path, demo_snapshot: HubSnapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    build_site(demo_snapshot, site)
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    real_render = site_module.render_site

    def failing_render(snap: HubSnapshot) -> dict[str, bytes]:
        files = real_render(snap)
        files["zzz/broken.html"] = None  # type: ignore[assignment]  # write_bytes(None) fails mid-way
        return files

    monkeypatch.setattr(site_module, "render_site", failing_render)
    with pytest.raises(TypeError):
        build_site(demo_snapshot, site)
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
