"""The update paths that break in production, each deployed with the real CDK CLI on the emulator.

Functions run as their execution role with IAM enforced, so the tag function's scoped policy decides
every tag and untag below. ``tests/update_paths_app.py`` says which profile takes which path; each
test reads one outcome back through the IAM API.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import App

from emulator import ACCOUNT, DEPLOY, Emulator
from emulator.inspect import ProfileView, describe_profiles, list_profile_names
from tests.conftest import library_context
from tests.update_paths_app import (
    MOVED_PATH,
    NO_TAGS_PROFILES,
    NO_TAGS_STACK,
    PATH,
    PATH_ONLY,
    PATH_ONLY_STACK,
    RENAMED,
    STACK,
    STACKS,
    compose_update_paths,
    owner,
)

pytestmark = pytest.mark.emulator


@dataclass
class UpdatePaths:
    first_deploy: subprocess.CompletedProcess[str]
    before: dict[str, ProfileView]
    update: subprocess.CompletedProcess[str]
    after: dict[str, ProfileView]
    moved: list[str]
    path_only_update: subprocess.CompletedProcess[str]
    after_path_only: dict[str, ProfileView]
    statuses: dict[str, str]
    failures: dict[str, list[tuple[str, str, str]]]
    functions: list[str]
    destroy: subprocess.CompletedProcess[str]
    left: list[str]


def synthesize(outdir: Path, *, after: bool) -> Path:
    application = App(context=library_context(), outdir=str(outdir))
    compose_update_paths(application, after=after)
    application.synth()
    return outdir


def deploy(emulator: Emulator, assembly: Path, *stacks: str) -> subprocess.CompletedProcess[str]:
    return emulator.cdk(DEPLOY[0], "--app", str(assembly), *stacks, *DEPLOY[2:])


@pytest.fixture(scope="module")
def paths(bootstrapped_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> UpdatePaths:
    emulator = bootstrapped_emulator
    first = synthesize(tmp_path_factory.mktemp("before.out"), after=False)
    second = synthesize(tmp_path_factory.mktemp("after.out"), after=True)
    iam = emulator.client("iam")
    cloudformation = emulator.client("cloudformation")

    first_deploy = deploy(emulator, first, *STACKS)
    before = describe_profiles(iam, PATH, 3)
    update = deploy(emulator, second, STACK, NO_TAGS_STACK)
    after = describe_profiles(iam, PATH, 3)
    moved, _ = list_profile_names(iam, MOVED_PATH, 1)
    path_only_update = deploy(emulator, second, PATH_ONLY_STACK)
    after_path_only = describe_profiles(iam, PATH, 3)
    statuses = {
        name: cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] for name in STACKS
    }
    failures = {
        name: [
            (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
            for e in cloudformation.describe_stack_events(StackName=name)["StackEvents"]
            if e["ResourceStatus"].endswith("FAILED")
        ]
        for name in STACKS
    }
    functions = sorted(f["FunctionName"] for f in emulator.client("lambda").list_functions()["Functions"])
    destroy = emulator.cdk("destroy", "--app", str(second), *STACKS, "--force")
    left = sorted(describe_profiles(iam, PATH, 3))
    return UpdatePaths(
        first_deploy=first_deploy,
        before=before,
        update=update,
        after=after,
        moved=moved,
        path_only_update=path_only_update,
        after_path_only=after_path_only,
        statuses=statuses,
        failures=failures,
        functions=functions,
        destroy=destroy,
        left=left,
    )


def test_the_first_version_deploys_with_every_profile_tagged(paths: UpdatePaths) -> None:
    assert paths.first_deploy.returncode == 0, paths.first_deploy.stderr[-3000:]
    assert sorted(paths.before) == sorted(
        [
            RENAMED[0],
            "Upd-Untagged",
            "Upd-Statements",
            "Upd-Managed",
            "Upd-CaseKey",
            PATH_ONLY,
            *NO_TAGS_PROFILES,
        ]
    )
    for profile in paths.before.values():
        (role,) = profile.roles
        assert profile.tags == role.tags, profile.name


def test_every_update_path_deploys_under_iam_enforcement(paths: UpdatePaths) -> None:
    assert paths.update.returncode == 0, paths.update.stderr[-3000:]
    assert paths.statuses[STACK] == paths.statuses[NO_TAGS_STACK] == "UPDATE_COMPLETE"
    assert paths.failures[STACK] == paths.failures[NO_TAGS_STACK] == []


def test_a_renamed_and_moved_profile_is_replaced_with_its_tags(paths: UpdatePaths) -> None:
    assert RENAMED[0] not in paths.after
    assert paths.moved == [RENAMED[1]]
    profile = paths.after[RENAMED[1]]
    assert profile.path == MOVED_PATH
    assert profile.arn == f"arn:aws:iam::{ACCOUNT}:instance-profile{MOVED_PATH}{RENAMED[1]}"
    (role,) = profile.roles
    # The role's name follows the profile's, so it is replaced too rather than clash with itself.
    assert (role.name, role.path) == (RENAMED[1], MOVED_PATH)
    assert profile.tags == role.tags == {"Owner": owner(True), "Service": "Web"}


def test_a_tag_changed_only_through_tags_of_reaches_role_and_profile(paths: UpdatePaths) -> None:
    for name in ("Upd-Statements", "Upd-Managed", "Upd-CaseKey", RENAMED[1]):
        profile = paths.after[name]
        (role,) = profile.roles
        assert profile.tags["Owner"] == role.tags["Owner"] == owner(True), name


def test_removing_all_statements_removes_the_inline_policy(paths: UpdatePaths) -> None:
    (before,) = paths.before["Upd-Statements"].roles
    (after,) = paths.after["Upd-Statements"].roles
    assert list(before.inline_policies) == ["Permissions"]
    assert after.inline_policies == {}


def test_a_removed_managed_policy_is_detached(paths: UpdatePaths) -> None:
    (before,) = paths.before["Upd-Managed"].roles
    (after,) = paths.after["Upd-Managed"].roles
    assert sorted(before.managed_policies) == [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ]
    assert after.managed_policies == ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]


def test_a_tag_key_changed_only_in_case_ends_as_the_new_key(paths: UpdatePaths) -> None:
    assert paths.before["Upd-CaseKey"].tags == {"costcenter": "4242", "Owner": owner(False)}
    profile = paths.after["Upd-CaseKey"]
    (role,) = profile.roles
    assert profile.tags == role.tags == {"CostCenter": "4242", "Owner": owner(True)}


def test_tagging_turned_off_for_a_whole_stack_removes_its_function_and_its_tags(
    paths: UpdatePaths,
) -> None:
    assert not [name for name in paths.functions if name.startswith(f"{NO_TAGS_STACK}-")]
    assert [name for name in paths.functions if name.startswith(f"{STACK}-")]
    for name in NO_TAGS_PROFILES:
        profile = paths.after[name]
        (role,) = profile.roles
        assert profile.tags == {}, name
        assert role.tags == {"Service": "Quiet"}, name


def test_tagging_turned_off_for_one_profile_removes_its_tags(paths: UpdatePaths) -> None:
    # The stack keeps its tag function, and the profile is no longer the function's to tag: the
    # tags it applied go, as they do when a whole stack turns tagging off.
    profile = paths.after["Upd-Untagged"]
    (role,) = profile.roles
    assert profile.tags == {}
    assert role.tags == {"Owner": owner(True), "Service": "Batch"}


def test_a_path_change_of_a_named_profile_fails_and_rolls_back(paths: UpdatePaths) -> None:
    # CloudFormation cannot replace a custom-named resource: the role and profile keep their name,
    # so the update fails, the CLI says why, and everything is left as it was.
    assert paths.path_only_update.returncode != 0
    # The CLI wraps the reason at its terminal's width (80 columns in CI): compared word by word.
    assert (
        "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
        f"Rename {PATH_ONLY} and update the stack again."
    ) in " ".join(paths.path_only_update.stderr.split())
    assert paths.statuses[PATH_ONLY_STACK] == "UPDATE_ROLLBACK_COMPLETE"
    assert paths.after_path_only[PATH_ONLY] == paths.before[PATH_ONLY]


def test_destroy_leaves_no_profile_behind(paths: UpdatePaths) -> None:
    assert paths.destroy.returncode == 0, paths.destroy.stderr[-3000:]
    assert paths.left == []
