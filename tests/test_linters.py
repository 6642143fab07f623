"""The linters the field trusts pass on everything the app synthesizes.

cdk-nag v3 (AwsSolutions and NIST 800-53 rev 5) runs as CDK policy-validation plugins over every
stack; every finding is fixed or acknowledged next to its construct with a reason (inventory below).
cfn-lint 1.58.0 runs on the synthesized templates with no rule exception.
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, NagPack, NIST80053R5Checks

import app as cdk_app
from constructs_lib import BroadAccess, Ec2AccessProfile
from constructs_lib.catalog import load_catalog
from constructs_lib.cdk.catalog_stacks import catalog_stacks
from constructs_lib.cdk.linters import add_linters, lint_templates
from tests.cfn_lint import cfn_lint
from tests.conftest import library_context
from tooling.cdk import cli_context
from tooling.sample_catalog import sample_catalog

PARTITION_ARN = "arn:<AWS::Partition>"

# Every acknowledgment in the app: (construct path, finding). The reasons sit next to the constructs:
# the profiles' in stacks/ (BroadAccess) and the library's own in constructs_lib/.
HANDLER_FINDINGS = [
    ("InstanceProfileTagsProvider/Logs", "NIST.800.53.R5-CloudWatchLogGroupEncrypted"),
    ("InstanceProfileTagsProvider/Role", "NIST.800.53.R5-IAMNoInlinePolicy"),
    ("InstanceProfileTagsProvider/Function", "AwsSolutions-L1"),
    ("InstanceProfileTagsProvider/Function", "NIST.800.53.R5-LambdaConcurrency"),
    ("InstanceProfileTagsProvider/Function", "NIST.800.53.R5-LambdaDLQ"),
    ("InstanceProfileTagsProvider/Function", "NIST.800.53.R5-LambdaInsideVPC"),
]
ACKNOWLEDGED = sorted(
    [
        *[
            (f"{stack}/{path}", finding)
            for stack in (
                "Ec2Access-WebServer",
                "Ec2Access-SsmManagedHost",
                "Ec2Access-AssetsReader",
                "Ec2Access-EcsContainerInstance",
            )
            for path, finding in HANDLER_FINDINGS
        ],
        (
            "Ec2Access-WebServer/WebServer/Role",
            f"AwsSolutions-IAM4[Policy::{PARTITION_ARN}:iam::aws:policy/AmazonS3ReadOnlyAccess]",
        ),
        (
            "Ec2Access-SsmManagedHost/SsmManagedHost/Role",
            f"AwsSolutions-IAM4[Policy::{PARTITION_ARN}:iam::aws:policy/AmazonSSMManagedInstanceCore]",
        ),
        *[
            (
                "Ec2Access-EcsContainerInstance/EcsContainerInstance/Role",
                f"AwsSolutions-IAM4[Policy::{PARTITION_ARN}:iam::aws:policy/{policy}]",
            )
            for policy in (
                "service-role/AmazonEC2ContainerServiceforEC2Role",
                "AmazonSSMManagedInstanceCore",
                "CloudWatchAgentServerPolicy",
            )
        ],
        (
            "Ec2Access-AssetsReader/Boundary",
            f"AwsSolutions-IAM5[Resource::{PARTITION_ARN}:s3:::example-assets/*]",
        ),
        (
            "Ec2Access-AssetsReader/AssetsReader/Role",
            f"AwsSolutions-IAM5[Resource::{PARTITION_ARN}:s3:::example-assets/*]",
        ),
        ("Ec2Access-AssetsReader/AssetsReader/Role", "NIST.800.53.R5-IAMNoInlinePolicy"),
    ]
)


def nag_packs(app: App) -> list[NagPack]:
    return [AwsSolutionsChecks(app), NIST80053R5Checks(app)]


@pytest.fixture(scope="module")
def nagged_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, Path, str | None]:
    """The app with cdk.json's context (required tags too) and the linters ``cdk synth`` runs, once."""
    outdir = tmp_path_factory.mktemp("nagged")
    application = App(context=cli_context(), outdir=str(outdir))
    cdk_app.compose(application)
    add_linters(application)
    try:
        application.synth()
    except RuntimeError as error:
        return application, outdir, str(error)
    return application, outdir, None


