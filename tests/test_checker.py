"""The checker: every rule over a ``ProfileSpec``, every problem at once, each with its rule ID (pure).

Nothing here imports aws-cdk-lib: the checker is plain data in, findings out.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib.core import checker
from constructs_lib.core.checker import (
    AppSettings,
    acknowledgment_findings,
    check_profile,
    plan_managed_policies,
    tag_findings,
)
from constructs_lib.core.credential_guard import CredentialGuard, Exemption
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import BroadAccess
from constructs_lib.core.presets import BATCH, ECS, EKS_NODE, SSM
from constructs_lib.core.rules import BY_ID, RULES
from constructs_lib.core.spec import DeployTime, ProfileSpec, Text
from constructs_lib.core.validation import TAGS_MAX, check_tag_key, check_tag_value

REASON = "The agent manages every queue of its own account"
PATH_RULE = (
    "is not an IAM path: it must be '/' or begin and end with '/' around printable ASCII characters "
    "without spaces, e.g. '/ec2/'"
)
PRESET_NAMES = "ssm, cloudwatch-agent, ecs, batch, eks-node, eks-cni"
REQUIRED_TAGS = "context 'ec2-access-profile:requiredTags'"
ELEVEN_POLICIES = tuple(f"Policy{i}" for i in range(11))
TOKEN = DeployTime("${Token[TOKEN.1]}", "${Token[TOKEN.1]}")
"""Shown as a token's string: every name, path and tag rule would refuse its characters."""


def read(resource: str, sid: str | None = None, **more: Any) -> dict[str, Any]:
    """An Allow of s3:GetObject on ``resource``, with its Sid when given."""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource, **more}
    return statement if sid is None else {"Sid": sid, **statement}


UNMERGEABLE = tuple(
    read(f"arn:aws:s3:::bucket/key{i}", Condition={"StringEquals": {"aws:SourceVpc": f"vpc-{i:08}"}})
    for i in range(120)
)
"""120 statements no two of which aws-cdk-lib merges (each has its own condition): 17,328 characters."""


def test_a_clean_spec_has_no_findings() -> None:
    spec = ProfileSpec(
        instance_profile_name="web-server",
        path="/ec2/",
        description="Web servers of the shop",
        presets=("ssm", "cloudwatch-agent"),
        managed_policies=("AmazonS3ReadOnlyAccess", "arn:aws:iam::123456789012:policy/team/Reader"),
        statements=(
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:eu-west-1:123456789012:jobs"},
        ),
        permissions_boundary="arn:aws:iam::123456789012:policy/Boundary",
        max_session_seconds=7200,
        tags={"Environment": "Production", "Team": "Web"},
        acknowledge=(BroadAccess.action("sqs:*", reason=REASON),),
        managed_policy_quota=12,
    )
    settings = AppSettings(managed_policy_quota=11, required_tags=["Environment"])
    assert check_profile(spec, settings=settings, tags_complete=True) == []
    assert check_profile(ProfileSpec()) == []


# ---------------------------------------------------------------------------------------------------
# One finding per rule
# ---------------------------------------------------------------------------------------------------

