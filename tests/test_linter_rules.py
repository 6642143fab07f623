"""The cdk-nag rules the checker reproduces, one by one (pure: no Node.js).

``test_linter_agreement.py`` runs cdk-nag itself over a corpus and shows the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from textwrap import dedent

import pytest

from constructs_lib import AppSettings, BroadAccess, ProfileSpec, check_profile
from constructs_lib.catalog import load_catalog
from constructs_lib.core.checker import MINIMIZE_POLICIES_CONTEXT
from constructs_lib.core.credential_guard import CredentialGuard
from constructs_lib.core.limits import rendered
from constructs_lib.core.linter_rules import (
    ADMIN_PATTERNS,
    DENIED_SERVICES,
    LINTER_RULES,
    NIST_ADMIN_ACCESS_PATTERN,
    NIST_FULL_ACCESS_PATTERN,
    NOT_ACTIONS,
    WILDCARDS,
    acknowledgments_for,
    catalogue_key,
    linter_findings,
    role_policies,
    rule_for,
)
from constructs_lib.core.rules import BY_ID

BUCKET = "arn:aws:s3:::results-bucket"
OBJECTS = f"{BUCKET}/*"


def spec(*statements: Mapping[str, object], acknowledge: Sequence[BroadAccess] = ()) -> ProfileSpec:
    return ProfileSpec(
        instance_profile_name="P", statements=tuple(statements), acknowledge=tuple(acknowledge)
    )


def allow(actions: object, resources: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def deny(actions: object, resources: object) -> dict[str, object]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources}


def found(profile: ProfileSpec) -> list[tuple[str, object, tuple[str | int, ...]]]:
    return [(f.rule_id, f.value, f.pointer) for f in linter_findings(profile)]


def test_the_issue_s_case_a_wildcard_object_arn_is_found_at_its_statement() -> None:
    assert found(spec(allow(["s3:GetObject"], [OBJECTS]))) == [("EAP043", OBJECTS, ("statements", 0))]


def test_every_wildcard_of_an_allow_is_found_once_and_denies_are_not() -> None:
    profile = spec(
        allow(["s3:GetObject"], [BUCKET + "/a"]),
        allow(["s3:Get*", "s3:List*", "s3:Get*"], [BUCKET, OBJECTS]),
        deny(["s3:Put*"], [OBJECTS]),
    )
    assert found(profile) == [
        ("EAP043", "s3:Get*", ("statements", 1)),
        ("EAP043", "s3:List*", ("statements", 1)),
        ("EAP043", OBJECTS, ("statements", 1)),
    ]


def test_an_acknowledged_wildcard_passes_and_only_that_one() -> None:
    profile = spec(
        allow(["s3:Get*"], [OBJECTS]),
        acknowledge=[BroadAccess.resource(OBJECTS, reason="every result object is read")],
    )
    assert found(profile) == [("EAP043", "s3:Get*", ("statements", 0))]


def test_the_wildcards_eap042_refuses_are_left_to_it() -> None:
    findings = check_profile(spec(allow(["s3:*"], ["*"])), linters=True)
    assert [f.rule_id for f in findings] == ["EAP042", "EAP042"]


def test_the_construct_does_not_apply_them_the_catalogue_does() -> None:
    profile = spec(allow(["s3:GetObject"], [OBJECTS]))
    assert check_profile(profile) == []
    assert [f.rule_id for f in check_profile(profile, linters=True)] == ["EAP043"]


def test_an_allow_with_not_actions_is_refused_a_deny_with_them_is_not() -> None:
    allowed = {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": [BUCKET]}
    denied = {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": [BUCKET]}
    acknowledged = [BroadAccess.action("*", reason="everything but IAM, on purpose")]
    assert found(spec(allowed, acknowledge=acknowledged)) == [("EAP044", ["iam:*"], ("statements", 0))]
    assert found(spec(denied)) == []


@pytest.mark.parametrize("action", ["s3:*", "*", "ec2:*"])
def test_a_deny_of_a_service_before_an_allow_reads_as_full_access(action: str) -> None:
    before = spec(deny(action, [BUCKET]), allow("s3:ListBucket", [BUCKET]))
    after = spec(allow("s3:ListBucket", [BUCKET]), deny(action, [BUCKET]))
    assert found(before) == [("EAP045", action, ("statements", 0))]
    assert found(after) == []
    acknowledged = spec(
        deny(action, [BUCKET]),
        allow("s3:ListBucket", [BUCKET]),
        acknowledge=[BroadAccess.action(action, reason="the deny is a guard rail on purpose")],
    )
    assert found(acknowledged) == []


def test_cdk_nag_s_service_pattern_has_no_hyphen() -> None:
    """``\\w+:\\*`` is cdk-nag's pattern: ``resource-groups:*`` is no match for it."""
    assert found(spec(deny("resource-groups:*", [BUCKET]), allow("s3:ListBucket", [BUCKET]))) == []


