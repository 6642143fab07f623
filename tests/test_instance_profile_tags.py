"""Instance-profile tags in the template: same tags as the role, one function per stack, opt-out."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from aws_cdk import App, Aws, CfnResource, CustomResource, Stack, Stage, Tags, Validations
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks

from constructs_lib import Ec2AccessProfile, ProfileSpec
from constructs_lib.cdk.guardrails import HelperRoleLimits
from constructs_lib.cdk.instance_profile_tags import (
    HANDLER_SOURCE,
    HELPER_POLICY_HEADROOM,
    InstanceProfileTags,
    InstanceProfileTagsProvider,
)
from constructs_lib.core import limits
from constructs_lib.core.tag_permissions import Target, covers
from tests.conftest import library_context
from tests.deployed_size import (
    IAM_INLINE_POLICIES_MAX_CHARACTERS,
    deployed_size,
    role_inline_policies_size,
    tag_function_role,
)
from tests.readme_figures import readme_sentence

CUSTOM = "Custom::InstanceProfileTags"
FUNCTION = "AWS::Lambda::Function"
TEMPLATE_BODY_LIMIT = 51_200  # bytes CloudFormation accepts in a template given inline


def role_and_profile_tags(template: Template) -> list[tuple[Any, Any]]:
    """(role tags, tags on its profile's custom resource) for every profile in the template."""
    roles = template.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "ec2.amazonaws.com"}}]}
            }
        },
    )
    profiles = template.find_resources("AWS::IAM::InstanceProfile")
    customs = template.find_resources(CUSTOM)
    pairs = []
    for profile_id, profile in profiles.items():
        (role_ref,) = profile["Properties"]["Roles"]
        role_tags = roles[role_ref["Ref"]]["Properties"].get("Tags", [])
        (custom,) = (
            c for c in customs.values() if c["Properties"]["InstanceProfileName"] == {"Ref": profile_id}
        )
        pairs.append((role_tags, custom["Properties"]["Tags"]))
    return pairs


def assert_profiles_tagged_like_roles(template: Template) -> list[Any]:
    pairs = role_and_profile_tags(template)
    assert pairs
    for role_tags, profile_tags in pairs:
        assert profile_tags == role_tags
    return [role_tags for role_tags, _ in pairs]


def tag(key: str, value: str) -> dict[str, str]:
    return {"Key": key, "Value": value}


Scenario = Callable[[App, Stack, Ec2AccessProfile], None]

