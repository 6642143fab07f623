"""``build_catalog``: a catalogue joins someone else's CDK app, next to its own stacks, in three lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, PermissionsBoundary, Stack, Stage
from aws_cdk import aws_ssm as ssm
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib import CatalogError, build_catalog, exit_on_catalog_errors
from constructs_lib.catalog.loader import RESERVED_IDS, CatalogReadError, load_catalog
from constructs_lib.cdk.catalog_app import LOCK_PLACEMENT_CONTEXT
from constructs_lib.cdk.catalog_stacks import catalog_stacks
from constructs_lib.cdk.instance_profile_tags import PROVIDER_ID
from emulator import DEPLOY, Emulator
from emulator.inspect import list_profile_names
from tests.conftest import library_context
from tooling.cdk import ROOT

README = (ROOT / "README.md").read_text()

TEAM_CATALOG = textwrap.dedent(
    """\
    defaults:
      path: /ec2/
      tags: {Environment: Production}
    profiles:
      - name: Team-Web
        id: Web
        stack: Team-Profiles
        presets: [ssm]
      - name: Team-Batch
        presets: [ssm, cloudwatch-agent]
    """
)

BAD_CATALOG = textwrap.dedent(
    """\
    profiles:
      - name: web server
        presets: [ssm]
      - name: Reader
        path: readers
    """
)


def readme_catalogue_example() -> str:
    """The code under "Using the library in your own CDK app" that adds a catalogue to an app."""
    after = README[README.index("To add a catalogue to your app") :]
    start = after.index("```python\n") + len("```python\n")
    return after[start : after.index("\n```", start)]


def existing_app() -> App:
    """Someone else's app, with a stack of its own before any catalogue."""
    app = App(context=library_context())
    network = Stack(app, "Team-Network")
    ssm.StringParameter(network, "VpcId", parameter_name="/team/vpc-id", string_value="vpc-0123456789abcdef0")
    return app


@pytest.fixture(scope="module")
def team_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The existing app after the README's three lines, run as written in a folder with catalog.yaml."""
    folder = tmp_path_factory.mktemp("team")
    (folder / "catalog.yaml").write_text(TEAM_CATALOG)
    app = existing_app()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        exec(readme_catalogue_example(), {"app": app})
    return {stack.stack_name: stack.template for stack in app.synth().stacks}


def test_the_readme_adds_a_catalogue_in_at_most_three_lines() -> None:
    lines = [line for line in readme_catalogue_example().splitlines() if line.strip()]
    assert len(lines) <= 3, lines
    assert any("build_catalog(app" in line for line in lines)


def test_the_catalogue_joins_the_apps_own_stack(team_templates: dict[str, dict[str, Any]]) -> None:
    assert sorted(team_templates) == ["Ec2AccessProfiles", "Team-Network", "Team-Profiles"]
    (parameter,) = team_templates["Team-Network"]["Resources"].values()
    assert parameter["Properties"]["Name"] == "/team/vpc-id"


@pytest.mark.parametrize("stack_name", ["Ec2AccessProfiles", "Team-Network", "Team-Profiles"])
def test_team_stack_template(
    team_templates: dict[str, dict[str, Any]], snapshot: SnapshotAssertion, stack_name: str
) -> None:
    assert team_templates[stack_name] == snapshot.use_extension(JSONSnapshotExtension)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_build_names_its_stacks_and_profiles(folder: Path) -> None:
    (folder / "catalog.yaml").write_text(TEAM_CATALOG)
    app = existing_app()
    build = build_catalog(app, "catalog.yaml")
    assert sorted(build.stacks) == ["Ec2AccessProfiles", "Team-Profiles"]
    assert sorted(build.profiles) == ["Team-Batch", "Team-Web"]
    assert build.profiles["Team-Web"].node.path == "Team-Profiles/Web"
    assert build.stages == {}
    assert build.stack_set_stacks == {}
    placement = json.loads((folder / "catalog.placement.json").read_text())
    assert placement == {
        "version": 1,
        "shards": {"Ec2AccessProfiles": ["Team-Batch"]},
        "stacks": {"Team-Profiles": ["Team-Web"]},
    }


def test_the_catalogue_is_named_by_the_context_key_catalog_by_default(folder: Path) -> None:
    (folder / "team.yaml").write_text(TEAM_CATALOG)
    build = build_catalog(App(context={**library_context(), "catalog": "team.yaml"}))
    assert build.catalog.path == "team.yaml"
    with pytest.raises(CatalogReadError, match="no catalogue: give build_catalog a path, or set the context"):
        build_catalog(App(context={k: v for k, v in library_context().items() if k != "catalog"}))


