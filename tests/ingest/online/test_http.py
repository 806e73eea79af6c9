"""Rate limiting, retries with exponential backoff, and errors of the shared HTTP layer."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from evidencehub.ingest.online._http import (
    USER_AGENT,
    PoliteClient,
    RetryPolicy,
    SourceError,
    filter_param,
    polite_params,
)

from .recorded_http import FakeTime, Recorder

URL = "https://api.example.org/things"


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=8, base_delay=1.0, max_delay=10.0)
    assert [policy.delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_rate_limit_spaces_requests(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(*(httpx.Response(200, text="ok") for _ in range(3)))
    http = PoliteClient("Example", recorder.client(), min_interval=0.5, sleep=fake_time.sleep, clock=fake_time.clock)
    for _ in range(3):
        http.get(URL)
    assert fake_time.sleeps == [0.5, 0.5]
    assert recorder.requests[0].headers["User-Agent"] == USER_AGENT


def test_no_wait_when_the_caller_was_slower_than_the_limit(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(httpx.Response(200), httpx.Response(200))
    http = PoliteClient("Example", recorder.client(), min_interval=0.5, sleep=fake_time.sleep, clock=fake_time.clock)
    http.get(URL)
    fake_time.now += 2.0  # the caller spent 2 s parsing
    http.get(URL)
    assert fake_time.sleeps == []


def test_retries_429_5xx_and_timeouts_with_backoff(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(
        httpx.Response(503),
        httpx.ReadTimeout("slow"),
        httpx.Response(429),
        httpx.ConnectError("reset"),
        httpx.Response(200, text="finally"),
    )
    http = PoliteClient("Example", recorder.client(), min_interval=0.0, retry=RetryPolicy(attempts=5, base_delay=1.0),
                        sleep=fake_time.sleep, clock=fake_time.clock)  # fmt: skip
    assert http.get(URL, {"q": "x"}).text == "finally"
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert len(recorder.requests) == 5 and all(r.url.params["q"] == "x" for r in recorder.requests)


def test_retry_after_is_honoured_when_longer(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200))
    http = PoliteClient("Example", recorder.client(), min_interval=0.0, sleep=fake_time.sleep, clock=fake_time.clock)
    http.get(URL)
    assert fake_time.sleeps == [7.0]


def test_gives_up_after_the_last_attempt(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(*(httpx.Response(502) for _ in range(3)))
    http = PoliteClient("Example", recorder.client(), min_interval=0.0, retry=RetryPolicy(attempts=3),
                        sleep=fake_time.sleep, clock=fake_time.clock)  # fmt: skip
    with pytest.raises(SourceError, match=r"Example: gave up after 3 attempts at https://api.example.org/things \(HTTP 502\)"):
        http.get(URL)
    assert fake_time.sleeps == [1.0, 2.0]


def test_client_errors_are_not_retried(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(httpx.Response(400, text="Invalid query syntax"))
    http = PoliteClient("Example", recorder.client(), min_interval=0.0, sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(SourceError, match=r"Example: HTTP 400 for https://api.example.org/things\?q=%28: Invalid query syntax"):
        http.get(URL, {"q": "("})
    assert fake_time.sleeps == []


def test_the_suite_cannot_reach_the_network() -> None:
    with pytest.raises(AssertionError, match="tried to reach the network"):
        httpx.get("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/einfo.fcgi", timeout=1)


def test_polite_params_drop_none_and_add_mailto() -> None:
    assert polite_params("me@example.org", query="x", rows=None) == {
        "query": "x",
        "mailto": "me@example.org",
    }
    assert polite_params(None, query="x") == {"query": "x"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("type:article", "type:article"), ({"a": "1", "b": "2"}, "a:1,b:2")],
)
def test_filter_param(value: dict[str, str] | str | None, expected: str | None) -> None:
    assert filter_param(value) == expected
