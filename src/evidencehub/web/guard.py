"""Who is asking: the account behind a request, the role a route needs, its CSRF token.

* :class:`AccountMiddleware` (plain ASGI) reads the session cookie, finds the signed-in
  account in the store (:mod:`evidencehub.store.repo.users`) and puts it, with the session's
  CSRF token, on ``request.state``. A request without a cookie never touches the store.
* :func:`guarded` wraps each route's endpoint: a route that requires a role answers a visitor
  who is not signed in with a redirect to ``/login`` (GET) or 401 (anything else), and an
  account whose role does not allow it with 403; every method but GET and HEAD must carry the
  CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``), else 403. Signed-in
  forms carry the session's token (the synchroniser token pattern); the login form, sent
  before there is a session, carries a random token that must equal the one in a cookie set
  with the form (the double-submit pattern). Both as in OWASP's CSRF prevention cheat sheet.
* :func:`account`, :func:`actor_of` and :func:`csrf_token` are what endpoints use.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import logging
import secrets
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, cast
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from evidencehub.errors import StoreError
from evidencehub.model import Actor
from evidencehub.store.repo import users as users_repo
from evidencehub.store.session import transaction
from evidencehub.web.routing import SAFE_METHODS, WebRoute

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from evidencehub.store.repo.users import StoredUser

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "AccountMiddleware",
    "account",
    "actor_of",
    "csrf_token",
    "guarded",
    "token_hash",
]

SESSION_COOKIE = "evidencehub_session"
_log = logging.getLogger(__name__)
CSRF_COOKIE = "evidencehub_csrf"


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is treated as none
                return {}
            return {key: morsel.value for key, morsel in parsed.items()}
    return {}


class AccountMiddleware:
    """Put the signed-in account (or None) and its CSRF token on every request's state."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    def _lookup(self, token: str) -> tuple[StoredUser, str] | None:
        try:
            with transaction(self.engine) as session:
                return users_repo.session_user(session, token_hash(token))
        except StoreError:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            cookies = _cookies(scope)
            token = cookies.get(SESSION_COOKIE)
            found = await run_in_threadpool(self._lookup, token) if token else None
            state = scope.setdefault("state", {})
            state["user"] = found[0] if found else None
            state["csrf"] = found[1] if found else cookies.get(CSRF_COOKIE, "")
            state["session_token"] = token if found else None
        await self.app(scope, receive, send)


def account(request: Request) -> StoredUser | None:
    """The signed-in account of ``request``, or None for a reader."""
    return cast("StoredUser | None", getattr(request.state, "user", None))


def actor_of(request: Request) -> Actor:
    """The actor a write by this request is signed with (routes that write require a role,
    so there is always an account)."""
    user = account(request)
    if user is None:
        raise PermissionError("a write needs a signed-in account")
    return user.actor


def csrf_token(request: Request) -> str:
    """The token this request's forms must carry (a new one for a visitor without any; the
    login page sets it as a cookie too)."""
    token = cast(str, getattr(request.state, "csrf", ""))
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.csrf = token
        request.state.new_csrf = token
    return token


async def _csrf_ok(request: Request) -> bool:
    expected = cast(str, request.state.csrf)
    if not expected:
        return False
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


def guarded(route: WebRoute) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of ``route`` behind its role and CSRF checks."""
    endpoint = route.endpoint
    is_async = inspect.iscoroutinefunction(endpoint)

    async def checked(request: Request) -> Response:
        user = account(request)
        if route.role is not None:
            if user is None:
                if request.method in SAFE_METHODS:
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
                return PlainTextResponse("Sign in first.", status_code=401)
            if not user.role.allows(route.role):
                return PlainTextResponse(
                    f"This needs the {route.role.value} role; you are a {user.role.value}.",
                    status_code=403,
                )
        if request.method not in SAFE_METHODS and not await _csrf_ok(request):
            return PlainTextResponse(
                "The form has expired or did not come from this site; reload it and try again.",
                status_code=403,
            )
        try:
            if is_async:
                return await cast(Callable[[Request], Awaitable[Response]], endpoint)(request)
            return await run_in_threadpool(cast(Callable[[Request], Response], endpoint), request)
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug: logged, the reader sees the error page
            from evidencehub.web.errors import error_response

            _log.exception("%s %s", request.method, request.url.path, exc_info=exc)
            return error_response(request, 500, "Error")

    checked.__name__ = getattr(endpoint, "__name__", "endpoint")
    return checked