SCENARIOS: dict[str, tuple[Scenario, list[dict[str, Any]]]] = {
    "tags prop only": (lambda app, stack, p: None, [tag("Service", "WebApp")]),
    "Tags.of(app)": (
        lambda app, stack, p: Tags.of(app).add("CostCentre", "42"),
        [tag("CostCentre", "42"), tag("Service", "WebApp")],
    ),
    "Tags.of(stack) overrides the prop at higher priority": (
        lambda app, stack, p: Tags.of(stack).add("Service", "Override", priority=200),
        [tag("Service", "Override")],
    ),
    "Tags.of(stack) loses to the prop at lower priority": (
        lambda app, stack, p: Tags.of(stack).add("Service", "Ignored", priority=50),
        [tag("Service", "WebApp")],
    ),
    "Tags.of(stack).remove": (
        lambda app, stack, p: Tags.of(stack).remove("Service", priority=200),
        [],
    ),
    "Tags.of(profile) after construction": (
        lambda app, stack, p: Tags.of(p).add("Late", "yes"),
        [tag("Late", "yes"), tag("Service", "WebApp")],
    ),
    "a token value": (
        lambda app, stack, p: Tags.of(stack).add("Stack", Aws.STACK_NAME),
        [tag("Service", "WebApp"), {"Key": "Stack", "Value": {"Ref": "AWS::StackName"}}],
    ),
    "include only roles": (
        lambda app, stack, p: Tags.of(app).add("RolesOnly", "x", include_resource_types=["AWS::IAM::Role"]),
        [tag("RolesOnly", "x"), tag("Service", "WebApp")],
    ),
    "exclude roles": (
        lambda app, stack, p: Tags.of(app).add("NotRoles", "x", exclude_resource_types=["AWS::IAM::Role"]),
        [tag("Service", "WebApp")],
    ),
    "include other types only": (
        lambda app, stack, p: Tags.of(app).add("Buckets", "x", include_resource_types=["AWS::S3::Bucket"]),
        [tag("Service", "WebApp")],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_profile_gets_exactly_the_roles_tags(name: str) -> None:
    apply, expected = SCENARIOS[name]
    app = App(context=library_context())
    stack = Stack(app, "Stack")
    profile = Ec2AccessProfile(stack, "Web", tags={"Service": "WebApp"})
    apply(app, stack, profile)
    assert assert_profiles_tagged_like_roles(Template.from_stack(stack)) == [expected]


def test_tags_of_a_stage_reach_profiles_in_it_and_app_tags_stop_at_the_stage_as_cdk_does() -> None:
    app = App(context=library_context())
    stage = Stage(app, "Prod")
    stack = Stack(stage, "Stack")
    Ec2AccessProfile(stack, "Web", tags={"Service": "WebApp"})
    Tags.of(stage).add("Stage", "Prod")
    Tags.of(app).add("CostCentre", "42")  # CDK does not carry an app's aspects into a nested stage
    assert assert_profiles_tagged_like_roles(Template.from_stack(stack)) == [
        [tag("Service", "WebApp"), tag("Stage", "Prod")]
    ]


def test_a_tag_resource_given_a_tag_manager_copies_what_it_renders_at_synth(stack: Stack) -> None:
    role = iam.CfnRole(stack, "Role", assume_role_policy_document={"Statement": []})
    profile = iam.CfnInstanceProfile(stack, "Profile", roles=[role.ref], instance_profile_name="Alone")
    tags = InstanceProfileTags(stack, "Tags", instance_profile=profile, tags=role.tags)
    Tags.of(stack).add("Team", "Platform")
    Tags.of(role).add("Service", "Alone")
    template = Template.from_stack(stack)
    template.has_resource_properties(CUSTOM, {"Tags": [tag("Service", "Alone"), tag("Team", "Platform")]})
    assert isinstance(tags.resource, CustomResource)
    assert tags.resource.node.path == "Test/Tags/Resource"
    # Made at the stack's top level before the stack had a tag function, it still comes first.
    order = list(template.to_json()["Resources"])
    ((custom_id, _),) = template.find_resources(CUSTOM).items()
    ((function_id, _),) = template.find_resources(FUNCTION).items()
    assert order.index(custom_id) < order.index(function_id)


@pytest.mark.parametrize("front_door", ["construct", "spec"])
def test_a_profiles_tag_resource_is_made_with_it_and_is_an_instance_profile_tags(
    stack: Stack, front_door: str
) -> None:
    if front_door == "construct":
        profile = Ec2AccessProfile(stack, "Web", instance_profile_name="Web", tags={"A": "1"})
    else:
        spec = ProfileSpec(instance_profile_name="Web", tags={"A": "1"})
        profile = Ec2AccessProfile.from_spec(stack, "Web", spec)
    tags = profile.instance_profile_tags
    assert isinstance(tags, InstanceProfileTags)
    assert tags.node.path == "Test/Web/InstanceProfileTags"
    assert isinstance(tags.resource, CustomResource)
    assert tags.resource.node.path == "Test/Web/InstanceProfileTags/Resource"
    assert isinstance(profile.node.find_child("InstanceProfileTags"), InstanceProfileTags)
    # The stack's function, made before the call that made the profile's resources, still comes
    # after the profile among the stack's children, and so in the template.
    assert [child.node.id for child in stack.node.children][-2:] == ["Web", "InstanceProfileTagsProvider"]
    template = Template.from_stack(stack)
    order = list(template.to_json()["Resources"])
    ((custom_id, _),) = template.find_resources(CUSTOM).items()
    ((function_id, _),) = template.find_resources(FUNCTION).items()
    assert order.index(custom_id) < order.index(function_id)
    assert InstanceProfileTagsProvider.of(stack).targets == {Target("/", "Web")}


def test_custom_resource_names_the_profile_and_bounds_the_wait(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Web", instance_profile_name="Web", tags={"A": "1"})
    template = Template.from_stack(stack)
    (profile_id,) = template.find_resources("AWS::IAM::InstanceProfile")
    (function_id,) = template.find_resources(FUNCTION)
    template.has_resource_properties(
        CUSTOM,
        {
            "ServiceToken": {"Fn::GetAtt": [function_id, "Arn"]},
            "ServiceTimeout": "300",
            "InstanceProfileName": {"Ref": profile_id},
            "Tags": [tag("A", "1")],
        },
    )


def test_one_function_per_stack_however_many_profiles(stack: Stack) -> None:
    for name in ("A", "B", "C"):
        Ec2AccessProfile(stack, name, instance_profile_name=name, tags={"Service": name})
    other = Stack(stack.node.scope, "Other")  # type: ignore[arg-type]
    Ec2AccessProfile(other, "D", tags={"Service": "D"})
    template = Template.from_stack(stack)
    template.resource_count_is(FUNCTION, 1)
    template.resource_count_is(CUSTOM, 3)
    Template.from_stack(other).resource_count_is(FUNCTION, 1)
    assert assert_profiles_tagged_like_roles(template) == [[tag("Service", n)] for n in ("A", "B", "C")]


def test_a_stacks_tag_function_keeps_its_attributes_types(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Web", instance_profile_name="Web")
    provider = InstanceProfileTagsProvider.of(stack)
    assert InstanceProfileTagsProvider.find(stack) is provider
    assert isinstance(provider.role, iam.Role)
    assert provider.role.node.path == "Test/InstanceProfileTagsProvider/Role"
    assert isinstance(provider.function, CfnResource)
    assert provider.function.cfn_resource_type == FUNCTION
    assert stack.resolve(provider.function_arn) == {
        "Fn::GetAtt": [stack.get_logical_id(provider.function), "Arn"]
    }
    template = Template.from_stack(stack)
    template.has_resource_properties(CUSTOM, {"ServiceToken": stack.resolve(provider.function_arn)})


def test_function_runs_the_handler_module_inline_on_a_pinned_runtime(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Web", tags={"A": "1"})
    function = next(iter(Template.from_stack(stack).find_resources(FUNCTION).values()))["Properties"]
    assert function["Runtime"] == "python3.13"
    assert function["Handler"] == "index.handler"
    assert function["Code"] == {"ZipFile": HANDLER_SOURCE.read_text()}
    assert function["Timeout"] == 120  # under the custom resource's 300-second service timeout


def test_handler_role_can_only_tag_this_stacks_profiles_write_its_logs_and_read_its_stack(
    stack: Stack,
) -> None:
    Ec2AccessProfile(stack, "Named", instance_profile_name="Web", path="/ec2/", tags={"A": "1"})
    Ec2AccessProfile(stack, "Unnamed", path="/batch/", tags={"A": "1"})
    template = Template.from_stack(stack)
    (log_group_id,) = template.find_resources("AWS::Logs::LogGroup")
    role = next(
        iter(
            template.find_resources(
                "AWS::IAM::Role",
                {
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Statement": [{"Principal": {"Service": "lambda.amazonaws.com"}}]
                        }
                    }
                },
            ).values()
        )
    )["Properties"]
    assert "ManagedPolicyArns" not in role
    template.resource_count_is("AWS::IAM::Policy", 0)

    def profile_arn(resource: str) -> dict[str, Any]:
        return {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":iam::",
                    {"Ref": "AWS::AccountId"},
                    f":instance-profile{resource}",
                ],
            ]
        }

    assert role["Policies"] == [
        {
            "PolicyName": "Permissions",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "WriteOwnLogs",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
                    },
                    {
                        "Sid": "TagThisStacksInstanceProfiles",
                        "Effect": "Allow",
                        "Action": ["iam:TagInstanceProfile", "iam:UntagInstanceProfile"],
                        "Resource": [profile_arn("/batch/*"), profile_arn("/ec2/Web")],
                    },
                    {
                        "Sid": "ReadOwnStack",
                        "Effect": "Allow",
                        "Action": [
                            "cloudformation:DescribeStacks",
                            "cloudformation:GetTemplate",
                            "cloudformation:ListStackResources",
                        ],
                        "Resource": {"Ref": "AWS::StackId"},
                    },
                ],
            },
        }
    ]


