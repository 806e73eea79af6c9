"""``evidencehub trace``: where a published number comes from, by ids, down to the import."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from evidencehub.cli._common import DbOption, JsonOption, console, no_cyclic_gc, print_json
from evidencehub.config import database_url

__all__ = ["register"]


def _print_run(run: dict[str, Any], indent: str = "") -> None:
    result = run.get("result") or {}
    head = f"{indent}run {run['id']} of {run['analysis']} ({run['created_at'][:10]}, {run['software']})"
    if result.get("estimate") is not None:
        head += (f": {result['measure']} {result['estimate']:.4g} "
                 f"[{result['ci_lb']:.4g}, {result['ci_ub']:.4g}], k = {result['k']}")
    console.print(head, highlight=False, markup=False)
    for row in run["rows"]:
        study = row["study"]
        console.print(f"{indent}  {study['label']}: {row['experimental']}"
                      + (f" vs {row['control']}" if row["control"] else "")
                      + ("" if row["pooled"] else " (not pooled)"), highlight=False, markup=False)
        for od in row["outcome_data"]:
            source = od["source"]
            where = od["data_import"]
            console.print(
                f"{indent}    outcome data {od['id']} v{od['version']} ({od['arm']}): "
                + ", ".join(f"{k} {v}" for k, v in od["values"].items())
                + f"; {od['locator'] or 'no locator'}; by {od['actor']}"
                + (f"; data import {where['id']} ({where['label']})" if where else "")
                + (f"; source {source['key']}" if source else ""),
                highlight=False, markup=False, soft_wrap=True,
            )
        for record in study["records"]:
            imports = ", ".join(f"import {e['id']} ({e['kind']}: {e['query'] or e['label']}, "
                                f"{e['started_at'][:10]})" for e in record["imports"])
            console.print(f"{indent}    record {record['key']}: {record['title']}"
                          + (f" — {imports}" if imports else " — no import recorded"),
                          highlight=False, markup=False, soft_wrap=True)


def _print(chain: dict[str, Any]) -> None:
    if "run" in chain:
        _print_run(chain["run"])
        return
    if "analysis" in chain:
        analysis = chain["analysis"]
        review = f" (studies from review {analysis['review']})" if analysis["review"] else ""
        console.print(f"analysis {analysis['slug']}: {analysis['title']}{review}",
                      highlight=False, markup=False)
        if analysis["run"] is None:
            console.print("  never run (evidencehub analyze)", highlight=False)
        else:
            _print_run(analysis["run"], "  ")
        return
    claims = [chain["claim"]] if "claim" in chain else chain["page"]["claims"]
    if "page" in chain:
        console.print(f"page {chain['page']['slug']}: {chain['page']['title']}",
                      highlight=False, markup=False)
    for claim in claims:
        console.print(f"claim {claim['id']}: {claim['text']}", highlight=False, markup=False,
                      soft_wrap=True)
        for study in claim["studies"]:
            keys = ", ".join(r["key"] for r in study["records"]) or "no record"
            console.print(f"  cites {study['label']} ({keys})", highlight=False, markup=False)
        for analysis in claim["analyses"]:
            if analysis["run"] is not None:
                _print_run(analysis["run"], "  ")


def trace(
    target: Annotated[str, typer.Argument(
        help="page:SLUG, claim:ID, analysis:SLUG or run:ID.", show_default=False)],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show where a published number comes from, followed by ids to the import that brought it.

    The chain: page → claims → runs (those the page showed when last built) → rows → outcome-data versions (numbers, how obtained, locator, who entered them, the data import) → study → records (DOI, PMID, title) → import events (file and SHA-256 or query, who, when).

    Example:  evidencehub trace analysis:hba1c-biguanides-vs-placebo --json
    """
    with no_cyclic_gc():
        from evidencehub.store import open_existing, transaction
        from evidencehub.trace import trace as follow

        engine = open_existing(database_url(db))
        try:
            with transaction(engine) as session:
                chain = follow(session, target)
        finally:
            engine.dispose()
    if json:
        print_json(chain)
    else:
        _print(chain)


def register(app: typer.Typer) -> None:
    """Add ``trace`` to the command line."""
    app.command("trace")(trace)
