"""Contract tests for the command line as a whole: help, version, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from evidencehub import __version__
from evidencehub.cli import COMMANDS as COMMAND_MODULE
from evidencehub.cli import app, build_app, main

_ROOT = typer.main.get_command(app)
COMMANDS = sorted(_ROOT.commands)  # type: ignore[attr-defined]


def _leaves(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every runnable command, with the groups it sits in (``("data", "import")``)."""
    out = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group (typer ships its own click)
            out += _leaves(command, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


LEAVES = _leaves(_ROOT)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"evidencehub {__version__}"


def test_root_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_explains_itself_with_an_example(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out, f"'evidencehub {' '.join(path)} --help' shows no example"


def test_each_command_is_built_alone_from_the_module_that_registers_it() -> None:
    alone = {name: sorted(typer.main.get_command(build_app(name)).commands)  # type: ignore[attr-defined]
             for name in COMMAND_MODULE}
    assert alone == {name: [name] for name in COMMANDS}


def test_a_command_built_alone_has_the_same_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("evidencehub.cli._app_for", lambda args: app)
        assert main(["review", "decide", "--help"]) == 0
    whole = capsys.readouterr().out
    assert main(["review", "decide", "--help"]) == 0
    assert capsys.readouterr().out == whole


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_console_script_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "evidencehub", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"evidencehub {__version__}"


def test_deliberate_errors_print_one_line_and_keep_their_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from evidencehub.errors import Interrupted

    def interrupted(*args: object, **kwargs: object) -> None:
        raise Interrupted("interrupted; the import was rolled back")

    monkeypatch.setattr("evidencehub.cli._app_for", lambda args: interrupted)
    assert main(["records"]) == 130
    assert capsys.readouterr().err == "error: interrupted; the import was rolled back\n"


def test_ctrl_c_inside_a_command_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import evidencehub.cli.ingest as ingest_cli

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_cli, "in_store", interrupt)
    assert main(["records"]) == 130
    assert "Interrupted" in capsys.readouterr().err


def test_readme_documents_every_command() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for path in LEAVES:
        name = " ".join(path)
        assert f"`evidencehub {name}" in readme, f"README.md does not document 'evidencehub {name}'"


def test_console_script_exits_with_the_status_of_main() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "evidencehub", "no-such-command"], capture_output=True, text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "No such command" in done.stderr


def test_the_console_script_freezes_the_heap_and_tests_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    assert main(["--version"]) == 0 and frozen == []
    monkeypatch.setattr(sys, "argv", ["evidencehub", "--version"])
    assert main() == 0 and frozen == [True]