def test_the_app_synthesizes_with_both_packs_and_the_required_tags(
    nagged_app: tuple[App, Path, str | None],
) -> None:
    _, outdir, error = nagged_app
    assert error is None
    report = json.loads((outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []


@pytest.mark.parametrize("pack", ["AwsSolutions", "NIST.800.53.R5"])
def test_no_unacknowledged_finding(nagged_app: tuple[App, Path, str | None], pack: str) -> None:
    application, _, _ = nagged_app
    (checks,) = (p for p in nag_packs(application) if p.read_pack_name == pack)
    violations = checks.validate_scope(application).violations
    assert [(v.rule_name, [r.construct_path for r in v.violating_resources]) for v in violations] == []


def acknowledgments(application: App) -> list[tuple[str, str, str]]:
    found = []
    for construct in application.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule, reason in entry.data.items():
                    found.append((construct.node.path, rule.removeprefix("Annotation::"), reason))
    return sorted(found)


def test_every_acknowledgment_is_listed_here_and_gives_a_reason(
    nagged_app: tuple[App, Path, str | None],
) -> None:
    found = acknowledgments(nagged_app[0])
    assert [(path, rule) for path, rule, _ in found] == ACKNOWLEDGED
    for path, rule, reason in found:
        assert len(reason) >= 60, (path, rule, reason)
        assert "chosen by name" not in reason, "the app gives its own reasons, not the library's default"


def test_the_packs_do_report_what_nobody_acknowledged() -> None:
    """A control: the same setup fails an app whose role gets an AWS-managed policy from outside."""
    application = App(context=library_context())
    stack = Stack(application, "Control")
    profile = Ec2AccessProfile(stack, "P")
    profile.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonS3ReadOnlyAccess"))
    findings = {
        v.rule_name
        for checks in nag_packs(application)
        for v in checks.validate_scope(application).violations
    }
    assert f"AwsSolutions-IAM4[Policy::{PARTITION_ARN}:iam::aws:policy/AmazonS3ReadOnlyAccess]" in findings
    Validations.of(application).add_plugins(*nag_packs(application))
    with pytest.raises(RuntimeError, match=r"AwsSolutions-IAM4\[Policy::.*AmazonS3ReadOnlyAccess\]"):
        application.synth()


def test_a_library_profile_leaves_nothing_for_cdk_nag_but_what_its_user_chose() -> None:
    """Unnamed profile (wildcard in the tag handler's policy), AWS-managed policy, acknowledged wildcards."""
    application = App(context=library_context())
    stack = Stack(application, "Library")
    Ec2AccessProfile(
        stack,
        "Batch",
        path="/batch/",
        managed_policies=["service-role/AmazonEC2ContainerServiceforEC2Role"],
        statements=[iam.PolicyStatement(actions=["s3:*"], resources=["*"])],
        acknowledge=[
            BroadAccess.action("s3:*", reason="Batch jobs manage the buckets they create"),
            BroadAccess.resource("*", reason="Bucket names are chosen by the jobs at run time"),
        ],
        tags={"Service": "Batch"},
    )
    assert [
        v.rule_name
        for checks in nag_packs(application)
        for v in checks.validate_scope(application).violations
    ] == []


def test_cfn_lint_passes_on_every_template_without_exceptions(
    app_templates: dict[str, dict[str, Any]], app_assembly_dir: Path, tmp_path: Path
) -> None:
    """cfn-lint 1.58.0 as its command line runs it (``tests/cfn_lint.py``), over every template of the
    app whole, with a control in the same run: a template it must refuse, and does, alone."""
    paths = sorted(app_assembly_dir.glob("*.template.json"))
    assert len(paths) == len(app_templates)
    assert metadata.version("cfn-lint") == "1.58.0"
    bad = tmp_path / "Bad.template.json"
    bad.write_text(
        json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "A_B"}}}})
    )
    matches = cfn_lint([*paths, bad])
    assert [match.split()[:2] for match in matches] == [["E1161", f"{bad}:1:"], ["E3031", f"{bad}:1:"]]


