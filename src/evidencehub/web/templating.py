"""Templates of the web application's own pages (sign-in, the reviewers' and editors' forms).

They extend the publisher's ``_base.html``, so the app looks like the site it serves: the
environment is the publisher's (:func:`evidencehub.publish.render.environment`: autoescaping,
strict undefined variables, the number filters) overlaid with a loader that looks in
``web/templates`` first. :func:`page` renders one with the header every served page shows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse

from evidencehub.publish.context import DISCLAIMER, SITE_TITLE
from evidencehub.publish.render import environment as publish_environment
from evidencehub.web.guard import account, csrf_token

__all__ = ["environment", "header", "page"]


@cache
def environment() -> Environment:
    """The publisher's environment, reading ``web/templates`` before ``publish/templates``."""
    base = publish_environment()
    assert base.loader is not None
    return base.overlay(loader=ChoiceLoader([PackageLoader("evidencehub.web", "templates"),
                                             base.loader]))


def header(request: Request) -> dict[str, Any]:
    """What the header of a served page shows: the signed-in account and its CSRF token."""
    user = account(request)
    if user is None:
        return {"user": None, "role": None, "csrf": ""}
    return {"user": user.name, "role": user.role.value, "csrf": csrf_token(request)}


def page(request: Request, template: str, title: str, status: int = 200,
         **context: Any) -> HTMLResponse:
    """Render ``template`` (a page of the app, not of the static site) for ``request``."""
    html = environment().get_template(template).render(
        site=SITE_TITLE, title=title, kind=template.removesuffix(".html"), path="",
        json_path="", root="/", disclaimer=DISCLAIMER, live=header(request),
        csrf=csrf_token(request), **context,
    )
    return HTMLResponse(html, status_code=status)
