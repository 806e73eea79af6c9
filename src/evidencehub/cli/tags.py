"""``evidencehub tags PAGE``: the rules' evidence tags for each claim of a page, beside the
editor's, and (``--record``) the decisions kept in the store. Docs: docs/tags.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidencehub.cli._common import ActorOption, DbOption, JsonOption, console, print_json
from evidencehub.cli._store import actor_of, in_store
from evidencehub.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from evidencehub.grade.tags_service import PageTags

__all__ = ["register"]


def _reasons(values: Sequence[str] | None) -> list[tuple[int, str, str]]:
    parsed = []
    for item in values or ():
        head, sep, text = item.partition("=")
        claim, colon, tag = head.partition(":")
        if not (sep and colon and claim.strip().isdigit() and tag.strip() and text.strip()):
            raise InputError(f"--reason: expected CLAIM_ID:TAG=text, got {item!r}")
        parsed.append((int(claim), tag.strip(), text.strip()))
    return parsed


def tags(
    page: Annotated[str, typer.Argument(help="The page's slug.", show_default=False)],
    min_groups: Annotated[int, typer.Option("--min-groups", help="Independent research groups "
                                            "before a finding counts as replicated.")] = 2,
    long_term_months: Annotated[float, typer.Option(
        "--long-term-months", help="Follow-up in people below which the long term is unknown.")]
    = 60.0,
    record: Annotated[bool, typer.Option("--record", help="Store each claim's proposals beside "
                                         "the editor's tags, reviewed by --actor.")] = False,
    reason: Annotated[list[str] | None, typer.Option(
        "--reason", help="Why the editor departs from a rule: 'CLAIM_ID:TAG=text' (with "
        "--record). Repeatable.", show_default=False)] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Propose each claim's evidence tags from what it cites and compare them with the
    editor's; agreement per tag (percent and Cohen's kappa); with --json, each section's
    extrapolation table proposed beside the page's own.

    Example:  evidencehub tags ipsc-derived-cell-therapy --record --reason
    '12:long-term-unknown=tumour follow-up is what matters here'
    """
    if reason and not record:
        raise InputError("--reason goes with --record")
    from evidencehub.grade import tags_service
    from evidencehub.grade.proposals import RuleSettings, tag_agreement

    settings = RuleSettings(min_groups=min_groups, long_term_months=long_term_months)
    who = actor_of(actor).name

    def work(session: Session) -> tuple[PageTags, int]:
        found = tags_service.propose(session, page, settings=settings)
        written = (tags_service.record(session, found, editor=who, reasons=_reasons(reason))
                   if record else 0)
        return found, written

    found, written = in_store(db, work, writes=record)
    agreement = tag_agreement(found.compared) if found.compared else ()
    if json_out:
        data: dict[str, Any] = {
            "page": page, "settings": settings.to_dict(),
            "claims": [{"id": c.id, **t.to_dict()} for c, t in
                       zip(found.claims, found.compared, strict=True)],
            "agreement": [a.to_dict() for a in agreement],
            "extrapolation": [section.to_dict() for section in found.extrapolation],
            "recorded": written}
        print_json(data)
        return
    from rich.table import Table

    table = Table("claim", "text", "rules propose", "editor chose")
    for claim, compared in zip(found.claims, found.compared, strict=True):
        proposed = {d.tag.value for d in compared.decisions if d.proposed}
        chosen = {d.tag.value for d in compared.decisions if d.chosen}
        table.add_row(str(claim.id), claim.text[:70], " ".join(sorted(proposed)),
                      " ".join(sorted(chosen)))
    console.print(table)
    for item in agreement:
        console.print(item.summary(), highlight=False)
    if record:
        console.print(f"recorded {written} decisions as {who}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``tags`` command."""
    app.command("tags")(tags)
