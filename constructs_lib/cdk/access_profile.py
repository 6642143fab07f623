"""``Ec2AccessProfile``: the IAM role an EC2 instance runs as, and the instance profile that carries it."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, overload

from aws_cdk import (
    Annotations,
    Aws,
    Duration,
    IResolveContext,
    Reference,
    Stack,
    Token,
    Tokenization,
)
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.cdk import grants
from constructs_lib.cdk.acknowledgments import ACKNOWLEDGED_RULES, acknowledge_rules, acknowledged_rules
from constructs_lib.cdk.crossings import (
    adopt,
    child_path,
    context,
    default_child,
    is_unresolved,
    made_with_default_child,
    node_path,
    resolved_once,
    stack_of,
)
from constructs_lib.cdk.guardrails import ProfileGuardrails, StackGuardrails
from constructs_lib.cdk.instance_profile_tags import (
    InstanceProfileTags,
    InstanceProfileTagsProvider,
    TagsWithProfile,
    target_of,
)
from constructs_lib.cdk.managed_policies import (
    ManagedPolicyInput,
    as_managed_policy,
    policy_arn,
    policy_reference,
)
from constructs_lib.cdk.policy_json import rendered_policy
from constructs_lib.cdk.profile_resources import ProfileResources
from constructs_lib.cdk.published_profile import PUBLISH_CONTRACT_CONTEXT, PublishedProfile, publish
from constructs_lib.cdk.trust_policy import EC2_SERVICE_PRINCIPAL, ec2_trust_policy
from constructs_lib.core import nag_findings, pseudo_parameters, validation
from constructs_lib.core.checker import (
    AppSettings,
    PlannedPolicy,
    acknowledgment_findings,
    admin_policy_findings,
    check_profile,
    effective_quota,
    in_field_order,
    managed_policy_count_findings,
    plan_managed_policies,
    required_tags,
    statement_findings,
)
from constructs_lib.core.contract import publish_findings
from constructs_lib.core.credential_guard import CredentialGuard, guard_of
from constructs_lib.core.errors import ProfileValidationError
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import BroadAccess, broad_grants, find_acknowledgment
from constructs_lib.core.limits import INLINE_POLICY_NAME
from constructs_lib.core.presets import Preset
from constructs_lib.core.spec import DeployTime, ProfileSpec, Text

if TYPE_CHECKING:
    from aws_cdk import aws_ssm as ssm

TAG_INSTANCE_PROFILE_CONTEXT = "ec2-access-profile:tagInstanceProfile"
"""Context key that, set to false, turns instance-profile tagging off for a whole app or stage."""

PERMISSIONS_BOUNDARY_CONTEXT = "@aws-cdk/core:permissionsBoundary"
"""CDK's context key that puts one permissions boundary on every role of a stack."""

INLINE_POLICY_REASON = (
    "Ec2AccessProfile keeps its statements in one inline policy on purpose: the role has its "
    "permissions from the moment it exists, so an instance never starts before a separately attached "
    "policy does, and the policy cannot be attached to anything else or outlive the role."
)
"""Why the profile acknowledges cdk-nag's NIST.800.53.R5-IAMNoInlinePolicy on its role."""


