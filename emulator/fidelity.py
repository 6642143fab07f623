"""A small fidelity layer over moto 5.2.5, so deploys on the emulator behave as on AWS where we test them.

Each fix names the exact moto behaviour it corrects. ``tests/test_emulator_fidelity.py`` proves that
plain moto still has each gap: when a moto release closes one, that test fails and the fix is
dropped. Nothing here invents what IAM reports: each fix makes moto store or return what it was
given, or follow what CloudFormation and Lambda document (the custom-resource protocol, failure and
rollback, dependency order, how a Python handler is found), each fix linking the page it follows.
The negative controls in ``tests/test_emulator_failures.py`` show deploys that must fail do fail.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlparse

from moto import settings
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend as get_lambda_backend
from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.models import CloudFormationBackend, Stack, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.exceptions import NotFoundException as IAMNotFoundException
from moto.iam.models import InstanceProfile, ManagedPolicy, Role, iam_backends
from moto.iam.responses import IamResponse
from moto.logs.models import LogGroup, logs_backends
from moto.ssm.models import Parameter
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from emulator import lambda_runtime, stack_operations
from emulator.stack_operations import ResourceFailedError

LOG = logging.getLogger("emulator.fidelity")
EMULATOR_HOST = "http://localhost"
RESPONSE_WAIT_SECONDS = 60
"""The longest the emulator waits for a custom resource's answer (CloudFormation: its ServiceTimeout)."""
DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600
NO_ANSWER = (
    "CloudFormation did not receive a response from your Custom Resource. Please check your logs for "
    "requestId [{request_id}]. If you are using the Python cfn-response module, you may need to update "
    "your Lambda function code so that CloudFormation can attach the updated version."
)
ANSWERED_FAILED = (
    "Received response status [FAILED] from custom resource. "
    "Message returned: {reason} (RequestId: {request_id})"
)
_PENDING: dict[str, _ProtocolResource] = {}
"""Custom-resource requests awaiting the handler's answer, by RequestId."""
RESPONSE_TOO_LONG = "Response object is too long."
INVALID_PHYSICAL_ID = "Invalid PhysicalResourceId"
MAX_RESPONSE_BYTES = 4096
MAX_PHYSICAL_ID_BYTES = 1024
SERVICE_TOKEN_CHANGED = "Modifying service token is not allowed."
_ROLE_PROPERTIES: dict[tuple[str, str, str], dict[str, Any]] = {}
"""The template properties each role was last created or updated from, by account, partition and
role name (names are unique only within an account)."""
_POLICY_PROPERTIES: dict[str, dict[str, Any]] = {}
"""The template properties each customer managed policy was last created or updated from, by ARN."""
SESSION_REUSE_SECONDS = 900
_SESSIONS: dict[tuple[str, str, str], tuple[float, dict[str, str]]] = {}
"""The execution-role session each function's environments use, with when it was minted."""
_SESSIONS_LOCK = threading.Lock()
_FUNCTION_SESSIONS: dict[str, str] = {}
"""The execution role's ARN of each session minted for a function, by access key ID: IAM is enforced
for them."""


def loopback_response_urls() -> None:
    """moto: a custom resource's ResponseURL points at http://host.docker.internal (for Docker).

    Off Docker that name leads off this machine; point it at the emulator on localhost instead: the
    URL where CloudFormation receives the provider's answer
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-create.html),
    which here is the emulator itself.
    """
    _patch_module(settings, "moto_server_host", lambda: EMULATOR_HOST)


