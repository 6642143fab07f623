"""``tooling.coverage_compare``: the lines a change to the suite stopped running, and only those."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tooling.coverage_compare import lost_lines, main


def report(files: dict[str, tuple[list[int], list[int]]]) -> dict[str, Any]:
    """A coverage.py JSON report: each file's (executed, missing) lines."""
    covered = sum(len(run) for run, _ in files.values())
    statements = covered + sum(len(missed) for _, missed in files.values())
    return {
        "files": {
            name: {"executed_lines": run, "missing_lines": missed} for name, (run, missed) in files.items()
        },
        "totals": {
            "covered_lines": covered,
            "num_statements": statements,
            "percent_covered": 100 * covered / statements,
        },
    }


BEFORE = report({"a.py": ([1, 2, 3], [4]), "b.py": ([1, 2], [])})


def test_a_line_no_longer_run_is_lost() -> None:
    after = report({"a.py": ([1, 3], [2, 4]), "b.py": ([1, 2], [])})
    assert lost_lines(BEFORE, after) == {"a.py": [2]}


def test_a_line_that_went_away_or_a_file_removed_is_not_lost() -> None:
    after = report({"a.py": ([1, 2], [4])})
    assert lost_lines(BEFORE, after) == {}


def test_the_same_coverage_or_more_loses_nothing() -> None:
    more = report({"a.py": ([1, 2, 3, 4], []), "b.py": ([1, 2], [])})
    assert lost_lines(BEFORE, BEFORE) == {}
    assert lost_lines(BEFORE, more) == {}


def test_the_command_exits_1_and_names_each_lost_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(BEFORE))
    after.write_text(json.dumps(report({"a.py": ([1], [2, 3, 4]), "b.py": ([1, 2], [])})))
    assert main([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert "a.py: no longer run: 2, 3\n" in out
    assert "2 lines run before are no longer run" in out
    assert main([str(before), str(before)]) == 0


def test_with_the_sources_a_statement_that_moved_is_matched_by_its_text() -> None:
    old = ["import os", "x = 1", "y = 2", "z = 3"]
    new = ["import os", "# a comment pushed everything down", "x = 1", "y = 2", "z = 3"]
    before = report({"a.py": ([1, 2, 3], [4])})
    moved = report({"a.py": ([1, 3, 4], [5])})
    kept = lost_lines(before, moved, before_source=lambda _: old, after_source=lambda _: new)
    assert kept == {}
    dropped = report({"a.py": ([1, 3], [4, 5])})
    lost = lost_lines(before, dropped, before_source=lambda _: old, after_source=lambda _: new)
    assert lost == {"a.py": [4]}  # "y = 2", run before at line 3, is not run at its new line 4