CASES = [
    pytest.param(
        {"instance_profile_name": "web server", "role_name": "web"},
        AppSettings(),
        ("EAP001", "instance_profile_name", "web server", ("instance_profile_name",)),
        "contains ' '; IAM allows only letters A-Z and a-z, digits and +=,.@_-",
        id="EAP001",
    ),
    pytest.param(
        {"role_name": "r" * 65},
        AppSettings(),
        ("EAP002", "role_name", "r" * 65, ("role_name",)),
        "is 65 characters; IAM allows 1 to 64",
        id="EAP002",
    ),
    pytest.param(
        {"path": "ec2"},
        AppSettings(),
        ("EAP003", "path", "ec2", ("path",)),
        "must be '/' or begin and end with '/'",
        id="EAP003",
    ),
    pytest.param(
        {"description": "snow ☃"},
        AppSettings(),
        ("EAP004", "description", "snow ☃", ("description",)),
        "contains '☃'; IAM allows printable Latin-1 characters",
        id="EAP004",
    ),
    pytest.param(
        {"max_session_seconds": 46800},
        AppSettings(),
        ("EAP005", "max_session_duration", 46800, ("max_session_seconds",)),
        "is 46800 seconds; IAM allows 1 to 12 hours",
        id="EAP005",
    ),
    pytest.param(
        {"max_session_seconds": 3600.5},
        AppSettings(),
        ("EAP005", "max_session_duration", 3600.5, ("max_session_seconds",)),
        "is not a whole number of seconds",
        id="EAP005-fraction",
    ),
    pytest.param(
        {
            "statements": (
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:${AWS::Partiton}:s3:::a"},
            )
        },
        AppSettings(),
        ("EAP009", "statements", "arn:${AWS::Partiton}:s3:::a", ("statements", 0)),
        "names ${AWS::Partiton}, which is no pseudo-parameter",
        id="EAP009",
    ),
    pytest.param(
        {"tags": {f"k{i}": "v" for i in range(51)}},
        AppSettings(),
        ("EAP010", "tags", "51 tags", ("tags",)),
        "has 51 tags; IAM allows at most 50",
        id="EAP010",
    ),
    pytest.param(
        {"tags": {"aws:owner": "me"}},
        AppSettings(),
        ("EAP011", "tag key", "aws:owner", ("tags", "aws:owner")),
        "starts with 'aws:', which AWS reserves",
        id="EAP011",
    ),
    pytest.param(
        {"tags": {"Team": "a&b"}},
        AppSettings(),
        ("EAP012", "tags['Team']", "a&b", ("tags", "Team")),
        "contains '&'; IAM allows only letters, digits, spaces and _.:/=+-@",
        id="EAP012",
    ),
    pytest.param(
        {"tags": {"Env": "a", "env": "b"}},
        AppSettings(),
        ("EAP013", "tag key", "env", ("tags", "env")),
        "equals 'Env' ignoring case",
        id="EAP013",
    ),
    pytest.param(
        {"tags": {"Team": "Web"}},
        AppSettings(required_tags=["Environment", "Team", "Owner"]),
        ("EAP014", "tags", "Environment, Owner", ("tags",)),
        "are required on every profile by the context key 'ec2-access-profile:requiredTags' "
        "(Environment, Team, Owner) but missing",
        id="EAP014",
    ),
    pytest.param(
        {"managed_policies": ("arn:aws:s3:::bucket",)},
        AppSettings(),
        ("EAP020", "managed_policies", "arn:aws:s3:::bucket", ("managed_policies", 0)),
        "is not a managed-policy ARN",
        id="EAP020",
    ),
    pytest.param(
        {"managed_policies": ("AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")},
        AppSettings(),
        (
            "EAP021",
            "managed_policies",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            ("managed_policies", 1),
        ),
        "is already attached to this profile; give each managed policy once",
        id="EAP021",
    ),
    pytest.param(
        {"managed_policies": ELEVEN_POLICIES},
        AppSettings(),
        ("EAP022", "managed_policies", "11 policies", ("managed_policies",)),
        "is more than IAM allows one role: 10 managed policies",
        id="EAP022",
    ),
    pytest.param(
        {"managed_policy_quota": 25},
        AppSettings(),
        ("EAP023", "managed_policy_quota", 25, ("managed_policy_quota",)),
        "is outside IAM's range for this quota: 10 (the default) to 20",
        id="EAP023",
    ),
    pytest.param(
        {},
        AppSettings(managed_policy_quota="11"),
        ("EAP023", "context 'ec2-access-profile:managedPolicyQuota'", "11", ("context",)),
        "is not a whole number",
        id="EAP023-context",
    ),
    pytest.param(
        {"managed_policies": ("AdministratorAccess",)},
        AppSettings(),
        ("EAP024", "managed_policies", "AdministratorAccess", ("managed_policies", 0)),
        "grants administrator-level access",
        id="EAP024",
    ),
    pytest.param(
        {"presets": ("ssm", "zzz")},
        AppSettings(),
        ("EAP025", "presets", "zzz", ("presets", 1)),
        f"is not a preset; presets are {PRESET_NAMES}",
        id="EAP025",
    ),
    pytest.param(
        {"permissions_boundary": "Boundary"},
        AppSettings(),
        ("EAP030", "permissions_boundary", "Boundary", ("permissions_boundary",)),
        "is not a managed-policy ARN",
        id="EAP030",
    ),
    pytest.param(
        {"statements": ({"Effect": "Allow", "Action": "s3:GetObject"},)},
        AppSettings(),
        ("EAP040", "statements", {"Effect": "Allow", "Action": "s3:GetObject"}, ("statements", 0)),
        "is not a valid identity-policy statement: A PolicyStatement used in an identity-based policy "
        "must specify at least one resource.",
        id="EAP040",
    ),
    pytest.param(
        {"statements": ({"Effect": "Allow", "Action": "s3 GetObject", "Resource": "arn:aws:s3:::b"},)},
        AppSettings(),
        ("EAP041", "statements", "s3 GetObject", ("statements", 0)),
        "is not an action",
        id="EAP041",
    ),
    pytest.param(
        {
            "statements": (
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"},
            )
        },
        AppSettings(),
        ("EAP042", "statements", "s3:*", ("statements", 1)),
        "allows every action of s3; list exactly what is needed, or acknowledge it with "
        "BroadAccess.action('s3:*', reason='why it is needed')",
        id="EAP042",
    ),
    pytest.param(
        {"acknowledge": (BroadAccess.action("s3:*", reason="because"),)},
        AppSettings(),
        ("EAP050", "acknowledge (action)", "s3:*", ("acknowledge", 0)),
        "has a reason of 7 characters; give at least 10",
        id="EAP050",
    ),
    pytest.param(
        {
            "acknowledge": (
                BroadAccess.action("s3:*", reason=REASON),
                BroadAccess.action("s3:*", reason=REASON),
            )
        },
        AppSettings(),
        ("EAP051", "acknowledge (action)", "s3:*", ("acknowledge", 1)),
        "is acknowledged twice",
        id="EAP051",
    ),
    pytest.param(
        {"credential_guard": CredentialGuard(exempt=(Exemption("ssm:GetParameter", reason="short"),))},
        AppSettings(),
        ("EAP090", "credential_guard.exempt", "ssm:GetParameter", ("credential_guard", "exempt", 0)),
        "has a reason of 5 characters",
        id="EAP090",
    ),
    pytest.param(
        {"statements": ({"Effect": "Allow", "Action": "s4:GetObject", "Resource": "arn:aws:s3:::b/*"},)},
        AppSettings(),
        ("EAP080", "statements", "s4:GetObject", ("statements", 0)),
        "names service 's4', which IAM does not have; did you mean 's3:GetObject'?",
        id="EAP080",
    ),
    pytest.param(
        {"statements": ({"Effect": "Allow", "Action": "s3:GetObjetc", "Resource": "arn:aws:s3:::b/*"},)},
        AppSettings(),
        ("EAP081", "statements", "s3:GetObjetc", ("statements", 0)),
        "is not an action of s3; did you mean 's3:GetObject'? if AWS added it after 20",
        id="EAP081",
    ),
    pytest.param(
        {"statements": ({"Effect": "Allow", "Action": "s3:Fetch*", "Resource": "arn:aws:s3:::b/*"},)},
        AppSettings(),
        ("EAP082", "statements", "s3:Fetch*", ("statements", 0)),
        "matches no action of s3; if AWS added it after",
        id="EAP082",
    ),
    pytest.param(
        {"statements": ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assets"},)},
        AppSettings(),
        ("EAP083", "statements", "s3:GetObject", ("statements", 0)),
        "acts on no resource of the statement (arn:aws:s3:::assets), so it grants nothing; it acts on "
        "accesspointobject: arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/"
        "${ObjectName}; object: arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        id="EAP083",
    ),
    pytest.param(
        {
            "statements": (
                {"Effect": "Allow", "Action": "s3:GetObjectV2", "Resource": "arn:aws:s3:::b"},
                {"Effect": "Allow", "Action": "s3:GetObjetc", "Resource": "arn:aws:s3:::b/*"},
            ),
            "acknowledge": (BroadAccess.unknown_action("s3:GetObjectV2", reason=REASON),),
        },
        AppSettings(),
        ("EAP081", "statements", "s3:GetObjetc", ("statements", 1)),
        "did you mean 's3:GetObject'?",
        id="EAP081-an-acknowledgment-accepts-only-its-action",
    ),
    pytest.param(
        {"acknowledge": (BroadAccess.unknown_action("s3 NewAction", reason=REASON),)},
        AppSettings(),
        ("EAP050", "acknowledge (unknown_action)", "s3 NewAction", ("acknowledge", 0)),
        "is not an action; write it as the statements do, e.g. 's3:NewAction'",
        id="EAP050-unknown-action",
    ),
    pytest.param(
        {"statements": (read("arn:aws:s3:::b/k", sid="read-assets"),)},
        AppSettings(),
        ("EAP047", "sid", "read-assets", ("statements", 0)),
        "contains '-'; IAM allows only letters A-Z and a-z and digits in a Sid",
        id="EAP047-characters",
    ),
    pytest.param(
        {"statements": (read("arn:aws:s3:::b/a", sid="S1"), read("arn:aws:s3:::b/b", sid="S1"))},
        AppSettings(minimize_policies=True),
        ("EAP047", "sid", "S1", ("statements", 1)),
        "is the Sid of statements[0] too; IAM requires each Sid to be unique within a policy",
        id="EAP047-twice",
    ),
    pytest.param(
        {
            "statements": (
                read("arn:aws:s3:::b/a"),
                read("arn:aws:s3:::b/b", sid="CredentialGuardInstanceVpc"),
            ),
            "credential_guard": CredentialGuard(),
        },
        AppSettings(),
        ("EAP047", "sid", "CredentialGuardInstanceVpc", ("statements", 1)),
        "is the Sid of a statement of the credential guard too",
        id="EAP047-the-guards",
    ),
    pytest.param(
        {"statements": UNMERGEABLE},
        AppSettings(minimize_policies=True),
        ("EAP060", "statements", "17,328 characters", ("statements",)),
        "(the inline policy as synth writes it, statements merged, whitespace not counted) is more than "
        "IAM allows for all inline policies of one role together: 10,240 characters without whitespace",
        id="EAP060",
    ),
    pytest.param(
        {},
        AppSettings(required_tags="Environment"),
        ("EAP070", REQUIRED_TAGS, "Environment", ("context",)),
        'is not a list of tag keys, e.g. ["Environment"]',
        id="EAP070",
    ),
    pytest.param(
        {},
        AppSettings(required_tags=["Environment", "aws:owner"]),
        ("EAP070", REQUIRED_TAGS, "aws:owner", ("context",)),
        "starts with 'aws:'",
        id="EAP070-key",
    ),
]


@pytest.mark.parametrize(("props", "app", "expected", "phrase"), CASES)
def test_each_rule_gives_one_finding_with_its_id_field_value_and_pointer(
    props: dict[str, Any], app: AppSettings, expected: tuple[str, str, object, tuple[Any, ...]], phrase: str
) -> None:
    (finding,) = check_profile(ProfileSpec(**props), settings=app, tags_complete=True)
    assert (finding.rule_id, finding.field, finding.value, finding.pointer) == expected
    assert phrase in finding.rule
    assert finding.severity == "error"
    assert finding.profile == ""
    assert finding.location is None


def test_required_tags_are_checked_only_when_the_tags_are_complete() -> None:
    spec = ProfileSpec(tags={"Team": "Web"})
    app = AppSettings(required_tags=["Environment"])
    assert check_profile(spec, settings=app) == []
    assert [f.rule_id for f in check_profile(spec, settings=app, tags_complete=True)] == ["EAP014"]


def test_a_malformed_required_tags_setting_requires_nothing() -> None:
    app = AppSettings(required_tags=["Environment", "aws:owner"])
    assert checker.required_tags(app) == ()
    assert checker.required_tags(AppSettings(required_tags=["Environment"])) == ("Environment",)


def test_the_profiles_quota_wins_over_the_apps() -> None:
    spec = ProfileSpec(managed_policies=ELEVEN_POLICIES)
    assert check_profile(spec, settings=AppSettings(managed_policy_quota=11)) == []
    (finding,) = check_profile(
        replace(spec, managed_policy_quota=10), settings=AppSettings(managed_policy_quota=11)
    )
    assert finding.rule_id == "EAP022"


WARNING_CASES = [
    pytest.param(
        {
            "statements": (
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                    "Condition": {"StringLike": {"s3:prefix": "home/*", "aws:SourceIp": "10.0.0.0/8"}},
                },
            )
        },
        ("EAP084", "statements", "s3:prefix", ("statements", 0)),
        "is neither a global condition key nor a key of s3:GetObject in IAM's reference",
        id="EAP084",
    ),
    pytest.param(
        {"acknowledge": (BroadAccess.unknown_action("s3:GetObject", reason=REASON),)},
        ("EAP085", "acknowledge (unknown_action)", "s3:GetObject", ("acknowledge", 0)),
        "is in IAM's reference now (data of 20",
        id="EAP085",
    ),
]


