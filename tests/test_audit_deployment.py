"""``ec2-access-profiles audit --deployment NAME --role-name ROLE`` against moto with several accounts.

moto keeps IAM's state per account, and its ``AssumeRole`` hands out credentials of the account the
role's ARN names (with the emulator's fix, only for a role that exists there). The accounts here are
set up through the ``x-moto-account-id`` header; the audit itself only has the management account's
credentials and reaches the others by assuming the audit role, as it would on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.retries.bucket import TokenBucket
from botocore.stub import Stubber
from moto.core import enable_iam_authentication
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse

from constructs_lib.audit import run as run_module
from constructs_lib.audit.accounts import UnreachableError, assume
from constructs_lib.audit.deployment import deployment_targets
from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.policy import AUDIT_POLICY, audit_role_trust_policy, deployment_policy
from constructs_lib.cli import commands as cli
from tests.test_audit_account import WEB_TAGS, moto_account, without
from tests.test_audit_declared import TRUST, profile_resources, write_assembly
from tests.test_audit_emulator import LOOPBACK_ONLY

pytestmark = pytest.mark.usefixtures("botocore_data_once")

MANAGEMENT = "123456789012"  # moto's default account: the caller's
AUDITOR = "Auditor"
PROD = ("111111111111", "222222222222", "333333333333")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    yield from moto_account(monkeypatch, tmp_path, aws_managed_policies=False)


def client(service: str, account: str) -> Any:
    """A client whose calls moto answers as ``account``'s (for setting accounts up, not for the audit)."""
    made = boto3.client(service, region_name="us-east-1")
    made.meta.events.register(
        "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account)
    )
    return made


def prepare(account: str, *, audit_role: bool = True, names: tuple[str, ...] = ("web",)) -> None:
    """In ``account``: the audit role (unless not), and each profile and role as the templates declare."""
    iam = client("iam", account)
    if audit_role:
        trust = json.dumps(audit_role_trust_policy(MANAGEMENT))
        iam.create_role(RoleName=AUDITOR, AssumeRolePolicyDocument=trust)
    tags = [{"Key": key, "Value": value} for key, value in WEB_TAGS.items()]
    for name in names:
        iam.create_role(
            RoleName=f"{name}-role", Path="/ec2/", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=tags
        )
        iam.create_instance_profile(InstanceProfileName=name, Path="/ec2/", Tags=tags)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=f"{name}-role")


def web(names: tuple[str, ...] = ("web",)) -> dict[str, Any]:
    return {
        k: v
        for name in names
        for k, v in profile_resources(name.title(), name=name, role_name=f"{name}-role", managed=()).items()
    }


