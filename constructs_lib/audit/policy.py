"""The IAM policies the audit needs: exactly these actions, each used by ``account`` or ``accounts``.

``AUDIT_POLICY`` is read-only; ``REPAIR_TAGS_POLICY`` adds the two writes of ``--repair-tags``. The
README prints both, and ``tests/test_audit_account.py`` runs the audit with exactly them while moto
enforces IAM, and proves each action needed: without any one of them the audit fails naming it.

``sts:GetCallerIdentity`` is not listed: AWS allows it to every principal. The roles are read in
bulk: ``iam:GetAccountAuthorizationDetails`` and ``iam:ListRoles`` apply to no resource type (the
Service Authorization Reference lists none), so they take ``"*"``; ``GetAccountAuthorizationDetails``
reads every role of the account with its policies, so the audit role can read all of them. The
instance-profile and CloudFormation actions name ``Resource: "*"`` too: moto authorizes
``ListInstanceProfiles`` and ``DescribeStackResource`` of a stack that does not exist against ``"*"``
(on AWS, ``arn:aws:iam::ACCOUNT:instance-profile/*`` and ``arn:aws:cloudformation:*:ACCOUNT:stack/*``
are what the actions apply to).

``deployment_policy`` and ``audit_role_trust_policy`` are for ``--deployment``: the first is what
the auditing principal needs (assume the audit role, list the OUs' accounts, learn the management
account to leave out of them), the second lets it assume the audit role, which holds
``AUDIT_POLICY`` in each account. ``tests/test_audit_deployment.py`` runs a deployment's audit with
exactly ``deployment_policy`` while moto enforces IAM, and without each of its actions.
"""

from __future__ import annotations

from typing import Any

AUDIT_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadInstanceProfiles",
            "Effect": "Allow",
            "Action": ["iam:GetInstanceProfile", "iam:ListInstanceProfileTags", "iam:ListInstanceProfiles"],
            "Resource": "*",
        },
        {
            "Sid": "ReadTheirRolesInBulk",
            "Effect": "Allow",
            "Action": ["iam:GetAccountAuthorizationDetails", "iam:ListRoles"],
            "Resource": "*",
        },
        {
            "Sid": "ReadNamesCloudFormationGenerated",
            "Effect": "Allow",
            "Action": "cloudformation:DescribeStackResource",
            "Resource": "*",
        },
    ],
}
"""What ``ec2-access-profiles audit`` needs, and nothing more."""

REPAIR_TAGS_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "RepairInstanceProfileTags",
            "Effect": "Allow",
            "Action": ["iam:TagInstanceProfile", "iam:UntagInstanceProfile"],
            "Resource": "*",
        }
    ],
}
"""What ``--repair-tags`` needs on top of ``AUDIT_POLICY``."""


def deployment_policy(role_name: str, partition: str = "aws") -> dict[str, Any]:
    """What the principal running ``audit --deployment NAME --role-name ROLE`` needs: assume ``ROLE``
    in any account, and (for OU deployments, in the management account or a delegated
    administrator) list the accounts and OUs under an OU, and learn which account is the management
    account, to which StackSets never deploy."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeTheAuditRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:{partition}:iam::*:role/{role_name.strip('/')}",
            },
            {
                "Sid": "ListTheAccountsOfOUs",
                "Effect": "Allow",
                "Action": [
                    "organizations:ListAccountsForParent",
                    "organizations:ListOrganizationalUnitsForParent",
                ],
                "Resource": "*",
            },
            {
                "Sid": "FindTheManagementAccount",
                "Effect": "Allow",
                "Action": "organizations:DescribeOrganization",
                "Resource": "*",
            },
        ],
    }


def audit_role_trust_policy(auditing_account: str, partition: str = "aws") -> dict[str, Any]:
    """The audit role's trust policy in each audited account: the auditing account may assume it
    (and, in that account, only principals its own policies allow: ``deployment_policy``)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{auditing_account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
