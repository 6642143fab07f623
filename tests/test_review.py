"""The review (``constructs_lib.review``): every finding, each from a base app and a head app (template JSON).

The apps are small templates shaped as ``cdk synth`` writes them (``app`` below): an instance profile,
its role with an inline policy, and the tag resource. The last tests run the real command: on this
repository's app and the change ``tests/changed_app.py`` makes to it, from their assemblies, and as
``ec2-access-profiles review --base REF`` on a hand-written app in a repository of its own. What the
linters refuse: ``test_review_refusals.py``.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.core.credential_guard import CredentialGuard, Exemption
from constructs_lib.review import assembly
from constructs_lib.review.assembly import ReviewError
from constructs_lib.review.compare import Review, review
from constructs_lib.review.describe import can_do, purpose
from constructs_lib.review.report import to_json, to_markdown
from constructs_lib.review.synth import cdk_cli
from tests.changed_app import RENAMED_PROFILE
from tests.conftest import CliSynth, library_context
from tooling.cdk import CDK, ROOT
from tooling.sample_catalog import sample_entry

READ_ASSETS = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assets/*"}


def profile(
    construct_id: str = "Web",
    *,
    name: str | None = "Web-Profile",
    role_name: str | None = None,
    path: str = "/ec2/",
    statements: list[dict[str, Any]] | None = None,
    managed: tuple[str, ...] = (),
    boundary: str | None = None,
    session: int | None = None,
    tags: dict[str, str] | None = None,
    description: str | None = "Web servers",
    trust: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One profile's resources, as ``Ec2AccessProfile`` synthesizes them."""
    statements = [READ_ASSETS] if statements is None else statements
    tags = {"Environment": "Production"} if tags is None else tags
    role: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Statement": trust
            or [
                {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
            ],
            "Version": "2012-10-17",
        },
        "Path": path,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
    }
    if statements:
        role["Policies"] = [
            {
                "PolicyName": "Permissions",
                "PolicyDocument": {"Statement": statements, "Version": "2012-10-17"},
            }
        ]
    if role_name or name:
        role["RoleName"] = role_name or name
    if description is not None:
        role["Description"] = description
    if managed:
        role["ManagedPolicyArns"] = [
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{m}"]]} for m in managed
        ]
    if boundary:
        role["PermissionsBoundary"] = boundary
    if session:
        role["MaxSessionDuration"] = session
    instance_profile: dict[str, Any] = {"Path": path, "Roles": [{"Ref": f"{construct_id}Role"}]}
    if name:
        instance_profile["InstanceProfileName"] = name
    return {
        f"{construct_id}Role": {"Type": "AWS::IAM::Role", "Properties": role},
        f"{construct_id}Profile": {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": instance_profile,
            "Metadata": {"aws:cdk:path": f"Stack/{construct_id}/Resource"},
        },
        f"{construct_id}Tags": {
            "Type": "Custom::InstanceProfileTags",
            "Properties": {
                "InstanceProfileName": {"Ref": f"{construct_id}Profile"},
                "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            },
        },
    }


def app(*profiles: dict[str, Any], stack: str = "Ec2Access-Web") -> dict[str, dict[str, Any]]:
    resources: dict[str, Any] = {}
    for resources_of_one in profiles:
        resources.update(resources_of_one)
    return {stack: {"Resources": resources}}


BASE = app(profile())


def run(head: dict[str, dict[str, Any]], base: dict[str, dict[str, Any]] = BASE) -> Review:
    return review(base, head, base_ref="main")


def only(result: Review) -> tuple[str, list[tuple[str, str]]]:
    (one,) = result.profiles
    return one.status, [(f.severity, f.rule) for f in one.findings]


def messages(result: Review) -> list[str]:
    return [f.message for p in result.profiles for f in p.findings]


# -- statuses ---------------------------------------------------------------------------------------


def test_the_same_app_is_unchanged_with_no_finding() -> None:
    result = run(copy.deepcopy(BASE))
    assert only(result) == ("unchanged", [])
    assert not result.high


def test_a_rename_replaces_the_profile_and_says_what_it_does_to_instances() -> None:
    result = run(app(profile(name="Web-Profile-v2", role_name="Web-Profile")))
    assert only(result) == ("replaced", [("high", "profile-replaced")])
    (message,) = messages(result)
    assert message == (
        "is replaced because its name changed from Web-Profile to Web-Profile-v2: every running instance "
        "that uses it loses its AWS credentials when CloudFormation deletes the old one, until it is "
        "given the new profile"
    )
    assert result.high
    assert to_json(result)["profiles"][0]["was"] == "Web-Profile"
    (message,) = messages(run(app(profile(name="Web-Profile-v2"))))  # the role's name follows the profile's
    assert "; its role is replaced too, as its name changed from Web-Profile to Web-Profile-v2:" in message


def test_a_new_construct_id_replaces_the_profile() -> None:
    result = run(app(profile("Frontend")))
    assert only(result) == ("replaced", [("high", "profile-replaced")])
    assert "its construct ID changed (logical ID WebProfile → FrontendProfile)" in messages(result)[0]


def test_a_new_path_replaces_the_profile() -> None:
    result = run(app(profile(path="/web/")))
    assert only(result) == ("replaced", [("high", "profile-replaced")])
    assert "its path changed from /ec2/ to /web/" in messages(result)[0]


def test_a_move_to_another_stack_replaces_the_profile() -> None:
    result = run(app(profile(), stack="Ec2Access-Frontend"))
    assert only(result)[0] == "replaced"
    assert "it moves from stack Ec2Access-Web to Ec2Access-Frontend" in messages(result)[0]


def test_a_renamed_role_replaces_the_role() -> None:
    result = run(app(profile(role_name="Web-Role")))
    assert only(result) == ("replaced", [("high", "role-replaced")])
    assert "its role is replaced because its name changed from Web-Profile to Web-Role" in messages(result)[0]


def test_a_removed_profile_is_high() -> None:
    result = run(app(profile("Other", name="Other")), base=app(profile(), profile("Other", name="Other")))
    statuses = {p.shown.label: (p.status, [f.rule for f in p.findings]) for p in result.profiles}
    assert statuses == {"Other": ("unchanged", []), "Web-Profile": ("removed", ["profile-removed"])}
    assert result.high


def test_an_added_profile_is_new_and_its_access_is_new() -> None:
    result = run(app(profile(), profile("Batch", name=None)))
    added = next(p for p in result.profiles if p.status == "added")
    assert added.shown.label == "Ec2Access-Web/BatchProfile"  # CloudFormation generates its name
    assert [(f.severity, f.rule) for f in added.findings] == [
        ("medium", "new-service"),
        ("medium", "new-actions"),
        ("info", "profile-added"),
    ]


# -- access -----------------------------------------------------------------------------------------


def test_a_statement_that_widens_the_profile_is_new_resources() -> None:
    wider = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": ["arn:aws:s3:::assets/*", "arn:aws:s3:::logs/*"],
    }
    result = run(app(profile(statements=[wider])))
    assert only(result) == ("changed", [("medium", "new-resources")])
    assert messages(result) == ["allows known actions on more: s3:GetObject on arn:aws:s3:::logs/*"]


def test_new_actions_and_services_are_medium_and_taken_ones_info() -> None:
    head = app(
        profile(
            statements=[{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:*:*:q"}]
        )
    )
    assert only(run(head)) == (
        "changed",
        [("medium", "new-service"), ("medium", "new-actions"), ("info", "actions-removed")],
    )
    more = {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": "arn:aws:s3:::assets/*",
    }
    assert only(run(app(profile(statements=[more])))) == ("changed", [("medium", "new-actions")])


def test_a_new_star_resource_is_high() -> None:
    star = {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}
    result = run(app(profile(statements=[READ_ASSETS, star])))
    assert ("high", "wildcard-resource") in only(result)[1]
    assert "allows ec2:DescribeInstances on every resource (`*`)" in messages(result)


def test_action_star_and_admin_policies_are_high() -> None:
    every = {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::assets/*"}
    assert ("high", "admin-policy") in only(run(app(profile(statements=[every]))))[1]
    result = run(app(profile(managed=("AdministratorAccess",))))
    assert [r for r in only(result)[1] if r[0] == "high"] == [
        ("high", "admin-policy"),
        ("high", "write-on-every-resource"),  # from its document, through the evaluator
        ("high", "credential-exposure"),
    ]
    assert "gets AdministratorAccess, which grants administrator-level access" in messages(result)


def test_a_new_managed_policy_is_medium_and_a_dropped_one_info() -> None:
    head = app(profile(managed=("AmazonSSMManagedInstanceCore",)))
    assert only(run(head)) == (
        "changed",
        [
            ("high", "write-on-every-resource"),
            ("high", "credential-exposure"),
            ("medium", "new-managed-policy"),
            ("medium", "newly-allowed"),
        ],
    )
    said = messages(run(head))
    assert "newly reads every secret or parameter of the account: ssm:GetParameter, ssm:GetParameters" in said
    assert any(m.startswith("newly allows: ec2messages Write: AcknowledgeMessage") for m in said)
    assert only(run(BASE, base=head)) == ("changed", [("info", "managed-policy-removed")])


@pytest.mark.parametrize(
    ("actions", "method"),
    [
        (["iam:CreatePolicyVersion"], "CreateNewPolicyVersion"),
        (["iam:AttachRolePolicy"], "AttachRolePolicy"),
        (["iam:PassRole", "ec2:RunInstances"], "CreateEC2WithExistingIP"),
    ],
)
def test_privilege_escalation_paths_are_cloudsplaining_s(actions: list[str], method: str) -> None:
    grant = {"Effect": "Allow", "Action": actions, "Resource": "arn:aws:iam::123456789012:role/*"}
    result = run(app(profile(statements=[READ_ASSETS, grant])))
    found = [m for m in messages(result) if m.startswith("opens privilege-escalation path")]
    assert any(f"path {method} (cloudsplaining)" in m for m in found), found


def test_pass_role_without_passed_to_service_is_high_and_with_it_is_not() -> None:
    role = "arn:aws:iam::123456789012:role/app"
    loose = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role}
    result = run(app(profile(statements=[READ_ASSETS, loose])))
    assert ("high", "pass-role-unconstrained") in only(result)[1]
    tight = {**loose, "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}
    assert ("high", "pass-role-unconstrained") not in only(
        run(app(profile(statements=[READ_ASSETS, tight])))
    )[1]


def test_cloudsplaining_exposure_categories_are_medium() -> None:
    secrets = {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}
    assert ("medium", "credentials-exposure") in only(run(app(profile(statements=[READ_ASSETS, secrets]))))[1]
    policy = {"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"}
    assert ("medium", "resource-exposure") in only(run(app(profile(statements=[READ_ASSETS, policy]))))[1]
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    assert ("medium", "data-exfiltration") in only(run(app(profile(statements=[read]))))[1]
    queue = app(profile(statements=[{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]))
    assert ("medium", "data-exfiltration") not in only(run(BASE, base=queue))[1]  # a named bucket only


# -- the role's settings ----------------------------------------------------------------------------


def test_trust_widened_is_high() -> None:
    trust = [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}},
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        },
    ]
    result = run(app(profile(trust=trust)))
    assert only(result) == ("changed", [("high", "trust-widened")])
    assert messages(result) == ["lets more principals assume its role: AWS:arn:aws:iam::999999999999:root"]


def test_a_removed_boundary_is_high_and_a_changed_one_medium() -> None:
    boundary = "arn:aws:iam::123456789012:policy/Boundary"
    bounded = app(profile(boundary=boundary))
    assert only(run(BASE, base=bounded)) == ("changed", [("high", "boundary-removed")])
    other = app(profile(boundary="arn:aws:iam::123456789012:policy/Other"))
    changed = run(other, base=bounded)
    assert only(changed) == ("changed", [("medium", "boundary-changed"), ("info", "not-evaluated")])
    assert messages(changed)[1] == (
        "boundary policy arn:aws:iam::123456789012:policy/Other: "
        "not defined by the app: its document is not known"
    )


def test_a_removed_or_weakened_credential_guard_is_high() -> None:
    guard = CredentialGuard(imdsv2_only=True).statements()
    guarded = app(profile(statements=[READ_ASSETS, *guard]))
    assert only(run(guarded, base=guarded)) == ("unchanged", [])
    removed = run(BASE, base=guarded)
    assert only(removed) == ("changed", [("high", "credential-guard-removed")])
    assert messages(removed) == [
        "loses its credential guard: CredentialGuardImdsV2Only, CredentialGuardInstanceAddress, "
        "CredentialGuardInstanceVpc"
    ]
    without_imds = app(profile(statements=[READ_ASSETS, *CredentialGuard().statements()]))
    assert messages(run(without_imds, base=guarded)) == [
        "loses its credential guard: CredentialGuardImdsV2Only"
    ]
    exempting = CredentialGuard(imdsv2_only=True, exempt=(Exemption("s3:GetObject", "no S3 endpoint yet"),))
    weakened = run(app(profile(statements=[READ_ASSETS, *exempting.statements()])), base=guarded)
    assert only(weakened) == (
        "changed",
        [("high", "credential-guard-weakened"), ("high", "credential-guard-weakened")],
    )
    assert (
        messages(weakened)[0] == "credential guard CredentialGuardInstanceAddress exempts s3:GetObject more"
    )
    added = run(guarded)
    assert [f.rule for p in added.profiles for f in p.findings if "guard" in f.rule] == []


def test_a_boundary_change_says_what_it_newly_cuts_and_allows() -> None:
    aws_managed = "arn:aws:iam::aws:policy/"
    reads = app(profile(managed=("AmazonS3ReadOnlyAccess",), boundary=f"{aws_managed}AmazonS3ReadOnlyAccess"))
    narrower = app(
        profile(managed=("AmazonS3ReadOnlyAccess",), boundary=f"{aws_managed}AmazonEC2ReadOnlyAccess")
    )
    cut = run(narrower, base=reads)
    assert ("info", "boundary-cuts") in only(cut)[1]
    assert any(m.startswith("the boundary now cuts: s3-object-lambda:GetObject, ") for m in messages(cut))
    freed = run(reads, base=narrower)
    assert ("medium", "boundary-allows") in only(freed)[1]


def test_what_the_statements_already_say_is_not_repeated_as_newly_allowed() -> None:
    put = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::assets/*"}
    plain = only(run(app(profile(statements=[READ_ASSETS, put]))))[1]
    assert ("medium", "new-actions") in plain
    assert ("medium", "newly-allowed") not in plain
    wildcard = {"Effect": "Allow", "Action": "s3:Put*", "Resource": "arn:aws:s3:::assets/*"}
    expanded = run(app(profile(statements=[READ_ASSETS, wildcard])))
    assert ("medium", "newly-allowed") in only(expanded)[1]
    assert any(m.startswith("newly allows: s3 Write: PutAccelerateConfiguration") for m in messages(expanded))


def test_a_longer_session_is_medium() -> None:
    result = run(app(profile(session=10800)))
    assert only(result) == ("changed", [("medium", "longer-session")])
    assert messages(result) == ["keeps sessions longer: 1 hour → 3 hours"]
    assert only(run(BASE, base=app(profile(session=10800)))) == ("changed", [])


def test_tags_are_low_and_descriptions_info() -> None:
    result = run(app(profile(tags={"Environment": "Staging", "Team": "Web"})))
    assert only(result) == ("changed", [("low", "tags-changed")])
    assert messages(result) == ["tags change: +Team=Web, Environment: Production → Staging"]
    result = run(app(profile(description="Web tier")))
    assert only(result) == ("changed", [("info", "description-changed")])
    assert not result.high


# -- words and formats ------------------------------------------------------------------------------


def test_what_a_profile_can_do_in_words() -> None:
    conditional = {**READ_ASSETS, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    result = run(app(profile(statements=[conditional], managed=("AmazonSSMManagedInstanceCore",))))
    lines = can_do(result.profiles[0].shown)
    assert lines["managed policies"] == [
        "AmazonSSMManagedInstanceCore (AWS-managed, for Session Manager, Run Command, Patch Manager)"
    ]
    assert lines["inline: s3"] == [
        'GetObject (Read) on arn:aws:s3:::assets/* when {"Bool":{"aws:SecureTransport":"true"}}'
    ]
    assert lines["role"][:3] == [
        "trusted by: Service:ec2.amazonaws.com",
        "permissions boundary: none",
        "longest session: 1 h",
    ]
    assert purpose("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess").startswith("AWS-managed: read every S3")
    assert purpose("arn:aws:iam::123456789012:policy/Mine") == "customer managed policy: read its document"


def test_the_json_keeps_the_shape_ci_jobs_gate_on() -> None:
    document = to_json(run(app(profile(name="Web-Profile-v2", role_name="Web-Profile"))))
    assert document["base"] == "main"
    assert document["high"] is True
    (entry,) = document["profiles"]
    assert entry["instance_profile"] == "Web-Profile-v2"
    assert entry["stack"] == "Ec2Access-Web"
    assert entry["status"] == "replaced"
    assert set(entry["findings"][0]) == {"severity", "rule", "message"}
    json.dumps(document)  # serializable as it is


def test_the_markdown_has_a_table_then_each_changed_profile() -> None:
    text = to_markdown(run(app(profile(name="Web-Profile-v2", role_name="Web-Profile"))))
    assert text.startswith("## Access review: `main` → working tree\n")
    assert "| `Web-Profile → Web-Profile-v2` | Ec2Access-Web | replaced | high |" in text
    assert "- **high** `profile-replaced`: is replaced because" in text
    assert "- inline: s3: `GetObject (Read) on arn:aws:s3:::assets/*`" in text


# -- the real command -------------------------------------------------------------------------------


TOOLS = (str(Path(sys.executable).parent), str(ROOT / ".venv" / "node-bin"), str(Path(CDK).parent))
"""What ``make`` puts first on PATH: the virtualenv's Python (cdk.json's ``python3``), Node.js, the CLI."""


def command(*args: str, output: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``ec2-access-profiles review ...`` (as ``python -m constructs_lib``), where ``cdk.json`` is."""
    return subprocess.run(
        [sys.executable, "-m", "constructs_lib", "review", *args, "--output", str(output)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PATH": os.pathsep.join((*TOOLS, os.environ["PATH"]))},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_this_repository_s_app_and_its_pull_request_are_reviewed_end_to_end(
    cli_app_assembly: CliSynth, changed_app_assembly: Path, tmp_path: Path
) -> None:
    """The real command on this repository's app as ``cdk synth`` writes it (``test_app`` proves it is
    the tested app) against the pull request ``tests/changed_app.py`` (which ``test_deploy`` deploys).
    From the two assemblies, as a CI job that synthesized them gives them: ``--base REF``'s worktree
    and its two real syntheses are the next test's, on a one-profile app, as the same proof on this
    app would cost two more syntheses of it with the linters.
    """
    result = command(
        "--base-assembly",
        str(cli_app_assembly.outdir),
        "--head-assembly",
        str(changed_app_assembly),
        output=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    document = json.loads((tmp_path / "review.json").read_text())
    assert document["base"] == str(cli_app_assembly.outdir)
    rules = {
        p["instance_profile"]: (p["status"], [f["rule"] for f in p["findings"]]) for p in document["profiles"]
    }
    assert rules == {
        RENAMED_PROFILE: (
            "replaced",
            [
                "profile-replaced",
                "write-on-every-resource",
                "credential-exposure",
                "new-service",
                "new-actions",
                "new-managed-policy",
                "longer-session",
                "newly-allowed",
                "tags-changed",
                "managed-policy-removed",
                "description-changed",
            ],
        ),
        "SSM-Managed-Host": ("unchanged", []),
        "ECS-Container-Instance": ("unchanged", []),
        # Its boundary, a policy of the app, now caps it at the other bucket: read from the template.
        "Assets-Reader": ("changed", ["new-resources", "boundary-changed", "description-changed"]),
    }
    (renamed,) = (p for p in document["profiles"] if p["instance_profile"] == RENAMED_PROFILE)
    assert renamed["was"] == "EC2-S3-Access-Profile"
    assert (tmp_path / "review.md").read_text() == result.stdout


DEPLOYMENTS = """\
deployments:
  - name: prod
    accounts: ["111111111111"]
    region: us-east-1
  - name: org
    organizational_units: [ou-abcd-11111111]
    region: us-east-1
  - name: big
    organizational_units: [ou-abcd-22222222]
    region: us-east-1
defaults:
  tags: {Environment: Production}
profiles:
  - name: web
    presets: [ssm]
"""
ESCALATION = """\
    statements:
      - actions: ["iam:PassRole", "iam:CreateRole", "iam:AttachRolePolicy"]
        resources: ["arn:aws:iam::123456789012:role/x"]
"""
FILLERS = 30
"""Sample profiles that only ``big`` deploys: its member template passes 51,200 bytes (``TemplateURL``)."""


def synthesize_catalog(folder: Path, text: str) -> Path:
    from aws_cdk import App  # jsii starts Node.js on this import

    from constructs_lib import build_catalog

    folder.mkdir()
    (folder / "catalog.yaml").write_text(text)
    outdir = folder / "cdk.out"
    application = App(
        context={**library_context(), "catalog": str(folder / "catalog.yaml")}, outdir=str(outdir)
    )
    build_catalog(application)
    application.synth()
    return outdir


@pytest.fixture(scope="module")
def deployed_change(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A catalogue deploying ``web`` to an account and to two OUs, before and after a change that gives
    it an escalation path and moves ``mover`` from the StackSet of ``org`` to that of ``big``."""
    folder = tmp_path_factory.mktemp("deployed-change")
    fillers = "".join(
        sample_entry(index).replace("\n    path:", "\n    deployments: [big]\n    path:", 1)
        for index in range(FILLERS)
    )
    mover = "  - name: mover\n    presets: [ssm]\n    deployments: [{0}]\n"
    base = synthesize_catalog(folder / "base", DEPLOYMENTS + mover.format("org") + fillers.lstrip("\n"))
    head = synthesize_catalog(
        folder / "head", DEPLOYMENTS + ESCALATION + mover.format("big") + fillers.lstrip("\n")
    )
    return base, head


def test_a_change_to_a_stack_set_s_profiles_is_reviewed_as_one_to_a_stage_s(
    deployed_change: tuple[Path, Path], tmp_path: Path
) -> None:
    """The member templates of StackSets, inline (``org``) or a file asset (``big``), are read as the
    profiles every account under the OUs gets: the same change has the same findings as in a Stage."""
    base, head = deployed_change
    for name, form in (("org", "TemplateBody"), ("big", "TemplateURL")):
        template = json.loads((head / f"Ec2AccessProfiles-StackSets-{name}.template.json").read_text())
        (stack_set,) = (
            r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet"
        )
        assert form in stack_set["Properties"], name
    result = command("--base-assembly", str(base), "--head-assembly", str(head), output=tmp_path)
    assert result.returncode == 1, result.stderr
    document = json.loads((tmp_path / "review.json").read_text())
    web = {
        p["stack"]: (p["status"], p["findings"])
        for p in document["profiles"]
        if p["instance_profile"] == "web"
    }
    escalation = (
        "changed",
        ["privilege-escalation", "pass-role-unconstrained", "new-service", "new-actions"],
    )
    assert {stack: (status, [f["rule"] for f in found]) for stack, (status, found) in web.items()} == {
        "prod-111111111111/Ec2AccessProfiles": escalation,
        "Ec2AccessProfiles-StackSets-org/org-Ec2AccessProfiles": escalation,
        "Ec2AccessProfiles-StackSets-big/big-Ec2AccessProfiles": escalation,
    }
    in_stage = web.pop("prod-111111111111/Ec2AccessProfiles")
    assert all(found == in_stage for found in web.values())  # the messages too
    others = {
        p["status"] for p in document["profiles"] if p["instance_profile"].startswith("profile-number-")
    }
    assert others == {"unchanged"}
    assert document["counts"]["high"] == 2 * 3 + 1  # the moved profile's replacement below


def test_a_profile_moved_to_another_stack_set_is_replaced(deployed_change: tuple[Path, Path]) -> None:
    base, head = (assembly.read(directory) for directory in deployed_change)
    result = review(base.templates, head.templates, base_ref="main")
    (moved,) = (p for p in result.profiles if p.shown.label == "mover")
    assert moved.status == "replaced"
    stacks = [profile.declared.stack for profile in (moved.base, moved.head) if profile]
    assert stacks == [
        "Ec2AccessProfiles-StackSets-org/org-Ec2AccessProfiles",
        "Ec2AccessProfiles-StackSets-big/big-Ec2AccessProfiles",
    ]
    assert [(f.severity, f.rule) for f in moved.findings] == [("high", "profile-replaced")]


HAND_WRITTEN_APP = """
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam

from constructs_lib import Ec2AccessProfile
from constructs_lib.cdk.linters import add_linters

app = App()
stack = Stack(app, "Workers")
Ec2AccessProfile(
    stack,
    "Uploader",
    instance_profile_name="Uploader",
    statements=[iam.PolicyStatement(actions=[action], resources=[arn]) for action, arn in GRANTS],
)
add_linters(app)
app.synth()
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=60)


@pytest.mark.cli
def test_a_hand_written_app_s_pull_request_adding_a_refused_grant_gets_its_report(tmp_path: Path) -> None:
    """Another team's app in its own repository: ``--base`` synthesizes it through its cdk.json."""
    repo = tmp_path / "platform"
    repo.mkdir()
    (repo / "cdk.json").write_text(
        json.dumps({"app": f"{sys.executable} app.py", "context": library_context()})
    )
    read = '("s3:GetObject", "arn:aws:s3:::bucket/reports/latest.json")'
    (repo / "app.py").write_text(f"GRANTS = [{read}]\n{HAND_WRITTEN_APP}")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base")
    write = '("s3:PutObject", "arn:aws:s3:::bucket/*")'
    (repo / "app.py").write_text(f"GRANTS = [{read}, {write}]\n{HAND_WRITTEN_APP}")

    result = command("--base", "main", output=tmp_path / "out", cwd=repo)
    assert result.returncode == 1, result.stderr
    document = json.loads((tmp_path / "out" / "review.json").read_text())
    (entry,) = document["profiles"]
    assert (entry["instance_profile"], entry["status"]) == ("Uploader", "changed")
    assert [(f["severity"], f["rule"]) for f in entry["findings"]] == [
        ("high", "linter-refused"),
        ("medium", "new-actions"),
    ]
    assert (tmp_path / "out" / "review.md").read_text() == result.stdout
    message = entry["findings"][0]["message"]
    assert message.startswith("AwsSolutions refuses AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*]")
    assert 'acknowledge=[BroadAccess.resource("arn:aws:s3:::bucket/*", reason="why it is needed")]' in message
    assert "refused at" not in message  # the base passed the linters
    assert (
        "review-"
        not in subprocess.run(
            ["git", "-C", str(repo), "worktree", "list"], capture_output=True, text=True
        ).stdout
    )


def test_the_review_runs_the_app_s_own_cdk_cli_else_the_one_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cdk_cli``: ``node_modules/.bin/cdk`` of the app's folder, else of its repository, else PATH's,
    else an error saying how to install it. The end-to-end ``--base`` test above takes PATH's."""
    top = tmp_path / "repo"
    app_dir = top / "infra"
    app_dir.mkdir(parents=True)
    on_path = tmp_path / "bin" / "cdk"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert cdk_cli(app_dir, top) == str(on_path)
    for folder in (top, app_dir):
        local = folder / "node_modules" / ".bin" / "cdk"
        local.parent.mkdir(parents=True)
        local.write_text("")
        assert cdk_cli(app_dir, top) == str(local.resolve())
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(ReviewError, match=r"the CDK CLI is not installed: `npm install aws-cdk`"):
        cdk_cli(tmp_path, tmp_path)


def test_an_unknown_ref_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    result = command("--base", "no-such-ref-anywhere", output=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("review: git rev-parse: 'no-such-ref-anywhere' is not a commit")
    assert list(tmp_path.iterdir()) == []


def test_not_action_counts_as_every_service() -> None:
    broad = {"Effect": "Allow", "NotAction": "IAM:*", "Resource": "arn:aws:s3:::assets/*"}
    result = run(app(profile(statements=[READ_ASSETS, broad])))
    assert "reaches new services: *" in messages(result)
    assert "allows new actions: NotAction:iam:*" in messages(result)


# -- what the template itself defines ---------------------------------------------------------------


def own_policy(
    statements: list[dict[str, Any]], head: dict[str, dict[str, Any]], *, named: bool = False
) -> Any:
    """``head`` with a managed policy of the app on the role, as ``iam.ManagedPolicy`` writes it."""
    properties: dict[str, Any] = {
        "PolicyDocument": {"Statement": statements, "Version": "2012-10-17"},
        "Roles": [{"Ref": "WebRole"}],
    }
    if named:
        properties["ManagedPolicyName"] = "Extra"
    head["Ec2Access-Web"]["Resources"]["Extra"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": properties,
    }
    return head


def findings_of(result: Review) -> list[tuple[str, str, str]]:
    return [(f.severity, f.rule, f.message) for p in result.profiles for f in p.findings]


@pytest.mark.parametrize("named", [False, True])
def test_an_edit_to_the_app_s_own_managed_policy_is_weighed_as_an_inline_one(named: bool) -> None:
    wide = {"Effect": "Allow", "Action": ["s3:*", "iam:PassRole"], "Resource": "*"}
    inline = run(app(profile(statements=[wide])))
    own = run(
        own_policy([wide], app(profile(statements=[])), named=named),
        base=own_policy([READ_ASSETS], app(profile(statements=[])), named=named),
    )
    assert ("high", "wildcard-resource") in only(own)[1]
    assert findings_of(own) == findings_of(inline)
    assert can_do(own.profiles[0].shown)["inline: iam"] == ["PassRole (Write) on *"]


def test_an_arn_only_a_deploy_knows_leaves_the_others_weighed() -> None:
    shared = {"Fn::ImportValue": "SharedPolicyArn"}
    base = app(profile())
    base["Ec2Access-Web"]["Resources"]["WebRole"]["Properties"]["ManagedPolicyArns"] = [shared]
    head = app(profile(managed=("AdministratorAccess",)))
    head["Ec2Access-Web"]["Resources"]["WebRole"]["Properties"]["ManagedPolicyArns"].append(shared)
    assert [r for r in only(run(head, base=base))[1] if r[0] == "high"] == [
        ("high", "admin-policy"),
        ("high", "write-on-every-resource"),
        ("high", "credential-exposure"),
    ]
    added = app(profile(), profile("Batch", name="Batch"))
    added["Ec2Access-Web"]["Resources"]["BatchRole"]["Properties"]["ManagedPolicyArns"] = [shared]
    assert (
        "customer-managed policy role.managed_policies: its value uses Fn::ImportValue, computed at deploy"
        in messages(run(added))
    )


def default_policy(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The app with a bucket of its stack and the role's ``DefaultPolicy``, as ``grant_read`` writes it."""
    head = app(profile(statements=[]))
    resources = head["Ec2Access-Web"]["Resources"]
    resources["Bucket"] = {"Type": "AWS::S3::Bucket"}
    resources["WebRoleDefaultPolicy"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "WebRoleDefaultPolicy",
            "Roles": [{"Ref": "WebRole"}],
            "PolicyDocument": {"Statement": statements, "Version": "2012-10-17"},
        },
    }
    return head


def test_a_statement_beside_one_on_a_bucket_of_the_stack_is_weighed() -> None:
    bucket = {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]}
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": bucket}
    every = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    result = run(default_policy([read, every]), base=default_policy([read]))
    assert ("high", "wildcard-resource") in only(result)[1]
    assert "allows iam:* on every resource (`*`)" in messages(result)
    assert can_do(result.profiles[0].shown)["inline: s3"] == ["GetObject (Read) on {Bucket.Arn}/*"]
    assert only(run(default_policy([read]), base=default_policy([read]))) == ("unchanged", [])


def bounded_by_own(allowed: list[dict[str, Any]] | None, **more: Any) -> dict[str, dict[str, Any]]:
    """The app with a boundary it defines (``{"Ref": "Boundary"}``, a name CloudFormation generates)
    that allows ``allowed``; the policy without the role's boundary when ``None``."""
    head = app(profile(**more))
    resources = head["Ec2Access-Web"]["Resources"]
    resources["Boundary"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"PolicyDocument": {"Statement": allowed or [READ_ASSETS], "Version": "2012-10-17"}},
    }
    if allowed is not None:
        resources["WebRole"]["Properties"]["PermissionsBoundary"] = {"Ref": "Boundary"}
    return head


def test_a_boundary_the_app_defines_is_weighed_removed_or_widened() -> None:
    removed = run(bounded_by_own(None), base=bounded_by_own([READ_ASSETS]))
    assert only(removed) == ("changed", [("high", "boundary-removed")])
    assert messages(removed) == [
        "loses its permissions boundary arn:aws:iam::ACCOUNT:policy/Ec2Access-Web-Boundary"
    ]
    put = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::assets/*"}
    statements = [READ_ASSETS, put]
    every = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    widened = run(
        bounded_by_own([every], statements=statements),
        base=bounded_by_own([READ_ASSETS], statements=statements),
    )
    assert only(widened) == (
        "changed",
        [("medium", "boundary-changed"), ("medium", "newly-allowed"), ("medium", "boundary-allows")],
    )
    assert messages(widened)[2] == "the boundary now allows: s3:PutObject"


def test_a_new_logical_id_of_the_role_replaces_it_and_a_moved_construct_does_not() -> None:
    def generated(role_id: str) -> dict[str, dict[str, Any]]:
        head = app(profile(name=None))
        resources = head["Ec2Access-Web"]["Resources"]
        resources[role_id] = resources.pop("WebRole")
        resources["WebProfile"]["Properties"]["Roles"] = [{"Ref": role_id}]
        return head

    result = run(generated("WebRole2"), base=generated("WebRole"))
    assert only(result) == ("replaced", [("high", "role-replaced")])
    assert (
        "its role is replaced because its logical ID changed from WebRole to WebRole2" in messages(result)[0]
    )
    moved = app(profile())
    moved["Ec2Access-Web"]["Resources"]["WebProfile"]["Metadata"]["aws:cdk:path"] = "Stack/Tier/Web/Resource"
    assert only(run(moved)) == ("unchanged", [])


def test_a_condition_removed_from_a_write_on_every_resource_is_high() -> None:
    tagged = {"StringEquals": {"aws:ResourceTag/Team": "web"}}
    terminate = {"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*"}
    result = run(
        app(profile(statements=[terminate])),
        base=app(profile(statements=[{**terminate, "Condition": tagged}])),
    )
    assert ("high", "write-on-every-resource") in only(result)[1]
    assert "newly allows writes on every resource (`*`): ec2:TerminateInstances" in messages(result)


def test_a_not_action_list_is_one_whole() -> None:
    def but(actions: list[str], resource: str = "*") -> dict[str, dict[str, Any]]:
        return app(profile(statements=[{"Effect": "Allow", "NotAction": actions, "Resource": resource}]))

    narrowed = run(but(["iam:*", "s3:*"]), base=but(["iam:*"]))
    assert only(narrowed) == ("changed", [("info", "actions-removed")])
    assert messages(narrowed) == ["no longer allows: s3:*"]
    bucket = "arn:aws:s3:::b/*"
    widened = run(but(["iam:*"], bucket), base=but(["iam:*", "sts:*"], bucket))
    assert only(widened)[1] == [
        ("medium", "new-service"),
        ("medium", "new-actions"),
        ("medium", "newly-allowed"),
    ]
    assert "allows new actions: sts:*" in messages(widened)


def test_a_trust_statement_losing_its_condition_widens_the_trust() -> None:
    ec2 = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    org = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    }
    anyone = {k: v for k, v in org.items() if k != "Condition"}
    result = run(app(profile(trust=[ec2, anyone])), base=app(profile(trust=[ec2, org])))
    assert only(result) == ("changed", [("high", "trust-widened")])
    assert messages(result) == ["lets principals assume its role without the condition they had: AWS:*"]
    assert only(run(app(profile(trust=[ec2, org])), base=app(profile(trust=[ec2, anyone])))) == (
        "changed",
        [],
    )


def test_pass_role_to_any_service_by_a_wildcard_is_unconstrained() -> None:
    def pass_role(condition: dict[str, Any]) -> dict[str, dict[str, Any]]:
        grant = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": condition}
        return app(profile(statements=[grant]))

    ec2 = pass_role({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
    result = run(pass_role({"StringLike": {"iam:PassedToService": "*"}}), base=ec2)
    assert ("high", "pass-role-unconstrained") in only(result)[1]
    assert ("high", "pass-role-unconstrained") not in only(run(ec2, base=app(profile(statements=[]))))[1]
