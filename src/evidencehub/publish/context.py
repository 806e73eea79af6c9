"""Page contexts: one plain dict per page, rendered to HTML by a template and written as JSON.

Pure functions of a :class:`~evidencehub.publish.snapshot.HubSnapshot` (no I/O). Every context
has ``kind`` (the template), ``title``, ``path`` (site-relative URL of the HTML page) and
``json_path`` (its ``.json`` twin); the JSON twin is exactly the dict the template rendered
(datasette's "one dict, two renderings").

An analysis result as stored by the demo walk (:mod:`evidencehub.demo`) is a dict with
``fit`` (``MetaResult.to_dict()`` or ``None``), ``contrasts`` (one row per active arm and its
control: escalc's columns, ``yi``, ``vi``, ``ci_lb``, ``ci_ub``, ``pooled``, ``weight``,
``note``) and ``not_pooled_reason``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from evidencehub.grade.claims import cited_keys
from evidencehub.grade.labels import design_kind, design_name
from evidencehub.grade.tags import TAG_DESCRIPTIONS, tag_counts
from evidencehub.model import Page, PageKind, Record, Study, Trial
from evidencehub.publish.markup import LinkTarget, render_body
from evidencehub.publish.snapshot import HubSnapshot

__all__ = [
    "SITE_TITLE",
    "context_for_path",
    "index_context",
    "library_context",
    "page_context",
    "page_path",
    "search_context",
    "site_paths",
    "study_context",
    "study_path",
    "trial_context",
    "trial_path",
]

SITE_TITLE = "evidencehub"
DISCLAIMER = (
    "evidencehub gathers and grades published research; it does not give medical advice. "
    "Nothing here is a diagnosis or a treatment recommendation. Talk to your own care team "
    "before changing how you manage diabetes or any other condition."
)
_KIND_HEADINGS = {
    PageKind.ARTICLE: "Articles",
    PageKind.INTERVENTION: "Interventions",
    PageKind.ANALYSIS: "Analyses",
}


# --------------------------------------------------------------------------- paths


def page_path(slug: str) -> str:
    """Site-relative path of a page."""
    return f"pages/{slug}.html"


def study_path(key: str) -> str:
    """Site-relative path of a study."""
    return f"studies/{key}.html"


def trial_path(registry_id: str) -> str:
    """Site-relative path of a trial, named by its primary registry id."""
    return f"trials/{registry_id}.html"


def _json(path: str) -> str:
    return path.removesuffix(".html") + ".json"


def _base(kind: str, title: str, path: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "site": SITE_TITLE,
        "title": title,
        "path": path,
        "json_path": _json(path),
    }


# --------------------------------------------------------------------------- objects as dicts


def _record_dict(record: Record) -> dict[str, Any]:
    authors = [a.display for a in record.authors]
    citation = " ".join(str(p) for p in (record.journal_abbrev or record.journal, record.year) if p)
    locator = ""
    if record.volume:
        locator = record.volume + (f"({record.issue})" if record.issue else "")
        locator += f":{record.pages.replace('-', '–')}" if record.pages else ""
    return {
        "key": record.key,
        "doi": record.doi,
        "doi_url": f"https://doi.org/{record.doi}" if record.doi else None,
        "pmid": record.pmid,
        "pmid_url": f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/" if record.pmid else None,
        "title": record.title,
        "authors": authors,
        "journal": record.journal,
        "year": record.year,
        "citation": citation,
        "locator": locator,
        "open_access": record.open_access.value if record.open_access else None,
        "citation_count": record.citation_count,
        "citation_percentile": record.citation_percentile,
        "registry_ids": list(record.registry_ids),
        "author_line": _author_line(authors, ""),
    }


def _author_line(authors: list[str], label: str) -> str:
    """Vancouver style: up to six authors, then "et al."; also "et al." when the study label
    says the record's list is partial."""
    shown = authors[:6]
    partial = len(authors) > 6 or ("et al." in label and len(authors) < 6)
    return ", ".join(shown) + (", et al." if partial and shown else "")