def stages_assembly(directory: Path, deployment: str, accounts: tuple[str, ...]) -> Path:
    """What `cdk synth` writes for a deployment to accounts: a Stage per account, and an
    environment-agnostic stack at the top that no deployment's account should be held to."""
    write_assembly(directory, {"Ec2Access-AssetsReader": web(("assets",))})
    manifest = json.loads((directory / "manifest.json").read_text())
    for account in accounts:
        stage = f"assembly-{deployment}-{account}"
        write_assembly(directory / stage, {"Web": web()}, environments={"Web": f"aws://{account}/us-east-1"})
        manifest["artifacts"][stage] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": stage, "displayName": f"{deployment}-{account}"},
        }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def audit(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["audit", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.filterwarnings("ignore:Exception\\(STSClientError\\) with code AccessDenied")
def test_drift_in_one_account_and_a_missing_role_in_another(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    in_sync, drifted, no_role = PROD
    stages_assembly(Path("cdk.out"), "prod", PROD)
    prepare(in_sync)
    prepare(drifted)
    prepare(no_role, audit_role=False)
    client("iam", drifted).untag_instance_profile(InstanceProfileName="web", TagKeys=["Service"])

    status, out, err = audit("--deployment", "prod", "--role-name", AUDITOR, capsys=capsys)
    assert status == 1
    assert out.splitlines() == [
        f"== account {in_sync} ==",
        f"== account {drifted} ==",
        "drift profile 'web' (Web/Web) tags['Service']: expected 'WebApp', actual none; "
        "fix: ec2-access-profiles audit --repair-tags",
        f"== account {no_role} ==",
        f"unreachable account {no_role}: sts:AssumeRole for arn:aws:iam::{no_role}:role/{AUDITOR} failed: "
        f"AccessDenied: User: arn:aws:sts::{MANAGEMENT}:user/moto is not authorized to perform: "
        f"sts:AssumeRole on resource: arn:aws:iam::{no_role}:role/{AUDITOR}; "
        "fix: create the audit role in the account, trusting the auditing account "
        "(README: 'Auditing every account of a deployment')",
    ]
    assert err.splitlines()[-1] == "deployment prod: 3 accounts: 1 in sync, 1 with findings, 1 unreachable"
    assert (
        f"account {in_sync} (aws): 1 profile declared in cdk.out (deployment prod), under /ec2/: in sync"
        in err
    )

    status, out, _ = audit("--deployment", "prod", "--role-name", AUDITOR, "--format", "json", capsys=capsys)
    document = json.loads(out)
    assert (status, document["in_sync"]) == (1, False)
    assert [
        (entry["account"], len(entry.get("findings", [])), (entry["problem"] or {}).get("kind"))
        for entry in document["accounts"]
    ] == [(in_sync, 0, None), (drifted, 1, None), (no_role, 0, "unreachable")]

    status, _, err = audit("--deployment", "prod", "--role-name", AUDITOR, "--repair-tags", capsys=capsys)
    assert "repaired the tags of 1 profile, 0 left" in err
    prepare(no_role, names=())  # the audit role, now
    status, out, err = audit("--deployment", "prod", "--role-name", AUDITOR, capsys=capsys)
    assert (status, err.splitlines()[-1]) == (0, "deployment prod: 3 accounts: 3 in sync")


def stack_sets_assembly(directory: Path, deployment: str, units: list[str], member: dict[str, Any]) -> Path:
    """What `cdk synth` writes for a deployment to OUs: a stack of StackSets, one in TemplateBody and
    one whose template is a file asset of the assembly (TemplateURL)."""
    asset = "a1b2c3d4e5f6"
    (directory / f"asset.{asset}.json").parent.mkdir(parents=True, exist_ok=True)
    (directory / f"asset.{asset}.json").write_text(json.dumps({"Resources": web(("batch",))}))

    def stack_set(shard: str, template: dict[str, Any]) -> dict[str, Any]:
        return {
            "Type": "AWS::CloudFormation::StackSet",
            "Properties": {
                "StackSetName": f"{deployment}-{shard}",
                "PermissionModel": "SERVICE_MANAGED",
                "StackInstancesGroup": [
                    {"DeploymentTargets": {"OrganizationalUnitIds": units}, "Regions": ["us-east-1"]}
                ],
                **template,
            },
        }

    url = {"Fn::Sub": f"https://s3.us-east-1.${{AWS::URLSuffix}}/cdk-assets/{asset}.json"}
    stack = f"Ec2AccessProfiles-StackSets-{deployment}"
    write_assembly(
        directory,
        {
            stack: {
                "Shard1": stack_set("Ec2AccessProfiles", {"TemplateBody": json.dumps({"Resources": member})}),
                "Shard2": stack_set("Ec2AccessProfiles-2", {"TemplateURL": url}),
            }
        },
    )
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["artifacts"][stack]["dependencies"] = [f"{stack}.assets"]
    manifest["artifacts"][f"{stack}.assets"] = {
        "type": "cdk:asset-manifest",
        "properties": {"file": f"{stack}.assets.json"},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    assets = {"version": "55.0.0", "files": {asset: {"source": {"path": f"asset.{asset}.json"}}}}
    (directory / f"{stack}.assets.json").write_text(json.dumps(assets))
    return directory


def test_an_ou_deployment_audits_the_accounts_organizations_lists_under_the_ous(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]

    def unit(parent: str, name: str) -> str:
        return str(
            organizations.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
        )

    def account(name: str, parent: str) -> str:
        created = organizations.create_account(Email=f"{name}@example.com", AccountName=name)
        account_id = str(created["CreateAccountStatus"]["AccountId"])
        organizations.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
        return account_id

    workloads = unit(root, "workloads")
    nested = unit(workloads, "team")
    sandbox = unit(root, "sandbox")
    direct, below, elsewhere = (
        account("direct", workloads),
        account("below", nested),
        account("elsewhere", sandbox),
    )
    for member in (direct, below, elsewhere):
        prepare(member, names=("web", "batch"))
    client("iam", below).untag_instance_profile(InstanceProfileName="batch", TagKeys=["Environment"])
    stack_sets_assembly(Path("cdk.out"), "baseline", [workloads], web())

    status, out, err = audit(
        "--deployment", "baseline", "--role-name", AUDITOR, "--format", "json", capsys=capsys
    )
    document = json.loads(out)
    assert status == 1, err
    assert document["organizational_units"] == [workloads]
    assert [entry["account"] for entry in document["accounts"]] == sorted([direct, below])
    findings = {entry["account"]: entry["findings"] for entry in document["accounts"]}
    assert findings[direct] == []
    assert [(f["profile"], f["field"], f["key"]) for f in findings[below]] == [
        ("batch", "tags", "Environment")
    ]
    assert elsewhere not in out


def test_the_deployment_is_read_from_the_assembly(tmp_path: Path) -> None:
    stages_assembly(tmp_path / "stages", "prod", PROD[:2])
    targets = deployment_targets(tmp_path / "stages", "prod")
    assert list(targets.by_account) == list(PROD[:2])
    assert [stack.name for stack in targets.stacks_of(PROD[0])] == ["Web"]  # not the stack outside the Stages
    assert targets.region_of(PROD[0]) == "us-east-1"

    stack_sets_assembly(tmp_path / "sets", "baseline", ["ou-abcd-12345678"], web())
    targets = deployment_targets(tmp_path / "sets", "baseline")
    assert (targets.organizational_units, targets.region) == (("ou-abcd-12345678",), "us-east-1")
    assert [(stack.name, sorted(stack.template["Resources"])) for stack in targets.member_stacks] == [
        ("baseline-Ec2AccessProfiles", ["Web", "WebRole", "WebTags"]),
        ("baseline-Ec2AccessProfiles-2", ["Batch", "BatchRole", "BatchTags"]),
    ]

    with pytest.raises(AuditError) as raised:
        deployment_targets(tmp_path / "stages", "prdo")
    assert str(raised.value) == (
        f"{tmp_path / 'stages'}: has no deployment 'prdo' (no Stage assembly-prdo-ACCOUNT, no stack "
        "Ec2AccessProfiles-StackSets-prdo); deployments in it: prod. Run `cdk synth` with the catalogue "
        "that declares it"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--deployment", "prod"], "audit: --deployment and --role-name go together"),
        (["--role-name", AUDITOR], "audit: --deployment and --role-name go together"),
        (["--deployment", "prod", "--role-name", AUDITOR, "--assembly", "nowhere"], "nowhere/manifest.json"),
    ],
)
def test_bad_deployment_arguments_exit_2(
    aws: None, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = audit(*arguments, capsys=capsys)
    assert (status, out) == (2, "")
    assert message in err


# -- the organization's management account ---------------------------------------------------------


def organization() -> tuple[Any, str]:
    """An organization whose management account is the caller's (``MANAGEMENT``); its root's ID."""
    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    return organizations, str(organizations.list_roots()["Roots"][0]["Id"])


def member_account(organizations: Any, name: str, parent: str | None = None) -> str:
    """A new account of the organization, moved under ``parent`` if given."""
    created = organizations.create_account(Email=f"{name}@example.com", AccountName=name)
    account = str(created["CreateAccountStatus"]["AccountId"])
    if parent is not None:
        root = organizations.list_roots()["Roots"][0]["Id"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
    return account


SKIPPED = (
    f"not audited: account {MANAGEMENT}, the organization's management account, "
    "to which StackSets never deploy"
)


@pytest.mark.parametrize("target", ["root", "OU it was moved to"])
def test_the_management_account_under_the_ous_is_left_out_and_named(
    target: str, aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """StackSets never deploy to the management account (CloudFormation's ``DeploymentTargets``): were
    it audited, each profile would be ``missing`` there."""
    organizations, root = organization()
    unit = root
    if target != "root":
        unit = organizations.create_organizational_unit(ParentId=root, Name="workloads")[
            "OrganizationalUnit"
        ]["Id"]
        organizations.move_account(AccountId=MANAGEMENT, SourceParentId=root, DestinationParentId=unit)
    member = member_account(organizations, "member", None if target == "root" else unit)
    prepare(member, names=("web", "batch"))
    prepare(MANAGEMENT, names=())  # the audit role only: reachable, but holds no profile
    stack_sets_assembly(Path("cdk.out"), "baseline", [unit], web())

    status, out, err = audit("--deployment", "baseline", "--role-name", AUDITOR, capsys=capsys)
    assert (status, out) == (0, f"== account {member} ==\n"), err
    assert err.splitlines()[-1] == f"deployment baseline: 1 account under {unit}: 1 in sync; {SKIPPED}"

    status, out, _ = audit(
        "--deployment", "baseline", "--role-name", AUDITOR, "--format", "json", capsys=capsys
    )
    document = json.loads(out)
    assert (status, document["skipped_management_account"], document["in_sync"]) == (0, MANAGEMENT, True)
    assert [entry["account"] for entry in document["accounts"]] == [member]
    status, out, _ = audit(
        "--deployment", "baseline", "--role-name", AUDITOR, "--format", "markdown", capsys=capsys
    )
    assert SKIPPED in out.splitlines()[2]


def test_a_deployment_to_accounts_audits_the_management_account_it_lists(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """CDK deploys a Stage to every account listed, the management account too: it is audited."""
    organization()
    stages_assembly(Path("cdk.out"), "prod", (MANAGEMENT, PROD[0]))
    prepare(MANAGEMENT)
    prepare(PROD[0])
    status, out, err = audit(
        "--deployment", "prod", "--role-name", AUDITOR, "--format", "json", capsys=capsys
    )
    document = json.loads(out)
    assert status == 0, err
    assert [entry["account"] for entry in document["accounts"]] == sorted([MANAGEMENT, PROD[0]])
    assert document["skipped_management_account"] is None


# -- least privilege of the auditing principal ------------------------------------------------------

DEPLOYMENT_ACTIONS = [
    action
    for statement in deployment_policy(AUDITOR)["Statement"]
    for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
]


def least_privilege_organization(monkeypatch: pytest.MonkeyPatch, policy: dict[str, Any]) -> tuple[str, str]:
    """An OU deployment to the root: a member account whose audit role holds ``AUDIT_POLICY``, the
    management account (reached only by ``DescribeOrganization``), and the caller, a user of the
    management account holding ``policy``. Returns the member and the root."""
    organizations, root = organization()
    member = member_account(organizations, "member")
    prepare(member, names=("web", "batch"))
    client("iam", member).put_role_policy(
        RoleName=AUDITOR, PolicyName="Audit", PolicyDocument=json.dumps(AUDIT_POLICY)
    )
    stack_sets_assembly(Path("cdk.out"), "baseline", [root], web())
    iam = client("iam", MANAGEMENT)
    iam.create_user(UserName="ci")
    iam.put_user_policy(UserName="ci", PolicyName="Deployment", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    return member, root


def test_the_documented_deployment_policy_is_enough(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    member, root = least_privilege_organization(monkeypatch, deployment_policy(AUDITOR))
    with enable_iam_authentication():
        status, out, err = audit("--deployment", "baseline", "--role-name", AUDITOR, capsys=capsys)
    assert (status, out) == (0, f"== account {member} ==\n"), err
    assert err.splitlines()[-1] == f"deployment baseline: 1 account under {root}: 1 in sync; {SKIPPED}"


@pytest.mark.parametrize("action", DEPLOYMENT_ACTIONS)
def test_each_action_of_the_deployment_policy_is_needed(
    action: str, aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Negative control: the same audit, with one action less, fails naming that call: an
    Organizations call ends the run (exit 2); a refused ``AssumeRole`` makes the account unreachable."""
    member, root = least_privilege_organization(monkeypatch, without(deployment_policy(AUDITOR), action))
    with enable_iam_authentication():
        status, out, err = audit("--deployment", "baseline", "--role-name", AUDITOR, capsys=capsys)
    if action == "sts:AssumeRole":
        assert status == 1
        assert out.splitlines()[1].startswith(f"unreachable account {member}: sts:AssumeRole ")
        assert "AccessDenied" in out
        assert f"is not authorized to perform: {action}" in out
    else:
        assert (status, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert err.startswith(f"audit: {action} ")
        assert f"is not authorized to perform: {action}" in err
        if "ForParent" in action:  # the deployment targets the root: named so, not as an OU
            assert err.startswith(f"audit: {action} for root {root!r} failed: ")


# -- AssumeRole: a refusal, or a failure --------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Exception\\(STSClientError\\) with code Throttling")
def test_an_assume_role_throttled_past_retries_fails_that_account_only(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a refusal: the account could not be audited (exit 2), not ``unreachable`` with the fix
    "create the audit role"; the other accounts are still audited."""
    in_sync, throttled, also_in_sync = PROD
    stages_assembly(Path("cdk.out"), "prod", PROD)
    for account in PROD:
        prepare(account)
    attempts: list[str] = []
    assume_role = TokenResponse.assume_role

    def throttle_one(self: TokenResponse) -> Any:
        if f"::{throttled}:" in str(self._get_param("RoleArn")):
            attempts.append(throttled)
            raise STSClientError("Throttling", "Rate exceeded")
        return assume_role(self)

    monkeypatch.setattr(TokenResponse, "assume_role", throttle_one)
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda seconds: None)  # the backoff, not waited out
    monkeypatch.setattr(TokenBucket, "_sleep_amount", lambda self, amount: 0.0)

    status, out, err = audit("--deployment", "prod", "--role-name", AUDITOR, capsys=capsys)
    assert status == 2
    assert out.splitlines() == [
        f"== account {in_sync} ==",
        f"== account {throttled} ==",
        f"failed account {throttled}: could not be audited: sts:AssumeRole for "
        f"arn:aws:iam::{throttled}:role/{AUDITOR} failed: Throttling: Rate exceeded; "
        f"fix: {run_module.ASSUME_FAILED_FIX}",
        f"== account {also_in_sync} ==",
    ]
    assert err.splitlines()[-1] == "deployment prod: 3 accounts: 2 in sync, 1 failed"
    assert len(attempts) == run_module.MAX_ATTEMPTS  # retried, then given up
    status, out, _ = audit("--deployment", "prod", "--role-name", AUDITOR, "--format", "json", capsys=capsys)
    entries = {entry["account"]: entry for entry in json.loads(out)["accounts"]}
    assert (status, entries[throttled]["problem"]["kind"], entries[in_sync]["in_sync"]) == (2, "failed", True)


def sts_client() -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url="http://127.0.0.1:9",  # nothing listens: a stubbed call never gets here
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=2),
    )


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        ("AccessDenied", True),
        ("Throttling", False),
        ("ExpiredToken", False),
        ("RegionDisabledException", False),
        ("InternalFailure", False),
    ],
)
def test_only_sts_refusing_the_role_is_unreachable(code: str, refused: bool) -> None:
    """STS's ``AccessDenied`` (no role, a trust policy without the caller, a caller not allowed) is the
    account's answer; the other codes of STS's AssumeRole reference, and throttling, are not."""
    sts = sts_client()
    arn = f"arn:aws:iam::{PROD[0]}:role/{AUDITOR}"
    with Stubber(sts) as stubbed:
        stubbed.add_client_error("assume_role", service_error_code=code, service_message="no")
        with pytest.raises(AuditError if not refused else UnreachableError) as raised:
            assume(sts, arn)
    assert isinstance(raised.value, UnreachableError) is refused
    assert str(raised.value) == f"sts:AssumeRole for {arn} failed: {code}: no"


def test_no_connection_to_sts_is_a_failure_not_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LOOPBACK_ONLY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with pytest.raises(AuditError) as raised:
        assume(sts_client(), f"arn:aws:iam::{PROD[0]}:role/{AUDITOR}")
    assert not isinstance(raised.value, UnreachableError)
    assert "Could not connect to the endpoint URL" in str(raised.value)
    assert raised.value.code is None
