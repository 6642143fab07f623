"""``ec2-access-profiles audit`` against moto's IAM, in process: the reader's paging, every finding
kind end to end, exit codes, formats, ``--repair-tags``, names CloudFormation generates, least
privilege under moto's IAM enforcement, and the real app's templates against an account built to match.

moto 5.2.5's ``ListInstanceProfiles`` ignores ``PathPrefix`` and paging, it has no
``ListInstanceProfileTags``, its ``GetAccountAuthorizationDetails`` ignores paging and its
``AssumeRole`` needs no role: the ``aws`` fixture applies the emulator's fixes for them (and undoes
them after each test); ``tests/test_emulator_fidelity.py`` proves plain moto still has each gap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.retries.bucket import TokenBucket
from moto import mock_aws
from moto.core import enable_iam_authentication
from moto.iam.exceptions import IAMException
from moto.iam.responses import IamResponse
from moto.sts.responses import TokenResponse

from constructs_lib.audit import account as account_module
from constructs_lib.audit import run as run_module
from constructs_lib.audit.account import IamReader
from constructs_lib.audit.declared import read_assembly
from constructs_lib.audit.policy import AUDIT_POLICY, REPAIR_TAGS_POLICY
from constructs_lib.cli import commands as cli
from emulator import fidelity
from tests.test_audit_declared import TRUST, profile_resources, write_assembly
from tests.test_audit_emulator import LOOPBACK_ONLY
from tests.test_instance_profile_tags_handler import CaseInsensitiveKeys
from tooling.cdk import ROOT

pytestmark = pytest.mark.usefixtures("botocore_data_once")

ACCOUNT_ID = "123456789012"  # moto's default account
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
WEB_TAGS = {"Environment": "Production", "Service": "WebApp"}


def moto_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, aws_managed_policies: bool
) -> Iterator[None]:
    """moto in process, with test credentials and nothing of the caller's AWS settings."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254
    for name, value in LOOPBACK_ONLY.items():  # moto answers in process; anything else fails here
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    if aws_managed_policies:  # so they can be attached; loading them takes moto a second or two
        monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    for method in (
        "list_instance_profiles",
        "list_instance_profile_tags",
        "get_account_authorization_details",
    ):
        monkeypatch.setattr(IamResponse, method, getattr(IamResponse, method, None), raising=False)
    monkeypatch.setattr(TokenResponse, "assume_role", TokenResponse.assume_role)  # as it was, after the test
    monkeypatch.setattr(IamResponse, "_determine_resource", IamResponse._determine_resource)
    fidelity.iam_actions_on_their_resources()  # a policy on profiles' ARNs is checked against them
    fidelity.list_instance_profiles_filters_and_pages()
    fidelity.list_instance_profile_tags()
    fidelity.account_authorization_details_pages()
    fidelity.assume_role_needs_the_role()
    monkeypatch.chdir(tmp_path)
    with mock_aws():
        yield


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    yield from moto_account(monkeypatch, tmp_path, aws_managed_policies=False)


