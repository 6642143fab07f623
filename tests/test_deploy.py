"""Create, update and destroy the app with the real CDK CLI on the local emulator, checked through IAM.

One lifecycle per run (deploy, diff, deploy the changed app, destroy), recorded once; each test then
checks one thing about what IAM reported at each step. The app deployed is the real ``cdk synth``'s
assembly, which ``tests/test_app.py`` proves equal to the tested templates; ``cdk deploy``
synthesizing the app itself through cdk.json is ``make deploy-local``'s run
(``tests/test_emulator_network.py``), and the bootstrap is the session's (``bootstrapped_emulator``).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator import ACCOUNT, DEPLOY, Emulator
from emulator.inspect import ProfileView, describe_profiles, list_profile_names, policy_document
from tests.changed_app import RENAMED_PROFILE
from tests.conftest import CliSynth

pytestmark = pytest.mark.emulator

APP_STACKS = [
    "Ec2Access-WebServer",
    "Ec2Access-SsmManagedHost",
    "Ec2Access-AssetsReader",
    "Ec2Access-EcsContainerInstance",
]
APP_PROFILES = ["Assets-Reader", "EC2-S3-Access-Profile", "ECS-Container-Instance", "SSM-Managed-Host"]
PAGE_SIZE = 2  # smaller than the number of profiles, so listing takes more than one page
OUTSIDE = [("Batch-Host", "/batch/"), ("Ec2-Lookalike", "/ec2-lookalike/"), ("Root-Host", "/")]
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    ],
}


def aws_managed(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


@dataclass
class Lifecycle:
    first_deploy: subprocess.CompletedProcess[str]
    after_first: dict[str, ProfileView]
    pages: int
    elsewhere: list[str]
    diff: subprocess.CompletedProcess[str]
    second_deploy: subprocess.CompletedProcess[str]
    after_second: dict[str, ProfileView]
    boundary_after_second: dict[str, Any]
    failures_by_second: list[tuple[str, str, str, str]]
    destroy: subprocess.CompletedProcess[str]
    before: dict[str, list[str]]
    after_destroy: dict[str, list[str]]
    stacks_after_destroy: dict[str, str]


def failures(emulator: Emulator) -> list[tuple[str, str, str, str]]:
    """(stack, logical ID, status, reason) of every failed step of the app's stacks so far."""
    cloudformation = emulator.client("cloudformation")
    return [
        (stack, e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for stack in APP_STACKS
        for e in cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
        if e["ResourceStatus"].endswith("FAILED")
    ]


def account_contents(emulator: Emulator) -> dict[str, list[str]]:
    """Everything the app could leave behind, by kind."""
    iam = emulator.client("iam")
    return {
        "roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
        "instance profiles": sorted(
            p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]
        ),
        "customer managed policies": sorted(
            p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]
        ),
        "functions": sorted(
            f["FunctionName"] for f in emulator.client("lambda").list_functions()["Functions"]
        ),
        "log groups": sorted(
            g["logGroupName"] for g in emulator.client("logs").describe_log_groups()["logGroups"]
        ),
    }


