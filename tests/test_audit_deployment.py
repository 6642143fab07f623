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

from constructs_lib.audit.deployment import deployment_targets
from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.policy import audit_role_trust_policy
from constructs_lib.cli import commands as cli
from tests.test_audit_account import WEB_TAGS, moto_account
from tests.test_audit_declared import TRUST, profile_resources, write_assembly

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
