"""Page contexts: one plain dict per page, rendered to HTML by a template and written as JSON.

Pure functions of a :class:`~evidencehub.publish.snapshot.HubSnapshot` (no I/O). Every context
has ``kind`` (the template), ``title``, ``path`` (site-relative URL of the HTML page) and
``json_path`` (its ``.json`` twin); the JSON twin is exactly the dict the template rendered
(datasette's "one dict, two renderings").

An analysis is shown from its newest stored run (:mod:`evidencehub.publish.analysis_context`):
nothing is refitted to render a page.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from evidencehub.counts import is_count
from evidencehub.grade.claims import cited_keys
from evidencehub.grade.labels import design_kind, design_name
from evidencehub.grade.tags import TAG_DESCRIPTIONS, tag_counts
from evidencehub.model import Page, PageKind, Record, Study, Trial
from evidencehub.publish.analysis_context import analysis_context, trace_path
from evidencehub.publish.markup import LinkTarget, ResultValue, render_body
from evidencehub.publish.render import fmt_num, fmt_pval
from evidencehub.publish.snapshot import HubSnapshot
from evidencehub.vocab import Certainty

__all__ = [
    "SITE_TITLE",
    "context_for_path",
    "index_context",
    "library_context",
    "page_context",
    "page_path",
    "site_paths",
    "study_context",
    "study_path",
    "trace_context",
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


def _grading(snap: HubSnapshot, slug: str) -> dict[str, Any] | None:
    """The newest GRADE rating of an analysis as pages show it, or None if it is unrated.

    Read from the stored rating (:mod:`evidencehub.grade.certainty_service`): certainty, the
    reasons of every counted change (the SoF footnotes) and the informative statement.
    """
    stored = snap.ratings.get(slug)
    if stored is None:
        return None
    rating = stored.payload["rating"]
    certainty = Certainty(stored.certainty)
    reasons = [{"domain": d["proposal"]["domain"], "change": d["counted"],
                "reason": d["override"]["reason"] if d["override"] else d["proposal"]["reason"]}
               for d in rating["domains"] if d["counted"]]
    title = snap.analysis_by_slug[slug].title if slug in snap.analysis_by_slug else slug
    return {"analysis": slug, "title": title, "certainty": certainty.value,
            "symbols": certainty.symbols, "statement": stored.payload.get("statement"),
            "reasons": reasons, "stale": stored.stale, "run_id": stored.run_id,
            "rater": stored.rater}


def _label_dict(page: Page, snap: HubSnapshot | None = None) -> dict[str, Any] | None:
    """The page's evidence label; with ``snap``, its certainty is the lowest GRADE rating of
    the analyses the page shows or its claims cite (each listed), when any is rated."""
    if page.label is None:
        return None
    graded = []
    if snap is not None:
        slugs = dict.fromkeys([*page.analysis_slugs, *(a for c in snap.claims.get(page.slug, ())
                                                       for a in c.analysis_slugs)])
        graded = [g for g in (_grading(snap, slug) for slug in slugs) if g is not None]
    order = list(Certainty)
    lowest = max((Certainty(g["certainty"]) for g in graded), key=order.index, default=None)
    certainty = lowest or page.label.certainty
    return {
        "kinds": [k.value for k in page.label.kinds],
        "source": page.label.source,
        "certainty": certainty.value if certainty else None,
        "symbols": certainty.symbols if certainty else None,
        "graded": graded,
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
        stored = snap.page_statuses.get(slug)
        return LinkTarget(href=None, title=slug,
                          status=stored.value if stored else status or "missing")
    # Bodies are rendered only on pages/…, so a sibling page is a bare file name.
    return LinkTarget(href=f"{slug}.html", title=target.title, status=target.status.value)


def _trial_href(snap: HubSnapshot, registry_id: str) -> str | None:
    trial = snap.trial_by_id.get(registry_id)
    # Bodies are rendered on pages/…, one folder below the site root.
    return "../" + trial_path(trial.registry_id) if trial else None


def _cross_refs(page: Page, snap: HubSnapshot) -> list[dict[str, Any]]:
    refs = []
    for ref in page.cross_refs:
        target = _link_target(snap, ref.slug, ref.status.value if ref.status else None)
        exists = target.href is not None
        refs.append(
            {
                "slug": ref.slug,
                "title": target.title,
                "status": target.status,
                "exists": exists,
                "note": ref.note,
                "path": page_path(ref.slug) if exists else None,
            }
        )
    return refs


def _analysis_dict(slug: str, snap: HubSnapshot, page_slug: str | None = None) -> dict[str, Any]:
    analysis = snap.analysis_by_slug[slug]
    paths = {s.key: study_path(s.key) for s in snap.studies}
    context = analysis_context(
        analysis, snap.runs.get(slug), snap.outcomes.get(analysis.outcome), paths,
        page_path=None if page_slug is None else page_path(page_slug),
        review=snap.reviews.get(analysis.review) if analysis.review else None,
    )
    context["grade"] = _grading(snap, slug)
    context["sof"] = _sof(snap, slug)
    return context


def _sof(snap: HubSnapshot, slug: str) -> dict[str, Any] | None:
    """The summary-of-findings table of an analysis's newest GRADE rating, when it judged the
    run the page shows (a stale rating awaits re-review and gets none), rebuilt from the
    inputs the rating kept (:func:`evidencehub.grade.certainty_service.rebuilt`)."""
    from evidencehub.grade.certainty import sof_table
    from evidencehub.grade.certainty_service import rebuilt, sof_of

    stored, run = snap.ratings.get(slug), snap.runs.get(slug)
    if stored is None or stored.stale or run is None or run.id != stored.run_id:
        return None
    analysis = snap.analysis_by_slug[slug]
    outcome = analysis.outcome + (f" ({analysis.timepoint})" if analysis.timepoint else "")
    intervention = " or ".join(analysis.comparison.experimental)
    comparison = " or ".join(analysis.comparison.control) or "no comparison"
    row = sof_of(rebuilt(analysis, run, stored.payload), outcome_label=outcome)
    return sof_table([row], title=f"{intervention} compared with {comparison}",
                     intervention=intervention, comparison=comparison)


def _result_value(snap: HubSnapshot, slug: str, field: str | None) -> ResultValue:
    """A quoted result (``{=slug.field}``) from the run the page shows, on the reported scale."""
    if slug not in snap.analysis_by_slug:
        return ResultValue("[unknown analysis]", None, f"no analysis {slug!r} in the hub")
    a = _analysis_dict(slug, snap)
    fit = a["fit"]
    href = "../" + a["trace_path"] if a["trace_path"] else None
    title = f"{a['title']}: run {a['run_id']}, where this number comes from"
    if field is None:
        return ResultValue(f"{a['measure_name'].lower()} ({a['comparison_label']})", href, title)
    if fit is None:
        return ResultValue("[not pooled]", None, f"{a['title']}: {a['not_pooled_reason']}")
    rows = a["pooled_rows"]
    participants = sum(int(v) for r in rows for k, v in r["inputs"].items()
                       if k in ("n1i", "n2i", "ni"))
    texts = {
        "estimate": fmt_num(fit["estimate"]),
        "ci": f"{a['ci_label']} {fmt_num(fit['ci_lb'])} to {fmt_num(fit['ci_ub'])}",
        "ci_lb": fmt_num(fit["ci_lb"]),
        "ci_ub": fmt_num(fit["ci_ub"]),
        "pi": (f"{a['pi_label']} {fmt_num(fit['pi_lb'])} to {fmt_num(fit['pi_ub'])}"
               if fit["pi_lb"] is not None else f"no {a['pi_label']}"),
        "pval": fmt_pval(fit["pval"]),
        "I2": f"{fmt_num(fit['I2'], 0)}%",
        "tau2": fmt_num(fit["tau2"], 3),
        "k": str(fit["k"]),
        "n": f"{participants:,}",
    }
    return ResultValue(texts[field], href, title)


def _related(snap: HubSnapshot, page: Page) -> list[Page]:
    """Related reading: the other pages of the same category first, then pages citing studies
    this page cites; within each group, the most shared studies first, then by title."""
    cited = snap.cited_by_page[page.slug]
    others = [p for p in snap.pages if p.slug != page.slug]
    shared = {p.slug: len(cited & snap.cited_by_page[p.slug]) for p in others}
    same = [p for p in others if page.category and p.category == page.category]
    same_slugs = {p.slug for p in same}
    overlapping = [p for p in others if p.slug not in same_slugs and shared[p.slug] > 0]
    return [*sorted(same, key=lambda p: (-shared[p.slug], p.title)),
            *sorted(overlapping, key=lambda p: (-shared[p.slug], p.title))]


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
        result_value=lambda analysis, field: _result_value(snap, analysis, field),
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
            "label": _label_dict(page, snap),
            "body_html": rendered.html,
            "toc": list(rendered.toc),
            "footnotes": footnotes,
            "claims": [
                {
                    "id": c.id,
                    "text": c.text,
                    "analyses": list(c.analysis_slugs),
                    "study_keys": list(c.study_keys),
                    "footnotes": [numbers[k] for k in c.study_keys if k in numbers],
                    "tags": [t.value for t in c.tags],
                    "statements": [g["statement"] for g in
                                   (_grading(snap, a) for a in c.analysis_slugs)
                                   if g is not None and g["statement"]],
                }
                for c in claims
            ],
            "tags": [
                {"tag": t.value, "description": TAG_DESCRIPTIONS[t], "count": n}
                for t, n in counts.items()
            ],
            "cross_refs": _cross_refs(page, snap),
            "related": [_page_link(p) for p in _related(snap, page)],
            "analyses": [_analysis_dict(a, snap, slug) for a in page.analysis_slugs],
            "disclaimer": DISCLAIMER,
        }
    )
    return context


def study_context(snap: HubSnapshot, key: str) -> dict[str, Any]:
    """Context of a study page: the study, its records and trials, and where it is used."""
    study = snap.study_by_key[key]
    context = _base("study", study.label, study_path(key))
    cited_by = [_page_link(p) for p in snap.pages if key in snap.cited_by_page[p.slug]]
    in_analyses = []
    for analysis in snap.analyses:
        pages = [p for p in snap.pages if analysis.slug in p.analysis_slugs]
        item = _analysis_dict(analysis.slug, snap, pages[0].slug if pages else None)
        rows = [r for r in item["pooled_rows"] + item["other_rows"] if r["study_key"] == key]
        if rows:
            in_analyses.append({**item, "rows": rows})
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
            analysis = _analysis_dict(slug, snap, page.slug)
            if analysis["fit"]:
                headlines.append(analysis)
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


def trace_context(snap: HubSnapshot, run_id: int) -> dict[str, Any]:
    """Context of a run's trace page: where every number of one analysis comes from."""
    chain = snap.traces[run_id]
    analysis = snap.analysis_by_slug[chain["analysis"]]
    pages = [p for p in snap.pages if analysis.slug in p.analysis_slugs]
    context = _base("trace", f"Where the numbers of “{analysis.title}” come from",
                    trace_path(run_id))
    context.update({
        "analysis": _analysis_dict(analysis.slug, snap, pages[0].slug if pages else None),
        "run": chain,
        "disclaimer": DISCLAIMER,
    })
    return context


def site_paths(snap: HubSnapshot) -> list[str]:
    """Every HTML path of the site, in a fixed order."""
    paths = ["index.html", "library.html", "trials.html"]
    paths += [page_path(p.slug) for p in snap.pages]
    paths += [study_path(s.key) for s in snap.studies]
    paths += [trial_path(t.registry_id) for t in snap.trials]
    paths += [trace_path(run_id) for run_id in sorted(snap.traces)]
    return paths


def context_for_path(snap: HubSnapshot, path: str) -> dict[str, Any]:
    """The context of the page at ``path`` (as listed by :func:`site_paths`); ``KeyError`` if none."""
    if path == "index.html":
        return index_context(snap)
    if path == "library.html":
        return library_context(snap)
    if path == "trials.html":
        from evidencehub.publish.tracker import tracker_context  # it builds on this module

        return tracker_context(snap)
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
    if folder == "trace" and stem.startswith("run-") and is_count(stem[4:]) and (
        int(stem[4:]) in snap.traces
    ):
        return trace_context(snap, int(stem[4:]))
    raise KeyError(path)