@pytest.fixture(scope="module")
def lifecycle(
    bootstrapped_emulator: Emulator, cli_app_assembly: CliSynth, changed_app_assembly: Path
) -> Lifecycle:
    emulator = bootstrapped_emulator
    changed = str(changed_app_assembly)
    iam = emulator.client("iam")

    before = account_contents(emulator)
    first_deploy = emulator.cdk(DEPLOY[0], "--app", str(cli_app_assembly.outdir), *DEPLOY[1:])
    # Profiles the app does not own, on paths that /ec2/ must not match: PathPrefix has to filter.
    for name, path in OUTSIDE:
        iam.create_instance_profile(InstanceProfileName=name, Path=path)
    after_first = describe_profiles(iam, "/ec2/", PAGE_SIZE)
    _, pages = list_profile_names(iam, "/ec2/", PAGE_SIZE)
    elsewhere, _ = list_profile_names(iam, "/batch/", PAGE_SIZE)
    for name, _ in OUTSIDE:
        iam.delete_instance_profile(InstanceProfileName=name)
    diff = emulator.cdk("diff", "--app", changed, "--method=template")
    second_deploy = emulator.cdk(DEPLOY[0], "--app", changed, *DEPLOY[1:])
    after_second = describe_profiles(iam, "/ec2/", PAGE_SIZE)
    boundary_arn = after_second["Assets-Reader"].roles[0].boundary_arn
    boundary_after_second = policy_document(iam, boundary_arn) if boundary_arn else {}
    failures_by_second = failures(emulator)
    destroy = emulator.cdk("destroy", "--app", changed, "--all", "--force")  # the same stacks
    stacks = emulator.client("cloudformation").list_stacks()["StackSummaries"]
    return Lifecycle(
        first_deploy=first_deploy,
        after_first=after_first,
        pages=pages,
        elsewhere=elsewhere,
        diff=diff,
        second_deploy=second_deploy,
        after_second=after_second,
        boundary_after_second=boundary_after_second,
        failures_by_second=failures_by_second,
        destroy=destroy,
        before=before,
        after_destroy=account_contents(emulator),
        stacks_after_destroy={s["StackName"]: s["StackStatus"] for s in stacks},
    )


def test_every_cli_step_succeeds(lifecycle: Lifecycle) -> None:
    for step in ("first_deploy", "diff", "second_deploy", "destroy"):
        result: subprocess.CompletedProcess[str] = getattr(lifecycle, step)
        assert result.returncode == 0, f"{step}: {result.stdout[-2000:]}{result.stderr[-3000:]}"


def test_profiles_are_listed_by_path_prefix_across_pages(lifecycle: Lifecycle) -> None:
    assert sorted(lifecycle.after_first) == APP_PROFILES
    assert lifecycle.pages == 2
    assert lifecycle.elsewhere == ["Batch-Host"]


def test_seed_profile_as_iam_reports_it(lifecycle: Lifecycle) -> None:
    profile = lifecycle.after_first["EC2-S3-Access-Profile"]
    assert profile.path == "/ec2/"
    assert profile.arn == f"arn:aws:iam::{ACCOUNT}:instance-profile/ec2/EC2-S3-Access-Profile"
    assert profile.tags == {"Environment": "Production", "Service": "WebApp"}
    (role,) = profile.roles
    assert (role.name, role.path) == ("EC2-S3-Access-Role", "/ec2/")
    assert role.trust_policy == EC2_TRUST
    assert role.managed_policies == [aws_managed("AmazonS3ReadOnlyAccess")]
    assert role.inline_policies == {}
    assert role.max_session_duration == 3600
    assert role.boundary_arn is None
    assert role.tags == profile.tags
    assert role.instance_profiles == ["EC2-S3-Access-Profile"]


def test_ssm_managed_host_as_iam_reports_it(lifecycle: Lifecycle) -> None:
    profile = lifecycle.after_first["SSM-Managed-Host"]
    (role,) = profile.roles
    assert role.managed_policies == [aws_managed("AmazonSSMManagedInstanceCore")]
    assert profile.tags == role.tags == {"Environment": "Production", "Service": "Operations"}


