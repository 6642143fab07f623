"""``python -m bench.audit`` (``make bench``) reports what the audit did, and fails when it did not do
what a steady account asks: exit 0, the same calls every round, within the call budget."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench import audit as bench_audit
from bench.audit import CALL_BUDGET, Figure, table
from tests.test_audit_emulator import LOOPBACK_ONLY
from tooling.cdk import ROOT

pytestmark = pytest.mark.scale  # the benchmark, as tests/test_bench.py (tests/conftest.py marks it so)

STEADY = Counter({"iam:ListRoles": 1, "iam:ListInstanceProfileTags": 200, "sts:GetCallerIdentity": 1})


def figure(calls: Counter[str] = STEADY, status: int = 0, *, same_calls: bool = True) -> Figure:
    return Figure("one account, N = 200", 1, 200, 1.5, 1.6, 0.9, calls, status, same_calls)


def test_a_steady_audit_within_the_budget_is_met() -> None:
    steady = figure()
    assert steady.met
    assert steady.row() == "| one account, N = 200 | 1 | 200 | 1.5 | 1.6 | 0.9 | 201 | 1.00 (met) | 202 | 0 |"


def test_a_failed_audit_is_not_met_whatever_its_calls() -> None:
    """Exit 2 is an audit that failed (an error, not a finding): its few calls are no figure."""
    failed = figure(Counter({"sts:GetCallerIdentity": 1}), status=2)
    assert not failed.met
    assert "| 0.00 (NOT met: exit 2, not 0) |" in failed.row()
    assert not figure(status=1).met  # a finding: the account is not the steady one measured


def test_calls_that_differ_between_rounds_are_not_met() -> None:
    assert not figure(same_calls=False).met
    assert "(NOT met: the calls differ between rounds)" in figure(same_calls=False).row()


def test_calls_over_the_budget_are_not_met() -> None:
    over = Counter({"iam:GetRole": 200, "iam:ListRolePolicies": 200, "iam:ListInstanceProfileTags": 201})
    assert not figure(over).met
    assert f"(NOT met: over {CALL_BUDGET:.0f} a profile)" in figure(over).row()


def test_the_table_names_the_rows_not_met() -> None:
    text = table([figure(), figure(status=2)])
    assert text.count("(met)") == 1
    assert "**Not met: one account, N = 200**" in text
    assert "Not met" not in table([figure()])


class FakeProxy:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.endpoint = "http://127.0.0.1:9"


def audit_rounds(monkeypatch: pytest.MonkeyPatch, statuses: list[int], calls: list[Counter[str]]) -> Figure:
    """``bench.audit.audit`` over rounds whose command exits with ``statuses`` after ``calls``."""
    proxy = FakeProxy()
    rounds = iter(zip(statuses, calls, strict=True))

    def run(*_: Any, **__: Any) -> SimpleNamespace:
        status, made = next(rounds)
        proxy.counts.update(made)
        return SimpleNamespace(returncode=status, stdout="", stderr="")

    monkeypatch.setattr("bench.audit.subprocess.run", run)
    emulator = SimpleNamespace(cli_environment=dict)
    return bench_audit.audit(emulator, proxy, len(statuses), "one account, N = 200", 1, 200)  # type: ignore[arg-type]


def test_a_round_that_failed_fails_the_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = audit_rounds(monkeypatch, [0, 2, 0], [STEADY, STEADY, STEADY])
    assert (failed.status, failed.met) == (2, False)
    killed = audit_rounds(monkeypatch, [0, -9], [STEADY, STEADY])  # a signal's status is negative
    assert (killed.status, killed.met) == (-9, False)
    steady = audit_rounds(monkeypatch, [0, 0], [STEADY, STEADY])
    assert (steady.status, steady.same_calls, steady.met) == (0, True, True)


def test_rounds_that_made_other_calls_fail_the_figure_which_shows_the_most(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    more = STEADY + Counter({"iam:GetRole": 1})
    varied = audit_rounds(monkeypatch, [0, 0, 0], [STEADY, more, STEADY])
    assert not varied.same_calls
    assert not varied.met
    assert varied.iam_calls == 202  # the round that made the most, not the last


def test_the_bench_exits_1_after_writing_the_table_when_a_row_is_not_met(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    output = tmp_path / "audit-results.md"
    monkeypatch.setattr(sys, "argv", ["bench.audit", "--output", str(output)])
    monkeypatch.setattr(bench_audit, "measure", lambda *_: [figure(), figure(status=2)])
    with pytest.raises(SystemExit) as failed:
        bench_audit.main()
    assert failed.value.code not in (0, None)
    assert "one account, N = 200" in str(failed.value.code)
    assert "NOT met: exit 2" in output.read_text()
    monkeypatch.setattr(bench_audit, "measure", lambda *_: [figure()])
    bench_audit.main()  # every row met: exits 0
    assert "NOT met" not in output.read_text()


ROW = re.compile(
    r"^\| (?P<label>[^|]+) \| (?P<accounts>\d+) \| (?P<profiles>[\d,]+) \|.*"
    r"\| (?P<per>[\d.]+) \((?P<met>[^)]*)\) \| [\d,]+ \| (?P<exit>-?\d+) \|$"
)


@pytest.mark.emulator
def test_a_smoke_run_on_the_emulator_stays_within_the_budget_in_one_account_and_in_a_deployment(
    tmp_path: Path,
) -> None:
    """The bench as ``make bench`` runs it, small: the real command through the counting proxy."""
    output = tmp_path / "audit-results.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.audit",
            *("--sizes", "20", "--accounts", "2", "--per-account", "10", "--rounds", "1"),
            *("--output", str(output)),
        ],
        cwd=ROOT,
        # Nothing leaves the machine: the counting proxy listens on 127.0.0.1, the rest goes nowhere.
        env={**os.environ, "PYTHONPATH": str(ROOT), **LOOPBACK_ONLY, "NO_PROXY": "localhost,127.0.0.1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = {m["label"]: m for line in output.read_text().splitlines() if (m := ROW.match(line))}
    assert list(rows) == ["one account, N = 20", "deployment, 2 accounts x 10"]
    for row in rows.values():
        assert float(row["per"]) <= CALL_BUDGET
        assert (row["met"], row["exit"]) == ("met", "0")
    deployment = rows["deployment, 2 accounts x 10"]
    assert (deployment["accounts"], deployment["profiles"]) == ("2", "20")