@pytest.mark.parametrize(("props", "expected", "phrase"), WARNING_CASES)
def test_each_warning_rule_gives_one_warning(
    props: dict[str, Any], expected: tuple[str, str, object, tuple[Any, ...]], phrase: str
) -> None:
    (finding,) = check_profile(ProfileSpec(**props))
    assert (finding.rule_id, finding.field, finding.value, finding.pointer) == expected
    assert phrase in finding.rule
    assert finding.severity == "warning"


def test_the_rule_ids_the_checker_emits_are_the_ones_tested_here_and_all_exist() -> None:
    sources = (Path(checker.__file__), Path(checker.__file__).with_name("statements.py"))
    emitted = {rule for path in sources for rule in re.findall(r'"(EAP\d{3})"', path.read_text())}
    tested = set()
    for case in [*CASES, *WARNING_CASES]:
        expected = case.values[-2]
        assert isinstance(expected, tuple)
        tested.add(expected[0])
    assert emitted == tested
    assert emitted <= set(BY_ID)


def test_every_rule_id_in_the_library_exists_in_the_rule_table() -> None:
    library = Path(checker.__file__).parents[1]
    used = {
        rule_id for path in library.rglob("*.py") for rule_id in re.findall(r'"(EAP\d{3})"', path.read_text())
    }
    assert "EAP031" in used
    assert used <= set(BY_ID)


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) == len(BY_ID)
    assert [rule_id for rule_id in ids if not re.fullmatch(r"EAP\d{3}", rule_id)] == []


