"""The checker and synth measure a profile's inline policy alike: refused at 10,241 characters, not at 10,240.

Each case is a profile whose inline policy, as the checker measures it (``limits.inline_policy``),
is exactly IAM's limit or one character over, padded by one statement that merges with none. Its
statements are what changes the measure: an action given twice, a list of one, an empty condition,
a statement given twice, statements aws-cdk-lib merges (``@aws-cdk/aws-iam:minimizePolicies``, on
in one Stage and off in the other) and those it never merges (with a Sid),
pseudo-parameters (written as ``Fn::Join`` of ``Ref``), the credential guard's statements. Built
through both front doors (``from_spec`` as a catalogue builds, and the constructor's props), the
profile at the limit synthesizes and its template's policy is exactly the checker's size; the
profile over it is refused by the construct with the checker's finding, and, with the checker's
measure taken out, by the synth guardrail (EAP060) with the same size. One synth per side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aws_cdk import App, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import Ec2AccessProfile, ProfileSpec, ProfileValidationError
from constructs_lib.core import checker, limits
from constructs_lib.core.checker import MINIMIZE_POLICIES_CONTEXT, AppSettings, check_profile
from constructs_lib.core.credential_guard import CredentialGuard
from tests.conftest import library_context
from tests.guardrail_helpers import synth_errors

LIMIT = limits.INLINE_POLICIES_MAX_CHARACTERS
OBJECTS = "arn:aws:s3:::assets"


def allow(action: str | list[str], resource: str | list[str], **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


MIXES: dict[str, tuple[list[dict[str, Any]], CredentialGuard | None]] = {
    "plain": (
        [
            allow(["s3:GetObject", "s3:GetObject"], [f"{OBJECTS}/a"]),
            allow("s3:PutObject", f"{OBJECTS}/b", Condition={}),
            allow("s3:PutObject", f"{OBJECTS}/b", Condition={}),
        ],
        None,
    ),
    "merging": (
        [
            allow("s3:GetObject", f"{OBJECTS}/a"),
            allow("s3:GetObject", f"{OBJECTS}/b"),
            allow("s3:DeleteObject", [f"{OBJECTS}/a", f"{OBJECTS}/b"]),
            allow("s3:PutObject", f"{OBJECTS}/c", Sid="Named"),
            allow("s3:PutObject", f"{OBJECTS}/d", Sid="Other"),
            allow("s3:PutObject", f"{OBJECTS}/f"),
        ],
        None,
    ),
    "pseudo-parameters": (
        [
            allow("s3:GetObject", "arn:${AWS::Partition}:s3:::assets-${AWS::AccountId}/*"),
            allow(
                "s3:PutObject",
                "arn:aws:s3:::${AWS::Region}${AWS::AccountId}/k",
                Condition={"StringEquals": {"aws:RequestedRegion": "${AWS::Region}"}},
            ),
        ],
        None,
    ),
    "guard": ([allow("s3:GetObject", f"{OBJECTS}/a")], CredentialGuard(imdsv2_only=True)),
}


def padding(length: int) -> dict[str, Any]:
    """A statement aws-cdk-lib merges with no other (its condition is its own), ``length`` longer."""
    condition = {"StringEquals": {"aws:SourceVpc": "vpc-0padding"}}
    return allow("s3:PutObject", f"{OBJECTS}/pad/{'k' * length}", Condition=condition)


@dataclass(frozen=True)
class Case:
    mix: str
    merged: bool
    size: int

    @property
    def name(self) -> str:
        return f"{self.mix}-{'merged' if self.merged else 'unmerged'}-{self.size}"

    def spec(self) -> ProfileSpec:
        statements, guard = MIXES[self.mix]
        measured = measure([*statements, padding(0)], guard, self.merged)
        return ProfileSpec(
            instance_profile_name=self.name,
            statements=(*statements, padding(self.size - measured)),
            credential_guard=guard,
            tags={"Environment": "Test"},
        )


def measure(statements: Sequence[Mapping[str, Any]], guard: CredentialGuard | None, merged: bool) -> int:
    every = [*statements, *(guard.statements() if guard else [])]
    document = limits.inline_policy(every, merged=merged)
    assert document is not None
    return limits.policy_size(document)


CASES = [Case(mix, merged, size) for mix in MIXES for merged in (True, False) for size in (LIMIT, LIMIT + 1)]


def settings_for(merged: bool) -> AppSettings:
    return AppSettings.from_context({**library_context(), MINIMIZE_POLICIES_CONTEXT: merged})


def stages(app: App) -> dict[bool, Stack]:
    found = {}
    for merged in (True, False):
        stage = Stage(app, "Merged" if merged else "Unmerged")
        stage.node.set_context(MINIMIZE_POLICIES_CONTEXT, merged)
        found[merged] = Stack(stage, "Profiles")
    return found


def by_props(stack: Stack, spec: ProfileSpec) -> Ec2AccessProfile:
    """The spec's profile built from the constructor's props: statements as ``iam.PolicyStatement``."""
    return Ec2AccessProfile(
        stack,
        f"{spec.instance_profile_name}-props",
        instance_profile_name=f"{spec.instance_profile_name}-props",
        statements=[iam.PolicyStatement.from_json(statement) for statement in spec.statements],
        credential_guard=spec.credential_guard,
        tags=dict(spec.tags),  # type: ignore[arg-type]
    )


def test_the_checker_refuses_exactly_over_the_limit_with_the_size() -> None:
    for case in CASES:
        spec = case.spec()
        assert measure(list(spec.statements), spec.credential_guard, case.merged) == case.size
        findings = check_profile(spec, settings=settings_for(case.merged))
        if case.size <= LIMIT:
            assert findings == [], case
        else:
            (finding,) = findings
            assert (finding.rule_id, finding.value, finding.pointer) == (
                "EAP060",
                f"{case.size:,} characters",
                ("statements",),
            )


def test_at_the_limit_both_front_doors_build_and_the_template_is_the_checkers_size() -> None:
    app = App(context=library_context())
    stacks = stages(app)
    built = []
    for case in CASES:
        if case.size > LIMIT:
            continue
        spec = case.spec()
        built.append((case, Ec2AccessProfile.from_spec(stacks[case.merged], case.name, spec)))
        if "${" not in str(spec.statements):  # props' pseudo-parameters would be CDK's tokens
            built.append((case, by_props(stacks[case.merged], spec)))
    templates = {merged: Template.from_stack(stack).to_json() for merged, stack in stacks.items()}
    for case, profile in built:
        role = templates[case.merged]["Resources"][stacks[case.merged].get_logical_id(profile.cfn_role)]
        (policy,) = role["Properties"]["Policies"]
        assert limits.policy_size(policy["PolicyDocument"]) == case.size, case


def test_over_the_limit_the_construct_refuses_with_the_checkers_finding() -> None:
    app = App(context=library_context())
    stacks = stages(app)
    for case in CASES:
        if case.size <= LIMIT:
            continue
        spec = case.spec()
        with pytest.raises(ProfileValidationError) as caught:
            Ec2AccessProfile.from_spec(stacks[case.merged], case.name, replace(spec))
        (finding,) = caught.value.findings
        assert (finding.rule_id, finding.value) == ("EAP060", f"{case.size:,} characters"), case


def test_over_the_limit_synth_refuses_at_the_same_size_without_the_checkers_measure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checker, "inline_policy_findings", lambda spec, settings: [])
    app = App(context=library_context())
    stacks = stages(app)
    expected = []
    for case in CASES:
        if case.size <= LIMIT:
            continue
        spec = replace(case.spec())
        Ec2AccessProfile.from_spec(stacks[case.merged], case.name, spec)
        expected.append(f"{case.name}': inline policies '{case.size:,} characters'")
        if "${" not in str(spec.statements):
            by_props(stacks[case.merged], spec)
            expected.append(f"{case.name}-props': inline policies '{case.size:,} characters'")
    errors = synth_errors(stacks[True]) + synth_errors(stacks[False])
    for each in expected:
        assert [error for error in errors if each in error], each
    assert len(errors) == len(expected)