@pytest.fixture
def aws_managed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """``aws`` where AWS-managed policies exist."""
    yield from moto_account(monkeypatch, tmp_path, aws_managed_policies=True)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every AWS call the audit makes, as ``("iam:ListInstanceProfiles", parameters)``."""
    recorded: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        recorded.append((f"{model.service_model.endpoint_prefix}:{model.name}", dict(params)))

    def session(**kwargs: Any) -> Any:
        created = boto3.Session(**kwargs)
        created.events.register("provide-client-params.*.*", record)
        return created

    monkeypatch.setattr(run_module, "boto3", SimpleNamespace(Session=session))
    return recorded


def iam() -> Any:
    return boto3.client("iam", region_name="us-east-1")


def create_profile(
    name: str = "web",
    role: str = "web-role",
    *,
    path: str = "/ec2/",
    managed: tuple[str, ...] = (),
    inline: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
    boundary: str | None = None,
    session: int = 3600,
) -> None:
    """A profile and its role made through the IAM API, as ``profile_resources`` with the same
    arguments declares them."""
    client = iam()
    tag_list = [{"Key": k, "Value": v} for k, v in (WEB_TAGS if tags is None else tags).items()]
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    client.create_role(
        RoleName=role,
        Path=path,
        AssumeRolePolicyDocument=json.dumps(TRUST),
        MaxSessionDuration=session,
        Tags=tag_list,
        **extra,
    )
    for arn in managed:
        client.attach_role_policy(RoleName=role, PolicyArn=arn)
    for policy, document in (inline or {}).items():
        client.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))
    client.create_instance_profile(InstanceProfileName=name, Path=path, Tags=tag_list)
    client.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role)


def audit(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["audit", *args])
    out, err = capsys.readouterr()
    return status, out, err


def web_assembly(directory: Path = Path("cdk.out"), **profile: Any) -> Path:
    """The profile ``web`` (role ``web-role``) at ``/ec2/``, without managed policies unless given."""
    return write_assembly(directory, {"Web": profile_resources(**{"managed": (), **profile})})


# -- in sync, and each kind of finding --------------------------------------------------------------


def test_an_account_as_declared_is_in_sync(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    web_assembly()
    create_profile()
    assert audit(capsys=capsys) == (
        0,
        "",
        f"account {ACCOUNT_ID} (aws): 1 profile declared in cdk.out, under /ec2/: in sync\n",
    )


def test_every_kind_of_finding(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    write_assembly(
        Path("cdk.out"),
        {
            "Web": profile_resources(managed=()),
            "Gone": profile_resources("Gone", stack="Gone", name="gone", role_name="gone", managed=()),
            "Lonely": profile_resources(
                "Lonely", stack="Lonely", name="lonely", role_name="lonely", managed=()
            ),
        },
    )
    create_profile()
    create_profile("lonely", "lonely")
    client = iam()
    client.remove_role_from_instance_profile(InstanceProfileName="lonely", RoleName="lonely")
    client.untag_instance_profile(InstanceProfileName="web", TagKeys=["Service"])
    client.create_instance_profile(InstanceProfileName="Hand-Made", Path="/ec2/")
    client.add_role_to_instance_profile(InstanceProfileName="Hand-Made", RoleName="web-role")
    status, out, err = audit(capsys=capsys)
    assert status == 1
    assert out.splitlines() == [
        "missing profile 'gone' (Gone/Gone) profile: expected '/ec2/gone', actual none; "
        "fix: deploy it: cdk deploy Gone",
        "unexpected profile 'Hand-Made' profile: expected none, actual '/ec2/Hand-Made'; "
        "fix: declare it in the app, or delete it if nothing uses it: "
        "aws iam remove-role-from-instance-profile --instance-profile-name Hand-Made --role-name web-role "
        "&& aws iam delete-instance-profile --instance-profile-name Hand-Made",
        "broken profile 'lonely' (Lonely/Lonely) role: expected 'lonely', actual none; fix: aws iam "
        "add-role-to-instance-profile --instance-profile-name lonely --role-name lonely",
        "drift profile 'web' (Web/Web) tags['Service']: expected 'WebApp', actual none; "
        "fix: ec2-access-profiles audit --repair-tags",
        "broken profile 'web' (Web/Web) role.instance_profiles: "
        'expected ["web"], actual ["Hand-Made","web"]; '
        "fix: give each profile a role of its own; remove this one from the others: "
        "aws iam remove-role-from-instance-profile --instance-profile-name Hand-Made --role-name web-role",
    ]
    assert err.endswith(
        "3 profiles declared in cdk.out, under /ec2/: "
        "5 findings (1 missing, 1 unexpected, 1 drift, 2 broken)\n"
    )


def test_role_drift_end_to_end(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    read: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}],
    }
    web_assembly(statements=read["Statement"], session=7200)
    create_profile(inline={"Permissions": read}, session=7200)
    client = iam()
    client.put_role_policy(
        RoleName="web-role",
        PolicyName="Permissions",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": {"Action": ["s3:*"], "Effect": "Allow", "Resource": "*"}}
        ),
    )
    client.update_role(RoleName="web-role", MaxSessionDuration=3600)
    client.tag_role(RoleName="web-role", Tags=[{"Key": "Owner", "Value": "someone"}])
    status, out, _ = audit("--format", "json", capsys=capsys)
    assert status == 1
    findings = json.loads(out)["findings"]
    assert [(f["field"], f["key"], f["expected"], f["actual"]) for f in findings] == [
        (
            "role.inline_policies",
            "Permissions",
            {
                "Version": "2012-10-17",
                "Statement": [{"Action": ["s3:getobject"], "Effect": "Allow", "Resource": ["*"]}],
            },
            {
                "Version": "2012-10-17",
                "Statement": [{"Action": ["s3:*"], "Effect": "Allow", "Resource": ["*"]}],
            },
        ),
        ("role.max_session_duration", None, 7200, 3600),
        ("role.tags", "Owner", None, "someone"),
    ]


def test_a_profile_moved_to_another_path_is_found_by_name(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    web_assembly()
    create_profile(path="/moved/")
    status, out, _ = audit(capsys=capsys)
    assert status == 1
    assert out.startswith("drift profile 'web' (Web/Web) path: expected '/ec2/', actual '/moved/';")
    assert "role.path: expected '/ec2/', actual '/moved/'" in out


# -- reading at scale -------------------------------------------------------------------------------


def declare(names: list[str]) -> None:
    """Declare a profile (and role) of each name in one stack ``Web``."""
    write_assembly(
        Path("cdk.out"),
        {
            "Web": {
                k: v for n in names for k, v in profile_resources(n, name=n, role_name=n, managed=()).items()
            }
        },
    )


def declare_and_create_in_sync(names: list[str]) -> None:
    """Declare a profile (and role) of each name in one stack ``Web``, and create each as declared."""
    declare(names)
    for name in names:
        create_profile(name, name)


def test_profiles_are_listed_page_by_page_under_owned_paths_only(
    aws: None, calls: list[tuple[str, dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"web-{number:03d}" for number in range(23)]
    declare_and_create_in_sync(names)
    for name in ("batch-1", "batch-2"):
        create_profile(name, name, path="/batch/")
    create_profile("prefix-lookalike", "prefix-lookalike", path="/ec2x/")
    assert audit("--page-size", "5", capsys=capsys)[0] == 0
    listing = [params for call, params in calls if call == "iam:ListInstanceProfiles"]
    assert listing == [
        {"PathPrefix": "/ec2/", "MaxItems": 5, **({"Marker": str(start)} if start else {})}
        for start in range(0, 25, 5)
    ]
    assert {call for call, _ in calls} == {
        "sts:GetCallerIdentity",
        "iam:ListInstanceProfiles",
        "iam:ListInstanceProfileTags",
        "iam:GetAccountAuthorizationDetails",
        "iam:ListRoles",
    }
    bulk = [params for call, params in calls if call == "iam:GetAccountAuthorizationDetails"]
    assert bulk == [
        {"Filter": ["Role"], "MaxItems": 5, **({"Marker": str(start)} if start else {})}
        for start in range(0, 30, 5)  # 28 roles: the 23 declared and the 5 others
    ]
    assert all(params["MaxItems"] == 5 for call, params in calls if call.split(":")[1].startswith("List"))


CALL_BUDGET = 3
"""IAM calls a profile may cost in a steady account (issue 21): the bench reports the figure."""


def test_the_call_budget_one_iam_call_a_profile_and_a_page_a_list(
    aws: None, calls: list[tuple[str, dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A steady account costs one call a profile (its tags); roles are read in bulk. A change that adds
    a call a profile (a GetRole, a ListRolePolicies...) fails here, however the budget is met."""
    counted: dict[int, Counter[str]] = {}
    created: list[str] = []
    for count in (10, 20):
        names = [f"web-{number:03d}" for number in range(count)]
        declare(names)
        for name in names[len(created) :]:
            create_profile(name, name)
        created = names
        calls.clear()
        assert audit("--page-size", "1000", capsys=capsys)[0] == 0
        counted[count] = Counter(call for call, _ in calls)
        assert sum(n for call, n in counted[count].items() if call.startswith("iam:")) <= CALL_BUDGET * count
    assert counted[10] == {
        "sts:GetCallerIdentity": 1,
        "iam:ListInstanceProfiles": 1,
        "iam:GetAccountAuthorizationDetails": 1,
        "iam:ListRoles": 1,
        "iam:ListInstanceProfileTags": 10,
    }
    assert counted[20] - counted[10] == {"iam:ListInstanceProfileTags": 10}


