"""The IDs cdk-nag gives its findings, so a construct can acknowledge exactly the ones it means.

cdk-nag v3 reports through CDK's policy validation and reads acknowledgments from
``Validations.of(construct).acknowledge(...)``, which is part of aws-cdk-lib: the library records
them without importing cdk-nag. A rule that reports several findings on one resource gets one ID per
finding, ``RULE[FINDING]``, where a CloudFormation reference in the finding is written flat
(``{"Ref": "AWS::Partition"}`` as ``<AWS::Partition>``). Pure Python: values are template JSON.
"""

from __future__ import annotations

import json

AWS_MANAGED_POLICY = "AwsSolutions-IAM4"
WILDCARD_PERMISSIONS = "AwsSolutions-IAM5"
NIST_INLINE_POLICY = "NIST.800.53.R5-IAMNoInlinePolicy"
NIST_FULL_ACCESS = "NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess"
NIST_ADMIN_ACCESS = "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess"


def flatten(reference: object) -> str:
    """A template value as cdk-nag writes it in a finding ID."""
    if reference is None:
        return ""
    if isinstance(reference, str):
        return reference.replace("${", "<").replace("}", ">")
    if isinstance(reference, dict):
        if "Fn::Join" in reference:
            separator, items = reference["Fn::Join"]
            return str(separator).join(flatten(item) for item in items)
        if "Fn::Sub" in reference:
            return flatten(reference["Fn::Sub"])
        if "Fn::GetAtt" in reference:
            resource, attribute = reference["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in reference:
            return flatten(reference["Fn::ImportValue"])
        if "Ref" in reference:
            return f"<{flatten(reference['Ref'])}>"
    return json.dumps(reference, separators=(",", ":"))


def aws_managed_policy(arn: object) -> str:
    """The finding of an AWS-managed policy attached to a role, from its ARN in the template."""
    return f"{AWS_MANAGED_POLICY}[Policy::{flatten(arn)}]"


def wildcard_action(action: str) -> str:
    """The finding of an ``Allow`` of an action that contains ``*``."""
    return f"{WILDCARD_PERMISSIONS}[Action::{action}]"


def wildcard_resource(resource: object) -> str:
    """The finding of an ``Allow`` on a resource that contains ``*``, from its value in the template."""
    return f"{WILDCARD_PERMISSIONS}[Resource::{flatten(resource)}]"