def test_action_star_on_an_arn_ending_in_star_reads_as_admin_access() -> None:
    acknowledged = [
        BroadAccess.action("*", reason="any action on this bucket's objects"),
        BroadAccess.resource(OBJECTS, reason="any object of the results bucket"),
    ]
    assert found(spec(allow("*", [OBJECTS]), acknowledge=acknowledged)) == [
        ("EAP046", "*", ("statements", 0))
    ]
    both = [*acknowledged, BroadAccess.resource("*", reason="as cdk-nag reads the ARN")]
    assert found(spec(allow("*", [OBJECTS]), acknowledge=both)) == []
    partition = "arn:${AWS::Partition}:s3:::results-bucket/*"
    with_partition = [acknowledged[0], BroadAccess.resource(partition, reason="any object of the bucket")]
    assert found(spec(allow("*", [partition]), acknowledge=with_partition)) == []
    assert found(spec(allow("*", [BUCKET]), acknowledge=acknowledged[:1])) == []


@pytest.mark.parametrize(
    ("nag_finding", "rule", "acknowledgments"),
    [
        ("AwsSolutions-IAM5[Action::s3:Get*]", WILDCARDS, (("action", "s3:Get*"),)),
        (
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::b/*]",
            WILDCARDS,
            (("resource", "arn:${AWS::Partition}:s3:::b/*"),),
        ),
        ("AwsSolutions-IAM5", NOT_ACTIONS, None),
        (
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/X]",
            None,
            (("managed_policy", "service-role/X"),),
        ),
        ("NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess", DENIED_SERVICES, (("action", "SERVICE:*"),)),
        (
            "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
            ADMIN_PATTERNS,
            (("action", "*"), ("resource", "*")),
        ),
        ("AwsSolutions-L1", None, None),
    ],
)
def test_a_cdk_nag_finding_maps_to_its_rule_and_acknowledgment(
    nag_finding: str, rule: object, acknowledgments: object
) -> None:
    assert rule_for(nag_finding) is rule
    assert acknowledgments_for(nag_finding) == acknowledgments


def test_every_linter_rule_is_in_the_rule_table() -> None:
    for rule in LINTER_RULES:
        assert rule.reproduces in BY_ID[rule.id].title


@pytest.mark.parametrize(
    ("resource_type", "location", "key"),
    [
        ("AWS::IAM::Role", ["Properties", "Path"], "path"),
        ("AWS::IAM::Role", ["Properties", "Policies", "0", "PolicyDocument"], "statements"),
        ("AWS::IAM::InstanceProfile", ["Properties", "InstanceProfileName"], "name"),
        ("AWS::IAM::Role", ["Properties", "AssumeRolePolicyDocument"], None),
        ("AWS::IAM::Role", ["Metadata"], None),
    ],
)
def test_a_template_location_names_its_catalogue_key(
    resource_type: str, location: list[str], key: str | None
) -> None:
    assert catalogue_key(resource_type, location) == key


def test_with_minimize_policies_an_allow_merged_before_the_deny_no_longer_follows_it() -> None:
    """aws-cdk-lib merges the two Allows of ``s3:GetObject`` into the first one's place."""
    profile = spec(
        allow("s3:GetObject", [f"{BUCKET}/a"]),
        deny("s3:*", [BUCKET]),
        allow("s3:GetObject", [f"{BUCKET}/b"]),
    )
    assert found(profile) == [("EAP045", "s3:*", ("statements", 1))]
    assert linter_findings(profile, merged=True) == []
    settings = AppSettings.from_context({MINIMIZE_POLICIES_CONTEXT: True})
    assert check_profile(profile, settings=settings, linters=True) == []


def test_statements_merge_as_aws_cdk_lib_merges_them() -> None:
    statements = [
        allow("s3:GetObject", [f"{BUCKET}/b"]),
        allow("s3:GetObject", [f"{BUCKET}/a"]),
        allow(["s3:ListBucket"], [BUCKET]),
        allow(["s3:GetBucketLocation"], [BUCKET]),
        {**allow("s3:PutObject", [f"{BUCKET}/a"]), "Sid": "Put"},
        {**allow("s3:DeleteObject", [f"{BUCKET}/a"]), "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        deny("s3:DeleteObject", [f"{BUCKET}/a"]),
    ]
    merged = rendered(statements, merged=True)
    assert [
        (part.statement.get("Action"), part.statement.get("Resource"), part.origins) for part in merged
    ] == [
        (["s3:GetObject"], [f"{BUCKET}/a", f"{BUCKET}/b"], (0, 1)),
        (["s3:GetBucketLocation", "s3:ListBucket"], [BUCKET], (2, 3)),
        ("s3:PutObject", [f"{BUCKET}/a"], (4,)),
        ("s3:DeleteObject", [f"{BUCKET}/a"], (5,)),
        ("s3:DeleteObject", [f"{BUCKET}/a"], (6,)),
    ]
    assert [part.origins for part in rendered(statements, merged=False)] == [(i,) for i in range(7)]


# -- cdk-nag's NIST patterns read the inline policy's JSON, not its statements ---------------------

CATALOGUES = {
    "action-star-then-a-later-wildcard": (
        """
        - name: admin-span
          statements:
            - actions: ["*"]
              resources: ["arn:aws:s3:::bucket/key"]
            - actions: ["ec2:Describe*"]
              resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"]
          acknowledge:
            - {action: "*", reason: "testing admin span pattern"}
            - {action: "ec2:Describe*", reason: "testing admin span pattern"}
        """,
        [("EAP046", "*", 4)],
    ),
    "the-credential-guards-not-actions": (
        """
        - name: guard
          credential_guard: true
          statements:
            - actions: ["*"]
              resources: ["arn:aws:s3:::bucket/key"]
          acknowledge:
            - {action: "*", reason: "testing admin span pattern"}
        """,
        [("EAP046", "*", 5)],
    ),
    "a-policy-variable": (
        """
        - name: policy-variable
          statements:
            - actions: ["*"]
              resources: ["arn:aws:s3:::bucket/${aws:username}/*"]
          acknowledge:
            - {action: "*", reason: "testing admin span pattern"}
            - {resource: "arn:aws:s3:::bucket/${aws:username}/*", reason: "testing admin span pattern"}
        """,
        [("EAP046", "*", 4)],
    ),
    "a-condition-value": (
        """
        - name: condition
          statements:
            - actions: ["ec2:CreateTags"]
              resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"]
              conditions:
                "ForAllValues:StringLike": {"aws:TagKeys": ["team:*", "env:*", "app:*"]}
        """,
        [("EAP045", "env:*", 4)],
    ),
    "a-condition-value-of-star": (
        """
        - name: condition-star
          statements:
            - actions: ["s3:GetObject"]
              resources: ["arn:aws:s3:::bucket/*"]
              conditions:
                StringLike: {"s3:ExistingObjectTag/team": ["web", "*", "ops"]}
          acknowledge:
            - {resource: "arn:aws:s3:::bucket/*", reason: "every object of the team bucket"}
        """,
        [("EAP045", "*", 4), ("EAP046", "*", 4)],
    ),
    "a-resource-list-sorted-as-synth-sorts-it": (
        """
        - name: resource-list
          statements:
            - effect: Deny
              actions: ["s3:DeleteBucket"]
              resources: ["arn:aws:s3:::a", "*", "arn:aws:s3:::c"]
            - actions: ["s3:GetObject"]
              resources: ["arn:aws:s3:::a/key"]
        """,
        [],
    ),
    "a-deny-merged-after-the-allows": (
        """
        - name: merge-order
          statements:
            - actions: ["s3:GetObject"]
              resources: ["arn:aws:s3:::a/k"]
            - effect: Deny
              actions: ["s3:*"]
              resources: ["arn:aws:s3:::secret"]
            - actions: ["s3:PutObject"]
              resources: ["arn:aws:s3:::a/k"]
        """,
        [],
    ),
}
"""Catalogues ``check`` passed and synth refused (cdk-nag 3.0.2, ``minimizePolicies`` on), each with
what check refuses now and the line of the profile's statement it names; the last two synth passes."""


@pytest.mark.parametrize("case", sorted(CATALOGUES))
def test_check_refuses_what_cdk_nag_s_nist_patterns_read_at_a_line(tmp_path: Path, case: str) -> None:
    profiles, expected = CATALOGUES[case]
    path = tmp_path / "catalog.yaml"
    path.write_text("profiles:" + dedent(profiles).replace("\n", "\n  "))
    settings = AppSettings.from_context({MINIMIZE_POLICIES_CONTEXT: True, "required-tags": []})
    catalog = load_catalog(path, settings=settings)
    refused = [
        (f.rule_id, f.value, int(str(f.location).split(":")[-2]))
        for f in catalog.errors
        if f.rule_id in ("EAP045", "EAP046")
    ]
    assert refused == expected
    assert [f.rule_id for f in catalog.errors if f.rule_id not in ("EAP045", "EAP046")] == []


def test_the_text_cdk_nag_reads_is_the_role_s_policies_as_stringify_writes_them() -> None:
    profile = spec(allow(["s3:GetObject"], ["arn:${AWS::Partition}:s3:::b/é"]))
    policies = role_policies(profile, merged=False)
    assert policies is not None
    assert policies.text == (
        '[{"PolicyDocument":{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":'
        '{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::b/é"]]}}],"Version":"2012-10-17"},'
        '"PolicyName":"Permissions"}]'
    )


def test_the_credential_guard_s_statements_follow_the_profile_s_in_the_text() -> None:
    profile = ProfileSpec(
        instance_profile_name="P",
        statements=(allow("s3:GetObject", ["arn:aws:s3:::b"]),),
        credential_guard=CredentialGuard(),
    )
    policies = role_policies(profile, merged=False)
    assert policies is not None
    assert [policies.origin(start) for start in policies.starts] == [0, 1, 2]
    assert '"NotAction":["es:ES*"' in policies.text[policies.starts[1] :]


@pytest.mark.parametrize(
    ("text", "full", "admin"),
    [
        ('"Action":"s3:*","Effect":"Allow"', True, False),
        ('"Action":"resource-groups:*","Effect":"Allow"', False, False),
        ('"Action":"é:*","Effect":"Allow"', False, False),
        ('"Action":"*","Effect":"Allow","Resource":"arn:aws:s3:::b/*"', True, True),
        ('"Action":"*","Effect":"Allow","Resource":"arn:aws:s3:::b/k"', True, False),
        ('"Action":["x:Y",\u2028"s3:*"],"Effect":"Allow"', False, False),
        ('"Action":["x:Y","s3:*"],"Effect":"Allow"', True, False),
    ],
)
def test_the_patterns_read_as_javascript_reads_them(text: str, full: bool, admin: bool) -> None:
    """JavaScript's ``\\w`` is ASCII, and its ``.`` stops at U+2028 as at a newline."""
    assert (bool(NIST_FULL_ACCESS_PATTERN.search(text)), bool(NIST_ADMIN_ACCESS_PATTERN.search(text))) == (
        full,
        admin,
    )