def python_lambdas_in_process() -> None:
    """moto: invoking a Lambda function needs Docker; without it a custom resource hangs the stack.

    Run Python functions in this process instead, as Lambda's Python runtime runs them
    (https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html): the module and function that
    ``Handler`` names, from the function's deployment package, stopped at its ``Timeout``; a missing
    module or function fails the invocation with the runtime's error (``Runtime.ImportModuleError``,
    ``Runtime.HandlerNotFound``). boto3 in the handler calls the emulator (AWS_ENDPOINT_URL, set by the
    emulator's entry point).
    """

    def invoke(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        payload = event if isinstance(event, dict) else json.loads(event or "{}")
        result, errored = lambda_runtime.invoke(
            self.code_bytes,
            str(self.handler),
            payload,
            timeout_seconds=float(self.timeout),
            function_name=self.function_name,
            credentials=_execution_role_session(self),
        )
        if errored:
            LOG.error("Function %s failed: %s", self.function_name, json.dumps(result))
        return json.dumps(result), errored, ""

    _patch(LambdaFunction, "_invoke_lambda", invoke)


def runnable_runtimes_only() -> None:
    """moto: CreateFunction accepts every runtime, and would run the function in Docker, which the
    emulator does not use: a function it cannot run would be created, then fail or hang when invoked.

    Refuse at CreateFunction and UpdateFunctionConfiguration, as an invalid parameter value that names
    the runtimes it runs, a runtime the emulator cannot honour: every runtime but Python's
    (``lambda_runtime.PYTHON_RUNTIMES``, run on the emulator's own Python). See
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html for Lambda's own list.
    """
    original_create = LambdaBackend.create_function
    original_configure = LambdaFunction.update_configuration

    def refuse(runtime: str | None) -> None:
        reason = lambda_runtime.refusal(runtime)
        if reason is not None:
            raise InvalidParameterValueException(reason)

    def create_function(self: LambdaBackend, spec: dict[str, Any]) -> LambdaFunction:
        refuse(spec.get("Runtime"))
        return original_create(self, spec)

    def update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "Runtime" in config_updates:
            refuse(config_updates["Runtime"])
        return original_configure(self, config_updates)

    _patch(LambdaBackend, "create_function", create_function)
    _patch(LambdaFunction, "update_configuration", update_configuration)


def inline_code_updates() -> None:
    """moto: a stack update of a function whose ``Code`` is inline (``ZipFile``) reads the source text
    as a base64-encoded package: the update fails, or every later invocation does ("File is not a zip
    file"). CDK updates the tag function whenever ``Tags.of`` changes the stack's tags.

    Package the source as moto's create does (CloudFormation: ``ZipFile`` is the source of
    ``index.py``, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html).
    """
    original = LambdaFunction.update_from_cloudformation_json

    def update(
        cls: type[LambdaFunction],
        original_resource: LambdaFunction,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaFunction:
        properties = dict(cloudformation_json["Properties"])
        code = dict(properties["Code"])
        if "ZipFile" in code:
            package = LambdaFunction._create_zipfile_from_plaintext_code(code["ZipFile"])
            code["ZipFile"] = base64.b64encode(package)
        properties["Code"] = code
        return original(
            original_resource,
            new_resource_name,
            {**cloudformation_json, "Properties": properties},
            account_id,
            region_name,
        )

    _patch(LambdaFunction, "update_from_cloudformation_json", classmethod(update))


def custom_resource_protocol() -> None:
    """moto: custom resources get Create only. On update moto drops the resource without sending
    Update (whatever changed, its ServiceToken too), on stack deletion it sends no Delete, it
    ignores the PhysicalResourceId a handler answers (DescribeStackResource reports a name of its
    own), it accepts any answer, and a FAILED answer leaves the stack in progress forever.

    Follow CloudFormation's protocol instead (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html):
    Update with OldResourceProperties and the handler's physical ID; Delete of the old ID in the
    update's cleanup when an Update answered a new one (replacement); Delete on stack deletion; the
    handler's physical ID is the resource's (DescribeStackResource, Ref). A FAILED answer
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html), one
    that page rules out (a body over 4,096 bytes; a PhysicalResourceId missing, empty or over 1 KB:
    the resource fails with CloudFormation's "Response object is too long." or "Invalid
    PhysicalResourceId", and the answer's physical ID is not taken), or none by the end of the
    invocation or of ``ServiceTimeout`` (at most ``RESPONSE_WAIT_SECONDS`` here), fails the
    resource with CloudFormation's reason; ``failures_roll_back`` does the rest. A new ServiceToken
    fails the update before any request is sent ("Updates aren't supported":
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cfn-customresource.html;
    CloudFormation says "Modifying service token is not allowed.").
    """

    def answer(cls: type[CloudFormationResponse], /, request: Any, full_url: str, headers: Any) -> Any:
        raw = request.get_data()
        body = json.loads(raw)  # whatever its Content-Type, as S3 accepts it
        resource = _PENDING.pop(body["RequestId"], None)
        if resource is None:
            LOG.warning("An answer to no pending request: %s", body)
            return 404, {"status": 404}, "{}"
        resource.refusal = _refusal(raw, body.get("PhysicalResourceId"))
        if resource.refusal is None:
            resource.handler_physical_id = body["PhysicalResourceId"]
            if body["Status"] == "SUCCESS":
                resource.set_data(body.get("Data") or {})
            else:
                resource.failure = body.get("Reason") or "FAILED without a reason"
        resource.answered.set()
        resource.settled.set()
        return 200, {"status": 200}, "{}"

    # moto maps every Custom:: type to CustomModel: route its lifecycle to _ProtocolResource.
    _patch(CustomModel, "create_from_cloudformation_json", _ProtocolResource.create_from_cloudformation_json)
    _patch(CustomModel, "update_from_cloudformation_json", _ProtocolResource.update_from_cloudformation_json)
    _patch(CloudFormationResponse, "cfnresponse", classmethod(answer))


def failures_roll_back() -> None:
    """moto: a resource that fails during CreateStack leaves the stack in CREATE_IN_PROGRESS with
    everything created so far; during UpdateStack moto retries the failing resource up to four times
    (so a custom resource that answers FAILED once, then SUCCESS, ends UPDATE_COMPLETE) and otherwise
    answers a server error, with the stack half updated; it has no rollback at all.

    Fail and roll back as CloudFormation does (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html):
    a failed create ends in ROLLBACK_COMPLETE with what it created deleted (CREATE_FAILED if
    DisableRollback), a failed update ends in UPDATE_ROLLBACK_COMPLETE with every resource it touched
    updated back to its previous properties (a custom resource gets an Update back to them) and what
    it created deleted. See ``emulator/stack_operations.py``.
    """

    def with_options(name: str) -> Callable[..., Any]:
        original = getattr(CloudFormationResponse, name)

        def serve(self: CloudFormationResponse) -> Any:
            stack_operations.REQUEST.disable_rollback = self._get_bool_param("DisableRollback", False)
            try:
                return original(self)
            finally:
                stack_operations.REQUEST.disable_rollback = False

        return serve

    _patch(CloudFormationResponse, "create_stack", with_options("create_stack"))
    _patch(CloudFormationResponse, "update_stack", with_options("update_stack"))
    _patch(Stack, "create_resources", stack_operations.create)
    _patch(Stack, "update", stack_operations.update)


def deletes_in_dependency_order() -> None:
    """moto: stack deletion deletes resources in no dependency order (an unordered set, retried while
    the number left goes down), so a custom resource's function may be gone before its Delete; and a
    stack whose resource fails to delete vanishes from DescribeStacks with a server error.

    Delete in the reverse order of the template's dependencies (Ref, Fn::GetAtt, Fn::Sub, DependsOn),
    as CloudFormation does (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html);
    a resource that fails to delete leaves the stack in DELETE_FAILED, with the reason.
    """
    original_delete_stack = CloudFormationBackend.delete_stack

    def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
        original_delete_stack(self, name_or_stack_id)
        for stack_id, stack in list(self.deleted_stacks.items()):
            if stack.status == "DELETE_FAILED":
                self.stacks[stack_id] = self.deleted_stacks.pop(stack_id)

    _patch(Stack, "delete", stack_operations.delete)
    _patch(CloudFormationBackend, "delete_stack", delete_stack)


def previous_parameter_defaults() -> None:
    """moto: UpdateStack with UsePreviousValue for a parameter that took its default on create (the
    CDK CLI sends that for BootstrapVersion on every update) fails with KeyError, a 500 error:
    moto remembers only parameters that were passed explicitly.

    Use the value the stack is using, as CloudFormation does
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html,
    ``UsePreviousValue``): the value passed before, else the previous template's Default.
    """
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend._resolve_update_parameters

    def resolve(self: CloudFormationBackend, instance: Any, incoming_params: list[dict[str, str]]) -> Any:
        defaults = {
            key: definition["Default"]
            for key, definition in getattr(instance, "template_dict", {}).get("Parameters", {}).items()
            if "Default" in definition
        }
        instance.parameters = {**defaults, **instance.parameters}
        return original(self, instance, incoming_params)

    _patch(CloudFormationBackend, "_resolve_update_parameters", resolve)


def role_properties_applied() -> None:
    """moto: a role created from a template ignores ManagedPolicyArns and stores each inline policy
    document as a Python repr instead of JSON; a role update sets only the description (a new Path
    is ignored), and resets MaxSessionDuration to 3600 (it reads the wrong property).

    Create with every property, and update in place like CloudFormation
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html):
    trust policy, description, session, boundary, managed and inline policies, tags, detaching and
    deleting only what the previous template had set. RoleName and Path require replacement, which
    ``stack_operations`` decides (and refuses for a role whose RoleName stays). On delete, detach the
    template's managed policies first (moto refuses to delete the role otherwise).
    """
    original_create = Role.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: type[Role],
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Role:
        properties = cloudformation_json["Properties"]
        role = original_create(
            cls,
            resource_name,
            {"Properties": {**properties, "Policies": []}},
            account_id,
            region_name,
            **kwargs,
        )
        _update_role(role, {}, properties)
        return cast(Role, role)

    def update(
        cls: type[Role],
        original_resource: Role,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Role:
        old = _ROLE_PROPERTIES.get(_role_key(original_resource), {})
        _update_role(original_resource, old, cloudformation_json["Properties"])
        return original_resource

    original_delete = Role.delete_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def delete(
        cls: type[Role],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = iam_backends[account_id][get_partition(region_name)]
        role = backend.get_role(resource_name)
        for arn in _ROLE_PROPERTIES.get(_role_key(role), {}).get("ManagedPolicyArns", []):
            if arn in role.managed_policies:
                backend.detach_role_policy(arn, role.name)
        original_delete(cls, resource_name, cloudformation_json, account_id, region_name)
        _ROLE_PROPERTIES.pop(_role_key(role), None)

    _patch(Role, "create_from_cloudformation_json", classmethod(create))
    _patch(Role, "update_from_cloudformation_json", classmethod(update))
    _patch(Role, "delete_from_cloudformation_json", classmethod(delete))


def instance_profile_updates() -> None:
    """moto: an instance profile has no update; on a stack update moto drops it from the stack
    (it then outlives the stack) without changing it.

    Update like CloudFormation
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-instanceprofile.html):
    a new role is swapped in place. InstanceProfileName and Path require replacement, which
    ``stack_operations`` decides: the old profile is deleted in the update's cleanup, after what
    depends on it, and a rollback points the stack back at it, unchanged.
    """

    def update(
        cls: type[InstanceProfile],
        original_resource: InstanceProfile,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> InstanceProfile:
        backend = iam_backends[account_id][get_partition(region_name)]
        roles = cloudformation_json["Properties"]["Roles"]
        original_resource.roles = [backend.get_role(role_name) for role_name in roles]
        return original_resource

    _patch(InstanceProfile, "update_from_cloudformation_json", classmethod(update))


def log_group_updates() -> None:
    """moto: a log group has no update; on a stack update moto drops it from the stack, so the next
    ``Fn::GetAtt`` of it fails ("references undefined resource") and the group outlives the stack.
    CDK changes a log group's tags whenever ``Tags.of`` changes the stack's.

    Update like CloudFormation (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html):
    RetentionInDays and Tags change in place; a new LogGroupName replaces the group, which
    ``stack_operations`` decides.
    """

    def update(
        cls: type[LogGroup],
        original_resource: LogGroup,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LogGroup:
        properties = cloudformation_json.get("Properties", {})
        backend = logs_backends[account_id][region_name]
        original_resource.set_retention_policy(properties.get("RetentionInDays"))
        tags = {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}
        backend.untag_resource(
            original_resource.arn, list(backend.list_tags_for_resource(original_resource.arn))
        )
        backend.tag_resource(original_resource.arn, tags)
        return original_resource

    _patch(LogGroup, "update_from_cloudformation_json", classmethod(update))


def managed_policies_follow_the_stack() -> None:
    """moto: a customer managed policy created by a stack has no update and no delete, so it is
    left behind when the stack is deleted, and dropped from the stack, unchanged, when it changes.

    Update and delete like CloudFormation
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-managedpolicy.html):
    a new PolicyDocument becomes the default version (older versions deleted first, within IAM's
    five), and a change of Roles, Users or Groups attaches and detaches the difference from the
    previous template, in place. ManagedPolicyName, Description and Path require replacement, which
    ``stack_operations`` decides (and refuses for a policy whose ManagedPolicyName stays). On delete,
    detach it from every role, user and group first.
    """
    original_create = ManagedPolicy.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: type[ManagedPolicy],
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ManagedPolicy:
        policy = original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _POLICY_PROPERTIES[policy.arn] = cloudformation_json.get("Properties", {})
        return cast(ManagedPolicy, policy)

    def update(
        cls: type[ManagedPolicy],
        original_resource: ManagedPolicy,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> ManagedPolicy:
        backend = iam_backends[account_id][get_partition(region_name)]
        arn = original_resource.arn
        old, new = _POLICY_PROPERTIES.get(arn, {}), cloudformation_json["Properties"]
        if new["PolicyDocument"] != old.get("PolicyDocument"):
            for version in [v for v in original_resource.versions if not v.is_default]:
                backend.delete_policy_version(arn, version.version_id)
            backend.create_policy_version(arn, json.dumps(new["PolicyDocument"]), set_as_default=True)
        for key, attach, detach in (
            ("Roles", backend.attach_role_policy, backend.detach_role_policy),
            ("Users", backend.attach_user_policy, backend.detach_user_policy),
            ("Groups", backend.attach_group_policy, backend.detach_group_policy),
        ):
            before, after = old.get(key, []), new.get(key, [])
            for name in [name for name in before if name not in after]:
                detach(arn, name)
            for name in [name for name in after if name not in before]:
                attach(arn, name)
        _POLICY_PROPERTIES[arn] = new
        return original_resource

    def delete(
        cls: type[ManagedPolicy],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = iam_backends[account_id][get_partition(region_name)]
        for role in list(backend.roles.values()):
            if resource_name in role.managed_policies:
                backend.detach_role_policy(resource_name, role.name)
        for user in list(backend.users.values()):
            if resource_name in user.managed_policies:
                backend.detach_user_policy(resource_name, user.name)
        for group in list(backend.groups.values()):
            if resource_name in group.managed_policies:
                backend.detach_group_policy(resource_name, group.name)
        backend.delete_policy(resource_name)
        _POLICY_PROPERTIES.pop(resource_name, None)

    _patch(ManagedPolicy, "create_from_cloudformation_json", classmethod(create))
    _patch(ManagedPolicy, "update_from_cloudformation_json", classmethod(update))
    _patch(ManagedPolicy, "delete_from_cloudformation_json", classmethod(delete))


def list_instance_profiles_filters_and_pages() -> None:
    """moto: ListInstanceProfiles ignores PathPrefix, MaxItems and Marker: it always returns every
    profile in one page.

    Filter by path prefix and page as IAM does
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListInstanceProfiles.html): MaxItems,
    default 100; while more remain, IsTruncated and the Marker to ask for them with.
    """

    def list_instance_profiles(self: IamResponse) -> Any:
        from moto.core.responses import ActionResult

        prefix = self._get_param("PathPrefix") or "/"
        profiles = [p for p in self.backend.get_instance_profiles() if p.path.startswith(prefix)]
        return ActionResult(_page(self, "InstanceProfiles", profiles))

    _patch(IamResponse, "list_instance_profiles", list_instance_profiles)


def list_instance_profile_tags() -> None:
    """moto: ListInstanceProfileTags raises NotImplementedError, though moto stores the tags that
    TagInstanceProfile sets (GetInstanceProfile returns them).

    Answer it from those stored tags as IAM does
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListInstanceProfileTags.html): sorted
    by key, in pages of MaxItems (default 100), with IsTruncated and the Marker of the next page.
    """

    def list_tags(self: IamResponse) -> Any:
        from moto.core.responses import ActionResult

        profile = self.backend.get_instance_profile(self._get_param("InstanceProfileName"))
        return ActionResult(_page(self, "Tags", sorted(profile.tags, key=lambda tag: tag["Key"])))

    _patch(IamResponse, "list_instance_profile_tags", list_tags)


def account_authorization_details_pages() -> None:
    """moto: GetAccountAuthorizationDetails ignores MaxItems and Marker: it returns every user, group,
    role and policy in one page, with IsTruncated false.

    Page as IAM does
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html):
    at most MaxItems entities (default 100) a page, users, groups, roles and policies in turn; while
    more remain, IsTruncated and the Marker to ask for them with.
    """

    def details(self: IamResponse) -> Any:
        from moto.core.responses import ActionResult

        found = self.backend.get_account_authorization_details(self._get_param("Filter", []))
        lists = ("UserDetailList", "users"), ("GroupDetailList", "groups"), ("RoleDetailList", "roles")
        entities = [
            (key, item) for key, name in (*lists, ("Policies", "managed_policies")) for item in found[name]
        ]
        max_items = int(self._get_param("MaxItems") or 100)
        start = int(self._get_param("Marker") or 0)
        page = entities[start : start + max_items]
        result: dict[str, Any] = {key: [item for k, item in page if k == key] for key, _ in lists}
        result["Policies"] = [item for k, item in page if k == "Policies"]
        result["IsTruncated"] = start + max_items < len(entities)
        if result["IsTruncated"]:
            result["Marker"] = str(start + max_items)
        return ActionResult(result)

    _patch(IamResponse, "get_account_authorization_details", details)


def assume_role_needs_the_role() -> None:
    """moto: AssumeRole hands out credentials for any role ARN, one that names no role included
    (moto's docstring: "the role does not need to exist"), so an account without the role looks
    reachable.

    Refuse as STS does when the role is not there: ``AccessDenied``, "... is not authorized to perform:
    sts:AssumeRole on resource: ARN" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_roles.html:
    the role must exist, with that path and name, in the account the ARN names). Functions' sessions
    (``functions_run_as_their_role``) are minted apart and unaffected.
    """
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role

    def assume_role(self: TokenResponse) -> Any:
        arn = str(self._get_param("RoleArn") or "")
        parts = arn.split(":", 5)
        if len(parts) == 6 and parts[5].startswith("role/"):
            path, _, name = parts[5].removeprefix("role").rpartition("/")
            roles = iam_backends[parts[4]][parts[1]].roles.values() if parts[4] in iam_backends else []
            if not any(role.name == name and role.path == f"{path}/" for role in roles):
                caller = self.backend.get_caller_identity(self.get_access_key(), self.region)[1]
                raise STSClientError(
                    "AccessDenied",
                    f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {arn}",
                )
        return original(self)

    _patch(TokenResponse, "assume_role", assume_role)


def functions_run_as_their_role() -> None:
    """moto: a function's calls carry whatever credentials the process has, never its execution
    role's; moto's AssumeRole, with IAM enforced, fails on a trust policy whose only principal is a
    Service (as every Lambda role's is); and moto enforces IAM for every caller once enabled, so the
    default credentials (``testing``), which no IAM user holds, would be refused.

    Run each invocation as Lambda does (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html):
    with a session of its execution role, minted here as the Lambda service mints it (moto's STS
    backend, past the trust check that crashes), given to the handler's ``boto3``; and authorize
    every request signed with such a session against the role's policies, with moto's own policy
    evaluation, and against its permissions boundary, which must allow the action too
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html: the session
    gets what both allow; a boundary that names no policy allows nothing). Every other caller is not
    checked: the default credentials act as the account's root user, allowed everything as on AWS,
    so the CLI and any client need no setup; other users' and roles' sessions (the CDK CLI's
    bootstrap roles) go unchecked too, more lenient than AWS.
    """

    def authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        role_arn = _FUNCTION_SESSIONS.get(_access_key_id(self.headers))
        if role_arn is None:
            return
        query = urlparse(self.uri).query
        path = self.raw_path + (f"?{query}" if query else "")
        request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=path,
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=self._get_action(),
        )
        request.check_signature()
        request.check_action_permitted(resource)
        if not _boundary_allows(request.backend, role_arn, request._action, resource):
            request._raise_access_denied()

    _patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize)


def iam_actions_on_their_resources() -> None:
    """moto: IAM authorizes every instance-profile action against resource ``*`` (it resolves role
    ARNs only), so a policy scoped to an instance profile's ARN denies the action even when it
    names the right profile.

    Authorize actions that name an instance profile against its ARN, as IAM does
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
    the profile's ARN with its path, or, for a profile that does not exist, the ARN its name gives.
    """
    original = IamResponse._determine_resource

    def determine_resource(self: IamResponse) -> str:
        names = self.data.get("InstanceProfileName")
        if not names:
            return original(self)
        name = names[0] if isinstance(names, list) else names
        try:
            return self.backend.get_instance_profile(name).arn
        except Exception:
            return f"arn:{self.partition}:iam::{self.current_account}:instance-profile/{name}"

    _patch(IamResponse, "_determine_resource", determine_resource)


def cloudformation_actions_on_their_stacks() -> None:
    """moto: CloudFormation authorizes every action against resource ``*``, so a policy scoped to a
    stack's ID (``Ref: AWS::StackId``) denies the action even when it names the right stack.

    Authorize actions that name a stack against its ARN, as CloudFormation does
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html):
    the stack's ID, or, for a name no stack has, the ARN pattern of any stack of that name; actions
    that name no stack stay authorized against ``*``.
    """

    def determine_resource(self: CloudFormationResponse) -> str:
        name = self._get_param("StackName")
        if not name:
            return "*"
        try:
            return str(self.cloudformation_backend.get_stack(name).stack_id)
        except Exception:
            partition, region = get_partition(self.region), self.region
            return f"arn:{partition}:cloudformation:{region}:{self.current_account}:stack/{name}/*"

    _patch(CloudFormationResponse, "_determine_resource", determine_resource)


def json_templates_parsed_as_json() -> None:
    """moto: every template, JSON included, is parsed first with PyYAML's pure-Python loader (JSON is
    YAML too): a fifth of the emulator's time in a deploy of 100 profiles, and more with shards of
    400 resources. A speed fix only: the same document gives the same dictionary.

    Parse a template that is JSON with ``json``, and anything else as moto does.
    """
    original = Stack.parse_template

    def parse_template(template: str) -> dict[str, Any]:
        if template.lstrip().startswith("{"):
            try:
                return cast(dict[str, Any], json.loads(template))
            except ValueError:
                pass
        return original(template)

    _patch(Stack, "parse_template", staticmethod(parse_template))


def cloudtrail_event_history() -> None:
    """moto: CloudTrail has no ``LookupEvents`` (moto raises NotImplementedError, which its server
    answers with an HTML page). The CDK CLI looks up CloudTrail's event history when a deploy fails,
    to explain it; its SDK retries that page for about 28 s before it prints CloudFormation's reason.

    Answer as an account whose event history holds nothing in the window (moto records no events):
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
    """

    def lookup_events(self: CloudTrailResponse) -> str:
        return json.dumps({"Events": []})

    _patch(CloudTrailResponse, "lookup_events", lookup_events)


def ssm_parameter_tags_as_a_map() -> None:
    """moto: an ``AWS::SSM::Parameter``'s ``Tags`` reach ``put_parameter`` as CloudFormation writes
    them, a map (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-parameter.html),
    where moto expects a list of ``{Key, Value}``: the create fails with "string indices must be
    integers".

    Hand moto the list the SSM API takes, in the map's order.
    """
    original = Parameter.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: type[Parameter],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        tags = cloudformation_json.get("Properties", {}).get("Tags")
        if isinstance(tags, dict):
            properties = {
                **cloudformation_json["Properties"],
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
            cloudformation_json = {**cloudformation_json, "Properties": properties}
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)

    _patch(Parameter, "create_from_cloudformation_json", classmethod(create))


def _update_role(role: Role, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Bring a role from the properties of one template to those of the next."""
    backend = iam_backends[role.account_id][role.partition]
    role.assume_role_policy_document = json.dumps(new["AssumeRolePolicyDocument"])
    role.description = new.get("Description", "")
    role.max_session_duration = new.get("MaxSessionDuration", 3600)
    role.permissions_boundary_arn = new.get("PermissionsBoundary")
    role.tags = list(new.get("Tags", []))
    for arn in set(old.get("ManagedPolicyArns", [])) - set(new.get("ManagedPolicyArns", [])):
        backend.detach_role_policy(arn, role.name)
    for arn in new.get("ManagedPolicyArns", []):
        if arn not in role.managed_policies:
            backend.attach_role_policy(arn, role.name)
    new_inline = {p["PolicyName"]: p["PolicyDocument"] for p in new.get("Policies", [])}
    for name in {p["PolicyName"] for p in old.get("Policies", [])} - set(new_inline):
        backend.delete_role_policy(role.name, name)
    for name, document in new_inline.items():
        backend.put_role_policy(role.name, name, json.dumps(document))
    _ROLE_PROPERTIES[_role_key(role)] = new


def _role_key(role: Role) -> tuple[str, str, str]:
    return role.account_id, role.partition, role.name


def _page(response: IamResponse, key: str, items: list[Any]) -> dict[str, Any]:
    """One page of ``items`` under ``key``, as IAM's list actions page them: at most MaxItems
    (default 100) from the Marker; while more remain, IsTruncated and the Marker of the next page."""
    max_items = int(response._get_param("MaxItems") or 100)
    start = int(response._get_param("Marker") or 0)
    result: dict[str, Any] = {
        key: items[start : start + max_items],
        "IsTruncated": start + max_items < len(items),
    }
    if result["IsTruncated"]:
        result["Marker"] = str(start + max_items)
    return result


def _boundary_allows(backend: Any, role_arn: str, action: str, resource: str) -> bool:
    """Whether the permissions boundary of role ``role_arn``, if it has one, allows ``action``."""
    role = backend.get_role_by_arn(role_arn)
    if not role.permissions_boundary_arn:
        return True
    try:
        boundary = backend.get_policy(role.permissions_boundary_arn)
    except IAMNotFoundException:
        return False
    return bool(IAMPolicy(boundary).is_action_permitted(action, resource) == PermissionResult.PERMITTED)


class _ProtocolResource(CustomModel):
    """A custom resource that follows CloudFormation's protocol: remembers what its handler needs."""

    def __init__(
        self,
        region_name: str,
        logical_id: str,
        resource_name: str,
        properties: dict[str, Any],
        stack: Any,
        resource_type: str,
    ) -> None:
        super().__init__(region_name, str(uuid.uuid4()), logical_id, resource_name)
        self.properties = properties
        # The stack object itself: while a stack is being deleted, moto can no longer look it up.
        self.stack = stack
        self.resource_type = resource_type
        self.handler_physical_id: str | None = None
        self.failure: str | None = None
        self.refusal: str | None = None
        """Why CloudFormation would not take the handler's answer (it breaks the protocol's rules)."""
        self.answered = threading.Event()
        self.settled = threading.Event()
        self.replaces: _ProtocolResource | None = None
        """The resource this one replaced (its handler answered a new physical ID): deleted in cleanup."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        """The physical ID the handler answered, as CloudFormation reports it (moto's name until then)."""
        return self.handler_physical_id or self.resource_name

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _ProtocolResource:
        stack = cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
        resource = cls(
            region_name,
            kwargs["LogicalId"],
            resource_name,
            cloudformation_json["Properties"],
            stack,
            kwargs["ResourceType"],
        )
        try:
            resource.send("Create")
        except ResourceFailedError as failure:
            # Only a handler that answered gave a physical ID that a rollback's Delete can name.
            failure.resource = resource if resource.handler_physical_id is not None else None
            raise
        return resource

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _ProtocolResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _ProtocolResource:
        if cloudformation_json["Properties"].get("ServiceToken") != original_resource.properties.get(
            "ServiceToken"
        ):
            refused = ResourceFailedError(SERVICE_TOKEN_CHANGED)
            refused.untouched = True
            raise refused
        new = cls(
            region_name,
            original_resource.logical_id,
            new_resource_name,
            cloudformation_json["Properties"],
            original_resource.stack,
            original_resource.resource_type,
        )
        new.handler_physical_id = original_resource.handler_physical_id
        try:
            new.send("Update", old=original_resource)
        except ResourceFailedError as failure:
            # A rollback sends the next Update from these properties, under the unchanged physical ID.
            new.handler_physical_id = original_resource.handler_physical_id
            failure.resource = new
            raise
        if new.handler_physical_id != original_resource.handler_physical_id:
            new.replaces = original_resource
        new.stack.add_custom_resource(new)
        return new

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        """Unused: moto deletes through ``delete``, which has the resource's state."""

    def delete(self, account_id: str, region_name: str) -> None:
        self.send("Delete")

    def send(self, request_type: str, old: _ProtocolResource | None = None) -> None:
        """Invoke the resource's function with one protocol event and wait for its answer."""
        self.request_id = str(uuid.uuid4())
        self.answered = threading.Event()
        self.settled = threading.Event()
        self.failure = self.refusal = None
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": self.properties["ServiceToken"],
            "ResponseURL": f"{EMULATOR_HOST}:{settings.moto_server_port()}"
            f"/cloudformation_{self.region_name}/cfnresponse?stack={self.stack.stack_id}",
            "StackId": self.stack.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_id,
            "ResourceType": self.resource_type,
            "ResourceProperties": self.properties,
        }
        if self.handler_physical_id is not None:
            event["PhysicalResourceId"] = self.handler_physical_id
        if old is not None:
            event["OldResourceProperties"] = old.properties
        self.stack.add_custom_resource(self)
        function = get_lambda_backend(self.stack.account_id, self.region_name).get_function(
            self.properties["ServiceToken"]
        )
        _PENDING[self.request_id] = self

        settled = self.settled

        def invoke() -> None:
            try:
                function.invoke(json.dumps(event), {"x-amz-invocation-type": "Event"}, {})
            finally:
                # Lambda freezes the environment when the handler returns: no answer comes later.
                settled.set()

        threading.Thread(target=invoke, name=f"custom-resource:{self.logical_id}", daemon=True).start()
        settled.wait(min(_service_timeout(self.properties), RESPONSE_WAIT_SECONDS))
        _PENDING.pop(self.request_id, None)
        if not self.answered.is_set():
            raise ResourceFailedError(NO_ANSWER.format(request_id=self.request_id))
        if self.refusal is not None:
            raise ResourceFailedError(self.refusal)
        if self.failure is not None:
            raise ResourceFailedError(ANSWERED_FAILED.format(reason=self.failure, request_id=self.request_id))


def _refusal(body: bytes, physical_id: Any) -> str | None:
    """Why CloudFormation would not take a custom resource's answer, or None if it takes it: the
    limits of https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html."""
    if len(body) > MAX_RESPONSE_BYTES:
        return RESPONSE_TOO_LONG
    if (
        not isinstance(physical_id, str)
        or not physical_id
        or len(physical_id.encode()) > MAX_PHYSICAL_ID_BYTES
    ):
        return INVALID_PHYSICAL_ID
    return None


def _execution_role_session(function: LambdaFunction) -> dict[str, str]:
    """Credentials of a session of ``function``'s execution role, as Lambda gives its handler: one per
    execution environment, so kept for the function's invocations for ``SESSION_REUSE_SECONDS``
    (Lambda refreshes an environment's credentials before they expire; these last an hour)."""
    key = (function.function_arn, function.role, function.code_sha_256)
    now = time.monotonic()
    with _SESSIONS_LOCK:
        minted = _SESSIONS.get(key)
        if minted is None or now - minted[0] > SESSION_REUSE_SECONDS:
            minted = _SESSIONS[key] = (now, _mint_session(function))
    return minted[1]


def _mint_session(function: LambdaFunction) -> dict[str, str]:
    backend = sts_backends[function.account_id][get_partition(function.region)]
    session = backend.assume_role(
        region_name=function.region,
        role_session_name=function.function_name[:64],
        role_arn=function.role,
        policy="",
        duration=3600,
        external_id="",
    )
    _FUNCTION_SESSIONS[session.access_key_id] = function.role
    return {
        "aws_access_key_id": session.access_key_id,
        "aws_secret_access_key": session.secret_access_key,
        "aws_session_token": session.session_token,
    }


def _access_key_id(headers: Any) -> str:
    """The access key ID that signed a request (SigV4 ``Credential=KEY/date/region/service/...``)."""
    authorization = str(headers.get("Authorization") or "")
    _, found, rest = authorization.partition("Credential=")
    return rest.split("/", 1)[0] if found else ""


def _service_timeout(properties: dict[str, Any]) -> float:
    try:
        return float(properties.get("ServiceTimeout", DEFAULT_SERVICE_TIMEOUT_SECONDS))
    except (TypeError, ValueError):
        return DEFAULT_SERVICE_TIMEOUT_SECONDS


def _patch_module(module: Any, name: str, value: Any) -> None:
    setattr(module, name, value)


def _patch(owner: type, name: str, value: Any) -> None:
    """Replace one attribute of a moto class (typed loosely on purpose: this is monkey-patching)."""
    setattr(owner, name, value)


FIXES: list[Callable[[], None]] = [
    loopback_response_urls,
    python_lambdas_in_process,
    runnable_runtimes_only,
    inline_code_updates,
    custom_resource_protocol,
    failures_roll_back,
    deletes_in_dependency_order,
    previous_parameter_defaults,
    role_properties_applied,
    instance_profile_updates,
    managed_policies_follow_the_stack,
    log_group_updates,
    list_instance_profiles_filters_and_pages,
    list_instance_profile_tags,
    account_authorization_details_pages,
    assume_role_needs_the_role,
    functions_run_as_their_role,
    iam_actions_on_their_resources,
    cloudformation_actions_on_their_stacks,
    json_templates_parsed_as_json,
    cloudtrail_event_history,
    ssm_parameter_tags_as_a_map,
]


def apply_all() -> None:
    for fix in FIXES:
        fix()
