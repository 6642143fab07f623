"""Deployments: a Stage per account, a service-managed StackSet per shard for OUs, self-contained."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.cx_api import CloudAssembly

import app as cdk_app
from constructs_lib.catalog.deployments import Deployment, deployment_findings
from constructs_lib.catalog.loader import load_catalog
from constructs_lib.cdk.deployment_stages import TEMPLATE_BODY_LIMIT, StackSetsStack, inline_bodies
from constructs_lib.cli import scaffold
from constructs_lib.core.checker import AppSettings
from tests.cfn_lint import lint_every_shape
from tooling.cdk import cli_context
from tooling.sample_catalog import sample_catalog

DEPLOYMENTS = textwrap.dedent(
    """\
    deployments:
      - name: prod
        accounts: ["111111111111", "222222222222"]
        region: us-east-1
        tags: {CostCentre: platform}
      - name: org-baseline
        organizational_units: [ou-abcd-12345678]
        region: eu-west-1
        account_removal: delete
    """
)
WEB = "\n  - name: web-only-in-prod\n    deployments: [prod]\n    tags: {Environment: Production}\n"
PROFILES = 105


@dataclass
class Deployed:
    assembly: CloudAssembly
    outdir: Path


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    folder = tmp_path_factory.mktemp("deployments")
    catalog = folder / "catalog.yaml"
    catalog.write_text(DEPLOYMENTS + sample_catalog(PROFILES) + WEB)
    outdir = folder / "cdk.out"
    application = App(context={**cli_context(), "catalog": str(catalog)}, outdir=str(outdir))
    cdk_app.compose(application)
    return Deployed(application.synth(), outdir)


def stage_stacks(deployed: Deployed, stage: str) -> dict[str, Any]:
    (nested,) = (
        a for a in deployed.assembly.nested_assemblies if a.nested_assembly.directory.endswith(stage)
    )
    return {stack.stack_name: stack for stack in nested.nested_assembly.stacks}


def profile_names(template: dict[str, Any]) -> set[str]:
    return {
        r["Properties"]["InstanceProfileName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::InstanceProfile"
    }


def stack_sets(deployed: Deployed, deployment: str = "org-baseline") -> dict[str, dict[str, Any]]:
    template = deployed.assembly.get_stack_by_name(f"Ec2AccessProfiles-StackSets-{deployment}").template
    return {
        r["Properties"]["StackSetName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudFormation::StackSet"
    }


def test_one_stage_per_account_with_the_shards_under_their_own_names(deployed: Deployed) -> None:
    for account in ("111111111111", "222222222222"):
        stacks = stage_stacks(deployed, f"assembly-prod-{account}")
        assert sorted(stacks) == ["Ec2AccessProfiles", "Ec2AccessProfiles-2"]
        for stack in stacks.values():
            assert (stack.environment.account, stack.environment.region) == (account, "us-east-1")
        names = set().union(*(profile_names(s.template) for s in stacks.values()))
        assert len(names) == PROFILES + 1
        assert "web-only-in-prod" in names


def test_a_deployments_tags_reach_its_resources(deployed: Deployed) -> None:
    stack = stage_stacks(deployed, "assembly-prod-111111111111")["Ec2AccessProfiles-2"]
    roles = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert all({"Key": "CostCentre", "Value": "platform"} in r["Properties"]["Tags"] for r in roles)


def test_organizational_units_get_one_service_managed_stack_set_per_shard(deployed: Deployed) -> None:
    sets = stack_sets(deployed)
    assert sorted(sets) == ["org-baseline-Ec2AccessProfiles", "org-baseline-Ec2AccessProfiles-2"]
    for properties in sets.values():
        assert properties["PermissionModel"] == "SERVICE_MANAGED"
        assert properties["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
        assert properties["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
        assert properties["StackInstancesGroup"] == [
            {"DeploymentTargets": {"OrganizationalUnitIds": ["ou-abcd-12345678"]}, "Regions": ["eu-west-1"]}
        ]


def member_templates(deployed: Deployed, deployment: str = "org-baseline") -> dict[str, dict[str, Any]]:
    found = {}
    for name, properties in stack_sets(deployed, deployment).items():
        if "TemplateBody" in properties:
            found[name] = json.loads(properties["TemplateBody"])
        else:
            manifest = json.loads(
                (deployed.outdir / f"Ec2AccessProfiles-StackSets-{deployment}.assets.json").read_text()
            )
            url = json.dumps(properties["TemplateURL"])
            (asset,) = (asset for asset_id, asset in manifest["files"].items() if asset_id in url)
            found[name] = json.loads((deployed.outdir / asset["source"]["path"]).read_text())
    return found


def test_stack_set_templates_are_self_contained_and_large_ones_travel_by_url(deployed: Deployed) -> None:
    sets = stack_sets(deployed)
    assert "TemplateURL" in sets["org-baseline-Ec2AccessProfiles"]  # 99 profiles: over 51,200 bytes
    assert len(sets["org-baseline-Ec2AccessProfiles-2"]["TemplateBody"].encode()) <= TEMPLATE_BODY_LIMIT
    templates = member_templates(deployed)
    for template in templates.values():
        assert "Parameters" not in template  # no bootstrap version check
        assert "Rules" not in template
        functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
        assert all("ZipFile" in f["Properties"]["Code"] for f in functions)
        assert "cdk-hnb659fds" not in json.dumps(template)  # no bootstrap bucket or role
    names = set().union(*(profile_names(t) for t in templates.values()))
    assert len(names) == PROFILES
    assert "web-only-in-prod" not in names


def test_cfn_lint_passes_on_every_shape_of_every_deployment(deployed: Deployed, tmp_path: Path) -> None:
    """cfn-lint over one resource of each distinct shape (``tests/template_shapes.py``) of the
    deployments' templates and their StackSets' member templates, with what it references, and over
    the smallest shard of a Stage whole (what cfn-lint checks across a template's resources)."""
    files = sorted(deployed.outdir.rglob("*.template.json"))
    for name, template in member_templates(deployed).items():
        path = tmp_path / f"{name}.member.template.json"
        path.write_text(json.dumps(template))
        files.append(path)
    assert len(files) == 2 + 2 * 2 + 2  # reader and stack sets, 2 shards x 2 accounts, 2 member templates
    templates = {str(path): json.loads(path.read_text()) for path in files}
    stage_shards = [path for path in files if "assembly-prod-" in str(path)]
    smallest = min(stage_shards, key=lambda path: len(templates[str(path)]["Resources"]))
    assert lint_every_shape(templates, tmp_path / "shapes", whole=[smallest]) == []


def deployment(**changes: Any) -> Deployment:
    return Deployment(
        **{
            "name": "prod",
            "region": "us-east-1",
            "accounts": ("111111111111",),
            "location": "c.yaml:2:5",
            **changes,
        }
    )


@pytest.mark.parametrize(
    ("changes", "rule_id", "field"),
    [
        ({"organizational_units": ("ou-abcd-12345678",)}, "EAP115", "deployments"),
        ({"accounts": ()}, "EAP115", "deployments"),
        ({"name": "1prod"}, "EAP115", "deployments.name"),
        ({"accounts": ("11111111111",)}, "EAP116", "deployments.accounts"),
        ({"accounts": (), "organizational_units": ("r-AB12",)}, "EAP116", "deployments.organizational_units"),
        ({"region": "US East"}, "EAP116", "deployments.region"),
        ({"region": "us-east-1\n"}, "EAP116", "deployments.region"),
        ({"accounts": ("111111111111\n",)}, "EAP116", "deployments.accounts"),
        ({"tags": {"Cost&Center": "platform"}}, "EAP011", "deployments.tag key"),
        ({"tags": {"CostCentre": "a&b"}}, "EAP012", "deployments.tags['CostCentre']"),
        ({"tags": {"Team": "a", "team": "b"}}, "EAP013", "deployments.tag key"),
    ],
)
def test_a_bad_deployment_is_a_finding(changes: dict[str, Any], rule_id: str, field: str) -> None:
    (finding,) = deployment_findings([deployment(**changes)])
    assert (finding.rule_id, finding.field, finding.location) == (rule_id, field, "c.yaml:2:5")


def test_the_catalogue_reports_deployment_problems_at_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            deployments:
              - name: prod
                accounts: [111111111111]
                region: us-east-1
              - name: prod
                organizational_units: [ou-abcd-12345678]
                region: us-east-1
                account_removal: keep
            profiles:
              - name: web
                deployments: [prdo]
            """
        )
    )
    lines = [finding.line() for finding in load_catalog(path).findings]
    assert lines == [
        f"{path}:3:16: EAP102 deployments[0].accounts[0]: 111111111111 is a number; expected a string; "
        "quote it: '111111111111'",
        f"{path}:8:22: EAP115 deployments.account_removal: 'keep' is not one of retain, delete",
        f"{path}:11:19: EAP117 profile 'web' deployments: 'prdo' is not a deployment of this catalogue; "
        "known: none",
    ]


TWO_REGIONS = textwrap.dedent(
    """\
    deployments:
      - name: prod-east
        accounts: ["111111111111"]
        region: us-east-1
      - name: prod-west
        accounts: ["222222222222", "111111111111"]
        region: us-west-2
    profiles:
      - name: web
    """
)


def test_an_account_in_two_deployments_of_one_profile_is_refused_at_the_second_listing(
    tmp_path: Path,
) -> None:
    """IAM names are per account, whatever the region: the second Stage's deploy would fail."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(TWO_REGIONS)
    lines = [finding.line() for finding in load_catalog(catalog).findings]
    assert lines == [
        f"{catalog}:6:32: EAP118 deployments.accounts: '111111111111' is listed in deployment 'prod-east' "
        f"too ({catalog}:3:16), and a profile goes to both: IAM names are global to an account, so the "
        "second deploy creates the same role and instance profile again and fails (EntityAlreadyExists); "
        "list the account in one deployment, or give the profiles of each their own deployments: [...]"
    ]
    catalog.write_text(
        TWO_REGIONS.replace("  - name: web\n", "  - name: web\n    deployments: [prod-west]\n")
    )
    assert load_catalog(catalog).findings == ()


def test_a_deployments_tags_are_checked_alone_and_with_each_profiles_at_their_lines(tmp_path: Path) -> None:
    """Synth refuses them at construct paths (the Stage tags every role): check refuses them first."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        textwrap.dedent(
            """\
            deployments:
              - name: prod
                accounts: ["111111111111"]
                region: us-east-1
                tags: {Environment: Production, "Cost&Center": "a&b"}
            profiles:
              - name: web
                tags: {environment: prod}
            """
        )
    )
    lines = [finding.line() for finding in load_catalog(catalog).findings]
    assert lines == [
        f"{catalog}:5:37: EAP011 deployments.tag key: 'Cost&Center' contains '&'; IAM allows only letters, "
        "digits, spaces and _.:/=+-@",
        f"{catalog}:5:37: EAP012 deployments.tags['Cost&Center']: 'a&b' contains '&'; IAM allows only "
        "letters, digits, spaces and _.:/=+-@",
        f"{catalog}:8:12: EAP013 profile 'web' tag key: 'environment' equals 'Environment', a tag of "
        f"deployment 'prod' ({catalog}:5:12), ignoring case; IAM tag keys are case-insensitive: use the "
        "deployment's spelling, or drop one",
    ]


def test_a_profile_over_the_tag_limit_with_its_deployments_tags_is_refused(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    own = ", ".join(f"k{i}: v" for i in range(49))
    catalog.write_text(
        DEPLOYMENTS.replace("{CostCentre: platform}", "{CostCentre: platform, Owner: me}")
        + f"profiles:\n  - name: web\n    deployments: [prod]\n    tags: {{{own}}}\n"
    )
    (finding,) = load_catalog(catalog).findings
    assert (finding.rule_id, finding.value, finding.location) == ("EAP010", "51 tags", f"{catalog}:13:11")
    assert finding.rule == (
        "has 51 tags; IAM allows at most 50 per role or instance profile once deployment 'prod' adds its tags"
    )


REQUIRED_BY_DEPLOYMENT = textwrap.dedent(
    """\
    deployments:
      - name: prod
        accounts: ["111111111111"]
        region: us-east-1
        tags: {Environment: Production}
      - name: lab
        accounts: ["333333333333"]
        region: us-east-1
    profiles:
      - name: tagged-by-prod
        deployments: [prod]
      - name: everywhere
    """
)


def test_a_required_tag_a_deployment_gives_is_not_asked_of_its_profiles(tmp_path: Path) -> None:
    """check and synth agree: ``prod``'s tags are on its profiles' roles at synth, so only the profile
    that also goes to ``lab`` (which gives no ``Environment``) must carry the tag itself."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(REQUIRED_BY_DEPLOYMENT)
    settings = AppSettings(required_tags=["Environment"])
    found = load_catalog(catalog, settings=settings).findings
    assert [(f.rule_id, f.location) for f in found] == [("EAP014", f"{catalog}:12:5")]

    catalog.write_text(REQUIRED_BY_DEPLOYMENT.replace("  - name: everywhere\n", ""))
    assert load_catalog(catalog, settings=settings).findings == ()
    application = App(
        context={
            **cli_context(),
            "catalog": str(catalog),
            "ec2-access-profile:requiredTags": ["Environment"],
        },
        outdir=str(tmp_path / "cdk.out"),
    )
    cdk_app.compose(application)
    application.synth()  # the guardrails find Environment on the role, from the Stage's tags


ONE_OU = "deployments:\n  - name: org\n    organizational_units: [ou-abcd-12345678]\n    region: us-east-1\n"


def test_each_synth_ships_its_own_large_member_template(tmp_path: Path) -> None:
    """CDK caches an asset's staging by source path and outdir, not content: a template written where
    another synth (or deployment) writes its own would ship that one's template."""
    outdir = tmp_path / "cdk.out"
    for count in (40, 41):
        folder = tmp_path / str(count)
        folder.mkdir()
        catalog = folder / "catalog.yaml"
        catalog.write_text(ONE_OU + sample_catalog(count))
        application = App(context={**cli_context(), "catalog": str(catalog)}, outdir=str(outdir))
        cdk_app.compose(application)
        shipped = member_templates(Deployed(application.synth(), outdir), "org")
        assert list(shipped) == ["org-Ec2AccessProfiles"]
        assert len(profile_names(shipped["org-Ec2AccessProfiles"])) == count


def catalogue_lines(tmp_path: Path, text: str) -> list[str]:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(textwrap.dedent(text))
    return [finding.line().replace(str(catalog), "c.yaml") for finding in load_catalog(catalog).findings]


def test_an_account_and_region_in_two_deployments_is_refused_whatever_the_profiles(tmp_path: Path) -> None:
    """Both Stages would deploy the same stacks, each deleting the other's profiles."""
    text = TWO_REGIONS.replace("us-west-2", "us-east-1") + "    deployments: [prod-east]\n"
    assert catalogue_lines(tmp_path, text) == [
        "c.yaml:6:32: EAP119 deployments.accounts: '111111111111' is listed with region us-east-1 in "
        "deployment 'prod-east' too (c.yaml:3:16): both Stages deploy the same stacks (same names, account "
        "and region), so each deploy deletes the profiles the other put there; list each account and "
        "region in one deployment"
    ]


TWO_OU_DEPLOYMENTS = textwrap.dedent(
    """\
    deployments:
      - name: org-east
        organizational_units: [ou-abcd-12345678]
        region: us-east-1
      - name: org-west
        organizational_units: [ou-efgh-12345678, ou-abcd-12345678]
        region: us-west-2
    profiles:
      - name: web
    """
)


def test_an_ou_in_two_deployments_of_one_profile_is_refused_at_the_second_listing(tmp_path: Path) -> None:
    assert catalogue_lines(tmp_path, TWO_OU_DEPLOYMENTS) == [
        "c.yaml:6:46: EAP118 deployments.organizational_units: 'ou-abcd-12345678' is listed in deployment "
        "'org-east' too (c.yaml:3:28), and a profile goes to both: IAM names are global to an account, so "
        "the StackSets of both create the same role and instance profile in each account of the OU, and "
        "the second fails (EntityAlreadyExists); list the OU in one deployment, or give the profiles of "
        "each their own deployments: [...]"
    ]
    assert catalogue_lines(tmp_path, TWO_OU_DEPLOYMENTS + "    deployments: [org-west]\n") == []


def test_an_account_in_a_third_deployment_is_compared_with_each_earlier_one(tmp_path: Path) -> None:
    text = TWO_REGIONS.replace(
        "profiles:", '  - name: prod-eu\n    accounts: ["111111111111"]\n    region: eu-west-1\nprofiles:'
    )
    lines = catalogue_lines(tmp_path, text + "    deployments: [prod-west, prod-eu]\n")
    assert [line.split(": ")[0] for line in lines] == ["c.yaml:9:16"]
    assert "in deployment 'prod-west' too (c.yaml:6:32)" in lines[0]


def test_a_stack_set_name_made_twice_or_too_long_is_refused_at_the_deployment(tmp_path: Path) -> None:
    text = """\
        deployments:
          - name: a
            organizational_units: [ou-abcd-12345678]
            region: us-east-1
          - name: a-b
            organizational_units: [ou-efgh-12345678]
            region: us-east-1
        profiles:
          - name: first
            stack: b-S
            deployments: [a]
          - name: second
            stack: S
            deployments: [a-b]
        """
    assert catalogue_lines(tmp_path, text) == [
        "c.yaml:5:11: EAP120 deployments.name: 'a-b' names the StackSet of stack 'S' 'a-b-S', as deployment "
        "'a' (c.yaml:2:11) names that of stack 'b-S': StackSet names are unique in a region; rename a "
        "deployment or a stack"
    ]
    deployment, stack = "d" * 64, "S" * 63  # 64 + 1 + 63 = 128 characters: the most CloudFormation takes
    fits = text.replace("name: a-b", f"name: {deployment}").replace("[a-b]", f"[{deployment}]")
    assert catalogue_lines(tmp_path, fits.replace("stack: S\n", f"stack: {stack}\n")) == []
    lines = catalogue_lines(tmp_path, fits.replace("stack: S\n", f"stack: {stack}S\n"))
    assert [line.split(": ")[:2] for line in lines] == [["c.yaml:5:11", "EAP120 deployments.name"]]
    assert f"'{deployment}-{stack}S', 129 characters; CloudFormation allows at most 128" in lines[0]


def test_stacks_whose_stack_sets_get_one_logical_id_are_refused_at_the_second(tmp_path: Path) -> None:
    """Synth would crash (SectionAlreadyContains): CDK drops the hyphen of ``Web-A``."""
    text = ONE_OU + "profiles:\n  - name: web\n    stack: Web-A\n  - name: app\n    stack: WebA\n"
    assert catalogue_lines(tmp_path, text) == [
        "c.yaml:9:12: EAP120 stack: 'WebA' gives its StackSet in deployment 'org' the logical ID 'WebA', as "
        "'Web-A' does (c.yaml:7:12): CDK keeps only the letters and digits of a construct ID; rename one "
        "stack"
    ]
    accounts = ONE_OU.replace("organizational_units: [ou-abcd-12345678]", 'accounts: ["111111111111"]')
    assert catalogue_lines(tmp_path, text.replace(ONE_OU, accounts)) == []  # stacks in a Stage: no clash


def test_the_scaffolds_readme_deploys_the_stacks_of_stages_too() -> None:
    """``cdk deploy --all`` selects top-level stacks only: a Stage's stacks would not deploy."""
    readme = (Path(scaffold.__file__).parent / "files" / "README.md").read_text()
    assert "deploy --all" not in readme
    assert """make cdk ARGS="deploy '**'\"""" in readme


ROOT_OR_OU = "is not an OU ID or the organization root's ID, e.g. ou-abcd-12345678 or r-abcd"
LONGEST_OU, LONGEST_ROOT = f"ou-{'a' * 32}-{'b' * 32}", f"r-{'a' * 32}"


@pytest.mark.parametrize("unit", ["ou-abcd-12345678", LONGEST_OU, "r-ab12", LONGEST_ROOT])
def test_an_ou_or_the_organization_root_is_a_deployment_target(unit: str) -> None:
    """CloudFormation's ``DeploymentTargets.OrganizationalUnitIds`` takes the root too: its pattern is
    ``^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$``."""
    assert deployment_findings([deployment(accounts=(), organizational_units=(unit,))]) == []


MALFORMED_TARGETS = [
    "r-AB12",
    "R-ab12",
    "r-abc",
    f"{LONGEST_ROOT}a",
    "r-ab12\n",
    "ou-",
    "ou-abcd",
    "ou-abcd-1234567",
    "o-abcd1234",
]


@pytest.mark.parametrize("unit", MALFORMED_TARGETS)
def test_a_malformed_ou_or_root_id_is_refused(unit: str) -> None:
    (finding,) = deployment_findings([deployment(accounts=(), organizational_units=(unit,))])
    assert (finding.rule_id, finding.field, finding.value, finding.rule) == (
        "EAP116",
        "deployments.organizational_units",
        unit,
        ROOT_OR_OU,
    )


def test_every_region_aws_cdk_lib_and_botocore_know_is_a_deployment_region() -> None:
    """The AWS European Sovereign Cloud's ``eusc-de-east-1`` among them."""
    import botocore.loaders
    from aws_cdk.region_info import RegionInfo

    partitions = botocore.loaders.create_loader().load_data("endpoints")["partitions"]
    regions = {region.name for region in RegionInfo.regions}
    regions |= {name for partition in partitions for name in partition["regions"]}
    assert "eusc-de-east-1" in regions
    refused = [region for region in sorted(regions) if deployment_findings([deployment(region=region)])]
    assert refused == []


@pytest.mark.parametrize("region", ["us-east", "us-east-1a", "US-east-1", "useast1", "eusc-de-east", "e-1"])
def test_a_malformed_region_is_refused(region: str) -> None:
    (finding,) = deployment_findings([deployment(region=region)])
    assert (finding.rule_id, finding.field) == ("EAP116", "deployments.region")


def test_template_bodies_go_inline_in_order_within_the_budget_then_by_url() -> None:
    small = "x" * 100
    bodies = {"A": small, "B": small, "Big": "y" * (TEMPLATE_BODY_LIMIT + 1), "C": small}
    written = len(json.dumps(small))
    assert inline_bodies(bodies, budget=10 * written) == {"A", "B", "C"}
    assert inline_bodies(bodies, budget=2 * written) == {"A", "B"}
    assert inline_bodies(bodies, budget=2 * written - 1) == {"A"}
    # Escaped as the parent template writes it: quotes count twice.
    assert inline_bodies({"Q": '"' * 100}, budget=201) == set()
    assert inline_bodies({"Q": '"' * 100}, budget=202) == {"Q"}


def test_the_stack_of_stack_sets_stays_within_cloudformations_template_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many small named stacks each fit ``TemplateBody``, but not all of them in one parent template:
    past the budget the rest go by ``TemplateURL``."""
    from constructs_lib.cdk import deployment_stages

    named = "".join(
        f"\n  - name: team-{team}\n    stack: Ec2Access-Team{team}\n    tags: {{Environment: Production}}\n"
        for team in ("A", "B")
    )
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(ONE_OU + "profiles:" + named)
    outdir = tmp_path / "cdk.out"
    application = App(context={**cli_context(), "catalog": str(catalog)}, outdir=str(outdir))
    cdk_app.compose(application)
    (built,) = (child for child in application.node.children if isinstance(child, StackSetsStack))
    one_body = len(json.dumps(built.stack_sets["Ec2Access-TeamA"].template_body))
    assert built.stack_sets["Ec2Access-TeamB"].template_body is not None  # both fit by default

    monkeypatch.setattr(deployment_stages, "TEMPLATE_BODIES_BUDGET", one_body + 10)
    catalog.write_text(ONE_OU + "profiles:" + named)
    application = App(context={**cli_context(), "catalog": str(catalog)}, outdir=str(outdir))
    cdk_app.compose(application)
    synthesized = Deployed(application.synth(), outdir)
    shipped = stack_sets(synthesized, "org")
    assert "TemplateBody" in shipped["org-Ec2Access-TeamA"]
    assert "TemplateURL" in shipped["org-Ec2Access-TeamB"]
    assert "TemplateBody" not in shipped["org-Ec2Access-TeamB"]
    members = member_templates(synthesized, "org")
    assert profile_names(members["org-Ec2Access-TeamB"]) == {"team-B"}


@pytest.mark.parametrize(
    ("east", "west", "said"),
    [
        ("r-abcd", "ou-abcd-12345678", "is under root 'r-abcd', listed in deployment 'org-east' too"),
        (
            "ou-abcd-12345678",
            "r-abcd",
            "is the root of OU 'ou-abcd-12345678', listed in deployment 'org-east' too",
        ),
    ],
)
def test_a_root_and_an_ou_under_it_in_two_deployments_of_one_profile_are_refused(
    tmp_path: Path, east: str, west: str, said: str
) -> None:
    """An OU's ID embeds its root's (``ou-abcd-…`` is under ``r-abcd``): both StackSets would create the
    profile in the OU's accounts. An OU of another organization is no overlap."""
    text = TWO_OU_DEPLOYMENTS.replace("[ou-abcd-12345678]", f"[{east}]").replace(
        "[ou-efgh-12345678, ou-abcd-12345678]", f"[ou-efgh-12345678, {west}]"
    )
    (line,) = catalogue_lines(tmp_path, text)
    assert line.startswith(
        f"c.yaml:6:46: EAP118 deployments.organizational_units: {west!r} {said} (c.yaml:3:28)"
    )
    other_organization = text.replace(f", {west}]", ", ou-wxyz-12345678]")
    assert catalogue_lines(tmp_path, other_organization) == []