def test_cfn_lint_would_report_the_dependency_the_tag_handler_no_longer_repeats(
    app_templates: dict[str, dict[str, Any]],
) -> None:
    for template in app_templates.values():
        (function,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
        assert "DependsOn" not in function
        assert function["Properties"]["Role"]["Fn::GetAtt"][1] == "Arn"  # still created after its role


# -- the app's own synth runs the same linters --------------------------------------------------------
# The real `cdk synth` stops a catalogue at its line before cdk-nag would refuse it:
# test_app_catalog.py::test_cdk_synth_refuses_a_bad_catalogue_with_file_lines_and_writes_no_template.


def test_the_app_synth_fails_on_a_cdk_nag_finding() -> None:
    application = App(context=library_context())
    stack = Stack(application, "Control")
    profile = Ec2AccessProfile(stack, "P")
    profile.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonS3ReadOnlyAccess"))
    add_linters(application)
    with pytest.raises(RuntimeError, match=r"AwsSolutions-IAM4\[Policy::.*AmazonS3ReadOnlyAccess\]"):
        application.synth()


def test_the_app_synth_fails_on_a_cfn_lint_finding() -> None:
    """A control for the cfn-lint plugin: a template cfn-lint refuses (a bucket name with capitals)."""
    from aws_cdk import CfnResource

    application = App(context=library_context())
    stack = Stack(application, "Control")
    CfnResource(stack, "Bucket", type="AWS::S3::Bucket", properties={"BucketName": "Not_A_Bucket"})
    add_linters(application)
    with pytest.raises(RuntimeError) as refused:
        application.synth()
    # The report's violations are blocks apart; aws-cdk-lib's own validator refuses the name too, so
    # the rule and the resource must be found in one of cfn-lint's blocks, not anywhere in the text.
    cfn_lint = [block for block in str(refused.value).split("\n\n") if "(cfn-lint)" in block]
    assert [
        block for block in cfn_lint if "Control/Bucket (Bucket)" in block and "'cfn-lint::E3031-" in block
    ], cfn_lint


def test_cfn_lint_violations_name_the_rule_resource_and_line(tmp_path: Path) -> None:
    template = tmp_path / "Bad.template.json"
    template.write_text(
        json.dumps(
            {
                "Resources": {
                    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "Not_A_Bucket"}}
                }
            },
            indent=1,
        )
    )
    violations = lint_templates([str(template)])
    assert [v.rule_name.split()[0] for v in violations] == ["E1161", "E3031"]
    for violation in violations:
        assert violation.description.endswith("(Bad.template.json:6)")
        (resource,) = violation.violating_resources
        assert (resource.resource_logical_id, resource.locations) == ("Bucket", ["Properties/BucketName"])
    assert lint_templates([]) == []


