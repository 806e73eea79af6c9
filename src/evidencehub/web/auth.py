"""Signing in and out: ``GET /login`` (the form), ``POST /login`` (fields ``username``,
``password``, ``csrf_token`` and an optional ``next`` path), ``POST /logout``.

A successful sign-in starts a server-side session (:mod:`evidencehub.store.repo.users`) and
sets its token in a cookie that is ``HttpOnly`` (no script can read it), ``SameSite=Lax``
(not sent with another site's form posts) and ``Secure`` (sent over HTTPS only; browsers treat
``localhost`` and ``127.0.0.1`` as secure, so the hub works over plain HTTP on the loopback
interface and needs HTTPS anywhere else). A failed sign-in says only that the name or password
is wrong; after five failures in five minutes from one address or for one name, the route
answers 429 (:class:`~evidencehub.web.security.LoginThrottle`).
"""

from __future__ import annotations

import datetime as dt
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from evidencehub.errors import NotFoundError, StoreError
from evidencehub.store.repo import users as users_repo
from evidencehub.store.session import transaction
from evidencehub.web.guard import CSRF_COOKIE, SESSION_COOKIE, account, token_hash
from evidencehub.web.passwords import verify_password
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["ROUTES", "safe_next"]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _form(request: Request, *, status: int = 200, error: str | None = None,
          name: str = "", target: str = "/") -> Response:
    response = page(request, "login.html", "Sign in", status=status, error=error,
                    username=name, next=target)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, secure=True, samesite="strict",
                            path="/login")
    return response


def login_form(request: Request) -> Response:
    """The sign-in form (already signed in: straight on)."""
    target = safe_next(request.query_params.get("next"))
    if account(request) is not None:
        return RedirectResponse(target, status_code=303)
    return _form(request, target=target)


async def login(request: Request) -> Response:
    """Check the name and password; start a session or say what went wrong."""
    form = await request.form()
    name = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/"))
    hub = hub_of(request)
    client = request.client.host if request.client else "unknown"
    wait = hub.throttle.retry_after(client, name)
    if wait is not None:
        response = _form(request, status=429, name=name, target=target,
                         error=f"Too many failed sign-ins; try again in {wait} seconds.")
        response.headers["Retry-After"] = str(wait)
        return response

    def check() -> users_repo.StoredUser | None:
        with transaction(hub.engine) as session:
            try:
                user = users_repo.get_user(session, name)
            except NotFoundError:
                verify_password(None, password)
                return None
            if not verify_password(user.password_hash, password):
                return None
            token = secrets.token_urlsafe(32)
            users_repo.start_session(
                session, user, token_hash(token), secrets.token_urlsafe(32),
                dt.datetime.now(dt.UTC) + hub.session_lifetime,
            )
            request.state.new_session = token
            return user

    try:
        user = await run_in_threadpool(check)
    except StoreError:
        return _form(request, status=503, name=name, target=target,
                     error="The store cannot be reached; try again shortly.")
    if user is None:
        hub.throttle.failed(client, name)
        return _form(request, status=401, name=name, target=target,
                     error="Wrong name or password.")
    hub.throttle.succeeded(client, name)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, request.state.new_session, httponly=True, secure=True,
                        samesite="lax", path="/",
                        max_age=int(hub.session_lifetime.total_seconds()))
    response.delete_cookie(CSRF_COOKIE, path="/login")
    return response


def logout(request: Request) -> Response:
    """End the session (in the store, so the cookie is worthless even if kept) and go home."""
    token = request.state.session_token
    if token:
        with transaction(hub_of(request).engine) as session:
            users_repo.end_session(session, token_hash(token))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


ROUTES = (
    WebRoute("/login", login_form, ("GET",)),
    WebRoute("/login", login, ("POST",)),
    WebRoute("/logout", logout, ("POST",)),
)
