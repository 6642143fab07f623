"""The instance profiles the app declares, read from its cloud assembly (``cdk.out``).

``read_assembly`` reads ``manifest.json`` (and the manifests of nested assemblies, one per stage)
for every stack's template. ``declared_profiles`` finds each ``AWS::IAM::InstanceProfile`` and
reads, for the account audited:

- its name and path, and its role (``Roles: [{"Ref": ...}]``) with the role's path, trust policy,
  managed policies (``ManagedPolicyArns``, and each ``AWS::IAM::ManagedPolicy`` of the template
  attached to it), inline policies (``Policies``, and each ``AWS::IAM::Policy`` or
  ``AWS::IAM::RolePolicy`` on it), permissions boundary, longest session and tags;
- the profile's tags, from the ``Custom::InstanceProfileTags`` whose ``InstanceProfileName``
  refers to it (no such resource: the app does not manage the profile's tags, and they are not
  audited).

Values are resolved by ``intrinsics.Resolver``. A name CloudFormation generates (no literal
``InstanceProfileName`` or ``RoleName``) is the resource's physical ID in the deployed stack; before
the stack creates it, the profile is missing. A field only known at deploy is ``not_audited``; of
the managed policies, only those a deploy names are (the others are still read). A stack whose
environment names another account is not audited in this one. ``customer_managed`` gives the
documents of the template's own managed policies, for the evaluator. Pure Python and file reads: the
physical IDs come from a function the caller gives.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.findings import NotAudited
from constructs_lib.audit.intrinsics import Account, PhysicalIds, Resolver, UnresolvedError
from constructs_lib.audit.profiles import DeclaredProfile, DeclaredRole, Document

MANIFEST = "manifest.json"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
MAX_NESTING = 16
"""Stages within stages, at most: a manifest that nests deeper is refused rather than followed."""

T = TypeVar("T")


@dataclass(frozen=True)
class StackTemplate:
    """One stack of the assembly: its name as deployed, its environment and its template."""

    name: str
    template_file: str
    template: Mapping[str, Any]
    account: str | None = None
    """The account its environment names; ``None`` for an environment-agnostic stack."""
    region: str | None = None


@dataclass(frozen=True)
class Declared:
    """What an assembly declares for one account."""

    profiles: tuple[DeclaredProfile, ...]
    not_audited: tuple[NotAudited, ...]
    other_accounts: tuple[str, ...]
    """Stacks whose environment names another account: not audited here."""

    @property
    def owned_paths(self) -> tuple[str, ...]:
        """The paths of the declared profiles, without those another one's prefix covers: what to list."""
        paths = sorted({profile.path for profile in self.profiles})
        return tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def customer_managed(template: Mapping[str, Any], resolver: Resolver) -> dict[str, Document]:
    """The documents of the template's own managed policies, by the ARN a role refers to them with."""
    documents: dict[str, Document] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::IAM::ManagedPolicy":
            continue
        try:
            arn = resolver.name_of(logical_id)
            document = resolver.document((resource.get("Properties") or {}).get("PolicyDocument"))
        except UnresolvedError:
            continue
        if isinstance(document, Mapping):
            documents[arn] = document
    return documents


def read_assembly(directory: Path) -> tuple[StackTemplate, ...]:
    """Every stack of the cloud assembly in ``directory``; ``AuditError`` if it cannot be read."""
    return tuple(_stacks(directory, depth=0))


def declared_profiles(
    stacks: tuple[StackTemplate, ...], account: Account, physical_id: PhysicalIds, *, stand_ins: bool = False
) -> Declared:
    """The profiles ``stacks`` declare, resolved for ``account``; ``stand_ins`` as ``Resolver`` takes it."""
    profiles: list[DeclaredProfile] = []
    notices: list[NotAudited] = []
    others: list[str] = []
    for stack in stacks:
        if stack.account is not None and stack.account != account.account_id:
            others.append(stack.name)
            continue
        resolver = Resolver(
            stack=stack.name,
            template=stack.template,
            account=account,
            physical_id=physical_id,
            region=stack.region,
            stand_ins=stand_ins,
        )
        resources: Mapping[str, Any] = stack.template.get("Resources") or {}
        for logical_id, resource in resources.items():
            if resource.get("Type") != "AWS::IAM::InstanceProfile":
                continue
            result = _profile(stack, logical_id, resource, resolver)
            if isinstance(result, NotAudited):
                notices.append(result)
                continue
            profiles.append(result)
            notices += [
                NotAudited(result.shown_name, field, reason, result.where)
                for field, reason in sorted(result.not_audited.items())
            ]
    return Declared(tuple(profiles), tuple(notices), tuple(others))


