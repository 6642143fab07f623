"""``python -m tooling.coverage_compare BEFORE AFTER [--before-rev REV]``: the lines a change to the
suite stopped running.

A faster suite must not prove less. ``make coverage`` writes the suite's line coverage as coverage.py's
JSON report; keep the one from before a change, make the change, run it again, and compare. Every
statement of the project that the suite ran before and no longer runs is printed, by file, and the
exit status is 1 if there is one. Statements that no longer exist (the code went) are not lost.

When the code changed too, line numbers move: give ``--before-rev`` (the git commit the first report
was made at) and statements are matched by their text instead, each repeat counted, so a statement
run before at line 565 and after at line 580 is still run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

Source = Callable[[str], list[str]]
"""A file's lines by its path in the report (relative to the repository)."""


def executed(report: dict[str, Any]) -> dict[str, set[int]]:
    """Each file's executed line numbers, from coverage.py's JSON report."""
    return {name: set(data["executed_lines"]) for name, data in report["files"].items()}


def measured(report: dict[str, Any]) -> dict[str, set[int]]:
    """Each file's statement lines (executed or missing)."""
    files = report["files"]
    return {name: set(data["executed_lines"]) | set(data["missing_lines"]) for name, data in files.items()}


def _texts(lines: set[int], source: list[str]) -> Counter[str]:
    return Counter(source[number - 1].strip() for number in lines if number <= len(source))


def lost_lines(
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    before_source: Source | None = None,
    after_source: Source | None = None,
) -> dict[str, list[int]]:
    """Each file's statements run before and not after (by line number after, or before for a file
    whose statements are matched by number), among those that still exist after."""
    ran_after = executed(after)
    statements_after = measured(after)
    lost: dict[str, list[int]] = {}
    for name, lines in executed(before).items():
        if before_source is None or after_source is None:
            gone = sorted((lines & statements_after.get(name, set())) - ran_after.get(name, set()))
        else:
            old, new = before_source(name), after_source(name)
            still = _texts(statements_after.get(name, set()), new)
            missing = _texts(lines, old) - _texts(ran_after.get(name, set()), new)
            unrun = {text for text in missing if text in still}
            gone = sorted(
                number
                for number in statements_after.get(name, set()) - ran_after.get(name, set())
                if new[number - 1].strip() in unrun
            )
        if gone:
            lost[name] = gone
    return lost


def git_source(rev: str) -> Source:
    """A file's lines as they were at ``rev``."""

    def read(name: str) -> list[str]:
        shown = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True, text=True, check=False)
        return shown.stdout.splitlines() if shown.returncode == 0 else []

    return read


def tree_source(name: str) -> list[str]:
    """A file's lines as they are now."""
    path = Path(name)
    return path.read_text().splitlines() if path.is_file() else []


def totals(report: dict[str, Any]) -> str:
    summary = report["totals"]
    covered, statements = summary["covered_lines"], summary["num_statements"]
    return f"{covered} of {statements} lines ({summary['percent_covered']:.2f} %)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The lines a change to the suite stopped running.")
    parser.add_argument("before", type=Path, help="coverage.py JSON report of the suite before the change")
    parser.add_argument("after", type=Path, help="the same, after (of the working tree)")
    parser.add_argument("--before-rev", help="the git commit BEFORE was made at: match statements by text")
    args = parser.parse_args(argv)
    before = json.loads(args.before.read_text())
    after = json.loads(args.after.read_text())
    print(f"before: {totals(before)}")
    print(f"after:  {totals(after)}")
    sources = (
        {"before_source": git_source(args.before_rev), "after_source": tree_source} if args.before_rev else {}
    )
    lost = lost_lines(before, after, **sources)
    for name, lines in sorted(lost.items()):
        print(f"{name}: no longer run: {', '.join(map(str, lines))}")
    print(f"{sum(map(len, lost.values()))} lines run before are no longer run")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