def test_cfn_lint_runs_once_over_every_template_and_finds_what_one_run_per_template_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its rules load once for all the templates of a synth (half a second of CPU each time); it finds
    what cfn-lint run on each template alone finds, in the files' order, each under its template."""
    import cfnlint.runner
    from cfnlint.api import lint_file

    buckets = {
        "B": {"BucketName": "Not_A_Bucket"},  # E1161 and E3031
        "A": {"VersioningConfiguration": {"Status": "Sometimes"}},  # E3030
        "D": {"Tags": [{"Key": "Team"}]},  # E3003
        "C": {"BucketName": "fine-bucket"},  # nothing
    }
    paths = []
    for name, properties in buckets.items():
        path = tmp_path / f"{name}.template.json"
        resources = {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": properties}}
        path.write_text(json.dumps({"Resources": resources}, indent=1))
        paths.append(str(path))
    alone = [
        (path, match.rule.id, match.linenumber) for path in sorted(paths) for match in lint_file(Path(path))
    ]
    runs = []
    load_rules = cfnlint.runner.Runner.__init__

    def counted(runner: cfnlint.runner.Runner, *args: Any, **kwargs: Any) -> None:
        runs.append(runner)
        load_rules(runner, *args, **kwargs)

    monkeypatch.setattr(cfnlint.runner.Runner, "__init__", counted)
    violations = lint_templates(paths)
    assert len(runs) == 1
    found = []
    for violation in violations:
        (resource,) = violation.violating_resources
        name, line = violation.description.rsplit(" (", 1)[1].rstrip(")").split(":")
        assert Path(str(resource.template_path)).name == name
        found.append((resource.template_path, violation.rule_name.split()[0], int(line)))
    assert [rule for _, rule, _ in found] == ["E3030", "E1161", "E3031", "E3003"]
    assert found == alone


# -- what the linters still refuse names the profile and the fix -------------------------------------

PLUGIN_CATALOG = """\
profiles:
  - name: Results
    tags: {Environment: Test}
    statements:
      - actions: [s3:GetObject]
        resources: ["arn:aws:s3:::results-bucket/*"]
  - name: Pathless
    tags: {Environment: Test}
"""


def test_a_linter_refusal_names_the_profile_and_what_to_write(tmp_path: Path) -> None:
    """Profiles the linters refuse anyway: a catalogue's built past its check, a hand-written one, and a
    property overridden behind the catalogue's back (cfn-lint). One synth."""
    catalog_file = tmp_path / "catalog.yaml"
    catalog_file.write_text(PLUGIN_CATALOG)
    catalog = load_catalog(catalog_file)
    assert [f.rule_id for f in catalog.errors] == ["EAP043"]
    application = App(context=library_context(), outdir=str(tmp_path / "out"))
    (stack,) = catalog_stacks(application, catalog)
    role = stack.profiles["Pathless"].cfn_role  # a catalogue profile's role is its CfnRole
    assert isinstance(role, iam.CfnRole)
    role.add_property_override("Path", "ec2")
    Ec2AccessProfile(
        Stack(application, "Hand"),
        "Reader",
        statements=[iam.PolicyStatement(actions=["s3:Get*"], resources=["arn:aws:s3:::results-bucket"])],
    )
    add_linters(application)
    with pytest.raises(RuntimeError) as refused:
        application.synth()
    report = str(refused.value)
    assert (
        "In catalogue profile 'Results' (Ec2AccessProfiles/Results): write in the catalogue, under the "
        "profile's acknowledge: {resource: 'arn:aws:s3:::results-bucket/*', reason: ...} (not CDK's form "
        "below). `ec2-access-profiles check` reports it as EAP043 at its line."
    ) in report
    assert (
        "In Ec2AccessProfile 'Hand/Reader': acknowledge it with "
        "acknowledge=[BroadAccess.action('s3:Get*', reason=...)]"
    ) in report
    assert re.search(
        r"'ec2' does not match .*In catalogue profile 'Pathless' \(Ec2AccessProfiles/Pathless\), "
        r"catalogue key 'path'\. \(cfn-lint\)",
        report,
    ), report


ONE_OU = "deployments:\n  - name: org\n    organizational_units: [ou-abcd-12345678]\n    region: us-east-1\n"


def linted_stack_set_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, member_resource: dict[str, Any] | None
) -> tuple[str | None, dict[str, Any]]:
    """An app whose only profiles deploy through a StackSet, synthesized with the linters; with
    ``member_resource``, that resource added to each member template (as a profile the guardrails
    missed would be), and nowhere else in the app."""
    from constructs_lib.cdk import deployment_stages

    def with_member_resource(scope: Any, catalog: Any, **kwargs: Any) -> Any:
        stacks = catalog_stacks(scope, catalog, **kwargs)
        if member_resource is not None and "synthesizer" in kwargs:
            for stack in stacks:
                iam.CfnRole(stack, "Unchecked", **member_resource)
        return stacks

    monkeypatch.setattr(deployment_stages, "catalog_stacks", with_member_resource)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(ONE_OU + sample_catalog(2))
    outdir = tmp_path / "cdk.out"
    application = App(context={**cli_context(), "catalog": str(catalog)}, outdir=str(outdir))
    cdk_app.compose(application)
    add_linters(application)
    try:
        application.synth()
    except RuntimeError as error:
        return str(error), json.loads((outdir / "validation-report.json").read_text())
    return None, json.loads((outdir / "validation-report.json").read_text())


def test_the_linters_pass_on_the_member_templates_of_stack_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error, report = linted_stack_set_app(tmp_path, monkeypatch, member_resource=None)
    assert error is None
    assert report["pluginReports"] == []


def test_the_linters_check_the_member_templates_of_stack_sets_and_name_the_stack_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Member templates are synthesized in an app of their own: without this, no linter saw them, and
    profiles deployed only to organizational units were never linted."""
    unchecked = {
        "assume_role_policy_document": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
        "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],  # cdk-nag: IAM4
        "policies": [  # cfn-lint: no such action
            iam.CfnRole.PolicyProperty(
                policy_name="Objekt",
                policy_document={
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/k"}
                    ],
                },
            )
        ],
    }
    error, report = linted_stack_set_app(tmp_path, monkeypatch, member_resource=unchecked)
    assert error is not None
    assert error.startswith("ValidationFailed")
    found = {
        (plugin["pluginName"], violation["ruleName"].split(" ")[0]): violation
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
    }
    nag = found[("AwsSolutions", "AwsSolutions-IAM4[Policy::arn:aws:iam::aws:policy/AdministratorAccess]")]
    lint = found[("cfn-lint", "W3037")]
    for violation in (nag, lint):
        (construct,) = violation["violatingConstructs"]
        assert construct["constructPath"] == "Ec2AccessProfiles-StackSets-org/Ec2AccessProfiles"
        assert "member template of StackSet 'org-Ec2AccessProfiles'" in violation["description"]
        assert "(deployment 'org'" in violation["description"]
    assert "Ec2AccessProfiles/Unchecked" in nag["description"]
    assert lint["violatingConstructs"][0]["cloudFormationResource"]["propertyPaths"] == [
        "Ec2AccessProfiles member template: Properties/Policies/0/PolicyDocument/Statement/0/Action"
    ]