def test_inside_a_stage_the_stacks_keep_their_names(folder: Path) -> None:
    (folder / "catalog.yaml").write_text(TEAM_CATALOG)
    app = existing_app()
    stage = Stage(app, "Dev", env=Environment(account="111111111111", region="eu-west-1"))
    build = build_catalog(stage, "catalog.yaml")
    assert sorted(build.stacks) == ["Ec2AccessProfiles", "Team-Profiles"]
    assert build.stacks["Team-Profiles"].node.path == "Dev/Team-Profiles"
    assert build.stacks["Team-Profiles"].account == "111111111111"


def test_deployments_give_stages_and_stack_sets_by_the_names_cdk_deploy_takes(folder: Path) -> None:
    deployments = textwrap.dedent(
        """\
        deployments:
          - name: prod
            accounts: ["111111111111"]
            region: us-east-1
          - name: baseline
            organizational_units: [ou-abcd-12345678]
            region: us-east-1
        """
    )
    (folder / "catalog.yaml").write_text(deployments + TEAM_CATALOG)
    build = build_catalog(existing_app(), "catalog.yaml")
    assert list(build.stages) == ["prod-111111111111"]
    assert sorted(build.stacks) == ["prod-111111111111/Ec2AccessProfiles", "prod-111111111111/Team-Profiles"]
    assert sorted(build.profiles) == ["prod-111111111111/Team-Batch", "prod-111111111111/Team-Web"]
    assert list(build.stack_set_stacks) == ["baseline"]
    assert sorted(build.stack_set_stacks["baseline"].stack_sets) == ["Ec2AccessProfiles", "Team-Profiles"]


def test_a_bad_catalogue_raises_one_error_with_every_finding_and_adds_nothing(folder: Path) -> None:
    (folder / "catalog.yaml").write_text(BAD_CATALOG)
    app = existing_app()
    with pytest.raises(CatalogError) as caught:
        build_catalog(app, "catalog.yaml")
    error = caught.value
    assert [(f.location, f.rule_id) for f in error.findings] == [
        ("catalog.yaml:2:11", "EAP001"),
        ("catalog.yaml:2:11", "EAP002"),
        ("catalog.yaml:5:11", "EAP003"),
    ]
    assert str(error).splitlines() == [finding.line() for finding in error.findings]
    assert [child.node.id for child in app.node.children] == ["Team-Network"]
    assert not (folder / "catalog.placement.json").exists()


def test_exit_on_catalog_errors_prints_each_finding_and_the_count_then_exits_1(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "catalog.yaml").write_text(BAD_CATALOG)
    with pytest.raises(SystemExit) as exited, exit_on_catalog_errors():
        build_catalog(existing_app(), "catalog.yaml")
    assert exited.value.code == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[0:2] for line in lines[:3]] == [
        ["catalog.yaml:2:11", "EAP001 profile 'web server' name"],
        ["catalog.yaml:2:11", "EAP002 profile 'web server' role_name (defaulted from name)"],
        ["catalog.yaml:5:11", "EAP003 profile 'Reader' path"],
    ]
    assert lines[3:] == ["catalog.yaml: 3 problems; no template written"]