# -- the assembly -----------------------------------------------------------------------------------


def _stacks(directory: Path, depth: int) -> Iterator[StackTemplate]:
    if depth > MAX_NESTING:
        raise AuditError(f"{directory}: assemblies nested more than {MAX_NESTING} deep")
    manifest = json_file(directory / MANIFEST, hint=" (run `cdk synth` first, or give --assembly DIR)")
    artifacts = manifest.get("artifacts") if isinstance(manifest, Mapping) else None
    if not isinstance(artifacts, Mapping):
        raise AuditError(f"{directory / MANIFEST}: has no 'artifacts': not a cloud assembly manifest")
    for artifact_id, artifact in artifacts.items():
        where = f"{directory / MANIFEST}: artifact {artifact_id!r}"
        if not isinstance(artifact, Mapping):
            raise AuditError(f"{where} is not a JSON object: not a cloud assembly manifest")
        properties = artifact.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise AuditError(f"{where}: 'properties' is not a JSON object: not a cloud assembly manifest")
        if artifact.get("type") == NESTED_ASSEMBLY:
            yield from _stacks(directory / _file_name(properties, "directoryName", where), depth + 1)
        elif artifact.get("type") == STACK_ARTIFACT:
            template_file = directory / _file_name(properties, "templateFile", where)
            environment = artifact.get("environment", "")
            account, region = _environment(environment if isinstance(environment, str) else "")
            yield StackTemplate(
                name=str(properties.get("stackName", artifact_id)),
                template_file=str(template_file),
                template=_template(template_file),
                account=account,
                region=region,
            )


def _file_name(properties: Mapping[str, Any], key: str, where: str) -> str:
    """The file or folder an artifact's ``properties`` name under ``key``; ``AuditError`` when none is."""
    name = properties.get(key)
    if name is None:
        raise AuditError(f"{where} has no '{key}': not a cloud assembly manifest")
    if not isinstance(name, str) or not name:
        raise AuditError(f"{where}: '{key}' is {name!r}, not a file name: not a cloud assembly manifest")
    return name


def _template(path: Path) -> Mapping[str, Any]:
    """A stack's template, its resources each a JSON object as CloudFormation takes them."""
    template = json_file(path)
    if not isinstance(template, Mapping):
        raise AuditError(f"{path}: is not a JSON object: not a CloudFormation template")
    resources = template.get("Resources") or {}
    if not isinstance(resources, Mapping):
        raise AuditError(f"{path}: 'Resources' is not a JSON object: not a CloudFormation template")
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            raise AuditError(f"{path}: resource {logical_id!r} is not a JSON object")
        if not isinstance(resource.get("Properties") or {}, Mapping):
            raise AuditError(f"{path}: resource {logical_id!r}: 'Properties' is not a JSON object")
    return template


def _environment(environment: str) -> tuple[str | None, str | None]:
    """``aws://ACCOUNT/REGION``, where ``unknown-account`` / ``unknown-region`` mean any."""
    _, _, rest = environment.partition("aws://")
    account, _, region = rest.partition("/")
    return (
        account if account and account != "unknown-account" else None,
        region if region and region != "unknown-region" else None,
    )


def json_file(path: Path, hint: str = "") -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AuditError(f"{path}: cannot read it: {error.strerror or error}{hint}") from error
    except UnicodeDecodeError as error:
        raise AuditError(f"{path}: is not UTF-8 text: {error.reason}") from error
    except json.JSONDecodeError as error:
        raise AuditError(f"{path}:{error.lineno}:{error.colno}: is not valid JSON: {error.msg}") from error


# -- one profile ------------------------------------------------------------------------------------


def _profile(
    stack: StackTemplate, logical_id: str, resource: Mapping[str, Any], resolver: Resolver
) -> DeclaredProfile | NotAudited:
    properties = resource.get("Properties") or {}
    where = _construct_path(resource) or f"{stack.name}/{logical_id}"
    if "Condition" in resource:
        condition = resource["Condition"]
        return NotAudited(where, "profile", f"exists only when condition {condition} holds", where)
    name: str | None
    try:
        if "InstanceProfileName" in properties:
            name = resolver.string(properties["InstanceProfileName"])
        else:
            name = _deployed_name(resolver, logical_id)
        path = resolver.string(properties.get("Path", "/"))
    except UnresolvedError as reason:
        return NotAudited(where, "profile", f"its name or path {reason}", where)

    not_audited: dict[str, str] = {}
    resources: Mapping[str, Any] = stack.template.get("Resources") or {}
    role_name: str | None = None
    role: DeclaredRole | None = None
    roles = properties.get("Roles") or []
    if len(roles) == 1:
        reference = roles[0]
        role_id = _ref(reference)
        if role_id is not None and (resources.get(role_id) or {}).get("Type") == "AWS::IAM::Role":
            role_name = _field(not_audited, "role", lambda: resolver.name_of(role_id), None)
            role = _role(role_id, role_name, resources, resolver, not_audited)
        else:
            role_name = _field(not_audited, "role", lambda: resolver.string(reference), None)
    else:
        not_audited["role"] = f"the template gives {len(roles)} roles; IAM holds exactly one per profile"

    tags: Mapping[str, str] | None = None
    tag_resources = [
        other.get("Properties") or {}
        for other in resources.values()
        if other.get("Type") == "Custom::InstanceProfileTags"
        and _refers_to((other.get("Properties") or {}).get("InstanceProfileName"), logical_id, name)
    ]
    if tag_resources:
        tagged = tag_resources[-1]
        tags = _field(not_audited, "tags", lambda: _tags(resolver, tagged.get("Tags")), None)
    return DeclaredProfile(
        stack=stack.name,
        logical_id=logical_id,
        where=where,
        name=name,
        path=path,
        tags=tags,
        role_name=role_name,
        role=role,
        not_audited=not_audited,
    )


def _role(
    logical_id: str,
    name: str | None,
    resources: Mapping[str, Any],
    resolver: Resolver,
    not_audited: dict[str, str],
) -> DeclaredRole:
    properties = resources[logical_id].get("Properties") or {}

    def field(label: str, compute: Callable[[], T], default: T) -> T:
        return _field(not_audited, f"role.{label}", compute, default)

    conditional: set[str] = set()

    def managed() -> frozenset[str]:
        """Each ARN resolved on its own: those only a deploy names are noted, the others kept."""
        arns: list[str] = []
        unknown: list[str] = []

        def add(compute: Callable[[], str], condition: object = None) -> None:
            try:
                arn = compute()
            except UnresolvedError as reason:
                unknown.append(f"its value {reason}")
                return
            arns.append(arn)
            if condition is not None:
                conditional.add(arn.lower())

        for arn in properties.get("ManagedPolicyArns") or []:
            add(functools.partial(resolver.string, arn))
        for policy_id, policy in resources.items():
            roles = (policy.get("Properties") or {}).get("Roles") or []
            if policy.get("Type") == "AWS::IAM::ManagedPolicy" and any(
                _refers_to(entry, logical_id, name) for entry in roles
            ):
                add(functools.partial(resolver.name_of, policy_id), policy.get("Condition"))
        if unknown:
            not_audited["role.managed_policies"] = "; ".join(dict.fromkeys(unknown))
        return frozenset(arns)

    def inline() -> dict[str, Document | None]:
        policies: dict[str, Document | None] = {}

        def add(policy_name: Any, document: Any) -> None:
            shown = resolver.string(policy_name)
            policies[shown] = _field(
                not_audited, f"role.inline_policies[{shown!r}]", lambda: _document(resolver, document), None
            )

        for policy in properties.get("Policies") or []:
            add(policy["PolicyName"], policy["PolicyDocument"])
        for policy in resources.values():
            policy_properties = policy.get("Properties") or {}
            kind = policy.get("Type")
            on_role = (
                kind == "AWS::IAM::Policy"
                and any(_refers_to(entry, logical_id, name) for entry in policy_properties.get("Roles") or [])
            ) or (
                kind == "AWS::IAM::RolePolicy"
                and _refers_to(policy_properties.get("RoleName"), logical_id, name)
            )
            if on_role:
                add(policy_properties["PolicyName"], policy_properties["PolicyDocument"])
                if policy.get("Condition") is not None:
                    conditional.add(resolver.string(policy_properties["PolicyName"]).lower())
        return policies

    boundary = properties.get("PermissionsBoundary")
    managed_policy_arns = managed()
    inline_policies: dict[str, Document | None] = field("inline_policies", inline, {})
    return DeclaredRole(
        logical_id=logical_id,
        path=field("path", lambda: resolver.string(properties.get("Path", "/")), "/"),
        trust_policy=field(
            "trust_policy", lambda: _document(resolver, properties.get("AssumeRolePolicyDocument", {})), {}
        ),
        managed_policy_arns=managed_policy_arns,
        inline_policies=inline_policies,
        permissions_boundary=field(
            "permissions_boundary", lambda: None if boundary is None else resolver.string(boundary), None
        ),
        max_session_duration=field(
            "max_session_duration",
            lambda: int(resolver.value(properties.get("MaxSessionDuration", 3600))),
            3600,
        ),
        tags=field("tags", lambda: _tags(resolver, properties.get("Tags")), {}),
        conditional_policies=frozenset(conditional),
    )


def _field(not_audited: dict[str, str], label: str, compute: Callable[[], T], default: T) -> T:
    """``compute()``, or ``default`` with ``label`` noted as not audited when only a deploy knows it."""
    try:
        return compute()
    except UnresolvedError as reason:
        not_audited[label] = f"its value {reason}"
        return default


def _deployed_name(resolver: Resolver, logical_id: str) -> str | None:
    """The name CloudFormation gave the resource; ``None`` before the stack has created it."""
    try:
        return resolver.physical_id(logical_id)
    except UnresolvedError:
        return None


def _document(resolver: Resolver, expression: Any) -> Document:
    document = resolver.document(expression)
    if not isinstance(document, Mapping):
        raise UnresolvedError(f"is {document!r}, not a policy document")
    return document


def _tags(resolver: Resolver, expression: Any) -> dict[str, str]:
    tags = resolver.value(expression) or []
    if not isinstance(tags, list) or not all(isinstance(t, Mapping) for t in tags):
        raise UnresolvedError(f"is {tags!r}, not a list of tags")
    return {str(tag["Key"]): _text(tag.get("Value", "")) for tag in tags}


def _text(value: object) -> str:
    """A template value as CloudFormation stores it in a string: ``true``, not Python's ``True``."""
    return value if isinstance(value, str) else json.dumps(value)


def _ref(expression: Any) -> str | None:
    if isinstance(expression, Mapping) and len(expression) == 1 and isinstance(expression.get("Ref"), str):
        return str(expression["Ref"])
    return None


def _refers_to(expression: Any, logical_id: str, name: str | None) -> bool:
    """Whether a property names the resource: ``{"Ref": LOGICAL-ID}``, or its literal name."""
    return _ref(expression) == logical_id or (name is not None and expression == name)


def _construct_path(resource: Mapping[str, Any]) -> str:
    """``Stack/Construct`` from CDK's metadata, without the trailing ``/Resource`` parts of L1 children."""
    path = str((resource.get("Metadata") or {}).get("aws:cdk:path", ""))
    while path.endswith("/Resource"):
        path = path.removesuffix("/Resource")
    return path
