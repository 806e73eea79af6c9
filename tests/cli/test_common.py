"""The shared pieces of the command line (cli/_common.py): the consoles are made on first use,
and the collector pause restores what it found."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from evidencehub.cli._common import _LazyConsole, no_cyclic_gc


def test_importing_the_command_line_makes_no_console() -> None:
    code = "import sys, evidencehub.cli; print('rich.console' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_a_lazy_console_prints_and_works_as_a_context(capsys: pytest.CaptureFixture[str]) -> None:
    console = _LazyConsole(stderr=False)
    with console as inner:
        inner.print("hello", markup=False, highlight=False)
    console.print("again", markup=False, highlight=False)
    assert capsys.readouterr().out == "hello\nagain\n"


def test_the_collector_pause_restores_the_collector() -> None:
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