def _study_dict(study: Study, snap: HubSnapshot) -> dict[str, Any]:
    kind = design_kind(study.design)
    records = [
        _record_dict(snap.record_by_key[k]) for k in study.record_keys if k in snap.record_by_key
    ]
    for record in records:
        record["author_line"] = _author_line(record["authors"], study.label)
    trials = []
    for registry_id in study.trial_ids:
        trial = snap.trial_by_id.get(registry_id)
        trials.append(
            {"registry_id": registry_id, "path": trial_path(trial.registry_id) if trial else None}
        )
    return {
        "key": study.key,
        "label": study.label,
        "path": study_path(study.key),
        "design": study.design.value,
        "design_name": design_name(study.design),
        "evidence_kind": kind.value,
        "species": study.species,
        "model": study.model,
        "population": study.population,
        "n": study.n,
        "follow_up": study.follow_up,
        "phase": study.phase.value if study.phase else None,
        "cell_source": study.cell_source,
        "encapsulation": study.encapsulation,
        "immunosuppression": study.immunosuppression,
        "findings": study.findings,
        "records": records,
        "trials": trials,
    }


def _trial_dict(trial: Trial) -> dict[str, Any]:
    return {
        "registry_id": trial.registry_id,
        "registry": trial.registry.value if trial.registry else None,
        "secondary_ids": list(trial.secondary_ids),
        "path": trial_path(trial.registry_id),
        "title": trial.title,
        "phase": trial.phase.value if trial.phase else None,
        "status": trial.status,
        "enrollment": trial.enrollment,
        "conditions": list(trial.conditions),
        "interventions": list(trial.interventions),
        "sponsor": trial.sponsor,
        "summary": trial.summary,
    }


def _label_dict(page: Page) -> dict[str, Any] | None:
    if page.label is None:
        return None
    return {
        "kinds": [k.value for k in page.label.kinds],
        "source": page.label.source,
        "certainty": page.label.certainty,
        "rationale": page.label.rationale,
    }


def _page_link(page: Page) -> dict[str, Any]:
    return {
        "slug": page.slug,
        "title": page.title,
        "kind": page.kind.value,
        "status": page.status.value,
        "category": page.category,
        "dek": page.dek,
        "path": page_path(page.slug),
        "label": _label_dict(page),
    }


# --------------------------------------------------------------------------- pages


def _link_target(snap: HubSnapshot, slug: str, status: str | None = None) -> LinkTarget:
    target = snap.page_by_slug.get(slug)
    if target is None:
        return LinkTarget(href=None, title=slug, status=status or "missing")
    # Bodies are rendered only on pages/…, so a sibling page is a bare file name.
    return LinkTarget(href=f"{slug}.html", title=target.title, status=target.status.value)


def _trial_href(snap: HubSnapshot, registry_id: str) -> str | None:
    trial = snap.trial_by_id.get(registry_id)
    # Bodies are rendered on pages/…, one folder below the site root.
    return "../" + trial_path(trial.registry_id) if trial else None


def _cross_refs(page: Page, snap: HubSnapshot) -> list[dict[str, Any]]:
    refs = []
    for ref in page.cross_refs:
        target = snap.page_by_slug.get(ref.slug)
        refs.append(
            {
                "slug": ref.slug,
                "title": target.title if target else ref.slug,
                "status": target.status.value
                if target
                else (ref.status.value if ref.status else "missing"),
                "exists": target is not None,
                "note": ref.note,
                "path": page_path(ref.slug) if target else None,
            }
        )
    return refs


