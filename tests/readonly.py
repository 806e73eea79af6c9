"""Make a file or directory really read-only for the test process, or skip saying why.

``chmod`` is the ordinary way, but it does not bind root (tests often run as root in
containers). Then the immutable attribute (``chattr +i``, on ext4 and similar file systems)
is tried, which binds root too; if that is not available either, the test is skipped with the
reason. Whichever way is used, it is tried before the test relies on it, and undone afterwards
so that pytest can remove its temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["read_only"]


def _can_write(path: Path) -> bool:
    try:
        if path.is_dir():
            with tempfile.TemporaryFile(dir=path):
                return True
        with path.open("ab"):
            return True
    except OSError:
        return False


def _chattr(flag: str, path: Path) -> bool:
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    done = subprocess.run([chattr, flag, str(path)], capture_output=True, check=False)
    return done.returncode == 0


@contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """Within the block, this process cannot write ``path`` (a file, or in a directory)."""
    mode = path.stat().st_mode & 0o777
    path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = False
    try:
        if _can_write(path):  # root: permission bits do not apply
            immutable = _chattr("+i", path)
            if not immutable or _can_write(path):
                pytest.skip(
                    "cannot make a path read-only: running as root, where chmod does not stop "
                    "writes, and `chattr +i` is not available on this file system"
                )
        yield path
    finally:
        if immutable:
            _chattr("-i", path)
        path.chmod(mode)
