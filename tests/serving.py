"""Run ``evidencehub serve`` in a subprocess on a free loopback port, for tests that need HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(db: Path, site: Path | None = None, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve the hub of ``db`` (with ``--site site`` if given); yield the base URL once ``/``
    answers."""
    port = free_port()
    site_option = ["--site", str(site)] if site is not None else []
    process = subprocess.Popen(
        [sys.executable, "-m", "evidencehub", "serve", "--db", str(db), *site_option,
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