def _analysis_dict(slug: str, snap: HubSnapshot) -> dict[str, Any]:
    analysis = snap.analysis_by_slug[slug]
    stored = snap.results.get(slug)
    result = stored.result if stored else {}
    rows = []
    for row in result.get("contrasts", []):
        study = snap.study_by_key.get(row["study_key"])
        rows.append(
            {
                **row,
                "label": study.label if study else row["study_key"],
                "path": study_path(row["study_key"]) if study else None,
            }
        )
    return {
        "slug": analysis.slug,
        "anchor": f"analysis-{analysis.slug}",
        "title": analysis.title,
        "class": analysis.subgroup,
        "comparison": analysis.comparison,
        "outcome": analysis.outcome,
        "measure": analysis.measure,
        "method": analysis.method,
        "test": analysis.test,
        "value_kind": analysis.value_kind.value if analysis.value_kind else None,
        "description": analysis.description,
        "fitted": stored is not None,
        "fitted_at": stored.fitted_at.isoformat() if stored else None,
        "software": stored.software if stored else None,
        "fit": result.get("fit"),
        "not_pooled_reason": result.get("not_pooled_reason"),
        "pooled_rows": [r for r in rows if r["pooled"]],
        "other_rows": [r for r in rows if not r["pooled"]],
        "forest_plot": f"plots/{analysis.slug}.svg" if result.get("fit") else None,
    }


def page_context(snap: HubSnapshot, slug: str) -> dict[str, Any]:
    """Context of an article, intervention or analysis page."""
    page = snap.page_by_slug[slug]
    path = page_path(slug)
    keys = cited_keys(page.body)
    numbers = {key: i for i, key in enumerate(keys, start=1)}
    rendered = render_body(
        page.body,
        footnote_numbers=numbers,
        link_for=lambda target: _link_target(snap, target),
        trial_href=lambda registry_id: _trial_href(snap, registry_id),
        source=f"page {slug!r}",
    )
    footnotes = []
    for key, number in numbers.items():
        study = _study_dict(snap.study_by_key[key], snap)
        footnotes.append(
            {
                "number": number,
                "anchor": f"fn-{number}",
                "study": study,
                "backrefs": list(rendered.backrefs.get(number, ())),
            }
        )
    claims = snap.claims.get(slug, ())
    counts = tag_counts(claims)
    context = _base("page", page.title, path)
    context.update(
        {
            "page": {
                "slug": page.slug,
                "kind": page.kind.value,
                "title": page.title,
                "dek": page.dek,
                "status": page.status.value,
                "category": page.category,
                "as_of": page.as_of.isoformat() if page.as_of else None,
                "takeaways": list(page.takeaways),
            },
            "label": _label_dict(page),
            "body_html": rendered.html,
            "toc": list(rendered.toc),
            "footnotes": footnotes,
            "claims": [
                {
                    "text": c.text,
                    "study_keys": list(c.study_keys),
                    "footnotes": [numbers[k] for k in c.study_keys if k in numbers],
                    "tags": [t.value for t in c.tags],
                }
                for c in claims
            ],
            "tags": [
                {"tag": t.value, "description": TAG_DESCRIPTIONS[t], "count": n}
                for t, n in counts.items()
            ],
            "cross_refs": _cross_refs(page, snap),
            "related": [_page_link(p) for p in snap.pages if p.slug != slug],
            "analyses": [_analysis_dict(a, snap) for a in page.analysis_slugs],
            "disclaimer": DISCLAIMER,
        }
    )
    return context


def study_context(snap: HubSnapshot, key: str) -> dict[str, Any]:
    """Context of a study page: the study, its records and trials, and where it is used."""
    study = snap.study_by_key[key]
    context = _base("study", study.label, study_path(key))
    cited_by = [_page_link(p) for p in snap.pages if key in cited_keys(p.body)]
    in_analyses = []
    for analysis in snap.analyses:
        stored = snap.results.get(analysis.slug)
        rows = [
            r
            for r in (stored.result.get("contrasts", []) if stored else [])
            if r["study_key"] == key
        ]
        if rows:
            pages = [p for p in snap.pages if analysis.slug in p.analysis_slugs]
            href = page_path(pages[0].slug) + f"#analysis-{analysis.slug}" if pages else None
            in_analyses.append(
                {"slug": analysis.slug, "title": analysis.title, "path": href, "rows": rows}
            )
    context.update(
        {
            "study": _study_dict(study, snap),
            "cited_by": cited_by,
            "analyses": in_analyses,
            "disclaimer": DISCLAIMER,
        }
    )
    return context