def test_exit_on_catalog_errors_reports_an_unreadable_catalogue(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited, exit_on_catalog_errors():
        build_catalog(existing_app(), "missing.yaml")
    assert exited.value.code == 1
    assert capsys.readouterr().err.startswith("missing.yaml: cannot read the catalogue:")


TWO_NAMED = textwrap.dedent(
    """\
    defaults:
      tags: {Environment: Production}
    profiles:
      - name: web
        stack: Ec2Access-Web
        presets: [ssm]
      - name: db
        stack: Ec2Access-Db
        presets: [ssm]
    """
)


def test_a_named_stack_that_loses_its_last_profile_stays_empty_so_the_deploy_deletes_it(
    folder: Path,
) -> None:
    """Without the record, ``Ec2Access-Db`` would leave the app and ``cdk deploy`` would keep ``db``."""
    catalog = folder / "catalog.yaml"
    catalog.write_text(TWO_NAMED)
    build_catalog(App(context=library_context()), catalog)
    catalog.write_text(TWO_NAMED[: TWO_NAMED.index("  - name: db")])
    app = App(context=library_context())
    build = build_catalog(app, catalog)
    assert sorted(build.profiles) == ["web"]
    templates = {stack.stack_name: stack.template for stack in app.synth().stacks}
    assert sorted(templates) == ["Ec2Access-Db", "Ec2Access-Web"]
    resources = templates["Ec2Access-Db"]["Resources"]
    assert [resource["Type"] for resource in resources.values()] == [
        "AWS::CloudFormation::WaitConditionHandle"
    ]


def test_a_locked_placement_refuses_an_unrecorded_named_stack_at_its_line(folder: Path) -> None:
    (folder / "catalog.yaml").write_text(TWO_NAMED)
    app = App(context={**library_context(), LOCK_PLACEMENT_CONTEXT: True})
    with pytest.raises(CatalogError) as caught:
        build_catalog(app, "catalog.yaml")
    assert [(f.location, f.rule_id, f.value) for f in caught.value.findings] == [
        ("catalog.yaml:5:12", "EAP113", "Ec2Access-Web"),
        ("catalog.yaml:8:12", "EAP113", "Ec2Access-Db"),
    ]
    assert app.node.children == []
    assert not (folder / "catalog.placement.json").exists()


EMPTIED_PATH = "/emptied-stack/"
EMPTIED = textwrap.dedent(
    """\
    defaults:
      path: /emptied-stack/
      tags: {Environment: Production}
    profiles:
      - name: Kept-Web
        stack: Ec2Access-KeptWeb
        presets: [ssm]
      - name: Emptied-Db
        stack: Ec2Access-EmptiedDb
        presets: [ssm]
    """
)


def synthesize_catalog(catalog: Path, outdir: Path, *, keep_named_stacks: bool = True) -> Path:
    """The catalogue's cloud assembly; without ``keep_named_stacks``, as built before they were recorded."""
    app = App(context=library_context(), outdir=str(outdir))
    if keep_named_stacks:
        build_catalog(app, catalog)
    else:
        loaded = load_catalog(catalog)
        catalog_stacks(app, replace(loaded, placement=replace(loaded.placement, stacks={})))
    app.synth()
    return outdir


def deploy_all(emulator: Emulator, assembly: Path) -> subprocess.CompletedProcess[str]:
    return emulator.cdk(DEPLOY[0], "--app", str(assembly), *DEPLOY[1:])


@pytest.mark.emulator
def test_deploying_after_a_named_stack_lost_its_last_profile_deletes_that_profile(
    bootstrapped_emulator: Emulator, tmp_path: Path
) -> None:
    """The real CLI on the emulator: the kept stack empties; the control shows a dropped one stays."""
    emulator = bootstrapped_emulator
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(EMPTIED)
    first = synthesize_catalog(catalog, tmp_path / "first.out")
    catalog.write_text(EMPTIED[: EMPTIED.index("  - name: Emptied-Db")])
    dropped = synthesize_catalog(catalog, tmp_path / "dropped.out", keep_named_stacks=False)
    kept = synthesize_catalog(catalog, tmp_path / "kept.out")
    iam = emulator.client("iam")

    def deployed_profiles() -> list[str]:
        return sorted(list_profile_names(iam, EMPTIED_PATH, 10)[0])

    try:
        result = deploy_all(emulator, first)
        assert result.returncode == 0, result.stderr[-3000:]
        assert deployed_profiles() == ["Emptied-Db", "Kept-Web"]
        # The control: with the stack out of the app, the deploy leaves its profile as it was.
        result = deploy_all(emulator, dropped)
        assert result.returncode == 0, result.stderr[-3000:]
        assert deployed_profiles() == ["Emptied-Db", "Kept-Web"]
        result = deploy_all(emulator, kept)
        assert result.returncode == 0, result.stderr[-3000:]
        assert deployed_profiles() == ["Kept-Web"]
        cloudformation = emulator.client("cloudformation")
        (stack,) = cloudformation.describe_stacks(StackName="Ec2Access-EmptiedDb")["Stacks"]
        assert stack["StackStatus"] == "UPDATE_COMPLETE"
    finally:
        emulator.cdk("destroy", "--app", str(kept), "--all", "--force")


def test_the_ids_check_refuses_are_the_ones_the_library_gives_children_of_a_stack() -> None:
    assert set(RESERVED_IDS) == {PROVIDER_ID}


OU_PROFILE = textwrap.dedent(
    """\
    deployments:
      - name: org
        organizational_units: [ou-abcd-12345678]
        region: us-east-1
    profiles:
      - name: web
        path: /ec2/
        tags: {Environment: Production}
    """
)


def test_stack_sets_built_in_a_stage_keep_their_name_and_the_stages_context(folder: Path) -> None:
    """A Stage's permissions boundary (its context) reaches the member accounts' roles, as it reaches
    the Stage's own stacks; and the stack of StackSets keeps the name the README gives it, which the
    audit looks for and which must not change when a team moves the catalogue into a Stage (a second
    stack declaring the same StackSet names would fail to deploy)."""
    (folder / "catalog.yaml").write_text(OU_PROFILE)
    app = App(context=library_context())
    platform = Stage(app, "Platform", permissions_boundary=PermissionsBoundary.from_name("OrgBoundary"))
    stack_sets = build_catalog(platform, "catalog.yaml").stack_set_stacks["org"]
    assert stack_sets.stack_name == "Ec2AccessProfiles-StackSets-org"
    assembly = app.synth().get_nested_assembly("assembly-Platform")
    template = assembly.get_stack_by_name("Ec2AccessProfiles-StackSets-org").template
    (stack_set,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet")
    member = json.loads(stack_set["Properties"]["TemplateBody"])
    roles = [r for r in member["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 2  # the profile's and the tag function's
    for role in roles:
        assert ":policy/OrgBoundary" in json.dumps(role["Properties"]["PermissionsBoundary"])


STAGE_UNDER_THE_CLI = textwrap.dedent(
    """\
    import json
    from aws_cdk import App, PermissionsBoundary, Stage
    from constructs_lib import build_catalog

    app = App()
    platform = Stage(app, "Platform", permissions_boundary=PermissionsBoundary.from_name("OrgBoundary"))
    build_catalog(platform, "catalog.yaml")
    assembly = app.synth().get_nested_assembly("assembly-Platform")
    template = assembly.get_stack_by_name("Ec2AccessProfiles-StackSets-org").template
    (stack_set,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet")
    member = json.loads(stack_set["Properties"]["TemplateBody"])
    print(json.dumps([r["Properties"].get("PermissionsBoundary") for r in member["Resources"].values()
                      if r["Type"] == "AWS::IAM::Role"]))
    """
)


def test_under_the_cli_a_stages_context_still_wins_over_the_apps_in_its_stack_sets(folder: Path) -> None:
    """``cdk synth`` gives the app cdk.json's context (``CDK_CONTEXT_JSON``), which an app reads after
    the context it is built with: a member app built with the Stage's context lost the Stage's
    boundary to cdk.json's app-wide one. Its own process, as the CLI runs an app."""
    (folder / "catalog.yaml").write_text(OU_PROFILE)
    (folder / "app_in_a_stage.py").write_text(STAGE_UNDER_THE_CLI)
    context = {**library_context(), "@aws-cdk/core:permissionsBoundary": {"name": "AppWideBoundary"}}
    ran = subprocess.run(
        [sys.executable, "app_in_a_stage.py"],
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    boundaries = json.loads(ran.stdout.splitlines()[-1])
    assert len(boundaries) == 2  # the profile's role and the tag function's
    for boundary in boundaries:
        assert ":policy/OrgBoundary" in json.dumps(boundary)


def test_a_scope_that_has_a_stack_of_the_catalogues_name_is_refused_before_anything_is_written(
    folder: Path,
) -> None:
    """A second catalogue in the same app, or an app's own stack named like a shard: CDK's clash of
    construct IDs came after the placement file was written; now a clear error, and nothing written."""
    (folder / "catalog.yaml").write_text(TEAM_CATALOG)
    app = existing_app()
    build_catalog(app, "catalog.yaml")
    (folder / "other").mkdir()
    (folder / "other" / "catalog.yaml").write_text(
        "profiles:\n  - name: other\n    tags: {Environment: Production}\n"
    )
    with pytest.raises(
        ValueError, match=r"build_catalog: the app already has 'Ec2AccessProfiles': a catalogue's"
    ):
        build_catalog(app, "other/catalog.yaml")
    assert not (folder / "other" / "catalog.placement.json").exists()
    in_a_stage = build_catalog(Stage(app, "Other"), "other/catalog.yaml")
    assert sorted(in_a_stage.stacks) == ["Ec2AccessProfiles"]
