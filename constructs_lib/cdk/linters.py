"""The linters the tests run, run by the app's own ``cdk synth`` as CDK policy-validation plugins.

``add_linters(app)`` registers cdk-nag's AwsSolutions and NIST 800-53 rev 5 packs and cfn-lint with
``Validations.of(app)``: after synthesis CDK hands every template to each plugin, and a violation
fails synth with CDK's validation report (also written to ``cdk.out/validation-report.json``). The
platform team's synth then fails where the tests fail. This is the app's choice, not the library's:
the linters come with the ``[lint]`` extra (``pip install 'ec2-access-profiles[lint]'``), and are
imported only here, when ``add_linters`` is called; the rest of ``constructs_lib`` records its
acknowledgments with aws-cdk-lib's ``Validations`` and never imports cdk-nag or cfn-lint.

A violation on a profile's role or instance profile names the profile (its catalogue name, or its
construct path) and what to write to settle it: the acknowledgment in the catalogue's ``acknowledge:``
(or ``BroadAccess`` for a profile written in Python), the catalogue key behind a cfn-lint finding, and
the rule ID ``ec2-access-profiles check`` reports it under (``constructs_lib.core.linter_rules``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Stage,
    Validations,
)
from constructs import IConstruct

from constructs_lib.cdk.access_profile import Ec2AccessProfile
from constructs_lib.cdk.catalog_stacks import CatalogStack
from constructs_lib.cdk.deployment_stages import StackSetsStack
from constructs_lib.core.least_privilege import BroadKind
from constructs_lib.core.linter_rules import acknowledgments_for, catalogue_key, rule_for
from constructs_lib.core.rules import BY_ID

if TYPE_CHECKING:
    from cdk_nag import NagPack
    from cfnlint.rules import Match

LINT_EXTRA = "pip install 'ec2-access-profiles[lint]'"
"""What brings cdk-nag and cfn-lint: the library depends on neither without it."""


class LintersMissingError(ImportError):
    """cdk-nag or cfn-lint is not installed: the ``[lint]`` extra was left out."""


def add_linters(app: IConstruct) -> None:
    """Run both cdk-nag packs and cfn-lint over every template when ``app`` synthesizes.

    Needs the ``[lint]`` extra; without it, raises ``LintersMissingError`` saying how to install it.
    """
    try:
        from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks
    except ModuleNotFoundError as error:
        raise LintersMissingError(_missing("cdk-nag")) from error
    if find_spec("cfnlint") is None:  # checked now, not when synth calls the plugin; not imported yet
        raise LintersMissingError(_missing("cfn-lint"))
    Validations.of(app).add_plugins(
        ProfileNagPack(AwsSolutionsChecks(app)), ProfileNagPack(NIST80053R5Checks(app)), CfnLintPlugin()
    )


@jsii.implements(IPolicyValidationPlugin)
class ProfileNagPack:
    """A cdk-nag pack whose violations on a profile name the profile and the acknowledgment to write."""

    def __init__(self, pack: NagPack) -> None:
        self._pack = pack

    @property
    def name(self) -> str:
        return str(self._pack.name)

    @property
    def version(self) -> str | None:
        return self._pack.version

    @property
    def rule_ids(self) -> list[str] | None:
        return self._pack.rule_ids

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        report = self._pack.validate(context)
        violations: list[PolicyViolation] = []
        if not report.success:
            profiles = _profiles(context.app_construct)
            violations = [_named_nag_violation(v, profiles) for v in report.violations]
        for stack_sets in _stack_sets_stacks(context.app_construct):
            members = self._pack.validate_scope(stack_sets.member_app)
            if not members.success:
                member_profiles = _profiles(stack_sets.member_app)
                violations += [
                    _in_member_template(_named_nag_violation(v, member_profiles), stack_sets)
                    for v in members.violations
                ]
        if report.success and not violations:
            return report
        return PolicyValidationPluginReport(success=False, violations=violations)


def _missing(distribution: str) -> str:
    return f"add_linters needs {distribution}, which is not installed: {LINT_EXTRA}"


@jsii.implements(IPolicyValidationPlugin)
class CfnLintPlugin:
    """cfn-lint as a CDK policy-validation plugin: each error and warning a violation, no exception.

    Informational matches (``I...`` rules) are reported too: the app's templates have none, and the
    tests hold them to that.
    """

    @property
    def name(self) -> str:
        return "cfn-lint"

    @property
    def version(self) -> str:
        return metadata.version("cfn-lint")

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        with tempfile.TemporaryDirectory(prefix="ec2-access-profiles-members-") as folder:
            members = _write_member_templates(_stack_sets_stacks(context.app_construct), Path(folder))
            linted = lint_templates([*context.template_paths, *members])
        own = [v for v in linted if _template_of(v) not in members]
        violations = []
        if own:
            profiles = _profiles(context.app_construct)
            violations = [_named_cfn_lint_violation(v, profiles) for v in own]
        for violation in linted:
            member = members.get(_template_of(violation))
            if member is not None:
                stack_sets, shard = member
                named = _named_cfn_lint_violation(violation, _profiles(stack_sets.member_app))
                violations.append(_in_member_template(named, stack_sets, shard))
        return PolicyValidationPluginReport(success=not violations, violations=violations)


def lint_templates(paths: Iterable[str]) -> list[PolicyViolation]:
    """cfn-lint's findings over the templates at ``paths``, one violation per rule and message.

    One cfn-lint run over every template, as ``cfn-lint --template PATH...`` runs: its rules load
    once (about half a second of CPU), not once per template, which an app with a shard per hundred
    profiles in every account of its deployments would pay hundreds of times.
    """
    from cfnlint.config import ConfigMixIn  # cfn-lint loads its schemas on import: only when linting
    from cfnlint.runner import Runner

    ordered = sorted(paths)
    if not ordered:
        return []
    by_template: dict[str, list[Match]] = {path: [] for path in ordered}
    for match in Runner(ConfigMixIn(["--template", *ordered])).run():
        by_template.setdefault(str(match.filename), []).append(match)
    violations = []
    for path, matches in by_template.items():
        for match in matches:
            where = list(getattr(match, "path", None) or [])
            logical_id = str(where[1]) if len(where) > 1 and where[0] == "Resources" else "(template)"
            violations.append(
                PolicyViolation(
                    rule_name=f"{match.rule.id} {match.rule.shortdesc}",
                    description=f"{match.message} ({Path(path).name}:{match.linenumber})",
                    fix=str(match.rule.source_url),
                    severity=str(match.rule.severity),
                    violating_resources=[
                        PolicyViolatingResource(
                            resource_logical_id=logical_id,
                            template_path=path,
                            locations=[_location(where)],
                        )
                    ],
                )
            )
    return violations


def _location(path: Sequence[object]) -> str:
    return "/".join(str(part) for part in path[2:]) or "/"


# -- the StackSets' member templates -----------------------------------------------------------------


def _stack_sets_stacks(app: IConstruct) -> list[StackSetsStack]:
    """The app's stacks of StackSets: their member templates are in no stack of the app, so the
    linters check them apart. Stacks hold no stacks here, so only Stages are looked into (a crossing
    into Node.js per stack and Stage, not per construct)."""
    found: list[StackSetsStack] = []
    scopes = [app]
    while scopes:
        for child in scopes.pop().node.children:
            if isinstance(child, StackSetsStack):
                found.append(child)
            elif not isinstance(child, Stack):
                scopes.append(child)
    return found


def _write_member_templates(
    stacks: Sequence[StackSetsStack], folder: Path
) -> dict[str, tuple[StackSetsStack, str]]:
    """Each member template written for cfn-lint, named as its stack's template (``SHARD.template.json``,
    so that its profiles are found by file name), by path; each with its stack of StackSets and shard."""
    written = {}
    for number, stack_sets in enumerate(stacks):
        own = folder / str(number)
        own.mkdir()
        for shard, template in stack_sets.member_templates.items():
            path = own / f"{shard}.template.json"
            path.write_text(json.dumps(template, indent=1))
            written[str(path)] = (stack_sets, shard)
    return written


def _outdir(stack: Stack) -> str:
    stage = Stage.of(stack)
    return stage.outdir if stage is not None else ""


def _template_of(violation: PolicyViolation) -> str:
    return next((str(r.template_path) for r in violation.violating_resources if r.template_path), "")


def _in_member_template(
    violation: PolicyViolation, stack_sets: StackSetsStack, shard: str | None = None
) -> PolicyViolation:
    """A violation in a member template, reported on the StackSet that ships it.

    Its own construct paths and template are the member app's, which the report cannot show: the
    resource becomes the ``AWS::CloudFormation::StackSet`` of its shard (its construct path, template
    and logical ID in this app), and the description says which member resource it is.
    """
    resources = []
    where = []
    for resource in violation.violating_resources:
        member_path = str(resource.construct_path or "")
        own_shard = shard or member_path.split("/", 1)[0]
        stack_set = stack_sets.stack_sets.get(own_shard)
        if stack_set is None:  # not a shard's construct: leave it as the member app names it
            resources.append(resource)
            continue
        member = member_path or f"{own_shard}/{resource.resource_logical_id}"
        locations = [f"{own_shard} member template: {location}" for location in resource.locations]
        where.append(f"{member} in the member template of StackSet {stack_set.stack_set_name!r}")
        resources.append(
            PolicyViolatingResource(
                construct_path=stack_set.node.path,
                resource_logical_id=str(stack_sets.resolve(stack_sets.get_logical_id(stack_set))),
                template_path=str(Path(_outdir(stack_sets)) / stack_sets.template_file),
                locations=locations,
            )
        )
    deployed_to = f" (deployment {stack_sets.deployment.name!r}, its organizational units' accounts)"
    return PolicyViolation(
        rule_name=violation.rule_name,
        description=f"{violation.description} At {'; '.join(where)}{deployed_to}."
        if where
        else violation.description,
        fix=violation.fix,
        rule_metadata=violation.rule_metadata,
        severity=violation.severity,
        violating_resources=resources,
    )


# -- naming the profile and the fix ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Profile:
    """A profile in the app, as a violation's resource finds it."""

    path: str
    """The construct path of the ``Ec2AccessProfile``."""
    catalogue_name: str | None
    """Its name in the catalogue, when a catalogue built it."""
    resources: Mapping[tuple[str, str], str]
    """Its role's and instance profile's resource type, by template file name and logical ID."""

    def owns(self, construct_path: str) -> bool:
        return construct_path.startswith(self.path + "/")

    @property
    def shown(self) -> str:
        if self.catalogue_name is not None:
            return f"catalogue profile {self.catalogue_name!r} ({self.path})"
        return f"Ec2AccessProfile {self.path!r}"