# ---------------------------------------------------------------------------------------------------
# Every problem at once
# ---------------------------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once_in_field_order() -> None:
    spec = ProfileSpec(
        tags={"aws:owner": "me"},
        max_session_seconds=60,
        description="snow ☃",
        path="ec2",
        role_name="r" * 65,
    )
    findings = check_profile(spec)
    assert [(f.rule_id, f.field) for f in findings] == [
        ("EAP002", "role_name"),
        ("EAP003", "path"),
        ("EAP004", "description"),
        ("EAP005", "max_session_duration"),
        ("EAP011", "tag key"),
    ]


def test_several_problems_of_one_field_are_all_reported() -> None:
    spec = ProfileSpec(
        tags={"aws:owner": "me", "Team": "a&b", "team": "c"},
        statements=({"Effect": "Allow", "Action": ["s3 GetObject", "ec2:*"], "Resource": "*"},),
    )
    assert [(f.rule_id, f.value) for f in check_profile(spec)] == [
        ("EAP011", "aws:owner"),
        ("EAP012", "a&b"),
        ("EAP013", "team"),
        ("EAP041", "s3 GetObject"),
        ("EAP042", "ec2:*"),
        ("EAP042", "*"),
    ]


def test_profile_names_the_profile_in_every_finding() -> None:
    findings = check_profile(ProfileSpec(path="ec2", tags={"aws:owner": "me"}), profile="Prod/Web")
    assert [f.profile for f in findings] == ["Prod/Web", "Prod/Web"]


