"""The routes of the web application as data: path, methods, and the role each requires.

Every feature module of :mod:`evidencehub.web` lists its routes as :class:`WebRoute` values;
:mod:`evidencehub.web.app` assembles them, and ``evidencehub routes --json`` prints them
without opening a store. A route whose ``role`` is None is public; any other is reached only
by an account whose role allows it (:meth:`evidencehub.vocab.AccountRole.allows`), which
:mod:`evidencehub.web.guard` checks before the endpoint runs. Routes that change anything
(any method but GET and HEAD) also need the form's CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from evidencehub.vocab import AccountRole

__all__ = ["SAFE_METHODS", "Endpoint", "WebRoute"]

_CONVERTER = re.compile(r"\{(\w+):\w+\}")

#: Methods that change nothing; every other method needs a CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD"})

#: A route's handler: a coroutine, or a plain function (run in a worker thread).
Endpoint = Callable[[Request], Awaitable[Response]] | Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class WebRoute:
    """One route: its path (Starlette's ``{param}`` syntax), methods, handler and role."""

    path: str
    endpoint: Endpoint
    methods: tuple[str, ...] = ("GET",)
    role: AccountRole | None = None

    def __post_init__(self) -> None:
        if self.role is None and not set(self.methods) <= SAFE_METHODS and self.path not in (
            "/login", "/logout"
        ):
            raise ValueError(f"{self.path}: a route that writes must require a role")

    def to_dict(self) -> dict[str, Any]:
        """``{"path", "methods", "role"}`` as ``evidencehub routes --json`` prints it."""
        return {"path": _CONVERTER.sub(r"{\1}", self.path), "methods": list(self.methods),
                "role": self.role.value if self.role else None}
