"""What every online client shares: a rate limit, retries with exponential backoff, identification.

:class:`PoliteClient` wraps one :class:`httpx.Client` (injected, so tests pass one built on
:class:`httpx.MockTransport`) for one API:

* **Rate limit** — at most one request per ``min_interval`` seconds (e.g. 1/3 s for PubMed
  without an API key), measured with an injectable clock and enforced with an injectable sleep;
* **Retries** — a timeout, a dropped connection, HTTP 429 or a 5xx answer is retried up to
  :attr:`RetryPolicy.attempts` times, waiting ``base_delay * 2**(n-1)`` seconds (capped at
  ``max_delay``) before retry *n*, or what the server's ``Retry-After`` header asks when it
  asks for longer (RFC 9110 §10.2.3). No jitter: each client makes one request at a time.
* **Errors** — any other 4xx, or giving up, raises :class:`SourceError` naming the API, the
  URL and the status, with the start of the server's message.

httpx's own transport retries cover only connection set-up, not 429/5xx answers, hence this
small loop rather than a library.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from evidencehub import __version__
from evidencehub.errors import EvidenceHubError

__all__ = [
    "DEFAULT_RETRY",
    "USER_AGENT",
    "PoliteClient",
    "RetryPolicy",
    "SourceError",
    "filter_param",
    "polite_params",
]

USER_AGENT = f"evidencehub/{__version__} (research-intelligence hub; +https://pypi.org/project/evidencehub/)"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SourceError(EvidenceHubError):
    """An online source refused a request or stayed unavailable after the retries."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry (delays in seconds)."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1)))


#: Five attempts, waiting 1, 2, 4 and 8 s between them.
DEFAULT_RETRY = RetryPolicy()


def polite_params(mailto: str | None, **extra: Any) -> dict[str, Any]:
    """Query parameters ``extra`` without the None ones, plus ``mailto`` when given: the
    address that puts Crossref and OpenAlex requests in their "polite pool"."""
    params = {key: value for key, value in extra.items() if value is not None}
    if mailto:
        params["mailto"] = mailto
    return params


def filter_param(value: Mapping[str, str] | str | None) -> str | None:
    """A Crossref / OpenAlex ``filter``: ``{"a": "1", "b": "2"}`` becomes ``"a:1,b:2"``."""
    if value is None or isinstance(value, str):
        return value
    return ",".join(f"{key}:{item}" for key, item in value.items())


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


class PoliteClient:
    """GET requests to one API, rate-limited and retried (see the module docstring)."""

    def __init__(
        self,
        name: str,
        client: httpx.Client | None = None,
        *,
        min_interval: float,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 60.0,
    ) -> None:
        self.name = name
        self._owns_client = client is None
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=True)
        self.min_interval = min_interval
        self.retry = retry
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None

    def _throttle(self) -> None:
        if self._last is not None:
            wait = self._last + self.min_interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET ``url`` with ``params``; return the successful response (see module docstring)."""
        problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            self._throttle()
            wait = self.retry.delay(attempt)
            try:
                response = self.client.get(url, params=params, headers={"User-Agent": USER_AGENT})
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code in _RETRY_STATUSES:
                    problem = f"HTTP {response.status_code}"
                    wait = max(wait, _retry_after(response) or 0.0)
                elif response.is_error:
                    raise SourceError(
                        f"{self.name}: HTTP {response.status_code} for {response.request.url}: "
                        f"{response.text[:300].strip()}"
                    )
                else:
                    return response
            if attempt < self.retry.attempts:
                self._sleep(min(wait, self.retry.max_delay))
        raise SourceError(f"{self.name}: gave up after {self.retry.attempts} attempts at {url} ({problem})")

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