# ---------------------------------------------------------------------------------------------------
# Deploy-time values and defaults
# ---------------------------------------------------------------------------------------------------


def test_deploy_time_values_are_never_read() -> None:
    tags: dict[Text, Text] = {TOKEN: "a&b", "Team": TOKEN}
    spec = ProfileSpec(
        instance_profile_name=TOKEN,
        path=TOKEN,
        description=TOKEN,
        managed_policies=(TOKEN,),
        permissions_boundary=TOKEN,
        tags=tags,
    )
    assert check_profile(spec) == []


def test_deploy_time_tags_and_policies_are_counted() -> None:
    tags: dict[Text, Text] = {f"k{i}": "v" for i in range(50)}
    assert check_profile(ProfileSpec(tags=tags)) == []
    tags[TOKEN] = "v"
    assert [(f.rule_id, f.value) for f in check_profile(ProfileSpec(tags=tags))] == [("EAP010", "51 tags")]

    policies = ELEVEN_POLICIES[:10]
    assert check_profile(ProfileSpec(managed_policies=policies)) == []
    findings = check_profile(ProfileSpec(managed_policies=(*policies, TOKEN)))
    assert [(f.rule_id, f.value) for f in findings] == [("EAP022", "11 policies")]


def test_the_same_deploy_time_policy_twice_is_a_duplicate_shown_as_written() -> None:
    again = DeployTime(TOKEN.key, "${Token[TOKEN.2]}")
    (finding,) = check_profile(ProfileSpec(managed_policies=(TOKEN, again)))
    assert (finding.rule_id, finding.value, finding.pointer) == (
        "EAP021",
        "${Token[TOKEN.2]}",
        ("managed_policies", 1),
    )


