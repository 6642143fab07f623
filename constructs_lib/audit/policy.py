"""The IAM policies the audit needs: exactly these actions, each used by ``account``.

``AUDIT_POLICY`` is read-only; ``REPAIR_TAGS_POLICY`` adds the two writes of ``--repair-tags``. The
README prints both, and ``tests/test_audit_account.py`` runs the audit with exactly them while moto
enforces IAM, and proves each action needed: without any one of them the audit fails naming it.

``sts:GetCallerIdentity`` is not listed: AWS allows it to every principal. The instance-profile
and CloudFormation actions name ``Resource: "*"``: moto authorizes those calls against ``"*"``, so
it cannot check a narrower resource (on AWS, ``arn:aws:iam::ACCOUNT:instance-profile/*`` and
``arn:aws:cloudformation:*:ACCOUNT:stack/*`` are what the actions apply to). The role actions are
checked against each role's ARN, so they are scoped to roles.
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
            "Sid": "ReadTheirRoles",
            "Effect": "Allow",
            "Action": [
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
            ],
            "Resource": "arn:*:iam::*:role/*",
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