def tagged_resources(template: Template) -> list[str]:
    """The instance-profile resources the stack's tag function may tag, as ARN suffixes."""
    (statement,) = [
        s for s in helper_policy(template)["Statement"] if s["Sid"] == "TagThisStacksInstanceProfiles"
    ]
    return [arn["Fn::Join"][1][-1].removeprefix(":instance-profile") for arn in statement["Resource"]]


@pytest.mark.parametrize("untagged_first", [True, False])
def test_a_profile_opted_out_stays_in_reach_of_its_stacks_function(
    stack: Stack, untagged_first: bool
) -> None:
    # Opting out removes the profile's tag resource, whose Delete untags it after the function's
    # policy changed: the policy must still reach it, whichever profile the stack made first.
    def untagged() -> None:
        Ec2AccessProfile(
            stack, "Batch", instance_profile_name="Batch", path="/ec2/", tag_instance_profile=False
        )
        Ec2AccessProfile(stack, "Generated", path="/gen/", tag_instance_profile=False)

    if untagged_first:
        untagged()
    Ec2AccessProfile(stack, "Web", instance_profile_name="Web", path="/ec2/", tags={"A": "1"})
    if not untagged_first:
        untagged()
    template = Template.from_stack(stack)
    template.resource_count_is(CUSTOM, 1)
    assert tagged_resources(template) == ["/ec2/Batch", "/ec2/Web", "/gen/*"]


