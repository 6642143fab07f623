"""The credential guard (``core.credential_guard``) in the construct: its statements in the template, with
cdk-nag and cfn-lint, and deployed. Its statements, what they do and the catalogue key, pure, are
``tests/test_credential_guard_rules.py``'s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import CredentialGuard, Ec2AccessProfile, ProfileValidationError
from constructs_lib.core.credential_guard import CONDITION_KEYS, SIDS
from constructs_lib.core.evaluator import Policy, Profile, evaluate
from constructs_lib.core.limits import policy_size
from constructs_lib.core.request import Request
from emulator import DEPLOY, Emulator
from tests.conftest import library_context
from tests.guardrail_helpers import overhead, padded_statement, synth_errors
from tests.test_credential_guard_rules import ON_INSTANCE, keys_written
from tooling.cdk import cli_context

# -- the construct ------------------------------------------------------------------------------------


def inline_statements(stack: Stack) -> list[dict[str, Any]]:
    roles = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    (role,) = [
        r for r in roles.values() if "ec2.amazonaws.com" in str(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    (policy,) = role["Properties"]["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


def test_the_construct_adds_the_guard_after_the_profiles_own_statements(stack: Stack) -> None:
    own = iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"])
    Ec2AccessProfile(stack, "P", statements=[own], credential_guard=CredentialGuard(imdsv2_only=True))
    statements = inline_statements(stack)
    assert statements[0]["Action"] == "s3:GetObject"
    assert [s.get("Sid") for s in statements[1:]] == list(SIDS)
    assert statements[1]["Condition"]["StringNotEquals"] == {"aws:Ec2InstanceSourceVpc": "${aws:SourceVpc}"}


def test_true_is_the_default_guard_and_it_needs_no_statements_of_the_profile(stack: Stack) -> None:
    Ec2AccessProfile(stack, "P", credential_guard=True)
    assert inline_statements(stack) == CredentialGuard().statements()


def test_the_guard_counts_toward_the_roles_inline_limit(stack: Stack) -> None:
    """A control first: the statement alone fits; with the guard (999 characters), it does not."""
    assert policy_size({"Statement": CredentialGuard().statements()}) == 999
    statement = padded_statement(9_300, document_overhead=overhead([]))
    Ec2AccessProfile(stack, "P", statements=[statement])
    assert synth_errors(stack) == []
    over = Stack(App(context=library_context()), "Over")
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(over, "P", statements=[statement], credential_guard=True)
    assert str(caught.value).startswith("Ec2AccessProfile 'Over/P': statements '10,")
    assert "is more than IAM allows for all inline policies of one role together: 10,240" in str(caught.value)


def test_a_guarded_profile_leaves_cdk_nag_and_cfn_lint_nothing_to_report(tmp_path: Path) -> None:
    from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

    from constructs_lib.cdk.linters import lint_templates

    application = App(context=library_context(), outdir=str(tmp_path))
    stack = Stack(application, "Guarded")
    read = iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::assets/report.csv"])
    Ec2AccessProfile(
        stack,
        "Web",
        instance_profile_name="web",
        statements=[read],
        credential_guard=CredentialGuard(imdsv2_only=True),
    )
    packs = [AwsSolutionsChecks(application), NIST80053R5Checks(application)]
    assert [v.rule_name for pack in packs for v in pack.validate_scope(application).violations] == []
    application.synth()
    assert lint_templates([str(tmp_path / "Guarded.template.json")]) == []


@pytest.mark.emulator
def test_the_guard_deploys_with_the_real_cli_and_iam_holds_it(
    bootstrapped_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Deployed to the local emulator with the real CDK CLI; the role's policy, read back from IAM, is
    the guard, and the evaluator on that document denies a call from another VPC."""
    emulator = bootstrapped_emulator
    outdir = tmp_path_factory.mktemp("guard.out")
    application = App(context=cli_context(), outdir=str(outdir))
    stack = Stack(application, "Ec2Access-Guarded")
    Ec2AccessProfile(
        stack,
        "Guarded",
        instance_profile_name="guarded",
        path="/ec2/",
        tags={"Environment": "Production"},
        statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::assets/*"])],
        credential_guard=CredentialGuard(imdsv2_only=True),
    )
    application.synth()
    deploy = emulator.cdk(*DEPLOY[:1], "--app", str(outdir), *DEPLOY[1:])
    assert deploy.returncode == 0, deploy.stderr[-2000:]
    client = emulator.client("iam")
    try:
        document = client.get_role_policy(RoleName="guarded", PolicyName="Permissions")["PolicyDocument"]
    finally:
        emulator.cdk("destroy", "--app", str(outdir), "--all", "--force")
    assert [s.get("Sid") for s in document["Statement"][1:]] == list(SIDS)
    assert keys_written(document["Statement"][1:]) == set(CONDITION_KEYS)
    profile = Profile("guarded", (Policy("Permissions", "inline", document),))
    off_vpc = {**ON_INSTANCE, "aws:SourceVpc": ("vpc-2",)}
    request = Request("s3:GetObject", "arn:aws:s3:::assets/k", off_vpc, closed=True)
    assert evaluate(profile, request).outcome == "denied"
    on_instance = Request("s3:GetObject", "arn:aws:s3:::assets/k", ON_INSTANCE, closed=True)
    assert evaluate(profile, on_instance).outcome == "allowed"