def test_more_profiles_than_a_page_with_one_unexpected_and_others_elsewhere(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"web-{number:03d}" for number in range(101)]  # more than the default page of 100
    declare_and_create_in_sync(names)
    iam().create_instance_profile(InstanceProfileName="zz-hand-made", Path="/ec2/")
    iam().create_instance_profile(InstanceProfileName="elsewhere", Path="/batch/")
    status, out, err = audit(capsys=capsys)
    assert (status, out.splitlines()[0].split(";")[0]) == (
        1,
        "unexpected profile 'zz-hand-made' profile: expected none, actual '/ec2/zz-hand-made'",
    )
    assert len(out.splitlines()) == 1
    assert "101 profiles declared" in err


def test_the_listing_holds_one_page_at_a_time(aws: None) -> None:
    for number in range(6):
        create_profile(f"p{number}", f"p{number}")
    pages: list[dict[str, Any]] = []
    client = iam()
    client.meta.events.register(
        "provide-client-params.iam.ListInstanceProfiles", lambda params, **_: pages.append(params)
    )
    listing = IamReader(client, page_size=2).list_profiles(["/ec2/"])
    assert [next(listing).name for _ in range(2)] == ["p0", "p1"]
    assert len(pages) == 1  # the second page is asked for only when the first is used up
    assert [profile.name for profile in listing] == ["p2", "p3", "p4", "p5"]
    assert len(pages) == 3


