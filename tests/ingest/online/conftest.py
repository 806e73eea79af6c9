"""Online-client tests never reach the network: any real connection attempt fails the test."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from .recorded_http import FakeTime, Recorder


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make real HTTP transports and sockets unusable for the duration of each test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def serve() -> Iterator[Callable[..., Recorder]]:
    made: list[Recorder] = []

    def make(*responses: httpx.Response | Exception) -> Recorder:
        made.append(Recorder(list(responses)))
        return made[-1]

    yield make
    for recorder in made:
        assert not recorder.responses, f"{len(recorder.responses)} recorded response(s) never requested"
