"""A role's inline policies as IAM receives them, worst case, computed apart from the library.

The library sizes the tag function's policy in the template, against its own constants. IAM counts
the document CloudFormation sends it, after the intrinsics resolve, so this module resolves them
with the longest values a deploy can give (botocore's partitions and regions, a 12-digit account,
CloudFormation's longest stack name and generated names) and counts as IAM documents: the JSON,
whitespace not counted. It imports nothing of ``constructs_lib``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.loaders

IAM_INLINE_POLICIES_MAX_CHARACTERS = 10_240
"""IAM and AWS STS quotas: the aggregate size of a role's inline policies "cannot exceed 10,240
characters"; "IAM does not count white space when calculating the size of a policy"."""
ACCOUNT = "123456789012"
STACK_NAME_MAX = 128
"""CloudFormation: a stack name is at most 128 characters."""
GENERATED_SUFFIX = 13
"""CloudFormation names a resource it names itself ``stack-logicalId-SUFFIX``: a random suffix of
about 12 characters (one more is counted here, to stay a bound)."""
STACK_ID_UUID = 36


@cache
def longest_partition_and_region() -> tuple[str, str]:
    """The longest partition ID and the longest region name botocore knows (each on its own)."""
    partitions = botocore.loaders.create_loader().load_data("endpoints")["partitions"]
    partition = max((p["partition"] for p in partitions), key=len)
    region = max((r for p in partitions for r in p["regions"]), key=len)
    return partition, region


def _arn(service: str, resource: str) -> str:
    partition, region = longest_partition_and_region()
    return f"arn:{partition}:{service}:{region}:{ACCOUNT}:{resource}"


def _stack_name() -> str:
    return "s" * STACK_NAME_MAX


def _pseudo(name: str) -> str:
    partition, region = longest_partition_and_region()
    values = {
        "AWS::Partition": partition,
        "AWS::AccountId": ACCOUNT,
        "AWS::Region": region,
        "AWS::StackName": _stack_name(),
        "AWS::StackId": _arn("cloudformation", f"stack/{_stack_name()}/{'u' * STACK_ID_UUID}"),
    }
    if name not in values:
        raise ValueError(f"no worst-case value for pseudo parameter {name}")
    return values[name]


def _get_att(resources: dict[str, Any], logical_id: str, attribute: str) -> str:
    resource = resources[logical_id]
    if (resource["Type"], attribute) != ("AWS::Logs::LogGroup", "Arn"):
        raise ValueError(f"no worst-case value for {resource['Type']}.{attribute}")
    name = resource.get("Properties", {}).get("LogGroupName")
    if name is None:
        name = f"{_stack_name()}-{logical_id}-{'x' * GENERATED_SUFFIX}"
    elif not isinstance(name, str):
        raise ValueError(f"no worst-case value for the log group name {name!r}")
    return _arn("logs", f"log-group:{name}:*")


def resolve(value: Any, resources: dict[str, Any]) -> Any:
    """``value`` with each intrinsic replaced by its longest deploy-time string; an intrinsic this
    does not know fails, rather than be counted short."""
    if isinstance(value, list):
        return [resolve(item, resources) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return _pseudo(value["Ref"])
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        return _get_att(resources, logical_id, attribute)
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part, resources) for part in parts)
    if any(key.startswith("Fn::") for key in value):
        raise ValueError(f"no worst-case value for {value}")
    return {key: resolve(item, resources) for key, item in value.items()}


def deployed_size(document: Any, resources: dict[str, Any]) -> int:
    """Characters IAM counts in ``document`` once deployed, worst case."""
    text = json.dumps(resolve(document, resources), separators=(",", ":"))
    return sum(1 for char in text if not char.isspace())


def role_inline_policies_size(template: Mapping[str, Any], role_id: str) -> int:
    """All inline policies of a role in ``template`` together, as IAM counts them, worst case."""
    resources = template["Resources"]
    policies = resources[role_id]["Properties"].get("Policies", [])
    return sum(deployed_size(policy["PolicyDocument"], resources) for policy in policies)


def tag_function_role(template: Mapping[str, Any]) -> str:
    """The logical ID of the one role Lambda assumes in ``template`` (the tag function's)."""
    (role_id,) = (
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
        and "lambda.amazonaws.com" in json.dumps(resource["Properties"]["AssumeRolePolicyDocument"])
    )
    return str(role_id)
