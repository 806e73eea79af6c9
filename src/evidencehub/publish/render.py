"""The Jinja2 environment of the publisher: templates, number formats, page rendering.

Templates live in ``publish/templates`` (partials start with ``_``); every page template
extends ``_base.html``. Links inside templates are relative (``{{ root }}`` climbs to the site
root), so the static site works from any folder, from a web server or from ``file://``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from evidencehub.model import finite_json

__all__ = ["environment", "fmt_num", "fmt_phase", "fmt_pval", "render_html", "render_json"]

_MINUS = "\u2212"


def fmt_num(value: float | None, digits: int = 2) -> str:
    """A number with ``digits`` decimals and a true minus sign; an em dash when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:.{digits}f}"
    if text.startswith("-"):
        text = _MINUS + text[1:] if text.strip("-0.") else text[1:]
    return text


def fmt_pval(value: float | None) -> str:
    """A P value: four decimals, or ``<0.0001``."""
    if value is None or not math.isfinite(value):
        return "—"
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"


def fmt_phase(value: str | None) -> str:
    """ClinicalTrials.gov phase codes as people write them: ``PHASE1/PHASE2`` → ``Phase 1/2``."""
    if not value:
        return ""
    if value == "NA":
        return "Not applicable"
    early = value.startswith("EARLY_")
    numbers = [part.removeprefix("EARLY_").removeprefix("PHASE") for part in value.split("/")]
    return ("Early phase " if early else "Phase ") + "/".join(numbers)


@cache
def environment() -> Environment:
    """The shared environment (autoescaping, strict undefined variables, formats as filters)."""
    env = Environment(
        loader=PackageLoader("evidencehub.publish", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt_num, pval=fmt_pval, phase=fmt_phase)
    return env


def _template_name(context: dict[str, Any]) -> str:
    return f"{context['kind']}.html"


def render_html(
    context: dict[str, Any], *, plots: dict[str, str] | None = None, root: str | None = None
) -> str:
    """Render a page context with its template; ``plots`` maps analysis slugs to inline SVG.

    Links climb to the site root relatively (``root``, from the page's path) unless ``root`` is
    given, as the web app does for pages it renders at request time (``"/"``).
    """
    if root is None:
        root = "../" * context["path"].count("/")
    return (
        environment()
        .get_template(_template_name(context))
        .render(**context, root=root, plots=plots or {})
    )


def render_json(context: dict[str, Any]) -> str:
    """The JSON twin of a page context: strict JSON (no NaN), sorted keys, newline-terminated."""
    return (
        json.dumps(finite_json(context), indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False)
        + "\n"
    )