def trial_context(snap: HubSnapshot, registry_id: str) -> dict[str, Any]:
    """Context of a trial page: the registration and the studies that report it."""
    trial = snap.trial_by_id[registry_id]
    ids = {trial.registry_id, *trial.secondary_ids}
    studies = [_study_dict(s, snap) for s in snap.studies if ids & set(s.trial_ids)]
    context = _base("trial", trial.registry_id, trial_path(trial.registry_id))
    context.update({"trial": _trial_dict(trial), "studies": studies, "disclaimer": DISCLAIMER})
    return context


def library_context(snap: HubSnapshot) -> dict[str, Any]:
    """Context of the library: every study (by design), record and trial in the hub."""
    designs = Counter(s.design.value for s in snap.studies)
    context = _base("library", "Library", "library.html")
    context.update(
        {
            "studies": [_study_dict(s, snap) for s in snap.studies],
            "design_counts": dict(sorted(designs.items())),
            "records": [_record_dict(r) for r in snap.records],
            "trials": [_trial_dict(t) for t in snap.trials],
            "disclaimer": DISCLAIMER,
        }
    )
    return context


def index_context(snap: HubSnapshot) -> dict[str, Any]:
    """Context of the front page: pages by kind, headline numbers, counts."""
    sections = []
    for kind, heading in _KIND_HEADINGS.items():
        pages = [_page_link(p) for p in snap.pages if p.kind is kind]
        if pages:
            sections.append({"kind": kind.value, "heading": heading, "pages": pages})
    headlines = []
    for page in snap.pages:
        for slug in page.analysis_slugs:
            analysis = _analysis_dict(slug, snap)
            if analysis["fit"]:
                headlines.append(
                    {
                        "title": analysis["title"],
                        "class": analysis["class"],
                        "path": page_path(page.slug) + "#" + analysis["anchor"],
                        "fit": analysis["fit"],
                    }
                )
    context = _base("index", SITE_TITLE, "index.html")
    context.update(
        {
            "sections": sections,
            "headlines": headlines,
            "counts": {
                "records": len(snap.records),
                "trials": len(snap.trials),
                "studies": len(snap.studies),
                "analyses": len(snap.analyses),
                "pages": len(snap.pages),
            },
            "disclaimer": DISCLAIMER,
        }
    )
    return context


def search_context(query: str, records: list[Record]) -> dict[str, Any]:
    """Context of a search of the records (served by the web app at ``search.html``)."""
    context = _base("search", f"Search: {query}" if query else "Search", "search.html")
    context.update(
        {"query": query, "records": [_record_dict(r) for r in records], "disclaimer": DISCLAIMER}
    )
    return context


def site_paths(snap: HubSnapshot) -> list[str]:
    """Every HTML path of the site, in a fixed order."""
    paths = ["index.html", "library.html"]
    paths += [page_path(p.slug) for p in snap.pages]
    paths += [study_path(s.key) for s in snap.studies]
    paths += [trial_path(t.registry_id) for t in snap.trials]
    return paths


def context_for_path(snap: HubSnapshot, path: str) -> dict[str, Any]:
    """The context of the page at ``path`` (as listed by :func:`site_paths`); ``KeyError`` if none."""
    if path == "index.html":
        return index_context(snap)
    if path == "library.html":
        return library_context(snap)
    folder, _, name = path.partition("/")
    stem = name.removesuffix(".html")
    if not name.endswith(".html") or "/" in name:
        raise KeyError(path)
    if folder == "pages" and stem in snap.page_by_slug:
        return page_context(snap, stem)
    if folder == "studies" and stem in snap.study_by_key:
        return study_context(snap, stem)
    if folder == "trials" and any(t.registry_id == stem for t in snap.trials):
        return trial_context(snap, stem)
    raise KeyError(path)
