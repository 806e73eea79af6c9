"""Helpers for the online-client tests: a fake clock, a recording mock transport, recorded bodies."""

from __future__ import annotations

from pathlib import Path

import httpx

RECORDED = Path(__file__).resolve().parents[2] / "data" / "recorded"


class FakeTime:
    """An injectable clock and sleep: sleeping advances the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class Recorder:
    """A MockTransport handler that serves responses in order and keeps every request."""

    def __init__(self, responses: list[httpx.Response | Exception]) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.responses:
            raise AssertionError(f"unexpected request {request.url}")
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def recorded(name: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=(RECORDED / name).read_bytes(), headers=headers)