READ_ANYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}],
}


def test_roles_are_read_in_bulk_once_following_markers(aws_managed: None) -> None:
    create_profile(
        managed=(S3_READ, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
        inline={"Read": READ_ANYTHING},
        session=7200,
    )
    create_profile("other", "other-role")
    client = iam()
    markers: dict[str, list[Any]] = {"GetAccountAuthorizationDetails": [], "ListRoles": []}
    for operation, seen in markers.items():
        client.meta.events.register(
            f"provide-client-params.iam.{operation}",
            lambda params, seen=seen, **_: seen.append(params.get("Marker")),
        )
    with IamReader(client, page_size=1) as reader:
        profiles = {profile.name: reader.read(profile) for profile in reader.list_profiles(["/ec2/"])}
    role = profiles["web"].role
    assert role is not None
    assert role.managed_policy_arns == {S3_READ, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}
    assert (dict(role.inline_policies), role.max_session_duration, role.instance_profiles) == (
        {"Read": READ_ANYTHING},
        7200,
        ("web",),
    )
    assert markers == {"GetAccountAuthorizationDetails": [None, "1"], "ListRoles": [None, "1"]}


# -- formats, exit codes and errors -----------------------------------------------------------------


def test_json_and_markdown_formats(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    web_assembly()
    create_profile(tags={"Environment": "Production"})
    status, out, err = audit("--format", "json", capsys=capsys)
    assert (status, err) == (1, "")
    document = json.loads(out)
    assert (document["in_sync"], document["owned_paths"], document["declared_profiles"]) == (
        False,
        ["/ec2/"],
        1,
    )
    assert [(f["kind"], f["profile"], f["field"], f["key"]) for f in document["findings"]] == [
        ("drift", "web", "tags", "Service"),
        ("drift", "web", "role.tags", "Service"),
    ]
    status, out, _ = audit("--format", "markdown", capsys=capsys)
    assert status == 1
    assert out.splitlines()[4:6] == [
        "| Kind | Profile | Field | Expected | Actual | Fix |",
        "| --- | --- | --- | --- | --- | --- |",
    ]


def test_no_assembly_exits_2_before_any_aws_call(
    aws: None, calls: list[tuple[str, dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert audit("--assembly", "nowhere", capsys=capsys) == (
        2,
        "",
        "audit: nowhere/manifest.json: cannot read it: No such file or directory "
        "(run `cdk synth` first, or give --assembly DIR)\n",
    )
    assert calls == []


def test_no_credentials_exit_2_naming_the_call(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    web_assembly()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert audit(capsys=capsys) == (
        2,
        "",
        "audit: sts:GetCallerIdentity for the credentials failed: Unable to locate credentials\n",
    )


def test_an_unknown_profile_exits_2(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    web_assembly()
    status, out, err = audit("--profile", "nobody", capsys=capsys)
    assert (status, out) == (2, "")
    assert err == "audit: cannot start an AWS session: The config profile (nobody) could not be found\n"


@pytest.mark.filterwarnings("ignore:Exception\\(IAMException\\) with code Throttling")
def test_throttling_is_retried_then_exits_2_naming_the_call_and_profile(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    web_assembly()
    create_profile()
    attempts: list[str] = []

    def throttled(self: IamResponse) -> Any:
        attempts.append("GetAccountAuthorizationDetails")
        raise IAMException("Throttling", "Rate exceeded")

    monkeypatch.setattr(IamResponse, "get_account_authorization_details", throttled)
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda seconds: None)  # the backoff, not waited out
    slowed: list[float] = []

    def rate_limited(self: TokenBucket, amount: float) -> float:
        slowed.append(amount)  # adaptive mode's client-side rate limiter would wait here: not waited out
        return 0.0

    monkeypatch.setattr(TokenBucket, "_sleep_amount", rate_limited)
    status, out, err = audit(capsys=capsys)
    assert (status, out) == (2, "")
    assert err == (
        "audit: iam:GetAccountAuthorizationDetails for the account's roles failed: "
        "Throttling: Rate exceeded\n"
    )
    assert len(attempts) == run_module.MAX_ATTEMPTS  # botocore's adaptive retry mode, ten attempts
    assert slowed  # and, throttled, the client slowed its own rate


def test_an_assembly_without_profiles_exits_2(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    write_assembly(Path("cdk.out"), {"Empty": {}})
    assert audit(capsys=capsys) == (
        2,
        "",
        f"audit: cdk.out: declares no AWS::IAM::InstanceProfile for account {ACCOUNT_ID}: nothing to audit\n",
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dry-run"], "audit: --dry-run goes with --repair-tags"),
        (["--page-size", "0"], "argument --page-size: '0' is not a whole number from 1 to 1000"),
        (["--page-size", "1001"], "argument --page-size: '1001' is not a whole number from 1 to 1000"),
        (["--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    ],
)
def test_bad_arguments_exit_2(arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        status = cli.main(["audit", *arguments])
    except SystemExit as exited:
        status = int(exited.code or 0)
    assert status == 2
    assert message in capsys.readouterr().err


# -- --repair-tags ----------------------------------------------------------------------------------


def test_repair_tags_dry_run_prints_and_changes_nothing(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    web_assembly()
    create_profile()
    client = iam()
    client.untag_instance_profile(InstanceProfileName="web", TagKeys=["Service"])
    client.tag_instance_profile(InstanceProfileName="web", Tags=[{"Key": "Stray", "Value": "x"}])
    status, out, err = audit("--repair-tags", "--dry-run", capsys=capsys)
    assert status == 1
    assert out.splitlines()[-2:] == [
        "would untag profile 'web': Stray (UntagInstanceProfile)",
        "would tag profile 'web': Service='WebApp' (TagInstanceProfile)",
    ]
    assert err.endswith("2 findings (2 drift); would repair the tags of 1 profile, 2 left\n")
    assert client.list_instance_profile_tags(InstanceProfileName="web")["Tags"] == [
        {"Key": "Environment", "Value": "Production"},
        {"Key": "Stray", "Value": "x"},
    ]


def test_repair_tags_fixes_profile_tags_only(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    web_assembly()
    create_profile()
    client = iam()
    client.untag_instance_profile(InstanceProfileName="web", TagKeys=["Service"])
    client.tag_instance_profile(InstanceProfileName="web", Tags=[{"Key": "Stray", "Value": "x"}])
    client.untag_role(RoleName="web-role", TagKeys=["Service"])
    status, out, err = audit("--repair-tags", capsys=capsys)
    assert status == 1  # the role's tag is left for its stack's owner
    assert out.splitlines()[-2:] == [
        "untagged profile 'web': Stray (UntagInstanceProfile)",
        "tagged profile 'web': Service='WebApp' (TagInstanceProfile)",
    ]
    assert err.endswith("3 findings (3 drift); repaired the tags of 1 profile, 1 left\n")
    tags = client.list_instance_profile_tags(InstanceProfileName="web")["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == WEB_TAGS
    assert client.get_role(RoleName="web-role")["Role"]["Tags"] == [
        {"Key": "Environment", "Value": "Production"}
    ]
    status, out, _ = audit(capsys=capsys)
    assert (status, out.splitlines()) == (
        1,
        [
            "drift profile 'web' (Web/Web) role.tags['Service']: expected 'WebApp', actual none; "
            "fix: aws iam tag-role --role-name web-role --tags Key=Service,Value=WebApp"
        ],
    )


def test_repairing_every_finding_exits_0(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    web_assembly()
    create_profile()
    iam().untag_instance_profile(InstanceProfileName="web", TagKeys=["Service"])
    status, _, err = audit("--repair-tags", capsys=capsys)
    assert status == 0
    assert err.endswith("repaired the tags of 1 profile, 0 left\n")
    assert audit(capsys=capsys)[0] == 0


def test_json_in_sync_says_what_the_exit_code_says_after_repairs(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    web_assembly()
    create_profile()
    iam().untag_instance_profile(InstanceProfileName="web", TagKeys=["Service"])
    status, out, _ = audit("--repair-tags", "--dry-run", "--format", "json", capsys=capsys)
    document = json.loads(out)
    assert (status, document["in_sync"], document["remaining"]) == (1, False, 1)
    status, out, _ = audit("--repair-tags", "--format", "json", capsys=capsys)
    document = json.loads(out)
    assert (status, document["in_sync"], document["remaining"], len(document["findings"])) == (0, True, 0, 1)


def test_repair_untags_before_it_tags_a_key_changed_only_in_case(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """IAM may hold keys that differ only in case as one key (``CaseInsensitiveKeys``): tagging
    ``Service`` and then untagging ``service`` would remove the tag just made."""
    web_assembly()
    create_profile(tags={"Environment": "Production", "service": "WebApp"})
    iam().tag_role(RoleName="web-role", Tags=[{"Key": "Service", "Value": "WebApp"}])
    iam().untag_role(RoleName="web-role", TagKeys=["service"])
    made: list[str] = []

    def change_tags(client: Any, change: Any) -> None:
        made.append(change.action)
        account_module.change_tags(CaseInsensitiveKeys(client), change)

    monkeypatch.setattr(run_module, "change_tags", change_tags)
    assert audit("--repair-tags", capsys=capsys)[0] == 0
    tags = iam().list_instance_profile_tags(InstanceProfileName="web")["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == WEB_TAGS  # tagging first left no Service
    assert audit(capsys=capsys)[:2] == (0, "")
    assert made == ["UntagInstanceProfile", "TagInstanceProfile"]


# -- names CloudFormation generates -----------------------------------------------------------------


def test_generated_names_are_read_from_the_deployed_stack(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    resources = profile_resources(
        "Gen",
        stack="Gen-Stack",
        name=None,
        role_name=None,
        path="/gen/",
        managed=(),
        tag_profile=False,
        tags={},
    )
    write_assembly(Path("cdk.out"), {"Gen-Stack": resources})
    assert audit(capsys=capsys)[:2] == (
        1,
        "missing profile 'Gen-Stack/Gen' profile: expected '/gen/(a name CloudFormation generates)', "
        "actual none; fix: deploy it: cdk deploy Gen-Stack\n",
    )
    boto3.client("cloudformation").create_stack(
        StackName="Gen-Stack", TemplateBody=json.dumps({"Resources": resources})
    )
    (generated,) = iam().list_instance_profiles(PathPrefix="/gen/")["InstanceProfiles"]
    assert generated["InstanceProfileName"].startswith("Gen-Stack-Gen-")
    assert audit(capsys=capsys)[:2] == (0, "")
    iam().create_instance_profile(InstanceProfileName="Gen-Stack-Gen-BYHAND", Path="/gen/")
    status, out, _ = audit(capsys=capsys)
    assert (status, out.split(";")[0]) == (
        1,
        "unexpected profile 'Gen-Stack-Gen-BYHAND' profile: "
        "expected none, actual '/gen/Gen-Stack-Gen-BYHAND'",
    )


# -- least privilege --------------------------------------------------------------------------------

AUDIT_ACTIONS = [
    action
    for statement in AUDIT_POLICY["Statement"]
    for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
]


def without(policy: dict[str, Any], action: str) -> dict[str, Any]:
    statements = []
    for statement in policy["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        kept = [a for a in actions if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}


def least_privilege_account(monkeypatch: pytest.MonkeyPatch, *policies: dict[str, Any]) -> None:
    """An account where the audit calls every action it may need, and an auditor holding ``policies``.

    ``web`` has an inline policy (GetRolePolicy) and tags to repair; ``gone`` is declared but
    missing (GetInstanceProfile); ``Gen-Stack``'s profile has a generated name (DescribeStackResource).
    """
    read: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}],
    }
    generated = profile_resources(
        "Gen",
        stack="Gen-Stack",
        name=None,
        role_name=None,
        path="/gen/",
        managed=(),
        tag_profile=False,
        tags={},
    )
    write_assembly(
        Path("cdk.out"),
        {
            "Web": profile_resources(statements=read["Statement"], managed=()),
            "Gone": profile_resources("Gone", stack="Gone", name="gone", role_name="gone", managed=()),
            "Gen-Stack": generated,
        },
    )
    create_profile(inline={"Permissions": read})
    iam().untag_instance_profile(InstanceProfileName="web", TagKeys=["Service"])
    boto3.client("cloudformation").create_stack(
        StackName="Gen-Stack", TemplateBody=json.dumps({"Resources": generated})
    )
    client = iam()
    client.create_user(UserName="auditor")
    for number, policy in enumerate(policies):
        client.put_user_policy(
            UserName="auditor", PolicyName=f"Audit{number}", PolicyDocument=json.dumps(policy)
        )
    key = client.create_access_key(UserName="auditor")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])


def test_the_documented_policy_is_enough(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    least_privilege_account(monkeypatch, AUDIT_POLICY)
    with enable_iam_authentication():
        status, out, err = audit(capsys=capsys)
    assert "failed" not in err
    assert status == 1
    assert [line.split(" (")[0] for line in out.splitlines()] == [
        "missing profile 'gone'",
        "drift profile 'web'",
    ]


def narrowed(account: str) -> dict[str, Any]:
    """``AUDIT_POLICY`` with its profile reads on the instance profiles of ``account`` only, as the
    README says it may be narrowed (``ListInstanceProfiles`` names no profile: still ``*``)."""
    profiles = f"arn:aws:iam::{account}:instance-profile/*"
    first, *rest = AUDIT_POLICY["Statement"]
    reads = {
        **first,
        "Action": ["iam:GetInstanceProfile", "iam:ListInstanceProfileTags"],
        "Resource": profiles,
    }
    listing = {**first, "Sid": "ListInstanceProfiles", "Action": "iam:ListInstanceProfiles"}
    return {**AUDIT_POLICY, "Statement": [reads, listing, *rest]}


def test_the_policy_narrowed_to_the_accounts_instance_profiles_is_enough(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checked against each profile's ARN (the emulator's ``iam_actions_on_their_resources``), with
    the control: narrowed to another account's profiles, the tag read is refused."""
    least_privilege_account(monkeypatch, narrowed(ACCOUNT_ID))
    with enable_iam_authentication():
        status, out, err = audit(capsys=capsys)
    assert "failed" not in err
    assert (status, [line.split(" (")[0] for line in out.splitlines()]) == (
        1,
        ["missing profile 'gone'", "drift profile 'web'"],
    )


def test_the_policy_narrowed_to_another_accounts_profiles_is_refused(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    least_privilege_account(monkeypatch, narrowed("999999999999"))
    with enable_iam_authentication():
        status, out, err = audit(capsys=capsys)
    assert (status, out) == (2, "")
    assert err.startswith("audit: iam:ListInstanceProfileTags ")
    assert "AccessDenied" in err


@pytest.mark.parametrize("action", AUDIT_ACTIONS)
def test_each_action_of_the_policy_is_needed(
    action: str, aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Negative control: the same audit, with one action less, fails naming that call."""
    least_privilege_account(monkeypatch, without(AUDIT_POLICY, action))
    with enable_iam_authentication():
        status, out, err = audit(capsys=capsys)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"audit: {action} ")
    assert "AccessDenied" in err


def test_repairing_needs_the_repair_policy_too(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    least_privilege_account(monkeypatch, AUDIT_POLICY)
    with enable_iam_authentication():
        status, out, err = audit("--repair-tags", capsys=capsys)
    assert status == 2
    assert err.splitlines()[-1].startswith(
        "audit: iam:TagInstanceProfile for profile 'web' failed: AccessDenied: User: "
        f"arn:aws:iam::{ACCOUNT_ID}:user/auditor is not authorized to perform: iam:TagInstanceProfile"
    )
    assert "tagged" not in out


def test_with_the_repair_policy_tags_are_repaired(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    least_privilege_account(monkeypatch, AUDIT_POLICY, REPAIR_TAGS_POLICY)
    with enable_iam_authentication():
        status, out, err = audit("--repair-tags", capsys=capsys)
    assert (status, "failed" in err) == (1, False)  # 'gone' is still missing
    assert out.splitlines()[-1] == "tagged profile 'web': Service='WebApp' (TagInstanceProfile)"


# -- the real app -----------------------------------------------------------------------------------

APP_TAGS = {
    "EC2-S3-Access-Profile": {"Environment": "Production", "Service": "WebApp"},
    "SSM-Managed-Host": {"Environment": "Production", "Service": "Operations"},
    "ECS-Container-Instance": {"Environment": "Production", "Service": "Containers"},
    "Assets-Reader": {"Environment": "Production", "Service": "Assets"},
}


def create_the_apps_profiles() -> None:
    """What deploying the app creates, made through the IAM API (the values test_deploy reads back)."""
    managed = "arn:aws:iam::aws:policy/"
    create_profile(
        "EC2-S3-Access-Profile",
        "EC2-S3-Access-Role",
        managed=(f"{managed}AmazonS3ReadOnlyAccess",),
        tags=APP_TAGS["EC2-S3-Access-Profile"],
    )
    create_profile(
        "SSM-Managed-Host",
        "SSM-Managed-Host",
        managed=(f"{managed}AmazonSSMManagedInstanceCore",),
        tags=APP_TAGS["SSM-Managed-Host"],
    )
    create_profile(
        "ECS-Container-Instance",
        "ECS-Container-Instance",
        managed=(
            f"{managed}service-role/AmazonEC2ContainerServiceforEC2Role",
            f"{managed}AmazonSSMManagedInstanceCore",
            f"{managed}CloudWatchAgentServerPolicy",
        ),
        tags=APP_TAGS["ECS-Container-Instance"],
    )
    read_assets = {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::example-assets/*"}
        ],
    }
    boundary = iam().create_policy(
        PolicyName="Assets-Reader-Boundary-example-assets",
        Path="/ec2/",
        PolicyDocument=json.dumps(read_assets),
    )
    create_profile(
        "Assets-Reader",
        "Assets-Reader",
        managed=(),
        inline={"Permissions": read_assets},
        boundary=boundary["Policy"]["Arn"],
        session=7200,
        tags=APP_TAGS["Assets-Reader"],
    )


def test_the_real_app_in_sync_then_with_injected_drift(
    aws_managed: None,
    app_templates: dict[str, Any],
    app_assembly_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assembly = str(app_assembly_dir)
    create_the_apps_profiles()
    status, out, err = audit("--assembly", assembly, capsys=capsys)
    assert (status, out) == (0, ""), err
    assert err.endswith(f"4 profiles declared in {assembly}, under /ec2/: in sync\n")

    client = iam()
    client.untag_instance_profile(InstanceProfileName="EC2-S3-Access-Profile", TagKeys=["Service"])
    client.create_instance_profile(InstanceProfileName="Hand-Made", Path="/ec2/")
    client.detach_role_policy(
        RoleName="SSM-Managed-Host", PolicyArn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    )
    status, out, _ = audit("--assembly", assembly, "--format", "json", capsys=capsys)
    assert status == 1
    assert [
        (f["kind"], f["profile"], f["where"], f["field"], f["key"], f["expected"], f["actual"])
        for f in json.loads(out)["findings"]
    ] == [
        (
            "drift",
            "EC2-S3-Access-Profile",
            "Ec2Access-WebServer/WebServer",
            "tags",
            "Service",
            "WebApp",
            None,
        ),
        ("unexpected", "Hand-Made", "", "profile", None, None, "/ec2/Hand-Made"),
        (
            "drift",
            "SSM-Managed-Host",
            "Ec2Access-SsmManagedHost/SsmManagedHost",
            "role.managed_policies",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            "attached",
            None,
        ),
    ]
    assert audit("--assembly", assembly, "--repair-tags", capsys=capsys)[0] == 1
    status, out, _ = audit("--assembly", assembly, capsys=capsys)
    assert [line.split(" (")[0].split(" ")[:3] for line in out.splitlines()] == [
        ["unexpected", "profile", "'Hand-Made'"],
        ["drift", "profile", "'SSM-Managed-Host'"],
    ]


# -- boto3 is optional ------------------------------------------------------------------------------


def run_python(program: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-c", dedent(program)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_boto3_audit_exits_2_saying_how_to_install_it(tmp_path: Path) -> None:
    result = run_python(
        """\
        import sys
        sys.modules["boto3"] = None  # as if boto3 were not installed
        from constructs_lib.cli.commands import main
        raise SystemExit(main(["audit"]))
        """,
        tmp_path,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "audit: needs boto3, which is not installed: pip install 'ec2-access-profiles[audit]'\n"
    )


def test_the_cli_and_the_audits_pure_core_import_no_boto3(tmp_path: Path) -> None:
    result = run_python(
        """\
        import sys
        import constructs_lib, constructs_lib.cli.commands
        from constructs_lib.audit import declared, deployment, documents, drift, findings, intrinsics
        from constructs_lib.audit import policy, profiles, repair, report
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "aws_cdk", "jsii"))
        print(loaded)
        """,
        tmp_path,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


def test_credentials_of_another_account_stop_the_audit_before_any_read_or_repair(
    aws: None, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    """``--repair-tags`` in a deployment must never tag the wrong account: the check comes first."""
    create_profile(tags={"Team": "old"})
    stacks = read_assembly(web_assembly())
    options = run_module.AuditOptions(repair_tags=True)
    session = vars(run_module)["boto3"].Session(region_name="us-east-1")  # the recording one
    with pytest.raises(run_module.WrongAccountError) as wrong:
        run_module.audit_account(session, stacks, options, "x", "999999999999")
    assert wrong.value.account_id == "123456789012"
    assert [call for call, _ in calls] == ["sts:GetCallerIdentity"]