def test_a_stack_with_every_profile_opted_out_has_no_function(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Batch", instance_profile_name="Batch", tag_instance_profile=False)
    template = Template.from_stack(stack)
    template.resource_count_is(FUNCTION, 0)
    template.resource_count_is("AWS::IAM::Role", 1)


def test_opting_out_creates_no_function_and_warns_naming_the_profile(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Web", tags={"Service": "WebApp"}, tag_instance_profile=False)
    Tags.of(stack).add("CostCentre", "42")
    template = Template.from_stack(stack)
    template.resource_count_is(FUNCTION, 0)
    template.resource_count_is(CUSTOM, 0)
    template.has_resource_properties(
        "AWS::IAM::Role", {"Tags": [tag("CostCentre", "42"), tag("Service", "WebApp")]}
    )
    Annotations.from_stack(stack).has_warning(
        "/Test",
        Match.string_like_regexp(
            r"Ec2AccessProfile 'Test/Web': the instance profile does not get the "
            r"role's tags \(CostCentre, Service\)"
        ),
    )


def test_opting_out_warns_once_per_stack_naming_every_profile_whose_tags_are_missed(stack: Stack) -> None:
    for name in ("Web", "Batch", "Bare"):
        tags = {} if name == "Bare" else {"Service": name}
        Ec2AccessProfile(stack, name, tags=tags, tag_instance_profile=False)
    Ec2AccessProfile(stack, "Db", tags={"Team": "data", "Service": "db"}, tag_instance_profile=False)
    Ec2AccessProfile(stack, "Tagged", tags={"Service": "Tagged"})
    warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    assert [(w.id, str(w.entry.data)) for w in warnings] == [
        (
            "/Test",
            "3 Ec2AccessProfiles of stack 'Test': their instance profiles do not get their roles' tags "
            "because tag_instance_profile is off; CloudFormation cannot tag instance profiles itself. "
            "tags Service: Web, Batch; tags Service, Team: Db. "
            "[ack: ec2-access-profile:instanceProfileNotTagged]",
        )
    ]


def test_opting_out_without_tags_has_nothing_to_warn_about(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Web", tag_instance_profile=False)
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


@pytest.mark.parametrize("value", [False, "false"])
def test_context_key_opts_out_the_whole_app(value: object) -> None:
    app = App(context={**library_context(), "ec2-access-profile:tagInstanceProfile": value})
    stack = Stack(app, "Stack")
    Ec2AccessProfile(stack, "A", tags={"A": "1"})
    Ec2AccessProfile(stack, "B", tags={"B": "1"}, tag_instance_profile=True)
    template = Template.from_stack(stack)
    template.resource_count_is(CUSTOM, 1)
    template.resource_count_is(FUNCTION, 1)


def test_every_app_template_fits_cloudformations_inline_template_limit(
    app_templates: Mapping[str, dict[str, Any]],
) -> None:
    # The handler's code is inline (no asset, no bucket); the limit that binds is the template body.
    assert HANDLER_SOURCE.stat().st_size < 12_000  # under a quarter of the inline limit
    for name, template in app_templates.items():
        size = len(json.dumps(template, indent=1).encode())
        assert size < TEMPLATE_BODY_LIMIT, f"{name} is {size} bytes"


def test_app_profiles_are_tagged_like_their_roles(app_templates: Mapping[str, dict[str, Any]]) -> None:
    for template in app_templates.values():
        assert_profiles_tagged_like_roles(Template.from_json(template))


LARGEST_STACK = 165
"""Profiles one stack can hold: three resources each, and the provider's three, within 500."""


@pytest.fixture(scope="module")
def largest_stack() -> Stack:
    return build_largest_stack()


def build_largest_stack() -> Stack:
    """A stack at CloudFormation's resource limit, with IAM's longest instance-profile names."""
    stack = Stack(App(context=library_context()), "Largest")
    for index in range(LARGEST_STACK):
        name = f"team-{index % 7}-profile-{index:04}-".ljust(128, "x")
        Ec2AccessProfile(
            stack, f"P{index}", instance_profile_name=name, role_name=f"role-{index}", path="/ec2/team/"
        )
    return stack


def helper_policy(template: Template) -> dict[str, Any]:
    (role,) = template.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [{"Principal": {"Service": "lambda.amazonaws.com"}}]
                }
            }
        },
    ).values()
    (policy,) = role["Properties"]["Policies"]
    document: dict[str, Any] = policy["PolicyDocument"]
    return document


