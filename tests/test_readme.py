"""The README's tables of rules and presets say what the code does."""

from __future__ import annotations

import json

import pytest

from constructs_lib.cli import commands as cli
from constructs_lib.core.presets import PRESETS
from tooling.cdk import ROOT

README = (ROOT / "README.md").read_text()


def test_the_rule_table_is_the_one_the_checker_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules", "--format", "markdown"]) == 0
    table = capsys.readouterr().out
    assert table.count("\n| EAP") >= 30
    assert table in README


def test_the_preset_table_lists_each_preset_its_policies_and_its_aws_page() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `") and "docs.aws.amazon.com" in line]
    assert len(rows) == len(PRESETS)
    for row, preset in zip(rows, PRESETS.values(), strict=True):
        policies = ", ".join(f"`{policy}`" for policy in preset.managed_policies)
        assert row.startswith(f"| `{preset.name}` | {policies} | {preset.purpose} | ")
        assert f"({preset.documentation})" in row


@pytest.mark.parametrize("name", ["AUDIT_POLICY", "REPAIR_TAGS_POLICY"])
def test_the_readme_gives_the_exact_policies_the_audit_needs(name: str) -> None:
    from constructs_lib.audit import policy

    marker = f"(`{'constructs_lib.audit.policy.' if name == 'AUDIT_POLICY' else ''}{name}`)"
    after = README[README.index(marker) :]
    block = after[after.index("```json\n") + len("```json\n") : after.index("\n```", after.index("```json"))]
    assert json.loads(block) == getattr(policy, name)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("deployment_policy('ec2-access-profiles-audit')", "deployment_policy"),
        ("audit_role_trust_policy('999999999999')", "audit_role_trust_policy"),
    ],
)
def test_the_readme_gives_the_exact_policies_of_a_deployments_audit(call: str, expected: str) -> None:
    from constructs_lib.audit import policy

    after = README[README.index(f"(`constructs_lib.audit.policy.{call}`)") :]
    block = after[after.index("```json\n") + len("```json\n") : after.index("\n```", after.index("```json"))]
    argument = call.split("'")[1]
    assert json.loads(block) == getattr(policy, expected)(argument)
