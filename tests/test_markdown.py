"""One Markdown table cell, as explain, the review, the audit and the rules table write them."""

from __future__ import annotations

import io
from dataclasses import replace

from constructs_lib.audit import report
from constructs_lib.audit.findings import AuditFinding
from constructs_lib.core import markdown
from tests.test_audit_drift import RESULT


def test_a_value_stays_in_its_cell() -> None:
    assert markdown.cell("a|b\nc\rd") == "a\\|b\\nc\\rd"
    assert "\n" not in markdown.cell("x\n| forged | row |\n")


def test_a_line_break_in_an_audited_value_stays_in_its_row() -> None:
    """The audit's (and the review's) tables escaped `|` only: a tag value with a line break, read from
    the account, ended its row and wrote rows of its own into a pull request's comment."""
    out = io.StringIO()
    forged = AuditFinding("drift", "web", "tags", "a\n| forged | row |", "b", "fix it", key="K")
    report.write(replace(RESULT, findings=(forged,)), "markdown", out, io.StringIO())
    lines = out.getvalue().splitlines()
    rows = [line for line in lines if line.startswith("| drift")]
    assert rows == ["| drift | `web` | `tags['K']` | `a\\n\\| forged \\| row \\|` | `b` | `fix it` |"]
    assert [line for line in lines if "forged" in line] == rows
