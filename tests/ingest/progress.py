"""A progress display for import tests whose user presses Ctrl-C part way."""

from __future__ import annotations

from pathlib import Path


class InterruptAfter:
    """A progress display whose user presses Ctrl-C after ``n`` updates."""

    def __init__(self, n: int) -> None:
        self.n = n

    def start_file(self, path: Path, total_bytes: int) -> None:
        assert total_bytes == path.stat().st_size

    def advance(self, n_bytes: int) -> None:
        self.n -= 1
        if self.n < 0:
            raise KeyboardInterrupt
