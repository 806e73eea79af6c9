"""Response headers every answer carries, and the sign-in throttle.

:class:`SecurityHeaders` is a plain ASGI middleware (no per-request task, unlike Starlette's
``BaseHTTPMiddleware``) that adds, to every response including JSON, errors and redirects:

* ``Content-Security-Policy``: scripts, styles, images, fonts, forms and connections from the
  hub itself only, no plugins, no framing (``frame-ancestors 'none'``), no ``<base>``
  rewriting. Inline scripts are refused; inline *style attributes* are allowed because the
  forest and funnel plots are matplotlib SVGs inlined in the page, which style every shape that
  way (their text is ours, never a user's: page text is Markdown with raw HTML disabled).
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``X-Frame-Options: DENY`` (for browsers without CSP level 2), and
  ``Cross-Origin-Opener-Policy: same-origin``.

:class:`LoginThrottle` counts failed sign-ins per client address and per account name in a
sliding window (OWASP's authentication cheat sheet: throttle by account as well as by source,
so that neither guessing many passwords for one account nor one password for many accounts
goes unchecked); past the limit the login route answers 429 with ``Retry-After``. Counts live
in the server process (a restart clears them), which is enough for one uvicorn process.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEADERS", "LoginThrottle", "SecurityHeaders"]

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
     b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in HEADERS if name not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginThrottle:
    """Failed sign-ins per client and per account name within ``window`` seconds.

    After ``limit`` failures from one address, or for one account name, further attempts are
    refused until the oldest failure leaves the window; a successful sign-in clears the
    account's and the address's counts.
    """

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, client: str, name: str) -> tuple[str, str]:
        return f"client:{client}", f"name:{name.casefold()}"

    def retry_after(self, client: str, name: str) -> int | None:
        """Seconds to wait before another attempt is allowed, or None if one is allowed now."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in self._keys(client, name):
                times = self._failures.get(key)
                if not times:
                    continue
                while times and now - times[0] >= self.window:
                    times.popleft()
                if len(times) >= self.limit:
                    wait = max(wait, self.window - (now - times[0]))
        return max(1, round(wait)) if wait > 0 else None

    def failed(self, client: str, name: str) -> None:
        """Count a failed attempt."""
        now = time.monotonic()
        with self._lock:
            for key in self._keys(client, name):
                self._failures[key].append(now)

    def succeeded(self, client: str, name: str) -> None:
        """Forget the failures of this client and account name."""
        with self._lock:
            for key in self._keys(client, name):
                self._failures.pop(key, None)