def _profiles(app: IConstruct) -> list[_Profile]:
    """Every profile in the app; read only when a linter found something, since it walks the tree."""
    names: dict[str, str] = {}
    profiles: list[Ec2AccessProfile] = []
    for construct in app.node.find_all():
        if isinstance(construct, CatalogStack):
            names.update((profile.node.path, name) for name, profile in construct.profiles.items())
        elif isinstance(construct, Ec2AccessProfile):
            profiles.append(construct)
    return [_Profile(p.node.path, names.get(p.node.path), _resources(p)) for p in profiles]


def _resources(profile: Ec2AccessProfile) -> dict[tuple[str, str], str]:
    """The profile's role and instance profile: their type, by template file name and logical ID."""
    resources = {}
    for cfn in (profile.cfn_role, profile.cfn_instance_profile):
        stack = Stack.of(cfn)
        logical_id = str(stack.resolve(stack.get_logical_id(cfn)))
        resources[(stack.template_file, logical_id)] = cfn.cfn_resource_type
    return resources


def _named_nag_violation(violation: PolicyViolation, profiles: Sequence[_Profile]) -> PolicyViolation:
    owners = [
        profile
        for resource in violation.violating_resources
        for profile in profiles
        if resource.construct_path and profile.owns(resource.construct_path)
    ]
    if not owners:
        return violation
    checked = rule_for(violation.rule_name)
    unique = {profile.path: profile for profile in owners}.values()
    fixes = [f"{profile.shown}: {_acknowledgment_fix(violation.rule_name, profile)}" for profile in unique]
    check = f" `ec2-access-profiles check` reports it as {checked.id} at its line." if checked else ""
    return PolicyViolation(
        rule_name=violation.rule_name,
        description=f"{violation.description} In {'; '.join(fixes)}.{check}",
        fix=violation.fix,
        rule_metadata=violation.rule_metadata,
        severity=violation.severity,
        violating_resources=violation.violating_resources,
    )


