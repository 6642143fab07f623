"""The credential guard (``core.credential_guard``), pure: its statements, what they do (by the
evaluator), its exemptions' checks, the catalogue key.

Nothing here imports aws-cdk-lib (``make test-fast`` runs it); the construct's prop, cdk-nag and the
deploy are ``tests/test_credential_guard.py``'s.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from constructs_lib import CredentialGuard, Exemption, ProfileSpec, check_profile
from constructs_lib.catalog.loader import load_catalog
from constructs_lib.core.conditions import variables
from constructs_lib.core.credential_guard import AWS_EXEMPTIONS, CONDITION_KEYS, SIDS
from constructs_lib.core.evaluator import Policy, Profile, evaluate
from constructs_lib.core.iam_reference import GLOBAL_CONDITION_KEYS
from constructs_lib.core.request import Request
from constructs_lib.core.statements import known_action
from constructs_lib.permissions.sources import choose, from_catalog

INSTANCE = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"
ON_INSTANCE = {
    "ec2:SourceInstanceArn": (INSTANCE,),
    "aws:Ec2InstanceSourceVpc": ("vpc-1",),
    "aws:SourceVpc": ("vpc-1",),
    "aws:Ec2InstanceSourcePrivateIPv4": ("10.0.0.5",),
    "aws:VpcSourceIp": ("10.0.0.5",),
    "ec2:RoleDelivery": ("2.0",),
    "aws:ViaAWSService": ("false",),
}


def keys_written(statements: list[dict[str, Any]]) -> set[str]:
    keys = set()
    for statement in statements:
        for operator in statement.get("Condition", {}).values():
            for key, value in operator.items():
                keys.add(key)
                keys.update(variables(str(value)))
    return keys


def test_every_condition_key_is_in_the_shipped_reference_exactly_as_spelt() -> None:
    written = keys_written(CredentialGuard(imdsv2_only=True).statements())
    assert written == set(CONDITION_KEYS)
    assert written <= set(GLOBAL_CONDITION_KEYS)  # exact spelling, not just ignoring case


def test_the_exemptions_are_actions_iam_knows() -> None:
    assert all(known_action(action) for action in AWS_EXEMPTIONS)


def test_statements_in_a_fixed_order_with_fixed_sids() -> None:
    assert [s["Sid"] for s in CredentialGuard().statements()] == list(SIDS[:2])
    assert [s["Sid"] for s in CredentialGuard(imdsv2_only=True).statements()] == list(SIDS)
    extra = CredentialGuard(exempt=(Exemption("ssm:GetParameter", "No SSM endpoint in this VPC yet"),))
    assert extra.statements()[0]["NotAction"] == [*AWS_EXEMPTIONS, "ssm:GetParameter"]


# -- what it does, by the evaluator -----------------------------------------------------------------


def guarded(guard: CredentialGuard) -> Profile:
    allow = {"Effect": "Allow", "Action": ["s3:GetObject", "rds-db:connect"], "Resource": "*"}
    return Profile("web", (Policy("Permissions", "inline", {"Statement": [allow, *guard.statements()]}),))


def call(
    guard: CredentialGuard, changes: dict[str, str | None] | None = None, action: str = "s3:GetObject"
) -> Any:
    changes = changes or {}
    context = {key: value for key, value in ON_INSTANCE.items() if changes.get(key, "") is not None}
    context |= {key: (value,) for key, value in changes.items() if value is not None}
    return evaluate(guarded(guard), Request(action, "*", context, closed=True))


def test_a_call_from_the_instances_own_vpc_and_address_is_allowed() -> None:
    assert call(CredentialGuard(imdsv2_only=True)).outcome == "allowed"


@pytest.mark.parametrize(
    ("changes", "sid"),
    [
        ({"aws:SourceVpc": "vpc-2"}, "CredentialGuardInstanceVpc"),
        ({"aws:SourceVpc": None}, "CredentialGuardInstanceVpc"),  # no VPC endpoint
        ({"aws:VpcSourceIp": "10.0.0.99"}, "CredentialGuardInstanceAddress"),
    ],
)
def test_another_vpc_or_address_is_denied_by_the_guard(changes: dict[str, str | None], sid: str) -> None:
    decision = call(CredentialGuard(), changes)
    assert decision.outcome == "denied"
    assert decision.statement.sid == sid


def test_a_call_via_an_aws_service_is_allowed() -> None:
    elsewhere = {"aws:SourceVpc": None, "aws:VpcSourceIp": None, "aws:ViaAWSService": "true"}
    assert call(CredentialGuard(), elsewhere).outcome == "allowed"


def test_imdsv1_credentials_are_denied_only_when_imdsv2_only_is_on() -> None:
    decision = call(CredentialGuard(imdsv2_only=True), {"ec2:RoleDelivery": "1.0"})
    assert decision.outcome == "denied"
    assert decision.statement.sid == "CredentialGuardImdsV2Only"
    assert call(CredentialGuard(), {"ec2:RoleDelivery": "1.0"}).outcome == "allowed"


def test_exempted_actions_work_without_a_vpc_endpoint() -> None:
    assert call(CredentialGuard(), {"aws:SourceVpc": None}, "rds-db:connect").outcome == "allowed"


def test_an_exemption_iam_does_not_know_or_without_a_reason_is_refused() -> None:
    guard = CredentialGuard(exempt=(Exemption("s3:GetObjekt", "a typo here"), Exemption("ssm:Get*", "short")))
    findings = check_profile(ProfileSpec(credential_guard=guard))
    assert [(f.rule_id, f.value, f.pointer) for f in findings] == [
        ("EAP090", "s3:GetObjekt", ("credential_guard", "exempt", 0)),
        ("EAP090", "ssm:Get*", ("credential_guard", "exempt", 1)),
    ]


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("123456789", "has a reason of 9 characters; give at least 10"),
        ("  123456789  ", "has a reason of 9 characters; give at least 10"),  # as stripped
        ("1234567890", None),
    ],
)
def test_an_exemptions_reason_is_at_least_ten_characters(reason: str, problem: str | None) -> None:
    guard = CredentialGuard(exempt=(Exemption("ssm:GetParameter", reason),))
    rules = [f.rule for f in check_profile(ProfileSpec(credential_guard=guard))]
    assert (rules == []) if problem is None else (len(rules) == 1 and rules[0].startswith(problem))


# -- the catalogue ------------------------------------------------------------------------------------


CATALOG = """\
defaults:
  credential_guard: true
