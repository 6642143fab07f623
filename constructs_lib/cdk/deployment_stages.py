"""The catalogue's deployments: a CDK Stage per account, a service-managed StackSet per shard for OUs.

Without ``deployments:`` the catalogue's stacks are environment-agnostic and this module is not used.
Inside a Stage each shard keeps its stack name (``Ec2AccessProfiles-2``), so a catalogue that starts
naming accounts replaces nothing in them. A StackSet's template is the shard's stack as a member
account gets it: synthesized without a bootstrap version check (member accounts are not
bootstrapped), with the tag function's code inline, so it needs no asset bucket in member accounts;
it travels in ``TemplateBody`` up to 51,200 bytes, else as an asset of the management account's
bootstrap bucket (``TemplateURL``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aws_cdk import App, BootstraplessSynthesizer, Environment, Stack, Stage, Tags
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from constructs_lib.catalog.deployments import (
    Deployment,
    chosen,
    stack_set_name,
    stack_sets_stack_name,
    stage_id,
)
from constructs_lib.catalog.loader import Catalog
from constructs_lib.cdk.catalog_stacks import CatalogStack, catalog_stacks

TEMPLATE_BODY_LIMIT = 51_200
"""Bytes CloudFormation takes in ``TemplateBody``; a larger template goes to S3 (``TemplateURL``)."""
TEMPLATE_BODIES_BUDGET = 800_000
"""Bytes of ``TemplateBody`` the stack of StackSets carries, as its template writes them (a JSON
string, escaped): its own template is at most CloudFormation's 1 MB (from S3), so past this the
member templates go by ``TemplateURL``, whatever their size. Twenty named stacks of a few profiles,
each under ``TEMPLATE_BODY_LIMIT``, would pass it."""


@dataclass(frozen=True)
class DeploymentStages:
    """What ``deployment_stages`` built: the Stages and their stacks, and the stacks of StackSets."""

    stages: dict[str, Stage]
    """One Stage per account of each deployment, by construct ID (``prod-111111111111``)."""
    stacks: dict[str, CatalogStack]
    """The stacks of every Stage, by the name ``cdk deploy`` takes (``prod-111111111111/Ec2Access-Web``)."""
    stack_sets: dict[str, StackSetsStack]
    """The stack of StackSets of each deployment to organizational units, by deployment name."""


def deployment_ids(catalog: Catalog) -> list[str]:
    """The construct IDs ``deployment_stages`` adds to its scope: a Stage per account, a stack of
    StackSets per deployment to OUs."""
    ids = []
    for deployment in catalog.deployments:
        if deployment.is_stack_set:
            ids.append(stack_sets_stack_name(deployment.name))
        else:
            ids += [stage_id(deployment.name, account) for account in deployment.accounts]
    return ids


def deployment_stages(scope: Construct, catalog: Catalog) -> DeploymentStages:
    """Every deployment of the catalogue: Stages for accounts, a stack of StackSets for OUs."""
    built = DeploymentStages({}, {}, {})
    for deployment in catalog.deployments:
        own = _profiles_of(catalog, deployment)
        if deployment.is_stack_set:
            name = stack_sets_stack_name(deployment.name)
            built.stack_sets[deployment.name] = StackSetsStack(
                scope, name, deployment=deployment, catalog=own, stack_name=name
            )
            continue
        for account in deployment.accounts:
            stage_name = stage_id(deployment.name, account)
            stage = Stage(scope, stage_name, env=Environment(account=account, region=deployment.region))
            _tag(stage, deployment)
            built.stages[stage_name] = stage
            for stack in catalog_stacks(stage, own):
                built.stacks[f"{stage_name}/{stack.stack_name}"] = stack
    return built


class StackSetsStack(Stack):
    """One service-managed StackSet per shard of the catalogue, deployed to the deployment's OUs.

    Deploy it from the organization's management account: the StackSets are created as its own
    (``CallAs: SELF``, CloudFormation's default), so a delegated administrator cannot deploy it. New
    accounts in the OUs get the stacks automatically.
    """

    def __init__(
        self, scope: Construct, id: str, *, deployment: Deployment, catalog: Catalog, **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.deployment = deployment
        """The deployment to organizational units it deploys."""
        self.stack_sets: dict[str, cloudformation.CfnStackSet] = {}
        """The StackSet of each shard, by shard name."""
        member_app, member_templates = _member_templates(scope, deployment, catalog)
        self.member_app: App = member_app
        """The app the member templates were synthesized in, its stacks named as the shards: the
        linters check its constructs beside this app's own."""
        self.member_templates: dict[str, dict[str, Any]] = member_templates
        """Each shard's template as member accounts get it, by shard name."""
        bodies = {
            shard: json.dumps(template, separators=(",", ":"), sort_keys=True)
            for shard, template in self.member_templates.items()
        }
        inline = inline_bodies(bodies, TEMPLATE_BODIES_BUDGET)
        with tempfile.TemporaryDirectory(prefix="ec2-access-profiles-stacksets-") as folder:
            for shard, body in bodies.items():
                self.stack_sets[shard] = self._stack_set(
                    deployment, shard, body, shard in inline, Path(folder)
                )

    def _stack_set(
        self, deployment: Deployment, shard: str, body: str, inline: bool, folder: Path
    ) -> cloudformation.CfnStackSet:
        """The shard's StackSet, its template in ``TemplateBody`` if ``inline``, else as an asset.

        The asset's source is a file of this stack's own temporary ``folder``: CDK stages (copies into
        the cloud assembly) an asset when it is created, and caches staging by source path and outdir,
        not content, so a path another deployment, stack or synth could write would ship its template.
        """
        stack_set = cloudformation.CfnStackSet(
            self,
            shard,
            stack_set_name=stack_set_name(deployment.name, shard),
            permission_model="SERVICE_MANAGED",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=True,
                retain_stacks_on_account_removal=deployment.account_removal == "retain",
            ),
            capabilities=["CAPABILITY_NAMED_IAM"],
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=cloudformation.CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=list(deployment.organizational_units)
                    ),
                    regions=[deployment.region],
                )
            ],
            description=f"EC2 access profiles of shard {shard} for deployment {deployment.name}",
        )
        if inline:
            stack_set.template_body = body
        else:
            path = folder / f"{shard}.template.json"
            path.write_text(body)
            stack_set.template_url = s3_assets.Asset(stack_set, "Template", path=str(path)).http_url
        return stack_set


