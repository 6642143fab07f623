"""One deployment of the catalogue (``deployments:``), as the cloud assembly holds it: which accounts
or OUs, and the templates each account should hold.

``cdk synth`` writes a deployment into the assembly in one of two shapes, and this reads both:

- ``accounts``: one CDK Stage per account, whose stacks are in the nested assembly
  ``assembly-<NAME>-<ACCOUNT>`` (``constructs_lib.catalog.deployments.stage_id``), each stack's environment
  naming the account and the region;
- ``organizational_units``: the stack ``Ec2AccessProfiles-StackSets-<NAME>``
  (``stack_sets_stack_name``) with one ``AWS::CloudFormation::StackSet`` per shard. Its
  ``DeploymentTargets`` name the OUs and its ``Regions`` the region; its ``TemplateBody``, or the
  file asset its ``TemplateURL`` points at (in the assembly, by the asset's hash), is the template
  every member account gets. The accounts themselves are only known to Organizations.

The assembly is read, not the catalogue: it is what ``cdk deploy`` deployed (or will), the same
input as the single-account audit, and it holds the member templates StackSets deploy
(``stack_set_members``, which the review reads too). Pure Python and file reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs_lib.audit.declared import (
    MANIFEST,
    NESTED_ASSEMBLY,
    STACK_ARTIFACT,
    StackTemplate,
    json_file,
    read_assembly,
)
from constructs_lib.audit.errors import AuditError
from constructs_lib.catalog.deployments import STACK_SETS_STACK_PREFIX, stack_sets_stack_name, stage_id

STACK_SET = "AWS::CloudFormation::StackSet"
ASSET_MANIFEST = "cdk:asset-manifest"
_STAGE_DIRECTORY = re.compile(r"^assembly-(?P<deployment>.+)-(?P<account>[0-9]{12})$")


@dataclass(frozen=True)
class DeploymentTargets:
    """Where a deployment's profiles are, and the stacks each account should hold."""

    name: str
    assembly: str
    by_account: Mapping[str, tuple[StackTemplate, ...]] = field(default_factory=dict)
    """For a deployment to accounts: each account's stacks (its Stage's)."""
    organizational_units: tuple[str, ...] = ()
    """For a deployment to OUs: the OUs; every account under them holds ``member_stacks``."""
    member_stacks: tuple[StackTemplate, ...] = ()
    region: str | None = None
    """The region of the StackSets' stack instances (a Stage's stacks name theirs)."""

    def stacks_of(self, account: str) -> tuple[StackTemplate, ...]:
        """What ``account`` should hold: its Stage's stacks, or the StackSets' member templates."""
        return self.by_account.get(account, self.member_stacks)

    def region_of(self, account: str) -> str | None:
        regions = {stack.region for stack in self.stacks_of(account) if stack.region}
        return min(regions) if regions else self.region


def deployment_targets(directory: Path, name: str) -> DeploymentTargets:
    """The deployment ``name`` of the assembly in ``directory``; ``AuditError`` when it has none."""
    manifest = json_file(directory / MANIFEST, hint=" (run `cdk synth` first, or give --assembly DIR)")
    artifacts: Mapping[str, Any] = (
        manifest.get("artifacts") if isinstance(manifest, Mapping) else None
    ) or {}
    stages: dict[str, tuple[StackTemplate, ...]] = {}
    found: set[str] = set()
    for artifact_id, artifact in artifacts.items():
        match = _STAGE_DIRECTORY.fullmatch(artifact_id)
        if artifact.get("type") == NESTED_ASSEMBLY and match is not None:
            found.add(match["deployment"])
            if artifact_id == f"assembly-{stage_id(name, match['account'])}":
                nested = directory / (artifact.get("properties") or {}).get("directoryName", artifact_id)
                stages[match["account"]] = read_assembly(nested)
        stack_name = str((artifact.get("properties") or {}).get("stackName", artifact_id))
        if artifact.get("type") == STACK_ARTIFACT and stack_name.startswith(STACK_SETS_STACK_PREFIX):
            found.add(stack_name.removeprefix(STACK_SETS_STACK_PREFIX))
    if stages:
        return DeploymentTargets(name, str(directory), by_account=dict(sorted(stages.items())))
    stack_sets = artifacts.get(stack_sets_stack_name(name))
    if stack_sets is not None and stack_sets.get("type") == STACK_ARTIFACT:
        return _stack_sets(directory, name, stack_sets, artifacts)
    known = ", ".join(sorted(found)) or "none"
    raise AuditError(
        f"{directory}: has no deployment {name!r} (no Stage assembly-{name}-ACCOUNT, no stack "
        f"{stack_sets_stack_name(name)}); deployments in it: {known}. Run `cdk synth` with the catalogue "
        "that declares it"
    )


