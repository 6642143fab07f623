"""CloudFormation's stack operations over moto's resources: in dependency order, failing and rolling back.

What CloudFormation documents (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html),
done with moto's own create, update and delete of each resource:

- Create: resources in dependency order. The first that fails (an error, or a custom resource that
  answers FAILED or not at all) fails the stack: what was created is deleted in reverse order and the
  stack ends in ROLLBACK_COMPLETE, or stays in CREATE_FAILED when rollback is disabled.
- Update: new resources, and resources whose resolved properties changed, in dependency order. For
  the types in ``REPLACED_BY``, a change to a property that requires replacement (added, removed or
  changed: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html)
  creates a new resource, under a new generated name if the template names none, and keeps the old
  one; if the template names the resource and the name stays, the resource fails with
  CloudFormation's reason and the update rolls back, as CloudFormation refuses to replace a
  custom-named resource (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html).
  A custom resource is replaced when its handler answers a new physical ID. Then the cleanup
  deletes removed resources and the old ones of replaced resources (custom resources whose handler
  answered a new physical ID included), in reverse dependency order. If a resource fails, the update
  rolls back: a replaced resource gets its old one back, every other resource already updated, and
  the one that failed, is updated back to its previous properties (a custom resource gets an Update
  whose ResourceProperties are the previous ones); then the cleanup deletes what the update created,
  new resources and replacements alike, and the stack ends in UPDATE_ROLLBACK_COMPLETE
  (UPDATE_ROLLBACK_FAILED if that fails too).
- Delete: reverse dependency order; a resource that fails to delete leaves the stack in DELETE_FAILED.

Each step is a stack event with CloudFormation's status and reason, which the CDK CLI prints.
A failure of one resource stops the operation at once (CloudFormation lets independent resources
already in progress finish first).
"""

from __future__ import annotations

import contextlib
import copy
import threading
from dataclasses import dataclass, field
from typing import Any, cast

from moto.cloudformation.models import Event, Stack
from moto.cloudformation.parsing import (
    ResourceMap,
    clean_json,
    parse_and_create_resource,
    parse_and_update_resource,
)

from emulator.dependencies import creation_order, deletion_order

CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
REPLACED_BY: dict[str, tuple[str, ...]] = {
    "AWS::IAM::InstanceProfile": ("InstanceProfileName", "Path"),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "Description", "Path"),
    "AWS::IAM::Role": ("RoleName", "Path"),
    "AWS::Logs::LogGroup": ("LogGroupName",),
}
"""The properties whose change replaces a resource, its name first, for the types whose update the
fidelity layer adds (``Update requires: Replacement`` on each type's page of the template reference,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html and
its neighbours; the ``createOnlyProperties`` of the type's registry schema). Those updates then only
ever change a resource in place: replacing it is decided here."""
CUSTOM_NAME_REPLACEMENT = (
    "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
    "Rename {name} and update the stack again."
)
REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."
REQUEST = threading.local()
"""Options of the API call being served (``disable_rollback``), set by the CloudFormation responses."""