profiles:
  - name: worker
    presets: [ssm]
  - name: batch
    credential_guard:
      imdsv2_only: true
      exempt:
        - {action: "ssm:GetParameter", reason: "No SSM endpoint in this VPC yet"}
  - name: open
    credential_guard: false
"""


def test_the_catalogue_key_and_its_default(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG)
    catalog = load_catalog(path)
    assert catalog.findings == ()
    guards = {profile.name: profile.spec.credential_guard for profile in catalog.profiles}
    assert guards == {
        "worker": CredentialGuard(),
        "batch": CredentialGuard(True, (Exemption("ssm:GetParameter", "No SSM endpoint in this VPC yet"),)),
        "open": None,
    }
    found = from_catalog([(entry.id, entry.spec) for entry in catalog.profiles])
    off_vpc = {**ON_INSTANCE, "aws:SourceVpc": ("vpc-2",)}
    worker = choose(found, "worker")
    decision = evaluate(worker, Request("ssm:GetParameter", "*", off_vpc, closed=True))
    assert decision.statement is not None
    assert (decision.outcome, decision.statement.sid) == ("denied", "CredentialGuardInstanceVpc")
    batch = choose(found, "batch")
    imds_v1 = {**ON_INSTANCE, "ec2:RoleDelivery": ("1.0",)}
    assert evaluate(batch, Request("ssm:GetParameter", "*", imds_v1, closed=True)).outcome == "denied"


def test_catalogue_mistakes_are_found_with_their_place(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        dedent(
            """\
            profiles:
              - name: bad
                credential_guard:
                  imdsv2_only: maybe
                  exempt:
                    - {action: "s3:GetObjekt", reason: "a typo in the action"}
                    - {action: "ssm:GetParameter"}
              - name: worse
                credential_guard: [yes]
            """
        )
    )
    lines = [finding.line() for finding in load_catalog(path).findings]
    assert any(":4:" in line and "EAP102" in line and "imdsv2_only" in line for line in lines)
    assert any(":7:" in line and "EAP103" in line and "exempt[1].reason" in line for line in lines)
    assert any(":9:" in line and "EAP102" in line and "credential_guard" in line for line in lines)
