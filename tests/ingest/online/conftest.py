"""Online-client tests never reach the network: any real connection attempt fails the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from .recorded_http import FakeTime, Recorder


@pytest.fixture(autouse=True)
def _no_network_in_online_tests(no_network: None) -> None:
    """Every test here runs under ``no_network`` (tests/conftest.py)."""


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