def test_least_privilege_profile_as_iam_reports_it(lifecycle: Lifecycle) -> None:
    profile = lifecycle.after_first["Assets-Reader"]
    (role,) = profile.roles
    read_assets = {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::example-assets/*"}
        ],
    }
    assert role.managed_policies == []
    assert role.inline_policies == {"Permissions": read_assets}
    assert role.boundary_arn == f"arn:aws:iam::{ACCOUNT}:policy/ec2/Assets-Reader-Boundary-example-assets"
    assert role.boundary_document == read_assets
    assert role.max_session_duration == 7200
    assert profile.tags == role.tags == {"Environment": "Production", "Service": "Assets"}


def test_diff_shows_the_change_before_it_is_deployed(lifecycle: Lifecycle) -> None:
    output = lifecycle.diff.stdout + lifecycle.diff.stderr
    assert RENAMED_PROFILE in output
    assert "AmazonSSMManagedInstanceCore" in output
    assert "Ec2Access-SsmManagedHost" in output
    assert "There were no differences" in output


def test_renamed_profile_replaces_the_old_one_with_its_tags(lifecycle: Lifecycle) -> None:
    assert sorted(lifecycle.after_second) == sorted(
        ["Assets-Reader", RENAMED_PROFILE, "ECS-Container-Instance", "SSM-Managed-Host"]
    )
    profile = lifecycle.after_second[RENAMED_PROFILE]
    # Service removed, Environment changed, Team added: on the profile (custom resource) and role.
    assert profile.tags == {"Environment": "Staging", "Team": "Platform"}
    (role,) = profile.roles
    assert role.tags == profile.tags
    assert role.instance_profiles == [RENAMED_PROFILE]


def test_nothing_failed_with_the_tag_function_under_iam_enforcement(
    lifecycle: Lifecycle,
) -> None:
    # The rename's cleanup sends Delete for the old profile's tags, which the function's updated
    # policy no longer covers: IAM denies the untag, and the Delete must still succeed.
    assert lifecycle.failures_by_second == []


def test_updated_role_has_swapped_policy_new_statement_and_longer_session(lifecycle: Lifecycle) -> None:
    (role,) = lifecycle.after_second[RENAMED_PROFILE].roles
    assert role.name == "EC2-S3-Access-Role"
    assert role.managed_policies == [aws_managed("AmazonSSMManagedInstanceCore")]
    assert role.inline_policies == {
        "Permissions": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "ssm:GetParameter",
                    "Effect": "Allow",
                    "Resource": "arn:aws:ssm:*:*:parameter/web/*",
                }
            ],
        }
    }
    assert role.max_session_duration == 3 * 3600
    assert role.trust_policy == EC2_TRUST


def test_changed_statement_and_boundary_are_what_iam_holds(lifecycle: Lifecycle) -> None:
    (role,) = lifecycle.after_second["Assets-Reader"].roles
    read_v2 = {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::example-assets-v2/*"}
        ],
    }
    assert role.inline_policies == {"Permissions": read_v2}
    assert lifecycle.boundary_after_second == read_v2
    # Its description names the bucket, and CloudFormation replaces a managed policy whose description
    # changes: it could not under the same name, so the name follows the bucket.
    assert role.boundary_arn == f"arn:aws:iam::{ACCOUNT}:policy/ec2/Assets-Reader-Boundary-example-assets-v2"


def test_unchanged_stack_is_left_as_it_was(lifecycle: Lifecycle) -> None:
    assert lifecycle.after_second["SSM-Managed-Host"] == lifecycle.after_first["SSM-Managed-Host"]
    assert lifecycle.after_second["ECS-Container-Instance"] == lifecycle.after_first["ECS-Container-Instance"]


def test_a_profile_from_presets_gets_their_policies(lifecycle: Lifecycle) -> None:
    (role,) = lifecycle.after_first["ECS-Container-Instance"].roles
    # IAM lists attached policies in an order of its own; the template's order is in the snapshot.
    assert sorted(role.managed_policies) == [
        aws_managed("AmazonSSMManagedInstanceCore"),
        aws_managed("CloudWatchAgentServerPolicy"),
        aws_managed("service-role/AmazonEC2ContainerServiceforEC2Role"),
    ]


def test_destroy_leaves_nothing_of_the_app_behind(lifecycle: Lifecycle) -> None:
    assert lifecycle.after_destroy == lifecycle.before
    assert lifecycle.after_destroy["instance profiles"] == []
    # Other modules' stacks may share the emulator (the order tests run in decides): only the app's count.
    assert {
        name: status for name, status in lifecycle.stacks_after_destroy.items() if name in APP_STACKS
    } == dict.fromkeys(APP_STACKS, "DELETE_COMPLETE")