def stack_set_members(stack: StackTemplate) -> tuple[StackTemplate, ...]:
    """The member template of each StackSet ``stack`` declares, named by its ``StackSetName``: what
    every account of its targets gets. ``stack`` is one of ``read_assembly``'s; a ``TemplateURL`` is
    read from the file assets of the assembly that holds the stack. No StackSet: ``()``."""
    resources: Mapping[str, Any] = stack.template.get("Resources") or {}
    if not any(resource.get("Type") == STACK_SET for resource in resources.values()):
        return ()
    template_file = Path(stack.template_file)
    directory = template_file.parent
    manifest = json_file(directory / MANIFEST)
    artifacts: Mapping[str, Any] = (
        manifest.get("artifacts") if isinstance(manifest, Mapping) else None
    ) or {}
    artifact: Mapping[str, Any] = next(
        (
            other
            for other in artifacts.values()
            if other.get("type") == STACK_ARTIFACT
            and directory / (other.get("properties") or {}).get("templateFile", "") == template_file
        ),
        {},
    )
    return tuple(_members(directory, template_file, stack.template, artifact, artifacts))


def _stack_sets(
    directory: Path, name: str, artifact: Mapping[str, Any], artifacts: Mapping[str, Any]
) -> DeploymentTargets:
    template_file = directory / artifact["properties"]["templateFile"]
    template = json_file(template_file)
    units: list[str] = []
    regions: set[str] = set()
    for resource in (template.get("Resources") or {}).values():
        if resource.get("Type") != STACK_SET:
            continue
        for group in (resource.get("Properties") or {}).get("StackInstancesGroup") or []:
            units += (group.get("DeploymentTargets") or {}).get("OrganizationalUnitIds") or []
            regions.update(group.get("Regions") or [])
    if not all(isinstance(unit, str) for unit in units) or len(regions) > 1:
        raise AuditError(f"{template_file}: the StackSets' OUs or regions are not literal, or not one region")
    region = next(iter(regions), None)
    members = [
        StackTemplate(m.name, m.template_file, m.template, region=region)
        for m in _members(directory, template_file, template, artifact, artifacts)
    ]
    return DeploymentTargets(
        name,
        str(directory),
        organizational_units=tuple(dict.fromkeys(units)),
        member_stacks=tuple(members),
        region=region,
    )


def _members(
    directory: Path,
    template_file: Path,
    template: Mapping[str, Any],
    artifact: Mapping[str, Any],
    artifacts: Mapping[str, Any],
) -> Iterator[StackTemplate]:
    """Each StackSet of the stack's ``template`` as the stack its member accounts get."""
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != STACK_SET:
            continue
        properties = resource.get("Properties") or {}
        where = f"{template_file}: {logical_id}"
        yield StackTemplate(
            name=str(properties.get("StackSetName", logical_id)),
            template_file=where,
            template=_member_template(directory, properties, artifact, artifacts, where),
        )


def _member_template(
    directory: Path,
    properties: Mapping[str, Any],
    artifact: Mapping[str, Any],
    artifacts: Mapping[str, Any],
    where: str,
) -> Mapping[str, Any]:
    """The StackSet's template: its ``TemplateBody``, else the asset of the stack its URL names."""
    body = properties.get("TemplateBody")
    if isinstance(body, str):
        try:
            document = json.loads(body)
        except json.JSONDecodeError as error:
            raise AuditError(f"{where}: TemplateBody is not JSON: {error.msg}") from error
        return document if isinstance(document, Mapping) else {}
    url = json.dumps(properties.get("TemplateURL"))
    for manifest in _asset_manifests(directory, artifact, artifacts):
        for asset_id, asset in (manifest.get("files") or {}).items():
            if asset_id in url:
                found = json_file(directory / asset["source"]["path"])
                return found if isinstance(found, Mapping) else {}
    raise AuditError(f"{where}: neither a TemplateBody nor a TemplateURL to an asset of the assembly")


def _asset_manifests(
    directory: Path, artifact: Mapping[str, Any], artifacts: Mapping[str, Any]
) -> Iterator[Mapping[str, Any]]:
    for dependency in artifact.get("dependencies") or []:
        other = artifacts.get(dependency) or {}
        if other.get("type") == ASSET_MANIFEST:
            document = json_file(directory / other["properties"]["file"])
            if isinstance(document, Mapping):
                yield document
