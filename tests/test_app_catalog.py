"""The app builds its stacks from the catalogue named by ``catalog`` in cdk.json, or by ``-c catalog=...``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

import app as cdk_app
from constructs_lib import CatalogError
from constructs_lib.cdk.catalog_app import LOCK_PLACEMENT_CONTEXT
from tooling.cdk import ROOT, cli_context, run_cdk

BAD_CATALOG = textwrap.dedent(
    """\
    profiles:
      - name: web server
        stack: Ec2Access-Web
        managed_policy: [AmazonS3ReadOnlyAccess]
        tags: {Environment: Production}
      - name: Reader
        stack: Ec2Access-Web
        path: readers
        tags: {Environment: Production}
    """
)

OTHER_CATALOG = textwrap.dedent(
    """\
    defaults:
      stack: Ec2Access-Nodes
      tags: {Environment: Test}
    profiles:
      - name: EKS-Worker-Node
        id: EksWorkerNode
        presets: [eks-node, ssm]
    """
)

BAD_FINDINGS = [
    "{file}:2:11: EAP001 profile 'web server' name: 'web server' contains ' '; IAM allows only letters "
    "A-Z and a-z, digits and +=,.@_-",
    "{file}:2:11: EAP002 profile 'web server' role_name (defaulted from name): 'web server' contains ' '; "
    "IAM allows only letters A-Z and a-z, digits and +=,.@_-",
    "{file}:4:5: EAP101 profile 'web server' managed_policy: 'managed_policy' is not a key here; did you "
    "mean 'managed_policies'?",
    "{file}:8:11: EAP003 profile 'Reader' path: 'readers' is not an IAM path",
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    return path


def app_with_catalog(path: Path) -> App:
    return App(context={**cli_context(), "catalog": str(path)})


def assert_lines(output: str, path: Path) -> None:
    lines = output.splitlines()
    for expected in BAD_FINDINGS:
        expected = expected.format(file=path)
        assert any(line.startswith(expected) for line in lines), (expected, output)


def test_cdk_json_names_the_catalogue() -> None:
    assert cli_context()["catalog"] == "catalog.yaml"
    assert (ROOT / "catalog.yaml").is_file()


def test_a_catalogue_with_problems_builds_nothing_and_reports_every_one(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_CATALOG)
    app = app_with_catalog(path)
    with pytest.raises(CatalogError) as caught:
        cdk_app.compose(app)
    assert_lines(str(caught.value), path)
    assert [f.rule_id for f in caught.value.catalog.errors] == ["EAP001", "EAP002", "EAP101", "EAP003"]
    assert app.node.children == []


def test_another_catalogue_gives_its_own_stacks_and_profiles(tmp_path: Path) -> None:
    app = app_with_catalog(write(tmp_path, OTHER_CATALOG))
    cdk_app.compose(app)
    templates: dict[str, Any] = {s.stack_name: s.template for s in app.synth().stacks}
    assert sorted(templates) == ["Ec2Access-AssetsReader", "Ec2Access-Nodes"]
    resources = templates["Ec2Access-Nodes"]["Resources"]
    (profile,) = (r for r in resources.values() if r["Type"] == "AWS::IAM::InstanceProfile")
    assert profile["Properties"]["InstanceProfileName"] == "EKS-Worker-Node"
    (role,) = (
        r for r in resources.values() if r["Type"] == "AWS::IAM::Role" and "RoleName" in r["Properties"]
    )
    arns = [arn["Fn::Join"][1][2] for arn in role["Properties"]["ManagedPolicyArns"]]
    assert arns == [
        ":iam::aws:policy/AmazonEKSWorkerNodePolicy",
        ":iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        ":iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]
    assert any(key.startswith("EksWorkerNode") for key in resources)


CLI_BAD_CATALOG = BAD_CATALOG + (
    "  - name: Typo-Reader\n"
    "    stack: Ec2Access-Web\n"
    "    tags: {Environment: Production}\n"
    "    statements:\n"
    "      - actions: [s3:GetObjetc]\n"
    '        resources: ["arn:aws:s3:::assets/report.json"]\n'
    "  - name: Wide-Reader\n"
    "    stack: Ec2Access-Web\n"
    "    tags: {Environment: Production}\n"
    "    statements:\n"
    "      - actions: [s3:GetObject]\n"
    '        resources: ["arn:${AWS::Partition}:s3:::assets/*"]\n'
)
"""``BAD_CATALOG`` and two more problems: an action IAM does not know (``test_iam_reference.py``) and
a wildcard resource nobody acknowledged, which cdk-nag would refuse (``test_linters.py``)."""


@pytest.mark.cli
def test_cdk_synth_refuses_a_bad_catalogue_with_file_lines_and_writes_no_template(tmp_path: Path) -> None:
    """The real CLI hands ``-c catalog=...`` to the app, which reads that catalogue (not cdk.json's)
    and reports every problem at once at its line, before cdk-nag (the app adds the linters), in the
    catalogue's words: a typo with IAM's suggestion, a wildcard with the ``acknowledge:`` entry to
    write. One synth for every kind: the checker's rules have tests of their own, and the CLI prints
    each finding the same way. What a good catalogue given so builds is
    ``test_another_catalogue_gives_its_own_stacks_and_profiles``; that the CLI writes what the app
    builds, ``test_app.py::test_cdk_synth_writes_the_templates_the_tests_check``."""
    path = write(tmp_path, CLI_BAD_CATALOG)
    outdir = tmp_path / "cdk.out"
    result = run_cdk("synth", "--quiet", "-c", f"catalog={path}", "--output", str(outdir))
    assert result.returncode != 0
    assert_lines(result.stderr, path)
    assert (
        f"{path}:14:9: EAP081 profile 'Typo-Reader' statements: 's3:GetObjetc' is not an action of s3; "
        "did you mean 's3:GetObject'?"
    ) in result.stderr
    wildcard = "'arn:${AWS::Partition}:s3:::assets/*'"
    assert f"{path}:20:9: EAP043 profile 'Wide-Reader' statements: {wildcard}" in result.stderr
    assert "{resource: 'arn:${AWS::Partition}:s3:::assets/*', reason: ...} under acknowledge" in result.stderr
    assert "6 problems; no template written" in result.stderr
    assert "AwsSolutions::" not in result.stdout + result.stderr
    assert (ROOT / "app.py").read_text().count("add_linters(app)") == 1
    assert list(outdir.glob("*.template.json")) == []


UNPLACED = "profiles:\n  - name: web\n    tags: {Environment: Production}\n"


def test_synth_records_new_placements_beside_the_catalogue(tmp_path: Path) -> None:
    path = write(tmp_path, UNPLACED)
    cdk_app.compose(app_with_catalog(path))
    placement = json.loads((tmp_path / "catalog.placement.json").read_text())
    assert placement["shards"] == {"Ec2AccessProfiles": ["web"]}


def test_a_locked_placement_refuses_an_unrecorded_profile_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, UNPLACED)
    app = App(context={**cli_context(), "catalog": str(path), LOCK_PLACEMENT_CONTEXT: "true"})
    with pytest.raises(
        CatalogError, match=r"EAP113 profile 'web' stack: 'Ec2AccessProfiles' is not recorded"
    ):
        cdk_app.compose(app)
    assert not (tmp_path / "catalog.placement.json").exists()
    assert app.node.children == []


def test_the_repositorys_placement_file_is_up_to_date_so_a_locked_synth_builds(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``catalog.yaml`` only names stacks; its placement file records them and ``place --check`` agrees."""
    from constructs_lib.cli import commands as cli

    monkeypatch.chdir(ROOT)
    assert cli.main(["place", "--check", "catalog.yaml"]) == 0
    assert "catalog.placement.json: up to date" in capsys.readouterr().err
    recorded = json.loads((ROOT / "catalog.placement.json").read_text())
    assert recorded["stacks"] == {
        "Ec2Access-EcsContainerInstance": ["ECS-Container-Instance"],
        "Ec2Access-SsmManagedHost": ["SSM-Managed-Host"],
        "Ec2Access-WebServer": ["EC2-S3-Access-Profile"],
    }
    app = App(context={**cli_context(), LOCK_PLACEMENT_CONTEXT: "true"})
    cdk_app.compose(app)
    assert sorted(child.node.id for child in app.node.children) == [
        "Ec2Access-AssetsReader",
        *sorted(recorded["stacks"]),
    ]
