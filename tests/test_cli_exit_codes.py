"""Exit codes stay within README.md's table, internal errors included: each is one line."""
from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from toolchain.cli import _Group
from toolchain.errors import INTERNAL_ERROR_EXIT, INTERRUPTED_EXIT, MismatchError

ROOT = Path(__file__).resolve().parents[1]


def _readme_exit_codes() -> set[int]:
    text = ROOT.joinpath("README.md").read_text()
    table = text[text.index("| exit | meaning |"):].split("\n\n")[0]
    return {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}


def _group_raising(exc: BaseException) -> click.Group:
    @click.group(cls=_Group)
    def cli() -> None:
        pass

    @cli.command()
    def act() -> None:
        raise exc

    return cli


def test_every_code_the_sources_exit_with_is_in_the_readme_table():
    written = set()
    for path in [*ROOT.glob("toolchain/**/*.py"), *ROOT.glob("hil/**/*.py")]:
        source = path.read_text()
        written |= {int(n) for n in re.findall(r"\bexit_code = (\d+)", source)}
        written |= {int(n) for n in re.findall(r"\bsys\.exit\((\d+)\)", source)}
    written |= {INTERNAL_ERROR_EXIT, INTERRUPTED_EXIT, 2}  # 2: click's usage errors
    assert written >= {1, 2, 3, 70, 130}
    assert written <= _readme_exit_codes()


def test_an_unexpected_exception_is_one_line_and_the_internal_error_code(monkeypatch):
    monkeypatch.delenv("TINYLARGE_DEBUG", raising=False)
    result = CliRunner().invoke(_group_raising(KeyError("board")), ["act"])
    assert result.exit_code == INTERNAL_ERROR_EXIT
    assert result.output == "internal error: KeyError: 'board' (set TINYLARGE_DEBUG=1 for a traceback)\n"


def test_ctrl_c_is_one_line_and_130():
    result = CliRunner().invoke(_group_raising(KeyboardInterrupt()), ["act"])
    assert result.exit_code == INTERRUPTED_EXIT and result.output == "interrupted\n"


def test_a_toolchain_error_keeps_its_code():
    result = CliRunner().invoke(_group_raising(MismatchError("3 of 200 outputs differ")), ["act"])
    assert result.exit_code == 1 and result.output == "error: 3 of 200 outputs differ\n"
