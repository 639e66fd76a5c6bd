"""Re-runs the command behind every figure block of README.md and docs/*.md and pastes its output.

A figure block in a page is

    <!-- bench: COMMAND -->
    `COMMAND` (DATE):

    OUTPUT
    <!-- /bench -->

COMMAND runs from the repository root, with `.venv/bin` first on PATH (so `python` and `tinylarge`
are the project's), PYTHONPATH at the root and COLUMNS=200. Its standard output replaces the block:
pasted as it is when it is markdown (its last line is a table row), else in a code fence. Figures
only, never pass/fail: a command that fails leaves its block untouched and is reported.

    .venv/bin/python bench/refresh_docs.py [--list] [--only TEXT] [PAGE ...]
"""
from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPEN = re.compile(r"^<!-- bench: (?P<command>.+?) -->$")
CLOSE = "<!-- /bench -->"
LABEL = re.compile(r"^`(?P<command>[^`]+)` \((?P<date>\d{4}-\d{2}-\d{2})[^)]*\):$")


class BlockError(Exception):
    """A page whose figure markers do not pair up; one line for the user."""


@dataclass(frozen=True)
class FigureBlock:
    page: Path
    command: str
    start: int  # index of the opening marker line
    end: int  # index of the closing marker line
    body: tuple[str, ...]  # the lines between the markers


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _shown(page: Path) -> str:
    return str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page)


def figure_blocks(page: Path) -> list[FigureBlock]:
    lines = page.read_text().splitlines()
    blocks, opened = [], None
    for index, line in enumerate(lines):
        marker = OPEN.match(line.strip())
        if marker:
            if opened is not None:
                raise BlockError(f"{page.name}:{index + 1}: figure block opened inside the one at line {opened[0] + 1}")
            opened = (index, marker["command"])
        elif line.strip() == CLOSE:
            if opened is None:
                raise BlockError(f"{page.name}:{index + 1}: {CLOSE} without an opening marker")
            blocks.append(FigureBlock(page, opened[1], opened[0], index, tuple(lines[opened[0] + 1:index])))
            opened = None
    if opened is not None:
        raise BlockError(f"{page.name}:{opened[0] + 1}: figure block never closed")
    return blocks


def render(command: str, output: str, date: datetime.date) -> list[str]:
    """The block's body: the command and date, then the output (markdown as is, text fenced)."""
    out_lines = [line.rstrip() for line in output.strip("\n").splitlines()]
    is_markdown = bool(out_lines) and out_lines[-1].lstrip().startswith("|")
    body = out_lines if is_markdown else ["```", *out_lines, "```"]
    return [f"`{command}` ({date.isoformat()}):", "", *body]


def run_command(command: str) -> str:
    # COLUMNS: rich output (the demo's report) at one fixed width, its long lines unwrapped.
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200",
               PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"exit {result.returncode}: {(result.stderr or result.stdout).strip()[-400:]}")
    return result.stdout


def refresh(page: Path, only: str | None) -> list[str]:
    """Re-runs the page's blocks (those whose command contains `only`); returns the failures."""
    failures = []
    lines = page.read_text().splitlines()
    for block in reversed(figure_blocks(page)):  # from the end, so earlier line numbers stay valid
        if only and only not in block.command:
            continue
        print(f"{_shown(page)}: {block.command}", file=sys.stderr, flush=True)
        try:
            output = run_command(block.command)
        except RuntimeError as exc:
            failures.append(f"{_shown(page)}: `{block.command}`: {exc}")
            continue
        lines[block.start + 1:block.end] = render(block.command, output, datetime.date.today())
        page.write_text("\n".join(lines) + "\n")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="default: README.md and docs/*.md")
    parser.add_argument("--only", help="refresh only the blocks whose command contains this text")
    parser.add_argument("--list", action="store_true", help="list the blocks and their commands, run nothing")
    args = parser.parse_args()
    chosen = [p.resolve() for p in args.pages] or pages()
    try:
        if args.list:
            for page in chosen:
                for block in figure_blocks(page):
                    print(f"{_shown(page)}:{block.start + 1}: {block.command}")
            return
        failures = [f for page in chosen for f in refresh(page, args.only)]
    except BlockError as exc:
        sys.exit(f"error: {exc}")
    if failures:
        sys.exit("\n".join(f"error: {f}" for f in failures))


if __name__ == "__main__":
    main()
