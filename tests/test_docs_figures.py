"""Figures in README.md and docs/*.md come from code: every table or code block that holds measured
figures sits in a `<!-- bench: COMMAND -->` block that bench/refresh_docs.py re-runs, labelled with
that command and the date it ran, and the command exists. Reads the pages only; runs nothing."""
from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from pathlib import Path

import pytest

from toolchain.cli import main as cli_group

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("refresh_docs", ROOT / "bench" / "refresh_docs.py")
refresh_docs = importlib.util.module_from_spec(_spec)
sys.modules["refresh_docs"] = refresh_docs  # dataclasses look their module up there
_spec.loader.exec_module(refresh_docs)

PAGES = refresh_docs.pages()
# What a measured figure looks like: 1,234 / 13.1 M / 97.3 % / 97.3%.
FIGURE = re.compile(r"\b\d{1,3}(,\d{3})+\b|\b\d+(\.\d+)? ?M\b|\b\d+(\.\d+)? ?%")
# A table row that names the command it was read from, in its own cell.
OWN_COMMAND = re.compile(r"\| `(tinylarge|python bench/)[^`]*` \|")
# Sections (by the start of their heading; "*": the whole page) whose figures another change
# refreshes; each names who and why. Keep this short.
NOT_YET_FROM_CODE = {
}


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _figure_lines_outside_blocks(page: Path) -> list[tuple[str, int, str]]:
    """(section heading, line number, line) of each table row or code line with a figure that no
    figure block holds and that does not name its own command."""
    inside = set()
    for block in refresh_docs.figure_blocks(page):
        inside.update(range(block.start, block.end + 1))
    found, heading, fenced = [], "", False
    for index, line in enumerate(page.read_text().splitlines()):
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
            continue
        if not fenced and stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
        if index in inside or not (fenced or stripped.startswith("|")):
            continue
        if FIGURE.search(line) and not OWN_COMMAND.search(line):
            found.append((heading, index + 1, stripped))
    return found


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_figure_table_or_code_block_is_inside_a_figure_block(page):
    exempt = tuple(start for (name, start) in NOT_YET_FROM_CODE if name == _page_id(page))
    strays = [f"{_page_id(page)}:{number}: {line}" for heading, number, line in _figure_lines_outside_blocks(page)
              if "*" not in exempt and not heading.startswith(exempt)]
    assert strays == []


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_each_figure_block_is_labelled_with_its_command_and_date_and_holds_output(page):
    for block in refresh_docs.figure_blocks(page):
        label = refresh_docs.LABEL.match(block.body[0]) if block.body else None
        assert label and label["command"] == block.command, f"{_page_id(page)}:{block.start + 1}"
        assert any(line.strip() and line.strip() != "```" for line in block.body[1:]), block.command


def test_each_figure_block_command_names_a_script_or_subcommand_that_exists():
    blocks = [block for page in PAGES for block in refresh_docs.figure_blocks(page)]
    assert len(blocks) >= 5
    for block in blocks:
        words = shlex.split(block.command)
        if words[0] == "python":
            assert (ROOT / words[1]).is_file(), block.command
        else:
            assert words[0] == "tinylarge" and words[1] in cli_group.commands, block.command


def test_the_exemptions_name_sections_that_exist():
    for name, start in NOT_YET_FROM_CODE:
        text = (ROOT / name).read_text()
        assert start == "*" or f"# {start}" in text, (name, start)


def test_refresh_pastes_text_fenced_and_markdown_as_is(tmp_path):
    import datetime

    day = datetime.date(2026, 12, 2)
    assert refresh_docs.render("tinylarge demo", "a  1\nb  2\n", day) == [
        "`tinylarge demo` (2026-12-02):", "", "```", "a  1", "b  2", "```"]
    assert refresh_docs.render("python bench/x.py", "| a |\n|---|\n| 1 |\n", day) == [
        "`python bench/x.py` (2026-12-02):", "", "| a |", "|---|", "| 1 |"]


def test_unpaired_markers_are_one_clear_error(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("<!-- bench: python bench/x.py -->\ntext\n")
    with pytest.raises(refresh_docs.BlockError, match="page.md:1: figure block never closed"):
        refresh_docs.figure_blocks(page)
    page.write_text("text\n<!-- /bench -->\n")
    with pytest.raises(refresh_docs.BlockError, match="page.md:2: .* without an opening marker"):
        refresh_docs.figure_blocks(page)


def test_refresh_rewrites_each_block_from_its_command_and_keeps_a_failing_ones_text(tmp_path):
    import datetime

    page = tmp_path / "page.md"
    page.write_text("intro\n<!-- bench: printf 'a 1\\nb 2\\n' -->\nold figures\n<!-- /bench -->\nmiddle\n"
                    "<!-- bench: python -c 'raise SystemExit(3)' -->\nkept\n<!-- /bench -->\nend\n")
    failures = refresh_docs.refresh(page, only=None)
    assert len(failures) == 1 and "exit 3" in failures[0]
    today = datetime.date.today().isoformat()
    assert page.read_text() == (
        f"intro\n<!-- bench: printf 'a 1\\nb 2\\n' -->\n`printf 'a 1\\nb 2\\n'` ({today}):\n\n```\na 1\nb 2\n```\n"
        "<!-- /bench -->\nmiddle\n<!-- bench: python -c 'raise SystemExit(3)' -->\nkept\n<!-- /bench -->\nend\n")