class ResourceFailedError(Exception):
    """One resource's create, update or delete failed, with the reason CloudFormation gives."""

    def __init__(self, reason: str, resource: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resource = resource
        """The resource as the failure left it, where that differs from the stack's (custom resources)."""
        self.logical_id = ""
        self.resource_type = ""
        self.untouched = False
        """The resource was left as it was: a rollback has nothing to update back."""


@dataclass(frozen=True)
class _Replacement:
    """A resource an update replaced: its old physical resource is deleted in the cleanup."""

    logical_id: str
    resource_type: str
    old: Any
    new: Any
    old_definition: dict[str, Any]
    new_definition: dict[str, Any]

    @property
    def restorable(self) -> bool:
        """A rollback points the stack back at the old resource; a custom resource's handler is
        sent an Update back instead, and decides."""
        return not (self.resource_type.startswith("Custom::") or self.resource_type == CUSTOM_RESOURCE)


@dataclass
class _Update:
    """What one stack update changed so far: enough to roll it back or to clean up after it."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    replaced: list[_Replacement] = field(default_factory=list)
    """In the order they were replaced, which is dependency order."""


def create(stack: Stack) -> None:
    """Create every resource of ``stack``'s template, or fail and roll back as CloudFormation does."""
    resource_map = stack.resource_map
    template = stack.template_dict
    resources = template.get("Resources", {})
    stack.status = "CREATE_IN_PROGRESS"
    stack.disable_rollback = bool(getattr(REQUEST, "disable_rollback", False))
    stack.description = template.get("Description")
    resource_map._template = template
    resource_map._resource_json_map = resources
    resource_map.tags.update(
        {"aws:cloudformation:stack-name": stack.name, "aws:cloudformation:stack-id": stack.stack_id}
    )
    created: list[str] = []
    try:
        for logical_id in creation_order(resources):
            if _create(stack, logical_id):
                created.append(logical_id)
    except ResourceFailedError as failure:
        _resource_event(stack, failure.logical_id, failure.resource_type, "CREATE_FAILED", failure.reason)
        failed = f"The following resource(s) failed to create: [{failure.logical_id}]."
        if stack.disable_rollback:
            _stack_status(stack, "CREATE_FAILED", failed)
            return
        _stack_status(stack, "ROLLBACK_IN_PROGRESS", f"{failed} Rollback requested by user.")
        if failure.resource is not None:
            # CloudFormation sends Delete to a custom resource that answered FAILED to Create.
            _keep(resource_map, failure)
            created.append(failure.logical_id)
        try:
            delete_resources(stack, resources, created)
        except ResourceFailedError as rollback_failure:
            _stack_status(stack, "ROLLBACK_FAILED", _failed_to("delete", rollback_failure))
            return
        _stack_status(stack, "ROLLBACK_COMPLETE")
        return
    _stack_status(stack, "CREATE_COMPLETE")


def update(
    stack: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Update ``stack`` to ``template``, or fail and roll back to its previous template."""
    resource_map = stack.resource_map
    previous_template, previous_parameters = stack.template, dict(resource_map.input_parameters)
    previous = dict(resource_map._resource_json_map)
    _stack_status(stack, "UPDATE_IN_PROGRESS", "User Initiated")
    before = {
        logical_id: _resolved(resource_map, definition)
        for logical_id, definition in previous.items()
        if resource_map._parsed_resources.get(logical_id) is not None
    }
    stack.template = template
    stack._parse_template()
    _load(resource_map, stack.template_dict, parameters or None)
    resources = stack.template_dict["Resources"]
    changes = _Update()
    try:
        for logical_id in creation_order(resources):
            if logical_id not in resource_map._parsed_resources:
                if _create(stack, logical_id):
                    changes.created.append(logical_id)
            elif _resolved(resource_map, resources[logical_id]) != before.get(logical_id):
                _update(
                    stack,
                    logical_id,
                    resources[logical_id],
                    changes,
                    previous[logical_id],
                    before.get(logical_id),
                )
    except ResourceFailedError as failure:
        verb = "create" if failure.logical_id not in previous else "update"
        _resource_event(
            stack, failure.logical_id, failure.resource_type, f"{verb.upper()}_FAILED", failure.reason
        )
        if getattr(REQUEST, "disable_rollback", False):
            _stack_status(
                stack, "UPDATE_FAILED", f"The following resource(s) failed to {verb}: [{failure.logical_id}]."
            )
            return
        _stack_status(
            stack,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to {verb}: [{failure.logical_id}].",
        )
        if failure.resource is not None:
            _keep(resource_map, failure)
        if verb == "update" and not failure.untouched:
            changes.updated.append(failure.logical_id)
        stack.template = previous_template
        stack._parse_template()
        _load(resource_map, stack.template_dict, previous_parameters)
        _roll_back(stack, previous, resources, changes)
        return
    _stack_status(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    removed = [logical_id for logical_id in previous if logical_id not in resources]
    _clean_up(stack, previous, removed, changes.replaced)
    stack.output_map = stack._create_output_map()
    _stack_status(stack, "UPDATE_COMPLETE")
    stack.role_arn = role_arn
    if parameters:
        stack.parameters = parameters
    if tags is not None:
        stack.tags = tags


def delete(stack: Stack) -> None:
    """Delete ``stack``'s resources in reverse dependency order; DELETE_FAILED if one fails."""
    _stack_status(stack, "DELETE_IN_PROGRESS", "User Initiated")
    resources = stack.resource_map._resource_json_map
    try:
        delete_resources(stack, resources, list(resources))
    except ResourceFailedError as failure:
        _stack_status(stack, "DELETE_FAILED", _failed_to("delete", failure))
        return
    _stack_status(stack, "DELETE_COMPLETE")


def delete_resources(stack: Stack, resources: dict[str, Any], logical_ids: list[str]) -> None:
    """Delete those of ``logical_ids`` that exist, dependents first; stop at the first failure."""
    resource_map = stack.resource_map
    try:
        for logical_id in deletion_order(resources):
            resource = resource_map._parsed_resources.get(logical_id)
            definition = resources[logical_id]
            if logical_id not in logical_ids or resource is None or isinstance(resource, str):
                continue
            if definition.get("DeletionPolicy") == "Retain":
                resource_map._parsed_resources.pop(logical_id)
                continue
            _resource_event(stack, logical_id, definition["Type"], "DELETE_IN_PROGRESS", physical=resource)
            try:
                resource_map._delete_resource(resource, definition)
            except Exception as error:
                failure = _as_failure(error)
                failure.logical_id, failure.resource_type = logical_id, definition["Type"]
                _resource_event(
                    stack, logical_id, definition["Type"], "DELETE_FAILED", failure.reason, resource
                )
                raise failure from error
            resource_map._parsed_resources.pop(logical_id)
            _resource_event(stack, logical_id, definition["Type"], "DELETE_COMPLETE", physical=resource)
    finally:
        _forget_deleted(resource_map)


def _create(stack: Stack, logical_id: str) -> bool:
    """Create one resource; False if the template skips it (a false Condition, a type moto lacks)."""
    resource_type = stack.resource_map._resource_json_map[logical_id]["Type"]
    _resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    try:
        resource = stack.resource_map[logical_id]
    except Exception as error:
        failure = _as_failure(error)
        failure.logical_id, failure.resource_type = logical_id, resource_type
        raise failure from error
    if resource is None:
        return False
    _resource_event(stack, logical_id, resource_type, "CREATE_COMPLETE", physical=resource)
    return True


def _update(
    stack: Stack,
    logical_id: str,
    definition: dict[str, Any],
    changes: _Update,
    old_definition: dict[str, Any] | None = None,
    old: Any = None,
) -> None:
    """Update one resource to ``definition``: in place, or, if the change of its resolved properties
    from ``old`` (type and properties, as ``_resolved`` gives them) requires it, by a replacement.
    Without ``old`` (a rollback's update back), in place."""
    resource_map = stack.resource_map
    resource_type = definition["Type"]
    try:
        replace = _replaces(resource_type, old, _resolved(resource_map, definition))
    except ResourceFailedError as refused:
        _resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS")
        refused.logical_id, refused.resource_type = logical_id, resource_type
        raise
    _resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", REPLACING if replace else None)
    try:
        if replace:
            updated = _create_replacement(resource_map, logical_id, definition)
        else:
            updated = parse_and_update_resource(
                logical_id, definition, resource_map, resource_map._account_id, resource_map._region_name
            )
    except Exception as error:
        failure = _as_failure(error)
        failure.logical_id, failure.resource_type = logical_id, resource_type
        # A replacement that fails leaves the old resource as it was.
        failure.untouched = failure.untouched or replace
        raise failure from error
    if updated is None:
        # moto has no update for this type and would drop the resource from the stack, to outlive
        # it; AWS would update it. Say so rather than pretend: the fidelity layer adds updates.
        failure = ResourceFailedError(
            f"the emulator cannot update {definition['Type']} (moto has no update for it)"
        )
        failure.logical_id, failure.resource_type = logical_id, definition["Type"]
        failure.untouched = True
        raise failure
    resource_map._parsed_resources[logical_id] = updated
    changes.updated.append(logical_id)
    replaced = getattr(updated, "replaces", None)
    if replaced is not None:
        cast(Any, updated).replaces = None
        changes.replaced.append(
            _Replacement(
                logical_id,
                definition["Type"],
                replaced,
                updated,
                old_definition if old_definition is not None else definition,
                definition,
            )
        )
    _resource_event(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical=updated)


def _replaces(resource_type: str, old: Any, new: Any) -> bool:
    """Whether a change from ``old`` to ``new`` (``_resolved``'s type and properties) replaces the
    resource; raises, leaving it untouched, if that replacement is one CloudFormation refuses: a
    custom-named resource whose name stays."""
    replaced_by = REPLACED_BY.get(resource_type)
    if replaced_by is None or old is None or new is None:
        return False
    (_, old_properties), (_, new_properties) = old, new
    if all(old_properties.get(name) == new_properties.get(name) for name in replaced_by):
        return False
    name = new_properties.get(replaced_by[0])
    if name is not None and name == old_properties.get(replaced_by[0]):
        refused = ResourceFailedError(CUSTOM_NAME_REPLACEMENT.format(name=name))
        refused.untouched = True
        raise refused
    return True


def _create_replacement(resource_map: ResourceMap, logical_id: str, definition: dict[str, Any]) -> Any:
    """A new resource for ``definition`` (moto's create, under a new generated name where the template
    names none), which replaces the stack's: the old one is deleted in the cleanup."""
    new = parse_and_create_resource(
        logical_id, definition, resource_map, resource_map._account_id, resource_map._region_name
    )
    if new is not None:
        cast(Any, new).replaces = resource_map._parsed_resources[logical_id]
    return new


def _roll_back(stack: Stack, previous: dict[str, Any], attempted: dict[str, Any], changes: _Update) -> None:
    """Point replaced resources back at their old ones and update the rest of what the failed update
    touched back to ``previous``; then delete what it created, replacements included."""
    resource_map = stack.resource_map
    restored = {r.logical_id: r for r in changes.replaced if r.restorable}
    back = _Update()
    try:
        for logical_id in creation_order(previous):
            if logical_id in restored:
                replacement = restored[logical_id]
                resource_map._parsed_resources[logical_id] = replacement.old
                _resource_event(
                    stack, logical_id, replacement.resource_type, "UPDATE_COMPLETE", physical=replacement.old
                )
            elif logical_id in changes.updated:
                _update(stack, logical_id, previous[logical_id], back, attempted.get(logical_id))
    except ResourceFailedError as failure:
        _resource_event(stack, failure.logical_id, failure.resource_type, "UPDATE_FAILED", failure.reason)
        _stack_status(stack, "UPDATE_ROLLBACK_FAILED", _failed_to("update", failure))
        return
    _stack_status(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    try:
        delete_resources(stack, attempted, changes.created)
        replacements = [(r.new, r.new_definition, r) for r in restored.values()]
        replacements += [(r.old, r.old_definition, r) for r in back.replaced]
        for resource, definition, replacement in reversed(replacements):
            _delete_replaced(stack, resource, definition, replacement)
    except ResourceFailedError as failure:
        _stack_status(stack, "UPDATE_ROLLBACK_FAILED", failure.reason)
        return
    resource_map._resource_json_map = previous
    stack.output_map = stack._create_output_map()
    _stack_status(stack, "UPDATE_ROLLBACK_COMPLETE")


def _clean_up(
    stack: Stack, previous: dict[str, Any], removed: list[str], replaced: list[_Replacement]
) -> None:
    """After a successful update, delete what it let go of, dependents first: removed resources, then
    the old resources of replaced ones. A failure here leaves the resource behind, not the update
    failed."""
    resource_map = stack.resource_map
    for logical_id in deletion_order(previous):
        if logical_id in removed and logical_id in resource_map._parsed_resources:
            try:
                delete_resources(stack, previous, [logical_id])
            except ResourceFailedError:
                resource_map._parsed_resources.pop(logical_id, None)
    for replacement in reversed(replaced):
        # A DELETE_FAILED event says why; the stack is updated all the same.
        with contextlib.suppress(ResourceFailedError):
            _delete_replaced(stack, replacement.old, replacement.old_definition, replacement)
    resource_map._resource_json_map = stack.template_dict["Resources"]


def _delete_replaced(
    stack: Stack, resource: Any, definition: dict[str, Any], replacement: _Replacement
) -> None:
    """Delete one physical resource the stack no longer holds, with its events."""
    logical_id, resource_type = replacement.logical_id, replacement.resource_type
    _resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical=resource)
    try:
        stack.resource_map._delete_resource(resource, definition)
    except Exception as error:
        failure = _as_failure(error)
        failure.logical_id, failure.resource_type = logical_id, resource_type
        _resource_event(stack, logical_id, resource_type, "DELETE_FAILED", failure.reason, resource)
        raise failure from error
    _resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical=resource)


def _keep(resource_map: ResourceMap, failure: ResourceFailedError) -> None:
    """Hold the failed resource as the stack's, named as moto names what it parsed itself."""
    failure.resource.logical_resource_id = failure.logical_id
    resource_map._parsed_resources[failure.logical_id] = failure.resource


def _load(resource_map: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None) -> None:
    """Make ``template`` (and its parameters) the one references resolve against, as moto's update does."""
    resource_map._template = template
    if parameters is not None:
        resource_map.input_parameters = parameters
    resource_map.load_mapping()
    resource_map.load_parameters()
    resource_map.load_conditions()
    resource_map._resource_json_map = template["Resources"]


def _resolved(resource_map: ResourceMap, definition: dict[str, Any]) -> Any:
    """A resource's type and properties with every reference resolved: what CloudFormation compares."""
    try:
        return definition["Type"], clean_json(copy.deepcopy(definition.get("Properties", {})), resource_map)
    except Exception:
        return None  # unresolvable now: treat it as changed, and let its update say what is wrong


def _forget_deleted(resource_map: ResourceMap) -> None:
    """moto creates a resource the first time anything reads it: a deleted one must not come back."""
    resource_map._resource_json_map = {
        logical_id: definition
        for logical_id, definition in resource_map._resource_json_map.items()
        if logical_id in resource_map._parsed_resources
    }


def _as_failure(error: Exception) -> ResourceFailedError:
    if isinstance(error, ResourceFailedError):
        return error
    return ResourceFailedError(getattr(error, "message", None) or str(error) or type(error).__name__)


def _failed_to(verb: str, failure: ResourceFailedError) -> str:
    return f"The following resource(s) failed to {verb}: [{failure.logical_id}]."


def _stack_status(stack: Stack, status: str, reason: str | None = None) -> None:
    stack.status = status
    # DescribeStacks' StackStatusReason: moto's serializer reads it from this attribute.
    stack.status_reason = reason  # type: ignore[attr-defined]
    stack._add_stack_event(status, resource_status_reason=reason)


def _resource_event(
    stack: Stack,
    logical_id: str,
    resource_type: str,
    status: str,
    reason: str | None = None,
    physical: Any = None,
) -> None:
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=str(getattr(physical, "physical_resource_id", "") or ""),
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )
