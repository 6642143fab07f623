"""The app as a whole: one snapshot per stack, deterministic output, and agreement with ``cdk synth``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import CliSynth
from tooling.cdk import ROOT, synthesize_app

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_app"
STACKS = [
    "Ec2Access-AssetsReader",
    "Ec2Access-EcsContainerInstance",
    "Ec2Access-SsmManagedHost",
    "Ec2Access-WebServer",
]


def test_app_defines_these_stacks(app_templates: dict[str, dict[str, Any]]) -> None:
    # A new stack needs a snapshot: add it to STACKS.
    assert sorted(app_templates) == STACKS


@pytest.mark.parametrize("stack_name", STACKS)
def test_stack_template(
    app_templates: dict[str, dict[str, Any]], snapshot: SnapshotAssertion, stack_name: str
) -> None:
    assert app_templates[stack_name] == snapshot.use_extension(JSONSnapshotExtension)


def test_seed_profile(app_templates: dict[str, dict[str, Any]]) -> None:
    resources = app_templates["Ec2Access-WebServer"]["Resources"]
    (profile,) = (r for r in resources.values() if r["Type"] == "AWS::IAM::InstanceProfile")
    (role,) = (
        r for r in resources.values() if r["Type"] == "AWS::IAM::Role" and "RoleName" in r["Properties"]
    )
    assert profile["Properties"]["InstanceProfileName"] == "EC2-S3-Access-Profile"
    assert profile["Properties"]["Path"] == "/ec2/"
    assert role["Properties"]["RoleName"] == "EC2-S3-Access-Role"
    assert role["Properties"]["ManagedPolicyArns"] == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonS3ReadOnlyAccess"]]}
    ]
    seed_tags = [{"Key": "Environment", "Value": "Production"}, {"Key": "Service", "Value": "WebApp"}]
    assert role["Properties"]["Tags"] == seed_tags
    (tags,) = (r for r in resources.values() if r["Type"] == "Custom::InstanceProfileTags")
    assert tags["Properties"]["Tags"] == seed_tags


def test_templates_carry_nothing_machine_or_version_dependent(
    app_templates: dict[str, dict[str, Any]],
) -> None:
    for template in app_templates.values():
        assert "CDKMetadata" not in template["Resources"]
        assert "Conditions" not in template  # CDKMetadataAvailable comes with version reporting
        text = str(template)
        assert str(ROOT) not in text
        assert "2.275" not in text


def template_files(outdir: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(outdir.glob("*.template.json"))}


def test_synthesizing_twice_gives_byte_identical_templates(
    app_templates: dict[str, dict[str, Any]], app_assembly_dir: Path, tmp_path: Path
) -> None:
    synthesize_app(tmp_path)
    first = template_files(app_assembly_dir)
    assert len(first) == len(STACKS)
    assert template_files(tmp_path) == first


def test_cdk_synth_writes_the_templates_the_tests_check(cli_app_assembly: CliSynth) -> None:
    """The real CLI runs the app with cdk.json's context: its templates must be the ones the tests
    check, which ``test_stack_template`` holds to their snapshots. Compared with those, as JSON, not
    with a synth in this process: the CLI tier has no other use for one. That assembly is the one the
    emulator deploys and the review reads (``cli_app_assembly``)."""
    assert "end-of-life" not in cli_app_assembly.output
    written = {
        path.name.removesuffix(".template.json"): json.loads(path.read_text())
        for path in sorted(cli_app_assembly.outdir.glob("*.template.json"))
    }
    assert sorted(written) == STACKS
    for name, template in written.items():
        assert template == json.loads((SNAPSHOTS / f"test_stack_template[{name}].json").read_text()), name