def _acknowledgment_fix(finding: str, profile: _Profile) -> str:
    acknowledgments = acknowledgments_for(finding)
    if acknowledgments is None:
        checked = rule_for(finding)
        fix = BY_ID[checked.id].fix if checked else "change what the profile grants"
        return f"no acknowledgment settles it: {fix[0].lower()}{fix[1:]}"
    if profile.catalogue_name is not None:
        given = ", ".join(f"{{{kind}: {pattern!r}, reason: ...}}" for kind, pattern in acknowledgments)
        return f"write in the catalogue, under the profile's acknowledge: {given} (not CDK's form below)"
    given = ", ".join(_broad_access(kind, pattern) for kind, pattern in acknowledgments)
    return f"acknowledge it with acknowledge=[{given}]"


def _broad_access(kind: BroadKind, pattern: str) -> str:
    return f"BroadAccess.{kind}({pattern!r}, reason=...)"


def _named_cfn_lint_violation(violation: PolicyViolation, profiles: Sequence[_Profile]) -> PolicyViolation:
    where = []
    for resource in violation.violating_resources:
        key = (Path(resource.template_path or "").name, resource.resource_logical_id or "")
        for profile in profiles:
            resource_type = profile.resources.get(key)
            if resource_type is None:
                continue
            catalogue = catalogue_key(resource_type, list(resource.locations[0].split("/")))
            field = f", catalogue key {catalogue!r}" if catalogue and profile.catalogue_name else ""
            where.append(f"{profile.shown}{field}")
    if not where:
        return violation
    return PolicyViolation(
        rule_name=violation.rule_name,
        description=f"{violation.description} In {'; '.join(where)}.",
        fix=violation.fix,
        severity=violation.severity,
        violating_resources=violation.violating_resources,
    )