def inline_bodies(bodies: Mapping[str, str], budget: int = TEMPLATE_BODIES_BUDGET) -> set[str]:
    """The shards whose template goes in ``TemplateBody``: each at most ``TEMPLATE_BODY_LIMIT`` bytes,
    in the order given, while the stack of StackSets' template carries at most ``budget`` bytes of
    them as it writes them (escaped in a JSON string); every other goes by ``TemplateURL``."""
    inline = set()
    used = 0
    for shard, body in bodies.items():
        written = len(json.dumps(body, ensure_ascii=False).encode())
        if len(body.encode()) <= TEMPLATE_BODY_LIMIT and used + written <= budget:
            inline.add(shard)
            used += written
    return inline


def _member_templates(
    scope: Construct, deployment: Deployment, catalog: Catalog
) -> tuple[App, dict[str, dict[str, Any]]]:
    """Each shard's template as member accounts get it, from an app of its own with the context
    ``scope`` sees, and that app.

    Not a Stage of this app: its stacks would be in this app's cloud assembly, where ``cdk deploy``
    could deploy them to the management account. The context is the scope's, not the root's: a Stage
    the catalogue is built in gives its stacks context of its own (its ``permissions_boundary`` is
    one), and the member accounts' stacks must get it as the Stage's do.
    """
    with tempfile.TemporaryDirectory() as outdir:
        # After the CLI's: the CLI's context (CDK_CONTEXT_JSON: cdk.json and -c) would otherwise
        # override what the Stage sets over it.
        members = App(post_cli_context=scope.node.get_all_context(), outdir=outdir)
        _tag(members, deployment)
        stacks = catalog_stacks(members, catalog, synthesizer=BootstraplessSynthesizer())
        assembly = members.synth()
        templates = {
            stack.stack_name: assembly.get_stack_by_name(stack.stack_name).template for stack in stacks
        }
        return members, templates


def _profiles_of(catalog: Catalog, deployment: Deployment) -> Catalog:
    profiles = tuple(p for p in catalog.profiles if deployment in chosen(catalog.deployments, p.deployments))
    return replace(catalog, profiles=profiles)


def _tag(scope: Construct, deployment: Deployment) -> None:
    for key, value in sorted(deployment.tags.items()):
        Tags.of(scope).add(key, value)
