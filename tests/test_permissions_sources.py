"""``explain`` and ``can`` on a cloud assembly of a shape CDK never writes: exit 2 ("it could not run")
with one line naming the file, never a traceback, whose exit 1 would read as "denied"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from constructs_lib.cli import commands as cli

STACK = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Web.template.json"}}
PROFILE = {"Type": "AWS::IAM::InstanceProfile", "Properties": {"InstanceProfileName": "web"}}


def assembly(folder: Path, artifact: object, template: object = None) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"version": "41.0.0", "artifacts": {"Web": artifact}}))
    if template is not None:
        (folder / "Web.template.json").write_text(json.dumps(template))
    return folder


@pytest.mark.parametrize(
    ("artifact", "template", "file", "says"),
    [
        (
            {"type": "aws:cloudformation:stack", "properties": {}},
            None,
            "manifest.json",
            "artifact 'Web' has no 'templateFile': not a cloud assembly manifest",
        ),
        (
            {"type": "aws:cloudformation:stack", "properties": {"templateFile": 7}},
            None,
            "manifest.json",
            "artifact 'Web': 'templateFile' is 7, not a file name: not a cloud assembly manifest",
        ),
        (
            {"type": "cdk:cloud-assembly", "properties": {}},
            None,
            "manifest.json",
            "artifact 'Web' has no 'directoryName': not a cloud assembly manifest",
        ),
        (
            {"type": "aws:cloudformation:stack", "properties": ["Web.template.json"]},
            None,
            "manifest.json",
            "artifact 'Web': 'properties' is not a JSON object: not a cloud assembly manifest",
        ),
        ("aws:cloudformation:stack", None, "manifest.json", "artifact 'Web' is not a JSON object"),
        (STACK, [PROFILE], "Web.template.json", "is not a JSON object: not a CloudFormation template"),
        (
            STACK,
            {"Resources": [PROFILE]},
            "Web.template.json",
            "'Resources' is not a JSON object: not a CloudFormation template",
        ),
        (
            STACK,
            {"Resources": {"Web": PROFILE, "Bucket": "AWS::S3::Bucket"}},
            "Web.template.json",
            "resource 'Bucket' is not a JSON object",
        ),
        (
            STACK,
            {"Resources": {"Web": {"Type": "AWS::IAM::InstanceProfile", "Properties": ["web"]}}},
            "Web.template.json",
            "resource 'Web': 'Properties' is not a JSON object",
        ),
        (  # past the reader's checks: the backstop, still naming the template
            STACK,
            {"Resources": {"Web": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": 5}}}},
            "Web.template.json",
            "is not a template CDK writes, so it cannot be read (TypeError: ",
        ),
    ],
)
def test_a_malformed_assembly_cannot_run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    artifact: object,
    template: object,
    file: str,
    says: str,
) -> None:
    folder = assembly(tmp_path / "cdk.out", artifact, template)
    for command, argv in (("explain", ["explain", "web"]), ("can", ["can", "web", "s3:GetObject"])):
        assert cli.main([*argv, "--assembly", str(folder)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.startswith(f"{command}: {folder / file}: {says}")
        assert err.count("\n") == 1
