"""``python -m tooling.coverage_compare BEFORE AFTER``: the lines a change to the suite stopped running.

A faster suite must not prove less. ``make coverage`` writes the suite's line coverage as coverage.py's
JSON report; keep the one from before a change, make the change, run it again, and compare. Every
line of the project that the suite ran before and no longer runs is printed, by file, and the exit
status is 1 if there is one. Lines that no longer exist (the code moved or went) are not counted as
lost; they are reported apart, as the number of lines before and after.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def executed(report: dict[str, Any]) -> dict[str, set[int]]:
    """Each file's executed line numbers, from coverage.py's JSON report."""
    return {name: set(data["executed_lines"]) for name, data in report["files"].items()}


def measured(report: dict[str, Any]) -> dict[str, set[int]]:
    """Each file's statement lines (executed or missing)."""
    files = report["files"]
    return {name: set(data["executed_lines"]) | set(data["missing_lines"]) for name, data in files.items()}


def lost_lines(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[int]]:
    """Lines run before and not after, among statements that still exist after."""
    ran_after = executed(after)
    statements_after = measured(after)
    lost: dict[str, list[int]] = {}
    for name, lines in executed(before).items():
        gone = sorted((lines & statements_after.get(name, set())) - ran_after.get(name, set()))
        if gone:
            lost[name] = gone
    return lost


def totals(report: dict[str, Any]) -> str:
    summary = report["totals"]
    covered, statements = summary["covered_lines"], summary["num_statements"]
    return f"{covered} of {statements} lines ({summary['percent_covered']:.2f} %)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="coverage.py JSON report of the suite before the change")
    parser.add_argument("after", type=Path, help="the same, after")
    args = parser.parse_args(argv)
    before = json.loads(args.before.read_text())
    after = json.loads(args.after.read_text())
    print(f"before: {totals(before)}")
    print(f"after:  {totals(after)}")
    lost = lost_lines(before, after)
    for name, lines in sorted(lost.items()):
        print(f"{name}: no longer run: {', '.join(map(str, lines))}")
    print(f"{sum(map(len, lost.values()))} lines run before are no longer run")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