def test_a_role_name_defaulted_from_the_profile_name_points_at_the_profile_name() -> None:
    (finding,) = check_profile(ProfileSpec(instance_profile_name="p" * 65))
    assert finding == Finding(
        "EAP002",
        "role_name (defaulted from instance_profile_name)",
        "p" * 65,
        "is 65 characters; IAM allows 1 to 64",
        pointer=("instance_profile_name",),
    )
    assert check_profile(ProfileSpec(instance_profile_name="p" * 65, role_name="r")) == []


# ---------------------------------------------------------------------------------------------------
# Presets
# ---------------------------------------------------------------------------------------------------


def test_presets_that_bring_the_same_policy_plan_it_once() -> None:
    plan, findings = plan_managed_policies(("ecs", "batch"), ())
    assert findings == []
    assert [(p.key, p.reference, p.preset, p.index) for p in plan] == [
        (
            "aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
            "service-role/AmazonEC2ContainerServiceforEC2Role",
            ECS,
            None,
        )
    ]
    assert plan[0].aws_managed_name == "service-role/AmazonEC2ContainerServiceforEC2Role"
    assert BATCH.managed_policies == ECS.managed_policies
    assert check_profile(ProfileSpec(presets=("ecs", "batch"))) == []


@pytest.mark.parametrize(
    "explicit",
    [
        "AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ],
)
def test_a_policy_a_preset_brings_is_refused_naming_the_preset(explicit: str) -> None:
    (finding,) = check_profile(
        ProfileSpec(presets=("ssm",), managed_policies=("AmazonS3ReadOnlyAccess", explicit))
    )
    assert (finding.rule_id, finding.field, finding.value, finding.pointer) == (
        "EAP021",
        "managed_policies",
        explicit,
        ("managed_policies", 1),
    )
    assert finding.rule == "is already attached by preset 'ssm'; remove it from managed_policies"


def test_an_unknown_preset_suggests_the_closest() -> None:
    (finding,) = check_profile(ProfileSpec(presets=("eks-nod",)))
    assert (finding.rule_id, finding.value, finding.pointer) == ("EAP025", "eks-nod", ("presets", 0))
    assert finding.rule == f"is not a preset; did you mean 'eks-node'? presets are {PRESET_NAMES}"


def test_preset_policies_count_toward_the_quota() -> None:
    nine = ELEVEN_POLICIES[:9]
    assert check_profile(ProfileSpec(presets=("ssm",), managed_policies=nine)) == []
    (finding,) = check_profile(ProfileSpec(presets=("eks-node",), managed_policies=nine))
    assert (finding.rule_id, finding.value) == ("EAP022", "11 policies")
    assert (
        check_profile(ProfileSpec(presets=("eks-node",), managed_policies=nine, managed_policy_quota=11))
        == []
    )


def test_planned_policies_are_the_presets_in_order_then_managed_policies() -> None:
    plan, findings = plan_managed_policies(("eks-node", "ssm"), ("AmazonS3ReadOnlyAccess",))
    assert findings == []
    assert [(p.reference, p.preset, p.index) for p in plan] == [
        ("AmazonEKSWorkerNodePolicy", EKS_NODE, None),
        ("AmazonEC2ContainerRegistryPullOnly", EKS_NODE, None),
        ("AmazonSSMManagedInstanceCore", SSM, None),
        ("AmazonS3ReadOnlyAccess", None, 0),
    ]


# ---------------------------------------------------------------------------------------------------
# Findings as lines and JSON
# ---------------------------------------------------------------------------------------------------


def test_a_finding_is_one_line_with_location_rule_id_profile_field_value_and_rule() -> None:
    (finding,) = check_profile(ProfileSpec(path="ec2"), profile="web")
    located = replace(finding, location="catalogue.yaml:3:9")
    assert located.line() == f"catalogue.yaml:3:9: EAP003 profile 'web' path: 'ec2' {PATH_RULE}"
    assert finding.line() == f"EAP003 profile 'web' path: 'ec2' {PATH_RULE}"
    assert replace(finding, profile="").line() == f"EAP003 path: 'ec2' {PATH_RULE}"
    assert finding.message == f"path 'ec2' {PATH_RULE}"


def test_a_finding_as_json() -> None:
    (finding,) = check_profile(ProfileSpec(path="ec2"), profile="web")
    assert replace(finding, location="catalogue.yaml:3:9").to_json() == {
        "rule_id": "EAP003",
        "severity": "error",
        "profile": "web",
        "location": "catalogue.yaml:3:9",
        "field": "path",
        "value": "'ec2'",
        "rule": PATH_RULE,
        "message": f"path 'ec2' {PATH_RULE}",
    }


# ---------------------------------------------------------------------------------------------------
# The pure core starts no Node.js
# ---------------------------------------------------------------------------------------------------


def test_the_checker_imports_without_aws_cdk_or_jsii() -> None:
    code = (
        "import sys, constructs_lib, constructs_lib.core.checker, constructs_lib.core.rules;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(checker.__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "[]\n"


# ---------------------------------------------------------------------------------------------------
# Property (hypothesis): tag findings agree with validation's rules. 300 examples.
# ---------------------------------------------------------------------------------------------------

clean_keys = st.text(st.sampled_from("aAbB:_ -"), min_size=1, max_size=4)
clean_values = st.text(st.sampled_from("ab :"), max_size=4)
tag_keys = clean_keys | st.sampled_from(["", "aws:owner", "AWS:x", "a&b", "k" * 129]) | st.text(max_size=6)
tag_values = clean_values | st.sampled_from(["a&b", "v" * 257]) | st.text(max_size=6)
tag_sets = (
    st.dictionaries(clean_keys, clean_values, max_size=8)
    | st.dictionaries(tag_keys, tag_values, max_size=8)
    | st.dictionaries(clean_keys, clean_values, min_size=TAGS_MAX - 2, max_size=TAGS_MAX + 3)
    | st.dictionaries(tag_keys, tag_values, min_size=TAGS_MAX - 2, max_size=TAGS_MAX + 3)
)


@settings(max_examples=300, deadline=None)
@given(tags=tag_sets)
def test_property_tag_findings_are_empty_exactly_when_every_rule_holds(tags: dict[str, str]) -> None:
    characters_ok = all(
        check_tag_key(key) is None and check_tag_value(value) is None for key, value in tags.items()
    )
    distinct = len({key.lower() for key in tags}) == len(tags)
    findings = tag_findings(tags)
    assert (findings == []) is (characters_ok and len(tags) <= TAGS_MAX and distinct)
    rule_ids = {f.rule_id for f in findings}
    assert ("EAP010" in rule_ids) is (len(tags) > TAGS_MAX)
    assert ("EAP013" in rule_ids) is (not distinct)


def counting_statement_checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every statement the checker looks at from now on (``statement_findings``' calls)."""
    seen: list[object] = []
    real = checker.statement_findings

    def counted(statement: Any, *args: Any, **kwargs: Any) -> list[Finding]:
        seen.append(statement)
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(checker, "statement_findings", counted)
    return seen


def test_a_spec_checked_by_the_catalogue_is_not_checked_again_when_it_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = ProfileSpec(
        instance_profile_name="web",
        statements=({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::results/*"},),
    )
    app = AppSettings(required_tags=["Team"])
    seen = counting_statement_checks(monkeypatch)
    catalogue = check_profile(spec, settings=app, profile="web", tags_complete=True, linters=True)
    construct = check_profile(spec, settings=app, profile="Stack/web")
    assert len(seen) == 1
    assert [f.rule_id for f in catalogue] == ["EAP014", "EAP043"]
    assert construct == []  # the construct's tags can still grow, and cdk-nag reads its role
    assert check_profile(replace(spec), settings=app) == []  # an equal copy is checked anew
    assert len(seen) == 2


def test_a_spec_is_checked_again_under_other_settings_or_once_a_statement_changed_in_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    spec = ProfileSpec(instance_profile_name="web", statements=(statement,))
    seen = counting_statement_checks(monkeypatch)
    assert check_profile(spec) == []
    assert check_profile(spec, settings=AppSettings(managed_policy_quota=20)) == []
    statement["Resource"] = "*"
    assert [f.rule_id for f in check_profile(spec)] == ["EAP042"]
    assert len(seen) == 3


def test_a_statement_changed_in_place_is_checked_again_under_the_same_settings() -> None:
    """The settings unchanged, only the statements' JSON tells the cached answer is stale."""
    statement = read("arn:aws:s3:::b/*")
    spec = ProfileSpec(instance_profile_name="web", statements=(statement,))
    assert check_profile(spec) == []
    statement["Action"] = "s3:*"
    assert [f.rule_id for f in check_profile(spec)] == ["EAP042"]


def test_an_acknowledgment_the_profile_already_has_is_acknowledged_twice() -> None:
    """``profile.acknowledge`` checks what it adds against what the profile had (``given``), and
    numbers the new ones after them."""
    had = BroadAccess.action("s3:*", reason=REASON)
    again = BroadAccess.action("s3:*", reason="Another reason, the same wildcard")
    other = BroadAccess.action("sqs:*", reason=REASON)
    findings = acknowledgment_findings([other, again], given=[had], first_index=1)
    assert [(f.rule_id, f.value, f.pointer) for f in findings] == [("EAP051", "s3:*", ("acknowledge", 2))]
    assert findings[0].rule == "is acknowledged twice; give each wildcard or policy once"
    assert acknowledgment_findings([other], given=[had], first_index=1) == []


def test_a_sid_is_read_unless_it_is_a_cdk_token() -> None:
    for sid in ("${Token[TOKEN.7]}", "ReadAssets2"):
        assert check_profile(ProfileSpec(statements=(read("arn:aws:s3:::b/k", sid=sid),))) == []
    (finding,) = check_profile(ProfileSpec(statements=(read("arn:aws:s3:::b/k", sid="Read${AWS::Region}"),)))
    assert (finding.rule_id, finding.value) == ("EAP047", "Read${AWS::Region}")


def test_a_statement_given_twice_with_its_sid_is_no_repeated_sid() -> None:
    """aws-cdk-lib writes a statement given twice once, so its Sid is in the policy once."""
    twice = read("arn:aws:s3:::b/k", sid="ReadK")
    assert check_profile(ProfileSpec(statements=(twice, dict(twice)))) == []


def test_the_inline_policy_is_measured_merged_only_when_cdk_merges_it() -> None:
    """300 statements of one action and condition: aws-cdk-lib merges them into one when its flag is on."""
    condition = {"StringEquals": {"aws:SourceVpc": "vpc-00000001"}}
    spec = ProfileSpec(
        statements=tuple(read(f"arn:aws:s3:::b/k{i}", Condition=condition) for i in range(300))
    )
    assert check_profile(spec, settings=AppSettings(minimize_policies=True)) == []
    for unmerged in (None, False, 0, ""):
        (finding,) = check_profile(spec, settings=AppSettings(minimize_policies=unmerged))
        assert finding.rule_id == "EAP060"
    # The flag is read as JavaScript reads it (FeatureFlags.isEnabled: !!value).
    assert AppSettings(minimize_policies="false").merges_statements


@pytest.mark.parametrize(
    ("flag", "merges"),
    [
        (True, True),
        (1, True),
        (0.5, True),
        (float("inf"), True),
        ("false", True),
        ("0", True),
        (False, False),
        (0, False),
        (0.0, False),
        (float("nan"), False),
        ("", False),
        (None, False),
    ],
)
def test_the_merge_flag_is_true_as_javascripts_double_negation_reads_it(flag: object, merges: bool) -> None:
    """``!!NaN`` is false in JavaScript, though ``bool(float("nan"))`` is True in Python."""
    assert AppSettings(minimize_policies=flag).merges_statements is merges


def test_an_inline_policy_holding_a_cdk_token_is_left_to_synth() -> None:
    statements = (*UNMERGEABLE, read("arn:aws:s3:::${Token[TOKEN.9]}/k"))
    assert check_profile(ProfileSpec(statements=statements)) == []
