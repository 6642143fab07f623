"""1,000 catalogue profiles: sharded templates within CloudFormation's limits, cfn-lint clean, stable.

One synthesis of the big app, shared by every test here (it takes about a minute). It stays at
1,000 profiles because that is the size the README promises the app at (11 shards, the placement
file, every shard within CloudFormation's limits). cfn-lint, the slow part once, reads one resource of
each distinct shape and the last shard whole, not the 3,000-odd resources of the 11 shards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

import app as cdk_app
from constructs_lib.catalog.loader import load_catalog
from constructs_lib.catalog.placement import (
    MAX_PROFILES_PER_STACK,
    STACK_RESOURCE_LIMIT,
    TEMPLATE_BYTES_LIMIT,
    estimated_bytes,
    placement_path,
)
from constructs_lib.core import limits
from tests.cfn_lint import lint_every_shape
from tests.deployed_size import (
    IAM_INLINE_POLICIES_MAX_CHARACTERS,
    role_inline_policies_size,
    tag_function_role,
)
from tests.readme_figures import readme_sentence
from tooling.cdk import cli_context
from tooling.sample_catalog import sample_catalog

PROFILES = 1000
HEADROOM = 0.8
HELPER_BYTES = 20_000
"""Template bytes of the tag function (its code inline) and the stack's frame, beyond the profiles'."""


@dataclass
class BigApp:
    catalog: Path
    outdir: Path
    templates: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def big_app(tmp_path_factory: pytest.TempPathFactory) -> BigApp:
    folder = tmp_path_factory.mktemp("big")
    catalog = folder / "catalog.yaml"
    catalog.write_text(sample_catalog(PROFILES))
    outdir = folder / "cdk.out"
    application = App(context={**cli_context(), "catalog": str(catalog)}, outdir=str(outdir))
    cdk_app.compose(application)
    assembly = application.synth()
    return BigApp(catalog, outdir, {stack.stack_name: stack.template for stack in assembly.stacks})


def catalogue_stacks(big_app: BigApp) -> dict[str, dict[str, Any]]:
    return {name: t for name, t in big_app.templates.items() if name.startswith("Ec2AccessProfiles")}


def profile_names(template: dict[str, Any]) -> list[str]:
    return [
        r["Properties"]["InstanceProfileName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::InstanceProfile"
    ]


def test_every_profile_is_in_exactly_one_shard_as_the_placement_file_records(big_app: BigApp) -> None:
    shards = catalogue_stacks(big_app)
    assert len(shards) == -(-PROFILES // MAX_PROFILES_PER_STACK) == 11
    placed = {name: shard for shard, t in shards.items() for name in profile_names(t)}
    assert len(placed) == sum(len(profile_names(t)) for t in shards.values()) == PROFILES
    recorded = json.loads(placement_path(big_app.catalog).read_text())["shards"]
    assert {name: shard for shard, names in recorded.items() for name in names} == placed


def test_every_shard_is_within_cloudformations_limits_with_headroom(big_app: BigApp) -> None:
    catalog = load_catalog(big_app.catalog)
    estimates = {profile.name: estimated_bytes(profile.spec) for profile in catalog.profiles}
    for name, template in catalogue_stacks(big_app).items():
        size = len((big_app.outdir / f"{name}.template.json").read_bytes())
        assert len(template["Resources"]) <= HEADROOM * STACK_RESOURCE_LIMIT, name
        assert size <= HEADROOM * TEMPLATE_BYTES_LIMIT, name
        assert size <= sum(estimates[p] for p in profile_names(template)) + HELPER_BYTES, name
        assert len(template.get("Outputs", {})) <= HEADROOM * 200
        assert len(template.get("Parameters", {})) <= HEADROOM * 200


def test_the_tag_function_of_the_largest_shard_fits_iam(big_app: BigApp) -> None:
    """In the template (the EAP060 guardrail's measure) and once deployed, worst case."""
    largest = max(catalogue_stacks(big_app).values(), key=lambda t: len(t["Resources"]))
    role_id = tag_function_role(largest)
    (policy,) = largest["Resources"][role_id]["Properties"]["Policies"]
    assert limits.policy_size(policy["PolicyDocument"]) <= IAM_INLINE_POLICIES_MAX_CHARACTERS
    assert role_inline_policies_size(largest, role_id) <= IAM_INLINE_POLICIES_MAX_CHARACTERS


def test_the_readme_quotes_a_full_shards_tag_policy(big_app: BigApp) -> None:
    largest = max(catalogue_stacks(big_app).values(), key=lambda t: len(t["Resources"]))
    role_id = tag_function_role(largest)
    (policy,) = largest["Resources"][role_id]["Properties"]["Policies"]
    (tag_statement,) = (
        s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "TagThisStacksInstanceProfiles"
    )
    resources = tag_statement["Resource"]
    patterns = sum(1 for arn in resources if arn["Fn::Join"][1][-1].endswith("*"))
    figures = [
        len(profile_names(largest)),
        len(resources) - patterns,
        patterns,
        limits.policy_size(policy["PolicyDocument"]),
        role_inline_policies_size(largest, role_id),
    ]
    sentence = readme_sentence("A full shard of the app")
    assert sentence.numbers() == figures, f"{sentence.text} should quote {figures}"


def test_cfn_lint_passes_on_every_shape_of_every_shard(big_app: BigApp, tmp_path: Path) -> None:
    """cfn-lint over one resource of each distinct shape of the 11 shards and the reader stack, with
    what it references (``tests/template_shapes.py``): the other resources repeat them with other
    names. What cfn-lint checks across a template's resources (unique identifiers and names, no
    dependency cycle) it checks over the last shard whole, built as the others are. The limits it
    counts over a whole template are asserted on every shard above."""
    templates = {path.name: json.loads(path.read_text()) for path in big_app.outdir.glob("*.template.json")}
    assert len(templates) == len(big_app.templates)
    last = min(catalogue_stacks(big_app).items(), key=lambda item: len(item[1]["Resources"]))[0]
    assert profile_names(big_app.templates[last])
    whole = big_app.outdir / f"{last}.template.json"
    assert lint_every_shape(templates, tmp_path / "shapes", whole=[whole]) == []