class Ec2AccessProfile(Construct):
    """An IAM role trusted by EC2 only, with its permissions, wrapped in an instance profile.

    Every value is checked while the construct is built, so a mistake fails ``cdk synth`` with a
    ``ProfileValidationError`` naming this construct, the field and the rule, rather than failing
    a deployment. Values that are CDK tokens are passed through unchecked. What is only known once
    the app is complete (policies attached from elsewhere, ``Tags.of``, the app's required tags) is
    checked by ``cdk synth`` after every aspect ran, with messages of the same shape.

    Example::

        profile = Ec2AccessProfile(
            stack, "WebServer",
            instance_profile_name="EC2-S3-Access-Profile",
            path="/ec2/",
            managed_policies=["AmazonS3ReadOnlyAccess"],
            tags={"Environment": "Production"},
        )
        ec2.LaunchTemplate(stack, "Template", instance_profile=profile.instance_profile)

    Statements go into one inline policy on the role (named ``Permissions``), so the role carries
    its permissions from the moment it exists: an instance never starts with a role whose
    separately attached policy is still being created.

    Broad grants need a written reason: an ``Allow`` of action ``*`` or ``SERVICE:*``, of resource
    ``*``, and the AWS-managed policies ``AdministratorAccess``, ``PowerUserAccess`` and
    ``IAMFullAccess`` are refused unless acknowledged with a ``BroadAccess``.

    The construct is an adapter over the pure checker (``constructs_lib.core.checker``): its props become
    a ``ProfileSpec``, checked by the same rules as a catalogue entry, and every problem is reported
    in one ``ProfileValidationError``. ``Ec2AccessProfile.from_spec`` builds from a spec directly, as
    the role's and the instance profile's CloudFormation resources (``cfn_role``,
    ``cfn_instance_profile``): a spec is known in full, so aws-cdk-lib's L2s would only cost time.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_profile_name: str | None = None,
        role_name: str | None = None,
        path: str | None = None,
        description: str | None = None,
        presets: Sequence[str | Preset] | None = None,
        managed_policies: Sequence[ManagedPolicyInput] | None = None,
        statements: Sequence[iam.PolicyStatement] | None = None,
        permissions_boundary: str | iam.IManagedPolicy | None = None,
        max_session_duration: Duration | None = None,
        tags: Mapping[str, str] | None = None,
        tag_instance_profile: bool | None = None,
        managed_policy_quota: int | None = None,
        acknowledge: Sequence[BroadAccess] | None = None,
        publish_contract: bool | None = None,
        credential_guard: CredentialGuard | bool | None = None,
    ) -> None:
        """Create the role and its instance profile.

        :param instance_profile_name: name of the instance profile, 1 to 128 characters of
            ``[A-Za-z0-9+=,.@_-]``. Default: a unique name generated by CloudFormation.
        :param role_name: name of the role, 1 to 64 characters of the same set.
            Default: ``instance_profile_name`` when that is given, else generated by CloudFormation.
        :param path: IAM path of both the role and the instance profile, ``/`` or ``/…/``.
            Default: ``/``.
        :param description: description of the role, at most 1,000 characters. Default: none.
        :param presets: presets whose AWS-managed policies the role gets, by name (``"ssm"``,
            ``"eks-node"``) or as constants (``presets.SSM``); see ``constructs_lib.core.presets``. Presets
            that bring the same policy attach it once. Default: none.
        :param managed_policies: managed policies to attach, each an AWS-managed name
            (``"AmazonS3ReadOnlyAccess"``, ``"service-role/AmazonEC2RoleforSSM"``), a managed-policy
            ARN, or an ``iam.IManagedPolicy``. Default: none.
        :param statements: statements of the role's inline policy. Default: none.
        :param permissions_boundary: the role's permissions boundary, as a managed-policy ARN or an
            ``iam.IManagedPolicy``. Must be the same policy as the context value
            ``@aws-cdk/core:permissionsBoundary`` when the app sets one (CDK puts that boundary on
            every role of the stack). Default: no boundary of its own (the context one, if set).
        :param max_session_duration: longest session of the role, 1 to 12 hours. Default: 1 hour.
        :param tags: tags of the role and of the instance profile. Tags applied with ``Tags.of(...)``
            reach both as well. Default: none.
        :param tag_instance_profile: whether to tag the instance profile too. CloudFormation cannot,
            so a ``Custom::InstanceProfileTags`` resource does, backed by one Lambda function per
            stack. Turn it off where Lambda functions are not allowed: the tags then go on the role
            only, and synth warns. Default: the context value ``ec2-access-profile:tagInstanceProfile``,
            else true.
        :param managed_policy_quota: how many managed policies the account lets one role have, if its
            IAM quota was raised: 10 to 20. Default: the context value
            ``ec2-access-profile:managedPolicyQuota``, else IAM's default of 10.
        :param acknowledge: broad grants made on purpose, each with its reason (``BroadAccess``).
            Required for ``*`` and ``SERVICE:*`` actions, ``*`` resources and admin-level AWS-managed
            policies; for other wildcards and AWS-managed policies it sets the reason cdk-nag reports.
            Default: none.
        :param publish_contract: publish the profile's names, ARNs and path for consumer apps as one
            SSM String parameter, ``/ec2-access-profiles/NAME`` (``constructs_lib.core.contract``), read back
            with ``Ec2AccessProfile.from_contract``. Needs ``instance_profile_name``. Default: the
            context value ``ec2-access-profile:publishContract``, else false.
        :param credential_guard: deny statements in the role's inline policy that stop its
            credentials working off the instance: from another VPC or address, and (with
            ``CredentialGuard(imdsv2_only=True)``) when delivered over IMDSv1. ``True`` is
            ``CredentialGuard()``. Calls to services without a VPC endpoint are refused too (README,
            "The credential guard"). Default: none.
        """
        # Everything is checked before anything is added to the construct tree, so a caught
        # ProfileValidationError leaves no half-built profile behind. ``from_spec`` checks a spec and
        # hands over what it checked, so that is not translated and checked a second time.
        checked = _HANDED_OVER.get()
        if checked is None or checked.scope is not scope or checked.id != id:
            checked = _check_props(
                scope,
                id,
                instance_profile_name=instance_profile_name,
                role_name=role_name,
                path=path,
                description=description,
                presets=presets,
                managed_policies=managed_policies,
                statements=statements,
                permissions_boundary=permissions_boundary,
                max_session_duration=max_session_duration,
                tags=tags,
                tag_instance_profile=tag_instance_profile,
                managed_policy_quota=managed_policy_quota,
                acknowledge=acknowledge,
                publish_contract=publish_contract,
                credential_guard=credential_guard,
            )
        else:
            _HANDED_OVER.set(None)

        super().__init__(scope, id)
        adopt(self, scope, id)
        # One metadata entry for all the acknowledgments the constructor records.
        self._pending_acknowledgments: list[tuple[str, str]] | None = []
        self._warn(checked.findings)
        self._planned: list[PlannedPolicy] = []
        self._managed_policy_quota = checked.quota
        self._acknowledgments = list(checked.acknowledge)
        self._aws_managed_arns: dict[str, list[object]] = {}
        for acknowledgment in self._acknowledgments:
            self._record_for_linters(acknowledgment)
        self._lean = checked.lean
        explicit = checked.managed_policies
        self._managed_arns: list[str] = []
        planned_policies = [
            self._plan_policy(planned, explicit[planned.index] if planned.index is not None else None)
            for planned in checked.plan
        ]
        managed = [policy for policy in planned_policies if policy is not None]
        self._document: iam.PolicyDocument | None = None
        self._rendered_document: dict[str, Any] | None = None
        """A spec's inline policy as aws-cdk-lib would write it (``policy_json``), built without Node.js."""
        guard = checked.guard.statements() if checked.guard is not None else []
        # The inline policy's statements: the construct's own (objects), then JSON ones (a spec's, and
        # the credential guard's), which go to Node.js with the rest of the profile, in one call.
        inline_json = [*checked.statement_json, *guard]
        if checked.lean and inline_json:
            minimize = checked.settings.minimize_policies
            self._rendered_document = rendered_policy(inline_json, minimize=minimize)
            if self._rendered_document is not None:
                inline_json = []
        if checked.statements or inline_json or self._rendered_document is not None:
            self._acknowledge_finding(nag_findings.NIST_INLINE_POLICY, INLINE_POLICY_REASON)
        path = _non_default_path(checked.path)
        self._role: iam.Role | None = None
        self._instance_profile: iam.IInstanceProfile | None = None
        self._cfn_role_resource: iam.CfnRole | None = None
        self._cfn_profile_resource: iam.CfnInstanceProfile | None = None
        self._across: dict[str, str] = {}
        """The ARNs and names of a profile built from a spec, once asked (``_across_environments``)."""
        self._literal_names = (
            _literal_names(checked.path, role=checked.role_name, profile=checked.instance_profile_name)
            if checked.lean
            else {}
        )
        # Everything under the profile is made in one call into Node.js (profile_resources): the
        # role and the instance profile, the acknowledgments recorded so far, the tags, and the
        # resource that tags the instance profile (after the stack's tag function, if it is the first).
        pending, self._pending_acknowledgments = self._pending_acknowledgments or [], []
        acknowledged = acknowledged_rules(pending)
        tagging = (
            TagsWithProfile.of(self, checked.tags, target_of(checked.instance_profile_name, path))
            if checked.tagging
            else None
        )
        resources: dict[str, object] = {
            "roleMetadata": [[ACKNOWLEDGED_RULES, acknowledged]] if acknowledged else [],
            "tags": [[key, value] for key, value in sorted((checked.tags or {}).items())],
            "instanceProfile": _given({"instanceProfileName": checked.instance_profile_name, "path": path}),
            "inlinePolicyName": INLINE_POLICY_NAME,
            "inlineStatements": inline_json,
        }
        if tagging is not None:
            resources["instanceProfileTags"] = tagging.spec()
        if checked.lean:
            # A spec is known in full: its CloudFormation resources are made directly, at the paths
            # (and so with the logical IDs) the L2s would give them, with the same properties.
            role_props = {
                "roleName": checked.role_name,
                "path": path,
                "description": checked.description,
                "permissionsBoundary": checked.permissions_boundary,
                "maxSessionDuration": checked.max_session_seconds,
                "managedPolicyArns": list(self._managed_arns) or None,
                "policies": [_inline_policy_json(self._rendered_document)]
                if self._rendered_document is not None
                else None,
            }
            spec = json.dumps({**resources, "role": _given(role_props)})
            role_scope, role, profile, document, made_tags = ProfileResources.add(
                self, spec, ec2_trust_policy(checked.stack)
            )
            assert isinstance(role, iam.CfnRole)
            assert isinstance(profile, iam.CfnInstanceProfile)
            self._role_scope, self._document = role_scope, document
            self._cfn_role_resource, self._cfn_profile_resource = role, profile
        else:
            role_json = {"roleName": checked.role_name, "path": path, "description": checked.description}
            made = ProfileResources.add_l2(
                self,
                json.dumps({**resources, "role": _given(role_json)}),
                _ec2_principal(),
                managed or None,
                list(checked.statements) or None,
                self._boundary(checked.permissions_boundary),
                checked.max_session_duration,
            )
            l2_role, l2_profile, made_role, made_profile, self._document, made_tags = made
            assert isinstance(l2_role, iam.Role)
            assert isinstance(l2_profile, iam.InstanceProfile)
            made_with_default_child(l2_role, made_role)
            made_with_default_child(l2_profile, made_profile)
            self._role, self._instance_profile = l2_role, l2_profile
            self._role_scope = l2_role
        self.instance_profile_tags: InstanceProfileTags | None = None
        """The resource that tags the instance profile; None when ``tag_instance_profile`` is off."""
        if tagging is not None:
            self.instance_profile_tags = tagging.adopt(made_tags, self)
        else:
            InstanceProfileTagsProvider.cover(scope, checked.instance_profile_name, path)
        self.contract: ssm.StringParameter | None = None
        """The contract parameter for consumer apps; None unless ``publish_contract``."""
        if checked.publishing and checked.instance_profile_name is not None:
            # The parameter is in the profile's own stack: the attributes, without a callback each.
            self.contract = publish(
                self,
                instance_profile_arn=self._instance_profile_arn_here,
                instance_profile_name=self._instance_profile_name_here,
                role_arn=self._role_arn_here,
                role_name=self._role_name_here,
                name=checked.instance_profile_name,
                path=checked.path or "/",
            )
        StackGuardrails.of(checked.stack).add(
            ProfileGuardrails(
                profile_path=checked.where,
                role=self._role or self.cfn_role,
                own_policy_count=lambda: len(self._planned),
                managed_policy_quota=checked.quota,
                acknowledgments=lambda: self._acknowledgments,
                required_tags=required_tags(checked.settings),
                warn_untagged=not checked.tagging,
                instance_profile_tags=self.instance_profile_tags,
            )
        )
        pending, self._pending_acknowledgments = self._pending_acknowledgments, None
        acknowledge_rules(self._role_scope, pending)

    @classmethod
    def from_spec(
        cls,
        scope: Construct,
        id: str,
        spec: ProfileSpec,
        *,
        tag_instance_profile: bool | None = None,
        publish_contract: bool | None = None,
    ) -> Ec2AccessProfile:
        """Build the profile a ``ProfileSpec`` describes (a catalogue entry, say).

        The spec is checked first, so a bad one fails with every finding and nothing is built.
        """
        checked = _check_spec(
            scope, id, spec, tag_instance_profile=tag_instance_profile, publish_contract=publish_contract
        )
        handed_over = _HANDED_OVER.set(checked)
        try:
            return cls(scope, id)
        finally:
            _HANDED_OVER.reset(handed_over)

    @staticmethod
    def from_contract(scope: Construct, id: str, name: str) -> PublishedProfile:
        """Use a profile another app published (``publish_contract``), by its instance-profile name.

        Reads ``/ec2-access-profiles/NAME`` when the consumer stack deploys, in that stack's account and
        region; the result's ``instance_profile`` and ``role`` go into ``ec2.LaunchTemplate`` and grants.
        """
        if not is_unresolved(name):
            findings = publish_findings(name, None)
            if findings:
                raise ProfileValidationError.from_findings(child_path(scope, id), findings)
        return PublishedProfile(scope, id, name)

    @staticmethod
    def from_instance_profile_name(
        scope: Construct, id: str, instance_profile_name: str
    ) -> iam.IInstanceProfile:
        """Use an instance profile defined elsewhere, by its name."""
        if not is_unresolved(instance_profile_name):
            problem = validation.check_name(instance_profile_name, validation.INSTANCE_PROFILE_NAME_MAX)
            if problem:
                raise ProfileValidationError(
                    child_path(scope, id),
                    "instance_profile_name",
                    instance_profile_name,
                    problem,
                    rule_id="EAP001",
                )
        return iam.InstanceProfile.from_instance_profile_name(scope, id, instance_profile_name)

    @staticmethod
    def from_instance_profile_arn(
        scope: Construct, id: str, instance_profile_arn: str
    ) -> iam.IInstanceProfile:
        """Use an instance profile defined elsewhere, by its ARN."""
        if not is_unresolved(instance_profile_arn):
            problem = validation.check_instance_profile_arn(instance_profile_arn)
            if problem:
                raise ProfileValidationError(
                    child_path(scope, id), "instance_profile_arn", instance_profile_arn, problem
                )
        return iam.InstanceProfile.from_instance_profile_arn(scope, id, instance_profile_arn)

    @property
    def role(self) -> iam.Role:
        """The role instances with this profile run as.

        A profile built from a spec (``from_spec``, as the catalogue builds every profile) has no
        ``iam.Role``: it is built as its CloudFormation resources. Use ``role_arn``, ``role_name``,
        ``grant_pass_role``, ``grant_launch``, ``add_managed_policy``, ``add_to_policy`` or ``cfn_role``.
        """
        if self._role is None:
            raise AttributeError(_built_from_spec(self, "role", "role_arn, role_name or cfn_role"))
        return self._role

    @property
    def instance_profile(self) -> iam.IInstanceProfile:
        """The instance profile to give ``ec2.Instance`` or ``ec2.LaunchTemplate``.

        A profile built from a spec (``from_spec``, the catalogue) has no ``iam.IInstanceProfile``:
        use ``instance_profile_arn`` (``ec2.LaunchTemplate`` takes the ARN), ``instance_profile_name``
        or ``cfn_instance_profile``.
        """
        if self._instance_profile is None:
            raise AttributeError(
                _built_from_spec(
                    self,
                    "instance_profile",
                    "instance_profile_arn, instance_profile_name or cfn_instance_profile",
                )
            )
        return self._instance_profile

    @property
    def cfn_role(self) -> iam.CfnRole:
        """The role's CloudFormation resource (``AWS::IAM::Role``)."""
        if self._cfn_role_resource is None:
            cfn_role = default_child(self.role)
            assert isinstance(cfn_role, iam.CfnRole)
            self._cfn_role_resource = cfn_role
        return self._cfn_role_resource

    @property
    def cfn_instance_profile(self) -> iam.CfnInstanceProfile:
        """The instance profile's CloudFormation resource (``AWS::IAM::InstanceProfile``)."""
        if self._cfn_profile_resource is None:
            cfn_profile = default_child(self.instance_profile)
            assert isinstance(cfn_profile, iam.CfnInstanceProfile)
            self._cfn_profile_resource = cfn_profile
        return self._cfn_profile_resource

    @property
    def role_arn(self) -> str:
        """ARN of the role.

        In a stack of another account or region, the ARN written out (``arn:aws:iam::ACCOUNT:role/ec2/web``)
        when the role's name is known at synth, as aws-cdk-lib's ``iam.Role`` gives it; a reference
        to the attribute would be a cross-stack reference that CloudFormation cannot follow there.
        """
        return self._across_environments("role_arn", self._role_arn_here, self._arn_written_out(_ROLE))

    @property
    def role_name(self) -> str:
        """Name of the role.

        In a stack of another account or region, the name written out when it is known at synth, as
        aws-cdk-lib's ``iam.Role`` gives it (``role_arn``).
        """
        return self._across_environments("role_name", self._role_name_here, self._name_written_out(_ROLE))

    @property
    def instance_profile_arn(self) -> str:
        """ARN of the instance profile.

        In a stack of another account or region, the ARN written out
        (``arn:aws:iam::ACCOUNT:instance-profile/ec2/web``) when the name is known at synth, as
        aws-cdk-lib's ``iam.InstanceProfile`` gives it (``role_arn``).
        """
        written_out = self._arn_written_out(_INSTANCE_PROFILE)
        return self._across_environments("instance_profile_arn", self._instance_profile_arn_here, written_out)

    @property
    def instance_profile_name(self) -> str:
        """Name of the instance profile.

        In a stack of another account or region, the name written out when it is known at synth
        (``role_name``).
        """
        written_out = self._name_written_out(_INSTANCE_PROFILE)
        return self._across_environments(
            "instance_profile_name", self._instance_profile_name_here, written_out
        )

    @property
    def acknowledgments(self) -> tuple[BroadAccess, ...]:
        """The broad grants acknowledged so far, in the order given."""
        return tuple(self._acknowledgments)

    def acknowledge(self, *acknowledgments: BroadAccess) -> None:
        """Acknowledge more broad grants, each with its reason; before the statement that needs it.

        The same wildcard or policy acknowledged twice is an error.
        """
        checked, findings = _acknowledgments_of(acknowledgments)
        findings += acknowledgment_findings(
            checked, given=self._acknowledgments, first_index=len(self._acknowledgments)
        )
        self._raise_if_any(findings)
        self._acknowledgments.extend(checked)
        for acknowledgment in checked:
            self._record_for_linters(acknowledgment)

    def add_managed_policy(self, policy: ManagedPolicyInput) -> None:
        """Attach a managed policy, given in any of the forms ``managed_policies`` takes.

        The same policy attached twice is an error, whatever the two forms were (a preset's
        included), and so is one more than the managed-policy quota.
        """
        reference = policy_reference(stack_of(self), policy)
        plan, findings = plan_managed_policies((), [reference], attached=self._planned)
        findings += managed_policy_count_findings(len(self._planned) + 1, self._managed_policy_quota)
        findings += admin_policy_findings(plan, self._acknowledgments)
        self._raise_if_any(findings)
        (planned,) = plan
        self._attach(planned, policy)

    def add_to_policy(self, statement: iam.PolicyStatement) -> None:
        """Add a statement to the role's inline policy."""
        findings = statement_findings(
            statement.to_statement_json(), self._acknowledgments, pointer=("statements",)
        )
        self._raise_if_any(findings)
        self._add_statement(statement)

    def grant_pass_role(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` pass this role to EC2, and to no other service.

        That is what launching an instance or a launch template with this profile needs.
        """
        return grants.grant_pass_role_to_ec2(grantee, self.role_arn)

    def grant_launch(self, grantee: iam.IGrantable) -> iam.Grant:
        """Give a launcher (a CI role, an Auto Scaling service role) what launching with this profile needs.

        That is ``iam:PassRole`` on this role, only to EC2 (``grant_pass_role``), and
        ``iam:GetInstanceProfile`` on this instance profile only, to look the profile and its role up
        before launching (``grants.grant_launch``).
        """
        return grants.grant_launch(
            grantee, role_arn=self.role_arn, instance_profile_arn=self.instance_profile_arn
        )

    @property
    def _role_arn_here(self) -> str:
        """The role's ARN in its own stack: the attribute, with no callback into Python to resolve."""
        return self._role.role_arn if self._role is not None else self.cfn_role.attr_arn

    @property
    def _instance_profile_arn_here(self) -> str:
        """The instance profile's ARN in its own stack (``_role_arn_here``)."""
        if self._instance_profile is not None:
            return self._instance_profile.instance_profile_arn
        return self.cfn_instance_profile.attr_arn

    @property
    def _role_name_here(self) -> str:
        """The role's name in its own stack (``_role_arn_here``)."""
        return self._role.role_name if self._role is not None else self.cfn_role.ref

    @property
    def _instance_profile_name_here(self) -> str:
        """The instance profile's name in its own stack (``_role_arn_here``)."""
        if self._instance_profile is not None:
            return self._instance_profile.instance_profile_name
        return self.cfn_instance_profile.ref

    def _across_environments(self, key: str, attribute: str, written_out: Callable[[], str] | None) -> str:
        """``attribute``, or, when the value is known at synth (``written_out``), one that resolves to
        ``attribute`` in the profile's account and region and to ``written_out()`` in any other
        (``_AcrossEnvironments``). A profile with L2s has no ``written_out``: theirs do this already."""
        if written_out is None:
            return attribute
        value = self._across.get(key)
        if value is None:
            value = self._across[key] = Token.as_string(
                _AcrossEnvironments(stack_of(self), attribute, written_out)
            )
        return value

    def _arn_written_out(self, resource: str) -> Callable[[], str] | None:
        """The ARN of ``resource`` (``role``, ``instance-profile``) from its path and name, when known."""
        name = self._literal_names.get(resource)
        if name is None:
            return None
        stack = stack_of(self)
        resource_name = f"{self._literal_names['path'].removeprefix('/')}{name}"
        return lambda: stack.format_arn(
            service="iam", region="", resource=resource, resource_name=resource_name
        )

    def _name_written_out(self, resource: str) -> Callable[[], str] | None:
        name = self._literal_names.get(resource)
        return None if name is None else lambda: name

    def _boundary(self, boundary: str | iam.IManagedPolicy | None) -> iam.IManagedPolicy | None:
        if isinstance(boundary, str):
            return iam.ManagedPolicy.from_managed_policy_arn(self, "PermissionsBoundary", boundary)
        return boundary

    def _attach(self, planned: PlannedPolicy, policy: ManagedPolicyInput | None) -> None:
        """Attach a planned policy: ``policy`` as given, or the preset's AWS-managed policy by name."""
        managed = self._plan_policy(planned, policy)
        if managed is not None:
            self.role.add_managed_policy(managed)
        else:
            self.cfn_role.managed_policy_arns = list(self._managed_arns)

    def _plan_policy(
        self, planned: PlannedPolicy, policy: ManagedPolicyInput | None
    ) -> iam.IManagedPolicy | None:
        """The policy to attach for ``planned``, counted, and cdk-nag told why if it is AWS-managed.

        A profile built from a spec keeps the policy's ARN instead (``_managed_arns``): its role is
        a ``CfnRole``, which takes ARNs, so no ``iam.IManagedPolicy`` is made; returns None then.
        """
        self._planned.append(planned)
        given = policy if policy is not None else str(planned.reference)
        managed = None if self._lean else as_managed_policy(self, planned.key, given)
        if managed is None:
            self._managed_arns.append(policy_arn(given))
        name = planned.aws_managed_name
        if name is not None:
            resolved = resolved_once(
                stack_of(self),
                f"aws-managed:{name}",
                lambda: policy_arn(given) if managed is None else managed.managed_policy_arn,
            )
            self._aws_managed_arns.setdefault(name, []).append(resolved)
            chosen = find_acknowledgment(self._acknowledgments, "managed_policy", name)
            if chosen:
                reason = chosen.reason
            elif planned.preset is not None:
                reason = planned.preset.reason
            else:
                reason = _default_managed_policy_reason(name, node_path(self))
            self._acknowledge_finding(nag_findings.aws_managed_policy(resolved), reason)
        return managed

    def _raise_if_any(self, findings: Sequence[Finding]) -> None:
        """Raise for the errors among ``findings``; without any, show the warnings at synth."""
        path = self.node.path
        errors = [replace(f, profile=path) for f in findings if f.severity == "error"]
        if errors:
            raise ProfileValidationError.from_findings(path, errors)
        self._warn(findings)

    def _warn(self, findings: Iterable[Finding]) -> None:
        """Each warning as a CDK warning on this construct (``cdk synth --strict`` fails on them)."""
        for finding in findings:
            if finding.severity == "warning":
                Annotations.of(self).add_warning_v2(
                    f"ec2-access-profile:{finding.rule_id}", f"{finding.rule_id} {finding.message}"
                )

    def _add_statement(self, statement: iam.PolicyStatement) -> None:
        if self._rendered_document is not None:
            # The policy built in Python becomes a document that can grow, rendered as before.
            self._document = iam.PolicyDocument.from_json(self._rendered_document)
            self._rendered_document = None
            self._document.add_statements(statement)
            self.cfn_role.policies = [_inline_policy(self._document)]
            return
        if self._document is not None:
            # The role's inline policy renders its document when the template is written.
            self._document.add_statements(statement)
            return
        # CloudFormation rejects an inline policy without statements, so a role built without any
        # gets its policy with the first statement added.
        self._document = iam.PolicyDocument(statements=[statement])
        self._acknowledge_finding(nag_findings.NIST_INLINE_POLICY, INLINE_POLICY_REASON)
        self.cfn_role.policies = [_inline_policy(self._document)]

    def _record_for_linters(self, acknowledgment: BroadAccess) -> None:
        """Tell cdk-nag about an acknowledged grant, with its reason, on this profile's role."""
        reason = acknowledgment.reason
        if acknowledgment.kind == "unknown_action":
            return  # the linters do not read IAM's reference: nothing to tell them
        if acknowledgment.kind == "managed_policy":
            for arn in self._aws_managed_arns.get(acknowledgment.pattern, []):
                self._acknowledge_finding(nag_findings.aws_managed_policy(arn), reason)
            return
        if acknowledgment.kind == "resource":
            pattern = acknowledgment.pattern
            resource = stack_of(self).resolve(pattern) if is_unresolved(pattern) else pattern
            self._acknowledge_finding(nag_findings.wildcard_resource(resource), reason)
        else:
            self._acknowledge_finding(nag_findings.wildcard_action(acknowledgment.pattern), reason)
            if broad_grants({"Effect": "Allow", "Action": acknowledgment.pattern}):
                self._acknowledge_finding(nag_findings.NIST_FULL_ACCESS, reason)
        everything = find_acknowledgment(self._acknowledgments, "action", "*")
        anywhere = find_acknowledgment(self._acknowledgments, "resource", "*")
        if everything and anywhere:
            self._acknowledge_finding(
                nag_findings.NIST_ADMIN_ACCESS, f"{everything.reason} {anywhere.reason}"
            )

    def _acknowledge_finding(self, finding: str, reason: str) -> None:
        if self._pending_acknowledgments is not None:
            self._pending_acknowledgments.append((finding, reason))
        else:
            acknowledge_rules(self._role_scope, [(finding, reason)])


_ROLE = "role"
_INSTANCE_PROFILE = "instance-profile"


def _literal_names(path: str | None, *, role: str | None, profile: str | None) -> dict[str, str]:
    """The role's and the instance profile's names known at synth, by resource type, with their path
    (``path``) when it is known too; nothing when it is not (the ARNs need it)."""
    if path is not None and is_unresolved(path):
        return {}
    names = {
        resource: name
        for resource, name in ((_ROLE, role), (_INSTANCE_PROFILE, profile))
        if name is not None and not is_unresolved(name)
    }
    return {**names, "path": path or "/"} if names else {}


class _AcrossEnvironments(Reference):
    """An ARN or a name as aws-cdk-lib's L2s give theirs (``Resource.getResourceArnAttribute``,
    ``getResourceNameAttribute``): the attribute where it is used in the resource's account and region,
    the value written out from the name anywhere else, where a reference would be a cross-stack
    reference CloudFormation cannot follow. IAM is global, so the value is the same in every region of
    the account: written out from another region too.

    A ``Reference`` to the attribute's resource, as aws-cdk-lib's ``mimicReference`` is, so that what
    takes only references (``Stack.export_value``) takes it too.
    """

    def __init__(self, stack: Stack, attribute: str, written_out: Callable[[], str]) -> None:
        reference = Tokenization.reverse_string(attribute).first_token
        assert isinstance(reference, Reference), attribute
        super().__init__(reference, reference.target, reference.display_name)
        self._stack = stack
        self._attribute = attribute
        self._written_out = written_out

    @functools.cached_property
    def _environment(self) -> tuple[str, str]:
        return self._stack.account, self._stack.region

    def resolve(self, context: IResolveContext) -> Any:
        consumer = stack_of(context.scope)
        if (consumer.account, consumer.region) == self._environment:
            return self._attribute
        return self._written_out()


def _default_managed_policy_reason(name: str, profile: str) -> str:
    return (
        f"AWS-managed policy {name} was chosen by name for Ec2AccessProfile '{profile}'; give the "
        f"reason with BroadAccess.managed_policy({name!r}, reason=...)"
    )


@dataclass(frozen=True)
class _Checked:
    """A profile's props once checked, with what building it needs: what both front doors give."""

    scope: Construct
    id: str
    where: str
    stack: Stack
    settings: AppSettings
    findings: list[Finding]
    """Every finding: warnings only, as errors were raised."""
    quota: int
    plan: list[PlannedPolicy]
    managed_policies: list[ManagedPolicyInput]
    """As given, by index in ``plan``."""
    acknowledge: tuple[BroadAccess, ...]
    statements: Sequence[iam.PolicyStatement]
    statement_json: Sequence[Mapping[str, Any]]
    """A spec's statements (with CDK's pseudo-parameters in): JSON, never made into objects and back."""
    instance_profile_name: str | None
    role_name: str | None
    path: str | None
    description: str | None
    permissions_boundary: str | iam.IManagedPolicy | None
    max_session_duration: Duration | None
    max_session_seconds: float | None
    tags: Mapping[str, str]
    tagging: bool
    publishing: bool
    lean: bool
    """Build the role and the instance profile as their CloudFormation resources (a spec's)."""
    guard: CredentialGuard | None = None
    """The credential guard, whose statements join the inline policy after the profile's own."""


_HANDED_OVER: ContextVar[_Checked | None] = ContextVar("ec2_access_profile_checked", default=None)
"""What ``from_spec`` checked, for the constructor it calls next (a spec is checked once)."""


def _check_props(
    scope: Construct,
    id: str,
    *,
    instance_profile_name: str | None,
    role_name: str | None,
    path: str | None,
    description: str | None,
    presets: Sequence[str | Preset] | None,
    managed_policies: Sequence[ManagedPolicyInput] | None,
    statements: Sequence[iam.PolicyStatement] | None,
    permissions_boundary: str | iam.IManagedPolicy | None,
    max_session_duration: Duration | None,
    tags: Mapping[str, str] | None,
    tag_instance_profile: bool | None,
    managed_policy_quota: int | None,
    acknowledge: Sequence[BroadAccess] | None,
    publish_contract: bool | None,
    credential_guard: CredentialGuard | bool | None = None,
) -> _Checked:
    """The constructor's props, checked; raises ``ProfileValidationError`` with every problem."""
    where = child_path(scope, id)
    stack = stack_of(scope)
    spec, edge_findings = _spec_of(
        stack,
        instance_profile_name=instance_profile_name,
        role_name=role_name,
        path=path,
        description=description,
        presets=presets,
        managed_policies=managed_policies,
        statements=statements,
        permissions_boundary=permissions_boundary,
        max_session_duration=max_session_duration,
        tags=tags,
        acknowledge=acknowledge,
        managed_policy_quota=managed_policy_quota,
    )
    spec = replace(spec, credential_guard=guard_of(credential_guard))
    settings = AppSettings.read(lambda key: context(scope, key))
    publishing = _contract_enabled(scope, publish_contract)
    findings = in_field_order(
        [
            *edge_findings,
            *_as_shown(check_profile(spec, settings=settings, profile=where), max_session_duration),
            *_boundary_context_findings(scope, permissions_boundary),
            *(publish_findings(spec.instance_profile_name, path) if publishing else []),
        ]
    )
    errors = [replace(f, profile=where) for f in findings if f.severity == "error"]
    if errors:
        raise ProfileValidationError.from_findings(where, errors)
    plan, _ = plan_managed_policies(spec.presets, spec.managed_policies)
    return _Checked(
        scope=scope,
        id=id,
        where=where,
        stack=stack,
        settings=settings,
        findings=findings,
        quota=effective_quota(spec, settings),
        plan=plan,
        managed_policies=list(managed_policies or ()),
        acknowledge=spec.acknowledge,
        statements=list(statements or ()),
        statement_json=(),
        instance_profile_name=instance_profile_name,
        role_name=instance_profile_name if role_name is None else role_name,
        path=path,
        description=description,
        permissions_boundary=permissions_boundary,
        max_session_duration=max_session_duration,
        max_session_seconds=None,
        tags=dict(tags or {}),
        tagging=_tagging_enabled(scope, tag_instance_profile),
        publishing=publishing,
        lean=False,
        guard=spec.credential_guard,
    )


def _check_spec(
    scope: Construct,
    id: str,
    spec: ProfileSpec,
    *,
    tag_instance_profile: bool | None,
    publish_contract: bool | None,
) -> _Checked:
    """A spec, checked as the constructor checks its props; raises ``ProfileValidationError``.

    Its pseudo-parameters (``${AWS::Partition}``) become CDK's references, resolved per account.
    """
    where = child_path(scope, id)
    stack = stack_of(scope)
    settings = AppSettings.read(lambda key: context(scope, key))
    references = _pseudo_parameter_tokens()

    def resolved(value: Text | None) -> Any:
        return None if value is None else pseudo_parameters.substitute(str(value), references)

    boundary = resolved(spec.permissions_boundary)
    publishing = _contract_enabled(scope, publish_contract)
    findings = in_field_order(
        [
            *check_profile(spec, settings=settings, profile=where),
            *_boundary_context_findings(scope, boundary),
            *(publish_findings(spec.instance_profile_name, _shown(spec.path)) if publishing else []),
        ]
    )
    errors = [replace(f, profile=where) for f in findings if f.severity == "error"]
    if errors:
        raise ProfileValidationError.from_findings(where, errors)
    managed_policies = [resolved(policy) for policy in spec.managed_policies]
    plan, _ = plan_managed_policies(
        spec.presets, [policy_reference(stack, policy) for policy in managed_policies]
    )
    seconds = spec.max_session_seconds
    lean = all(context(scope, key) is None for key in BOUNDARY_CONTEXTS)
    instance_profile_name = _shown(spec.instance_profile_name)
    role_name = _shown(spec.role_name)
    return _Checked(
        scope=scope,
        id=id,
        where=where,
        stack=stack,
        settings=settings,
        findings=findings,
        quota=effective_quota(spec, settings),
        plan=plan,
        managed_policies=managed_policies,
        acknowledge=spec.acknowledge,
        statements=(),
        statement_json=[
            {key: pseudo_parameters.substitute(value, references) for key, value in statement.items()}
            for statement in spec.statements
        ],
        instance_profile_name=instance_profile_name,
        role_name=instance_profile_name if role_name is None else role_name,
        path=_shown(spec.path),
        description=_shown(spec.description),
        permissions_boundary=boundary,
        max_session_duration=Duration.seconds(seconds) if seconds is not None and not lean else None,
        max_session_seconds=seconds,
        tags={str(key): str(value) for key, value in spec.tags.items()},
        tagging=_tagging_enabled(scope, tag_instance_profile),
        publishing=publishing,
        lean=lean,
        guard=spec.credential_guard,
    )


BOUNDARY_CONTEXTS = (PERMISSIONS_BOUNDARY_CONTEXT, "@aws-cdk/iam:customizeRoles")
"""Context that aws-cdk-lib's ``iam.Role`` acts on: a profile in its reach is built with ``iam.Role``."""


def _inline_policy(document: iam.PolicyDocument | Mapping[str, Any]) -> iam.CfnRole.PolicyProperty:
    return iam.CfnRole.PolicyProperty(policy_name=INLINE_POLICY_NAME, policy_document=document)


def _inline_policy_json(document: Mapping[str, Any]) -> dict[str, object]:
    """``_inline_policy`` as the JSON ``profile_resources`` takes (``CfnRole.PolicyProperty``, camelCase)."""
    return {"policyName": INLINE_POLICY_NAME, "policyDocument": document}


def _given(props: Mapping[str, object]) -> dict[str, object]:
    """``props`` without its None values: jsii would send them as nulls, where Python leaves them out."""
    return {key: value for key, value in props.items() if value is not None}


def _built_from_spec(profile: Ec2AccessProfile, attribute: str, instead: str) -> str:
    return (
        f"Ec2AccessProfile '{node_path(profile)}' was built from a spec (from_spec, as the catalogue builds "
        f"its profiles) as its CloudFormation resources, without aws-cdk-lib's L2s: it has no {attribute}; "
        f"use {instead}"
    )


@functools.cache
def _ec2_principal() -> iam.ServicePrincipal:
    """EC2 as a principal: a value, not a construct, so one serves every role."""
    return iam.ServicePrincipal(EC2_SERVICE_PRINCIPAL)


def _spec_of(
    stack: Stack,
    *,
    instance_profile_name: str | None,
    role_name: str | None,
    path: str | None,
    description: str | None,
    presets: Sequence[str | Preset] | None,
    managed_policies: Sequence[ManagedPolicyInput] | None,
    statements: Sequence[iam.PolicyStatement] | None,
    permissions_boundary: str | iam.IManagedPolicy | None,
    max_session_duration: Duration | None,
    tags: Mapping[str, str] | None,
    acknowledge: Sequence[BroadAccess] | None,
    managed_policy_quota: int | None,
) -> tuple[ProfileSpec, list[Finding]]:
    """The construct's props as a ``ProfileSpec``: tokens become ``DeployTime``, CDK objects JSON.

    Returns what could not be translated (an acknowledgment that is not a ``BroadAccess``) as findings.
    """
    acknowledgments, findings = _acknowledgments_of(acknowledge or ())
    seconds = max_session_duration.to_seconds(integral=False) if max_session_duration is not None else None
    spec = ProfileSpec(
        instance_profile_name=_text(instance_profile_name),
        role_name=_text(role_name),
        path=_text(path),
        description=_text(description),
        presets=tuple(presets or ()),
        managed_policies=tuple(policy_reference(stack, policy) for policy in managed_policies or ()),
        statements=tuple(_statement_json(statements or ())),
        permissions_boundary=_text(permissions_boundary) if isinstance(permissions_boundary, str) else None,
        max_session_seconds=None if seconds is None or is_unresolved(seconds) else seconds,
        tags={_text(key): _text(value) for key, value in (tags or {}).items()},
        acknowledge=tuple(acknowledgments),
        managed_policy_quota=managed_policy_quota,
    )
    return spec, findings


def _statement_json(statements: Sequence[iam.PolicyStatement]) -> list[Any]:
    """Each statement's ``to_statement_json()``: asked together, and one by one only for a token object."""
    if not statements:
        return []
    read = ProfileResources.statements_json(statements)
    return [
        each if each is not None else statement.to_statement_json()
        for each, statement in zip(read, statements, strict=True)
    ]


@overload
def _text(value: str) -> Text: ...
@overload
def _text(value: None) -> None: ...
def _text(value: str | None) -> Text | None:
    """A prop's string, or a ``DeployTime`` when it is a token (unknown until deploy)."""
    if value is not None and is_unresolved(value):
        return DeployTime(value, value)
    return value


def _shown(value: Text | None) -> str | None:
    return None if value is None else str(value)


def _acknowledgments_of(given: Iterable[object]) -> tuple[list[BroadAccess], list[Finding]]:
    acknowledgments: list[BroadAccess] = []
    findings = []
    for index, acknowledgment in enumerate(given):
        if isinstance(acknowledgment, BroadAccess):
            acknowledgments.append(acknowledgment)
        else:
            rule = "is not a BroadAccess; use BroadAccess.action(...)"
            findings.append(Finding("EAP050", "acknowledge", acknowledgment, rule, ("acknowledge", index)))
    return acknowledgments, findings


def _as_shown(findings: Iterable[Finding], max_session_duration: Duration | None) -> list[Finding]:
    """Findings with values as the props gave them: a session as a ``Duration``, not in seconds."""
    return [
        replace(finding, value=max_session_duration.to_human_string())
        if finding.rule_id == "EAP005" and max_session_duration is not None
        else finding
        for finding in findings
    ]


def _boundary_context_findings(scope: Construct, boundary: str | iam.IManagedPolicy | None) -> list[Finding]:
    """The profile's boundary and CDK's app-wide one (which CDK puts on every role) must agree."""
    boundary_context = context(scope, PERMISSIONS_BOUNDARY_CONTEXT)
    if boundary_context is None:
        return []
    stack = Stack.of(scope)
    field = f"context {PERMISSIONS_BOUNDARY_CONTEXT!r}"
    if stack.node.try_get_context(PERMISSIONS_BOUNDARY_CONTEXT) != boundary_context:
        rule = (
            "is set below the profile's stack, where CDK does not apply it; set it on the app, a "
            "Stage or the Stack (permissions_boundary=PermissionsBoundary.from_name(...))"
        )
        return [Finding("EAP031", field, boundary_context, rule, ("context",))]
    if boundary is None:
        return []
    arn = boundary if isinstance(boundary, str) else boundary.managed_policy_arn
    if _is_context_boundary(stack, arn, boundary_context):  # type: ignore[arg-type]
        return []
    rule = (
        f"is not the app's permissions boundary {boundary_context!r} ({field}), which CDK puts on every "
        "role of the stack in its place (a role has one boundary); leave permissions_boundary "
        "out, or give that same policy"
    )
    shown = arn if isinstance(boundary, str) else boundary.node.path
    return [Finding("EAP031", "permissions_boundary", shown, rule, ("permissions_boundary",))]


def _is_context_boundary(stack: Stack, arn: str, context: Mapping[str, str]) -> bool:
    """Whether ``arn`` is the policy the context names, by ARN or by name in this account."""
    resolved = stack.resolve(arn)
    if isinstance(context.get("arn"), str):
        expected = context["arn"]
        return isinstance(resolved, str) and (
            validation.managed_policy_key(resolved) == validation.managed_policy_key(expected)
        )
    name = context.get("name")
    if not isinstance(name, str):
        return False
    if isinstance(resolved, str):
        key = validation.managed_policy_key(resolved)
        return key.split(":", 1)[-1] == f"policy/{name.strip('/')}"
    formatted = stack.format_arn(service="iam", resource="policy", region="", resource_name=name)
    return bool(resolved == stack.resolve(formatted))


def _contract_enabled(scope: Construct, publish_contract: bool | None) -> bool:
    if publish_contract is not None:
        return publish_contract
    return context(scope, PUBLISH_CONTRACT_CONTEXT) in (True, "true")


@functools.cache
def _pseudo_parameter_tokens() -> dict[str, str]:
    """The tokens CDK gives the pseudo parameters (the same strings every time): asked once."""
    return {
        "AWS::Partition": Aws.PARTITION,
        "AWS::AccountId": Aws.ACCOUNT_ID,
        "AWS::Region": Aws.REGION,
        "AWS::URLSuffix": Aws.URL_SUFFIX,
    }


def _tagging_enabled(scope: Construct, tag_instance_profile: bool | None) -> bool:
    if tag_instance_profile is not None:
        return tag_instance_profile
    return context(scope, TAG_INSTANCE_PROFILE_CONTEXT) not in (False, "false")


def _non_default_path(path: str | None) -> str | None:
    """Leave the default path out of the template: IAM's default is '/' already."""
    return None if path == "/" else path