def test_the_largest_stack_fits_cloudformation_and_its_tag_role_fits_iam(largest_stack: Stack) -> None:
    """IAM's 10,240 characters, counted in the template (what the EAP060 guardrail reads) and once
    deployed in the longest partition and region (``tests/deployed_size.py``, no library constant)."""
    template = Template.from_stack(largest_stack)
    assert len(template.to_json()["Resources"]) == 3 * LARGEST_STACK + 3 == 498
    role_id = tag_function_role(template.to_json())
    assert limits.policy_size(helper_policy(template)) <= IAM_INLINE_POLICIES_MAX_CHARACTERS
    assert role_inline_policies_size(template.to_json(), role_id) <= IAM_INLINE_POLICIES_MAX_CHARACTERS
    provider = InstanceProfileTagsProvider.of(largest_stack)
    assert HelperRoleLimits(path="Largest", role=provider.role).findings() == []


def test_a_library_that_packs_past_iams_limit_fails_the_deployed_measure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The negative control of the test above, made by the library: its limit for a role's inline
    policies raised (as if it misread IAM's quota), its packing and its EAP060 guardrail let the
    largest stack's tag policy grow, and the measure, which knows only IAM's documented 10,240,
    finds it over once deployed. (``HELPER_POLICY_HEADROOM`` at 0 is no such mutation: the template's
    ``Fn::Join`` per ARN is longer than the ARN it resolves to, so the deployed policy stays within.)"""
    monkeypatch.setattr(limits, "INLINE_POLICIES_MAX_CHARACTERS", 4 * IAM_INLINE_POLICIES_MAX_CHARACTERS)
    template = Template.from_stack(build_largest_stack()).to_json()
    role_id = tag_function_role(template)
    assert role_inline_policies_size(template, role_id) > IAM_INLINE_POLICIES_MAX_CHARACTERS


def one_arn_each(document: dict[str, Any], stack: Stack) -> dict[str, Any]:
    """``document`` with an exact ARN per profile, as CDK writes one, instead of the library's patterns."""
    targets = sorted(target.resource for target in InstanceProfileTagsProvider.of(stack).targets)
    arns = [
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":iam::",
                    {"Ref": "AWS::AccountId"},
                    f":instance-profile{r}",
                ],
            ]
        }
        for r in targets
    ]
    statements = [
        {**statement, "Resource": arns}
        if statement.get("Sid") == "TagThisStacksInstanceProfiles"
        else statement
        for statement in document["Statement"]
    ]
    return {**document, "Statement": statements}


def test_the_readme_quotes_the_tag_policys_target() -> None:
    """The figures the README gives for the tag function's policy are the code's."""
    sentence = readme_sentence("IAM allows 10,240 characters for all of a role's inline policies")
    target = limits.INLINE_POLICIES_MAX_CHARACTERS - HELPER_POLICY_HEADROOM
    assert sentence.numbers()[:3] == [limits.INLINE_POLICIES_MAX_CHARACTERS, target, HELPER_POLICY_HEADROOM]


def test_one_arn_per_profile_would_exceed_iam_once_deployed(largest_stack: Stack) -> None:
    """The negative control of the test above: the same measure fails a policy IAM would refuse."""
    template = Template.from_stack(largest_stack).to_json()
    exact = one_arn_each(helper_policy(Template.from_json(template)), largest_stack)
    assert deployed_size(exact, template["Resources"]) > IAM_INLINE_POLICIES_MAX_CHARACTERS
    # What grows on deploy is counted: the log group's ARN and the stack's ID, short in the template.
    (logs,) = (i for i, r in template["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup")
    for short in ({"Ref": "AWS::StackId"}, {"Fn::GetAtt": [logs, "Arn"]}):
        assert deployed_size(short, template["Resources"]) > limits.policy_size(short) + 150


def test_the_readme_quotes_the_largest_stacks_tag_policy(largest_stack: Stack) -> None:
    template = Template.from_stack(largest_stack).to_json()
    document = helper_policy(Template.from_json(template))
    resources = document["Statement"][1]["Resource"]
    patterns = sum(1 for arn in resources if arn["Fn::Join"][1][4].endswith("*"))
    exact = one_arn_each(document, largest_stack)
    figures = (
        LARGEST_STACK,
        3 * LARGEST_STACK + 3,
        128,
        deployed_size(exact, template["Resources"]),
        patterns,
        len(resources) - patterns,
        limits.policy_size(document),
        deployed_size(document, template["Resources"]),
    )
    sentence = readme_sentence("Measured, the largest stack CloudFormation allows")
    assert sentence.numbers() == [*figures, 128], f"{sentence.text} should quote {figures}"


def test_the_largest_stacks_tag_role_reaches_each_profile_and_only_under_their_path(
    largest_stack: Stack,
) -> None:
    provider = InstanceProfileTagsProvider.of(largest_stack)
    resources = provider.resources()
    assert all(resource.startswith("/ec2/team/team-") for resource in resources)
    for target in provider.targets:
        assert any(covers(resource, target.resource) for resource in resources), target
    arns = helper_policy(Template.from_stack(largest_stack))["Statement"][1]["Resource"]
    assert [arn["Fn::Join"][1][4] for arn in arns] == [f":instance-profile{r}" for r in resources]


def test_cdk_nag_is_told_why_the_largest_stacks_tag_role_reaches_profiles_by_shared_prefixes(
    largest_stack: Stack,
) -> None:
    provider = InstanceProfileTagsProvider.of(largest_stack)
    shared = [resource for resource in provider.resources() if resource.endswith("*")]
    assert shared, "the largest stack's profiles are reached by name prefixes"
    Template.from_stack(largest_stack)  # the aspect that records the reasons runs when it is synthesized
    recorded = {
        rule
        for entry in provider.role.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry.data.items()
        if "share this prefix" in reason
    }
    assert len(recorded) == len(shared)
    app = largest_stack.node.root
    assert [v.rule_name for v in AwsSolutionsChecks(app).validate_scope(app).violations] == []


def test_a_tag_role_that_cannot_fit_fails_synth_with_the_profiles_limit_rule() -> None:
    """A control: a path per profile leaves nothing to share; IAM would refuse the role, so synth does."""
    app = App(context=library_context())
    stack = Stack(app, "Paths")
    for index in range(20):
        Ec2AccessProfile(
            stack, f"P{index}", instance_profile_name=f"p{index}", path=f"/{index:03}{'x' * 500}/"
        )
    with pytest.raises(
        RuntimeError,
        match=r"Paths/InstanceProfileTagsProvider: EAP060 inline policies '1\d,\d{3} characters'",
    ):
        app.synth()
